/*
 * test_strace.c: a differential test against strace.  The TCP and the UDP
 * echo pairs run under strace and the library at once
 * (strace -f -yy -e trace=network,read,write,close -o FILE env LD_PRELOAD=...
 * prog), and what strace saw must be what the library logged: the same
 * connections (local and peer ends, as strace's -yy decoration
 * "3<TCP:[127.0.0.1:43210->127.0.0.1:8080]>" or, for an unconnected UDP
 * socket, the datagram's address argument) and, for each, the same byte
 * totals in each direction.  Skipped when strace is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>

#include "harness.h"

#define STRACE "/usr/bin/strace"
#define MAX_CONNS 32

/* Bytes moved on one connection end (local, peer) in each direction. */
struct conn {
	char proto[8];
	char local[2 * ST_ADDR_MAX], peer[2 * ST_ADDR_MAX];
	int64_t bytes[2];	/* 0 sent, 1 received */
};

struct conns {
	struct conn c[MAX_CONNS];
	int n;
};

static struct conn *conn_get(struct conns *cs, const char *proto, const char *local,
			     const char *peer)
{
	struct conn *c;

	for (int i = 0; i < cs->n; i++) {
		c = &cs->c[i];
		if (strcmp(c->proto, proto) == 0 && strcmp(c->local, local) == 0 &&
		    strcmp(c->peer, peer) == 0)
			return c;
	}
	if (cs->n == MAX_CONNS)
		fail_msg("too many connections");
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->proto, sizeof c->proto, "%s", proto);
	snprintf(c->local, sizeof c->local, "%s", local);
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	return c;
}

static bool name_in(const char *name, size_t n, const char *const set[])
{
	for (int i = 0; set[i]; i++)
		if (strlen(set[i]) == n && strncmp(name, set[i], n) == 0)
			return true;
	return false;
}

static const char *const sends[] = { "write", "send", "sendto", "sendmsg", "writev", NULL };
static const char *const recvs[] = { "read", "recv", "recvfrom", "recvmsg", "readv", NULL };

/* ---- strace's side -------------------------------------------------------- */

/* One whole call (an unfinished line joined with its resumption). */
struct call_line {
	int pid;
	char text[8192];
};

/* Local end of each (pid, fd) as strace's decorations first showed it, for
 * a call made before the kernel bound the socket (an unbound UDP socket's
 * first sendto shows only an inode). */
struct fd_local {
	int pid, fd;
	char local[ST_ADDR_MAX];
};

/* The decoration of the first argument: "TCP", the inside of [...]; false
 * when the first argument is not a decorated inet socket. */
static bool first_arg_socket(const char *args, int *fd, char *proto, size_t pcap, char *inside,
			     size_t icap)
{
	const char *p = args, *lb, *rb;
	size_t n;

	if (!isdigit((unsigned char)*p))
		return false;
	*fd = atoi(p);
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '<')
		return false;
	p++;
	lb = strstr(p, ":[");
	if (lb == NULL || (size_t)(lb - p) >= pcap)
		return false;
	memcpy(proto, p, (size_t)(lb - p));
	proto[lb - p] = '\0';
	if (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0)
		return false;
	rb = strstr(lb, "]>");
	if (rb == NULL)
		return false;
	n = (size_t)(rb - lb - 2);
	if (n >= icap)
		return false;
	memcpy(inside, lb + 2, n);
	inside[n] = '\0';
	return true;
}

/* The return value of a finished call: the number after the last " = "
 * (strace pads a resumed call's ")" and "=" apart with spaces). */
static bool return_value(const char *text, long *ret)
{
	const char *eq = NULL, *s = text;

	while ((s = strstr(s, " = ")) != NULL) {
		eq = s;
		s += 3;
	}
	if (eq == NULL)
		return false;
	*ret = strtol(eq + 3, NULL, 10);
	return true;
}

/* An IPv4 address argument {sa_family=AF_INET, sin_port=htons(P),
 * sin_addr=inet_addr("A")} as "A:P". */
static bool inet_arg(const char *text, char *out, size_t cap)
{
	const char *port = strstr(text, "sin_port=htons(");
	const char *addr = strstr(text, "inet_addr(\"");
	const char *q;

	if (port == NULL || addr == NULL)
		return false;
	addr += 11;
	q = strchr(addr, '"');
	if (q == NULL)
		return false;
	snprintf(out, cap, "%.*s:%d", (int)(q - addr), addr, atoi(port + 15));
	return true;
}

