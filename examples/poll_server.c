/*
 * poll_server: one process serving several TCP clients at once, with a
 * poll() loop instead of a process or thread per client.  The listening
 * socket and every connection are non-blocking (socket and accept4 with
 * SOCK_NONBLOCK), and data moves with read and write rather than recv and
 * send, which the tracer has to recognise as socket calls too.  What it reads
 * it writes back in upper case; a client whose reply is not all written yet
 * waits for POLLOUT before it is read again.
 *
 * It listens on 127.0.0.1 (or -a ADDR, IPv4 or IPv6) on PORT, default 0 so
 * that the kernel picks a free port, and reports it in its "@ listen" line.
 * After accepting CLIENTS clients (-n, default 1) it closes the listening
 * socket; once those clients have all closed it exits; in any case it gives
 * up after 30 seconds.  Lines starting "@ " are ground truth (see show.h).
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

#define MAX_CLIENTS 64

struct client {
	int fd;
	size_t off, len;	/* the part of out still to be written */
	char out[4096];
};

static void usage(void)
{
	fprintf(stderr, "usage: poll_server [-a ADDR] [-n CLIENTS] [PORT]\n");
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

/* socket, setsockopt, bind, listen: returns the non-blocking listening socket. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	int fd, on = 1, off = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		err(1, "socket");
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

/* Writes as much of the pending reply as the socket takes; -1 on error. */
static int flush_client(struct client *c)
{
	while (c->len > 0) {
		ssize_t n = write(c->fd, c->out + c->off, c->len);

		if (n < 0 && errno == EAGAIN)
			return 0;	/* the rest when poll says POLLOUT */
		if (n < 0) {
			warn("write");
			return -1;
		}
		show_bytes("sent", c->fd, n);
		c->off += n;
		c->len -= n;
	}
	return 0;
}

/* Serves one ready client: writes what is pending, or reads and echoes.
 * Returns -1 when the connection is over. */
static int serve_client(struct client *c)
{
	ssize_t n;

	if (c->len > 0)
		return flush_client(c);
	n = read(c->fd, c->out, sizeof c->out);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		warn("read");
	if (n <= 0)
		return -1;
	show_bytes("received", c->fd, n);
	upcase(c->out, n);
	c->off = 0;
	c->len = n;
	return flush_client(c);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long want = 1, port = 0, accepted = 0, finished = 0;
	struct pollfd pfd[MAX_CLIENTS + 1];
	struct client cl[MAX_CLIENTS];
	struct sockaddr_storage ss;
	int opt, lfd, ncl = 0;
	socklen_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a client that vanishes is an error, not death */
	alarm(30);			/* never outlive a test that went wrong */

	while ((opt = getopt(argc, argv, "a:n:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'n':
			want = parse_number(optarg, 1, INT_MAX, "client count");
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

	while (finished < want) {
		/* pfd[0] is the listener while it is open and there is room;
		 * pfd[1 + i] is cl[i]. */
		int listening = lfd >= 0 && ncl < MAX_CLIENTS;

		pfd[0] = (struct pollfd){ .fd = listening ? lfd : -1, .events = POLLIN };
		for (int i = 0; i < ncl; i++)
			pfd[1 + i] = (struct pollfd){ .fd = cl[i].fd,
						      .events = cl[i].len ? POLLOUT : POLLIN };
		if (poll(pfd, 1 + ncl, -1) < 0)
			err(1, "poll");

		/* Backwards, so that moving the last client into a freed slot
		 * only moves one already served. */
		for (int i = ncl - 1; i >= 0; i--) {
			if (pfd[1 + i].revents == 0 || serve_client(&cl[i]) == 0)
				continue;
			show_event("closed", cl[i].fd);
			close(cl[i].fd);
			cl[i] = cl[--ncl];
			finished++;
		}

		while (pfd[0].revents && lfd >= 0 && ncl < MAX_CLIENTS) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

			if (fd < 0 && (errno == EAGAIN || errno == ECONNABORTED))
				break;
			if (fd < 0)
				err(1, "accept4");
			show_event("accepted", fd);
			cl[ncl++] = (struct client){ .fd = fd };
			if (++accepted == want) {
				show_event("closed", lfd);
				close(lfd);
				lfd = -1;
			}
		}
	}
	return 0;
}
