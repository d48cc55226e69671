/*
 * tail.c: sockview --follow's reader (tail.h).  Each log is read from
 * where the last read stopped, into one trace that only grows:
 *
 *   - a JSON log: its new complete lines;
 *   - a binary log: its new frames, from the log file and from its staging
 *     ring (common/binlog.h), decoded with the TUPLE frames they name and
 *     the last CLOCK frames put in front, so each decodes as it would in
 *     the whole log;
 *   - a binary log that the launcher turned into <name>.jsonl: the lines
 *     after as many as the binary log gave (the conversion is a decode of
 *     the same frames, one line each), once its first line is the header
 *     read before.
 *
 * A ring is read while its owner copies it out: its head (flushed F1), its
 * data, its head again (F2), then the log file.  Log bytes below F2 were in
 * the file before F2 was published, so they come from the file; bytes from
 * F2 to F1 + size can only have been written for their own offsets, so the
 * ring's non-zero words there are laid over the file (as st_binlog_join
 * does).  No frame is read twice or lost across a copy-out.
 *
 * A writer stores a frame's head last, so a zero word where a head should
 * be is a frame still being written: the read stops there and waits, and
 * passes over it only when it stays a second (its writer was killed) or on
 * the last read, as the whole-log decoder does.
 *
 * An idle log costs a stat (and, with a ring, two small reads): a log
 * whose size and time are unchanged and whose ring holds nothing new where
 * the read stopped is not read.  A folder is listed again only when its
 * time changes (or changed less than two seconds before the last listing:
 * file times are coarse).
 */
#include "read/tail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "binlog.h"

/* Log bytes read at a time. */
#define CHUNK ((size_t)8 << 20)
/* A frame still being written after this long is passed over. */
#define STUCK_NS 1000000000LL
/* A folder changed this recently is listed again even if its time looks
 * the same. */
#define SETTLE_NS 2000000000LL
/* CLOCK frames put in front of each decode. */
#define CLOCKS_KEPT 4
#define CLOCK_FRAME (sizeof(struct st_frame) + sizeof(struct st_frame_clock))
/* Room kept in front of the new frames for the frames put before them. */
#define FRONT_ROOM ((size_t)64 << 10)

/* A TUPLE frame as the log has it, head and padding included. */
struct tuple {
	uint32_t id;
	uint64_t stamp;		/* the decode that put it in front last */
	unsigned char *frame;
	size_t size;
};

struct tuples {
	struct tuple *v;
	size_t cap, used;
};

struct tlog {
	char *key;		/* the path without .stlog / .jsonl */
	char *path;		/* the file read now */
	bool bin;
	bool to_json;		/* bin: <key>.jsonl is there: read that */
	bool gone;		/* removed, nothing to convert it */
	int32_t fi;		/* its st_file, -1 before its first line */
	uint32_t hdr;		/* the header its records go to */
	uint64_t done;		/* bytes (JSON) or log offset (binary) read */
	uint64_t nlines;	/* lines given (binary: the stop line not counted) */
	uint64_t skip;		/* JSON: lines still to skip (read as binary) */
	uint64_t lineno;
	dev_t dev;
	ino_t ino;
	off_t size;		/* the file at the last read */
	struct timespec mtime;
	bool ring;		/* a ring was there at the last read */
	uint64_t flushed, dropped;
	uint64_t stuck_at;	/* where a read stopped at a frame not written */
	int64_t stuck_since;
	uint64_t stop_off;	/* binary: the STOP frame's log offset, 0: none */
	bool closed;		/* binary: the last frame walked is the exit's
				 * CLOCK frame (st_binlog_stats.closed) */
	char *hline;		/* binary: the header line */
	size_t hlen;
	struct tuples tup;
	unsigned char clocks[CLOCKS_KEPT][CLOCK_FRAME];
	unsigned nclocks;
	uint64_t stamp;
};

struct watch {
	const char *path;
	bool dir;
	struct timespec mtime;
	int64_t listed;		/* when, ns since the epoch; 0: never */
};

/* A growing byte buffer. */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

struct st_tail {
	struct watch *w;
	int nw;
	struct tlog *logs;
	uint32_t nlogs, cap;
	struct bytes win, pre;	/* a binary log's new frames; what goes in front */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int oom(struct st_trace *tr)
{
	snprintf(tr->error, sizeof(tr->error), "out of memory");
	return -1;
}

struct st_tail *st_tail_new(char *const *paths, int n)
{
	struct st_tail *t = calloc(1, sizeof(*t));
	int i;

