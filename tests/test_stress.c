/*
 * test_stress.c: the library under load and across process changes.
 *
 * Each test runs one helper program from tests/progs/ (built unsanitized
 * into build/tests/progs/) under build/libtrace.so with its own log
 * directory, then reads every log of the run back with common/json.h and
 * checks it against what the program printed: exact record counts per
 * thread and fd, payloads byte for byte, no line that does not parse, and
 * for fork/exec/posix_spawn which file each record landed in.
 *
 *   threads     8 threads on their own socketpairs + 4 sharing one
 *   growth      4 KiB payloads (SOCKTRACE_PAYLOAD=all), 24 MB through the
 *               256 KiB staging ring, from 4 threads at once
 *   big         single messages of 300 KiB and 1 MiB (SOCKTRACE_PAYLOAD=all),
 *               whose records go straight into the log file, whole
 *   fork        children get their own logs; fork from a busy threaded
 *               program neither deadlocks nor loses the child's log
 *   exec        execve with a fresh environment, execvp after unsetenv,
 *               posix_spawn with an empty environment: still traced
 *
 * Running the programs and reading the logs back: tests/procs.h, shared
 * with test_faults.c.
 */
#include "procs.h"
#include "progs/msgfill.h"

/* ---- the threads program's messages (tests/progs/threads.c) ---- */

struct thread_line {
	long tid, send_fd, recv_fd;
};

static void parse_threads_out(const char *out, struct thread_line *tl, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "@ thread %d ", i);
		tl[i].tid = out_num(out, prefix, "tid");
		tl[i].send_fd = out_num(out, prefix, "send_fd");
		tl[i].recv_fd = out_num(out, prefix, "recv_fd");
		assert_true(tl[i].tid > 0 && tl[i].send_fd >= 0 && tl[i].recv_fd >= 0);
	}
}

/* Checks the send and recv records of thread i: exactly k of each, on its
 * fds, in the order of their t, with the payload of each round (recv
 * payloads only when own is set: a shared socket delivers any thread's). */
static void check_thread(const struct logset *ls, const struct thread_line *tl, int i,
			 long k, size_t size, bool own)
{
	char *want = malloc(size);
	long sends = 0, recvs = 0;
	int64_t last_t = 0;
	size_t j;

	assert_non_null(want);
	for (j = 0; j < ls->nrecs; j++) {
		const struct rec *r = &ls->recs[j];
		bool is_send = strcmp(r->call, "send") == 0, is_recv = strcmp(r->call, "recv") == 0;

		if (r->tid != tl->tid || (!is_send && !is_recv))
			continue;
		if (r->t < last_t)
			fail_msg("thread %d: record at %zu has t %lld before %lld", i, r->off,
				 (long long)r->t, (long long)last_t);
		last_t = r->t;
		assert_int_equal(r->ret, (int64_t)size);
		assert_int_equal(r->bytes, (int64_t)size);
		if (is_send) {
			assert_int_equal(r->fd, tl->send_fd);
			msg_fill(want, size, i, sends);
			if (!data_is(r, want, size))
				fail_msg("thread %d send %ld: wrong payload: %.60s", i, sends,
					 r->data.p);
			sends++;
		} else {
			assert_int_equal(r->fd, tl->recv_fd);
			msg_fill(want, size, i, recvs);
			if (own && !data_is(r, want, size))
				fail_msg("thread %d recv %ld: wrong payload: %.60s", i, recvs,
					 r->data.p);
			recvs++;
		}
	}
	free(want);
	if (sends != k || recvs != k)
		fail_msg("thread %d (tid %ld): %ld sends and %ld recvs logged, want %ld each", i,
			 tl->tid, sends, recvs, k);
}

/* ---- tests ---- */

/* 8 threads with their own socketpairs and 4 on a shared one, 4000 rounds
 * each: exactly 12*4000*2 data records, all parse, each thread's in order. */
