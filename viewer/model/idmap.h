/*
 * idmap.h: a hash map from 32-bit keys to 32-bit values (open addressing,
 * linear probing, backward-shift deletion, so no tombstones).  The model
 * uses it for each process's fd table and for pid lookups.
 */
#ifndef ST_IDMAP_H
#define ST_IDMAP_H

#include <stdbool.h>
#include <stdint.h>

struct st_idmap {
	uint32_t *keys;
	uint32_t *vals;
	uint32_t cap;		/* a power of two, or 0 */
	uint32_t len;
	bool *used;
};

void st_idmap_free(struct st_idmap *m);
/* true and *val when key is present. */
bool st_idmap_get(const struct st_idmap *m, uint32_t key, uint32_t *val);
/* Sets key to val; 0, or -1 when out of memory. */
int st_idmap_put(struct st_idmap *m, uint32_t key, uint32_t val);
/* Removes key; true when it was present (its value in *val). */
bool st_idmap_del(struct st_idmap *m, uint32_t key, uint32_t *val);
/* Copies every entry of src into dst (emptied first); 0 or -1. */
int st_idmap_copy(struct st_idmap *dst, const struct st_idmap *src);

#endif
