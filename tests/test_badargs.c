/*
 * test_badargs.c: whatever arguments a program passes, it gets what the
 * kernel would have given it, traced or not: the same result, the same
 * errno, and no signal.
 *
 *   table    tests/progs/badargs: every wrapped call with good and bad
 *            pointers (NULL, a bad address, a kernel address, an unmapped
 *            page, a structure cut by the end of a mapping, a read-only
 *            page), absurd and boundary lengths, a bad and a closed
 *            descriptor, one case per child; the untraced run must give
 *            the table's expectations and the traced run the same lines
 *   random   tests/progs/randargs: thousands of calls with random
 *            arguments from a seed, untraced and traced, compared call by
 *            call.  SOCKTRACE_RANDARGS_SEED fixes the seed (else one is
 *            drawn and printed), SOCKTRACE_RANDARGS_CALLS the number of
 *            calls (30000 by default; a longer run by hand: 1000000)
 *   marks    the log of a call whose address or payload the kernel did not
 *            read says so, and still has the call, its result and errno;
 *            sockview's timeline shows it
 */
#include "procs.h"

#include <sys/time.h>

static char *g_untraced;

static int cleanup(void **state)
{
	free(g_untraced);
	g_untraced = NULL;
	return run_cleanup(state);
}

/* The line of text starting at p, without its newline, into out. */
static void line_at(const char *p, char *out, size_t cap)
{
	size_t n = strcspn(p, "\n");

	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

/* Fails with every line where a (untraced) and b (traced) differ, at most
 * max of them, and how to run it again. */
static void compare_lines(const char *a, const char *b, int max, const char *again)
{
	char msg[8192], la[256], lb[256];
	size_t o = 0;
	int diffs = 0, lineno = 1;

	msg[0] = '\0';
	while (*a || *b) {
		size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");

		if (na != nb || memcmp(a, b, na) != 0) {
			line_at(a, la, sizeof(la));
			line_at(b, lb, sizeof(lb));
			if (diffs < max && o < sizeof(msg) - 600)
				o += (size_t)snprintf(msg + o, sizeof(msg) - o,
						      "  line %d untraced: %s\n  line %d traced:   %s\n",
						      lineno, la, lineno, lb);
			diffs++;
		}
		a += na + (a[na] == '\n');
		b += nb + (b[nb] == '\n');
		lineno++;
	}
	if (diffs)
		fail_msg("%d lines differ traced vs untraced (%s):\n%s", diffs, again, msg);
}

static void test_table(void **state)
{
	const char *argv[] = { "badargs", NULL };
	const char *p;
	long cases;
	int lines = 0;

	(void)state;
	run_prog(&g_run, false, argv, NULL, 240);
	assert_exit_ok(&g_run);
	g_untraced = strdup(g_run.out);
	run_free(&g_run);
	/* The untraced run is the kernel's answer: the table must say it. */
	for (p = g_untraced; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		char l[256];

		line_at(p, l, sizeof(l));
		if (l[0] == '@')
			continue;
		lines++;
		if (!strstr(l, " ok") || strstr(l, "MISMATCH"))
			fail_msg("untraced, the kernel answers otherwise than the table: %s", l);
	}
	cases = out_num(g_untraced, "@ done", "cases");
	assert_int_equal(cases, lines);
	assert_true(cases >= 300);
	run_prog(&g_run, true, argv, NULL, 240);
	assert_exit_ok(&g_run);
	compare_lines(g_untraced, g_run.out, 40, "build/tests/progs/badargs NAME runs one case");
}

static unsigned long long env_num(const char *name, unsigned long long dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return dflt;
	n = strtoull(v, &end, 10);
	if (*end)
		fail_msg("%s is not a number: %s", name, v);
	return n;
}

static void test_random(void **state)
{
	struct timeval tv;
	char seed[32], calls[32], tag[32], again[160];
	const char *argv[] = { "randargs", seed, calls, tag, NULL };
	unsigned long long s, n;

	(void)state;
	gettimeofday(&tv, NULL);
	s = env_num("SOCKTRACE_RANDARGS_SEED",
		    ((unsigned long long)tv.tv_sec * 1000003ULL) ^ (unsigned long long)tv.tv_usec ^
			    (unsigned long long)getpid());
	n = env_num("SOCKTRACE_RANDARGS_CALLS", 30000);
	snprintf(seed, sizeof(seed), "%llu", s);
	snprintf(calls, sizeof(calls), "%llu", n);
	snprintf(tag, sizeof(tag), "%d", (int)getpid());
	snprintf(again, sizeof(again),
		 "seed %llu: SOCKTRACE_RANDARGS_SEED=%llu SOCKTRACE_RANDARGS_CALLS=%llu", s, s, n);
	print_message("randargs seed %llu, %llu calls\n", s, n);
	run_prog(&g_run, false, argv, NULL, 600);
	if (g_run.status == -1 || !WIFEXITED(g_run.status) || WEXITSTATUS(g_run.status) != 0)
		fail_msg("randargs untraced did not finish (%s), status 0x%x", again, g_run.status);
	g_untraced = strdup(g_run.out);
	run_free(&g_run);
	assert_int_equal(out_num(g_untraced, "@ done", "calls"), (long)n);
	run_prog(&g_run, true, argv, NULL, 600);
	if (g_run.status == -1 || !WIFEXITED(g_run.status) || WEXITSTATUS(g_run.status) != 0) {
		const char *last = g_run.out, *p;
		char l[256];

		for (p = g_run.out; *p; p++)
			if (p[0] == '\n' && p[1])
				last = p + 1;
		line_at(last, l, sizeof(l));
		fail_msg("randargs traced: %s %d after the call after \"%s\" (%s)",
			 g_run.status == -1 ? "timed out" : WIFSIGNALED(g_run.status) ? "signal" : "exit",
			 g_run.status == -1 ? 0 : WIFSIGNALED(g_run.status) ? WTERMSIG(g_run.status)
									     : WEXITSTATUS(g_run.status),
			 l, again);
	}
	compare_lines(g_untraced, g_run.out, 5, again);
}

/* The record of call with this errno in the logs (the first), as its
 * JSON line; fails when there is none. */
static const char *find_line(const char *call, const char *err, char *out, size_t cap)
{
	size_t j;

	for (j = 0; j < g_logs.nrecs; j++) {
		const struct rec *r = &g_logs.recs[j];
		const struct logfile *f = &g_logs.files[r->file];

		if (strcmp(r->call, call) != 0 || strcmp(r->err, err) != 0)
			continue;
		snprintf(out, cap, "%.*s", (int)r->len, f->buf + r->off);
		return out;
	}
	fail_msg("no %s record with errno %s in the logs", call, err);
	return NULL;
}

/* sockview's timeline of the run's logs, whole. */
static char *timeline_of(const char *dir)
{
	const char *argv[] = { ST_BUILD_DIR "/sockview", "--ascii", "--color=never", "--width",
			       "240", dir, NULL };
	struct h_proc_out { char *p; size_t n; } o = { NULL, 0 };
	char buf[4096];
	int pfd[2], st;
	pid_t pid;
	ssize_t k;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((k = read(pfd[0], buf, sizeof(buf))) > 0) {
		o.p = realloc(o.p, o.n + (size_t)k + 1);
		assert_non_null(o.p);
		memcpy(o.p + o.n, buf, (size_t)k);
		o.n += (size_t)k;
	}
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!o.p)
		o.p = calloc(1, 1);
	o.p[o.n] = '\0';
	return o.p;
}