static void test_threads_exact(void **state)
{
	enum { T = 8, S = 4, K = 4000 };
	const char *argv[] = { "threads", "-S", "4", "8", "4000", NULL };
	struct thread_line tl[T + S];
	int i;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 50);
	assert_exit_ok(&g_run);
	assert_int_equal(out_num(g_run.out, "@ done", "sends"), (T + S) * K);
	parse_threads_out(g_run.out, tl, T + S);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_true(g_logs.files[0].has_header);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(g_logs.files[0].nul_bytes, 0);	/* normal exit: trimmed */
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);	/* copied out, removed */
	assert_int_equal(count_recs(&g_logs, NULL, "send", -1, -1) + count_recs(&g_logs, NULL, "recv", -1, -1),
			 (size_t)(T + S) * K * 2);
	for (i = 0; i < T + S; i++)
		check_thread(&g_logs, &tl[i], i, K, 64, i < T);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* 4 threads, 700 rounds of 4 KiB each with SOCKTRACE_PAYLOAD=all: about
 * 24 MB of log through a 256 KiB staging ring, so frames wrap round its end
 * hundreds of times.  Every record present with its whole payload and no
 * hole anywhere (no NUL byte in the file a normal exit left). */
static void test_growth_through_ring(void **state)
{
	enum { T = 4, K = 700, SIZE = 4096 };
	const char *argv[] = { "threads", "-s", "4096", "4", "700", NULL };
	const char *env[] = { "SOCKTRACE_PAYLOAD=all", NULL };
	struct thread_line tl[T];
	struct logfile *f;
	int i;

	(void)state;
	run_prog(&g_run, true, argv, env, 50);
	assert_exit_ok(&g_run);
	parse_threads_out(g_run.out, tl, T);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	f = &g_logs.files[0];
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(f->nul_bytes, 0);
	/* The staging ring went round several times. */
	assert_true(f->size > 4 * RING);
	/* ...and is gone: a normal exit copies it out and removes it. */
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	assert_int_equal(f->count, (size_t)T * K * 2 + 4 /* socketpairs */);
	for (i = 0; i < T; i++)
		check_thread(&g_logs, &tl[i], i, K, SIZE, true);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* The messages bigmsg sends, in order: 10 KiB (a frame through the ring,
 * under 64 KiB even escaped), 300 KiB binary and text and 1 MiB binary and
 * text (frames of 64 KiB and more go straight into the log file; all are
 * bigger than the 256 KiB ring, the binary ones some four times their size
 * once escaped), then two through the ring again: one that fits a DATA
 * frame's snippet and one that does not. */
static const size_t big_sizes[] = {
	10 << 10, 300 << 10, 300 << 10, 1 << 20, 1 << 20, 100, 5000,
};
#define N_BIG (sizeof(big_sizes) / sizeof(big_sizes[0]))

/* Checks the records of fd on thread tid with this call: exactly one per
 * message, in order, each with the whole message as its payload. */
static void check_big_recs(const char *call, long fd, long tid)
{
	unsigned char *want = malloc(1 << 20);
	size_t j, i = 0;

	assert_non_null(want);
	for (j = 0; j < g_logs.nrecs; j++) {
		const struct rec *r = &g_logs.recs[j];

		if (strcmp(r->call, call) != 0 || r->fd != fd)
			continue;
		if (i == N_BIG)
			fail_msg("%s on fd %ld: more records than the %zu messages", call, fd, N_BIG);
		assert_int_equal(r->tid, tid);
		assert_int_equal(r->ret, (int64_t)big_sizes[i]);
		assert_int_equal(r->bytes, (int64_t)big_sizes[i]);
		big_msg_fill(want, big_sizes[i], (int)i);
		if (!data_is(r, want, big_sizes[i]))
			fail_msg("%s %zu (%zu bytes): the payload differs: %.60s", call, i,
				 big_sizes[i], r->has_data ? r->data.p : "(none)");
		i++;
	}
	free(want);
	if (i != N_BIG)
		fail_msg("%s on fd %ld: %zu records, want %zu", call, fd, i, N_BIG);
}

/* bigmsg [-t] with SOCKTRACE_PAYLOAD=all, the receiver a child process:
 * every send and recv record is there with its whole payload byte for
 * byte, nothing in either log is corrupt or missing, and the normal exits
 * left no staging ring.  (With the receiver a thread, bigmsg -T, the two
 * ends' records share one ring, and one that waits for the other's frame
 * bigger than the ring is dropped now and then: not tested here.) */
static void check_bigmsg(bool tcp)
{
	const char *env[] = { "SOCKTRACE_PAYLOAD=all", NULL };
	const char *argv[N_BIG + 3];
	char args[N_BIG][24];
	size_t i, total = 0;
	int n = 0;

	argv[n++] = "bigmsg";
	if (tcp)
		argv[n++] = "-t";
	for (i = 0; i < N_BIG; i++) {
		snprintf(args[i], sizeof(args[i]), "%zu", big_sizes[i]);
		argv[n++] = args[i];
		total += big_sizes[i];
	}
	argv[n] = NULL;
	run_prog(&g_run, true, argv, env, 30);
	assert_exit_ok(&g_run);
	assert_int_equal(out_num(g_run.out, "@ done", "msgs"), (long)N_BIG);
	assert_int_equal(out_num(g_run.out, "@ done", "bytes"), (long)total);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 2);	/* the sender's and the receiver's */
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(g_logs.files[0].nul_bytes + g_logs.files[1].nul_bytes, 0);
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	/* Each message in each log, the binary ones escaped. */
	assert_true(g_logs.files[0].size > total && g_logs.files[1].size > total);
	check_big_recs("send", out_num(g_run.out, "@ conn", "send_fd"),
		       out_num(g_run.out, "@ conn", "send_tid"));
	check_big_recs("recv", out_num(g_run.out, "@ conn", "recv_fd"),
		       out_num(g_run.out, "@ conn", "recv_tid"));
	free_logs(&g_logs);
	run_free(&g_run);
}

