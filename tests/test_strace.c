/*
 * test_strace.c: a differential test against strace.  The TCP and the UDP
 * echo pairs run under strace and the library at once
 * (strace -f -yy -e trace=network,read,write,close -o FILE env LD_PRELOAD=...
 * prog), and what strace saw must be what the library logged: the same
 * connections (local and peer ends, as strace's -yy decoration
 * "3<TCP:[127.0.0.1:43210->127.0.0.1:8080]>" or, for an unconnected UDP
 * socket, the datagram's address argument) and, for each, the same byte
 * totals in each direction.  And the event loops' waits (epoll_wait,
 * epoll_pwait, epoll_pwait2, select, pselect): the same calls returning
 * the same, with the ready fds the program saw.  Skipped when strace is
 * not installed.
 * Reading strace's output: tests/strace.h, shared with test_real.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "strace.h"

#define STRACE "/usr/bin/strace"
#define NET_CALLS "trace=network,read,write,close"
#define WAIT_CALLS "trace=epoll_wait,epoll_pwait,epoll_pwait2,select,pselect6"

static const char *const sends[] = { "write", "send", "sendto", "sendmsg", "writev", NULL };
static const char *const recvs[] = { "read", "recv", "recvfrom", "recvmsg", "readv", NULL };

/* ---- strace's side -------------------------------------------------------- */

/* Adds one finished call to cs when it moved bytes over a TCP or UDP
 * socket. */
static void strace_call(struct conns *cs, const struct call_line *cl,
			const struct strace_fd_local *fl, int nfl)
{
	char local[ST_ADDR_MAX], peer[ST_ADDR_MAX];
	struct strace_data d;

	if (!strace_data_call(cl, sends, recvs, &d) ||
	    (strcmp(d.proto, "tcp") != 0 && strcmp(d.proto, "udp") != 0))
		return;
	strace_inet_ends(cl, &d, fl, nfl, local, peer, sizeof local);
	conn_get(cs, d.proto, local, peer)->bytes[d.recv] += d.ret;
}

/* The connections and byte totals of an strace output file. */
static void strace_conns(const char *path, struct conns *cs)
{
	struct call_line *calls;
	struct strace_fd_local fl[64];
	int n = strace_read(path, &calls), nfl = strace_fd_locals(calls, n, fl, 64);

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

/* Every connection of a is in b with the same totals, and the other way. */
static int compare_conns(const struct conns *a, const struct conns *b)
{
	int bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		const struct conns *x = pass ? b : a, *y = pass ? a : b;

		for (int i = 0; i < x->n; i++) {
			const struct conn *c = &x->c[i];
			const struct conn *o = conn_find(y, c->proto, c->local, c->peer);

			if (o == NULL || o->bytes[0] != c->bytes[0] || o->bytes[1] != c->bytes[1]) {
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

/* Starts prog (argv after the program path) under strace (tracing the
 * system calls of `calls`, strace's -e) and the library. */
static void start_traced(struct h_proc *p, const char *dir, const char *trace_file,
			 const char *const prog_argv[], const char *calls)
{
	static char preload[] = "LD_PRELOAD=" H_LIB;
	const char *argv[32] = {
		STRACE, "-f", "-yy", "-e", calls, "-o", trace_file,
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

		start_traced(&s, dir, sfile, sargv, NET_CALLS);
	}
	snprintf(port, sizeof port, "%d", h_server_port(&s, ready));
	{
		const char *cargv[] = { client, "127.0.0.1", port, "one", "two three", NULL };

		start_traced(&c, dir, cfile, cargv, NET_CALLS);
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

/* ---- the event loops' waits ---------------------------------------------------- */

/* Whether strace's system call sc is how libc made the call `call`. */
static bool wait_syscall_is(const char *sc, size_t n, const char *call)
{
	if (strcmp(call, "select") == 0)
		return (n == 6 && memcmp(sc, "select", 6) == 0) || (n == 8 && memcmp(sc, "pselect6", 8) == 0);
	if (strcmp(call, "pselect") == 0)
		return n == 8 && memcmp(sc, "pselect6", 8) == 0;
	return strlen(call) == n && memcmp(sc, call, n) == 0;
}

static bool is_wait_record(const struct h_rec *r)
{
	static const char *const waits[] = {
		"epoll_wait", "epoll_pwait", "epoll_pwait2", "select", "pselect", NULL,
	};

	return !r->header && name_in(r->call, strlen(r->call), waits);
}

/* tests/progs/waiter makes each wait once on a loopback connection and
 * prints "@ call ret fds" for each; strace sees the same system calls
 * return the same, and the log has one record for each, with the same
 * return and the same ready fds (an epoll event's fd found from the data
 * epoll_ctl was given: the fd itself, then a pointer). */
static void test_waits(void **state)
{
	char dir[64], file[128];
	struct h_proc p;
	struct call_line *calls;
	struct h_log log;
	const char *line;
	int ncalls, k = 0, nrec = 0;
	size_t r = 0;

	(void)state;
	if (access(STRACE, X_OK) != 0) {
		print_message("strace is not installed\n");
		skip();
	}
	h_tmpdir(dir);
	snprintf(file, sizeof file, "%s/waiter.strace", dir);
	{
		const char *argv[] = { ST_BUILD_DIR "/tests/progs/waiter", NULL };

		start_traced(&p, dir, file, argv, WAIT_CALLS);
	}
	h_wait_ok(&p);
	ncalls = strace_read(file, &calls);
	h_log_load(&log, dir);
	for (line = strstr(p.out.p, "@ "); line; line = strstr(line + 1, "\n@ ")) {
		char call[32], fds[128] = "", one[256];
		long ret, sret;
		int got;
		const char *paren;

		if (*line == '\n')
			line++;
		snprintf(one, sizeof one, "%.*s", (int)strcspn(line, "\n"), line);
		got = sscanf(one, "@ %31s %ld %127s", call, &ret, fds);
		assert_true(got >= 2);
		/* strace: the next wait system call, the same return. */
		while (k < ncalls && !((paren = strchr(calls[k].text, '(')) &&
				       wait_syscall_is(calls[k].text, (size_t)(paren - calls[k].text), call)))
			k++;
		if (k == ncalls)
			fail_msg("strace has no %s for \"%.40s\" (%s)", call, line, file);
		if (!strace_return_value(calls[k].text, &sret) || sret != ret)
			fail_msg("strace: %s, the program: %ld", calls[k].text, ret);
		k++;
		/* The log: the next wait record. */
		while (r < log.n && !is_wait_record(&log.r[r]))
			r++;
		if (r == log.n)
			fail_msg("the log has no record for \"%.40s\" (%s)", line, dir);
		if (strcmp(log.r[r].call, call) != 0 || log.r[r].ret != ret ||
		    strcmp(log.r[r].fds, fds) != 0)
			fail_msg("the log has %s = %lld [%s] for \"%.60s\" (%s)", log.r[r].call,
				 (long long)log.r[r].ret, log.r[r].fds, line, dir);
		r++;
		nrec++;
	}
	assert_int_equal(nrec, 6);
	free(calls);
	h_log_free(&log);
	h_proc_free(&p);
	h_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_pair),
		cmocka_unit_test(test_udp_pair),
		cmocka_unit_test(test_udp_connected_pair),
		cmocka_unit_test(test_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
