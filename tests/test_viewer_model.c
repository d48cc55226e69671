/*
 * test_viewer_model.c: the model (viewer/model/model.h) built from small logs
 * written here line by line: pairing connect with accept across processes
 * (IPv4, IPv6, IPv4-mapped, AF_UNIX), fd reuse, dup, fork inheritance,
 * byte-offset links (a 100-byte send read by two 50-byte recvs), MSG_PEEK,
 * UDP datagrams (and peeks at them), EOF, reset, refused connects,
 * socketpairs, and a client whose server was not traced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "render/render.h"
#include "read/trace.h"

#include "modellog.h"

static const struct st_conn *conn_of(const struct world *w, uint32_t ev)
{
	assert_int_not_equal(w->m.ev_conn[ev], ST_NONE);
	return &w->m.conns[w->m.ev_conn[ev]];
}

static const char *str(const struct world *w, uint32_t id)
{
	return st_trace_str(&w->tr, id, NULL);
}

/* Links ending at record to of a kind: how many, the first in *out. */
static int links_to(const struct world *w, uint32_t to, int kind,
		    const struct st_link **out)
{
	const struct st_link *l;
	uint32_t n = st_model_links(&w->m, to, &l), i;
	int count = 0;

	for (i = 0; i < n; i++)
		if (l[i].kind == kind && count++ == 0 && out)
			*out = &l[i];
	return count;
}

/* A TCP pair: the client's (local, peer) and the server's (local, peer). */
struct pair_case {
	const char *name;
	const char *cl_local, *cl_peer, *sv_local, *sv_peer, *proto;
};

static const struct pair_case pair_cases[] = {
	{ "ipv4", "127.0.0.1:53412", "127.0.0.1:8080", "127.0.0.1:8080", "127.0.0.1:53412", "tcp" },
	{ "ipv6", "[::1]:53412", "[::1]:8080", "[::1]:8080", "[::1]:53412", "tcp" },
	{ "v4-mapped server", "127.0.0.1:53412", "127.0.0.1:8080",
	  "[::ffff:127.0.0.1]:8080", "[::ffff:127.0.0.1]:53412", "tcp" },
	{ "v4-mapped client", "[::ffff:127.0.0.1]:53412", "[::ffff:127.0.0.1]:8080",
	  "127.0.0.1:8080", "127.0.0.1:53412", "tcp" },
	{ "unix", "", "/tmp/echo.sock", "/tmp/echo.sock", "", "unix-stream" },
	{ "abstract", "", "@echo", "@echo", "", "unix-stream" },
};

static void test_pairing(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(pair_cases) / sizeof(pair_cases[0]); k++) {
		const struct pair_case *c = &pair_cases[k];
		char sv[4][512], cl[4][512];
		const char *server[] = { HDR(100), sv[0], sv[1], sv[2], sv[3], NULL };
		const char *client[] = { HDR(101), cl[0], cl[1], cl[2], cl[3], NULL };
		const char *const *logs[] = { server, client, NULL };
		struct world w;
		const struct st_conn *conn;
		const struct st_link *l = NULL;
		uint32_t acc, con;

		snprintf(sv[0], 512, REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"%s\""), c->proto);
		snprintf(sv[1], 512, REC(100, 2100, "listen", "\"fd\":3,\"ret\":0,\"backlog\":5"));
		snprintf(sv[2], 512, "{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":2200,\"dur\":5000,"
			 "\"fd\":3,\"ret\":4,\"proto\":\"%s\",\"local\":\"%s\",\"peer\":\"%s\"}",
			 c->proto, c->sv_local, c->sv_peer);
		snprintf(sv[3], 512, REC(100, 9000, "close", "\"fd\":4,\"ret\":0"));
		snprintf(cl[0], 512, REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"%s\""), c->proto);
		snprintf(cl[1], 512, REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"%s\","
			 "\"local\":\"%s\",\"peer\":\"%s\",\"addr\":\"%s\""), c->proto, c->cl_local,
			 c->cl_peer, c->cl_peer);
		snprintf(cl[2], 512, REC(101, 8000, "close", "\"fd\":3,\"ret\":0"));
		cl[3][0] = '\0';
		client[4] = NULL;
		build(&w, logs);
		acc = find(&w, 100, "accept", 0);
		con = find(&w, 101, "connect", 0);
		conn = conn_of(&w, con);
		if (w.m.ev_conn[acc] != w.m.ev_conn[con])
			fail_msg("%s: connect and accept not paired", c->name);
		assert_int_equal(w.m.procs[conn->proc[0]].pid, 101);
		assert_int_equal(w.m.procs[conn->proc[1]].pid, 100);
		assert_string_equal(str(&w, conn->addr[1]), c->cl_peer);
		assert_int_equal(conn->end, ST_END_CLOSED);
		assert_int_equal(links_to(&w, acc, ST_L_HANDSHAKE, &l), 1);
		assert_int_equal(l->from, con);
		destroy(&w);
	}
}

#define HOSTHDR(pid, host, boot, netns) "{\"socktrace\":1,\"type\":\"header\",\"pid\":" #pid ",\"ppid\":1,\"t\":1000,\"exe\":\"/bin/p" #pid "\",\"argv\":[\"p" #pid "\"],\"execd\":false,\"payload\":64,\"host\":\"" host "\",\"boot_id\":\"" boot "\",\"netns\":" #netns "}"

/* Logs of two hosts (the same pid on each): one process per host and pid;
 * a TCP connection between them is paired by its five-tuple although the
 * client's clock is ahead (its connect is logged after the accept), and
 * loopback connections never pair across hosts.  Two folders of one host
 * (same boot id and netns) are one host. */
