/*
 * strtab.h: interned byte strings.  Every call name, address, program name
 * and error name of a trace is stored once and named by a 32-bit id, so a
 * record holds a few ids instead of copies.  Id 0 means "absent"; the empty
 * string has an id of its own.  Strings are bytes (they may hold NULs);
 * each is also NUL-terminated for convenience.
 */
#ifndef ST_STRTAB_H
#define ST_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct st_strtab {
	char *arena;		/* the strings, each followed by a NUL */
	size_t arena_len, arena_cap;
	uint64_t *offs;		/* id -> offset << 24 | length (length < 2^24) */
	uint32_t count, cap;	/* ids in use (id 0 included), capacity */
	uint32_t *slots;	/* hash table of ids, 0 = empty */
	uint32_t nslots;
};

void st_strtab_init(struct st_strtab *t);
void st_strtab_free(struct st_strtab *t);
/* The id of the n bytes at s, adding them when new; 0 when out of memory or
 * the string is longer than ST_STRTAB_MAX. */
uint32_t st_strtab_intern(struct st_strtab *t, const void *s, size_t n);
/* The id of s when it is interned, else 0. */
uint32_t st_strtab_find(const struct st_strtab *t, const void *s, size_t n);
/* The bytes and length of an id; "" for id 0. */
const char *st_strtab_get(const struct st_strtab *t, uint32_t id, size_t *n);

#define ST_STRTAB_MAX ((1u << 24) - 1)

#endif
