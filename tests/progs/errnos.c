/*
 * errnos.c: calls that fail in known ways, and errno around calls that
 * succeed (tests/test_faults.c runs it untraced and traced and wants the
 * same bytes on stdout and stderr).
 *
 * usage: errnos
 * Prints one line per case: "<name> ret=<r> errno=<e>", where errno is
 * printed as set after the call (each failing case sets errno to 0 first,
 * each succeeding case to 12345 first, so a library that clears or sets
 * errno on success shows up).  Expected, on Linux: connect_refused ret=-1
 * errno=ECONNREFUSED(111), send_unconnected -1 EPIPE or ENOTCONN,
 * recv_empty -1 EAGAIN, bind_in_use -1 EADDRINUSE, close_bad -1 EBADF,
 * read_bad -1 EBADF, getsockname_file -1 ENOTSOCK, accept_unlistened -1
 * EINVAL, setsockopt_level -1 ENOPROTOOPT (or EINVAL), and the ok_* cases
 * with errno=12345 unchanged.  Ends with "@ done cases=<n>" on stdout and
 * "@ stderr end" on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int cases;

static void efault_cases(void);

static void show(const char *name, long ret, int err)
{
	printf("%s ret=%ld errno=%d\n", name, ret, err);
	cases++;
}

/* Runs expr with errno preset, prints its result and the errno after. */
#define CASE(name, preset, expr)                \
	do {                                    \
		long r_;                        \
		errno = (preset);               \
		r_ = (long)(expr);              \
		show((name), r_, errno);        \
	} while (0)

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static unsigned short port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return 0;
	return ntohs(a.sin_port);
}