static void test_hosts(void **state)
{
	const char *a[] = {
		HOSTHDR(100, "hosta", "boot-a", 7),
		REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(100, 2100, "listen", "\"fd\":3,\"ret\":0,\"backlog\":5"),
		REC(100, 2200, "accept", "\"fd\":3,\"ret\":4,\"proto\":\"tcp\","
		    "\"local\":\"10.0.0.1:80\",\"peer\":\"10.0.0.2:4000\""),
		REC(100, 2300, "socket", "\"ret\":5,\"proto\":\"tcp\""),
		REC(100, 2400, "listen", "\"fd\":5,\"ret\":0,\"backlog\":5"),
		REC(100, 2500, "accept", "\"fd\":5,\"ret\":6,\"proto\":\"tcp\","
		    "\"local\":\"127.0.0.1:81\",\"peer\":\"127.0.0.1:5000\""),
		NULL };
	const char *b[] = {
		HOSTHDR(100, "hostb", "boot-b", 7),
		REC(100, 9000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(100, 9100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\","
		    "\"local\":\"10.0.0.2:4000\",\"peer\":\"10.0.0.1:80\""),
		REC(100, 9200, "socket", "\"ret\":4,\"proto\":\"tcp\""),
		REC(100, 9300, "connect", "\"fd\":4,\"ret\":0,\"proto\":\"tcp\","
		    "\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:81\""),
		NULL };
	const char *b2[] = { HOSTHDR(200, "hostb", "boot-b", 7), NULL };
	const char *const *logs[] = { a, b, b2, NULL };
	struct world w;
	uint32_t acc, con, p, i;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nhosts, 2);
	assert_int_equal(w.m.nprocs, 3);
	assert_string_equal(str(&w, w.m.hosts[0].name), "hosta");
	assert_string_equal(str(&w, w.m.hosts[1].name), "hostb");
	assert_int_equal(w.m.hosts[0].nprocs, 1);
	assert_int_equal(w.m.hosts[1].nprocs, 2);
	for (p = 0; p < w.m.nprocs; p++)
		if (w.m.procs[p].pid == 200)
			assert_int_equal(w.m.procs[p].host, 1);
	for (i = 0; i < w.tr.nev; i++)
		assert_int_equal(w.m.procs[w.m.ev_proc[i]].host,
				 w.tr.ev[i].t < 5000 ? 0u : 1u);
	/* Across hosts by five-tuple. */
	acc = 2;
	con = find(&w, 100, "connect", 0);
	assert_int_equal(w.tr.ev[acc].call, ST_C_ACCEPT);
	assert_int_equal(w.m.ev_conn[acc], w.m.ev_conn[con]);
	/* Not by loopback addresses. */
	acc = 5;
	con = find(&w, 100, "connect", 1);
	assert_int_equal(w.tr.ev[acc].call, ST_C_ACCEPT);
	assert_int_not_equal(w.m.ev_conn[acc], w.m.ev_conn[con]);
	destroy(&w);
}

/* A connection through NAT: the client connected to a public address, the
 * server saw another peer.  Nothing is guessed: both stay one-sided, and
 * the report says so in one line. */
static void test_hosts_nat(void **state)
{
	const char *a[] = {
		HOSTHDR(100, "hosta", "boot-a", 7),
		REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(100, 2100, "listen", "\"fd\":3,\"ret\":0,\"backlog\":5"),
		REC(100, 2200, "accept", "\"fd\":3,\"ret\":4,\"proto\":\"tcp\","
		    "\"local\":\"10.0.0.1:80\",\"peer\":\"198.51.100.7:5555\""),
		NULL };
	const char *b[] = {
		HOSTHDR(200, "hostb", "boot-b", 7),
		REC(200, 1900, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(200, 2000, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\","
		    "\"local\":\"10.0.0.2:4000\",\"peer\":\"203.0.113.5:80\""),
		NULL };
	const char *const *logs[] = { a, b, NULL };
	struct world w;
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nconns, 2);
	assert_true(w.m.conns[0].proc[0] == ST_NONE || w.m.conns[0].proc[1] == ST_NONE);
	assert_true(w.m.conns[1].proc[0] == ST_NONE || w.m.conns[1].proc[1] == ST_NONE);
	f = open_memstream(&text, &n);
	assert_non_null(f);
	st_report_hosts(f, &w.m);
	fclose(f);
	if (!strstr(text, "not paired across hosts: 1 connection with the client side only, "
		    "1 with the server side only") || !strstr(text, "NAT"))
		fail_msg("%s", text);
	free(text);
	destroy(&w);
}

/*
 * Logs of a server on hosta and a client on hostb whose clock runs ahead
 * by d(t) = base + drift * t: `rounds` one-byte requests 250 ms apart,
 * each answered, 100 us one way (as seen from outside).  Lines go into
 * bufs (each 256 bytes); a and b get the NULL-ended lists.
 */
