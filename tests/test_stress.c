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
 *   growth      4 KiB payloads (SOCKTRACE_PAYLOAD=all) across several
 *               4 MiB chunks of the log, from 4 threads at once
 *   fork        children get their own logs; fork from a busy threaded
 *               program neither deadlocks nor loses the child's log
 *   exec        execve with a fresh environment, execvp after unsetenv,
 *               posix_spawn with an empty environment: still traced
 *
 * The small run/load helpers are local to this file (tests/harness.h is
 * another engineer's); test_faults.c holds the same few lines.
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
	strcpy(r->base, "/tmp/st_stress.XXXXXX");
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

/* The file whose header says pid and execd; NULL when none. */
static struct logfile *file_of(struct logset *ls, int64_t pid, bool execd)
{
	int i;

	for (i = 0; i < ls->nfiles; i++)
		if (ls->files[i].has_header && ls->files[i].pid == pid &&
		    ls->files[i].execd == execd)
			return &ls->files[i];
	return NULL;
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

/* ---- the threads program's messages (tests/progs/threads.c) ---- */

static void msg_fill(char *buf, size_t n, int i, long k)
{
	size_t o = (size_t)snprintf(buf, n, "%d:%ld:", i, k);
	size_t j;

	for (j = o; j < n; j++)
		buf[j] = (char)('a' + (j + (size_t)i + (size_t)k) % 26);
}

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

/* The run and logs of the current test, freed by cleanup() even when an
 * assertion ends the test early. */
static struct run g_run;
static struct logset g_logs;

static int cleanup(void **state)
{
	(void)state;
	free_logs(&g_logs);
	run_free(&g_run);
	return 0;
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
	assert_int_equal(count_recs(&g_logs, NULL, "send", -1, -1) + count_recs(&g_logs, NULL, "recv", -1, -1),
			 (size_t)(T + S) * K * 2);
	for (i = 0; i < T + S; i++)
		check_thread(&g_logs, &tl[i], i, K, 64, i < T);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* 4 threads, 700 rounds of 4 KiB each with SOCKTRACE_PAYLOAD=all: about
 * 24 MB of log, six chunks.  Every record present with its whole payload,
 * no hole anywhere (no NUL byte in the trimmed file), and the records that
 * straddle a chunk boundary parse like the rest. */
static void test_growth_across_chunks(void **state)
{
	enum { T = 4, K = 700, SIZE = 4096 };
	const char *argv[] = { "threads", "-s", "4096", "4", "700", NULL };
	const char *env[] = { "SOCKTRACE_PAYLOAD=all", NULL };
	struct thread_line tl[T];
	struct logfile *f;
	size_t b, j, boundaries = 0, covered = 0, straddling = 0;
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
	assert_true(f->len > 4 * CHUNK);
	assert_int_equal(f->count, (size_t)T * K * 2 + 4 /* socketpairs */);
	for (i = 0; i < T; i++)
		check_thread(&g_logs, &tl[i], i, K, SIZE, true);
	/* Every boundary inside the data falls in a record or between two. */
	for (b = CHUNK; b < f->len; b += CHUNK) {
		boundaries++;
		for (j = f->first; j < f->first + f->count; j++) {
			const struct rec *x = &g_logs.recs[j];

			if (x->off <= b && b <= x->off + x->len) {
				covered++;
				straddling += x->off < b && b < x->off + x->len;
				break;
			}
		}
	}
	assert_true(boundaries >= 4);
	assert_int_equal(covered, boundaries);
	assert_true(straddling >= 1);
	free_logs(&g_logs);
	run_free(&g_run);
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

/* forker -n 4: four children, each with its own log (3 sends + 1 to the
 * parent, 3 recvs); the parent's log has the 4 fork records and 4 recvs. */
static void test_fork_children_own_logs(void **state)
{
	enum { N = 4 };
	const char *argv[] = { "forker", "-n", "4", NULL };
	long children[N], parent;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 30);
	assert_exit_ok(&g_run);
	parent = out_num(g_run.out, "@ parent", "pid");
	assert_int_equal(out_num(g_run.out, "@ parent", "got"), N);
	parse_children(g_run.out, children, N);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, N + 1);
	assert_int_equal(g_logs.malformed, 0);
	check_fork_files(&g_logs, parent, children, N, 4, 3);
	assert_int_equal(count_recs(&g_logs, file_of(&g_logs, parent, false), "recv", -1, -1), N);
	free_logs(&g_logs);
	run_free(&g_run);
}

/* forker -t 4 30: 30 forks while 4 threads log without pause.  Bounded by a
 * timeout (a fork taken while a thread held a library lock would hang the
 * child); each child logs its one send and one recv in its own file. */
static void test_fork_while_threads_log(void **state)
{
	enum { N = 30 };
	const char *argv[] = { "forker", "-t", "4", "30", NULL };
	long children[N], parent;

	(void)state;
	run_prog(&g_run, true, argv, NULL, 40);
	assert_exit_ok(&g_run);
	parent = out_num(g_run.out, "@ parent", "pid");
	assert_int_equal(out_num(g_run.out, "@ parent", "forks"), N);
	parse_children(g_run.out, children, N);
	load_logs(&g_logs, g_run.logs);
	assert_int_equal(g_logs.nfiles, N + 1);
	assert_int_equal(g_logs.malformed, 0);
	check_fork_files(&g_logs, parent, children, N, 1, 1);
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
		cmocka_unit_test_teardown(test_threads_exact, cleanup),
		cmocka_unit_test_teardown(test_growth_across_chunks, cleanup),
		cmocka_unit_test_teardown(test_fork_children_own_logs, cleanup),
		cmocka_unit_test_teardown(test_fork_while_threads_log, cleanup),
		cmocka_unit_test_teardown(test_exec_fresh_env, cleanup),
		cmocka_unit_test_teardown(test_execvp_unset_preload, cleanup),
		cmocka_unit_test_teardown(test_posix_spawn_empty_env, cleanup),
		cmocka_unit_test_teardown(test_exec_calls_documented, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
