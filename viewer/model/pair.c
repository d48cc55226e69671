/*
 * pair.c: pairing stream connections (model.h).  Every successful (or
 * in-progress) connect is a client candidate keyed by its five-tuple
 * (local>peer, addresses normalized so [::ffff:a.b.c.d]:p equals a.b.c.d:p);
 * every accept is a server candidate keyed by peer>local.  AF_UNIX ends
 * have no client address, so they are keyed by the listener's path and
 * paired in order.  Within a key, candidates are taken in time order
 * (a connect at its start, an accept at its return), and each accept takes
 * the oldest waiting connect: the listen backlog is a queue.  What is left
 * over is a connection with one side not traced.  A connect that fails
 * (refused, unreachable, ...) is a connection attempt of its own.
 */
#include "model/model.h"
#include "model/found.h"

#include <stdlib.h>
#include <string.h>

#include "model/address.h"
#include "read/sort.h"

struct cand {
	uint32_t ev;
	uint32_t sock;
	uint32_t fail;		/* a later connect that reported failure */
	bool server;
};

static bool err_is(const struct st_trace *tr, const struct st_vevent *e,
		   const char *name)
{
	return st_vevent_failed(tr, e, name);
}

/* Appends the normal form of an address to a key buffer. */
static size_t put_addr(const struct st_trace *tr, uint32_t id, char *out,
		       size_t room)
{
	size_t n;
	const char *s = st_trace_str(tr, id, &n);

	if (n + 1 > room)
		return 0;
	return st_addr_normalize(s, n, out);
}

static bool is_unix(const struct st_trace *tr, uint8_t proto, uint32_t addr)
{
	size_t n;
	const char *s;

	if (proto == ST_P_UNIX_STREAM || proto == ST_P_UNIX_SEQPACKET)
		return true;
	s = st_trace_str(tr, addr, &n);
	return !st_addr_is_inet(s, n);
}

/* The pairing key of a candidate (0: cannot be paired). */
static uint32_t cand_key(struct st_model *m, const struct cand *c)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[c->ev];
	uint8_t proto = m->socks[c->sock].proto;
	uint32_t near = e->local, far = e->peer ? e->peer : e->addr;
	char key[2 * 4096 + 8];
	size_t n = 0;

	if (c->server) {
		near = e->peer;
		far = e->local;
	}
	if (is_unix(tr, proto, far)) {
		if (!far)
			return 0;
		memcpy(key, "u>", 2);
		n = 2 + put_addr(tr, far, key + 2, sizeof(key) - 2);
	} else {
		if (!near || !far)
			return 0;
		n = put_addr(tr, near, key, 4097);
		key[n++] = '>';
		n += put_addr(tr, far, key + n, sizeof(key) - n);
	}
	/* Loopback and AF_UNIX ends pair within their host only. */
	if (m->nhosts > 1 && (is_unix(tr, proto, far) || st_model_host_only(tr, near) ||
			      st_model_host_only(tr, far)) && n + 12 <= sizeof(key)) {
		uint32_t h = m->procs[m->ev_proc[c->ev]].host;

		key[n++] = '@';
		memcpy(key + n, &h, sizeof(h));
		n += sizeof(h);
	}
	return st_strtab_intern(&m->keys, key, n);
}

static void set_side(struct st_model *m, struct st_found *out, uint32_t c, int side,
		     uint32_t sock, uint32_t ev)
{
	struct st_conn *k = st_found_at(out, c);

	k->sock[side] = sock;
	k->proc[side] = m->ev_proc[ev];
	k->ev[side] = ev;
	m->socks[sock].conn = c;
	m->socks[sock].side = (uint8_t)side;
	m->ev_conn[ev] = c;
}

static void mark_failed(struct st_model *m, struct st_conn *k, uint32_t c, uint32_t ev)
{
	const struct st_vevent *e = &m->tr->ev[ev];
	/* A failed connect, or getsockopt(SO_ERROR) after a non-blocking one. */
	uint32_t err = e->err ? e->err : e->detail;
	size_t n;
	const char *name = st_trace_str(m->tr, err, &n);

	k->end = n == 12 && memcmp(name, "ECONNREFUSED", 12) == 0 ?
		 ST_END_REFUSED : ST_END_FAILED;
	k->err = err;
	if (e->t + e->dur > k->t_end)
		k->t_end = e->t + e->dur;
	m->ev_conn[ev] = c;
}

