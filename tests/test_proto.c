/*
 * test_proto.c: the protocol readers of viewer/proto, fed byte streams
 * here: every message whole, split into sends at every byte, several in
 * one send (pipelined), bodies measured by Content-Length and by chunks,
 * bytes that were not kept (in a body: still in step; in a head: out of
 * step until a send starts a message), and input that is not the
 * protocol.  Each case lists what the reader must say, as `offset text`
 * lines.  The TLS hellos are built here field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

struct said {
	char text[8192];
	size_t n;
};

static void collect(void *ctx, uint64_t off, const char *text, size_t n)
{
	struct said *s = ctx;
	int k = snprintf(s->text + s->n, sizeof(s->text) - s->n, "%llu %.*s\n",
			 (unsigned long long)off, (int)n, text);

	assert_true(k > 0 && (size_t)k < sizeof(s->text) - s->n);
	s->n += (size_t)k;
}

/* Feeds p[0..n) as sends cut at the given lengths (0-terminated; the rest
 * as one last send), each keeping `keep` bytes at most (0: all). */
static void feed(struct said *s, enum st_app app, int side, const void *p, size_t n,
		 const size_t *cuts, size_t keep)
{
	struct st_proto_dir *d = malloc(sizeof(*d));
	size_t off = 0, k;
	int i;

	assert_non_null(d);
	s->n = 0;
	s->text[0] = '\0';
	st_proto_start(d, app, side, collect, s);
	for (i = 0; off < n; i++) {
		k = cuts && cuts[i] ? cuts[i] : n - off;
		if (k > n - off)
			k = n - off;
		/* A copy of exactly the kept bytes, so ASan sees a read
		 * past them. */
		{
			size_t kept = keep && keep < k ? keep : k;
			unsigned char *c = malloc(kept ? kept : 1);

			memcpy(c, (const unsigned char *)p + off, kept);
			st_proto_feed(d, off, c, kept, k);
			free(c);
		}
		off += k;
	}
	st_proto_finish(d);
	free(d);
}

/* The same, one byte per send. */
static void feed_bytes(struct said *s, enum st_app app, int side, const void *p, size_t n)
{
	size_t *cuts = calloc(n + 1, sizeof(*cuts)), i;

	for (i = 0; i < n; i++)
		cuts[i] = 1;
	feed(s, app, side, p, n, cuts, 0);
	free(cuts);
}

#define S(lit) lit, sizeof(lit) - 1

/* Fed as one send and one byte per send, the reader says want. */
static void check_both(enum st_app app, int side, const void *p, size_t n, const char *want)
{
	struct said s;

	feed(&s, app, side, p, n, NULL, 0);
	assert_string_equal(s.text, want);
	feed_bytes(&s, app, side, p, n);
	assert_string_equal(s.text, want);
}

static void test_http(void **state)
{
	static const char req[] =
		"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		"GET /b HTTP/1.1\r\n\r\n";
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n"
		"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5\r\nhello\r\n1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"
		"HTTP/1.0 200 OK\r\n\r\nto the end";
	const char *want_req = "0 GET /index.html HTTP/1.1\n37 POST /form HTTP/1.1 (5 B)\n"
			       "84 GET /b HTTP/1.1\n";
	const char *want_resp = "0 200 OK (12 B)\n51 404 Not Found (chunked)\n"
				"156 304 Not Modified\n206 HTTP/1.0 200 OK\n";

	(void)state;
	check_both(ST_APP_HTTP, 0, S(req), want_req);
	check_both(ST_APP_HTTP, 1, S(resp), want_resp);
}

static void test_http_not_kept(void **state)
{
	/* Two responses of two sends each (head, body); only 20 bytes of
	 * each send kept: the bodies are skipped by length, in step. */
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"
		"012345678901234567890123456789"
		"HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc";
	static const size_t cuts[] = { 39, 30, 0 };
	struct said s;

	(void)state;
	feed(&s, ST_APP_HTTP, 1, S(resp), cuts, 0);
	assert_string_equal(s.text, "0 200 OK (30 B)\n69 201 Created (3 B)\n");
	/* Heads cut: each said as far as it goes; the next send starts a
	 * message again. */
	feed(&s, ST_APP_HTTP, 1, S(resp), cuts, 20);
	assert_string_equal(s.text, "0 200 OK (rest not kept)\n69 201 Created (rest not kept)\n");
}

