/*
 * logtext.h: a log file's contents as the JSON lines the tests read.  The
 * library writes binary logs (common/binlog.h); they are decoded here with
 * the same decoder sockview uses, and anything the decoder had to skip is
 * reported to the caller, which counts it as malformed.
 */
#ifndef ST_TESTS_LOGTEXT_H
#define ST_TESTS_LOGTEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

/* Replaces *buf (malloc'd, *len bytes, one spare byte after) by its JSON
 * lines when it is a binary log; returns the corrupt stretches and lost
 * five-tuples the decoder met (0 for a JSON file).  *tail_zeros gets the
 * zero bytes after the last frame beyond its padding: what a killed
 * process leaves (0 for a JSON file, which keeps its NUL bytes in place). */
static inline unsigned long lt_decode(char **buf, size_t *len, size_t *tail_zeros)
{
	struct st_binlog_stats bs;
	char *text;
	size_t n, z = 0;

	*tail_zeros = 0;
	if (!st_binlog_is(*buf, *len))
		return 0;
	while (z < *len && (*buf)[*len - 1 - z] == '\0')
		z++;
	*tail_zeros = z >= 8 ? z : 0;
	if (st_binlog_decode((const unsigned char *)*buf, *len, &text, &n, &bs) != 0) {
		fprintf(stderr, "logtext: cannot decode a binary log\n");
		abort();
	}
	if (bs.bad || bs.no_tuple)
		fprintf(stderr, "logtext: %llu corrupt stretches (%llu bytes), %llu lost five-tuples\n",
			(unsigned long long)bs.bad, (unsigned long long)bs.bad_bytes,
			(unsigned long long)bs.no_tuple);
	free(*buf);
	*buf = realloc(text, n + 1);
	if (!*buf)
		abort();
	(*buf)[n] = '\0';
	*len = n;
	return (unsigned long)(bs.bad + bs.no_tuple);
}

/* A log's name: <pid>.jsonl (converted by the launcher) or <pid>.stlog. */
static inline int lt_is_log_name(const char *name)
{
	size_t l = strlen(name);

	return l > 6 && (strcmp(name + l - 6, ".jsonl") == 0 || strcmp(name + l - 6, ".stlog") == 0);
}

#endif