#define ROUNDS_MAX 40
static void two_host_logs(char (*bufs)[256], const char **a, const char **b, int rounds,
			  int64_t base, double drift)
{
	int64_t t0 = 1000000000000LL, t;
	int na = 0, nb = 0, nbuf = 0, k;
#define D(t) (base + (int64_t)(drift * (double)((t) - t0)))
#define LINE(list, n, ...) do { snprintf(bufs[nbuf], 256, __VA_ARGS__); \
		list[n++] = bufs[nbuf++]; } while (0)

	a[na++] = HOSTHDR(100, "hosta", "boot-a", 1);
	b[nb++] = HOSTHDR(200, "hostb", "boot-b", 1);
	LINE(a, na, REC(100, %lld, "socket", "\"ret\":3,\"proto\":\"tcp\""), (long long)t0 - 1000);
	LINE(a, na, REC(100, %lld, "listen", "\"fd\":3,\"ret\":0"), (long long)t0 - 900);
	LINE(a, na, "{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":%lld,\"dur\":100000,"
	     "\"fd\":3,\"ret\":4,\"proto\":\"tcp\",\"local\":\"10.0.0.1:80\","
	     "\"peer\":\"10.0.0.2:4000\"}", (long long)t0);
	LINE(b, nb, REC(200, %lld, "socket", "\"ret\":3,\"proto\":\"tcp\""),
	     (long long)(t0 + D(t0) - 100000));
	LINE(b, nb, REC(200, %lld, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\","
	     "\"local\":\"10.0.0.2:4000\",\"peer\":\"10.0.0.1:80\""),
	     (long long)(t0 + D(t0) - 50000));
	for (k = 0; k < rounds; k++) {
		t = t0 + 1000000 + (int64_t)k * 250000000;
		LINE(b, nb, "{\"call\":\"send\",\"pid\":200,\"tid\":200,\"t\":%lld,\"dur\":1000,"
		     "\"fd\":3,\"ret\":1,\"bytes\":1}", (long long)(t + D(t) - 50000));
		LINE(a, na, "{\"call\":\"recv\",\"pid\":100,\"tid\":100,\"t\":%lld,\"dur\":100000,"
		     "\"fd\":4,\"ret\":1,\"bytes\":1}", (long long)t);
		LINE(a, na, "{\"call\":\"send\",\"pid\":100,\"tid\":100,\"t\":%lld,\"dur\":1000,"
		     "\"fd\":4,\"ret\":1,\"bytes\":1}", (long long)(t + 200000));
		LINE(b, nb, "{\"call\":\"recv\",\"pid\":200,\"tid\":200,\"t\":%lld,\"dur\":150000,"
		     "\"fd\":3,\"ret\":1,\"bytes\":1}", (long long)(t + D(t) + 150000));
	}
	a[na] = NULL;
	b[nb] = NULL;
#undef LINE
}

/* Cross-host links that end before they began. */
static uint32_t back_in_time(const struct world *w)
{
	uint32_t i, n = 0;

	for (i = 0; i < w->m.nlinks; i++) {
		const struct st_vevent *s = &w->tr.ev[w->m.links[i].from];
		const struct st_vevent *r = &w->tr.ev[w->m.links[i].to];

		n += r->t + r->dur < s->t;
	}
	return n;
}

/* Clocks from the traffic: a constant offset is bracketed (midpoint, half
 * the bracket); a drifting one, whose bounds cross over the whole trace,
 * is fitted piecewise and, applied, leaves no arrow back in time; bounds
 * that cross however the trace is cut are a contradiction, not applied. */
static void test_clock(void **state)
{
	static char bufs[4 * ROUNDS_MAX + 16][256];
	const char *a[2 * ROUNDS_MAX + 8], *b[2 * ROUNDS_MAX + 8];
	const char *const *logs[] = { a, b, NULL };
	struct world w;
	int k;

	(void)state;
	/* hostb 3.2 s ahead, steady: bounds [d - 150 us, d + 100 us]. */
	two_host_logs(bufs, a, b, 10, 3200000000LL, 0);
	build(&w, logs);
	assert_int_equal(st_clock_estimate(&w.m), 0);
	assert_int_equal(w.m.hosts[0].clock, ST_CLOCK_REF);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	assert_int_equal(w.m.hosts[1].nknots, 1);
	assert_int_equal(w.m.hosts[1].offset, 3200000000LL - 25000);
	assert_int_equal(w.m.hosts[1].spread, 125000);
	assert_int_equal(w.m.hosts[1].npairs, 21);
	destroy(&w);

	/* Drifting 0.2 ms a second over 10 s: 2 ms in all. */
	two_host_logs(bufs, a, b, ROUNDS_MAX, 5000000, 0.0002);
	build(&w, logs);
	assert_int_equal(st_clock_estimate(&w.m), 0);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	assert_true(w.m.hosts[1].nknots > 1);
	for (k = 0; k < ROUNDS_MAX; k++) {
		int64_t t = 1000000000000LL + 1000000 + (int64_t)k * 250000000;
		int64_t truth = 5000000 + (int64_t)(0.0002 * (double)(t - 1000000000000LL));
		int64_t est = st_clock_offset_at(&w.m.hosts[1], t + truth);

		if (est - truth > 250000 || truth - est > 250000)
			fail_msg("round %d: estimate %lld, truth %lld", k, (long long)est,
				 (long long)truth);
	}
	st_model_free(&w.m);
	assert_int_equal(st_model_build_clocked(&w.m, &w.tr, true), 0);
	assert_true(w.m.clock_fixed);
	assert_int_equal(back_in_time(&w), 0);
	destroy(&w);

	/* Two rounds, the second 1 ms later on hostb's clock than the first
	 * allows: cut in two, each piece has bounds one way only. */
	two_host_logs(bufs, a, b, 1, 0, 0);
	build(&w, logs);
	assert_int_equal(st_clock_estimate(&w.m), 0);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_FIXED);
	destroy(&w);
	two_host_logs(bufs, a, b, 2, 0, 0.004);
	build(&w, logs);
	assert_int_equal(st_clock_estimate(&w.m), 0);
	assert_int_equal(w.m.hosts[1].clock, ST_CLOCK_CONTRADICT);
	st_model_free(&w.m);
	assert_int_equal(st_model_build_clocked(&w.m, &w.tr, true), 0);
	assert_false(w.m.clock_fixed);
	destroy(&w);
}

