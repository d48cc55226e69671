/*
 * binlog.c: the decoder of the library's binary log (see binlog.h): frames
 * in, the JSON lines the JSON writer would have made out.  One frame walker
 * serves two walks over the input: the first collects the TUPLE frames into
 * a hash table, since in a torn log a DATA frame may come before the TUPLE
 * frame it names; the second writes a line per TEXT and DATA frame and
 * counts what it skipped.  Pure: no globals but the call-name table, no I/O.
 *
 * What is skipped: a word that is neither zero nor the head of a frame that
 * fits in the input is corrupt, and is skipped 8 bytes at a time.  A frame
 * whose head is sound but whose body is not (a TUPLE frame with id 0 or
 * malformed keys, a DATA frame naming no known call or with an oversized
 * snippet) is corrupt too, and is skipped whole, as its head says: a
 * payload snippet inside it, written by whoever the traced program talked
 * to, is then never read as frames.  Consecutive corrupt words and frames
 * make one stretch in st->bad, and all their bytes go to st->bad_bytes.
 *
 * Before decoding, readers lay the staging ring over the log file
 * (st_binlog_join): a check of the ring's head, a search from the ring's
 * top for its last written word, a walk over the frames to the end of the
 * one that word is in, then a copy with the ring's non-zero words on top.
 */
#include "binlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "record.h"

/* The longest five-tuple keys a TUPLE frame may carry: what the library
 * writes at most (ST_FRAG_MAX in preload/fdtab.h), and so a bound on what a
 * hostile file can make each DATA frame naming it expand to: a DATA frame
 * of 56 bytes gives a line of at most some 1,900 (35 bytes per byte). */
#define TUPLE_KEYS_MAX 1536

/* The longest line a DATA frame gives: the fixed keys with the longest
 * numbers and names take under 512 bytes, then the keys and the snippet,
 * each snippet byte at most 6 once encoded. */
#define DATA_LINE_MAX (1024 + TUPLE_KEYS_MAX + 6 * ST_DATA_SNIP_MAX)

bool st_binlog_is(const void *buf, size_t len)
{
	return len >= ST_BINLOG_MAGIC_LEN && memcmp(buf, ST_BINLOG_MAGIC, ST_BINLOG_MAGIC_LEN) == 0;
}

/* One step of the walk: what the bytes at an offset are. */
enum step_kind {
	STEP_ZERO,	/* a zero word (or zero tail): skipped silently */
	STEP_FRAME,	/* a well-formed frame */
	STEP_BAD,	/* a corrupt word, or a frame with a corrupt body */
};

struct step {
	enum step_kind kind;
	size_t size;			/* the bytes this step covers */
	struct st_frame head;		/* STEP_FRAME */
	const unsigned char *body;	/* STEP_FRAME: head.len bytes */
};

static bool all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The keys of a TUPLE frame: none, or JSON members to append as they are,
 * so at least they must start a member and stay on one line. */
static bool tuple_keys_ok(const unsigned char *p, size_t n)
{
	if (n == 0)
		return true;
	if (n < 2 || n > TUPLE_KEYS_MAX || p[0] != ',' || p[1] != '"')
		return false;
	return !memchr(p, '\n', n) && !memchr(p, '\r', n) && !memchr(p, '\0', n);
}

/* Whether a frame whose head is sound (and fits) has a body its kind
 * allows. */
