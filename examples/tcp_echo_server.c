/*
 * tcp_echo_server: the server side of the TCP flow diagram, one call per
 * box: socket, setsockopt(SO_REUSEADDR), bind, listen, then for each client
 * accept, recv and send until the client closes, close.  What it receives it
 * sends back in upper case.
 *
 * It listens on 127.0.0.1 (or -a ADDR, IPv4 or IPv6; "::" takes both) on PORT,
 * default 0 so that the kernel picks a free port, and reports the real address
 * in its "@ listen" line so a test can start the client.  It exits after
 * serving CLIENTS clients one after the other (-n, default 1), and in any case
 * after 30 seconds.  Lines starting "@ " are ground truth (see show.h).
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: tcp_echo_server [-a ADDR] [-n CLIENTS] [PORT]\n");
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

/* Fills ss with the numeric IPv4 or IPv6 address addr and port; returns its length. */
static socklen_t make_addr(struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof *sin;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return sizeof *sin6;
	}
	errx(2, "not a numeric IPv4 or IPv6 address: %s", addr);
}

/* socket, setsockopt, bind, listen: returns the listening socket. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	int fd, on = 1, off = 0;

	fd = socket(ss->ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		err(1, "socket");
	/* Lets a test restart the server on the same port at once. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		err(1, "setsockopt SO_REUSEADDR");
	/* "::" takes IPv4 clients too, whatever the system default says. */
	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
		err(1, "setsockopt IPV6_V6ONLY");
	if (bind(fd, (const struct sockaddr *)ss, len) < 0)
		err(1, "bind");
	if (listen(fd, SOMAXCONN) < 0)
		err(1, "listen");
	show_event("listen", fd);
	return fd;
}

static void upcase(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = toupper((unsigned char)p[i]);
}

/* Sends all n bytes, however many send calls that takes; -1 on error. */
static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t sent = send(fd, p, n, 0);

		if (sent < 0) {
			warn("send");
			return -1;
		}
		show_bytes("sent", fd, sent);
		p += sent;
		n -= sent;
	}
	return 0;
}

/* Echoes in upper case until the client closes, then closes the connection. */
static void serve_client(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		show_bytes("received", fd, n);
		upcase(buf, n);
		if (send_all(fd, buf, n) < 0)
			break;
	}
	if (n < 0)
		warn("recv");
	show_event("closed", fd);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long clients = 1, port = 0;
	struct sockaddr_storage ss;
	socklen_t len;
	int opt, lfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a client that vanishes is an error, not death */
	alarm(30);			/* never outlive a test that went wrong */

	while ((opt = getopt(argc, argv, "a:n:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'n':
			clients = parse_number(optarg, 1, INT_MAX, "client count");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1)
		port = parse_number(argv[0], 0, 65535, "port");

	len = make_addr(&ss, addr, port);
	lfd = open_listener(&ss, len);

	for (long i = 0; i < clients; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		char name[SHOW_ADDRLEN];
		int fd;

		fd = accept(lfd, (struct sockaddr *)&from, &fromlen);
		if (fd < 0)
			err(1, "accept");
		show_event("accepted", fd);
		show_format_addr(name, (struct sockaddr *)&from, fromlen);
		printf("client %ld from %s\n", i + 1, name);
		serve_client(fd);
	}

	show_event("closed", lfd);
	close(lfd);
	return 0;
}
