/*
 * clockcmp.c: calls whose times the program takes itself, to compare with
 * the log's (tests/test_clock.c).
 *
 * usage: clockcmp self N
 *   sends and receives 64 bytes over a socketpair N times, with a pause of
 *   1 ms every 100 calls (so the log's times span several calibration
 *   pairs), and prints for each call "@ t CALL BEFORE AFTER": its own
 *   CLOCK_REALTIME readings, in ns, right before and after the call.
 * usage: clockcmp pingpong N
 *   forks; the parent pinned to the first CPU it may use, the child to the
 *   second (when there is one), N round trips of 64 bytes over a
 *   socketpair (parent sends first).  Prints "@ cpus PARENT CHILD".
 */
#include <err.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static int64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void self(long n)
{
	char buf[64];
	int sv[2];
	long i;

	memset(buf, 'x', sizeof(buf));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < n; i++) {
		int64_t a, b, c, d;

		a = now();
		if (send(sv[0], buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			err(1, "send");
		b = now();
		c = now();
		if (recv(sv[1], buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf))
			err(1, "recv");
		d = now();
		printf("@ t send %lld %lld\n@ t recv %lld %lld\n", (long long)a, (long long)b,
		       (long long)c, (long long)d);
		if (i % 100 == 99)
			usleep(1000);
	}
}

/* The n-th CPU this process may run on, or the first when there are
 * fewer. */
static int nth_cpu(int n)
{
	cpu_set_t s;
	int i, first = -1;

	if (sched_getaffinity(0, sizeof(s), &s) != 0)
		err(1, "sched_getaffinity");
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &s)) {
			if (first < 0)
				first = i;
			if (n-- == 0)
				return i;
		}
	return first;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s) != 0)
		err(1, "sched_setaffinity");
}

static void pingpong(long n)
{
	int c0 = nth_cpu(0), c1 = nth_cpu(1), sv[2], st;
	char buf[64];
	pid_t pid;
	long i;

	memset(buf, 'p', sizeof(buf));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	printf("@ cpus %d %d\n", c0, c1);
	pid = fork_flushed();
	if (pid == 0) {
		pin(c1);
		for (i = 0; i < n; i++) {
			if (recv(sv[1], buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf))
				err(1, "child recv");
			if (send(sv[1], buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
				err(1, "child send");
		}
		_exit(0);
	}
	pin(c0);
	for (i = 0; i < n; i++) {
		if (send(sv[0], buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			err(1, "send");
		if (recv(sv[0], buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf))
			err(1, "recv");
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		errx(1, "the child failed");
}

int main(int argc, char **argv)
{
	if (argc != 3)
		errx(2, "usage: clockcmp self|pingpong N");
	if (strcmp(argv[1], "self") == 0)
		self(parse_num(argv[2], 1, 1000000));
	else if (strcmp(argv[1], "pingpong") == 0)
		pingpong(parse_num(argv[2], 1, 1000000));
	else
		errx(2, "usage: clockcmp self|pingpong N");
	return 0;
}
