/*
 * svg.c: the timeline as a standalone SVG (`sockview --svg`): one column
 * per process (or thread), time flowing down, a box per row with the
 * record's line, arrows between boxes with their labels, a legend of the
 * arrow kinds drawn, and a <title> on every box, arrow and label (the hover
 * text: the record's full log line, the link's full label).  Every piece of
 * text from a log goes through st_out_xml, which escapes &<>"' and writes
 * any byte outside printable ASCII as \xNN, so no log can put markup into
 * the picture.
 *
 * Labels are placed before anything is drawn: each on a white tag on its
 * arrow, at the first of a fixed list of spots (the middle, then further
 * toward either end, then staggered above and below) where it covers no
 * box, no arrowhead and no label placed before it, and if it can, crosses
 * no other arrow.  The font is monospace, so a label's width is known from
 * its length.  Placed labels and arrows are indexed by bands of height, so
 * placing stays linear in the number of arrows.  All arrows are drawn
 * before all labels, so no line runs over a label.
 */
#include "render/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

#define LANE_W 540		/* width of a lane */
#define LEFT 90			/* the time column */
#define HEAD_H 30		/* the band of lane titles */
#define TOP 36			/* rows start one row below this */
#define ROW_H 24
#define BOX_X 16		/* box offset in its lane */
#define BOX_W 320
#define BOX_H 17
#define CHAR_W10 67		/* tenths of a pixel per character at 11 px */
#define HEAD_W10 80		/* the same for the 13 px bold lane titles */
#define TITLE_MAX 1500		/* bytes of a log line in a hover title */
#define TEXT_MAX 46		/* characters of a line inside a box */
#define LBL_MAX 28		/* characters of a label: it fits between lanes */
#define LBL_H 14		/* height of a label's tag */
#define LBL_PAD 3		/* tag padding left and right of the text */
#define CLEAR 12		/* labels keep this far left and right of boxes,
				 * where the arrowheads are */
#define SELF_DX 24		/* how far an arrow within a lane bulges out */
#define HEAD_LEN 14		/* the end of an arrow drawn over the boxes */
#define BAND 32			/* height of an index band */
#define SEG_BANDS_MAX 512	/* longer arrows are not indexed (index_arrow) */
#define LEGEND_H 40		/* room for one line of the legend */
#define LEGEND_TEXT 48		/* a legend entry's words, right of its sample */
#define MARGIN 20

struct link_style {
	const char *color;
	const char *dash;
	const char *marker;
	const char *legend;
};

static const struct link_style styles[] = {
	[ST_L_HANDSHAKE] = { "#1f6fb2", "", "hs", "connect (handshake)" },
	[ST_L_DATA] = { "#2a8a2a", "", "data", "data" },
	[ST_L_PEEK] = { "#9a3fb0", "4 3", "peek", "peek (MSG_PEEK)" },
	[ST_L_DGRAM] = { "#2a8a2a", "6 3", "data", "datagram" },
	[ST_L_EOF] = { "#b07800", "3 3", "eof", "EOF (close, shutdown)" },
	[ST_L_RESET] = { "#c62828", "3 3", "rst", "RST (reset)" },
	[ST_L_PLAIN] = { "#00838f", "8 2 2 2", "plain", "TLS plaintext (SSL_write to SSL_read)" },
};
#define NKINDS (sizeof(styles) / sizeof(styles[0]))
_Static_assert(NKINDS == ST_L_NKINDS, "a style for every kind of link");

struct rect {
	int x0, y0, x1, y1;	/* x0 <= x < x1, y0 <= y < y1 */
};

/* One arrow to draw: its link, its ends and its label's tag. */
struct arrow {
	const struct st_link *lk;
	uint64_t skip;		/* bytes of the receive taken by earlier links */
	int x1, y1, x2, y2;	/* within a lane: x1 the box's edge, x2 unused */
	bool self;
	uint32_t nchars;	/* visible characters of the label */
	struct rect tag;
	int32_t next;		/* next label in its band */
};

struct seg_node {
	uint32_t arrow;
	int32_t next;
};

struct svg {
	const struct st_model *m;
	const struct st_layout *l;
	struct st_out out;
	struct st_out text;
	int32_t *ev_y;		/* record -> y of its anchor row */
	int32_t *start_y;	/* record -> y of its start row (waiting calls) */
	int32_t *row_y;		/* row -> its y, ascending */
	struct arrow *arrows;
	uint32_t narrows;
	int32_t *lbl_band;	/* band -> first label whose tag starts in it */
	int32_t *seg_band;	/* band -> first seg_node */
	struct seg_node *segs;
	uint32_t nsegs, segcap;
	uint32_t *seen;		/* arrow -> last query that counted it */
	uint32_t query;
	uint32_t nbands;
	int width, height;
};

