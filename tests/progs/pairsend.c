/*
 * pairsend.c: many small messages over a socketpair (tests/test_sink.c:
 * the log's disk fills up while they go).
 *
 * usage: pairsend N
 *   sends N messages of 100 bytes from one end and receives each at the
 *   other, checking the bytes.  Prints "@ done n=<N> bytes=<total>", exits 0;
 *   exits 1 when a message does not come back whole.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	char out[100], in[100];
	long n, i, total = 0;
	int sv[2];

	if (argc != 2)
		errx(2, "usage: pairsend N");
	n = parse_num(argv[1], 0, 100000000);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	for (i = 0; i < n; i++) {
		memset(out, 'a' + (int)(i % 26), sizeof(out));
		if (send(sv[0], out, sizeof(out), 0) != (ssize_t)sizeof(out))
			err(1, "send");
		if (recv(sv[1], in, sizeof(in), MSG_WAITALL) != (ssize_t)sizeof(in))
			err(1, "recv");
		if (memcmp(in, out, sizeof(in)) != 0)
			errx(1, "message %ld came back changed", i);
		total += (long)sizeof(in);
	}
	printf("@ done n=%ld bytes=%ld\n", n, total);
	return 0;
}
