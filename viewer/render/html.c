/*
 * html.c: the trace as one self-contained, interactive web page
 * (`sockview --html > trace.html`): our own inline CSS and JavaScript
 * (html.css, html.js, built into the program as strings, see the Makefile)
 * and the trace as JSON in a <script type="application/json"> element.  The
 * page draws the lanes, calls and arrows on a canvas, only what is in view,
 * and lets the user zoom, pan, filter, search and click (html.js says how).
 * A Content-Security-Policy forbids it to fetch anything.
 *
 * Payload bytes stay data: every string goes through st_out_json_script
 * (no `<`, `>`, `&` or byte outside printable ASCII comes out raw, so
 * nothing can end the element), and the script shows text only through
 * textContent and the canvas.
 *
 * The JSON holds columns, one array per field, of the calls that pass the
 * filters in time order (times in ns since the first record), the links
 * between them, the lanes and the connections:
 *   {"t0":"...","lanes":[{"name","pid"[,"ends","ends_at"]}], "strs":[...],
 *    "calls":{"t","d","lane","pid","tid","fd","ret","bytes","conn","name",
 *             "err","proto","local","peer","addr","text","hex","ports"},
 *    "links":{"from","to","kind","conn","label"}, "conns":[{...}]}
 * where name, err, local, peer and addr index strs (0: none), proto
 * protos, and ports lists the ports --port would match the call by.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

#include "html_assets.h"	/* st_html_css, st_html_js (generated) */

struct page {
	const struct st_model *m;
	struct st_layout l;
	struct st_out out;
	struct st_out text;	/* scratch */
	uint32_t *calls;	/* visible records in time order */
	uint32_t ncalls;
	struct st_idmap strs;	/* trace string id -> index in strs */
	uint32_t *str_ids;	/* index -> trace string id */
	uint32_t nstrs, strcap;
};

static const char *const link_kinds[] = {
	[ST_L_HANDSHAKE] = "connect", [ST_L_DATA] = "data", [ST_L_PEEK] = "peek",
	[ST_L_DGRAM] = "dgram", [ST_L_EOF] = "eof", [ST_L_RESET] = "rst", [ST_L_PLAIN] = "plain",
};
_Static_assert(sizeof(link_kinds) / sizeof(link_kinds[0]) == ST_L_NKINDS,
	       "a name for every kind of link");

static void put_js_str(struct page *p, const char *s, size_t n)
{
	st_out_json_script(&p->out, s, n);
}

static void put_text(struct page *p)
{
	put_js_str(p, p->text.buf, p->text.len);
}

/* The index of an interned string in strs (0 for none). */
static int str_index(struct page *p, uint32_t id, uint32_t *idx)
{
	if (!id) {
		*idx = 0;
		return 0;
	}
	if (st_idmap_get(&p->strs, id, idx))
		return 0;
	if (st_grow((void **)&p->str_ids, &p->strcap, p->nstrs + 1,
		    sizeof(*p->str_ids), 64) < 0)
		return -1;
	*idx = p->nstrs;
	p->str_ids[p->nstrs++] = id;
	return st_idmap_put(&p->strs, id, *idx);
}

/* "key":[v,v,...] of one column of the calls; comma first unless first. */
static void begin_col(struct page *p, const char *key, bool first)
{
	st_out_str(&p->out, first ? "\n\"" : ",\n\"");
	st_out_str(&p->out, key);
	st_out_str(&p->out, "\":[");
}

enum col {
	C_T, C_D, C_LANE, C_PID, C_TID, C_FD, C_RET, C_BYTES, C_CONN,
	C_NAME, C_ERR, C_PROTO, C_LOCAL, C_PEER, C_ADDR, C_TEXT, C_HEX, C_PORTS, C_N
};

static const char *const col_names[C_N] = {
	"t", "d", "lane", "pid", "tid", "fd", "ret", "bytes", "conn", "name",
	"err", "proto", "local", "peer", "addr", "text", "hex", "ports",
};