static bool body_ok(const struct st_frame *h, const unsigned char *body)
{
	struct st_frame_tuple t;

	switch (h->kind) {
	case ST_FRAME_TEXT:
	case ST_FRAME_PAD:
		return true;
	case ST_FRAME_DATA:
		return h->aux < ST_DC_POLL && h->len >= sizeof(struct st_frame_data) &&
		       h->len - sizeof(struct st_frame_data) <= ST_DATA_SNIP_MAX;
	case ST_FRAME_SDATA:
		return h->aux < ST_DC_POLL && h->len >= sizeof(struct st_frame_sdata) &&
		       h->len - sizeof(struct st_frame_sdata) <= ST_DATA_SNIP_MAX;
	case ST_FRAME_WAIT: {
		struct st_frame_wait w;

		if (h->aux < ST_DC_POLL || h->aux >= ST_DC_COUNT ||
		    h->len < sizeof(struct st_frame_data) + sizeof(w))
			return false;
		memcpy(&w, body + sizeof(struct st_frame_data), sizeof(w));
		return w.n <= ST_WAIT_FDS_MAX &&
		       h->len == sizeof(struct st_frame_data) + sizeof(w) +
				 w.n * sizeof(struct st_frame_fd);
	}
	case ST_FRAME_OPT:
		return h->aux == 0 &&
		       h->len == sizeof(struct st_frame_data) + sizeof(struct st_frame_opt);
	case ST_FRAME_STOP:
		return h->aux == 0 && h->len == sizeof(struct st_frame_stop);
	case ST_FRAME_CLOCK:
		return h->aux == 0 && h->len == sizeof(struct st_frame_clock);
	case ST_FRAME_TUPLE:
		if (h->len < sizeof(t))
			return false;
		memcpy(&t, body, sizeof(t));
		return t.id != 0 && tuple_keys_ok(body + sizeof(t), h->len - sizeof(t));
	default:
		return false;
	}
}

/* Classifies the bytes at off (8-aligned, < len).  A tail shorter than a
 * word is zero padding or corrupt, never a frame. */
static void next_step(const unsigned char *in, size_t len, size_t off, struct step *s)
{
	size_t left = len - off;
	size_t word = left < 8 ? left : 8;
	uint64_t size;

	s->size = word;
	if (all_zero(in + off, word)) {
		s->kind = STEP_ZERO;
		return;
	}
	s->kind = STEP_BAD;
	if (left < sizeof(s->head))
		return;
	/* The input may sit at any address: copied, never cast. */
	memcpy(&s->head, in + off, sizeof(s->head));
	if (!st_frame_known(&s->head))
		return;
	size = st_frame_size(s->head.len);
	if (size > left)
		return;
	s->body = in + off + sizeof(s->head);
	s->size = (size_t)size;		/* a corrupt body is skipped whole */
	if (body_ok(&s->head, s->body))
		s->kind = STEP_FRAME;
}

/*
 * The TUPLE frames met: id -> keys, pointing into the input.  Open
 * addressing with linear probing, a power-of-two size, at most half full;
 * id 0 (never a valid id) marks an empty slot.  The ids come from the
 * input, so they are only ever hashed, never used as sizes or indexes.
 */
struct tuple_slot {
	uint32_t id;
	uint32_t len;
	const unsigned char *keys;
};

struct tuple_map {
	struct tuple_slot *slots;
	size_t cap;		/* 0 or a power of two */
	size_t used;
};

/* Spreads the library's consecutive ids over the table (the murmur3
 * finalizer). */
static size_t hash_id(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	x *= 0xc2b2ae35U;
	x ^= x >> 16;
	return x;
}

/* The slot holding id, or the empty slot where it would go; cap > 0. */
static struct tuple_slot *map_slot(const struct tuple_map *m, uint32_t id)
{
	size_t mask = m->cap - 1, i = hash_id(id) & mask;

	while (m->slots[i].id != 0 && m->slots[i].id != id)
		i = (i + 1) & mask;
	return &m->slots[i];
}

static const struct tuple_slot *map_get(const struct tuple_map *m, uint32_t id)
{
	const struct tuple_slot *s;

	if (m->cap == 0)
		return NULL;
	s = map_slot(m, id);
	return s->id == id ? s : NULL;
}

static int map_grow(struct tuple_map *m)
{
	struct tuple_map bigger;
	size_t i;

	bigger.cap = m->cap ? m->cap * 2 : 64;
	if (bigger.cap < m->cap || bigger.cap > SIZE_MAX / sizeof(struct tuple_slot)) {
		errno = ENOMEM;
		return -1;
	}
	bigger.slots = calloc(bigger.cap, sizeof(struct tuple_slot));
	if (!bigger.slots) {
		errno = ENOMEM;
		return -1;
	}
	bigger.used = m->used;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].id != 0)
			*map_slot(&bigger, m->slots[i].id) = m->slots[i];
	free(m->slots);
	*m = bigger;
	return 0;
}

/* Records id's keys.  The library numbers the keys anew whenever they
 * change, so an id comes again only when two threads both wrote it, or
 * after the numbering wrapped: the later frame wins. */
