/*
 * test_viewer_sort.c: the stable key sort of viewer/read/sort.h on the shapes
 * the viewer feeds it, each checked against a plain stable sort: keys in
 * order, a few ascending runs (one per log file, merged), keys slightly out
 * of place (insertion), keys too far out of place for the insertion budget
 * (radix after a partial insertion), random keys, many equal keys, and the
 * small-key counting sort.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/sort.h"

enum shape { SORTED, RUNS2, RUNS16, RUNS17, NEARLY, FAR, RANDOM, EQUAL, WIDE };

static const struct {
	const char *name;
	enum shape shape;
	size_t n;
} cases[] = {
	{ "empty", SORTED, 0 }, { "one", RANDOM, 1 }, { "sorted", SORTED, 1000 },
	{ "two runs", RUNS2, 1001 }, { "sixteen runs", RUNS16, 3000 },
	{ "seventeen runs", RUNS17, 3000 }, { "nearly", NEARLY, 5000 },
	{ "far", FAR, 5000 }, { "random", RANDOM, 5000 }, { "equal", EQUAL, 5000 },
	{ "wide keys", WIDE, 5000 },
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(uint64_t *keys, size_t n, enum shape shape)
{
	uint64_t s = 88172645463325252ull;
	size_t i, runs = shape == RUNS2 ? 2 : shape == RUNS16 ? 16 : 17;

	for (i = 0; i < n; i++) {
		switch (shape) {
		case SORTED: keys[i] = 1000 + i * 3; break;
		case RUNS2: case RUNS16: case RUNS17:
			/* Run r holds keys r, r + runs, ... (interleaved times). */
			keys[i] = (i % (n / runs + 1)) * runs + i / (n / runs + 1);
			break;
		case NEARLY: keys[i] = i * 10 + rnd(&s) % 25; break;
		case FAR: keys[i] = i % 7 ? i : n * 2 - i; break;
		case RANDOM: keys[i] = rnd(&s) % 100000; break;
		case EQUAL: keys[i] = rnd(&s) % 3; break;
		case WIDE: keys[i] = rnd(&s); break;
		}
	}
}

/* The reference: a stable insertion sort of (key, index). */
static void reference(uint64_t *keys, uint32_t *idx, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t k = keys[i];
		uint32_t x = idx[i];

		for (j = i; j > 0 && keys[j - 1] > k; j--) {
			keys[j] = keys[j - 1];
			idx[j] = idx[j - 1];
		}
		keys[j] = k;
		idx[j] = x;
	}
}

static void test_shapes(void **state)
{
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n;
		uint64_t *k1 = malloc((n + 1) * sizeof(*k1)), *k2 = malloc((n + 1) * sizeof(*k2));
		uint32_t *i1 = malloc((n + 1) * sizeof(*i1)), *i2 = malloc((n + 1) * sizeof(*i2));

		assert_non_null(k1);
		assert_non_null(k2);
		assert_non_null(i1);
		assert_non_null(i2);
		fill(k1, n, cases[c].shape);
		for (i = 0; i < n; i++)
			i1[i] = (uint32_t)i;
		memcpy(k2, k1, n * sizeof(*k1));
		memcpy(i2, i1, n * sizeof(*i1));
		assert_int_equal(st_sort_by_key(k1, i1, n), 0);
		reference(k2, i2, n);
		for (i = 0; i < n; i++)
			if (k1[i] != k2[i] || i1[i] != i2[i])
				fail_msg("%s: at %zu: key %llu idx %u, want %llu %u", cases[c].name,
					 i, (unsigned long long)k1[i], i1[i],
					 (unsigned long long)k2[i], i2[i]);
		free(k1);
		free(k2);
		free(i1);
		free(i2);
	}
}

static void test_small_keys(void **state)
{
	const uint32_t keys[] = { 3, 1, 3, 0, 1, 2, 0, 3 };
	uint32_t idx[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const uint32_t want[] = { 3, 6, 1, 4, 5, 0, 2, 7 };

	(void)state;
	assert_int_equal(st_sort_small_keys(keys, idx, 8, 4), 0);
	assert_memory_equal(idx, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_small_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
