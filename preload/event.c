/*
 * event.c: building and writing records (see event.h).
 *
 * This is the hot path of the library, so the keys every record has are
 * written straight into a stack buffer: the pid/tid part and the seconds of
 * the timestamp come from a per-thread cache, the five-tuple is a fragment
 * the fd table keeps already encoded, and a default-sized payload is encoded
 * in place.  Only a large payload (SOCKTRACE_PAYLOAD=all) is encoded in
 * pieces straight into the log, so no record ever needs the heap.
 */
#include "event.h"

#include <string.h>

#include "binlog.h"
#include "fdtab.h"
#include "names.h"
#include "sink.h"

/* Per-thread pieces of the record head that rarely change. */
struct head_cache {
	pid_t pid, tid;
	size_t ids_len;
	char ids[64];		/* ","pid":P,"tid":T,"t": */
	int64_t sec;
	size_t sec_len;
	char secs[24];		/* the seconds of the last timestamp */
};

static __thread struct head_cache hc;

#define PUT_LIT(p, s) do { memcpy((p), (s), sizeof(s) - 1); (p) += sizeof(s) - 1; } while (0)

static char *put_ids(char *p)
{
	pid_t tid = st_gettid();

	if (hc.tid != tid || hc.pid != st_pid) {
		char *q = hc.ids;

		PUT_LIT(q, "\",\"pid\":");
		q += st_fmt_int(q, st_pid);
		PUT_LIT(q, ",\"tid\":");
		q += st_fmt_int(q, tid);
		PUT_LIT(q, ",\"t\":");
		hc.ids_len = (size_t)(q - hc.ids);
		/* A signal handler on this thread must not see the ids marked
		 * valid before they are written. */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		hc.pid = st_pid;
		hc.tid = tid;
	}
	memcpy(p, hc.ids, hc.ids_len);
	return p + hc.ids_len;
}