static int map_put(struct tuple_map *m, uint32_t id, const unsigned char *keys, uint32_t len)
{
	struct tuple_slot *s;

	if ((m->used + 1) * 2 > m->cap && map_grow(m) < 0)
		return -1;
	s = map_slot(m, id);
	if (s->id == 0)
		m->used++;
	s->id = id;
	s->keys = keys;
	s->len = len;
	return 0;
}

/* ---- The clock: ticks to ns since the epoch (CLOCK frames) ---- */

/* a + d * num / den, rounded down, cut to the int64 range; den > 0.  The
 * inputs come from the file: any values, no overflow. */
static int64_t scale_add(int64_t a, __int128 d, __int128 num, __int128 den)
{
	const __int128 lim = (__int128)1 << 62;
	__int128 q;

	/* Both cut to 2^62 (far past any real log): the product fits. */
	d = d > lim ? lim : d < -lim ? -lim : d;
	num = num > lim ? lim : num < -lim ? -lim : num;
	q = d * num / den + a;
	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (int64_t)q;
}

int64_t st_clock_ns(const struct st_clock_map *m, uint64_t t)
{
	const struct st_clock_pt *p = m->pt;
	size_t lo = 0, hi = m->n - 1;

	if (m->n == 1)
		return scale_add(p[0].real, (__int128)t - p[0].tsc, 1000000000,
				 m->hz ? m->hz : 1000000000);
	/* The segment [lo, lo + 1] holding t, or the first or last one. */
	if (t <= p[0].tsc)
		hi = 1;
	else if (t >= p[hi].tsc)
		lo = hi - 1;
	else
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (p[mid].tsc <= t)
				lo = mid;
			else
				hi = mid;
		}
	return scale_add(p[lo].real, (__int128)t - p[lo].tsc,
			 (__int128)p[lo + 1].real - p[lo].real, (__int128)(p[lo + 1].tsc - p[lo].tsc));
}

static int clock_cmp(const void *a, const void *b)
{
	const struct st_clock_pt *x = a, *y = b;

	return x->tsc < y->tsc ? -1 : x->tsc > y->tsc;
}

/* Sorts the pairs and drops repeated counter values (two threads may
 * take a pair at once): each segment then has a length. */
static void clock_sort(struct st_clock_map *c)
{
	size_t i, n = 0;

	if (c->n == 0)
		return;
	qsort(c->pt, c->n, sizeof(*c->pt), clock_cmp);
	for (i = 0; i < c->n; i++)
		if (n == 0 || c->pt[i].tsc != c->pt[n - 1].tsc)
			c->pt[n++] = c->pt[i];
	c->n = n;
}

static int clock_put(struct st_clock_map *c, size_t *cap, const struct st_frame_clock *f)
{
	if (c->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct st_clock_pt *p = realloc(c->pt, ncap * sizeof(*p));

		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		c->pt = p;
		*cap = ncap;
	}
	c->pt[c->n++] = (struct st_clock_pt){ f->tsc, f->real };
	if (f->hz)
		c->hz = f->hz;
	return 0;
}

/* A start time t and a duration d in ticks, as ns. */
static void clock_span(const struct st_clock_map *c, int64_t *t, int64_t *d)
{
	int64_t t0 = st_clock_ns(c, (uint64_t)*t);
	int64_t t1 = st_clock_ns(c, (uint64_t)*t + (uint64_t)*d);

	*t = t0;
	*d = t1 >= t0 ? t1 - t0 : 0;
}

/* The output text, grown by doubling. */
struct out {
	char *buf;
	size_t len, cap;	/* cap > 0 */
};

