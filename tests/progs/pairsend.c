/*
 * pairsend.c: many messages over a socketpair (tests/test_sink.c: the log's
 * disk fills up while they go).
 *
 * usage: pairsend N [SIZE]
 *   sends N messages of SIZE bytes (100 by default, at most 131072) from
 *   one end and receives each at the other, checking the bytes.  Prints
 *   "@ done n=<N> bytes=<total>", exits 0; exits 1 when a message does not
 *   come back whole.
 * usage: pairsend -k K N [SIZE]
 *   as a shell running "pairsend N SIZE" K times: forks a child that
 *   execs it, waits for it, K times; makes no socket of its own.  Exits 0
 *   when every child did.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	char *out, *in;
	long n, i, total = 0, size = 100;
	int sv[2];

	if (argc >= 4 && strcmp(argv[1], "-k") == 0) {
		long k = parse_num(argv[2], 1, 100);
		char *cargv[] = { argv[0], argv[3], argc > 4 ? argv[4] : NULL, NULL };

		for (i = 0; i < k; i++) {
			pid_t pid;
			int st;

			fflush(stdout);
			pid = fork();
			if (pid < 0)
				err(1, "fork");
			if (pid == 0) {
				execv("/proc/self/exe", cargv);
				err(127, "exec");
			}
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				errx(1, "child %ld failed", i);
		}
		return 0;
	}
	if (argc != 2 && argc != 3)
		errx(2, "usage: pairsend N [SIZE] | -k K N [SIZE]");
	n = parse_num(argv[1], 0, 100000000);
	if (argc == 3)
		size = parse_num(argv[2], 1, 131072);
	out = malloc((size_t)size);
	in = malloc((size_t)size);
	if (!out || !in)
		err(1, "malloc");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < n; i++) {
		memset(out, 'a' + (int)(i % 26), (size_t)size);
		if (send(sv[0], out, (size_t)size, 0) != (ssize_t)size)
			err(1, "send");
		if (recv(sv[1], in, (size_t)size, MSG_WAITALL) != (ssize_t)size)
			err(1, "recv");
		if (memcmp(in, out, (size_t)size) != 0)
			errx(1, "message %ld came back changed", i);
		total += size;
	}
	printf("@ done n=%ld bytes=%ld\n", n, total);
	free(out);
	free(in);
	return 0;
}
