/*
 * filter.c: the filters of filter.h.  A record matches --port when any
 * address it or its socket carries has that port; a connection when either
 * of its addresses has it.
 */
#include "model/filter.h"

#include "model/address.h"

void st_filter_init(struct st_filter *f)
{
	f->pid = f->port = f->conn = -1;
	f->from = 0;
	f->to = -1;
}

bool st_filter_none(const struct st_filter *f)
{
	return f->pid < 0 && f->port < 0 && f->conn < 0 && f->from <= 0 && f->to < 0;
}

static bool has_port(const struct st_trace *tr, uint32_t id, int64_t port)
{
	size_t n;
	const char *s;

	if (!id)
		return false;
	s = st_trace_str(tr, id, &n);
	return st_addr_port(s, n) == port;
}

uint32_t st_filter_ports(const struct st_model *m, uint32_t i,
			 int32_t ports[ST_FILTER_PORTS])
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	uint32_t s = m->ev_sock[i], c = m->ev_conn[i], ids[ST_FILTER_PORTS], n = 0, k, j, nids = 0;

	ids[nids++] = e->local;
	ids[nids++] = e->peer;
	ids[nids++] = e->addr;
	if (s != ST_NONE) {
		ids[nids++] = m->socks[s].local;
		ids[nids++] = m->socks[s].peer;
	}
	if (c != ST_NONE) {
		ids[nids++] = m->conns[c].addr[0];
		ids[nids++] = m->conns[c].addr[1];
	}
	for (k = 0; k < nids; k++) {
		size_t len;
		const char *a;
		int port;

		if (!ids[k])
			continue;
		a = st_trace_str(tr, ids[k], &len);
		if ((port = st_addr_port(a, len)) < 0)
			continue;
		for (j = 0; j < n && ports[j] != port; j++)
			;
		if (j == n)
			ports[n++] = port;
	}
	return n;
}

bool st_filter_event(const struct st_model *m, const struct st_filter *f,
		     uint32_t i)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];

	if (st_filter_none(f))
		return true;
	if (f->pid >= 0 && e->pid != f->pid)
		return false;
	if (f->from > 0 || f->to >= 0) {
		int64_t t = e->t - tr->t0;

		if (t + e->dur < f->from || (f->to >= 0 && t > f->to))
			return false;
	}
	if (f->conn >= 0) {
		uint32_t c = m->ev_conn[i];

		if (c == ST_NONE || m->conns[c].id != f->conn)
			return false;
	}
	if (f->port >= 0) {
		int32_t ports[ST_FILTER_PORTS];
		uint32_t n = st_filter_ports(m, i, ports), k;

		for (k = 0; k < n && ports[k] != f->port; k++)
			;
		if (k == n)
			return false;
	}
	return true;
}

bool st_filter_conn(const struct st_model *m, const struct st_filter *f,
		    uint32_t c)
{
	const struct st_conn *k = &m->conns[c];

	if (f->conn >= 0 && k->id != f->conn)
		return false;
	if (f->pid >= 0 &&
	    !(k->proc[0] != ST_NONE && m->procs[k->proc[0]].pid == f->pid) &&
	    !(k->proc[1] != ST_NONE && m->procs[k->proc[1]].pid == f->pid))
		return false;
	if (f->port >= 0 && !has_port(m->tr, k->addr[0], f->port) &&
	    !has_port(m->tr, k->addr[1], f->port))
		return false;
	if (f->from > 0 || f->to >= 0) {
		int64_t a = k->t_start - m->tr->t0, b = k->t_end - m->tr->t0;

		if (b < f->from || (f->to >= 0 && a > f->to))
			return false;
	}
	return true;
}
