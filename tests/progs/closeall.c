/*
 * closeall.c: a program that closes every file descriptor, then puts
 * sockets on low fd numbers (tests/test_faults.c).
 *
 * usage: closeall MODE RESULTFILE
 *   MODE close_range: close_range(3, ~0U, 0)
 *        loop:        close(fd) for fd 0..1023
 *        closefrom:   closefrom(0)
 * After that (stdio may be gone) it opens RESULTFILE, makes a socketpair,
 * dup2()s its two ends over fds 0 and 1, 2 and 5, 7 and 100 in turn and does
 * 10 rounds of send(32 bytes)+recv on each pair, checking the data.  Writes
 * to RESULTFILE (expected output):
 *   @ pair <a> <b> ok        (for a/b = 0/1, 2/5, 7/100)
 *   @ done rounds=30
 *
 * usage: closeall -d RESULTFILE T ROUNDS
 *   T threads send and recv 4 KiB messages (run with SOCKTRACE_PAYLOAD=all,
 *   so the log grows a chunk every ~1000 records) while the main thread, for
 *   ROUNDS rounds, dup2()s a socket over each fd number from 3 to 63 that it
 *   does not use itself, checks with fcntl(F_GETFD) and one send that the fd
 *   is still its socket, and closes it again.  Expected output:
 *   @ dup rounds=<ROUNDS> bad=0
 *   @ done sends=<n> recvs=<n>
 */
#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

#define BIG 4096

static atomic_int stop;
static atomic_long sends, recvs;

/* 10 rounds over the pair a -> b; 0 when every byte came back right. */
static int rounds_on(int a, int b)
{
	char out[32], in[32];
	int k;

	for (k = 0; k < 10; k++) {
		memset(out, 'A' + k, sizeof(out));
		if (send(a, out, sizeof(out), 0) != (ssize_t)sizeof(out))
			return -1;
		if (recv(b, in, sizeof(in), MSG_WAITALL) != (ssize_t)sizeof(in))
			return -1;
		if (memcmp(in, out, sizeof(in)) != 0)
			return -1;
	}
	return 0;
}

static int run_close(const char *mode, const char *result)
{
	static const int pairs[][2] = { { 0, 1 }, { 2, 5 }, { 7, 100 } };
	FILE *out;
	int sv[2], fd, i, total = 0;

	if (strcmp(mode, "close_range") == 0) {
		if (close_range(3, ~0U, 0) != 0)
			return 3;
	} else if (strcmp(mode, "loop") == 0) {
		for (fd = 0; fd < 1024; fd++)
			close(fd);
	} else if (strcmp(mode, "closefrom") == 0) {
		closefrom(0);
	} else {
		return 2;
	}
	/* The result file takes the lowest free number; keep it out of the
	 * way of the pairs. */
	fd = open(result, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 4;
	if (dup2(fd, 50) != 50)
		return 4;
	close(fd);
	out = fdopen(50, "w");
	if (!out)
		return 4;
	for (i = 0; i < 3; i++) {
		int a = pairs[i][0], b = pairs[i][1];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			return 5;
		/* socketpair may itself land on a or b: move it out first. */
		if (dup2(sv[0], 200) != 200 || dup2(sv[1], 201) != 201)
			return 5;
		close(sv[0]);
		close(sv[1]);
		if (dup2(200, a) != a || dup2(201, b) != b)
			return 5;
		close(200);
		close(201);
		if (rounds_on(a, b) == 0) {
			fprintf(out, "@ pair %d %d ok\n", a, b);
			total += 10;
		} else {
			fprintf(out, "@ pair %d %d bad\n", a, b);
		}
		close(a);
		close(b);
	}
	fprintf(out, "@ done rounds=%d\n", total);
	fclose(out);
	return 0;
}

/* One flood thread: 4 KiB round trips on its socketpair (fds sv[0], sv[1],
 * both >= 300, made before the dup2 loop starts). */
static void *flood(void *arg)
{
	const int *sv = arg;
	char *buf = malloc(BIG);

	if (!buf)
		err(1, "malloc");
	memset(buf, 'd', BIG);
	while (!atomic_load(&stop)) {
		if (send(sv[0], buf, BIG, 0) != BIG)
			err(1, "send");
		atomic_fetch_add(&sends, 1);
		if (recv(sv[1], buf, BIG, MSG_WAITALL) != BIG)
			err(1, "recv");
		atomic_fetch_add(&recvs, 1);
	}
	free(buf);
	return NULL;
}

/* A socketpair of the given type moved to fds at and at + 1. */
static void pair_at(int type, int at, int sv[2])
{
	int tmp[2];

	if (socketpair(AF_UNIX, type, 0, tmp) != 0)
		err(1, "socketpair");
	if (dup2(tmp[0], at) != at || dup2(tmp[1], at + 1) != at + 1)
		err(1, "dup2");
	close(tmp[0]);
	close(tmp[1]);
	sv[0] = at;
	sv[1] = at + 1;
}

static int run_dup(const char *result, int nthreads, long rounds)
{
	pthread_t th[16];
	int fsv[16][2];
	FILE *out = fopen(result, "w");
	int sv[2], i, fd, bad = 0, outfd;
	long r;

	if (!out)
		err(1, "%s", result);
	outfd = fileno(out);
	/* Every fd of ours sits above the range the loop dup2()s over. */
	pair_at(SOCK_DGRAM, 400, sv);
	for (i = 0; i < nthreads; i++) {
		pair_at(SOCK_STREAM, 300 + 2 * i, fsv[i]);
		if (pthread_create(&th[i], NULL, flood, fsv[i]) != 0)
			errx(1, "pthread_create");
	}
	for (r = 0; r < rounds; r++) {
		for (fd = 3; fd < 64; fd++) {
			char c;

			if (fd == outfd || fcntl(fd, F_GETFD) >= 0)
				continue;	/* in use by us or a flood thread */
			if (dup2(400, fd) != fd) {
				bad++;
				continue;
			}
			if (fcntl(fd, F_GETFD) < 0 || send(fd, "x", 1, 0) != 1 ||
			    recv(401, &c, 1, 0) != 1)
				bad++;
			close(fd);
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	fprintf(out, "@ dup rounds=%ld bad=%d\n", rounds, bad);
	fprintf(out, "@ done sends=%ld recvs=%ld\n", atomic_load(&sends), atomic_load(&recvs));
	fclose(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "-d") == 0)
		return run_dup(argv[2], (int)parse_num(argv[3], 1, 16),
			       parse_num(argv[4], 1, 1000000));
	if (argc == 3)
		return run_close(argv[1], argv[2]);
	fprintf(stderr, "usage: closeall MODE RESULTFILE | closeall -d RESULTFILE T ROUNDS\n");
	return 2;
}
