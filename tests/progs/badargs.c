/*
 * badargs.c: every wrapped call with good and bad arguments, one case per
 * row of a table, each case in a child of its own (tests/test_badargs.c
 * runs it untraced and traced and wants the same lines).
 *
 * usage: badargs [name...]
 * Runs the named cases (all of them when none is named) and prints one line
 * per case:
 *   <name> ret=<r> errno=<E> end=<how> expect=<r>/<E> <ok|MISMATCH>
 * where end is "exit" or "sig<N>" (the child killed by signal N) and the
 * expectation is the table's, written from an untraced run on Linux.  A row
 * is the call, its descriptor (a fixture made fresh in the child) and its
 * pointer arguments by kind (argpool.h: good, NULL, bad, kernel address,
 * PROT_NONE page, edge of the mapping, read-only page) with their lengths.
 * Ends with "@ done cases=<n>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argpool.h"
#include "helpers.h"

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *alen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

enum call {
	C_SOCKET, C_SOCKETPAIR, C_BIND, C_LISTEN, C_ACCEPT, C_ACCEPT4, C_CONNECT, C_SHUTDOWN,
	C_CLOSE, C_CLOSE_RANGE, C_DUP, C_DUP2, C_DUP3, C_FCNTL, C_SETSOCKOPT, C_GETSOCKOPT,
	C_GETSOCKNAME, C_GETPEERNAME, C_SEND, C_SENDTO, C_SENDMSG, C_SENDMMSG, C_RECV,
	C_RECVFROM, C_RECVMSG, C_RECVMMSG, C_READ, C_WRITE, C_READV, C_WRITEV, C_SENDFILE,
	C_RECV_CHK, C_RECVFROM_CHK, C_READ_CHK, C_POLL, C_PPOLL, C_GETADDRINFO,
	C_GETHOSTBYNAME, C_GETHOSTBYNAME2, C_EXECVE, C_POSIX_SPAWN, C_EPOLL_CTL, C_EPOLL_WAIT,
	C_EPOLL_PWAIT, C_EPOLL_PWAIT2, C_SELECT, C_PSELECT,
};

/* The descriptor a case runs on, made fresh in its child. */
enum fdk {
	F_TCP,		/* unbound TCP socket, non-blocking */
	F_TCPC,		/* connected TCP socket, 32 bytes from its peer waiting */
	F_LIS,		/* TCP listener with one connection waiting */
	F_UDP,		/* bound UDP socket, a 32-byte datagram waiting */
	F_USTR,		/* AF_UNIX stream socketpair end, 32 bytes waiting */
	F_UDG,		/* AF_UNIX datagram socketpair end, a 32-byte datagram waiting */
	F_BADFD,	/* -1 */
	F_CLOSED,	/* a socket's number just after it was closed */
	F_FILE,		/* /dev/null */
	F_NONE,		/* the call takes no descriptor */
};

/*
 * One case.  k1..k5 are the kinds of the call's pointer arguments, n1..n4
 * the numbers that go with them (lengths, counts, the value a length
 * pointer points to); their meaning per call is in do_call().  Fields left
 * out are 0: K_GOOD and a length of 0.
 */
struct row {
	const char *name;
	enum call call;
	enum fdk fd;
	enum kind k1, k2, k3, k4, k5;
	long n1, n2, n3, n4;
	int flags;
	long ret;	/* expected, from an untraced run */
	int err;	/* expected errno (0: none; getaddrinfo: its EAI_ code is ret) */
};

#define G K_GOOD
#define N K_NULL
#define B K_BAD
#define KK K_KERN
#define NP K_NOPROT
#define E K_EDGE
#define RO K_RO
#define SIN ((long)sizeof(struct sockaddr_in))
#define BIG 100000L
#define R(nm, c, f, ...) { .name = nm, .call = c, .fd = f, __VA_ARGS__ }