static void test_big_messages_socketpair(void **state)
{
	(void)state;
	check_bigmsg(false);
}

static void test_big_messages_tcp(void **state)
{
	(void)state;
	check_bigmsg(true);
}

/* A child's records are in its own file, never in the parent's. */
static void check_fork_files(struct logset *ls, int64_t parent, const long *children, int n,
			     size_t sends_per_child, size_t recvs_per_child)
{
	struct logfile *pf = file_of(ls, parent, false);
	size_t j;
	int i;

	if (!pf)
		pf = file_of(ls, parent, true);
	assert_non_null(pf);
	assert_int_equal(pf->fork_of, 0);
	for (j = pf->first; j < pf->first + pf->count; j++)
		assert_int_equal(ls->recs[j].pid, parent);
	for (i = 0; i < n; i++) {
		struct logfile *cf = file_of(ls, children[i], false);
		bool found = false;

		if (!cf)
			fail_msg("child %d (pid %ld) has no log file", i, children[i]);
		assert_int_equal(cf->fork_of, parent);
		assert_int_equal(cf->ppid, parent);
		assert_int_equal(cf->malformed, 0);
		for (j = cf->first; j < cf->first + cf->count; j++)
			assert_int_equal(ls->recs[j].pid, children[i]);
		assert_int_equal(count_recs(ls, cf, "send", -1, -1), sends_per_child);
		assert_int_equal(count_recs(ls, cf, "recv", -1, -1), recvs_per_child);
		for (j = pf->first; j < pf->first + pf->count; j++)
			if (strcmp(ls->recs[j].call, "fork") == 0 && ls->recs[j].child == children[i])
				found = true;
		if (!found)
			fail_msg("no fork record with child %ld (fork %d of %d) in the parent's log",
				 children[i], i, n);
	}
	assert_int_equal(count_recs(ls, pf, "fork", -1, -1), (size_t)n);
}

static void parse_children(const char *out, long *children, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "@ child %d ", i);
		children[i] = out_num(out, prefix, "pid");
		assert_true(children[i] > 0);
		assert_int_equal(out_num(out, prefix, "status"), 0);
	}
}

/* Runs forker with argv (at most timeout_s seconds): it says "@ parent ...
 * <key>=n" and exits 0; n children, each with its own log holding
 * sends_per_child sends and recvs_per_child recvs (check_fork_files), and
 * nothing else.  Returns the parent's pid; the logs stay in g_logs. */