/* Two AF_UNIX clients of one listener are paired in order. */
static void test_unix_order(void **state)
{
	const char *server[] = { HDR(100),
		REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"unix-stream\""),
		"{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":2100,\"dur\":3000,\"fd\":3,\"ret\":4,\"proto\":\"unix-stream\",\"local\":\"/s\",\"peer\":\"\"}",
		"{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":5200,\"dur\":3000,\"fd\":3,\"ret\":5,\"proto\":\"unix-stream\",\"local\":\"/s\",\"peer\":\"\"}",
		NULL };
	const char *c1[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"unix-stream\""),
		REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"unix-stream\",\"local\":\"\",\"peer\":\"/s\",\"addr\":\"/s\""),
		NULL };
	const char *c2[] = { HDR(102),
		REC(102, 6000, "socket", "\"ret\":3,\"proto\":\"unix-stream\""),
		REC(102, 6100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"unix-stream\",\"local\":\"\",\"peer\":\"/s\",\"addr\":\"/s\""),
		NULL };
	const char *const *logs[] = { server, c2, c1, NULL };
	struct world w;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.ev_conn[find(&w, 100, "accept", 0)],
			 w.m.ev_conn[find(&w, 101, "connect", 0)]);
	assert_int_equal(w.m.ev_conn[find(&w, 100, "accept", 1)],
			 w.m.ev_conn[find(&w, 102, "connect", 0)]);
	destroy(&w);
}

/* fd 3 closed and reused: two sockets, two connections. */
static void test_fd_reuse(void **state)
{
	const char *client[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\""),
		REC(101, 3200, "close", "\"fd\":3,\"ret\":0"),
		REC(101, 4000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(101, 4100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5001\",\"peer\":\"127.0.0.1:80\""),
		REC(101, 4200, "send", "\"fd\":3,\"ret\":3,\"bytes\":3,\"data\":\"abc\""),
		NULL };
	const char *const *logs[] = { client, NULL };
	struct world w;
	uint32_t c1, c2, s1, s2;

	(void)state;
	build(&w, logs);
	c1 = find(&w, 101, "connect", 0);
	c2 = find(&w, 101, "connect", 1);
	s1 = w.m.ev_sock[c1];
	s2 = w.m.ev_sock[c2];
	assert_int_not_equal(s1, s2);
	assert_int_equal(w.m.socks[s1].closed, find(&w, 101, "close", 0));
	assert_int_equal(w.m.socks[s2].closed, ST_NONE);
	assert_int_not_equal(w.m.ev_conn[c1], w.m.ev_conn[c2]);
	assert_int_equal(w.m.ev_sock[find(&w, 101, "send", 0)], s2);
	/* The server was not traced: still a row, with its address. */
	assert_int_equal(conn_of(&w, c2)->proc[1], ST_NONE);
	assert_string_equal(str(&w, conn_of(&w, c2)->addr[1]), "127.0.0.1:80");
	assert_int_equal(conn_of(&w, c1)->end, ST_END_CLOSED);
	/* Never closed, but its process's log is whole: its exit closed it. */
	assert_int_equal(conn_of(&w, c2)->end, ST_END_EXIT);
	assert_int_equal(w.m.socks[s2].fate, ST_FATE_EXIT);
	assert_int_equal(conn_of(&w, c2)->sent[0], 3);
	destroy(&w);
}

/*
 * Sockets never closed: a socketpair shared with a forked child is closed
 * by the exits of both (its end is the later exit); one held by a process
 * whose log is cut short is not known (log ends), even though the other
 * holder exited; one held across an exec into an image that left no log
 * stays open, and so does one opened before tracing.
 */
