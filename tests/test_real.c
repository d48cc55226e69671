/*
 * test_real.c: the library on programs no one here wrote, held against the
 * kernel's view.  Each test runs real programs from Debian's packages twice:
 * once untraced, once under the library *and* strace
 * (strace -f -yy -e trace=network,read,write,readv,writev,close,sendfile
 * -o FILE env LD_PRELOAD=... prog), and checks that
 *
 * - the programs' own output is byte for byte what it is untraced (with
 *   timestamps and ephemeral ports masked where they differ between runs);
 * - every connection strace saw moving data is in the log with the same
 *   ends and the same byte totals each way (TCP and UDP by five-tuple,
 *   AF_UNIX per process, since unnamed ends have no address); MSG_PEEK reads
 *   move nothing and are left out on both sides;
 * - `sockview --conns --json` pairs each client with its server (both pids
 *   known) with the same byte totals;
 * - what the programs say about themselves (curl's -w local port and sizes,
 *   python's and nginx's access logs) matches the trace.
 *
 * Programs: python3 -m http.server with concurrent curl clients (threaded
 * server, non-blocking connect + poll), socat over TCP with EXEC:cat
 * (dup2'd sockets across fork + exec), socat over UDP and AF_UNIX, OpenBSD
 * netcat, nginx (master + 2 workers that drop to nobody, epoll, accept4
 * with SOCK_NONBLOCK, writev + sendfile), getent (getaddrinfo and
 * gethostbyname2), and a statically linked program under build/socktrace
 * (a limit that must be reported, not silent).  And what the protocol
 * readers make of real programs' bytes (traced by the library alone): curl
 * against python's http.server and a single-process nginx (whose
 * epoll_wait calls must name the connections they woke for), redis-cli
 * against redis-server, curl against openssl s_server with a chosen server
 * name (--resolve), and a DNS query and answer over UDP (tests/progs/
 * dnspair, a responder of its own).  A test skips only when its
 * program is not installed.  Everything listens on 127.0.0.1 or AF_UNIX
 * paths in a temp directory, on ports picked by an ephemeral bind.
 * Reading strace's output: tests/strace.h, shared with test_strace.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "strace.h"

#define STRACE "/usr/bin/strace"
#define STRACE_SET "trace=network,read,write,readv,writev,close,sendfile"
#define PYTHON "/usr/bin/python3"
#define CURL "/usr/bin/curl"
#define SOCAT "/usr/bin/socat"
#define NC "/bin/nc"
#define NGINX "/usr/sbin/nginx"
#define REDIS_SERVER "/usr/bin/redis-server"
#define REDIS_CLI "/usr/bin/redis-cli"
#define OPENSSL "/usr/bin/openssl"
#define GETENT "/usr/bin/getent"
#define GCC "/usr/bin/gcc"
#define SOCKTRACE ST_BUILD_DIR "/socktrace"
#define SOCKVIEW ST_BUILD_DIR "/sockview"

#define KEY_MAX 160

/* ---- bookkeeping of checks ------------------------------------------------ */

/* Checks report every mismatch before the test fails, so one run shows
 * everything that disagrees. */
static int failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	char msg[2048];

	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	print_message("MISMATCH: %s\n", msg);
	failures++;
}

static void need(const char *path)
{
	if (access(path, X_OK) != 0) {
		print_message("%s is not installed\n", path);
		skip();
	}
}

/* ---- files and directories --------------------------------------------------- */

/* The whole of a file, NUL-terminated (malloc'd); NULL when unreadable. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			p = realloc(p, cap);
			if (p == NULL)
				fail_msg("out of memory");
		}
		got = fread(p + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

/* Some deterministic text of n bytes ending in a newline. */
static char *make_text(size_t n, unsigned seed)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		fail_msg("out of memory");
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + seed) % 26);
	for (size_t i = 60; i < n; i += 61)
		p[i] = '\n';
	p[n - 1] = '\n';
	p[n] = '\0';
	return p;
}

/* ---- ports, readiness, pids -------------------------------------------------- */

/* The first process whose parent is ppid (strace's child: the traced
 * program after env exec'd it); -1 when none. */
static pid_t child_of(pid_t ppid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	if (d == NULL)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *rp;
		FILE *f;
		int pp = -1;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) && (rp = strrchr(buf, ')')) != NULL &&
		    sscanf(rp + 1, " %*c %d", &pp) == 1 && pp == ppid)
			found = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return found;
}

/* ---- runs: untraced, or under strace and the library ------------------------ */

struct run {
	bool traced;
	bool no_strace;		/* traced by the library alone */
	char work[64];		/* the test's temp directory */
	char logdir[128];	/* SOCKTRACE_DIR (work/log, 0755: only we may write it) */
	char strace[8][160];	/* one strace output file per started program */
	int nstrace;
};

static void run_init(struct run *r, const char *work, bool traced)
{
	memset(r, 0, sizeof *r);
	r->traced = traced;
	snprintf(r->work, sizeof r->work, "%s", work);
	snprintf(r->logdir, sizeof r->logdir, "%s/log", work);
	if (traced) {
		/* Writable by us only: nginx's workers, which drop to nobody,
		 * get their logs before they drop (preload/wrap_proc.c). */
		if (mkdir(r->logdir, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", r->logdir, strerror(errno));
	}
}

static void run_start_in(struct run *r, struct h_proc *p, const char *const env[],
			 const char *in_path, const char *const argv[]);

/* Starts argv (argv[0] a path) with the extra environment env (NULL-ended,
 * may be NULL) and stdin from /dev/null. */
static void run_start(struct run *r, struct h_proc *p, const char *const env[],
		      const char *const argv[])
{
	run_start_in(r, p, env, "/dev/null", argv);
}

/* The same with stdin read from the file in_path: directly, or as
 * strace ... env LD_PRELOAD=lib argv (without strace when r->no_strace). */
static void run_start_in(struct run *r, struct h_proc *p, const char *const env[],
			 const char *in_path, const char *const argv[])
{
	int in = open(in_path, O_RDONLY | O_CLOEXEC), saved = dup(0);
	static char preload[] = "LD_PRELOAD=" H_LIB;
	struct h_opts o = { .untraced = true };
	const char *full[48];
	int n = 0;

	for (int i = 0; env && env[i] && i < 7; i++)
		o.env[i] = env[i];
	if (in < 0 || saved < 0)
		fail_msg("open %s: %s", in_path, strerror(errno));
	if (r->traced && r->no_strace) {
		o.untraced = false;
		o.logdir = r->logdir;
	} else if (r->traced) {
		if (r->nstrace == 8)
			fail_msg("too many traced programs");
		snprintf(r->strace[r->nstrace], sizeof r->strace[0], "%s/strace.%d", r->work,
			 r->nstrace);
		o.logdir = r->logdir;
		full[n++] = STRACE;
		full[n++] = "-f";
		full[n++] = "-yy";
		full[n++] = "-e";
		full[n++] = STRACE_SET;
		full[n++] = "-o";
		full[n++] = r->strace[r->nstrace++];
		full[n++] = "/usr/bin/env";
		full[n++] = preload;
	}
	for (int i = 0; argv[i] && n < 47; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	/* The child inherits fd 0: h_start only redirects stdout and stderr. */
	dup2(in, 0);
	h_start(p, &o, full);
	dup2(saved, 0);
	close(saved);
	close(in);
}

/* The pid of the program itself (under strace, strace's child). */
static pid_t run_pid(const struct run *r, const struct h_proc *p)
{
	int64_t end = h_now_ms() + 5000;
	pid_t pid;

	if (!r->traced)
		return p->pid;
	while ((pid = child_of(p->pid)) < 0 && h_now_ms() < end)
		usleep(10000);
	if (pid < 0)
		fail_msg("no child of strace %d", (int)p->pid);
	return pid;
}

/* ---- connections and byte totals --------------------------------------------- */

/* Bytes moved through one end (struct conn, tests/strace.h): an inet end
 * by (proto, local, peer); AF_UNIX by (proto, "pid N"), as unnamed unix ends
 * have no address to match. */
static void add_bytes(struct conns *cs, const char *proto, int pid, const char *local,
		      const char *peer, int dir, int64_t n)
{
	char who[32];

	if (is_unix(proto)) {
		snprintf(who, sizeof who, "pid %d", pid);
		conn_get(cs, proto, who, "")->bytes[dir] += n;
	} else {
		conn_get(cs, proto, local, peer)->bytes[dir] += n;
	}
}

/* Calls that move data, by their strace (syscall) and log (libc) names. */
static const char *const sends[] = { "write", "writev", "send", "sendto", "sendmsg",
				     "sendfile", "sendfile64", NULL };
static const char *const recvs[] = { "read", "readv", "recv", "recvfrom", "recvmsg", NULL };

/* ---- strace's side ------------------------------------------------------------ */

/* Adds the data calls of one strace output file to cs. */
static void strace_conns(const char *path, struct conns *cs)
{
	struct call_line *calls;
	struct strace_fd_local fl[64];
	int n = strace_read(path, &calls), nfl = strace_fd_locals(calls, n, fl, 64);

	for (int i = 0; i < n; i++) {
		char local[ST_ADDR_MAX] = "", peer[ST_ADDR_MAX] = "";
		struct strace_data d;

		if (!strace_data_call(&calls[i], sends, recvs, &d) ||
		    strstr(calls[i].text, "MSG_PEEK") != NULL)
			continue;
		if (!is_unix(d.proto))
			strace_inet_ends(&calls[i], &d, fl, nfl, local, peer, sizeof local);
		add_bytes(cs, d.proto, calls[i].pid, local, peer, d.recv, d.ret);
	}
	free(calls);
}

/* ---- the library's side ------------------------------------------------------- */

static bool data_proto(const char *proto)
{
	return strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0 || is_unix(proto);
}

static void log_conns(const struct h_log *log, struct conns *cs)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];
		bool send = name_in(r->call, strlen(r->call), sends);
		bool recv = name_in(r->call, strlen(r->call), recvs);

		if ((!send && !recv) || !r->has_bytes || r->bytes <= 0 || r->ret <= 0 ||
		    !data_proto(r->proto) || strstr(r->flags, "MSG_PEEK") != NULL)
			continue;
		add_bytes(cs, r->proto, (int)r->pid, r->local, r->peer, recv, r->bytes);
	}
}

