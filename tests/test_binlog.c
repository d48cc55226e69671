/*
 * test_binlog.c: unit tests of common/binlog.c, the binary log decoder.
 * Logs are built frame by frame here (struct blog), decoded, and the text
 * compared with the exact lines the library's JSON writer makes for the
 * same calls; then the stats for zero padding and every kind of corrupt
 * frame (table driven), five-tuples that are missing or come late, a
 * table big enough to grow many times, and random damage to valid logs,
 * which must never crash the decoder (this binary runs under ASan/UBSan).
 * Then st_binlog_join: ring files (struct ring) holding the part of a log
 * its file lacks, wrapped, half copied out, or not rings at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "binlog.h"
#include "names.h"

#define TUPLE_KEYS ",\"proto\":\"tcp\",\"local\":\"127.0.0.1:1\",\"peer\":\"127.0.0.1:2\""

/* A binary log being built. */
struct blog {
	unsigned char *p;
	size_t len, cap;
};

static void blog_put(struct blog *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		while (b->cap - b->len < n)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void blog_zeros(struct blog *b, size_t n)
{
	static const unsigned char zeros[64];

	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		blog_put(b, zeros, k);
		n -= k;
	}
}

/* Zero bytes up to the next 8-byte boundary. */
static void blog_pad(struct blog *b)
{
	blog_zeros(b, (8 - b->len % 8) % 8);
}

static void blog_start(struct blog *b)
{
	memset(b, 0, sizeof(*b));
	blog_put(b, ST_BINLOG_MAGIC, ST_BINLOG_MAGIC_LEN);
}

static void blog_head(struct blog *b, uint8_t kind, uint16_t aux, uint32_t len)
{
	struct st_frame f = { ST_FRAME_MARK, kind, aux, len };

	blog_put(b, &f, sizeof(f));
}

static void blog_text(struct blog *b, const char *line)
{
	size_t n = strlen(line);

	blog_head(b, ST_FRAME_TEXT, 0, (uint32_t)n);
	blog_put(b, line, n);
	blog_pad(b);
}

static void blog_tuple(struct blog *b, uint32_t id, const char *keys)
{
	struct st_frame_tuple t = { id, 0 };
	size_t n = strlen(keys);

	blog_head(b, ST_FRAME_TUPLE, 0, (uint32_t)(sizeof(t) + n));
	blog_put(b, &t, sizeof(t));
	blog_put(b, keys, n);
	blog_pad(b);
}

/* One data call: the frame's fields and its snippet. */
struct call {
	unsigned dc;
	struct st_frame_data d;
	const char *snip;
	size_t nsnip;
};

static void blog_data(struct blog *b, const struct call *c)
{
	blog_head(b, ST_FRAME_DATA, (uint16_t)c->dc, (uint32_t)(sizeof(c->d) + c->nsnip));
	blog_put(b, &c->d, sizeof(c->d));
	blog_put(b, c->snip, c->nsnip);
	blog_pad(b);
}

/* Whether c's numbers fit an SDATA frame (common/binlog.h). */
static bool sdata_fits(const struct call *c)
{
	const struct st_frame_data *d = &c->d;

	return d->arg == 0 && d->dur >= 0 && d->dur <= UINT32_MAX && d->ret >= INT32_MIN &&
	       d->ret <= INT32_MAX && d->fd >= 0 && d->fd <= UINT16_MAX && d->err >= 0 &&
	       d->err <= UINT16_MAX;
}

/* c as an SDATA frame, len bytes of it (the body and snippet's own when
 * len is 0). */
static void blog_sdata(struct blog *b, const struct call *c, uint32_t len)
{
	const struct st_frame_data *d = &c->d;
	struct st_frame_sdata x = { d->pid, d->tid, d->t, (uint32_t)d->dur, (int32_t)d->ret,
				    d->tuple, (uint16_t)d->fd, (uint16_t)d->err };
	uint32_t whole = (uint32_t)(sizeof(x) + c->nsnip);

	blog_head(b, ST_FRAME_SDATA, (uint16_t)c->dc, len ? len : whole);
	blog_put(b, &x, sizeof(x) < (len ? len : whole) ? sizeof(x) : (len ? len : whole));
	if (!len || len > sizeof(x))
		blog_put(b, c->snip, (len ? len : whole) - sizeof(x));
	blog_pad(b);
}

/* One setsockopt call: an OPT frame's two structs. */
struct optcall {
	struct st_frame_data d;		/* arg: the level */
	struct st_frame_opt o;
};

/* An OPT frame of c with the given aux and len, which may be wrong: the
 * body is c's bytes, cut at len or followed by zeros up to it. */
static void blog_opt_frame(struct blog *b, uint16_t aux, uint32_t len, const struct optcall *c)
{
	unsigned char body[sizeof(c->d) + sizeof(c->o) + 16] = { 0 };

	assert_true(len <= sizeof(body));
	memcpy(body, &c->d, sizeof(c->d));
	memcpy(body + sizeof(c->d), &c->o, sizeof(c->o));
	blog_head(b, ST_FRAME_OPT, aux, len);
	blog_put(b, body, len);
	blog_pad(b);
}

static void blog_opt(struct blog *b, const struct optcall *c)
{
	blog_opt_frame(b, 0, sizeof(c->d) + sizeof(c->o), c);
}

/* A WAIT frame: a call's numbers (arg: the timeout), nfds and n fds. */
static void blog_wait(struct blog *b, unsigned dc, const struct st_frame_data *d, int32_t nfds,
		      const struct st_frame_fd *fds, uint32_t n)
{
	struct st_frame_wait w = { nfds, n };

	blog_head(b, ST_FRAME_WAIT, (uint16_t)dc,
		  (uint32_t)(sizeof(*d) + sizeof(w) + n * sizeof(*fds)));
	blog_put(b, d, sizeof(*d));
	blog_put(b, &w, sizeof(w));
	blog_put(b, fds, n * sizeof(*fds));
	blog_pad(b);
}

/* Decodes b, which must succeed; the text comes back NUL-terminated. */
static char *decode_ok(const struct blog *b, size_t *n, struct st_binlog_stats *st)
{
	char *out = NULL, *text;

	assert_int_equal(st_binlog_decode(b->p, b->len, &out, n, st), 0);
	assert_non_null(out);
	text = malloc(*n + 1);
	assert_non_null(text);
	memcpy(text, out, *n);
	text[*n] = '\0';
	free(out);
	return text;
}

static void expect_stats(const struct st_binlog_stats *st, uint64_t frames, uint64_t bad,
			 uint64_t bad_bytes, uint64_t no_tuple)
{
	assert_int_equal(st->frames, frames);
	assert_int_equal(st->bad, bad);
	assert_int_equal(st->bad_bytes, bad_bytes);
	assert_int_equal(st->no_tuple, no_tuple);
}

/* Decodes b and checks the text exactly, and the stats. */
static void expect_log(const struct blog *b, const char *want, uint64_t frames, uint64_t bad,
		       uint64_t bad_bytes, uint64_t no_tuple)
{
	struct st_binlog_stats st;
	size_t n;
	char *text = decode_ok(b, &n, &st);

	assert_int_equal(n, strlen(want));
	assert_string_equal(text, want);
	expect_stats(&st, frames, bad, bad_bytes, no_tuple);
	free(text);
}

#define CALLS_HEADER "{\"type\":\"header\",\"version\":1,\"pid\":10}\n"
#define CALLS_LINES \
	CALLS_HEADER \
	"{\"call\":\"send\",\"pid\":10,\"tid\":11,\"t\":1700000000123456789,\"dur\":1500," \
	"\"fd\":4,\"ret\":5,\"proto\":\"tcp\",\"local\":\"127.0.0.1:1\"," \
	"\"peer\":\"127.0.0.1:2\",\"bytes\":5,\"data\":\"hello\"}\n" \
	"{\"call\":\"recv\",\"pid\":10,\"tid\":11,\"t\":1700000000223456789,\"dur\":20," \
	"\"fd\":4,\"ret\":-1,\"errno\":\"EAGAIN\",\"proto\":\"tcp\"," \
	"\"local\":\"127.0.0.1:1\",\"peer\":\"127.0.0.1:2\"}\n"