static int lane_x(uint32_t lane)
{
	return LEFT + (int)lane * LANE_W;
}

static int text_w(size_t chars, int w10)
{
	return (int)((chars * (size_t)w10 + 9) / 10);
}

static void put_num(struct svg *s, int64_t v)
{
	st_out_int(&s->out, v);
}

/* Writes the scratch text as XML, cut to max characters with an ellipsis
 * (the scratch text is printable ASCII: a byte is a character). */
static void put_text_xml(struct svg *s, size_t max)
{
	if (s->text.len > max) {
		st_out_xml(&s->out, s->text.buf, max - 1);
		st_out_str(&s->out, "&#8230;");
	} else {
		st_out_xml(&s->out, s->text.buf, s->text.len);
	}
}

static size_t shown_chars(const struct svg *s, size_t max)
{
	return s->text.len > max ? max : s->text.len;
}

static void put_title_line(struct svg *s, uint32_t ev)
{
	size_t n;
	const char *line = st_trace_line(s->m->tr, ev, &n);

	st_out_str(&s->out, "<title>");
	st_out_xml(&s->out, line, n > TITLE_MAX ? TITLE_MAX : n);
	if (n > TITLE_MAX)
		st_out_str(&s->out, "...");
	st_out_str(&s->out, "</title>");
}

/* The label of an arrow in the scratch text. */
static void describe_arrow(struct svg *s, const struct arrow *a)
{
	s->text.len = 0;
	st_describe_link(&s->text, s->m, a->lk, a->skip);
}

/* ---- placing the labels ---- */

