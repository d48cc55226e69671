/*
 * test_tls_model.c: what the model makes of TLS, from small logs written
 * here line by line: plaintext arrows (ST_L_PLAIN) between an SSL_write
 * and the SSL_reads of the other end, by byte offset, apart from the
 * wire's counts; their labels from the protocol readers; the labels of
 * one traced end on its rows; and a message read in parts (a TLS record's
 * 5-byte header, then its body; an HTTP body in two reads) labelled once,
 * the parts after it marked as its continuation, in the words every
 * output draws (st_describe_link).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "read/trace.h"
#include "render/describe.h"
#include "render/out.h"

#include "modellog.h"

#define SV "\"fd\":4,\"proto\":\"tcp\",\"local\":\"127.0.0.1:443\",\"peer\":\"127.0.0.1:5000\","
#define CL "\"fd\":3,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:443\","
#define SERVER_ACCEPT \
	HDR(100), \
	REC(100, 2000, "socket", "\"ret\":3,\"proto\":\"tcp\""), \
	"{\"call\":\"accept\",\"pid\":100,\"tid\":100,\"t\":2100,\"dur\":2000,\"fd\":3,\"ret\":4,\"proto\":\"tcp\",\"local\":\"127.0.0.1:443\",\"peer\":\"127.0.0.1:5000\"}"
#define CLIENT_CONNECT \
	HDR(101), \
	REC(101, 3000, "socket", "\"ret\":3,\"proto\":\"tcp\""), \
	REC(101, 3100, "connect", "\"fd\":3,\"ret\":0,\"proto\":\"tcp\",\"local\":\"127.0.0.1:5000\",\"peer\":\"127.0.0.1:443\"")

/* A TLS 1.2 application data record of 16 bytes (encrypted: any bytes). */
#define REC_HEAD "\\u0017\\u0003\\u0003\\u0000\\u0010"
#define REC_BODY "0123456789abcdef"
/* The start of a handshake record (what makes the wire read as TLS). */
#define HELLO "\\u0016\\u0003\\u0001\\u0000\\u0001x"

static const char get[] = "GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n";	/* 29 bytes */

/* The one link into record to; fails unless there is exactly one. */
static const struct st_link *only_link(const struct world *w, uint32_t to)
{
	const struct st_link *l;

	assert_int_equal(st_model_links(&w->m, to, &l), 1);
	return l;
}

/* The words every output draws on link l (skip: bytes of its receive
 * taken by the links before it). */
static char *words(const struct world *w, const struct st_link *l, uint64_t skip)
{
	static char buf[512];
	struct st_out o;

	assert_int_equal(st_out_init_growing(&o), 0);
	st_describe_link(&o, &w->m, l, skip);
	assert_false(o.failed);
	snprintf(buf, sizeof buf, "%.*s", (int)o.len, o.buf);
	free(o.buf);
	return buf;
}

/* The one link into record to is a plaintext arrow from record from,
 * with len bytes at offset off, drawn with the words said. */
static void want_plain(const struct world *w, uint32_t to, uint32_t from, uint64_t off,
		       uint64_t len, const char *said)
{
	const struct st_link *l = only_link(w, to);

	assert_int_equal(l->kind, ST_L_PLAIN);
	assert_int_equal(l->from, from);
	assert_int_equal(l->off, off);
	assert_int_equal(l->len, len);
	assert_string_equal(words(w, l, 0), said);
}

/* An SSL_write of a request read by two SSL_reads on the other end, and
 * a response read by one: plaintext links by offset, labelled by the
 * HTTP reader; the encrypted records keep the wire's counts. */
