/*
 * timeline.c: the terminal timeline (`sockview PATH...`).  A time column,
 * then one lane per process (or thread) with its lifeline; each row is one
 * record's short line in its lane, and each link gets an arrow row just
 * above the record it ends at, drawn from the source lane to the target
 * lane with its label (`5 B "hello"`, `EOF`).  Quiet stretches are marked
 * (`⋮ 1.20 s`).  Box drawing or ASCII, colour or not, always within the
 * width asked for; every byte from a log is escaped on the way (out.h).
 *
 * A million records make over a hundred megabytes of text, so rows are
 * drawn in blocks, on two threads when there is more than one block: each
 * thread draws every other block into a buffer of its own and writes it
 * when the block before it has been written, so the output is the same as
 * one thread's, and memory is two blocks, whatever the length of the run.
 * What a row looks like depends on the rows above it only through the
 * waiting lanes and the time of the last row shown, which a thread keeps up
 * to date over the other thread's blocks without drawing them.
 */
#include "render/render.h"

#include <err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

enum glyph {
	G_SPACE, G_LIFE, G_BLOCK, G_EVENT, G_LINE, G_DOTTED, G_DOUBLE, G_DASHED,
	G_HEAD_L, G_HEAD_R, G_FROM_L, G_FROM_R, G_SELF, G_CUT, G_GAP, G_NGLYPHS
};

static const char *const glyphs[2][G_NGLYPHS] = {
	{ " ", "\xe2\x94\x82", "\xe2\x94\x86", "\xe2\x94\x9c", "\xe2\x94\x80",
	  "\xe2\x94\x84", "\xe2\x95\x90", "\xe2\x95\x8c", "\xe2\x97\x80",
	  "\xe2\x96\xb6", "\xe2\x95\xb0", "\xe2\x95\xaf", "\xe2\x95\xb0\xe2\x96\xb6",
	  "\xe2\x80\xa6", "\xe2\x8b\xae" },
	{ " ", "|", ":", "+", "-", ".", "=", "~", "<", ">", "+", "+", "+>", "~", ":" },
};

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BLUE "\033[34m"
#define C_CYAN "\033[36m"
#define C_MAGENTA "\033[35m"

/* Glyphs are written in runs of up to this many (an arrow row is a few
 * runs, not a call per column). */
#define RUN 64

/* Rows per block: about this many bytes of output at the width asked
 * for, within [BLOCK_MIN, BLOCK_MAX] rows. */
#define BLOCK_BYTES ((size_t)4 << 20)
#define BLOCK_MIN 16
#define BLOCK_MAX 8192

/* What the drawing threads share: whose turn it is to write. */
struct turns {
	FILE *fp;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint32_t next;		/* the block to be written next */
	bool failed;		/* a write failed: the others stop drawing */
};

/* One drawing thread. */
struct tl {
	const struct st_model *m;
	const struct st_render_opts *o;
	const struct st_layout *l;
	struct turns *turns;
	uint32_t first, step;	/* blocks first, first + step, ... */
	uint32_t block_rows;
	struct st_out out;	/* the block being drawn */
	struct st_out text;	/* scratch for one line */
	char scratch[1 << 14];
	const char *const *g;
	int tcol;		/* width of the time column */
	int lw;			/* width of a lane */
	bool *blocking;		/* lane is inside a waiting call */
	enum glyph *cells;	/* an arrow row being drawn */
	uint8_t glen[G_NGLYPHS];	/* byte lengths of the glyphs */
	char runs[G_NGLYPHS][RUN * 8];	/* each glyph RUN times in a row */
	uint32_t row;		/* current row index */
	int64_t prev;		/* time of the last row shown, -1 before */
};

static void color(struct tl *t, const char *c)
{
	if (t->o->color)
		st_out_str(&t->out, c);
}

static bool lane_alive(const struct tl *t, uint32_t lane)
{
	return t->l->lane_first[lane] != ST_NONE && t->row >= t->l->lane_first[lane] &&
	       t->row <= t->l->lane_last[lane];
}

static enum glyph life_glyph(const struct tl *t, uint32_t lane)
{
	if (!lane_alive(t, lane))
		return G_SPACE;
	return t->blocking[lane] ? G_BLOCK : G_LIFE;
}

/* The last lane with something to draw (trailing blanks are left out). */
static uint32_t last_alive(const struct tl *t, uint32_t at_least)
{
	uint32_t k = t->l->nlanes;

	while (k > 0 && k - 1 > at_least && !lane_alive(t, k - 1))
		k--;
	return k;
}

