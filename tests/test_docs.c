/*
 * test_docs.c: the usage texts and the man pages name the same options.
 * Every long option that `sockview --help` or `socktrace --help` prints
 * is described in docs/sockview.1 or docs/socktrace.1, and every option
 * sockview(1) gives an item of its own is in sockview's usage text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtext.h"

/* Everything a command wrote on stdout and stderr. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!p)
		fail_msg("cannot run %s", cmd);
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			assert_non_null(buf = realloc(buf, cap));
		}
		got = fread(buf + n, 1, cap - n - 1, p);
		n += got;
	} while (got > 0);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/* A man page's text with roff's escaping backslashes dropped, so that
 * `\-\-no\-view` reads --no-view. */
static char *man_text(const char *name)
{
	char path[4096], *s, *d;
	size_t len, i;

	snprintf(path, sizeof(path), "%s/docs/%s", ST_SRC_DIR, name);
	if (!(s = lt_read_file(path, &len)))
		fail_msg("cannot open %s", path);
	for (d = s, i = 0; i < len; i++)
		if (s[i] != '\\')
			*d++ = s[i];
	*d = '\0';
	return s;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Whether text holds the option name (its letters after the two dashes)
 * written with one or two dashes before it (mdoc's `Fl -name`, roff's
 * `--name`), as a whole word. */
static bool mentions(const char *text, const char *name, size_t n)
{
	const char *s;

	for (s = text; (s = strstr(s, name)) != NULL; s++) {
		if (s - text < 1 || s[-1] != '-' || word_char(s[n]) ||
		    (s - text >= 2 && s[-2] != '-' && s[-2] != ' ' && s[-2] != '|' &&
		     s[-2] != '[' && s[-2] != '('))
			continue;
		return true;
	}
	return false;
}

/* Each --name in usage is in man; returns how many there were. */
static int usage_in_man(const char *usage, const char *man, const char *what)
{
	const char *s;
	int count = 0;

	for (s = usage; (s = strstr(s, "--")) != NULL; s += 2) {
		char name[64];
		size_t n = 0;

		if (s > usage && word_char(s[-1]))
			continue;
		while (word_char(s[2 + n]) && n < sizeof(name) - 1) {
			name[n] = s[2 + n];
			n++;
		}
		name[n] = '\0';
		if (n == 0 || name[0] == '-')
			continue;
		count++;
		if (!mentions(man, name, n))
			fail_msg("%s --help names --%s, which its man page does not", what, name);
	}
	return count;
}

static void test_sockview(void **state)
{
	char *usage = run(ST_BUILD_DIR "/sockview --help 2>&1");
	char *man = man_text("sockview.1");
	const char *s;
	int items = 0;

	(void)state;
	assert_true(usage_in_man(usage, man, "sockview") >= 20);
	/* Each item of the options list, in the usage text. */
	for (s = man; (s = strstr(s, "\n.It Fl -")) != NULL; s++) {
		char name[64];
		size_t n = 0;

		while (word_char(s[9 + n]) && n < sizeof(name) - 1) {
			name[n] = s[9 + n];
			n++;
		}
		name[n] = '\0';
		if (!mentions(usage, name, n))
			fail_msg("sockview(1) describes --%s, which sockview --help does not name",
				 name);
		items++;
	}
	assert_true(items >= 20);
	free(usage);
	free(man);
}

static void test_socktrace(void **state)
{
	char *usage = run(ST_BUILD_DIR "/socktrace --help 2>&1");
	char *man = man_text("socktrace.1");

	(void)state;
	assert_true(usage_in_man(usage, man, "socktrace") >= 5);
	free(usage);
	free(man);
}

/* A bad option value is named in the first line, before the usage. */
static void test_bad_value(void **state)
{
	char *out = run(ST_BUILD_DIR "/sockview --color=bogus . 2>&1 >/dev/null");

	(void)state;
	if (strncmp(out, "sockview: --color: always, never or auto, not bogus\n", 52) != 0)
		fail_msg("sockview --color=bogus said:\n%s", out);
	assert_non_null(strstr(out, "usage: sockview"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockview),
		cmocka_unit_test(test_socktrace),
		cmocka_unit_test(test_bad_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
