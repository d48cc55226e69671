/*
 * test_strace.c: a differential test against strace.  The TCP and the UDP
 * echo pairs run under strace and the library at once
 * (strace -f -yy -e trace=network,read,write,close -o FILE env LD_PRELOAD=...
 * prog), and what strace saw must be what the library logged: the same
 * connections (local and peer ends, as strace's -yy decoration
 * "3<TCP:[127.0.0.1:43210->127.0.0.1:8080]>" or, for an unconnected UDP
 * socket, the datagram's address argument) and, for each, the same byte
 * totals in each direction.  Skipped when strace is not installed.
 * Reading strace's output: tests/strace.h, shared with test_real.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "strace.h"

#define STRACE "/usr/bin/strace"

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
