/*
 * tcp_pingpong.c: the round-trip benchmark.  The process listens on
 * 127.0.0.1 (ephemeral port), forks a server child that accepts one
 * connection and echoes, then connects and does ROUNDS round trips of SIZE
 * bytes with TCP_NODELAY on both ends.  Under LD_PRELOAD both processes are
 * traced (the child inherits the library through fork).  Each round trip is
 * four traced data calls and two loopback wake-ups, so the tracer's share
 * is small: this is the cost a latency-bound client/server pair sees.
 *
 * Where the two processes run matters a great deal on a virtual machine: on
 * one CPU a round trip is two context switches; on two CPUs it is two
 * cross-CPU wake-ups, which cost tens of microseconds when the other vCPU
 * sleeps, and the scheduler moves the pair between the two cases from run to
 * run.  So the CPUs can be chosen: -c CPU pins both processes to CPU, -C pins
 * the client to CPU 0 and the server to CPU 1.
 *
 * Usage: tcp_pingpong [-s SIZE] [-c CPU | -C] [ROUNDS]
 * Prints one line (from the client, after the server exited):
 *   tcp_pingpong rounds=N size=S elapsed_ns=T ns_per_round=X
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define MAX_SIZE 65536

static void usage(void)
{
	fprintf(stderr, "usage: tcp_pingpong [-s size] [-c cpu | -C] [rounds]\n");
	exit(2);
}

/* Pins the calling process to one CPU (cpu < 0: leaves it alone). */
static void pin_to(long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		err(1, "sched_setaffinity to CPU %ld", cpu);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		err(1, "setsockopt TCP_NODELAY");
}

/* Receives exactly n bytes: 0, or -1 on EOF or error. */
static int recv_all(int fd, char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The child: accepts one connection and echoes whole messages until EOF. */
static void serve(int lfd, size_t size)
{
	static char buf[MAX_SIZE];
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		err(1, "accept");
	close(lfd);
	set_nodelay(fd);
	while (recv_all(fd, buf, size) == 0) {
		if (send(fd, buf, size, 0) != (ssize_t)size)
			err(1, "server send");
	}
	close(fd);
	/* exit, not _exit: a normal exit lets the tracer trim its log. */
	exit(0);
}

int main(int argc, char **argv)
{
	static char out[MAX_SIZE], in[MAX_SIZE];
	long rounds = 20000, size = 64, i;
	long client_cpu = -1, server_cpu = -1;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int lfd, fd, c, status;
	int64_t t0, t1;
	pid_t child;

	while ((c = getopt(argc, argv, "s:c:C")) != -1) {
		switch (c) {
		case 's':
			size = parse_num(optarg, 1, MAX_SIZE, "size");
			break;
		case 'c':
			client_cpu = server_cpu = parse_num(optarg, 0, CPU_SETSIZE - 1, "cpu");
			break;
		case 'C':
			client_cpu = 0;
			server_cpu = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (argc - optind == 1)
		rounds = parse_num(argv[optind], 1, LONG_MAX, "round count");
	for (i = 0; i < size; i++)
		out[i] = (char)('A' + i % 26);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		err(1, "socket");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		err(1, "bind 127.0.0.1:0");
	if (listen(lfd, 1) != 0)
		err(1, "listen");
	if (getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		err(1, "getsockname");

	child = fork();
	if (child < 0)
		err(1, "fork");
	if (child == 0) {
		pin_to(server_cpu);
		serve(lfd, (size_t)size);
	}
	close(lfd);
	pin_to(client_cpu);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		kill(child, SIGKILL);
		err(1, "connect");
	}
	set_nodelay(fd);

	t0 = now_ns();
	for (i = 0; i < rounds; i++) {
		if (send(fd, out, (size_t)size, 0) != size || recv_all(fd, in, (size_t)size) != 0) {
			kill(child, SIGKILL);
			err(1, "round trip %ld failed", i);
		}
	}
	t1 = now_ns();

	close(fd);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "server child failed");
	if (memcmp(in, out, (size_t)size) != 0)
		errx(1, "payload corrupted");
	printf("tcp_pingpong rounds=%ld size=%ld elapsed_ns=%" PRId64 " ns_per_round=%.1f\n",
	       rounds, size, t1 - t0, (double)(t1 - t0) / (double)rounds);
	return 0;
}