static void put_glyph(struct tl *t, enum glyph g)
{
	st_out_put(&t->out, t->g[g], t->glen[g]);
}

static void put_glyphs(struct tl *t, enum glyph g, int n)
{
	while (n > 0) {
		int k = n < RUN ? n : RUN;

		st_out_put(&t->out, t->runs[g], (size_t)k * t->glen[g]);
		n -= k;
	}
}

static void put_spaces(struct tl *t, int n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		int k = n < 32 ? n : 32;

		st_out_put(&t->out, sp, (size_t)k);
		n -= k;
	}
}

/* The time column: seconds since the first record. */
static void put_clock(struct tl *t, int64_t ns)
{
	char buf[32];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false, false };

	st_out_seconds(&tmp, ns, 6);
	color(t, C_DIM);
	put_spaces(t, t->tcol - (int)tmp.len);
	st_out_put(&t->out, buf, tmp.len);
	color(t, C_RESET);
	st_out_char(&t->out, ' ');
}

/* Writes the scratch text cut to width columns (ASCII text). */
static int put_cut(struct tl *t, const char *s, size_t n, int width)
{
	if (width <= 0)
		return 0;
	if ((int)n <= width) {
		st_out_put(&t->out, s, n);
		return (int)n;
	}
	st_out_put(&t->out, s, (size_t)width - 1);
	put_glyph(t, G_CUT);
	return width;
}

static const char *event_color(const struct tl *t, const struct st_vevent *e)
{
	if (e->err && !st_vevent_failed(t->m->tr, e, "EINPROGRESS") &&
	    !st_vevent_failed(t->m->tr, e, "EAGAIN"))
		return C_RED;
	if (e->call == ST_C_RECV && e->ret == 0)
		return C_YELLOW;
	if (e->call == ST_C_CONNECT || e->call == ST_C_ACCEPT)
		return C_CYAN;
	return NULL;
}

static void put_event_row(struct tl *t, const struct st_row *r)
{
	const struct st_vevent *e = &t->m->tr->ev[r->ev];
	uint32_t lane = t->l->ev_lane[r->ev], k, end;
	const char *c = event_color(t, e);

	if (r->part == ST_START)
		t->blocking[lane] = true;
	else if (r->part == ST_END)
		t->blocking[lane] = false;
	t->text.len = 0;
	st_describe_event(&t->text, t->m, r->ev, (enum st_part)r->part);
	put_clock(t, r->t);
	end = last_alive(t, lane);
	for (k = 0; k < end; k++) {
		int used = 1;

		if (k == lane) {
			put_glyph(t, r->part == ST_END ? G_FROM_L : G_EVENT);
			st_out_char(&t->out, ' ');
			used++;
			if (c)
				color(t, c);
			used += put_cut(t, t->text.buf, t->text.len,
					k + 1 == t->l->nlanes || k + 1 == end ?
					t->o->width - t->tcol - 1 - (int)k * t->lw - 2 :
					t->lw - 3);
			if (c)
				color(t, C_RESET);
		} else {
			put_glyph(t, life_glyph(t, k));
		}
		if (k + 1 < end)
			put_spaces(t, t->lw - used);
	}
	st_out_char(&t->out, '\n');
}

static const char *link_color(uint8_t kind)
{
	switch (kind) {
	case ST_L_HANDSHAKE: return C_CYAN;
	case ST_L_DATA: case ST_L_DGRAM: return C_GREEN;
	case ST_L_PEEK: return C_MAGENTA;
	case ST_L_EOF: return C_YELLOW;
	case ST_L_PLAIN: return C_BLUE;
	default: return C_RED;
	}
}

static enum glyph link_line(uint8_t kind)
{
	switch (kind) {
	case ST_L_HANDSHAKE: return G_DOUBLE;
	case ST_L_DATA: case ST_L_PLAIN: return G_LINE;
	case ST_L_PEEK: case ST_L_DGRAM: return G_DOTTED;
	default: return G_DASHED;
	}
}

/* " from CALL(FD) at SECONDS": where an arrow within one lane starts. */
static void put_source(struct tl *t, uint32_t ev)
{
	const struct st_trace *tr = t->m->tr;
	const struct st_vevent *e = &tr->ev[ev];
	size_t n;
	const char *name = st_trace_str(tr, e->name, &n);

	st_out_str(&t->text, " from ");
	st_out_bytes(&t->text, name, n, 32);
	if (e->fd >= 0) {
		st_out_char(&t->text, '(');
		st_out_int(&t->text, e->fd);
		st_out_char(&t->text, ')');
	}
	st_out_str(&t->text, " at ");
	st_out_seconds(&t->text, e->t - tr->t0, 6);
}

