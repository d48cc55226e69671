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
 * The run/load helpers repeat those of test_stress.c (tests/harness.h is
 * another engineer's).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "json.h"

#define CHUNK ((size_t)4 << 20)	/* the log's growth step (preload/sink.c) */

/* ---- running a program under the library ---- */

struct run {
	char base[64];		/* temporary directory of this run */
	char logs[96];		/* base/logs: SOCKTRACE_DIR */
	pid_t pid;
	int out_fd;		/* the program's stdout, a pipe */
	char *out;		/* all of stdout, once finished */
	size_t out_len;
	int status;		/* waitpid status; -1 when it timed out */
};

static const char *const our_vars[] = { "LD_PRELOAD=", "SOCKTRACE_", NULL };

static bool is_our_var(const char *v)
{
	int i;

	for (i = 0; our_vars[i]; i++)
		if (strncmp(v, our_vars[i], strlen(our_vars[i])) == 0)
			return true;
	return false;
}

/* Starts build/tests/progs/<argv[0]> with argv, traced when traced is set,
 * extra environment entries env (NULL-terminated, may be NULL).  stdout is
 * a pipe (r->out_fd), stderr goes to base/stderr. */
static void run_start(struct run *r, bool traced, const char *const argv[],
		      const char *const env[])
{
	extern char **environ;
	char prog[512], errpath[128], preload[512], dir[160];
	char *envp[512];
	int pfd[2], n = 0, i;

	memset(r, 0, sizeof(*r));
	strcpy(r->base, "/tmp/st_faults.XXXXXX");
	assert_non_null(mkdtemp(r->base));
	snprintf(r->logs, sizeof(r->logs), "%s/logs", r->base);
	assert_int_equal(mkdir(r->logs, 0700), 0);
	snprintf(prog, sizeof(prog), "%s/tests/progs/%s", ST_BUILD_DIR, argv[0]);
	snprintf(errpath, sizeof(errpath), "%s/stderr", r->base);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s/libtrace.so", ST_BUILD_DIR);
	snprintf(dir, sizeof(dir), "SOCKTRACE_DIR=%s", r->logs);
	for (i = 0; environ[i] && n < 480; i++)
		if (!is_our_var(environ[i]) && strncmp(environ[i], "ASAN_", 5) != 0 &&
		    strncmp(environ[i], "UBSAN_", 6) != 0)
			envp[n++] = environ[i];
	if (traced) {
		envp[n++] = preload;
		envp[n++] = dir;
	}
	for (i = 0; env && env[i] && n < 510; i++)
		envp[n++] = (char *)env[i];
	envp[n] = NULL;
	assert_int_equal(pipe(pfd), 0);
	fflush(stdout);
	fflush(stderr);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setpgid(0, 0);
		dup2(pfd[1], 1);
		if (e >= 0)
			dup2(e, 2);
		close(pfd[0]);
		close(pfd[1]);
		execve(prog, (char *const *)argv, envp);
		_exit(127);
	}
	setpgid(r->pid, r->pid);
	close(pfd[1]);
	r->out_fd = pfd[0];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads stdout until EOF and waits for the program, at most timeout_s
 * seconds in all; on timeout kills its process group (status -1). */
static void run_finish(struct run *r, double timeout_s)
{
	double end = now_s() + timeout_s;
	size_t cap = r->out_len + 4096;

	r->out = realloc(r->out, cap);
	assert_non_null(r->out);
	for (;;) {
		struct pollfd p = { r->out_fd, POLLIN, 0 };
		int left = (int)((end - now_s()) * 1000);
		ssize_t k;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		if (cap - r->out_len < 4096) {
			cap *= 2;
			r->out = realloc(r->out, cap);
			assert_non_null(r->out);
		}
		k = read(r->out_fd, r->out + r->out_len, cap - r->out_len - 1);
		if (k <= 0)
			break;
		r->out_len += (size_t)k;
	}
	r->out[r->out_len] = '\0';
	close(r->out_fd);
	for (;;) {
		int st;
		pid_t w = waitpid(r->pid, &st, WNOHANG);

		if (w == r->pid) {
			r->status = st;
			break;
		}
		if (now_s() > end) {
			kill(-r->pid, SIGKILL);
			waitpid(r->pid, &st, 0);
			r->status = -1;
			break;
		}
		usleep(10000);
	}
	/* Whatever the program left behind (forked children) goes too. */
	kill(-r->pid, SIGKILL);
}

static void run_prog(struct run *r, bool traced, const char *const argv[],
		     const char *const env[], double timeout_s)
{
	run_start(r, traced, argv, env);
	run_finish(r, timeout_s);
}

static void assert_exit_ok(const struct run *r)
{
	if (r->status == -1)
		fail_msg("%s timed out (deadlock?); stdout so far:\n%s", r->base, r->out);
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		char path[160], err[1024] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s/stderr", r->base);
		f = fopen(path, "r");
		if (f) {
			err[fread(err, 1, sizeof(err) - 1, f)] = '\0';
			fclose(f);
		}
		fail_msg("program failed, status 0x%x; stdout:\n%s\nstderr:\n%s", r->status,
			 r->out, err);
	}
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		rm_tree(p);
	}
	closedir(d);
	rmdir(path);
}

