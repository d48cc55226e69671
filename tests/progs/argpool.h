/*
 * argpool.h: arguments good and bad for the wrapped calls, shared by
 * badargs.c (one case per row of a table) and randargs.c (random calls).
 *
 * Memory: an arena of read-write slots followed by a PROT_NONE guard page,
 * so a structure can be laid out to end exactly at the unmapped page (its
 * first bytes readable, the rest not), and a read-only page for structures
 * the kernel may read but not write.  Every length the cases use stays
 * inside the arena, so what the kernel can touch is the same in every run.
 *
 * A pointer argument is asked for by kind: good (a fresh copy of a valid
 * value), NULL, a small bad address, a kernel address, a PROT_NONE page,
 * the edge (the value's first EDGE_OK bytes just before the guard page) or
 * read-only (the value in the read-only page).
 */
#ifndef ST_PROGS_ARGPOOL_H
#define ST_PROGS_ARGPOOL_H

#include <err.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define PG 4096
#define ARENA_SIZE (256 * 1024)
#define EDGE_OK 8	/* readable bytes of an edge pointer */

enum kind { K_GOOD, K_NULL, K_BAD, K_KERN, K_NOPROT, K_EDGE, K_RO, K_NKINDS };

static const char *const kind_names[K_NKINDS] = {
	"good", "null", "bad", "kern", "noprot", "edge", "ro",
};

static char *arena;		/* ARENA_SIZE read-write bytes, then PG unmapped */
static size_t arena_used;
static char *ro_page;

/* Maps the arena, its guard and the read-only page; exits 1 when it cannot. */
static inline void pool_init(void)
{
	char *m = mmap(NULL, ARENA_SIZE + 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		err(1, "mmap");
	if (mprotect(m + ARENA_SIZE, PG, PROT_NONE) != 0)
		err(1, "mprotect");
	arena = m;
	ro_page = m + ARENA_SIZE + PG;
	if (mprotect(ro_page, PG, PROT_READ) != 0)
		err(1, "mprotect");
	arena_used = 0;
}

/* Makes every slot free again (between two cases or calls), and clears
 * the arena: what a call wrote past its slots (addresses, pointers of a
 * getaddrinfo result, autobound AF_UNIX names) must not become an argument
 * of the next. */
static inline void pool_reset(void)
{
	arena_used = 0;
	memset(arena, 0, ARENA_SIZE);
}

/* n zeroed bytes of the arena (the first half; lengths up to 128 KiB past
 * any slot stay inside it). */
static inline void *pool_slot(size_t n)
{
	void *p;

	if (n > ARENA_SIZE / 4)
		n = ARENA_SIZE / 4;
	if (arena_used + n > ARENA_SIZE / 2)
		arena_used = 0;
	p = arena + arena_used;
	memset(p, 0, n);
	arena_used += (n + 15) & ~(size_t)15;
	return p;
}

/* The last n readable bytes before the guard page. */
static inline char *pool_edge(size_t n)
{
	return arena + ARENA_SIZE - n;
}

/* A pointer of the given kind; for kinds that hold a value, a copy of the
 * n bytes at val (NULL: zeros).  The read-only copy is the last one made
 * (one read-only page). */
static inline void *pool_ptr(enum kind k, const void *val, size_t n)
{
	char *p;
	size_t ok;

	switch (k) {
	case K_GOOD:
		p = pool_slot(n ? n : 1);
		if (val)
			memcpy(p, val, n);
		return p;
	case K_NULL:
		return NULL;
	case K_BAD:
		return (void *)1;
	case K_KERN:
		return (void *)(uintptr_t)0xffff880000001000ULL;
	case K_NOPROT:
		return arena + ARENA_SIZE;
	case K_EDGE:
		ok = n < EDGE_OK ? n : EDGE_OK;
		p = pool_edge(EDGE_OK);
		memset(p, 0, EDGE_OK);
		if (val)
			memcpy(p, val, ok);
		return p;
	case K_RO:
		if (mprotect(ro_page, PG, PROT_READ | PROT_WRITE) != 0)
			err(1, "mprotect");
		memset(ro_page, 0, PG);
		if (val)
			memcpy(ro_page, val, n < PG ? n : PG);
		if (mprotect(ro_page, PG, PROT_READ) != 0)
			err(1, "mprotect");
		return ro_page;
	default:
		return NULL;
	}
}

#endif
