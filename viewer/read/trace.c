/*
 * trace.c: the trace container (trace.h): its records, headers, strings,
 * snippets and files, the room they take, and what was skipped or noted on
 * the way.  The readers fill it: input.c adds files and sorts, parallel.c
 * and lines.c parse them, parse.c turns each line into a record; this file
 * calls none of them.
 */
#include "read/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void st_trace_init(struct st_trace *tr)
{
	memset(tr, 0, sizeof(*tr));
	st_strtab_init(&tr->str);
	tr->cur_hdr = UINT32_MAX;
}

int st_trace_new_file(struct st_trace *tr, const char *path)
{
	struct st_file *files, *f;
	const char *slash;
	char *copy;

	if (tr->nfiles >= UINT16_MAX) {
		snprintf(tr->error, sizeof(tr->error), "too many log files");
		return -1;
	}
	files = realloc(tr->files, (tr->nfiles + 1) * sizeof(*files));
	if (files)
		tr->files = files;
	if (!files || !(copy = strdup(path))) {
		snprintf(tr->error, sizeof(tr->error), "out of memory");
		return -1;
	}
	f = &files[tr->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = copy;
	slash = strrchr(copy, '/');
	f->name = slash && slash[1] ? slash + 1 : copy;
	return (int)tr->nfiles++;
}

/* Unmaps or frees a file's contents. */
void st_trace_release_map(const char *map, size_t size, bool mapped)
{
	if (mapped)
		munmap((void *)map, size);
	else
		free((void *)map);
}

void st_trace_free(struct st_trace *tr)
{
	uint32_t i;

	for (i = 0; i < tr->nfiles; i++) {
		struct st_file *f = &tr->files[i];

		st_trace_release_map(f->map, f->size, f->mapped);
		free(f->path);
	}
	free(tr->files);
	free(tr->notes);
	st_vmem_free(&tr->ev_mem);
	free(tr->hdr);
	st_vmem_free(&tr->snip_mem);
	st_big_free(tr->order);
	st_strtab_free(&tr->str);
	memset(tr, 0, sizeof(*tr));
}

const char *st_trace_str(const struct st_trace *tr, uint32_t id, size_t *n)
{
	return st_strtab_get(&tr->str, id, n);
}

/* Bytes [off, off + len) of file f, or "" when they are not all in it. */
static const char *file_bytes(const struct st_file *f, uint64_t off, uint32_t len, size_t *n)
{
	if (!f->map || off > f->size || f->size - off < len) {
		*n = 0;
		return "";
	}
	*n = len;
	return f->map + off;
}

const char *st_trace_line(const struct st_trace *tr, uint32_t i, size_t *n)
{
	const struct st_vevent *e = &tr->ev[i];

	return file_bytes(&tr->files[e->file], e->line, e->line_len, n);
}

const char *st_trace_header_line(const struct st_trace *tr, uint32_t h, size_t *n)
{
	const struct st_header *hd = &tr->hdr[h];

	return file_bytes(&tr->files[hd->file], hd->line, hd->line_len, n);
}

/* Notes beyond this many are only counted. */
#define MAX_NOTES 64

void st_trace_note(struct st_trace *tr, const char *fmt, ...)
{
	char line[768];
	size_t n;
	va_list ap;
	char *p;

	if (tr->nnotes++ >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (!(p = realloc(tr->notes, tr->notes_len + n + 2)))
		return;
	tr->notes = p;
	memcpy(p + tr->notes_len, line, n);
	p[tr->notes_len + n] = '\n';
	p[tr->notes_len + n + 1] = '\0';
	tr->notes_len += n + 1;
}

void st_trace_skip(struct st_trace *tr, uint16_t file, uint64_t lineno)
{
	if (tr->skipped++ == 0) {
		tr->skip_file = file;
		tr->skip_line = lineno;
	}
}

static int grow_with(void *(*re)(void *, size_t), void **p, uint32_t *cap,
		     uint32_t need, size_t size, uint32_t first)
{
	uint32_t n;
	void *np;

	if (need <= *cap)
		return 0;
	if (*cap >= UINT32_MAX / 2)
		return -1;
	n = *cap ? *cap * 2 : first;
	if (!(np = re(*p, (size_t)n * size)))
		return -1;
	*p = np;
	*cap = n;
	return 0;
}

int st_grow(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t first)
{
	return grow_with(realloc, p, cap, need, size, first);
}

int st_grow_big(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t first)
{
	return grow_with(st_big_realloc, p, cap, need, size, first);
}

/* The room that is left in mapping v from p on, in items of size bytes. */
static size_t room_left(const struct st_vmem *v, const void *p, size_t size)
{
	return (v->len - (size_t)((const char *)p - (const char *)v->base)) / size;
}

/* Grows the mapping v, which holds *p (its space running to the end of
 * the mapping), to room for `need` items of size bytes from *p; *cap
 * becomes the room there is (at most max). */
static int reserve_mapped(struct st_vmem *v, void **p, size_t need, size_t size,
			  size_t max, size_t *cap)
{
	size_t off = *p ? (size_t)((char *)*p - (char *)v->base) : 0;

	if (*p && !v->base)
		return -1;	/* a second half's space: not ours to grow */
	if (need > (SIZE_MAX - off) / size ||
	    st_vmem_reserve(v, off + need * size) < 0)
		return -1;
	*p = (char *)v->base + off;
	*cap = room_left(v, *p, size);
	if (*cap > max)
		*cap = max;
	return 0;
}

int st_trace_reserve(struct st_trace *tr, uint64_t records, uint64_t bytes)
{
	size_t cap;

	if (records && tr->nev + records > tr->evcap) {
		uint64_t need = tr->nev + records;

		if (need > UINT32_MAX)
			need = UINT32_MAX;
		if (tr->backward || need <= tr->nev ||
		    reserve_mapped(&tr->ev_mem, (void **)&tr->ev, (size_t)need,
				   sizeof(*tr->ev), UINT32_MAX, &cap) < 0)
			return -1;
		tr->evcap = (uint32_t)cap;
	}
	if (bytes && tr->nsnips + bytes > tr->snipcap) {
		if (tr->backward || bytes > SIZE_MAX - tr->nsnips ||
		    reserve_mapped(&tr->snip_mem, (void **)&tr->snips,
				   (size_t)(tr->nsnips + bytes), 1, SIZE_MAX, &cap) < 0)
			return -1;
		tr->snipcap = cap;
	}
	return 0;
}

void st_trace_trim(struct st_trace *tr)
{
	size_t room;

	if (tr->backward)
		return;
	if (tr->ev_mem.base) {
		st_vmem_trim(&tr->ev_mem, tr->ev, (size_t)tr->nev * sizeof(*tr->ev));
		room = tr->ev_mem.base ? room_left(&tr->ev_mem, tr->ev, sizeof(*tr->ev)) : 0;
		tr->evcap = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
		if (!tr->ev_mem.base)
			tr->ev = NULL;
	}
	if (tr->snip_mem.base) {
		st_vmem_trim(&tr->snip_mem, tr->snips, tr->nsnips);
		tr->snipcap = tr->snip_mem.base ? room_left(&tr->snip_mem, tr->snips, 1) : 0;
		if (!tr->snip_mem.base)
			tr->snips = NULL;
	}
}

bool st_vevent_failed(const struct st_trace *tr, const struct st_vevent *e,
		     const char *err)
{
	size_t n;
	const char *s;

	if (!e->err)
		return false;
	if (!err)
		return true;
	s = st_trace_str(tr, e->err, &n);
	return n == strlen(err) && memcmp(s, err, n) == 0;
}
