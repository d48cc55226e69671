/*
 * test_faults.c: the library must not disturb the traced program, even when
 * the program is hostile or dies, and must not lose or tear records.
 *
 * Each test runs a helper program from tests/progs/ under build/libtrace.so
 * (some also untraced, to compare), then reads its logs back with
 * common/json.h (NUL bytes are line breaks, unparsable lines are counted):
 *
 *   SIGKILL     every call that returned before the kill is in the log;
 *               killed in a flood, at most one torn line per thread
 *   close-all   close_range / close loop / closefrom, then sockets dup2()ed
 *               over fds 0..100: still running, still traced; dup2 over
 *               free fd numbers while the log grows
 *   errno       same return values, errno and stdout/stderr bytes traced
 *               and untraced
 *   signals     a SIGALRM handler that sends while main sends and receives
 *   early       socket calls in a constructor before main
 *   vfork       vfork + exec
 *
 * Running the programs and reading the logs back: tests/procs.h, shared
 * with test_stress.c.
 */
#include "procs.h"

/* Files a program writes outside its run directory (paths built before
 * the run starts), removed by cleanup() with the run and logs. */
static char g_res[64], g_counts[64];

static int cleanup(void **state)
{
	if (g_res[0])
		unlink(g_res);
	if (g_counts[0])
		unlink(g_counts);
	return run_cleanup(state);
}

/* Reads the program's stdout until a line starting with marker has come,
 * at most timeout_s seconds. */
static bool read_until(struct run *r, const char *marker, double timeout_s)
{
	double end = now_s() + timeout_s;
	size_t cap = 65536;

	r->out = realloc(r->out, cap);
	assert_non_null(r->out);
	while (now_s() < end && r->out_len < cap - 1) {
		struct pollfd p = { r->out_fd, POLLIN, 0 };
		ssize_t k;

		r->out[r->out_len] = '\0';
		if (strstr(r->out, marker))
			return true;
		if (poll(&p, 1, 100) <= 0)
			continue;
		k = read(r->out_fd, r->out + r->out_len, cap - 1 - r->out_len);
		if (k <= 0)
			break;
		r->out_len += (size_t)k;
	}
	r->out[r->out_len] = '\0';
	return strstr(r->out, marker) != NULL;
}

static void kill_run(struct run *r)
{
	assert_int_equal(kill(r->pid, SIGKILL), 0);
	run_finish(r, 20);
	assert_true(r->status != -1);
	assert_true(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGKILL);
}

/* A file of the run's base directory, whole, NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return strdup("<missing>");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* ---- tests ---- */

/* killme -n 3000: 3000 send+recv rounds, "@ ready", SIGKILL.  The log keeps
 * all 6000 data records, whole: the first ones in the log file, the last
 * ones still in the staging ring, which the killed process left behind. */
static void test_sigkill_keeps_returned_calls(void **state)
{
	const char *argv[] = { "killme", "-n", "3000", NULL };
	long fd0, fd1;
	char ring[600];

	(void)state;
	run_start(&g_run, true, argv, NULL);
	assert_true(read_until(&g_run, "@ ready", 30));
	fd0 = out_num(g_run.out, "@ ready", "fd0");
	fd1 = out_num(g_run.out, "@ ready", "fd1");
	kill_run(&g_run);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	snprintf(ring, sizeof(ring), "%s/%s.ring", g_run.logs, g_logs.files[0].name);
	assert_int_equal(access(ring, F_OK), 0);
	/* 6000 frames of 120 bytes (head, numbers, 64-byte snippet): the
	 * log file alone cannot hold them all. */
	assert_true(g_logs.files[0].size < 6000 * 120);
	assert_int_equal(count_recs(&g_logs, NULL, "socketpair", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, NULL, "send", fd0, -1), 3000);
	assert_int_equal(count_recs(&g_logs, NULL, "recv", fd1, -1), 3000);
	assert_int_equal(g_logs.nrecs, 6001);
}

/* killme -f 4: four threads flood until SIGKILL.  Each thread counted, in a
 * shared file mapping, the calls that returned: the log holds at least that
 * many complete records of the thread and at most one more (the call under
 * way); at most one torn line per thread. */