/* A header, a five-tuple, a send and a failed recv: CALLS_LINES.  Every
 * frame's last word is non-zero, so a joined log ends where this one does. */
static void build_calls(struct blog *b)
{
	const struct call send_hello = {
		ST_DC_SEND, { 10, 11, 1700000000123456789, 1500, 5, 4, 1, 0, 0 }, "hello", 5,
	};
	const struct call recv_again = {
		ST_DC_RECV, { 10, 11, 1700000000223456789, 20, -1, 4, 1, EAGAIN, 0 }, NULL, 0,
	};

	blog_text(b, CALLS_HEADER);
	blog_tuple(b, 1, TUPLE_KEYS);
	blog_data(b, &send_hello);
	blog_data(b, &recv_again);
}

static void test_exact_lines(void **state)
{
	struct blog b;

	(void)state;
	blog_start(&b);
	build_calls(&b);
	expect_log(&b, CALLS_LINES, 3, 0, 0, 0);
	free(b.p);
}

/* ---- CLOCK frames: a log timed by the counter ---- */

static void blog_clock(struct blog *b, uint64_t tsc, int64_t real, uint64_t hz)
{
	struct st_frame_clock k = { tsc, real, 0, hz, ST_CLOCK_TICK, 0 };

	blog_head(b, ST_FRAME_CLOCK, 0, sizeof(k));
	blog_put(b, &k, sizeof(k));
}

/* Times in ticks become ns since the epoch, piecewise-linearly: DATA and
 * OPT frames' t and dur, and a TEXT call line's, whatever order the pairs
 * come in; other TEXT lines as they are.  Two segments of different
 * rates (2 and 4 ticks per ns), a time before the first pair and one
 * after the last (extrapolated with the nearest segment's rate). */
static void test_clock_ticks(void **state)
{
	const struct call send_t = {
		ST_DC_SEND, { 10, 11, 3000, 200, 5, 4, 1, 0, 0 }, "hello", 5,
	};
	const struct call recv_t = {
		ST_DC_RECV, { 10, 11, 1000, 4000, -1, 4, 1, EAGAIN, 0 }, NULL, 0,
	};
	const struct call late = {
		ST_DC_RECV, { 10, 11, 10000, 40, 2, 4, 1, 0, 0 }, "ok", 2,
	};
	const struct optcall opt = {
		{ 10, 11, 0, 4, 0, 4, 1, 0, SOL_SOCKET }, { SO_KEEPALIVE, 1, 1, 0 },
	};
	struct st_binlog_stats st;
	struct blog b;
	size_t n;
	char *text;

	(void)state;
	blog_start(&b);
	blog_text(&b, CALLS_HEADER);
	blog_clock(&b, 5000, 1700000000000001000, 2000000000);
	blog_clock(&b, 2000, 1700000000000000000, 2000000000);
	blog_clock(&b, 3000, 1700000000000000500, 2000000000);
	blog_tuple(&b, 1, TUPLE_KEYS);
	blog_text(&b, "{\"call\":\"connect\",\"pid\":10,\"tid\":11,\"t\":5000,\"dur\":2000,"
		      "\"fd\":4,\"ret\":0}");
	blog_text(&b, "{\"type\":\"other\",\"t\":5000,\"dur\":7}");
	blog_data(&b, &send_t);
	blog_data(&b, &recv_t);
	blog_data(&b, &late);
	blog_opt(&b, &opt);
	text = decode_ok(&b, &n, &st);
	assert_string_equal(text,
		CALLS_HEADER
		"{\"call\":\"connect\",\"pid\":10,\"tid\":11,\"t\":1700000000000001000,\"dur\":500,"
		"\"fd\":4,\"ret\":0}\n"
		"{\"type\":\"other\",\"t\":5000,\"dur\":7}\n"
		"{\"call\":\"send\",\"pid\":10,\"tid\":11,\"t\":1700000000000000500,\"dur\":50,"
		"\"fd\":4,\"ret\":5" TUPLE_KEYS ",\"bytes\":5,\"data\":\"hello\"}\n"
		"{\"call\":\"recv\",\"pid\":10,\"tid\":11,\"t\":1699999999999999500,\"dur\":1500,"
		"\"fd\":4,\"ret\":-1,\"errno\":\"EAGAIN\"" TUPLE_KEYS "}\n"
		"{\"call\":\"recv\",\"pid\":10,\"tid\":11,\"t\":1700000000000002250,\"dur\":10,"
		"\"fd\":4,\"ret\":2" TUPLE_KEYS ",\"bytes\":2,\"data\":\"ok\"}\n"
		"{\"call\":\"setsockopt\",\"pid\":10,\"tid\":11,\"t\":1699999999999999000,\"dur\":2,"
		"\"fd\":4,\"ret\":0" TUPLE_KEYS ",\"level\":\"SOL_SOCKET\",\"opt\":\"SO_KEEPALIVE\","
		"\"val\":1}\n");
	assert_int_equal(st.clocks, 3);
	expect_stats(&st, 7, 0, 0, 0);
	free(text);
	free(b.p);
}

/* One pair: its hz gives the rate.  A hostile pair (hz 0, far-off values)
 * gives numbers, never a crash. */
static void test_clock_one_pair(void **state)
{
	const struct call c = {
		ST_DC_SEND, { 10, 11, 3000, 300, 1, 4, 0, 0, 0 }, "x", 1,
	};
	const struct call wild = {
		ST_DC_SEND, { 10, 11, INT64_MAX, INT64_MAX, 1, 4, 0, 0, 0 }, "x", 1,
	};
	struct st_binlog_stats st;
	struct blog b;
	size_t n;
	char *text;

	(void)state;
	blog_start(&b);
	blog_clock(&b, 1000, 1700000000000000000, 3000000000);
	blog_data(&b, &c);
	text = decode_ok(&b, &n, &st);
	assert_string_equal(text,
		"{\"call\":\"send\",\"pid\":10,\"tid\":11,\"t\":1700000000000000666,\"dur\":100,"
		"\"fd\":4,\"ret\":1,\"bytes\":1,\"data\":\"x\"}\n");
	free(text);
	free(b.p);

	blog_start(&b);
	blog_clock(&b, UINT64_MAX, INT64_MIN, 0);
	blog_clock(&b, 0, INT64_MAX, 0);
	blog_data(&b, &wild);
	text = decode_ok(&b, &n, &st);
	assert_int_equal(st.clocks, 2);
	assert_non_null(strstr(text, "\"call\":\"send\""));
	free(text);
	free(b.p);
}

/* The numbers every OPT and sendfile case shares, and the text they give. */
#define CALL_D(ret, fd, tuple, err, arg) \
	{ 10, 11, 1700000000123456789, 1500, ret, fd, tuple, err, arg }
#define CALL_START(call) \
	"{\"call\":\"" call "\",\"pid\":10,\"tid\":11,\"t\":1700000000123456789,\"dur\":1500,"

#define SENDFILE_CASE 5	/* the first sendfile case of data_cases */
_Static_assert(MSG_DONTWAIT == 64, "the sendfile case with fd2 64 would print flags");

/* DATA frames one at a time, after TUPLE frame 1 (used by the frames that
 * name it): which keys appear, and their values. */
