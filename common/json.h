/*
 * json.h: a small, allocation-free JSON reader for log lines.
 *
 * It does not build a tree.  A caller walks one object member by member
 * (st_json_object_next), gets each value as a typed span of the input, and
 * decides what to keep; nested values it does not want are validated and
 * skipped without recursion, so deep nesting, giant lines and hostile bytes
 * cost time proportional to their length and nothing else.  Numbers are
 * converted only on request, with range checks.  Strings stay escaped in the
 * input; the reader records whether they hold escapes or characters above
 * U+00FF, which the log format forbids (docs/log-format.md, *Strings*).
 *
 * Pure: no globals, no I/O, no allocation.
 */
#ifndef ST_JSON_H
#define ST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How deep arrays and objects may nest inside a value. */
#define ST_JSON_MAX_DEPTH 64

enum st_json_type {
	ST_JSON_NULL = 1,
	ST_JSON_FALSE,
	ST_JSON_TRUE,
	ST_JSON_NUMBER,
	ST_JSON_STRING,
	ST_JSON_ARRAY,
	ST_JSON_OBJECT,
};

/* Flags of a string value. */
#define ST_JSON_ESCAPED 1u	/* holds at least one backslash escape */
#define ST_JSON_WIDE    2u	/* holds a code point above U+00FF or a raw byte >= 0x80 */
#define ST_JSON_INTEGER 4u	/* number: no fraction, no exponent */
#define ST_JSON_SMALL   8u	/* integer of at most 19 digits in int64_t range: ival holds it */

/* One value: for a string, p/n are its contents between the quotes, escapes
 * intact; for anything else, its whole text. */
struct st_json_value {
	enum st_json_type type;
	unsigned flags;
	const char *p;
	size_t n;
	int64_t ival;		/* with ST_JSON_SMALL */
};

/* A cursor over the members of one object or the items of one array. */
struct st_json_iter {
	const char *p;
	const char *end;
	bool first;
	bool array;
};

/* Starts reading the object that makes up all of [p, p+n) (whitespace
 * around it allowed).  Returns 0, or -1 when the text does not start with
 * an object. */
int st_json_object_begin(struct st_json_iter *it, const char *p, size_t n);
/* The next member: returns 1 and fills key (a string) and val, 0 after the
 * last member (and then only whitespace may follow the object), or -1 on
 * malformed input. */
int st_json_object_next(struct st_json_iter *it, struct st_json_value *key,
			struct st_json_value *val);
/* Starts reading the items of an array value (from st_json_object_next). */
int st_json_array_begin(struct st_json_iter *it, const struct st_json_value *arr);
/* The next item: 1, 0 at the end, -1 on malformed input. */
int st_json_array_next(struct st_json_iter *it, struct st_json_value *val);

/* Parses a whole text as one value; 0 or -1.  For tests and tools. */
int st_json_parse_value(const char *p, size_t n, struct st_json_value *val);

/* An integer value in [INT64_MIN, INT64_MAX]: 0, or -1 when the value is not
 * a number, has a fraction or exponent, or is out of range. */
int st_json_get_int(const struct st_json_value *v, int64_t *out);
/* true when key (a string value without escapes) equals s. */
bool st_json_key_is(const struct st_json_value *key, const char *s);
/* Decodes the first bytes of a string value with the log format's byte
 * encoding into dst (at most cap bytes); returns how many were written,
 * or -1 when the string is not a valid byte string. */
long st_json_decode_prefix(const struct st_json_value *v, unsigned char *dst,
			   size_t cap);

#endif