static void test_sigkill_during_flood(void **state)
{
	enum { T = 4 };
	char *counts_path = g_counts;
	const char *argv[] = { "killme", "-f", "4", counts_path, NULL };
	uint64_t counts[T];
	int fd, i;

	(void)state;
	snprintf(g_counts, sizeof(g_counts), "/tmp/st_faults_counts.%d", (int)getpid());
	run_start(&g_run, true, argv, NULL);
	assert_true(read_until(&g_run, "@ ready", 30));
	usleep(300000);
	kill_run(&g_run);
	fd = open(counts_path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, counts, sizeof(counts)), sizeof(counts));
	close(fd);
	unlink(counts_path);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	if (g_logs.malformed > T)
		fail_msg("%zu lines do not parse, want at most %d", g_logs.malformed, T);
	for (i = 0; i < T; i++) {
		char prefix[32];
		long tid;
		size_t n;

		snprintf(prefix, sizeof(prefix), "@ thread %d ", i);
		tid = out_num(g_run.out, prefix, "tid");
		assert_true(tid > 0);
		n = count_recs(&g_logs, NULL, "send", -1, tid) +
		    count_recs(&g_logs, NULL, "recv", -1, tid);
		if (n < counts[i] || n > counts[i] + 1)
			fail_msg("thread %d: %zu complete records, %llu calls returned", i, n,
				 (unsigned long long)counts[i]);
	}
}

/* closeall MODE: after closing every fd (close_range(3..), close() of
 * 0..1023, closefrom(0)), socketpairs dup2()ed over 0/1, 2/5 and 7/100
 * work and are traced: 10 sends and 10 recvs on each. */
static void test_close_everything(void **state)
{
	static const char *const modes[] = { "close_range", "loop", "closefrom" };
	static const int fds[][2] = { { 0, 1 }, { 2, 5 }, { 7, 100 } };
	static const char want[] = "@ pair 0 1 ok\n@ pair 2 5 ok\n@ pair 7 100 ok\n"
				   "@ done rounds=30\n";
	char *res = g_res;
	size_t m, p;

	(void)state;
	snprintf(g_res, sizeof(g_res), "/tmp/st_faults_res.%d", (int)getpid());
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *argv[] = { "closeall", modes[m], res, NULL };
		char *got;

		run_prog(&g_run, true, argv, NULL, 30);
		assert_exit_ok(&g_run);
		got = slurp(res);
		unlink(res);
		if (strcmp(got, want) != 0) {
			fail_msg("%s: result\n%s\nwant\n%s", modes[m], got, want);
		}
		free(got);
		load_logs(&g_logs, g_run.logs);
		assert_int_equal(g_logs.nfiles, 1);
		assert_int_equal(g_logs.malformed, 0);
		/* The exit found the log again by name and removed the ring. */
		assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
		for (p = 0; p < 3; p++) {
			size_t s = count_recs(&g_logs, NULL, "send", fds[p][0], -1);
			size_t rv = count_recs(&g_logs, NULL, "recv", fds[p][1], -1);

			if (s != 10 || rv != 10)
				fail_msg("%s: fds %d/%d: %zu sends, %zu recvs logged, want 10 each",
					 modes[m], fds[p][0], fds[p][1], s, rv);
		}
		free_logs(&g_logs);
		run_free(&g_run);
	}
}

/* closeall -d: the main thread dup2()s a socket over every free fd number
 * 3..63, again and again, while two threads log 4 KiB payloads (the log
 * grows a chunk, opening its file briefly, every ~1000 records).  Nothing
 * of the program's is disturbed and no record is lost (no hole). */
static void test_dup2_over_free_fds_while_growing(void **state)
{
	char *res = g_res;
	const char *argv[] = { "closeall", "-d", res, "2", "150", NULL };
	const char *env[] = { "SOCKTRACE_PAYLOAD=all", NULL };
	char *got;
	long sends, recvs;
	size_t j, big_sends = 0, big_recvs = 0;

	(void)state;
	snprintf(g_res, sizeof(g_res), "/tmp/st_faults_res.%d", (int)getpid());
	run_prog(&g_run, true, argv, env, 50);
	assert_exit_ok(&g_run);
	got = slurp(res);
	unlink(res);
	sends = out_num(got, "@ done", "sends");
	recvs = out_num(got, "@ done", "recvs");
	if (!strstr(got, "@ dup rounds=150 bad=0\n")) {
		fail_msg("result: %s", got);
	}
	free(got);
	assert_true(sends > 0);
	assert_int_equal(sends, recvs);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(g_logs.files[0].nul_bytes, 0);
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	for (j = 0; j < g_logs.nrecs; j++) {
		const struct rec *x = &g_logs.recs[j];

		if (x->bytes != 4096 || x->fd < 300)
			continue;
		big_sends += strcmp(x->call, "send") == 0;
		big_recvs += strcmp(x->call, "recv") == 0;
	}
	assert_int_equal(big_sends, (size_t)sends);
	assert_int_equal(big_recvs, (size_t)recvs);
}

