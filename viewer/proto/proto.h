/*
 * proto.h: the interface of the protocol readers (one file each in this
 * room).  A reader is given one direction of a connection's bytes, in
 * order, and turns them into short summaries for the arrows.  The readers
 * depend on nothing of the model: the model feeds them bytes and keeps what
 * they say.
 *
 * The bytes come as the sends made them (st_proto_feed, one call per
 * send): the first `kept` bytes of each are known, the rest of its `len`
 * were not logged.  proto.c does the reassembly shared by all readers: it
 * gathers a message's head in a buffer until its reader can read it, skips
 * the bodies the reader measured (known or not), and after bytes it could
 * not read waits for a send that starts like a message of the protocol.
 * A summary is said (the emit callback) at the offset where its message
 * starts, in its direction; nothing is ever read past the bytes given.
 */
#ifndef ST_PROTO_H
#define ST_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum st_app { ST_APP_NONE, ST_APP_HTTP, ST_APP_TLS, ST_APP_REDIS, ST_APP_DNS, ST_APP_COUNT };

/* "http", "tls", "redis", "dns"; NULL for ST_APP_NONE. */
const char *st_app_name(enum st_app app);

/* The longest summary, NUL excluded. */
#define ST_PROTO_TEXT 160
/* The most bytes of one message's head gathered before it is read. */
#define ST_PROTO_BUF 4096

/* Said for each message: where it starts in its direction, and its
 * summary (printable or not: the renderers escape it). */
typedef void st_proto_emit_fn(void *ctx, uint64_t off, const char *text, size_t n);
/* Said after each message read whole or measured (its body to be skipped):
 * the offset just past it.  The bytes up to there belong to the message
 * last said; after bytes no reader could read, nothing is said. */
typedef void st_proto_end_fn(void *ctx, uint64_t end);

/* How a reader is asked: more bytes may follow (0), the bytes after these
 * were not kept (ST_CUT_LOST), the buffer is full (ST_CUT_FULL), or the
 * direction ended (ST_CUT_END). */
enum st_cut { ST_CUT_NONE, ST_CUT_LOST, ST_CUT_FULL, ST_CUT_END };

struct st_proto_dir;

/*
 * A reader's one function: read the message at the start of p[0..n)
 * (offset d->at in its direction).  Returns the bytes it took (the message,
 * or its head, with d->skip set to the bytes that follow and are to be
 * skipped unread), 0 when it needs more bytes (never when cut is not
 * ST_CUT_NONE), or -1 when the bytes are not a message it can read (it has
 * said so with st_proto_say, when it could).
 */
typedef long st_proto_read_fn(struct st_proto_dir *d, const unsigned char *p, size_t n,
			      enum st_cut cut);

struct st_proto_dir {
	enum st_app app;
	int side;		/* 0: the client's bytes, 1: the server's */
	uint64_t at;		/* offset of buf[0] (and of the next byte read) */
	uint64_t next;		/* offset of the next byte fed */
	uint64_t skip;		/* bytes still to pass over unread */
	size_t len;		/* bytes in buf */
	bool lost;		/* out of step: waiting for a message start */
	st_proto_emit_fn *emit;
	st_proto_end_fn *ended;	/* NULL, or set after st_proto_start */
	void *ctx;
	/* What a reader keeps between messages. */
	union {
		struct {	/* http.c */
			int body;		/* enum in http.c */
			uint64_t left;		/* of the current chunk */
			bool head_req;		/* the request was HEAD */
		} http;
		struct {	/* tls.c */
			bool encrypted;		/* after a ChangeCipherSpec */
		} tls;
		struct {	/* redis.c */
			int unused;
		} redis;
	} u;
	char sni[256];		/* tls: the server name of the ClientHello */
	unsigned char buf[ST_PROTO_BUF];
};

/* Which protocol the first bytes of a direction look like (n may be
 * short); port is the server's port, 0 when unknown, and only breaks a
 * tie (DNS over TCP has no mark of its own). */
enum st_app st_proto_guess(const unsigned char *p, size_t n, unsigned port, bool dgram);
/* Starts a direction of a connection known to speak app. */
void st_proto_start(struct st_proto_dir *d, enum st_app app, int side,
		    st_proto_emit_fn *emit, void *ctx);
/* One send: len bytes at offset off of the direction, of which the first
 * kept (at p) were logged. */
void st_proto_feed(struct st_proto_dir *d, uint64_t off, const unsigned char *p,
		   size_t kept, uint64_t len);
/* The direction ended: a message still gathering is said as it is. */
void st_proto_finish(struct st_proto_dir *d);
/* One datagram of a protocol read datagram by datagram (DNS over UDP):
 * its summary into out (ST_PROTO_TEXT + 1 bytes); returns its length. */
size_t st_proto_datagram(enum st_app app, const unsigned char *p, size_t kept,
			 uint64_t len, char *out);

/* For the readers: why a message was read short, as a label's tail:
 * " (rest not kept)", " (over 4096 B, read in part)", " (incomplete)". */
const char *st_cut_note(enum st_cut cut);
/* For the readers: says a summary of the message at offset off, printf
 * style (cut to ST_PROTO_TEXT). */
void st_proto_say(struct st_proto_dir *d, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A small text builder the readers share: appends, never past cap. */
struct st_text {
	char s[ST_PROTO_TEXT + 1];
	size_t n;
};
/* Says t as the summary of the message at offset off. */
void st_proto_say_text(struct st_proto_dir *d, uint64_t off, const struct st_text *t);
/* Appends s as it is (it is printable: the readers' own words). */
void st_text_str(struct st_text *t, const char *s);
void st_text_add(struct st_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends bytes as they are (up to max of them, then "..." ), the
 * renderers escape what is not printable. */
void st_text_bytes(struct st_text *t, const unsigned char *p, size_t n, size_t max);

/* The readers (one file each). */
long st_http_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut);
bool st_http_starts(const unsigned char *p, size_t n);
long st_tls_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut);
bool st_tls_starts(const unsigned char *p, size_t n);
long st_redis_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut);
bool st_redis_starts(const unsigned char *p, size_t n);
long st_dns_tcp_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut);
bool st_dns_starts(const unsigned char *p, size_t n, bool tcp);
/* A whole DNS message (p[0..n), of a total of len bytes) into t. */
void st_dns_summary(struct st_text *t, const unsigned char *p, size_t n, uint64_t len);

#endif
