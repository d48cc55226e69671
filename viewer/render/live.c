/*
 * live.c: sockview --follow, the live view.  main.c reads what the logs
 * gained into one trace that only grows (read/tail.c) and builds the model
 * of it anew; this renderer prints, of each model, only what it has not
 * printed yet: one line per new record (its time, its process, the record
 * as the timeline words it), the arrows ending at it just above it, and
 * the arrows whose two ends had been printed before the model paired them
 * (the other end's log came later), as a line of their own.  The trace
 * only grows, so a record is new when its index is past the last model's
 * records, and an arrow is known by the indices of its ends.  Records are
 * printed in time order within a tick; one that arrives late (its
 * process's ring was copied out later) is printed when it arrives.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "render/out.h"

/* A set of 64-bit keys (never 0): open addressing, at most half full. */
struct keyset {
	uint64_t *v;
	size_t cap, n;
};

static bool set_has(const struct keyset *s, uint64_t k)
{
	size_t i;

	if (!s->cap)
		return false;
	for (i = k & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == k)
			return true;
	return false;
}

static int set_add(struct keyset *s, uint64_t k)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct keyset b = { calloc(s->cap ? s->cap * 2 : 1024, sizeof(uint64_t)),
				    s->cap ? s->cap * 2 : 1024, 0 };

		if (!b.v)
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->v[i])
				set_add(&b, s->v[i]);
		free(s->v);
		*s = b;
	}
	for (i = k & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == k)
			return 0;
	s->v[i] = k;
	s->n++;
	return 0;
}

struct st_live {
	uint32_t seen;		/* records [0, seen) were printed or left out */
	struct keyset links;	/* arrows printed */
	struct keyset procs;	/* processes announced */
};

struct st_live *st_live_new(void)
{
	return calloc(1, sizeof(struct st_live));
}

void st_live_free(struct st_live *lv)
{
	if (!lv)
		return;
	free(lv->links.v);
	free(lv->procs.v);
	free(lv);
}

/* An arrow by its ends and where its bytes start; never 0. */
static uint64_t link_key(const struct st_link *l)
{
	uint64_t h = 0xcbf29ce484222325ULL, k[3] = { l->from, l->to, l->off * 8 + l->kind };
	const unsigned char *s = (const unsigned char *)k;
	size_t i;

	for (i = 0; i < sizeof(k); i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h ? h : 1;
}

/* "  SECONDS [name pid] " */
static void put_head(struct st_out *o, const struct st_model *m, uint32_t i, bool time)
{
	const struct st_vevent *e = &m->tr->ev[i];
	char buf[32];
	struct st_out tmp = { NULL, buf, 0, sizeof(buf), false, false };
	size_t k;

	if (time)
		st_out_seconds(&tmp, e->t - m->tr->t0, 6);
	for (k = tmp.len; k < 12; k++)
		st_out_char(o, ' ');
	st_out_put(o, buf, tmp.len);
	st_out_str(o, " [");
	st_describe_proc(o, m, m->ev_proc[i], -1);
	st_out_str(o, "] ");
}

/* An arrow into record to: "<- LABEL from PROC CALL(FD)". */
static void put_link(struct st_out *o, const struct st_model *m, const struct st_link *l,
		     uint64_t skip)
{
	const struct st_vevent *e = &m->tr->ev[l->from];
	size_t n;
	const char *name = st_trace_str(m->tr, e->name, &n);

	put_head(o, m, l->to, false);
	st_out_str(o, "<- ");
	st_describe_link(o, m, l, skip);
	st_out_str(o, " from ");
	st_describe_proc(o, m, m->ev_proc[l->from], -1);
	st_out_char(o, ' ');
	st_out_bytes(o, name, n, 32);
	if (e->fd >= 0) {
		st_out_char(o, '(');
		st_out_int(o, e->fd);
		st_out_char(o, ')');
	}
	st_out_char(o, '\n');
}

int st_render_live(FILE *fp, const struct st_model *m, const struct st_render_opts *o,
		   struct st_live *lv)
{
	const struct st_trace *tr = m->tr;
	struct st_out out;
	uint32_t k, i, p, j, n;
	uint64_t skip;

	if (st_out_init(&out, fp) < 0)
		return -1;
	for (k = 0; k < tr->nev; k++) {
		const struct st_link *lk;

		i = tr->order[k];
		if (i < lv->seen || !st_filter_event(m, &o->filter, i))
			continue;
		p = m->ev_proc[i];
		if (!set_has(&lv->procs, (uint64_t)m->procs[p].pid + 1)) {
			if (set_add(&lv->procs, (uint64_t)m->procs[p].pid + 1) < 0)
				goto fail;
			st_out_str(&out, "             new process ");
			st_describe_proc(&out, m, p, -1);
			st_out_char(&out, '\n');
		}
		/* the arrows into it */
		n = st_model_links(m, i, &lk);
		for (j = 0, skip = 0; j < n; j++) {
			if (set_add(&lv->links, link_key(&lk[j])) < 0)
				goto fail;
			put_link(&out, m, &lk[j], skip);
			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
		}
		put_head(&out, m, i, true);
		st_describe_event(&out, m, i, ST_WHOLE);
		st_out_char(&out, '\n');
	}
	/* Arrows paired only now, into records printed before. */
	for (j = 0; j < m->nlinks; j++) {
		const struct st_link *l = &m->links[j];
		uint64_t key = link_key(l);

		if (l->to >= lv->seen || set_has(&lv->links, key) ||
		    !st_filter_event(m, &o->filter, l->to))
			continue;
		if (set_add(&lv->links, key) < 0)
			goto fail;
		put_link(&out, m, l, 0);
	}
	lv->seen = tr->nev;
	return st_out_finish(&out);
fail:
	st_out_finish(&out);
	return -1;
}
