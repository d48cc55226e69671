/*
 * udp_echo_server: the server side of the UDP flow diagram: socket, bind,
 * then recvfrom and sendto for each datagram, close.  There is no listen and
 * no accept: every datagram carries its sender's address, and the reply goes
 * back to that address in upper case.
 *
 * It binds 127.0.0.1 (or -a ADDR, IPv4 or IPv6) on PORT, default 0 so that
 * the kernel picks a free port, and reports the real address in its
 * "@ bound" line.  It exits after echoing DATAGRAMS datagrams (-n, default
 * 1), and in any case after 30 seconds.  Lines starting "@ " are ground truth
 * (see show.h); on the unconnected socket their peer= is the datagram's.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: udp_echo_server [-a ADDR] [-n DATAGRAMS] [PORT]\n");
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

static void upcase(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = toupper((unsigned char)p[i]);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long datagrams = 1, port = 0;
	struct sockaddr_storage ss;
	socklen_t len;
	int opt, fd, off = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);			/* never outlive a test that went wrong */

	while ((opt = getopt(argc, argv, "a:n:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'n':
			datagrams = parse_number(optarg, 1, INT_MAX, "datagram count");
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
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		err(1, "socket");
	/* "::" takes IPv4 clients too, whatever the system default says. */
	if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
		err(1, "setsockopt IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		err(1, "bind");
	show_event("bound", fd);

	for (long i = 0; i < datagrams; i++) {
		static char buf[65536];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n, sent;

		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			err(1, "recvfrom");
		show_dgram("received", fd, (struct sockaddr *)&from, fromlen, n);
		upcase(buf, n);
		sent = sendto(fd, buf, n, 0, (struct sockaddr *)&from, fromlen);
		if (sent < 0)
			err(1, "sendto");
		show_dgram("sent", fd, (struct sockaddr *)&from, fromlen, sent);
	}

	show_event("closed", fd);
	close(fd);
	return 0;
}
