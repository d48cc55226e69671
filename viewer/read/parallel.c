/*
 * parallel.c: parsing the added files, on two threads when there is much
 * to read.  The bytes of all files, in order, are cut in two halves at a
 * line boundary; the calling thread parses the first half into the trace,
 * a second thread the other half into a trace of its own (own strings),
 * which is then merged: its strings interned again, its ids, snippet
 * offsets and header indices shifted, so the result is what one thread
 * would have made, in the same order.  Records of the second half that
 * precede its first header of the file cut in two belong to the header the
 * first half saw last.
 *
 * Nothing is copied: a million records are a hundred megabytes, and every
 * fresh page written costs a fault.  The space of both halves' records (and
 * of their snippets) is laid out at once, for the most each half can hold;
 * the second half fills its part forward from the cut, the first half its
 * part backward from the cut down, so the two meet with no gap, and the
 * merge only reverses the first half's records in place and fixes the
 * second half's, on two threads.
 */
#include "read/trace.h"

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

/* Joining the halves' records where they lie: the first half's, laid
 * down from the end of its space, are put in order (and their snippet
 * distances made offsets); the second half's get the trace's string ids,
 * snippet offsets and header indices. */
struct halves_join {
	struct st_vevent *ev;	/* the first half's records, then the second's */
	uint32_t na, nb;
	uint32_t sa;		/* the first half's snippet bytes */
	const uint32_t *ids;	/* the second half's string id -> the trace's */
	uint32_t hbase;
	uint32_t from;		/* the second half's records to do: [from, nb) */
};

/* Fewer records than this are joined on one thread (a fuzz build may set
 * a small one, like PARALLEL_MIN). */
#ifndef COPY_MIN
#define COPY_MIN 65536
#endif

static void fix_first(struct st_vevent *e, uint32_t sa)
{
	if (e->snip_len)
		e->snip = sa - e->snip;
}

/* The first half: reversed, in place. */
static void *order_first(void *arg)
{
	const struct halves_join *j = arg;
	struct st_vevent *ev = j->ev, t;
	uint32_t i, k;

	for (i = 0, k = j->na; i + 1 < k; i++, k--) {
		t = ev[i];
		ev[i] = ev[k - 1];
		ev[k - 1] = t;
		fix_first(&ev[i], j->sa);
		fix_first(&ev[k - 1], j->sa);
	}
	if (i + 1 == k)
		fix_first(&ev[i], j->sa);
	return NULL;
}

/* Second half record e in the trace's terms. */
static void fix_second(const struct halves_join *j, struct st_vevent *e)
{
	const uint32_t *ids = j->ids;

	e->name = ids[e->name];
	e->local = ids[e->local];
	e->peer = ids[e->peer];
	e->addr = ids[e->addr];
	e->err = ids[e->err];
	e->flags = ids[e->flags];
	e->detail = ids[e->detail];
	if (e->snip_len && (uint64_t)j->sa + e->snip > UINT32_MAX)
		e->snip_len = 0;
	else
		e->snip += j->sa;
	if (e->hdr != UINT32_MAX)
		e->hdr += j->hbase;
}

static void fix_seconds(const struct halves_join *j)
{
	struct st_vevent *ev = j->ev + j->na;
	uint32_t i;

	for (i = j->from; i < j->nb; i++)
		fix_second(j, &ev[i]);
}

/* Joins the second half's trace part to tr, whose own records are the
 * first half's (laid down backward); both halves' records and snippets
 * lie next to each other already. */
