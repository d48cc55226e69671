/*
 * timeline.c: the terminal timeline (`sockview PATH...`).  A time column,
 * then one lane per process (or thread) with its lifeline; each row is one
 * record's short line in its lane, and each link gets an arrow row just
 * above the record it ends at, drawn from the source lane to the target
 * lane with its label (`5 B "hello"`, `EOF`).  Quiet stretches are marked
 * (`⋮ 1.20 s`).  Box drawing or ASCII, colour or not, always within the
 * width asked for; every byte from a log is escaped on the way (out.h).
 */
#include "render.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "out.h"

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
#define C_CYAN "\033[36m"
#define C_MAGENTA "\033[35m"

/* Glyphs are written in runs of up to this many (an arrow row is a few
 * runs, not a call per column). */
#define RUN 64

struct tl {
	const struct st_model *m;
	const struct st_render_opts *o;
	const struct st_layout *l;
	struct st_out out;
	struct st_out text;	/* scratch for one line */
	const char *const *g;
	int tcol;		/* width of the time column */
	int lw;			/* width of a lane */
	bool *blocking;		/* lane is inside a waiting call */
	enum glyph *cells;	/* an arrow row being drawn */
	uint8_t glen[G_NGLYPHS];	/* byte lengths of the glyphs */
	char runs[G_NGLYPHS][RUN * 8];	/* each glyph RUN times in a row */
	uint32_t row;		/* current row index */
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
static void put_time(struct tl *t, int64_t ns)
{
	char buf[32];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false };

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

static const char *event_color(const struct tl *t, const struct st_event *e)
{
	if (e->err && !st_event_failed(t->m->tr, e, "EINPROGRESS") &&
	    !st_event_failed(t->m->tr, e, "EAGAIN"))
		return C_RED;
	if (e->call == ST_C_RECV && e->ret == 0)
		return C_YELLOW;
	if (e->call == ST_C_CONNECT || e->call == ST_C_ACCEPT)
		return C_CYAN;
	return NULL;
}

static void put_event_row(struct tl *t, const struct st_row *r)
{
	const struct st_event *e = &t->m->tr->ev[r->ev];
	uint32_t lane = t->l->ev_lane[r->ev], k, end;
	const char *c = event_color(t, e);

	if (r->part == ST_START)
		t->blocking[lane] = true;
	else if (r->part == ST_END)
		t->blocking[lane] = false;
	t->text.len = 0;
	st_describe_event(&t->text, t->m, r->ev, (enum st_part)r->part);
	put_time(t, r->t);
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
	default: return C_RED;
	}
}

static enum glyph link_line(uint8_t kind)
{
	switch (kind) {
	case ST_L_HANDSHAKE: return G_DOUBLE;
	case ST_L_DATA: return G_LINE;
	case ST_L_PEEK: case ST_L_DGRAM: return G_DOTTED;
	default: return G_DASHED;
	}
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

static void put_gap_row(struct tl *t, int64_t ns)
{
	char buf[48];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false };
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

int st_render_timeline(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o)
{
	struct st_layout l;
	struct tl t;
	char scratch[1 << 14];
	int64_t prev = -1;
	int r = -1, usable, i;

	if (st_layout_build(&l, m, o) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	t.m = m;
	t.o = o;
	t.l = &l;
	t.g = glyphs[o->ascii ? 1 : 0];
	for (i = 0; i < G_NGLYPHS; i++) {
		int k;

		t.glen[i] = (uint8_t)strlen(t.g[i]);
		for (k = 0; k < RUN; k++)
			memcpy(t.runs[i] + k * t.glen[i], t.g[i], t.glen[i]);
	}
	t.text.buf = scratch;
	t.text.cap = sizeof(scratch);
	t.tcol = 10;
	if (l.nrows) {
		int64_t last = l.rows[l.nrows - 1].t / 1000000000;

		while (last >= 10) {
			t.tcol++;
			last /= 10;
		}
	}
	usable = o->width - t.tcol - 1;
	t.lw = l.nlanes ? usable / (int)l.nlanes : usable;
	if (t.lw < 12) {
		/* Too many lanes: the ones past the edge are left out. */
		t.lw = 12;
		warnx("%u lanes do not fit in %d columns: showing %d (see --pid, --width)",
		      l.nlanes, o->width, usable / t.lw);
		l.nlanes = (uint32_t)(usable / t.lw);
		for (i = 0; i < (int)m->tr->nev; i++)
			if (l.ev_lane[i] != ST_NONE && l.ev_lane[i] >= l.nlanes)
				l.ev_lane[i] = ST_NONE;
	}
	if (st_out_init(&t.out, fp) < 0 ||
	    !(t.blocking = calloc((size_t)l.nlanes + 1, sizeof(*t.blocking))) ||
	    !(t.cells = calloc((size_t)o->width + 1, sizeof(*t.cells))))
		goto out;
	if (l.nlanes)
		put_titles(&t);
	for (t.row = 0; t.row < l.nrows; t.row++) {
		const struct st_row *row = &l.rows[t.row];
		const struct st_link *lk;
		uint32_t n, j;
		uint64_t skip = 0;

		if (l.ev_lane[row->ev] == ST_NONE)
			continue;	/* a lane left out */
		if (prev >= 0 && row->t - prev >= ST_GAP_NS)
			put_gap_row(&t, row->t - prev);
		prev = row->t;
		if (row->part != ST_START) {
			n = st_model_links(m, row->ev, &lk);
			for (j = 0; j < n; j++) {
				if (l.ev_lane[lk[j].to] != ST_NONE)
					put_arrow_row(&t, &lk[j], skip);
				if (lk[j].kind == ST_L_DATA || lk[j].kind == ST_L_PEEK)
					skip += lk[j].len;
			}
		}
		put_event_row(&t, row);
	}
	r = 0;
out:
	if (t.out.buf && st_out_finish(&t.out) < 0)
		r = -1;
	free(t.blocking);
	free(t.cells);
	st_layout_free(&l);
	return r;
}
