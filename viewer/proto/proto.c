/*
 * proto.c: what every protocol reader shares (proto.h): the guess of a
 * connection's protocol from its first bytes, and the reassembly of a
 * direction's sends into messages.  A message's head is gathered in the
 * direction's buffer until its reader can read it; what the reader
 * measured as body is skipped (kept bytes or not); bytes that were not
 * kept where a head should be put the direction out of step until a send
 * starts like a message again.
 */
#include "proto/proto.h"

#include <string.h>

static const char *const app_names[ST_APP_COUNT] = {
	[ST_APP_HTTP] = "http", [ST_APP_TLS] = "tls", [ST_APP_REDIS] = "redis",
	[ST_APP_DNS] = "dns",
};

const char *st_app_name(enum st_app app)
{
	return (unsigned)app < ST_APP_COUNT ? app_names[app] : NULL;
}

enum st_app st_proto_guess(const unsigned char *p, size_t n, unsigned port, bool dgram)
{
	if (dgram)
		return st_dns_starts(p, n, false) ? ST_APP_DNS : ST_APP_NONE;
	/* A connection starts with a handshake record, not any record. */
	if (n >= 1 && p[0] == 0x16 && st_tls_starts(p, n))
		return ST_APP_TLS;
	if (st_http_starts(p, n))
		return ST_APP_HTTP;
	if (st_redis_starts(p, n))
		return ST_APP_REDIS;
	if ((port == 53 || port == 5353) && st_dns_starts(p, n, true))
		return ST_APP_DNS;
	return ST_APP_NONE;
}

static long read_msg(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	switch (d->app) {
	case ST_APP_HTTP:
		return st_http_read(d, p, n, cut);
	case ST_APP_TLS:
		return st_tls_read(d, p, n, cut);
	case ST_APP_REDIS:
		return st_redis_read(d, p, n, cut);
	case ST_APP_DNS:
		return st_dns_tcp_read(d, p, n, cut);
	default:
		return -1;
	}
}

static bool starts_msg(const struct st_proto_dir *d, const unsigned char *p, size_t n)
{
	switch (d->app) {
	case ST_APP_HTTP:
		return st_http_starts(p, n);
	case ST_APP_TLS:
		return st_tls_starts(p, n);
	case ST_APP_REDIS:
		return st_redis_starts(p, n);
	case ST_APP_DNS:
		return st_dns_starts(p, n, true);
	default:
		return false;
	}
}

void st_proto_start(struct st_proto_dir *d, enum st_app app, int side,
		    st_proto_emit_fn *emit, void *ctx)
{
	memset(d, 0, offsetof(struct st_proto_dir, buf));
	d->app = app;
	d->side = side;
	d->emit = emit;
	d->ctx = ctx;
}

/* Drops k bytes from the front of the buffer. */
static void take(struct st_proto_dir *d, size_t k)
{
	memmove(d->buf, d->buf + k, d->len - k);
	d->len -= k;
	d->at += k;
}

/* Passes over what is to be skipped of the buffer. */
static void skip_buffered(struct st_proto_dir *d)
{
	size_t k = d->skip < d->len ? (size_t)d->skip : d->len;

	take(d, k);
	d->skip -= k;
}

/* Reads the messages in the buffer while its reader can. */
static void drain(struct st_proto_dir *d, enum st_cut cut)
{
	while (d->len > 0 && d->skip == 0 && !d->lost) {
		long r = read_msg(d, d->buf, d->len, cut);

		if (r == 0 && cut == ST_CUT_NONE)
			return;
		if (r <= 0 || (size_t)r > d->len) {
			/* Not a message of the protocol, or cut where it
			 * cannot go on: out of step. */
			d->lost = true;
			d->at += d->len;
			d->len = 0;
			return;
		}
		if (d->ended) {
			uint64_t end = d->at + (uint64_t)r;

			d->ended(d->ctx, end + d->skip < end ? UINT64_MAX : end + d->skip);
		}
		take(d, (size_t)r);
		skip_buffered(d);
	}
}

/* n kept bytes at offset pos; start: they begin a send; cut: what the
 * reader is told when it has all of them (ST_CUT_LOST when the bytes after
 * them were not kept: saves asking twice). */
static void feed_kept(struct st_proto_dir *d, uint64_t pos, const unsigned char *p,
		      size_t n, bool start, enum st_cut cut)
{
	while (n > 0) {
		size_t k;

		if (d->skip > 0) {
			k = d->skip < n ? (size_t)d->skip : n;
			d->skip -= k;
			p += k, n -= k, pos += k;
			start = false;
			continue;
		}
		if (d->lost) {
			if (!start || !starts_msg(d, p, n))
				return;
			d->lost = false;
		}
		if (d->len == 0)
			d->at = pos;
		k = ST_PROTO_BUF - d->len < n ? ST_PROTO_BUF - d->len : n;
		memcpy(d->buf + d->len, p, k);
		d->len += k;
		p += k, n -= k, pos += k;
		start = false;
		drain(d, n == 0 ? cut : ST_CUT_NONE);
		if (d->len == ST_PROTO_BUF)
			drain(d, ST_CUT_FULL);
	}
}

/* n bytes at the current end that were not kept. */
static void feed_lost(struct st_proto_dir *d, uint64_t n)
{
	while (n > 0 && !d->lost) {
		if (d->skip > 0) {
			uint64_t k = d->skip < n ? d->skip : n;

			d->skip -= k;
			n -= k;
			continue;
		}
		if (d->len == 0) {
			/* A message begins among the bytes not kept. */
			d->lost = true;
			return;
		}
		drain(d, ST_CUT_LOST);
	}
}

void st_proto_feed(struct st_proto_dir *d, uint64_t off, const unsigned char *p,
		   size_t kept, uint64_t len)
{
	if (d->app == ST_APP_NONE)
		return;
	if (kept > len)
		kept = (size_t)len;
	if (off > d->next)
		feed_lost(d, off - d->next);
	else if (off < d->next)
		return;	/* overlaps what was fed: cannot be */
	feed_kept(d, off, p, kept, true, len > kept ? ST_CUT_LOST : ST_CUT_NONE);
	feed_lost(d, len - kept);
	d->next = off + len;
}

void st_proto_finish(struct st_proto_dir *d)
{
	if (d->app != ST_APP_NONE && !d->lost && d->skip == 0 && d->len > 0)
		drain(d, ST_CUT_END);
}

size_t st_proto_datagram(enum st_app app, const unsigned char *p, size_t kept,
			 uint64_t len, char *out)
{
	struct st_text t;

	t.n = 0;
	t.s[0] = '\0';
	if (app == ST_APP_DNS)
		st_dns_summary(&t, p, kept < len ? kept : (size_t)len, len);
	memcpy(out, t.s, t.n + 1);
	return t.n;
}
