/*
 * udp_connected_client: a UDP client that calls connect.  For a datagram
 * socket connect sends nothing: it only fixes the peer (and picks the local
 * port), so that send and recv can be used as on TCP and datagrams from
 * anyone else are dropped.  Compare udp_echo_client, which uses sendto and
 * recvfrom on an unconnected socket.  It talks to udp_echo_server, which
 * replies in upper case.
 *
 * HOST goes through getaddrinfo and the first address is used; a reply that
 * does not come within 5 seconds is an error.  Each reply is printed as
 * "echo: <reply>".  Lines starting "@ " are ground truth (see show.h).
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
	fprintf(stderr, "usage: udp_connected_client HOST PORT [MESSAGE...]\n");
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

/* send one datagram, recv the reply and print it. */
static void echo_message(int fd, const char *msg)
{
	static char reply[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	n = send(fd, msg, strlen(msg), 0);
	if (n < 0)
		err(1, "send");
	show_bytes("sent", fd, n);

	n = poll(&pfd, 1, 5000);
	if (n < 0)
		err(1, "poll");
	if (n == 0)
		errx(1, "no reply within 5 seconds");
	/* A connected UDP socket reports the server's "port unreachable" here. */
	n = recv(fd, reply, sizeof reply, 0);
	if (n < 0)
		err(1, "recv");
	show_bytes("received", fd, n);
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
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
		err(1, "connect");
	freeaddrinfo(res);
	show_event("connected", fd);

	if (argc == 3)
		echo_message(fd, "hello");
	for (int i = 3; i < argc; i++)
		echo_message(fd, argv[i]);

	show_event("closed", fd);
	close(fd);
	return 0;
}
