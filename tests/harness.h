/*
 * harness.h: what the integration tests share, as static functions (every
 * test is one file and one binary).
 *
 * - h_tmpdir / h_rmtree: a fresh log directory per run, removed when the
 *   test passed.
 * - h_start / h_wait_line / h_wait: run a program under the library
 *   (LD_PRELOAD=ST_BUILD_DIR/libtrace.so, SOCKTRACE_DIR set) with its stdout
 *   and stderr captured through pipes; wait for a line such as "@ listen"
 *   with a timeout; wait for exit with a timeout (kill -9 and fail).  The
 *   test binary runs under ASan; the child gets a clean environment without
 *   any sanitizer options or preloads of ours.
 * - h_log_load: every record of every log (*.jsonl, *.stlog) in a directory, parsed with
 *   common/json.h, NUL bytes read as line breaks, malformed lines counted;
 *   a binary log is read with its staging ring (tests/logtext.h).
 * - h_at_parse: the examples' ground-truth "@ " lines (examples/show.h).
 * - h_output_of / h_write_file: a tool's output, a file written.
 * - h_free_port / h_wait_ready / h_rm_tree: servers of Debian's packages
 *   (nginx, redis) on a free port of 127.0.0.1, waited for in /proc/net
 *   (no probe connection in the trace); a work tree removed.
 *
 * Failures go through cmocka's fail_msg, so a helper fails the test that
 * called it.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "json.h"
#include "logtext.h"
#include "sockaddr.h"

#define H_LIB ST_BUILD_DIR "/libtrace.so"

/* A failing cmocka test leaves through longjmp with its buffers still
 * allocated; leak reports would only repeat the failure.  (The unit tests
 * of the pure modules, which do not include this file, keep them.) */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#define H_EXAMPLE(name) ST_BUILD_DIR "/examples/" name

extern char **environ;

/* ---- temporary directories ------------------------------------------- */