/* An integer, with the common small cases done in line. */
static inline char *put_int(char *p, int64_t v)
{
	if ((uint64_t)v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if ((uint64_t)v < 100) {
		memcpy(p, st_digit_pairs + 2 * v, 2);
		return p + 2;
	}
	return p + st_fmt_int(p, v);
}

/* A timestamp in ns: the seconds from the cache, then nine digits. */
static char *put_time(char *p, int64_t t)
{
	int64_t sec = t / 1000000000;
	uint32_t ns = (uint32_t)(t % 1000000000);
	size_t len;
	int i;

	if (t <= 1000000000)
		return p + st_fmt_int(p, t);
	/* The cache may be rewritten by a signal handler that interrupts us
	 * here: it is marked invalid while it changes, and what was copied
	 * is checked against it afterwards. */
	for (;;) {
		if (sec != hc.sec) {
			hc.sec = -1;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			hc.sec_len = st_fmt_int(hc.secs, sec);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			hc.sec = sec;
		}
		len = hc.sec_len;
		memcpy(p, hc.secs, sizeof(hc.secs));
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (hc.sec == sec && hc.sec_len == len)
			break;
	}
	p += len;
	/* Nine digits, zero-padded: one, then four pairs. */
	for (i = 7; i >= 1; i -= 2) {
		unsigned d = ns % 100;

		ns /= 100;
		memcpy(p + i, st_digit_pairs + 2 * d, 2);
	}
	p[0] = (char)('0' + ns);
	return p + 9;
}

void st_event_begin(struct st_event *ev, const struct st_call *c, int64_t ret)
{
	char ebuf[16];
	char *p = ev->buf;
	size_t nl;

	ev->iov = NULL;
	ev->iovcnt = 0;
	ev->data_len = 0;
	ev->inline_data = false;
#ifdef ST_TIME_ONLY
	/* The benchmark's cost floor (bench/README.md): every call is wrapped
	 * and timed as usual, and the record is dropped before it is built. */
	st_rec_begin(&ev->rec, ev->buf, sizeof(ev->buf));
	ev->rec.overflow = true;	/* every later st_rec_* and the emit skip */
	(void)ret;
	return;
#endif
	nl = strlen(c->name);
	PUT_LIT(p, "{\"call\":\"");
	memcpy(p, c->name, nl);
	p = put_ids(p + nl);
	p = put_time(p, c->t0);
	PUT_LIT(p, ",\"dur\":");
	p = put_int(p, c->t1 > c->t0 ? c->t1 - c->t0 : 0);
	if (c->fd >= 0) {
		PUT_LIT(p, ",\"fd\":");
		p = put_int(p, c->fd);
	}
	PUT_LIT(p, ",\"ret\":");
	p = put_int(p, ret);
	/* The builder takes over for the rest, checking room as it goes. */
	ev->rec.buf = ev->buf;
	ev->rec.cap = sizeof(ev->buf);
	ev->rec.len = (size_t)(p - ev->buf);
	ev->rec.first = false;
	ev->rec.overflow = false;
	if (c->err)
		st_rec_str(&ev->rec, "errno", st_errno_name(c->err, ebuf));
}

void st_event_sock(struct st_event *ev, int fd, const char *peer)
{
	size_t n;

	if (ev->rec.overflow || sizeof(ev->buf) - ev->rec.len < ST_FRAG_MAX)
		return;
	n = st_fd_frag(fd, ev->buf + ev->rec.len, peer == NULL);
	ev->rec.len += n;
	if (peer && n)
		st_rec_str(&ev->rec, "peer", peer);
}

size_t st_snippet_len(int64_t ret, size_t head, const struct iovec *iov, int iovcnt)
{
	size_t want, room = 0;
	int i;

	if (ret <= 0 || st_cfg.payload == 0)
		return 0;
	want = (size_t)ret;
	if (st_cfg.payload > 0 && want > (size_t)st_cfg.payload)
		want = (size_t)st_cfg.payload > head ? (size_t)st_cfg.payload : head;
	/* Only as much as the buffers hold (a recvmsg may report more than its
	 * iovecs took, with MSG_TRUNC). */
	for (i = 0; i < iovcnt && room < want; i++)
		room += iov[i].iov_len;
	return want < room ? want : room;
}

void st_event_datav(struct st_event *ev, const struct iovec *iov, int iovcnt,
		    int64_t transferred, size_t head)
{
	size_t want, left, o;
	int i;

	if (transferred < 0)
		return;
	if (ev->rec.overflow || sizeof(ev->buf) - ev->rec.len < 32)
		return;
	memcpy(ev->buf + ev->rec.len, ",\"bytes\":", 9);
	ev->rec.len += 9;
	ev->rec.len = (size_t)(put_int(ev->buf + ev->rec.len, transferred) - ev->buf);
	want = st_snippet_len(transferred, head, iov, iovcnt);
	if (want == 0)
		return;
	ev->iov = iov;
	ev->iovcnt = iovcnt;
	ev->data_len = want;
	/* Small payloads are encoded in place, room permitting (6 bytes per
	 * byte at worst, plus the key and the closing). */
	if (ev->rec.overflow || (sizeof(ev->buf) - ev->rec.len - 24) / 6 < want)
		return;
	o = ev->rec.len;
	memcpy(ev->buf + o, ",\"data\":\"", 9);
	o += 9;
	for (i = 0, left = want; i < iovcnt && left; i++) {
		size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;

		o += st_encode_unchecked(ev->buf + o, iov[i].iov_base, k);
		left -= k;
	}
	ev->buf[o++] = '"';
	ev->rec.len = o;
	ev->inline_data = true;
}

/* The i-th piece of the payload to log: at most what is left of data_len. */
static size_t piece(const struct st_event *ev, int i, size_t left, const unsigned char **p)
{
	*p = ev->iov[i].iov_base;
	return ev->iov[i].iov_len < left ? ev->iov[i].iov_len : left;
}

/* A payload too large for the record buffer goes straight into the log. */
static void emit_large(struct st_event *ev)
{
	static const char data_key[] = ",\"data\":\"";
	static const char tail[] = "\"}\n";
	struct st_frame f;
	struct st_span span;
	size_t head = ev->rec.len, total, enc = 0, left, len;
	const unsigned char *p;
	int i;

	for (i = 0, left = ev->data_len; i < ev->iovcnt && left; i++) {
		len = piece(ev, i, left, &p);
		enc += st_encoded_len(p, len);
		left -= len;
	}
	total = head + sizeof(data_key) - 1 + enc + sizeof(tail) - 1;
	if (total > UINT32_MAX)
		return;
	f = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_TEXT, 0, (uint32_t)total };
	if (!st_sink_reserve(&span, &f))
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
	st_span_commit(&span);
}

