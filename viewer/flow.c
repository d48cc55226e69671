/*
 * flow.c: data on stream connections (model.h).  Each direction of a
 * connection is a byte stream: every send takes the next range of offsets
 * on the sender's side, every receive the next range on the receiver's
 * side (a MSG_PEEK receive looks at the range without taking it).  A
 * receive is then linked to every send whose range overlaps its own, with
 * the overlapping bytes: a 100-byte send read by two 50-byte receives gives
 * two links, at offsets 0 and 50.  A receive that returns 0 is linked to
 * the peer's shutdown(SHUT_WR) or last close; ECONNRESET and EPIPE mark
 * the connection reset and are linked to the peer's close.
 *
 * Receives take disjoint ranges, so their links are at most as many as the
 * sends and receives together; peeks do not, and each may overlap every
 * send still queued, so a peek gets links from its first PEEK_LINKS sends
 * only (a log of a few thousand 1-byte sends and as many big peeks would
 * otherwise make millions of arrows).
 */
#include "model.h"

#include <stdlib.h>

#include "sort.h"

/* The most links a MSG_PEEK receive gets. */
#define PEEK_LINKS 16

struct seg {
	uint64_t off, len;
	uint32_t ev;
	uint32_t key;		/* connection * 2 + direction */
	bool peek;
};

struct segs {
	struct seg *v;
	uint32_t n, cap;
};