static void to_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Adds one finished call to cs when it moved bytes over an inet socket. */
static void strace_call(struct conns *cs, const struct call_line *cl, const struct fd_local *fl,
			int nfl)
{
	const char *open = strchr(cl->text, '(');
	char proto[16], inside[ST_ADDR_MAX], local[ST_ADDR_MAX], peer[ST_ADDR_MAX];
	const char *arrow;
	bool send, recv;
	long ret;
	int fd;

	if (open == NULL)
		return;
	send = name_in(cl->text, (size_t)(open - cl->text), sends);
	recv = name_in(cl->text, (size_t)(open - cl->text), recvs);
	if (!send && !recv)
		return;
	if (!first_arg_socket(open + 1, &fd, proto, sizeof proto, inside, sizeof inside))
		return;
	if (!return_value(cl->text, &ret) || ret <= 0)
		return;
	to_lower(proto);
	arrow = strstr(inside, "->");
	if (arrow) {
		snprintf(local, sizeof local, "%.*s", (int)(arrow - inside), inside);
		snprintf(peer, sizeof peer, "%s", arrow + 2);
	} else {
		/* Unconnected: the local end (or only an inode), and the
		 * datagram's address among the arguments. */
		if (strchr(inside, ':') != NULL) {
			snprintf(local, sizeof local, "%s", inside);
		} else {
			local[0] = '\0';
			for (int i = 0; i < nfl; i++)
				if (fl[i].pid == cl->pid && fl[i].fd == fd)
					snprintf(local, sizeof local, "%s", fl[i].local);
		}
		if (!inet_arg(open, peer, sizeof peer))
			fail_msg("no address in: %s", cl->text);
	}
	conn_get(cs, proto, local, peer)->bytes[recv] += ret;
}

/* Reads an strace -f output file into whole calls: "PID name(args) = ret",
 * joining "PID name(args <unfinished ...>" with its "PID <... name
 * resumed>rest". */
static int strace_read(const char *path, struct call_line **out)
{
	FILE *f = fopen(path, "r");
	struct call_line *calls = NULL, pending[32];
	int n = 0, cap = 0, npending = 0;
	char line[8192];

	if (f == NULL)
		fail_msg("open %s", path);
	while (fgets(line, sizeof line, f)) {
		char *s = line, *e;
		int pid = (int)strtol(s, &e, 10);
		struct call_line cl;

		if (e == s)
			continue;
		s = e;
		while (*s == ' ')
			s++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(s, "+++", 3) == 0 || strncmp(s, "---", 3) == 0)
			continue;
		cl.pid = pid;
		if (strncmp(s, "<... ", 5) == 0) {
			char *rest = strstr(s, " resumed>");
			int k;

			if (rest == NULL)
				continue;
			for (k = 0; k < npending && pending[k].pid != pid; k++)
				;
			if (k == npending)
				continue;	/* started before the trace */
			snprintf(cl.text, sizeof cl.text, "%s%s", pending[k].text, rest + 9);
			pending[k] = pending[--npending];
		} else if ((e = strstr(s, " <unfinished ...>")) != NULL) {
			if (npending == 32)
				fail_msg("too many unfinished calls in %s", path);
			*e = '\0';
			pending[npending].pid = pid;
			snprintf(pending[npending].text, sizeof pending[0].text, "%s", s);
			npending++;
			continue;
		} else {
			snprintf(cl.text, sizeof cl.text, "%s", s);
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			calls = realloc(calls, (size_t)cap * sizeof *calls);
			assert_non_null(calls);
		}
		calls[n++] = cl;
	}
	fclose(f);
	*out = calls;
	return n;
}

/* The connections and byte totals of an strace output file. */
static void strace_conns(const char *path, struct conns *cs)
{
	struct call_line *calls;
	struct fd_local fl[64];
	int n = strace_read(path, &calls), nfl = 0;

	/* First pass: the first bound local end shown for each (pid, fd). */
	for (int i = 0; i < n; i++) {
		const char *open = strchr(calls[i].text, '(');
		char proto[16], inside[ST_ADDR_MAX];
		int fd, k;

		if (open == NULL ||
		    !first_arg_socket(open + 1, &fd, proto, sizeof proto, inside, sizeof inside) ||
		    strstr(inside, "->") != NULL || strchr(inside, ':') == NULL)
			continue;
		for (k = 0; k < nfl && !(fl[k].pid == calls[i].pid && fl[k].fd == fd); k++)
			;
		if (k == nfl && nfl < 64) {
			fl[nfl].pid = calls[i].pid;
			fl[nfl].fd = fd;
			snprintf(fl[nfl].local, sizeof fl[nfl].local, "%s", inside);
			nfl++;
		}
	}
	for (int i = 0; i < n; i++)
		strace_call(cs, &calls[i], fl, nfl);
	free(calls);
}

/* ---- the library's side ----------------------------------------------------- */

static void log_conns(const struct h_log *log, struct conns *cs)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *r = &log->r[i];
		bool send = name_in(r->call, strlen(r->call), sends);
		bool recv = name_in(r->call, strlen(r->call), recvs);

		if ((!send && !recv) || !r->has_bytes || r->bytes <= 0)
			continue;
		if (strcmp(r->proto, "tcp") != 0 && strcmp(r->proto, "udp") != 0)
			continue;
		conn_get(cs, r->proto, r->local, r->peer)->bytes[recv] += r->bytes;
	}
}