static void test_exit_ends(void **state)
{
	const char *parent[] = { HDR(200),
		REC(200, 2000, "socketpair", "\"fd\":3,\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\""),
		REC(200, 2100, "fork", "\"ret\":201,\"child\":201"),
		REC(200, 2200, "send", "\"fd\":3,\"ret\":2,\"bytes\":2,\"data\":\"hi\""),
		NULL };
	const char *child[] = { FORKHDR(201, 200),
		REC(201, 2300, "recv", "\"fd\":4,\"ret\":2,\"bytes\":2,\"data\":\"hi\""),
		REC(201, 9000, "send", "\"fd\":4,\"ret\":2,\"bytes\":2,\"data\":\"ho\""),
		NULL };
	/* 300 holds a socketpair and forks 301, whose last line is cut. */
	const char *p300[] = { HDR(300),
		REC(300, 3000, "socketpair", "\"fd\":3,\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\""),
		REC(300, 3100, "fork", "\"ret\":301,\"child\":301"),
		NULL };
	const char *p301[] = { FORKHDR(301, 300),
		REC(301, 3200, "send", "\"fd\":3,\"ret\":1,\"bytes\":1,\"data\":\"x\""),
		"{\"call\":\"send\",\"pid\":301,\"t",
		NULL };
	/* 400 execs with its socketpair open; the new image left no log. */
	const char *p400[] = { HDR(400),
		REC(400, 4000, "socketpair", "\"fd\":3,\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\""),
		"{\"call\":\"execve\",\"pid\":400,\"tid\":400,\"t\":4100,\"dur\":0,\"ret\":0,"
		"\"path\":\"/bin/sleep\",\"argv\":[\"sleep\"]}",
		NULL };
	/* 500 writes on a socket it got before tracing (from an untraced
	 * parent, which may still hold it): not closed by 500's exit. */
	const char *p500[] = { HDR(500),
		REC(500, 5000, "send", "\"fd\":7,\"ret\":1,\"bytes\":1,\"data\":\"o\",\"proto\":\"tcp\""),
		NULL };
	const char *const *logs[] = { parent, child, p300, p301, p400, p500, NULL };
	struct world w;
	const struct st_conn *k;
	uint32_t p;

	(void)state;
	build_cut(&w, logs, 3);
	k = conn_of(&w, find(&w, 200, "socketpair", 0));
	assert_int_equal(k->end, ST_END_EXIT);
	assert_int_equal(w.m.socks[k->sock[0]].fate, ST_FATE_EXIT);
	/* the later exit: the child's last call ended at 9010 */
	assert_int_equal(k->t_end, w.tr.ev[find(&w, 201, "send", 0)].t + 10);
	p = w.m.ev_proc[find(&w, 201, "send", 0)];
	assert_int_equal(w.m.procs[p].end, ST_PE_EXITED);

	k = conn_of(&w, find(&w, 300, "socketpair", 0));
	assert_int_equal(k->end, ST_END_UNKNOWN);
	p = w.m.ev_proc[find(&w, 301, "send", 0)];
	assert_int_equal(w.m.procs[p].end, ST_PE_CUT);
	assert_int_equal(w.m.socks[k->sock[0]].gone_proc, p);
	{
		char why[96];

		assert_non_null(st_proc_end_why(&w.m, p, why, sizeof(why)));
		assert_string_equal(why, "its last record is cut short");
		assert_null(st_proc_end_why(&w.m, w.m.ev_proc[find(&w, 300, "fork", 0)], why,
					    sizeof(why)));
	}

	k = conn_of(&w, find(&w, 400, "socketpair", 0));
	assert_int_equal(k->end, ST_END_OPEN);
	assert_int_equal(w.m.procs[w.m.ev_proc[find(&w, 400, "execve", 0)]].end, ST_PE_EXECD);
	assert_int_equal(w.m.socks[w.m.ev_sock[find(&w, 500, "send", 0)]].fate, ST_FATE_OPEN);
	destroy(&w);
}

/* dup2 and fcntl(F_DUPFD) name the same socket; it closes with its last fd. */
static void test_dup(void **state)
{
	const char *client[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\""),
		REC(101, 3200, "dup2", "\"fd\":3,\"ret\":7"),
		REC(101, 3300, "fcntl", "\"fd\":7,\"ret\":9,\"cmd\":\"F_DUPFD_CLOEXEC\""),
		REC(101, 3400, "send", "\"fd\":9,\"ret\":2,\"bytes\":2,\"data\":\"hi\""),
		REC(101, 3500, "close", "\"fd\":3,\"ret\":0"),
		REC(101, 3600, "close", "\"fd\":7,\"ret\":0"),
		REC(101, 3700, "close", "\"fd\":9,\"ret\":0"),
		NULL };
	const char *const *logs[] = { client, NULL };
	struct world w;
	uint32_t s;

	(void)state;
	build(&w, logs);
	s = w.m.ev_sock[find(&w, 101, "connect", 0)];
	assert_int_equal(w.m.ev_sock[find(&w, 101, "send", 0)], s);
	assert_int_equal(w.m.socks[s].closed, find(&w, 101, "close", 2));
	assert_int_equal(conn_of(&w, find(&w, 101, "send", 0))->sent[0], 2);
	destroy(&w);
}

/* A fork child inherits the parent's socket: the same object. */
static void test_fork(void **state)
{
	const char *parent[] = { HDR(200),
		REC(200, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(200, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\""),
		REC(200, 3200, "fork", "\"ret\":201,\"child\":201"),
		REC(200, 3300, "close", "\"fd\":3,\"ret\":0"),
		NULL };
	const char *child[] = { FORKHDR(201, 200),
		REC(201, 3400, "send", "\"fd\":3,\"ret\":4,\"bytes\":4,\"data\":\"kid!\""),
		REC(201, 3500, "close", "\"fd\":3,\"ret\":0"),
		NULL };
	const char *const *logs[] = { child, parent, NULL };
	struct world w;
	uint32_t s, p;

	(void)state;
	build(&w, logs);
	s = w.m.ev_sock[find(&w, 200, "connect", 0)];
	assert_int_equal(w.m.ev_sock[find(&w, 201, "send", 0)], s);
	/* Closed by the child's close, the last of the two fds. */
	assert_int_equal(w.m.socks[s].closed, find(&w, 201, "close", 0));
	p = w.m.ev_proc[find(&w, 201, "send", 0)];
	assert_int_equal(w.m.procs[w.m.procs[p].parent].pid, 200);
	assert_int_equal(conn_of(&w, find(&w, 201, "send", 0))->sent[0], 4);
	destroy(&w);
}

#define SERVER_ACCEPT \
	HDR(100), \
	REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""), \
	"{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":2100,\"dur\":2000,\"fd\":3,\"ret\":4,\"proto\":\"tcp\",\"local\":\"127.0.0.1:80\",\"peer\":\"127.0.0.1:5000\"}"
#define CLIENT_CONNECT \
	HDR(101), \
	REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""), \
	REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:80\"")