void st_event_emit(struct st_event *ev)
{
	long n;

	if (ev->rec.overflow)
		return;
	st_clock_tick(st_now());
	if (ev->data_len && !ev->inline_data) {
		emit_large(ev);
		return;
	}
	n = st_rec_end(&ev->rec);
	if (n >= 0) {
		struct st_frame f = { ST_FRAME_MARK, ST_FRAME_TEXT, 0, (uint32_t)n };

		st_sink_write(&f, ev->buf);
	}
}

/* Writes a TUPLE frame with fd's five-tuple keys when this log has not had
 * it yet; returns its number (0: none). */
static uint32_t log_tuple(int fd, uint32_t gen)
{
	struct {
		struct st_frame f;
		struct st_frame_tuple t;
		char keys[ST_FRAG_MAX];
	} fr;
	size_t n;
	uint32_t id = st_fd_tuple_known(fd, gen);

	if (id)
		return id;
	id = st_fd_tuple(fd, gen, fr.keys, &n);
	if (n == 0)
		return id;
	fr.f = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_TUPLE, 0, (uint32_t)(sizeof(fr.t) + n) };
	fr.t = (struct st_frame_tuple){ id, 0 };
	if (!st_sink_write(&fr.f, &fr.t))
		return 0;
	st_fd_tuple_logged(fd, id, gen);
	return id;
}

/* Copies up to want bytes of the iovecs to dst; returns how many. */
static size_t gather(char *dst, const struct iovec *iov, int iovcnt, size_t want)
{
	size_t got = 0;
	int i;

	for (i = 0; i < iovcnt && got < want; i++) {
		size_t k = iov[i].iov_len < want - got ? iov[i].iov_len : want - got;

		memcpy(dst + got, iov[i].iov_base, k);
		got += k;
	}
	return got;
}

/* Whether a data call's numbers fit an SDATA frame (common/binlog.h): no
 * flags, dur below 2^32, ret an int32, fd and errno below 2^16. */
static inline bool sdata_fits(int32_t arg, int64_t dur, int64_t ret, int32_t fd, int32_t err)
{
	return arg == 0 && (uint64_t)dur <= UINT32_MAX && ret == (int32_t)ret &&
	       (uint32_t)fd <= UINT16_MAX && (uint32_t)err <= UINT16_MAX;
}

/* The numbers of a DATA frame's record as an SDATA frame's, when they
 * fit one; false otherwise. */
static inline bool sdata_of(const struct st_frame_data *d, struct st_frame_sdata *x)
{
	if (!sdata_fits(d->arg, d->dur, d->ret, d->fd, d->err))
		return false;
	*x = (struct st_frame_sdata){ d->pid, d->tid, d->t, (uint32_t)d->dur, (int32_t)d->ret,
				      d->tuple, (uint16_t)d->fd, (uint16_t)d->err };
	return true;
}

/* The frame of a data call's record with numbers d and want bytes of
 * snippet: *f its head, an SDATA frame when the numbers fit one (x gets
 * them), else a DATA frame.  Returns the numbers to write, *len their
 * size. */
static inline const void *data_frame(struct st_frame *f, enum st_dcall dc,
				     const struct st_frame_data *d, struct st_frame_sdata *x,
				     size_t want, size_t *len)
{
	bool s = sdata_of(d, x);

	*len = s ? sizeof(*x) : sizeof(*d);
	*f = (struct st_frame){ ST_FRAME_MARK, s ? ST_FRAME_SDATA : ST_FRAME_DATA, (uint16_t)dc,
				(uint32_t)(*len + want) };
	return s ? (const void *)x : (const void *)d;
}

/* A DATA or SDATA frame the fast way could not take (no room without
 * waiting, or round the ring's end): reserved, and its body put through a
 * copy.  Not inlined, so the copy's 4 KiB are not on every call's stack. */
static __attribute__((noinline)) void put_data_slow(const struct st_frame *f,
						     const void *numbers, size_t len,
						     const struct iovec *iov, int iovcnt,
						     size_t want)
{
	char snip[ST_DATA_SNIP_MAX];
	struct st_span span;

	if (!st_sink_reserve(&span, f))
		return;
	st_span_put(&span, numbers, len);
	st_span_put(&span, snip, gather(snip, iov, iovcnt, want));
	st_span_commit(&span);
}

