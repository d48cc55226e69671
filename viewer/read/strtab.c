/*
 * strtab.c: the string interning table of strtab.h: an arena of bytes, an
 * array of (offset, length) per id, and an open-addressing hash table of
 * ids with linear probing, grown at half full.
 */
#include "read/strtab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_bytes(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

void st_strtab_init(struct st_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void st_strtab_free(struct st_strtab *t)
{
	free(t->arena);
	free(t->offs);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

const char *st_strtab_get(const struct st_strtab *t, uint32_t id, size_t *n)
{
	uint64_t o;

	if (id == 0 || id >= t->count) {
		if (n)
			*n = 0;
		return "";
	}
	o = t->offs[id];
	if (n)
		*n = (size_t)(o & 0xffffff);
	return t->arena + (o >> 24);
}

static bool id_equals(const struct st_strtab *t, uint32_t id, const void *s,
		      size_t n)
{
	size_t len;
	const char *p = st_strtab_get(t, id, &len);

	return len == n && memcmp(p, s, n) == 0;
}

uint32_t st_strtab_find(const struct st_strtab *t, const void *s, size_t n)
{
	uint32_t i, id;

	if (!t->nslots)
		return 0;
	for (i = hash_bytes(s, n) & (t->nslots - 1); (id = t->slots[i]) != 0;
	     i = (i + 1) & (t->nslots - 1))
		if (id_equals(t, id, s, n))
			return id;
	return 0;
}

static int grow_slots(struct st_strtab *t)
{
	uint32_t n = t->nslots ? t->nslots * 2 : 1024, id, i;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (id = 1; id < t->count; id++) {
		size_t len;
		const char *p = st_strtab_get(t, id, &len);

		for (i = hash_bytes(p, len) & (n - 1); slots[i]; i = (i + 1) & (n - 1))
			;
		slots[i] = id;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

uint32_t st_strtab_intern(struct st_strtab *t, const void *s, size_t n)
{
	uint32_t i, id;

	if (n > ST_STRTAB_MAX)
		return 0;
	if (t->count == 0)
		t->count = 1;	/* id 0 stays "absent" */
	if ((t->count + 1) * 2 > t->nslots && grow_slots(t) < 0)
		return 0;
	for (i = hash_bytes(s, n) & (t->nslots - 1); (id = t->slots[i]) != 0;
	     i = (i + 1) & (t->nslots - 1))
		if (id_equals(t, id, s, n))
			return id;
	if (t->count >= t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		uint64_t *offs = realloc(t->offs, cap * sizeof(*offs));

		if (!offs)
			return 0;
		t->offs = offs;
		t->cap = cap;
	}
	if (t->arena_cap - t->arena_len < n + 1) {
		size_t cap = t->arena_cap ? t->arena_cap : 4096;
		char *a;

		while (cap - t->arena_len < n + 1)
			cap *= 2;
		if (cap >= ((size_t)1 << 40) || !(a = realloc(t->arena, cap)))
			return 0;
		t->arena = a;
		t->arena_cap = cap;
	}
	memcpy(t->arena + t->arena_len, s, n);
	t->arena[t->arena_len + n] = '\0';
	id = t->count++;
	t->offs[id] = (uint64_t)t->arena_len << 24 | n;
	t->arena_len += n + 1;
	t->slots[i] = id;
	return id;
}
