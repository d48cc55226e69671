/*
 * found.h: what a matcher (pair.c, flow.c, dgram.c) found: new connections
 * and links.  The builder (model.c) gives a matcher an empty st_found, the
 * matcher fills it and returns, and the builder adds what it found to the
 * model; a matcher never calls back into the builder.
 *
 * The connections are numbered as they will be in the model (from base,
 * the model's count when the matcher started), so a matcher can already
 * write them into its sockets and records (m->socks[].conn, m->ev_conn).
 * The links go after the model's own, which the builder lends the find
 * for the time the matcher runs (links are many: nothing is copied); no
 * matcher reads them.
 */
#ifndef ST_FOUND_H
#define ST_FOUND_H

#include "model/model.h"

struct st_found {
	uint32_t base;		/* the model's connections before these */
	struct st_conn *conns;	/* connection base + k at conns[k] */
	uint32_t nconns, conncap;
	struct st_link *links;	/* the model's links, then the ones found */
	uint32_t nlinks, linkcap;
};

/* An empty find for a matcher about to run on m (m's links lent to it). */
void st_found_init(struct st_found *f, struct st_model *m);
/* Gives m back its links, with the ones found, and adds the connections
 * found; the find is empty after.  0, or -1 when memory runs out. */
int st_found_add_to(struct st_found *f, struct st_model *m);
/* A connection with no ends yet: its number in the model, or ST_NONE when
 * memory runs out. */
uint32_t st_found_conn(struct st_found *f);
/* A link from record `from` to record `to` (none when either is
 * ST_NONE): 0, or -1 when memory runs out. */
int st_found_link(struct st_found *f, uint32_t from, uint32_t to, uint32_t conn,
		  enum st_link_kind kind, uint64_t off, uint64_t len);
/* A connection with no ends: nothing but ST_NONE in sock, proc, ev. */
void st_conn_blank(struct st_conn *k);

/* Connection c of the find. */
static inline struct st_conn *st_found_at(struct st_found *f, uint32_t c)
{
	return &f->conns[c - f->base];
}

#endif
