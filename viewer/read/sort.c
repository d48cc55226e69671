/*
 * sort.c: the radix sort of sort.h.  Keys are first reduced by their
 * minimum, then sorted 11 bits at a time (2048 buckets stay in the L1
 * cache); one pass counts all digit histograms, and each digit that is the
 * same for every key is skipped, so a million timestamps spanning seconds
 * take four scatter passes.  Input already in order returns at once.
 *
 * Most inputs are nearly in order, so two cheaper ways come first: a few
 * ascending runs (one per log file, when records are merged by time) are
 * merged pairwise, and keys that are only slightly out of place (rows at a
 * call's return, a little after the next call's start) are put in place by
 * insertion with a budget of moves; past the budget the radix sort finishes
 * the job.  All three are stable, so the result is the same.
 */
#include "read/sort.h"
#include "read/vmem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BITS 11
#define BUCKETS (1u << BITS)
#define DIGITS 6	/* 66 bits */

/* At most this many ascending runs are merged. */
#define MAX_RUNS 16

/* Merges [a, m) and [m, b) of keys/idx (each ascending) through the
 * scratch arrays; ties go to the left run. */
static void merge_runs(uint64_t *keys, uint32_t *idx, size_t a, size_t m,
		       size_t b, uint64_t *tk, uint32_t *ti)
{
	size_t i = a, j = m, o = 0;

	while (i < m && j < b) {
		if (keys[j] < keys[i]) {
			tk[o] = keys[j];
			ti[o++] = idx[j++];
		} else {
			tk[o] = keys[i];
			ti[o++] = idx[i++];
		}
	}
	while (i < m) {
		tk[o] = keys[i];
		ti[o++] = idx[i++];
	}
	/* What is left of the right run is in place already. */
	memcpy(keys + a, tk, o * sizeof(*keys));
	memcpy(idx + a, ti, o * sizeof(*idx));
}

/* Sorts by merging when the input is a few ascending runs; false (nothing
 * changed) when it has more, or when out of memory. */
static bool sort_runs(uint64_t *keys, uint32_t *idx, size_t n)
{
	size_t start[MAX_RUNS + 1], nruns = 1, i, r;
	uint64_t *tk;
	uint32_t *ti;

	start[0] = 0;
	for (i = 1; i < n; i++)
		if (keys[i] < keys[i - 1]) {
			if (nruns == MAX_RUNS)
				return false;
			start[nruns++] = i;
		}
	start[nruns] = n;
	tk = st_big_alloc(n * sizeof(*tk));
	ti = st_big_alloc(n * sizeof(*ti));
	if (!tk || !ti) {
		st_big_free(tk);
		st_big_free(ti);
		return false;
	}
	while (nruns > 1) {
		size_t out = 0;

		for (r = 0; r + 1 < nruns; r += 2) {
			merge_runs(keys, idx, start[r], start[r + 1], start[r + 2], tk, ti);
			start[out++] = start[r];
		}
		if (r < nruns)
			start[out++] = start[r];
		start[out] = n;
		nruns = out;
	}
	st_big_free(tk);
	st_big_free(ti);
	return true;
}

/* Insertion sort with a budget of moves (a few per key); true when done.
 * When it gives up, what it did keeps equal keys in their order, so the
 * radix sort can finish from there. */
static bool sort_nearly(uint64_t *keys, uint32_t *idx, size_t n)
{
	size_t budget = n * 4, i, j;

	for (i = 1; i < n; i++) {
		uint64_t k = keys[i];
		uint32_t x = idx[i];

		if (keys[i - 1] <= k)
			continue;
		for (j = i; j > 0 && keys[j - 1] > k && budget; j--, budget--) {
			keys[j] = keys[j - 1];
			idx[j] = idx[j - 1];
		}
		keys[j] = k;
		idx[j] = x;
		if (!budget)
			return false;
	}
	return true;
}

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
	if (sort_runs(keys, idx, n) || sort_nearly(keys, idx, n))
		return 0;
	for (i = 0; i < n; i++)
		if (keys[i] < min)
			min = keys[i];
	for (i = 0; i < n; i++)
		span |= keys[i] - min;
	for (digits = 0; digits < DIGITS && (span >> (BITS * digits)); digits++)
		;
	hist = calloc(DIGITS, sizeof(*hist));
	dst_k = st_big_alloc(n * sizeof(*dst_k));
	dst_i = st_big_alloc(n * sizeof(*dst_i));
	if (!hist || !dst_k || !dst_i) {
		free(hist);
		st_big_free(dst_k);
		st_big_free(dst_i);
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
	st_big_free(dst_k);
	st_big_free(dst_i);
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