	if (!t || !(t->w = calloc((size_t)(n > 0 ? n : 1), sizeof(*t->w)))) {
		free(t);
		return NULL;
	}
	for (i = 0; i < n; i++)
		t->w[i].path = paths[i];
	t->nw = n;
	return t;
}

static void tuples_free(struct tuples *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].frame);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void st_tail_free(struct st_tail *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->nlogs; i++) {
		free(t->logs[i].key);
		free(t->logs[i].path);
		free(t->logs[i].hline);
		tuples_free(&t->logs[i].tup);
	}
	free(t->logs);
	free(t->w);
	free(t->win.p);
	free(t->pre.p);
	free(t);
}

/* ---- the TUPLE frames of a binary log, by id ---- */

static struct tuple *tuple_slot(const struct tuples *m, uint32_t id)
{
	size_t i = ((size_t)id * 0x9e3779b1u) & (m->cap - 1);

	while (m->v[i].id && m->v[i].id != id)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static int tuple_put(struct tuples *m, uint32_t id, const unsigned char *frame, size_t size)
{
	struct tuple *s;
	unsigned char *copy;

	if ((m->used + 1) * 2 > m->cap) {
		struct tuples b = { calloc(m->cap ? m->cap * 2 : 64, sizeof(struct tuple)),
				    m->cap ? m->cap * 2 : 64, m->used };
		size_t i;

		if (!b.v)
			return -1;
		for (i = 0; i < m->cap; i++)
			if (m->v[i].id)
				*tuple_slot(&b, m->v[i].id) = m->v[i];
		free(m->v);
		*m = b;
	}
	if (!(copy = malloc(size)))
		return -1;
	memcpy(copy, frame, size);
	s = tuple_slot(m, id);
	if (!s->id)
		m->used++;
	free(s->frame);
	s->id = id;
	s->frame = copy;
	s->size = size;
	s->stamp = 0;
	return 0;
}

/* ---- the logs ---- */

static struct tlog *find_log(struct st_tail *t, const char *key)
{
	uint32_t i;

