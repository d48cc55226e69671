/*
 * layout.c: lanes and rows (render.h).  Lanes are the processes (or
 * threads) that have a visible record, in order of their first appearance;
 * rows are sorted by time with the radix sort, start rows before end rows
 * at the same instant.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/describe.h"
#include "read/sort.h"

void st_layout_free(struct st_layout *l)
{
	free(l->lane_proc);
	free(l->lane_tid);
	free(l->lane_first);
	free(l->lane_last);
	st_big_free(l->ev_lane);
	st_big_free(l->rows);
	memset(l, 0, sizeof(*l));
}

/* The id of record i's thread: its (process, tid) pair interned. */
static uint32_t thread_key(struct st_strtab *threads, const struct st_model *m,
			   uint32_t i)
{
	uint32_t pair[2] = { m->ev_proc[i], (uint32_t)m->tr->ev[i].tid };

	return st_strtab_intern(threads, pair, sizeof(pair));
}

/* Lanes in order of first appearance: processes by their first time, then
 * (in thread mode) threads by their first record. */
static int assign_lanes(struct st_layout *l, const struct st_model *m,
			const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct st_idmap seen = { 0 };	/* thread mode: thread id -> lane */
	struct st_strtab threads;	/* (process, tid) pairs, interned */
	uint32_t *proc_lane = NULL, k, i, p, lane, cap = 0;
	uint64_t *keys = NULL;
	uint32_t *idx = NULL;
	int r = -1;

	st_strtab_init(&threads);
	proc_lane = malloc((m->nprocs + 1) * sizeof(*proc_lane));
	keys = malloc((m->nprocs + 1) * sizeof(*keys));
	idx = malloc((m->nprocs + 1) * sizeof(*idx));
	if (!proc_lane || !keys || !idx)
		goto out;
	for (p = 0; p < m->nprocs; p++)
		proc_lane[p] = ST_NONE;
	/* Which processes have a visible record, and the lane of each. */
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		l->ev_lane[i] = ST_NONE;
		if (st_filter_event(m, &o->filter, i))
			proc_lane[m->ev_proc[i]] = 0;
	}
	for (p = 0; p < m->nprocs; p++) {
		idx[p] = p;
		keys[p] = (uint64_t)(m->procs[p].t_first - tr->t0 + ((int64_t)1 << 62));
	}
	if (st_sort_by_key(keys, idx, m->nprocs) < 0)
		goto out;
	for (k = 0; k < m->nprocs; k++) {
		p = idx[k];
		if (proc_lane[p] == ST_NONE || o->threads)
			continue;
		proc_lane[p] = l->nlanes++;
	}
	if (!o->threads) {
		l->lane_proc = malloc((l->nlanes + 1) * sizeof(*l->lane_proc));
		l->lane_tid = malloc((l->nlanes + 1) * sizeof(*l->lane_tid));
		if (!l->lane_proc || !l->lane_tid)
			goto out;
		for (p = 0; p < m->nprocs; p++)
			if (proc_lane[p] != ST_NONE) {
				l->lane_proc[proc_lane[p]] = p;
				l->lane_tid[proc_lane[p]] = -1;
			}
		for (k = 0; k < tr->nev; k++) {
			i = tr->order[k];
			if (st_filter_event(m, &o->filter, i))
				l->ev_lane[i] = proc_lane[m->ev_proc[i]];
		}
		r = 0;
		goto out;
	}
	/* Thread mode: lanes by process order, then first record. */
	for (k = 0; k < m->nprocs; k++) {
		p = idx[k];
		proc_lane[p] = k;	/* process rank */
	}
	{
		uint64_t *tk = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*tk));
		uint32_t *ti = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*ti)), n = 0;

		if (!tk || !ti) {
			st_big_free(tk);
			st_big_free(ti);
			goto out;
		}
		/* The first visible record of each thread, ranked by process. */
		for (k = 0; k < tr->nev; k++) {
			i = tr->order[k];
			if (!st_filter_event(m, &o->filter, i))
				continue;
			if (st_idmap_get(&seen, thread_key(&threads, m, i), &lane))
				continue;
			if (st_idmap_put(&seen, thread_key(&threads, m, i), n) < 0) {
				st_big_free(tk);
				st_big_free(ti);
				goto out;
			}
			tk[n] = (uint64_t)proc_lane[m->ev_proc[i]] << 32 | n;
			ti[n++] = i;
		}
		if (st_sort_by_key(tk, ti, n) < 0) {
			st_big_free(tk);
			st_big_free(ti);
			goto out;
		}
		cap = n + 1;
		l->lane_proc = malloc(cap * sizeof(*l->lane_proc));
		l->lane_tid = malloc(cap * sizeof(*l->lane_tid));
		if (!l->lane_proc || !l->lane_tid) {
			st_big_free(tk);
			st_big_free(ti);
			goto out;
		}
		for (k = 0; k < n; k++) {
			i = ti[k];
			l->lane_proc[k] = m->ev_proc[i];
			l->lane_tid[k] = tr->ev[i].tid;
			st_idmap_put(&seen, thread_key(&threads, m, i), k);
		}
		l->nlanes = n;
		st_big_free(tk);
		st_big_free(ti);
		for (k = 0; k < tr->nev; k++) {
			i = tr->order[k];
			if (st_filter_event(m, &o->filter, i) &&
			    st_idmap_get(&seen, thread_key(&threads, m, i), &lane))
				l->ev_lane[i] = lane;
		}
	}
	r = 0;
