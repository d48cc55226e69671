/*
 * udp_echo_client: the client side of the UDP flow diagram: socket, then
 * sendto and recvfrom for each message, close.  The socket is never bound
 * and never connected: the kernel gives it a local port at the first sendto,
 * which is why the "@ sent" lines read local= back with getsockname after
 * the call.  It talks to udp_echo_server, which replies in upper case.
 *
 * HOST goes through getaddrinfo and the first address is used (a datagram
 * to a port nobody listens on fails silently, so there is no trying the next
 * one); a reply that does not come within 5 seconds is an error.  Each reply
 * is printed as "echo: <reply>".  Lines starting "@ " are ground truth (see
 * show.h); on the unconnected socket their peer= is the datagram's.
 */
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: udp_echo_client HOST PORT [MESSAGE...]\n");
	exit(2);
}

/* Parses a decimal number in [min, max], or exits saying what was wrong. */
static long parse_number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		errx(2, "%s is not a number: %s", what, s);
	if (errno == ERANGE || v < min || v > max)
		errx(2, "%s out of range %ld..%ld: %s", what, min, max, s);
	return v;
}

/* sendto the server, then recvfrom its reply and print it. */
static void echo_message(int fd, const struct addrinfo *server, const char *msg)
{
	static char reply[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	size_t len = strlen(msg);
	ssize_t n;

	n = sendto(fd, msg, len, 0, server->ai_addr, server->ai_addrlen);
	if (n < 0)
		err(1, "sendto");
	show_dgram("sent", fd, server->ai_addr, server->ai_addrlen, n);

	n = poll(&pfd, 1, 5000);
	if (n < 0)
		err(1, "poll");
	if (n == 0)
		errx(1, "no reply within 5 seconds");
	n = recvfrom(fd, reply, sizeof reply, 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0)
		err(1, "recvfrom");
	show_dgram("received", fd, (struct sockaddr *)&from, fromlen, n);
	printf("echo: %.*s\n", (int)n, reply);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	int fd, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);

	if (argc < 3)
		usage();
	parse_number(argv[2], 1, 65535, "port");

	rc = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (rc != 0)
		errx(1, "%s port %s: %s", argv[1], argv[2], gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0)
		err(1, "socket");

	if (argc == 3)
		echo_message(fd, res, "hello");
	for (int i = 3; i < argc; i++)
		echo_message(fd, res, argv[i]);

	freeaddrinfo(res);
	show_event("closed", fd);
	close(fd);
	return 0;
}