/* An arrow row for link lk into the lane of its target. */
static void put_arrow_row(struct tl *t, const struct st_link *lk, uint64_t skip)
{
	const struct st_layout *l = t->l;
	uint32_t to = l->ev_lane[lk->to], from = l->ev_lane[lk->from], k, end;
	int width = t->o->width - t->tcol - 1, lo, hi, label_at, pos, i, n, last;
	enum glyph *cells;
	const char *lc = link_color(lk->kind);

	t->text.len = 0;
	st_describe_link(&t->text, t->m, lk, skip);
	if (from == to || from == ST_NONE) {
		if (from == ST_NONE) {
			st_out_str(&t->text, " from ");
			st_describe_proc(&t->text, t->m, t->m->ev_proc[lk->from], -1);
		} else if (t->row == 0 || l->rows[t->row - 1].ev != lk->from) {
			/* In its own lane an arrow shows no start: name the
			 * call it comes from unless that is the row above. */
			put_source(t, lk->from);
		}
		put_spaces(t, t->tcol + 1);
		end = last_alive(t, to);
		for (k = 0; k < end; k++) {
			int used = 1;

			if (k == to) {
				color(t, lc);
				put_glyph(t, G_SELF);
				st_out_char(&t->out, ' ');
				used += put_cut(t, t->text.buf, t->text.len,
						k + 1 == end ? width - (int)k * t->lw - 3 :
						t->lw - 4) + 2;
				color(t, C_RESET);
			} else {
				put_glyph(t, life_glyph(t, k));
			}
			if (k + 1 < end)
				put_spaces(t, t->lw - used);
		}
		st_out_char(&t->out, '\n');
		return;
	}
	/* Cells of the lanes' area; the arrow spans from one lifeline to the
	 * other. */
	cells = t->cells;
	memset(cells, 0, ((size_t)width + 1) * sizeof(*cells));
	end = last_alive(t, to > from ? to : from);
	for (k = 0; k < end; k++)
		if ((int)(k * (uint32_t)t->lw) < width)
			cells[k * (uint32_t)t->lw] = life_glyph(t, k);
	lo = (int)((from < to ? from : to) * (uint32_t)t->lw);
	hi = (int)((from < to ? to : from) * (uint32_t)t->lw);
	if (hi >= width)
		hi = width - 1;
	for (i = lo; i <= hi; i++)
		cells[i] = link_line(lk->kind);
	if (from < to) {
		cells[lo] = G_FROM_L;
		cells[hi - 1] = G_HEAD_R;
		cells[hi] = life_glyph(t, to) == G_SPACE ? G_LIFE : life_glyph(t, to);
	} else {
		cells[hi] = G_FROM_R;
		cells[lo + 1] = G_HEAD_L;
		cells[lo] = life_glyph(t, to) == G_SPACE ? G_LIFE : life_glyph(t, to);
	}
	/* The label, centred on the arrow, with a space each side. */
	n = (int)t->text.len;
	if (n > hi - lo - 5)
		n = hi - lo - 5;
	label_at = n > 0 ? lo + 2 + (hi - lo - 3 - n) / 2 : -1;
	last = end ? (int)((end - 1) * (uint32_t)t->lw) : 0;
	if (last < hi)
		last = hi;
	if (last >= width)
		last = width - 1;
	put_spaces(t, t->tcol + 1);
	for (pos = 0; pos <= last; pos = i) {
		int stop = last + 1;

		if (pos == lo)
			color(t, lc);
		if (pos == label_at) {
			st_out_char(&t->out, ' ');
			put_cut(t, t->text.buf, t->text.len, n);
			st_out_char(&t->out, ' ');
			i = pos + n + 2;
			continue;
		}
		/* A run of one glyph, up to where the colour or the label
		 * starts, or the colour ends. */
		if (pos < lo && lo < stop)
			stop = lo;
		if (pos < label_at && label_at < stop)
			stop = label_at;
		if (pos <= hi && hi + 1 < stop)
			stop = hi + 1;
		for (i = pos + 1; i < stop && cells[i] == cells[pos]; i++)
			;
		put_glyphs(t, cells[pos], i - pos);
		if (i - 1 == hi)
			color(t, C_RESET);
	}
	st_out_char(&t->out, '\n');
}

/* Under the last record of a process whose log ends early, in its lane:
 * `-- log of pid N ends early: WHY --`, over the lanes to its right (as
 * an arrow's label goes over the lifelines it crosses). */
