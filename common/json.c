/*
 * json.c: the member-by-member JSON reader of json.h.
 *
 * Scanning is a loop over bytes with a class table (plain runs of a string
 * are skipped eight bytes at a time); nested arrays and
 * objects are skipped by an explicit stack of at most ST_JSON_MAX_DEPTH
 * brackets, never by recursion.  Every pointer is checked against the end of
 * the input before it is read, so no input can make the reader look past
 * the buffer it was given.
 */
#include "json.h"
#include "record.h"

#include <string.h>

/* Byte classes inside a string: 0 plain ASCII, 1 quote or backslash,
 * 2 control (invalid), 3 byte >= 0x80. */
#define R2(c) c, c
#define R4(c) R2(c), R2(c)
#define R8(c) R4(c), R4(c)
#define R16(c) R8(c), R8(c)
#define R32(c) R16(c), R16(c)
#define R64(c) R32(c), R32(c)
static const unsigned char str_classes[256] = {
	R32(2),				/* 0x00-0x1f */
	0, 0, 1, 0, R4(0), R8(0), R16(0),	/* 0x20-0x3f: '"' is 0x22 */
	R16(0), R8(0), R4(0), 1, 0, 0, 0,	/* 0x40-0x5f: '\\' is 0x5c */
	R32(0),				/* 0x60-0x7f */
	R64(3), R64(3),			/* 0x80-0xff */
};

static unsigned char str_class(unsigned char c)
{
	return str_classes[c];
}

/* SWAR (little endian only): a mask with the high bit set in each byte of
 * w that is a quote, a backslash, a control byte or >= 0x80.  A bit can be
 * set falsely only above a truly special byte (a borrow runs upwards), so
 * the lowest set bit is exact. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static uint64_t special_bytes(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return ((w - ONES * 0x20) & ~w & HIGHS) | ((q - ONES) & ~q & HIGHS) |
	       ((b - ONES) & ~b & HIGHS) | (w & HIGHS);
}
#endif

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Scans the string starting at the quote *p; returns the byte after the
 * closing quote, or NULL. */
static const char *scan_string(const char *p, const char *end,
			       struct st_json_value *v)
{
	const char *s = ++p;
	unsigned flags = 0;

	for (;;) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* Eight bytes at a time while none of them needs a look. */
		while (end - p >= 8) {
			uint64_t w, m;

			memcpy(&w, p, 8);
			if ((m = special_bytes(w)) != 0) {
				p += __builtin_ctzll(m) / 8;
				break;
			}
			p += 8;
		}
#endif
		while (p < end && str_class((unsigned char)*p) == 0)
			p++;
		if (p >= end)
			return NULL;
		switch (str_class((unsigned char)*p)) {
		case 2:
			return NULL;
		case 3:
			flags |= ST_JSON_WIDE;
			p++;
			continue;
		default:
			break;
		}
		if (*p == '"')
			break;
		/* A backslash escape. */
		flags |= ST_JSON_ESCAPED;
		if (end - p < 2)
			return NULL;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			int k, cp = 0;

			if (end - p < 6)
				return NULL;
			for (k = 0; k < 4; k++) {
				int h = st_hex_value(p[2 + k]);

				if (h < 0)
					return NULL;
				cp = cp * 16 + h;
			}
			if (cp > 0xff)
				flags |= ST_JSON_WIDE;
			p += 6;
			break;
		}
		default:
			return NULL;
		}
	}
	v->type = ST_JSON_STRING;
	v->flags = flags;
	v->p = s;
	v->n = (size_t)(p - s);
	return p + 1;
}

static const char *scan_digits(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *scan_number(const char *p, const char *end,
			       struct st_json_value *v)
{
	const char *s = p, *digits;
	unsigned flags = ST_JSON_INTEGER;
	uint64_t val = 0;

	if (*p == '-')
		p++;
	if (p >= end)
		return NULL;
	digits = p;
	if (*p == '0') {
		p++;
	} else {
		/* The value on the way, for the common integers (a time in ns
		 * has 19 digits); it is used only when it cannot have
		 * wrapped. */
		while (p < end && (unsigned)(*p - '0') <= 9) {
			val = val * 10 + (unsigned)(*p - '0');
			p++;
		}
		if (p == digits)
			return NULL;
	}
	if (p < end && *p == '.') {
		flags = 0;
		if (!(p = scan_digits(p + 1, end)))
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		flags = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = scan_digits(p, end)))
			return NULL;
	}
	/* 19 digits fit in 64 bits unsigned; then the int64_t range. */
	if (flags && p - digits <= 19 &&
	    val <= (*s == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		flags |= ST_JSON_SMALL;
		v->ival = *s == '-' ? (int64_t)(0 - val) : (int64_t)val;
	}
	v->type = ST_JSON_NUMBER;
	v->flags = flags;
	v->p = s;
	v->n = (size_t)(p - s);
	return p;
}

static const char *scan_literal(const char *p, const char *end, const char *word,
				enum st_json_type type, struct st_json_value *v)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return NULL;
	v->type = type;
	v->flags = 0;
	v->p = p;
	v->n = n;
	return p + n;
}

/* A scalar (not an array or object) at p. */
static const char *scan_scalar(const char *p, const char *end,
			       struct st_json_value *v)
{
	switch (*p) {
	case '"':
		return scan_string(p, end, v);
	case 't':
		return scan_literal(p, end, "true", ST_JSON_TRUE, v);
	case 'f':
		return scan_literal(p, end, "false", ST_JSON_FALSE, v);
	case 'n':
		return scan_literal(p, end, "null", ST_JSON_NULL, v);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return scan_number(p, end, v);
		return NULL;
	}
}