/* The numbers of an OPT or WAIT frame's body; false when the record is to
 * be dropped (the cost floor, or no log). */
static bool fill_call(struct st_frame_data *d, const struct st_call *c, int64_t ret, int arg)
{
	uint32_t gen;

#ifdef ST_TIME_ONLY
	return false;	/* the benchmark's cost floor: no record */
#endif
	gen = st_sink_gen();
	if (gen == 0)
		return false;
	st_clock_tick(c->t1);
	st_set_call(d, c, ret, arg, log_tuple(c->fd, gen));
	return true;
}

/* A single buffer's st_snippet_len(), in line: the case of nearly every
 * data call. */
static inline size_t snip_len(int64_t ret, size_t head, const struct iovec *iov, int iovcnt)
{
	size_t want;

	if (iovcnt != 1 || ret <= 0 || st_cfg.payload <= 0)
		return st_snippet_len(ret, head, iov, iovcnt);
	want = (size_t)ret;
	if (want > (size_t)st_cfg.payload)
		want = (size_t)st_cfg.payload > head ? (size_t)st_cfg.payload : head;
	return want < iov[0].iov_len ? want : iov[0].iov_len;
}

/* The DATA or SDATA frame of a call, into the log of generation gen;
 * tuple is fd's five-tuple number when the caller knows this log has had
 * it, else 0. */
static inline __attribute__((always_inline)) void
put_data(const struct st_call *c, enum st_dcall dc, int64_t ret, int arg,
	 uint32_t gen, uint32_t tuple, const struct iovec *iov, int iovcnt, size_t want)
{
	struct st_frame f;
	struct st_frame_data d;
	struct st_frame_sdata x;
	const void *numbers;
	uint64_t start;
	size_t len;
	char *dst;

	st_set_call(&d, c, ret, arg, tuple ? tuple : log_tuple(c->fd, gen));
	numbers = data_frame(&f, dc, &d, &x, want, &len);
	dst = st_sink_claim(&f, &start);
	if (dst) {
		memcpy(dst + sizeof(f), numbers, len);
		gather(dst + sizeof(f) + len, iov, iovcnt, want);
		st_sink_publish(start, &f);
	} else {
		put_data_slow(&f, numbers, len, iov, iovcnt, want);
	}
	st_clock_tick(c->t1);
}

bool st_event_data(const struct st_call *c, enum st_dcall dc, int64_t ret, int arg,
		   size_t head, const struct iovec *iov, int iovcnt)
{
	size_t want = st_snippet_len(ret, head, iov, iovcnt);
	uint32_t gen;

	if (want > ST_DATA_SNIP_MAX)
		return false;	/* the JSON writer takes it in pieces */
#ifdef ST_TIME_ONLY
	return true;	/* the benchmark's cost floor: no record */
#endif
	gen = st_sink_gen();
	if (gen)
		put_data(c, dc, ret, arg, gen, 0, iov, iovcnt, want);
	return true;
}

bool st_event_io(const struct st_call *c, enum st_dcall dc, int64_t ret, int flags, bool in,
		 const struct iovec *iov, int iovcnt, size_t *head)
{
	uint32_t gen = 0, tuple;
	size_t want;

#ifndef ST_TIME_ONLY
	gen = st_sink_gen();
#endif
	*head = st_fd_data(c->fd, in, in && (flags & MSG_PEEK) ? 0 : ret, gen, &tuple);
	want = snip_len(ret, *head, iov, iovcnt);
	if (want > ST_DATA_SNIP_MAX)
		return false;	/* the JSON writer takes it in pieces */
	if (gen)
		put_data(c, dc, ret, flags, gen, tuple, iov, iovcnt, want);
	return true;
}

/* st_event_io1() when the fast way cannot take the frame (the log not
 * open yet, fd's five-tuple not in it yet, no room at once): the
 * reserving way, errno kept. */
static __attribute__((noinline)) void io1_slow(struct st_call *c, enum st_dcall dc, int64_t ret,
					       int flags, const void *buf, size_t want)
{
	struct iovec one = { (void *)buf, want };
	int saved = errno;
	uint32_t gen = st_sink_gen();

	if (gen)
		put_data(c, dc, ret, flags, gen, 0, &one, 1, want);
	errno = saved;
}

/* st_event_io1()'s frame the fast way (tuple known to the log of
 * generation tgen): an SDATA frame when the numbers fit one, else a DATA
 * frame.  False, nothing written, when the fast way
 * cannot take it. */
