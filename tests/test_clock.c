/*
 * test_clock.c: call times taken from the CPU's time-stamp counter
 * (preload/clock.c) are the kernel's time (issue 20).
 *
 *   own clock   a program reads CLOCK_REALTIME itself right before and
 *               after each of 2,000 calls (with pauses, so the log spans
 *               several calibration pairs); every record's converted start
 *               and end lie within that window, give or take 1 us
 *   two CPUs    a parent and its fork child pinned to two different CPUs
 *               play ping-pong over a socketpair: every receive ends after
 *               the matching send began, in both directions, across the
 *               two processes' logs
 *   choice      each under the default choice, under SOCKTRACE_CLOCK=check
 *               (our check across CPUs even where the kernel trusts the
 *               counter) and SOCKTRACE_CLOCK=realtime (the fallback, which
 *               the header must then name); where the CPU says its counter
 *               is invariant and the kernel keeps time with it, the default
 *               must be the counter
 */
#include "procs.h"

#define N_SELF "1000"
#define N_PINGPONG "2000"

/* The modes each case runs under: the environment added, and the clock
 * the header must name ("" when it depends on the machine). */
static const struct {
	const char *env;
	const char *want;
} modes[] = {
	{ NULL, "" },
	{ "SOCKTRACE_CLOCK=check", "" },
	{ "SOCKTRACE_CLOCK=realtime", "realtime" },
};

static bool file_has(const char *path, const char *word)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, word) != NULL;
}

/* What the library's default must choose here: the counter when the CPU
 * says it is invariant (Linux shows CPUID 0x80000007 EDX bit 8 as both
 * flags) and the kernel keeps time with it; else either is right. */
static const char *default_clock(void)
{
#if defined(__x86_64__)
	if (file_has("/proc/cpuinfo", " constant_tsc") && file_has("/proc/cpuinfo", " nonstop_tsc") &&
	    file_has("/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc"))
		return "tsc";
#endif
	return "";
}

static void check_clock_name(const struct logfile *f, const char *want, const char *env)
{
	assert_true(strcmp(f->clock, "tsc") == 0 || strcmp(f->clock, "realtime") == 0);
	if (want[0] && strcmp(f->clock, want) != 0)
		fail_msg("%s: the header says clock %s, not %s", env ? env : "default", f->clock,
			 want);
}

static void run_mode(int m, const char *const argv[])
{
	const char *env[2] = { modes[m].env, NULL };

	free_logs(&g_logs);
	run_free(&g_run);
	run_prog(&g_run, true, argv, env, 60);
	assert_exit_ok(&g_run);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.malformed, 0);
}

static void test_times_match_own_clock(void **state)
{
	const char *const argv[] = { "clockcmp", "self", N_SELF, NULL };
	size_t m;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *p, *want = modes[m].want[0] || modes[m].env ? modes[m].want
									: default_clock();
		int64_t worst = INT64_MIN;
		size_t i, k = 0;

		run_mode((int)m, argv);
		assert_int_equal(g_logs.nfiles, 1);
		check_clock_name(&g_logs.files[0], want, modes[m].env);
		p = g_run.out;
		for (i = 0; i < g_logs.nrecs; i++) {
			const struct rec *r = &g_logs.recs[i];
			char call[8];
			long long a, b;

			if (strcmp(r->call, "send") != 0 && strcmp(r->call, "recv") != 0)
				continue;
			p = strstr(p, "@ t ");
			assert_non_null(p);
			assert_int_equal(sscanf(p, "@ t %7s %lld %lld", call, &a, &b), 3);
			p++;
			assert_string_equal(call, r->call);
			assert_true(r->dur >= 0);
			if (r->t < a - 1000 || r->t + r->dur > b + 1000)
				fail_msg("%s (%s): %s #%zu logged at [%lld, %lld], the program saw "
					 "[%lld, %lld]", modes[m].env ? modes[m].env : "default",
					 g_logs.files[0].clock, call, k, (long long)r->t,
					 (long long)(r->t + r->dur), a, b);
			if (a - r->t > worst)
				worst = a - r->t;
			if (r->t + r->dur - b > worst)
				worst = r->t + r->dur - b;
			k++;
		}
		assert_int_equal(k, 2 * atoi(N_SELF));
		printf("# %s: clock %s, %zu calls; closest a record came to leaving the program's "
		       "window: %lld ns (negative: inside)\n",
		       modes[m].env ? modes[m].env : "default", g_logs.files[0].clock, k,
		       (long long)worst);
	}
}

/* The i-th record of file f with this call, or NULL. */
static const struct rec *nth(const struct logfile *f, const char *call, size_t n)
{
	size_t i;

	for (i = f->first; i < f->first + f->count; i++)
		if (strcmp(g_logs.recs[i].call, call) == 0 && n-- == 0)
			return &g_logs.recs[i];
	return NULL;
}

static void test_order_across_cpus(void **state)
{
	const char *const argv[] = { "clockcmp", "pingpong", N_PINGPONG, NULL };
	size_t m;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const struct logfile *par = NULL, *kid = NULL;
		int i, n = atoi(N_PINGPONG);
		int64_t closest = INT64_MAX;

		run_mode((int)m, argv);
		assert_non_null(strstr(g_run.out, "@ cpus "));
		assert_int_equal(g_logs.nfiles, 2);
		for (i = 0; i < 2; i++) {
			check_clock_name(&g_logs.files[i], modes[m].want, modes[m].env);
			if (g_logs.files[i].fork_of > 0)
				kid = &g_logs.files[i];
			else
				par = &g_logs.files[i];
		}
		assert_non_null(par);
		assert_non_null(kid);
		for (i = 0; i < n; i++) {
			const struct rec *ps = nth(par, "send", (size_t)i), *pr = nth(par, "recv", (size_t)i);
			const struct rec *cs = nth(kid, "send", (size_t)i), *cr = nth(kid, "recv", (size_t)i);

			assert_non_null(ps);
			assert_non_null(pr);
			assert_non_null(cs);
			assert_non_null(cr);
			/* A receive returns after the send it waits for began. */
			if (cr->t + cr->dur <= ps->t || pr->t + pr->dur <= cs->t)
				fail_msg("%s: round trip %d out of order: parent send at %lld, child "
					 "recv ends %lld; child send at %lld, parent recv ends %lld",
					 modes[m].env ? modes[m].env : "default", i, (long long)ps->t,
					 (long long)(cr->t + cr->dur), (long long)cs->t,
					 (long long)(pr->t + pr->dur));
			if (cr->t + cr->dur - ps->t < closest)
				closest = cr->t + cr->dur - ps->t;
			if (pr->t + pr->dur - cs->t < closest)
				closest = pr->t + pr->dur - cs->t;
		}
		printf("# %s: clock %s, CPUs %ld and %ld; closest receive end after its send "
		       "%lld ns\n", modes[m].env ? modes[m].env : "default", par->clock,
		       strtol(strstr(g_run.out, "@ cpus ") + 7, NULL, 10),
		       strtol(strchr(strstr(g_run.out, "@ cpus ") + 7, ' '), NULL, 10),
		       (long long)closest);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_times_match_own_clock, run_cleanup),
		cmocka_unit_test_teardown(test_order_across_cpus, run_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
