/*
 * early.c: socket calls in a constructor that runs before main
 * (tests/test_faults.c).
 *
 * usage: early
 * The constructor (priority 101) makes an AF_UNIX stream socketpair, sends
 * "early" on one end and receives it on the other; main does the same with
 * "main".  Expected output:
 *   @ ctor sent=5 got=early
 *   @ main sent=4 got=main
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char ctor_line[64];

static void round_trip(const char *who, const char *msg, char *line, size_t cap)
{
	char buf[16] = { 0 };
	int sv[2];
	ssize_t s = -1, r = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		s = send(sv[0], msg, strlen(msg), 0);
		r = recv(sv[1], buf, strlen(msg), MSG_WAITALL);
		close(sv[0]);
		close(sv[1]);
	}
	snprintf(line, cap, "@ %s sent=%zd got=%.*s\n", who, s, r > 0 ? (int)r : 0, buf);
}

__attribute__((constructor(101))) static void before_main(void)
{
	round_trip("ctor", "early", ctor_line, sizeof(ctor_line));
}

int main(void)
{
	char line[64];

	round_trip("main", "main", line, sizeof(line));
	fputs(ctor_line, stdout);
	fputs(line, stdout);
	return 0;
}
