/*
 * test_launcher.c: the socktrace command as a user runs it: exit status
 * passed through, usage errors, logs of a killed process trimmed, and
 * several runs sharing one trace directory (a server traced in one run, its
 * clients in others) without one run's tidying cutting the live server's
 * log.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static char dir[] = "/tmp/st_launcher.XXXXXX";

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

/* Runs a shell command line; returns its exit status (or -1). */
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Counts lines of a file holding the string; -1 when it cannot be read. */
static long count_in(const char *path, const char *needle)
{
	char line[8192];
	long n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace -q --no-view -o %s/st -- sh -c 'exit 7'", dir), 7);
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace -q --no-view -o %s/st -- sh -c 'kill -9 $$'", dir),
			 128 + 9);
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace -q --no-view -o %s/st -- /nonexistent/prog "
			    "2>/dev/null", dir), 127);
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace --help > /dev/null"), 0);
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace 2>/dev/null"), 2);
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace -s lots -- true 2>/dev/null"), 2);
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace --bogus -- true 2>/dev/null"), 2);
}

/* A process killed with SIGKILL leaves zero padding; the launcher cuts it
 * once the process is gone, and every record stays. */
static void test_killed_log_trimmed(void **state)
{
	char path[512], buf[4096];
	struct dirent *de;
	DIR *d;
	FILE *f;
	size_t n, total = 0;
	int logs = 0;

	(void)state;
	assert_int_equal(sh(ST_BUILD_DIR "/socktrace -q --no-view -o %s/killed -- python3 -c '"
			    "import os, socket\n"
			    "a, b = socket.socketpair()\n"
			    "a.send(b\"bye\"); b.recv(3)\n"
			    "os.kill(os.getpid(), 9)'", dir), 128 + 9);
	snprintf(path, sizeof(path), "%s/killed", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".jsonl"))
			continue;
		logs++;
		snprintf(path, sizeof(path), "%s/killed/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			assert_null(memchr(buf, '\0', n));
			total += n;
		}
		fclose(f);
		assert_true(total > 0 && buf[(n ? n : 1) - 1] != '\0');
		assert_int_equal(count_in(path, "\"call\":\"recv\""), 1);
	}
	closedir(d);
	assert_int_equal(logs, 1);
}

/* The server runs under one socktrace, its two clients under two others,
 * all into one directory: the clients' runs end while the server still
 * writes, and its log must keep both connections. */
static void test_shared_directory(void **state)
{
	char out[512], line[512], path[512];
	FILE *f;
	int port = 0, i;
	long accepts = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(out, sizeof(out), "%s/server.out", dir);
	assert_int_equal(sh("(" ST_BUILD_DIR "/socktrace -q --no-view -o %s/shared -- "
			    ST_BUILD_DIR "/examples/tcp_echo_server -n 2 > %s &)", dir, out), 0);
	for (i = 0; i < 200 && !port; i++) {
		f = fopen(out, "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *colon = strrchr(line, ':');

			if (strncmp(line, "@ listen", 8) == 0 && colon)
				port = atoi(colon + 1);
		}
		if (f)
			fclose(f);
		if (!port)
			usleep(50000);
	}
	assert_true(port > 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(sh(ST_BUILD_DIR "/socktrace -q --no-view -o %s/shared -- "
				    ST_BUILD_DIR "/examples/tcp_echo_client 127.0.0.1 %d hi > /dev/null",
				    dir, port), 0);
	/* The server exits after its second client; wait for its log to end. */
	for (i = 0; i < 200; i++) {
		if (count_in(out, "@ closed fd=3") > 0)
			break;
		usleep(50000);
	}
	usleep(200000);
	snprintf(path, sizeof(path), "%s/shared", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		long a;

		if (!strstr(de->d_name, ".jsonl"))
			continue;
		snprintf(path, sizeof(path), "%s/shared/%s", dir, de->d_name);
		a = count_in(path, "\"call\":\"accept\"");
		if (a > 0)
			accepts += a;
	}
	closedir(d);
	assert_int_equal(accepts, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_killed_log_trimmed),
		cmocka_unit_test(test_shared_directory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
