/*
 * killme.c: a program that the tests kill with SIGKILL
 * (tests/test_faults.c), to prove that every call that returned before the
 * kill is in the log.
 *
 * usage: killme -n N
 *   One AF_UNIX stream socketpair; N rounds of send(64 bytes) on the first
 *   fd and recv(64 bytes) on the second, then prints
 *     @ ready fd0=<fd> fd1=<fd> rounds=<N>
 *   and waits to be killed.
 *
 * usage: killme -f T COUNTFILE
 *   T threads, each with its own socketpair, send and recv 64-byte messages
 *   until killed.  COUNTFILE (created, 8*T bytes) is mapped shared; slot i
 *   holds how many calls of thread i have returned, stored after each call
 *   returns.  Prints one line per thread, then "@ ready" once every thread
 *   has done 200 calls:
 *     @ thread <i> tid=<tid>
 *     @ ready
 */
#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

#define MSG 64

struct worker {
	int index;
	int sv[2];
	_Atomic pid_t tid;
};

static _Atomic uint64_t *counts;

static void round_trip(int a, int b, char *buf)
{
	if (send(a, buf, MSG, 0) != MSG)
		err(1, "send");
	if (recv(b, buf, MSG, MSG_WAITALL) != MSG)
		err(1, "recv");
}

static void *flood(void *arg)
{
	struct worker *w = arg;
	char buf[MSG];

	memset(buf, 'f', sizeof(buf));
	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	for (;;) {
		if (send(w->sv[0], buf, MSG, 0) != MSG)
			err(1, "send");
		atomic_fetch_add(&counts[w->index], 1);
		if (recv(w->sv[1], buf, MSG, MSG_WAITALL) != MSG)
			err(1, "recv");
		atomic_fetch_add(&counts[w->index], 1);
	}
	return NULL;
}

static int run_flood(int n, const char *path)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	pthread_t th;
	int fd, i;
	bool all;

	if (!w)
		err(1, "calloc");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)(8 * n)) != 0)
		err(1, "%s", path);
	counts = mmap(NULL, (size_t)(8 * n), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (counts == MAP_FAILED)
		err(1, "mmap");
	for (i = 0; i < n; i++) {
		w[i].index = i;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, w[i].sv) != 0)
			err(1, "socketpair");
		if (pthread_create(&th, NULL, flood, &w[i]) != 0)
			errx(1, "pthread_create");
	}
	do {
		usleep(1000);
		all = true;
		for (i = 0; i < n; i++)
			if (atomic_load(&counts[i]) < 200 || !atomic_load(&w[i].tid))
				all = false;
	} while (!all);
	for (i = 0; i < n; i++)
		printf("@ thread %d tid=%d\n", i, (int)atomic_load(&w[i].tid));
	printf("@ ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	char buf[MSG];
	int sv[2];
	long n, k;

	if (argc == 4 && strcmp(argv[1], "-f") == 0)
		return run_flood((int)parse_num(argv[2], 1, 64), argv[3]);
	if (argc != 3 || strcmp(argv[1], "-n") != 0) {
		fprintf(stderr, "usage: killme -n N | killme -f T COUNTFILE\n");
		return 2;
	}
	n = parse_num(argv[2], 0, 10000000);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	memset(buf, 'k', sizeof(buf));
	for (k = 0; k < n; k++)
		round_trip(sv[0], sv[1], buf);
	printf("@ ready fd0=%d fd1=%d rounds=%ld\n", sv[0], sv[1], n);
	fflush(stdout);
	for (;;)
		pause();
}
