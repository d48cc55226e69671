/*
 * dgram.c: datagrams (model.h).  Every sendto/recvfrom (or send/recv on a
 * connected datagram socket) that moved a datagram is keyed by its source
 * and destination ports (or, for AF_UNIX, the destination path).  Within a
 * key, in time order, each receive takes the oldest unmatched send whose
 * addresses fit (the same host, or a wildcard bind on either side), whose
 * size is the same and whose first bytes are the same; a lost datagram
 * stays unmatched.  The sockets that exchanged datagrams form one
 * connection (the first sender is the client); datagrams whose other side
 * was not traced form connections of their own, per remote address.
 */
#include "model/model.h"
#include "model/found.h"

#include <stdlib.h>
#include <string.h>

#include "model/address.h"
#include "read/sort.h"

/* How many unmatched sends a receive looks at before giving up. */
#define SCAN_LIMIT 64

struct dg {
	uint32_t ev;
	uint32_t sock;
	uint32_t src, dst;	/* trace strings */
	bool recv;
	bool matched;
};

static bool fits(const struct st_model *m, uint32_t a, uint32_t b)
{
	char na[4097], nb[4097];
	size_t la, lb;
	const char *sa = st_trace_str(m->tr, a, &la), *sb = st_trace_str(m->tr, b, &lb);

	if (a == b || !a || !b)
		return true;
	if (la > 4096 || lb > 4096)
		return false;
	la = st_addr_normalize(sa, la, na);
	lb = st_addr_normalize(sb, lb, nb);
	if (!st_addr_is_inet(na, la))
		return true;	/* unix: the key holds the path already */
	return st_addr_compatible(na, la, nb, lb);
}

static bool same_datagram(const struct st_model *m, const struct dg *s,
			  const struct dg *r)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *se = &tr->ev[s->ev], *re = &tr->ev[r->ev];
	uint8_t n;

	if (re->ret != se->ret)
		return false;
	/* Across hosts only by addresses that mean the same on both. */
	if (m->procs[m->ev_proc[s->ev]].host != m->procs[m->ev_proc[r->ev]].host &&
	    (st_model_host_only(tr, s->src) || st_model_host_only(tr, s->dst) ||
	     st_model_host_only(tr, r->src) || st_model_host_only(tr, r->dst)))
		return false;
	n = se->snip_len < re->snip_len ? se->snip_len : re->snip_len;
	if (n && memcmp(tr->snips + se->snip, tr->snips + re->snip, n) != 0)
		return false;
	return fits(m, s->src, r->src) && fits(m, s->dst, r->dst);
}

/* The connection of a pair of sockets, or of a socket and a remote address
 * (sock_b ST_NONE), made on first use. */
static uint32_t conn_for(struct st_model *m, struct st_found *found, struct st_idmap *conns,
			 const struct dg *d, const struct dg *other)
{
	uint32_t key[3], id, c;
	struct st_conn *k;
	const struct st_vevent *e = &m->tr->ev[d->ev];

	if (other) {
		key[0] = d->sock < other->sock ? d->sock : other->sock;
		key[1] = d->sock < other->sock ? other->sock : d->sock;
		key[2] = ST_NONE;
	} else {
		key[0] = d->sock;
		key[1] = ST_NONE;
		key[2] = d->recv ? d->src : d->dst;
	}
	if (!(id = st_strtab_intern(&m->keys, key, sizeof(key))))
		return ST_NONE;
	if (st_idmap_get(conns, id, &c))
		return c;
	if ((c = st_found_conn(found)) == ST_NONE || st_idmap_put(conns, id, c) < 0)
		return ST_NONE;
	k = st_found_at(found, c);
	/* The sender is the client; a lone receive is the server. */
	k->proto = m->socks[d->sock].proto;
	k->dgram = true;
	k->t_start = d->recv ? e->t + e->dur : e->t;
	if (d->recv) {
		k->sock[1] = d->sock;
		k->proc[1] = m->ev_proc[d->ev];
		k->addr[0] = d->src;
		k->addr[1] = d->dst;
		if (other) {
			k->sock[0] = other->sock;
			k->proc[0] = m->ev_proc[other->ev];
		}
	} else {
		k->sock[0] = d->sock;
		k->proc[0] = m->ev_proc[d->ev];
		k->addr[0] = d->src;
		k->addr[1] = d->dst;
		if (other) {
			k->sock[1] = other->sock;
			k->proc[1] = m->ev_proc[other->ev];
			k->addr[0] = other->src;
		}
	}
	return c;
}