	for (i = 0; i < t->nlogs; i++)
		if (strcmp(t->logs[i].key, key) == 0)
			return &t->logs[i];
	return NULL;
}

/* A log found at path (*.stlog, *.jsonl, or any file named by the user). */
static int meet_log(struct st_tail *t, struct st_trace *tr, const char *path)
{
	size_t n = strlen(path);
	bool bin = n > 6 && strcmp(path + n - 6, ".stlog") == 0;
	bool json = n > 6 && strcmp(path + n - 6, ".jsonl") == 0;
	char *key = strndup(path, bin || json ? n - 6 : n);
	struct tlog *l;

	if (!key)
		return oom(tr);
	if ((l = find_log(t, key)) != NULL) {
		if (l->bin && json)
			l->to_json = true;
		free(key);
		return 0;
	}
	if (t->nlogs == t->cap) {
		struct tlog *nl = realloc(t->logs, (t->cap ? t->cap * 2 : 16) * sizeof(*nl));

		if (!nl) {
			free(key);
			return oom(tr);
		}
		t->logs = nl;
		t->cap = t->cap ? t->cap * 2 : 16;
	}
	l = &t->logs[t->nlogs];
	memset(l, 0, sizeof(*l));
	l->key = key;
	if (!(l->path = strdup(path))) {
		free(key);
		return oom(tr);
	}
	l->bin = bin;
	l->fi = -1;
	l->hdr = UINT32_MAX;
	l->lineno = 1;
	t->nlogs++;
	return 0;
}

/* Lists a folder again when it may have changed. */
static int list_dir(struct st_tail *t, struct st_trace *tr, struct watch *w,
		    const struct stat *st, int64_t now)
{
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (w->listed && ts_ns(&st->st_mtim) == ts_ns(&w->mtime) &&
	    w->listed - ts_ns(&w->mtime) > SETTLE_NS)
		return 0;
	if (!(d = opendir(w->path)))
		return 0;	/* gone or unreadable: what was read stays */
	w->mtime = st->st_mtim;
	w->listed = now;
	while (r == 0 && (e = readdir(d)) != NULL) {
		char *full;

		if (!st_is_log_name(e->d_name))
			continue;
		if (asprintf(&full, "%s/%s", w->path, e->d_name) < 0)
			r = oom(tr);
		else {
			r = meet_log(t, tr, full);
			free(full);
		}
	}
	closedir(d);
	return r;
}

/* The log's st_file, made at its first line. */
static int log_file(struct st_trace *tr, struct tlog *l)
{
	int fi;

	if (l->fi >= 0)
		return 0;
	if ((fi = st_trace_new_file(tr, l->path)) < 0)
		return -1;
	tr->nparsed = tr->nfiles;	/* parsed here, not by st_trace_sort */
	l->fi = fi;
	return 0;
}

/* Parses complete lines of buf (all of it when last), from byte off of the
 * file; returns the bytes used. */
static size_t put_lines(struct st_trace *tr, struct tlog *l, const char *buf, size_t n,
			uint64_t off, bool last)
{
	size_t used;

	tr->cur_hdr = l->hdr;
	used = st_trace_parse_lines(tr, (uint16_t)l->fi, buf, n, off, &l->lineno, last);
	l->hdr = tr->cur_hdr;
	return used;
}

/* Reads exactly n bytes at off (fewer at the file's end); -1 on error. */
static ssize_t read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* ---- JSON logs ---- */

/* Skips l->skip lines of buf[0, n) (complete lines only): the bytes
 * skipped.  The first line must be the binary log's header, else this is
 * another log under the same name: nothing is skipped. */
static size_t skip_lines(struct tlog *l, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *nl;

	while (l->skip && p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (l->nlines == l->skip && p == buf && l->done == 0 &&
		    ((size_t)(nl - p) != l->hlen || memcmp(p, l->hline, l->hlen) != 0)) {
			l->skip = 0;
			l->fi = -1;
			l->hdr = UINT32_MAX;
			break;
		}
		l->skip--;
		l->lineno++;
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

static int read_json(struct st_trace *tr, struct tlog *l, int fd, const struct stat *st,
		     bool final)
{
	uint64_t left = (uint64_t)st->st_size > l->done ? (uint64_t)st->st_size - l->done : 0;
	char *buf;

	if (!left)
		return 0;
	if (!(buf = malloc(left < CHUNK ? (size_t)left : CHUNK)))
		return oom(tr);
	while (l->done < (uint64_t)st->st_size) {
		size_t want = (uint64_t)st->st_size - l->done < CHUNK ?
			      (size_t)((uint64_t)st->st_size - l->done) : CHUNK;
		ssize_t got = read_at(fd, buf, want, l->done);
		size_t used, s;
		bool last;

		if (got <= 0)
			break;
		last = final && l->done + (uint64_t)got >= (uint64_t)st->st_size;
		s = skip_lines(l, buf, (size_t)got);
		if (l->skip) {
			l->done += s;
			if (s == 0)
				break;
			continue;
		}
		if (log_file(tr, l) < 0) {
			free(buf);
			return -1;
		}
		used = s + put_lines(tr, l, buf + s, (size_t)got - s, l->done + s, last);
		if (used == 0 && (size_t)got == CHUNK)	/* a line longer than that */
			used = s + put_lines(tr, l, buf + s, (size_t)got - s, l->done + s, true);
		l->done += used;
		if (used < (size_t)got)
			break;
	}
	free(buf);
	return 0;
}

/* At the last read: how the JSON log ends (its stop line, a last line cut
 * short), from its last bytes. */
static void json_ending(struct st_file *f, int fd, const struct stat *st)
{
	char tail[4096];
	uint64_t from = (uint64_t)st->st_size > sizeof(tail) ? (uint64_t)st->st_size - sizeof(tail) : 0;
	ssize_t got = read_at(fd, tail, (size_t)((uint64_t)st->st_size - from), from);

	if (got > 0)
		st_file_ending(f, tail, (size_t)got);
}

/* ---- binary logs ---- */

/* What one read of a ring found. */
struct ring_view {
	bool ok;
	struct st_ring_head h;	/* as first read (F1 = h.flushed) */
	uint64_t flushed2;	/* F2 */
	unsigned char *data;	/* h.cap bytes, or NULL */
};

static bool head_ok(const struct st_ring_head *h, off_t size)
{
	return memcmp(h->magic, ST_RING_MAGIC, sizeof(h->magic)) == 0 && h->cap >= 4096 &&
	       (h->cap & (h->cap - 1)) == 0 && size >= ST_RING_DATA_OFF &&
	       h->cap <= (uint64_t)size - ST_RING_DATA_OFF && h->flushed % 8 == 0;
}

/* The ring word for log offset off. */
static uint64_t ring_word(const struct ring_view *r, uint64_t off)
{
	uint64_t w;

	memcpy(&w, r->data + (off & (r->h.cap - 1)), sizeof(w));
	return w;
}

/*
 * Opens <log>.ring and reads its head.  Whether anything may be new: a
 * ring whose flushed has not moved and whose word where the read stopped
 * is zero, beside a log file that has not changed, holds nothing new.
 * When something may be, its data and its head again are read too.
 */
static bool read_ring(struct st_trace *tr, struct tlog *l, const struct stat *lst,
		      struct ring_view *r, bool final)
{
	char *rpath;
	struct stat st;
	uint64_t w = 0, p0;
	bool same;
	int fd;

	memset(r, 0, sizeof(*r));
	if (asprintf(&rpath, "%s.ring", l->path) < 0)
		return true;
	fd = open(rpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	free(rpath);
	same = lst->st_size == l->size && ts_ns(&lst->st_mtim) == ts_ns(&l->mtime);
	if (fd < 0)
		return final || !same || l->ring || l->stuck_since;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    read_at(fd, &r->h, sizeof(r->h), 0) != (ssize_t)sizeof(r->h) ||
	    !head_ok(&r->h, st.st_size)) {
		if (final) {
			tr->bad_rings++;
			st_trace_note(tr, "%s.ring: not a staging ring; read without it", l->path);
		}
		close(fd);
		return final || !same;
	}
	r->ok = true;
	if (!final && same && l->ring && r->h.flushed == l->flushed && l->done >= r->h.flushed &&
	    l->done < r->h.flushed + r->h.cap && !l->stuck_since &&
	    read_at(fd, &w, sizeof(w), ST_RING_DATA_OFF + (l->done & (r->h.cap - 1))) ==
		    (ssize_t)sizeof(w) &&
	    w == 0) {
		close(fd);
		r->ok = false;
		return false;
	}
	/* In log order, from F1 on: a frame's head is read before its body
	 * (which was written before its head), also when it wraps. */
	p0 = r->h.flushed & (r->h.cap - 1);
	if (!(r->data = malloc(r->h.cap)) ||
	    read_at(fd, r->data + p0, r->h.cap - p0, ST_RING_DATA_OFF + p0) !=
		    (ssize_t)(r->h.cap - p0) ||
	    read_at(fd, r->data, p0, ST_RING_DATA_OFF) != (ssize_t)p0 ||
	    read_at(fd, &r->flushed2, sizeof(r->flushed2),
		    offsetof(struct st_ring_head, flushed)) != (ssize_t)sizeof(r->flushed2) ||
	    r->flushed2 < r->h.flushed || r->flushed2 % 8 != 0) {
		free(r->data);
		r->data = NULL;
		r->ok = false;
	}
	close(fd);
	return true;
}

/* Whether the read stops at off, a frame not (all) there yet: it waits,
 * unless this is the last read or it has waited there long enough. */
static bool wait_at(struct tlog *l, uint64_t off, bool final, int64_t now)
{
	if (final)
		return false;
	if (l->stuck_at != off || !l->stuck_since) {
		l->stuck_at = off;
		l->stuck_since = now;
		return true;
	}
	return now - l->stuck_since < STUCK_NS;
}

/* The first non-zero word of p[off, n) (8-aligned), or n when none. */
static uint64_t next_nonzero(const unsigned char *p, uint64_t off, uint64_t n)
{
	uint64_t w;

	for (; off + 8 <= n; off += 8) {
		memcpy(&w, p + off, 8);
		if (w)
			return off;
	}
	return n;
}

static int put_bytes(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (cap < b->n + n)
			cap *= 2;
		if (!(np = realloc(b->p, cap)))
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

/*
 * Walks the frames of win (log offsets [l->done, l->done + n)) as far as
 * they are all there (cut: the window ends where a stretch of the file
 * read ends, not where the log does); appends to pre the kept TUPLE frames they name, and
 * keeps their own TUPLE and CLOCK frames.  *stop gets the log offset where
 * the walk stopped.
 */
static int walk(struct tlog *l, const unsigned char *win, uint64_t n, bool cut, bool final,
		int64_t now, struct bytes *pre, uint64_t *stop)
{
	uint64_t off = 0, size;
	bool passing = false, waits = false;

	l->stamp++;
	while (off + 8 <= n) {
		struct st_frame h;

		memcpy(&h, win + off, sizeof(h));
		if (!h.mark && !h.kind && !h.aux && !h.len) {
			/* Zero: the end, or a frame still being written. */
			uint64_t k = next_nonzero(win, off, n);

			if (k >= n)
				break;
			if (!passing && (waits = wait_at(l, l->done + off, final, now)))
				break;
			passing = true;
			off = k;
			continue;
		}
		if (!st_frame_known(&h)) {
			l->closed = false;
			off += 8;	/* corrupt: the decoder counts it */
			continue;
		}
		size = st_frame_size(h.len);
		if (size > n - off && cut)
			break;	/* the rest comes with the next stretch */
		if (size > n - off) {
			if (!passing && (waits = wait_at(l, l->done + off, final, now)))
				break;
			passing = true;
			off += 8;
			continue;
		}
		if (((h.kind == ST_FRAME_DATA || h.kind == ST_FRAME_OPT || h.kind == ST_FRAME_WAIT) &&
		     h.len >= sizeof(struct st_frame_data)) ||
		    (h.kind == ST_FRAME_SDATA && h.len >= sizeof(struct st_frame_sdata))) {
			uint32_t tuple;
			struct tuple *s;

			memcpy(&tuple, win + off + 8 + (h.kind == ST_FRAME_SDATA ?
							offsetof(struct st_frame_sdata, tuple) :
							offsetof(struct st_frame_data, tuple)),
			       sizeof(tuple));
			if (tuple && l->tup.cap && (s = tuple_slot(&l->tup, tuple))->id &&
			    s->stamp != l->stamp) {
				s->stamp = l->stamp;
				if (put_bytes(pre, s->frame, s->size) < 0)
					return -1;
			}
		} else if (h.kind == ST_FRAME_TUPLE && h.len >= sizeof(struct st_frame_tuple)) {
			struct st_frame_tuple tu;

			memcpy(&tu, win + off + 8, sizeof(tu));
			if (tu.id) {
				if (tuple_put(&l->tup, tu.id, win + off, size) < 0)
					return -1;
				tuple_slot(&l->tup, tu.id)->stamp = l->stamp;
			}
		}
		if (h.kind != ST_FRAME_PAD)
			l->closed = false;
		if (h.kind == ST_FRAME_CLOCK && size == CLOCK_FRAME) {
			struct st_frame_clock k;

			memcpy(&k, win + off + 8, sizeof(k));
			l->closed = k.why == ST_CLOCK_END;
			if (l->nclocks == CLOCKS_KEPT) {
				memmove(l->clocks[0], l->clocks[1], (CLOCKS_KEPT - 1) * CLOCK_FRAME);
				l->nclocks--;
			}
			memcpy(l->clocks[l->nclocks++], win + off, CLOCK_FRAME);
		} else if (h.kind == ST_FRAME_STOP && !l->stop_off) {
			l->stop_off = l->done + off;
		}
		off += size;
	}
	if (!waits)
		l->stuck_since = 0;
	*stop = l->done + (off < n ? off : n);
	return 0;
}

/* Decodes in (magic, kept frames, then the new ones) and parses its lines. */
static int decode_new(struct st_trace *tr, struct tlog *l, const unsigned char *in, size_t n)
{
	struct st_binlog_stats bs;
	char *text, *nl;
	size_t len, k;

	if (st_binlog_decode(in, n, &text, &len, &bs) < 0)
		return oom(tr);
	if (bs.bad && tr->bad_frames == 0) {
		const char *slash = strrchr(l->path, '/');

		snprintf(tr->bad_file, sizeof(tr->bad_file), "%s", slash ? slash + 1 : l->path);
	}
	tr->bad_frames += bs.bad;
	tr->bad_bytes += bs.bad_bytes;
	tr->no_tuple += bs.no_tuple;
	if (len && l->nlines == 0 && !l->hline && (nl = memchr(text, '\n', len)) != NULL) {
		l->hlen = (size_t)(nl - text);
		if (!(l->hline = malloc(l->hlen + 1))) {
			free(text);
			return oom(tr);
		}
		memcpy(l->hline, text, l->hlen);
	}
	for (k = 0; k < len; k++)
		l->nlines += text[k] == '\n';
	if (bs.stop != ST_STOP_NONE)
		l->nlines--;	/* the stop line, which the JSON log has last */
	if (len && log_file(tr, l) < 0) {
		free(text);
		return -1;
	}
	if (len)
		put_lines(tr, l, text, len, 0, true);
	free(text);
	return 0;
}

/* At the last read: whether the log ends early (its ring left, or its
 * STOP frame says tracing stopped). */
static void bin_ending(struct st_trace *tr, struct tlog *l, int fd, bool ring)
{
	unsigned char in[8 + sizeof(struct st_frame) + sizeof(struct st_frame_stop)];
	struct st_binlog_stats bs;
	struct st_file *f;
	char *text;
	size_t len;

	if (l->fi < 0)
		return;
	f = &tr->files[l->fi];
	f->had_ring = ring && !l->closed;
	memcpy(in, ST_BINLOG_MAGIC, 8);
	if (!l->stop_off || read_at(fd, in + 8, sizeof(in) - 8, l->stop_off) != (ssize_t)(sizeof(in) - 8) ||
	    st_binlog_decode(in, sizeof(in), &text, &len, &bs) < 0)
		return;
	st_file_ending(f, text, len);
	free(text);
}

/* Makes b hold at least n bytes (its contents not kept). */
static int room_for(struct bytes *b, size_t n)
{
	unsigned char *np;

	if (n <= b->cap)
		return 0;
	if (!(np = realloc(b->p, n)))
		return -1;
	b->p = np;
	b->cap = n;
	return 0;
}

static int read_bin(struct st_tail *t, struct st_trace *tr, struct tlog *l, int fd,
		    const struct stat *st, bool final, int64_t now)
{
	struct ring_view r;
	struct bytes *pre = &t->pre;
	int ret = 0;

	if (!read_ring(tr, l, st, &r, final))
		return 0;
	for (;;) {
		struct stat fs;
		uint64_t size, fend, wend, from = 0, k, stop;
		unsigned char *in, *dec;
		size_t ndec;
		ssize_t got;

		/* The file, after the ring's second head (F2). */
		if (fstat(fd, &fs) != 0)
			break;
		size = (uint64_t)fs.st_size > l->done ? (uint64_t)fs.st_size : l->done;
		fend = size - l->done > CHUNK ? l->done + CHUNK : size;
		wend = fend;
		/* The ring's words from F2 on, once the file is read to its end. */
		if (r.data && fend == size) {
			from = r.flushed2 > l->done ? r.flushed2 : l->done;
			for (k = r.h.flushed + r.h.cap; k > from; k -= 8)
				if (ring_word(&r, k - 8)) {
					wend = k > wend ? k : wend;
					break;
				}
		}
		if (wend <= l->done)
			break;
		/* The window goes after room for what is put in front of it:
		 * buffers kept from read to read cost no fresh pages. */
		if (room_for(&t->win, FRONT_ROOM + (size_t)(wend - l->done)) < 0) {
			ret = oom(tr);
			break;
		}
		in = t->win.p + FRONT_ROOM;
		if ((got = read_at(fd, in, (size_t)(fend - l->done), l->done)) < 0)
			break;
		memset(in + got, 0, (size_t)(wend - l->done) - (size_t)got);
		if (r.data && fend == size)
			for (k = from; k + 8 <= wend && k < r.h.flushed + r.h.cap; k += 8) {
				uint64_t w = ring_word(&r, k);

				if (w)
					memcpy(in + (k - l->done), &w, 8);
			}
		/* magic, the kept CLOCK frames, the kept TUPLE frames the new
		 * frames name, then the new frames */
		pre->n = 0;
		if (put_bytes(pre, ST_BINLOG_MAGIC, ST_BINLOG_MAGIC_LEN) < 0 ||
		    put_bytes(pre, l->clocks, l->nclocks * CLOCK_FRAME) < 0 ||
		    walk(l, in, wend - l->done, fend < size, final, now, pre, &stop) < 0) {
			ret = oom(tr);
			break;
		}
		if (stop == l->done)
			break;
		if (pre->n <= FRONT_ROOM) {
			dec = in - pre->n;
			memcpy(dec, pre->p, pre->n);
			ndec = pre->n + (size_t)(stop - l->done);
		} else if (put_bytes(pre, in, (size_t)(stop - l->done)) < 0) {
			ret = oom(tr);
			break;
		} else {
			dec = pre->p;
			ndec = pre->n;
		}
		if (decode_new(tr, l, dec, ndec) < 0) {
			ret = -1;
			break;
		}
		l->done = stop;
		/* On only while the file is read a stretch at a time. */
		if (fend == size)
			break;
	}
	l->ring = r.ok;
	if (r.ok) {
		l->flushed = r.h.flushed;
		if (r.h.dropped > l->dropped) {
			tr->dropped += r.h.dropped - l->dropped;
			l->dropped = r.h.dropped;
		}
	}
	free(r.data);
	l->size = st->st_size;
	l->mtime = st->st_mtim;
	if (final)
		bin_ending(tr, l, fd, r.ok);
	return ret;
}

/* The binary log is now <key>.jsonl: read on from there. */
static int to_json(struct st_trace *tr, struct tlog *l)
{
	char *jpath;

	if (asprintf(&jpath, "%s.jsonl", l->key) < 0)
		return oom(tr);
	free(l->path);
	l->path = jpath;
	l->bin = false;
	l->to_json = false;
	l->skip = l->nlines;
	l->done = 0;
	l->size = 0;
	l->ino = 0;
	tuples_free(&l->tup);
	return 0;
}

static int read_log(struct st_tail *t, struct st_trace *tr, struct tlog *l, bool final,
		    int64_t now)
{
	struct stat st;
	int fd, r;

	if (l->gone)
		return 0;
	if (l->bin && l->to_json && to_json(tr, l) < 0)
		return -1;
	fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT && l->bin) {
		/* Converted (the launcher writes <key>.jsonl first)? */
		char *jpath;

		if (asprintf(&jpath, "%s.jsonl", l->key) < 0)
			return oom(tr);
		r = access(jpath, F_OK);
		free(jpath);
		if (r == 0)
			return to_json(tr, l) < 0 ? -1 : read_log(t, tr, l, final, now);
	}
	if (fd < 0) {
		l->gone = errno == ENOENT;
		return 0;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (l->ino && (st.st_ino != l->ino || st.st_dev != l->dev)) {
		/* Another file under the name: a new log. */
		l->fi = -1;
		l->hdr = UINT32_MAX;
		l->done = l->nlines = l->skip = 0;
		l->size = 0;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if (l->done == 0 && !l->skip) {
		/* Binary or JSON by its first bytes (a .stlog still empty is
		 * waited for). */
		char m[ST_BINLOG_MAGIC_LEN];

		if (read_at(fd, m, sizeof(m), 0) != (ssize_t)sizeof(m)) {
			if (l->bin) {
				close(fd);
				return 0;
			}
		} else if ((l->bin = st_binlog_is(m, sizeof(m)))) {
			l->done = ST_BINLOG_MAGIC_LEN;
		}
	}
	if (!l->bin) {
		if (!final && st.st_size == l->size && ts_ns(&st.st_mtim) == ts_ns(&l->mtime)) {
			close(fd);
			return 0;
		}
		r = read_json(tr, l, fd, &st, final);
		l->size = st.st_size;
		l->mtime = st.st_mtim;
		if (final && l->fi >= 0)
			json_ending(&tr->files[l->fi], fd, &st);
	} else {
		r = read_bin(t, tr, l, fd, &st, final, now);
	}
	close(fd);
	return r;
}

long st_tail_read(struct st_tail *t, struct st_trace *tr, bool final)
{
	uint32_t nev = tr->nev, nhdr = tr->nhdr, i;
	int64_t now = now_ns();
	struct stat st;
	int k;

	for (k = 0; k < t->nw; k++) {
		struct watch *w = &t->w[k];

		if (stat(w->path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (list_dir(t, tr, w, &st, now) < 0)
				return -1;
		} else if (!w->listed) {
			w->listed = now;
			if (meet_log(t, tr, w->path) < 0)
				return -1;
		}
	}
	for (i = 0; i < t->nlogs; i++)
		if (read_log(t, tr, &t->logs[i], final, now) < 0)
			return -1;
	return (long)(tr->nev - nev) + (long)(tr->nhdr - nhdr);
}