static long run_forker(const char *const argv[], double timeout_s, const char *key, int n,
		       size_t sends_per_child, size_t recvs_per_child)
{
	long children[64], parent;

	assert_true(n <= 64);
	run_prog(&g_run, true, argv, NULL, timeout_s);
	assert_exit_ok(&g_run);
	parent = out_num(g_run.out, "@ parent", "pid");
	assert_int_equal(out_num(g_run.out, "@ parent", key), n);
	parse_children(g_run.out, children, n);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, n + 1);
	assert_int_equal(g_logs.malformed, 0);
	check_fork_files(&g_logs, parent, children, n, sends_per_child, recvs_per_child);
	return parent;
}

/* forker -n 4: four children, each with its own log (3 sends + 1 to the
 * parent, 3 recvs); the parent's log has the 4 fork records and 4 recvs. */
static void test_fork_children_own_logs(void **state)
{
	enum { N = 4 };
	const char *argv[] = { "forker", "-n", "4", NULL };
	long parent;

	(void)state;
	parent = run_forker(argv, 30, "got", N, 4, 3);
	assert_int_equal(count_recs(&g_logs, file_of(&g_logs, parent, false), "recv", -1, -1), N);
	/* The children end with _exit(): its wrapper copied their rings out
	 * and removed them, as the destructor does at exit(). */
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* forker -t 4 30: 30 forks while 4 threads log without pause.  Bounded by a
 * timeout (a fork taken while a thread held a library lock would hang the
 * child); each child logs its one send and one recv in its own file. */
static void test_fork_while_threads_log(void **state)
{
	const char *argv[] = { "forker", "-t", "4", "30", NULL };

	(void)state;
	run_forker(argv, 40, "forks", 30, 1, 1);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* The last record of a file (NULL when it has none). */
static const struct rec *last_rec(const struct logset *ls, const struct logfile *f)
{
	return f && f->count ? &ls->recs[f->first + f->count - 1] : NULL;
}

/* execer execve|execvp: the first file of the pid ends with the execve
 * record; a second file of the same pid, "execd":true, holds the new
 * image's records although its environment had no LD_PRELOAD. */
static void check_exec(const char *mode)
{
	const char *argv[] = { "execer", mode, NULL };
	struct logfile *first, *second;
	const struct rec *last;
	char prefix[32];
	long pid;
	size_t j;

	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	snprintf(prefix, sizeof(prefix), "@ %s ", mode);
	pid = out_num(g_run.out, prefix, "pid");
	assert_true(pid > 0);
	assert_int_equal(out_num(g_run.out, "@ child ", "pid"), pid);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 2);
	assert_int_equal(g_logs.malformed, 0);
	first = file_of(&g_logs, pid, false);
	second = file_of(&g_logs, pid, true);
	assert_non_null(first);
	if (!second)
		fail_msg("no \"execd\":true log for pid %ld after %s", pid, mode);
	last = last_rec(&g_logs, first);
	assert_non_null(last);
	/* The record names the exec call the program made. */
	if (strcmp(last->call, mode) != 0)
		fail_msg("%s: the first file ends with a \"%s\" record, want \"%s\"",
			 mode, last->call, mode);
	/* The old image cut its log before the exec: no zero tail. */
	assert_int_equal(first->nul_bytes, 0);
	/* Both images removed their rings: the old one at the exec. */
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	assert_int_equal(count_recs(&g_logs, first, "send", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, second, "send", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, second, "recv", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, second, "socketpair", -1, -1), 1);
	for (j = second->first; j < second->first + second->count; j++)
		if (strcmp(g_logs.recs[j].call, "send") == 0)
			assert_true(data_is(&g_logs.recs[j], "exec!", 5));
	free_logs(&g_logs);
	run_free(&g_run);
}

/* execer execfail: an exec that fails leaves the log open where it was:
 * the failed exec is logged, and so is the round after it. */
static void test_exec_failed_goes_on(void **state)
{
	const char *argv[] = { "execer", "execfail", NULL };

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_int_equal(g_logs.files[0].nul_bytes, 0);
	/* The ring lost its name at the exec that failed; the exit
	 * copied what came after into the log all the same. */
	assert_int_equal(count_suffix(g_run.logs, ".ring"), 0);
	assert_int_equal(count_recs(&g_logs, &g_logs.files[0], "execve", -1, -1), 2);
	assert_int_equal(count_recs(&g_logs, &g_logs.files[0], "send", -1, -1), 2);
	assert_int_equal(count_recs(&g_logs, &g_logs.files[0], "recv", -1, -1), 2);
	free_logs(&g_logs);
	run_free(&g_run);
}

static void test_exec_fresh_env(void **state)
{
	(void)state;
	check_exec("execve");
}

static void test_execvp_unset_preload(void **state)
{
	(void)state;
	check_exec("execvp");
}

/* posix_spawn with an empty environment: the child has its own log (not
 * execd, ppid the parent) with its send and recv. */
static void test_posix_spawn_empty_env(void **state)
{
	const char *argv[] = { "execer", "spawn", NULL };
	struct logfile *pf, *cf;
	long pid, child;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	pid = out_num(g_run.out, "@ spawn ", "pid");
	child = out_num(g_run.out, "@ spawn ", "child");
	assert_int_equal(out_num(g_run.out, "@ spawn ", "status"), 0);
	assert_int_equal(out_num(g_run.out, "@ child ", "pid"), child);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 2);
	assert_int_equal(g_logs.malformed, 0);
	pf = file_of(&g_logs, pid, false);
	cf = file_of(&g_logs, child, false);
	assert_non_null(pf);
	if (!cf)
		fail_msg("the posix_spawn child %ld is not traced", child);
	assert_int_equal(cf->ppid, pid);
	assert_int_equal(cf->fork_of, 0);
	assert_int_equal(count_recs(&g_logs, cf, "send", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, cf, "recv", -1, -1), 1);
	assert_int_equal(count_recs(&g_logs, pf, "send", -1, -1), 1);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* docs/log-format.md: the values "call" may take. */
/* The `call` row of docs/log-format.md, where every call name a log may
 * hold is listed in backquotes. */
static char *documented_call_row(void)
{
	static char line[8192];
	FILE *f = fopen(ST_SRC_DIR "/docs/log-format.md", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "| `call` |", 10) == 0) {
			fclose(f);
			return line;
		}
	fclose(f);
	fail_msg("docs/log-format.md has no `call` row");
	return NULL;
}