int main(void)
{
	struct sockaddr_in a;
	unsigned short closed_port, used_port;
	int lis, s, t, sv[2], file, one = 1;
	char buf[64];
	socklen_t len;

	signal(SIGPIPE, SIG_IGN);
	/* A port that was just in use and is now closed: connect is refused. */
	lis = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(0);
	CASE("ok_bind_any", 12345, bind(lis, (struct sockaddr *)&a, sizeof(a)));
	closed_port = port_of(lis);
	close(lis);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(closed_port);
	CASE("connect_refused", 0, connect(s, (struct sockaddr *)&a, sizeof(a)));
	close(s);

	CASE("ok_socket", 12345, (s = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	CASE("send_unconnected", 0, send(s, "x", 1, 0));
	CASE("write_unconnected", 0, write(s, "x", 1));
	CASE("recv_unconnected", 0, recv(s, buf, sizeof(buf), 0));
	CASE("accept_unlistened", 0, accept(s, NULL, NULL));
	CASE("setsockopt_level", 0, setsockopt(s, 12345, 1, &one, sizeof(one)));
	CASE("setsockopt_optname", 0, setsockopt(s, SOL_SOCKET, 12345, &one, sizeof(one)));
	CASE("getpeername_unconnected", 0,
	     getpeername(s, (struct sockaddr *)&a, (len = sizeof(a), &len)));
	CASE("shutdown_unconnected", 0, shutdown(s, SHUT_RDWR));
	close(s);

	/* bind to an address in use */
	lis = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(0);
	bind(lis, (struct sockaddr *)&a, sizeof(a));
	CASE("ok_listen", 12345, listen(lis, 4));
	used_port = port_of(lis);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(used_port);
	CASE("bind_in_use", 0, bind(s, (struct sockaddr *)&a, sizeof(a)));
	CASE("ok_connect", 12345, connect(s, (struct sockaddr *)&a, sizeof(a)));
	t = accept(lis, NULL, NULL);
	CASE("ok_send", 12345, send(s, "hello", 5, 0));
	CASE("ok_recv", 12345, recv(t, buf, 5, MSG_WAITALL));
	CASE("recv_empty", 0, recv(t, buf, sizeof(buf), MSG_DONTWAIT));
	CASE("read_empty_nonblock", 0,
	     (fcntl(t, F_SETFL, O_NONBLOCK), read(t, buf, sizeof(buf))));
	CASE("ok_write", 12345, write(s, "abc", 3));
	CASE("ok_read", 12345, read(t, buf, 3));
	CASE("ok_getsockname", 12345, getsockname(s, (struct sockaddr *)&a, (len = sizeof(a), &len)));
	CASE("ok_getpeername", 12345, getpeername(s, (struct sockaddr *)&a, (len = sizeof(a), &len)));
	CASE("ok_setsockopt", 12345, setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	CASE("ok_shutdown", 12345, shutdown(s, SHUT_WR));
	CASE("ok_recv_eof", 12345, recv(t, buf, sizeof(buf), 0));
	CASE("send_after_shutdown", 0, send(s, "x", 1, MSG_NOSIGNAL));
	CASE("ok_close", 12345, close(s));
	CASE("ok_close2", 12345, close(t));
	CASE("ok_close_listener", 12345, close(lis));

	CASE("close_bad", 0, close(-1));
	CASE("close_unused", 0, close(999));
	CASE("read_bad", 0, read(999, buf, 1));
	CASE("send_bad", 0, send(999, buf, 1, 0));
	file = open("/dev/null", O_RDONLY);
	CASE("getsockname_file", 0,
	     getsockname(file, (struct sockaddr *)&a, (len = sizeof(a), &len)));
	CASE("send_file", 0, send(file, "x", 1, 0));
	CASE("ok_read_file", 12345, read(file, buf, 1));
	close(file);
	CASE("socket_bad_family", 0, socket(12345, SOCK_STREAM, 0));
	CASE("ok_socketpair", 12345, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CASE("ok_dup", 12345, dup(sv[0]) > 0);
	CASE("ok_dup2", 12345, dup2(sv[0], 60));
	CASE("dup2_bad", 0, dup2(999, 61));
	CASE("ok_writev", 12345,
	     writev(sv[0], (struct iovec[]){ { (void *)"ab", 2 }, { (void *)"cd", 2 } }, 2));
	CASE("ok_recvfrom", 12345, recvfrom(sv[1], buf, 4, 0, NULL, NULL));
	CASE("connect_bad_fd", 0, connect(999, (struct sockaddr *)&a, sizeof(a)));
	CASE("listen_socketpair", 0, listen(sv[0], 1));
	CASE("ok_close_sv", 12345, close(sv[0]) + close(sv[1]));
	efault_cases();
	printf("@ done cases=%d\n", cases);
	fprintf(stderr, "@ stderr end\n");
	return 0;
}

/* Pointers the kernel cannot read: the program gets EFAULT, and a tracer
 * that reads them itself would crash it instead. */
static void efault_cases(void)
{
	/* volatile: the compiler must not see which address it is. */
	void *volatile bad_address = (void *)16;
	void *bad = bad_address;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(int);
	int sv[2], s, u;
	char buf[16];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return;
	s = socket(AF_INET, SOCK_STREAM, 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CASE("efault_sendmsg", 0, sendmsg(sv[0], NULL, 0));
	CASE("efault_sendmsg_bad", 0, sendmsg(sv[0], bad, 0));
	CASE("efault_recvmsg", 0, recvmsg(u, NULL, MSG_DONTWAIT));
	CASE("efault_sendmmsg", 0, sendmmsg(u, bad, 1, 0));
	CASE("efault_recvmmsg", 0, recvmmsg(u, bad, 1, MSG_DONTWAIT, NULL));
	CASE("efault_setsockopt", 0, setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, bad, sizeof(int)));
	CASE("efault_getsockopt", 0, getsockopt(s, SOL_SOCKET, SO_ERROR, bad, &len));
	CASE("efault_connect", 0, connect(s, bad, sizeof(a)));
	CASE("efault_bind", 0, bind(s, bad, sizeof(a)));
	CASE("efault_sendto", 0, sendto(u, "x", 1, 0, bad, sizeof(a)));
	CASE("efault_poll", 0, poll(bad, 1, 0));
	CASE("efault_writev", 0, writev(sv[0], bad, 1));
	CASE("efault_send", 0, send(sv[0], bad, 8, 0));
	CASE("ok_send_for_recv", 12345, send(sv[0], "12345678", 8, 0));
	CASE("efault_recv", 0, recv(sv[1], bad, 8, MSG_DONTWAIT));
	CASE("ok_recv_after", 12345, recv(sv[1], buf, 8, MSG_DONTWAIT));
	close(s);
	close(u);
	close(sv[0]);
	close(sv[1]);
}