/* Makes room for n more bytes. */
static int out_reserve(struct out *o, size_t n)
{
	size_t cap = o->cap;
	char *p;

	if (cap - o->len >= n)
		return 0;
	while (cap - o->len < n) {
		if (cap > SIZE_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		cap *= 2;
	}
	p = realloc(o->buf, cap);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	o->buf = p;
	o->cap = cap;
	return 0;
}

/* Reads the digits of an integer at p (before end); returns where they
 * end, or NULL when there are none or too many. */
static const unsigned char *read_uint(const unsigned char *p, const unsigned char *end,
				      uint64_t *v)
{
	const unsigned char *q = p;

	*v = 0;
	while (q < end && *q >= '0' && *q <= '9' && q - p < 19)
		*v = *v * 10 + (uint64_t)(*q++ - '0');
	return q > p && (q == end || *q < '0' || *q > '9') ? q : NULL;
}

/*
 * In a log timed by the counter, a call line of a TEXT frame
 * ({"call":NAME,"pid":P,"tid":T,"t":TICKS,"dur":TICKS,...}, as
 * preload/event.c writes it) with its time and duration in ns.  Returns
 * the bytes of the line before its "t" value, the converted keys in
 * keys (*klen bytes) and *rest where the line goes on after them; 0 when
 * the line is not one (it is then kept as it is).
 */
static size_t call_times(const struct st_clock_map *c, const unsigned char *p, size_t n,
			 char *keys, size_t *klen, const unsigned char **rest)
{
	static const char call[] = "{\"call\":\"", tk[] = ",\"t\":", dk[] = ",\"dur\":";
	const unsigned char *end = p + n, *q, *v;
	uint64_t t, d;
	int64_t tn, dn;
	size_t k;

	if (n < sizeof(call) || memcmp(p, call, sizeof(call) - 1) != 0)
		return 0;
	/* The call's name and the two ids hold no comma-quote. */
	q = memmem(p, n, tk, sizeof(tk) - 1);
	if (!q)
		return 0;
	v = q + sizeof(tk) - 1;
	q = read_uint(v, end, &t);
	if (!q || (size_t)(end - q) < sizeof(dk) - 1 || memcmp(q, dk, sizeof(dk) - 1) != 0)
		return 0;
	q = read_uint(q + sizeof(dk) - 1, end, &d);
	if (!q)
		return 0;
	tn = (int64_t)t;
	dn = (int64_t)d;
	clock_span(c, &tn, &dn);
	k = st_fmt_int(keys, tn);
	memcpy(keys + k, dk, sizeof(dk) - 1);
	k += sizeof(dk) - 1;
	k += st_fmt_int(keys + k, dn);
	*klen = k;
	*rest = q;
	return (size_t)(v - p);
}

/* A TEXT frame's line, as the library wrote it (its call times in ns when
 * the log was timed by the counter), newline ensured. */
static int put_text(struct out *o, const struct step *s, const struct st_clock_map *c)
{
	const unsigned char *body = s->body, *rest = NULL;
	size_t n = s->head.len, pre = 0, klen = 0;
	char keys[64];

	if (c->n)
		pre = call_times(c, body, n, keys, &klen, &rest);
	if (out_reserve(o, n + klen + 1) < 0)
		return -1;
	if (pre) {
		memcpy(o->buf + o->len, body, pre);
		memcpy(o->buf + o->len + pre, keys, klen);
		o->len += pre + klen;
		n -= (size_t)(rest - body);
		body = rest;
	}
	memcpy(o->buf + o->len, body, n);
	o->len += n;
	if (s->body[s->head.len - 1] != '\n')
		o->buf[o->len++] = '\n';
	return 0;
}

/* Appends JSON members as they are (already checked to be members). */
static void rec_raw(struct st_rec *r, const unsigned char *p, size_t n)
{
	if (r->overflow || r->cap - r->len < n) {
		r->overflow = true;
		return;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->first = false;
}

/* The keys every DATA and OPT line starts with, up to the five-tuple, in
 * the order the JSON writer puts them (preload/event.c). */
static void put_call_keys(struct st_rec *r, const char *call, struct st_frame_data *d,
			  const struct tuple_map *m, const struct st_clock_map *c,
			  struct st_binlog_stats *st)
{
	const struct tuple_slot *tuple = NULL;
	char ebuf[16];

	if (c->n)
		clock_span(c, &d->t, &d->dur);

	if (d->tuple != 0) {
		tuple = map_get(m, d->tuple);
		if (!tuple)
			st->no_tuple++;
	}
	st_rec_str(r, "call", call);
	st_rec_int(r, "pid", d->pid);
	st_rec_int(r, "tid", d->tid);
	st_rec_int(r, "t", d->t);
	st_rec_int(r, "dur", d->dur);
	if (d->fd >= 0)
		st_rec_int(r, "fd", d->fd);
	st_rec_int(r, "ret", d->ret);
	if (d->err != 0)
		st_rec_str(r, "errno", st_errno_name(d->err, ebuf));
	if (tuple)
		rec_raw(r, tuple->keys, tuple->len);
}

/* Ends a line begun in o's reserved room: 0, or 1 when it did not fit
 * (it always does: DATA_LINE_MAX is the worst case). */
static int end_line(struct out *o, struct st_rec *r)
{
	long n = st_rec_end(r);

	if (n < 0)
		return 1;
	o->len += (size_t)n;
	return 0;
}

/* A name, or the number when there is none. */
static void rec_name_or_int(struct st_rec *r, const char *key, const char *name, int v)
{
	if (name)
		st_rec_str(r, key, name);
	else
		st_rec_int(r, key, v);
}

/* The numbers of a DATA or SDATA frame (body checked by body_ok()), as a
 * DATA frame's; returns the size of the numbers, the snippet after them. */
static size_t data_numbers(const struct step *s, struct st_frame_data *d)
{
	struct st_frame_sdata x;

	if (s->head.kind == ST_FRAME_DATA) {
		memcpy(d, s->body, sizeof(*d));
		return sizeof(*d);
	}
	memcpy(&x, s->body, sizeof(x));
	*d = (struct st_frame_data){ x.pid, x.tid, x.t, x.dur, x.ret, x.fd, x.tuple, x.err, 0 };
	return sizeof(x);
}

/*
 * A DATA or SDATA frame's line, the same text byte for byte as the JSON
 * writer's.  Returns 0, 1 when the line did not fit, or -1 when memory ran
 * out.
 */
static int put_data(struct out *o, const struct tuple_map *m, const struct st_clock_map *c,
		    const struct step *s, struct st_binlog_stats *st)
{
	struct st_frame_data d;
	size_t numbers = data_numbers(s, &d);
	const unsigned char *snip = s->body + numbers;
	size_t nsnip = s->head.len - numbers;
	char fbuf[160];
	struct st_rec r;

	if (out_reserve(o, DATA_LINE_MAX) < 0)
		return -1;
	st_rec_begin(&r, o->buf + o->len, DATA_LINE_MAX);
	put_call_keys(&r, st_dcall_names[s->head.aux], &d, m, c, st);
	if (s->head.aux == ST_DC_SENDFILE || s->head.aux == ST_DC_SENDFILE64)
		st_rec_int(&r, "fd2", d.arg);
	else if (d.arg != 0)
		st_rec_str(&r, "flags", st_msg_flags(d.arg, fbuf, sizeof(fbuf)));
	if (d.ret >= 0) {
		st_rec_int(&r, "bytes", d.ret);
		if (nsnip > 0)
			st_rec_bytes(&r, "data", snip, nsnip);
	}
	return end_line(o, &r);
}

/* An OPT frame's line (setsockopt), likewise. */
static int put_opt(struct out *o, const struct tuple_map *m, const struct st_clock_map *c,
		   const struct step *s, struct st_binlog_stats *st)
{
	struct st_frame_data d;
	struct st_frame_opt x;
	struct st_rec r;

	memcpy(&d, s->body, sizeof(d));
	memcpy(&x, s->body + sizeof(d), sizeof(x));
	if (out_reserve(o, DATA_LINE_MAX) < 0)
		return -1;
	st_rec_begin(&r, o->buf + o->len, DATA_LINE_MAX);
	put_call_keys(&r, "setsockopt", &d, m, c, st);
	rec_name_or_int(&r, "level", st_level_name(d.arg), d.arg);
	rec_name_or_int(&r, "opt", st_opt_name(d.arg, x.opt), x.opt);
	if (x.has_val)
		st_rec_int(&r, "val", x.val);
	return end_line(o, &r);
}

/* A WAIT frame's line (poll, select, epoll_wait, ...), likewise. */
static int put_wait(struct out *o, const struct tuple_map *m, const struct st_clock_map *c,
		    const struct step *s, struct st_binlog_stats *st)
{
	struct st_frame_data d;
	struct st_frame_wait w;
	struct st_frame_fd x;
	const unsigned char *fds = s->body + sizeof(d) + sizeof(w);
	char item[160];
	struct st_rec r;
	uint32_t i;
	size_t k;

	memcpy(&d, s->body, sizeof(d));
	memcpy(&w, s->body + sizeof(d), sizeof(w));
	if (out_reserve(o, DATA_LINE_MAX) < 0)
		return -1;
	st_rec_begin(&r, o->buf + o->len, DATA_LINE_MAX);
	put_call_keys(&r, st_dcall_names[s->head.aux], &d, m, c, st);
	if (w.nfds >= 0)
		st_rec_int(&r, "nfds", w.nfds);
	if (d.arg != ST_WAIT_NO_TIMEOUT)
		st_rec_int(&r, "timeout", d.arg);
	st_rec_array_begin(&r, "fds");
	for (i = 0; i < w.n; i++) {
		memcpy(&x, fds + i * sizeof(x), sizeof(x));
		if (x.fd >= 0) {
			k = st_fmt_int(item, x.fd);
		} else {
			item[0] = '?';
			k = 1;
		}
		item[k++] = ':';
		k += st_poll_events(item + k, x.asked);
		item[k++] = '>';
		k += st_poll_events(item + k, x.ready);
		st_rec_array_str(&r, item, k);
	}
	st_rec_array_end(&r);
	return end_line(o, &r);
}

const char *st_stop_name(uint32_t why)
{
	static const char *const names[ST_STOP_COUNT] = {
		[ST_STOP_WRITE] = "write",
		[ST_STOP_REOPEN] = "reopen",
		[ST_STOP_FDLIMIT] = "fdlimit",
	};

	return why < ST_STOP_COUNT ? names[why] : NULL;
}

const char *st_stop_text(uint32_t why)
{
	static const char *const texts[ST_STOP_COUNT] = {
		[ST_STOP_WRITE] = "a write to the log file failed",
		[ST_STOP_REOPEN] = "the log file could not be opened again",
		[ST_STOP_FDLIMIT] = "the program needed the log's descriptor (descriptor limit)",
	};

	return why < ST_STOP_COUNT && texts[why] ? texts[why] : "tracing stopped";
}

/* The line of a STOP frame that says tracing stopped:
 * {"type":"stop","pid":P,"why":NAME|CODE[,"errno":NAME]}. */
static int put_stop(struct out *o, const struct st_frame_stop *x)
{
	char ebuf[16];
	struct st_rec r;

	if (out_reserve(o, 256) < 0)
		return -1;
	st_rec_begin(&r, o->buf + o->len, 256);
	st_rec_str(&r, "type", "stop");
	st_rec_int(&r, "pid", x->pid);
	rec_name_or_int(&r, "why", st_stop_name(x->why), (int)x->why);
	if (x->err != 0)
		st_rec_str(&r, "errno", st_errno_name(x->err, ebuf));
	end_line(o, &r);	/* fits: 256 bytes is more than it takes */
	return 0;
}

/* The first walk: every good TUPLE frame into the map, every CLOCK frame
 * into the clock. */
static int collect(const unsigned char *in, size_t len, struct tuple_map *m,
		   struct st_clock_map *c)
{
	struct step s;
	size_t off, cap = 0;

	for (off = ST_BINLOG_MAGIC_LEN; off < len; off += s.size) {
		struct st_frame_tuple t;
		struct st_frame_clock k;

		next_step(in, len, off, &s);
		if (s.kind != STEP_FRAME)
			continue;
		if (s.head.kind == ST_FRAME_CLOCK) {
			memcpy(&k, s.body, sizeof(k));
			if (clock_put(c, &cap, &k) < 0)
				return -1;
		}
		if (s.head.kind != ST_FRAME_TUPLE)
			continue;
		memcpy(&t, s.body, sizeof(t));
		if (map_put(m, t.id, s.body + sizeof(t), s.head.len - (uint32_t)sizeof(t)) < 0)
			return -1;
	}
	clock_sort(c);
	return 0;
}

/* The second walk: the lines, and the count of what was skipped. */
static int write_lines(const unsigned char *in, size_t len, const struct tuple_map *m,
		       const struct st_clock_map *c, struct out *o, struct st_binlog_stats *st)
{
	struct st_frame_stop stop = { 0, ST_STOP_NONE, 0, 0 };
	bool in_bad = false;
	struct step s;
	size_t off;

	for (off = ST_BINLOG_MAGIC_LEN; off < len; off += s.size) {
		bool end_mark = false;

		next_step(in, len, off, &s);
		if (s.kind == STEP_FRAME && s.head.kind == ST_FRAME_STOP) {
			memcpy(&stop, s.body, sizeof(stop));
			st->frames++;
		} else if (s.kind == STEP_FRAME && s.head.kind == ST_FRAME_CLOCK) {
			struct st_frame_clock k;

			memcpy(&k, s.body, sizeof(k));
			st->clocks++;
			end_mark = k.why == ST_CLOCK_END;
		} else if (s.kind == STEP_FRAME && s.head.kind == ST_FRAME_TEXT && s.head.len > 0) {
			if (put_text(o, &s, c) < 0)
				return -1;
			st->frames++;
		} else if (s.kind == STEP_FRAME &&
			   (s.head.kind == ST_FRAME_DATA || s.head.kind == ST_FRAME_SDATA ||
			    s.head.kind == ST_FRAME_OPT || s.head.kind == ST_FRAME_WAIT)) {
			int r = s.head.kind == ST_FRAME_DATA || s.head.kind == ST_FRAME_SDATA ?
					put_data(o, m, c, &s, st) :
				s.head.kind == ST_FRAME_OPT ? put_opt(o, m, c, &s, st) :
				put_wait(o, m, c, &s, st);

			if (r < 0)
				return -1;
			if (r > 0)
				s.kind = STEP_BAD;	/* not lost silently */
			else
				st->frames++;
		}
		/* Whole when the exit's mark comes last: after it only PAD
		 * frames (writers that found the log shut) and zero words. */
		if (s.kind == STEP_BAD || (s.kind == STEP_FRAME && s.head.kind != ST_FRAME_PAD))
			st->closed = end_mark;
		if (s.kind == STEP_BAD) {
			if (!in_bad)
				st->bad++;
			st->bad_bytes += s.size;
		}
		in_bad = s.kind == STEP_BAD;
	}
	/* Last, since the records before it are all there are. */
	st->stop = stop.why;
	st->stop_err = stop.err;
	if (stop.why != ST_STOP_NONE && put_stop(o, &stop) < 0)
		return -1;
	return 0;
}

/* The two files being joined; data is the ring's, from a head checked by
 * ring_ok().  The ring's window starts at log offset base: the head's
 * flushed, or the log's end when flushed lies past it (shift = flushed -
 * base bytes the log file lacks). */
struct join {
	const unsigned char *log;
	size_t len;
	const unsigned char *data;
	struct st_ring_head h;
	uint64_t base, shift;
};

/* Copies the ring's head into j; whether the ring file is well formed:
 * its data as big as the head says, and flushed a frame boundary. */
static bool ring_ok(struct join *j, const unsigned char *ring, size_t ringlen)
{
	struct st_ring_head *h = &j->h;
	uint64_t end = ((uint64_t)j->len + 7) & ~(uint64_t)7;

	if (ringlen < ST_RING_DATA_OFF)
		return false;
	memcpy(h, ring, sizeof(*h));
	j->data = ring + ST_RING_DATA_OFF;
	if (memcmp(h->magic, ST_RING_MAGIC, sizeof(h->magic)) != 0 || h->cap < 4096 ||
	    (h->cap & (h->cap - 1)) != 0 || h->cap > ringlen - ST_RING_DATA_OFF ||
	    h->flushed % 8 != 0)
		return false;
	j->base = h->flushed <= end ? h->flushed : end;
	j->shift = h->flushed - j->base;
	return true;
}

/* The ring's data word for log offset off (base <= off < base + cap). */
static uint64_t ring_word(const struct join *j, uint64_t off)
{
	uint64_t w;

	memcpy(&w, j->data + ((off + j->shift) & (j->h.cap - 1)), sizeof(w));
	return w;
}

/* The joined log's word at off, in the ring's window: the ring's word when
 * not zero, else the log's bytes, zeros past its end. */
static uint64_t joined_word(const struct join *j, uint64_t off)
{
	uint64_t w = ring_word(j, off);

	if (w == 0 && off < j->len)
		memcpy(&w, j->log + off, j->len - off < 8 ? j->len - off : 8);
	return w;
}

/* The end of the last non-zero ring word past the log's end, or 0 when
 * there is none.  Searched from the top, where the unwritten words are. */
static uint64_t ring_end(const struct join *j)
{
	uint64_t k;

	for (k = j->h.cap; k > 0; k -= 8) {
		uint64_t off = j->base + k - 8;

		if (off + 8 <= j->len)
			break;
		if (ring_word(j, off) != 0)
			return off + 8;
	}
	return 0;
}

/*
 * How long the joined log is, given the end of its last non-zero word past
 * the log: not less, but up to the end of the frame that word is in, as
 * its last words may be zeros (a DATA frame without snippet, errno or
 * flags).  The library writes a frame's head last, so a frame whose head
 * shows is whole.  The window's start is a frame boundary: the frames are
 * walked from there, as the decoder walks them, but no further than the
 * ring's window.
 */
static uint64_t frame_end(const struct join *j, uint64_t end)
{
	uint64_t off = j->base, lim = j->base + j->h.cap;

	while (off < end) {
		uint64_t w = joined_word(j, off), size = 8;
		struct st_frame f;

		memcpy(&f, &w, sizeof(f));
		if (st_frame_known(&f))
			size = st_frame_size(f.len);
		off += size;
	}
	return off < lim ? off : lim;
}

/* Lays the ring's non-zero words over buf (n bytes, from frame_end(), so
 * every such word fits). */
static void overlay(const struct join *j, unsigned char *buf, size_t n)
{
	uint64_t k;

	for (k = 0; k < j->h.cap; k += 8) {
		uint64_t off = j->base + k, w;

		if (off + 8 > n)
			break;
		w = ring_word(j, off);
		if (w != 0)
			memcpy(buf + off, &w, sizeof(w));
	}
}

int st_binlog_join(const unsigned char *log, size_t len, const unsigned char *ring,
		   size_t ringlen, unsigned char **out, size_t *outlen,
		   struct st_ring_info *info)
{
	struct join j = { log, len, NULL, { { 0 }, 0, 0, 0 }, 0, 0 };
	bool ok = ring_ok(&j, ring, ringlen);
	uint64_t end = ok ? ring_end(&j) : 0, n = len;
	unsigned char *buf;

	/* Up to the end of the frame the last word of either file is in: a
	 * copy-out cut short by a kill may end the log inside a frame whose
	 * last words, still in the ring, are zeros. */
	if (ok) {
		if (end < len)
			end = len;
		if (end > j.base)
			n = frame_end(&j, end);
		if (n < len)
			n = len;
	}

	*out = NULL;
	*outlen = 0;
	memset(info, 0, sizeof(*info));
	/* n <= base + cap <= len + 8 + ringlen: no wrap, and it fits a size_t
	 * unless the two files together do not. */
	if (n > SIZE_MAX || !(buf = malloc(n ? (size_t)n : 1))) {
		errno = ENOMEM;
		return -1;
	}
	if (len)
		memcpy(buf, log, len);
	memset(buf + len, 0, (size_t)n - len);
	if (ok) {
		overlay(&j, buf, (size_t)n);
		info->dropped = j.h.dropped;
		info->missing = j.shift;
	}
	*out = buf;
	*outlen = (size_t)n;
	return ok ? 0 : 1;
}

int st_binlog_decode(const unsigned char *in, size_t len, char **out, size_t *outlen,
		     struct st_binlog_stats *st)
{
	struct tuple_map m = { NULL, 0, 0 };
	struct st_clock_map c = { NULL, 0, 0 };
	struct out o;

	memset(st, 0, sizeof(*st));
	*out = NULL;
	*outlen = 0;
	if (!st_binlog_is(in, len)) {
		errno = EINVAL;
		return -1;
	}
	/* The JSON is seldom shorter than the frames. */
	o.cap = len > 4096 ? len : 4096;
	o.len = 0;
	o.buf = malloc(o.cap);
	if (!o.buf) {
		errno = ENOMEM;
		return -1;
	}
	if (collect(in, len, &m, &c) < 0 || write_lines(in, len, &m, &c, &o, st) < 0)
		goto out_free;
	free(m.slots);
	free(c.pt);
	*out = o.buf;
	*outlen = o.len;
	return 0;

out_free:
	free(m.slots);
	free(c.pt);
	free(o.buf);
	errno = ENOMEM;
	return -1;
}
