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
		uint32_t s = m->ev_sock[i], c = m->ev_conn[i];

		if (!has_port(tr, e->local, f->port) && !has_port(tr, e->peer, f->port) &&
		    !has_port(tr, e->addr, f->port) &&
		    !(s != ST_NONE && (has_port(tr, m->socks[s].local, f->port) ||
				       has_port(tr, m->socks[s].peer, f->port))) &&
		    !(c != ST_NONE && (has_port(tr, m->conns[c].addr[0], f->port) ||
				       has_port(tr, m->conns[c].addr[1], f->port))))
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