static const struct {
	struct call c;
	const char *want;
} data_cases[] = {
	/* fd < 0 omitted; bytes that need escaping */
	{ { ST_DC_WRITE, { 1, 2, 3, 4, 7, -1, 0, 0, 0 }, "\0\"\\\xff\nab", 7 },
	  "{\"call\":\"write\",\"pid\":1,\"tid\":2,\"t\":3,\"dur\":4,\"ret\":7,\"bytes\":7,"
	  "\"data\":\"\\u0000\\\"\\\\\\u00ff\\nab\"}\n" },
	/* ret >= 0 with no snippet: bytes, no data */
	{ { ST_DC_READ, { 1, 1, 0, 0, 0, 3, 0, 0, 0 }, NULL, 0 },
	  "{\"call\":\"read\",\"pid\":1,\"tid\":1,\"t\":0,\"dur\":0,\"fd\":3,\"ret\":0,\"bytes\":0}\n" },
	/* a snippet shorter than ret (the payload limit) */
	{ { ST_DC_RECVFROM, { 5, 6, 7, 8, 100000, 0, 0, 0, 0 }, "abc", 3 },
	  "{\"call\":\"recvfrom\",\"pid\":5,\"tid\":6,\"t\":7,\"dur\":8,\"fd\":0,\"ret\":100000,"
	  "\"bytes\":100000,\"data\":\"abc\"}\n" },
	/* hostile numbers are printed as they are; a snippet with ret < 0 is not */
	{ { ST_DC_READV, { -1, INT32_MIN, INT64_MIN, -5, -2, INT32_MAX, 0, 9999, 0 }, "x", 1 },
	  "{\"call\":\"readv\",\"pid\":-1,\"tid\":-2147483648,\"t\":-9223372036854775808,"
	  "\"dur\":-5,\"fd\":2147483647,\"ret\":-2,\"errno\":\"E9999\"}\n" },
	{ { ST_DC_WRITEV, { 1, 1, INT64_MAX, INT64_MAX, INT64_MAX, 1, 0, 0, 0 }, NULL, 0 },
	  "{\"call\":\"writev\",\"pid\":1,\"tid\":1,\"t\":9223372036854775807,"
	  "\"dur\":9223372036854775807,\"fd\":1,\"ret\":9223372036854775807,"
	  "\"bytes\":9223372036854775807}\n" },
	/* sendfile and sendfile64 (SENDFILE_CASE on): "fd2", the input fd,
	 * right after the five-tuple, always, whatever its value; never
	 * "flags" */
	{ { ST_DC_SENDFILE, CALL_D(5, 4, 1, 0, 7), "hello", 5 },
	  CALL_START("sendfile") "\"fd\":4,\"ret\":5" TUPLE_KEYS
	  ",\"fd2\":7,\"bytes\":5,\"data\":\"hello\"}\n" },
	/* fd2 0 is there too; nothing sent: bytes 0, no data */
	{ { ST_DC_SENDFILE64, CALL_D(0, 4, 1, 0, 0), NULL, 0 },
	  CALL_START("sendfile64") "\"fd\":4,\"ret\":0" TUPLE_KEYS ",\"fd2\":0,\"bytes\":0}\n" },
	/* failed: errno, fd2, no bytes */
	{ { ST_DC_SENDFILE, CALL_D(-1, 4, 1, EBADF, -1), NULL, 0 },
	  CALL_START("sendfile") "\"fd\":4,\"ret\":-1,\"errno\":\"EBADF\"" TUPLE_KEYS
	  ",\"fd2\":-1}\n" },
	/* an fd2 that reads as MSG_DONTWAIT is a number; a snippet shorter
	 * than ret; no five-tuple */
	{ { ST_DC_SENDFILE64, CALL_D(100000, 9, 0, 0, MSG_DONTWAIT), "abc", 3 },
	  CALL_START("sendfile64") "\"fd\":9,\"ret\":100000,\"fd2\":64,\"bytes\":100000,"
	  "\"data\":\"abc\"}\n" },
};

/* Decodes TUPLE frame 1 (TUPLE_KEYS) then one DATA frame (c) or OPT frame
 * (o): exactly want. */
static void expect_alone(const struct call *c, const struct optcall *o, const char *want)
{
	struct blog b;

	blog_start(&b);
	blog_tuple(&b, 1, TUPLE_KEYS);
	if (c)
		blog_data(&b, c);
	else
		blog_opt(&b, o);
	expect_log(&b, want, 1, 0, 0, 0);
	free(b.p);
}

static void test_data_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(data_cases) / sizeof(data_cases[0]); i++)
		expect_alone(&data_cases[i].c, NULL, data_cases[i].want);
}

/* Every data case whose numbers fit an SDATA frame gives the same line
 * from one as from its DATA frame; one that does not fit is left out. */
static void test_sdata_table(void **state)
{
	size_t fit = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data_cases) / sizeof(data_cases[0]); i++) {
		struct blog b;

		if (!sdata_fits(&data_cases[i].c))
			continue;
		fit++;
		blog_start(&b);
		blog_tuple(&b, 1, TUPLE_KEYS);
		blog_sdata(&b, &data_cases[i].c, 0);
		expect_log(&b, data_cases[i].want, 1, 0, 0, 0);
		free(b.p);
	}
	assert_int_equal(fit, 3);	/* read, recvfrom, sendfile64 with fd2 0 */
}

/* Flags go between the five-tuple and the bytes, named by st_msg_flags. */
static void test_flags(void **state)
{
	const struct call c = {
		ST_DC_SENDTO, { 3, 3, 1000000001, 9, 2, 5, 7, 0, MSG_DONTWAIT | MSG_NOSIGNAL }, "hi", 2,
	};
	char fbuf[160], want[512];
	struct blog b;

	(void)state;
	blog_start(&b);
	blog_tuple(&b, 7, ",\"proto\":\"udp\"");
	blog_data(&b, &c);
	snprintf(want, sizeof(want),
		 "{\"call\":\"sendto\",\"pid\":3,\"tid\":3,\"t\":1000000001,\"dur\":9,\"fd\":5,"
		 "\"ret\":2,\"proto\":\"udp\",\"flags\":\"%s\",\"bytes\":2,\"data\":\"hi\"}\n",
		 st_msg_flags(MSG_DONTWAIT | MSG_NOSIGNAL, fbuf, sizeof(fbuf)));
	expect_log(&b, want, 1, 0, 0, 0);
	free(b.p);
}

/* ---- OPT frames (setsockopt) and sendfile DATA frames ---- */

/* Each OPT case decoded after TUPLE frame 1 (TUPLE_KEYS): the line the
 * library's JSON writer made for setsockopt, key for key. */
