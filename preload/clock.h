/*
 * clock.h: where call times come from.  On x86-64 with an invariant
 * time-stamp counter that the CPUs agree on, a call's start and end are
 * two reads of the counter (rdtsc, about 11 ns here, against 23 to 27 for
 * clock_gettime through the vDSO, and no cold clock pages after a context
 * switch); the log gets calibration pairs (CLOCK frames, common/binlog.h)
 * from which readers turn ticks into ns since the epoch.  Elsewhere, or
 * when the check at start-up fails or SOCKTRACE_CLOCK=realtime, times are
 * CLOCK_REALTIME in ns, as before.  clock.c says how the choice is made.
 */
#ifndef ST_CLOCK_H
#define ST_CLOCK_H

#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "binlog.h"

/* Read on every call: one cache line. */
struct st_clock {
	int tsc;		/* 1: call times are counter ticks */
	uint64_t next;		/* the tick from which the next pair is due */
	uint64_t gap;		/* ticks to the pair after that; doubles */
	uint64_t hz;		/* ticks per second, estimated at start-up */
} __attribute__((aligned(64)));

extern struct st_clock st_clk;

/* CLOCK_REALTIME in ns since the epoch. */
static inline int64_t st_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Now: counter ticks, or ns since the epoch (st_clk.tsc says which). */
static inline int64_t st_now(void)
{
#if defined(__x86_64__)
	if (__builtin_expect(st_clk.tsc, 1))
		return (int64_t)__rdtsc();
#endif
	return st_realtime_ns();
}

void st_clock_due(uint64_t now);

/* After a record's times are taken, with the log open: a pair when one is
 * due (an interval passed, or the ring was copied out). */
static inline void st_clock_tick(int64_t now)
{
	if (__builtin_expect(st_clk.tsc && (uint64_t)now >= __atomic_load_n(&st_clk.next,
									__ATOMIC_RELAXED), 0))
		st_clock_due((uint64_t)now);
}

/* At start-up (init.c): chooses the clock. */
void st_clock_init(void);
/* The CLOCK frame (head and body) that starts a new log, into buf, and
 * the pair schedule started again; returns its size, 0 when times are
 * not ticks. */
size_t st_clock_start(unsigned char *buf);
#define ST_CLOCK_FRAME_SIZE (sizeof(struct st_frame) + sizeof(struct st_frame_clock))
/* A pair into the open log now (before exit or exec: why ST_CLOCK_END). */
void st_clock_write(uint32_t why);
/* The ring was copied out: the next record takes a pair. */
static inline void st_clock_copied(void)
{
	__atomic_store_n(&st_clk.next, 0, __ATOMIC_RELAXED);
}
/* "tsc" or "realtime", for the header. */
const char *st_clock_name(void);
/* The variable that passes the choice to an exec'd image, so it does not
 * check again: "SOCKTRACE_TSC=<hz>" (0: not usable), or
 * "SOCKTRACE_CLOCK=realtime" when that was asked for. */
void st_clock_env(char buf[48]);

#endif
