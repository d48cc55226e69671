/*
 * sigsend.c: a SIGALRM handler that sends on a socket while the main loop
 * sends and receives on another (tests/test_faults.c).
 *
 * usage: sigsend MILLISECONDS
 * An interval timer fires every 200 us for about MILLISECONDS ms (counted by
 * the main loop's clock); each SIGALRM handler call sends one 16-byte
 * message on socketpair B (MSG_DONTWAIT; a full buffer counts as a drop).
 * The main loop sends 64 bytes on socketpair A and receives them back, and
 * drains B with MSG_DONTWAIT.  At the end the timer stops, B is drained and
 * the program prints (expected: handler_sends == drained_bytes / 16):
 *   @ a=<fd>,<fd> b=<fd>,<fd>
 *   @ handler_sends=<n> handler_drops=<d> drained_msgs=<n> loops=<l> ok
 * and "bad" instead of "ok" when a message came back wrong.
 */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int b_sv[2];
static volatile sig_atomic_t handler_sends, handler_drops;

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (send(b_sv[0], "0123456789abcdef", 16, MSG_DONTWAIT) == 16)
		handler_sends++;
	else
		handler_drops++;
	errno = saved;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long drain(void)
{
	char buf[16];
	long n = 0;

	for (;;) {
		ssize_t r = recv(b_sv[1], buf, sizeof(buf), MSG_DONTWAIT);

		if (r == 16 && memcmp(buf, "0123456789abcdef", 16) == 0)
			n++;
		else if (r < 0 && errno == EINTR)
			continue;
		else
			return r < 0 && errno == EAGAIN ? n : -1000000;
	}
}

int main(int argc, char **argv)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa;
	int a_sv[2], bad = 0;
	long loops = 0, drained = 0, ms;
	char out[64], in[64];
	double end;

	if (argc != 2 || (ms = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: sigsend MILLISECONDS\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, a_sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, b_sv) != 0)
		err(1, "socketpair");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &it, NULL) != 0)
		err(1, "timer");
	end = now_ms() + (double)ms;
	while (now_ms() < end) {
		ssize_t r;

		memset(out, 'a' + (int)(loops % 26), sizeof(out));
		if (send(a_sv[0], out, sizeof(out), 0) != (ssize_t)sizeof(out))
			err(1, "send");
		r = recv(a_sv[1], in, sizeof(in), MSG_WAITALL);
		if (r != (ssize_t)sizeof(in) || memcmp(in, out, sizeof(in)) != 0)
			bad++;
		if (loops % 16 == 0)
			drained += drain();
		loops++;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	drained += drain();
	printf("@ a=%d,%d b=%d,%d\n", a_sv[0], a_sv[1], b_sv[0], b_sv[1]);
	printf("@ handler_sends=%ld handler_drops=%ld drained_msgs=%ld loops=%ld %s\n",
	       (long)handler_sends, (long)handler_drops, drained, loops,
	       bad == 0 && drained == handler_sends ? "ok" : "bad");
	return 0;
}