/* Every connection of strace's is in the log with the same totals, and the
 * other way round; returns the number of differences. */
static int compare_conns(const struct conns *kernel, const struct conns *traced)
{
	int bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		const struct conns *x = pass ? traced : kernel, *y = pass ? kernel : traced;

		for (int i = 0; i < x->n; i++) {
			const struct conn *c = &x->c[i];
			const struct conn *o = conn_find(y, c->proto, c->local, c->peer);

			if (o && o->bytes[0] == c->bytes[0] && o->bytes[1] == c->bytes[1])
				continue;
			if (pass == 1 && o)
				continue;	/* told once already */
			print_message("MISMATCH: %s %s -> %s: strace sent %lld received %lld, "
				      "log sent %lld received %lld\n", c->proto, c->local, c->peer,
				      (long long)(pass ? (o ? o->bytes[0] : 0) : c->bytes[0]),
				      (long long)(pass ? (o ? o->bytes[1] : 0) : c->bytes[1]),
				      (long long)(pass ? c->bytes[0] : (o ? o->bytes[0] : 0)),
				      (long long)(pass ? c->bytes[1] : (o ? o->bytes[1] : 0)));
			bad++;
		}
	}
	return bad;
}

/* The oracle check of a traced run: strace's connections against the log's.
 * Leaves the log loaded in log, strace's totals in kernel and the log's in
 * traced. */
static void check_against_strace(const struct run *r, struct h_log *log, struct conns *kernel,
				 struct conns *traced)
{
	int bad;

	memset(kernel, 0, sizeof *kernel);
	memset(traced, 0, sizeof *traced);
	for (int i = 0; i < r->nstrace; i++)
		strace_conns(r->strace[i], kernel);
	h_log_load(log, r->logdir);
	log_conns(log, traced);
	check(kernel->n > 0, "strace saw no data on any socket");
	check(log->malformed == 0, "%d malformed log lines", log->malformed);
	bad = compare_conns(kernel, traced);
	if (bad) {
		print_conns("strace", kernel);
		print_conns("library", traced);
	}
	check(bad == 0, "%d connection totals differ between strace and the log (%s)", bad,
	      r->work);
}

/* ---- sockview's side ------------------------------------------------------------ */

struct view_conn {
	char proto[16], client[KEY_MAX], server[KEY_MAX], end[32];
	int64_t client_pid, server_pid, c2s, s2c;	/* pid -1 when null */
};

/* Runs sockview --conns --json on the log directory; returns the count. */
static int view_conns(const struct run *r, struct view_conn *vc, int max)
{
	const char *argv[] = { SOCKVIEW, "--conns", "--json", r->logdir, NULL };
	struct h_opts o = { .untraced = true };
	struct h_proc p;
	const char *s;
	int n = 0, rc;

	h_start(&p, &o, argv);
	rc = h_wait(&p, 20000);
	check(rc == 0, "sockview --conns --json exited with %d: %s", rc, p.err.p);
	for (s = p.out.p; s && *s && n < max;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		struct st_json_iter it;
		struct st_json_value k, v;
		struct view_conn *c = &vc[n];

		memset(c, 0, sizeof *c);
		c->client_pid = c->server_pid = c->c2s = c->s2c = -1;
		if (len > 0 && st_json_object_begin(&it, s, len) == 0) {
			while (st_json_object_next(&it, &k, &v) == 1) {
				if (st_json_key_is(&k, "proto"))
					h_get_str(&v, c->proto, sizeof c->proto);
				else if (st_json_key_is(&k, "client"))
					h_get_str(&v, c->client, sizeof c->client);
				else if (st_json_key_is(&k, "server"))
					h_get_str(&v, c->server, sizeof c->server);
				else if (st_json_key_is(&k, "end"))
					h_get_str(&v, c->end, sizeof c->end);
				else if (st_json_key_is(&k, "client_pid"))
					h_get_int(&v, &c->client_pid);
				else if (st_json_key_is(&k, "server_pid"))
					h_get_int(&v, &c->server_pid);
				else if (st_json_key_is(&k, "bytes_c2s"))
					h_get_int(&v, &c->c2s);
				else if (st_json_key_is(&k, "bytes_s2c"))
					h_get_int(&v, &c->s2c);
			}
			n++;
		}
		s = nl ? nl + 1 : NULL;
	}
	h_proc_free(&p);
	return n;
}

static void print_view(const struct view_conn *vc, int n)
{
	print_message("sockview --conns --json:\n");
	for (int i = 0; i < n; i++)
		print_message("  %s client %s (pid %lld) server %s (pid %lld) c2s %lld s2c %lld %s\n",
			      vc[i].proto, vc[i].client, (long long)vc[i].client_pid,
			      vc[i].server, (long long)vc[i].server_pid, (long long)vc[i].c2s,
			      (long long)vc[i].s2c, vc[i].end);
}

/* Each inet connection strace saw towards server (its client end: local ->
 * server) is one sockview connection with that client and server, both
 * pids known, and strace's byte totals. */
static void check_view_inet(const struct run *r, const struct conns *kernel, const char *proto,
			    const char *server)
{
	static struct view_conn vc[MAX_CONNS];
	int n = view_conns(r, vc, MAX_CONNS), seen = 0, bad = 0;

	for (int i = 0; i < kernel->n; i++) {
		const struct conn *c = &kernel->c[i];
		bool ok = false;

		if (strcmp(c->proto, proto) != 0 || strcmp(c->peer, server) != 0)
			continue;
		seen++;
		for (int j = 0; j < n && !ok; j++)
			ok = strcmp(vc[j].proto, proto) == 0 && strcmp(vc[j].client, c->local) == 0 &&
			     strcmp(vc[j].server, server) == 0 && vc[j].client_pid > 0 &&
			     vc[j].server_pid > 0 && vc[j].c2s == c->bytes[0] &&
			     vc[j].s2c == c->bytes[1];
		check(ok, "sockview has no %s connection %s -> %s with both pids, c2s %lld, s2c %lld",
		      proto, c->local, server, (long long)c->bytes[0], (long long)c->bytes[1]);
		bad += !ok;
	}
	check(seen > 0, "strace saw no %s client of %s", proto, server);
	/* And nothing more: no connection to the server that the kernel did
	 * not see, or with a side missing although both were traced. */
	for (int j = 0; j < n; j++) {
		bool known = false;

		if (strcmp(vc[j].proto, proto) != 0 || strcmp(vc[j].server, server) != 0)
			continue;
		for (int i = 0; i < kernel->n && !known; i++)
			known = strcmp(kernel->c[i].proto, proto) == 0 &&
				strcmp(kernel->c[i].local, vc[j].client) == 0 &&
				strcmp(kernel->c[i].peer, server) == 0 &&
				vc[j].client_pid > 0 && vc[j].server_pid > 0 &&
				vc[j].c2s == kernel->c[i].bytes[0] && vc[j].s2c == kernel->c[i].bytes[1];
		check(known, "sockview shows %s %s (pid %lld) -> %s (pid %lld) c2s %lld s2c %lld, "
		      "which is not one of the kernel's connections", proto, vc[j].client,
		      (long long)vc[j].client_pid, server, (long long)vc[j].server_pid,
		      (long long)vc[j].c2s, (long long)vc[j].s2c);
		bad += !known;
	}
	if (bad)
		print_view(vc, n);
}