/* Runs errnos untraced then traced; keeps both stdouts and stderrs. */
static void run_errnos(char **out0, char **err0, char **out1, char **err1)
{
	const char *argv[] = { "errnos", NULL };
	char path[160];
	int traced;

	for (traced = 0; traced < 2; traced++) {
		run_prog(&g_run, traced, argv, NULL, 30);
		assert_exit_ok(&g_run);
		snprintf(path, sizeof(path), "%s/stderr", g_run.base);
		*(traced ? err1 : err0) = slurp(path);
		*(traced ? out1 : out0) = strdup(g_run.out);
		if (traced)
			load_logs(&g_logs, g_run.logs);
		run_free(&g_run);
	}
}

/* The first line where a and b differ, for the failure message. */
static void first_diff(const char *a, const char *b, char *out, size_t cap)
{
	const char *la = a, *lb = b;

	while (*la && *lb) {
		size_t na = strcspn(la, "\n"), nb = strcspn(lb, "\n");

		if (na != nb || memcmp(la, lb, na) != 0) {
			snprintf(out, cap, "untraced: %.*s | traced: %.*s", (int)na, la, (int)nb, lb);
			return;
		}
		la += na + (la[na] == '\n');
		lb += nb + (lb[nb] == '\n');
	}
	snprintf(out, cap, "lengths differ: %zu vs %zu", strlen(a), strlen(b));
}

static char *e_out0, *e_err0, *e_out1, *e_err1;

static int free_errnos(void **state)
{
	free(e_out0);
	free(e_err0);
	free(e_out1);
	free(e_err1);
	e_out0 = e_err0 = e_out1 = e_err1 = NULL;
	return cleanup(state);
}

/* Every call's return value and errno, failing calls and successful ones
 * (errno preset to 12345), print the same traced and untraced; the traced
 * run's log has the refused connect. */
static void test_errno_and_returns_unchanged(void **state)
{
	char diff[512];
	size_t j, refused = 0;

	(void)state;
	run_errnos(&e_out0, &e_err0, &e_out1, &e_err1);
	assert_non_null(strstr(e_out0, "connect_refused ret=-1 errno=111\n"));
	assert_non_null(strstr(e_out0, "@ done cases="));
	for (j = 0; j < g_logs.nrecs; j++)
		refused += strcmp(g_logs.recs[j].call, "connect") == 0 &&
			   strcmp(g_logs.recs[j].err, "ECONNREFUSED") == 0 && g_logs.recs[j].ret == -1;
	assert_int_equal(refused, 1);
	if (strcmp(e_out0, e_out1) != 0) {
		first_diff(e_out0, e_out1, diff, sizeof(diff));
		fail_msg("stdout differs traced vs untraced: %s", diff);
	}
}

/* The library prints nothing: stderr is byte-identical. */
static void test_stderr_untouched(void **state)
{
	(void)state;
	run_errnos(&e_out0, &e_err0, &e_out1, &e_err1);
	assert_string_equal(e_err0, "@ stderr end\n");
	assert_string_equal(e_err1, e_err0);
}

/* sigsend 500: SIGALRM every 200 us, its handler sends on socketpair B
 * while the main loop sends and receives on A.  No deadlock (timeout), the
 * program's own check passes, every line parses, and the main loop's
 * records are all there. */