static void count(struct st_model *m, struct st_found *found, uint32_t c, const struct dg *d)
{
	struct st_conn *k = st_found_at(found, c);
	const struct st_vevent *e = &m->tr->ev[d->ev];
	int dir = (k->sock[0] == d->sock) == !d->recv ? 0 : 1;
	uint64_t n = e->ret > 0 ? (uint64_t)e->ret : 0;

	/* Saturating: a hostile log may claim 2^63 bytes a datagram. */
	if (d->recv)
		k->rcvd[dir] = k->rcvd[dir] + n < n ? UINT64_MAX : k->rcvd[dir] + n;
	else
		k->sent[dir] = k->sent[dir] + n < n ? UINT64_MAX : k->sent[dir] + n;
	/* A receive counts from its return: it may have waited long. */
	if ((d->recv ? e->t + e->dur : e->t) < k->t_start)
		k->t_start = d->recv ? e->t + e->dur : e->t;
	if (e->t + e->dur > k->t_end)
		k->t_end = e->t + e->dur;
	m->ev_conn[d->ev] = c;
}

/* Collects the datagram records with their keys and times. */
static int collect(struct st_model *m, struct dg **found, uint64_t **kout,
		   uint64_t **tout, uint32_t *nout)
{
	const struct st_trace *tr = m->tr;
	struct dg *v = NULL, *nv;
	uint64_t *keys = NULL, *times = NULL, *nk;
	uint32_t n = 0, cap = 0, k, i, s;

	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e;
		const struct st_sock *so;
		struct dg d;
		const char *a, *b;
		size_t an, bn;
		uint64_t key;

		i = tr->order[k];
		e = &tr->ev[i];
		if ((s = m->ev_sock[i]) == ST_NONE || e->err || e->ret < 0)
			continue;
		so = &m->socks[s];
		if (!st_proto_is_dgram(so->proto) || so->conn != ST_NONE)
			continue;
		if (e->call != ST_C_SEND && e->call != ST_C_RECV)
			continue;
		/* A peek leaves the datagram queued for the receive that takes it. */
		if (e->call == ST_C_RECV && (e->bits & ST_B_PEEK))
			continue;
		d.ev = i;
		d.sock = s;
		d.recv = e->call == ST_C_RECV;
		d.matched = false;
		if (d.recv) {
			d.src = e->peer;
			d.dst = e->local ? e->local : so->local;
		} else {
			d.src = e->local ? e->local : so->local;
			d.dst = e->peer ? e->peer : e->addr ? e->addr : so->peer;
		}
		a = st_trace_str(tr, d.src, &an);
		b = st_trace_str(tr, d.dst, &bn);
		if (st_addr_is_inet(b, bn))
			key = (uint64_t)1 << 40 | (uint64_t)(st_addr_port(a, an) & 0xffff) << 16 |
			      (uint64_t)st_addr_port(b, bn);
		else
			key = (uint64_t)2 << 40 | d.dst;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				goto fail;
			v = nv;
			if (!(nk = realloc(keys, cap * sizeof(*keys))))
				goto fail;
			keys = nk;
			if (!(nk = realloc(times, cap * sizeof(*times))))
				goto fail;
			times = nk;
		}
		v[n] = d;
		keys[n] = key;
		times[n] = d.recv ? (uint64_t)(e->t + e->dur) * 2 + 1 : (uint64_t)e->t * 2;
		n++;
	}
	*found = v;
	*kout = keys;
	*tout = times;
	*nout = n;
	return 0;
fail:
	free(v);
	free(keys);
	free(times);
	return -1;
}

/* Matched (send, recv) pairs, two indices into the datagrams each. */
struct matches {
	uint32_t *v;
	uint32_t n, cap;
};

static int add_match(struct matches *ms, struct dg *v, uint32_t snd, uint32_t rcv)
{
	if (ms->n == ms->cap) {
		uint32_t *nv, cap = ms->cap ? ms->cap * 2 : 256;

		if (!(nv = realloc(ms->v, (size_t)cap * 2 * sizeof(*nv))))
			return -1;
		ms->v = nv;
		ms->cap = cap;
	}
	v[snd].matched = v[rcv].matched = true;
	ms->v[ms->n * 2] = snd;
	ms->v[ms->n * 2 + 1] = rcv;
	ms->n++;
	return 0;
}

/*
 * What time order left unmatched in one key, between hosts: their clocks
 * differ (by more than the datagram took, perhaps), so a receive may seem
 * to come before its send.  Each receive takes the first unmatched send of
 * another host with the same bytes, each host's datagrams in its own
 * order; the model is built again once the clocks are known (clock.c).
 */
