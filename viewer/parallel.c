/*
 * parallel.c: parsing the added files, on two threads when there is much
 * to read.  The bytes of all files, in order, are cut in two halves at a
 * line boundary; the calling thread parses the first half into the trace,
 * a second thread the other half into a trace of its own (own strings,
 * records, snippets), which is then merged: its strings interned again, its
 * ids, snippet offsets and header indices shifted, so the result is what
 * one thread would have made, in the same order.  Records of the second
 * half that precede its first header of the file cut in two belong to the
 * header the first half saw last.  The copy of the second half's records,
 * the one serial step of a big parse, runs on two threads as well.
 */
#include "trace.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Less than this is parsed on one thread (the fuzz harness builds with a
 * small one, so that the split and merge see hostile input too). */
#ifndef PARALLEL_MIN
#define PARALLEL_MIN ((size_t)16 << 20)
#endif

struct half {
	struct st_trace *tr;
	uint16_t file;		/* where the half starts */
	size_t off;
	uint16_t end_file;	/* where it ends (exclusive file, or file+off) */
	size_t end_off;
};

static void parse_half(const struct half *h)
{
	uint32_t fi;

	for (fi = h->file; fi < h->tr->nfiles && fi <= h->end_file; fi++) {
		size_t from = fi == h->file ? h->off : 0;
		size_t to = fi == h->end_file ? h->end_off : h->tr->files[fi].size;

		if (to > from || (fi == h->file && from == 0 && to == 0))
			st_trace_parse_range(h->tr, (uint16_t)fi, from, to, 1);
	}
}

static void *run_half(void *arg)
{
	parse_half(arg);
	return NULL;
}

