/*
 * test_fuzz_ring.c: runs the libFuzzer harness of the ring and log join
 * (tests/fuzz/fuzz_ring.c, built with clang by the Makefile) on its seed
 * corpus (tests/fuzz/ring-seeds/: forged ring heads, a log of DATA frames
 * naming one TUPLE, a ring without a log), each seed once, then fuzzes for
 * 30 seconds from them.  Any sanitizer report, broken bound (abort) or
 * input that takes over 10 s fails the test, with the input left in the
 * work folder.
 */
#include "harness.h"

#define FUZZER ST_BUILD_DIR "/fuzz/fuzz_ring"
#define SEEDS ST_SRC_DIR "/tests/fuzz/ring-seeds"

/* Runs the fuzzer with args; its exit status, its output in p. */
static int run_fuzzer(struct h_proc *p, const char *const *args)
{
	const char *argv[12] = { FUZZER };
	struct h_opts o = { .untraced = true };
	int i;

	for (i = 0; args[i] && i < 10; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	h_start(p, &o, argv);
	return h_wait(p, 180000);
}

static void test_seeds(void **state)
{
	struct dirent **names;
	int n, i, k = 0;
	char *paths[32];
	const char *args[12];
	struct h_proc p;

	(void)state;
	n = scandir(SEEDS, &names, NULL, alphasort);
	assert_true(n > 2);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && k < 10) {
			assert_true(asprintf(&paths[k], "%s/%s", SEEDS, names[i]->d_name) > 0);
			args[k] = paths[k];
			k++;
		}
		free(names[i]);
	}
	free(names);
	args[k] = NULL;
	assert_true(k >= 8);
	if (run_fuzzer(&p, args) != 0)
		fail_msg("a seed fails:\n%s", p.err.p);
	for (i = 0; i < k; i++)
		free(paths[i]);
	h_proc_free(&p);
}

static void test_fuzz_30s(void **state)
{
	char dir[64], corpus[96], prefix[96];
	const char *args[] = { "-max_total_time=30", "-max_len=20000", "-timeout=10",
			       "-rss_limit_mb=2048", prefix, corpus, SEEDS, NULL };
	struct h_proc p;

	(void)state;
	h_tmpdir(dir);
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(prefix, sizeof(prefix), "-artifact_prefix=%s/", dir);
	assert_int_equal(mkdir(corpus, 0700), 0);
	if (run_fuzzer(&p, args) != 0)
		fail_msg("the fuzzer found something (input left in %s):\n%s", dir, p.err.p);
	assert_non_null(strstr(p.err.p, "Done "));
	h_proc_free(&p);
	snprintf(prefix, sizeof(prefix), "rm -rf '%s'", dir);
	assert_int_equal(system(prefix), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_fuzz_30s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
