/*
 * jsonl.c: sockview --jsonl, every record of the run as the JSON Lines of
 * docs/log-format.md, as the library logged them: each log's header line,
 * its call records, its stop line when it has one, the records of all logs
 * merged in time order (a header before the first record after it, a stop
 * line after its log's last record).  The lines are the logs' own (a
 * binary log's as decoded, common/binlog.c), so none is added, changed or
 * repeated; lines the reader had to skip are counted on stderr as usual.
 * The filters pick records; a header or stop line goes with its log's
 * records, and with none shown, only when no filter is set.
 *
 * Reads only the model (and its trace); the model's connection and socket
 * tables are needed only by --conn and --port, and main.c builds them only
 * then (filter.h).
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/out.h"

/* Output between two releases of the logs' pages already passed. */
#define RELEASE_EVERY ((size_t)32 << 20)

enum { H_HIDE, H_SHOW, H_DONE };

struct jl {
	const struct st_trace *tr;
	struct st_out out;
	uint32_t *hord;		/* header indices by time */
	uint32_t nexth;		/* the next of hord to print */
	uint8_t *hstate;	/* per header: H_HIDE, H_SHOW, H_DONE */
	uint32_t *last;		/* per file: order position of its last record
				 * shown, UINT32_MAX: none */
	uint64_t *upto;		/* per file: the furthest line offset passed */
	size_t since;		/* bytes out since the last release */
	bool all;		/* no filter */
};

static int cmp_hdr(const void *a, const void *b, void *arg)
{
	const struct st_header *h = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (h[x].t != h[y].t)
		return h[x].t < h[y].t ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void put_line(struct jl *j, const char *p, size_t n)
{
	st_out_put(&j->out, p, n);
	st_out_char(&j->out, '\n');
	j->since += n + 1;
}

static void put_header(struct jl *j, uint32_t h)
{
	const char *p;
	size_t n;

	if (j->hstate[h] == H_DONE)
		return;
	j->hstate[h] = H_DONE;
	p = st_trace_header_line(j->tr, h, &n);
	if (n)
		put_line(j, p, n);
}

/* The headers due before a record at time t (all of them: t INT64_MAX):
 * those of no record shown, when every line is (the others come before
 * their first record, whose call may have begun before the log was
 * made). */
static void put_headers(struct jl *j, int64_t t)
{
	while (j->nexth < j->tr->nhdr && j->tr->hdr[j->hord[j->nexth]].t <= t) {
		uint32_t h = j->hord[j->nexth++];

		if (j->all || j->hstate[h] == H_SHOW)
			put_header(j, h);
	}
}

static void put_stop(struct jl *j, uint32_t fi)
{
	const struct st_file *f = &j->tr->files[fi];

	if (f->stop_len && f->stop_line <= f->size && f->size - f->stop_line >= f->stop_len)
		put_line(j, f->map + f->stop_line, f->stop_len);
}

/* Gives back the pages of the logs' mappings behind what was printed
 * (a record read again later is faulted in again from the file). */
static void release(struct jl *j)
{
	uint32_t fi;

	for (fi = 0; fi < j->tr->nfiles; fi++)
		st_trace_release(j->tr, (uint16_t)fi, j->upto[fi]);
	j->since = 0;
}

int st_render_jsonl(FILE *fp, const struct st_model *m, const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct jl j;
	uint32_t k, i, fi;
	int r = -1;

	memset(&j, 0, sizeof(j));
	j.tr = tr;
	j.all = st_filter_none(&o->filter);
	j.hord = malloc(((size_t)tr->nhdr + 1) * sizeof(*j.hord));
	j.hstate = calloc((size_t)tr->nhdr + 1, sizeof(*j.hstate));
	j.last = malloc(((size_t)tr->nfiles + 1) * sizeof(*j.last));
	j.upto = calloc((size_t)tr->nfiles + 1, sizeof(*j.upto));
	if (!j.hord || !j.hstate || !j.last || !j.upto || st_out_init(&j.out, fp) < 0)
		goto out;
	for (i = 0; i < tr->nhdr; i++)
		j.hord[i] = i;
	qsort_r(j.hord, tr->nhdr, sizeof(*j.hord), cmp_hdr, tr->hdr);
	for (fi = 0; fi < tr->nfiles; fi++)
		j.last[fi] = UINT32_MAX;
	/* Which headers and stop lines go with a record shown. */
	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e = &tr->ev[i = tr->order[k]];

		if (!st_filter_event(m, &o->filter, i))
			continue;
		if (e->hdr != UINT32_MAX)
			j.hstate[e->hdr] = H_SHOW;
		j.last[e->file] = k;
	}
	for (k = 0; k < tr->nev; k++) {
		const struct st_vevent *e = &tr->ev[i = tr->order[k]];
		const char *p;
		size_t n;

		if (!st_filter_event(m, &o->filter, i))
			continue;
		put_headers(&j, e->t);
		if (e->hdr != UINT32_MAX)
			put_header(&j, e->hdr);
		p = st_trace_line(tr, i, &n);
		put_line(&j, p, n);
		if (e->line > j.upto[e->file])
			j.upto[e->file] = e->line;
		if (j.last[e->file] == k)
			put_stop(&j, e->file);
		if (j.since >= RELEASE_EVERY)
			release(&j);
	}
	put_headers(&j, INT64_MAX);
	/* Stop lines of logs with no record shown. */
	for (fi = 0; fi < tr->nfiles && j.all; fi++)
		if (j.last[fi] == UINT32_MAX)
			put_stop(&j, fi);
	r = st_out_finish(&j.out);
out:
	free(j.hord);
	free(j.hstate);
	free(j.last);
	free(j.upto);
	return r;
}