static void run_sigsend(long *b0, long *handler_sends)
{
	const char *argv[] = { "sigsend", "500", NULL };
	long a0, a1, loops;

	run_prog(&g_run, true, argv, NULL, 40);
	assert_exit_ok(&g_run);
	if (!strstr(g_run.out, " ok\n"))
		fail_msg("sigsend: %s", g_run.out);
	assert_int_equal(sscanf(strstr(g_run.out, "@ a="), "@ a=%ld,%ld b=%ld", &a0, &a1, b0), 3);
	loops = out_num(g_run.out, "@ handler_sends", "loops");
	*handler_sends = out_num(g_run.out, "@ handler_sends", "handler_sends");
	assert_true(loops > 0 && *handler_sends > 0);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(count_recs(&g_logs, NULL, "send", a0, -1), (size_t)loops);
	assert_int_equal(count_recs(&g_logs, NULL, "recv", a1, -1), (size_t)loops);
}

static void test_signal_handler_sends(void **state)
{
	long b0, hs;

	(void)state;
	run_sigsend(&b0, &hs);
}

/* The same run: each send the handler made is logged too. */
static void test_signal_handler_sends_all_logged(void **state)
{
	long b0, hs;
	size_t n;

	(void)state;
	run_sigsend(&b0, &hs);
	n = count_recs(&g_logs, NULL, "send", b0, -1);
	if (n != (size_t)hs)
		fail_msg("%ld sends in the SIGALRM handler, %zu logged (log file: %zu bytes)",
			 hs, n, g_logs.files[0].size);
}

/* early: a constructor of the program makes a socketpair and sends before
 * main; it works and is logged like main's. */
static void test_early_constructor(void **state)
{
	const char *argv[] = { "early", NULL };
	size_t j, early = 0;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	assert_string_equal(g_run.out, "@ ctor sent=5 got=early\n@ main sent=4 got=main\n");
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(count_recs(&g_logs, NULL, "socketpair", -1, -1), 2);
	assert_int_equal(count_recs(&g_logs, NULL, "send", -1, -1), 2);
	assert_int_equal(count_recs(&g_logs, NULL, "recv", -1, -1), 2);
	for (j = 0; j < g_logs.nrecs; j++)
		if (strcmp(g_logs.recs[j].call, "send") == 0)
			early += data_is(&g_logs.recs[j], "early", 5);
	assert_int_equal(early, 1);
}

/* vforker: vfork + execve("/bin/true"), vfork + execvp("true"): both run,
 * the parent goes on and is traced after. */
static void test_vfork_exec(void **state)
{
	const char *argv[] = { "vforker", NULL };

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	assert_string_equal(g_run.out,
			    "@ vfork execve status=0\n@ vfork execvp status=0\n@ after ok\n");
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(count_recs(&g_logs, NULL, "send", -1, -1), 2);
	assert_int_equal(count_recs(&g_logs, NULL, "recv", -1, -1), 2);
}

/* The parent of a vfork never calls execve: its log must not say it did
 * (an execve record is the end of a process image, docs/log-format.md). */
static void test_vfork_exec_not_the_parents(void **state)
{
	const char *argv[] = { "vforker", NULL };
	struct logfile *f;
	size_t j;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	f = &g_logs.files[0];
	for (j = f->first; j < f->first + f->count; j++) {
		const struct rec *x = &g_logs.recs[j];

		if (strncmp(x->call, "exec", 4) == 0 && x->pid == f->pid)
			fail_msg("the parent's log (pid %lld) has a \"%s\" record with its own pid: "
				 "the vfork child's exec", (long long)f->pid, x->call);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sigkill_keeps_returned_calls, cleanup),
		cmocka_unit_test_teardown(test_sigkill_during_flood, cleanup),
		cmocka_unit_test_teardown(test_close_everything, cleanup),
		cmocka_unit_test_teardown(test_dup2_over_free_fds_while_growing, cleanup),
		cmocka_unit_test_teardown(test_errno_and_returns_unchanged, free_errnos),
		cmocka_unit_test_teardown(test_stderr_untouched, free_errnos),
		cmocka_unit_test_teardown(test_signal_handler_sends, cleanup),
		cmocka_unit_test_teardown(test_signal_handler_sends_all_logged, cleanup),
		cmocka_unit_test_teardown(test_early_constructor, cleanup),
		cmocka_unit_test_teardown(test_vfork_exec, cleanup),
		cmocka_unit_test_teardown(test_vfork_exec_not_the_parents, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
