/*
 * args.h: the command-line number parser the benchmark programs share
 * (each program is one .c file, see the Makefile's bench rule).
 */
#ifndef ST_BENCH_ARGS_H
#define ST_BENCH_ARGS_H

#include <err.h>
#include <errno.h>
#include <stdlib.h>

/* Parses a decimal number in [min, max], or exits with status 2. */
static inline long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "bad %s: %s", what, s);
	return v;
}

#endif
