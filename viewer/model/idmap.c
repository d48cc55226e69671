/*
 * idmap.c: the integer hash map of idmap.h.
 */
#include "model/idmap.h"

#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(uint32_t key, uint32_t cap)
{
	uint32_t h = key * 2654435761u;

	return (h ^ (h >> 16)) & (cap - 1);
}

void st_idmap_free(struct st_idmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

bool st_idmap_get(const struct st_idmap *m, uint32_t key, uint32_t *val)
{
	uint32_t i;

	if (!m->cap)
		return false;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	return false;
}

static int resize(struct st_idmap *m, uint32_t cap)
{
	struct st_idmap n = { 0 };
	uint32_t i;

	n.cap = cap;
	n.keys = malloc(cap * sizeof(*n.keys));
	n.vals = malloc(cap * sizeof(*n.vals));
	n.used = calloc(cap, sizeof(*n.used));
	if (!n.keys || !n.vals || !n.used) {
		st_idmap_free(&n);
		return -1;
	}
	for (i = 0; i < m->cap; i++)
		if (m->used[i])
			st_idmap_put(&n, m->keys[i], m->vals[i]);
	st_idmap_free(m);
	*m = n;
	return 0;
}

int st_idmap_put(struct st_idmap *m, uint32_t key, uint32_t val)
{
	uint32_t i;

	if ((m->len + 1) * 2 > m->cap &&
	    resize(m, m->cap ? m->cap * 2 : 16) < 0)
		return -1;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	m->used[i] = true;
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return 0;
}

bool st_idmap_del(struct st_idmap *m, uint32_t key, uint32_t *val)
{
	uint32_t i, j, mask = m->cap - 1;

	if (!m->cap)
		return false;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			break;
	if (!m->used[i])
		return false;
	if (val)
		*val = m->vals[i];
	/* Backward shift: move later entries of the run into the hole when
	 * their home slot allows it. */
	for (j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		uint32_t home = slot_of(m->keys[j], m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->used[i] = false;
	m->len--;
	return true;
}

int st_idmap_copy(struct st_idmap *dst, const struct st_idmap *src)
{
	uint32_t i;

	st_idmap_free(dst);
	for (i = 0; i < src->cap; i++)
		if (src->used[i] && st_idmap_put(dst, src->keys[i], src->vals[i]) < 0)
			return -1;
	return 0;
}