static void put_log_end_row(struct tl *t, uint32_t lane, uint32_t p)
{
	int width = t->o->width - t->tcol - 1 - (int)lane * t->lw;
	uint32_t k;

	t->text.len = 0;
	st_out_str(&t->text, "-- ");
	st_describe_log_end(&t->text, t->m, p);
	st_out_str(&t->text, " --");
	put_spaces(t, t->tcol + 1);
	for (k = 0; k < lane; k++) {
		put_glyph(t, life_glyph(t, k));
		put_spaces(t, t->lw - 1);
	}
	color(t, C_RED);
	put_cut(t, t->text.buf, t->text.len, width);
	color(t, C_RESET);
	st_out_char(&t->out, '\n');
}

static void put_gap_row(struct tl *t, int64_t ns)
{
	char buf[48];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false, false };
	uint32_t k, end = last_alive(t, 0);

	st_out_str(&tmp, t->g[G_GAP]);
	st_out_char(&tmp, ' ');
	st_out_duration(&tmp, ns);
	color(t, C_DIM);
	put_spaces(t, t->tcol - (int)tmp.len + (t->o->ascii ? 0 : 2));
	st_out_put(&t->out, buf, tmp.len);
	color(t, C_RESET);
	st_out_char(&t->out, ' ');
	for (k = 0; k < end; k++) {
		put_glyph(t, life_glyph(t, k));
		if (k + 1 < end)
			put_spaces(t, t->lw - 1);
	}
	st_out_char(&t->out, '\n');
}

static void put_titles(struct tl *t)
{
	uint32_t k;

	put_spaces(t, t->tcol - 5);
	st_out_str(&t->out, "t (s) ");
	for (k = 0; k < t->l->nlanes; k++) {
		int w = k + 1 == t->l->nlanes ? t->o->width - t->tcol - 1 - (int)k * t->lw :
			t->lw - 1;
		int used;

		t->text.len = 0;
		st_describe_proc(&t->text, t->m, t->l->lane_proc[k], t->l->lane_tid[k]);
		color(t, C_BOLD);
		used = put_cut(t, t->text.buf, t->text.len, w);
		color(t, C_RESET);
		if (k + 1 < t->l->nlanes)
			put_spaces(t, t->lw - used);
	}
	st_out_char(&t->out, '\n');
}

/* Keeps the state up to date over rows [t->row, to) without drawing them. */
static void skip_rows(struct tl *t, uint32_t to)
{
	const struct st_layout *l = t->l;

	for (; t->row < to; t->row++) {
		const struct st_row *row = &l->rows[t->row];
		uint32_t lane = l->ev_lane[row->ev];

		if (lane == ST_NONE)
			continue;
		t->prev = row->t;
		if (row->part == ST_START)
			t->blocking[lane] = true;
		else if (row->part == ST_END)
			t->blocking[lane] = false;
	}
}

/* Row t->row: the gap mark above it, the arrows ending at it, itself. */
static void draw_row(struct tl *t)
{
	const struct st_layout *l = t->l;
	const struct st_row *row = &l->rows[t->row];
	const struct st_link *lk;
	uint32_t n, j, p;
	uint64_t skip = 0;

	if (l->ev_lane[row->ev] == ST_NONE)
		return;	/* a lane left out */
	if (t->prev >= 0 && row->t - t->prev >= ST_GAP_NS)
		put_gap_row(t, row->t - t->prev);
	t->prev = row->t;
	if (row->part != ST_START) {
		n = st_model_links(t->m, row->ev, &lk);
		for (j = 0; j < n; j++) {
			if (l->ev_lane[lk[j].to] != ST_NONE)
				put_arrow_row(t, &lk[j], skip);
			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
		}
	}
	put_event_row(t, row);
	if ((p = st_log_ends_after(t->m, row->ev, (enum st_part)row->part)) != ST_NONE)
		put_log_end_row(t, l->ev_lane[row->ev], p);
}

/* Writes block b's text once every block before it is written; false when
 * the output failed (here or in the other thread). */