/* The line number of byte off of a file. */
static uint64_t line_of(const struct st_file *f, size_t off)
{
	const char *p = f->map, *end = f->map + off;
	uint64_t n = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* Records of the second half copied into the trace, strings, snippets and
 * headers shifted: [from, to) of src to the same places of dst. */
struct copy {
	struct st_event *dst;
	const struct st_event *src;
	const uint32_t *ids;	/* the half's string id -> the trace's */
	size_t snip_base;
	uint32_t hbase;
	uint32_t from, to;
};

/* Fewer records than this are copied on one thread (a fuzz build may set
 * a small one, like PARALLEL_MIN). */
#ifndef COPY_MIN
#define COPY_MIN 65536
#endif

static void copy_events(const struct copy *c, uint32_t from, uint32_t to)
{
	const uint32_t *ids = c->ids;
	uint32_t i;

	for (i = from; i < to; i++) {
		struct st_event *e = &c->dst[i];

		*e = c->src[i];
		e->name = ids[e->name];
		e->local = ids[e->local];
		e->peer = ids[e->peer];
		e->addr = ids[e->addr];
		e->err = ids[e->err];
		e->flags = ids[e->flags];
		e->detail = ids[e->detail];
		if (e->snip_len && c->snip_base + e->snip > UINT32_MAX)
			e->snip_len = 0;
		else
			e->snip += (uint32_t)c->snip_base;
		if (e->hdr != UINT32_MAX)
			e->hdr += c->hbase;
	}
}

static void *run_copy(void *arg)
{
	const struct copy *c = arg;

	copy_events(c, c->from, c->to);
	return NULL;
}

static int merge(struct st_trace *tr, struct st_trace *part, uint16_t cut_file)
{
	uint32_t *ids, i, hbase = tr->nhdr, last_hdr = UINT32_MAX;
	size_t snip_base = tr->nsnips;

	if (!(ids = malloc(((size_t)part->str.count + 1) * sizeof(*ids))))
		return -1;
	ids[0] = 0;
	for (i = 1; i < part->str.count; i++) {
		size_t n;
		const char *s = st_strtab_get(&part->str, i, &n);

		if (!(ids[i] = st_strtab_intern(&tr->str, s, n)) && n) {
			free(ids);
			return -1;
		}
	}
	/* Snippets. */
	if (part->nsnips) {
		if (tr->nsnips + part->nsnips > tr->snipcap) {
			unsigned char *p = realloc(tr->snips, tr->nsnips + part->nsnips);

			if (!p)
				goto fail;
			tr->snips = p;
			tr->snipcap = tr->nsnips + part->nsnips;
		}
		memcpy(tr->snips + tr->nsnips, part->snips, part->nsnips);
		tr->nsnips += part->nsnips;
	}
	/* Headers. */
	for (i = tr->nhdr; i > 0; i--)
		if (tr->hdr[i - 1].file == cut_file) {
			last_hdr = i - 1;
			break;
		}
	if (part->nhdr) {
		struct st_header *h = realloc(tr->hdr, (size_t)(tr->nhdr + part->nhdr) * sizeof(*h));

		if (!h)
			goto fail;
		tr->hdr = h;
		tr->hdrcap = tr->nhdr + part->nhdr;
		for (i = 0; i < part->nhdr; i++) {
			h[tr->nhdr + i] = part->hdr[i];
			h[tr->nhdr + i].name = ids[part->hdr[i].name];
			h[tr->nhdr + i].exe = ids[part->hdr[i].exe];
			h[tr->nhdr + i].first_event += tr->nev;
		}
		tr->nhdr += part->nhdr;
	}
	/* Records. */
	if (part->nev) {
		struct st_event *ev = realloc(tr->ev, (size_t)(tr->nev + part->nev) * sizeof(*ev));
		struct copy lo, hi;
		pthread_t th;
		uint32_t first;

		if (!ev)
			goto fail;
		tr->ev = ev;
		tr->evcap = tr->nev + part->nev;
		lo.dst = ev + tr->nev;
		lo.src = part->ev;
		lo.ids = ids;
		lo.snip_base = snip_base;
		lo.hbase = hbase;
		/* The leading records of the cut file that have no header yet
		 * take the first half's last one: copied here, one by one (a
		 * short run, unless the file has no header at all). */
		for (first = 0; first < part->nev; first++) {
			const struct st_event *e = &part->ev[first];

			if (e->file != cut_file || e->hdr != UINT32_MAX)
				break;
			copy_events(&lo, first, first + 1);
			if (last_hdr != UINT32_MAX && tr->hdr[last_hdr].pid == e->pid)
				lo.dst[first].hdr = last_hdr;
		}
		/* The rest is half a million records and more on a big run: the
		 * serial part of parsing, so it is copied on two threads too. */
		hi = lo;
		lo.from = first;
		lo.to = hi.from = first + (part->nev - first) / 2;
		hi.to = part->nev;
		if (hi.to - hi.from < COPY_MIN || pthread_create(&th, NULL, run_copy, &hi) != 0) {
			copy_events(&lo, lo.from, hi.to);
		} else {
			copy_events(&lo, lo.from, lo.to);
			pthread_join(th, NULL);
		}
		tr->nev += part->nev;
	}
	if (part->skipped) {
		if (!tr->skipped) {
			tr->skip_file = part->skip_file;
			tr->skip_line = part->skip_line;
		}
		tr->skipped += part->skipped;
	}
	if (part->newest_version > tr->newest_version)
		tr->newest_version = part->newest_version;
	free(ids);
	return 0;
fail:
	free(ids);
	return -1;
}

int st_trace_parse_pending(struct st_trace *tr)
{
	struct half a, b;
	struct st_trace part;
	pthread_t th;
	size_t total = 0, half, acc = 0;
	uint32_t fi;
	int r;

	for (fi = tr->nparsed; fi < tr->nfiles; fi++)
		total += tr->files[fi].size;
	if (total < PARALLEL_MIN) {
		for (fi = tr->nparsed; fi < tr->nfiles; fi++)
			st_trace_parse_range(tr, (uint16_t)fi, 0, tr->files[fi].size, 1);
		tr->nparsed = tr->nfiles;
		return 0;
	}
	/* The cut: the first line boundary after half of the bytes. */
	half = total / 2;
	for (fi = tr->nparsed; fi < tr->nfiles && acc + tr->files[fi].size <= half; fi++)
		acc += tr->files[fi].size;
	b.file = (uint16_t)fi;
	b.off = half - acc;
	{
		const struct st_file *f = &tr->files[fi];
		const char *nl = memchr(f->map + b.off, '\n', f->size - b.off);

		b.off = nl ? (size_t)(nl + 1 - f->map) : f->size;
	}
	a.tr = tr;
	a.file = (uint16_t)tr->nparsed;
	a.off = 0;
	a.end_file = b.file;
	a.end_off = b.off;
	st_trace_init(&part);
	part.files = tr->files;
	part.nfiles = tr->nfiles;
	b.tr = &part;
	b.end_file = (uint16_t)(tr->nfiles - 1);
	b.end_off = tr->files[tr->nfiles - 1].size;
	if (pthread_create(&th, NULL, run_half, &b) != 0) {
		/* One thread after all. */
		parse_half(&a);
		parse_half(&b);
	} else {
		parse_half(&a);
		pthread_join(th, NULL);
	}
	if (part.skipped && part.skip_file == b.file && b.off)
		part.skip_line += line_of(&tr->files[b.file], b.off) - 1;
	r = merge(tr, &part, b.file);
	part.files = NULL;
	part.nfiles = 0;
	st_trace_free(&part);
	tr->nparsed = tr->nfiles;
	return r;
}
