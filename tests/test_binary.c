/*
 * test_binary.c: the launcher's look at a program before it runs it
 * (launcher/binary.c): dynamic, static, script, unknown, and the libraries
 * a program asks for.  The Makefile links the launcher's object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "binary.h"

static char dir[] = "/tmp/st_binary.XXXXXX";

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	path_in(path, sizeof(path), name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_dynamic(void **state)
{
	char interp[256];

	(void)state;
	assert_int_equal(st_inspect_binary("/bin/true", interp, sizeof(interp)), ST_BIN_DYNAMIC);
	assert_true(st_binary_needs("/bin/true", "libc.so"));
	assert_false(st_binary_needs("/bin/true", "liburing"));
}

static void test_static(void **state)
{
	char src[256], bin[256], cmd[700], interp[256];

	(void)state;
	path_in(src, sizeof(src), "s.c");
	path_in(bin, sizeof(bin), "s");
	write_file("s.c", "int main(void){return 0;}\n", 26);
	snprintf(cmd, sizeof(cmd), "cc -static -o %s %s", bin, src);
	if (system(cmd) != 0)
		skip();	/* no static libc here */
	assert_int_equal(st_inspect_binary(bin, interp, sizeof(interp)), ST_BIN_STATIC);
	assert_false(st_binary_needs(bin, "libc.so"));
}

static void test_script(void **state)
{
	static const char text[] = "#!  /bin/sh -e\necho hi\n";
	char path[256], interp[256];

	(void)state;
	write_file("script", text, sizeof(text) - 1);
	path_in(path, sizeof(path), "script");
	assert_int_equal(st_inspect_binary(path, interp, sizeof(interp)), ST_BIN_SCRIPT);
	assert_string_equal(interp, "/bin/sh");
}

/* Not ELF, cut ELF, missing: nothing to say. */
static void test_unknown(void **state)
{
	char path[256], interp[256], head[200];
	FILE *f;
	size_t n;

	(void)state;
	write_file("text", "hello\n", 6);
	path_in(path, sizeof(path), "text");
	assert_int_equal(st_inspect_binary(path, interp, sizeof(interp)), ST_BIN_UNKNOWN);

	f = fopen("/bin/true", "rb");
	assert_non_null(f);
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	assert_true(n > 64);
	write_file("cut", head, 70);	/* the ELF header and no program headers */
	path_in(path, sizeof(path), "cut");
	assert_int_equal(st_inspect_binary(path, interp, sizeof(interp)), ST_BIN_UNKNOWN);
	assert_false(st_binary_needs(path, "libc.so"));

	path_in(path, sizeof(path), "missing");
	assert_int_equal(st_inspect_binary(path, interp, sizeof(interp)), ST_BIN_UNKNOWN);
	assert_false(st_binary_needs(path, "libc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
