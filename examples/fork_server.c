/*
 * fork_server: the classic concurrent TCP server: socket, bind, listen, then
 * accept in the parent and fork one child per client.  The child closes its
 * copy of the listening socket, echoes in upper case with recv and send until
 * the client closes, closes and exits; the parent closes its copy of the
 * connection at once and goes back to accept.  So the trace shows the same
 * connection in two processes, and a close of it in each.
 *
 * It listens on 127.0.0.1 (or -a ADDR, IPv4 or IPv6) on PORT, default 0 so
 * that the kernel picks a free port, and reports it in its "@ listen" line.
 * After accepting CLIENTS clients (-n, default 1) it closes the listening
 * socket, reaps every child and exits; in any case it gives up after 30
 * seconds.  Lines starting "@ " are ground truth (see show.h); parent and
 * children write them to the same stdout, interleaved.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: fork_server [-a ADDR] [-n CLIENTS] [PORT]\n");
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

/* The child's whole life: echo in upper case until the client closes, exit. */
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
	exit(n < 0);
}

/* Waits for one child (or only looks, with WNOHANG); returns its pid, 0 or -1. */
static pid_t reap_child(int options)
{
	int status;
	pid_t pid = waitpid(-1, &status, options);

	if (pid > 0)
		printf("child %d exited with status %d\n", (int)pid,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return pid;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long clients = 1, port = 0, running = 0;
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
		pid_t pid;
		int fd;

		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			err(1, "accept");
		show_event("accepted", fd);
		fflush(stdout);		/* or the child would print it again */
		pid = fork();
		if (pid < 0)
			err(1, "fork");
		if (pid == 0) {
			show_event("closed", lfd);
			close(lfd);
			serve_client(fd);
		}
		printf("client %ld served by child %d\n", i + 1, (int)pid);
		running++;
		show_event("closed", fd);
		close(fd);
		/* Reap whoever is done already, so no zombie waits for the end. */
		while (running > 0 && reap_child(WNOHANG) > 0)
			running--;
	}

	show_event("closed", lfd);
	close(lfd);
	for (; running > 0; running--)
		if (reap_child(0) < 0)
			err(1, "waitpid");
	return 0;
}
