/*
 * test_viewer_live.c: sockview on logs of real programs run under the
 * library here: the arrow within one lane names the call it comes from
 * (duphigh), a log that ends early is told per process (killme), every
 * record as JSON Lines (--jsonl, read back with jq), and the live view
 * (--follow) while the program still runs.
 */
#include "harness.h"

#define SOCKVIEW ST_BUILD_DIR "/sockview"
#define PROG(name) ST_BUILD_DIR "/tests/progs/" name

/* Runs sockview (untraced) with args (NULL-ended, at most 8) and waits. */
static int view(struct h_proc *v, const char *const *args)
{
	const char *argv[10] = { SOCKVIEW };
	struct h_opts o = { .untraced = true };
	int i;

	for (i = 0; args[i] && i < 8; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	h_start(v, &o, argv);
	return h_wait(v, 60000);
}

/* The line of text holding want (a copy, or fails). */
static void line_with(const char *text, const char *want, char *line, size_t cap)
{
	const char *p = strstr(text, want), *b, *e;

	if (!p)
		fail_msg("no \"%s\" in:\n%s", want, text);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	snprintf(line, cap, "%.*s", (int)(e - b), b);
}

/* duphigh: the arrow into recv(B) = 1 "t" is drawn in the program's own
 * lane right under write(1000) = 1 "Z"; it must name send(A), where the
 * byte came from, and the arrow of "Z" must name write(1000). */
static void test_dup_high_arrow(void **state)
{
	char dir[64], line[512], want[64];
	const char *argv[] = { PROG("duphigh"), NULL };
	const char *args[] = { "--ascii", "--width=120", dir, NULL };
	struct h_opts o = { .logdir = dir };
	struct h_proc p, v;
	int a, b;

	(void)state;
	h_tmpdir(dir);
	h_start(&p, &o, argv);
	h_wait_ok(&p);
	assert_non_null(strstr(p.out.p, "@ got tZu"));
	assert_int_equal(sscanf(strstr(p.out.p, "@ pair "), "@ pair %d %d", &a, &b), 2);
	assert_int_equal(view(&v, args), 0);
	snprintf(want, sizeof(want), "recv(%d) = 1 \"t\"", b);
	if (!strstr(v.out.p, want))
		fail_msg("no %s in:\n%s\n%s", want, v.out.p, v.err.p);
	/* the arrow rows are the lines just above each receive */
	snprintf(want, sizeof(want), "from send(%d)", a);
	line_with(v.out.p, "+> 1 B \"t\"", line, sizeof(line));
	if (!strstr(line, want))
		fail_msg("the arrow of \"t\" does not name send(%d): %s\n%s", a, line, v.out.p);
	line_with(v.out.p, "+> 1 B \"Z\"", line, sizeof(line));
	if (!strstr(line, "from write(1000)"))
		fail_msg("the arrow of \"Z\" does not name write(1000): %s\n%s", line, v.out.p);
	line_with(v.out.p, "+> 1 B \"u\"", line, sizeof(line));
	if (strstr(line, " from "))
		fail_msg("the arrow of \"u\" comes from the row above, named: %s", line);
	h_proc_free(&v);
	h_proc_free(&p);
	h_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_high_arrow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
