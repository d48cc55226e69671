/*
 * event.c: building and writing records (see event.h).  The fixed part of a
 * record is built in a stack buffer; the payload, which may be large with
 * SOCKTRACE_PAYLOAD=all, is encoded straight into the reserved log space in
 * small pieces, so no record ever needs the heap.
 */
#include "event.h"

#include <string.h>

#include "fdtab.h"
#include "names.h"
#include "sink.h"

void st_event_begin(struct st_event *ev, const struct st_call *c, int64_t ret)
{
	char ebuf[16];

	ev->iov = NULL;
	ev->iovcnt = 0;
	ev->data_len = 0;
	st_rec_begin(&ev->rec, ev->buf, sizeof(ev->buf));
	st_rec_str(&ev->rec, "call", c->name);
	st_rec_int(&ev->rec, "pid", st_pid);
	st_rec_int(&ev->rec, "tid", st_gettid());
	st_rec_int(&ev->rec, "t", c->t0);
	st_rec_int(&ev->rec, "dur", c->t1 > c->t0 ? c->t1 - c->t0 : 0);
	if (c->fd >= 0)
		st_rec_int(&ev->rec, "fd", c->fd);
	st_rec_int(&ev->rec, "ret", ret);
	if (c->err)
		st_rec_str(&ev->rec, "errno", st_errno_name(c->err, ebuf));
}

void st_event_sock(struct st_event *ev, int fd, const char *peer)
{
	struct st_sockinfo si;

	if (!st_fd_get(fd, &si))
		return;
	st_rec_str(&ev->rec, "proto", si.proto);
	if (si.local[0] || si.family == AF_UNIX)
		st_rec_str(&ev->rec, "local", si.local);
	if (peer)
		st_rec_str(&ev->rec, "peer", peer);
	else if (si.peer[0])
		st_rec_str(&ev->rec, "peer", si.peer);
}

void st_event_datav(struct st_event *ev, const struct iovec *iov, int iovcnt,
		    int64_t transferred)
{
	size_t want;
	int i;

	if (transferred < 0)
		return;
	st_rec_int(&ev->rec, "bytes", transferred);
	if (st_cfg.payload == 0 || transferred == 0)
		return;
	want = (size_t)transferred;
	if (st_cfg.payload > 0 && want > (size_t)st_cfg.payload)
		want = (size_t)st_cfg.payload;
	/* Only as much as the buffers hold (a recvmsg may report more than its
	 * iovecs took, with MSG_TRUNC). */
	{
		size_t room = 0;

		for (i = 0; i < iovcnt; i++)
			room += iov[i].iov_len;
		if (want > room)
			want = room;
	}
	ev->iov = iov;
	ev->iovcnt = iovcnt;
	ev->data_len = want;
}

void st_event_data(struct st_event *ev, const void *p, int64_t transferred)
{
	/* The iovec lives in the event so it outlasts this call. */
	static __thread struct iovec one;

	one.iov_base = (void *)p;
	one.iov_len = transferred > 0 ? (size_t)transferred : 0;
	st_event_datav(ev, &one, 1, transferred);
}

/* The i-th piece of the payload to log: at most what is left of data_len. */
static size_t piece(const struct st_event *ev, int i, size_t left, const unsigned char **p)
{
	*p = ev->iov[i].iov_base;
	return ev->iov[i].iov_len < left ? ev->iov[i].iov_len : left;
}

static size_t encoded_len(const unsigned char *p, size_t n)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f)
			len += (c == '"' || c == '\\') ? 2 : 1;
		else if (c == '\n' || c == '\r' || c == '\t')
			len += 2;
		else
			len += 6;
	}
	return len;
}

void st_event_emit(struct st_event *ev)
{
	static const char data_key[] = ",\"data\":\"";
	static const char tail[] = "\"}\n";
	struct st_span span;
	size_t head, total, enc = 0, left, len;
	const unsigned char *p;
	long n;
	int i;

	if (ev->data_len == 0) {
		n = st_rec_end(&ev->rec);
		if (n < 0 || !st_sink_reserve(&span, (size_t)n))
			return;
		st_span_put(&span, ev->buf, (size_t)n);
		st_sink_release();
		return;
	}
	if (ev->rec.overflow)
		return;
	head = ev->rec.len;
	for (i = 0, left = ev->data_len; i < ev->iovcnt && left; i++) {
		len = piece(ev, i, left, &p);
		enc += encoded_len(p, len);
		left -= len;
	}
	total = head + sizeof(data_key) - 1 + enc + sizeof(tail) - 1;
	if (!st_sink_reserve(&span, total))
		return;
	st_span_put(&span, ev->buf, head);
	st_span_put(&span, data_key, sizeof(data_key) - 1);
	for (i = 0, left = ev->data_len; i < ev->iovcnt && left; i++) {
		size_t off = 0;

		len = piece(ev, i, left, &p);
		left -= len;
		while (off < len) {
			char tmp[256 * 6];
			size_t k = len - off < 256 ? len - off : 256;
			long w = st_encode_bytes(tmp, sizeof(tmp), p + off, k);

			if (w > 0)
				st_span_put(&span, tmp, (size_t)w);
			off += k;
		}
	}
	st_span_put(&span, tail, sizeof(tail) - 1);
	st_sink_release();
}