/* ---- output comparison ----------------------------------------------------------- */

/* Compares two outputs; prints both on a difference. */
static void check_same(const char *what, const char *untraced, const char *traced)
{
	bool same = strcmp(untraced, traced) == 0;

	if (!same)
		print_message("%s untraced:\n%s\n--- traced:\n%s\n---\n", what, untraced, traced);
	check(same, "%s differs between the untraced and the traced run", what);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of text with every "[...]" replaced by "[T]" (log timestamps),
 * lines sorted (concurrent requests log in any order). */
static char *mask_sort(const char *text)
{
	size_t n = strlen(text), k = 0, nl = 0;
	char *m = malloc(n + 1), **lines, *out, *s;

	if (m == NULL)
		fail_msg("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '[') {
			const char *e = strchr(text + i, ']');

			if (e != NULL) {
				memcpy(m + k, "[T]", 3);
				k += 3;
				i = (size_t)(e - text);
				continue;
			}
		}
		m[k++] = text[i];
	}
	m[k] = '\0';
	for (size_t i = 0; i < k; i++)
		nl += m[i] == '\n';
	lines = calloc(nl + 2, sizeof *lines);
	out = malloc(k + 2);
	if (lines == NULL || out == NULL)
		fail_msg("out of memory");
	nl = 0;
	for (s = strtok(m, "\n"); s; s = strtok(NULL, "\n"))
		lines[nl++] = s;
	qsort(lines, nl, sizeof *lines, cmp_line);
	out[0] = '\0';
	for (size_t i = 0; i < nl; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	free(lines);
	free(m);
	return out;
}

/* ---- helpers over the log ---------------------------------------------------------- */

/* The first record of call (any call when NULL) with these ends (an end
 * not checked when NULL). */
static const struct h_rec *find_rec(const struct h_log *log, const char *call, const char *local,
				    const char *peer)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];

		if (r->header || (call && strcmp(r->call, call) != 0))
			continue;
		if ((local && (!r->has_local || strcmp(r->local, local) != 0)) ||
		    (peer && (!r->has_peer || strcmp(r->peer, peer) != 0)))
			continue;
		return r;
	}
	return NULL;
}

/* The pid whose header names an exe ending in suffix; -1 when none. */
static int64_t pid_of_exe(const struct h_log *log, const char *suffix, int64_t not_pid)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];
		size_t el = strlen(r->exe);

		if (r->header && el >= sl && strcmp(r->exe + el - sl, suffix) == 0 && r->pid != not_pid)
			return r->pid;
	}
	return -1;
}

/* Everything before the last line of text (curl's body before its -w line),
 * and that line. */
static void split_last_line(const char *text, char *body, size_t bcap, char *last, size_t lcap)
{
	size_t n = strlen(text);
	const char *s;

	if (n > 0 && text[n - 1] == '\n')
		n--;
	for (s = text + n; s > text && s[-1] != '\n'; s--)
		;
	snprintf(body, bcap, "%.*s", (int)(s - text), text);
	snprintf(last, lcap, "%.*s", (int)(text + n - s), s);
}

/* Ends a test: fails it when a check failed (its files stay for a look),
 * else removes its directory. */
static void end_checks(const char *work)
{
	if (failures)
		fail_msg("%d checks failed (logs in %s)", failures, work);
	h_rm_tree(work);
}

/* ---- curl clients (of python's http.server and of nginx) -------------------------- */

#define N_CURL 3

/* What one curl client printed, untraced [0] and traced [1]: the body, and
 * its -w line "local_port size_header size_download". */
struct curl_out {
	char body[2][200000];
	char last[2][128];
};

/* Starts N_CURL curl clients of url[] at once under r, waits for each and
 * keeps what it printed in co[i] for this pass. */
static void run_curls(struct run *r, char url[N_CURL][96], struct curl_out *co, int pass)
{
	struct h_proc cli[N_CURL];

	for (int i = 0; i < N_CURL; i++) {
		const char *cargv[] = { CURL, "-s", "-S", "--max-time", "30", "-w",
					"%{local_port} %{size_header} %{size_download}\n",
					url[i], NULL };

		run_start(r, &cli[i], NULL, cargv);
	}
	for (int i = 0; i < N_CURL; i++) {
		h_wait_ok(&cli[i]);
		split_last_line(cli[i].out.p, co[i].body[pass], sizeof co[i].body[pass],
				co[i].last[pass], sizeof co[i].last[pass]);
		h_proc_free(&cli[i]);
	}
}

/* Each client got sizes[i] bytes, and the same body and sizes traced as
 * untraced. */
static void check_curls(const struct curl_out *co, const size_t sizes[N_CURL])
{
	for (int i = 0; i < N_CURL; i++) {
		const char *s0 = strchr(co[i].last[0], ' '), *s1 = strchr(co[i].last[1], ' ');

		check(strlen(co[i].body[0]) == sizes[i], "curl %d got %zu bytes, not %zu", i,
		      strlen(co[i].body[0]), sizes[i]);
		check_same("curl's body", co[i].body[0], co[i].body[1]);
		/* The port differs between runs; the sizes do not. */
		check_same("curl's sizes", s0 ? s0 : "", s1 ? s1 : "");
	}
}

/* ---- 1. python3 -m http.server (threaded) and concurrent curl clients ------------- */