/* One cell of the calls' columns. */
static int put_cell(struct page *p, enum col c, uint32_t i)
{
	static const char hexd[] = "0123456789abcdef";
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	uint32_t idx = 0, k;

	switch (c) {
	case C_T: st_out_int(&p->out, e->t - tr->t0); return 0;
	case C_D: st_out_int(&p->out, e->dur); return 0;
	case C_LANE: st_out_uint(&p->out, p->l.ev_lane[i]); return 0;
	case C_PID: st_out_int(&p->out, e->pid); return 0;
	case C_TID: st_out_int(&p->out, e->tid); return 0;
	case C_FD: st_out_int(&p->out, e->fd); return 0;
	case C_RET: st_out_int(&p->out, e->ret); return 0;
	case C_BYTES: st_out_int(&p->out, e->bytes); return 0;
	case C_CONN:
		st_out_uint(&p->out, m->ev_conn[i] == ST_NONE ? 0 : m->conns[m->ev_conn[i]].id);
		return 0;
	case C_PROTO: st_out_uint(&p->out, e->proto); return 0;
	case C_TEXT:
		p->text.len = 0;
		st_describe_event(&p->text, m, i, ST_WHOLE);
		put_text(p);
		return 0;
	case C_HEX:
		st_out_char(&p->out, '"');
		if (e->bits & ST_B_DATA)
			for (k = 0; k < e->snip_len; k++) {
				unsigned char b = tr->snips[e->snip + k];

				st_out_char(&p->out, hexd[b >> 4]);
				st_out_char(&p->out, hexd[b & 15]);
			}
		st_out_char(&p->out, '"');
		return 0;
	case C_PORTS:
		{
			int32_t ports[ST_FILTER_PORTS];
			uint32_t n = st_filter_ports(m, i, ports);

			st_out_char(&p->out, '"');
			for (k = 0; k < n; k++) {
				if (k)
					st_out_char(&p->out, ',');
				st_out_int(&p->out, ports[k]);
			}
			st_out_char(&p->out, '"');
		}
		return 0;
	case C_NAME: if (str_index(p, e->name, &idx) < 0) return -1; break;
	case C_ERR: if (str_index(p, e->err, &idx) < 0) return -1; break;
	case C_LOCAL: if (str_index(p, e->local, &idx) < 0) return -1; break;
	case C_PEER: if (str_index(p, e->peer, &idx) < 0) return -1; break;
	case C_ADDR: if (str_index(p, e->addr, &idx) < 0) return -1; break;
	default: break;
	}
	st_out_uint(&p->out, idx);
	return 0;
}

static int put_calls(struct page *p)
{
	uint32_t k;
	int c;

	st_out_str(&p->out, ",\n\"calls\":{");
	for (c = 0; c < C_N; c++) {
		begin_col(p, col_names[c], c == 0);
		for (k = 0; k < p->ncalls; k++) {
			if (k)
				st_out_char(&p->out, ',');
			if (put_cell(p, (enum col)c, p->calls[k]) < 0)
				return -1;
		}
		st_out_char(&p->out, ']');
	}
	st_out_char(&p->out, '}');
	return 0;
}

/* The links whose two records are shown, by the record they end at. */
static int put_links(struct page *p, const uint32_t *call_of)
{
	const struct st_model *m = p->m;
	struct st_out *o = &p->out;
	struct st_out cols[5];
	static const char *const keys[5] = { "from", "to", "kind", "conn", "label" };
	uint32_t k, j, n, nl = 0;
	int c, r = -1;

	for (c = 0; c < 5; c++)
		if (st_out_init_growing(&cols[c]) < 0) {
			while (c-- > 0)
				free(cols[c].buf);
			return -1;
		}
	for (k = 0; k < p->ncalls; k++) {
		const struct st_link *lk;
		uint32_t i = p->calls[k];
		uint64_t skip = 0;

		n = st_model_links(m, i, &lk);
		for (j = 0; j < n; j++) {
			uint64_t at = skip;
			const char *sep = nl ? "," : "";

			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
			if (call_of[lk[j].from] == ST_NONE)
				continue;
			for (c = 0; c < 5; c++)
				st_out_str(&cols[c], sep);
			st_out_uint(&cols[0], call_of[lk[j].from]);
			st_out_uint(&cols[1], k);
			st_out_char(&cols[2], '"');
			st_out_str(&cols[2], link_kinds[lk[j].kind]);
			st_out_char(&cols[2], '"');
			st_out_uint(&cols[3], m->conns[lk[j].conn].id);
			p->text.len = 0;
			st_describe_link(&p->text, m, &lk[j], at);
			st_out_json_script(&cols[4], p->text.buf, p->text.len);
			nl++;
		}
	}
	for (c = 0; c < 5; c++)
		if (cols[c].failed)
			goto out;
	st_out_str(o, ",\n\"links\":{");
	for (c = 0; c < 5; c++) {
		begin_col(p, keys[c], c == 0);
		st_out_put(o, cols[c].buf, cols[c].len);
		st_out_char(o, ']');
	}
	st_out_char(o, '}');
	r = 0;
out:
	for (c = 0; c < 5; c++)
		free(cols[c].buf);
	return r;
}

