/*
 * sort.c: the radix sort of sort.h.  Keys are first reduced by their
 * minimum, then sorted 11 bits at a time (2048 buckets stay in the L1
 * cache); one pass counts all digit histograms, and each digit that is the
 * same for every key is skipped, so a million timestamps spanning seconds
 * take four scatter passes.  Input already in order returns at once.
 */
#include "sort.h"

#include <stdlib.h>
#include <string.h>

#define BITS 11
#define BUCKETS (1u << BITS)
#define DIGITS 6	/* 66 bits */

int st_sort_by_key(uint64_t *keys, uint32_t *idx, size_t n)
{
	uint64_t *src_k = keys, *dst_k, *tk, min = UINT64_MAX, span = 0;
	uint32_t *src_i = idx, *dst_i, *ti;
	size_t (*hist)[BUCKETS], i;
	int d, digits;

	for (i = 1; i < n; i++)
		if (keys[i] < keys[i - 1])
			break;
	if (i >= n)
		return 0;
	for (i = 0; i < n; i++)
		if (keys[i] < min)
			min = keys[i];
	for (i = 0; i < n; i++)
		span |= keys[i] - min;
	for (digits = 0; digits < DIGITS && (span >> (BITS * digits)); digits++)
		;
	hist = calloc(DIGITS, sizeof(*hist));
	dst_k = malloc(n * sizeof(*dst_k));
	dst_i = malloc(n * sizeof(*dst_i));
	if (!hist || !dst_k || !dst_i) {
		free(hist);
		free(dst_k);
		free(dst_i);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint64_t k = keys[i] - min;

		for (d = 0; d < digits; d++)
			hist[d][(k >> (BITS * d)) & (BUCKETS - 1)]++;
	}
	for (d = 0; d < digits; d++) {
		size_t sum = 0, b, c;

		if (hist[d][((keys[0] - min) >> (BITS * d)) & (BUCKETS - 1)] == n)
			continue;	/* every key has this digit */
		for (b = 0; b < BUCKETS; b++) {
			c = hist[d][b];
			hist[d][b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			size_t o = hist[d][((src_k[i] - min) >> (BITS * d)) & (BUCKETS - 1)]++;

			dst_k[o] = src_k[i];
			dst_i[o] = src_i[i];
		}
		tk = src_k; src_k = dst_k; dst_k = tk;
		ti = src_i; src_i = dst_i; dst_i = ti;
	}
	if (src_k != keys) {
		memcpy(keys, src_k, n * sizeof(*keys));
		memcpy(idx, src_i, n * sizeof(*idx));
		dst_k = src_k;
		dst_i = src_i;
	}
	free(dst_k);
	free(dst_i);
	free(hist);
	return 0;
}

int st_sort_small_keys(const uint32_t *keys, uint32_t *idx, size_t n,
		       uint32_t limit)
{
	size_t *start = calloc((size_t)limit + 1, sizeof(*start)), i, sum = 0, c;
	uint32_t *out = malloc((n + 1) * sizeof(*out)), b;

	if (!start || !out) {
		free(start);
		free(out);
		return -1;
	}
	for (i = 0; i < n; i++)
		start[keys[i]]++;
	for (b = 0; b <= limit; b++) {
		c = start[b];
		start[b] = sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		out[start[keys[i]]++] = idx[i];
	memcpy(idx, out, n * sizeof(*idx));
	free(out);
	free(start);
	return 0;
}