static void test_http_bad(void **state)
{
	struct said s;

	(void)state;
	feed(&s, ST_APP_HTTP, 0, S("\x16\x03\x01garbage\r\n"), NULL, 0);
	assert_string_equal(s.text, "0 ? not HTTP: \\x16\\x03\\x01garbage\\x0d\\x0a\n");
	feed(&s, ST_APP_HTTP, 1, S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
	     NULL, 0);
	assert_string_equal(s.text, "0 200 OK (chunked)\n47 ? bad chunk size\n");
	assert_true(st_http_starts((const unsigned char *)"GET / HTTP/1.1", 14));
	assert_false(st_http_starts((const unsigned char *)"GETX / HTTP/1.1", 15));
}

static void test_redis(void **state)
{
	static const char cmd[] =
		"*3\r\n$3\r\nset\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n"
		"*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n"
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40\r\n0123456789012345678901234567890123456789\r\n";
	static const char rep[] = "+OK\r\n$5\r\nhello\r\n-ERR wrong\r\n:42\r\n$-1\r\n*2\r\n:1\r\n$1\r\na\r\n";
	const char *want_cmd = "0 SET greeting hello\n38 GET greeting\n65 SET k 012345678901234567890123...(40 B)\n";
	const char *want_rep = "0 +OK\n5 $5 \"hello\"\n16 -ERR wrong\n28 :42\n33 nil\n38 *2 [:1 $1 \"a\"]\n";

	(void)state;
	check_both(ST_APP_REDIS, 0, S(cmd), want_cmd);
	check_both(ST_APP_REDIS, 1, S(rep), want_rep);
}

static void test_redis_long(void **state)
{
	/* A 10000-byte last argument, of which 64 bytes were kept: said
	 * with its length, skipped, and the next command is read. */
	char *buf = malloc(20100);
	size_t n = 0, cuts[3];
	struct said s;

	(void)state;
	n += (size_t)sprintf(buf, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$10000\r\n");
	memset(buf + n, 'x', 10000);
	n += 10000;
	memcpy(buf + n, "\r\n", 2);
	n += 2;
	cuts[0] = n;
	n += (size_t)sprintf(buf + n, "*1\r\n$4\r\nPING\r\n");
	cuts[1] = n - cuts[0];
	cuts[2] = 0;
	feed(&s, ST_APP_REDIS, 0, buf, n, cuts, 64);
	assert_string_equal(s.text, "0 SET big xxxxxxxxxxxxxxxxxxxxxxxx...(10000 B)\n10032 PING\n");
	/* All kept: longer than the buffer, read as far as it goes. */
	feed(&s, ST_APP_REDIS, 0, buf, n, cuts, 0);
	assert_string_equal(s.text, "0 SET big xxxxxxxxxxxxxxxxxxxxxxxx...(10000 B)\n10032 PING\n");
	free(buf);
}

/* A TLS record of a handshake message of type t with body b. */
static size_t record(unsigned char *out, unsigned t, const unsigned char *b, size_t n)
{
	out[0] = 22, out[1] = 3, out[2] = 1;
	out[3] = (unsigned char)((n + 4) >> 8), out[4] = (unsigned char)(n + 4);
	out[5] = (unsigned char)t;
	out[6] = 0, out[7] = (unsigned char)(n >> 8), out[8] = (unsigned char)n;
	memcpy(out + 9, b, n);
	return n + 9;
}

static size_t put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8), p[1] = (unsigned char)v;
	return 2;
}

