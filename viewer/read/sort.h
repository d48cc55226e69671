/*
 * sort.h: a stable sort of record indices by 64-bit keys (LSD radix, 8-bit
 * digits, digits that are the same for every key skipped), because the
 * viewer sorts a million records twice and qsort is too slow for that.
 */
#ifndef ST_SORT_H
#define ST_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sorts idx[0..n) and keys[0..n) together by keys, keeping the order of
 * equal keys.  Returns 0, or -1 when out of memory (nothing changed). */
int st_sort_by_key(uint64_t *keys, uint32_t *idx, size_t n);

/* The same for small keys (all below limit): a counting sort, one pass. */
int st_sort_small_keys(const uint32_t *keys, uint32_t *idx, size_t n,
		       uint32_t limit);

#endif