static void print_conns(const char *what, const struct conns *cs)
{
	print_message("%s:\n", what);
	for (int i = 0; i < cs->n; i++)
		print_message("  %s %s -> %s sent %lld received %lld\n", cs->c[i].proto,
			      cs->c[i].local, cs->c[i].peer, (long long)cs->c[i].bytes[0],
			      (long long)cs->c[i].bytes[1]);
}

/* Every connection of a is in b with the same totals, and the other way. */
static int compare_conns(const struct conns *a, const struct conns *b)
{
	int bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		const struct conns *x = pass ? b : a, *y = pass ? a : b;

		for (int i = 0; i < x->n; i++) {
			const struct conn *c = &x->c[i];
			bool ok = false;

			for (int j = 0; j < y->n && !ok; j++)
				ok = strcmp(c->proto, y->c[j].proto) == 0 &&
				     strcmp(c->local, y->c[j].local) == 0 &&
				     strcmp(c->peer, y->c[j].peer) == 0 &&
				     c->bytes[0] == y->c[j].bytes[0] && c->bytes[1] == y->c[j].bytes[1];
			if (!ok) {
				print_message("only in %s: %s %s -> %s sent %lld received %lld\n",
					      pass ? "the library's log" : "strace's output", c->proto,
					      c->local, c->peer, (long long)c->bytes[0],
					      (long long)c->bytes[1]);
				bad++;
			}
		}
	}
	return bad;
}

/* ---- the runs ------------------------------------------------------------------ */

/* Starts prog (argv after the program path) under strace and the library. */
static void start_traced(struct h_proc *p, const char *dir, const char *trace_file,
			 const char *const prog_argv[])
{
	static char preload[] = "LD_PRELOAD=" H_LIB;
	const char *argv[32] = {
		STRACE, "-f", "-yy", "-e", "trace=network,read,write,close", "-o", trace_file,
		"/usr/bin/env", preload,
	};
	struct h_opts o = { .logdir = dir, .untraced = true };
	int n = 9;

	for (int i = 0; prog_argv[i] && n < 31; i++)
		argv[n++] = prog_argv[i];
	argv[n] = NULL;
	h_start(p, &o, argv);
}

static void pair_case(const char *server, const char *ready, const char *client, int count)
{
	char dir[64], sfile[128], cfile[128], port[16], n[8];
	struct h_proc s, c;
	static struct conns from_strace, from_log;
	struct h_log log;
	int bad;

	if (access(STRACE, X_OK) != 0) {
		print_message("strace is not installed\n");
		skip();
	}
	h_tmpdir(dir);
	snprintf(sfile, sizeof sfile, "%s/server.strace", dir);
	snprintf(cfile, sizeof cfile, "%s/client.strace", dir);
	snprintf(n, sizeof n, "%d", count);
	{
		const char *sargv[] = { server, "-n", n, NULL };

		start_traced(&s, dir, sfile, sargv);
	}
	snprintf(port, sizeof port, "%d", h_server_port(&s, ready));
	{
		const char *cargv[] = { client, "127.0.0.1", port, "one", "two three", NULL };

		start_traced(&c, dir, cfile, cargv);
	}
	h_wait_ok(&c);
	h_wait_ok(&s);

	memset(&from_strace, 0, sizeof from_strace);
	memset(&from_log, 0, sizeof from_log);
	strace_conns(sfile, &from_strace);
	strace_conns(cfile, &from_strace);
	h_log_load(&log, dir);
	log_conns(&log, &from_log);
	if (from_strace.n == 0)
		fail_msg("no connections in strace's output %s", sfile);
	bad = compare_conns(&from_strace, &from_log);
	if (bad || log.malformed) {
		print_conns("strace", &from_strace);
		print_conns("library", &from_log);
		fail_msg("%d connection totals differ, %d malformed lines (logs in %s)", bad,
			 log.malformed, dir);
	}
	h_log_free(&log);
	h_proc_free(&s);
	h_proc_free(&c);
	h_rmtree(dir);
}

static void test_tcp_pair(void **state)
{
	(void)state;
	pair_case(H_EXAMPLE("tcp_echo_server"), "listen", H_EXAMPLE("tcp_echo_client"), 1);
}

static void test_udp_pair(void **state)
{
	(void)state;
	pair_case(H_EXAMPLE("udp_echo_server"), "bound", H_EXAMPLE("udp_echo_client"), 2);
}

static void test_udp_connected_pair(void **state)
{
	(void)state;
	pair_case(H_EXAMPLE("udp_echo_server"), "bound", H_EXAMPLE("udp_connected_client"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_pair),
		cmocka_unit_test(test_udp_pair),
		cmocka_unit_test(test_udp_connected_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