static inline __attribute__((always_inline)) bool
put_io1(const struct st_call *c, enum st_dcall dc, int fd, int flags, int64_t ret, int err,
	uint32_t tuple, uint32_t tgen, const void *buf, size_t want)
{
	int64_t dur = c->t1 > c->t0 ? c->t1 - c->t0 : 0;
	struct st_frame f;

	if (__builtin_expect(sdata_fits(flags, dur, ret, fd, err), 1)) {
		struct st_frame_sdata x = { st_pid, st_gettid(), c->t0, (uint32_t)dur,
					    (int32_t)ret, tuple, (uint16_t)fd, (uint16_t)err };

		f = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_SDATA, (uint16_t)dc,
				       (uint32_t)(sizeof(x) + want) };
		return st_sink_put_short(&f, &x, buf, want, tgen);
	} else {
		struct st_frame_data d = { st_pid, st_gettid(), c->t0, dur, ret, fd, tuple, err,
					   flags };

		f = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_DATA, (uint16_t)dc,
				       (uint32_t)(sizeof(d) + want) };
		return st_sink_put(&f, &d, buf, want, tgen);
	}
}

bool st_event_io1(struct st_call *c, enum st_dcall dc, int fd, int flags, int64_t ret,
		  const void *buf, size_t used, size_t *headp)
{
	int64_t t1 = st_now();
	bool in = dc >= ST_DC_RECV && dc <= ST_DC_READV;
	struct st_fd_entry *e = st_fd_socket_entry(fd);
	uint32_t tuple = 0, tgen = 0;
	size_t head = 0, want = 0;
	int err;

	c->t1 = t1;
	if (e) {
		unsigned s1 = st_fd_read_begin(e);

		tuple = e->tuple;
		tgen = atomic_load_explicit(&e->tuple_gen, memory_order_relaxed);
		head = st_fd_count_head(e, in ? ST_WAY_IN : ST_WAY_OUT,
					in && (flags & MSG_PEEK) ? 0 : ret);
		if (!st_fd_read_ok(e, s1) || tgen == 0)
			tuple = 0;
	}
	/* st_snippet_len() of one buffer of used bytes. */
	if (ret > 0 && st_cfg.payload != 0) {
		want = (size_t)ret;
		if (st_cfg.payload > 0 && want > (size_t)st_cfg.payload)
			want = (size_t)st_cfg.payload > head ? (size_t)st_cfg.payload : head;
		if (want > used)
			want = used;
	}
	err = ret < 0 ? errno : 0;
	if (__builtin_expect(want > ST_DATA_SNIP_MAX, 0)) {
		/* The JSON writer takes it in pieces (the caller). */
		c->name = st_dcall_names[dc];
		c->fd = fd;
		c->err = err;
		c->errno_after = errno;
		*headp = head;
		return false;
	}
#ifdef ST_TIME_ONLY
	return true;	/* the benchmark's cost floor: no record */
#endif
	if (__builtin_expect(!tuple || !put_io1(c, dc, fd, flags, ret, err, tuple, tgen, buf, want),
			     0)) {
		c->name = st_dcall_names[dc];
		c->fd = fd;
		c->err = err;
		io1_slow(c, dc, ret, flags, buf, want);
	}
	st_tick_keep_errno(t1);
	return true;
}

void st_event_wait_slow(const struct st_call *c, const struct st_frame *f, int64_t ret,
			int32_t arg, const struct st_wait_fds *wf, size_t tail)
{
	struct {
		struct st_frame_data d;
		struct st_wait_fds wf;
	} b;
	int saved = errno;

	if (fill_call(&b.d, c, ret, arg)) {
		memcpy(&b.wf, wf, tail);
		st_sink_write(f, &b);
	}
	errno = saved;
}

void st_event_opt(const struct st_call *c, int64_t ret, int level, int opt, bool has_val,
		  int val)
{
	struct {
		struct st_frame_data d;
		struct st_frame_opt o;
	} b;
	struct st_frame f = { ST_FRAME_MARK, ST_FRAME_OPT, 0, sizeof(b) };

	if (!fill_call(&b.d, c, ret, level))
		return;
	b.o = (struct st_frame_opt){ opt, has_val ? val : 0, has_val, 0 };
	st_sink_write(&f, &b);
}
