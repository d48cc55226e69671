/*
 * sockpair_loop.c: the per-call cost benchmark.  One process, one
 * socketpair(AF_UNIX, SOCK_STREAM); each iteration sends SIZE bytes on one
 * end and receives them on the other, so every iteration is two traced data
 * calls and almost nothing else.  Run untraced and under the library, the
 * difference per call is what tracing adds to a cheap socket call.
 *
 * Usage: sockpair_loop [-s SIZE] [ITERATIONS]
 * Prints one line:
 *   sockpair_loop iters=N size=S elapsed_ns=T ns_per_iter=X
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define MAX_SIZE 65536

static void usage(void)
{
	fprintf(stderr, "usage: sockpair_loop [-s size] [iterations]\n");
	exit(2);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static char out[MAX_SIZE], in[MAX_SIZE];
	long iters = 200000, size = 64, i;
	int sv[2], c;
	int64_t t0, t1;

	while ((c = getopt(argc, argv, "s:")) != -1) {
		switch (c) {
		case 's':
			size = parse_num(optarg, 1, MAX_SIZE, "size");
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (argc - optind == 1)
		iters = parse_num(argv[optind], 1, LONG_MAX / 2, "iteration count");

	/* Printable payload, like a text protocol: the tracer's escaping
	 * takes its common path. */
	for (i = 0; i < size; i++)
		out[i] = (char)('a' + i % 26);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");

	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		ssize_t n = send(sv[0], out, (size_t)size, 0);
		ssize_t got = 0;

		if (n != size)
			err(1, "send returned %zd", n);
		/* A stream socket may split; small sizes never do in practice. */
		while (got < size) {
			n = recv(sv[1], in + got, (size_t)(size - got), 0);
			if (n <= 0)
				err(1, "recv returned %zd", n);
			got += n;
		}
	}
	t1 = now_ns();

	close(sv[0]);
	close(sv[1]);
	if (memcmp(in, out, (size_t)size) != 0)
		errx(1, "payload corrupted");
	printf("sockpair_loop iters=%ld size=%ld elapsed_ns=%" PRId64 " ns_per_iter=%.1f\n",
	       iters, size, t1 - t0, (double)(t1 - t0) / (double)iters);
	return 0;
}
