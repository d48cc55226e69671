/*
 * procs.h: what test_faults.c and test_stress.c share, as static inline
 * functions (every test is one file and one binary; a test that does not
 * use one of them gets no warning).
 *
 * - run_start / run_finish / run_prog / assert_exit_ok / run_free: run one
 *   helper program from build/tests/progs/ (built unsanitized) in its own
 *   process group, under build/libtrace.so or untraced, with its own
 *   temporary directory /tmp/st_<test binary>.XXXXXX holding the log
 *   directory (base/logs) and its stderr (base/stderr); stdout comes back
 *   through a pipe, the whole run is bounded by a timeout (kill -9 of the
 *   group, status -1).  out_num reads "key=N" from a "@ " line of the
 *   program's output.
 * - load_logs / free_logs: every log of a log directory read whole (a
 *   binary one with its staging ring, tests/logtext.h), parsed with
 *   common/json.h, NUL bytes read as line breaks (a killed process leaves
 *   its chunk's zero tail), headers kept per file, lines that do not parse
 *   counted per file; count_recs / file_of / data_is look records up;
 *   count_suffix counts the staging rings (*.ring) a run left.
 * - g_run / g_logs / run_cleanup: the current test's run and logs, and the
 *   teardown that frees them.
 *
 * These differ from tests/harness.h on purpose: the programs here are
 * hostile (they close or dup2 over every fd, get killed, fork in a flood),
 * so a run keeps the raw bytes of each file, where each record sits in it
 * and the NUL bytes counted, and kills the whole process group at the end.
 * Failures go through cmocka's assertions, so a helper fails the test that
 * called it.
 */
#ifndef PROCS_H
#define PROCS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "logtext.h"

#define RING ((size_t)1 << 20)	/* the staging ring's data size (preload/sink.c) */

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

static inline bool is_our_var(const char *v)
{
	static const char *const our_vars[] = { "LD_PRELOAD=", "SOCKTRACE_", NULL };
	int i;

	for (i = 0; our_vars[i]; i++)
		if (strncmp(v, our_vars[i], strlen(our_vars[i])) == 0)
			return true;
	return false;
}

/* Starts build/tests/progs/<argv[0]> with argv, traced when traced is set,
 * extra environment entries env (NULL-terminated, may be NULL).  stdout is
 * a pipe (r->out_fd), stderr goes to base/stderr. */
static inline void run_start(struct run *r, bool traced, const char *const argv[],
			     const char *const env[])
{
	extern char **environ;
	char prog[512], errpath[128], preload[512], dir[160];
	char *envp[512];
	int pfd[2], n = 0, i;

	memset(r, 0, sizeof(*r));
	snprintf(r->base, sizeof(r->base), "/tmp/st_%s.XXXXXX", program_invocation_short_name);
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

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads stdout until EOF and waits for the program, at most timeout_s
 * seconds in all; on timeout kills its process group (status -1). */
static inline void run_finish(struct run *r, double timeout_s)
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

static inline void run_prog(struct run *r, bool traced, const char *const argv[],
			    const char *const env[], double timeout_s)
{
	run_start(r, traced, argv, env);
	run_finish(r, timeout_s);
}

static inline void assert_exit_ok(const struct run *r)
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

/* Removes path and, when it is a directory, everything below it. */
static inline void rm_tree(const char *path)
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
		/* A name that does not fit is none of ours (checking also keeps
		 * -Wformat-truncation quiet once rm_tree is inlined into itself). */
		if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p))
			continue;
		rm_tree(p);
	}
	closedir(d);
	rmdir(path);
}

static inline void run_free(struct run *r)
{
	if (r->base[0])
		rm_tree(r->base);
	r->base[0] = '\0';
	free(r->out);
	r->out = NULL;
}

/* The integer after "key=" in the first line of text holding prefix, or
 * -1 when there is none. */
static inline long out_num(const char *text, const char *prefix, const char *key)
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
	int64_t pid, tid, t, dur, fd, ret, bytes, child, fd2;
	char err[24];
	struct st_json_value data;	/* points into the file's buffer */
	bool has_data;
};

struct logfile {
	char name[64];
	char *buf;
	size_t len;		/* of buf: the file, or its JSON text when it was binary */
	size_t size;		/* of the file on disk */
	size_t nul_bytes;	/* NUL bytes in a JSON file; zeros after the last frame of a binary one */
	size_t malformed;
	bool has_header;
	int64_t pid, ppid, fork_of;
	bool execd;
	char clock[16];		/* the header's "clock", "" when it has none */
	size_t first, count;	/* its records in logset.recs */
};

struct logset {
	struct logfile files[64];
	int nfiles;
	struct rec *recs;
	size_t nrecs, cap;
	size_t malformed;
};

static inline int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline void copy_str(char *dst, size_t cap, const struct st_json_value *v)
{
	size_t n = v->n < cap - 1 ? v->n : cap - 1;

	memcpy(dst, v->p, n);
	dst[n] = '\0';
}

/* Parses one line; returns false when it is not a JSON object. */
static inline bool parse_line(struct logset *ls, int fi, const char *p, size_t n, size_t off)
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
		else if (st_json_key_is(&k, "dur"))
			r.dur = x;
		else if (st_json_key_is(&k, "clock") && v.type == ST_JSON_STRING)
			copy_str(f->clock, sizeof(f->clock), &v);
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

static inline void load_file(struct logset *ls, const char *dir, const char *name)
{
	struct logfile *f = &ls->files[ls->nfiles];
	char path[512];
	size_t i, start = 0;

	assert_true(ls->nfiles < 64);
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f->buf = lt_read_file(path, &f->len);
	if (!f->buf)
		fail_msg("%s: %s", path, strerror(errno));
	f->size = f->len;
	f->malformed += lt_decode(path, &f->buf, &f->len, &f->nul_bytes);
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

/* Loads every log (*.jsonl, *.stlog) of dir, in name order. */
static inline void load_logs(struct logset *ls, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	int n = 0, i;

	memset(ls, 0, sizeof(*ls));
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t k = strlen(e->d_name);

		if (k > 6 && lt_is_log_name(e->d_name)) {
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

static inline void free_logs(struct logset *ls)
{
	int i;

	for (i = 0; i < ls->nfiles; i++)
		free(ls->files[i].buf);
	free(ls->recs);
	memset(ls, 0, sizeof(*ls));
}

/* How many entries of dir have a name ending in suffix (".ring": the
 * staging rings processes left there). */
static inline int count_suffix(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	size_t sl = strlen(suffix);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t k = strlen(e->d_name);

		n += k > sl && strcmp(e->d_name + k - sl, suffix) == 0;
	}
	closedir(d);
	return n;
}

/* The file whose header says pid and execd; NULL when none. */
static inline struct logfile *file_of(struct logset *ls, int64_t pid, bool execd)
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
static inline size_t count_recs(const struct logset *ls, const struct logfile *f,
				const char *call, int64_t fd, int64_t tid)
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
static inline bool data_is(const struct rec *r, const void *want, size_t n)
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

/* ---- the current test's run ---- */

/* The run and logs of the current test, freed by run_cleanup() (a cmocka
 * teardown) even when an assertion ends the test early. */
static struct run g_run __attribute__((unused));
static struct logset g_logs __attribute__((unused));

static inline int run_cleanup(void **state)
{
	(void)state;
	free_logs(&g_logs);
	run_free(&g_run);
	return 0;
}

#endif
