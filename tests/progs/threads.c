/*
 * threads.c: many threads moving fixed-size messages at once, for the
 * stress tests (tests/test_stress.c) to count the records.
 *
 * usage: threads [-s SIZE] [-S SHARED] T K
 *
 * T threads each make their own AF_UNIX stream socketpair and do K rounds
 * of send(SIZE bytes) on the first fd and recv(exactly SIZE bytes) on the
 * second.  SHARED more threads (default 0) share one AF_UNIX datagram
 * socketpair and do K rounds of send + recv each on it.  The message of
 * round k of thread i is msg_fill(i, k) (msgfill.h): "i:k:" then a filler,
 * so a reader can check every payload.
 *
 * Expected output, one line per thread in thread order, then a summary:
 *   @ thread <i> tid=<tid> send_fd=<fd> recv_fd=<fd>
 *   @ done sends=<(T+SHARED)*K> recvs=<(T+SHARED)*K>
 * Exits 1 with a message on any short or failed call.
 */
#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "msgfill.h"

struct worker {
	int index;
	int send_fd, recv_fd;
	pid_t tid;
	long sends, recvs;
};

static long rounds;
static size_t msg_size = 64;

static void *run(void *arg)
{
	struct worker *w = arg;
	char *out = malloc(msg_size), *in = malloc(msg_size);
	long k;

	if (!out || !in)
		err(1, "malloc");
	w->tid = (pid_t)syscall(SYS_gettid);
	for (k = 0; k < rounds; k++) {
		ssize_t n;

		msg_fill(out, msg_size, w->index, k);
		n = send(w->send_fd, out, msg_size, 0);
		if (n != (ssize_t)msg_size)
			err(1, "send thread %d round %ld: %zd", w->index, k, n);
		w->sends++;
		/* Stream sockets: one recv gets the whole message unless the
		 * kernel splits it; a short read fails the run (the tests
		 * count one record per recv). */
		n = recv(w->recv_fd, in, msg_size, MSG_WAITALL);
		if (n != (ssize_t)msg_size)
			err(1, "recv thread %d round %ld: %zd", w->index, k, n);
		w->recvs++;
	}
	free(out);
	free(in);
	return NULL;
}

int main(int argc, char **argv)
{
	int shared = 0, nthreads, opt, i, shared_sv[2] = { -1, -1 };
	struct worker *w;
	pthread_t *th;
	long sends = 0, recvs = 0;

	while ((opt = getopt(argc, argv, "s:S:")) != -1) {
		switch (opt) {
		case 's':
			msg_size = (size_t)parse_num(optarg, 16, 1 << 20);
			break;
		case 'S':
			shared = (int)parse_num(optarg, 0, 256);
			break;
		default:
			fprintf(stderr, "usage: threads [-s SIZE] [-S SHARED] T K\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: threads [-s SIZE] [-S SHARED] T K\n");
		return 2;
	}
	nthreads = (int)parse_num(argv[optind], 0, 256);
	rounds = parse_num(argv[optind + 1], 1, 100000000);
	w = calloc((size_t)(nthreads + shared), sizeof(*w));
	th = calloc((size_t)(nthreads + shared), sizeof(*th));
	if (!w || !th)
		err(1, "calloc");
	if (shared && socketpair(AF_UNIX, SOCK_DGRAM, 0, shared_sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < nthreads + shared; i++) {
		int sv[2];

		w[i].index = i;
		if (i < nthreads) {
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
				err(1, "socketpair");
			w[i].send_fd = sv[0];
			w[i].recv_fd = sv[1];
		} else {
			w[i].send_fd = shared_sv[0];
			w[i].recv_fd = shared_sv[1];
		}
	}
	for (i = 0; i < nthreads + shared; i++)
		if (pthread_create(&th[i], NULL, run, &w[i]) != 0)
			errx(1, "pthread_create");
	for (i = 0; i < nthreads + shared; i++) {
		pthread_join(th[i], NULL);
		sends += w[i].sends;
		recvs += w[i].recvs;
	}
	for (i = 0; i < nthreads + shared; i++)
		printf("@ thread %d tid=%d send_fd=%d recv_fd=%d\n", i, (int)w[i].tid,
		       w[i].send_fd, w[i].recv_fd);
	printf("@ done sends=%ld recvs=%ld\n", sends, recvs);
	return 0;
}