static void put_side(struct page *p, const struct st_conn *k, int side)
{
	const struct st_model *m = p->m;
	static const char *const names[2][3] = {
		{ ",\"cpid\":", ",\"ccomm\":", ",\"client\":" },
		{ ",\"spid\":", ",\"scomm\":", ",\"server\":" },
	};
	size_t n;
	const char *s;

	st_out_str(&p->out, names[side][0]);
	if (k->proc[side] == ST_NONE) {
		st_out_str(&p->out, "null");
		st_out_str(&p->out, names[side][1]);
		st_out_str(&p->out, "null");
	} else {
		st_out_int(&p->out, m->procs[k->proc[side]].pid);
		st_out_str(&p->out, names[side][1]);
		s = st_trace_str(m->tr, m->procs[k->proc[side]].name, &n);
		put_js_str(p, s, n);
	}
	st_out_str(&p->out, names[side][2]);
	s = st_trace_str(m->tr, k->addr[side], &n);
	put_js_str(p, k->addr[side] ? s : "", k->addr[side] ? n : 0);
}

static void put_conns(struct page *p, const struct st_render_opts *o)
{
	const struct st_model *m = p->m;
	uint32_t i;
	bool first = true;

	st_out_str(&p->out, ",\n\"conns\":[");
	for (i = 0; i < m->nconns; i++) {
		const struct st_conn *k = &m->conns[m->conn_by_id[i]];

		if (!st_filter_conn(m, &o->filter, m->conn_by_id[i]))
			continue;
		st_out_str(&p->out, first ? "\n{\"id\":" : ",\n{\"id\":");
		first = false;
		st_out_uint(&p->out, k->id);
		st_out_str(&p->out, ",\"proto\":\"");
		st_out_str(&p->out, st_proto_label(k->proto));
		st_out_char(&p->out, '"');
		put_side(p, k, 0);
		put_side(p, k, 1);
		st_out_str(&p->out, ",\"start\":");
		st_out_int(&p->out, k->t_start - m->tr->t0);
		st_out_str(&p->out, ",\"dur\":");
		st_out_int(&p->out, k->t_end - k->t_start);
		st_out_str(&p->out, ",\"c2s\":");
		st_out_uint(&p->out, k->sock[0] != ST_NONE ? k->sent[0] : k->rcvd[0]);
		st_out_str(&p->out, ",\"s2c\":");
		st_out_uint(&p->out, k->sock[1] != ST_NONE ? k->sent[1] : k->rcvd[1]);
		st_out_str(&p->out, ",\"end\":\"");
		st_out_str(&p->out, st_end_names[k->end]);
		st_out_str(&p->out, "\"}");
	}
	st_out_char(&p->out, ']');
}

/* The lanes; the one that holds the last call of a process whose log
 * ends early says so ("ends", and "ends_at" that call). */
