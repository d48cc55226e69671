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
 * TLS plaintext goes the same way on keys of its own (st_plain_key): an
 * SSL_write takes the next plaintext offsets of its socket, an SSL_read
 * the next on its own, and each SSL_read is linked (ST_L_PLAIN) to the
 * SSL_writes it returned bytes of, when both ends were traced with --tls.
 * The plaintext counts are kept apart from the connection's byte counts,
 * which stay those of the wire.
 *
 * Receives take disjoint ranges, so their links are at most as many as the
 * sends and receives together; peeks do not, and each may overlap every
 * send still queued, so a peek gets links from its first PEEK_LINKS sends
 * only (a log of a few thousand 1-byte sends and as many big peeks would
 * otherwise make millions of arrows).
 */
#include "model/model.h"
#include "model/found.h"

#include <stdlib.h>

/* The most links a MSG_PEEK receive gets. */
#define PEEK_LINKS 16

/* The sends (or the receives), in order of key, and in time order within
 * a key: each list is counted by key first, so that every segment goes
 * straight to its place (no growing, no sorting afterwards). */
struct segs {
	struct st_seg *v;
	uint32_t n;
	uint32_t *at;		/* per key: where its next segment goes */
};

static void place(struct segs *s, const struct st_seg *g)
{
	s->v[s->at[g->key]++] = *g;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The connection of record i when the data pass follows it (ST_NONE when
 * it does not): a connected stream socket's, unless refused or failed. */
static uint32_t data_conn(const struct st_model *m, uint32_t i)
{
	uint32_t s = m->ev_sock[i], c;

	if (s == ST_NONE || (c = m->socks[s].conn) == ST_NONE ||
	    m->conns[c].end == ST_END_REFUSED || m->conns[c].end == ST_END_FAILED)
		return ST_NONE;
	return c;
}

/* The plaintext bytes a TLS record moved: SSL_write and SSL_read return
 * them, the _ex forms return 1 and log them as bytes. */
static uint64_t plain_len(const struct st_vevent *e)
{
	if (e->ret <= 0)
		return 0;
	return e->bytes >= 0 ? (uint64_t)e->bytes : (uint64_t)e->ret;
}

/* Which list record i (of connection c) makes a segment for, as
 * follow_data decides it: 1 the sends, 2 the receives, 0 none; its key in
 * *key. */
static int seg_list(const struct st_model *m, uint32_t i, uint32_t c, uint32_t *key)
{
	const struct st_vevent *e = &m->tr->ev[i];
	uint32_t side = m->socks[m->ev_sock[i]].side;

	/* A failed call (a reset among them) moved nothing. */
	if (e->err || e->ret <= 0)
		return 0;
	if ((e->call == ST_C_TLS_SEND || e->call == ST_C_TLS_RECV) && plain_len(e) == 0)
		return 0;
	switch (e->call) {
	case ST_C_SEND:
		*key = c * 2 + side;
		return 1;
	case ST_C_RECV:
		*key = c * 2 + 1 - side;
		return 2;
	case ST_C_TLS_SEND:
		*key = st_plain_key(m, c, side);
		return 1;
	case ST_C_TLS_RECV:
		*key = st_plain_key(m, c, 1 - side);
		return 2;
	default:
		return 0;
	}
}

/* Lays found both lists: counts per key, then where each key starts. */
static int lay_out_segs(const struct st_model *m, struct segs *snd, struct segs *rcv)
{
	const struct st_trace *tr = m->tr;
	size_t nkeys = (size_t)m->nconns * 4 + 1;	/* wire, then plaintext */
	struct segs *list[3] = { NULL, snd, rcv };
	uint32_t i, c, key, k, sum, n;
	int which;

	snd->at = calloc(nkeys, sizeof(*snd->at));
	rcv->at = calloc(nkeys, sizeof(*rcv->at));
	if (!snd->at || !rcv->at)
		return -1;
	for (i = 0; i < tr->nev; i++)
		if ((c = data_conn(m, i)) != ST_NONE && (which = seg_list(m, i, c, &key)))
			list[which]->at[key]++;
	for (which = 1; which <= 2; which++) {
		for (k = 0, sum = 0; k < nkeys; k++) {
			n = list[which]->at[k];
			list[which]->at[k] = sum;
			sum += n;
		}
		list[which]->n = sum;
		if (!(list[which]->v = st_big_alloc(((size_t)sum + 1) * sizeof(struct st_seg))))
			return -1;
	}
	return 0;
}

/* Links each receive to the sends it read from. */
static int link_segs(const struct st_model *m, struct st_found *found, const struct segs *snd,
		     const struct segs *rcv)
{
	uint32_t a = 0, b, k, made, plain = st_plain_key(m, 0, 0);

	for (b = 0; b < rcv->n; b++) {
		const struct st_seg *r = &rcv->v[b];
		uint64_t rend = add_sat(r->off, r->len);
		uint32_t conn = (r->key < plain ? r->key : r->key - plain) / 2;
		enum st_link_kind kind = r->key >= plain ? ST_L_PLAIN :
					 r->peek ? ST_L_PEEK : ST_L_DATA;

		while (a < snd->n && (snd->v[a].key < r->key ||
		       (snd->v[a].key == r->key && add_sat(snd->v[a].off, snd->v[a].len) <= r->off)))
			a++;
		made = 0;
		for (k = a; k < snd->n && snd->v[k].key == r->key && snd->v[k].off < rend &&
		     !(r->peek && made == PEEK_LINKS); k++) {
			const struct st_seg *s = &snd->v[k];
			uint64_t lo = s->off > r->off ? s->off : r->off;
			uint64_t send_end = add_sat(s->off, s->len);
			uint64_t hi = send_end < rend ? send_end : rend;

			if (hi > lo && st_found_link(found, s->ev, r->ev, conn, kind,
						     lo, hi - lo) < 0)
				return -1;
			made += hi > lo;
		}
	}
	return 0;
}

static bool is_reset(const struct st_trace *tr, const struct st_vevent *e)
{
	return st_vevent_failed(tr, e, "ECONNRESET") || st_vevent_failed(tr, e, "EPIPE");
}

/* One record on a connected stream socket. */
static int follow_data(struct st_model *m, struct st_found *found, uint32_t i,
		       struct segs *snd, struct segs *rcv)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	struct st_sock *s = &m->socks[m->ev_sock[i]];
	uint32_t c = s->conn, peer;
	struct st_conn *k = &m->conns[c];
	struct st_seg g;
	int dir;

	m->ev_conn[i] = c;
	if (e->t + e->dur > k->t_end)
		k->t_end = e->t + e->dur;
	peer = k->sock[1 - s->side];
	if (is_reset(tr, e)) {
		if (k->end == ST_END_OPEN || k->end == ST_END_CLOSED)
			k->end = ST_END_RESET;
		if (peer != ST_NONE && st_found_link(found, m->socks[peer].closed != ST_NONE ?
				m->socks[peer].closed : m->socks[peer].eof, i, c,
				ST_L_RESET, 0, 0) < 0)
			return -1;
		return 0;
	}
	if (e->err || e->ret < 0)
		return 0;
	g.ev = i;
	g.peek = false;
	if ((e->call == ST_C_TLS_SEND || e->call == ST_C_TLS_RECV) && plain_len(e) > 0) {
		bool out = e->call == ST_C_TLS_SEND;
		uint64_t *at = out ? &s->tls_sent : &s->tls_rcvd;

		dir = out ? s->side : 1 - s->side;
		g.key = st_plain_key(m, c, (uint32_t)dir);
		g.off = *at;
		g.len = plain_len(e);
		*at = add_sat(*at, g.len);
		place(out ? snd : rcv, &g);
		return 0;
	}
	if (e->call == ST_C_SEND && e->ret > 0) {
		dir = s->side;
		g.key = c * 2 + (uint32_t)dir;
		g.off = s->sent;
		g.len = (uint64_t)e->ret;
		s->sent = add_sat(s->sent, g.len);
		k->sent[dir] = add_sat(k->sent[dir], g.len);
		place(snd, &g);
		return 0;
	}
	if (e->call != ST_C_RECV)
		return 0;
	dir = 1 - s->side;
	if (e->ret == 0) {
		if (peer != ST_NONE && m->socks[peer].eof != ST_NONE)
			return st_found_link(found, m->socks[peer].eof, i, c, ST_L_EOF, 0, 0);
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
	place(rcv, &g);
	return 0;
}

int st_model_flow_streams(struct st_model *m, struct st_found *found)
{
	const struct st_trace *tr = m->tr;
	struct segs snd = { 0 }, rcv = { 0 };
	uint32_t k, i, c;
	int r = -1;

	if (lay_out_segs(m, &snd, &rcv) < 0)
		goto out;
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		if (m->ev_sock[i] == ST_NONE || (c = m->socks[m->ev_sock[i]].conn) == ST_NONE)
			continue;
		if (data_conn(m, i) == ST_NONE) {
			m->ev_conn[i] = c;
			continue;
		}
		if (follow_data(m, found, i, &snd, &rcv) < 0)
			goto out;
	}
	if (link_segs(m, found, &snd, &rcv) < 0 ||
	    st_model_read_streams(m, snd.v, snd.n, rcv.v, rcv.n) < 0)
		goto out;
	r = 0;
out:
	st_big_free(snd.v);
	st_big_free(rcv.v);
	free(snd.at);
	free(rcv.at);
	return r;
}