static bool rects_meet(const struct rect *a, const struct rect *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static uint32_t band_of(const struct svg *s, int y)
{
	if (y < 0)
		return 0;
	if ((uint32_t)(y / BAND) >= s->nbands)
		return s->nbands - 1;
	return (uint32_t)(y / BAND);
}

/* true when the straight line of arrow a crosses r (Liang-Barsky; an
 * arrow within a lane counts as its vertical stretch). */
static bool arrow_crosses(const struct arrow *a, const struct rect *r)
{
	double x1 = a->self ? a->x1 + SELF_DX : a->x1, x2 = a->self ? x1 : a->x2;
	double dx = x2 - x1, dy = a->y2 - a->y1, t0 = 0, t1 = 1, t;
	double p[4] = { -dx, dx, -dy, dy };
	double q[4] = { x1 - r->x0, r->x1 - x1, a->y1 - r->y0, r->y1 - a->y1 };
	int i;

	for (i = 0; i < 4; i++) {
		if (p[i] == 0) {
			if (q[i] < 0)
				return false;
			continue;
		}
		t = q[i] / p[i];
		if (p[i] < 0) {
			if (t > t1)
				return false;
			if (t > t0)
				t0 = t;
		} else {
			if (t < t0)
				return false;
			if (t < t1)
				t1 = t;
		}
	}
	return true;
}

/* true when r covers a box (widened by CLEAR) or a placed label, or leaves
 * the picture. */
static bool tag_blocked(const struct svg *s, const struct rect *r)
{
	const struct st_layout *l = s->l;
	uint32_t lo = 0, hi = l->nrows, b, bend;
	int32_t k;

	if (r->x0 < LEFT || r->x1 > s->width - 4 || r->y0 < TOP ||
	    r->y1 > s->height - 4)
		return true;
	/* Boxes: the rows whose box reaches below r's top, up to its bottom. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->row_y[mid] + BOX_H / 2 + 3 <= r->y0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->nrows && s->row_y[lo] - BOX_H / 2 - 2 < r->y1; lo++) {
		int x = lane_x(l->ev_lane[l->rows[lo].ev]) + BOX_X;
		struct rect box = { x - CLEAR, s->row_y[lo] - BOX_H / 2 - 2,
				    x + BOX_W + CLEAR, s->row_y[lo] + BOX_H / 2 + 3 };

		if (rects_meet(&box, r))
			return true;
	}
	/* Labels: a tag starting one band above may reach into r. */
	bend = band_of(s, r->y1);
	for (b = band_of(s, r->y0 - LBL_H); b <= bend; b++)
		for (k = s->lbl_band[b]; k >= 0; k = s->arrows[k].next)
			if (rects_meet(&s->arrows[k].tag, r))
				return true;
	return false;
}

/* How many arrows other than self cross r. */
static uint32_t tag_crossings(struct svg *s, const struct rect *r, uint32_t self)
{
	uint32_t b, bend = band_of(s, r->y1 - 1), n = 0;
	int32_t k;

	s->query++;
	for (b = band_of(s, r->y0); b <= bend; b++)
		for (k = s->seg_band[b]; k >= 0; k = s->segs[k].next) {
			uint32_t a = s->segs[k].arrow;

			if (a == self || s->seen[a] == s->query)
				continue;
			s->seen[a] = s->query;
			if (arrow_crosses(&s->arrows[a], r))
				n++;
		}
	return n;
}

/* The tag of a label of w pixels centred at (cx, cy). */
static struct rect tag_at(int cx, int cy, int w)
{
	struct rect r = { cx - w / 2, cy - LBL_H / 2, 0, 0 };

	r.x1 = r.x0 + w;
	r.y1 = r.y0 + LBL_H;
	return r;
}

/* Places the label of arrow i: the first free spot that crosses no other
 * arrow, else the free spot that crosses fewest, else the middle. */
static void place_label(struct svg *s, uint32_t i)
{
	/* Where along the arrow (per cent from its start), and how far above
	 * or below it (in label heights). */
	static const int along[] = { 50, 38, 62, 26, 74, 14, 86 };
	static const int stagger[] = { 0, -1, 1, -2, 2 };
	struct arrow *a = &s->arrows[i];
	int w = text_w(a->nchars, CHAR_W10) + 2 * LBL_PAD, cx, cy;
	uint32_t best_cross = UINT32_MAX, c, b;
	struct rect best, r;
	size_t j, k;

	best = a->self ? tag_at(a->x1 + SELF_DX + 4 + w / 2, (a->y1 + a->y2) / 2, w)
		       : tag_at((a->x1 + a->x2) / 2, (a->y1 + a->y2) / 2, w);
	for (j = 0; j < sizeof(stagger) / sizeof(stagger[0]) && best_cross; j++)
		for (k = 0; k < sizeof(along) / sizeof(along[0]) && best_cross; k++) {
			if (a->self) {
				if (k > 0)
					break;
				cx = a->x1 + SELF_DX + 4 + w / 2;
				cy = (a->y1 + a->y2) / 2;
			} else {
				cx = a->x1 + (a->x2 - a->x1) * along[k] / 100;
				cy = a->y1 + (a->y2 - a->y1) * along[k] / 100;
			}
			r = tag_at(cx, cy + stagger[j] * (LBL_H + 2), w);
			if (tag_blocked(s, &r))
				continue;
			c = tag_crossings(s, &r, i);
			if (c < best_cross) {
				best_cross = c;
				best = r;
			}
		}
	a->tag = best;
	b = band_of(s, best.y0);
	a->next = s->lbl_band[b];
	s->lbl_band[b] = (int32_t)i;
}

/* Indexes arrow i in the bands it spans (very long ones are left out:
 * they only make a label prefer another spot). */
static int index_arrow(struct svg *s, uint32_t i)
{
	const struct arrow *a = &s->arrows[i];
	int top = a->y1 < a->y2 ? a->y1 : a->y2, bot = a->y1 < a->y2 ? a->y2 : a->y1;
	uint32_t b, b0 = band_of(s, top), b1 = band_of(s, bot);

	if (b1 - b0 >= SEG_BANDS_MAX)
		return 0;
	for (b = b0; b <= b1; b++) {
		if (s->nsegs == s->segcap) {
			uint32_t cap = s->segcap ? s->segcap * 2 : 256;
			struct seg_node *p = realloc(s->segs, cap * sizeof(*p));

			if (!p)
				return -1;
			s->segs = p;
			s->segcap = cap;
		}
		s->segs[s->nsegs].arrow = i;
		s->segs[s->nsegs].next = s->seg_band[b];
		s->seg_band[b] = (int32_t)s->nsegs++;
	}
	return 0;
}

/* Collects the arrows (links ending at a visible row, from a visible
 * record) with their ends, in the order of the rows they end at. */
static int collect_arrows(struct svg *s)
{
	const struct st_layout *l = s->l;
	uint32_t k, j, n, from, to;

	s->arrows = malloc(((size_t)s->m->nlinks + 1) * sizeof(*s->arrows));
	if (!s->arrows)
		return -1;
	for (k = 0; k < l->nrows; k++) {
		const struct st_row *row = &l->rows[k];
		const struct st_link *lk;
		uint64_t skip = 0;

		if (row->part == ST_START)
			continue;
		n = st_model_links(s->m, row->ev, &lk);
		for (j = 0; j < n; j++) {
			struct arrow *a = &s->arrows[s->narrows];
			uint64_t at = skip;

			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
			from = l->ev_lane[lk[j].from];
			to = l->ev_lane[lk[j].to];
			if (from == ST_NONE || s->ev_y[lk[j].from] < 0)
				continue;
			memset(a, 0, sizeof(*a));
			a->lk = &lk[j];
			a->skip = at;
			a->y1 = s->ev_y[lk[j].from];
			a->y2 = s->ev_y[lk[j].to];
			a->self = from == to;
			if (a->self) {
				a->x1 = lane_x(from) + BOX_X + BOX_W;
			} else {
				a->x1 = lane_x(from) + BOX_X + (from < to ? BOX_W : 0);
				a->x2 = from < to ? lane_x(to) + BOX_X - 2
						  : lane_x(to) + BOX_X + BOX_W + 2;
			}
			describe_arrow(s, a);
			a->nchars = (uint32_t)shown_chars(s, LBL_MAX);
			s->narrows++;
		}
	}
	return 0;
}

static int place_labels(struct svg *s)
{
	uint32_t i;

	s->nbands = (uint32_t)(s->height / BAND) + 2;
	s->lbl_band = malloc(s->nbands * sizeof(*s->lbl_band));
	s->seg_band = malloc(s->nbands * sizeof(*s->seg_band));
	s->seen = calloc((size_t)s->narrows + 1, sizeof(*s->seen));
	if (!s->lbl_band || !s->seg_band || !s->seen)
		return -1;
	for (i = 0; i < s->nbands; i++)
		s->lbl_band[i] = s->seg_band[i] = -1;
	for (i = 0; i < s->narrows; i++)
		if (index_arrow(s, i) < 0)
			return -1;
	for (i = 0; i < s->narrows; i++)
		place_label(s, i);
	return 0;
}

/* ---- drawing ---- */

static void put_marker(struct svg *s, const char *id, const char *color)
{
	st_out_str(&s->out, "<marker id=\"");
	st_out_str(&s->out, id);
	st_out_str(&s->out, "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
		   "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"");
	st_out_str(&s->out, color);
	st_out_str(&s->out, "\"/></marker>\n");
}

/* The picture's head; the TLS plaintext arrowhead only when one is drawn
 * (kinds: the kinds of arrow drawn). */
static void put_header(struct svg *s, const bool *kinds)
{
	static const char *const ids[] = { "hs", "data", "peek", "eof", "rst" };
	static const char *const colors[] = { "#1f6fb2", "#2a8a2a", "#9a3fb0", "#b07800", "#c62828" };
	uint32_t k;
	size_t i;

	st_out_str(&s->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	put_num(s, s->width);
	st_out_str(&s->out, "\" height=\"");
	put_num(s, s->height);
	st_out_str(&s->out, "\" viewBox=\"0 0 ");
	put_num(s, s->width);
	st_out_char(&s->out, ' ');
	put_num(s, s->height);
	st_out_str(&s->out, "\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n"
		   "<defs>\n");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		put_marker(s, ids[i], colors[i]);
	if (kinds[ST_L_PLAIN])
		put_marker(s, styles[ST_L_PLAIN].marker, styles[ST_L_PLAIN].color);
	st_out_str(&s->out, "</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
		   "<style>.box{fill:#eef2fb;stroke:#8fa3c8}.err{fill:#fde7e7;stroke:#d08080}"
		   ".wait{fill:#f4f4f4;stroke:#b0b0b0;stroke-dasharray:3 2}"
		   ".tag{fill:#ffffff;stroke-width:0.8}.t{fill:#666666}"
		   "text{white-space:pre}</style>\n");
	/* The titles on a band of their own. */
	st_out_str(&s->out, "<rect width=\"100%\" height=\"");
	put_num(s, HEAD_H);
	st_out_str(&s->out, "\" fill=\"#f1f4f9\"/><line x1=\"0\" x2=\"100%\" y1=\"");
	put_num(s, HEAD_H);
	st_out_str(&s->out, "\" y2=\"");
	put_num(s, HEAD_H);
	st_out_str(&s->out, "\" stroke=\"#c8d0de\"/>\n"
		   "<text x=\"8\" y=\"21\" font-weight=\"bold\">t (s)</text>\n");
	for (k = 0; k < s->l->nlanes; k++) {
		s->text.len = 0;
		st_describe_proc(&s->text, s->m, s->l->lane_proc[k], s->l->lane_tid[k]);
		st_out_str(&s->out, "<text x=\"");
		put_num(s, lane_x(k) + BOX_X);
		st_out_str(&s->out, "\" y=\"21\" font-size=\"13\" font-weight=\"bold\">");
		put_text_xml(s, (size_t)(LANE_W - 2 * BOX_X) * 10 / HEAD_W10);
		st_out_str(&s->out, "</text>\n");
	}
}

/* Lifelines: from a lane's first row to its last. */
static void put_lifelines(struct svg *s)
{
	uint32_t k;

	for (k = 0; k < s->l->nlanes; k++) {
		if (s->l->lane_first[k] == ST_NONE)
			continue;
		st_out_str(&s->out, "<line x1=\"");
		put_num(s, lane_x(k) + 8);
		st_out_str(&s->out, "\" x2=\"");
		put_num(s, lane_x(k) + 8);
		st_out_str(&s->out, "\" y1=\"");
		put_num(s, s->row_y[s->l->lane_first[k]] - 8);
		st_out_str(&s->out, "\" y2=\"");
		put_num(s, s->row_y[s->l->lane_last[k]] + 8);
		st_out_str(&s->out, "\" stroke=\"#9aa5b8\" stroke-width=\"1.5\"/>\n");
	}
}

/* true when a record's failure is worth the error colour (not the
 * EINPROGRESS or EAGAIN of non-blocking sockets). */
static bool event_bad(const struct svg *s, const struct st_vevent *e)
{
	return e->err && !st_vevent_failed(s->m->tr, e, "EINPROGRESS") &&
	       !st_vevent_failed(s->m->tr, e, "EAGAIN");
}

static void put_box(struct svg *s, const struct st_row *r, int y)
{
	const struct st_vevent *e = &s->m->tr->ev[r->ev];
	uint32_t lane = s->l->ev_lane[r->ev];
	int x = lane_x(lane) + BOX_X;
	char tbuf[32];
	struct st_out tt = { NULL, tbuf, 0, sizeof(tbuf), false, false };

	if (r->part == ST_END && s->start_y[r->ev] >= 0) {
		/* The wait, on the lifeline. */
		st_out_str(&s->out, "<rect class=\"wait\" x=\"");
		put_num(s, lane_x(lane) + 4);
		st_out_str(&s->out, "\" y=\"");
		put_num(s, s->start_y[r->ev]);
		st_out_str(&s->out, "\" width=\"8\" height=\"");
		put_num(s, y - s->start_y[r->ev]);
		st_out_str(&s->out, "\"/>\n");
	}
	st_out_seconds(&tt, r->t, 6);
	st_out_str(&s->out, "<text class=\"t\" x=\"8\" y=\"");
	put_num(s, y + 4);
	st_out_str(&s->out, "\">");
	st_out_put(&s->out, tt.buf, tt.len);
	st_out_str(&s->out, "</text>\n<g>");
	put_title_line(s, r->ev);
	st_out_str(&s->out, "<rect class=\"");
	st_out_str(&s->out, event_bad(s, e) ? "err" : "box");
	st_out_str(&s->out, "\" x=\"");
	put_num(s, x);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, y - BOX_H / 2);
	st_out_str(&s->out, "\" width=\"");
	put_num(s, BOX_W);
	st_out_str(&s->out, "\" height=\"");
	put_num(s, BOX_H);
	st_out_str(&s->out, "\" rx=\"3\"/><text x=\"");
	put_num(s, x + 5);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, y + 4);
	st_out_str(&s->out, "\">");
	s->text.len = 0;
	st_describe_event(&s->text, s->m, r->ev, (enum st_part)r->part);
	put_text_xml(s, TEXT_MAX);
	st_out_str(&s->out, "</text></g>\n");
}

/* The arrow's hover text: its label, and where its bytes are. */
static void put_arrow_title(struct svg *s, const struct arrow *a)
{
	describe_arrow(s, a);
	st_out_str(&s->out, "<title>");
	st_out_xml(&s->out, s->text.buf, s->text.len);
	if (st_link_takes(a->lk)) {
		st_out_str(&s->out, " at offset ");
		st_out_uint(&s->out, a->lk->off);
	}
	st_out_str(&s->out, "</title>");
}

static void put_point(struct svg *s, const char *cmd, int x, int y)
{
	st_out_str(&s->out, cmd);
	put_num(s, x);
	st_out_char(&s->out, ',');
	put_num(s, y);
}

/* The stroke of an arrow's style, and its arrowhead when head is set. */
static void put_stroke(struct svg *s, const struct link_style *st, bool head)
{
	st_out_str(&s->out, "\" fill=\"none\" stroke=\"");
	st_out_str(&s->out, st->color);
	st_out_str(&s->out, "\" stroke-width=\"1.6\"");
	if (st->dash[0] && !head) {
		st_out_str(&s->out, " stroke-dasharray=\"");
		st_out_str(&s->out, st->dash);
		st_out_char(&s->out, '"');
	}
	if (head) {
		st_out_str(&s->out, " marker-end=\"url(#");
		st_out_str(&s->out, st->marker);
		st_out_str(&s->out, ")\"");
	}
	st_out_str(&s->out, "/>");
}

/* An arrow's line, drawn under the boxes. */
static void put_arrow(struct svg *s, const struct arrow *a)
{
	st_out_str(&s->out, "<g>");
	put_arrow_title(s, a);
	st_out_str(&s->out, "<path d=\"");
	if (a->self) {
		put_point(s, "M", a->x1, a->y1);
		put_point(s, " C", a->x1 + SELF_DX, a->y1);
		put_point(s, " ", a->x1 + SELF_DX, a->y2);
		put_point(s, " ", a->x1 + 2, a->y2);
	} else {
		put_point(s, "M", a->x1, a->y1);
		put_point(s, " L", a->x2, a->y2);
	}
	put_stroke(s, &styles[a->lk->kind], false);
	st_out_str(&s->out, "</g>\n");
}

/* An arrow's head, over the boxes (a steep one would reach under its
 * target's box): the last HEAD_LEN pixels of its line again. */
static void put_arrow_head(struct svg *s, const struct arrow *a)
{
	int x0 = a->x1 + 2 + HEAD_LEN, y0 = a->y2;

	if (!a->self) {
		double dx = a->x2 - a->x1, dy = a->y2 - a->y1;
		double len = sqrt(dx * dx + dy * dy);

		x0 = a->x2 - (int)lround(dx * HEAD_LEN / len);
		y0 = a->y2 - (int)lround(dy * HEAD_LEN / len);
	}
	st_out_str(&s->out, "<path d=\"");
	put_point(s, "M", x0, y0);
	put_point(s, " L", a->self ? a->x1 + 2 : a->x2, a->y2);
	put_stroke(s, &styles[a->lk->kind], true);
	st_out_char(&s->out, '\n');
}

/* A label on its tag, in its arrow's colour. */
static void put_label(struct svg *s, const struct arrow *a)
{
	const struct link_style *st = &styles[a->lk->kind];

	st_out_str(&s->out, "<g>");
	put_arrow_title(s, a);
	st_out_str(&s->out, "<rect class=\"tag\" x=\"");
	put_num(s, a->tag.x0);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, a->tag.y0);
	st_out_str(&s->out, "\" width=\"");
	put_num(s, a->tag.x1 - a->tag.x0);
	st_out_str(&s->out, "\" height=\"");
	put_num(s, LBL_H);
	st_out_str(&s->out, "\" rx=\"3\" stroke=\"");
	st_out_str(&s->out, st->color);
	st_out_str(&s->out, "\"/><text x=\"");
	put_num(s, a->tag.x0 + LBL_PAD);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, a->tag.y0 + LBL_H - 4);
	st_out_str(&s->out, "\" fill=\"");
	st_out_str(&s->out, st->color);
	st_out_str(&s->out, "\">");
	describe_arrow(s, a);
	put_text_xml(s, LBL_MAX);
	st_out_str(&s->out, "</text></g>\n");
}

