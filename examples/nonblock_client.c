/*
 * nonblock_client: a TCP client whose connect does not wait.  The socket is
 * made with SOCK_NONBLOCK, so connect returns at once with EINPROGRESS while
 * the handshake goes on; the local port is already chosen then, and printed
 * in an "@ connecting" line (Linux leaves peer= out there: getpeername fails
 * until the handshake is over).  poll for POLLOUT says when it is over, and
 * getsockopt(SO_ERROR) says whether it worked.  Then one message goes out
 * and its upper-case echo comes back, each step waiting on poll first, and
 * the socket is closed.
 *
 * It talks to tcp_echo_server, fork_server or poll_server.  HOST goes through
 * getaddrinfo, and its addresses are tried in turn.  Lines starting "@ " are
 * ground truth (see show.h); the reply is printed as "echo: <reply>".
 */
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

#define TIMEOUT_MS 10000

static void usage(void)
{
	fprintf(stderr, "usage: nonblock_client HOST PORT [MESSAGE]\n");
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

/* Waits until fd is ready for events (POLLIN or POLLOUT), or exits. */
static void wait_for(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n = poll(&pfd, 1, TIMEOUT_MS);

	if (n < 0)
		err(1, "poll");
	if (n == 0)
		errx(1, "timed out waiting for %s", events == POLLIN ? "POLLIN" : "POLLOUT");
}

/* socket, connect, poll, getsockopt: returns the connected socket, or -1
 * with a warning when this address did not answer. */
static int try_connect(const struct addrinfo *ai)
{
	char name[SHOW_ADDRLEN];
	socklen_t len = sizeof(int);
	int fd, soerr = 0;

	show_format_addr(name, ai->ai_addr, ai->ai_addrlen);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		warn("socket");
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;	/* done already: allowed, if rare */
	if (errno != EINPROGRESS) {
		soerr = errno;
		goto out_close;
	}
	show_event("connecting", fd);
	wait_for(fd, POLLOUT);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		err(1, "getsockopt SO_ERROR");
	if (soerr == 0)
		return fd;
out_close:
	errno = soerr;
	warn("connect to %s", name);
	show_event("closed", fd);
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	const char *msg = "hello";
	size_t len, done;
	char *reply;
	ssize_t n;
	int fd = -1, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(30);

	if (argc < 3 || argc > 4)
		usage();
	parse_number(argv[2], 1, 65535, "port");
	if (argc == 4)
		msg = argv[3];

	rc = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (rc != 0)
		errx(1, "%s port %s: %s", argv[1], argv[2], gai_strerror(rc));
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = try_connect(ai);
	freeaddrinfo(res);
	if (fd < 0)
		errx(1, "cannot connect to %s port %s", argv[1], argv[2]);
	show_event("connected", fd);

	len = strlen(msg);
	reply = malloc(len + 1);
	if (reply == NULL)
		err(1, "malloc");
	for (done = 0; done < len; done += n) {
		wait_for(fd, POLLOUT);
		n = send(fd, msg + done, len - done, 0);
		if (n < 0 && errno == EAGAIN)
			n = 0;
		else if (n < 0)
			err(1, "send");
		else
			show_bytes("sent", fd, n);
	}
	for (done = 0; done < len; done += n) {
		wait_for(fd, POLLIN);
		n = recv(fd, reply + done, len - done, 0);
		if (n < 0 && errno == EAGAIN)
			n = 0;
		else if (n < 0)
			err(1, "recv");
		else if (n == 0)
			errx(1, "server closed the connection after %zu of %zu bytes", done, len);
		else
			show_bytes("received", fd, n);
	}
	printf("echo: %.*s\n", (int)len, reply);
	free(reply);

	show_event("closed", fd);
	close(fd);
	return 0;
}
