/*
 * vmem.h: memory for the viewer's big arrays, the ones that grow with the
 * number of records.  The first write to a page of fresh memory costs far
 * more than the bytes in it (a fault; on a VM with shadow paging, several
 * microseconds), and a million records fill tens of thousands of pages.
 * So these arrays live in mappings of their own, aligned for huge pages
 * and advised to use them (one fault per 2 MiB instead of per 4 KiB, where
 * the kernel has them), and grow with mremap, which moves pages without
 * copying or touching them.
 *
 * st_vmem is a mapping laid out once for the most an input can fill, in
 * address space that costs nothing until it is written (MAP_NORESERVE):
 * the records and payload snippets of a trace.  st_big_* are malloc's
 * counterparts for the other big arrays (plain malloc for small sizes, and
 * in sanitizer builds, whose checks need it).
 */
#ifndef ST_VMEM_H
#define ST_VMEM_H

#include <stddef.h>

struct st_vmem {
	void *base;		/* NULL: nothing mapped */
	size_t len;		/* bytes mapped, a multiple of the page size */
};

/* Makes v at least len bytes long: a new mapping, or the old one grown
 * (maybe moved: base changes, the contents stay).  0, or -1 with v
 * unchanged. */
int st_vmem_reserve(struct st_vmem *v, size_t len);
void st_vmem_free(struct st_vmem *v);
/* Gives back all of v but the pages that hold the n bytes at p (p inside
 * v; n 0: all of it). */
void st_vmem_trim(struct st_vmem *v, const void *p, size_t n);

/* Like malloc, calloc (the memory is zeroed), realloc and free, for big
 * arrays; each pointer goes back to st_big_realloc or st_big_free only. */
void *st_big_alloc(size_t size);
void *st_big_calloc(size_t n, size_t size);
void *st_big_realloc(void *p, size_t size);
void st_big_free(void *p);

#endif
