/*
 * sort.c: the radix sort of sort.h.  One pass counts all eight digit
 * histograms; each digit that is not constant costs one scatter pass into a
 * scratch copy.  Input that is already in order returns at once.
 */
#include "sort.h"

#include <stdlib.h>
#include <string.h>

int st_sort_by_key(uint64_t *keys, uint32_t *idx, size_t n)
{
	uint64_t *src_k = keys, *dst_k, *tk;
	uint32_t *src_i = idx, *dst_i, *ti;
	size_t (*hist)[256], i;
	int d;

	for (i = 1; i < n; i++)
		if (keys[i] < keys[i - 1])
			break;
	if (i >= n)
		return 0;
	hist = calloc(8, sizeof(*hist));
	dst_k = malloc(n * sizeof(*dst_k));
	dst_i = malloc(n * sizeof(*dst_i));
	if (!hist || !dst_k || !dst_i) {
		free(hist);
		free(dst_k);
		free(dst_i);
		return -1;
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < 8; d++)
			hist[d][(keys[i] >> (8 * d)) & 0xff]++;
	for (d = 0; d < 8; d++) {
		size_t sum = 0, b, c;

		if (hist[d][(keys[0] >> (8 * d)) & 0xff] == n)
			continue;	/* every key has this digit */
		for (b = 0; b < 256; b++) {
			c = hist[d][b];
			hist[d][b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			size_t o = hist[d][(src_k[i] >> (8 * d)) & 0xff]++;

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