static size_t client_hello(unsigned char *b, const char *sni)
{
	size_t n = 0, ext, e;

	n += put16(b + n, 0x0303);
	memset(b + n, 0xaa, 32), n += 32;
	b[n++] = 0;				/* session id */
	n += put16(b + n, 4);
	n += put16(b + n, 0x1301), n += put16(b + n, 0x1302);
	b[n++] = 1, b[n++] = 0;			/* compression */
	ext = n, n += 2;
	/* server_name */
	n += put16(b + n, 0);
	n += put16(b + n, (unsigned)strlen(sni) + 5);
	n += put16(b + n, (unsigned)strlen(sni) + 3);
	b[n++] = 0;
	n += put16(b + n, (unsigned)strlen(sni));
	memcpy(b + n, sni, strlen(sni)), n += strlen(sni);
	/* ALPN h2, http/1.1 */
	n += put16(b + n, 16);
	n += put16(b + n, 14);
	n += put16(b + n, 12);
	b[n++] = 2, memcpy(b + n, "h2", 2), n += 2;
	b[n++] = 8, memcpy(b + n, "http/1.1", 8), n += 8;
	/* supported_versions: GREASE, 1.3, 1.2 */
	n += put16(b + n, 43);
	n += put16(b + n, 7);
	b[n++] = 6;
	n += put16(b + n, 0x1a1a), n += put16(b + n, 0x0304), n += put16(b + n, 0x0303);
	e = n - ext - 2;
	put16(b + ext, (unsigned)e);
	return n;
}

static size_t server_hello(unsigned char *b, bool hrr)
{
	static const unsigned char hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e,
		0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e,
		0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	};
	size_t n = 0;

	n += put16(b + n, 0x0303);
	if (hrr)
		memcpy(b + n, hrr_random, 32);
	else
		memset(b + n, 0x55, 32);
	n += 32;
	b[n++] = 0;
	n += put16(b + n, 0x1302);
	b[n++] = 0;
	n += put16(b + n, hrr ? 12 : 6);
	n += put16(b + n, 43), n += put16(b + n, 2), n += put16(b + n, 0x0304);
	if (hrr)
		n += put16(b + n, 51), n += put16(b + n, 2), n += put16(b + n, 0x001d);
	return n;
}

static void test_tls(void **state)
{
	unsigned char c[1024], s2c[1024], body[512];
	size_t nc = 0, ns = 0, k;
	struct said s;
	struct st_proto_dir *d;
	char want[512];

	(void)state;
	k = client_hello(body, "api.example.com");
	nc += record(c + nc, 1, body, k);
	memcpy(c + nc, "\x14\x03\x03\x00\x01\x01", 6), nc += 6;
	memcpy(c + nc, "\x17\x03\x03\x00\x05hello", 10), nc += 10;
	memcpy(c + nc, "\x15\x03\x03\x00\x02\x02\x28", 7), nc += 7;
	snprintf(want, sizeof(want),
		 "0 ClientHello sni=api.example.com alpn=h2,http/1.1 versions=TLS 1.3,TLS 1.2\n"
		 "%zu ChangeCipherSpec\n%zu application data 5 B\n%zu alert (encrypted) 2 B\n",
		 nc - 23, nc - 17, nc - 7);
	check_both(ST_APP_TLS, 0, c, nc, want);

	k = server_hello(body, true);
	ns += record(s2c + ns, 2, body, k);
	k = server_hello(body, false);
	ns += record(s2c + ns, 2, body, k);
	memcpy(s2c + ns, "\x15\x03\x03\x00\x02\x02\x28", 7), ns += 7;
	feed(&s, ST_APP_TLS, 1, s2c, ns, NULL, 0);
	snprintf(want, sizeof(want),
		 "0 HelloRetryRequest TLS 1.3 TLS_AES_256_GCM_SHA384 group 0x001d\n"
		 "61 ServerHello TLS 1.3 TLS_AES_256_GCM_SHA384\n"
		 "116 Alert fatal handshake_failure\n");
	assert_string_equal(s.text, want);

	/* The server name is kept for the connection table. */
	d = malloc(sizeof(*d));
	st_proto_start(d, ST_APP_TLS, 0, collect, &s);
	s.n = 0;
	st_proto_feed(d, 0, c, nc, nc);
	assert_string_equal(d->sni, "api.example.com");
	free(d);
	assert_int_equal(st_proto_guess(c, nc, 443, false), ST_APP_TLS);

	/* A ClientHello of which 30 bytes were kept. */
	feed(&s, ST_APP_TLS, 0, c, nc - 23, NULL, 30);
	assert_string_equal(s.text, "0 ClientHello (rest not kept)\n");
}