static int push(struct segs *s, const struct seg *g)
{
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 1024;
		struct seg *v;

		if (cap < s->cap || !(v = realloc(s->v, cap * sizeof(*v))))
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *g;
	return 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Sorts segments stably by connection and direction. */
static int sort_segs(struct segs *s, uint32_t nconns)
{
	uint32_t *keys = malloc((s->n + 1) * sizeof(*keys));
	uint32_t *idx = malloc((s->n + 1) * sizeof(*idx)), i;
	struct seg *v = malloc((s->n + 1) * sizeof(*v));
	int r = -1;

	if (!keys || !idx || !v)
		goto out;
	for (i = 0; i < s->n; i++) {
		keys[i] = s->v[i].key;
		idx[i] = i;
	}
	if (st_sort_small_keys(keys, idx, s->n, nconns * 2 + 1) < 0)
		goto out;
	for (i = 0; i < s->n; i++)
		v[i] = s->v[idx[i]];
	free(s->v);
	s->v = v;
	v = NULL;
	r = 0;
out:
	free(keys);
	free(idx);
	free(v);
	return r;
}

/* Links each receive to the sends it read from. */
static int link_segs(struct st_model *m, const struct segs *snd,
		     const struct segs *rcv)
{
	uint32_t a = 0, b, k, made;

	for (b = 0; b < rcv->n; b++) {
		const struct seg *r = &rcv->v[b];
		uint64_t rend = add_sat(r->off, r->len);

		while (a < snd->n && (snd->v[a].key < r->key ||
		       (snd->v[a].key == r->key && add_sat(snd->v[a].off, snd->v[a].len) <= r->off)))
			a++;
		made = 0;
		for (k = a; k < snd->n && snd->v[k].key == r->key && snd->v[k].off < rend &&
		     !(r->peek && made == PEEK_LINKS); k++) {
			const struct seg *s = &snd->v[k];
			uint64_t lo = s->off > r->off ? s->off : r->off;
			uint64_t send_end = add_sat(s->off, s->len);
			uint64_t hi = send_end < rend ? send_end : rend;

			if (hi > lo && st_model_add_link(m, s->ev, r->ev, r->key / 2,
							 r->peek ? ST_L_PEEK : ST_L_DATA,
							 lo, hi - lo) < 0)
				return -1;
			made += hi > lo;
		}
	}
	return 0;
}

static bool is_reset(const struct st_trace *tr, const struct st_event *e)
{
	return st_event_failed(tr, e, "ECONNRESET") || st_event_failed(tr, e, "EPIPE");
}

/* One record on a connected stream socket. */
static int follow_data(struct st_model *m, uint32_t i, struct segs *snd,
		       struct segs *rcv)
{
	const struct st_trace *tr = m->tr;
	const struct st_event *e = &tr->ev[i];
	struct st_sock *s = &m->socks[m->ev_sock[i]];
	uint32_t c = s->conn, peer;
	struct st_conn *k = &m->conns[c];
	struct seg g;
	int dir;

	m->ev_conn[i] = c;
	if (e->t + e->dur > k->t_end)
		k->t_end = e->t + e->dur;
	peer = k->sock[1 - s->side];
	if (is_reset(tr, e)) {
		if (k->end == ST_END_OPEN || k->end == ST_END_CLOSED)
			k->end = ST_END_RESET;
		if (peer != ST_NONE && st_model_add_link(m, m->socks[peer].closed != ST_NONE ?
				m->socks[peer].closed : m->socks[peer].eof, i, c,
				ST_L_RESET, 0, 0) < 0)
			return -1;
		return 0;
	}
	if (e->err || e->ret < 0)
		return 0;
	g.ev = i;
	g.peek = false;
	if (e->call == ST_C_SEND && e->ret > 0) {
		dir = s->side;
		g.key = c * 2 + (uint32_t)dir;
		g.off = s->sent;
		g.len = (uint64_t)e->ret;
		s->sent = add_sat(s->sent, g.len);
		k->sent[dir] = add_sat(k->sent[dir], g.len);
		return push(snd, &g);
	}
	if (e->call != ST_C_RECV)
		return 0;
	dir = 1 - s->side;
	if (e->ret == 0) {
		if (peer != ST_NONE && m->socks[peer].eof != ST_NONE)
			return st_model_add_link(m, m->socks[peer].eof, i, c, ST_L_EOF, 0, 0);
		return 0;
	}
	g.key = c * 2 + (uint32_t)dir;
	g.off = s->rcvd;
	g.len = (uint64_t)e->ret;
	g.peek = (e->bits & ST_B_PEEK) != 0;
	if (!g.peek) {
		s->rcvd = add_sat(s->rcvd, g.len);
		k->rcvd[dir] = add_sat(k->rcvd[dir], g.len);
	}
	return push(rcv, &g);
}

/* How a connection ended, once all its records are seen: closed when
 * every traced side closed its socket. */
void st_model_settle_end(struct st_model *m, struct st_conn *k)
{
	bool all_closed = true;
	int side;

	for (side = 0; side < 2; side++) {
		const struct st_sock *s;

		if (k->sock[side] == ST_NONE)
			continue;
		s = &m->socks[k->sock[side]];
		if (s->closed == ST_NONE) {
			all_closed = false;
			continue;
		}
		{
			const struct st_event *e = &m->tr->ev[s->closed];

			if (e->t + e->dur > k->t_end)
				k->t_end = e->t + e->dur;
		}
	}
	if (k->end == ST_END_OPEN && all_closed)
		k->end = ST_END_CLOSED;
}

int st_model_flow_streams(struct st_model *m)
{
	const struct st_trace *tr = m->tr;
	struct segs snd = { 0 }, rcv = { 0 };
	uint32_t k, i, s;
	int r = -1;

	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		if ((s = m->ev_sock[i]) == ST_NONE || m->socks[s].conn == ST_NONE)
			continue;
		if (m->conns[m->socks[s].conn].end == ST_END_REFUSED ||
		    m->conns[m->socks[s].conn].end == ST_END_FAILED) {
			m->ev_conn[i] = m->socks[s].conn;
			continue;
		}
		if (follow_data(m, i, &snd, &rcv) < 0)
			goto out;
	}
	/* Only stream connections and socketpairs exist yet. */
	for (k = 0; k < m->nconns; k++)
		st_model_settle_end(m, &m->conns[k]);
	if (sort_segs(&snd, m->nconns) < 0 || sort_segs(&rcv, m->nconns) < 0 || link_segs(m, &snd, &rcv) < 0)
		goto out;
	r = 0;
out:
	free(snd.v);
	free(rcv.v);
	return r;
}