/* Skips the array or object opening at *p; returns the byte after it. */
static const char *skip_nested(const char *p, const char *end)
{
	char stack[ST_JSON_MAX_DEPTH];
	int depth = 0;
	bool opened;
	struct st_json_value v;

	stack[depth++] = *p == '[' ? ']' : '}';
	p++;
	opened = true;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (opened && *p == stack[depth - 1]) {
			p++;
			depth--;
			goto after_value;
		}
		if (stack[depth - 1] == '}') {
			if (*p != '"' || !(p = scan_string(p, end, &v)))
				return NULL;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = skip_ws(p + 1, end);
			if (p >= end)
				return NULL;
		}
		if (*p == '[' || *p == '{') {
			if (depth == ST_JSON_MAX_DEPTH)
				return NULL;
			stack[depth++] = *p == '[' ? ']' : '}';
			p++;
			opened = true;
			continue;
		}
		if (!(p = scan_scalar(p, end, &v)))
			return NULL;
after_value:
		if (depth == 0)
			return p;
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == ',') {
			p++;
			opened = false;
			continue;
		}
		if (*p == stack[depth - 1]) {
			p++;
			depth--;
			goto after_value;
		}
		return NULL;
	}
}

static const char *scan_value(const char *p, const char *end,
			      struct st_json_value *v)
{
	const char *q;

	if (p >= end)
		return NULL;
	if (*p != '[' && *p != '{')
		return scan_scalar(p, end, v);
	if (!(q = skip_nested(p, end)))
		return NULL;
	v->type = *p == '[' ? ST_JSON_ARRAY : ST_JSON_OBJECT;
	v->flags = 0;
	v->p = p;
	v->n = (size_t)(q - p);
	return q;
}

int st_json_object_begin(struct st_json_iter *it, const char *p, size_t n)
{
	const char *end = p + n;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	it->p = p + 1;
	it->end = end;
	it->first = true;
	it->array = false;
	return 0;
}

int st_json_array_begin(struct st_json_iter *it, const struct st_json_value *arr)
{
	if (arr->type != ST_JSON_ARRAY || arr->n < 2)
		return -1;
	it->p = arr->p + 1;
	it->end = arr->p + arr->n;
	it->first = true;
	it->array = true;
	return 0;
}

/* Handles the separator before the next member or item: returns 1 when one
 * follows, 0 at the closing bracket (and only whitespace after it), -1 on
 * anything else. */
static int step_separator(struct st_json_iter *it, char close)
{
	const char *p = skip_ws(it->p, it->end);

	if (p >= it->end)
		return -1;
	if (*p == close) {
		if (skip_ws(p + 1, it->end) != it->end)
			return -1;
		it->p = it->end;
		return 0;
	}
	if (!it->first) {
		if (*p != ',')
			return -1;
		p = skip_ws(p + 1, it->end);
	}
	it->p = p;
	it->first = false;
	return 1;
}

int st_json_object_next(struct st_json_iter *it, struct st_json_value *key,
			struct st_json_value *val)
{
	const char *p;
	int r;

	if (it->array)
		return -1;
	if ((r = step_separator(it, '}')) <= 0)
		return r;
	p = it->p;
	if (p >= it->end || *p != '"' || !(p = scan_string(p, it->end, key)))
		return -1;
	p = skip_ws(p, it->end);
	if (p >= it->end || *p != ':')
		return -1;
	p = skip_ws(p + 1, it->end);
	if (!(p = scan_value(p, it->end, val)))
		return -1;
	it->p = p;
	return 1;
}

int st_json_array_next(struct st_json_iter *it, struct st_json_value *val)
{
	const char *p;
	int r;

	if (!it->array)
		return -1;
	if ((r = step_separator(it, ']')) <= 0)
		return r;
	if (!(p = scan_value(it->p, it->end, val)))
		return -1;
	it->p = p;
	return 1;
}

int st_json_parse_value(const char *p, size_t n, struct st_json_value *val)
{
	const char *end = p + n, *q;

	p = skip_ws(p, end);
	if (!(q = scan_value(p, end, val)))
		return -1;
	return skip_ws(q, end) == end ? 0 : -1;
}

int st_json_get_int(const struct st_json_value *v, int64_t *out)
{
	const char *p = v->p, *end = v->p + v->n;
	bool neg = false;
	uint64_t u = 0, limit;

	if (v->type != ST_JSON_NUMBER || !(v->flags & ST_JSON_INTEGER))
		return -1;
	if (v->flags & ST_JSON_SMALL) {
		*out = v->ival;
		return 0;
	}
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (p >= end)
		return -1;
	for (; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (d > 9)
			return -1;
		if (u > (limit - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	if (neg)
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*out = (int64_t)u;
	return 0;
}

bool st_json_key_is(const struct st_json_value *key, const char *s)
{
	size_t n = strlen(s);

	return key->n == n && memcmp(key->p, s, n) == 0;
}

long st_json_decode_prefix(const struct st_json_value *v, unsigned char *dst,
			   size_t cap)
{
	const char *p = v->p, *end = v->p + v->n;
	size_t o = 0;

	if (v->type != ST_JSON_STRING || (v->flags & ST_JSON_WIDE))
		return -1;
	if (!(v->flags & ST_JSON_ESCAPED)) {
		o = v->n < cap ? v->n : cap;
		memcpy(dst, p, o);
		return (long)o;
	}
	/* The scanner has validated every escape already. */
	while (p < end && o < cap) {
		if (*p != '\\') {
			dst[o++] = (unsigned char)*p++;
			continue;
		}
		switch (p[1]) {
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u':
			dst[o++] = (unsigned char)(st_hex_value(p[4]) * 16 + st_hex_value(p[5]));
			p += 4;
			break;
		default: dst[o++] = (unsigned char)p[1]; break;
		}
		p += 2;
	}
	return (long)o;
}
