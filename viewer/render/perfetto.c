/*
 * perfetto.c: the trace as Chrome trace event JSON (`sockview --perfetto`),
 * which ui.perfetto.dev and chrome://tracing open: a track per process
 * (`comm pid`) with a track per thread (`comm pid/tid`), a complete slice
 * (ph "X") per call with its fd, five-tuple, result, errno, bytes and
 * payload in args, and a flow arrow (ph "s" -> ph "f", bp "e") per link of
 * the model: connect -> accept, send -> each recv that got its bytes,
 * close -> EOF, datagrams, resets.
 *
 * Times are microseconds since the first record (with three decimals, so
 * nanoseconds survive a double).  Perfetto binds a flow's end to the slice
 * around it on its thread, so each end is put strictly inside its slice:
 * a slice is drawn at least ST_PF_MIN_NS long, and where a thread's calls
 * would overlap or touch (a coarse clock) a slice starts no earlier than
 * the previous one ended.  The exact times stay in args.  An arrow whose
 * end would come before its start (clocks of two hosts) is left out.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

/* The shortest slice drawn: room for a point strictly inside. */
#define ST_PF_MIN_NS 2

struct pf {
	const struct st_model *m;
	struct st_layout l;	/* thread lanes, filters applied */
	struct st_out out;
	struct st_out text;	/* scratch */
	int64_t *s, *e;		/* record -> drawn start and end, ns since t0 */
	bool first;		/* no event written yet */
};

/* ns since t0 as microseconds with three decimals. */
static void put_us(struct st_out *o, int64_t ns)
{
	uint64_t u = ns < 0 ? 0 : (uint64_t)ns;
	char frac[4] = { '.', (char)('0' + u % 1000 / 100),
			 (char)('0' + u % 100 / 10), (char)('0' + u % 10) };

	st_out_uint(o, u / 1000);
	st_out_put(o, frac, 4);
}

/* Starts an event object: `{"ph":"X","pid":P,"tid":T` with the separator
 * before it. */
static void begin_event(struct pf *p, const char *ph, int32_t pid, int32_t tid)
{
	st_out_str(&p->out, p->first ? "\n{\"ph\":\"" : ",\n{\"ph\":\"");
	p->first = false;
	st_out_str(&p->out, ph);
	st_out_str(&p->out, "\",\"pid\":");
	st_out_int(&p->out, pid);
	st_out_str(&p->out, ",\"tid\":");
	st_out_int(&p->out, tid);
}

/* The scratch text as a JSON string. */
static void put_text_arg(struct pf *p)
{
	st_out_json(&p->out, p->text.buf, p->text.len);
}

static int32_t ev_tid(const struct st_vevent *e)
{
	return e->tid > 0 ? e->tid : e->pid;
}

/* The metadata that names the tracks: a process_name per process with a
 * visible record, a thread_name per thread. */
static void put_names(struct pf *p)
{
	const struct st_layout *l = &p->l;
	uint32_t k, prev = ST_NONE;

	for (k = 0; k < l->nlanes; k++) {
		uint32_t pr = l->lane_proc[k];
		int32_t pid = p->m->procs[pr].pid;
		int32_t tid = l->lane_tid[k] > 0 ? l->lane_tid[k] : pid;

		if (pr != prev) {
			begin_event(p, "M", pid, pid);
			st_out_str(&p->out, ",\"name\":\"process_name\",\"args\":{\"name\":");
			p->text.len = 0;
			st_describe_proc(&p->text, p->m, pr, -1);
			put_text_arg(p);
			st_out_str(&p->out, "}}");
			begin_event(p, "M", pid, pid);
			st_out_str(&p->out, ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":");
			st_out_uint(&p->out, k);
			st_out_str(&p->out, "}}");
			prev = pr;
		}
		begin_event(p, "M", pid, tid);
		st_out_str(&p->out, ",\"name\":\"thread_name\",\"args\":{\"name\":");
		p->text.len = 0;
		st_describe_proc(&p->text, p->m, pr, tid);
		put_text_arg(p);
		st_out_str(&p->out, "}}");
	}
}

/* Where each visible record is drawn: at its times, made at least
 * ST_PF_MIN_NS long and pushed after its thread's previous slice. */
static int place_slices(struct pf *p)
{
	const struct st_trace *tr = p->m->tr;
	int64_t *last;
	uint32_t k, i, lane;

	last = calloc((size_t)p->l.nlanes + 1, sizeof(*last));
	if (!last)
		return -1;
	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e;
		int64_t s, end;

		i = tr->order[k];
		lane = p->l.ev_lane[i];
		if (lane == ST_NONE)
			continue;
		e = &tr->ev[i];
		s = e->t - tr->t0;
		if (s < last[lane])
			s = last[lane];
		end = e->t - tr->t0 + e->dur;
		if (end < s + ST_PF_MIN_NS)
			end = s + ST_PF_MIN_NS;
		p->s[i] = s;
		p->e[i] = end;
		last[lane] = end;
	}
	free(last);
	return 0;
}

static void put_arg_key(struct pf *p, const char *key)
{
	st_out_str(&p->out, ",\"");
	st_out_str(&p->out, key);
	st_out_str(&p->out, "\":");
}

/* "key": "interned string", or nothing when absent. */
static void put_str_arg(struct pf *p, const char *key, uint32_t id)
{
	size_t n;
	const char *s;

	if (!id)
		return;
	s = st_trace_str(p->m->tr, id, &n);
	put_arg_key(p, key);
	st_out_json(&p->out, s, n);
}

