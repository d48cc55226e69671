/*
 * randargs.c: many wrapped calls with random arguments, good, bad and on
 * the boundaries, drawn from a seed (tests/test_badargs.c runs it untraced
 * and traced with the same seed and wants the same lines).
 *
 * usage: randargs SEED CALLS TAG
 * Makes a pool of descriptors (AF_UNIX stream and datagram pairs, bound and
 * listening AF_UNIX sockets named after TAG, a UDP and a TCP socket,
 * /dev/null, a regular file), then makes CALLS calls, each with a random
 * call, descriptor (from the pool, a closed one, -1, huge), pointer kinds
 * (argpool.h) and lengths, and prints one line per call:
 *   <i> <call> ret=<r> errno=<e>
 * Ends with "@ done calls=<n>".
 *
 * Everything is chosen so the results depend on the seed only: every
 * socket is non-blocking, receives and waits never block, nothing is ever
 * sent to a socket of the pool over IP (the only IP address the calls get
 * is a port held by a UDP socket that is never read and a TCP socket that
 * never listens), a TCP connect under way is waited for, and a descriptor
 * a call makes is made non-blocking, or closed when it is above the pool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "argpool.h"
#include "helpers.h"

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *alen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

#define POOL_LO 3
#define POOL_HI 40	/* descriptors above are closed as soon as made */
/* The one descriptor SCM_RIGHTS passes: /dev/null, out of the pool.  A
 * socket in flight would leave its fate to the kernel's AF_UNIX garbage
 * collector, which runs when it will. */
#define PASSED_FD 902

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

#define PICK(a) (a)[pick(sizeof(a) / sizeof((a)[0]))]

/* ---- what the arguments are drawn from ---- */

static struct sockaddr_storage addrs[6];
static socklen_t addr_lens[6];
static int nonblocking_file, epoll_fd;

static int last_fd;	/* the descriptor of the last call, for settle() */

static int pick_fd(void)
{
	static const int odd[] = { -1, 999999, INT_MAX, 700 };

	if (pick(8) == 0)
		return PICK(odd);
	return POOL_LO + (int)pick(POOL_HI - POOL_LO - 20);	/* mostly the low, busy part */
}

/* A pointer kind: good most of the time. */
static enum kind pick_kind(void)
{
	return pick(3) ? K_GOOD : (enum kind)pick(K_NKINDS);
}

static long pick_len(long good)
{
	static const long lens[] = { 0, 1, 2, 4, 8, 15, 16, 28, 64, 110, 128, 129, 4096,
				     65536, 100000, -1, INT_MAX };

	return pick(2) ? good : PICK(lens);
}

static size_t pick_size(size_t good)
{
	static const size_t sizes[] = { 0, 1, 8, 64, 4096, 65536, 100000, SIZE_MAX,
					(size_t)INT_MAX + 1 };

	return pick(2) ? good : PICK(sizes);
}

static int pick_msg_flags(void)
{
	static const int f[] = { 0, 0, 0, MSG_PEEK, MSG_TRUNC, MSG_OOB, MSG_WAITALL,
				 MSG_CMSG_CLOEXEC, MSG_NOSIGNAL, 0x40000000 };

	return PICK(f) | MSG_DONTWAIT;
}

/* An address argument: one of the pool's, as a pointer of a random kind.
 * 127.0.0.1:0 is only for bind: a UDP socket connected to port 0 would
 * learn of its refused datagrams when the ICMP error comes back. */
static const struct sockaddr *pick_addr(socklen_t *len, bool for_bind)
{
	unsigned i = pick(6);

	if (i == 1 && !for_bind)
		i = 0;
	if (addrs[i].ss_family == AF_UNIX) {
		/* Whole names only (or none, or too long): a name cut short
		 * loses the tag that keeps it apart from the names of other
		 * runs on this machine (abstract names are machine-wide). */
		static const long unix_lens[] = { 0, 1, 2, sizeof(struct sockaddr_un), 111, 100000, -1 };

		*len = pick(2) ? addr_lens[i] : (socklen_t)PICK(unix_lens);
	} else {
		*len = (socklen_t)pick_len((long)addr_lens[i]);
	}
	return pool_ptr(pick_kind(), &addrs[i], sizeof(addrs[i]));
}

/* An output buffer of about n bytes. */
static void *pick_out(size_t n)
{
	return pool_ptr(pick_kind(), NULL, n);
}