static void put_gap(struct svg *s, int y, int64_t ns)
{
	char buf[48];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false, false };

	st_out_duration(&tmp, ns);
	st_out_str(&s->out, "<line x1=\"0\" x2=\"");
	put_num(s, s->width);
	st_out_str(&s->out, "\" y1=\"");
	put_num(s, y);
	st_out_str(&s->out, "\" y2=\"");
	put_num(s, y);
	st_out_str(&s->out, "\" stroke=\"#cccccc\" stroke-dasharray=\"2 4\"/><text x=\"8\" y=\"");
	put_num(s, y + 4);
	st_out_str(&s->out, "\" fill=\"#888888\">&#8942; ");
	st_out_put(&s->out, buf, tmp.len);
	st_out_str(&s->out, "</text>\n");
}

/* Under the last record of a process whose log ends early (its row at
 * y_row): a bar across the end of its lifeline, and the words in red. */
static void put_log_end(struct svg *s, uint32_t lane, uint32_t p, int y_row)
{
	int x = lane_x(lane) + 8;

	s->text.len = 0;
	st_describe_log_end(&s->text, s->m, p);
	st_out_str(&s->out, "<g><line x1=\"");
	put_num(s, x - 7);
	st_out_str(&s->out, "\" x2=\"");
	put_num(s, x + 7);
	st_out_str(&s->out, "\" y1=\"");
	put_num(s, y_row + 8);
	st_out_str(&s->out, "\" y2=\"");
	put_num(s, y_row + 8);
	st_out_str(&s->out, "\" stroke=\"#c62828\" stroke-width=\"2\"/><text x=\"");
	put_num(s, lane_x(lane) + BOX_X);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, y_row + ROW_H + 4);
	st_out_str(&s->out, "\" fill=\"#c62828\">");
	put_text_xml(s, (size_t)(LANE_W - BOX_X) * 10 / CHAR_W10);
	st_out_str(&s->out, "</text></g>\n");
}

