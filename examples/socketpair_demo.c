/*
 * socketpair_demo: two connected sockets without socket, bind, listen,
 * accept or connect.  socketpair(AF_UNIX, SOCK_STREAM) returns both ends of
 * one connection at once, both unnamed; after fork the parent keeps one end
 * and the child the other, each closing the end it does not use.
 *
 * The parent writes MESSAGE (default "hello") and shuts down its sending side
 * so the child sees the end of it; the child reads until that end, writes it
 * back in upper case and closes; the parent reads the reply until the child's
 * close, prints "echo: <reply>", closes and reaps the child.  Data moves with
 * write and read.  Lines starting "@ " are ground truth (see show.h); local=
 * and peer= are both empty on an unnamed pair, and the two processes' lines
 * are interleaved on the same stdout.
 */
#include <ctype.h>
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

static void usage(void)
{
	fprintf(stderr, "usage: socketpair_demo [MESSAGE]\n");
	exit(2);
}

/* Writes all n bytes, however many write calls that takes, or exits. */
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t done = write(fd, p, n);

		if (done < 0)
			err(1, "write");
		show_bytes("sent", fd, done);
		p += done;
		n -= done;
	}
}

/* Reads until end of file into buf (cap bytes); returns the length, or exits. */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len)) > 0) {
		show_bytes("received", fd, n);
		len += n;
		if (len == cap)
			errx(1, "more than %zu bytes", cap);
	}
	if (n < 0)
		err(1, "read");
	return len;
}

/* The child's end: read the message, send it back in upper case, close. */
static void child(int fd)
{
	char buf[4096];
	size_t len = read_all(fd, buf, sizeof buf);

	for (size_t i = 0; i < len; i++)
		buf[i] = toupper((unsigned char)buf[i]);
	write_all(fd, buf, len);
	show_event("closed", fd);
	close(fd);
	exit(0);
}

int main(int argc, char **argv)
{
	const char *msg = "hello";
	char reply[4096];
	size_t len;
	int sv[2], status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(30);

	if (argc > 2)
		usage();
	if (argc == 2)
		msg = argv[1];
	if (strlen(msg) >= sizeof reply)
		errx(2, "message longer than %zu bytes", sizeof reply - 1);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		err(1, "socketpair");
	show_event("connected", sv[0]);
	show_event("connected", sv[1]);

	fflush(stdout);		/* or the child would print it again */
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		show_event("closed", sv[0]);
		close(sv[0]);
		child(sv[1]);
	}
	show_event("closed", sv[1]);
	close(sv[1]);

	write_all(sv[0], msg, strlen(msg));
	if (shutdown(sv[0], SHUT_WR) < 0)
		err(1, "shutdown");
	len = read_all(sv[0], reply, sizeof reply);
	printf("echo: %.*s\n", (int)len, reply);
	show_event("closed", sv[0]);
	close(sv[0]);

	if (waitpid(pid, &status, 0) < 0)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "child %d failed", (int)pid);
	return 0;
}
