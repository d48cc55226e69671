/*
 * clock.c: the choice of clock at start-up, and the calibration pairs
 * (see clock.h).
 *
 * The counter is used when all of these hold:
 *   - SOCKTRACE_CLOCK is not "realtime" (the way to force the fallback);
 *   - the CPU is x86-64 and says its counter is invariant (CPUID
 *     0x80000007, EDX bit 8: it ticks at one rate in every power state);
 *   - the counters of the CPUs agree: the kernel's own verdict when it
 *     keeps time with the counter (current_clocksource is "tsc"), else a
 *     check of ours: this thread is moved to each CPU it may run on, twice
 *     round, and reads the counter next to CLOCK_MONOTONIC (which the
 *     kernel keeps consistent across CPUs) on each; every reading must lie
 *     within 1 us of the line through the first and last (on the same
 *     CPU).  The thread's CPU mask is put back after.  With fewer than
 *     two CPUs to move to, nothing can be checked: the fallback.
 * The check costs a few migrations (tens to hundreds of us), so it is made
 * once per run: the verdict (the counter's rate, or 0) goes to exec'd
 * images in SOCKTRACE_TSC (wrap_proc.c), and fork children inherit it.
 * SOCKTRACE_CLOCK=check makes the check even where the kernel trusts the
 * counter (for tests).
 *
 * Pairs: one when a log is made, then one per interval (1 ms, doubling to
 * 1 s) while calls are made, one after each copy of the ring into the
 * file, and one before exit or exec.  So a reader interpolates every
 * record between two pairs at most a second apart, and a killed process's
 * last records lie at most one interval past its last pair.
 */
#include "clock.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real.h"
#include "record.h"
#include "sink.h"

struct st_clock st_clk;

/* Set when SOCKTRACE_CLOCK=realtime asked for the fallback. */
static int forced;

/* How far a CPU's counter may stray from the others' line, in ns. */
#define WARP_NS 1000
/* CPUs the check visits at most. */
#define CHECK_CPUS 16

/* A pair of the counter and CLOCK_REALTIME (and CLOCK_MONOTONIC): the
 * tightest of three tries, the counter taken midway between two reads. */
static void take_pair(struct st_frame_clock *k)
{
#if defined(__x86_64__)
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		struct timespec r, m;
		uint64_t a, b;

		a = __rdtsc();
		clock_gettime(CLOCK_REALTIME, &r);
		b = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &m);
		if (b - a < best) {
			best = b - a;
			k->tsc = a + (b - a) / 2;
			k->real = (int64_t)r.tv_sec * 1000000000 + r.tv_nsec;
			k->mono = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
		}
	}
#else
	memset(k, 0, sizeof(*k));
#endif
	k->hz = st_clk.hz;
	k->zero = 0;
}

#if defined(__x86_64__)
static int invariant_tsc(void)
{
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000007u)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u), "c"(0));
	return (d >> 8) & 1;
}

/* The counter next to CLOCK_MONOTONIC, the tightest of three tries. */
static void mono_pair(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		struct timespec m;
		uint64_t a = __rdtsc(), b;

		clock_gettime(CLOCK_MONOTONIC, &m);
		b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
		}
	}
}

/* Ticks per second from two pairs; 0 when they make no sense. */
static uint64_t rate(uint64_t t0, int64_t n0, uint64_t t1, int64_t n1)
{
	if (t1 <= t0 || n1 <= n0)
		return 0;
	return (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000u / (uint64_t)(n1 - n0));
}

/* The kernel keeps time with the counter: it has checked the CPUs agree. */
static int kernel_trusts(void)
{
	char buf[16] = { 0 };
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = st_real.read(fd, buf, sizeof(buf) - 1);
	st_real.close(fd);
	return n == 4 && memcmp(buf, "tsc\n", 4) == 0;
}

/* The counter's rate over about 50 us, for a kernel that trusts it. */
static uint64_t measure(void)
{
	uint64_t t0, t1;
	int64_t n0, n1;

	mono_pair(&t0, &n0);
	do
		mono_pair(&t1, &n1);
	while (n1 - n0 < 50000);
	return rate(t0, n0, t1, n1);
}

