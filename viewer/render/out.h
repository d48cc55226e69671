/*
 * out.h: the renderers' output buffer: appends without stdio formatting
 * (a million rows must print in well under a second), flushed to a FILE in
 * big blocks, plus the escapes every renderer needs: untrusted bytes as
 * printable ASCII (\n, \r, \t, \xNN, \" and \\), XML text, JSON strings.
 * No byte outside 0x20-0x7e ever comes out of an escape.
 *
 * With a NULL FILE the buffer is a memory buffer: never flushed, cut at its
 * capacity (used to measure and cut text before it is laid out), or, with
 * grow set, enlarged as needed (a block of rows drawn ahead of its turn).
 */
#ifndef ST_OUT_H
#define ST_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct st_out {
	FILE *fp;
	char *buf;
	size_t len, cap;
	bool failed;
	bool grow;		/* memory buffer: grows instead of cutting */
};

int st_out_init(struct st_out *o, FILE *fp);
/* A memory buffer that grows as needed (freed with free(o->buf)). */
int st_out_init_growing(struct st_out *o);
/* Flushes and frees; returns -1 when any write failed. */
int st_out_finish(struct st_out *o);
/* A renderer's last step: finishes its output when it was begun (buf not
 * NULL); returns r, or -1 when the output failed. */
int st_out_end(struct st_out *o, int r);
void st_out_flush(struct st_out *o);
void st_out_put_slow(struct st_out *o, const void *s, size_t n);
void st_out_char_slow(struct st_out *o, char c);

/* The common case inline: room in the buffer (a FILE's buffer is written
 * out when full). */
static inline void st_out_put(struct st_out *o, const void *s, size_t n)
{
	if (o->cap - o->len > n + 1) {
		__builtin_memcpy(o->buf + o->len, s, n);
		o->len += n;
		return;
	}
	st_out_put_slow(o, s, n);
}

static inline void st_out_char(struct st_out *o, char c)
{
	if (o->len + 1 < o->cap) {
		o->buf[o->len++] = c;
		return;
	}
	st_out_char_slow(o, c);
}

static inline void st_out_str(struct st_out *o, const char *s)
{
	st_out_put(o, s, __builtin_strlen(s));
}
void st_out_repeat(struct st_out *o, const char *s, size_t times);
void st_out_int(struct st_out *o, int64_t v);
void st_out_uint(struct st_out *o, uint64_t v);
/* Seconds with `decimals` decimals from ns (>= 0), e.g. "1.234567". */
void st_out_seconds(struct st_out *o, int64_t ns, int decimals);
/* A duration made readable: "850 ns", "18 us", "1.20 ms", "1.20 s". */
void st_out_duration(struct st_out *o, int64_t ns);

/* Untrusted bytes as printable ASCII, at most max output characters
 * (whole escapes only); returns how many input bytes were written. */
size_t st_out_bytes(struct st_out *o, const void *s, size_t n, size_t max);
/* The same for text made printable already (a protocol reader's summary,
 * whose quotes and \xNN escapes are its own): printable ASCII as it is. */
size_t st_out_text(struct st_out *o, const char *s, size_t n, size_t max);
/* Text for XML (SVG): &<>"' escaped, and bytes outside 0x20-0x7e as \xNN. */
void st_out_xml(struct st_out *o, const void *s, size_t n);
/* A JSON string with quotes; bytes outside 0x20-0x7e as \u00XX. */
void st_out_json(struct st_out *o, const void *s, size_t n);
/* The same for JSON inside an HTML <script> element: <, > and & as
 * \u003c, \u003e, \u0026 too, so no text can close the element or open
 * a comment.  (U+2028 and U+2029 cannot occur: every byte outside
 * printable ASCII is written as \u00XX.) */
void st_out_json_script(struct st_out *o, const void *s, size_t n);

#endif