static int merge(struct st_trace *tr, struct st_trace *part, uint16_t cut_file)
{
	uint32_t *ids, i, hbase = tr->nhdr, last_hdr = UINT32_MAX;
	struct halves_join j;
	pthread_t th;
	bool threaded = false;

	/* The first half's records and snippets from their first. */
	tr->ev -= tr->nev;
	tr->evcap = tr->nev + part->evcap;
	tr->snips -= tr->nsnips;
	tr->snipcap = tr->nsnips + part->snipcap;
	tr->backward = false;
	j.ev = tr->ev;
	j.na = tr->nev;
	j.nb = part->nev;
	j.sa = (uint32_t)tr->nsnips;
	j.hbase = hbase;
	j.ids = NULL;
	/* Put in order on a thread of its own while the strings are
	 * interned and the second half done here. */
	if (j.na >= COPY_MIN && pthread_create(&th, NULL, order_first, &j) == 0)
		threaded = true;
	else
		order_first(&j);

	if (!(ids = malloc(((size_t)part->str.count + 1) * sizeof(*ids))))
		goto fail;
	ids[0] = 0;
	for (i = 1; i < part->str.count; i++) {
		size_t n;
		const char *s = st_strtab_get(&part->str, i, &n);

		if (!(ids[i] = st_strtab_intern(&tr->str, s, n)) && n)
			goto fail;
	}
	j.ids = ids;
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
	/* Records.  The leading ones of the cut file that have no header yet
	 * take the first half's last one (a short run, unless the file has
	 * no header at all). */
	for (j.from = 0; j.from < part->nev; j.from++) {
		struct st_vevent *e = &tr->ev[tr->nev + j.from];

		if (e->file != cut_file || e->hdr != UINT32_MAX)
			break;
		fix_second(&j, e);
		if (last_hdr != UINT32_MAX && tr->hdr[last_hdr].pid == e->pid)
			e->hdr = last_hdr;
	}
	fix_seconds(&j);
	if (threaded)
		pthread_join(th, NULL);
	tr->nev += part->nev;
	tr->nsnips += part->nsnips;
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
	if (threaded)
		pthread_join(th, NULL);
	free(ids);
	return -1;
}

/* Parses the pending files on this thread (reserving room for the most
 * they can hold first: a reservation that fails only means growing on the
 * way). */
static void parse_serial(struct st_trace *tr, size_t total)
{
	uint32_t fi;

	st_trace_reserve(tr, total / ST_MIN_RECORD + 1, total);
	for (fi = tr->nparsed; fi < tr->nfiles; fi++)
		st_trace_parse_range(tr, (uint16_t)fi, 0, tr->files[fi].size, 1);
	tr->nparsed = tr->nfiles;
	st_trace_trim(tr);
}

/*
 * Lays out the space of the two halves, [size_a] and [size_b] bytes of log:
 * one mapping of records and one of snippets, each as big as the halves can
 * fill; the first half's part ends where the second half's begins, and is
 * filled from its end down (tr->backward).  False when the trace holds
 * records already (a second parse: its records would have to move) or the
 * space cannot be had.
 */
static bool lay_out_halves(struct st_trace *tr, struct st_trace *part,
			   size_t size_a, size_t size_b)
{
	uint64_t cap_a = size_a / ST_MIN_RECORD + 1, cap_b = size_b / ST_MIN_RECORD + 1;

	if (tr->nev || tr->nsnips || tr->ev_mem.base || tr->snip_mem.base ||
	    cap_a + cap_b > UINT32_MAX || cap_a + cap_b > SIZE_MAX / sizeof(*tr->ev))
		return false;
	if (st_vmem_reserve(&tr->ev_mem, (size_t)(cap_a + cap_b) * sizeof(*tr->ev)) < 0)
		return false;
	if (st_vmem_reserve(&tr->snip_mem, size_a + size_b + 1) < 0) {
		st_vmem_free(&tr->ev_mem);
		return false;
	}
	tr->ev = (struct st_vevent *)tr->ev_mem.base + cap_a;
	tr->evcap = (uint32_t)cap_a;
	tr->snips = (unsigned char *)tr->snip_mem.base + size_a;
	tr->snipcap = size_a;
	tr->backward = true;
	part->ev = tr->ev;
	part->evcap = (uint32_t)cap_b;
	part->snips = tr->snips;
	part->snipcap = size_b;
	return true;
}

int st_trace_parse_pending(struct st_trace *tr)
{
	struct half a, b;
	struct st_trace part;
	pthread_t th;
	size_t total = 0, half, acc = 0;
	uint32_t fi;
	int r;

	if (tr->nparsed == tr->nfiles)
		return 0;	/* nothing added (a trace read a line at a time, read/tail.c) */
	for (fi = tr->nparsed; fi < tr->nfiles; fi++)
		total += tr->files[fi].size;
	if (total < PARALLEL_MIN) {
		parse_serial(tr, total);
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
	st_trace_init(&part);
	if (!lay_out_halves(tr, &part, acc + b.off, total - acc - b.off)) {
		parse_serial(tr, total);
		return 0;
	}
	a.tr = tr;
	a.file = (uint16_t)tr->nparsed;
	a.off = 0;
	a.end_file = b.file;
	a.end_off = b.off;
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
	st_trace_trim(tr);
	return r;
}
