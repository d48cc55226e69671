/*
 * test_json.c: the JSON reader (common/json.h) on valid, invalid and
 * hostile text.  Table driven: each case is a line and whether it reads as
 * one object whose members all scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Reads an object to its end: the member count, or -1 when malformed. */
static int count_members(const char *p, size_t n)
{
	struct st_json_iter it;
	struct st_json_value k, v;
	int r, count = 0;

	if (st_json_object_begin(&it, p, n) < 0)
		return -1;
	while ((r = st_json_object_next(&it, &k, &v)) > 0)
		count++;
	return r < 0 ? -1 : count;
}

static const struct {
	const char *text;
	int members;		/* -1: malformed */
} object_cases[] = {
	{ "{}", 0 },
	{ "  { }  ", 0 },
	{ "{\"a\":1}", 1 },
	{ "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":false,\"e\":null}", 5 },
	{ "{\"a\":[1,2,{\"b\":[]}],\"c\":{\"d\":{\"e\":[null]}}}", 2 },
	{ "{\"a\":-0.5e+10,\"b\":0,\"c\":-12}", 3 },
	{ "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00ff\"}", 1 },
	{ "{\"a\":1}\r", 1 },
	{ "{\"dup\":1,\"dup\":2}", 2 },
	{ "{\"wide\":\"\\u0100\"}", 1 },	/* scans; flagged wide */
	/* malformed */
	{ "", -1 },
	{ "[]", -1 },
	{ "{", -1 },
	{ "{\"a\"}", -1 },
	{ "{\"a\":}", -1 },
	{ "{\"a\":1,}", -1 },
	{ "{\"a\":1 \"b\":2}", -1 },
	{ "{\"a\":1}}", -1 },
	{ "{\"a\":1} x", -1 },
	{ "{a:1}", -1 },
	{ "{\"a\":01}", -1 },
	{ "{\"a\":1.}", -1 },
	{ "{\"a\":.5}", -1 },
	{ "{\"a\":-}", -1 },
	{ "{\"a\":1e}", -1 },
	{ "{\"a\":tru}", -1 },
	{ "{\"a\":nul}", -1 },
	{ "{\"a\":\"x}", -1 },
	{ "{\"a\":\"\\x41\"}", -1 },
	{ "{\"a\":\"\\u12\"}", -1 },
	{ "{\"a\":\"\\u12g4\"}", -1 },
	{ "{\"a\":\"tab\there\"}", -1 },
	{ "{\"a\":[1,2}", -1 },
	{ "{\"a\":[1,2,]}", -1 },
	{ "{\"a\":{\"b\"}}", -1 },
	{ "{\"a\":{\"b\":1,}}", -1 },
	{ "{\"a\":[}", -1 },
	{ "{\"a\":]}", -1 },
	{ "{\"a\":\"\\", -1 },
	{ "{\"a\":\"\\u00", -1 },
};

static void test_objects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(object_cases) / sizeof(object_cases[0]); i++) {
		int got = count_members(object_cases[i].text, strlen(object_cases[i].text));

		if (got != object_cases[i].members)
			fail_msg("case %zu %s: got %d, want %d", i, object_cases[i].text, got,
				 object_cases[i].members);
	}
}

static const struct {
	const char *text;
	int ok;
	int64_t value;
} int_cases[] = {
	{ "0", 1, 0 }, { "-0", 1, 0 }, { "42", 1, 42 }, { "-42", 1, -42 },
	{ "1763700000000009000", 1, 1763700000000009000LL },
	{ "-1763700000000009000", 1, -1763700000000009000LL },
	{ "9999999999999999999", 0, 0 },
	{ "10000000000000000000", 0, 0 },
	{ "18446744073709551616", 0, 0 },
	{ "9223372036854775807", 1, INT64_MAX },
	{ "-9223372036854775808", 1, INT64_MIN },
	{ "9223372036854775808", 0, 0 },
	{ "-9223372036854775809", 0, 0 },
	{ "99999999999999999999999999999999", 0, 0 },
	{ "1.5", 0, 0 }, { "1e3", 0, 0 }, { "\"1\"", 0, 0 }, { "true", 0, 0 },
	{ "null", 0, 0 },
};

