/*
 * test_record.c: unit tests of common/record.c: the exact text the record
 * builder makes, its overflow contract (st_rec_end returns -1 and nothing
 * is written past the buffer, checked with a canary), the byte encoding of
 * strings both ways (all 256 byte values, random buffers, ASCII as itself,
 * what the decoder must reject) and st_fmt_int at its limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define CANARY 0x5a

/* A record with one of everything. */
static long build_full(char *buf, size_t cap)
{
	static const char *const args[] = { "curl", "-s", "a\"b" };
	struct st_rec r;

	st_rec_begin(&r, buf, cap);
	st_rec_str(&r, "call", "recv");
	st_rec_int(&r, "pid", 4242);
	st_rec_int(&r, "ret", -1);
	st_rec_bool(&r, "execd", false);
	st_rec_bool(&r, "ok", true);
	st_rec_array_begin(&r, "argv");
	for (int i = 0; i < 3; i++)
		st_rec_array_str(&r, args[i], strlen(args[i]));
	st_rec_array_end(&r);
	st_rec_array_begin(&r, "addrs");
	st_rec_array_end(&r);
	st_rec_bytes(&r, "data", "hi\n\0\xff", 5);
	return st_rec_end(&r);
}

static const char full_want[] =
	"{\"call\":\"recv\",\"pid\":4242,\"ret\":-1,\"execd\":false,\"ok\":true,"
	"\"argv\":[\"curl\",\"-s\",\"a\\\"b\"],\"addrs\":[],"
	"\"data\":\"hi\\n\\u0000\\u00ff\"}\n";

static void test_builder_exact(void **state)
{
	char buf[512];
	long n;

	(void)state;
	n = build_full(buf, sizeof buf);
	assert_int_equal(n, (long)strlen(full_want));
	assert_memory_equal(buf, full_want, (size_t)n);
}

static void test_builder_empty(void **state)
{
	char buf[8];
	struct st_rec r;

	(void)state;
	st_rec_begin(&r, buf, sizeof buf);
	assert_int_equal(st_rec_end(&r), 3);
	assert_memory_equal(buf, "{}\n", 3);
}

/* Every capacity short of the full record: -1, and not a byte past cap. */
static void test_builder_overflow(void **state)
{
	size_t need = strlen(full_want);
	char *buf = malloc(need + 64);

	(void)state;
	assert_non_null(buf);
	for (size_t cap = 0; cap <= need; cap++) {
		long n;

		memset(buf, CANARY, need + 64);
		n = build_full(buf, cap);
		if (cap < need && n != -1)
			fail_msg("cap %zu of %zu: st_rec_end gave %ld, want -1", cap, need, n);
		if (cap == need && n != (long)need)
			fail_msg("cap %zu: st_rec_end gave %ld, want %zu", cap, n, need);
		for (size_t i = cap; i < need + 64; i++)
			if ((unsigned char)buf[i] != CANARY)
				fail_msg("cap %zu: byte %zu written past the buffer", cap, i);
	}
	free(buf);
}

struct enc_case {
	const char *in;
	size_t n;
	const char *want;
};

static const struct enc_case enc_cases[] = {
	{ "GET / HTTP/1.1\r\n", 16, "GET / HTTP/1.1\\r\\n" },
	{ "a\"b\\c", 5, "a\\\"b\\\\c" },
	{ "\t\x01\x1f\x7f\x80\xff", 6, "\\t\\u0001\\u001f\\u007f\\u0080\\u00ff" },
	{ "/", 1, "/" },
	{ "", 0, "" },
	{ "\0", 1, "\\u0000" },
};

static void test_encode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof enc_cases / sizeof enc_cases[0]; i++) {
		const struct enc_case *c = &enc_cases[i];
		char out[256];
		long n = st_encode_bytes(out, sizeof out, c->in, c->n);

		if (n != (long)strlen(c->want) || memcmp(out, c->want, (size_t)n) != 0)
			fail_msg("case %zu: got %ld \"%.*s\", want \"%s\"", i, n,
				 n > 0 ? (int)n : 0, out, c->want);
	}
}

/* A short output buffer: -1 and nothing past cap. */
static void test_encode_overflow(void **state)
{
	static const char in[] = "ab\x01\"\n";
	char out[64];

	(void)state;
	/* Exact need: 1 + 1 + 6 + 2 + 2 = 12. */
	for (size_t cap = 0; cap < 12; cap++) {
		memset(out, CANARY, sizeof out);
		assert_int_equal(st_encode_bytes(out, cap, in, 5), -1);
		for (size_t i = cap; i < sizeof out; i++)
			assert_int_equal((unsigned char)out[i], CANARY);
	}
	assert_int_equal(st_encode_bytes(out, 12, in, 5), 12);
}