static bool call_documented(const char *row, const char *call)
{
	char quoted[64];

	snprintf(quoted, sizeof(quoted), "`%s`", call);
	return strstr(row, quoted) != NULL;
}

/* Every record of the exec and spawn runs names a call the format
 * documents, so a reader that follows exec chains finds them. */
static void test_exec_calls_documented(void **state)
{
	static const char *const modes[] = { "execve", "execvp", "spawn" };
	const char *row = documented_call_row();
	char bad[256] = "";
	size_t m, j;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *argv[] = { "execer", modes[m], NULL };
		
		run_prog(&g_run, true, argv, NULL, 30);
		assert_exit_ok(&g_run);
		load_logs(&g_logs, g_run.logs);
		for (j = 0; j < g_logs.nrecs; j++) {
			if (!call_documented(row, g_logs.recs[j].call) &&
			    strlen(bad) + 40 < sizeof(bad)) {
				strcat(bad, " ");
				strcat(bad, modes[m]);
				strcat(bad, ":");
				strcat(bad, g_logs.recs[j].call);
			}
		}
		free_logs(&g_logs);
		run_free(&g_run);
	}
	if (bad[0])
		fail_msg("undocumented call names in the logs:%s", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_threads_exact, run_cleanup),
		cmocka_unit_test_teardown(test_growth_through_ring, run_cleanup),
		cmocka_unit_test_teardown(test_big_messages_socketpair, run_cleanup),
		cmocka_unit_test_teardown(test_big_messages_tcp, run_cleanup),
		cmocka_unit_test_teardown(test_fork_children_own_logs, run_cleanup),
		cmocka_unit_test_teardown(test_fork_while_threads_log, run_cleanup),
		cmocka_unit_test_teardown(test_exec_fresh_env, run_cleanup),
		cmocka_unit_test_teardown(test_exec_failed_goes_on, run_cleanup),
		cmocka_unit_test_teardown(test_execvp_unset_preload, run_cleanup),
		cmocka_unit_test_teardown(test_posix_spawn_empty_env, run_cleanup),
		cmocka_unit_test_teardown(test_exec_calls_documented, run_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