static void run_free(struct run *r)
{
	if (r->base[0])
		rm_tree(r->base);
	r->base[0] = '\0';
	free(r->out);
	r->out = NULL;
}

/* The integer after "key=" in the first line of text holding prefix, or
 * -1 when there is none. */
static long out_num(const char *text, const char *prefix, const char *key)
{
	const char *line = strstr(text, prefix);
	const char *eol, *k;
	char pat[64];

	if (!line)
		return -1;
	eol = strchr(line, '\n');
	snprintf(pat, sizeof(pat), " %s=", key);
	k = strstr(line, pat);
	if (!k || (eol && k > eol))
		return -1;
	return strtol(k + strlen(pat), NULL, 10);
}

/* ---- reading the logs back ---- */

struct rec {
	char call[24];
	int file;		/* index into logset.files */
	size_t off, len;	/* where the line is in its file */
	int64_t pid, tid, t, fd, ret, bytes, child, fd2;
	char err[24];
	struct st_json_value data;	/* points into the file's buffer */
	bool has_data;
};

struct logfile {
	char name[64];
	char *buf;
	size_t len;
	size_t nul_bytes;	/* NUL bytes anywhere in the file */
	size_t malformed;
	bool has_header;
	int64_t pid, ppid, fork_of;
	bool execd;
	size_t first, count;	/* its records in logset.recs */
};