/* One entry of the legend at (*x, *y), wrapping at the picture's width:
 * a sample (an arrow of a kind, or a box of a class) and its words. */
static void put_legend_item(struct svg *s, int *x, int *y, int kind,
			    const char *box_class, const char *words)
{
	int w = LEGEND_TEXT + text_w(strlen(words), CHAR_W10) + 24;

	if (*x + w > s->width - MARGIN && *x > LEFT) {
		*x = LEFT;
		*y += 20;
	}
	if (kind >= 0) {
		const struct link_style *st = &styles[kind];

		st_out_str(&s->out, "<path d=\"");
		put_point(s, "M", *x, *y - 4);
		put_point(s, " L", *x + 26, *y - 4);
		put_stroke(s, st, false);
		st_out_str(&s->out, "<path d=\"");
		put_point(s, "M", *x + 26, *y - 4);
		put_point(s, " L", *x + 40, *y - 4);
		put_stroke(s, st, true);
	} else {
		st_out_str(&s->out, "<rect class=\"");
		st_out_str(&s->out, box_class);
		st_out_str(&s->out, "\" x=\"");
		put_num(s, *x + (strcmp(box_class, "wait") == 0 ? 16 : 6));
		st_out_str(&s->out, "\" y=\"");
		put_num(s, *y - 12);
		st_out_str(&s->out, strcmp(box_class, "wait") == 0 ? "\" width=\"8\"" : "\" width=\"28\"");
		st_out_str(&s->out, " height=\"15\" rx=\"2\"/>");
	}
	st_out_str(&s->out, "<text x=\"");
	put_num(s, *x + LEGEND_TEXT);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, *y);
	st_out_str(&s->out, "\">");
	st_out_str(&s->out, words);
	st_out_str(&s->out, "</text>\n");
	*x += w;
}

