/*
 * test_calls.c: the call table common/calls.def and what is made from it
 * agree: its CALL rows, the global: names of the version script the build
 * made from them (build/libtrace.map), and the dynamic symbols
 * build/libtrace.so defines (nm -D --defined-only).  A map or library not
 * remade, or a wrapper not exported, fails here.  And the DATA frame ids
 * of the table are those of the log format, which never change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocab.h"

#define MAX_NAMES 256

struct names {
	int n;
	char s[MAX_NAMES][64];
};

static void add_name(struct names *ns, const char *p, size_t n)
{
	if (n == 0 || n >= sizeof ns->s[0])
		fail_msg("bad name length %zu", n);
	if (ns->n == MAX_NAMES)
		fail_msg("too many names");
	memcpy(ns->s[ns->n], p, n);
	ns->s[ns->n][n] = '\0';
	ns->n++;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("read %s", path);
	fclose(f);
	return buf;
}

/* Removes C comments in place. */
static void strip_comments(char *s)
{
	char *p;

	while ((p = strstr(s, "/*")) != NULL) {
		char *e = strstr(p + 2, "*/");

		if (e == NULL) {
			*p = '\0';
			return;
		}
		memmove(p, e + 2, strlen(e + 2) + 1);
	}
}

/* The CALL rows of calls.def, as the compiler expands them. */
static const char *const table[] = {
#define CALL(name, group, frame, view) #name,
#include "calls.def"
};

static void read_calls_def(struct names *ns)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		add_name(ns, table[i], strlen(table[i]));
}

/* The names between "global:" and "local:" of the version script. */
static void read_map(struct names *ns)
{
	char *text = read_all(ST_BUILD_DIR "/libtrace.map");
	char *g, *l;

	strip_comments(text);
	g = strstr(text, "global:");
	assert_non_null(g);
	l = strstr(g, "local:");
	assert_non_null(l);
	*l = '\0';
	for (char *p = g + 7; *p;) {
		char *q = p;

		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		if (q > p) {
			add_name(ns, p, (size_t)(q - p));
			p = q;
		} else {
			p++;
		}
	}
	free(text);
}

/* The defined dynamic symbols of the library (functions and data). */
static void read_nm(struct names *ns)
{
	FILE *f = popen("nm -D --defined-only " ST_BUILD_DIR "/libtrace.so", "r");
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		char addr[64], type[8], name[256];
		char *at;

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		/* Version nodes (type A) are not symbols of ours. */
		if (strcmp(type, "A") == 0)
			continue;
		at = strchr(name, '@');
		if (at)
			*at = '\0';
		add_name(ns, name, strlen(name));
	}
	assert_int_equal(pclose(f), 0);
}

static void sort_names(struct names *ns)
{
	qsort(ns->s, (size_t)ns->n, sizeof ns->s[0], cmp_name);
}

static void no_duplicates(const struct names *ns, const char *what)
{
	for (int i = 1; i < ns->n; i++)
		if (strcmp(ns->s[i - 1], ns->s[i]) == 0)
			fail_msg("%s lists %s twice", what, ns->s[i]);
}

/* Fails naming every name in a and not in b, and the other way round. */
static void same_set(const struct names *a, const char *an, const struct names *b,
		     const char *bn)
{
	int i = 0, j = 0, bad = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->s[i], b->s[j]);

		if (c < 0) {
			print_message("%s in %s, not in %s\n", a->s[i], an, bn);
			bad++;
			i++;
		} else if (c > 0) {
			print_message("%s in %s, not in %s\n", b->s[j], bn, an);
			bad++;
			j++;
		} else {
			i++;
			j++;
		}
	}
	if (bad)
		fail_msg("%s and %s differ in %d names", an, bn, bad);
}

static void test_def_matches_map(void **state)
{
	static struct names def, map;

	(void)state;
	memset(&def, 0, sizeof def);
	memset(&map, 0, sizeof map);
	read_calls_def(&def);
	read_map(&map);
	assert_true(def.n > 20);
	sort_names(&def);
	sort_names(&map);
	no_duplicates(&def, "calls.def");
	no_duplicates(&map, "build/libtrace.map");
	same_set(&def, "calls.def", &map, "build/libtrace.map");
}

static void test_exports_match_def(void **state)
{
	static struct names def, nm;

	(void)state;
	memset(&def, 0, sizeof def);
	memset(&nm, 0, sizeof nm);
	read_calls_def(&def);
	read_nm(&nm);
	sort_names(&def);
	sort_names(&nm);
	same_set(&def, "calls.def", &nm, "nm -D libtrace.so");
}

/* The aux of a DATA frame names its call by these numbers
 * (docs/log-format.md): logs already written depend on them. */
static void test_frame_ids_fixed(void **state)
{
	static const char *const want[] = {
		"send", "sendto", "sendmsg", "write", "writev", "recv", "recvfrom",
		"recvmsg", "read", "readv", "sendfile", "sendfile64", "poll", "ppoll",
		"select", "pselect", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	};

	(void)state;
	assert_int_equal(ST_DC_COUNT, sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < ST_DC_COUNT; i++)
		assert_string_equal(st_dcall_names[i], want[i]);
	assert_int_equal(ST_DC_SEND, 0);
	assert_int_equal(ST_DC_SENDFILE64, 11);
	assert_int_equal(ST_DC_POLL, 12);
	assert_int_equal(ST_DC_EPOLL_PWAIT2, 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_def_matches_map),
		cmocka_unit_test(test_exports_match_def),
		cmocka_unit_test(test_frame_ids_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
