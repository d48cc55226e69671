/*
 * fuzzrun.h: what the bounded fuzz runs of make check share (static
 * inline; every test is one file and one binary): a libFuzzer binary built
 * by the Makefile, run once over each file of its seed corpus, then for a
 * bounded time from that corpus with a fresh work folder.  Any sanitizer
 * report, abort or input slower than 10 s fails the test, with the input
 * left in the work folder.
 */
#ifndef FUZZRUN_H
#define FUZZRUN_H

#include "harness.h"

#define FUZZ_ARGS 32

/* Runs fuzzer with args (NULL-ended, FUZZ_ARGS at most); its exit status,
 * its output in p. */
static inline int fuzz_run(struct h_proc *p, const char *fuzzer, const char *const *args)
{
	const char *argv[FUZZ_ARGS + 2] = { fuzzer };
	struct h_opts o = { .untraced = true };
	int i;

	for (i = 0; args[i] && i < FUZZ_ARGS; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	h_start(p, &o, argv);
	return h_wait(p, 180000);
}

/* Each seed of the folder seeds once (at least min_seeds, at most
 * FUZZ_ARGS). */
static inline void fuzz_seeds(const char *fuzzer, const char *seeds, int min_seeds)
{
	struct dirent **names;
	int n, i, k = 0;
	char *paths[FUZZ_ARGS];
	const char *args[FUZZ_ARGS + 1];
	struct h_proc p;

	n = scandir(seeds, &names, NULL, alphasort);
	assert_true(n > 2);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && k < FUZZ_ARGS) {
			assert_true(asprintf(&paths[k], "%s/%s", seeds, names[i]->d_name) > 0);
			args[k] = paths[k];
			k++;
		}
		free(names[i]);
	}
	free(names);
	args[k] = NULL;
	assert_true(k >= min_seeds);
	if (fuzz_run(&p, fuzzer, args) != 0)
		fail_msg("a seed fails:\n%s", p.err.p);
	for (i = 0; i < k; i++)
		free(paths[i]);
	h_proc_free(&p);
}

/* Fuzzes from the seeds for secs seconds, inputs up to max_len bytes. */
static inline void fuzz_for(const char *fuzzer, const char *seeds, int secs, int max_len)
{
	char dir[64], corpus[96], prefix[96], time_opt[32], len_opt[32];
	const char *args[] = { time_opt, len_opt, "-timeout=10", "-rss_limit_mb=2048", prefix,
			       corpus, seeds, NULL };
	struct h_proc p;

	h_tmpdir(dir);
	snprintf(time_opt, sizeof(time_opt), "-max_total_time=%d", secs);
	snprintf(len_opt, sizeof(len_opt), "-max_len=%d", max_len);
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(prefix, sizeof(prefix), "-artifact_prefix=%s/", dir);
	assert_int_equal(mkdir(corpus, 0700), 0);
	if (fuzz_run(&p, fuzzer, args) != 0)
		fail_msg("the fuzzer found something (input left in %s):\n%s", dir, p.err.p);
	assert_non_null(strstr(p.err.p, "Done "));
	h_proc_free(&p);
	h_rm_tree(dir);
}

#endif
