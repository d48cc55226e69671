/*
 * waiter.c: an event loop's waits on one loopback TCP connection, each
 * call once, for test_strace.c: epoll_wait (the listener, its data the
 * fd), epoll_pwait and epoll_pwait2 (the accepted socket, its data a
 * pointer), an epoll_wait that times out, select and pselect (one ready,
 * one timing out).  Prints one line per wait, what it returned and which
 * fds came back ready, as the library must log them:
 *   @ epoll_wait 1 3:IN>IN
 * (the asked events of an epoll fd as given to epoll_ctl; select's ready
 * fds as both).
 */
#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
	int fd;
};

static int lfd, cfd, afd, epfd;

/* The fd an event is about. */
static int fd_of(const struct epoll_event *e)
{
	return e->data.ptr == NULL ? -1 : e->data.fd == lfd ? lfd : ((struct conn *)e->data.ptr)->fd;
}

static void said(const char *name, int ret, const struct epoll_event *ev)
{
	printf("@ %s %d", name, ret);
	for (int i = 0; i < ret; i++)
		printf("%s%d:IN>IN", i ? "," : " ", fd_of(&ev[i]));
	printf("\n");
}

static void poke(const char *what)
{
	if (write(cfd, what, strlen(what)) != (ssize_t)strlen(what))
		err(1, "write");
}

static void drain(void)
{
	char buf[64];

	if (read(afd, buf, sizeof buf) <= 0)
		err(1, "read");
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	struct epoll_event ev[4], add;
	struct conn c;
	struct timespec ts = { 1, 0 }, short_ts = { 0, 10000000 };
	struct timeval tv = { 1, 0 };
	sigset_t none;
	fd_set r;
	int ret;

	sigemptyset(&none);
	setvbuf(stdout, NULL, _IONBF, 0);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		err(1, "listen");
	if ((epfd = epoll_create1(0)) < 0)
		err(1, "epoll_create1");
	memset(&add, 0, sizeof add);
	add.events = EPOLLIN;
	add.data.fd = lfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &add) < 0)
		err(1, "epoll_ctl");
	if ((cfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(cfd, (struct sockaddr *)&a, sizeof a) < 0)
		err(1, "connect");
	ret = epoll_wait(epfd, ev, 4, 1000);
	said("epoll_wait", ret, ev);
	if ((afd = accept(lfd, NULL, NULL)) < 0)
		err(1, "accept");
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL) < 0)
		err(1, "epoll_ctl");
	c.fd = afd;
	add.events = EPOLLIN;
	add.data.ptr = &c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, afd, &add) < 0)
		err(1, "epoll_ctl");
	poke("ping");
	ret = epoll_pwait(epfd, ev, 4, 1000, &none);
	said("epoll_pwait", ret, ev);
	drain();
	poke("x");
	ret = epoll_pwait2(epfd, ev, 4, &ts, &none);
	said("epoll_pwait2", ret, ev);
	drain();
	ret = epoll_wait(epfd, ev, 4, 10);
	said("epoll_wait", ret, ev);
	poke("y");
	FD_ZERO(&r);
	FD_SET(afd, &r);
	ret = select(afd + 1, &r, NULL, NULL, &tv);
	printf("@ select %d", ret);
	if (ret > 0 && FD_ISSET(afd, &r))
		printf(" %d:IN>IN", afd);
	printf("\n");
	drain();
	FD_ZERO(&r);
	FD_SET(afd, &r);
	ret = pselect(afd + 1, &r, NULL, NULL, &short_ts, &none);
	printf("@ pselect %d\n", ret);
	close(afd);
	close(cfd);
	close(lfd);
	close(epfd);
	return 0;
}