static bool write_in_turn(struct tl *t, uint32_t b)
{
	struct turns *w = t->turns;
	bool ok;

	pthread_mutex_lock(&w->lock);
	while (w->next != b && !w->failed)
		pthread_cond_wait(&w->changed, &w->lock);
	ok = !w->failed;
	pthread_mutex_unlock(&w->lock);
	if (!ok)
		return false;
	/* Our turn: nobody else writes until next moves on. */
	if (t->out.failed ||
	    (t->out.len && fwrite(t->out.buf, 1, t->out.len, w->fp) != t->out.len))
		ok = false;
	t->out.len = 0;
	pthread_mutex_lock(&w->lock);
	w->next = b + 1;
	if (!ok)
		w->failed = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* A drawing thread: its blocks, in order, each written in its turn. */
static void *draw_blocks(void *arg)
{
	struct tl *t = arg;
	uint32_t nrows = t->l->nrows, b;

	for (b = t->first; b == 0 || (uint64_t)b * t->block_rows < nrows; b += t->step) {
		uint32_t from = b * t->block_rows;
		uint32_t to = nrows - from < t->block_rows ? nrows : from + t->block_rows;

		skip_rows(t, from);
		if (b == 0 && t->l->nlanes)
			put_titles(t);
		for (; t->row < to; t->row++)
			draw_row(t);
		if (!write_in_turn(t, b))
			break;
	}
	return NULL;
}

/* Sets up drawing thread t (a copy of the shared settings in proto). */
static int start_drawer(struct tl *t, const struct tl *proto, uint32_t first)
{
	*t = *proto;
	t->first = first;
	t->row = 0;
	t->prev = -1;
	t->text.buf = t->scratch;
	t->text.cap = sizeof(t->scratch);
	t->text.len = 0;
	t->blocking = calloc((size_t)t->l->nlanes + 1, sizeof(*t->blocking));
	t->cells = calloc((size_t)t->o->width + 1, sizeof(*t->cells));
	if (!t->blocking || !t->cells || st_out_init_growing(&t->out) < 0)
		return -1;
	return 0;
}

static void stop_drawer(struct tl *t)
{
	free(t->blocking);
	free(t->cells);
	free(t->out.buf);
}

int st_render_timeline(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o)
{
	struct st_layout l;
	struct turns w;
	struct tl *t = NULL, *draw = NULL;
	pthread_t th;
	bool threaded = false;
	int r = -1, usable, i;

	if (st_layout_build(&l, m, o) < 0)
		return -1;
	/* Settings shared by the drawing threads, in t. */
	if (!(t = calloc(1, sizeof(*t))) || !(draw = calloc(2, sizeof(*draw))))
		goto out;
	t->m = m;
	t->o = o;
	t->l = &l;
	t->turns = &w;
	t->g = glyphs[o->ascii ? 1 : 0];
	for (i = 0; i < G_NGLYPHS; i++) {
		int k;

		t->glen[i] = (uint8_t)strlen(t->g[i]);
		for (k = 0; k < RUN; k++)
			memcpy(t->runs[i] + k * t->glen[i], t->g[i], t->glen[i]);
	}
	t->tcol = 10;
	if (l.nrows) {
		int64_t last = l.rows[l.nrows - 1].t / 1000000000;

		while (last >= 10) {
			t->tcol++;
			last /= 10;
		}
	}
	usable = o->width - t->tcol - 1;
	t->lw = l.nlanes ? usable / (int)l.nlanes : usable;
	if (t->lw < 12) {
		/* Too many lanes: the ones past the edge are left out. */
		t->lw = 12;
		warnx("%u lanes do not fit in %d columns: showing %d (see --pid, --width)",
		      l.nlanes, o->width, usable / t->lw);
		l.nlanes = (uint32_t)(usable / t->lw);
		for (i = 0; i < (int)m->tr->nev; i++)
			if (l.ev_lane[i] != ST_NONE && l.ev_lane[i] >= l.nlanes)
				l.ev_lane[i] = ST_NONE;
	}
	t->block_rows = o->block_rows;
	if (!t->block_rows) {
		size_t rows = BLOCK_BYTES / ((size_t)o->width * 4 + 64);

		t->block_rows = rows < BLOCK_MIN ? BLOCK_MIN : rows > BLOCK_MAX ? BLOCK_MAX :
				(uint32_t)rows;
	}
	/* Two threads when there is more than one block. */
	t->step = l.nrows > t->block_rows ? 2 : 1;
	memset(&w, 0, sizeof(w));
	w.fp = fp;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.changed, NULL);
	if (start_drawer(&draw[0], t, 0) < 0 ||
	    (t->step == 2 && start_drawer(&draw[1], t, 1) < 0))
		goto out_threads;
	if (t->step == 2) {
		if (pthread_create(&th, NULL, draw_blocks, &draw[1]) == 0) {
			threaded = true;
		} else {
			/* One thread after all: it draws every block. */
			draw[0].step = 1;
		}
	}
	draw_blocks(&draw[0]);
	if (threaded)
		pthread_join(th, NULL);
	r = w.failed || fflush(fp) != 0 ? -1 : 0;
out_threads:
	stop_drawer(&draw[0]);
	stop_drawer(&draw[1]);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.changed);
out:
	free(t);
	free(draw);
	st_layout_free(&l);
	return r;
}
