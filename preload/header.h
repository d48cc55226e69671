/*
 * header.h: the first line of each log (who this process is) and the log
 * file's name.
 */
#ifndef ST_HEADER_H
#define ST_HEADER_H

#include <stddef.h>
#include <sys/types.h>

/* Builds the header record into buf; returns its length or -1. */
long st_build_header(char *buf, size_t cap);
/* Reads who the host is (name, boot id, network namespace, cgroup) for
 * the headers to come; once, at start-up. */
void st_read_host(void);
/* "<pid>.stlog" for n == 0, else "<pid>-<n>.stlog"; buf >= 64 bytes. */
void st_log_file_name(char *buf, pid_t pid, int n);

#endif
