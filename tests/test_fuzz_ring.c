/*
 * test_fuzz_ring.c: runs the libFuzzer harness of the ring and log join
 * (tests/fuzz/fuzz_ring.c, built with clang by the Makefile) on its seed
 * corpus (tests/fuzz/ring-seeds/: forged ring heads, a log of DATA frames
 * naming one TUPLE, a ring without a log), each seed once, then fuzzes for
 * 30 seconds from them.  Any sanitizer report, broken bound (abort) or
 * input that takes over 10 s fails the test, with the input left in the
 * work folder (tests/fuzzrun.h).
 */
#include "fuzzrun.h"

#define FUZZER ST_BUILD_DIR "/fuzz/fuzz_ring"
#define SEEDS ST_SRC_DIR "/tests/fuzz/ring-seeds"

static void test_seeds(void **state)
{
	(void)state;
	fuzz_seeds(FUZZER, SEEDS, 8);
}

static void test_fuzz_30s(void **state)
{
	(void)state;
	fuzz_for(FUZZER, SEEDS, 30, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_fuzz_30s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
