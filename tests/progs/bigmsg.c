/*
 * bigmsg.c: single messages bigger than the staging ring's threshold for
 * frames written straight into the log file (preload/sink.c), and bigger
 * than the ring itself, for tests/test_stress.c.
 *
 * usage: bigmsg [-t] [-T] SIZE...
 *
 * One connection: an AF_UNIX stream socketpair, or with -t a loopback TCP
 * connection.  For each SIZE in turn this process sends message i
 * (big_msg_fill(i), msgfill.h) in one send() on its end, while a receiver
 * takes it in with one recv(MSG_WAITALL) on the other end and checks it
 * byte for byte.  The receiver is a child process (so its records go to a
 * log of its own), or with -T a second thread of this process (so both
 * ends' records go through one staging ring, each waiting for the other's
 * big frames).  Expected output, once the receiver is done:
 *   @ conn send_fd=<fd> recv_fd=<fd> send_tid=<tid> recv_tid=<tid>
 *   @ done msgs=<count of SIZEs> bytes=<their sum>
 * (a child receiver's tid is its pid).  Exits 1 with a message on a failed
 * or short call or a message that arrived different.
 */
#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "msgfill.h"

#define SIZE_MAX_MSG (16L << 20)

static size_t *sizes;
static int nmsgs;
static int recv_fd;
static pid_t recv_tid;

/* The receiving thread: each message whole, in one call, as sent. */
static void *receive(void *arg)
{
	unsigned char *got = malloc(SIZE_MAX_MSG), *want = malloc(SIZE_MAX_MSG);
	int i;

	(void)arg;
	if (!got || !want)
		err(1, "malloc");
	recv_tid = (pid_t)syscall(SYS_gettid);
	for (i = 0; i < nmsgs; i++) {
		ssize_t n = recv(recv_fd, got, sizes[i], MSG_WAITALL);

		if (n != (ssize_t)sizes[i])
			err(1, "recv of message %d: %zd of %zu bytes", i, n, sizes[i]);
		big_msg_fill(want, sizes[i], i);
		if (memcmp(got, want, sizes[i]) != 0)
			errx(1, "message %d arrived different", i);
	}
	free(got);
	free(want);
	return NULL;
}

/* A loopback TCP connection: *a the connecting end, *b the accepted one. */
static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) != 0)
		err(1, "listen");
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		err(1, "connect");
	*b = accept(l, NULL, NULL);
	if (*b < 0)
		err(1, "accept");
	close(l);
}

/* The receiver in a child process, which exits when done; its pid. */
static pid_t receive_in_child(int send_fd)
{
	pid_t pid = fork_flushed();

	if (pid == 0) {
		close(send_fd);
		receive(NULL);
		exit(0);	/* not _exit: the library copies its ring out at exit */
	}
	close(recv_fd);
	return pid;
}

static void usage(void)
{
	fprintf(stderr, "usage: bigmsg [-t] [-T] SIZE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned char *out = malloc(SIZE_MAX_MSG);
	int tcp = 0, thread = 0, opt, i, st, sv[2];
	size_t total = 0;
	pid_t child = 0;
	pthread_t th;

	while ((opt = getopt(argc, argv, "tT")) != -1) {
		if (opt == 't')
			tcp = 1;
		else if (opt == 'T')
			thread = 1;
		else
			usage();
	}
	nmsgs = argc - optind;
	if (nmsgs == 0)
		usage();
	sizes = calloc((size_t)nmsgs, sizeof(*sizes));
	if (!out || !sizes)
		err(1, "malloc");
	for (i = 0; i < nmsgs; i++)
		sizes[i] = (size_t)parse_num(argv[optind + i], 1, SIZE_MAX_MSG);
	if (tcp)
		tcp_pair(&sv[0], &sv[1]);
	else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	recv_fd = sv[1];
	if (thread && pthread_create(&th, NULL, receive, NULL) != 0)
		errx(1, "pthread_create");
	if (!thread)
		child = receive_in_child(sv[0]);
	for (i = 0; i < nmsgs; i++) {
		ssize_t n;

		big_msg_fill(out, sizes[i], i);
		n = send(sv[0], out, sizes[i], 0);
		if (n != (ssize_t)sizes[i])
			err(1, "send of message %d: %zd of %zu bytes", i, n, sizes[i]);
		total += sizes[i];
	}
	if (thread) {
		pthread_join(th, NULL);
	} else {
		if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			errx(1, "the receiver failed");
		recv_tid = child;
	}
	printf("@ conn send_fd=%d recv_fd=%d send_tid=%d recv_tid=%d\n", sv[0], sv[1],
	       (int)syscall(SYS_gettid), (int)recv_tid);
	printf("@ done msgs=%d bytes=%zu\n", nmsgs, total);
	free(out);
	free(sizes);
	return 0;
}
