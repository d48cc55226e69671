/*
 * svg.c: the timeline as a standalone SVG (`sockview --svg`): one column
 * per process (or thread), time flowing down, a box per row with the
 * record's line, arrows between boxes with their labels, and a <title> on
 * every box and arrow (the hover text: the record's full log line).  Every
 * piece of text from a log goes through st_out_xml, which escapes &<>"'
 * and writes any byte outside printable ASCII as \xNN, so no log can put
 * markup into the picture.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "out.h"

#define LANE_W 470		/* width of a lane */
#define LEFT 90			/* the time column */
#define TOP 34			/* the lane titles */
#define ROW_H 24
#define BOX_X 16		/* box offset in its lane */
#define BOX_W 300
#define BOX_H 17
#define TITLE_MAX 1500		/* bytes of a log line in a hover title */
#define TEXT_MAX 44		/* characters of a line inside a box */

struct link_style {
	const char *color;
	const char *dash;
	const char *marker;
};

static const struct link_style styles[] = {
	[ST_L_HANDSHAKE] = { "#1f6fb2", "", "hs" },
	[ST_L_DATA] = { "#2a8a2a", "", "data" },
	[ST_L_PEEK] = { "#9a3fb0", "4 3", "peek" },
	[ST_L_DGRAM] = { "#2a8a2a", "6 3", "data" },
	[ST_L_EOF] = { "#b07800", "3 3", "eof" },
	[ST_L_RESET] = { "#c62828", "3 3", "rst" },
};

struct svg {
	const struct st_model *m;
	const struct st_layout *l;
	struct st_out out;
	struct st_out text;
	int32_t *ev_y;		/* record -> y of its anchor row */
	int32_t *start_y;	/* record -> y of its start row (waiting calls) */
};

static int lane_x(uint32_t lane)
{
	return LEFT + (int)lane * LANE_W;
}

static void put_num(struct svg *s, int64_t v)
{
	st_out_int(&s->out, v);
}