static socklen_t *pick_lenp(long good)
{
	socklen_t l = (socklen_t)pick_len(good);

	return pool_ptr(pick_kind(), &l, sizeof(l));
}

static const char data[64] = "random payload bytes 0123456789 random payload bytes 0123456789";

static struct iovec *pick_iov(int *cnt, bool out)
{
	struct iovec v[8];
	int i, n = (int)pick(4);

	for (i = 0; i < 8; i++) {
		v[i].iov_base = out ? pick_out(64) : pool_ptr(pick_kind(), data, sizeof(data));
		v[i].iov_len = pick_size(i < n ? 16 : 0);
	}
	*cnt = (int)pick_len(n);
	return pool_ptr(pick_kind(), v, sizeof(v));
}

static void pick_msg(struct msghdr *m, bool out)
{
	int cnt;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct cmsghdr *cm = (struct cmsghdr *)ctl;
	int fd0 = PASSED_FD;
	socklen_t al;

	memset(m, 0, sizeof(*m));
	if (out) {
		m->msg_name = pick(3) ? NULL : pick_out(128);
		m->msg_namelen = (socklen_t)pick_len(128);
	} else if (pick(2)) {
		m->msg_name = (void *)pick_addr(&al, false);
		m->msg_namelen = al;
	}
	m->msg_iov = pick_iov(&cnt, out);
	m->msg_iovlen = (size_t)(unsigned)cnt;
	if (pick(3) == 0) {
		memset(ctl, 0, sizeof(ctl));
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &fd0, sizeof(fd0));
		m->msg_control = out ? pick_out(64) : pool_ptr(pick_kind(), ctl, sizeof(ctl));
		m->msg_controllen = pick_size(out ? 64 : sizeof(ctl));
	}
}

/* ---- the calls ---- */

static const char *const names[] = {
	"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "shutdown",
	"close", "close_range", "dup", "dup2", "dup3", "fcntl", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "send", "sendto", "sendmsg", "sendmmsg", "recv",
	"recvfrom", "recvmsg", "recvmmsg", "read", "write", "readv", "writev", "sendfile",
	"__recv_chk", "__recvfrom_chk", "__read_chk", "poll", "ppoll", "getaddrinfo",
	"gethostbyname", "gethostbyname2", "epoll_ctl", "epoll_wait", "select",
};
#define NCALLS (sizeof(names) / sizeof(names[0]))

/* Runs call c with random arguments; returns its result, *newfd set when
 * it made descriptors (the first; socketpair: *newfd2 too). */
