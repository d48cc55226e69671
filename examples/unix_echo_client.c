/*
 * unix_echo_client: the TCP client's flow on an AF_UNIX stream socket:
 * socket, connect to a path, send and recv for each message, close.  There
 * is no name to resolve and no bind: the client's own end stays unnamed, so
 * its local= is empty.  It talks to unix_echo_server, which replies in upper
 * case; PATH is a file system path, or "@name" for an abstract socket.
 *
 * Each reply is read until all its bytes are back and printed as
 * "echo: <reply>".  Lines starting "@ " are ground truth (see show.h).
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: unix_echo_client PATH [MESSAGE...]\n");
	exit(2);
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
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(30);

	if (argc < 2)
		usage();
	len = make_unix_addr(&sun, argv[1]);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, len) < 0)
		err(1, "connect %s", argv[1]);
	show_event("connected", fd);

	if (argc == 2)
		echo_message(fd, "hello");
	for (int i = 2; i < argc; i++)
		echo_message(fd, argv[i]);

	show_event("closed", fd);
	close(fd);
	return 0;
}