struct logset {
	struct logfile files[64];
	int nfiles;
	struct rec *recs;
	size_t nrecs, cap;
	size_t malformed;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void copy_str(char *dst, size_t cap, const struct st_json_value *v)
{
	size_t n = v->n < cap - 1 ? v->n : cap - 1;

	memcpy(dst, v->p, n);
	dst[n] = '\0';
}

/* Parses one line; returns false when it is not a JSON object. */
static bool parse_line(struct logset *ls, int fi, const char *p, size_t n, size_t off)
{
	struct logfile *f = &ls->files[fi];
	struct st_json_iter it;
	struct st_json_value k, v;
	struct rec r;
	bool header = false;
	int rc;

	memset(&r, 0, sizeof(r));
	r.fd = r.child = r.fd2 = -1;
	r.file = fi;
	r.off = off;
	r.len = n;
	if (st_json_object_begin(&it, p, n) != 0)
		return false;
	while ((rc = st_json_object_next(&it, &k, &v)) == 1) {
		int64_t x = 0;

		if (v.type == ST_JSON_NUMBER && st_json_get_int(&v, &x) != 0)
			return false;
		if (st_json_key_is(&k, "type") && v.type == ST_JSON_STRING &&
		    v.n == 6 && memcmp(v.p, "header", 6) == 0)
			header = true;
		else if (st_json_key_is(&k, "call") && v.type == ST_JSON_STRING)
			copy_str(r.call, sizeof(r.call), &v);
		else if (st_json_key_is(&k, "errno") && v.type == ST_JSON_STRING)
			copy_str(r.err, sizeof(r.err), &v);
		else if (st_json_key_is(&k, "data") && v.type == ST_JSON_STRING) {
			r.data = v;
			r.has_data = true;
		} else if (st_json_key_is(&k, "execd"))
			f->execd = v.type == ST_JSON_TRUE;
		else if (st_json_key_is(&k, "pid"))
			r.pid = x;
		else if (st_json_key_is(&k, "ppid"))
			f->ppid = x;
		else if (st_json_key_is(&k, "fork_of"))
			f->fork_of = x;
		else if (st_json_key_is(&k, "tid"))
			r.tid = x;
		else if (st_json_key_is(&k, "t"))
			r.t = x;
		else if (st_json_key_is(&k, "fd"))
			r.fd = x;
		else if (st_json_key_is(&k, "ret"))
			r.ret = x;
		else if (st_json_key_is(&k, "bytes"))
			r.bytes = x;
		else if (st_json_key_is(&k, "child"))
			r.child = x;
		else if (st_json_key_is(&k, "fd2"))
			r.fd2 = x;
	}
	if (rc != 0)
		return false;
	if (header) {
		if (f->has_header || f->count)
			return false;	/* a header must be the first line, once */
		f->has_header = true;
		f->pid = r.pid;
		return true;
	}
	if (!r.call[0])
		return false;
	if (ls->nrecs == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 4096;
		ls->recs = realloc(ls->recs, ls->cap * sizeof(*ls->recs));
		assert_non_null(ls->recs);
	}
	ls->recs[ls->nrecs++] = r;
	f->count++;
	return true;
}

static void load_file(struct logset *ls, const char *dir, const char *name)
{
	struct logfile *f = &ls->files[ls->nfiles];
	char path[512];
	struct stat sb;
	size_t i, start = 0;
	int fd;

	assert_true(ls->nfiles < 64);
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	f->len = (size_t)sb.st_size;
	f->buf = malloc(f->len + 1);
	assert_non_null(f->buf);
	for (i = 0; i < f->len;) {
		ssize_t k = read(fd, f->buf + i, f->len - i);

		assert_true(k > 0);
		i += (size_t)k;
	}
	close(fd);
	f->first = ls->nrecs;
	/* NUL bytes are line breaks (docs/log-format.md). */
	for (i = 0; i <= f->len; i++) {
		if (i < f->len && f->buf[i] != '\n' && f->buf[i] != '\0')
			continue;
		if (i < f->len && f->buf[i] == '\0')
			f->nul_bytes++;
		if (i > start && !parse_line(ls, ls->nfiles, f->buf + start, i - start, start))
			f->malformed++;
		start = i + 1;
	}
	ls->malformed += f->malformed;
	ls->nfiles++;
}

/* Loads every *.jsonl of dir, in name order. */
static void load_logs(struct logset *ls, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	int n = 0, i;

	memset(ls, 0, sizeof(*ls));
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t k = strlen(e->d_name);

		if (k > 6 && strcmp(e->d_name + k - 6, ".jsonl") == 0) {
			assert_true(n < 64);
			names[n++] = strdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_name);
	for (i = 0; i < n; i++) {
		load_file(ls, dir, names[i]);
		free(names[i]);
	}
}

static void free_logs(struct logset *ls)
{
	int i;

	for (i = 0; i < ls->nfiles; i++)
		free(ls->files[i].buf);
	free(ls->recs);
	memset(ls, 0, sizeof(*ls));
}

/* Records of file f (or all files when f is NULL) with this call, fd and
 * tid (-1: any). */
static size_t count_recs(const struct logset *ls, const struct logfile *f, const char *call,
			 int64_t fd, int64_t tid)
{
	size_t i, n = 0, lo = f ? f->first : 0, hi = f ? f->first + f->count : ls->nrecs;

	for (i = lo; i < hi; i++) {
		const struct rec *r = &ls->recs[i];

		if ((!call || strcmp(r->call, call) == 0) && (fd < 0 || r->fd == fd) &&
		    (tid < 0 || r->tid == tid))
			n++;
	}
	return n;
}

/* Whether the payload of r decodes to exactly want[0..n). */
static bool data_is(const struct rec *r, const void *want, size_t n)
{
	unsigned char *buf;
	long k;
	bool same;

	if (!r->has_data)
		return n == 0;
	buf = malloc(n + 1);
	assert_non_null(buf);
	k = st_json_decode_prefix(&r->data, buf, n + 1);
	same = k == (long)n && memcmp(buf, want, n) == 0;
	free(buf);
	return same;
}

/* The run and logs of the current test, freed by cleanup() even when an
 * assertion ends the test early. */
static struct run g_run;
static struct logset g_logs;

/* Files a program writes outside its run directory (paths built before
 * the run starts), removed by cleanup() too. */
static char g_res[64], g_counts[64];

static int cleanup(void **state)
{
	(void)state;
	if (g_res[0])
		unlink(g_res);
	if (g_counts[0])
		unlink(g_counts);
	free_logs(&g_logs);
	run_free(&g_run);
	return 0;
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
 * all 6000 data records, whole, followed by the zero tail of its chunk. */
static void test_sigkill_keeps_returned_calls(void **state)
{
	const char *argv[] = { "killme", "-n", "3000", NULL };
	long fd0, fd1;

	(void)state;
	run_start(&g_run, true, argv, NULL);
	assert_true(read_until(&g_run, "@ ready", 30));
	fd0 = out_num(g_run.out, "@ ready", "fd0");
	fd1 = out_num(g_run.out, "@ ready", "fd1");
	kill_run(&g_run);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, 1);
	assert_int_equal(g_logs.malformed, 0);
	assert_true(g_logs.files[0].nul_bytes > 0);
	assert_int_equal(g_logs.files[0].len % CHUNK, 0);
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
		fail_msg("%ld sends in the SIGALRM handler, %zu logged (the log grew %zu "
			 "chunks meanwhile)", hs, n, g_logs.files[0].len / CHUNK);
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
