/*
 * unix_echo_server: the TCP server's flow on an AF_UNIX stream socket:
 * socket, bind to a path, listen, then for each client accept, recv and send
 * until the client closes, close.  What it receives it sends back in upper
 * case.  The address is a file system path, or "@name" for a name in the
 * abstract namespace, which leaves no file behind.
 *
 * The clients it accepts are unnamed, so their "@ accepted" lines have an
 * empty peer=.  It exits after serving CLIENTS clients (-n, default 1), and in
 * any case after 30 seconds; a path it bound is unlinked when it exits
 * normally.  Lines starting "@ " are ground truth (see show.h).
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
	fprintf(stderr, "usage: unix_echo_server [-n CLIENTS] PATH\n");
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

/* Fills sun with path, or with the abstract name after a leading '@';
 * returns the address length. */
static socklen_t make_unix_addr(struct sockaddr_un *sun, const char *path)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof sun->sun_path)
		errx(2, "socket path must be 1 to %zu bytes: %s", sizeof sun->sun_path - 1, path);
	if (path[0] == '@') {
		/* Abstract: a NUL, then the name; the length says where it ends. */
		memcpy(sun->sun_path + 1, path + 1, n - 1);
		return offsetof(struct sockaddr_un, sun_path) + n;
	}
	memcpy(sun->sun_path, path, n);
	return offsetof(struct sockaddr_un, sun_path) + n + 1;
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
	struct sockaddr_un sun;
	socklen_t len;
	long clients = 1;
	int opt, lfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a client that vanishes is an error, not death */
	alarm(30);			/* never outlive a test that went wrong */

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		switch (opt) {
		case 'n':
			clients = parse_number(optarg, 1, INT_MAX, "client count");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	len = make_unix_addr(&sun, argv[0]);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0)
		err(1, "socket");
	if (bind(lfd, (struct sockaddr *)&sun, len) < 0)
		err(1, "bind %s", argv[0]);
	if (listen(lfd, SOMAXCONN) < 0)
		err(1, "listen");
	show_event("listen", lfd);

	for (long i = 0; i < clients; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			err(1, "accept");
		show_event("accepted", fd);
		printf("client %ld\n", i + 1);
		serve_client(fd);
	}

	show_event("closed", lfd);
	close(lfd);
	if (sun.sun_path[0] != '\0' && unlink(sun.sun_path) < 0)
		warn("unlink %s", sun.sun_path);
	return 0;
}