static void test_python_http_curl(void **state)
{
	static const size_t sizes[N_CURL] = { 700, 20000, 150000 };
	char work[64], www[128], path[192], port_s[16], url[N_CURL][96];
	static struct curl_out co[N_CURL];
	char *srv_out[2], *srv_err[2];
	int port, srv_rc[2];
	struct run r;
	(void)state;

	need(PYTHON);
	need(CURL);
	need(STRACE);
	failures = 0;
	h_tmpdir(work);
	snprintf(www, sizeof www, "%s/www", work);
	mkdir(www, 0755);
	for (int i = 0; i < N_CURL; i++) {
		char *text = make_text(sizes[i], (unsigned)i);

		snprintf(path, sizeof path, "%s/f%d.txt", www, i);
		h_write_file(path, text, sizes[i]);
		free(text);
	}
	port = h_free_port(SOCK_STREAM);
	snprintf(port_s, sizeof port_s, "%d", port);
	for (int i = 0; i < N_CURL; i++)
		snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d/f%d.txt", port, i);

	for (int pass = 0; pass < 2; pass++) {
		const char *sargv[] = { PYTHON, "-m", "http.server", "--bind", "127.0.0.1",
					"--directory", www, port_s, NULL };
		struct h_proc srv;

		run_init(&r, work, pass == 1);
		run_start(&r, &srv, NULL, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_curls(&r, url, co, pass);
		kill(run_pid(&r, &srv), SIGINT);
		srv_rc[pass] = h_wait(&srv, 20000);
		srv_out[pass] = strdup(srv.out.p);
		srv_err[pass] = mask_sort(srv.err.p);
		h_proc_free(&srv);
	}

	/* The programs' own output. */
	check(srv_rc[0] == srv_rc[1], "python exited with %d untraced, %d traced", srv_rc[0],
	      srv_rc[1]);
	check_same("python's stdout", srv_out[0], srv_out[1]);
	check_same("python's access log (timestamps masked, sorted)", srv_err[0], srv_err[1]);
	check_curls(co, sizes);

	/* The kernel's view, the log and the programs' own reports. */
	{
		static struct conns kernel, traced;
		struct h_log log;
		char server[64];
		int64_t py;
		bool threaded = false;

		check_against_strace(&r, &log, &kernel, &traced);
		snprintf(server, sizeof server, "127.0.0.1:%d", port);
		py = pid_of_exe(&log, "/python3.11", -1);
		if (py < 0)
			py = pid_of_exe(&log, "python3", -1);
		check(py > 0, "no log of the python server");
		for (int i = 0; i < N_CURL; i++) {
			long lport = -1, hdr = -1, size = -1;
			char local[64], line[160];
			const struct h_rec *c, *a;
			const struct conn *cc;

			if (sscanf(co[i].last[1], "%ld %ld %ld", &lport, &hdr, &size) != 3) {
				check(false, "curl's -w line: %s", co[i].last[1]);
				continue;
			}
			snprintf(local, sizeof local, "127.0.0.1:%ld", lport);
			c = find_rec(&log, "connect", local, server);
			check(c != NULL, "no connect %s -> %s in the log (curl's local_port %ld)",
			      local, server, lport);
			check(c == NULL || (c->has_errno && strcmp(c->errno_name, "EINPROGRESS") == 0),
			      "curl's non-blocking connect is not logged with EINPROGRESS");
			cc = conn_find(&traced, "tcp", local, server);
			check(cc != NULL && cc->bytes[1] == hdr + size,
			      "curl says it received %ld header + %ld body bytes; the log %lld", hdr,
			      size, cc ? (long long)cc->bytes[1] : -1LL);
			a = find_rec(&log, NULL, server, local);
			while (a && strncmp(a->call, "accept", 6) != 0)
				a = find_rec(&log, "accept4", server, local);
			check(a != NULL && a->pid == py, "no accept of %s in python's log", local);
			/* python logs the client's host and the request line. */
			snprintf(line, sizeof line, "127.0.0.1 - - [T] \"GET /f%d.txt HTTP/1.1\" 200 -",
				 i);
			check(strstr(srv_err[1], line) != NULL, "python's log has no line \"%s\"",
			      line);
			check(a == NULL || strncmp(a->peer, "127.0.0.1:", 10) == 0,
			      "python logs host 127.0.0.1, the trace's accept says %s",
			      a ? a->peer : "");
		}
		/* ThreadingHTTPServer: the requests are served on other threads. */
		for (size_t i = 0; i < log.n; i++)
			if (log.r[i].pid == py && log.r[i].tid != py &&
			    strcmp(log.r[i].call, "send") == 0)
				threaded = true;
		check(threaded, "no send from a worker thread of python's");
		check_view_inet(&r, &kernel, "tcp", server);
		if (failures)
			h_log_dump(&log);
		h_log_free(&log);
	}
	for (int pass = 0; pass < 2; pass++) {
		free(srv_out[pass]);
		free(srv_err[pass]);
	}
	end_checks(work);
}

/* ---- 2. socat and netcat: TCP (socat EXEC: dup2s the socket), UDP, AF_UNIX -------- */

enum sock_kind { K_TCP, K_UDP, K_UNIX };

/* One stream through an echo server: the client sends the file in.txt and
 * prints what comes back (client_echoes) or the server prints what it got. */
struct pair_case {
	const char *name;
	enum sock_kind kind;
	size_t size;
	const char *server[8];	/* "%P" stands for the port or the socket path */
	const char *client[8];
	bool client_echoes;	/* else the server prints the input */
	const char *need;
};

static bool has_arg(const char *const argv[8], const char *arg)
{
	for (int i = 0; i < 8 && argv[i]; i++)
		if (strcmp(argv[i], arg) == 0)
			return true;
	return false;
}

static const char *subst(const char *arg, const char *val, char *buf, size_t cap)
{
	const char *at = strstr(arg, "%P");

	if (at == NULL)
		return arg;
	snprintf(buf, cap, "%.*s%s%s", (int)(at - arg), arg, val, at + 2);
	return buf;
}

static void pair_run(const struct pair_case *pc)
{
	char work[64], in_path[128], val[160], sbuf[8][256], cbuf[8][256], server_end[192];
	char *out[2][2], *err[2][2], *input;
	int rc[2][2], port = 0;
	struct run r;

	need(pc->need);
	need(STRACE);
	failures = 0;
	h_tmpdir(work);
	snprintf(in_path, sizeof in_path, "%s/in.txt", work);
	input = make_text(pc->size, 3);
	h_write_file(in_path, input, pc->size);
	if (pc->kind == K_UNIX) {
		snprintf(val, sizeof val, "%s/echo.sock", work);
		snprintf(server_end, sizeof server_end, "%s", val);
	} else {
		port = h_free_port(pc->kind == K_UDP ? SOCK_DGRAM : SOCK_STREAM);
		snprintf(val, sizeof val, "%d", port);
		snprintf(server_end, sizeof server_end, "127.0.0.1:%d", port);
	}

	for (int pass = 0; pass < 2; pass++) {
		const char *sargv[9], *cargv[9];
		struct h_proc s, c;

		for (int i = 0; i < 9; i++) {
			sargv[i] = i < 8 && pc->server[i] ? subst(pc->server[i], val, sbuf[i], 256)
							   : NULL;
			if (i < 8 && !pc->server[i])
				break;
		}
		for (int i = 0; i < 9; i++) {
			cargv[i] = i < 8 && pc->client[i] ? subst(pc->client[i], val, cbuf[i], 256)
							   : NULL;
			if (i < 8 && !pc->client[i])
				break;
		}
		if (pc->kind == K_UNIX)
			unlink(val);
		run_init(&r, work, pass == 1);
		run_start(&r, &s, NULL, sargv);
		h_wait_ready(&s, pc->kind == K_UDP ? "udp" : "tcp", port,
			   pc->kind == K_UNIX ? val : NULL);
		run_start_in(&r, &c, NULL, in_path, cargv);
		rc[pass][1] = h_wait(&c, 30000);
		rc[pass][0] = h_wait(&s, 30000);
		out[pass][0] = strdup(s.out.p);
		err[pass][0] = strdup(s.err.p);
		out[pass][1] = strdup(c.out.p);
		err[pass][1] = strdup(c.err.p);
		h_proc_free(&s);
		h_proc_free(&c);
	}

	for (int w = 0; w < 2; w++) {
		const char *who = w ? "client" : "server";
		char what[64];

		check(rc[0][w] == 0 && rc[1][w] == 0, "%s exited with %d untraced, %d traced (%s)",
		      who, rc[0][w], rc[1][w], err[1][w]);
		snprintf(what, sizeof what, "%s %s's stdout", pc->name, who);
		check_same(what, out[0][w], out[1][w]);
		snprintf(what, sizeof what, "%s %s's stderr", pc->name, who);
		check_same(what, err[0][w], err[1][w]);
	}
	check(strcmp(out[1][pc->client_echoes ? 1 : 0], input) == 0,
	      "the %s did not print the %zu bytes sent", pc->client_echoes ? "client" : "server",
	      pc->size);

	{
		static struct conns kernel, traced;
		struct h_log log;

		check_against_strace(&r, &log, &kernel, &traced);
		if (pc->kind != K_UNIX) {
			check_view_inet(&r, &kernel, pc->kind == K_UDP ? "udp" : "tcp", server_end);
		} else {
			static struct view_conn vc[MAX_CONNS];
			int n = view_conns(&r, vc, MAX_CONNS);
			bool ok = false;

			for (int j = 0; j < n && !ok; j++)
				ok = strcmp(vc[j].proto, "unix-stream") == 0 &&
				     strcmp(vc[j].server, server_end) == 0 && vc[j].client_pid > 0 &&
				     vc[j].server_pid > 0 && vc[j].client_pid != vc[j].server_pid &&
				     vc[j].c2s == (int64_t)pc->size && vc[j].s2c == (int64_t)pc->size;
			check(ok, "sockview has no unix-stream connection to %s with both pids and "
			      "%zu bytes each way", server_end, pc->size);
			if (!ok)
				print_view(vc, n);
			check(find_rec(&log, "accept", server_end, NULL) != NULL ||
			      find_rec(&log, "accept4", server_end, NULL) != NULL,
			      "no accept on %s in the log", server_end);
			check(find_rec(&log, "connect", NULL, server_end) != NULL,
			      "no connect to %s in the log", server_end);
		}
		/* socat EXEC: the socket (or socketpair) dup2'd onto cat's stdin
		 * and stdout, across fork and exec. */
		if (has_arg(pc->server, "EXEC:cat")) {
			int64_t cat = pid_of_exe(&log, "/cat", -1);
			int64_t in = 0, outb = 0;

			for (size_t i = 0; cat > 0 && i < log.n; i++) {
				const struct h_rec *x = &log.r[i];

				if (x->pid != cat || !x->has_bytes || x->bytes <= 0)
					continue;
				if (x->fd == 0 && strcmp(x->call, "read") == 0)
					in += x->bytes;
				if (x->fd == 1 && strcmp(x->call, "write") == 0)
					outb += x->bytes;
			}
			check(cat > 0, "no log of cat, exec'd by socat's child");
			if (cat > 0)
				check(in == (int64_t)pc->size && outb == (int64_t)pc->size,
				      "cat (EXEC:cat) read %lld on fd 0 and wrote %lld on fd 1 in the "
				      "log, %zu sent", (long long)in, (long long)outb, pc->size);
		}
		if (failures)
			h_log_dump(&log);
		h_log_free(&log);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int w = 0; w < 2; w++) {
			free(out[pass][w]);
			free(err[pass][w]);
		}
	free(input);
	end_checks(work);
}

static const struct pair_case socat_tcp = {
	"socat tcp", K_TCP, 50000,
	{ SOCAT, "TCP-LISTEN:%P,bind=127.0.0.1,reuseaddr", "EXEC:cat" },
	{ SOCAT, "-t", "10", "-", "TCP:127.0.0.1:%P" }, true, SOCAT,
};
static const struct pair_case socat_udp = {
	"socat udp", K_UDP, 1000,
	{ SOCAT, "-T", "5", "UDP-RECVFROM:%P,bind=127.0.0.1", "EXEC:cat" },
	{ SOCAT, "-t", "2", "-", "UDP:127.0.0.1:%P" }, true, SOCAT,
};
static const struct pair_case socat_unix = {
	"socat unix", K_UNIX, 30000,
	{ SOCAT, "UNIX-LISTEN:%P", "EXEC:cat" },
	{ SOCAT, "-t", "10", "-", "UNIX-CONNECT:%P" }, true, SOCAT,
};
static const struct pair_case netcat_tcp = {
	"netcat tcp", K_TCP, 40000,
	{ NC, "-l", "127.0.0.1", "%P" },
	{ NC, "-N", "127.0.0.1", "%P" }, false, NC,
};

static void test_socat_tcp_exec(void **state)
{
	(void)state;
	pair_run(&socat_tcp);
}

static void test_socat_udp_exec(void **state)
{
	(void)state;
	pair_run(&socat_udp);
}

static void test_socat_unix_exec(void **state)
{
	(void)state;
	pair_run(&socat_unix);
}

static void test_netcat_tcp(void **state)
{
	(void)state;
	pair_run(&netcat_tcp);
}

/* ---- 3. nginx: a master forking 2 workers that drop to nobody ----------------------- */

/* Lines "ADDR:PORT rest" with the port masked, sorted. */
static char *mask_ports_sort(const char *text)
{
	size_t n = strlen(text);
	char *m = malloc(n + 1), *o;
	const char *s = text;

	if (m == NULL)
		fail_msg("out of memory");
	o = m;
	while (*s) {
		const char *nl = strchr(s, '\n'), *sp = strchr(s, ' '), *colon;

		if (nl == NULL)
			nl = s + strlen(s);
		colon = memchr(s, ':', (size_t)(nl - s));
		if (colon && sp && colon < sp) {
			memcpy(o, s, (size_t)(colon - s));
			o += colon - s;
			memcpy(o, ":P", 2);
			o += 2;
			s = sp;
		}
		memcpy(o, s, (size_t)(nl - s));
		o += nl - s;
		*o++ = '\n';
		s = *nl ? nl + 1 : nl;
	}
	*o = '\0';
	o = mask_sort(m);
	free(m);
	return o;
}

static void test_nginx_workers(void **state)
{
	char work[64], www[128], path[256], conf[2][160], pidf[2][160], acc[2][160], errl[2][160];
	static const size_t sizes[N_CURL] = { 60000, 300, 60000 };	/* big, small, big */
	char port_s[16], server[64], url[N_CURL][96];
	static struct curl_out co[N_CURL];
	char *srv_out[2], *srv_err[2];
	int port, srv_rc[2];
	int64_t master = -1;
	struct run r;
	(void)state;

	need(NGINX);
	need(CURL);
	need(STRACE);
	failures = 0;
	h_tmpdir(work);
	chmod(work, 0755);	/* the workers (nobody) read www */
	snprintf(www, sizeof www, "%s/www", work);
	mkdir(www, 0755);
	{
		char *big = make_text(60000, 5), *small = make_text(300, 6);

		snprintf(path, sizeof path, "%s/big.txt", www);
		h_write_file(path, big, 60000);
		snprintf(path, sizeof path, "%s/small.txt", www);
		h_write_file(path, small, 300);
		free(big);
		free(small);
	}
	port = h_free_port(SOCK_STREAM);
	snprintf(port_s, sizeof port_s, "%d", port);
	snprintf(server, sizeof server, "127.0.0.1:%d", port);
	for (int i = 0; i < N_CURL; i++)
		snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d/%s.txt", port,
			 i == 1 ? "small" : "big");
	for (int pass = 0; pass < 2; pass++) {
		char text[2048];

		snprintf(conf[pass], sizeof conf[pass], "%s/nginx%d.conf", work, pass);
		snprintf(pidf[pass], sizeof pidf[pass], "%s/nginx%d.pid", work, pass);
		snprintf(acc[pass], sizeof acc[pass], "%s/access%d.log", work, pass);
		snprintf(errl[pass], sizeof errl[pass], "%s/error%d.log", work, pass);
		snprintf(text, sizeof text,
			 "daemon off;\nmaster_process on;\nworker_processes 2;\n"
			 "user nobody nogroup;\npid %s;\nerror_log %s info;\n"
			 "events { worker_connections 64; }\n"
			 "http {\n"
			 "  log_format st '$remote_addr:$remote_port $status $request_length "
			 "$bytes_sent \"$request\"';\n"
			 "  access_log %s st;\n"
			 "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
			 "  fastcgi_temp_path %s/fcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
			 "  scgi_temp_path %s/scgi;\n"
			 "  sendfile on;\n"
			 "  server { listen 127.0.0.1:%d; root %s; }\n"
			 "}\n",
			 pidf[pass], errl[pass], acc[pass], work, work, work, work, work, port, www);
		h_write_file(conf[pass], text, strlen(text));
	}

	for (int pass = 0; pass < 2; pass++) {
		const char *sargv[] = { NGINX, "-p", work, "-c", conf[pass], "-e", errl[pass], NULL };
		struct h_proc srv;
		char *pid_text;

		run_init(&r, work, pass == 1);
		run_start(&r, &srv, NULL, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_curls(&r, url, co, pass);
		for (int64_t end = h_now_ms() + 5000;
		     (pid_text = read_file(pidf[pass], NULL)) == NULL && h_now_ms() < end;)
			usleep(20000);
		if (pid_text == NULL)
			fail_msg("nginx wrote no pid file %s", pidf[pass]);
		master = atoll(pid_text);
		free(pid_text);
		kill((pid_t)master, SIGQUIT);	/* graceful stop */
		srv_rc[pass] = h_wait(&srv, 20000);
		srv_out[pass] = strdup(srv.out.p);
		srv_err[pass] = strdup(srv.err.p);
		h_proc_free(&srv);
	}

	check(srv_rc[0] == 0 && srv_rc[1] == 0, "nginx exited with %d untraced, %d traced",
	      srv_rc[0], srv_rc[1]);
	check_same("nginx's stdout", srv_out[0], srv_out[1]);
	check_same("nginx's stderr", srv_err[0], srv_err[1]);
	check_curls(co, sizes);
	{
		char *a0 = read_file(acc[0], NULL), *a1 = read_file(acc[1], NULL);
		char *m0 = mask_ports_sort(a0 ? a0 : ""), *m1 = mask_ports_sort(a1 ? a1 : "");

		check(a1 != NULL, "no access log %s", acc[1]);
		check_same("nginx's access log (ports masked, sorted)", m0, m1);
		free(m0);
		free(m1);
		free(a0);

		static struct conns kernel, traced;
		struct h_log log;
		int workers = 0;
		const char *s = a1 ? a1 : "";

		check_against_strace(&r, &log, &kernel, &traced);
		check(h_header_of(&log, master) != NULL, "no log of the master %lld",
		      (long long)master);
		for (size_t i = 0; i < log.n; i++) {
			struct stat sb;

			if (!log.r[i].header || !log.r[i].has_fork_of || log.r[i].fork_of != master)
				continue;
			workers++;
			/* Made before the worker dropped to nobody: ours, private. */
			check(stat(log.files[log.r[i].file], &sb) == 0 && sb.st_uid == geteuid() &&
				      (sb.st_mode & 0777) == 0600,
			      "worker %lld's log is not ours with mode 0600 (uid %d, mode %o)",
			      (long long)log.r[i].pid, (int)sb.st_uid, (unsigned)(sb.st_mode & 0777));
		}
		{
			struct stat sb;

			check(stat(r.logdir, &sb) == 0 && (sb.st_mode & 0022) == 0,
			      "the log folder %s is writable by others (mode %o)", r.logdir,
			      (unsigned)(sb.st_mode & 0777));
		}

		check(workers == 2, "%d worker logs (fork_of the master), 2 expected", workers);

		/* Each access log line against the trace. */
		while (*s) {
			char remote[64], req[128];
			int status;
			long req_len, sent;
			const struct h_rec *a;
			const struct conn *c;
			bool sendfile_seen = false;

			if (sscanf(s, "%63s %d %ld %ld \"%127[^\"]", remote, &status, &req_len, &sent,
				   req) == 5) {
				a = find_rec(&log, "accept4", server, remote);
				check(a != NULL && a->pid != master &&
				      strstr(a->flags, "SOCK_NONBLOCK") != NULL,
				      "no accept4(SOCK_NONBLOCK) of %s in a worker's log", remote);
				c = conn_find(&traced, "tcp", server, remote);
				check(c != NULL && c->bytes[0] == sent && c->bytes[1] == req_len,
				      "nginx says %s: %ld bytes in, %ld out; the log %lld in, %lld out",
				      remote, req_len, sent, c ? (long long)c->bytes[1] : -1LL,
				      c ? (long long)c->bytes[0] : -1LL);
				for (size_t i = 0; i < log.n; i++)
					if (strncmp(log.r[i].call, "sendfile", 8) == 0 &&
					    strcmp(log.r[i].peer, remote) == 0 && log.r[i].bytes > 0)
						sendfile_seen = true;
				check(sendfile_seen, "no sendfile towards %s in the log", remote);
				/* curl's own local port is one of these. */
			}
			s = strchr(s, '\n');
			s = s ? s + 1 : "";
		}
		for (int i = 0; i < N_CURL; i++) {
			char needle[64];

			snprintf(needle, sizeof needle, "127.0.0.1:%d ", atoi(co[i].last[1]));
			check(a1 && strstr(a1, needle) != NULL,
			      "curl's local port %d is not in nginx's access log", atoi(co[i].last[1]));
		}
		check_view_inet(&r, &kernel, "tcp", server);
		if (failures)
			h_log_dump(&log);
		h_log_free(&log);
		free(a1);
	}
	for (int pass = 0; pass < 2; pass++) {
		free(srv_out[pass]);
		free(srv_err[pass]);
	}
	end_checks(work);
}

/* ---- 4. name resolution: getent ahosts (getaddrinfo), getent hosts ----------------- */

/* The addresses of every record of a call starting with call_prefix for
 * node, from the raw log lines (h_rec keeps neither node nor addrs). */
static int resolver_addrs(const struct h_log *log, const char *call_prefix, const char *node,
			  char addrs[][64], int max)
{
	int n = 0;

	for (int f = 0; f < log->nfiles; f++) {
		size_t len;
		char *text = read_file(log->files[f], &len), *s, *e;

		if (text == NULL)
			continue;
		for (s = text; s < text + len; s = e + 1) {
			struct st_json_iter it, ai;
			struct st_json_value k, v, item;
			char call[32] = "", nd[128] = "";
			struct st_json_value arr = { 0 };

			for (e = s; e < text + len && *e != '\n' && *e != '\0'; e++)
				;
			if (e == s || st_json_object_begin(&it, s, (size_t)(e - s)) < 0)
				continue;
			while (st_json_object_next(&it, &k, &v) == 1) {
				if (st_json_key_is(&k, "call"))
					h_get_str(&v, call, sizeof call);
				else if (st_json_key_is(&k, "node"))
					h_get_str(&v, nd, sizeof nd);
				else if (st_json_key_is(&k, "addrs"))
					arr = v;
			}
			if (strncmp(call, call_prefix, strlen(call_prefix)) != 0 ||
			    strcmp(nd, node) != 0 || arr.type != ST_JSON_ARRAY ||
			    st_json_array_begin(&ai, &arr) < 0)
				continue;
			while (n < max && st_json_array_next(&ai, &item) == 1)
				if (h_get_str(&item, addrs[n], 64))
					n++;
		}
		free(text);
	}
	return n;
}

static void test_getent_resolver(void **state)
{
	static const struct { const char *db, *call; bool with_port; } cases[] = {
		{ "ahosts", "getaddrinfo", true },
		{ "hosts", "gethostbyname", false },
	};
	char work[64];
	(void)state;

	need(GETENT);
	failures = 0;
	h_tmpdir(work);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const char *argv[] = { GETENT, cases[k].db, "localhost", NULL };
		char *out[2];
		struct run r;
		struct h_log log;
		char addrs[32][64];
		int na;

		for (int pass = 0; pass < 2; pass++) {
			struct h_proc p;

			run_init(&r, work, pass == 1);
			r.no_strace = true;
			run_start(&r, &p, NULL, argv);
			check(h_wait(&p, 20000) == 0, "getent %s localhost failed: %s", cases[k].db,
			      p.err.p);
			out[pass] = strdup(p.out.p);
			h_proc_free(&p);
		}
		check_same("getent's output", out[0], out[1]);
		h_log_load(&log, r.logdir);
		na = resolver_addrs(&log, cases[k].call, "localhost", addrs, 32);
		check(na > 0, "no %s record for \"localhost\" with addresses (getent %s)",
		      cases[k].call, cases[k].db);
		/* Every address getent printed is among the record's. */
		for (const char *s = out[1]; *s;) {
			char addr[64] = "";
			bool found = false;

			if (sscanf(s, "%63s", addr) == 1) {
				for (int i = 0; i < na && !found; i++) {
					char a[80], b[80];

					snprintf(a, sizeof a, "%s:", addr);
					snprintf(b, sizeof b, "[%s]:", addr);
					found = cases[k].with_port
						? strncmp(addrs[i], a, strlen(a)) == 0 ||
						  strncmp(addrs[i], b, strlen(b)) == 0
						: strcmp(addrs[i], addr) == 0;
				}
				check(found, "getent %s printed %s; the %s record has no such address",
				      cases[k].db, addr, cases[k].call);
			}
			s = strchr(s, '\n');
			s = s ? s + 1 : "";
		}
		if (failures)
			h_log_dump(&log);
		h_log_free(&log);
		free(out[0]);
		free(out[1]);
		h_rm_tree(r.logdir);
	}
	end_checks(work);
}

