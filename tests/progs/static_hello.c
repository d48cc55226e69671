/*
 * static_hello.c: a program that the library cannot reach when it is linked
 * statically (tests/test_real.c builds it with `gcc -static` into a temp
 * directory and runs it under build/socktrace; the Makefile's dynamic build
 * of it is unused).
 *
 * usage: static_hello
 * Sends "ping" through an AF_UNIX socketpair and reads it back, prints
 * "static hello got=ping" on stdout, "static program ran" on stderr, and
 * exits with status 7, so the launcher's pass-through of the status shows.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	char buf[8] = { 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		err(1, "socketpair");
	if (send(sv[0], "ping", 4, 0) != 4 || recv(sv[1], buf, 4, MSG_WAITALL) != 4)
		err(1, "send/recv");
	close(sv[0]);
	close(sv[1]);
	printf("static hello got=%s\n", buf);
	fflush(stdout);
	fprintf(stderr, "static program ran\n");
	return 7;
}