static const struct {
	struct optcall c;
	const char *want;
} opt_cases[] = {
	/* names for both, the five-tuple, the value */
	{ { CALL_D(0, 4, 1, 0, IPPROTO_TCP), { TCP_CORK, 1, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":0" TUPLE_KEYS
	  ",\"level\":\"IPPROTO_TCP\",\"opt\":\"TCP_CORK\",\"val\":1}\n" },
	/* no five-tuple; a value of 0 is still a value */
	{ { CALL_D(0, 5, 0, 0, SOL_SOCKET), { SO_REUSEADDR, 0, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":5,\"ret\":0"
	  ",\"level\":\"SOL_SOCKET\",\"opt\":\"SO_REUSEADDR\",\"val\":0}\n" },
	/* a value that is not an int (struct linger): no val */
	{ { CALL_D(0, 4, 1, 0, SOL_SOCKET), { SO_LINGER, 0, 0, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":0" TUPLE_KEYS
	  ",\"level\":\"SOL_SOCKET\",\"opt\":\"SO_LINGER\"}\n" },
	/* an unknown level: both as numbers; fd < 0 omitted; a negative value */
	{ { CALL_D(0, -1, 0, 0, 277), { 5, -5, 1, 0 } },
	  CALL_START("setsockopt") "\"ret\":0,\"level\":277,\"opt\":5,\"val\":-5}\n" },
	/* a known level whose options have no names */
	{ { CALL_D(0, 4, 1, 0, IPPROTO_UDP), { 1, 1, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":0" TUPLE_KEYS
	  ",\"level\":\"IPPROTO_UDP\",\"opt\":1,\"val\":1}\n" },
	/* netlink's level and options by name (they printed as 270 and 11) */
	{ { CALL_D(0, 3, 0, 0, SOL_NETLINK), { NETLINK_EXT_ACK, 1, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":3,\"ret\":0"
	  ",\"level\":\"SOL_NETLINK\",\"opt\":\"NETLINK_EXT_ACK\",\"val\":1}\n" },
	/* the option is named under its own level: 1 is IP_TOS here */
	{ { CALL_D(0, 4, 1, 0, IPPROTO_IP), { TCP_NODELAY, 7, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":0" TUPLE_KEYS
	  ",\"level\":\"IPPROTO_IP\",\"opt\":\"IP_TOS\",\"val\":7}\n" },
	/* a failed call: errno before the five-tuple, an unknown option of a
	 * known level as a number, no val */
	{ { CALL_D(-1, 4, 1, ENOPROTOOPT, SOL_SOCKET), { 12345, 0, 0, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":-1,\"errno\":\"ENOPROTOOPT\"" TUPLE_KEYS
	  ",\"level\":\"SOL_SOCKET\",\"opt\":12345}\n" },
	/* the extremes of each number */
	{ { CALL_D(0, 4, 0, 0, INT32_MIN), { INT32_MAX, INT32_MIN, 1, 0 } },
	  CALL_START("setsockopt") "\"fd\":4,\"ret\":0"
	  ",\"level\":-2147483648,\"opt\":2147483647,\"val\":-2147483648}\n" },
};

/* WAIT frames: the line of each wait, with its fds by name; a frame whose
 * count of fds does not match its length, or a data call's id, or more
 * than ST_WAIT_FDS_MAX fds, is skipped. */
static void test_wait_frames(void **state)
{
	struct st_frame_data d = { 7, 8, 1000, 50, 1, 9, 0, 0, 250 };
	struct st_frame_fd fds[ST_WAIT_FDS_MAX + 1] = {
		{ 5, 0x80000001u, 0x1 }, { -1, 0, 0x2004 },
	};
	struct st_binlog_stats st;
	struct blog b;
	size_t n;
	char *text;

	(void)state;
	blog_start(&b);
	blog_wait(&b, ST_DC_EPOLL_WAIT, &d, -1, fds, 2);
	d.fd = -1;
	d.arg = ST_WAIT_NO_TIMEOUT;
	d.ret = 0;
	blog_wait(&b, ST_DC_SELECT, &d, 6, fds, 0);
	/* Bad: one fd more than the length says, a data call's id, too many. */
	blog_head(&b, ST_FRAME_WAIT, ST_DC_POLL, (uint32_t)(sizeof(d) + 8 + sizeof(fds[0])));
	{
		struct st_frame_wait w = { 1, 2 };

		blog_put(&b, &d, sizeof(d));
		blog_put(&b, &w, sizeof(w));
		blog_put(&b, fds, sizeof(fds[0]));
		blog_pad(&b);
	}
	blog_wait(&b, ST_DC_RECV, &d, 1, fds, 1);
	blog_wait(&b, ST_DC_POLL, &d, 1, fds, ST_WAIT_FDS_MAX + 1);
	text = decode_ok(&b, &n, &st);
	assert_string_equal(text,
		"{\"call\":\"epoll_wait\",\"pid\":7,\"tid\":8,\"t\":1000,\"dur\":50,\"fd\":9,\"ret\":1,"
		"\"timeout\":250,\"fds\":[\"5:IN|ET>IN\",\"?:->OUT|RDHUP\"]}\n"
		"{\"call\":\"select\",\"pid\":7,\"tid\":8,\"t\":1000,\"dur\":50,\"ret\":0,"
		"\"nfds\":6,\"fds\":[]}\n");
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.bad, 1);	/* the three bad frames: one stretch */
	assert_true(st.bad_bytes >= 3 * (8 + sizeof(d) + 8));
	free(text);
	free(b.p);
}

static void test_opt_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++)
		expect_alone(NULL, &opt_cases[i].c, opt_cases[i].want);
}

/* OPT and DATA frames of one socket in a row, as a program makes them:
 * each line as alone, in order. */
static void test_opt_between_data(void **state)
{
	char want[2048];
	struct blog b;

	(void)state;
	assert_int_equal(data_cases[SENDFILE_CASE].c.dc, ST_DC_SENDFILE);
	assert_int_equal(data_cases[SENDFILE_CASE + 1].c.dc, ST_DC_SENDFILE64);
	blog_start(&b);
	blog_tuple(&b, 1, TUPLE_KEYS);
	blog_opt(&b, &opt_cases[0].c);
	blog_data(&b, &data_cases[SENDFILE_CASE].c);
	blog_opt(&b, &opt_cases[6].c);
	blog_data(&b, &data_cases[SENDFILE_CASE + 1].c);
	snprintf(want, sizeof(want), "%s%s%s%s", opt_cases[0].want, data_cases[SENDFILE_CASE].want,
		 opt_cases[6].want, data_cases[SENDFILE_CASE + 1].want);
	expect_log(&b, want, 4, 0, 0, 0);
	free(b.p);
}

/* TEXT frames: a newline is added when missing, empty ones give nothing. */
static void test_text(void **state)
{
	struct blog b;

	(void)state;
	blog_start(&b);
	blog_text(&b, "{\"a\":1}");
	blog_text(&b, "");
	blog_text(&b, "{\"b\":2}\n");
	blog_text(&b, "12345678");	/* a length that needs no padding */
	expect_log(&b, "{\"a\":1}\n{\"b\":2}\n12345678\n", 3, 0, 0, 0);
	free(b.p);
}

/* Zero words between frames and after the last one, even a short zero
 * tail: skipped silently. */
static void test_zero_padding(void **state)
{
	struct blog b;

	(void)state;
	blog_start(&b);
	blog_zeros(&b, 16);
	blog_text(&b, "{\"a\":1}");
	blog_zeros(&b, 8);
	blog_text(&b, "{\"b\":2}");
	blog_zeros(&b, 4096 + 3);
	expect_log(&b, "{\"a\":1}\n{\"b\":2}\n", 2, 0, 0, 0);
	free(b.p);
}

/* A PAD frame is skipped silently, whatever it holds. */
static void test_pad(void **state)
{
	struct blog b;

	(void)state;
	blog_start(&b);
	blog_text(&b, "{\"a\":1}");
	blog_head(&b, ST_FRAME_PAD, 0, 24);
	blog_text(&b, "{\"forged\":1}");	/* the PAD frame's 24 bytes */
	blog_head(&b, ST_FRAME_PAD, 0, 0);
	blog_text(&b, "{\"b\":2}");
	expect_log(&b, "{\"a\":1}\n{\"b\":2}\n", 2, 0, 0, 0);
	free(b.p);
}

/* Odd TEXT content is copied as it is (the JSON reader rejects it). */
static void test_text_nul(void **state)
{
	static const char want[] = "x\0y\np\nq\n";
	struct st_binlog_stats st;
	struct blog b;
	size_t n;
	char *text;

	(void)state;
	blog_start(&b);
	blog_head(&b, ST_FRAME_TEXT, 0, 3);
	blog_put(&b, "x\0y", 3);
	blog_pad(&b);
	blog_text(&b, "p\nq");
	text = decode_ok(&b, &n, &st);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(text, want, n);
	expect_stats(&st, 2, 0, 0, 0);
	free(text);
	free(b.p);
}

static const char garbage[] = "\x01garbage\x7fGARBAGE\x42morejun";	/* 24 bytes */

static void build_garbage(struct blog *b)
{
	blog_text(b, "A");
	blog_put(b, garbage, 24);
	blog_text(b, "B");
}

static void build_stretches(struct blog *b)
{
	blog_text(b, "A");
	blog_put(b, garbage, 8);
	blog_text(b, "B");
	blog_put(b, garbage, 16);
	blog_zeros(b, 8);		/* ends a stretch too */
	blog_put(b, garbage, 8);
	blog_tuple(b, 3, "");		/* a good frame with no line: ends it */
	blog_put(b, garbage, 8);
	blog_text(b, "C");
}

static void build_past_end(struct blog *b)
{
	blog_text(b, "A");
	blog_head(b, ST_FRAME_TEXT, 0, 1000);
	blog_put(b, "abcdefgh", 8);
}

static void build_bad_kind(struct blog *b)
{
	blog_head(b, 0x7f, 0, 16);	/* a kind never defined */
	blog_put(b, "{\"x\":1}\n{\"y\":2}\n", 16);
	blog_head(b, 0, 0, 0);		/* the mark alone is not zero */
	blog_text(b, "A");
}

static void build_bad_mark(struct blog *b)
{
	struct st_frame f = { 0xB6, ST_FRAME_TEXT, 0, 1 };

	blog_put(b, &f, sizeof(f));
	blog_put(b, "Z\0\0\0\0\0\0\0", 8);
	blog_text(b, "A");
}

static void build_bad_aux(struct blog *b)
{
	struct call c = { ST_DC_COUNT, { 1, 1, 1, 1, 1, 1, 0, 0, 0 }, "h", 1 };

	blog_data(b, &c);	/* 8 + 48 + 1 + 7 padding */
	c.dc = 0xffff;
	blog_data(b, &c);
	blog_text(b, "A");
}

/* A snippet too long: the whole frame is skipped, and a frame forged
 * inside its snippet is never decoded. */
static void build_long_snippet(struct blog *b)
{
	struct st_frame_data d = { 1, 1, 1, 1, 1, 1, 0, 0, 0 };
	struct blog inner;
	size_t n = ST_DATA_SNIP_MAX + 8;

	blog_start(&inner);
	blog_text(&inner, "{\"forged\":1}");
	blog_zeros(&inner, n - (inner.len - 8));
	blog_head(b, ST_FRAME_DATA, ST_DC_SEND, (uint32_t)(sizeof(d) + n));
	blog_put(b, &d, sizeof(d));
	blog_put(b, inner.p + 8, n);
	blog_text(b, "A");
	free(inner.p);
}

static void build_short_data(struct blog *b)
{
	struct st_frame_data d = { 1, 1, 1, 1, 1, 1, 0, 0, 0 };

	blog_head(b, ST_FRAME_DATA, ST_DC_SEND, sizeof(d) - 8);
	blog_put(b, &d, sizeof(d) - 8);
	blog_text(b, "A");
}

/* SDATA frames shorter than their numbers, with a call that is not a
 * data call, and with a snippet too long: each skipped, the good SDATA
 * frame between them decoded. */
static void build_bad_sdata(struct blog *b)
{
	struct call c = { ST_DC_SEND, { 1, 1, 1, 1, 1, 1, 0, 0, 0 }, "h", 1 };
	static char big[ST_DATA_SNIP_MAX + 1];

	blog_sdata(b, &c, sizeof(struct st_frame_sdata) - 8);	/* 8 + 24 */
	c.dc = ST_DC_POLL;
	blog_sdata(b, &c, 0);					/* 8 + 40 */
	blog_text(b, "A");
	c.dc = ST_DC_SEND;
	blog_sdata(b, &c, 0);
	c.snip = big;
	c.nsnip = sizeof(big);
	blog_sdata(b, &c, 0);					/* 8 + 32 + 4097 + 7 */
}

static void build_bad_tuples(struct blog *b)
{
	const struct call c = { ST_DC_SEND, { 1, 1, 1, 1, -1, 1, 0, 0, 0 }, NULL, 0 };
	struct call c0 = c, c5 = c, c6 = c;

	blog_tuple(b, 0, TUPLE_KEYS);				/* id 0 */
	blog_head(b, ST_FRAME_TUPLE, 0, 4);			/* shorter than its body */
	blog_put(b, "\x05\0\0\0\0\0\0\0", 8);
	blog_text(b, "A");
	blog_tuple(b, 5, "\"proto\":\"tcp\"");			/* not a member */
	blog_tuple(b, 6, ",\"proto\":\"tcp\n\"");		/* two lines */
	blog_tuple(b, 8, ",");
	c5.d.tuple = 5;
	c6.d.tuple = 6;
	blog_data(b, &c5);
	blog_data(b, &c6);
	blog_data(b, &c0);
}

static void build_nonzero_tail(struct blog *b)
{
	blog_text(b, "A");
	blog_put(b, "xyz", 3);
}

/* OPT frames with a body of the wrong size or a non-zero aux: each skipped
 * whole, the good frames around them decoded. */
static void build_bad_opts(struct blog *b)
{
	const struct optcall c = { CALL_D(0, 4, 0, 0, SOL_SOCKET), { SO_KEEPALIVE, 1, 1, 0 } };
	const uint32_t len = sizeof(c.d) + sizeof(c.o);

	blog_text(b, "A");
	blog_opt_frame(b, 1, len, &c);			/* aux 1: 8 + 64 */
	blog_text(b, "B");
	blog_opt_frame(b, 0, len - 8, &c);		/* short: 8 + 56 */
	blog_opt_frame(b, 0, len + 8, &c);		/* long: 8 + 72 */
	blog_opt_frame(b, ST_DC_SENDFILE, len, &c);	/* a DATA frame's aux: 8 + 64 */
	blog_opt(b, &c);
	blog_opt_frame(b, 0, len + 1, &c);		/* one byte long: 8 + 72 */
	blog_text(b, "C");
}

/* st_frame_size() as a constant expression. */
#define FRAME_SIZE(len) (8 + (((len) + 7) & ~(size_t)7))

#define SEND_LINE "{\"call\":\"send\",\"pid\":1,\"tid\":1,\"t\":1,\"dur\":1,\"fd\":1,\"ret\":-1}\n"

static const struct {
	const char *name;
	void (*build)(struct blog *b);
	const char *want;
	uint64_t frames, bad, bad_bytes, no_tuple;
} corrupt_cases[] = {
	{ "garbage", build_garbage, "A\nB\n", 2, 1, 24, 0 },
	{ "stretches", build_stretches, "A\nB\nC\n", 3, 4, 40, 0 },
	{ "past end", build_past_end, "A\n", 1, 1, 16, 0 },
	{ "bad kind", build_bad_kind, "A\n", 1, 1, 32, 0 },
	{ "bad mark", build_bad_mark, "A\n", 1, 1, 16, 0 },
	{ "bad aux", build_bad_aux, "A\n", 1, 1, 128, 0 },
	{ "long snippet", build_long_snippet, "A\n", 1, 1, 8 + 48 + ST_DATA_SNIP_MAX + 8, 0 },
	{ "short data", build_short_data, "A\n", 1, 1, 48, 0 },
	{ "bad tuples", build_bad_tuples, "A\n" SEND_LINE SEND_LINE SEND_LINE, 4, 2,
	  FRAME_SIZE(8 + sizeof(TUPLE_KEYS) - 1) + 16 + 32 + 32 + 24, 2 },
	{ "nonzero tail", build_nonzero_tail, "A\n", 1, 1, 3, 0 },
	{ "bad sdata", build_bad_sdata,
	  "A\n{\"call\":\"send\",\"pid\":1,\"tid\":1,\"t\":1,\"dur\":1,\"fd\":1,\"ret\":1,"
	  "\"bytes\":1,\"data\":\"h\"}\n", 2, 2, 32 + 48 + FRAME_SIZE(32 + ST_DATA_SNIP_MAX + 1), 0 },
	{ "bad opts", build_bad_opts,
	  "A\nB\n" CALL_START("setsockopt") "\"fd\":4,\"ret\":0,\"level\":\"SOL_SOCKET\","
	  "\"opt\":\"SO_KEEPALIVE\",\"val\":1}\nC\n", 4, 3, 72 + 64 + 80 + 72 + 80, 0 },
};

static void test_corrupt_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
		struct st_binlog_stats st;
		struct blog b;
		size_t n;
		char *text;

		blog_start(&b);
		corrupt_cases[i].build(&b);
		text = decode_ok(&b, &n, &st);
		if (strcmp(text, corrupt_cases[i].want) != 0 || n != strlen(text))
			fail_msg("%s: got \"%s\"", corrupt_cases[i].name, text);
		if (st.frames != corrupt_cases[i].frames || st.bad != corrupt_cases[i].bad ||
		    st.bad_bytes != corrupt_cases[i].bad_bytes ||
		    st.no_tuple != corrupt_cases[i].no_tuple)
			fail_msg("%s: frames %llu bad %llu bad_bytes %llu no_tuple %llu", corrupt_cases[i].name,
				 (unsigned long long)st.frames, (unsigned long long)st.bad,
				 (unsigned long long)st.bad_bytes, (unsigned long long)st.no_tuple);
		free(text);
		free(b.p);
	}
}

/* A DATA frame naming a TUPLE frame that is not there gets no five-tuple
 * keys and is counted; one whose TUPLE frame comes later gets them. */
static void test_tuple_missing_and_late(void **state)
{
	const struct call c = { ST_DC_WRITE, { 1, 2, 3, 4, 0, 5, 9, 0, 0 }, NULL, 0 };
	struct call late = c;
	struct blog b;

	(void)state;
	late.d.tuple = 10;
	blog_start(&b);
	blog_data(&b, &c);
	blog_data(&b, &late);
	blog_tuple(&b, 10, TUPLE_KEYS);
	expect_log(&b,
		   "{\"call\":\"write\",\"pid\":1,\"tid\":2,\"t\":3,\"dur\":4,\"fd\":5,\"ret\":0,"
		   "\"bytes\":0}\n"
		   "{\"call\":\"write\",\"pid\":1,\"tid\":2,\"t\":3,\"dur\":4,\"fd\":5,\"ret\":0"
		   TUPLE_KEYS ",\"bytes\":0}\n",
		   2, 0, 0, 1);
	free(b.p);
}

/* The same id twice: the later frame's keys; empty keys are allowed. */
static void test_tuple_repeated(void **state)
{
	const struct call c = { ST_DC_WRITE, { 1, 2, 3, 4, 0, 5, 9, 0, 0 }, NULL, 0 };
	struct call empty = c;
	struct blog b;

	(void)state;
	empty.d.tuple = 11;
	blog_start(&b);
	blog_tuple(&b, 9, ",\"proto\":\"udp\"");
	blog_tuple(&b, 11, "");
	blog_data(&b, &c);
	blog_data(&b, &empty);
	blog_tuple(&b, 9, ",\"proto\":\"tcp\"");
	expect_log(&b,
		   "{\"call\":\"write\",\"pid\":1,\"tid\":2,\"t\":3,\"dur\":4,\"fd\":5,\"ret\":0,"
		   "\"proto\":\"tcp\",\"bytes\":0}\n"
		   "{\"call\":\"write\",\"pid\":1,\"tid\":2,\"t\":3,\"dur\":4,\"fd\":5,\"ret\":0,"
		   "\"bytes\":0}\n",
		   2, 0, 0, 0);
	free(b.p);
}

static void test_magic(void **state)
{
	static const unsigned char json[] = "{\"type\":\"header\"}\n";
	struct st_binlog_stats st;
	char *out = (char *)"untouched";
	size_t n = 99;
	struct blog b;
	char *text;

	(void)state;
	assert_false(st_binlog_is(json, sizeof(json) - 1));
	assert_false(st_binlog_is(ST_BINLOG_MAGIC, 7));
	assert_true(st_binlog_is(ST_BINLOG_MAGIC, 8));
	errno = 0;
	assert_int_equal(st_binlog_decode(json, sizeof(json) - 1, &out, &n, &st), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(st_binlog_decode((const unsigned char *)ST_BINLOG_MAGIC, 7, &out, &n, &st), -1);
	assert_int_equal(errno, EINVAL);

	blog_start(&b);
	text = decode_ok(&b, &n, &st);
	assert_int_equal(n, 0);
	expect_stats(&st, 0, 0, 0, 0);
	free(text);
	free(b.p);
}

/* Enough five-tuples to grow the table many times, ids spread over the
 * whole range, half of the DATA frames before their TUPLE frames. */
static void test_many_tuples(void **state)
{
	enum { COUNT = 5000 };
	struct st_binlog_stats st;
	struct blog b, want;
	size_t n;
	char *text;

	(void)state;
	blog_start(&b);
	memset(&want, 0, sizeof(want));
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < COUNT; i++) {
			uint32_t id = UINT32_MAX - (uint32_t)i * 858993u;
			char keys[128], line[256];
			struct call c = { ST_DC_RECV, { 1, 1, 1, 1, 0, 3, id, 0, 0 }, NULL, 0 };
			int k;

			snprintf(keys, sizeof(keys), ",\"proto\":\"tcp\",\"local\":\"10.0.0.1:%d\"", i);
			if (pass == 0 && i % 2 == 0)
				blog_tuple(&b, id, keys);
			if (pass == 1) {
				blog_data(&b, &c);
				k = snprintf(line, sizeof(line),
					     "{\"call\":\"recv\",\"pid\":1,\"tid\":1,\"t\":1,\"dur\":1,"
					     "\"fd\":3,\"ret\":0%s,\"bytes\":0}\n", keys);
				blog_put(&want, line, (size_t)k);
			}
			if (pass == 2 && i % 2 == 1)
				blog_tuple(&b, id, keys);
		}
	}
	text = decode_ok(&b, &n, &st);
	assert_int_equal(n, want.len);
	assert_memory_equal(text, want.p, n);
	expect_stats(&st, COUNT, 0, 0, 0);
	free(text);
	free(want.p);
	free(b.p);
}

/* A frame boundary of a valid log, picked at random (the end included). */
static size_t random_boundary(const struct blog *b, unsigned *seed)
{
	size_t off = 8, n = 0, pick;
	struct st_frame f;

	for (off = 8; off < b->len; off += st_frame_size(f.len), n++)
		memcpy(&f, b->p + off, sizeof(f));
	pick = (size_t)rand_r(seed) % (n + 1);
	for (off = 8; pick > 0; off += st_frame_size(f.len), pick--)
		memcpy(&f, b->p + off, sizeof(f));
	return off;
}

/* A random valid log, with OPT frames when opts is set; returns its frame
 * count with a line. */
static uint64_t random_log(struct blog *b, unsigned *seed, bool opts)
{
	static const char *const texts[] = { "{\"a\":1}", "{\"b\":\"x\"}\n", "", "{}" };
	int frames = rand_r(seed) % 40;
	uint64_t lines = 0;
	char snip[64];

	blog_start(b);
	for (int i = 0; i < frames; i++) {
		switch (rand_r(seed) % (opts ? 5 : 4)) {
		case 0: {
			const char *t = texts[rand_r(seed) % 4];

			blog_text(b, t);
			lines += *t != '\0';
			break;
		}
		case 1:
			blog_tuple(b, (uint32_t)(rand_r(seed) % 8 + 1), TUPLE_KEYS);
			break;
		case 2:
			blog_zeros(b, 8 * (size_t)(rand_r(seed) % 3));
			break;
		case 4: {
			struct optcall c = { { rand_r(seed), rand_r(seed), rand_r(seed), rand_r(seed),
					       rand_r(seed) % 2 - 1, rand_r(seed) % 10 - 2,
					       (uint32_t)(rand_r(seed) % 8), rand_r(seed) % 2 * EINVAL,
					       rand_r(seed) % 2 ? IPPROTO_TCP : rand_r(seed) },
					     { rand_r(seed) % 20, rand_r(seed), (uint32_t)(rand_r(seed) % 2), 0 } };

			blog_opt(b, &c);
			lines++;
			break;
		}
		case 3: if (opts && rand_r(seed) % 2) {
			struct st_frame_data d = { rand_r(seed), rand_r(seed), rand_r(seed), rand_r(seed),
						   rand_r(seed) % 20 - 2, rand_r(seed) % 10 - 2, 0,
						   rand_r(seed) % 2 * EINTR, rand_r(seed) % 3 - 1 };
			struct st_frame_fd fds[ST_WAIT_FDS_MAX];
			uint32_t n = (uint32_t)(rand_r(seed) % (ST_WAIT_FDS_MAX + 1));

			for (uint32_t k = 0; k < n; k++)
				fds[k] = (struct st_frame_fd){ rand_r(seed) % 100 - 1, (uint32_t)rand_r(seed),
							       (uint32_t)rand_r(seed) };
			blog_wait(b, ST_DC_POLL + (unsigned)(rand_r(seed) % (ST_DC_COUNT - ST_DC_POLL)), &d,
				  rand_r(seed) % 3 - 1, fds, n);
			lines++;
			break;
		}
			/* fall through */
		default: {
			/* A data call (the frame ids below the waits'). */
			struct call c = { (unsigned)(rand_r(seed) % ST_DC_POLL),
					  { rand_r(seed), rand_r(seed), rand_r(seed), rand_r(seed),
					    rand_r(seed) % 200 - 100, rand_r(seed) % 10 - 2,
					    (uint32_t)(rand_r(seed) % 8), rand_r(seed) % 3,
					    rand_r(seed) % 2 ? MSG_PEEK : 0 },
					  snip, (size_t)(rand_r(seed) % (int)sizeof(snip)) };

			for (size_t k = 0; k < sizeof(snip); k++)
				snip[k] = (char)rand_r(seed);
			blog_data(b, &c);
			lines++;
			break;
		}
		}
	}
	return lines;
}

/* Random damage: flipped bytes, cut logs, pure noise.  The decoder must
 * neither crash nor make a line without its newline. */
static void test_random_damage(void **state)
{
	unsigned seed = 20240601;

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		struct st_binlog_stats st;
		struct blog b;
		uint64_t lines = random_log(&b, &seed, true);
		int mode = rand_r(&seed) % 4;
		size_t n;
		char *out;

		if (mode == 0) {
			/* intact: every frame decodes */
		} else if (mode == 1 || mode == 2) {
			int flips = rand_r(&seed) % 16 + 1;

			for (int k = 0; k < flips && b.len > 8; k++)
				b.p[8 + (size_t)rand_r(&seed) % (b.len - 8)] ^= (unsigned char)(1 << (rand_r(&seed) % 8));
			if (mode == 2 && b.len > 8)
				b.len = 8 + (size_t)rand_r(&seed) % (b.len - 8);
		} else {
			size_t len = (size_t)(rand_r(&seed) % 512);

			b.len = 8;
			for (size_t k = 0; k < len; k++) {
				unsigned char c = (unsigned char)rand_r(&seed);

				/* Now and then a plausible head, to get past the mark. */
				if (k % 8 == 0 && rand_r(&seed) % 2)
					c = ST_FRAME_MARK;
				if (k % 8 == 1 && rand_r(&seed) % 2)
					c = (unsigned char)(rand_r(&seed) % (ST_FRAME_OPT + 1));
				blog_put(&b, &c, 1);
			}
		}
		assert_int_equal(st_binlog_decode(b.p, b.len, &out, &n, &st), 0);
		assert_non_null(out);
		if (n > 0 && out[n - 1] != '\n')
			fail_msg("iteration %d: output does not end a line", iter);
		assert_true(st.bad_bytes <= b.len - 8);
		assert_true(st.bad <= st.bad_bytes);
		if (mode == 0) {
			assert_int_equal(st.frames, lines);
			assert_int_equal(st.bad, 0);
		}
		free(out);
		free(b.p);
	}
}

/* ---- the staging ring (st_binlog_join) ---- */

/* A ring file being built: the head, then cap data bytes. */
struct ring {
	unsigned char *p;
	size_t len, cap;
};

static uint64_t word_at(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Sets a head field, as the library's native integer. */
static void ring_set(struct ring *r, size_t field, uint64_t v)
{
	memcpy(r->p + field, &v, sizeof(v));
}

static void ring_start(struct ring *r, size_t cap, uint64_t flushed, uint64_t dropped)
{
	r->cap = cap;
	r->len = ST_RING_DATA_OFF + cap;
	r->p = calloc(1, r->len);
	assert_non_null(r->p);
	memcpy(r->p, ST_RING_MAGIC, 8);
	ring_set(r, offsetof(struct st_ring_head, cap), cap);
	ring_set(r, offsetof(struct st_ring_head, flushed), flushed);
	ring_set(r, offsetof(struct st_ring_head, dropped), dropped);
}

/* Log bytes [from, to) of b into the ring, where the library puts them. */
static void ring_put(struct ring *r, const struct blog *b, size_t from, size_t to)
{
	for (size_t off = from; off < to; off++)
		r->p[ST_RING_DATA_OFF + off % r->cap] = b->p[off];
}

/* Joins the first len bytes of log with r; checks the return and the
 * dropped count, and gives the joined bytes. */
static unsigned char *join(const unsigned char *log, size_t len, const struct ring *r,
			   int want_ret, uint64_t want_dropped, size_t *n)
{
	struct st_ring_info info = { 99, 99 };
	unsigned char *out = NULL;

	assert_int_equal(st_binlog_join(log, len, r->p, r->len, &out, n, &info), want_ret);
	assert_non_null(out);
	assert_int_equal(info.dropped, want_dropped);
	return out;
}

/* A join that must give the whole log b back, byte for byte, and its
 * lines, want (frames of them). */
static void expect_joined(const unsigned char *log, size_t len, const struct ring *r,
			  const struct blog *b, const char *want, uint64_t frames)
{
	struct blog j;
	size_t n;

	j.p = join(log, len, r, 0, 0, &n);
	j.len = j.cap = n;
	assert_int_equal(n, b->len);
	assert_memory_equal(j.p, b->p, n);
	expect_log(&j, want, frames, 0, 0, 0);
	free(j.p);
}

/* A join whose ring window lies past the log's end: the log, then the
 * ring's frames right after it; missing bytes counted; its lines want. */
static void expect_gap(const unsigned char *log, size_t len, const struct ring *r,
		       uint64_t missing, const char *want, uint64_t frames)
{
	struct st_ring_info info;
	unsigned char *out = NULL;
	struct blog j;
	size_t n;

	assert_int_equal(st_binlog_join(log, len, r->p, r->len, &out, &n, &info), 0);
	assert_non_null(out);
	assert_true(n <= len + 8 + r->cap);
	assert_int_equal(info.missing, missing);
	j.p = out;
	j.len = j.cap = n;
	expect_log(&j, want, frames, 0, 0, 0);
	free(out);
}

/* A log of a header, then build_calls(): CALLS_HEADER CALLS_LINES.
 * Returns where the calls start (the part in the log file, in most joins). */
static size_t build_header_calls(struct blog *b)
{
	size_t head;

	blog_start(b);
	blog_text(b, CALLS_HEADER);
	head = b->len;
	build_calls(b);
	return head;
}

/* An all-zero ring, ahead of the log or behind it, changes nothing, and
 * the zeros a killed process left in the log file itself stay. */
static void test_join_no_ring_data(void **state)
{
	struct ring r;
	struct blog b;

	(void)state;
	blog_start(&b);
	build_calls(&b);
	for (int i = 0; i < 3; i++) {
		const size_t flushed[] = { 8, 48, b.len };

		ring_start(&r, 4096, flushed[i], 0);
		expect_joined(b.p, b.len, &r, &b, CALLS_LINES, 3);
		free(r.p);
	}
	blog_zeros(&b, 40);
	ring_start(&r, 4096, 16, 0);
	expect_joined(b.p, b.len, &r, &b, CALLS_LINES, 3);
	free(r.p);
	free(b.p);
}

/* The log file holds the magic and the header; the other frames are only
 * in the ring, right after them or after a stretch the file lacks (read
 * as zeros). */
static void test_join_ring_only(void **state)
{
	struct ring r;
	struct blog b;
	size_t head;

	(void)state;
	head = build_header_calls(&b);
	ring_start(&r, 4096, head, 0);
	ring_put(&r, &b, head, b.len);
	expect_joined(b.p, head, &r, &b, CALLS_HEADER CALLS_LINES, 4);
	free(r.p);

	/* 64 bytes the log file never got (its copy-out failed): the ring's
	 * window is laid right after the log's end, the 64 bytes counted. */
	b.len = head;
	blog_zeros(&b, 64);
	build_calls(&b);
	ring_start(&r, 4096, head + 64, 0);
	ring_put(&r, &b, head + 64, b.len);
	expect_gap(b.p, head, &r, 64, CALLS_HEADER CALLS_LINES, 4);
	free(r.p);
	free(b.p);
}

/* Forged heads: flushed far past the log (2^32, 2^46, 2^63 - 8, 2^64 - 8)
 * costs no more than the two files, and the ring's frames are read (the
 * heads that make a ring no ring: test_join_bad_ring). */
static void test_join_forged_head(void **state)
{
	static const uint64_t far[] = { (uint64_t)1 << 32, (uint64_t)1 << 46,
					((uint64_t)1 << 63) - 8, UINT64_MAX - 7 };
	struct ring r;
	struct blog calls;
	size_t head, i;

	(void)state;
	head = build_header_calls(&calls);
	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		ring_start(&r, 4096, far[i], 0);
		/* the calls where the library would have put them after flushed */
		for (size_t off = head; off < calls.len; off++)
			r.p[ST_RING_DATA_OFF + (far[i] + off - head) % r.cap] = calls.p[off];
		expect_gap(calls.p, head, &r, far[i] - head, CALLS_HEADER CALLS_LINES, 4);
		free(r.p);
	}
	free(calls.p);
}

/* A frame whose last word is zero (a DATA frame with no snippet, errno or
 * flags) is kept whole though it ends the ring's data; a head claiming
 * more than the ring holds gets no further than the ring's window. */
static void test_join_zero_last_word(void **state)
{
	unsigned char *out;
	struct ring r;
	struct blog b;
	size_t n, end;

	(void)state;
	blog_start(&b);
	blog_data(&b, &data_cases[1].c);
	assert_int_equal(word_at(b.p + b.len - 8), 0);
	ring_start(&r, 4096, 8, 0);
	ring_put(&r, &b, 8, b.len);
	expect_joined(b.p, 8, &r, &b, data_cases[1].want, 1);

	end = b.len;
	blog_head(&b, ST_FRAME_TEXT, 0, 100000);
	ring_put(&r, &b, end, b.len);
	out = join(b.p, 8, &r, 0, 0, &n);
	assert_int_equal(n, 8 + 4096);
	assert_memory_equal(out, b.p, b.len);
	assert_int_equal(word_at(out + n - 8), 0);
	free(b.p);
	b.p = out;
	b.len = n;
	expect_log(&b, data_cases[1].want, 1, 1, 8, 0);	/* the head: a corrupt word */
	free(r.p);
	free(b.p);
}

/* A ring that has gone round three times and more, its last frames
 * running over the end of its data back to the start. */
static void test_join_wrap(void **state)
{
	const size_t cap = 4096, flushed = 4 * cap - 24;
	char *want;
	struct ring r;
	struct blog b;
	size_t fill;

	(void)state;
	blog_start(&b);
	fill = flushed - b.len - 8;		/* one TEXT frame up to flushed */
	want = malloc(fill + 1 + sizeof(CALLS_LINES));
	assert_non_null(want);
	memset(want, 'x', fill);
	want[fill] = '\n';
	memcpy(want + fill + 1, CALLS_LINES, sizeof(CALLS_LINES));
	blog_head(&b, ST_FRAME_TEXT, 0, (uint32_t)fill);
	blog_put(&b, want, fill);
	assert_int_equal(b.len, flushed);
	build_calls(&b);
	assert_true(flushed % cap + (b.len - flushed) > cap);
	ring_start(&r, cap, flushed, 0);
	ring_put(&r, &b, flushed, b.len);
	expect_joined(b.p, flushed, &r, &b, want, 4);
	free(want);
	free(r.p);
	free(b.p);
}

/*
 * Read while the library copies the ring out: the file has the frames up
 * to some word (here in the middle of the send frame) and flushed has not
 * moved yet.  Whether the ring's words there were cleared, are still all
 * there, or the file already has everything, each frame comes once.
 */
static void test_join_cleared_overlay(void **state)
{
	struct ring r;
	struct blog b;
	size_t head, mid;

	(void)state;
	head = build_header_calls(&b);
	/* 32 bytes into the send frame, past the header and tuple frames */
	mid = head + FRAME_SIZE(sizeof(CALLS_HEADER) - 1) + FRAME_SIZE(8 + sizeof(TUPLE_KEYS) - 1) + 32;

	ring_start(&r, 4096, head, 0);
	ring_put(&r, &b, mid, b.len);			/* cleared below mid */
	expect_joined(b.p, mid, &r, &b, CALLS_HEADER CALLS_LINES, 4);
	ring_put(&r, &b, head, mid);			/* not cleared yet */
	expect_joined(b.p, mid, &r, &b, CALLS_HEADER CALLS_LINES, 4);
	expect_joined(b.p, b.len, &r, &b, CALLS_HEADER CALLS_LINES, 4);
	free(r.p);
	free(b.p);
}

#define RING_FILE_LEN SIZE_MAX	/* not a field: the ring file's length */

/* Ring files that are not rings: each spoils a good one (cap 8192). */
static const struct {
	const char *name;
	size_t field;
	uint64_t value;
} bad_rings[] = {
	{ "no magic", offsetof(struct st_ring_head, magic), 0 },
	{ "cap not a power of two", offsetof(struct st_ring_head, cap), 6144 },
	{ "cap below 4096", offsetof(struct st_ring_head, cap), 2048 },
	{ "cap 0", offsetof(struct st_ring_head, cap), 0 },
	{ "cap past the file", offsetof(struct st_ring_head, cap), 16384 },
	{ "flushed not aligned", offsetof(struct st_ring_head, flushed), 52 },
	{ "file cut in its data", RING_FILE_LEN, ST_RING_DATA_OFF + 8192 - 8 },
	{ "file cut in its head", RING_FILE_LEN, 16 },
	{ "no file", RING_FILE_LEN, 0 },
};

/* A bad ring gives 1 and a plain copy of the log, its data unused. */
static void test_join_bad_ring(void **state)
{
	struct blog b;
	size_t head;

	(void)state;
	head = build_header_calls(&b);
	for (size_t i = 0; i < sizeof(bad_rings) / sizeof(bad_rings[0]); i++) {
		unsigned char *out;
		struct ring r;
		size_t n;

		ring_start(&r, 8192, head, 7);
		ring_put(&r, &b, head, b.len);
		if (bad_rings[i].field == RING_FILE_LEN)
			r.len = bad_rings[i].value;
		else
			ring_set(&r, bad_rings[i].field, bad_rings[i].value);
		out = join(b.p, head, &r, 1, 0, &n);
		if (n != head || memcmp(out, b.p, head) != 0)
			fail_msg("%s: not the log's copy (%zu bytes)", bad_rings[i].name, n);
		free(out);
		free(r.p);
	}
	free(b.p);
}

/* The ring's count of dropped records comes out with the join. */
static void test_join_dropped(void **state)
{
	const uint64_t dropped = ((uint64_t)1 << 40) + 5;
	unsigned char *out;
	struct ring r;
	struct blog b;
	size_t n;

	(void)state;
	blog_start(&b);
	build_calls(&b);
	ring_start(&r, 4096, 8, dropped);
	ring_put(&r, &b, 8, b.len);
	out = join(b.p, 8, &r, 0, dropped, &n);
	assert_int_equal(n, b.len);
	assert_memory_equal(out, b.p, n);
	free(out);
	free(r.p);
	free(b.p);
}

/* Random logs cut at random words: the file has a prefix, the ring the
 * rest and maybe some of the prefix again.  The join decodes exactly as
 * the whole log does. */
static void test_join_random(void **state)
{
	unsigned seed = 20240917;

	(void)state;
	for (int iter = 0; iter < 500; iter++) {
		struct st_binlog_stats st, jst;
		char *want, *got;
		size_t n, wn, gn, flushed, copied;
		unsigned char *out;
		struct ring r;
		struct blog b;

		random_log(&b, &seed, true);
		blog_pad(&b);
		/* The library copies whole frames: flushed is a frame boundary. */
		flushed = random_boundary(&b, &seed);
		copied = flushed + 8 * (size_t)(rand_r(&seed) % (int)((b.len - flushed) / 8 + 1));
		ring_start(&r, 8192, flushed, 0);
		ring_put(&r, &b, rand_r(&seed) % 2 ? flushed : copied, b.len);
		out = join(b.p, copied, &r, 0, 0, &n);
		assert_true(n <= b.len);
		assert_memory_equal(out, b.p, n);
		assert_int_equal(st_binlog_decode(b.p, b.len, &want, &wn, &st), 0);
		assert_int_equal(st_binlog_decode(out, n, &got, &gn, &jst), 0);
		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, gn);
		assert_int_equal(jst.frames, st.frames);
		free(want);
		free(got);
		free(out);
		free(r.p);
		free(b.p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_lines),
		cmocka_unit_test(test_sdata_table),
		cmocka_unit_test(test_clock_ticks),
		cmocka_unit_test(test_clock_one_pair),
		cmocka_unit_test(test_data_table),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_opt_table),
		cmocka_unit_test(test_wait_frames),
		cmocka_unit_test(test_opt_between_data),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_nul),
		cmocka_unit_test(test_zero_padding),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_corrupt_table),
		cmocka_unit_test(test_tuple_missing_and_late),
		cmocka_unit_test(test_tuple_repeated),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_many_tuples),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_join_no_ring_data),
		cmocka_unit_test(test_join_ring_only),
		cmocka_unit_test(test_join_forged_head),
		cmocka_unit_test(test_join_wrap),
		cmocka_unit_test(test_join_zero_last_word),
		cmocka_unit_test(test_join_cleared_overlay),
		cmocka_unit_test(test_join_bad_ring),
		cmocka_unit_test(test_join_dropped),
		cmocka_unit_test(test_join_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