/* A failed call whose address the kernel refused unread is logged with
 * its call, result and errno and "unreadable"; sockview shows it. */
static void test_marks(void **state)
{
	const char *argv[] = { "badargs", "connect_bad_absurd", "sendto_to_bad_absurd",
			       "bind_bad_neg", "sendmsg_name_bad_neg", "getaddrinfo_node_edge_badflags",
			       "connect_ok", "execve_enoent", "execve_true_argv0_edge", NULL };
	const char *argv_two[] = { "badargs", "connect_bad_absurd", "getaddrinfo_node_edge_badflags",
				   NULL };
	char line[4096];
	char *tl;
	bool shown;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 60);
	assert_exit_ok(&g_run);
	assert_null(strstr(g_run.out, "MISMATCH"));
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.malformed, 0);
	find_line("connect", "EINVAL", line, sizeof(line));
	assert_non_null(strstr(line, "\"ret\":-1"));
	assert_non_null(strstr(line, "\"unreadable\":\"addr\""));
	assert_null(strstr(line, "\"addr\":"));
	find_line("bind", "EINVAL", line, sizeof(line));
	assert_non_null(strstr(line, "\"unreadable\":\"addr\""));
	find_line("sendto", "EINVAL", line, sizeof(line));
	assert_non_null(strstr(line, "\"unreadable\":\"addr\""));
	find_line("sendmsg", "EINVAL", line, sizeof(line));
	assert_non_null(strstr(line, "\"unreadable\":\"addr\""));
	find_line("getaddrinfo", "EAI_BADFLAGS", line, sizeof(line));
	assert_non_null(strstr(line, "\"errno\":\"EAI_BADFLAGS\""));
	assert_non_null(strstr(line, "\"unreadable\":\"node\""));
	/* exec: what could be read before the call, and what could not. */
	find_line("execve", "ENOENT", line, sizeof(line));
	assert_non_null(strstr(line, "\"path\":\"/nonexistent/socktrace-badargs\""));
	assert_non_null(strstr(line, "\"argv\":[\"argument-zero\",\"argument-one\"]"));
	assert_null(strstr(line, "unreadable"));
	find_line("execve", "EFAULT", line, sizeof(line));
	assert_non_null(strstr(line, "\"path\":\"/bin/true\""));
	assert_non_null(strstr(line, "\"unreadable\":\"argv\""));
	/* The address of a call the kernel read is logged as before. */
	find_line("connect", "EINPROGRESS", line, sizeof(line));
	assert_non_null(strstr(line, "\"addr\":\"127.0.0.1:"));
	assert_null(strstr(line, "unreadable"));
	free_logs(&g_logs);
	run_free(&g_run);
	/* Two cases, two lanes: room for the whole text. */
	run_prog(&g_run, true, argv_two, NULL, 60);
	assert_exit_ok(&g_run);
	tl = timeline_of(g_run.logs);
	shown = strstr(tl, ", ?) = -1 EINVAL (address unreadable)") &&
		strstr(tl, "= -1 EAI_BADFLAGS (arguments unreadable)");
	if (!shown)
		snprintf(line, sizeof(line), "%s", tl);
	free(tl);
	if (!shown)
		fail_msg("sockview does not show the marks:\n%s", line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_table, cleanup),
		cmocka_unit_test_teardown(test_random, cleanup),
		cmocka_unit_test_teardown(test_marks, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
