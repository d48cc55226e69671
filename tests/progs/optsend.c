/*
 * optsend.c: setsockopt and sendfile calls of known outcome, for
 * tests/test_stress.c to hold their records against.
 *
 * usage: optsend
 *
 * Makes a file of FILE_LEN bytes (big_msg_fill(1), msgfill.h, every byte
 * value) and a loopback TCP connection, then on its connecting end C, in
 * this order:
 *   setsockopt IPPROTO_TCP TCP_NODELAY 1, IPPROTO_TCP TCP_CORK 1
 *   sendfile(C, file, &off (0), 5000)          file bytes [0, 5000)
 *   sendfile(C, file, &off, 0)                 nothing
 *   setsockopt IPPROTO_TCP TCP_CORK 0, SOL_SOCKET SO_LINGER (a struct),
 *              SOL_SOCKET option 12345 (fails), level 277 option 1 (fails)
 *   the file moved to fd 0, its offset at 1000:
 *   sendfile64(C, 0, NULL, 3000)               file bytes [1000, 4000)
 *   sendfile(C, -1, NULL, 10)                  fails, EBADF
 * and on a UDP socket U: setsockopt IPPROTO_UDP UDP_CORK 1.  The accepted
 * end takes the 8000 bytes in and checks them.  Output: one line per call
 * in the order above (NAME as in the list, errno 0 when it succeeded),
 * then the connection and the check:
 *   @ call NAME ret=<r> errno=<e>
 *   @ conn c=<fd> s=<fd> file=<fd> udp=<fd> local=<port> peer=<port>
 *   @ recv ok
 * Exits 1 with a message when a set-up call fails or the bytes differ.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msgfill.h"

#define FILE_LEN 10000

/* Prints the outcome of one call: its return and the errno it left. */
static void show(const char *name, long ret)
{
	printf("@ call %s ret=%ld errno=%d\n", name, ret, ret < 0 ? errno : 0);
}

static void set_int(const char *name, int fd, int level, int opt, int v)
{
	show(name, setsockopt(fd, level, opt, &v, sizeof(v)));
}

/* A file of FILE_LEN known bytes, unlinked; its fd. */
static int make_file(unsigned char *bytes)
{
	char path[] = "/tmp/optsend.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		err(1, "mkstemp");
	unlink(path);
	big_msg_fill(bytes, FILE_LEN, 1);
	if (write(fd, bytes, FILE_LEN) != FILE_LEN)
		err(1, "write");
	return fd;
}

int main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET }, me;
	socklen_t len = sizeof(sin);
	struct linger lg = { 1, 5 };
	unsigned char bytes[FILE_LEN], got[8000];
	int l, c, s, u, file = make_file(bytes);
	off_t off = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) != 0)
		err(1, "listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		err(1, "connect");
	s = accept(l, NULL, NULL);
	len = sizeof(me);
	if (s < 0 || getsockname(c, (struct sockaddr *)&me, &len) != 0)
		err(1, "accept");

	set_int("nodelay", c, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int("cork", c, IPPROTO_TCP, TCP_CORK, 1);
	show("sendfile", sendfile(c, file, &off, 5000));
	show("sendfile_none", sendfile(c, file, &off, 0));
	set_int("uncork", c, IPPROTO_TCP, TCP_CORK, 0);
	show("linger", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	set_int("bad_opt", c, SOL_SOCKET, 12345, 1);
	set_int("bad_level", c, 277, 1, 1);
	if (lseek(file, 1000, SEEK_SET) != 1000 || dup2(file, 0) != 0)
		err(1, "file to fd 0");
	show("sendfile64", sendfile64(c, 0, NULL, 3000));
	show("sendfile_bad", sendfile(c, -1, NULL, 10));
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0)
		err(1, "socket");
	set_int("udp_cork", u, IPPROTO_UDP, UDP_CORK, 1);

	printf("@ conn c=%d s=%d file=%d udp=%d local=%d peer=%d\n", c, s, file, u,
	       ntohs(me.sin_port), ntohs(sin.sin_port));
	if (recv(s, got, sizeof(got), MSG_WAITALL) != (ssize_t)sizeof(got))
		err(1, "recv");
	if (memcmp(got, bytes, 5000) != 0 || memcmp(got + 5000, bytes + 1000, 3000) != 0)
		errx(1, "the bytes received differ from the file's");
	printf("@ recv ok\n");
	return 0;
}