/* Makes a fresh directory under /tmp into buf (64 bytes). */
static inline void h_tmpdir(char *buf)
{
	strcpy(buf, "/tmp/socktrace-test-XXXXXX");
	if (mkdtemp(buf) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
}

/* Removes a directory and the files in it (it holds no subdirectories). */
static inline void h_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- processes --------------------------------------------------------- */

/* Output captured from one stream of a child. */
struct h_buf {
	char *p;
	size_t len, cap;
	int fd;		/* read end of the pipe, -1 at EOF */
};

struct h_proc {
	pid_t pid;
	int status;	/* from waitpid, once exited */
	bool exited;
	struct h_buf out, err;
};

/* How to start a program. */
struct h_opts {
	const char *logdir;	/* SOCKTRACE_DIR; NULL leaves it unset */
	bool untraced;		/* no LD_PRELOAD */
	const char *env[8];	/* extra NAME=value entries, NULL-ended */
};

static inline int64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void h_buf_append(struct h_buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			fail_msg("out of memory");
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* True for environment entries the child must not inherit. */
static inline bool h_env_dropped(const char *e)
{
	static const char *const drop[] = {
		"LD_PRELOAD=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=",
		"SOCKTRACE_", "CMOCKA_",
	};

	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		if (strncmp(e, drop[i], strlen(drop[i])) == 0)
			return true;
	return false;
}

/* Starts argv[0] (a path) with opts; stdout and stderr go to pipes. */
static inline void h_start(struct h_proc *p, const struct h_opts *opts, const char *const argv[])
{
	static char preload[] = "LD_PRELOAD=" H_LIB;
	char dirvar[600];
	char **envp;
	size_t n = 0, i;
	int outp[2], errp[2];

	memset(p, 0, sizeof *p);
	for (i = 0; environ[i]; i++)
		n++;
	envp = calloc(n + 12, sizeof *envp);
	if (envp == NULL)
		fail_msg("out of memory");
	n = 0;
	for (i = 0; environ[i]; i++)
		if (!h_env_dropped(environ[i]))
			envp[n++] = environ[i];
	if (!opts->untraced)
		envp[n++] = preload;
	if (opts->logdir) {
		snprintf(dirvar, sizeof dirvar, "SOCKTRACE_DIR=%s", opts->logdir);
		envp[n++] = dirvar;
	}
	for (i = 0; i < 8 && opts->env[i]; i++)
		envp[n++] = (char *)opts->env[i];
	envp[n] = NULL;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (p->pid == 0) {
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execve(argv[0], (char *const *)argv, envp);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(envp);
	close(outp[1]);
	close(errp[1]);
	p->out.fd = outp[0];
	p->err.fd = errp[0];
	h_buf_append(&p->out, "", 0);
	h_buf_append(&p->err, "", 0);
}

/* Reads what is available from p's pipes, waiting at most ms. */
static inline void h_pump(struct h_proc *p, int ms)
{
	struct pollfd pfd[2];
	struct h_buf *bufs[2];
	int n = 0;
	char tmp[4096];

	if (p->out.fd >= 0) {
		pfd[n] = (struct pollfd){ .fd = p->out.fd, .events = POLLIN };
		bufs[n++] = &p->out;
	}
	if (p->err.fd >= 0) {
		pfd[n] = (struct pollfd){ .fd = p->err.fd, .events = POLLIN };
		bufs[n++] = &p->err;
	}
	if (n == 0) {
		if (ms > 0)
			usleep(ms * 1000);
		return;
	}
	if (poll(pfd, n, ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		ssize_t r;

		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(pfd[i].fd, tmp, sizeof tmp);
		if (r > 0) {
			h_buf_append(bufs[i], tmp, (size_t)r);
		} else if (r == 0 || errno != EINTR) {
			close(bufs[i]->fd);
			bufs[i]->fd = -1;
		}
	}
}

/* Waits (at most timeout_ms) for a whole stdout line starting with prefix,
 * and copies it into line (cap bytes, without the newline). */
static inline bool h_wait_line(struct h_proc *p, const char *prefix, int timeout_ms,
			char *line, size_t cap)
{
	int64_t end = h_now_ms() + timeout_ms;
	size_t plen = strlen(prefix);

	for (;;) {
		const char *s = p->out.p;

		while (s && *s) {
			const char *nl = strchr(s, '\n');

			if (nl == NULL)
				break;
			if ((size_t)(nl - s) >= plen && strncmp(s, prefix, plen) == 0) {
				size_t n = (size_t)(nl - s) < cap - 1 ? (size_t)(nl - s) : cap - 1;

				memcpy(line, s, n);
				line[n] = '\0';
				return true;
			}
			s = nl + 1;
		}
		if (p->out.fd < 0 || h_now_ms() > end)
			return false;
		h_pump(p, 50);
	}
}

/* The port at the end of a line "... local=ADDR:PORT". */
static inline int h_line_port(const char *line)
{
	const char *c = strrchr(line, ':');

	return c ? atoi(c + 1) : -1;
}

/* Waits for the server's "@ listen" or "@ bound" line; returns the port
 * at its end, 0 when it has none (an AF_UNIX server). */
static inline int h_server_ready(struct h_proc *p, const char *event)
{
	char line[512], prefix[32];

	snprintf(prefix, sizeof prefix, "@ %s ", event);
	if (!h_wait_line(p, prefix, 10000, line, sizeof line))
		fail_msg("no \"%s\" line from the server within 10 s; stdout:\n%s\nstderr:\n%s",
			 prefix, p->out.p, p->err.p);
	return strstr(line, "proto=unix") ? 0 : h_line_port(line);
}

/* h_server_ready for an inet server: fails without a port. */
static inline int h_server_port(struct h_proc *p, const char *event)
{
	int port = h_server_ready(p, event);

	if (port <= 0)
		fail_msg("no port in the \"@ %s\" line", event);
	return port;
}

/* Waits (at most timeout_ms) for p to exit and its pipes to reach EOF;
 * kills it with SIGKILL and fails the test on timeout.  Returns the exit
 * status (WEXITSTATUS), or 128 + signal number. */
static inline int h_wait(struct h_proc *p, int timeout_ms)
{
	int64_t end = h_now_ms() + timeout_ms;

	while (!p->exited) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);

		if (r == p->pid) {
			p->exited = true;
			break;
		}
		if (h_now_ms() > end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
			p->exited = true;
			fail_msg("pid %d did not exit within %d ms; stdout:\n%s\nstderr:\n%s",
				 (int)p->pid, timeout_ms, p->out.p, p->err.p);
		}
		h_pump(p, 20);
	}
	/* Children of p (fork_server's) may hold the pipes a little longer. */
	while ((p->out.fd >= 0 || p->err.fd >= 0) && h_now_ms() <= end + 5000)
		h_pump(p, 50);
	if (WIFSIGNALED(p->status))
		return 128 + WTERMSIG(p->status);
	return WEXITSTATUS(p->status);
}

/* h_wait, and fails unless the exit status is 0. */
static inline void h_wait_ok(struct h_proc *p)
{
	int rc = h_wait(p, 60000);

	if (rc != 0)
		fail_msg("pid %d exited with %d; stdout:\n%s\nstderr:\n%s",
			 (int)p->pid, rc, p->out.p, p->err.p);
}

static inline void h_proc_free(struct h_proc *p)
{
	if (p->out.fd >= 0)
		close(p->out.fd);
	if (p->err.fd >= 0)
		close(p->err.fd);
	free(p->out.p);
	free(p->err.p);
	memset(p, 0, sizeof *p);
}

/* Runs build/sockview (untraced) with args (NULL-ended, at most 8) and
 * waits for it (60 s at most): its exit status, its output in v. */
static inline int h_view(struct h_proc *v, const char *const *args)
{
	const char *argv[10] = { ST_BUILD_DIR "/sockview" };
	struct h_opts o = { .untraced = true };
	int i;

	for (i = 0; args[i] && i < 8; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	h_start(v, &o, argv);
	return h_wait(v, 60000);
}

/* A program's stdout (malloc'd), run untraced; fails the test unless it
 * exits 0 within a minute. */
static inline char *h_output_of(const char *const argv[])
{
	struct h_opts o = { .untraced = true };
	struct h_proc p;
	char *text;
	int rc;

	h_start(&p, &o, argv);
	rc = h_wait(&p, 60000);
	if (rc != 0)
		fail_msg("%s %s exited with %d: %s", argv[0], argv[1] ? argv[1] : "", rc, p.err.p);
	text = strdup(p.out.p ? p.out.p : "");
	h_proc_free(&p);
	return text;
}

/* Writes n bytes of text to path (created or emptied); fails the test
 * when it cannot. */
static inline void h_write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

/* ---- servers: a free port, waiting until it listens, a tree removed ---- */

/* A TCP or UDP port of 127.0.0.1 free a moment ago (bound, then closed). */
static inline int h_free_port(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		fail_msg("ephemeral bind: %s", strerror(errno));
	close(fd);
	return ntohs(a.sin_port);
}

/* Whether /proc/net/{tcp,udp} lists a socket bound to port in the given
 * state (0A listening TCP, 07 bound UDP).  Looking there, rather than
 * connecting, keeps the probe out of the trace. */
static inline bool h_port_in_state(const char *table, int port, const char *state)
{
	char path[64], line[512], want[16];
	FILE *f;
	bool found = false;

	snprintf(path, sizeof path, "/proc/net/%s", table);
	snprintf(want, sizeof want, ":%04X", port);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		char local[64], remote[64], st[8];

		if (sscanf(line, " %*s %63s %63s %7s", local, remote, st) == 3 &&
		    strlen(local) > 5 && strcmp(local + strlen(local) - 5, want) == 0 &&
		    strcmp(st, state) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

/* Waits (10 s at most) until port is listening (tcp) or bound (udp), or
 * until path exists (AF_UNIX); fails with p's output otherwise. */
static inline void h_wait_ready(struct h_proc *p, const char *table, int port, const char *path)
{
	int64_t end = h_now_ms() + 10000;

	for (;;) {
		if (path ? access(path, F_OK) == 0
			 : h_port_in_state(table, port, strcmp(table, "udp") == 0 ? "07" : "0A"))
			return;
		if (h_now_ms() > end || waitpid(p->pid, &p->status, WNOHANG) == p->pid)
			fail_msg("server not ready within 10 s; stdout:\n%s\nstderr:\n%s", p->out.p,
				 p->err.p);
		h_pump(p, 20);
	}
}

/* Writes work/nginx.conf (its path into conf) for nginx in one process
 * (no master, no daemon, epoll, every file under work) serving root on
 * 127.0.0.1:port; listen_extra (" ssl") and server_extra (more directives
 * of the server block) may be "". */
static inline void h_nginx_conf(const char *work, int port, const char *root,
				const char *listen_extra, const char *server_extra, char *conf,
				size_t cap)
{
	char text[4096];

	snprintf(conf, cap, "%s/nginx.conf", work);
	snprintf(text, sizeof text,
		 "daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
		 "events { worker_connections 64; use epoll; }\n"
		 "http {\n  access_log off;\n"
		 "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
		 "  fastcgi_temp_path %s/fcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
		 "  scgi_temp_path %s/scgi;\n"
		 "  server { listen 127.0.0.1:%d%s; root %s; %s}\n}\n",
		 work, work, work, work, work, work, work, port, listen_extra, root, server_extra);
	h_write_file(conf, text, strlen(text));
}

static inline int h_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Removes dir and everything under it. */
static inline void h_rm_tree(const char *dir)
{
	nftw(dir, h_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- log records -------------------------------------------------------- */

#define H_STR 64

/* One log line, the keys the tests look at.  A string key that is absent
 * has has_<key> false (and an empty value); integers default to -1 with
 * has_<key> false. */
struct h_rec {
	int file;		/* index into h_log.files */
	int line;		/* 1-based line number in that file */
	bool header;
	char call[H_STR];
	char type[H_STR];
	int64_t version;	/* header: "socktrace" */
	int64_t pid, tid, t, dur, fd, ret, bytes, ppid, payload, fork_of, fd2, child, msg;
	bool has_fd, has_bytes, has_ppid, has_fork_of, has_fd2, has_errno, execd;
	char errno_name[H_STR];
	char proto[H_STR];
	char flags[H_STR];
	bool has_local, has_peer, has_addr, has_data;
	char local[ST_ADDR_MAX], peer[ST_ADDR_MAX], addr[ST_ADDR_MAX];
	char exe[512];
	char argv[8][256];	/* the first 8 arguments */
	int argc;
	char fds[512];		/* poll and the waits: the "fds" items, ','-joined */
	unsigned char *data;	/* decoded, data_len bytes (malloc'd) */
	size_t data_len;
};

struct h_log {
	struct h_rec *r;
	size_t n, cap;
	int malformed;
	int nfiles;
	char files[64][256];	/* full paths of the log files read */
};

/* Decodes a string value into a C string of cap bytes; false when it is not
 * a valid byte string. */
static inline bool h_get_str(const struct st_json_value *v, char *dst, size_t cap)
{
	long n;

	if (v->type != ST_JSON_STRING)
		return false;
	n = st_json_decode_prefix(v, (unsigned char *)dst, cap - 1);
	if (n < 0)
		return false;
	dst[n] = '\0';
	return true;
}

static inline bool h_get_int(const struct st_json_value *v, int64_t *out)
{
	return st_json_get_int(v, out) == 0;
}

/* Parses one line into r; false when malformed. */
static inline bool h_parse_line(const char *p, size_t n, struct h_rec *r)
{
	struct st_json_iter it;
	struct st_json_value k, v;
	int rc;

	r->fd = r->bytes = r->ppid = r->payload = r->fork_of = r->fd2 = r->child = r->msg = -1;
	r->pid = r->tid = r->t = r->dur = r->ret = r->version = -1;
	if (st_json_object_begin(&it, p, n) < 0)
		return false;
	while ((rc = st_json_object_next(&it, &k, &v)) == 1) {
		bool ok = true;

		if (st_json_key_is(&k, "call"))
			ok = h_get_str(&v, r->call, sizeof r->call);
		else if (st_json_key_is(&k, "type"))
			ok = h_get_str(&v, r->type, sizeof r->type);
		else if (st_json_key_is(&k, "socktrace"))
			ok = h_get_int(&v, &r->version);
		else if (st_json_key_is(&k, "pid"))
			ok = h_get_int(&v, &r->pid);
		else if (st_json_key_is(&k, "tid"))
			ok = h_get_int(&v, &r->tid);
		else if (st_json_key_is(&k, "t"))
			ok = h_get_int(&v, &r->t);
		else if (st_json_key_is(&k, "dur"))
			ok = h_get_int(&v, &r->dur);
		else if (st_json_key_is(&k, "ret"))
			ok = h_get_int(&v, &r->ret);
		else if (st_json_key_is(&k, "fd"))
			ok = r->has_fd = h_get_int(&v, &r->fd);
		else if (st_json_key_is(&k, "bytes"))
			ok = r->has_bytes = h_get_int(&v, &r->bytes);
		else if (st_json_key_is(&k, "ppid"))
			ok = r->has_ppid = h_get_int(&v, &r->ppid);
		else if (st_json_key_is(&k, "payload"))
			ok = h_get_int(&v, &r->payload);
		else if (st_json_key_is(&k, "fork_of"))
			ok = r->has_fork_of = h_get_int(&v, &r->fork_of);
		else if (st_json_key_is(&k, "fd2"))
			ok = r->has_fd2 = h_get_int(&v, &r->fd2);
		else if (st_json_key_is(&k, "child"))
			ok = h_get_int(&v, &r->child);
		else if (st_json_key_is(&k, "msg"))
			ok = h_get_int(&v, &r->msg);
		else if (st_json_key_is(&k, "execd"))
			r->execd = v.type == ST_JSON_TRUE;
		else if (st_json_key_is(&k, "errno"))
			ok = r->has_errno = h_get_str(&v, r->errno_name, sizeof r->errno_name);
		else if (st_json_key_is(&k, "proto"))
			ok = h_get_str(&v, r->proto, sizeof r->proto);
		else if (st_json_key_is(&k, "flags"))
			ok = h_get_str(&v, r->flags, sizeof r->flags);
		else if (st_json_key_is(&k, "local"))
			ok = r->has_local = h_get_str(&v, r->local, sizeof r->local);
		else if (st_json_key_is(&k, "peer"))
			ok = r->has_peer = h_get_str(&v, r->peer, sizeof r->peer);
		else if (st_json_key_is(&k, "addr"))
			ok = r->has_addr = h_get_str(&v, r->addr, sizeof r->addr);
		else if (st_json_key_is(&k, "exe"))
			ok = h_get_str(&v, r->exe, sizeof r->exe);
		else if (st_json_key_is(&k, "data")) {
			long dn;

			if (v.type != ST_JSON_STRING)
				return false;
			free(r->data);
			r->data = malloc(v.n + 1);
			if (r->data == NULL)
				fail_msg("out of memory");
			dn = st_json_decode_prefix(&v, r->data, v.n);
			ok = r->has_data = dn >= 0;
			r->data_len = dn >= 0 ? (size_t)dn : 0;
		} else if (st_json_key_is(&k, "fds") && v.type == ST_JSON_ARRAY) {
			struct st_json_iter ai;
			struct st_json_value item;
			size_t used = 0;
			int arc;

			if (st_json_array_begin(&ai, &v) < 0)
				return false;
			while ((arc = st_json_array_next(&ai, &item)) == 1) {
				char tmp[64];

				if (!h_get_str(&item, tmp, sizeof tmp))
					return false;
				used += (size_t)snprintf(r->fds + used, sizeof r->fds - used, "%s%s",
							 used ? "," : "", tmp);
				if (used >= sizeof r->fds)
					return false;
			}
			if (arc < 0)
				return false;
		} else if (st_json_key_is(&k, "argv") && v.type == ST_JSON_ARRAY) {
			struct st_json_iter ai;
			struct st_json_value item;
			int arc;

			if (st_json_array_begin(&ai, &v) < 0)
				return false;
			while ((arc = st_json_array_next(&ai, &item)) == 1) {
				char tmp[256];

				if (!h_get_str(&item, tmp, sizeof tmp))
					return false;
				if (r->argc < 8)
					strcpy(r->argv[r->argc], tmp);
				r->argc++;
			}
			if (arc < 0)
				return false;
		}
		if (!ok)
			return false;
	}
	if (rc < 0)
		return false;
	r->header = strcmp(r->type, "header") == 0;
	/* Every record has these. */
	if (r->pid < 0 || r->t < 0)
		return false;
	if (!r->header && (r->call[0] == '\0' || r->tid < 0 || r->dur < 0))
		return false;
	return true;
}

static inline int h_cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Loads every record of every log file (*.jsonl, *.stlog) in dir, files in name order,
 * records in file order. */
static inline void h_log_load(struct h_log *log, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(log, 0, sizeof *log);
	if (d == NULL)
		fail_msg("opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[sizeof log->files[0]];

		if (!lt_is_log_name(e->d_name))
			continue;
		if (log->nfiles == 64)
			fail_msg("more than 64 logs in %s", dir);
		/* Through a copy: dir may lie in the same struct as log. */
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		memcpy(log->files[log->nfiles++], path, sizeof path);
	}
	closedir(d);
	qsort(log->files, log->nfiles, sizeof log->files[0], h_cmp_name);

	for (int f = 0; f < log->nfiles; f++) {
		size_t len = 0, i, start = 0;
		char *text = lt_read_file(log->files[f], &len);
		int lineno = 0;

		if (text == NULL)
			fail_msg("open %s: %s", log->files[f], strerror(errno));
		{
			size_t tail; /* trailing zeros: the harness counts them as malformed below */
			unsigned long bad = lt_decode(log->files[f], &text, &len, &tail);

			(void)tail;

			if (bad) {
				log->malformed += (int)bad;
				print_message("%s: %lu corrupt frames, lost five-tuples or dropped records\n",
					      log->files[f], bad);
			}
		}
		for (i = 0; i <= len; i++) {
			struct h_rec *r;

			if (i < len && text[i] != '\n' && text[i] != '\0')
				continue;
			if (i < len && text[i] == '\n')
				lineno++;
			if (i > start) {
				if (log->n == log->cap) {
					log->cap = log->cap ? log->cap * 2 : 256;
					log->r = realloc(log->r, log->cap * sizeof *log->r);
					if (log->r == NULL)
						fail_msg("out of memory");
				}
				r = &log->r[log->n];
				memset(r, 0, sizeof *r);
				r->file = f;
				r->line = lineno + (i == len || text[i] != '\n');
				if (h_parse_line(text + start, i - start, r)) {
					log->n++;
				} else {
					free(r->data);
					log->malformed++;
					print_message("malformed line %d of %s: %.*s\n", r->line,
						      log->files[f], (int)(i - start), text + start);
				}
			}
			start = i + 1;
		}
		free(text);
	}
}

static inline void h_log_free(struct h_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->r[i].data);
	free(log->r);
	memset(log, 0, sizeof *log);
}

/* The first record at or after index from for which pred(r, ctx) holds;
 * NULL when none. */
static inline const struct h_rec *h_find(const struct h_log *log, size_t from,
				  bool (*pred)(const struct h_rec *, const void *), const void *ctx)
{
	for (size_t i = from; i < log->n; i++)
		if (pred(&log->r[i], ctx))
			return &log->r[i];
	return NULL;
}

/* The header record of process pid (the first file of that pid). */
static inline const struct h_rec *h_header_of(const struct h_log *log, int64_t pid)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->r[i].header && log->r[i].pid == pid)
			return &log->r[i];
	return NULL;
}

/* One line per record, for failure messages. */
static inline void h_log_dump(const struct h_log *log)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];

		if (r->header) {
			print_message("  [%zu] header pid=%lld ppid=%lld exe=%s\n", i,
				      (long long)r->pid, (long long)r->ppid, r->exe);
			continue;
		}
		print_message("  [%zu] pid=%lld %s fd=%lld ret=%lld%s%s proto=%s local=%s%s peer=%s%s bytes=%lld\n",
			      i, (long long)r->pid, r->call, (long long)r->fd, (long long)r->ret,
			      r->has_errno ? " errno=" : "", r->errno_name, r->proto,
			      r->local, r->has_local ? "" : "(none)", r->peer,
			      r->has_peer ? "" : "(none)", (long long)r->bytes);
	}
}

/* ---- the examples' ground truth ------------------------------------------ */

/* One "@ <event> fd=<n> proto=<p> [local=<a>] [peer=<a>] [bytes=<n>]" line. */
struct h_at {
	char event[16];
	int fd;
	char proto[H_STR];
	bool has_local, has_peer;
	char local[ST_ADDR_MAX], peer[ST_ADDR_MAX];
	long bytes;		/* -1 when absent */
};

/* Parses every "@ " line of text into at (at most max); returns the count. */
static inline int h_at_parse(const char *text, struct h_at *at, int max)
{
	int n = 0;
	const char *s = text;

	while (s && *s && n < max) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[1024], *save = NULL, *tok;
		struct h_at *a = &at[n];

		if (len >= 2 && s[0] == '@' && s[1] == ' ' && len < sizeof line) {
			memcpy(line, s, len);
			line[len] = '\0';
			memset(a, 0, sizeof *a);
			a->fd = -1;
			a->bytes = -1;
			strtok_r(line, " ", &save);		/* "@" */
			tok = strtok_r(NULL, " ", &save);
			if (tok)
				snprintf(a->event, sizeof a->event, "%s", tok);
			while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
				if (strncmp(tok, "fd=", 3) == 0)
					a->fd = atoi(tok + 3);
				else if (strncmp(tok, "proto=", 6) == 0)
					snprintf(a->proto, sizeof a->proto, "%s", tok + 6);
				else if (strncmp(tok, "local=", 6) == 0) {
					a->has_local = true;
					snprintf(a->local, sizeof a->local, "%s", tok + 6);
				} else if (strncmp(tok, "peer=", 5) == 0) {
					a->has_peer = true;
					snprintf(a->peer, sizeof a->peer, "%s", tok + 5);
				} else if (strncmp(tok, "bytes=", 6) == 0)
					a->bytes = atol(tok + 6);
			}
			n++;
		}
		s = nl ? nl + 1 : NULL;
	}
	return n;
}

#endif
