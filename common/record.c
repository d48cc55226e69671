/*
 * record.c: the log record builder and the byte encoding of strings (see
 * record.h and docs/log-format.md).  Pure: no globals, no I/O.
 */
#include "record.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

size_t st_fmt_int(char *p, int64_t v)
{
	char tmp[24];
	size_t n = 0, i;
	uint64_t u;

	if (v < 0) {
		*p++ = '-';
		u = (uint64_t)0 - (uint64_t)v;
	} else {
		u = (uint64_t)v;
	}
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n + (v < 0);
}

long st_encode_bytes(char *dst, size_t cap, const void *src, size_t n)
{
	const unsigned char *s = src;
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (cap - o < 6) {
			/* Slow path near the end: check the exact need. */
			size_t need = (c >= 0x20 && c < 0x7f) ? (c == '"' || c == '\\' ? 2 : 1)
				      : (c == '\n' || c == '\r' || c == '\t') ? 2 : 6;
			if (cap - o < need)
				return -1;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		switch (c) {
		case '"':  dst[o++] = '"'; break;
		case '\\': dst[o++] = '\\'; break;
		case '\n': dst[o++] = 'n'; break;
		case '\r': dst[o++] = 'r'; break;
		case '\t': dst[o++] = 't'; break;
		default:
			dst[o++] = 'u';
			dst[o++] = '0';
			dst[o++] = '0';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	return (long)o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long st_decode_bytes(unsigned char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)src[i++];

		if (c != '\\') {
			if (c < 0x20 || c >= 0x80)
				return -1;	/* raw control or non-ASCII: not ours */
			dst[o++] = c;
			continue;
		}
		if (i >= n)
			return -1;
		c = (unsigned char)src[i++];
		switch (c) {
		case '"': case '\\': case '/': dst[o++] = c; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'u': {
			int v = 0, k;

			if (n - i < 4)
				return -1;
			for (k = 0; k < 4; k++) {
				int h = hexval(src[i + k]);
				if (h < 0)
					return -1;
				v = v * 16 + h;
			}
			if (v > 0xff)
				return -1;
			dst[o++] = (unsigned char)v;
			i += 4;
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

static void put(struct st_rec *r, const char *s, size_t n)
{
	if (r->overflow || r->cap - r->len < n) {
		r->overflow = true;
		return;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

static void put_key(struct st_rec *r, const char *key)
{
	size_t k = strlen(key);

	if (r->overflow || r->cap - r->len < k + 4) {
		r->overflow = true;
		return;
	}
	if (!r->first)
		r->buf[r->len++] = ',';
	r->first = false;
	r->buf[r->len++] = '"';
	memcpy(r->buf + r->len, key, k);
	r->len += k;
	r->buf[r->len++] = '"';
	r->buf[r->len++] = ':';
}

static void put_quoted(struct st_rec *r, const void *p, size_t n)
{
	long w;

	put(r, "\"", 1);
	if (r->overflow)
		return;
	w = st_encode_bytes(r->buf + r->len, r->cap - r->len, p, n);
	if (w < 0) {
		r->overflow = true;
		return;
	}
	r->len += (size_t)w;
	put(r, "\"", 1);
}

void st_rec_begin(struct st_rec *r, char *buf, size_t cap)
{
	r->buf = buf;
	r->cap = cap;
	r->len = 0;
	r->first = true;
	r->overflow = false;
	put(r, "{", 1);
}

void st_rec_int(struct st_rec *r, const char *key, int64_t v)
{
	char num[24];

	put_key(r, key);
	put(r, num, st_fmt_int(num, v));
}

void st_rec_str(struct st_rec *r, const char *key, const char *s)
{
	put_key(r, key);
	put_quoted(r, s, strlen(s));
}

void st_rec_bytes(struct st_rec *r, const char *key, const void *p, size_t n)
{
	put_key(r, key);
	put_quoted(r, p, n);
}

void st_rec_bool(struct st_rec *r, const char *key, bool v)
{
	put_key(r, key);
	if (v)
		put(r, "true", 4);
	else
		put(r, "false", 5);
}

void st_rec_array_begin(struct st_rec *r, const char *key)
{
	put_key(r, key);
	put(r, "[", 1);
	r->first = true;
}

void st_rec_array_str(struct st_rec *r, const char *s, size_t n)
{
	if (!r->first)
		put(r, ",", 1);
	r->first = false;
	put_quoted(r, s, n);
}

void st_rec_array_end(struct st_rec *r)
{
	put(r, "]", 1);
	r->first = false;
}

long st_rec_end(struct st_rec *r)
{
	put(r, "}\n", 2);
	return r->overflow ? -1 : (long)r->len;
}
