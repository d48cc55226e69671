/*
 * live.c: sockview --follow, the live view.  main.c reads the logs again
 * every tick and builds the model anew; this renderer prints, of each
 * model, only what it has not printed yet: one line per new record (its
 * time, its process, the record as the timeline words it), the arrows
 * ending at it just above it, and the arrows whose two ends had been
 * printed before the model paired them (the other end's log came later),
 * as a line of their own.  A record is known by its log, thread, place,
 * call, fd and result (rec_key: the same in a binary log and in the .jsonl
 * the launcher makes of it), so a log that is converted, or read again
 * with more in it, prints nothing twice.  Records are printed in time order within a tick;
 * one that arrives late (its process's ring was copied out later) is
 * printed when it arrives.
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
	struct keyset recs;	/* records printed */
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
	free(lv->recs.v);
	free(lv->links.v);
	free(lv->procs.v);
	free(lv);
}

/* FNV-1a over bytes, then mixed; never 0. */
static uint64_t hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h ? h : 1;
}

/*
 * A call is known by its log (the hash of its header line, a TEXT frame
 * as the library wrote it), its thread, its place among that thread's
 * records in that log, its call, fd and result: not by its times, which a
 * binary log of the TSC clock gives better the more of it there is to read,
 * nor by its five-tuple keys, which a torn log's TUPLE frame may bring
 * only later.  A thread writes its records one after the other, so its
 * k-th is the same at every read.  seq[i] is record i's place (read order
 * is log order).
 */
static uint64_t rec_key(const struct st_model *m, const uint32_t *seq, uint32_t i)
{
	const struct st_vevent *e = &m->tr->ev[i];
	int64_t k[4] = { e->tid, seq[i], e->ret, e->fd };
	size_t n, hn = 0;
	const char *name = st_trace_str(m->tr, e->name, &n);
	const char *hl = e->hdr != UINT32_MAX ? st_trace_header_line(m->tr, e->hdr, &hn) : "";

	return hash(hash(hash(0xcbf29ce484222325ULL ^ (uint64_t)e->pid, hl, hn), k, sizeof(k)),
		    name, n);
}

/* Each record's place among its log's thread's records (rec_key). */
static uint32_t *thread_seq(const struct st_model *m)
{
	const struct st_trace *tr = m->tr;
	uint32_t *seq = malloc(((size_t)tr->nev + 1) * sizeof(*seq)), i;
	struct keyset heads = { 0 };
	uint32_t *count;
	size_t cap;

	if (!seq)
		return NULL;
	/* (log, thread) -> slot of a table as big as the records */
	for (cap = 1024; cap < (size_t)tr->nev * 2 + 2; cap *= 2)
		;
	heads.v = calloc(cap, sizeof(uint64_t));
	count = calloc(cap, sizeof(*count));
	heads.cap = cap;
	if (!heads.v || !count) {
		free(heads.v);
		free(count);
		free(seq);
		return NULL;
	}
	for (i = 0; i < tr->nev; i++) {
		const struct st_vevent *e = &tr->ev[i];
		uint64_t k = hash(0x9e3779b97f4a7c15ULL, &e->hdr, sizeof(e->hdr));
		size_t j;

		k = hash(k, &e->tid, sizeof(e->tid));
		k = hash(k, &e->pid, sizeof(e->pid));
		for (j = k & (cap - 1); heads.v[j] && heads.v[j] != k; j = (j + 1) & (cap - 1))
			;
		heads.v[j] = k;
		seq[i] = count[j]++;
	}
	free(heads.v);
	free(count);
	return seq;
}

static uint64_t link_key(const struct st_model *m, const uint32_t *seq, const struct st_link *l)
{
	uint64_t k[3] = { rec_key(m, seq, l->from), rec_key(m, seq, l->to),
			  l->off * 8 + l->kind };

	return hash(0x84222325cbf29ce4ULL, k, sizeof(k));
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
	uint32_t k, i, p, j, n, *seq = thread_seq(m);
	uint64_t skip;

	if (!seq || st_out_init(&out, fp) < 0) {
		free(seq);
		return -1;
	}
	for (k = 0; k < tr->nev; k++) {
		const struct st_link *lk;
		uint64_t key;

		i = tr->order[k];
		if (!st_filter_event(m, &o->filter, i) || set_has(&lv->recs, key = rec_key(m, seq, i)))
			continue;
		p = m->ev_proc[i];
		if (!set_has(&lv->procs, (uint64_t)m->procs[p].pid + 1)) {
			if (set_add(&lv->procs, (uint64_t)m->procs[p].pid + 1) < 0)
				goto fail;
			st_out_str(&out, "             new process ");
			st_describe_proc(&out, m, p, -1);
			st_out_char(&out, '\n');
		}
		/* the arrows into it whose source is printed (or comes now) */
		n = st_model_links(m, i, &lk);
		for (j = 0, skip = 0; j < n; j++) {
			if (set_add(&lv->links, link_key(m, seq, &lk[j])) < 0)
				goto fail;
			put_link(&out, m, &lk[j], skip);
			if (st_link_takes(&lk[j]))
				skip += lk[j].len;
		}
		put_head(&out, m, i, true);
		st_describe_event(&out, m, i, ST_WHOLE);
		st_out_char(&out, '\n');
		if (set_add(&lv->recs, key) < 0)
			goto fail;
	}
	/* Arrows paired only now, both ends printed before. */
	for (j = 0; j < m->nlinks; j++) {
		const struct st_link *l = &m->links[j];
		uint64_t key = link_key(m, seq, l);

		if (set_has(&lv->links, key) || !set_has(&lv->recs, rec_key(m, seq, l->to)))
			continue;
		if (set_add(&lv->links, key) < 0)
			goto fail;
		put_link(&out, m, l, 0);
	}
	free(seq);
	return st_out_finish(&out);
fail:
	free(seq);
	st_out_finish(&out);
	return -1;
}
