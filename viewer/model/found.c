/*
 * found.c: what a matcher found, and how it joins the model (found.h).
 */
#include "model/found.h"

#include <stdlib.h>
#include <string.h>

void st_found_init(struct st_found *f, struct st_model *m)
{
	memset(f, 0, sizeof(*f));
	f->base = m->nconns;
	f->links = m->links;
	f->nlinks = m->nlinks;
	f->linkcap = m->linkcap;
	m->links = NULL;
	m->nlinks = m->linkcap = 0;
}

int st_found_add_to(struct st_found *f, struct st_model *m)
{
	uint32_t need = m->nconns + f->nconns;
	int r = 0;

	m->links = f->links;
	m->nlinks = f->nlinks;
	m->linkcap = f->linkcap;
	while (r == 0 && m->conncap < need)
		r = st_grow((void **)&m->conns, &m->conncap, need, sizeof(*m->conns), 64);
	if (r == 0 && f->nconns) {
		memcpy(m->conns + m->nconns, f->conns, (size_t)f->nconns * sizeof(*f->conns));
		m->nconns = need;
	}
	free(f->conns);
	memset(f, 0, sizeof(*f));
	return r;
}

void st_conn_blank(struct st_conn *k)
{
	memset(k, 0, sizeof(*k));
	k->sock[0] = k->sock[1] = ST_NONE;
	k->proc[0] = k->proc[1] = ST_NONE;
	k->ev[0] = k->ev[1] = ST_NONE;
}

uint32_t st_found_conn(struct st_found *f)
{
	if (st_grow((void **)&f->conns, &f->conncap, f->nconns + 1, sizeof(*f->conns), 64) < 0)
		return ST_NONE;
	st_conn_blank(&f->conns[f->nconns]);
	return f->base + f->nconns++;
}

int st_found_link(struct st_found *f, uint32_t from, uint32_t to, uint32_t conn,
		  enum st_link_kind kind, uint64_t off, uint64_t len)
{
	struct st_link *l;

	if (from == ST_NONE || to == ST_NONE)
		return 0;
	if (st_grow_big((void **)&f->links, &f->linkcap, f->nlinks + 1, sizeof(*l), 64) < 0)
		return -1;
	l = &f->links[f->nlinks++];
	l->from = from;
	l->to = to;
	l->conn = conn;
	l->kind = (uint8_t)kind;
	l->off = off;
	l->len = len;
	return 0;
}