/* The check across CPUs (see the top); returns the rate, or 0. */
static uint64_t check_cpus(void)
{
	cpu_set_t old, one;
	int cpus[CHECK_CPUS], n = 0, i, k = 0;
	uint64_t t[2 * CHECK_CPUS + 1], hz;
	int64_t ns[2 * CHECK_CPUS + 1];
	int ok = 1;

	if (sched_getaffinity(0, sizeof(old), &old) != 0)
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < CHECK_CPUS; i++)
		if (CPU_ISSET(i, &old))
			cpus[n++] = i;
	if (n < 2)
		return 0;
	for (i = 0; i <= 2 * n && ok; i++) {
		CPU_ZERO(&one);
		CPU_SET(cpus[i % n], &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0)
			ok = 0;
		else
			mono_pair(&t[k], &ns[k]), k++;
	}
	sched_setaffinity(0, sizeof(old), &old);
	if (!ok || (hz = rate(t[0], ns[0], t[k - 1], ns[k - 1])) == 0)
		return 0;
	for (i = 1; i < k; i++) {
		int64_t want = ns[0] + (int64_t)((unsigned __int128)(t[i] - t[0]) * 1000000000u / hz);

		if (t[i] <= t[i - 1] || want - ns[i] > WARP_NS || ns[i] - want > WARP_NS)
			return 0;
	}
	return hz;
}
#endif

void st_clock_init(void)
{
	const char *c = getenv("SOCKTRACE_CLOCK"), *v;
	uint64_t hz = 0;

	st_clk.tsc = 0;
	forced = c && strcmp(c, "realtime") == 0;
	if (forced)
		return;
#if defined(__x86_64__)
	if (!invariant_tsc())
		return;
	v = getenv("SOCKTRACE_TSC");
	if (v && !(c && strcmp(c, "check") == 0))
		hz = strtoull(v, NULL, 10);
	else if (kernel_trusts() && !(c && strcmp(c, "check") == 0))
		hz = measure();
	else
		hz = check_cpus();
#else
	(void)v;
#endif
	if (hz < 1000000)	/* not a rate: no counter ticks this slowly */
		return;
	st_clk.hz = hz;
	st_clk.gap = hz / 1000;
	st_clk.tsc = 1;
}

size_t st_clock_start(unsigned char *buf)
{
	struct st_frame f = { ST_FRAME_MARK, ST_FRAME_CLOCK, 0, sizeof(struct st_frame_clock) };
	struct st_frame_clock k;

	if (!st_clk.tsc)
		return 0;
	take_pair(&k);
	k.why = ST_CLOCK_START;
	st_clk.gap = st_clk.hz / 1000;
	__atomic_store_n(&st_clk.next, k.tsc + st_clk.gap, __ATOMIC_RELAXED);
	memcpy(buf, &f, sizeof(f));
	memcpy(buf + sizeof(f), &k, sizeof(k));
	return ST_CLOCK_FRAME_SIZE;
}

void st_clock_write(uint32_t why)
{
	struct st_frame f = { ST_FRAME_MARK, ST_FRAME_CLOCK, 0, sizeof(struct st_frame_clock) };
	struct st_frame_clock k;

	if (!st_clk.tsc)
		return;
	take_pair(&k);
	k.why = why;
	st_sink_write(&f, &k);
}

void st_clock_due(uint64_t now)
{
	uint64_t next = __atomic_load_n(&st_clk.next, __ATOMIC_RELAXED);
	uint64_t gap = st_clk.gap;

	/* One thread takes it; the others go on. */
	if (now < next || !__atomic_compare_exchange_n(&st_clk.next, &next, now + gap, false,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	if (gap < st_clk.hz)
		st_clk.gap = gap * 2;
	st_clock_write(next == 0 ? ST_CLOCK_COPY : ST_CLOCK_TICK);
}

const char *st_clock_name(void)
{
	return st_clk.tsc ? "tsc" : "realtime";
}

void st_clock_env(char buf[48])
{
	static const char rt[] = "SOCKTRACE_CLOCK=realtime", tsc[] = "SOCKTRACE_TSC=";

	if (forced) {
		memcpy(buf, rt, sizeof(rt));
		return;
	}
	memcpy(buf, tsc, sizeof(tsc) - 1);
	buf[sizeof(tsc) - 1 + st_fmt_int(buf + sizeof(tsc) - 1, st_clk.tsc ? (int64_t)st_clk.hz : 0)] = '\0';
}