/* Makes the connection of a client candidate, a server candidate, or both:
 * its number, or ST_NONE when memory runs out. */
static uint32_t make_conn(struct st_model *m, struct st_found *out, const struct cand *cl,
			  const struct cand *sv)
{
	const struct st_trace *tr = m->tr;
	uint32_t c = st_found_conn(out);
	struct st_conn *k;

	if (c == ST_NONE)
		return ST_NONE;
	k = st_found_at(out, c);
	if (cl) {
		const struct st_vevent *e = &tr->ev[cl->ev];

		k->proto = m->socks[cl->sock].proto;
		k->addr[0] = e->local;
		k->addr[1] = e->peer ? e->peer : e->addr;
		k->t_start = e->t;
		k->t_end = e->t + e->dur;
		set_side(m, out, c, 0, cl->sock, cl->ev);
		m->socks[cl->sock].role = ST_R_CLIENT;
	}
	if (sv) {
		const struct st_vevent *e = &tr->ev[sv->ev];

		if (!cl) {
			k->proto = m->socks[sv->sock].proto;
			k->t_start = e->t + e->dur;
			k->addr[1] = e->local;
		}
		if (!k->addr[0] || !st_trace_str(tr, k->addr[0], NULL)[0])
			k->addr[0] = e->peer ? e->peer : k->addr[0];
		if (!k->addr[1])
			k->addr[1] = e->local;
		if (e->t + e->dur > k->t_end)
			k->t_end = e->t + e->dur;
		set_side(m, out, c, 1, sv->sock, sv->ev);
	}
	if (cl && sv && st_found_link(out, cl->ev, sv->ev, c, ST_L_HANDSHAKE, 0, 0) < 0)
		return ST_NONE;
	if (cl && cl->fail != ST_NONE && !sv)
		mark_failed(m, k, c, cl->fail);
	return c;
}

/* Collects candidates; failed attempts become connections at once. */
static int collect(struct st_model *m, struct st_found *found, struct cand **out,
		   uint32_t *nout)
{
	const struct st_trace *tr = m->tr;
	struct st_idmap pending = { 0 };	/* socket -> its client candidate */
	struct cand *cs = NULL, *nc;
	uint32_t n = 0, cap = 0, k, i, s, at;
	int r = -1;

	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e;
		struct cand c;

		i = tr->order[k];
		e = &tr->ev[i];
		if ((s = m->ev_sock[i]) == ST_NONE)
			continue;
		if (e->call == ST_C_GETSOCKOPT && e->detail && !e->err) {
			/* SO_ERROR names how a pending connect ended. */
			if (st_idmap_get(&pending, s, &at) && cs[at].fail == ST_NONE)
				cs[at].fail = i;
			continue;
		}
		if (e->call != ST_C_CONNECT && e->call != ST_C_ACCEPT)
			continue;
		if (!st_proto_is_stream(m->socks[s].proto) || m->socks[s].role == ST_R_PAIR)
			continue;
		c.ev = i;
		c.sock = s;
		c.fail = ST_NONE;
		c.server = e->call == ST_C_ACCEPT;
		if (c.server) {
			if (e->err || m->socks[s].role != ST_R_ACCEPTED)
				continue;
		} else if (!e->err || err_is(tr, e, "EINPROGRESS") || err_is(tr, e, "EINTR")) {
			if (st_idmap_get(&pending, s, &at))
				continue;	/* already connecting */
			if (st_idmap_put(&pending, s, n) < 0)
				goto out;
		} else if (err_is(tr, e, "EALREADY") || err_is(tr, e, "EISCONN")) {
			continue;
		} else {
			/* A failed attempt: of the pending connect, or its own. */
			if (st_idmap_get(&pending, s, &at)) {
				if (cs[at].fail == ST_NONE)
					cs[at].fail = i;
				continue;
			}
			if ((at = make_conn(m, found, &c, NULL)) == ST_NONE)
				goto out;
			mark_failed(m, st_found_at(found, at), at, i);
			m->socks[s].conn = ST_NONE;	/* it may connect again */
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(nc = realloc(cs, cap * sizeof(*cs))))
				goto out;
			cs = nc;
		}
		cs[n++] = c;
	}
	r = 0;
