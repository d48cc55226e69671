/*
 * test_viewer_scale.c: sockview on a generated run of many connections,
 * and the generator itself.
 *
 * The generator writes a TCP echo run with common/record.h: a server
 * (pid 1000) and a client (pid 1001), ten records per connection (client:
 * socket, connect, send, recv, close; server: accept, recv, send, recv 0,
 * close), client ports cycling so five-tuples repeat as in real life.
 *
 *   build/tests/test_viewer_scale --generate 1000000 /tmp/big
 *
 * makes a run of a million records for timing sockview by hand (see
 * docs/sockview.1).  Without arguments it is a cmocka test: a smaller run
 * (big enough to be parsed on two threads) through the sanitized viewer,
 * checking the connection count, the pairing and the bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record.h"

#define BASE_T 1763700000000000000LL

static void put_rec(FILE *f, struct st_rec *r)
{
	long n = st_rec_end(r);

	if (n > 0)
		fwrite(r->buf, 1, (size_t)n, f);
}

static void begin_call(struct st_rec *r, char *buf, size_t cap, const char *call,
		       int pid, int64_t t, int64_t dur, int fd, int64_t ret)
{
	st_rec_begin(r, buf, cap);
	st_rec_str(r, "call", call);
	st_rec_int(r, "pid", pid);
	st_rec_int(r, "tid", pid);
	st_rec_int(r, "t", t);
	st_rec_int(r, "dur", dur);
	if (fd >= 0)
		st_rec_int(r, "fd", fd);
	st_rec_int(r, "ret", ret);
}

static void put_header(FILE *f, int pid, const char *name)
{
	char buf[512];
	struct st_rec r;

	st_rec_begin(&r, buf, sizeof(buf));
	st_rec_int(&r, "socktrace", 1);
	st_rec_str(&r, "type", "header");
	st_rec_int(&r, "pid", pid);
	st_rec_int(&r, "ppid", 1);
	st_rec_int(&r, "t", BASE_T);
	st_rec_str(&r, "exe", name);
	st_rec_array_begin(&r, "argv");
	st_rec_array_str(&r, name, strlen(name));
	st_rec_array_end(&r);
	st_rec_bool(&r, "execd", false);
	st_rec_int(&r, "payload", 64);
	put_rec(f, &r);
}

static void put_data(FILE *f, const char *call, int pid, int64_t t, int fd,
		     const char *local, const char *peer, const char *data, size_t n)
{
	char buf[512];
	struct st_rec r;

	begin_call(&r, buf, sizeof(buf), call, pid, t, 2000, fd, (int64_t)n);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "local", local);
	st_rec_str(&r, "peer", peer);
	st_rec_int(&r, "bytes", (int64_t)n);
	st_rec_bytes(&r, "data", data, n);
	put_rec(f, &r);
}

static void put_simple(FILE *f, const char *call, int pid, int64_t t,
		       int64_t dur, int fd, int64_t ret, const char *local,
		       const char *peer)
{
	char buf[512];
	struct st_rec r;

	begin_call(&r, buf, sizeof(buf), call, pid, t, dur, fd, ret);
	st_rec_str(&r, "proto", "tcp");
	if (local)
		st_rec_str(&r, "local", local);
	if (peer)
		st_rec_str(&r, "peer", peer);
	put_rec(f, &r);
}

/* Writes about `records` records into dir (server 1000, client 1001). */
static int generate(long records, const char *dir)
{
	char path[4096], cl[32];
	const char *srv = "127.0.0.1:8080";
	FILE *s, *c;
	long conns = records / 10, i;
	char sb[512];
	struct st_rec r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/1000.jsonl", dir);
	if (!(s = fopen(path, "w")))
		return -1;
	snprintf(path, sizeof(path), "%s/1001.jsonl", dir);
	if (!(c = fopen(path, "w"))) {
		fclose(s);
		return -1;
	}
	put_header(s, 1000, "echo-server");
	put_header(c, 1001, "echo-client");
	begin_call(&r, sb, sizeof(sb), "socket", 1000, BASE_T + 1000, 1000, -1, 3);
	st_rec_str(&r, "proto", "tcp");
	st_rec_str(&r, "family", "AF_INET");
	put_rec(s, &r);
	for (i = 0; i < conns; i++) {
		int64_t t = BASE_T + 10000 + i * 100000LL;

		snprintf(cl, sizeof(cl), "127.0.0.1:%ld", 20000 + i % 40000);
		put_simple(c, "socket", 1001, t, 1000, -1, 5, NULL, NULL);
		put_simple(c, "connect", 1001, t + 2000, 3000, 5, 0, cl, srv);
		put_simple(s, "accept", 1000, t - 1000, 5000, 3, 4, srv, cl);
		put_data(c, "send", 1001, t + 10000, 5, cl, srv, "hello, world", 12);
		put_data(s, "recv", 1000, t + 11000, 4, srv, cl, "hello, world", 12);
		put_data(s, "send", 1000, t + 20000, 4, srv, cl, "HELLO, WORLD", 12);
		put_data(c, "recv", 1001, t + 21000, 5, cl, srv, "HELLO, WORLD", 12);
		put_simple(c, "close", 1001, t + 30000, 1000, 5, 0, cl, srv);
		put_data(s, "recv", 1000, t + 31000, 4, srv, cl, "", 0);
		put_simple(s, "close", 1000, t + 40000, 1000, 4, 0, srv, cl);
	}
	fclose(s);
	return fclose(c);
}

/* Runs the sanitized viewer with args, output to out; the exit status. */
static int run_viewer(const char *out, const char *a1, const char *a2,
		      const char *a3)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (!freopen(out, "w", stdout))
			_exit(127);
		execl(ST_BUILD_DIR "/asan/sockview", "sockview", a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_many_connections(void **state)
{
	char dir[] = "/tmp/sockview-scale-XXXXXX", out[4200], line[1024], cmd[8400];
	FILE *f;
	long n = 0, closed = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* 200000 records, over 16 MB: parsed on two threads (parallel.c). */
	assert_int_equal(generate(200000, dir), 0);
	snprintf(out, sizeof(out), "%s/conns.out", dir);
	assert_int_equal(run_viewer(out, "--conns", "--json", dir), 0);
	assert_non_null(f = fopen(out, "r"));
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, "\"bytes_c2s\":12,\"bytes_s2c\":12,\"end\":\"closed\"") &&
		    strstr(line, "\"client_pid\":1001") && strstr(line, "\"server_pid\":1000"))
			closed++;
	}
	fclose(f);
	assert_int_equal(n, 20000);
	assert_int_equal(closed, 20000);
	assert_int_equal(run_viewer(out, "--ascii", "--width=120", dir), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_connections),
	};

	if (argc == 4 && strcmp(argv[1], "--generate") == 0) {
		char *end;
		long n = strtol(argv[2], &end, 10);

		if (*end || n <= 0) {
			fprintf(stderr, "usage: %s --generate RECORDS DIR\n", argv[0]);
			return 2;
		}
		if (generate(n, argv[3]) < 0) {
			perror(argv[3]);
			return 1;
		}
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
