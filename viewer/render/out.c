/*
 * out.c: the output buffer and escapes of out.h.
 */
#include "render/out.h"

#include <stdlib.h>
#include <string.h>

/* A FILE's buffer: written out whenever it is full, in one write. */
#define OUT_BLOCK ((size_t)1 << 18)

static const char hexd[] = "0123456789abcdef";

int st_out_init(struct st_out *o, FILE *fp)
{
	o->fp = fp;
	o->len = 0;
	o->cap = OUT_BLOCK;
	o->failed = false;
	o->grow = false;
	o->buf = malloc(o->cap);
	return o->buf ? 0 : -1;
}

int st_out_init_growing(struct st_out *o)
{
	if (st_out_init(o, NULL) < 0)
		return -1;
	o->grow = true;
	return 0;
}

void st_out_flush(struct st_out *o)
{
	if (!o->fp)
		return;	/* a memory buffer: kept */
	if (o->len && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->failed = true;
	o->len = 0;
}

int st_out_finish(struct st_out *o)
{
	st_out_flush(o);
	if (fflush(o->fp) != 0)
		o->failed = true;
	free(o->buf);
	o->buf = NULL;
	return o->failed ? -1 : 0;
}

int st_out_end(struct st_out *o, int r)
{
	if (o->buf && st_out_finish(o) < 0)
		return -1;
	return r;
}

/* A growing buffer: room for n more bytes (and the inline paths' spare
 * byte); false when out of memory. */
static bool make_room(struct st_out *o, size_t n)
{
	size_t cap = o->cap;
	char *nb;

	while (cap - o->len <= n + 1) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	if (cap == o->cap)
		return true;
	if (!(nb = realloc(o->buf, cap)))
		return false;
	o->buf = nb;
	o->cap = cap;
	return true;
}

void st_out_put_slow(struct st_out *o, const void *s, size_t n)
{
	if (o->grow) {
		if (!make_room(o, n)) {
			o->failed = true;
			return;
		}
	} else if (o->cap - o->len <= n + 1) {
		st_out_flush(o);
		if (!o->fp && n > o->cap - o->len)
			n = o->cap - o->len;	/* a memory buffer: cut */
		if (o->fp && n + 1 >= o->cap) {
			if (fwrite(s, 1, n, o->fp) != n)
				o->failed = true;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void st_out_char_slow(struct st_out *o, char c)
{
	if (o->grow && !make_room(o, 1)) {
		o->failed = true;
		return;
	}
	if (!o->grow)
		st_out_flush(o);
	if (o->len < o->cap)
		o->buf[o->len++] = c;
}

void st_out_repeat(struct st_out *o, const char *s, size_t times)
{
	size_t n = strlen(s);

	while (times--)
		st_out_put(o, s, n);
}

void st_out_uint(struct st_out *o, uint64_t v)
{
	char tmp[24];
	int i = 24;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	st_out_put(o, tmp + i, (size_t)(24 - i));
}

void st_out_int(struct st_out *o, int64_t v)
{
	if (v < 0) {
		st_out_char(o, '-');
		st_out_uint(o, (uint64_t)0 - (uint64_t)v);
	} else {
		st_out_uint(o, (uint64_t)v);
	}
}

void st_out_seconds(struct st_out *o, int64_t ns, int decimals)
{
	uint64_t u = ns < 0 ? 0 : (uint64_t)ns, scale = 1000000000, frac;
	char tmp[12];
	int i;

	for (i = decimals; i < 9; i++)
		scale /= 10;	/* scale = 10^decimals */
	/* Rounded to the last decimal shown. */
	u += 500000000 / scale;
	st_out_uint(o, u / 1000000000);
	if (decimals <= 0)
		return;
	frac = (u % 1000000000) / (1000000000 / scale);
	for (i = decimals - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	st_out_char(o, '.');
	st_out_put(o, tmp, (size_t)decimals);
}

static void out_scaled(struct st_out *o, int64_t ns, int64_t unit, const char *name)
{
	/* Three significant digits: 1.20, 12.0, 120. */
	int decimals = ns < 10 * unit ? 2 : ns < 100 * unit ? 1 : 0;

	st_out_seconds(o, ns * (1000000000 / unit), decimals);
	st_out_char(o, ' ');
	st_out_str(o, name);
}

void st_out_duration(struct st_out *o, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	if (ns < 1000) {
		st_out_int(o, ns);
		st_out_str(o, " ns");
	} else if (ns < 1000000) {
		out_scaled(o, ns, 1000, "us");
	} else if (ns < 1000000000) {
		out_scaled(o, ns, 1000000, "ms");
	} else if (ns < (int64_t)4000000000) {
		out_scaled(o, ns, 1000000000, "s");
	} else {
		st_out_seconds(o, ns, 1);
		st_out_str(o, " s");
	}
}

/* Bytes that stand for themselves: printable ASCII, and with strict also
 * no quote or backslash (which then stand escaped). */
static bool plain_byte(unsigned char c, bool strict)
{
	return c >= 0x20 && c < 0x7f && (!strict || (c != '"' && c != '\\'));
}

static size_t put_escaped(struct st_out *o, const unsigned char *p, size_t n, size_t max,
			  bool strict)
{
	size_t i = 0, used = 0;

	while (i < n) {
		unsigned char c = p[i];
		char e[4];
		size_t k, j, lim;

		/* A run of plain bytes in one copy. */
		lim = n - i < max - used ? n : i + (max - used);
		for (j = i; j < lim && plain_byte(p[j], strict); j++)
			;
		if (j > i) {
			st_out_put(o, p + i, j - i);
			used += j - i;
			i = j;
			continue;
		}
		if (plain_byte(c, strict)) {
			e[0] = (char)c;
			k = 1;
		} else if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			e[0] = '\\';
			e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
			k = 2;
		} else {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hexd[c >> 4];
			e[3] = hexd[c & 15];
			k = 4;
		}
		if (used + k > max)
			break;
		st_out_put(o, e, k);
		used += k;
		i++;
	}
	return i;
}

size_t st_out_bytes(struct st_out *o, const void *s, size_t n, size_t max)
{
	return put_escaped(o, s, n, max, true);
}

size_t st_out_text(struct st_out *o, const char *s, size_t n, size_t max)
{
	return put_escaped(o, (const unsigned char *)s, n, max, false);
}

void st_out_xml(struct st_out *o, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		switch (c) {
		case '&': st_out_str(o, "&amp;"); break;
		case '<': st_out_str(o, "&lt;"); break;
		case '>': st_out_str(o, "&gt;"); break;
		case '"': st_out_str(o, "&quot;"); break;
		case '\'': st_out_str(o, "&#39;"); break;
		default:
			if (c >= 0x20 && c < 0x7f) {
				st_out_char(o, (char)c);
			} else {
				char e[4] = { '\\', 'x', hexd[c >> 4], hexd[c & 15] };

				st_out_put(o, e, 4);
			}
		}
	}
}

/* A JSON string; in_script also writes <, > and & as \u00XX. */
static void out_json(struct st_out *o, const void *s, size_t n, bool in_script)
{
	const unsigned char *p = s;
	size_t i;

	st_out_char(o, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			st_out_char(o, '\\');
			st_out_char(o, (char)c);
		} else if (c >= 0x20 && c < 0x7f &&
			   !(in_script && (c == '<' || c == '>' || c == '&'))) {
			st_out_char(o, (char)c);
		} else {
			char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };

			st_out_put(o, e, 6);
		}
	}
	st_out_char(o, '"');
}

void st_out_json(struct st_out *o, const void *s, size_t n)
{
	out_json(o, s, n, false);
}

void st_out_json_script(struct st_out *o, const void *s, size_t n)
{
	out_json(o, s, n, true);
}