static void put_lanes(struct page *p, const uint32_t *call_of)
{
	uint32_t k, pr;

	st_out_str(&p->out, ",\n\"lanes\":[");
	for (k = 0; k < p->l.nlanes; k++) {
		st_out_str(&p->out, k ? ",{\"name\":" : "{\"name\":");
		p->text.len = 0;
		st_describe_proc(&p->text, p->m, p->l.lane_proc[k], p->l.lane_tid[k]);
		put_text(p);
		st_out_str(&p->out, ",\"pid\":");
		st_out_int(&p->out, p->m->procs[p->l.lane_proc[k]].pid);
		pr = p->l.lane_proc[k];
		if (p->m->procs[pr].last_ev != ST_NONE &&
		    p->l.ev_lane[p->m->procs[pr].last_ev] == k &&
		    call_of[p->m->procs[pr].last_ev] != ST_NONE &&
		    st_log_ends_after(p->m, p->m->procs[pr].last_ev, ST_WHOLE) != ST_NONE) {
			st_out_str(&p->out, ",\"ends\":");
			p->text.len = 0;
			st_describe_log_end(&p->text, p->m, pr);
			put_text(p);
			st_out_str(&p->out, ",\"ends_at\":");
			st_out_uint(&p->out, call_of[p->m->procs[pr].last_ev]);
		}
		st_out_char(&p->out, '}');
	}
	st_out_char(&p->out, ']');
}

static void put_strs(struct page *p)
{
	uint32_t k;
	int pr;

	st_out_str(&p->out, ",\n\"strs\":[\"\"");
	for (k = 1; k < p->nstrs; k++) {
		size_t n;
		const char *s = st_trace_str(p->m->tr, p->str_ids[k], &n);

		st_out_char(&p->out, ',');
		put_js_str(p, s, n);
	}
	st_out_str(&p->out, "],\n\"protos\":[");
	for (pr = ST_P_NONE; pr <= ST_P_OTHER; pr++) {
		if (pr)
			st_out_char(&p->out, ',');
		st_out_char(&p->out, '"');
		st_out_str(&p->out, st_proto_label((uint8_t)pr));
		st_out_char(&p->out, '"');
	}
	st_out_char(&p->out, ']');
}

int st_render_html(FILE *fp, const struct st_model *m,
		   const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	char scratch[1 << 12];
	struct page p;
	uint32_t *call_of = NULL, k, i;
	int r = -1;

	memset(&p, 0, sizeof(p));
	p.m = m;
	p.text.buf = scratch;
	p.text.cap = sizeof(scratch);
	if (st_layout_build(&p.l, m, o) < 0)
		return -1;
	p.calls = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*p.calls));
	call_of = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*call_of));
	if (!p.calls || !call_of || st_out_init(&p.out, fp) < 0)
		goto out;
	p.nstrs = 1;	/* 0: none */
	if (st_grow((void **)&p.str_ids, &p.strcap, 1, sizeof(*p.str_ids), 64) < 0)
		goto out;
	p.str_ids[0] = 0;
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		call_of[i] = ST_NONE;
		if (p.l.ev_lane[i] != ST_NONE) {
			call_of[i] = p.ncalls;
			p.calls[p.ncalls++] = i;
		}
	}
	st_out_str(&p.out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>sockview</title>\n<style>\n");
	st_out_str(&p.out, st_html_css);
	st_out_str(&p.out, "</style></head>\n<body>\n");
	st_out_str(&p.out, st_html_body);
	st_out_str(&p.out, "\n<script type=\"application/json\" id=\"trace-data\">{\"t0\":\"");
	st_out_int(&p.out, tr->t0);
	st_out_char(&p.out, '"');
	put_lanes(&p, call_of);
	if (put_calls(&p) < 0 || put_links(&p, call_of) < 0)
		goto out;
	put_conns(&p, o);
	put_strs(&p);
	st_out_str(&p.out, "}\n</script>\n<script>\n");
	st_out_str(&p.out, st_html_js);
	st_out_str(&p.out, "</script>\n</body></html>\n");
	r = 0;
out:
	r = st_out_end(&p.out, r);
	st_big_free(p.calls);
	st_big_free(call_of);
	st_idmap_free(&p.strs);
	free(p.str_ids);
	st_layout_free(&p.l);
	return r;
}