static size_t dns_msg(unsigned char *p, bool answer, unsigned rcode)
{
	size_t n = 0;

	n += put16(p + n, 0x1a2b);
	n += put16(p + n, answer ? 0x8180 | rcode : 0x0100);
	n += put16(p + n, 1);
	n += put16(p + n, answer && !rcode ? 2 : 0);
	n += put16(p + n, 0), n += put16(p + n, 0);
	memcpy(p + n, "\3www\7example\3com\0", 17), n += 17;
	n += put16(p + n, 1), n += put16(p + n, 1);
	if (answer && !rcode) {
		/* www.example.com CNAME web.example.com (compressed) */
		n += put16(p + n, 0xc00c), n += put16(p + n, 5), n += put16(p + n, 1);
		n += 4;
		memset(p + n - 4, 0, 4);
		n += put16(p + n, 6);
		memcpy(p + n, "\3web\xc0\x10", 6), n += 6;
		n += put16(p + n, 0xc000 | (unsigned)(n - 6));
		n += put16(p + n, 1), n += put16(p + n, 1);
		memset(p + n, 0, 4), n += 4;
		n += put16(p + n, 4);
		memcpy(p + n, "\x5d\xb8\xd8\x22", 4), n += 4;
	}
	return n;
}

static void test_dns(void **state)
{
	unsigned char q[128], a[256], tcp[512];
	char out[ST_PROTO_TEXT + 1];
	size_t nq = dns_msg(q, false, 0), na = dns_msg(a, true, 0), nt = 0;
	struct said s;

	(void)state;
	assert_true(st_dns_starts(q, nq, false));
	assert_int_equal(st_proto_guess(q, nq, 0, true), ST_APP_DNS);
	st_proto_datagram(ST_APP_DNS, q, nq, nq, out);
	assert_string_equal(out, "query 0x1a2b A www.example.com");
	st_proto_datagram(ST_APP_DNS, a, na, na, out);
	assert_string_equal(out, "answer 0x1a2b A www.example.com: CNAME web.example.com, 93.184.216.34");
	na = dns_msg(a, true, 3);
	st_proto_datagram(ST_APP_DNS, a, na, na, out);
	assert_string_equal(out, "answer 0x1a2b NXDOMAIN A www.example.com");
	st_proto_datagram(ST_APP_DNS, a, 20, na, out);
	assert_string_equal(out, "answer 0x1a2b NXDOMAIN ? (question not kept)");
	/* Over TCP: two queries in one send, each after its length. */
	nt += put16(tcp + nt, (unsigned)nq), memcpy(tcp + nt, q, nq), nt += nq;
	nt += put16(tcp + nt, (unsigned)nq), memcpy(tcp + nt, q, nq), nt += nq;
	assert_int_equal(st_proto_guess(tcp, nt, 53, false), ST_APP_DNS);
	assert_int_equal(st_proto_guess(tcp, nt, 80, false), ST_APP_NONE);
	feed_bytes(&s, ST_APP_DNS, 0, tcp, nt);
	assert_string_equal(s.text, "0 query 0x1a2b A www.example.com\n35 query 0x1a2b A www.example.com\n");
}

static void test_guess(void **state)
{
	(void)state;
	assert_int_equal(st_proto_guess((const unsigned char *)"GET / HTTP/1.1\r\n", 16, 0, false),
			 ST_APP_HTTP);
	assert_int_equal(st_proto_guess((const unsigned char *)"*1\r\n$4\r\nPING\r\n", 14, 0, false),
			 ST_APP_REDIS);
	assert_int_equal(st_proto_guess((const unsigned char *)"hello", 5, 0, false), ST_APP_NONE);
	assert_int_equal(st_proto_guess((const unsigned char *)"", 0, 0, false), ST_APP_NONE);
	assert_string_equal(st_app_name(ST_APP_TLS), "tls");
	assert_null(st_app_name(ST_APP_NONE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_not_kept),
		cmocka_unit_test(test_http_bad),
		cmocka_unit_test(test_redis),
		cmocka_unit_test(test_redis_long),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_guess),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