/* Writes the scratch text as XML, cut to max characters. */
static void put_text_xml(struct svg *s, size_t max)
{
	if (s->text.len > max) {
		st_out_xml(&s->out, s->text.buf, max - 3);
		st_out_str(&s->out, "...");
	} else {
		st_out_xml(&s->out, s->text.buf, s->text.len);
	}
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

static void put_header(struct svg *s, int width, int height)
{
	static const char *const kinds[] = { "hs", "data", "peek", "eof", "rst" };
	static const char *const colors[] = { "#1f6fb2", "#2a8a2a", "#9a3fb0", "#b07800", "#c62828" };
	uint32_t k;
	size_t i;

	st_out_str(&s->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	put_num(s, width);
	st_out_str(&s->out, "\" height=\"");
	put_num(s, height);
	st_out_str(&s->out, "\" viewBox=\"0 0 ");
	put_num(s, width);
	st_out_char(&s->out, ' ');
	put_num(s, height);
	st_out_str(&s->out, "\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n"
		   "<defs>\n");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		st_out_str(&s->out, "<marker id=\"");
		st_out_str(&s->out, kinds[i]);
		st_out_str(&s->out, "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
			   "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"");
		st_out_str(&s->out, colors[i]);
		st_out_str(&s->out, "\"/></marker>\n");
	}
	st_out_str(&s->out, "</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
		   "<style>.box{fill:#eef2fb;stroke:#8fa3c8}.err{fill:#fde7e7;stroke:#d08080}"
		   ".wait{fill:#f4f4f4;stroke:#b0b0b0;stroke-dasharray:3 2}"
		   ".lbl{paint-order:stroke;stroke:#ffffff;stroke-width:3px}"
		   "text{white-space:pre}</style>\n");
	st_out_str(&s->out, "<text x=\"8\" y=\"24\" font-weight=\"bold\">t (s)</text>\n");
	for (k = 0; k < s->l->nlanes; k++) {
		s->text.len = 0;
		st_describe_proc(&s->text, s->m, s->l->lane_proc[k], s->l->lane_tid[k]);
		st_out_str(&s->out, "<text x=\"");
		put_num(s, lane_x(k) + BOX_X);
		st_out_str(&s->out, "\" y=\"24\" font-size=\"13\" font-weight=\"bold\">");
		put_text_xml(s, TEXT_MAX);
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
		put_num(s, s->ev_y[s->l->rows[s->l->lane_first[k]].ev] - 8);
		st_out_str(&s->out, "\" y2=\"");
		put_num(s, s->ev_y[s->l->rows[s->l->lane_last[k]].ev] + 8);
		st_out_str(&s->out, "\" stroke=\"#9aa5b8\" stroke-width=\"1.5\"/>\n");
	}
}

static void put_box(struct svg *s, const struct st_row *r, int y)
{
	const struct st_event *e = &s->m->tr->ev[r->ev];
	uint32_t lane = s->l->ev_lane[r->ev];
	int x = lane_x(lane) + BOX_X;
	bool bad = e->err && !st_event_failed(s->m->tr, e, "EINPROGRESS") &&
		   !st_event_failed(s->m->tr, e, "EAGAIN");
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
	st_out_str(&s->out, "<text x=\"8\" y=\"");
	put_num(s, y + 4);
	st_out_str(&s->out, "\" fill=\"#666666\">");
	st_out_put(&s->out, tt.buf, tt.len);
	st_out_str(&s->out, "</text>\n<g>");
	put_title_line(s, r->ev);
	st_out_str(&s->out, "<rect class=\"");
	st_out_str(&s->out, bad ? "err" : "box");
	st_out_str(&s->out, "\" x=\"");
	put_num(s, x);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, y - BOX_H / 2);
	st_out_str(&s->out, "\" width=\"" );
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

static void put_arrow(struct svg *s, const struct st_link *lk, uint64_t skip)
{
	const struct st_layout *l = s->l;
	const struct link_style *st = &styles[lk->kind];
	uint32_t from = l->ev_lane[lk->from], to = l->ev_lane[lk->to];
	int y1 = s->ev_y[lk->from], y2 = s->ev_y[lk->to], x1, x2, lx, ly;

	if (from == ST_NONE || y1 < 0)
		return;
	s->text.len = 0;
	st_describe_link(&s->text, s->m, lk, skip);
	st_out_str(&s->out, "<g><title>");
	put_text_xml(s, 200);
	if (lk->kind == ST_L_DATA || lk->kind == ST_L_PEEK) {
		st_out_str(&s->out, " at offset ");
		st_out_uint(&s->out, lk->off);
	}
	st_out_str(&s->out, "</title><path d=\"");
	if (from == to) {
		x1 = lane_x(from) + BOX_X + BOX_W;
		st_out_str(&s->out, "M");
		put_num(s, x1);
		st_out_char(&s->out, ',');
		put_num(s, y1);
		st_out_str(&s->out, " C");
		put_num(s, x1 + 24);
		st_out_char(&s->out, ',');
		put_num(s, y1);
		st_out_char(&s->out, ' ');
		put_num(s, x1 + 24);
		st_out_char(&s->out, ',');
		put_num(s, y2);
		st_out_char(&s->out, ' ');
		put_num(s, x1 + 2);
		st_out_char(&s->out, ',');
		put_num(s, y2);
		lx = x1 + 26;
		ly = (y1 + y2) / 2 + 4;
	} else {
		x1 = from < to ? lane_x(from) + BOX_X + BOX_W : lane_x(from) + BOX_X;
		x2 = from < to ? lane_x(to) + BOX_X - 2 : lane_x(to) + BOX_X + BOX_W + 2;
		st_out_str(&s->out, "M");
		put_num(s, x1);
		st_out_char(&s->out, ',');
		put_num(s, y1);
		st_out_str(&s->out, " L");
		put_num(s, x2);
		st_out_char(&s->out, ',');
		put_num(s, y2);
		/* Three quarters of the way: arrows fanning out of one send
		 * keep their labels apart. */
		lx = x1 + (x2 - x1) * 3 / 4 + (from > to ? 4 : -4);
		ly = y1 + (y2 - y1) * 3 / 4 - 5;
	}
	st_out_str(&s->out, "\" fill=\"none\" stroke=\"");
	st_out_str(&s->out, st->color);
	st_out_str(&s->out, "\" stroke-width=\"1.6\"");
	if (st->dash[0]) {
		st_out_str(&s->out, " stroke-dasharray=\"");
		st_out_str(&s->out, st->dash);
		st_out_char(&s->out, '"');
	}
	st_out_str(&s->out, " marker-end=\"url(#");
	st_out_str(&s->out, st->marker);
	st_out_str(&s->out, ")\"/><text class=\"lbl\" x=\"");
	put_num(s, lx);
	st_out_str(&s->out, "\" y=\"");
	put_num(s, ly);
	/* The label runs from near the target back toward the source, off
	 * the target's box. */
	st_out_str(&s->out, from == to || from > to ? "\"" : "\" text-anchor=\"end\"");
	st_out_str(&s->out, " fill=\"");
	st_out_str(&s->out, st->color);
	st_out_str(&s->out, "\">");
	put_text_xml(s, 30);
	st_out_str(&s->out, "</text></g>\n");
}

static void put_gap(struct svg *s, int y, int64_t ns, int width)
{
	char buf[48];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false, false };

	st_out_duration(&tmp, ns);
	st_out_str(&s->out, "<line x1=\"0\" x2=\"");
	put_num(s, width);
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

int st_render_svg(FILE *fp, const struct st_model *m,
		  const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct st_layout l;
	struct svg s;
	char scratch[1 << 14];
	uint32_t k, ngaps = 0, i, j, n;
	int64_t prev = -1;
	int y, width, height, r = -1;

	if (st_layout_build(&l, m, o) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.l = &l;
	s.text.buf = scratch;
	s.text.cap = sizeof(scratch);
	s.ev_y = malloc(((size_t)tr->nev + 1) * sizeof(*s.ev_y));
	s.start_y = malloc(((size_t)tr->nev + 1) * sizeof(*s.start_y));
	if (!s.ev_y || !s.start_y || st_out_init(&s.out, fp) < 0)
		goto out;
	/* Row positions first: arrows need both ends. */
	for (i = 0; i < tr->nev; i++)
		s.ev_y[i] = s.start_y[i] = -1;
	y = TOP;
	for (k = 0; k < l.nrows; k++) {
		const struct st_row *row = &l.rows[k];
		const struct st_event *e = &tr->ev[row->ev];

		if (prev >= 0 && row->t - prev >= ST_GAP_NS) {
			y += ROW_H;
			ngaps++;
		}
		prev = row->t;
		y += ROW_H;
		if (row->part == ST_START)
			s.start_y[row->ev] = y;
		if (row->part == ST_WHOLE ||
		    (row->part == ST_START) == st_event_at_start(e))
			s.ev_y[row->ev] = y;
	}
	width = LEFT + (int)(l.nlanes ? l.nlanes : 1) * LANE_W + 20;
	height = y + ROW_H * 2;
	put_header(&s, width, height);
	put_lifelines(&s);
	prev = -1;
	y = TOP;
	for (k = 0; k < l.nrows; k++) {
		const struct st_row *row = &l.rows[k];

		if (prev >= 0 && row->t - prev >= ST_GAP_NS) {
			y += ROW_H;
			put_gap(&s, y, row->t - prev, width);
		}
		prev = row->t;
		y += ROW_H;
		put_box(&s, row, y);
	}
	/* Arrows last, so they are drawn over the boxes. */
	for (k = 0; k < l.nrows; k++) {
		const struct st_row *row = &l.rows[k];
		const struct st_link *lk;
		uint64_t skip = 0;

		if (row->part == ST_START)
			continue;
		n = st_model_links(m, row->ev, &lk);
		for (j = 0; j < n; j++) {
			put_arrow(&s, &lk[j], skip);
			if (lk[j].kind == ST_L_DATA || lk[j].kind == ST_L_PEEK)
				skip += lk[j].len;
		}
	}
	st_out_str(&s.out, "</svg>\n");
	(void)ngaps;
	r = 0;
out:
	if (s.out.buf && st_out_finish(&s.out) < 0)
		r = -1;
	free(s.ev_y);
	free(s.start_y);
	st_layout_free(&l);
	return r;
}