/* One 100-byte send read by two 50-byte recvs: two links, offsets 0 and 50;
 * a MSG_PEEK before them takes nothing. */
static void test_split_and_peek(void **state)
{
	const char *server[] = { SERVER_ACCEPT,
		REC(100, 5000, "recv", "\"fd\":4,\"ret\":10,\"bytes\":10,\"flags\":\"MSG_PEEK\""),
		REC(100, 5100, "recv", "\"fd\":4,\"ret\":50,\"bytes\":50"),
		REC(100, 5200, "recv", "\"fd\":4,\"ret\":50,\"bytes\":50"),
		REC(100, 5300, "recv", "\"fd\":4,\"ret\":7,\"bytes\":7"),
		NULL };
	const char *client[] = { CLIENT_CONNECT,
		REC(101, 4000, "send", "\"fd\":3,\"ret\":100,\"bytes\":100"),
		REC(101, 4100, "send", "\"fd\":3,\"ret\":3,\"bytes\":3"),
		REC(101, 4200, "send", "\"fd\":3,\"ret\":4,\"bytes\":4"),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	struct world w;
	const struct st_link *l = NULL;
	uint32_t send0;

	(void)state;
	build(&w, logs);
	send0 = find(&w, 101, "send", 0);
	assert_int_equal(links_to(&w, find(&w, 100, "recv", 0), ST_L_PEEK, &l), 1);
	assert_int_equal(l->from, send0);
	assert_int_equal(l->off, 0);
	assert_int_equal(l->len, 10);
	assert_int_equal(links_to(&w, find(&w, 100, "recv", 1), ST_L_DATA, &l), 1);
	assert_int_equal(l->from, send0);
	assert_int_equal(l->off, 0);
	assert_int_equal(l->len, 50);
	assert_int_equal(links_to(&w, find(&w, 100, "recv", 2), ST_L_DATA, &l), 1);
	assert_int_equal(l->from, send0);
	assert_int_equal(l->off, 50);
	assert_int_equal(l->len, 50);
	/* One recv of two sends: two links. */
	assert_int_equal(links_to(&w, find(&w, 100, "recv", 3), ST_L_DATA, &l), 2);
	assert_int_equal(l->from, find(&w, 101, "send", 1));
	assert_int_equal(l->off, 100);
	assert_int_equal(l->len, 3);
	assert_int_equal(l[1].from, find(&w, 101, "send", 2));
	assert_int_equal(l[1].len, 4);
	assert_int_equal(conn_of(&w, send0)->sent[0], 107);
	assert_int_equal(conn_of(&w, send0)->rcvd[0], 107);
	destroy(&w);
}

/* recv = 0 links to the peer's shutdown(SHUT_WR); a reset is shown. */
static void test_eof_and_reset(void **state)
{
	const char *server[] = { SERVER_ACCEPT,
		REC(100, 5000, "recv", "\"fd\":4,\"ret\":0,\"bytes\":0"),
		REC(100, 7000, "send", "\"fd\":4,\"ret\":-1,\"errno\":\"EPIPE\""),
		NULL };
	const char *client[] = { CLIENT_CONNECT,
		REC(101, 4000, "shutdown", "\"fd\":3,\"ret\":0,\"how\":\"SHUT_WR\""),
		REC(101, 6000, "close", "\"fd\":3,\"ret\":0"),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	struct world w;
	const struct st_link *l = NULL;

	(void)state;
	build(&w, logs);
	assert_int_equal(links_to(&w, find(&w, 100, "recv", 0), ST_L_EOF, &l), 1);
	assert_int_equal(l->from, find(&w, 101, "shutdown", 0));
	assert_int_equal(links_to(&w, find(&w, 100, "send", 0), ST_L_RESET, &l), 1);
	assert_int_equal(l->from, find(&w, 101, "close", 0));
	assert_int_equal(conn_of(&w, find(&w, 100, "send", 0))->end, ST_END_RESET);
	destroy(&w);
}

/* Refused and failed connects are attempts; EINPROGRESS then a refusal
 * (by a second connect or by getsockopt SO_ERROR) too. */
static void test_refused(void **state)
{
	const char *client[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(101, 3100, "connect", "\"fd\":3,\"ret\":-1,\"errno\":\"ECONNREFUSED\",\"proto\":\"tcp\",\"addr\":\"127.0.0.1:9\""),
		REC(101, 4000, "socket", "\"ret\":4,\"proto\":\"tcp\""),
		REC(101, 4100, "connect", "\"fd\":4,\"ret\":-1,\"errno\":\"EINPROGRESS\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:6000\",\"addr\":\"127.0.0.1:9\""),
		REC(101, 4200, "connect", "\"fd\":4,\"ret\":-1,\"errno\":\"ECONNREFUSED\",\"proto\":\"tcp\",\"addr\":\"127.0.0.1:9\""),
		REC(101, 5000, "socket", "\"ret\":5,\"proto\":\"tcp\""),
		REC(101, 5100, "connect", "\"fd\":5,\"ret\":-1,\"errno\":\"ETIMEDOUT\",\"proto\":\"tcp\",\"addr\":\"127.0.0.1:10\""),
		REC(101, 6000, "socket", "\"ret\":6,\"proto\":\"tcp\""),
		REC(101, 6100, "connect", "\"fd\":6,\"ret\":-1,\"errno\":\"EINPROGRESS\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:6001\",\"addr\":\"127.0.0.1:11\""),
		REC(101, 6200, "getsockopt", "\"fd\":6,\"ret\":0,\"level\":\"SOL_SOCKET\",\"opt\":\"SO_ERROR\",\"val\":111,\"so_error\":\"ECONNREFUSED\""),
		NULL };
	const char *const *logs[] = { client, NULL };
	struct world w;
	const struct st_conn *c;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nconns, 4);
	c = conn_of(&w, find(&w, 101, "connect", 0));
	assert_int_equal(c->end, ST_END_REFUSED);
	assert_int_equal(c->proc[1], ST_NONE);
	assert_string_equal(str(&w, c->addr[1]), "127.0.0.1:9");
	assert_int_equal(conn_of(&w, find(&w, 101, "connect", 1))->end, ST_END_REFUSED);
	c = conn_of(&w, find(&w, 101, "connect", 3));
	assert_int_equal(c->end, ST_END_FAILED);
	assert_string_equal(str(&w, c->err), "ETIMEDOUT");
	/* A non-blocking connect refused, as getsockopt(SO_ERROR) says. */
	c = conn_of(&w, find(&w, 101, "connect", 4));
	assert_int_equal(c->end, ST_END_REFUSED);
	destroy(&w);
}

/* UDP: each datagram to its recvfrom, by addresses (a wildcard bind fits
 * any host), size and payload; the two sockets form one connection. */
static void test_udp(void **state)
{
	const char *server[] = { HDR(100),
		REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"udp\""),
		REC(100, 2100, "bind", "\"fd\":3,\"ret\":0,\"proto\":\"udp\",\"local\":\"0.0.0.0:9000\",\"addr\":\"0.0.0.0:9000\""),
		REC(100, 5000, "recvfrom", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"pong\""),
		REC(100, 5100, "recvfrom", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"ping\""),
		REC(100, 6000, "sendto", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:9000\",\"peer\":\"127.0.0.1:40000\",\"addr\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"PING\""),
		NULL };
	const char *client[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"udp\""),
		REC(101, 4000, "sendto", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:40000\",\"peer\":\"127.0.0.1:9000\",\"addr\":\"127.0.0.1:9000\",\"bytes\":4,\"data\":\"ping\""),
		REC(101, 4100, "sendto", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:40000\",\"peer\":\"127.0.0.1:9000\",\"addr\":\"127.0.0.1:9000\",\"bytes\":4,\"data\":\"pong\""),
		REC(101, 6500, "recvfrom", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:40000\",\"peer\":\"127.0.0.1:9000\",\"bytes\":4,\"data\":\"PING\""),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	struct world w;
	const struct st_link *l = NULL;
	const struct st_conn *c;

	(void)state;
	build(&w, logs);
	/* Delivered out of order: matched by payload. */
	assert_int_equal(links_to(&w, find(&w, 100, "recvfrom", 0), ST_L_DGRAM, &l), 1);
	assert_int_equal(l->from, find(&w, 101, "sendto", 1));
	assert_int_equal(links_to(&w, find(&w, 100, "recvfrom", 1), ST_L_DGRAM, &l), 1);
	assert_int_equal(l->from, find(&w, 101, "sendto", 0));
	assert_int_equal(links_to(&w, find(&w, 101, "recvfrom", 0), ST_L_DGRAM, &l), 1);
	assert_int_equal(l->from, find(&w, 100, "sendto", 0));
	assert_int_equal(w.m.nconns, 1);
	c = &w.m.conns[0];
	assert_int_equal(w.m.procs[c->proc[0]].pid, 101);
	assert_int_equal(w.m.procs[c->proc[1]].pid, 100);
	assert_int_equal(c->sent[0], 8);
	assert_int_equal(c->sent[1], 4);
	destroy(&w);
}