/* ---- 5. a statically linked program: a limit that is told, not silent --------------- */

static int count_logs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		n += l > 6 && strcmp(e->d_name + l - 6, ".jsonl") == 0;
	}
	closedir(d);
	return n;
}

static void test_static_binary(void **state)
{
	char work[64], prog[128], tdir[128];
	struct h_opts o = { .untraced = true };
	struct h_proc p, q;
	const char *warn, *ran;
	int rc;
	(void)state;

	need(GCC);
	if (access("/usr/lib/x86_64-linux-gnu/libc.a", R_OK) != 0 &&
	    access("/usr/lib/libc.a", R_OK) != 0) {
		print_message("libc.a (libc6-dev) is not installed\n");
		skip();
	}
	failures = 0;
	h_tmpdir(work);
	snprintf(prog, sizeof prog, "%s/static_hello", work);
	snprintf(tdir, sizeof tdir, "%s/trace", work);
	{
		const char *argv[] = { GCC, "-static", "-O1", "-o", prog,
				       ST_SRC_DIR "/tests/progs/static_hello.c", NULL };

		h_start(&p, &o, argv);
		rc = h_wait(&p, 60000);
		if (rc != 0)
			fail_msg("gcc -static failed (%d): %s", rc, p.err.p);
		h_proc_free(&p);
	}
	{
		const char *argv[] = { prog, NULL };

		h_start(&p, &o, argv);
		rc = h_wait(&p, 20000);
		check(rc == 7, "the static program exits with %d untraced, not 7", rc);
	}
	{
		const char *argv[] = { SOCKTRACE, "-o", tdir, "--no-view", "--", prog, NULL };

		h_start(&q, &o, argv);
		rc = h_wait(&q, 20000);
	}
	check(rc == 7, "socktrace passed exit status %d through, not 7", rc);
	check_same("the static program's stdout", p.out.p, q.out.p);
	warn = strstr(q.err.p, "statically linked");
	ran = strstr(q.err.p, "static program ran");
	check(warn != NULL, "socktrace did not say the program is statically linked: %s",
	      q.err.p);
	check(strstr(q.err.p, prog) != NULL, "the warning does not name %s", prog);
	check(ran != NULL, "the static program did not run under socktrace: %s", q.err.p);
	check(warn == NULL || ran == NULL || warn < ran,
	      "the warning came after the program's own output: %s", q.err.p);
	/* The limit is real: nothing of the program is in the trace. */
	check(count_logs(tdir) == 0, "%d logs from a static program", count_logs(tdir));
	h_proc_free(&p);
	h_proc_free(&q);
	end_checks(work);
}

