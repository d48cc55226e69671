/*
 * http.c: the HTTP/1.x reader.  A message is its start line and headers
 * (up to the empty line); its body is measured by Content-Length or walked
 * chunk by chunk (Transfer-Encoding: chunked), so pipelined and keep-alive
 * messages each get their own summary: `GET /index.html HTTP/1.1`,
 * `200 OK (612 B)`.  A response with neither runs to the end of the
 * connection.  A response to HEAD, which has no body whatever its headers
 * say, is not told from others (the reader sees one direction only).
 */
#include "proto/proto.h"

#include <string.h>

enum { BODY_NONE, BODY_CHUNKED };

static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
	"PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
};

/* The length of the method at p followed by a space, 0 when none.  Looked
 * at for every send of a connection read as HTTP, so the first letter
 * rules most out at once. */
static size_t method_len(const unsigned char *p, size_t n)
{
	size_t i, k;

	if (n < 4 || p[0] < 'C' || p[0] > 'U')
		return 0;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (methods[i][0] != p[0])
			continue;
		k = strlen(methods[i]);
		if (n > k && memcmp(p, methods[i], k) == 0 && p[k] == ' ')
			return k;
	}
	return 0;
}

static bool is_status(const unsigned char *p, size_t n)
{
	return n >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
}

bool st_http_starts(const unsigned char *p, size_t n)
{
	return is_status(p, n) || method_len(p, n) > 0;
}

/* The end of the line at p (the index of its '\n'), or n. */
static size_t line_end(const unsigned char *p, size_t n)
{
	const unsigned char *e = memchr(p, '\n', n);

	return e ? (size_t)(e - p) : n;
}

/* The length of the head (through the empty line), 0 when not all here. */
static size_t head_len(const unsigned char *p, size_t n)
{
	size_t i = 0, e;

	while (i < n) {
		e = line_end(p + i, n - i);
		if (e == n - i)
			return 0;
		if (e == 0 || (e == 1 && p[i] == '\r'))
			return i + e + 1;
		i += e + 1;
	}
	return 0;
}

static bool name_is(const unsigned char *p, size_t n, const char *name)
{
	size_t k = strlen(name), i;

	if (n != k)
		return false;
	for (i = 0; i < k; i++)
		if ((p[i] | 0x20) != name[i])
			return false;
	return true;
}

/* A decimal number; false when there is none or it is too large. */
static bool parse_dec(const unsigned char *p, size_t n, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || p[i] < '0' || p[i] > '9')
		return false;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return true;
}

struct head {
	bool has_len, chunked;
	uint64_t len;
};

/* The headers that measure the body, from the lines after the first. */
static void read_headers(const unsigned char *p, size_t n, struct head *h)
{
	size_t i = line_end(p, n) + 1, e, c, v;

	while (i < n) {
		e = line_end(p + i, n - i);
		if (e == 0 || (e == 1 && p[i] == '\r'))
			break;
		for (c = 0; c < e && p[i + c] != ':'; c++)
			;
		if (c < e) {
			v = i + c + 1;
			if (name_is(p + i, c, "content-length"))
				h->has_len = parse_dec(p + v, i + e - v, &h->len);
			else if (name_is(p + i, c, "transfer-encoding"))
				h->chunked = memmem(p + v, i + e - v, "chunked", 7) != NULL;
		}
		i += e + 1;
	}
}

/* The start line into t: the request line as it is, or a status line as
 * its code and reason. */
static void say_start(struct st_text *t, const unsigned char *p, size_t n, bool *resp)
{
	size_t e = line_end(p, n);

	if (e > 0 && p[e - 1] == '\r')
		e--;
	*resp = is_status(p, n);
	if (*resp && e > 9 && p[8] == ' ') {
		if (p[7] != '1') {
			st_text_bytes(t, p, 8, 8);
			st_text_add(t, " ");
		}
		st_text_bytes(t, p + 9, e - 9, 60);
	} else {
		st_text_bytes(t, p, e, 100);
	}
}

static bool no_body_status(const unsigned char *p, size_t n)
{
	if (n < 12)
		return false;
	return p[9] == '1' || (p[9] == '2' && p[10] == '0' && p[11] == '4') ||
	       (p[9] == '3' && p[10] == '0' && p[11] == '4');
}

/* One chunk-size line of a chunked body (or the last chunk and its
 * trailers). */
static long read_chunk(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	size_t e = line_end(p, n), i, h;
	uint64_t size = 0;

	if (e == n)
		goto more;
	for (i = 0; i < e && i < 17; i++) {
		int x = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
			(p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f' ? (p[i] | 0x20) - 'a' + 10 : -1;

		if (x < 0)
			break;
		size = size * 16 + (uint64_t)x;
	}
	if (i == 0 || i == 17) {
		st_proto_say(d, d->at, "? bad chunk size");
		return -1;
	}
	if (size > 0) {
		d->skip = size + 2;
		return (long)(e + 1);
	}
	/* The last chunk: trailers up to an empty line. */
	if (e + 1 < n && (p[e + 1] == '\n' || (p[e + 1] == '\r' && e + 2 < n && p[e + 2] == '\n'))) {
		d->u.http.body = BODY_NONE;
		return (long)(e + 1 + (p[e + 1] == '\r' ? 2 : 1));
	}
	h = head_len(p + e + 1, n - e - 1);
	if (h) {
		d->u.http.body = BODY_NONE;
		return (long)(e + 1 + h);
	}
more:
	if (cut == ST_CUT_NONE)
		return 0;
	return -1;
}

long st_http_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	struct st_text t = { .n = 0 };
	struct head h = { false, false, 0 };
	size_t hl;
	bool resp;

	if (d->u.http.body == BODY_CHUNKED)
		return read_chunk(d, p, n, cut);
	if (!st_http_starts(p, n)) {
		if (n < 8 && cut == ST_CUT_NONE && memchr(p, '\n', n) == NULL)
			return 0;
		st_text_add(&t, "? not HTTP: ");
		st_text_bytes(&t, p, n, 24);
		st_proto_say_text(d, d->at, &t);
		return -1;
	}
	hl = head_len(p, n);
	if (hl == 0) {
		if (cut == ST_CUT_NONE)
			return 0;
		say_start(&t, p, n, &resp);
		st_text_str(&t, st_cut_note(cut));
		st_proto_say_text(d, d->at, &t);
		return -1;
	}
	say_start(&t, p, hl, &resp);
	read_headers(p, hl, &h);
	if (resp && no_body_status(p, hl)) {
		h.chunked = false;
		h.has_len = false;
		h.len = 0;
	} else if (h.chunked) {
		d->u.http.body = BODY_CHUNKED;
		st_text_add(&t, " (chunked)");
	} else if (h.has_len) {
		d->skip = h.len;
		if (resp || h.len > 0)
			st_text_add(&t, " (%llu B)", (unsigned long long)h.len);
	} else if (resp) {
		d->skip = UINT64_MAX;	/* to the end of the connection */
	}
	st_proto_say_text(d, d->at, &t);
	return (long)hl;
}
