/*
 * clock.c: the clocks of several hosts, learnt from the traffic between
 * them (model.h).
 *
 * Let d_X be host X's clock minus the reference host's.  Every arrow of the
 * model from a record on host A to a record on host B (a handshake, data, a
 * datagram, EOF, a reset) is a message that left A after its first record
 * began (A-time s) and reached B before its second returned (B-time r), so
 * it took a non-negative time: d_B - d_A <= r - s.  Arrows the other way
 * bound d_B - d_A from below.  The tightest bounds of both directions
 * bracket the difference: the midpoint is the estimate and half the
 * bracket its uncertainty.  Arrows one way only give one bound, which is
 * reported and not applied.
 *
 * Bounds that cross mean the clocks drifted apart during the trace (or a
 * clock was stepped): the bounds of the pair are then split by time into
 * 2, 4, ... 64 pieces, and when every piece brackets the difference the
 * offset is a piecewise linear function through the pieces' midpoints
 * (constant before the first and after the last).  Otherwise the pair
 * contradicts itself and is not used.
 *
 * The reference is the host of the first log read (the first folder
 * given).  Offsets propagate from it along a spanning tree of the host
 * pairs, most messages first; pairs off the tree are checked afterwards,
 * and messages that still go back in time are counted.
 *
 * The time axis of a host's offset function is its own clock; for the
 * offsets of a chain of hosts the axes are mixed, which is wrong by the
 * drift over the offset (microseconds per second at most), well within the
 * uncertainty.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "read/sort.h"

/* One bound: d_to - d_from <= v, at time t on the clock of the pair's
 * host of higher index (whose offset against the other it bounds). */
struct bound {
	int64_t t, v;
	uint32_t from, to;	/* hosts */
};

/* What one unordered pair of hosts (a < b) says about d_b - d_a. */
struct edge {
	uint32_t a, b;
	uint32_t first, n;	/* its bounds, in the sorted array */
	uint32_t nk;		/* knots of the estimate; 0: none */
	struct st_clock_knot *k;
	int64_t spread;
	uint8_t state;		/* enum st_clock: FIXED, ONE_SIDED, CONTRADICT */
	int64_t one;		/* ONE_SIDED: the bound on d_b - d_a */
	bool lower;		/* ONE_SIDED: it is a lower bound */
};

static int64_t end_of(const struct st_vevent *e)
{
	return e->t + e->dur;
}

/* Every cross-host arrow as a bound, for the pair (a, b), a < b, with the
 * bound written on d_b - d_a: sorted by pair, then time. */
