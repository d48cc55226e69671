/*
 * text.c: what the readers use to word their summaries (proto.h): the
 * summary's say, a small text builder, the note on a message read short.
 * It calls nothing else of this room, so the readers (http.c, tls.c,
 * redis.c, dns.c) and proto.c, which calls them, form no circle.
 */
#include "proto/proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *st_cut_note(enum st_cut cut)
{
	switch (cut) {
	case ST_CUT_LOST:
		return " (rest not kept)";
	case ST_CUT_FULL:
		return " (over 4096 B, read in part)";
	case ST_CUT_END:
		return " (incomplete)";
	default:
		return "";
	}
}

void st_proto_say_text(struct st_proto_dir *d, uint64_t off, const struct st_text *t)
{
	d->emit(d->ctx, off, t->s, t->n);
}

void st_text_str(struct st_text *t, const char *s)
{
	size_t k = strlen(s);

	if (k > ST_PROTO_TEXT - t->n)
		k = ST_PROTO_TEXT - t->n;
	memcpy(t->s + t->n, s, k);
	t->n += k;
	t->s[t->n] = '\0';
}

void st_proto_say(struct st_proto_dir *d, uint64_t off, const char *fmt, ...)
{
	char text[ST_PROTO_TEXT + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	d->emit(d->ctx, off, text, (size_t)n);
}

void st_text_add(struct st_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->n >= ST_PROTO_TEXT)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->n = t->n + (size_t)n < ST_PROTO_TEXT ? t->n + (size_t)n : ST_PROTO_TEXT;
	t->s[t->n] = '\0';
}

void st_text_bytes(struct st_text *t, const unsigned char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && i < max && t->n + 4 < ST_PROTO_TEXT; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			t->s[t->n++] = (char)c;
		} else {
			t->s[t->n++] = '\\';
			t->s[t->n++] = 'x';
			t->s[t->n++] = hex[c >> 4];
			t->s[t->n++] = hex[c & 15];
		}
	}
	t->s[t->n] = '\0';
	if (i < n)
		st_text_add(t, "...");
}
