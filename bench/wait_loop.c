/*
 * wait_loop.c: what a traced wait costs, for bench/waitcost.sh.
 *
 *   wait_loop N MODE
 *
 * N rounds on one AF_UNIX socketpair of: send 1 byte, wait for it (MODE e:
 * epoll_wait, s: select, p: poll, n: no wait), recv it.  Exits non-zero
 * when a call does not return what it should.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int sv[2], ep, n, i;
	char mode;
	struct epoll_event e = { .events = EPOLLIN }, out[4];
	char c = 'x';
	fd_set r;
	struct timeval tv;
	struct pollfd pf;
	if (argc != 3)
		return 1;
	n = atoi(argv[1]);
	mode = argv[2][0];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	ep = epoll_create1(0);
	e.data.fd = sv[1];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &e);
	for (i = 0; i < n; i++) {
		send(sv[0], &c, 1, 0);
		if (mode == 'e' && epoll_wait(ep, out, 4, 1000) != 1) return 2;
		if (mode == 's') { FD_ZERO(&r); FD_SET(sv[1], &r); tv.tv_sec = 1; tv.tv_usec = 0;
			if (select(sv[1] + 1, &r, NULL, NULL, &tv) != 1) return 3; }
		if (mode == 'p') { pf.fd = sv[1]; pf.events = POLLIN; if (poll(&pf, 1, 1000) != 1) return 5; }
		if (recv(sv[1], &c, 1, 0) != 1) return 4;
	}
	return 0;
}