static void put_int_arg(struct pf *p, const char *key, int64_t v)
{
	put_arg_key(p, key);
	st_out_int(&p->out, v);
}

/* One call as a complete slice. */
static void put_slice(struct pf *p, uint32_t i)
{
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	size_t n;
	const char *name = st_trace_str(tr, e->name, &n);

	begin_event(p, "X", e->pid, ev_tid(e));
	st_out_str(&p->out, ",\"ts\":");
	put_us(&p->out, p->s[i]);
	st_out_str(&p->out, ",\"dur\":");
	put_us(&p->out, p->e[i] - p->s[i]);
	st_out_str(&p->out, ",\"cat\":\"socket\",\"name\":");
	st_out_json(&p->out, name, n);
	st_out_str(&p->out, ",\"args\":{\"call\":");
	p->text.len = 0;
	st_describe_event(&p->text, m, i, ST_WHOLE);
	put_text_arg(p);
	if (e->fd >= 0)
		put_int_arg(p, "fd", e->fd);
	if (e->proto) {
		put_arg_key(p, "proto");
		st_out_json(&p->out, st_proto_label(e->proto), strlen(st_proto_label(e->proto)));
	}
	put_str_arg(p, "local", e->local);
	put_str_arg(p, "peer", e->peer);
	put_str_arg(p, "addr", e->addr);
	put_int_arg(p, "result", e->ret);
	put_str_arg(p, "errno", e->err);
	if (e->bytes >= 0)
		put_int_arg(p, "bytes", e->bytes);
	if ((e->bits & ST_B_DATA) && e->snip_len) {
		st_out_str(&p->out, ",\"payload\":");
		p->text.len = 0;
		st_out_bytes(&p->text, tr->snips + e->snip, e->snip_len, 4 * ST_SNIP);
		put_text_arg(p);
	}
	if (m->ev_conn[i] != ST_NONE)
		put_int_arg(p, "conn", m->conns[m->ev_conn[i]].id);
	put_int_arg(p, "t_ns", e->t);
	put_int_arg(p, "dur_ns", e->dur);
	st_out_str(&p->out, "}}");
}

/* One end of a flow: ph "s" or "f" at ns on record i's thread. */
static void put_flow_end(struct pf *p, const char *ph, uint32_t i, int64_t ns,
			 uint32_t id)
{
	const struct st_vevent *e = &p->m->tr->ev[i];

	begin_event(p, ph, e->pid, ev_tid(e));
	st_out_str(&p->out, ",\"ts\":");
	put_us(&p->out, ns);
	st_out_str(&p->out, ",\"id\":");
	st_out_uint(&p->out, id);
	if (ph[0] == 'f')
		st_out_str(&p->out, ",\"bp\":\"e\"");
	st_out_str(&p->out, ",\"cat\":\"link\",\"name\":");
	put_text_arg(p);
	st_out_char(&p->out, '}');
}

/* The arrows: every link whose two records are drawn, from just after its
 * start record begins to just before its end record returns.  Returns the
 * number of arrows left out because they would point back in time. */
static uint64_t put_flows(struct pf *p)
{
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	uint32_t k, i, j, n, id = 0;
	uint64_t back = 0;

	for (k = 0; k < tr->nev; k++) {
		const struct st_link *lk;
		uint64_t skip = 0;

		i = tr->order[k];
		n = st_model_links(m, i, &lk);
		for (j = 0; j < n; j++) {
			uint64_t at = skip;
			int64_t from, to;

			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
			if (p->l.ev_lane[lk[j].from] == ST_NONE ||
			    p->l.ev_lane[lk[j].to] == ST_NONE)
				continue;
			from = p->s[lk[j].from] + 1;
			to = p->e[lk[j].to] - 1;
			if (to < from) {
				back++;
				continue;
			}
			p->text.len = 0;
			st_describe_link(&p->text, m, &lk[j], at);
			put_flow_end(p, "s", lk[j].from, from, ++id);
			put_flow_end(p, "f", lk[j].to, to, id);
		}
	}
	return back;
}

int st_render_perfetto(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct st_render_opts lo = *o;
	char scratch[1 << 12];
	struct pf p;
	uint64_t back;
	uint32_t k, i;
	int r = -1;

	memset(&p, 0, sizeof(p));
	p.m = m;
	p.first = true;
	p.text.buf = scratch;
	p.text.cap = sizeof(scratch);
	lo.threads = true;
	if (st_layout_build(&p.l, m, &lo) < 0)
		return -1;
	p.s = malloc(((size_t)tr->nev + 1) * sizeof(*p.s));
	p.e = malloc(((size_t)tr->nev + 1) * sizeof(*p.e));
	if (!p.s || !p.e || place_slices(&p) < 0 || st_out_init(&p.out, fp) < 0)
		goto out;
	st_out_str(&p.out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	put_names(&p);
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		if (p.l.ev_lane[i] != ST_NONE)
			put_slice(&p, i);
	}
	back = put_flows(&p);
	st_out_str(&p.out, "\n],\n\"otherData\":{\"source\":\"sockview\",\"t0_unix_ns\":\"");
	st_out_int(&p.out, tr->t0);
	st_out_str(&p.out, "\",\"arrows_left_out_backward\":\"");
	st_out_uint(&p.out, back);
	st_out_str(&p.out, "\"}}\n");
	r = 0;
out:
	r = st_out_end(&p.out, r);
	free(p.s);
	free(p.e);
	st_layout_free(&p.l);
	return r;
}
