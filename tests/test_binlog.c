/*
 * test_binlog.c: unit tests of common/binlog.c, the binary log decoder.
 * Logs are built frame by frame here (struct blog), decoded, and the text
 * compared with the exact lines the library's JSON writer makes for the
 * same calls; then the stats for zero padding and every kind of corrupt
 * frame (table driven), five-tuples that are missing or come late, a
 * table big enough to grow many times, and random damage to valid logs,
 * which must never crash the decoder (this binary runs under ASan/UBSan).
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

/* A header, a five-tuple, a send and a failed recv: the exact lines. */
static void test_exact_lines(void **state)
{
	const struct call send_hello = {
		ST_DC_SEND, { 10, 11, 1700000000123456789, 1500, 5, 4, 1, 0, 0 }, "hello", 5,
	};
	const struct call recv_again = {
		ST_DC_RECV, { 10, 11, 1700000000223456789, 20, -1, 4, 1, EAGAIN, 0 }, NULL, 0,
	};
	struct blog b;

	(void)state;
	blog_start(&b);
	blog_text(&b, "{\"type\":\"header\",\"version\":1,\"pid\":10}\n");
	blog_tuple(&b, 1, TUPLE_KEYS);
	blog_data(&b, &send_hello);
	blog_data(&b, &recv_again);
	expect_log(&b,
		   "{\"type\":\"header\",\"version\":1,\"pid\":10}\n"
		   "{\"call\":\"send\",\"pid\":10,\"tid\":11,\"t\":1700000000123456789,\"dur\":1500,"
		   "\"fd\":4,\"ret\":5,\"proto\":\"tcp\",\"local\":\"127.0.0.1:1\","
		   "\"peer\":\"127.0.0.1:2\",\"bytes\":5,\"data\":\"hello\"}\n"
		   "{\"call\":\"recv\",\"pid\":10,\"tid\":11,\"t\":1700000000223456789,\"dur\":20,"
		   "\"fd\":4,\"ret\":-1,\"errno\":\"EAGAIN\",\"proto\":\"tcp\","
		   "\"local\":\"127.0.0.1:1\",\"peer\":\"127.0.0.1:2\"}\n",
		   3, 0, 0, 0);
	free(b.p);
}

/* DATA frames one at a time: which keys appear, and their values. */
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
};

static void test_data_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(data_cases) / sizeof(data_cases[0]); i++) {
		struct blog b;

		blog_start(&b);
		blog_data(&b, &data_cases[i].c);
		expect_log(&b, data_cases[i].want, 1, 0, 0, 0);
		free(b.p);
	}
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
	blog_head(b, 4, 0, 16);
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

/* A random valid log; returns its frame count with a line. */
static uint64_t random_log(struct blog *b, unsigned *seed)
{
	static const char *const texts[] = { "{\"a\":1}", "{\"b\":\"x\"}\n", "", "{}" };
	int frames = rand_r(seed) % 40;
	uint64_t lines = 0;
	char snip[64];

	blog_start(b);
	for (int i = 0; i < frames; i++) {
		switch (rand_r(seed) % 4) {
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
		default: {
			struct call c = { (unsigned)(rand_r(seed) % ST_DC_COUNT),
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
		uint64_t lines = random_log(&b, &seed);
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
					c = (unsigned char)(rand_r(&seed) % 4);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_lines),
		cmocka_unit_test(test_data_table),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_nul),
		cmocka_unit_test(test_zero_padding),
		cmocka_unit_test(test_corrupt_table),
		cmocka_unit_test(test_tuple_missing_and_late),
		cmocka_unit_test(test_tuple_repeated),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_many_tuples),
		cmocka_unit_test(test_random_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