static void test_ints(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		struct st_json_value v;
		int64_t out = 0;
		int r;

		assert_int_equal(st_json_parse_value(int_cases[i].text,
						     strlen(int_cases[i].text), &v), 0);
		r = st_json_get_int(&v, &out);
		if ((r == 0) != int_cases[i].ok || (r == 0 && out != int_cases[i].value))
			fail_msg("int case %s: r=%d out=%lld", int_cases[i].text, r, (long long)out);
	}
}

static const struct {
	const char *text;	/* a JSON string, with quotes */
	long len;		/* decoded length, -1: not a byte string */
	const char *bytes;
	unsigned flags;
} string_cases[] = {
	{ "\"hello\"", 5, "hello", 0 },
	{ "\"GET / HTTP/1.1\\r\\n\"", 16, "GET / HTTP/1.1\r\n", ST_JSON_ESCAPED },
	{ "\"\\u0000\\u001b[31m\"", 6, "\0\033[31m", ST_JSON_ESCAPED },
	{ "\"\\u00ff\\u0080\"", 2, "\xff\x80", ST_JSON_ESCAPED },
	{ "\"\\u0100\"", -1, "", ST_JSON_ESCAPED | ST_JSON_WIDE },
	{ "\"caf\xc3\xa9\"", -1, "", ST_JSON_WIDE },
	{ "\"\\\"q\\\\\"", 3, "\"q\\", ST_JSON_ESCAPED },
};

static void test_strings(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
		struct st_json_value v;
		unsigned char buf[64];
		long n;

		assert_int_equal(st_json_parse_value(string_cases[i].text,
						     strlen(string_cases[i].text), &v), 0);
		assert_int_equal(v.type, ST_JSON_STRING);
		assert_int_equal(v.flags, string_cases[i].flags);
		n = st_json_decode_prefix(&v, buf, sizeof(buf));
		assert_int_equal(n, string_cases[i].len);
		if (n > 0)
			assert_memory_equal(buf, string_cases[i].bytes, (size_t)n);
	}
}

/* A special byte at every position of a string, so that the scanner's
 * eight-bytes-at-a-time path and its byte loop both meet it: an escape, a
 * raw control byte (invalid), a byte >= 0x80 (wide) and the closing quote. */
static void test_string_positions(void **state)
{
	static const struct {
		const char *special;
		int ok;
		unsigned flags;
		long extra;	/* decoded length beyond the plain bytes */
	} kinds[] = {
		{ "\\n", 1, ST_JSON_ESCAPED, 1 },
		{ "\\\\", 1, ST_JSON_ESCAPED, 1 },
		{ "\\\"", 1, ST_JSON_ESCAPED, 1 },
		{ "\x01", 0, 0, 0 },
		{ "\x1f", 0, 0, 0 },
		{ "\x7f", 1, 0, 1 },
		{ "\xc3\xa9", 1, ST_JSON_WIDE, -1 },
		{ "", 1, 0, 0 },
	};
	size_t k;
	int before, after;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (before = 0; before < 20; before++)
			for (after = 0; after < 12; after++) {
				char text[64];
				struct st_json_value v;
				unsigned char buf[64];
				int n = 0, r;

				text[n++] = '"';
				memset(text + n, 'a', (size_t)before);
				n += before;
				memcpy(text + n, kinds[k].special, strlen(kinds[k].special));
				n += (int)strlen(kinds[k].special);
				memset(text + n, 'b', (size_t)after);
				n += after;
				text[n++] = '"';
				r = st_json_parse_value(text, (size_t)n, &v);
				if ((r == 0) != kinds[k].ok)
					fail_msg("kind %zu at %d: r=%d", k, before, r);
				if (r < 0)
					continue;
				assert_int_equal(v.flags, kinds[k].flags);
				assert_int_equal(v.n, (size_t)(n - 2));
				if (kinds[k].extra < 0) {
					assert_int_equal(st_json_decode_prefix(&v, buf, sizeof(buf)), -1);
					continue;
				}
				assert_int_equal(st_json_decode_prefix(&v, buf, sizeof(buf)),
						 before + after + kinds[k].extra);
			}
}