static void test_plaintext_links(void **state)
{
	const char *server[] = { SERVER_ACCEPT,
		REC(100, 4900, "read", SV "\"ret\":6,\"bytes\":6,\"data\":\"" HELLO "\""),
		REC(100, 5000, "read", SV "\"ret\":21,\"bytes\":21,\"data\":\"" REC_HEAD REC_BODY "\""),
		REC(100, 5100, "SSL_read", SV "\"ret\":20,\"bytes\":20,\"data\":\"GET /x HTTP/1.1\\r\\nHo\""),
		REC(100, 5200, "SSL_read", SV "\"ret\":9,\"bytes\":9,\"data\":\"st: a\\r\\n\\r\\n\""),
		REC(100, 6000, "SSL_write", SV "\"ret\":38,\"bytes\":38,\"data\":\"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\""),
		NULL };
	char client_write[256];
	const char *client[] = { CLIENT_CONNECT,
		REC(101, 3900, "write", CL "\"ret\":6,\"bytes\":6,\"data\":\"" HELLO "\""),
		client_write,
		REC(101, 4100, "write", CL "\"ret\":21,\"bytes\":21,\"data\":\"" REC_HEAD REC_BODY "\""),
		REC(101, 7000, "SSL_read", CL "\"ret\":38,\"bytes\":38,\"data\":\"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\""),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	const struct st_link *l;
	struct world w;
	uint32_t wr;

	(void)state;
	snprintf(client_write, sizeof client_write,
		 REC(101, 4000, "SSL_write", CL "\"ret\":29,\"bytes\":29,\"data\":\"%s\""), get);
	build(&w, logs);
	wr = find(&w, 101, "SSL_write", 0);
	want_plain(&w, find(&w, 100, "SSL_read", 0), wr, 0, 20, "plaintext GET /x HTTP/1.1");
	want_plain(&w, find(&w, 100, "SSL_read", 1), wr, 20, 9, "plaintext cont. 9 B");
	l = only_link(&w, find(&w, 101, "SSL_read", 0));
	assert_int_equal(l->kind, ST_L_PLAIN);
	assert_int_equal(l->from, find(&w, 100, "SSL_write", 0));
	assert_string_equal(words(&w, l, 0), "plaintext 200 OK (0 B)");
	/* The wire: one record, its own link and label; the counts are the
	 * wire's, not the plaintext's. */
	l = only_link(&w, find(&w, 100, "read", 1));
	assert_int_equal(l->kind, ST_L_DATA);
	assert_string_equal(words(&w, l, 0), "application data 16 B");
	assert_int_equal(w.m.conns[l->conn].sent[0], 27);
	assert_int_equal(w.m.conns[l->conn].rcvd[0], 27);
	assert_int_equal(w.m.conns[l->conn].sent[1], 0);
	assert_int_equal(w.m.conns[l->conn].app, ST_APP_TLS);
	/* The sender's rows carry the summaries too. */
	assert_string_equal(st_event_label(&w.m, wr), "GET /x HTTP/1.1");
	destroy(&w);
}

/* Only the client traced: no plaintext arrow, its rows labelled. */
static void test_plaintext_one_end(void **state)
{
	char client_write[256];
	const char *client[] = { CLIENT_CONNECT,
		client_write,
		REC(101, 7000, "SSL_read", CL "\"ret\":38,\"bytes\":38,\"data\":\"HTTP/1.1 404 No\\r\\nContent-Length: 0\\r\\n\\r\\n\""),
		NULL };
	const char *const *logs[] = { client, NULL };
	const struct st_link *l;
	struct world w;

	(void)state;
	snprintf(client_write, sizeof client_write,
		 REC(101, 4000, "SSL_write", CL "\"ret\":29,\"bytes\":29,\"data\":\"%s\""), get);
	build(&w, logs);
	assert_int_equal(st_model_links(&w.m, find(&w, 101, "SSL_read", 0), &l), 0);
	for (uint32_t i = 0; i < w.m.nlinks; i++)
		assert_int_not_equal(w.m.links[i].kind, ST_L_PLAIN);
	assert_string_equal(st_event_label(&w.m, find(&w, 101, "SSL_write", 0)), "GET /x HTTP/1.1");
	assert_string_equal(st_event_label(&w.m, find(&w, 101, "SSL_read", 0)),
			    "404 No (0 B)");
	destroy(&w);
}

/* A record read as its 5-byte header, then its body: the first arrow
 * says what the record is, the second that it is the rest of it (not its
 * bytes); two records in one send read by one recv: one arrow, both
 * named; then bytes the reader cannot read: said so, not continued. */
static void test_record_split(void **state)
{
	const char *server[] = { SERVER_ACCEPT,
		REC(100, 5000, "write", SV "\"ret\":21,\"bytes\":21,\"data\":\"" REC_HEAD REC_BODY "\""),
		REC(100, 5100, "write", SV "\"ret\":42,\"bytes\":42,\"data\":\"" REC_HEAD REC_BODY REC_HEAD REC_BODY "\""),
		REC(100, 5200, "write", SV "\"ret\":2,\"bytes\":2,\"data\":\"zz\""),
		NULL };
	const char *client[] = { CLIENT_CONNECT,
		REC(101, 4000, "write", CL "\"ret\":6,\"bytes\":6,\"data\":\"" HELLO "\""),
		REC(101, 6000, "recv", CL "\"ret\":5,\"bytes\":5,\"data\":\"" REC_HEAD "\""),
		REC(101, 6100, "recv", CL "\"ret\":16,\"bytes\":16,\"data\":\"" REC_BODY "\""),
		REC(101, 6200, "recv", CL "\"ret\":42,\"bytes\":42,\"data\":\"" REC_HEAD REC_BODY REC_HEAD REC_BODY "\""),
		REC(101, 6300, "recv", CL "\"ret\":2,\"bytes\":2,\"data\":\"zz\""),
		NULL };
	const char *const *logs[] = { server, client, NULL };
	const struct st_link *l;
	struct world w;

	(void)state;
	build(&w, logs);
	l = only_link(&w, find(&w, 101, "recv", 0));
	assert_string_equal(words(&w, l, 0), "application data 16 B");
	assert_false(st_link_continues(&w.m, l));
	l = only_link(&w, find(&w, 101, "recv", 1));
	assert_true(st_link_continues(&w.m, l));
	assert_null(st_link_label(&w.m, l));
	assert_string_equal(words(&w, l, 0), "cont. 16 B");
	l = only_link(&w, find(&w, 101, "recv", 2));
	assert_string_equal(words(&w, l, 0), "application data 16 B | application data 16 B");
	/* Bytes that are no record continue nothing: the reader says so. */
	l = only_link(&w, find(&w, 101, "recv", 3));
	assert_false(st_link_continues(&w.m, l));
	assert_string_equal(words(&w, l, 0), "? TLS record head cut: zz");
	destroy(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plaintext_links),
		cmocka_unit_test(test_plaintext_one_end),
		cmocka_unit_test(test_record_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
