/*
 * test_fuzz_proto.c: runs the libFuzzer harness of the protocol readers
 * (tests/fuzz/fuzz_proto.c, built with clang by the Makefile) on its seed
 * corpus (tests/fuzz/proto-seeds/, made by mkprotoseeds.py: HTTP, a real
 * TLS 1.3 handshake, RESP and DNS, whole, one byte per send, and cut),
 * each seed once, then fuzzes for 15 seconds from them.  Any sanitizer
 * report, broken promise of a reader (abort: a summary not printable or
 * too long, an end said before the one before it) or input slower than
 * 10 s fails the test, with the input left in the work folder.
 */
#include "fuzzrun.h"

#define FUZZER ST_BUILD_DIR "/fuzz/fuzz_proto"
#define SEEDS ST_SRC_DIR "/tests/fuzz/proto-seeds"

static void test_seeds(void **state)
{
	(void)state;
	fuzz_seeds(FUZZER, SEEDS, 10);
}

static void test_fuzz_15s(void **state)
{
	(void)state;
	fuzz_for(FUZZER, SEEDS, 15, 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_fuzz_15s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