/* The legend: the kinds of arrow drawn, waiting and failed calls. */
static void put_legend(struct svg *s, int y, const bool *kinds, bool waits,
		       bool errs)
{
	int x = LEFT;
	size_t k;

	for (k = 0; k < NKINDS; k++)
		if (kinds[k])
			put_legend_item(s, &x, &y, (int)k, NULL, styles[k].legend);
	if (waits)
		put_legend_item(s, &x, &y, -1, "wait", "waiting in the call");
	if (errs)
		put_legend_item(s, &x, &y, -1, "err", "failed call");
}

/* Rows of the legend: a measuring pass of put_legend_item's wrapping. */
static int legend_lines(const struct svg *s, const bool *kinds, bool waits,
			bool errs)
{
	const char *words[NKINDS + 2];
	size_t n = 0, k;
	int x = LEFT, lines = 1;

	for (k = 0; k < NKINDS; k++)
		if (kinds[k])
			words[n++] = styles[k].legend;
	if (waits)
		words[n++] = "waiting in the call";
	if (errs)
		words[n++] = "failed call";
	if (n == 0)
		return 0;
	for (k = 0; k < n; k++) {
		int w = LEGEND_TEXT + text_w(strlen(words[k]), CHAR_W10) + 24;

		if (x + w > s->width - MARGIN && x > LEFT) {
			x = LEFT;
			lines++;
		}
		x += w;
	}
	return lines;
}