out:
	st_idmap_free(&pending);
	*out = cs;
	*nout = n;
	return r;
}

/* Whether the candidates of one key come from more than one host. */
static bool across_hosts(const struct st_model *m, const struct cand *cs,
			 const uint32_t *idx, uint32_t n)
{
	uint32_t i, h = m->procs[m->ev_proc[cs[idx[0]].ev]].host;

	for (i = 1; i < n; i++)
		if (m->procs[m->ev_proc[cs[idx[i]].ev]].host != h)
			return true;
	return false;
}

/*
 * The candidates of one key on different hosts, whose clocks differ: the
 * k-th connect with the k-th accept, each side in its own host's time
 * order, since no accept can be compared in time with a connect of another
 * host before the clocks are known (clock.c learns them from these pairs).
 */
static int pair_in_order(struct st_model *m, struct st_found *out, const struct cand *cs,
			 const uint32_t *idx, uint32_t n, uint32_t *scratch)
{
	uint32_t i, ncl = 0, nsv = 0, *cl = scratch, *sv = scratch + n;

	for (i = 0; i < n; i++) {
		if (cs[idx[i]].server)
			sv[nsv++] = idx[i];
		else
			cl[ncl++] = idx[i];
	}
	for (i = 0; i < ncl || i < nsv; i++)
		if (make_conn(m, out, i < ncl ? &cs[cl[i]] : NULL,
			      i < nsv ? &cs[sv[i]] : NULL) == ST_NONE)
			return -1;
	return 0;
}

int st_model_pair_streams(struct st_model *m, struct st_found *found)
{
	const struct st_trace *tr = m->tr;
	struct cand *cs = NULL;
	uint64_t *keys = NULL;
	uint32_t *idx = NULL, *queue = NULL, *ckey = NULL, n = 0, i, j, g;
	int r = -1;

	if (collect(m, found, &cs, &n) < 0)
		goto out;
	keys = malloc((n + 1) * sizeof(*keys));
	idx = malloc((n + 1) * sizeof(*idx));
	queue = malloc((2 * (size_t)n + 1) * sizeof(*queue));
	ckey = malloc((n + 1) * sizeof(*ckey));
	if (!keys || !idx || !queue || !ckey)
		goto out;
	/* By time (connects at their start, accepts at their return), then
	 * stably by key. */
	for (i = 0; i < n; i++) {
		const struct st_vevent *e = &tr->ev[cs[i].ev];

		idx[i] = i;
		keys[i] = cs[i].server ? (uint64_t)(e->t + e->dur) * 2 + 1 : (uint64_t)e->t * 2;
		ckey[i] = cand_key(m, &cs[i]);
	}
	if (st_sort_by_key(keys, idx, n) < 0)
		goto out;
	for (i = 0; i < n; i++)
		keys[i] = ckey[idx[i]];
	if (st_sort_by_key(keys, idx, n) < 0)
		goto out;
	for (g = 0; g < n; g = j) {
		uint32_t head = 0, tail = 0;

		for (j = g; j < n && keys[j] == keys[g]; j++)
			;
		if (keys[g] != 0 && across_hosts(m, cs, idx + g, j - g)) {
			if (pair_in_order(m, found, cs, idx + g, j - g, queue) < 0)
				goto out;
			continue;
		}
		for (j = g; j < n && keys[j] == keys[g]; j++) {
			const struct cand *c = &cs[idx[j]];

			if (!c->server) {
				if (keys[g] == 0) {
					if (make_conn(m, found, c, NULL) == ST_NONE)
						goto out;
				} else {
					queue[tail++] = idx[j];
				}
				continue;
			}
			if (head < tail && keys[g] != 0) {
				if (make_conn(m, found, &cs[queue[head++]], c) == ST_NONE)
					goto out;
			} else if (make_conn(m, found, NULL, c) == ST_NONE) {
				goto out;
			}
		}
		while (head < tail)
			if (make_conn(m, found, &cs[queue[head++]], NULL) == ST_NONE)
				goto out;
	}
	r = 0;
out:
	free(cs);
	free(keys);
	free(idx);
	free(queue);
	free(ckey);
	return r;
}