/* ---- 5. what the protocol readers read ---------------------------------------------- */

/* sockview's output with one or two options for the run's logs. */
static char *view_text(const struct run *r, const char *opt, const char *opt2)
{
	const char *argv[] = { SOCKVIEW, opt, opt2 ? opt2 : r->logdir, opt2 ? r->logdir : NULL,
			       NULL };

	return h_output_of(argv);
}

/* Each of want[] (NULL-ended) is in sockview's SVG of the run: the arrows'
 * titles carry the protocol readers' summaries whole, XML-escaped. */
static void want_labels(const struct run *r, const char *const want[])
{
	char *svg = view_text(r, "--svg", NULL);

	for (int i = 0; want[i]; i++)
		check(strstr(svg, want[i]) != NULL, "no arrow labelled \"%s\" (logs in %s)", want[i],
		      r->logdir);
	free(svg);
}

/* How many of the run's connections --conns --json says speak app, and
 * the sni of the last of them (when sni is not NULL). */
static int conns_with_app(const struct run *r, const char *app, char *sni, size_t cap)
{
	char *text = view_text(r, "--conns", "--json"), *line, *save = NULL, want[64];
	int n = 0;

	snprintf(want, sizeof want, "\"app\":\"%s\"", app);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *s;

		if (!strstr(line, want))
			continue;
		n++;
		if (sni && (s = strstr(line, "\"sni\":\"")) != NULL)
			snprintf(sni, cap, "%.*s", (int)strcspn(s + 7, "\""), s + 7);
	}
	free(text);
	return n;
}