int st_render_svg(FILE *fp, const struct st_model *m,
		  const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct st_layout l;
	struct svg s;
	char scratch[1 << 14];
	bool kinds[NKINDS] = { false }, waits = false, errs = false;
	uint32_t k, i, p;
	int64_t prev = -1;
	int y, r = -1, right;

	if (st_layout_build(&l, m, o) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.l = &l;
	s.text.buf = scratch;
	s.text.cap = sizeof(scratch);
	s.ev_y = malloc(((size_t)tr->nev + 1) * sizeof(*s.ev_y));
	s.start_y = malloc(((size_t)tr->nev + 1) * sizeof(*s.start_y));
	s.row_y = malloc(((size_t)l.nrows + 1) * sizeof(*s.row_y));
	if (!s.ev_y || !s.start_y || !s.row_y || st_out_init(&s.out, fp) < 0)
		goto out;
	/* Row positions first: arrows need both ends. */
	for (i = 0; i < tr->nev; i++)
		s.ev_y[i] = s.start_y[i] = -1;
	y = TOP;
	for (k = 0; k < l.nrows; k++) {
		const struct st_row *row = &l.rows[k];
		const struct st_vevent *e = &tr->ev[row->ev];

		if (prev >= 0 && row->t - prev >= ST_GAP_NS)
			y += ROW_H;
		prev = row->t;
		y += ROW_H;
		s.row_y[k] = y;
		if (row->part == ST_START)
			s.start_y[row->ev] = y;
		if (row->part == ST_WHOLE ||
		    (row->part == ST_START) == st_event_at_start(e))
			s.ev_y[row->ev] = y;
		if (row->part == ST_END && s.start_y[row->ev] >= 0)
			waits = true;
		if (event_bad(&s, e))
			errs = true;
		/* A row of its own for the mark of a log that ends early. */
		if (st_log_ends_after(m, row->ev, (enum st_part)row->part) != ST_NONE)
			y += ROW_H;
	}
	/* The last lane needs room right of its boxes only for the arrows
	 * within it and their labels. */
	s.width = LEFT + (int)(l.nlanes ? l.nlanes : 1) * LANE_W + MARGIN;
	s.height = y + ROW_H;
	if (collect_arrows(&s) < 0 || place_labels(&s) < 0)
		goto out;
	right = LEFT + (int)(l.nlanes ? l.nlanes - 1 : 0) * LANE_W + BOX_X + BOX_W + MARGIN;
	for (i = 0; i < s.narrows; i++) {
		int reach = s.arrows[i].self ? s.arrows[i].x1 + SELF_DX + 2 : 0;

		kinds[s.arrows[i].lk->kind] = true;
		if (s.arrows[i].tag.x1 > reach)
			reach = s.arrows[i].tag.x1;
		if (reach + MARGIN > right)
			right = reach + MARGIN;
	}
	s.width = right;
	s.height = y + ROW_H + legend_lines(&s, kinds, waits, errs) * 20 + (LEGEND_H - 20);
	put_header(&s, kinds);
	put_lifelines(&s);
	/* Arrows under the boxes (one crossing a lane passes behind its
	 * boxes, not over their text), labels over everything. */
	for (i = 0; i < s.narrows; i++)
		put_arrow(&s, &s.arrows[i]);
	prev = -1;
	for (k = 0; k < l.nrows; k++) {
		const struct st_row *row = &l.rows[k];

		if (prev >= 0 && row->t - prev >= ST_GAP_NS)
			put_gap(&s, s.row_y[k] - ROW_H, row->t - prev);
		prev = row->t;
		put_box(&s, row, s.row_y[k]);
		if ((p = st_log_ends_after(m, row->ev, (enum st_part)row->part)) != ST_NONE)
			put_log_end(&s, l.ev_lane[row->ev], p, s.row_y[k]);
	}
	for (i = 0; i < s.narrows; i++)
		put_arrow_head(&s, &s.arrows[i]);
	for (i = 0; i < s.narrows; i++)
		put_label(&s, &s.arrows[i]);
	put_legend(&s, y + ROW_H + LEGEND_H - 20, kinds, waits, errs);
	st_out_str(&s.out, "</svg>\n");
	r = 0;
out:
	r = st_out_end(&s.out, r);
	free(s.ev_y);
	free(s.start_y);
	free(s.row_y);
	free(s.arrows);
	free(s.lbl_band);
	free(s.seg_band);
	free(s.segs);
	free(s.seen);
	st_layout_free(&l);
	return r;
}
