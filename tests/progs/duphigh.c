/*
 * duphigh.c: a program that dup2()s a socket over a high descriptor and
 * sends through both numbers (tests/test_viewer_live.c; issue 14: in the
 * terminal the arrow into the first receive looked as if it came from the
 * write on the high number, the row above it).
 *
 * usage: duphigh
 * Makes a socketpair (a, b), sends "t" on a, dup2()s a over fd 1000 and
 * writes "Z" on 1000, then reads one byte at a time from b: "t", then "Z".
 * Then dup2()s b over 1001, closes b, sends "u" on 1000 and reads it from
 * 1001.  Prints "@ pair A B" (the pair's numbers), then "@ got tZu" when
 * every byte came back in order (exit 0).
 */
#include <err.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	char got[4] = { 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	printf("@ pair %d %d\n", sv[0], sv[1]);
	if (send(sv[0], "t", 1, 0) != 1)
		err(1, "send");
	if (dup2(sv[0], 1000) != 1000)
		err(1, "dup2");
	if (write(1000, "Z", 1) != 1)
		err(1, "write");
	if (recv(sv[1], got, 1, 0) != 1 || recv(sv[1], got + 1, 1, 0) != 1)
		err(1, "recv");
	if (dup2(sv[1], 1001) != 1001 || close(sv[1]) != 0)
		err(1, "dup2");
	if (send(1000, "u", 1, 0) != 1 || read(1001, got + 2, 1) != 1)
		err(1, "send");
	printf("@ got %s\n", got);
	return got[0] == 't' && got[1] == 'Z' && got[2] == 'u' ? 0 : 1;
}
