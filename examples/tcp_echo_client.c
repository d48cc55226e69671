/*
 * tcp_echo_client: the client side of the TCP flow diagram: resolve the
 * server's name with getaddrinfo, then socket, connect, send and recv for
 * each message, close.  It talks to tcp_echo_server (or fork_server or
 * poll_server), which sends every message back in upper case.
 *
 * HOST may be a name ("localhost") or a numeric IPv4 or IPv6 address; when it
 * has several addresses they are tried in the order getaddrinfo gives them.
 * Each reply is read until all its bytes are back and printed as
 * "echo: <reply>".  Lines starting "@ " are ground truth (see show.h).
 */
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: tcp_echo_client HOST PORT [MESSAGE...]\n");
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

/* getaddrinfo, then socket and connect to each address until one answers. */
static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char name[SHOW_ADDRLEN];
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		errx(1, "%s port %s: %s", host, port, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			warn("socket");
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		show_format_addr(name, ai->ai_addr, ai->ai_addrlen);
		warn("connect to %s", name);
		show_event("closed", fd);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errx(1, "cannot connect to %s port %s", host, port);
	show_event("connected", fd);
	return fd;
}

/* Sends msg, then receives until as many bytes have come back, and prints them. */
static void echo_message(int fd, const char *msg)
{
	size_t len = strlen(msg), done;
	char *reply = malloc(len + 1);
	ssize_t n;

	if (reply == NULL)
		err(1, "malloc");
	for (done = 0; done < len; done += n) {
		n = send(fd, msg + done, len - done, 0);
		if (n < 0)
			err(1, "send");
		show_bytes("sent", fd, n);
	}
	for (done = 0; done < len; done += n) {
		n = recv(fd, reply + done, len - done, 0);
		if (n < 0)
			err(1, "recv");
		if (n == 0)
			errx(1, "server closed the connection after %zu of %zu bytes", done, len);
		show_bytes("received", fd, n);
	}
	printf("echo: %.*s\n", (int)len, reply);
	free(reply);
}

int main(int argc, char **argv)
{
	static const char *const dflt[] = { "hello" };
	const char *const *msgs = dflt;
	int nmsgs = 1, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(30);

	if (argc < 3)
		usage();
	parse_number(argv[2], 1, 65535, "port");
	if (argc > 3) {
		msgs = (const char *const *)argv + 3;
		nmsgs = argc - 3;
	}

	fd = connect_to(argv[1], argv[2]);
	for (int i = 0; i < nmsgs; i++)
		echo_message(fd, msgs[i]);
	show_event("closed", fd);
	close(fd);
	return 0;
}
