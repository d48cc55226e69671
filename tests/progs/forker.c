/*
 * forker.c: fork under the library (tests/test_stress.c).
 *
 * usage: forker -n N
 *   Makes an AF_UNIX stream socketpair, forks N children one after the
 *   other.  Child i makes its own socketpair, does 3 rounds of send+recv of
 *   16 bytes on it, sends one 8-byte message "child<i>\n"-style to the parent
 *   over the inherited socket and exits 0.  The parent receives each message
 *   after the child ends.  Expected output (the parent's):
 *     @ child <i> pid=<pid> status=0
 *     @ parent pid=<pid> got=<N>
 *
 * usage: forker -t T N
 *   Starts T threads that send and recv 64 bytes on their own socketpairs
 *   without pause, waits until each has done a round, then forks N
 *   children while they run; each child does one
 *   send+recv on a new socketpair and exits 0 (a child that deadlocks never
 *   exits: the test kills the whole run after a timeout).  Expected output:
 *     @ child <i> pid=<pid> status=0     (N lines)
 *     @ parent pid=<pid> forks=<N>
 */
#include <err.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static atomic_int stop;
static atomic_int flooding;	/* threads that have done a first round */

/* n rounds of send+recv of size bytes on a new socketpair. */
static void pair_rounds(int n, size_t size)
{
	char buf[64];
	int sv[2], k;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	memset(buf, 'c', sizeof(buf));
	for (k = 0; k < n; k++) {
		if (send(sv[0], buf, size, 0) != (ssize_t)size)
			err(1, "send");
		if (recv(sv[1], buf, size, MSG_WAITALL) != (ssize_t)size)
			err(1, "recv");
	}
	close(sv[0]);
	close(sv[1]);
}

static void *flood(void *arg)
{
	(void)arg;
	pair_rounds(1, 64);
	atomic_fetch_add(&flooding, 1);
	while (!atomic_load(&stop))
		pair_rounds(50, 64);
	return NULL;
}

static int wait_child(int i, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid");
	printf("@ child %d pid=%d status=%d\n", i, (int)pid,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int run_plain(int n)
{
	int sv[2], i, bad = 0, got = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < n; i++) {
		char msg[8];
		pid_t pid = fork_flushed();

		if (pid == 0) {
			pair_rounds(3, 16);
			snprintf(msg, sizeof(msg), "child%d", i % 10);
			if (send(sv[1], msg, 8, 0) != 8)
				_exit(1);
			_exit(0);
		}
		bad |= wait_child(i, pid);
		if (recv(sv[0], msg, 8, MSG_WAITALL) == 8)
			got++;
	}
	printf("@ parent pid=%d got=%d\n", (int)getpid(), got);
	return bad;
}

static int run_threaded(int nthreads, int n)
{
	pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
	int i, bad = 0;

	if (!th)
		err(1, "calloc");
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, flood, NULL) != 0)
			errx(1, "pthread_create");
	/* Fork only while every thread is logging: the library logs a fork
	 * once the process has a log, and the point here is forking under
	 * load, not the race with the first record. */
	while (atomic_load(&flooding) < nthreads)
		sched_yield();
	for (i = 0; i < n; i++) {
		pid_t pid = fork_flushed();

		if (pid == 0) {
			pair_rounds(1, 16);
			_exit(0);
		}
		bad |= wait_child(i, pid);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("@ parent pid=%d forks=%d\n", (int)getpid(), n);
	free(th);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		return run_plain((int)parse_num(argv[2], 1, 1000));
	if (argc == 4 && strcmp(argv[1], "-t") == 0)
		return run_threaded((int)parse_num(argv[2], 1, 64),
				    (int)parse_num(argv[3], 1, 10000));
	fprintf(stderr, "usage: forker -n N | forker -t T N\n");
	return 2;
}
