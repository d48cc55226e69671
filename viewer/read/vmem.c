/*
 * vmem.c: the mappings of vmem.h.
 */
#include "read/vmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Huge pages cover aligned stretches of this size. */
#define HUGE_ALIGN ((size_t)2 << 20)
/* Smaller arrays come from malloc. */
#define BIG_MIN ((size_t)1 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLAIN_MALLOC 1
#endif
#endif

static size_t page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096;
}

static size_t page_round(size_t n)
{
	size_t page = page_size();

	return (n + page - 1) / page * page;
}

/* A fresh mapping of len bytes (a multiple of the page size), starting on
 * a huge page boundary when it is that big, advised to use huge pages. */
static void *map_aligned(size_t len, int flags)
{
	size_t span = len >= HUGE_ALIGN ? len + HUGE_ALIGN : len, head;
	char *p;

	if (span < len)
		return MAP_FAILED;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED || span == len)
		return p;
	/* Trim to the aligned stretch. */
	head = (HUGE_ALIGN - (uintptr_t)p % HUGE_ALIGN) % HUGE_ALIGN;
	if (head)
		munmap(p, head);
	if (span - head > len)
		munmap(p + head + len, span - head - len);
	madvise(p + head, len, MADV_HUGEPAGE);
	return p + head;
}

/* Grows mapping p of len bytes to len2: its new place, or MAP_FAILED. */
static void *grow_mapping(void *p, size_t len, size_t len2)
{
	void *q = mremap(p, len, len2, MREMAP_MAYMOVE);

	if (q != MAP_FAILED)
		madvise(q, len2, MADV_HUGEPAGE);
	return q;
}

int st_vmem_reserve(struct st_vmem *v, size_t len)
{
	void *p;

	if (len <= v->len)
		return 0;
	if (len > SIZE_MAX - page_size())
		return -1;
	len = page_round(len);
	if (v->base)
		p = grow_mapping(v->base, v->len, len);
	else
		p = map_aligned(len, MAP_NORESERVE);
	if (p == MAP_FAILED)
		return -1;
	v->base = p;
	v->len = len;
	return 0;
}

void st_vmem_free(struct st_vmem *v)
{
	if (v->base)
		munmap(v->base, v->len);
	v->base = NULL;
	v->len = 0;
}

void st_vmem_trim(struct st_vmem *v, const void *p, size_t n)
{
	size_t page = page_size(), lo, hi;
	char *base = v->base;

	if (!base)
		return;
	if (!n) {
		st_vmem_free(v);
		return;
	}
	lo = (size_t)((const char *)p - base) / page * page;
	hi = page_round((size_t)((const char *)p - base) + n);
	if (hi > v->len)
		hi = v->len;
	if (lo)
		munmap(base, lo);
	if (hi < v->len)
		munmap(base + hi, v->len - hi);
	v->base = base + lo;
	v->len = hi - lo;
}

#ifdef PLAIN_MALLOC

void *st_big_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *st_big_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *st_big_realloc(void *p, size_t size)
{
	return realloc(p, size ? size : 1);
}

void st_big_free(void *p)
{
	free(p);
}

#else

/* Each array is preceded by its header: how many bytes are mapped for it
 * (header included), or 0 when it came from malloc; and its size. */
#define HEAD 64

struct head {
	size_t mapped;
	size_t size;
};

static struct head *big_head_of(void *p)
{
	return (struct head *)((char *)p - HEAD);
}

void *st_big_alloc(size_t size)
{
	struct head *h;
	size_t len;

	if (size > SIZE_MAX - HEAD - page_size())
		return NULL;
	if (size + HEAD < BIG_MIN) {
		if (!(h = malloc(size + HEAD)))
			return NULL;
		h->mapped = 0;
	} else {
		len = page_round(size + HEAD);
		if ((h = map_aligned(len, 0)) == MAP_FAILED)
			return NULL;
		h->mapped = len;
	}
	h->size = size;
	return (char *)h + HEAD;
}

void *st_big_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	if (!(p = st_big_alloc(n * size)))
		return NULL;
	/* A fresh mapping reads as zeroes already. */
	if (!big_head_of(p)->mapped)
		memset(p, 0, n * size);
	return p;
}

void *st_big_realloc(void *p, size_t size)
{
	struct head *h;
	size_t len;
	char *q;

	if (!p)
		return st_big_alloc(size);
	h = big_head_of(p);
	if (size > SIZE_MAX - HEAD - page_size())
		return NULL;
	if (!h->mapped && size + HEAD < BIG_MIN) {
		if (!(h = realloc(h, size + HEAD)))
			return NULL;
		h->size = size;
		return (char *)h + HEAD;
	}
	if (!h->mapped) {
		/* From malloc to a mapping of its own. */
		if (!(q = st_big_alloc(size)))
			return NULL;
		memcpy(q, p, h->size < size ? h->size : size);
		free(h);
		return q;
	}
	len = page_round(size + HEAD);
	if (len > h->mapped) {
		if ((h = grow_mapping(h, h->mapped, len)) == MAP_FAILED)
			return NULL;
		h->mapped = len;
	}
	h->size = size;
	return (char *)h + HEAD;
}

void st_big_free(void *p)
{
	struct head *h;

	if (!p)
		return;
	h = big_head_of(p);
	if (h->mapped)
		munmap(h, h->mapped);
	else
		free(h);
}

#endif