static void test_prefix_cut(void **state)
{
	struct st_json_value v;
	unsigned char buf[4];
	const char *s = "\"\\u0041\\n\\u0042CDEF\"";

	(void)state;
	assert_int_equal(st_json_parse_value(s, strlen(s), &v), 0);
	assert_int_equal(st_json_decode_prefix(&v, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "A\nBC", 4);
}

/* Members and items come out with their types and spans. */
static void test_walk(void **state)
{
	const char *s = "{\"call\":\"recv\",\"fd\":4,\"argv\":[\"a\",\"bc\"],\"x\":{\"y\":[1]}}";
	struct st_json_iter it, ai;
	struct st_json_value k, v, item;

	(void)state;
	assert_int_equal(st_json_object_begin(&it, s, strlen(s)), 0);
	assert_int_equal(st_json_object_next(&it, &k, &v), 1);
	assert_true(st_json_key_is(&k, "call"));
	assert_int_equal(v.type, ST_JSON_STRING);
	assert_int_equal(v.n, 4);
	assert_int_equal(st_json_object_next(&it, &k, &v), 1);
	assert_true(st_json_key_is(&k, "fd"));
	assert_int_equal(v.type, ST_JSON_NUMBER);
	assert_int_equal(st_json_object_next(&it, &k, &v), 1);
	assert_int_equal(v.type, ST_JSON_ARRAY);
	assert_int_equal(st_json_array_begin(&ai, &v), 0);
	assert_int_equal(st_json_array_next(&ai, &item), 1);
	assert_int_equal(item.n, 1);
	assert_int_equal(st_json_array_next(&ai, &item), 1);
	assert_int_equal(item.n, 2);
	assert_int_equal(st_json_array_next(&ai, &item), 0);
	assert_int_equal(st_json_object_next(&it, &k, &v), 1);
	assert_int_equal(v.type, ST_JSON_OBJECT);
	assert_int_equal(st_json_object_next(&it, &k, &v), 0);
}

/* Deep nesting fails cleanly at the limit; giant input costs no stack. */
static void test_hostile(void **state)
{
	size_t depth, n, i;
	char *s;

	(void)state;
	for (depth = ST_JSON_MAX_DEPTH - 1; depth <= 100000; depth = depth * 10 + 7) {
		n = depth * 2 + 16;
		assert_non_null(s = malloc(n));
		strcpy(s, "{\"a\":");
		for (i = 0; i < depth; i++)
			s[5 + i] = '[';
		for (i = 0; i < depth; i++)
			s[5 + depth + i] = ']';
		strcpy(s + 5 + 2 * depth, "}");
		assert_int_equal(count_members(s, strlen(s)), depth <= ST_JSON_MAX_DEPTH ? 1 : -1);
		free(s);
	}
	/* A 4 MB string, and the same cut short. */
	n = (size_t)4 << 20;
	assert_non_null(s = malloc(n + 16));
	memcpy(s, "{\"a\":\"", 6);
	memset(s + 6, 'x', n);
	memcpy(s + 6 + n, "\"}", 2);
	assert_int_equal(count_members(s, n + 8), 1);
	assert_int_equal(count_members(s, n + 6), -1);
	/* Embedded NULs are invalid inside strings and between tokens. */
	s[100] = '\0';
	assert_int_equal(count_members(s, n + 8), -1);
	free(s);
	/* Random bytes never crash (and are almost never an object). */
	{
		unsigned seed = 12345;
		char buf[257];
		int k;

		for (k = 0; k < 20000; k++) {
			size_t len = (size_t)(k % 256) + 1;

			for (i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = "{}[]\",:0123456789-.eE tfnrul\\ax"[(seed >> 16) % 32];
			}
			buf[0] = '{';
			(void)count_members(buf, len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_string_positions),
		cmocka_unit_test(test_prefix_cut),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