static long do_random(unsigned c, int *newfd, int *newfd2)
{
	static const int domains[] = { AF_INET, AF_INET6, AF_UNIX, 12345, -1 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, 99 };
	static const int levels[] = { SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, 12345 };
	static const int opts[] = { SO_KEEPALIVE, SO_ERROR, SO_TYPE, SO_RCVBUF, SO_LINGER,
				    SO_BINDTODEVICE, TCP_NODELAY, IP_TOS, 12345 };
	/* numeric names only: nothing may ask a name server */
	static const char *const nodes[] = { "127.0.0.1", "::1", NULL };
	static const char *const services[] = { "80", "7", NULL };
	int fd = last_fd = pick_fd(), cnt, one = (int)pick(3);
	socklen_t al;
	const struct sockaddr *a;
	struct msghdr m;

	switch (c) {
	case 0:
		return *newfd = socket(PICK(domains), PICK(types) | SOCK_NONBLOCK, 0);
	case 1: {
		int *sv = pick_out(2 * sizeof(int));
		long r = socketpair(pick(4) ? AF_UNIX : PICK(domains), PICK(types) | SOCK_NONBLOCK,
				    0, sv);

		if (r == 0) {
			*newfd = sv[0];
			*newfd2 = sv[1];
		}
		return r;
	}
	case 2:
		a = pick_addr(&al, true);
		return bind(fd, a, al);
	case 3:
		return listen(fd, (int)pick_len(8));
	case 4:
		return *newfd = accept(fd, pick(2) ? NULL : pick_out(128), pick_lenp(128));
	case 5:
		return *newfd = accept4(fd, pick(2) ? NULL : pick_out(128), pick_lenp(128),
					SOCK_NONBLOCK | (pick(4) ? 0 : 0x4000));
	case 6:
		a = pick_addr(&al, false);
		return connect(fd, a, al);
	case 7:
		return shutdown(fd, (int)pick(4));
	case 8:
		return close(fd);
	case 9:
		/* Only the pool's range: our stdout and our parent's fds stay. */
		return close_range(POOL_LO + pick(40), POOL_LO + pick(40), 0);
	case 10:
		return *newfd = dup(fd);
	case 11:
		return *newfd = dup2(fd, pick(8) ? POOL_LO + (int)pick(POOL_HI - POOL_LO) : -1);
	case 12:
		return *newfd = dup3(fd, POOL_LO + (int)pick(POOL_HI - POOL_LO), pick(2) ? O_CLOEXEC : 0x4);
	case 13:
		return *newfd = fcntl(fd, pick(2) ? F_DUPFD : F_DUPFD_CLOEXEC, pick(4) ? 20 : -1);
	case 14:
		return setsockopt(fd, PICK(levels), PICK(opts), pool_ptr(pick_kind(), &one, sizeof(one)),
				  (socklen_t)pick_len(sizeof(int)));
	case 15:
		return getsockopt(fd, PICK(levels), PICK(opts), pick_out(64), pick_lenp(sizeof(int)));
	case 16:
		return getsockname(fd, pick_out(128), pick_lenp(128));
	case 17:
		return getpeername(fd, pick_out(128), pick_lenp(128));
	case 18:
		return send(fd, pool_ptr(pick_kind(), data, sizeof(data)), pick_size(16),
			    pick_msg_flags() | MSG_NOSIGNAL);
	case 19:
		a = pick_addr(&al, false);
		return sendto(fd, pool_ptr(pick_kind(), data, sizeof(data)), pick_size(16),
			      pick_msg_flags() | MSG_NOSIGNAL, a, al);
	case 20:
		pick_msg(&m, false);
		return sendmsg(fd, pool_ptr(pick_kind(), &m, sizeof(m)), pick_msg_flags() | MSG_NOSIGNAL);
	case 21:
	case 25: {
		struct mmsghdr v[3];
		struct timespec ts = { 0, 0 };
		int i;

		memset(v, 0, sizeof(v));
		for (i = 0; i < 3; i++)
			pick_msg(&v[i].msg_hdr, c == 25);
		cnt = (int)pick_len(1 + (long)pick(3));
		if (c == 21)
			return sendmmsg(fd, pool_ptr(pick_kind(), v, sizeof(v)), (unsigned)cnt,
					pick_msg_flags() | MSG_NOSIGNAL);
		return recvmmsg(fd, pool_ptr(pick_kind(), v, sizeof(v)), (unsigned)cnt, pick_msg_flags(),
				pick(2) ? NULL : pool_ptr(K_GOOD, &ts, sizeof(ts)));
	}
	case 22:
		return recv(fd, pick_out(64), pick_size(64), pick_msg_flags());
	case 23:
		return recvfrom(fd, pick_out(64), pick_size(64), pick_msg_flags(),
				pick(3) ? pick_out(128) : NULL, pick(4) ? pick_lenp(128) : NULL);
	case 24:
		pick_msg(&m, true);
		return recvmsg(fd, pool_ptr(pick_kind(), &m, sizeof(m)), pick_msg_flags());
	case 26:
		return read(fd, pick_out(64), pick_size(64));
	case 27:
		return write(fd, pool_ptr(pick_kind(), data, sizeof(data)), pick_size(16));
	case 28: {
		struct iovec *v = pick_iov(&cnt, true);

		return readv(fd, v, cnt);
	}
	case 29: {
		struct iovec *v = pick_iov(&cnt, false);

		return writev(fd, v, cnt);
	}
	case 30: {
		off_t off = (off_t)pick(100);

		return sendfile(fd, pick(2) ? nonblocking_file : pick_fd(),
				pick(2) ? NULL : pool_ptr(pick_kind(), &off, sizeof(off)), pick_size(16));
	}
	case 31: {
		size_t n = pick_size(64);

		return __recv_chk(fd, pick_out(64), n, n, pick_msg_flags());
	}
	case 32: {
		size_t n = pick_size(64);

		return __recvfrom_chk(fd, pick_out(64), n, n, pick_msg_flags(),
				      pick(3) ? pick_out(128) : NULL, pick(4) ? pick_lenp(128) : NULL);
	}
	case 33: {
		size_t n = pick_size(64);

		return __read_chk(fd, pick_out(64), n, n);
	}
	case 34:
	case 35: {
		struct pollfd p[8];
		struct timespec ts = { 0, 0 };
		int i;

		for (i = 0; i < 8; i++)
			p[i] = (struct pollfd){ pick_fd(), (short)(pick(2) ? POLLIN : POLLIN | POLLOUT), 0 };
		cnt = (int)pick_len(1 + (long)pick(8));
		if (c == 34)
			return poll(pool_ptr(pick_kind(), p, sizeof(p)), (nfds_t)(unsigned)cnt, 0);
		/* glibc reads the timeout itself: only good ones */
		return ppoll(pool_ptr(pick_kind(), p, sizeof(p)), (nfds_t)(unsigned)cnt,
			     pool_ptr(pick(2) ? K_GOOD : K_RO, &ts, sizeof(ts)), NULL);
	}
	case 36: {
		static const int gflags[] = { 0, AI_PASSIVE, AI_NUMERICHOST, AI_CANONNAME, 0x7fff };
		static const int fams[] = { AF_UNSPEC, AF_INET, AF_INET6, 12345 };
		struct addrinfo hints = { .ai_flags = PICK(gflags), .ai_family = PICK(fams) };
		struct addrinfo **res = pool_ptr(K_GOOD, NULL, sizeof(*res));
		const char *node = PICK(nodes), *serv = PICK(services);
		long r;

		/* glibc reads what it is given unless it refuses the hints
		 * first: only then a string cut by the unmapped page */
		const struct addrinfo *h = pick(4) ? &hints : NULL;

		if (h && (hints.ai_flags == 0x7fff || hints.ai_family == 12345)) {
			if (pick(2))
				node = pool_ptr(K_EDGE, "127.0.0.1", 10);
			if (pick(2))
				serv = pool_ptr(K_EDGE, "12345678901", 12);
		}
		if (node == NULL && serv == NULL)
			serv = "80";
		r = getaddrinfo(node, serv, h, res);
		if (r == 0)
			freeaddrinfo(*res);
		errno = 0;
		return r;
	}
	case 37:
		return gethostbyname(pick(2) ? "127.0.0.1" : "127.1") != NULL;
	case 38: {
		static const int fams[] = { AF_INET, AF_INET6, 12345 };
		int f = PICK(fams);

		return gethostbyname2(f == AF_INET6 ? "::1" : "127.0.0.1", f) != NULL;
	}
	case 39: {
		static const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 99 };
		struct epoll_event e = { .events = pick(2) ? EPOLLIN : EPOLLIN | EPOLLOUT,
					 .data.u64 = pick(64) };

		return epoll_ctl(pick(4) ? epoll_fd : pick_fd(), PICK(ops), fd,
				 pool_ptr(pick_kind(), &e, sizeof(e)));
	}
	case 40:
		return epoll_wait(pick(4) ? epoll_fd : fd, pick_out(16 * sizeof(struct epoll_event)),
				  (int)pick_len(16), 0);
	default: {
		/* libc reads the timeout itself: only a good one.  nfds stays
		 * within FD_SETSIZE: past it the kernel reads the sets up to
		 * the size of the process's descriptor table, which the
		 * library's descriptor over the fd limit makes larger traced
		 * (a known difference, see docs/design.md), and garbage past
		 * an fd_set then answers EBADF. */
		static const long nfds[] = { 0, 1, 20, 64, 1024, -1 };
		struct timeval tv = { 0, 0 };
		fd_set sets[3];
		void *p[3];
		int k;

		for (k = 0; k < 3; k++) {
			FD_ZERO(&sets[k]);
			FD_SET(POOL_LO + (int)pick(20), &sets[k]);
			FD_SET(POOL_LO + (int)pick(20), &sets[k]);
			p[k] = pick(3) ? NULL : pool_ptr(pick_kind(), &sets[k], sizeof(sets[k]));
		}
		return select(pick(2) ? POOL_LO + 20 : (int)PICK(nfds), p[0], p[1], p[2], &tv);
	}
	}
}