static const struct row rows[] = {
	/* bind(fd, addr k1, len n1) */
	R("bind_ok", C_BIND, F_TCP, .n1 = SIN, .ret = 0, .err = 0),
	R("bind_null", C_BIND, F_TCP, .k1 = N, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("bind_bad", C_BIND, F_TCP, .k1 = B, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("bind_bad_absurd", C_BIND, F_TCP, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("bind_bad_neg", C_BIND, F_TCP, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("bind_bad_zero", C_BIND, F_TCP, .k1 = B, .n1 = 0, .ret = -1, .err = EINVAL),
	R("bind_kern", C_BIND, F_TCP, .k1 = KK, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("bind_noprot", C_BIND, F_TCP, .k1 = NP, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("bind_edge", C_BIND, F_TCP, .k1 = E, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("bind_edge_short", C_BIND, F_TCP, .k1 = E, .n1 = EDGE_OK, .ret = -1, .err = EINVAL),
	R("bind_edge_absurd", C_BIND, F_TCP, .k1 = E, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("bind_ro", C_BIND, F_TCP, .k1 = RO, .n1 = SIN, .ret = 0, .err = 0),
	R("bind_good_absurd", C_BIND, F_TCP, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("bind_badfd", C_BIND, F_BADFD, .n1 = SIN, .ret = -1, .err = EBADF),
	R("bind_closed", C_BIND, F_CLOSED, .n1 = SIN, .ret = -1, .err = EBADF),
	R("bind_closed_bad_absurd", C_BIND, F_CLOSED, .k1 = B, .n1 = BIG, .ret = -1, .err = EBADF),
	R("bind_file", C_BIND, F_FILE, .n1 = SIN, .ret = -1, .err = ENOTSOCK),

	/* connect(fd, addr k1, len n1): the good address is a listener's */
	R("connect_ok", C_CONNECT, F_TCP, .n1 = SIN, .ret = -1, .err = EINPROGRESS),
	R("connect_null", C_CONNECT, F_TCP, .k1 = N, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("connect_bad", C_CONNECT, F_TCP, .k1 = B, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("connect_bad_absurd", C_CONNECT, F_TCP, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("connect_bad_neg", C_CONNECT, F_TCP, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("connect_bad_zero", C_CONNECT, F_TCP, .k1 = B, .n1 = 0, .ret = -1, .err = EINVAL),
	R("connect_kern", C_CONNECT, F_TCP, .k1 = KK, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("connect_noprot", C_CONNECT, F_TCP, .k1 = NP, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("connect_edge", C_CONNECT, F_TCP, .k1 = E, .n1 = SIN, .ret = -1, .err = EFAULT),
	R("connect_edge_short", C_CONNECT, F_TCP, .k1 = E, .n1 = EDGE_OK, .ret = -1, .err = EINVAL),
	R("connect_ro", C_CONNECT, F_TCP, .k1 = RO, .n1 = SIN, .ret = -1, .err = EINPROGRESS),
	R("connect_udp_ok", C_CONNECT, F_UDP, .n1 = SIN, .ret = 0, .err = 0),
	R("connect_udp_bad_absurd", C_CONNECT, F_UDP, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("connect_udp_edge_short", C_CONNECT, F_UDP, .k1 = E, .n1 = EDGE_OK, .ret = -1, .err = EINVAL),
	R("connect_unix_bad_absurd", C_CONNECT, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("connect_badfd", C_CONNECT, F_BADFD, .n1 = SIN, .ret = -1, .err = EBADF),
	R("connect_closed", C_CONNECT, F_CLOSED, .n1 = SIN, .ret = -1, .err = EBADF),
	R("connect_closed_bad_absurd", C_CONNECT, F_CLOSED, .k1 = B, .n1 = BIG, .ret = -1, .err = EBADF),
	R("connect_file", C_CONNECT, F_FILE, .n1 = SIN, .ret = -1, .err = ENOTSOCK),

	/* accept/accept4(fd, addr k1 out, len pointer k2 -> n2) */
	R("accept_ok", C_ACCEPT, F_LIS, .n2 = SIN, .ret = 3, .err = 0),
	R("accept_nulls", C_ACCEPT, F_LIS, .k1 = N, .k2 = N, .ret = 3, .err = 0),
	R("accept_addr_null", C_ACCEPT, F_LIS, .k1 = N, .n2 = SIN, .ret = 3, .err = 0),
	R("accept_addr_bad", C_ACCEPT, F_LIS, .k1 = B, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("accept_addr_bad_len0", C_ACCEPT, F_LIS, .k1 = B, .n2 = 0, .ret = 3, .err = 0),
	R("accept_addr_edge", C_ACCEPT, F_LIS, .k1 = E, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("accept_addr_edge_short", C_ACCEPT, F_LIS, .k1 = E, .n2 = EDGE_OK, .ret = 3, .err = 0),
	R("accept_addr_ro", C_ACCEPT, F_LIS, .k1 = RO, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("accept_len_null", C_ACCEPT, F_LIS, .k2 = N, .ret = -1, .err = EFAULT),
	R("accept_len_bad", C_ACCEPT, F_LIS, .k2 = B, .ret = -1, .err = EFAULT),
	R("accept_len_ro", C_ACCEPT, F_LIS, .k2 = RO, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("accept_len_neg", C_ACCEPT, F_LIS, .n2 = -1, .ret = -1, .err = EINVAL),
	R("accept_len_absurd", C_ACCEPT, F_LIS, .n2 = BIG, .ret = 3, .err = 0),
	R("accept_unlistened", C_ACCEPT, F_TCP, .n2 = SIN, .ret = -1, .err = EINVAL),
	R("accept_badfd", C_ACCEPT, F_BADFD, .n2 = SIN, .ret = -1, .err = EBADF),
	R("accept_closed", C_ACCEPT, F_CLOSED, .n2 = SIN, .ret = -1, .err = EBADF),
	R("accept_file", C_ACCEPT, F_FILE, .n2 = SIN, .ret = -1, .err = ENOTSOCK),
	R("accept4_ok", C_ACCEPT4, F_LIS, .n2 = SIN, .flags = SOCK_CLOEXEC, .ret = 3, .err = 0),
	R("accept4_addr_bad", C_ACCEPT4, F_LIS, .k1 = B, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("accept4_len_bad", C_ACCEPT4, F_LIS, .k2 = B, .ret = -1, .err = EFAULT),
	R("accept4_badflags", C_ACCEPT4, F_LIS, .k1 = B, .k2 = B, .flags = 0x7fff, .ret = -1, .err = EINVAL),
	R("accept4_closed", C_ACCEPT4, F_CLOSED, .n2 = SIN, .ret = -1, .err = EBADF),

	/* getsockname/getpeername(fd, addr k1 out, len pointer k2 -> n2) */
	R("getsockname_ok", C_GETSOCKNAME, F_TCPC, .n2 = SIN, .ret = 0, .err = 0),
	R("getsockname_addr_null", C_GETSOCKNAME, F_TCPC, .k1 = N, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("getsockname_addr_bad", C_GETSOCKNAME, F_TCPC, .k1 = B, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("getsockname_addr_bad_len0", C_GETSOCKNAME, F_TCPC, .k1 = B, .n2 = 0, .ret = 0, .err = 0),
	R("getsockname_addr_edge", C_GETSOCKNAME, F_TCPC, .k1 = E, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("getsockname_len_null", C_GETSOCKNAME, F_TCPC, .k2 = N, .ret = -1, .err = EFAULT),
	R("getsockname_len_bad", C_GETSOCKNAME, F_TCPC, .k2 = B, .ret = -1, .err = EFAULT),
	R("getsockname_len_neg", C_GETSOCKNAME, F_TCPC, .n2 = -1, .ret = -1, .err = EINVAL),
	R("getsockname_len_ro", C_GETSOCKNAME, F_TCPC, .k2 = RO, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("getsockname_badfd", C_GETSOCKNAME, F_BADFD, .n2 = SIN, .ret = -1, .err = EBADF),
	R("getsockname_closed", C_GETSOCKNAME, F_CLOSED, .n2 = SIN, .ret = -1, .err = EBADF),
	R("getsockname_file", C_GETSOCKNAME, F_FILE, .n2 = SIN, .ret = -1, .err = ENOTSOCK),
	R("getpeername_ok", C_GETPEERNAME, F_TCPC, .n2 = SIN, .ret = 0, .err = 0),
	R("getpeername_addr_bad", C_GETPEERNAME, F_TCPC, .k1 = B, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("getpeername_addr_bad_len0", C_GETPEERNAME, F_TCPC, .k1 = B, .n2 = 0, .ret = 0, .err = 0),
	R("getpeername_len_bad", C_GETPEERNAME, F_TCPC, .k2 = B, .ret = -1, .err = EFAULT),
	R("getpeername_unconnected", C_GETPEERNAME, F_TCP, .k1 = B, .k2 = B, .ret = -1, .err = ENOTCONN),
	R("getpeername_closed", C_GETPEERNAME, F_CLOSED, .n2 = SIN, .ret = -1, .err = EBADF),

	/* setsockopt(fd, level n3 or SOL_SOCKET, opt n2 or SO_KEEPALIVE, val k1, len n1) */
	R("setsockopt_ok", C_SETSOCKOPT, F_TCP, .n1 = 4, .ret = 0, .err = 0),
	R("setsockopt_null", C_SETSOCKOPT, F_TCP, .k1 = N, .n1 = 4, .ret = -1, .err = EFAULT),
	R("setsockopt_bad", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = 4, .ret = -1, .err = EFAULT),
	R("setsockopt_bad_absurd", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("setsockopt_bad_zero", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = 0, .ret = -1, .err = EINVAL),
	R("setsockopt_bad_neg", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("setsockopt_kern", C_SETSOCKOPT, F_TCP, .k1 = KK, .n1 = 4, .ret = -1, .err = EFAULT),
	R("setsockopt_edge", C_SETSOCKOPT, F_TCP, .k1 = E, .n1 = 4, .ret = 0, .err = 0),
	R("setsockopt_ro", C_SETSOCKOPT, F_TCP, .k1 = RO, .n1 = 4, .ret = 0, .err = 0),
	R("setsockopt_good_absurd", C_SETSOCKOPT, F_TCP, .n1 = BIG, .ret = 0, .err = 0),
	R("setsockopt_tcp_bad", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = 4, .n2 = TCP_NODELAY, .n3 = IPPROTO_TCP, .ret = -1, .err = EFAULT),
	R("setsockopt_ip_bad", C_SETSOCKOPT, F_UDP, .k1 = B, .n1 = 4, .n2 = IP_TOS, .n3 = IPPROTO_IP, .ret = -1, .err = EFAULT),
	R("setsockopt_ip_edge", C_SETSOCKOPT, F_UDP, .k1 = E, .n1 = 4, .n2 = IP_TOS, .n3 = IPPROTO_IP, .ret = 0, .err = 0),
	R("setsockopt_badlevel_bad", C_SETSOCKOPT, F_TCP, .k1 = B, .n1 = 4, .n3 = 12345, .ret = -1, .err = ENOPROTOOPT),
	R("setsockopt_badfd", C_SETSOCKOPT, F_BADFD, .n1 = 4, .ret = -1, .err = EBADF),
	R("setsockopt_closed", C_SETSOCKOPT, F_CLOSED, .k1 = B, .n1 = 4, .ret = -1, .err = EBADF),
	R("setsockopt_file", C_SETSOCKOPT, F_FILE, .n1 = 4, .ret = -1, .err = ENOTSOCK),

	/* getsockopt(fd, SOL_SOCKET, opt n3 or SO_ERROR, val k1 out, len pointer k2 -> n2) */
	R("getsockopt_ok", C_GETSOCKOPT, F_TCP, .n2 = 4, .ret = 0, .err = 0),
	R("getsockopt_val_null", C_GETSOCKOPT, F_TCP, .k1 = N, .n2 = 4, .ret = -1, .err = EFAULT),
	R("getsockopt_val_bad", C_GETSOCKOPT, F_TCP, .k1 = B, .n2 = 4, .ret = -1, .err = EFAULT),
	R("getsockopt_val_bad_len0", C_GETSOCKOPT, F_TCP, .k1 = B, .n2 = 0, .ret = 0, .err = 0),
	R("getsockopt_val_edge", C_GETSOCKOPT, F_TCP, .k1 = E, .n2 = 4, .ret = 0, .err = 0),
	R("getsockopt_val_ro", C_GETSOCKOPT, F_TCP, .k1 = RO, .n2 = 4, .ret = -1, .err = EFAULT),
	R("getsockopt_len_null", C_GETSOCKOPT, F_TCP, .k2 = N, .ret = -1, .err = EFAULT),
	R("getsockopt_len_bad", C_GETSOCKOPT, F_TCP, .k2 = B, .ret = -1, .err = EFAULT),
	R("getsockopt_len_ro", C_GETSOCKOPT, F_TCP, .k2 = RO, .n2 = 4, .ret = -1, .err = EFAULT),
	R("getsockopt_len_neg", C_GETSOCKOPT, F_TCP, .n2 = -1, .ret = -1, .err = EINVAL),
	R("getsockopt_len_absurd", C_GETSOCKOPT, F_TCP, .n2 = BIG, .ret = 0, .err = 0),
	R("getsockopt_type_bad", C_GETSOCKOPT, F_TCP, .k1 = B, .n2 = 4, .n3 = SO_TYPE, .ret = -1, .err = EFAULT),
	R("getsockopt_badfd", C_GETSOCKOPT, F_BADFD, .n2 = 4, .ret = -1, .err = EBADF),
	R("getsockopt_closed", C_GETSOCKOPT, F_CLOSED, .k1 = B, .k2 = B, .ret = -1, .err = EBADF),
	R("getsockopt_file", C_GETSOCKOPT, F_FILE, .n2 = 4, .ret = -1, .err = ENOTSOCK),

	/* send(fd, buf k1, n1, flags) */
	R("send_ok", C_SEND, F_USTR, .n1 = 8, .ret = 8, .err = 0),
	R("send_null", C_SEND, F_USTR, .k1 = N, .n1 = 8, .ret = -1, .err = EFAULT),
	R("send_null_zero", C_SEND, F_USTR, .k1 = N, .n1 = 0, .ret = 0, .err = 0),
	R("send_bad", C_SEND, F_USTR, .k1 = B, .n1 = 8, .ret = -1, .err = EFAULT),
	R("send_kern", C_SEND, F_USTR, .k1 = KK, .n1 = 8, .ret = -1, .err = EFAULT),
	R("send_noprot", C_SEND, F_USTR, .k1 = NP, .n1 = 8, .ret = -1, .err = EFAULT),
	R("send_edge", C_SEND, F_USTR, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("send_ro", C_SEND, F_USTR, .k1 = RO, .n1 = 8, .ret = 8, .err = 0),
	R("send_absurd", C_SEND, F_USTR, .n1 = BIG, .ret = 100000, .err = 0),
	R("send_bad_absurd", C_SEND, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("send_udp_bad_absurd", C_SEND, F_UDP, .k1 = B, .n1 = BIG, .ret = -1, .err = EMSGSIZE),
	R("send_badfd", C_SEND, F_BADFD, .n1 = 8, .ret = -1, .err = EBADF),
	R("send_closed", C_SEND, F_CLOSED, .k1 = B, .n1 = 8, .ret = -1, .err = EBADF),
	R("send_file", C_SEND, F_FILE, .n1 = 8, .ret = -1, .err = ENOTSOCK),

	/* sendto(fd, buf k1, n1, flags, to k2, tolen n2): to is a UDP peer */
	R("sendto_ok", C_SENDTO, F_UDP, .n1 = 8, .n2 = SIN, .ret = 8, .err = 0),
	R("sendto_to_null", C_SENDTO, F_UDP, .n1 = 8, .k2 = N, .n2 = SIN, .ret = -1, .err = EDESTADDRREQ),
	R("sendto_to_bad", C_SENDTO, F_UDP, .n1 = 8, .k2 = B, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_to_bad_absurd", C_SENDTO, F_UDP, .n1 = 1, .k2 = B, .n2 = BIG, .ret = -1, .err = EINVAL),
	R("sendto_to_bad_neg", C_SENDTO, F_UDP, .n1 = 1, .k2 = B, .n2 = -1, .ret = -1, .err = EINVAL),
	R("sendto_to_bad_zero", C_SENDTO, F_UDP, .n1 = 1, .k2 = B, .n2 = 0, .ret = -1, .err = EINVAL),
	R("sendto_to_kern", C_SENDTO, F_UDP, .n1 = 8, .k2 = KK, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_to_noprot", C_SENDTO, F_UDP, .n1 = 8, .k2 = NP, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_to_edge", C_SENDTO, F_UDP, .n1 = 8, .k2 = E, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_to_edge_short", C_SENDTO, F_UDP, .n1 = 8, .k2 = E, .n2 = EDGE_OK, .ret = -1, .err = EINVAL),
	R("sendto_to_ro", C_SENDTO, F_UDP, .n1 = 8, .k2 = RO, .n2 = SIN, .ret = 8, .err = 0),
	R("sendto_to_good_absurd", C_SENDTO, F_UDP, .n1 = 8, .n2 = BIG, .ret = -1, .err = EINVAL),
	R("sendto_buf_null", C_SENDTO, F_UDP, .k1 = N, .n1 = 8, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_buf_null_zero", C_SENDTO, F_UDP, .k1 = N, .n1 = 0, .n2 = SIN, .ret = 0, .err = 0),
	R("sendto_buf_bad", C_SENDTO, F_UDP, .k1 = B, .n1 = 8, .n2 = SIN, .ret = -1, .err = EFAULT),
	R("sendto_buf_absurd", C_SENDTO, F_UDP, .n1 = BIG, .n2 = SIN, .ret = -1, .err = EMSGSIZE),
	R("sendto_tcp_to_bad_absurd", C_SENDTO, F_TCPC, .n1 = 1, .k2 = B, .n2 = BIG, .ret = -1, .err = EINVAL),
	R("sendto_unix_to_bad_absurd", C_SENDTO, F_UDG, .n1 = 1, .k2 = B, .n2 = BIG, .ret = -1, .err = EINVAL),
	R("sendto_badfd", C_SENDTO, F_BADFD, .n1 = 8, .k2 = B, .n2 = BIG, .ret = -1, .err = EBADF),
	R("sendto_closed", C_SENDTO, F_CLOSED, .n1 = 8, .k2 = B, .n2 = BIG, .ret = -1, .err = EBADF),
	R("sendto_file", C_SENDTO, F_FILE, .n1 = 8, .n2 = SIN, .ret = -1, .err = ENOTSOCK),

	/* write(fd, buf k1, n1) */
	R("write_ok", C_WRITE, F_USTR, .n1 = 8, .ret = 8, .err = 0),
	R("write_null", C_WRITE, F_USTR, .k1 = N, .n1 = 8, .ret = -1, .err = EFAULT),
	R("write_bad", C_WRITE, F_USTR, .k1 = B, .n1 = 8, .ret = -1, .err = EFAULT),
	R("write_edge", C_WRITE, F_USTR, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("write_bad_absurd", C_WRITE, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("write_udp_bad", C_WRITE, F_UDP, .k1 = B, .n1 = 8, .ret = -1, .err = EDESTADDRREQ),
	R("write_badfd", C_WRITE, F_BADFD, .n1 = 8, .ret = -1, .err = EBADF),
	R("write_closed", C_WRITE, F_CLOSED, .k1 = B, .n1 = 8, .ret = -1, .err = EBADF),
	R("write_file_bad", C_WRITE, F_FILE, .k1 = B, .n1 = 8, .ret = 8, .err = 0),

	/* recv(fd, buf k1 out, n1, flags | MSG_DONTWAIT) */
	R("recv_ok", C_RECV, F_USTR, .n1 = 64, .ret = 32, .err = 0),
	R("recv_null", C_RECV, F_USTR, .k1 = N, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_null_zero", C_RECV, F_USTR, .k1 = N, .n1 = 0, .ret = 0, .err = 0),
	R("recv_bad", C_RECV, F_USTR, .k1 = B, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_kern", C_RECV, F_USTR, .k1 = KK, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_noprot", C_RECV, F_USTR, .k1 = NP, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_edge", C_RECV, F_USTR, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_ro", C_RECV, F_USTR, .k1 = RO, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_absurd", C_RECV, F_USTR, .n1 = BIG, .ret = 32, .err = 0),
	R("recv_bad_absurd", C_RECV, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("recv_trunc_null", C_RECV, F_UDG, .k1 = N, .n1 = 0, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recv_trunc_bad", C_RECV, F_UDG, .k1 = B, .n1 = 0, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recv_trunc_edge", C_RECV, F_UDG, .k1 = E, .n1 = 4, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recv_udp_trunc_null", C_RECV, F_UDP, .k1 = N, .n1 = 0, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recv_udp_trunc_peek_bad", C_RECV, F_UDP, .k1 = B, .n1 = 0, .flags = MSG_TRUNC | MSG_PEEK, .ret = 32, .err = 0),
	R("recv_udp_bad", C_RECV, F_UDP, .k1 = B, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_badfd", C_RECV, F_BADFD, .n1 = 64, .ret = -1, .err = EBADF),
	R("recv_closed", C_RECV, F_CLOSED, .k1 = B, .n1 = 64, .ret = -1, .err = EBADF),
	R("recv_file", C_RECV, F_FILE, .n1 = 64, .ret = -1, .err = ENOTSOCK),

	/* recvfrom(fd, buf k1 out, n1, flags | MSG_DONTWAIT, from k2 out, len pointer k3 -> n3) */
	R("recvfrom_ok", C_RECVFROM, F_UDP, .n1 = 64, .n3 = SIN, .ret = 32, .err = 0),
	R("recvfrom_from_nulls", C_RECVFROM, F_UDP, .n1 = 64, .k2 = N, .k3 = N, .ret = 32, .err = 0),
	R("recvfrom_from_null", C_RECVFROM, F_UDP, .n1 = 64, .k2 = N, .n3 = SIN, .ret = 32, .err = 0),
	R("recvfrom_from_null_len_bad", C_RECVFROM, F_UDP, .n1 = 64, .k2 = N, .k3 = B, .ret = 32, .err = 0),
	R("recvfrom_from_bad", C_RECVFROM, F_UDP, .n1 = 64, .k2 = B, .n3 = SIN, .ret = -1, .err = EFAULT),
	R("recvfrom_from_bad_len0", C_RECVFROM, F_UDP, .n1 = 64, .k2 = B, .n3 = 0, .ret = 32, .err = 0),
	R("recvfrom_from_kern_len0", C_RECVFROM, F_UDP, .n1 = 64, .k2 = KK, .n3 = 0, .ret = 32, .err = 0),
	R("recvfrom_from_edge", C_RECVFROM, F_UDP, .n1 = 64, .k2 = E, .n3 = SIN, .ret = -1, .err = EFAULT),
	R("recvfrom_from_edge_short", C_RECVFROM, F_UDP, .n1 = 64, .k2 = E, .n3 = EDGE_OK, .ret = 32, .err = 0),
	R("recvfrom_from_ro", C_RECVFROM, F_UDP, .n1 = 64, .k2 = RO, .n3 = SIN, .ret = -1, .err = EFAULT),
	R("recvfrom_len_null", C_RECVFROM, F_UDP, .n1 = 64, .k3 = N, .ret = -1, .err = EFAULT),
	R("recvfrom_len_bad", C_RECVFROM, F_UDP, .n1 = 64, .k3 = B, .ret = -1, .err = EFAULT),
	R("recvfrom_len_ro", C_RECVFROM, F_UDP, .n1 = 64, .k3 = RO, .n3 = SIN, .ret = -1, .err = EFAULT),
	R("recvfrom_len_neg", C_RECVFROM, F_UDP, .n1 = 64, .n3 = -1, .ret = -1, .err = EINVAL),
	R("recvfrom_len_absurd", C_RECVFROM, F_UDP, .n1 = 64, .n3 = BIG, .ret = 32, .err = 0),
	R("recvfrom_buf_bad", C_RECVFROM, F_UDP, .k1 = B, .n1 = 64, .n3 = SIN, .ret = -1, .err = EFAULT),
	R("recvfrom_trunc_null", C_RECVFROM, F_UDP, .k1 = N, .n1 = 0, .n3 = SIN, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recvfrom_unix_from_bad_len0", C_RECVFROM, F_UDG, .n1 = 64, .k2 = B, .n3 = 0, .ret = 32, .err = 0),
	R("recvfrom_tcp_from_bad_len0", C_RECVFROM, F_TCPC, .n1 = 64, .k2 = B, .n3 = 0, .ret = 32, .err = 0),
	R("recvfrom_badfd", C_RECVFROM, F_BADFD, .n1 = 64, .n3 = SIN, .ret = -1, .err = EBADF),
	R("recvfrom_closed", C_RECVFROM, F_CLOSED, .k1 = B, .n1 = 64, .k2 = B, .k3 = B, .ret = -1, .err = EBADF),
	R("recvfrom_file", C_RECVFROM, F_FILE, .n1 = 64, .n3 = SIN, .ret = -1, .err = ENOTSOCK),

	/* read(fd, buf k1 out, n1) */
	R("read_ok", C_READ, F_USTR, .n1 = 64, .ret = 32, .err = 0),
	R("read_null", C_READ, F_USTR, .k1 = N, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_bad", C_READ, F_USTR, .k1 = B, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_edge", C_READ, F_USTR, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_ro", C_READ, F_USTR, .k1 = RO, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_bad_absurd", C_READ, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("read_udg_edge", C_READ, F_UDG, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_badfd", C_READ, F_BADFD, .n1 = 64, .ret = -1, .err = EBADF),
	R("read_closed", C_READ, F_CLOSED, .k1 = B, .n1 = 64, .ret = -1, .err = EBADF),
	R("read_file_bad", C_READ, F_FILE, .k1 = B, .n1 = 64, .ret = 0, .err = 0),

	/* readv/writev(fd, iov array k1 of n1 entries, each base k2 len n2) */
	R("readv_ok", C_READV, F_USTR, .n1 = 1, .n2 = 64, .ret = 32, .err = 0),
	R("readv_iov_null", C_READV, F_USTR, .k1 = N, .n1 = 1, .ret = -1, .err = EFAULT),
	R("readv_iov_bad", C_READV, F_USTR, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("readv_iov_bad_absurd", C_READV, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("readv_iov_bad_neg", C_READV, F_USTR, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("readv_iov_bad_zero", C_READV, F_USTR, .k1 = B, .n1 = 0, .ret = 0, .err = 0),
	R("readv_iov_edge", C_READV, F_USTR, .k1 = E, .n1 = 1, .n2 = 64, .ret = -1, .err = EFAULT),
	R("readv_iov_ro", C_READV, F_USTR, .k1 = RO, .n1 = 1, .n2 = 64, .ret = 32, .err = 0),
	R("readv_iov_kern", C_READV, F_USTR, .k1 = KK, .n1 = 1, .ret = -1, .err = EFAULT),
	R("readv_base_bad", C_READV, F_USTR, .k2 = B, .n1 = 1, .n2 = 64, .ret = -1, .err = EFAULT),
	R("readv_base_null_zero", C_READV, F_USTR, .k2 = N, .n1 = 1, .n2 = 0, .ret = 0, .err = 0),
	R("readv_base_edge", C_READV, F_USTR, .k2 = E, .n1 = 1, .n2 = 64, .ret = -1, .err = EFAULT),
	R("readv_base_edge_two", C_READV, F_USTR, .k2 = E, .n1 = 2, .n2 = 4, .ret = 8, .err = 0),
	R("readv_len_absurd", C_READV, F_USTR, .n1 = 1, .n2 = BIG, .ret = 32, .err = 0),
	R("readv_badfd", C_READV, F_BADFD, .n1 = 1, .n2 = 64, .ret = -1, .err = EBADF),
	R("readv_closed", C_READV, F_CLOSED, .k1 = B, .n1 = BIG, .ret = -1, .err = EBADF),
	R("readv_file_bad", C_READV, F_FILE, .k2 = B, .n1 = 1, .n2 = 64, .ret = 0, .err = 0),
	R("writev_ok", C_WRITEV, F_USTR, .n1 = 1, .n2 = 8, .ret = 8, .err = 0),
	R("writev_iov_null", C_WRITEV, F_USTR, .k1 = N, .n1 = 1, .ret = -1, .err = EFAULT),
	R("writev_iov_bad", C_WRITEV, F_USTR, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("writev_iov_bad_absurd", C_WRITEV, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("writev_iov_edge", C_WRITEV, F_USTR, .k1 = E, .n1 = 1, .n2 = 8, .ret = -1, .err = EFAULT),
	R("writev_iov_ro", C_WRITEV, F_USTR, .k1 = RO, .n1 = 1, .n2 = 8, .ret = 8, .err = 0),
	R("writev_base_bad", C_WRITEV, F_USTR, .k2 = B, .n1 = 1, .n2 = 8, .ret = -1, .err = EFAULT),
	R("writev_base_edge", C_WRITEV, F_USTR, .k2 = E, .n1 = 1, .n2 = 64, .ret = -1, .err = EFAULT),
	R("writev_len_absurd", C_WRITEV, F_USTR, .n1 = 1, .n2 = BIG, .ret = 100000, .err = 0),
	R("writev_badfd", C_WRITEV, F_BADFD, .n1 = 1, .n2 = 8, .ret = -1, .err = EBADF),
	R("writev_closed", C_WRITEV, F_CLOSED, .k1 = B, .n1 = BIG, .ret = -1, .err = EBADF),

	/* sendmsg(fd, msg k1, flags): msg_name k2 (a UDP peer) / n2, msg_iov
	 * k3 / n3 entries of 8 bytes at base k5, msg_control k4 / n4 */
	R("sendmsg_ok", C_SENDMSG, F_UDP, .n2 = SIN, .n3 = 1, .ret = 8, .err = 0),
	R("sendmsg_msg_null", C_SENDMSG, F_UDP, .k1 = N, .ret = -1, .err = EFAULT),
	R("sendmsg_msg_bad", C_SENDMSG, F_UDP, .k1 = B, .ret = -1, .err = EFAULT),
	R("sendmsg_msg_kern", C_SENDMSG, F_UDP, .k1 = KK, .ret = -1, .err = EFAULT),
	R("sendmsg_msg_edge", C_SENDMSG, F_UDP, .k1 = E, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_msg_ro", C_SENDMSG, F_UDP, .k1 = RO, .n2 = SIN, .n3 = 1, .ret = 8, .err = 0),
	R("sendmsg_name_null", C_SENDMSG, F_UDP, .k2 = N, .n2 = SIN, .n3 = 1, .ret = -1, .err = EDESTADDRREQ),
	R("sendmsg_name_bad", C_SENDMSG, F_UDP, .k2 = B, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_name_bad_absurd", C_SENDMSG, F_UDP, .k2 = B, .n2 = BIG, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_name_bad_neg", C_SENDMSG, F_UDP, .k2 = B, .n2 = -1, .n3 = 1, .ret = -1, .err = EINVAL),
	R("sendmsg_name_bad_zero", C_SENDMSG, F_UDP, .k2 = B, .n2 = 0, .n3 = 1, .ret = -1, .err = EDESTADDRREQ),
	R("sendmsg_name_edge", C_SENDMSG, F_UDP, .k2 = E, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_name_edge_short", C_SENDMSG, F_UDP, .k2 = E, .n2 = EDGE_OK, .n3 = 1, .ret = -1, .err = EINVAL),
	R("sendmsg_name_good_absurd", C_SENDMSG, F_UDP, .n2 = BIG, .n3 = 1, .ret = 8, .err = 0),
	R("sendmsg_iov_null", C_SENDMSG, F_UDP, .n2 = SIN, .k3 = N, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_iov_bad", C_SENDMSG, F_UDP, .n2 = SIN, .k3 = B, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_iov_bad_absurd", C_SENDMSG, F_UDP, .n2 = SIN, .k3 = B, .n3 = BIG, .ret = -1, .err = EMSGSIZE),
	R("sendmsg_iov_edge", C_SENDMSG, F_UDP, .n2 = SIN, .k3 = E, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_base_bad", C_SENDMSG, F_UDP, .n2 = SIN, .n3 = 1, .k5 = B, .ret = -1, .err = EFAULT),
	R("sendmsg_ctl_bad", C_SENDMSG, F_UDP, .n2 = SIN, .n3 = 1, .k4 = B, .n4 = 64, .ret = -1, .err = EFAULT),
	R("sendmsg_ctl_bad_absurd", C_SENDMSG, F_UDP, .n2 = SIN, .n3 = 1, .k4 = B, .n4 = BIG, .ret = -1, .err = EFAULT),
	R("sendmsg_ctl_null_len", C_SENDMSG, F_UDP, .n2 = SIN, .n3 = 1, .k4 = N, .n4 = 64, .ret = -1, .err = EFAULT),
	R("sendmsg_unix_ctl_edge", C_SENDMSG, F_USTR, .k2 = N, .n3 = 1, .k4 = E, .n4 = 64, .ret = -1, .err = EFAULT),
	R("sendmsg_unix_name_bad_absurd", C_SENDMSG, F_UDG, .k2 = B, .n2 = BIG, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_tcp_name_bad_absurd", C_SENDMSG, F_TCPC, .k2 = B, .n2 = BIG, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmsg_badfd", C_SENDMSG, F_BADFD, .k1 = B, .ret = -1, .err = EBADF),
	R("sendmsg_closed", C_SENDMSG, F_CLOSED, .k1 = B, .ret = -1, .err = EBADF),
	R("sendmsg_file", C_SENDMSG, F_FILE, .n2 = SIN, .n3 = 1, .ret = -1, .err = ENOTSOCK),

	/* recvmsg(fd, msg k1, flags | MSG_DONTWAIT): msg_name k2 / n2,
	 * msg_iov k3 / n3 entries of 64 bytes at base k5, msg_control k4 / n4 */
	R("recvmsg_ok", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 1, .ret = 32, .err = 0),
	R("recvmsg_msg_null", C_RECVMSG, F_UDP, .k1 = N, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_bad", C_RECVMSG, F_UDP, .k1 = B, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_kern", C_RECVMSG, F_UDP, .k1 = KK, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_noprot", C_RECVMSG, F_UDP, .k1 = NP, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_edge", C_RECVMSG, F_UDP, .k1 = E, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_ro", C_RECVMSG, F_UDP, .k1 = RO, .k2 = N, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_msg_ro_named", C_RECVMSG, F_UDP, .k1 = RO, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_stream_msg_bad", C_RECVMSG, F_USTR, .k1 = B, .ret = -1, .err = EFAULT),
	R("recvmsg_name_null", C_RECVMSG, F_UDP, .k2 = N, .n2 = SIN, .n3 = 1, .ret = 32, .err = 0),
	R("recvmsg_name_bad", C_RECVMSG, F_UDP, .k2 = B, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_name_bad_len0", C_RECVMSG, F_UDP, .k2 = B, .n2 = 0, .n3 = 1, .ret = 32, .err = 0),
	R("recvmsg_name_bad_absurd", C_RECVMSG, F_UDP, .k2 = B, .n2 = BIG, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_name_edge", C_RECVMSG, F_UDP, .k2 = E, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_name_edge_short", C_RECVMSG, F_UDP, .k2 = E, .n2 = EDGE_OK, .n3 = 1, .ret = 32, .err = 0),
	R("recvmsg_unix_name_bad_len0", C_RECVMSG, F_UDG, .k2 = B, .n2 = 0, .n3 = 1, .ret = 32, .err = 0),
	R("recvmsg_iov_null", C_RECVMSG, F_UDP, .n2 = SIN, .k3 = N, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_iov_bad", C_RECVMSG, F_UDP, .n2 = SIN, .k3 = B, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmsg_iov_bad_absurd", C_RECVMSG, F_UDP, .n2 = SIN, .k3 = B, .n3 = BIG, .ret = -1, .err = EMSGSIZE),
	R("recvmsg_base_bad", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 1, .k5 = B, .ret = -1, .err = EFAULT),
	R("recvmsg_base_edge", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 1, .k5 = E, .ret = -1, .err = EFAULT),
	R("recvmsg_trunc_base_null", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 0, .k5 = N, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recvmsg_ctl_bad", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 1, .k4 = B, .n4 = 64, .ret = 32, .err = 0),
	R("recvmsg_ctl_absurd", C_RECVMSG, F_UDP, .n2 = SIN, .n3 = 1, .n4 = BIG, .ret = 32, .err = 0),
	R("recvmsg_badfd", C_RECVMSG, F_BADFD, .k1 = B, .ret = -1, .err = EBADF),
	R("recvmsg_closed", C_RECVMSG, F_CLOSED, .k1 = B, .ret = -1, .err = EBADF),
	R("recvmsg_file", C_RECVMSG, F_FILE, .n2 = SIN, .n3 = 1, .ret = -1, .err = ENOTSOCK),

	/* sendmmsg/recvmmsg(fd, vec k1 of n1 entries, ...): each entry's
	 * header as for sendmsg/recvmsg from k2..k5 and n2..n4 */
	R("sendmmsg_ok", C_SENDMMSG, F_UDP, .n1 = 2, .n2 = SIN, .n3 = 1, .ret = 2, .err = 0),
	R("sendmmsg_vec_null", C_SENDMMSG, F_UDP, .k1 = N, .n1 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_vec_bad", C_SENDMMSG, F_UDP, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_vec_bad_absurd", C_SENDMMSG, F_UDP, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("sendmmsg_vec_bad_zero", C_SENDMMSG, F_UDP, .k1 = B, .n1 = 0, .ret = 0, .err = 0),
	R("sendmmsg_vec_edge", C_SENDMMSG, F_UDP, .k1 = E, .n1 = 1, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_vec_ro", C_SENDMMSG, F_UDP, .k1 = RO, .n1 = 1, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_name_bad", C_SENDMMSG, F_UDP, .n1 = 2, .k2 = B, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_name_bad_absurd", C_SENDMMSG, F_UDP, .n1 = 2, .k2 = B, .n2 = BIG, .n3 = 1, .ret = -1, .err = EFAULT),
	R("sendmmsg_base_bad", C_SENDMMSG, F_UDP, .n1 = 2, .n2 = SIN, .n3 = 1, .k5 = B, .ret = -1, .err = EFAULT),
	R("sendmmsg_badfd", C_SENDMMSG, F_BADFD, .k1 = B, .n1 = 1, .ret = -1, .err = EBADF),
	R("sendmmsg_closed", C_SENDMMSG, F_CLOSED, .k1 = B, .n1 = 1, .ret = -1, .err = EBADF),
	R("recvmmsg_ok", C_RECVMMSG, F_UDP, .n1 = 2, .n2 = SIN, .n3 = 1, .ret = 1, .err = 0),
	R("recvmmsg_vec_null", C_RECVMMSG, F_UDP, .k1 = N, .n1 = 1, .ret = -1, .err = EFAULT),
	R("recvmmsg_vec_bad", C_RECVMMSG, F_UDP, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("recvmmsg_vec_bad_absurd", C_RECVMMSG, F_UDP, .k1 = B, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("recvmmsg_vec_edge", C_RECVMMSG, F_UDP, .k1 = E, .n1 = 1, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmmsg_vec_ro", C_RECVMMSG, F_UDP, .k1 = RO, .n1 = 1, .n2 = SIN, .n3 = 1, .ret = -1, .err = EFAULT),
	R("recvmmsg_name_bad_len0", C_RECVMMSG, F_UDP, .n1 = 1, .k2 = B, .n2 = 0, .n3 = 1, .ret = 1, .err = 0),
	R("recvmmsg_name_edge_short", C_RECVMMSG, F_UDP, .n1 = 1, .k2 = E, .n2 = EDGE_OK, .n3 = 1, .ret = 1, .err = 0),
	R("recvmmsg_base_bad", C_RECVMMSG, F_UDP, .n1 = 1, .n2 = SIN, .n3 = 1, .k5 = B, .ret = -1, .err = EFAULT),
	R("recvmmsg_badfd", C_RECVMMSG, F_BADFD, .k1 = B, .n1 = 1, .ret = -1, .err = EBADF),
	R("recvmmsg_closed", C_RECVMMSG, F_CLOSED, .k1 = B, .n1 = 1, .ret = -1, .err = EBADF),

	/* sendfile(fd, a regular file, offset k1 -> 0, count n1) */
	R("sendfile_ok", C_SENDFILE, F_USTR, .n1 = 16, .ret = 16, .err = 0),
	R("sendfile_off_null", C_SENDFILE, F_USTR, .k1 = N, .n1 = 16, .ret = 16, .err = 0),
	R("sendfile_off_bad", C_SENDFILE, F_USTR, .k1 = B, .n1 = 16, .ret = -1, .err = EFAULT),
	R("sendfile_off_ro", C_SENDFILE, F_USTR, .k1 = RO, .n1 = 16, .ret = -1, .err = EFAULT),
	R("sendfile_off_edge", C_SENDFILE, F_USTR, .k1 = E, .n1 = 16, .ret = 16, .err = 0),
	R("sendfile_absurd", C_SENDFILE, F_USTR, .n1 = BIG, .ret = 100000, .err = 0),
	R("sendfile_badfd", C_SENDFILE, F_BADFD, .n1 = 16, .ret = -1, .err = EBADF),
	R("sendfile_closed", C_SENDFILE, F_CLOSED, .n1 = 16, .ret = -1, .err = EBADF),

	/* the fortified entry points: buffer k1 of n1 bytes; from k2, len pointer k3 -> n3 */
	R("recv_chk_bad", C_RECV_CHK, F_USTR, .k1 = B, .n1 = 64, .ret = -1, .err = EFAULT),
	R("recv_chk_trunc_null", C_RECV_CHK, F_UDG, .k1 = N, .n1 = 0, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recv_chk_closed", C_RECV_CHK, F_CLOSED, .k1 = B, .n1 = 64, .ret = -1, .err = EBADF),
	R("recvfrom_chk_from_bad_len0", C_RECVFROM_CHK, F_UDP, .n1 = 64, .k2 = B, .n3 = 0, .ret = 32, .err = 0),
	R("recvfrom_chk_trunc_null", C_RECVFROM_CHK, F_UDP, .k1 = N, .n1 = 0, .k2 = N, .k3 = N, .flags = MSG_TRUNC, .ret = 32, .err = 0),
	R("recvfrom_chk_closed", C_RECVFROM_CHK, F_CLOSED, .k1 = B, .n1 = 64, .ret = -1, .err = EBADF),
	R("read_chk_bad", C_READ_CHK, F_USTR, .k1 = B, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_chk_edge", C_READ_CHK, F_USTR, .k1 = E, .n1 = 64, .ret = -1, .err = EFAULT),
	R("read_chk_closed", C_READ_CHK, F_CLOSED, .k1 = B, .n1 = 64, .ret = -1, .err = EBADF),

	/* poll/ppoll(fds k1 of n1 entries watching the case's fd; ppoll: timeout k2 -> 0) */
	R("poll_ok", C_POLL, F_USTR, .n1 = 1, .ret = 1, .err = 0),
	R("poll_null", C_POLL, F_USTR, .k1 = N, .n1 = 1, .ret = -1, .err = EFAULT),
	R("poll_null_zero", C_POLL, F_USTR, .k1 = N, .n1 = 0, .ret = 0, .err = 0),
	R("poll_bad", C_POLL, F_USTR, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("poll_bad_absurd", C_POLL, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("poll_bad_neg", C_POLL, F_USTR, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("poll_kern", C_POLL, F_USTR, .k1 = KK, .n1 = 1, .ret = -1, .err = EFAULT),
	R("poll_edge", C_POLL, F_USTR, .k1 = E, .n1 = 1, .ret = 1, .err = 0),
	R("poll_edge_two", C_POLL, F_USTR, .k1 = E, .n1 = 2, .ret = -1, .err = EFAULT),
	R("poll_ro", C_POLL, F_USTR, .k1 = RO, .n1 = 1, .ret = -1, .err = EFAULT),
	R("poll_good_absurd", C_POLL, F_USTR, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("poll_badfd", C_POLL, F_BADFD, .n1 = 1, .ret = 0, .err = 0),
	R("poll_closed", C_POLL, F_CLOSED, .n1 = 1, .ret = 1, .err = 0),
	R("ppoll_ok", C_PPOLL, F_USTR, .n1 = 1, .ret = 1, .err = 0),
	R("ppoll_bad_absurd", C_PPOLL, F_USTR, .k1 = B, .n1 = BIG, .ret = -1, .err = EINVAL),
	R("ppoll_bad", C_PPOLL, F_USTR, .k1 = B, .n1 = 1, .ret = -1, .err = EFAULT),
	R("ppoll_edge_two", C_PPOLL, F_USTR, .k1 = E, .n1 = 2, .ret = -1, .err = EFAULT),
	R("ppoll_ts_null", C_PPOLL, F_USTR, .k2 = N, .n1 = 1, .ret = 1, .err = 0),
	R("ppoll_ts_ro", C_PPOLL, F_USTR, .k2 = RO, .n1 = 1, .ret = 1, .err = 0),

	/* epoll_ctl(an epoll fd, ADD or (n2 = 1) DEL, fd, event k1) */
	R("epoll_ctl_ok", C_EPOLL_CTL, F_USTR, .ret = 0, .err = 0),
	R("epoll_ctl_null", C_EPOLL_CTL, F_USTR, .k1 = N, .ret = -1, .err = EFAULT),
	R("epoll_ctl_bad", C_EPOLL_CTL, F_USTR, .k1 = B, .ret = -1, .err = EFAULT),
	R("epoll_ctl_kern", C_EPOLL_CTL, F_USTR, .k1 = KK, .ret = -1, .err = EFAULT),
	R("epoll_ctl_edge", C_EPOLL_CTL, F_USTR, .k1 = E, .ret = -1, .err = EFAULT),
	R("epoll_ctl_ro", C_EPOLL_CTL, F_USTR, .k1 = RO, .ret = 0, .err = 0),
	R("epoll_ctl_del_bad", C_EPOLL_CTL, F_USTR, .k1 = B, .n2 = 1, .ret = -1, .err = ENOENT),
	R("epoll_ctl_badfd", C_EPOLL_CTL, F_BADFD, .ret = -1, .err = EBADF),
	R("epoll_ctl_closed", C_EPOLL_CTL, F_CLOSED, .ret = -1, .err = EBADF),

	/* epoll_wait/epoll_pwait/epoll_pwait2(an epoll fd watching the case's
	 * fd, events k1 of n1 entries, no wait; epoll_pwait2: timeout k2) */
	R("epoll_wait_ok", C_EPOLL_WAIT, F_USTR, .n1 = 4, .ret = 1, .err = 0),
	R("epoll_wait_null", C_EPOLL_WAIT, F_USTR, .k1 = N, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_wait_bad", C_EPOLL_WAIT, F_USTR, .k1 = B, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_wait_edge", C_EPOLL_WAIT, F_USTR, .k1 = E, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_wait_ro", C_EPOLL_WAIT, F_USTR, .k1 = RO, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_wait_bad_zero", C_EPOLL_WAIT, F_USTR, .k1 = B, .n1 = 0, .ret = -1, .err = EINVAL),
	R("epoll_wait_bad_neg", C_EPOLL_WAIT, F_USTR, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("epoll_wait_bad_absurd", C_EPOLL_WAIT, F_USTR, .k1 = B, .n1 = 0x7fffffff, .ret = -1, .err = EINVAL),
	R("epoll_wait_good_absurd", C_EPOLL_WAIT, F_USTR, .n1 = BIG, .ret = 1, .err = 0),
	R("epoll_wait_closed", C_EPOLL_WAIT, F_CLOSED, .k1 = B, .n1 = 4, .ret = 0, .err = 0),
	R("epoll_pwait_bad", C_EPOLL_PWAIT, F_USTR, .k1 = B, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_pwait_bad_absurd", C_EPOLL_PWAIT, F_USTR, .k1 = B, .n1 = 0x7fffffff, .ret = -1, .err = EINVAL),
	R("epoll_pwait2_ok", C_EPOLL_PWAIT2, F_USTR, .n1 = 4, .ret = 1, .err = 0),
	R("epoll_pwait2_bad", C_EPOLL_PWAIT2, F_USTR, .k1 = B, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_pwait2_ts_bad", C_EPOLL_PWAIT2, F_USTR, .k2 = B, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_pwait2_ts_edge", C_EPOLL_PWAIT2, F_USTR, .k2 = E, .n1 = 4, .ret = -1, .err = EFAULT),
	R("epoll_pwait2_ts_null", C_EPOLL_PWAIT2, F_USTR, .k2 = N, .n1 = 4, .ret = 1, .err = 0),

	/* select/pselect(nfds: the case's fd + 1, or n1 when set; read set k1
	 * with the case's fd, write set k2, except set k3; select: a zero
	 * timeval, pselect: a zero timespec (libc reads both itself)) */
	R("select_ok", C_SELECT, F_USTR, .ret = 1, .err = 0),
	R("select_r_bad", C_SELECT, F_USTR, .k1 = B, .ret = -1, .err = EFAULT),
	R("select_r_kern", C_SELECT, F_USTR, .k1 = KK, .ret = -1, .err = EFAULT),
	R("select_r_edge", C_SELECT, F_USTR, .k1 = E, .ret = 1, .err = 0),
	R("select_r_edge_absurd", C_SELECT, F_USTR, .k1 = E, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("select_r_ro", C_SELECT, F_USTR, .k1 = RO, .ret = -1, .err = EFAULT),
	R("select_r_bad_neg", C_SELECT, F_USTR, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),
	R("select_w_bad", C_SELECT, F_USTR, .k2 = B, .ret = -1, .err = EFAULT),
	R("select_x_bad", C_SELECT, F_USTR, .k3 = B, .ret = -1, .err = EFAULT),
	R("select_good_absurd", C_SELECT, F_USTR, .n1 = BIG, .ret = 1, .err = 0),
	R("select_closed", C_SELECT, F_CLOSED, .ret = -1, .err = EBADF),
	R("pselect_ok", C_PSELECT, F_USTR, .ret = 1, .err = 0),
	R("pselect_r_bad", C_PSELECT, F_USTR, .k1 = B, .ret = -1, .err = EFAULT),
	R("pselect_r_edge_absurd", C_PSELECT, F_USTR, .k1 = E, .n1 = BIG, .ret = -1, .err = EFAULT),
	R("pselect_r_bad_neg", C_PSELECT, F_USTR, .k1 = B, .n1 = -1, .ret = -1, .err = EINVAL),

	/* getaddrinfo(node k1, service k2, hints k3 with ai_flags n3 and
	 * ai_family n4, res k4); glibc itself reads the first bytes of node
	 * and service, so only an edge copy of them can fail untraced */
	R("getaddrinfo_ok", C_GETADDRINFO, F_NONE, .n3 = AI_NUMERICHOST, .ret = 0, .err = 0),
	R("getaddrinfo_hints_null", C_GETADDRINFO, F_NONE, .k3 = N, .ret = 0, .err = 0),
	R("getaddrinfo_nulls", C_GETADDRINFO, F_NONE, .k1 = N, .k2 = N, .ret = EAI_NONAME, .err = 0),
	R("getaddrinfo_service_edge_badflags", C_GETADDRINFO, F_NONE, .k2 = E, .n3 = 0x7fff, .ret = EAI_BADFLAGS, .err = 0),
	R("getaddrinfo_node_edge_badflags", C_GETADDRINFO, F_NONE, .k1 = E, .n3 = 0x7fff, .ret = EAI_BADFLAGS, .err = 0),
	R("getaddrinfo_both_edge_badfamily", C_GETADDRINFO, F_NONE, .k1 = E, .k2 = E, .n3 = 0, .n4 = 12345, .ret = EAI_FAMILY, .err = 0),

	/* gethostbyname(name k1), gethostbyname2(name k1, family n1): glibc
	 * reads the name before anything can fail, so only good names */
	R("gethostbyname_ok", C_GETHOSTBYNAME, F_NONE, .ret = 1, .err = 0),
	R("gethostbyname2_ok", C_GETHOSTBYNAME2, F_NONE, .n1 = AF_INET, .ret = 1, .err = 0),

	/* socketpair(AF_UNIX, SOCK_STREAM, 0, sv k1) */
	R("socketpair_ok", C_SOCKETPAIR, F_NONE, .ret = 0, .err = 0),
	R("socketpair_null", C_SOCKETPAIR, F_NONE, .k1 = N, .ret = -1, .err = EFAULT),
	R("socketpair_bad", C_SOCKETPAIR, F_NONE, .k1 = B, .ret = -1, .err = EFAULT),
	R("socketpair_ro", C_SOCKETPAIR, F_NONE, .k1 = RO, .ret = -1, .err = EFAULT),
	R("socketpair_edge", C_SOCKETPAIR, F_NONE, .k1 = E, .ret = 0, .err = 0),
	R("socketpair_badfamily_bad", C_SOCKETPAIR, F_NONE, .k1 = B, .n1 = AF_INET, .ret = -1, .err = EFAULT),

	/* execve(path k1, argv k2 with argv[0] k5, envp k3 with envp[0] k4):
	 * the path does not exist, or (n1 = 1) is /dev/null, which cannot run,
	 * or (n1 = 2) /bin/true with an argv or envp the kernel refuses: so
	 * nothing runs */
	R("execve_enoent", C_EXECVE, F_TCP, .ret = -1, .err = ENOENT),
	R("execve_path_null", C_EXECVE, F_TCP, .k1 = N, .ret = -1, .err = EFAULT),
	R("execve_path_bad", C_EXECVE, F_TCP, .k1 = B, .ret = -1, .err = EFAULT),
	R("execve_path_edge", C_EXECVE, F_TCP, .k1 = E, .ret = -1, .err = EFAULT),
	R("execve_argv_null", C_EXECVE, F_TCP, .k2 = N, .ret = -1, .err = ENOENT),
	R("execve_argv_bad", C_EXECVE, F_TCP, .k2 = B, .ret = -1, .err = ENOENT),
	R("execve_argv_edge", C_EXECVE, F_TCP, .k2 = E, .ret = -1, .err = ENOENT),
	R("execve_argv0_bad", C_EXECVE, F_TCP, .k5 = B, .ret = -1, .err = ENOENT),
	R("execve_argv0_edge", C_EXECVE, F_TCP, .k5 = E, .ret = -1, .err = ENOENT),
	R("execve_envp_null", C_EXECVE, F_TCP, .k3 = N, .ret = -1, .err = ENOENT),
	R("execve_envp_bad", C_EXECVE, F_TCP, .k3 = B, .ret = -1, .err = ENOENT),
	R("execve_envp_edge", C_EXECVE, F_TCP, .k3 = E, .ret = -1, .err = ENOENT),
	R("execve_envp0_bad", C_EXECVE, F_TCP, .k4 = B, .ret = -1, .err = ENOENT),
	R("execve_envp0_edge", C_EXECVE, F_TCP, .k4 = E, .ret = -1, .err = ENOENT),
	R("execve_envp0_kern", C_EXECVE, F_TCP, .k4 = KK, .ret = -1, .err = ENOENT),
	R("execve_envp0_ro", C_EXECVE, F_TCP, .k4 = RO, .ret = -1, .err = ENOENT),
	R("execve_null_dev", C_EXECVE, F_TCP, .n1 = 1, .ret = -1, .err = EACCES),
	R("execve_true_argv_bad", C_EXECVE, F_TCP, .n1 = 2, .k2 = B, .ret = -1, .err = EFAULT),
	R("execve_true_argv0_edge", C_EXECVE, F_TCP, .n1 = 2, .k5 = E, .ret = -1, .err = EFAULT),
	R("execve_true_envp_bad", C_EXECVE, F_TCP, .n1 = 2, .k3 = B, .ret = -1, .err = EFAULT),
	R("execve_true_envp0_bad", C_EXECVE, F_TCP, .n1 = 2, .k4 = B, .ret = -1, .err = EFAULT),
	R("execve_true_envp0_edge", C_EXECVE, F_TCP, .n1 = 2, .k4 = E, .ret = -1, .err = EFAULT),

	/* posix_spawn(pid, path k1, NULL, NULL, argv k2, envp k3 with envp[0] k4) */
	R("posix_spawn_enoent", C_POSIX_SPAWN, F_TCP, .ret = ENOENT, .err = 0),
	R("posix_spawn_path_bad", C_POSIX_SPAWN, F_TCP, .k1 = B, .ret = EFAULT, .err = 0),
	R("posix_spawn_path_edge", C_POSIX_SPAWN, F_TCP, .k1 = E, .ret = EFAULT, .err = 0),
	R("posix_spawn_envp_bad", C_POSIX_SPAWN, F_TCP, .k3 = B, .ret = ENOENT, .err = 0),
	R("posix_spawn_envp0_bad", C_POSIX_SPAWN, F_TCP, .k4 = B, .ret = ENOENT, .err = 0),
	R("posix_spawn_envp0_edge", C_POSIX_SPAWN, F_TCP, .k4 = E, .ret = ENOENT, .err = 0),

	/* the calls with no pointer: a bad and a closed descriptor, bad numbers */
	R("socket_badfamily", C_SOCKET, F_NONE, .n1 = 12345, .n2 = SOCK_STREAM, .ret = -1, .err = EAFNOSUPPORT),
	R("socket_badtype", C_SOCKET, F_NONE, .n1 = AF_INET, .n2 = 12345, .ret = -1, .err = EINVAL),
	R("listen_badfd", C_LISTEN, F_BADFD, .ret = -1, .err = EBADF),
	R("listen_closed", C_LISTEN, F_CLOSED, .ret = -1, .err = EBADF),
	R("shutdown_badhow", C_SHUTDOWN, F_TCPC, .n1 = 12345, .ret = -1, .err = EINVAL),
	R("shutdown_closed", C_SHUTDOWN, F_CLOSED, .ret = -1, .err = EBADF),
	R("close_badfd", C_CLOSE, F_BADFD, .ret = -1, .err = EBADF),
	R("close_closed", C_CLOSE, F_CLOSED, .ret = -1, .err = EBADF),
	R("close_range_backwards", C_CLOSE_RANGE, F_NONE, .n1 = 100, .n2 = 50, .ret = -1, .err = EINVAL),
	R("dup_closed", C_DUP, F_CLOSED, .ret = -1, .err = EBADF),
	R("dup2_closed", C_DUP2, F_CLOSED, .n1 = 50, .ret = -1, .err = EBADF),
	R("dup2_badnew", C_DUP2, F_TCP, .n1 = -1, .ret = -1, .err = EBADF),
	R("dup3_same", C_DUP3, F_TCP, .n1 = -2, .ret = -1, .err = EINVAL),
	R("fcntl_dupfd_closed", C_FCNTL, F_CLOSED, .n1 = 50, .ret = -1, .err = EBADF),
	R("fcntl_dupfd_neg", C_FCNTL, F_TCP, .n1 = -1, .ret = -1, .err = EINVAL),
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* ---- fixtures ---- */

struct fixture {
	int fd;
	struct sockaddr_in lis_addr;	/* a TCP listener: connect's good address */
	struct sockaddr_in peer_addr;	/* a UDP socket: sendto's good address */
	int file;			/* a regular file, for sendfile */
};

static const char payload32[33] = "0123456789abcdef0123456789ABCDEF";

static int bound_socket(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = socket(AF_INET, type, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(s, (struct sockaddr *)addr, &len) != 0)
		err(1, "bound socket");
	return s;
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Waits until fd is readable (the loopback has delivered). */
static void settle(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 5000) != 1)
		errx(1, "fixture: nothing arrived");
}

static void make_fixture(enum fdk k, struct fixture *fx)
{
	struct sockaddr_in ua;
	int lis, peer, s, sv[2];

	lis = bound_socket(SOCK_STREAM, &fx->lis_addr);
	if (listen(lis, 16) != 0)
		err(1, "listen");
	peer = bound_socket(SOCK_DGRAM, &fx->peer_addr);
	fx->file = open("/proc/self/exe", O_RDONLY);
	switch (k) {
	case F_TCP:
		fx->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		break;
	case F_TCPC:
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&fx->lis_addr, sizeof(fx->lis_addr)) != 0)
			err(1, "connect");
		fx->fd = accept(lis, NULL, NULL);
		if (fx->fd < 0 || write(s, payload32, 32) != 32)
			err(1, "tcp fixture");
		settle(fx->fd);
		nonblock(fx->fd);
		break;
	case F_LIS:
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&fx->lis_addr, sizeof(fx->lis_addr)) != 0)
			err(1, "connect");
		settle(lis);
		nonblock(lis);
		fx->fd = lis;
		break;
	case F_UDP:
		fx->fd = bound_socket(SOCK_DGRAM, &ua);
		if (sendto(peer, payload32, 32, 0, (struct sockaddr *)&ua, sizeof(ua)) != 32)
			err(1, "sendto");
		settle(fx->fd);
		nonblock(fx->fd);
		break;
	case F_USTR:
	case F_UDG:
		if (socketpair(AF_UNIX, (k == F_USTR ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK, 0,
			       sv) != 0 || write(sv[1], payload32, 32) != 32)
			err(1, "socketpair");
		fx->fd = sv[0];
		break;
	case F_BADFD:
		fx->fd = -1;
		break;
	case F_CLOSED:
		fx->fd = socket(AF_INET, SOCK_STREAM, 0);
		close(fx->fd);
		break;
	case F_FILE:
		fx->fd = open("/dev/null", O_RDWR);
		break;
	case F_NONE:
		fx->fd = -1;
		break;
	}
}

/* ---- building the arguments ---- */

/* A socklen_t pointer of kind k pointing to the value v. */
static socklen_t *len_ptr(enum kind k, long v)
{
	socklen_t l = (socklen_t)v;

	return pool_ptr(k, &l, sizeof(l));
}

/* An array of n iovecs (at most 64 built; the rest of the slot is zeros),
 * each at a base of kind kb holding len bytes of the payload. */
static struct iovec *iov_array(enum kind k, long n, enum kind kb, long len)
{
	struct iovec v[64];
	long i, built = n < 0 ? 0 : n > 64 ? 64 : n;

	for (i = 0; i < built; i++) {
		v[i].iov_base = pool_ptr(kb, payload32, (size_t)len < 32 ? (size_t)len : 32);
		v[i].iov_len = (size_t)len;
	}
	/* An edge array keeps only its first 8 bytes: the first base. */
	return pool_ptr(k, v, (size_t)built * sizeof(v[0]) + (k == K_GOOD ? 4096 : 0));
}

/* A message header from the row: name k2/n2 (a copy of name), iov k3/n3
 * of iov_len bytes at base k5, control k4/n4. */
static struct msghdr make_msg(const struct row *r, const void *name, size_t iov_len)
{
	struct msghdr m;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct cmsghdr *cm = (struct cmsghdr *)ctl;
	int zero = 0;

	memset(&m, 0, sizeof(m));
	m.msg_name = pool_ptr(r->k2, name, sizeof(struct sockaddr_in));
	m.msg_namelen = (socklen_t)r->n2;
	m.msg_iov = iov_array(r->k3, r->n3, r->k5, (long)iov_len);
	m.msg_iovlen = (size_t)r->n3;
	/* The good control is one SCM_RIGHTS with fd 0. */
	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), &zero, sizeof(zero));
	m.msg_control = r->k4 == K_GOOD && r->n4 == 0 ? NULL : pool_ptr(r->k4, ctl, sizeof(ctl));
	m.msg_controllen = (size_t)r->n4;
	return m;
}

/* Runs the row's call; returns its result (errno as it left it). */
static long do_call(const struct row *r, const struct fixture *fx)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = fx->fd;
	char *buf = NULL;
	long ret;

	switch (r->call) {
	case C_BIND:
		return bind(fd, pool_ptr(r->k1, &any, sizeof(any)), (socklen_t)r->n1);
	case C_CONNECT:
		return connect(fd, pool_ptr(r->k1, &fx->lis_addr, sizeof(fx->lis_addr)),
			       (socklen_t)r->n1);
	case C_ACCEPT:
		return accept(fd, pool_ptr(r->k1, NULL, 128), len_ptr(r->k2, r->n2));
	case C_ACCEPT4:
		return accept4(fd, pool_ptr(r->k1, NULL, 128), len_ptr(r->k2, r->n2), r->flags);
	case C_GETSOCKNAME:
		return getsockname(fd, pool_ptr(r->k1, NULL, 128), len_ptr(r->k2, r->n2));
	case C_GETPEERNAME:
		return getpeername(fd, pool_ptr(r->k1, NULL, 128), len_ptr(r->k2, r->n2));
	case C_SETSOCKOPT:
		return setsockopt(fd, r->n3 ? (int)r->n3 : SOL_SOCKET, r->n2 ? (int)r->n2 : SO_KEEPALIVE,
				  pool_ptr(r->k1, &one, sizeof(one)), (socklen_t)r->n1);
	case C_GETSOCKOPT:
		return getsockopt(fd, SOL_SOCKET, r->n3 ? (int)r->n3 : SO_ERROR,
				  pool_ptr(r->k1, NULL, 64), len_ptr(r->k2, r->n2));
	case C_SEND:
		return send(fd, pool_ptr(r->k1, payload32, 32), (size_t)r->n1, r->flags);
	case C_SENDTO:
		return sendto(fd, pool_ptr(r->k1, payload32, 32), (size_t)r->n1, r->flags,
			      pool_ptr(r->k2, &fx->peer_addr, sizeof(fx->peer_addr)), (socklen_t)r->n2);
	case C_WRITE:
		return write(fd, pool_ptr(r->k1, payload32, 32), (size_t)r->n1);
	case C_RECV:
		return recv(fd, pool_ptr(r->k1, NULL, 64), (size_t)r->n1, r->flags | MSG_DONTWAIT);
	case C_RECVFROM:
		buf = pool_ptr(r->k1, NULL, 64);
		return recvfrom(fd, buf, (size_t)r->n1, r->flags | MSG_DONTWAIT,
				pool_ptr(r->k2, NULL, 128), len_ptr(r->k3, r->n3));
	case C_READ:
		return read(fd, pool_ptr(r->k1, NULL, 64), (size_t)r->n1);
	case C_READV:
		return readv(fd, iov_array(r->k1, r->n1, r->k2, r->n2), (int)r->n1);
	case C_WRITEV:
		return writev(fd, iov_array(r->k1, r->n1, r->k2, r->n2), (int)r->n1);
	case C_SENDMSG: {
		struct msghdr m = make_msg(r, &fx->peer_addr, 8);

		return sendmsg(fd, pool_ptr(r->k1, &m, sizeof(m)), r->flags);
	}
	case C_RECVMSG: {
		struct msghdr m = make_msg(r, NULL, 64);

		return recvmsg(fd, pool_ptr(r->k1, &m, sizeof(m)), r->flags | MSG_DONTWAIT);
	}
	case C_SENDMMSG:
	case C_RECVMMSG: {
		struct mmsghdr v[4];
		long i, built = r->n1 < 0 ? 0 : r->n1 > 4 ? 4 : r->n1;
		void *vec;

		memset(v, 0, sizeof(v));
		for (i = 0; i < built; i++)
			v[i].msg_hdr = make_msg(r, r->call == C_SENDMMSG ? &fx->peer_addr : NULL,
						r->call == C_SENDMMSG ? 8 : 64);
		vec = pool_ptr(r->k1, v, sizeof(v));
		if (r->call == C_SENDMMSG)
			return sendmmsg(fd, vec, (unsigned)r->n1, r->flags);
		return recvmmsg(fd, vec, (unsigned)r->n1, r->flags | MSG_DONTWAIT, NULL);
	}
	case C_SENDFILE: {
		off_t off = 0;

		return sendfile(fd, fx->file, pool_ptr(r->k1, &off, sizeof(off)), (size_t)r->n1);
	}
	case C_RECV_CHK:
		return __recv_chk(fd, pool_ptr(r->k1, NULL, 64), (size_t)r->n1, (size_t)r->n1,
				  r->flags | MSG_DONTWAIT);
	case C_RECVFROM_CHK:
		buf = pool_ptr(r->k1, NULL, 64);
		return __recvfrom_chk(fd, buf, (size_t)r->n1, (size_t)r->n1, r->flags | MSG_DONTWAIT,
				      pool_ptr(r->k2, NULL, 128), len_ptr(r->k3, r->n3));
	case C_READ_CHK:
		return __read_chk(fd, pool_ptr(r->k1, NULL, 64), (size_t)r->n1, (size_t)r->n1);
	case C_POLL:
	case C_PPOLL: {
		struct pollfd p[64];
		struct timespec ts = { 0, 0 };
		long i;

		for (i = 0; i < 64; i++)
			p[i] = (struct pollfd){ fd, POLLIN, 0 };
		if (r->call == C_POLL)
			return poll(pool_ptr(r->k1, p, sizeof(p)), (nfds_t)r->n1, 0);
		return ppoll(pool_ptr(r->k1, p, sizeof(p)), (nfds_t)r->n1,
			     pool_ptr(r->k2, &ts, sizeof(ts)), NULL);
	}
	case C_GETADDRINFO: {
		struct addrinfo hints = { .ai_flags = (int)r->n3, .ai_family = (int)r->n4,
					  .ai_socktype = SOCK_STREAM };
		struct addrinfo **res = pool_ptr(r->k4, NULL, sizeof(*res));

		ret = getaddrinfo(pool_ptr(r->k1, "127.0.0.1", 10), r->k2 == K_EDGE ? pool_ptr(K_EDGE, "12345678901", 12)
						  : pool_ptr(r->k2, "80", 3),
				  pool_ptr(r->k3, &hints, sizeof(hints)), res);
		if (ret == 0)
			freeaddrinfo(*res);
		return ret;
	}
	case C_GETHOSTBYNAME:
		return gethostbyname(pool_ptr(r->k1, "127.0.0.1", 10)) != NULL;
	case C_GETHOSTBYNAME2:
		return gethostbyname2(pool_ptr(r->k1, "127.0.0.1", 10), (int)r->n1) != NULL;
	case C_EPOLL_CTL:
	case C_EPOLL_WAIT:
	case C_EPOLL_PWAIT:
	case C_EPOLL_PWAIT2: {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = 7 };
		struct timespec ts = { 0, 0 };
		int e0 = epoll_create1(0), ep = fcntl(e0, F_DUPFD, 100);

		/* numbered high: a closed fixture's number stays closed */
		close(e0);

		if (r->call == C_EPOLL_CTL)
			return epoll_ctl(ep, r->n2 ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, fd,
					 pool_ptr(r->k1, &e, sizeof(e)));
		/* the case's fd watched: a bad or closed one is not */
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
		if (r->call == C_EPOLL_WAIT)
			return epoll_wait(ep, pool_ptr(r->k1, NULL, 64 * sizeof(e)), (int)r->n1, 0);
		if (r->call == C_EPOLL_PWAIT)
			return epoll_pwait(ep, pool_ptr(r->k1, NULL, 64 * sizeof(e)), (int)r->n1, 0, NULL);
		return epoll_pwait2(ep, pool_ptr(r->k1, NULL, 64 * sizeof(e)), (int)r->n1,
				    pool_ptr(r->k2, &ts, sizeof(ts)), NULL);
	}
	case C_SELECT:
	case C_PSELECT: {
		fd_set set;
		struct timeval tv = { 0, 0 };
		struct timespec ts = { 0, 0 };
		int n = r->n1 ? (int)r->n1 : fd + 1;
		void *rs, *ws, *xs;

		/* The kernel reads min(nfds, the size of the process's fd
		 * table) bits of each set, and that size depends on the
		 * numbers the process ever held (64 in a fresh process, more
		 * when it inherited a high one).  An absurd nfds with an edge
		 * set faults only when the table is wider than EDGE_OK bytes:
		 * make it 256 slots wide, whatever was inherited. */
		if (r->n1 == BIG) {
			int hi = fcntl(fd, F_DUPFD, 255);

			if (hi >= 0)
				close(hi);
		}
		FD_ZERO(&set);
		if (fd >= 0 && fd < FD_SETSIZE)
			FD_SET(fd, &set);
		rs = pool_ptr(r->k1, &set, sizeof(set));
		FD_ZERO(&set);
		ws = r->k2 == K_GOOD ? NULL : pool_ptr(r->k2, &set, sizeof(set));
		xs = r->k3 == K_GOOD ? NULL : pool_ptr(r->k3, &set, sizeof(set));
		if (r->call == C_SELECT)
			return select(n, rs, ws, xs, &tv);
		return pselect(n, rs, ws, xs, &ts, NULL);
	}
	case C_EXECVE:
	case C_POSIX_SPAWN: {
		/* A string k at an edge keeps its first EDGE_OK bytes, no NUL. */
		char *av[3] = { pool_ptr(r->k5, "argument-zero", 14), (char *)"argument-one", NULL };
		char *ev[2] = { pool_ptr(r->k4, "SOCKTRACE_TEST_VARIABLE=1", 26), NULL };
		const char *path = r->n1 == 1	 ? pool_ptr(r->k1, "/dev/null", 10)
				   : r->n1 == 2 ? pool_ptr(r->k1, "/bin/true", 10)
						: pool_ptr(r->k1, "/nonexistent/socktrace-badargs", 31);
		char **argv = pool_ptr(r->k2, av, sizeof(av));
		char **envp = pool_ptr(r->k3, ev, sizeof(ev));
		pid_t child;

		if (r->call == C_EXECVE)
			return execve(path, argv, envp);
		return posix_spawn(&child, path, NULL, NULL, argv, envp);
	}
	case C_SOCKETPAIR:
		return socketpair(r->n1 ? (int)r->n1 : AF_UNIX, SOCK_STREAM, 0,
				  pool_ptr(r->k1, NULL, 2 * sizeof(int)));
	case C_SOCKET:
		return socket((int)r->n1, (int)r->n2, 0);
	case C_LISTEN:
		return listen(fd, (int)r->n1);
	case C_SHUTDOWN:
		return shutdown(fd, (int)r->n1);
	case C_CLOSE:
		return close(fd);
	case C_CLOSE_RANGE:
		return close_range((unsigned)r->n1, (unsigned)r->n2, r->flags);
	case C_DUP:
		return dup(fd);
	case C_DUP2:
		return dup2(fd, (int)r->n1);
	case C_DUP3:
		return dup3(fd, r->n1 == -2 ? fd : (int)r->n1, r->flags);
	case C_FCNTL:
		return fcntl(fd, F_DUPFD, (int)r->n1);
	}
	return -2;
}

/* ---- running the cases ---- */

struct result {
	long ret;
	int err;
};

static const char *err_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "?";
}

/* Runs one row in a child; prints its line. */
static void run_row(const struct row *r)
{
	struct result res = { -9999, -1 };
	char end[16];
	int pfd[2], st;
	bool got, ok;
	pid_t pid;

	if (pipe(pfd) != 0)
		err(1, "pipe");
	pid = fork_flushed();
	if (pid == 0) {
		struct fixture fx;

		close(pfd[0]);
		alarm(10);
		pool_reset();
		make_fixture(r->fd, &fx);
		errno = 0;
		res.ret = do_call(r, &fx);
		res.err = errno;
		/* errno counts only when the call failed (gethostbyname:
		 * returned NULL; getaddrinfo's error is its result). */
		if (r->call == C_GETHOSTBYNAME || r->call == C_GETHOSTBYNAME2)
			res.err = res.ret ? 0 : res.err;
		else if (res.ret >= 0 || r->call == C_GETADDRINFO || r->call == C_POSIX_SPAWN)
			res.err = 0;
		if (write(pfd[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	got = read(pfd[0], &res, sizeof(res)) == (ssize_t)sizeof(res);
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		err(1, "waitpid");
	if (WIFSIGNALED(st))
		snprintf(end, sizeof(end), "sig%d", WTERMSIG(st));
	else
		snprintf(end, sizeof(end), "exit%d", WEXITSTATUS(st));
	if (!got)
		res = (struct result){ -9999, -1 };
	/* A new descriptor's number is whatever was free: printed as 3. */
	if ((r->call == C_ACCEPT || r->call == C_ACCEPT4) && res.ret >= 3)
		res.ret = 3;
	ok = got && strcmp(end, "exit0") == 0 && res.err == r->err && res.ret == r->ret;
	printf("%s ret=%ld errno=%s end=%s expect=%ld/%s %s\n", r->name, res.ret,
	       err_name(res.err), end, r->ret, err_name(r->err), ok ? "ok" : "MISMATCH");
}

int main(int argc, char **argv)
{
	size_t i, cases = 0;
	int a;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pool_init();
	for (i = 0; i < NROWS; i++) {
		bool want = argc < 2;

		for (a = 1; a < argc && !want; a++)
			want = strcmp(argv[a], rows[i].name) == 0;
		if (!want)
			continue;
		run_row(&rows[i]);
		cases++;
	}
	if (argc >= 2 && cases != (size_t)argc - 1)
		errx(2, "unknown case name");
	printf("@ done cases=%zu\n", cases);
	return 0;
}