out:
	st_idmap_free(&seen);
	st_strtab_free(&threads);
	free(proc_lane);
	free(keys);
	free(idx);
	return r;
}

int st_layout_build(struct st_layout *l, const struct st_model *m,
		    const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	uint64_t *keys = NULL;
	uint32_t *idx = NULL, k, i, n = 0;
	int r = -1;

	memset(l, 0, sizeof(*l));
	if (!(l->ev_lane = st_big_alloc(((size_t)tr->nev + 1) * sizeof(*l->ev_lane))))
		return -1;
	if (assign_lanes(l, m, o) < 0)
		goto out;
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		if (l->ev_lane[i] != ST_NONE)
			n += st_event_blocks(&tr->ev[i]) ? 2 : 1;
	}
	keys = st_big_alloc(((size_t)n + 1) * sizeof(*keys));
	idx = st_big_alloc(((size_t)n + 1) * sizeof(*idx));
	l->rows = st_big_alloc(((size_t)n + 1) * sizeof(*l->rows));
	l->lane_first = malloc(((size_t)l->nlanes + 1) * sizeof(*l->lane_first));
	l->lane_last = malloc(((size_t)l->nlanes + 1) * sizeof(*l->lane_last));
	if (!keys || !idx || !l->rows || !l->lane_first || !l->lane_last)
		goto out;
	/* Each row is sorted as its time * 2, + 1 unless it is a start row
	 * (so start rows go first at the same instant), with its record:
	 * the two make the row again (a record that blocks has a start row
	 * and an end row, any other a whole row). */
	n = 0;
	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e;

		i = tr->order[k];
		if (l->ev_lane[i] == ST_NONE)
			continue;
		e = &tr->ev[i];
		if (st_event_blocks(e)) {
			keys[n] = (uint64_t)st_event_row_time(tr, e, ST_START) * 2;
			idx[n++] = i;
			keys[n] = (uint64_t)st_event_row_time(tr, e, ST_END) * 2 + 1;
			idx[n++] = i;
		} else {
			keys[n] = (uint64_t)st_event_row_time(tr, e, ST_WHOLE) * 2 + 1;
			idx[n++] = i;
		}
	}
	if (st_sort_by_key(keys, idx, n) < 0)
		goto out;
	for (k = 0; k < n; k++) {
		struct st_row *row = &l->rows[k];

		row->t = (int64_t)(keys[k] >> 1);
		row->ev = idx[k];
		row->part = !(keys[k] & 1) ? ST_START :
			    st_event_blocks(&tr->ev[idx[k]]) ? ST_END : ST_WHOLE;
	}
	l->nrows = n;
	for (k = 0; k < l->nlanes; k++)
		l->lane_first[k] = l->lane_last[k] = ST_NONE;
	for (k = 0; k < n; k++) {
		uint32_t lane = l->ev_lane[l->rows[k].ev];

		if (l->lane_first[lane] == ST_NONE)
			l->lane_first[lane] = k;
		l->lane_last[lane] = k;
	}
	r = 0;
out:
	st_big_free(keys);
	st_big_free(idx);
	if (r < 0)
		st_layout_free(l);
	return r;
}