/* A receive with MSG_PEEK leaves the datagram queued (socat peeks with
 * recvmsg(MSG_PEEK|MSG_TRUNC) to size its buffer): two peeks then the
 * receive that takes it make one datagram, not phantom connections. */
static void test_udp_peek(void **state)
{
	const char *server[] = { HDR(100),
		REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"udp\""),
		REC(100, 2100, "bind", "\"fd\":3,\"ret\":0,\"proto\":\"udp\",\"local\":\"127.0.0.1:9000\",\"addr\":\"127.0.0.1:9000\""),
		REC(100, 5000, "recvmsg", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"127.0.0.1:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"ping\",\"flags\":\"MSG_PEEK|MSG_TRUNC\""),
		REC(100, 5100, "recvmsg", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"127.0.0.1:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"ping\",\"flags\":\"MSG_PEEK\""),
		REC(100, 5200, "recvmsg", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"127.0.0.1:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":4,\"data\":\"ping\""),
		REC(100, 6000, "sendmsg", "\"fd\":3,\"ret\":5,\"proto\":\"udp\",\"local\":\"127.0.0.1:9000\",\"peer\":\"127.0.0.1:40000\",\"bytes\":5,\"data\":\"PONG!\""),
		NULL };
	const char *client[] = { HDR(101),
		REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"udp\""),
		REC(101, 4000, "sendto", "\"fd\":3,\"ret\":4,\"proto\":\"udp\",\"local\":\"0.0.0.0:40000\",\"peer\":\"127.0.0.1:9000\",\"addr\":\"127.0.0.1:9000\",\"bytes\":4,\"data\":\"ping\""),
		REC(101, 6500, "recvfrom", "\"fd\":3,\"ret\":5,\"proto\":\"udp\",\"local\":\"0.0.0.0:40000\",\"peer\":\"127.0.0.1:9000\",\"bytes\":5,\"data\":\"PONG!\""),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	struct world w;
	const struct st_link *l = NULL;
	const struct st_conn *c;
	uint32_t i;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nconns, 1);
	for (i = 0; i < w.m.nconns; i++) {
		assert_int_not_equal(w.m.conns[i].proc[0], ST_NONE);
		assert_int_not_equal(w.m.conns[i].sock[0], ST_NONE);
	}
	c = &w.m.conns[0];
	assert_int_equal(w.m.procs[c->proc[0]].pid, 101);
	assert_int_equal(w.m.procs[c->proc[1]].pid, 100);
	assert_int_equal(c->sent[0], 4);
	assert_int_equal(c->rcvd[0], 4);
	assert_int_equal(c->sent[1], 5);
	assert_int_equal(c->rcvd[1], 5);
	/* The peeks end no datagram; the receive that took it does. */
	assert_int_equal(links_to(&w, find(&w, 100, "recvmsg", 0), ST_L_DGRAM, NULL), 0);
	assert_int_equal(links_to(&w, find(&w, 100, "recvmsg", 1), ST_L_DGRAM, NULL), 0);
	assert_int_equal(links_to(&w, find(&w, 100, "recvmsg", 2), ST_L_DGRAM, &l), 1);
	assert_int_equal(l->from, find(&w, 101, "sendto", 0));
	assert_int_equal(links_to(&w, find(&w, 101, "recvfrom", 0), ST_L_DGRAM, &l), 1);
	assert_int_equal(l->from, find(&w, 100, "sendmsg", 0));
	destroy(&w);
}