static void round_trip(const unsigned char *in, size_t n)
{
	char *enc = malloc(n * 6 + 1);
	unsigned char *dec = malloc(n + 1);
	long e, d;

	assert_non_null(enc);
	assert_non_null(dec);
	e = st_encode_bytes(enc, n * 6 + 1, in, n);
	assert_true(e >= 0);
	for (long i = 0; i < e; i++)	/* plain ASCII, no raw controls */
		assert_true(enc[i] >= 0x20 && enc[i] < 0x7f);
	d = st_decode_bytes(dec, enc, (size_t)e);
	assert_int_equal(d, (long)n);
	assert_memory_equal(dec, in, n);
	free(enc);
	free(dec);
}

static void test_round_trip_all_bytes(void **state)
{
	unsigned char all[256];

	(void)state;
	for (int i = 0; i < 256; i++) {
		unsigned char one = (unsigned char)i;

		all[i] = one;
		round_trip(&one, 1);
	}
	round_trip(all, sizeof all);
}

static void test_round_trip_random(void **state)
{
	unsigned char buf[512];
	unsigned seed = 12345;

	(void)state;
	for (int k = 0; k < 200; k++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)rand_r(&seed);
		round_trip(buf, n);
	}
}

struct dec_case {
	const char *in;
	long want;		/* length, or -1 */
	const char *out;
};

static const struct dec_case dec_cases[] = {
	{ "GET / HTTP/1.1\\r\\n", 16, "GET / HTTP/1.1\r\n" },
	{ "\\u00ff\\u00FF\\u0000", 3, "\xff\xff\0" },
	{ "\\/\\b\\f", 3, "/\b\f" },
	{ "\\u0100", -1, NULL },
	{ "\\ud800", -1, NULL },
	{ "\\x41", -1, NULL },
	{ "\\u00g0", -1, NULL },
	{ "\\u00f", -1, NULL },
	{ "abc\\", -1, NULL },
	{ "a\nb", -1, NULL },
	{ "a\tb", -1, NULL },
	{ "\xc3\xa9", -1, NULL },
};

static void test_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		const struct dec_case *c = &dec_cases[i];
		unsigned char out[64];
		long n = st_decode_bytes(out, c->in, strlen(c->in));

		if (n != c->want)
			fail_msg("decode \"%s\": got %ld, want %ld", c->in, n, c->want);
		if (n > 0 && memcmp(out, c->out, (size_t)n) != 0)
			fail_msg("decode \"%s\": wrong bytes", c->in);
	}
}

struct int_case {
	int64_t v;
	const char *want;
};

static const struct int_case int_cases[] = {
	{ 0, "0" },
	{ 7, "7" },
	{ -1, "-1" },
	{ 1763700000123456789, "1763700000123456789" },
	{ INT64_MAX, "9223372036854775807" },
	{ INT64_MIN, "-9223372036854775808" },
};

static void test_fmt_int(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
		char buf[32];
		size_t n;

		memset(buf, CANARY, sizeof buf);
		n = st_fmt_int(buf, int_cases[i].v);
		assert_int_equal(n, strlen(int_cases[i].want));
		assert_memory_equal(buf, int_cases[i].want, n);
		assert_true(n <= 21);
		for (size_t k = 21; k < sizeof buf; k++)
			assert_int_equal((unsigned char)buf[k], CANARY);
	}
}

/* st_fmt_uint against snprintf at every digit-count boundary and on a
 * spread of other values, writing nothing past its length. */
static void test_fmt_uint_boundaries(void **state)
{
	uint64_t p10 = 1, x = 0x9e3779b97f4a7c15ULL;
	char want[32], buf[32];
	size_t n;

	(void)state;
	for (int k = 0; k < 20 + 1000; k++) {
		uint64_t vals[3];

		if (k < 20) {
			vals[0] = p10 - 1;
			vals[1] = p10;
			vals[2] = p10 + 1;
			if (k < 19)
				p10 *= 10;
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			vals[0] = x;
			vals[1] = x >> (k % 64);
			vals[2] = k == 20 ? UINT64_MAX : x % 1000003;
		}
		for (int j = 0; j < 3; j++) {
			memset(buf, CANARY, sizeof buf);
			snprintf(want, sizeof want, "%" PRIu64, vals[j]);
			n = st_fmt_uint(buf, vals[j]);
			assert_int_equal(n, strlen(want));
			assert_memory_equal(buf, want, n);
			for (size_t i = n; i < sizeof buf; i++)
				assert_int_equal((unsigned char)buf[i], CANARY);
		}
	}
}

/* st_rec_int through the builder, at the limits. */
static void test_rec_int_limits(void **state)
{
	char buf[128];
	struct st_rec r;
	long n;
	static const char want[] = "{\"a\":-9223372036854775808,\"b\":9223372036854775807}\n";

	(void)state;
	st_rec_begin(&r, buf, sizeof buf);
	st_rec_int(&r, "a", INT64_MIN);
	st_rec_int(&r, "b", INT64_MAX);
	n = st_rec_end(&r);
	assert_int_equal(n, (long)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_exact),
		cmocka_unit_test(test_builder_empty),
		cmocka_unit_test(test_builder_overflow),
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_overflow),
		cmocka_unit_test(test_round_trip_all_bytes),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_fmt_int),
		cmocka_unit_test(test_fmt_uint_boundaries),
		cmocka_unit_test(test_rec_int_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