/* A run traced by the library alone, in a fresh temp directory. */
static void app_run(struct run *r, char *work)
{
	failures = 0;
	h_tmpdir(work);
	chmod(work, 0755);
	run_init(r, work, true);
	r->no_strace = true;
}

/* The end of such a run: fails with every mismatch, or removes the logs. */
static void app_done(const struct run *r, const char *work)
{
	if (failures)
		fail_msg("%d mismatches (logs in %s)", failures, r->logdir);
	h_rm_tree(work);
}

static void test_app_http_python(void **state)
{
	char work[64], www[128], path[192], port_s[16], url[2][96];
	struct h_proc srv, cli;
	struct run r;
	int port;
	(void)state;

	need(PYTHON);
	need(CURL);
	app_run(&r, work);
	snprintf(www, sizeof www, "%s/www", work);
	mkdir(www, 0755);
	for (int i = 0; i < 2; i++) {
		char *text = make_text(i ? 5000 : 700, (unsigned)i);

		snprintf(path, sizeof path, "%s/f%d.txt", www, i);
		h_write_file(path, text, i ? 5000 : 700);
		free(text);
	}
	port = h_free_port(SOCK_STREAM);
	snprintf(port_s, sizeof port_s, "%d", port);
	for (int i = 0; i < 2; i++)
		snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d/f%d.txt", port, i);
	{
		const char *sargv[] = { PYTHON, "-m", "http.server", "--bind", "127.0.0.1",
					"--directory", www, port_s, NULL };
		const char *cargv[] = { CURL, "-s", "-S", "-o", "/dev/null", "-o", "/dev/null",
					url[0], url[1], NULL };

		run_start(&r, &srv, NULL, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_start(&r, &cli, NULL, cargv);
		h_wait_ok(&cli);
		kill(srv.pid, SIGINT);
		h_wait(&srv, 20000);
	}
	{
		const char *const want[] = { "GET /f0.txt HTTP/1.1", "GET /f1.txt HTTP/1.1",
					     "HTTP/1.0 200 OK (700 B)", "HTTP/1.0 200 OK (5000 B)",
					     NULL };

		want_labels(&r, want);
	}
	/* python answers each request on a connection of its own. */
	check(conns_with_app(&r, "http", NULL, 0) == 2, "not 2 connections read as http");
	h_proc_free(&srv);
	h_proc_free(&cli);
	app_done(&r, work);
}

/* nginx in one process (its event loop in epoll_wait), two requests on one
 * keep-alive connection, then 8 clients at once: each request and status
 * on its arrow, and epoll_wait records whose ready fds name connections. */
static void test_app_nginx_epoll(void **state)
{
	char work[64], www[128], path[256], conf[160], url[2][96];
	struct h_proc srv, cli[8];
	struct h_log log;
	struct run r;
	int port, waits = 0, named = 0;
	char *timeline, pid_s[16];
	pid_t nginx_pid;
	(void)state;

	need(NGINX);
	need(CURL);
	app_run(&r, work);
	snprintf(www, sizeof www, "%s/www", work);
	mkdir(www, 0755);
	{
		char *big = make_text(3000, 7);

		snprintf(path, sizeof path, "%s/a.txt", www);
		h_write_file(path, big, 3000);
		snprintf(path, sizeof path, "%s/b.txt", www);
		h_write_file(path, big, 300);
		free(big);
	}
	port = h_free_port(SOCK_STREAM);
	h_nginx_conf(work, port, www, "", "", conf, sizeof conf);
	for (int i = 0; i < 2; i++)
		snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d/%s.txt", port, i ? "b" : "a");
	{
		const char *sargv[] = { NGINX, "-p", work, "-c", conf, "-e", "stderr", NULL };
		const char *keep[] = { CURL, "-s", "-S", "-o", "/dev/null", "-o", "/dev/null",
				       url[0], url[1], NULL };
		const char *one[] = { CURL, "-s", "-S", "-o", "/dev/null", url[1], NULL };

		run_start(&r, &srv, NULL, sargv);
		nginx_pid = srv.pid;
		h_wait_ready(&srv, "tcp", port, NULL);
		run_start(&r, &cli[0], NULL, keep);
		h_wait_ok(&cli[0]);
		h_proc_free(&cli[0]);
		for (int i = 0; i < 8; i++)
			run_start(&r, &cli[i], NULL, one);
		for (int i = 0; i < 8; i++) {
			h_wait_ok(&cli[i]);
			h_proc_free(&cli[i]);
		}
		kill(srv.pid, SIGQUIT);
		check(h_wait(&srv, 20000) == 0, "nginx did not stop: %s", srv.err.p);
		h_proc_free(&srv);
	}
	{
		const char *const want[] = { "GET /a.txt HTTP/1.1", "GET /b.txt HTTP/1.1",
					     "200 OK (3000 B)", "200 OK (300 B)", NULL };

		want_labels(&r, want);
	}
	check(conns_with_app(&r, "http", NULL, 0) == 9, "not 9 connections read as http");
	/* The event loop: epoll_wait records, their ready fds found from
	 * nginx's epoll data (pointers), and the timeline naming them. */
	h_log_load(&log, r.logdir);
	for (size_t i = 0; i < log.n; i++) {
		if (log.r[i].header || strcmp(log.r[i].call, "epoll_wait") != 0)
			continue;
		waits++;
		check(log.r[i].ret <= 0 || (log.r[i].fds[0] && log.r[i].fds[0] != '?'),
		      "epoll_wait = %lld with fds [%s]", (long long)log.r[i].ret, log.r[i].fds);
	}
	check(waits >= 9, "only %d epoll_wait records", waits);
	snprintf(pid_s, sizeof pid_s, "%d", (int)nginx_pid);
	timeline = view_text(&r, "--pid", pid_s);
	for (const char *s = timeline; (s = strstr(s, "epoll_wait(")) != NULL; s++)
		named += memmem(s, strcspn(s, "\n"), " #", 2) != NULL;
	check(named >= 9, "only %d epoll_wait rows name a connection", named);
	free(timeline);
	h_log_free(&log);
	app_done(&r, work);
}

static void test_app_redis(void **state)
{
	char work[64], port_s[16];
	struct h_proc srv, cli;
	struct run r;
	int port;
	(void)state;

	need(REDIS_SERVER);
	need(REDIS_CLI);
	app_run(&r, work);
	port = h_free_port(SOCK_STREAM);
	snprintf(port_s, sizeof port_s, "%d", port);
	{
		const char *sargv[] = { REDIS_SERVER, "--port", port_s, "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no", "--dir", work, NULL };
		const char *set[] = { REDIS_CLI, "-p", port_s, "SET", "greeting", "hello", NULL };
		const char *get[] = { REDIS_CLI, "-p", port_s, "GET", "greeting", NULL };
		const char *nokey[] = { REDIS_CLI, "-p", port_s, "INCR", "greeting", NULL };

		run_start(&r, &srv, NULL, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_start(&r, &cli, NULL, set);
		h_wait_ok(&cli);
		check(strcmp(cli.out.p, "OK\n") == 0, "redis-cli SET said %s", cli.out.p);
		h_proc_free(&cli);
		run_start(&r, &cli, NULL, get);
		h_wait_ok(&cli);
		check(strcmp(cli.out.p, "hello\n") == 0, "redis-cli GET said %s", cli.out.p);
		h_proc_free(&cli);
		run_start(&r, &cli, NULL, nokey);
		h_wait(&cli, 20000);
		h_proc_free(&cli);
		kill(srv.pid, SIGTERM);
		h_wait(&srv, 20000);
		h_proc_free(&srv);
	}
	{
		const char *const want[] = { "SET greeting hello", "+OK", "GET greeting",
					     "$5 &quot;hello&quot;", "INCR greeting",
					     "-ERR value is not an integer", NULL };

		want_labels(&r, want);
	}
	check(conns_with_app(&r, "redis", NULL, 0) == 3, "not 3 connections read as redis");
	app_done(&r, work);
}

/* TLS: curl asks openssl s_server for api.example.test (--resolve): the
 * ClientHello's server name and ALPN, the ServerHello's version and
 * cipher, then encrypted records, and the connection's sni. */
static void test_app_tls(void **state)
{
	char work[64], cert[128], key[128], accept_s[32], resolve[96], url[96], sni[64] = "";
	struct h_proc srv, cli, gen;
	struct h_opts plain = { .untraced = true };
	struct run r;
	int port;
	(void)state;

	need(OPENSSL);
	need(CURL);
	app_run(&r, work);
	snprintf(cert, sizeof cert, "%s/cert.pem", work);
	snprintf(key, sizeof key, "%s/key.pem", work);
	{
		const char *argv[] = { OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
				       "-keyout", key, "-out", cert, "-days", "1", "-subj",
				       "/CN=api.example.test", NULL };

		h_start(&gen, &plain, argv);
		h_wait_ok(&gen);
		h_proc_free(&gen);
	}
	port = h_free_port(SOCK_STREAM);
	snprintf(accept_s, sizeof accept_s, "127.0.0.1:%d", port);
	snprintf(resolve, sizeof resolve, "api.example.test:%d:127.0.0.1", port);
	snprintf(url, sizeof url, "https://api.example.test:%d/", port);
	{
		const char *sargv[] = { OPENSSL, "s_server", "-accept", accept_s, "-cert", cert,
					"-key", key, "-www", "-quiet", NULL };
		const char *cargv[] = { CURL, "-s", "-S", "-k", "-o", "/dev/null", "--resolve",
					resolve, url, NULL };

		run_start(&r, &srv, NULL, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_start(&r, &cli, NULL, cargv);
		h_wait_ok(&cli);
		h_proc_free(&cli);
		kill(srv.pid, SIGTERM);
		h_wait(&srv, 20000);
		h_proc_free(&srv);
	}
	{
		const char *const want[] = { "ClientHello sni=api.example.test alpn=h2,http/1.1 "
					     "versions=TLS 1.3", "ServerHello TLS 1.3 TLS_AES_",
					     "ChangeCipherSpec", "application data", NULL };

		want_labels(&r, want);
	}
	check(conns_with_app(&r, "tls", sni, sizeof sni) == 1, "not 1 connection read as tls");
	check(strcmp(sni, "api.example.test") == 0, "sni \"%s\"", sni);
	{
		/* No plaintext, so no inner protocol named. */
		char *text = view_text(&r, "--conns", "--json");

		check(strstr(text, "\"app\":\"tls\",\"sni\":\"api.example.test\",\"inner\":null,") != NULL,
		      "the tls connection: %s", text);
		free(text);
	}
	{
		/* No plaintext without SOCKTRACE_TLS=1. */
		struct h_log log;

		h_log_load(&log, r.logdir);
		for (size_t i = 0; i < log.n; i++)
			check(strncmp(log.r[i].call, "SSL_", 4) != 0, "a %s record by default",
			      log.r[i].call);
		h_log_free(&log);
	}
	/* With it: curl's SSL_write and SSL_read, on its socket, read as
	 * HTTP (the server, s_server, reads through its own BIO: no
	 * records). */
	h_rm_tree(r.logdir);
	run_init(&r, work, true);
	r.no_strace = true;
	{
		const char *sargv[] = { OPENSSL, "s_server", "-accept", accept_s, "-cert", cert,
					"-key", key, "-www", "-quiet", NULL };
		const char *cargv[] = { CURL, "-s", "-S", "-k", "-o", "/dev/null", "--resolve",
					resolve, url, NULL };
		const char *const env[] = { "SOCKTRACE_TLS=1", NULL };
		struct h_log log;
		bool wrote = false, read = false;
		char *timeline, pid_s[16];

		run_start(&r, &srv, env, sargv);
		h_wait_ready(&srv, "tcp", port, NULL);
		run_start(&r, &cli, env, cargv);
		snprintf(pid_s, sizeof pid_s, "%d", (int)cli.pid);
		h_wait_ok(&cli);
		h_proc_free(&cli);
		kill(srv.pid, SIGTERM);
		h_wait(&srv, 20000);
		h_proc_free(&srv);
		h_log_load(&log, r.logdir);
		for (size_t i = 0; i < log.n; i++) {
			const struct h_rec *x = &log.r[i];

			if (strcmp(x->call, "SSL_write") == 0 && x->has_data &&
			    x->data_len >= 14 && memcmp(x->data, "GET / HTTP/1.1", 14) == 0 &&
			    x->has_peer && strcmp(x->peer, accept_s) == 0)
				wrote = true;
			if (strcmp(x->call, "SSL_read") == 0 && x->ret > 0 && x->has_data &&
			    x->data_len >= 8 && memcmp(x->data, "HTTP/1.", 7) == 0)
				read = true;
		}
		check(wrote, "no SSL_write of \"GET / HTTP/1.1\" to %s", accept_s);
		check(read, "no SSL_read of the response");
		h_log_free(&log);
		timeline = view_text(&r, "--pid", pid_s);
		check(strstr(timeline, "SSL_write(") && strstr(timeline, "GET / HTTP/1.1") &&
		      strstr(timeline, "200 ok"), "the timeline does not read the plaintext:\n%s",
		      timeline);
		free(timeline);
	}
	app_done(&r, work);
}

static void test_app_dns(void **state)
{
	char work[64];
	struct h_proc p;
	struct run r;
	(void)state;

	app_run(&r, work);
	{
		const char *argv[] = { ST_BUILD_DIR "/tests/progs/dnspair", NULL };

		run_start(&r, &p, NULL, argv);
		h_wait_ok(&p);
		check(strcmp(p.out.p, "@ answer 0x1a2b 127.0.0.1\n") == 0, "dnspair said %s",
		      p.out.p);
		h_proc_free(&p);
	}
	{
		const char *const want[] = { "query 0x1a2b A example.test",
					     "answer 0x1a2b A example.test: 127.0.0.1", NULL };

		want_labels(&r, want);
	}
	check(conns_with_app(&r, "dns", NULL, 0) == 1, "not 1 flow read as dns");
	app_done(&r, work);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_http_curl),
		cmocka_unit_test(test_socat_tcp_exec),
		cmocka_unit_test(test_socat_udp_exec),
		cmocka_unit_test(test_socat_unix_exec),
		cmocka_unit_test(test_netcat_tcp),
		cmocka_unit_test(test_nginx_workers),
		cmocka_unit_test(test_getent_resolver),
		cmocka_unit_test(test_static_binary),
		cmocka_unit_test(test_app_http_python),
		cmocka_unit_test(test_app_nginx_epoll),
		cmocka_unit_test(test_app_redis),
		cmocka_unit_test(test_app_tls),
		cmocka_unit_test(test_app_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