static int collect(const struct st_model *m, struct bound **out, uint32_t *nout)
{
	const struct st_trace *tr = m->tr;
	struct bound *v = NULL;
	uint64_t *keys = NULL;
	uint32_t *idx = NULL, n = 0, i;
	struct bound *sorted = NULL;

	if (!(v = malloc(((size_t)m->nlinks + 1) * sizeof(*v))))
		return -1;
	for (i = 0; i < m->nlinks; i++) {
		const struct st_link *l = &m->links[i];
		uint32_t ha = m->procs[m->ev_proc[l->from]].host;
		uint32_t hb = m->procs[m->ev_proc[l->to]].host;
		const struct st_vevent *s = &tr->ev[l->from], *r = &tr->ev[l->to];

		if (ha == hb)
			continue;
		v[n].from = ha;
		v[n].to = hb;
		v[n].v = end_of(r) - s->t;
		/* On the clock of the pair's second host (see the top). */
		v[n].t = hb > ha ? end_of(r) : s->t;
		n++;
	}
	keys = malloc(((size_t)n + 1) * sizeof(*keys));
	idx = malloc(((size_t)n + 1) * sizeof(*idx));
	sorted = malloc(((size_t)n + 1) * sizeof(*sorted));
	if (!keys || !idx || !sorted)
		goto fail;
	for (i = 0; i < n; i++) {
		idx[i] = i;
		keys[i] = (uint64_t)v[i].t;
	}
	if (st_sort_by_key(keys, idx, n) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		const struct bound *b = &v[idx[i]];
		uint32_t lo = b->from < b->to ? b->from : b->to;
		uint32_t hi = b->from < b->to ? b->to : b->from;

		keys[i] = (uint64_t)lo << 32 | hi;
	}
	if (st_sort_by_key(keys, idx, n) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		sorted[i] = v[idx[i]];
	free(v);
	free(keys);
	free(idx);
	*out = sorted;
	*nout = n;
	return 0;
fail:
	free(v);
	free(keys);
	free(idx);
	free(sorted);
	return -1;
}

/* The bracket of d_b - d_a from bounds [first, first + n): lo, hi, and
 * whether each side has a bound. */
static void bracket(const struct bound *bs, uint32_t first, uint32_t n, uint32_t b,
		    int64_t *lo, int64_t *hi, bool *has_lo, bool *has_hi)
{
	uint32_t i;

	*has_lo = *has_hi = false;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	for (i = first; i < first + n; i++) {
		if (bs[i].to == b) {
			/* a -> b: d_b - d_a <= v */
			if (bs[i].v < *hi)
				*hi = bs[i].v;
			*has_hi = true;
		} else {
			/* b -> a: d_a - d_b <= v, so d_b - d_a >= -v */
			if (-bs[i].v > *lo)
				*lo = -bs[i].v;
			*has_lo = true;
		}
	}
}

/* The estimate of one pair: one knot when its bounds agree, else pieces. */
static int estimate_edge(struct edge *g, const struct bound *bs)
{
	int64_t lo, hi;
	bool hl, hh;
	uint32_t pieces, p;

	bracket(bs, g->first, g->n, g->b, &lo, &hi, &hl, &hh);
	if (!hl || !hh) {
		g->state = ST_CLOCK_ONE_SIDED;
		g->lower = hl;
		g->one = hl ? lo : hi;
		return 0;
	}
	for (pieces = 1; pieces <= 64 && pieces <= g->n; pieces *= 2) {
		struct st_clock_knot *k = calloc(pieces, sizeof(*k));
		int64_t spread = 0;

		if (!k)
			return -1;
		for (p = 0; p < pieces; p++) {
			uint32_t from = g->first + (uint32_t)((uint64_t)g->n * p / pieces);
			uint32_t to = g->first + (uint32_t)((uint64_t)g->n * (p + 1) / pieces);

			bracket(bs, from, to - from, g->b, &lo, &hi, &hl, &hh);
			if (!hl || !hh || lo > hi)
				break;
			k[p].t = bs[from].t / 2 + bs[to - 1].t / 2;
			k[p].offset = lo + (hi - lo) / 2;
			if ((hi - lo) / 2 > spread)
				spread = (hi - lo) / 2;
		}
		if (p == pieces) {
			g->k = k;
			g->nk = pieces;
			g->spread = spread;
			g->state = ST_CLOCK_FIXED;
			return 0;
		}
		free(k);
	}
	g->state = ST_CLOCK_CONTRADICT;
	return 0;
}

int64_t st_clock_offset_at(const struct st_host *h, int64_t t)
{
	uint32_t i;

	if (h->nknots == 0)
		return 0;
	if (t <= h->knots[0].t)
		return h->knots[0].offset;
	for (i = 1; i < h->nknots; i++) {
		const struct st_clock_knot *a = &h->knots[i - 1], *b = &h->knots[i];

		if (t < b->t) {
			/* In double: spans and offsets may be large. */
			double f = (double)(t - a->t) / (double)(b->t - a->t);

			return a->offset + (int64_t)((double)(b->offset - a->offset) * f);
		}
	}
	return h->knots[h->nknots - 1].offset;
}

/* Sets host `to`'s function to host `from`'s plus sign times the edge's,
 * at the union of their knots. */
static int compose(struct st_host *to, const struct st_host *from, const struct edge *g,
		   int sign)
{
	struct st_host eh = { .nknots = g->nk, .knots = g->k };
	uint32_t n = from->nknots + g->nk, i = 0, j = 0, o = 0;
	struct st_clock_knot *k = calloc(n + 1, sizeof(*k));

	if (!k)
		return -1;
	while (i < from->nknots || j < g->nk) {
		int64_t t;

		if (j >= g->nk || (i < from->nknots && from->knots[i].t <= g->k[j].t))
			t = from->knots[i++].t;
		else
			t = g->k[j++].t;
		k[o].t = t;
		k[o].offset = st_clock_offset_at(from, t) + sign * st_clock_offset_at(&eh, t);
		o++;
	}
	free(to->knots);
	to->knots = k;
	to->nknots = o;
	return 0;
}

int st_clock_estimate(struct st_model *m)
{
	struct bound *bs = NULL;
	struct edge *es = NULL;
	uint32_t nb = 0, ne = 0, i, j, h;
	bool *done = NULL;
	int r = -1;

	for (h = 0; h < m->nhosts; h++) {
		m->hosts[h].clock = h == 0 ? ST_CLOCK_REF : ST_CLOCK_UNKNOWN;
		m->hosts[h].npairs = 0;
	}
	if (m->nhosts < 2)
		return 0;
	if (collect(m, &bs, &nb) < 0)
		goto out;
	if (!(es = calloc((size_t)nb + 1, sizeof(*es))))
		goto out;
	for (i = 0; i < nb; i = j) {
		uint32_t a = bs[i].from < bs[i].to ? bs[i].from : bs[i].to;
		uint32_t b = bs[i].from < bs[i].to ? bs[i].to : bs[i].from;

		for (j = i; j < nb && ((bs[j].from == a && bs[j].to == b) ||
				       (bs[j].from == b && bs[j].to == a)); j++)
			;
		es[ne].a = a;
		es[ne].b = b;
		es[ne].first = i;
		es[ne].n = j - i;
		if (estimate_edge(&es[ne], bs) < 0)
			goto out;
		ne++;
	}
	/* A spanning tree from the reference: each round takes the usable
	 * edge with the most messages that reaches a new host. */
	done = calloc(m->nhosts, sizeof(*done));
	if (!done)
		goto out;
	done[0] = true;
	for (;;) {
		struct edge *best = NULL;

		for (i = 0; i < ne; i++) {
			struct edge *g = &es[i];

			if (g->state != ST_CLOCK_FIXED || done[g->a] == done[g->b])
				continue;
			if (!best || g->n > best->n)
				best = g;
		}
		if (!best)
			break;
		if (done[best->a]) {
			struct st_host *to = &m->hosts[best->b];

			if (compose(to, &m->hosts[best->a], best, 1) < 0)
				goto out;
			to->spread = m->hosts[best->a].spread + best->spread;
			to->npairs = best->n;
			to->clock = ST_CLOCK_FIXED;
			done[best->b] = true;
		} else {
			struct st_host *to = &m->hosts[best->a];

			if (compose(to, &m->hosts[best->b], best, -1) < 0)
				goto out;
			to->spread = m->hosts[best->b].spread + best->spread;
			to->npairs = best->n;
			to->clock = ST_CLOCK_FIXED;
			done[best->a] = true;
		}
	}
	/* Hosts not reached: what their pairs with a reached host say. */
	for (i = 0; i < ne; i++) {
		struct edge *g = &es[i];
		uint32_t other;

		if (done[g->a] == done[g->b])
			continue;
		other = done[g->a] ? g->b : g->a;
		if (m->hosts[other].clock == ST_CLOCK_CONTRADICT)
			continue;
		m->hosts[other].npairs = g->n;
		if (g->state == ST_CLOCK_CONTRADICT) {
			m->hosts[other].clock = ST_CLOCK_CONTRADICT;
		} else if (g->state == ST_CLOCK_ONE_SIDED &&
			   m->hosts[other].clock == ST_CLOCK_UNKNOWN) {
			const struct st_host *known = &m->hosts[done[g->a] ? g->a : g->b];
			int64_t base = st_clock_offset_at(known, 0);
			/* The bound is on d_b - d_a. */
			int64_t v = other == g->b ? base + g->one : base - g->one;
			bool lower = other == g->b ? g->lower : !g->lower;

			m->hosts[other].clock = ST_CLOCK_ONE_SIDED;
			m->hosts[other].offset = v;
			m->hosts[other].spread = lower ? 1 : -1;
		}
	}
	for (h = 0; h < m->nhosts; h++)
		if (m->hosts[h].clock == ST_CLOCK_FIXED)
			m->hosts[h].offset = m->hosts[h].knots[0].offset;
	r = 0;
out:
	for (i = 0; i < ne; i++)
		free(es[i].k);
	free(es);
	free(bs);
	free(done);
	return r;
}

void st_clock_apply(const struct st_model *m, struct st_trace *tr)
{
	uint32_t i;

	for (i = 0; i < tr->nev; i++) {
		struct st_vevent *e = &tr->ev[i];
		const struct st_host *h = &m->hosts[m->procs[m->ev_proc[i]].host];
		int64_t t;

		if (h->clock != ST_CLOCK_FIXED)
			continue;
		t = e->t - st_clock_offset_at(h, e->t);
		e->t = t < 0 ? 0 : t;
	}
	for (i = 0; i < tr->nhdr; i++) {
		struct st_header *hd = &tr->hdr[i];
		const struct st_host *h = &m->hosts[m->hdr_host[i]];
		int64_t t;

		if (h->clock != ST_CLOCK_FIXED)
			continue;
		t = hd->t - st_clock_offset_at(h, hd->t);
		hd->t = t < 0 ? 0 : t;
	}
}

uint32_t st_clock_backwards(const struct st_model *m, int64_t *worst)
{
	const struct st_trace *tr = m->tr;
	uint32_t i, n = 0;

	*worst = 0;
	for (i = 0; i < m->nlinks; i++) {
		const struct st_link *l = &m->links[i];
		const struct st_vevent *s = &tr->ev[l->from], *r = &tr->ev[l->to];
		int64_t back = s->t - end_of(r);

		if (back > 0 && m->procs[m->ev_proc[l->from]].host !=
				m->procs[m->ev_proc[l->to]].host) {
			n++;
			if (back > *worst)
				*worst = back;
		}
	}
	return n;
}

int st_model_build_clocked(struct st_model *m, struct st_trace *tr, bool fix)
{
	struct st_host *saved;
	uint32_t h, n;
	bool any = false;

	if (st_model_build(m, tr) < 0)
		return -1;
	if (m->nhosts < 2)
		return 0;
	if (st_clock_estimate(m) < 0)
		return -1;
	for (h = 0; h < m->nhosts; h++)
		any |= m->hosts[h].clock == ST_CLOCK_FIXED;
	if (!fix || !any)
		return 0;
	st_clock_apply(m, tr);
	/* Rebuild on the corrected times (pairing and flows go by time),
	 * keeping what the estimate found: the hosts come out the same, since
	 * they are found from the headers alone. */
	n = m->nhosts;
	if (!(saved = malloc(n * sizeof(*saved))))
		return -1;
	memcpy(saved, m->hosts, n * sizeof(*saved));
	for (h = 0; h < n; h++)
		m->hosts[h].knots = NULL;
	st_model_free(m);
	if (st_trace_sort(tr) < 0 || st_model_build(m, tr) < 0 || m->nhosts != n) {
		for (h = 0; h < n; h++)
			free(saved[h].knots);
		free(saved);
		return -1;
	}
	for (h = 0; h < n; h++) {
		saved[h].nprocs = m->hosts[h].nprocs;
		m->hosts[h] = saved[h];
	}
	free(saved);
	m->clock_fixed = true;
	return 0;
}