/* socketpair: both ends are a connection, with data between them. */
static void test_socketpair(void **state)
{
	const char *proc[] = { HDR(100),
		REC(100, 2000, "socketpair", "\"fd\":3,\"fd2\":4,\"ret\":0,\"proto\":\"unix-stream\""),
		REC(100, 2100, "write", "\"fd\":3,\"ret\":5,\"bytes\":5,\"data\":\"hello\""),
		REC(100, 2200, "read", "\"fd\":4,\"ret\":5,\"bytes\":5,\"data\":\"hello\""),
		REC(100, 2300, "close", "\"fd\":3,\"ret\":0"),
		REC(100, 2400, "read", "\"fd\":4,\"ret\":0,\"bytes\":0"),
		NULL };
	const char *const *logs[] = { proc, NULL };
	struct world w;
	const struct st_link *l = NULL;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nconns, 1);
	assert_int_equal(links_to(&w, find(&w, 100, "read", 0), ST_L_DATA, &l), 1);
	assert_int_equal(l->from, find(&w, 100, "write", 0));
	assert_int_equal(links_to(&w, find(&w, 100, "read", 1), ST_L_EOF, &l), 1);
	assert_int_equal(l->from, find(&w, 100, "close", 0));
	destroy(&w);
}

/* An execd image continues its process; the name is the new program. */
static void test_exec(void **state)
{
	const char *first[] = { HDR(300),
		REC(300, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
		REC(300, 2100, "execve", "\"ret\":0,\"path\":\"/bin/next\""),
		NULL };
	const char *second[] = {
		"{\"socktrace\":1,\"type\":\"header\",\"pid\":300,\"ppid\":1,\"t\":2200,\"exe\":\"/bin/next\",\"argv\":[\"/usr/bin/next\"],\"execd\":true,\"payload\":64}",
		REC(300, 2300, "send", "\"fd\":3,\"ret\":1,\"bytes\":1"),
		NULL };
	const char *const *logs[] = { first, second, NULL };
	struct world w;
	uint32_t p;

	(void)state;
	build(&w, logs);
	assert_int_equal(w.m.nprocs, 1);
	p = w.m.ev_proc[find(&w, 300, "send", 0)];
	assert_string_equal(str(&w, w.m.procs[p].name), "next");
	assert_int_equal(w.m.ev_sock[find(&w, 300, "send", 0)],
			 w.m.ev_sock[find(&w, 300, "socket", 0)]);
	destroy(&w);
}

/* A program that sets its title (setproctitle: nginx's workers, sshd,
 * postgres) is named by the title's first word, not by the last path in
 * its text; a path with a space in it is still named by its last part. */
static void test_title(void **state)
{
	static const struct {
		const char *argv0, *name;
	} cases[] = {
		{ "nginx: worker process", "nginx" },
		{ "nginx: master process /usr/sbin/nginx -e /var/log/error.log", "nginx" },
		{ "redis-server 127.0.0.1:6379", "redis-server" },
		{ "/opt/my app/bin/srv", "srv" },
		{ "/usr/bin/curl", "curl" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char hdr[512];
		const char *one[] = { hdr, REC(400, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""),
				      NULL };
		const char *const *logs[] = { one, NULL };
		struct world w;

		snprintf(hdr, sizeof(hdr),
			 "{\"socktrace\":1,\"type\":\"header\",\"pid\":400,\"ppid\":1,\"t\":1000,"
			 "\"exe\":\"/usr/sbin/x\",\"argv\":[\"%s\"],\"execd\":false,\"payload\":64}",
			 cases[i].argv0);
		build(&w, logs);
		assert_int_equal(w.m.nprocs, 1);
		assert_string_equal(str(&w, w.m.procs[0].name), cases[i].name);
		destroy(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_hosts_nat),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_unix_order),
		cmocka_unit_test(test_fd_reuse),
		cmocka_unit_test(test_exit_ends),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_split_and_peek),
		cmocka_unit_test(test_eof_and_reset),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_peek),
		cmocka_unit_test(test_socketpair),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_title),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
