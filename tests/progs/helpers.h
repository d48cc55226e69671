/*
 * helpers.h: what the helper programs share: their command-line number
 * parser, and a fork that does not print twice.
 */
#ifndef ST_PROGS_HELPERS_H
#define ST_PROGS_HELPERS_H

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* s as a decimal number in [lo, hi]; exits 2 with a message when it is
 * not one. */
static inline long parse_num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		errx(2, "bad number: %s", s);
	return v;
}

/* fork() with stdout flushed first, so the child cannot print the parent's
 * buffered lines again; exits 1 when it fails. */
static inline pid_t fork_flushed(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	return pid;
}

#endif
