/*
 * logmaker.h: the launcher's side of common/broker.h: it makes log files
 * for the traced processes that may not make them (after a privilege
 * drop), and gathers what the library says about processes it could not
 * trace, for the summary.
 */
#ifndef ST_LOGMAKER_H
#define ST_LOGMAKER_H

#include <stddef.h>

/* Starts serving requests for the log folder dir (in a thread of its own)
 * and puts its name into the environment (SOCKTRACE_BROKER); 0, or -1
 * (errno set) when it cannot: the trace then goes on without it. */
int st_logmaker_start(const char *dir);
/* Stops serving; returns the lines for the summary, *n of them: what the
 * library sent, one line per trouble with every process that had it
 * ("pid N: why", "pids N, M, ...: why"), malloc'd (the caller frees each
 * and the array); *pids (malloc'd, *npids of them) every process named. */
char **st_logmaker_stop(size_t *n, int **pids, size_t *npids);

#endif