static int match_across(const struct st_model *m, struct dg *v, const uint32_t *idx,
			uint32_t n, struct matches *ms)
{
	uint32_t i, k, lo = 0, looked;

	for (i = 0; i < n; i++) {
		struct dg *d = &v[idx[i]];
		uint32_t host;

		if (!d->recv || d->matched)
			continue;
		host = m->procs[m->ev_proc[d->ev]].host;
		while (lo < n && (v[idx[lo]].recv || v[idx[lo]].matched))
			lo++;
		for (k = lo, looked = 0; k < n && looked < 4 * SCAN_LIMIT; k++, looked++) {
			struct dg *s = &v[idx[k]];

			if (s->recv || s->matched || m->procs[m->ev_proc[s->ev]].host == host)
				continue;
			if (same_datagram(m, s, d)) {
				if (add_match(ms, v, idx[k], idx[i]) < 0)
					return -1;
				break;
			}
		}
	}
	return 0;
}

int st_model_pair_datagrams(struct st_model *m, struct st_found *found)
{
	struct st_idmap conns = { 0 };
	struct dg *v = NULL;
	uint64_t *keys = NULL, *times = NULL;
	uint32_t *idx = NULL, *queue = NULL, n = 0, i, j, g, c;
	struct matches ms = { NULL, 0, 0 };
	uint32_t *mv = NULL, nm = 0;	/* matched (send, recv) pairs */
	int r = -1;

	if (collect(m, &v, &keys, &times, &n) < 0)
		return -1;
	idx = malloc((n + 1) * sizeof(*idx));
	queue = malloc((n + 1) * sizeof(*queue));
	if (!idx || !queue)
		goto out;
	for (i = 0; i < n; i++)
		idx[i] = i;
	if (st_sort_by_key(times, idx, n) < 0)
		goto out;
	for (i = 0; i < n; i++)
		times[i] = keys[idx[i]];
	if (st_sort_by_key(times, idx, n) < 0)
		goto out;
	/* Within a key, the unmatched sends wait in a queue in time order
	 * (queue[qh..qt)); a receive looks at the first SCAN_LIMIT of them, and
	 * the one it takes leaves the queue, so that neither receives nor
	 * matched sends are ever looked at again. */
	for (g = 0; g < n; g = j) {
		uint32_t qh = 0, qt = 0;

		for (j = g; j < n && times[j] == times[g]; j++) {
			struct dg *d = &v[idx[j]];
			uint32_t k;
			struct dg *match = NULL;

			if (!d->recv) {
				queue[qt++] = idx[j];
				continue;
			}
			for (k = qh; k < qt && k - qh < SCAN_LIMIT; k++)
				if (same_datagram(m, &v[queue[k]], d)) {
					match = &v[queue[k]];
					break;
				}
			if (!match)
				continue;
			memmove(&queue[qh + 1], &queue[qh], (k - qh) * sizeof(*queue));
			qh++;
			if (add_match(&ms, v, (uint32_t)(match - v), idx[j]) < 0)
				goto out;
		}
		if (m->nhosts > 1 && match_across(m, v, idx + g, j - g, &ms) < 0)
			goto out;
	}
	mv = ms.v;
	nm = ms.n;
	/* Connections in order of their first datagram: the first sender is
	 * the client. */
	{
		uint64_t *mk = malloc((nm + 1) * sizeof(*mk));
		uint32_t *mi = malloc((nm + 1) * sizeof(*mi));

		if (!mk || !mi) {
			free(mk);
			free(mi);
			goto out;
		}
		for (i = 0; i < nm; i++) {
			mk[i] = (uint64_t)m->tr->ev[v[mv[i * 2]].ev].t;
			mi[i] = i;
		}
		if (st_sort_by_key(mk, mi, nm) < 0) {
			free(mk);
			free(mi);
			goto out;
		}
		for (i = 0; i < nm; i++) {
			struct dg *snd = &v[mv[mi[i] * 2]], *rcv = &v[mv[mi[i] * 2 + 1]];

			if ((c = conn_for(m, found, &conns, snd, rcv)) == ST_NONE ||
			    st_found_link(found, snd->ev, rcv->ev, c, ST_L_DGRAM, 0,
					  (uint64_t)m->tr->ev[rcv->ev].ret) < 0) {
				free(mk);
				free(mi);
				goto out;
			}
			count(m, found, c, snd);
			count(m, found, c, rcv);
		}
		free(mk);
		free(mi);
	}
	/* The rest: the other side was not traced, or the datagram was lost. */
	for (i = 0; i < n; i++) {
		struct dg *d = &v[idx[i]];

		if (d->matched)
			continue;
		if ((c = conn_for(m, found, &conns, d, NULL)) == ST_NONE)
			goto out;
		count(m, found, c, d);
	}
	r = 0;
out:
	st_idmap_free(&conns);
	free(ms.v);
	free(v);
	free(keys);
	free(times);
	free(idx);
	free(queue);
	return r;
}