/* ---- the pool ---- */

static void abstract_addr(struct sockaddr_storage *ss, socklen_t *len, const char *tag,
			  const char *name)
{
	struct sockaddr_un *u = (struct sockaddr_un *)ss;
	int n;

	memset(ss, 0, sizeof(*ss));
	u->sun_family = AF_UNIX;
	n = snprintf(u->sun_path + 1, sizeof(u->sun_path) - 1, "st-randargs-%s-%s", tag, name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void setup(const char *tag)
{
	struct sockaddr_in *in;
	socklen_t len = sizeof(struct sockaddr_in);
	int sv[2], s, sink, hold;

	/* The IP port every IP address of the calls names: a UDP socket that
	 * is never read holds it for UDP, a bound TCP socket that never
	 * listens for TCP; both out of the pool's range. */
	sink = socket(AF_INET, SOCK_DGRAM, 0);
	in = (struct sockaddr_in *)&addrs[0];
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sink < 0 || bind(sink, (struct sockaddr *)in, len) != 0 ||
	    getsockname(sink, (struct sockaddr *)in, &len) != 0)
		err(1, "sink");
	hold = socket(AF_INET, SOCK_STREAM, 0);
	if (hold < 0 || bind(hold, (struct sockaddr *)in, sizeof(*in)) != 0)
		err(1, "tcp hold");
	if (dup2(sink, 900) != 900 || dup2(hold, 901) != 901 ||
	    dup2(open("/dev/null", O_RDWR), PASSED_FD) != PASSED_FD)
		err(1, "dup2");
	close(sink);
	close(hold);
	addr_lens[0] = sizeof(*in);
	/* 127.0.0.1:0, for bind */
	in = (struct sockaddr_in *)&addrs[1];
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr_lens[1] = sizeof(*in);
	abstract_addr(&addrs[2], &addr_lens[2], tag, "dgram");
	abstract_addr(&addrs[3], &addr_lens[3], tag, "listen");
	abstract_addr(&addrs[4], &addr_lens[4], tag, "nobody");
	/* An unknown family. */
	memset(&addrs[5], 0x5a, sizeof(addrs[5]));
	addrs[5].ss_family = 12345;
	addr_lens[5] = 16;

	/* The pool, from fd 3 up. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) != 0)
		err(1, "socketpair");
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (bind(s, (struct sockaddr *)&addrs[2], addr_lens[2]) != 0)
		err(1, "bind dgram");
	socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(s, (struct sockaddr *)&addrs[3], addr_lens[3]) != 0 || listen(s, 64) != 0)
		err(1, "bind listen");
	socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	open("/dev/null", O_RDWR);
	nonblocking_file = open("/proc/self/exe", O_RDONLY);
	epoll_fd = epoll_create1(0);
}

/* After a call: what keeps the next calls' results the seed's alone. */
static void settle(unsigned c, long ret, int e, int fd, int newfd, int newfd2)
{
	int nf[2] = { newfd, newfd2 }, i;

	for (i = 0; i < 2; i++) {
		if (ret < 0 || nf[i] < 0)
			continue;
		if (nf[i] > POOL_HI)
			close(nf[i]);
		else
			fcntl(nf[i], F_SETFL, fcntl(nf[i], F_GETFL) | O_NONBLOCK);
	}
	if (c == 6 && ret < 0 && (e == EINPROGRESS || e == EALREADY)) {
		struct pollfd p = { fd, POLLOUT, 0 };

		poll(&p, 1, 5000);
	}
}

int main(int argc, char **argv)
{
	unsigned long long seed;
	long i, calls;

	if (argc != 4)
		errx(2, "usage: randargs SEED CALLS TAG");
	seed = strtoull(argv[1], NULL, 10);
	calls = parse_num(argv[2], 0, 100000000);
	rng = seed * 2 + 1;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pool_init();
	setup(argv[3]);
	for (i = 0; i < calls; i++) {
		unsigned c = pick(NCALLS);
		int newfd = -1, newfd2 = -1, e;
		long ret;

		pool_reset();
		errno = 0;
		ret = do_random(c, &newfd, &newfd2);
		e = errno;
		if (c == 37 || c == 38)	/* gethostbyname*: 1 or 0 */
			e = ret ? 0 : e;
		else if (ret >= 0)
			e = 0;
		printf("%ld %s ret=%ld errno=%d\n", i, names[c], ret, e);
		settle(c, ret, e, last_fd, newfd, newfd2);
	}
	printf("@ done calls=%ld\n", calls);
	return 0;
}
