/*
 * wrap_data.c: the calls that move bytes.  read, write, readv and writev
 * are also the calls programs make most on files and pipes, so they leave
 * at once, after one table look-up, for anything that is not a socket.
 *
 * For a datagram socket the record's peer is the datagram's own address:
 * the one passed to sendto/sendmsg, or for receives the source, which we
 * ask the kernel for even when the program does not (through our own
 * address buffer, which changes nothing the program sees).
 */
#include <string.h>
#include <sys/syscall.h>

#include "wrap.h"

/* The record of a data call as a JSON line; unread, when set, names the
 * argument that could not be read ("unreadable" key).  Not inlined: its
 * 4 KiB builder would otherwise sit on the stack of every call, the common
 * ones that take a DATA frame included, and push their frames a page
 * lower. */
static __attribute__((noinline)) void log_io_text(const struct st_call *c, int64_t ret,
						  int flags, const char *peer, size_t head,
						  const struct iovec *iov, int iovcnt,
						  const char *unread)
{
	struct st_event ev;

	st_event_begin(&ev, c, ret);
	st_event_sock(&ev, c->fd, peer);
	st_event_flags(&ev, flags);
	if (unread)
		st_rec_str(&ev.rec, "unreadable", unread);
	if (ret >= 0)
		st_event_datav(&ev, iov, iovcnt, ret, head);
	st_event_emit(&ev);
}

/* How many bytes of a transfer on fd fall in the head of its direction
 * (kept in full); a peek moves nothing, so it counts nothing. */
static size_t head_of(int fd, bool in, int flags, int64_t ret)
{
	return in && (flags & MSG_PEEK) ? 0 : st_fd_head(fd, in ? ST_WAY_IN : ST_WAY_OUT, ret);
}

/* Writes the record of one data call: a DATA frame when it can be one.
 * The iovecs are the ones the kernel has just used (read or filled); the
 * snippet is cut to ret and to what they hold. */
static inline __attribute__((always_inline)) void
log_io(const struct st_call *c, enum st_dcall dc, int64_t ret, int flags,
       const char *peer, const struct iovec *iov, int iovcnt)
{
	bool in = dc >= ST_DC_RECV && dc <= ST_DC_READV;
	size_t head;

	st_last_fd1 = c->fd + 1;
	if (peer)
		head = head_of(c->fd, in, flags, ret);
	else if (st_event_io(c, dc, ret, flags, in, iov, iovcnt, &head))
		return;
	log_io_text(c, ret, flags, peer, head, iov, iovcnt, NULL);
}

/* A call on one buffer, of which the kernel used the first used bytes. */
static void log_buf(const struct st_call *c, enum st_dcall dc, int64_t ret, int flags,
		    const char *peer, const void *buf, size_t used)
{
	struct iovec one = { (void *)buf, ret > 0 ? used : 0 };

	log_io(c, dc, ret, flags, peer, &one, 1);
}

/* The JSON record of a call st_event_io1() left (its snippet too large
 * for a DATA frame), errno kept. */
static __attribute__((noinline)) void io_text(const struct st_call *c, int64_t ret, int flags,
					      size_t head, const void *buf, size_t used)
{
	struct iovec one = { (void *)buf, ret > 0 ? used : 0 };

	log_io_text(c, ret, flags, NULL, head, &one, 1, NULL);
	errno = c->errno_after;
}

/*
 * The common data call, made short: a call on one buffer (the kernel used
 * its first used bytes) with no address of its own, timed from c->t0, that
 * returned ret.  Writes its record and returns ret, errno as the call left
 * it.  The wrapper's shape:
 *
 *	c.t0 = st_now();
 *	ret = st_real.write(fd, buf, n);
 *	return io_done(&c, ST_DC_WRITE, fd, 0, ret, buf, ret > 0 ? ret : 0);
 */
static inline __attribute__((always_inline)) ssize_t
io_done(struct st_call *c, enum st_dcall dc, int fd, int flags, ssize_t ret, const void *buf,
	size_t used)
{
	size_t head;

	st_last_fd1 = fd + 1;
	if (__builtin_expect(!st_event_io1(c, dc, fd, flags, ret, buf, used, &head), 0))
		io_text(c, ret, flags, head, buf, used);
	return ret;
}

/* How many bytes of a receive's n-byte buffer the kernel wrote: ret, or
 * less with MSG_TRUNC, where a datagram receive returns the datagram's
 * length and a stream receive discards the bytes without writing any. */
static inline size_t recv_used(ssize_t ret, size_t n, int flags, bool dgram)
{
	if (!dgram)	/* a stream receive returns at most n */
		return (flags & MSG_TRUNC) ? 0 : (size_t)ret;
	return (size_t)ret < n ? (size_t)ret : n;
}

/* The iovecs of a receive's header the kernel wrote into (none: a stream
 * MSG_TRUNC receive discards). */
static inline int recv_iovcnt(const struct msghdr *h, int flags, bool dgram)
{
	return (flags & MSG_TRUNC) && !dgram ? 0 : (int)h->msg_iovlen;
}

/* The smaller of an address length the kernel wrote back and the one the
 * program offered (the kernel wrote that many bytes), at most a
 * sockaddr_storage. */
static inline socklen_t name_used(socklen_t written, socklen_t offered)
{
	socklen_t n = written < offered ? written : offered;

	return n < sizeof(struct sockaddr_storage) ? n : sizeof(struct sockaddr_storage);
}

static bool is_dgram(int fd)
{
	return st_fd_is_dgram(fd);
}

/* The address of a datagram (len bytes the kernel used), formatted, or
 * NULL when there is none. */
static const char *dgram_peer(char *out, const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len == 0)
		return NULL;
	if (len > sizeof(struct sockaddr_storage))
		len = sizeof(struct sockaddr_storage);
	st_format_sockaddr(out, ST_ADDR_MAX, sa, len);
	return out;
}

/* ---- sends ---- */

static ssize_t do_send(enum st_dcall dc, int fd, const void *buf, size_t n, int flags,
		       const struct sockaddr *to, socklen_t tolen)
{
	struct st_call c;
	struct sockaddr_storage copy;
	const struct sockaddr *a = NULL;
	char pb[ST_ADDR_MAX];
	bool unread = false;
	ssize_t ret;

	st_call_begin(&c, st_dcall_names[dc], fd);
	ret = st_real.sendto(fd, buf, n, flags, to, tolen);
	st_call_end(&c, ret < 0);
	/* The first sendto on an unbound UDP socket binds it. */
	if (ret >= 0 && to)
		st_fd_refresh_if_unbound(fd);
	if (to && is_dgram(fd))
		a = st_addr_in(&c, to, &tolen, &copy, &unread);
	if (__builtin_expect(unread, 0))
		log_io_text(&c, ret, flags, NULL, 0, NULL, 0, "addr");
	else
		log_buf(&c, dc, ret, flags, a ? dgram_peer(pb, a, tolen) : NULL, buf,
			ret > 0 ? (size_t)ret : 0);
	return st_result(&c, ret);
}

ST_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct st_call c;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_REAL_OR(send, (fd, buf, n, flags),
				  syscall(SYS_sendto, fd, buf, n, flags, NULL, 0));
	c.t0 = st_now();
	ret = st_real.sendto(fd, buf, n, flags, NULL, 0);
	return io_done(&c, ST_DC_SEND, fd, flags, ret, buf, ret > 0 ? (size_t)ret : 0);
}

ST_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			 const struct sockaddr *to, socklen_t tolen)
{
	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(sendto, SYS_sendto, fd, buf, n, flags, to, tolen);
	return do_send(ST_DC_SENDTO, fd, buf, n, flags, to, tolen);
}

ST_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	struct st_call c;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(write, SYS_write, fd, buf, n);
	c.t0 = st_now();
	ret = st_real.write(fd, buf, n);
	return io_done(&c, ST_DC_WRITE, fd, 0, ret, buf, ret > 0 ? (size_t)ret : 0);
}

ST_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct st_call c;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(writev, SYS_writev, fd, iov, iovcnt);
	st_call_begin(&c, st_dcall_names[ST_DC_WRITEV], fd);
	ret = st_real.writev(fd, iov, iovcnt);
	st_call_end(&c, ret < 0);
	log_io(&c, ST_DC_WRITEV, ret, 0, NULL, iov, iovcnt);
	return st_result(&c, ret);
}

/* The datagram address of a sendmsg that returned as c says, formatted
 * into pb: the header and its name are read plainly once the kernel has
 * copied them in, else through st_peek(); *unread names what could not be
 * read. */
static __attribute__((noinline)) const char *sent_msg_peer(const struct st_call *c,
							   const struct msghdr *msg, char *pb,
							   const char **unread)
{
	struct msghdr h;
	struct sockaddr_storage copy;
	const struct sockaddr *a;
	socklen_t len;
	bool lost;

	if (c->err == 0 || st_err_after_args(c->err)) {
		h = *msg;
	} else if (st_peek(&h, msg, sizeof(h)) != sizeof(h)) {
		*unread = "msg";
		return NULL;
	}
	len = h.msg_namelen;
	a = st_addr_in(c, h.msg_name, &len, &copy, &lost);
	if (lost)
		*unread = "addr";
	return a ? dgram_peer(pb, a, len) : NULL;
}

ST_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct st_call c;
	char pb[ST_ADDR_MAX];
	const char *peer = NULL, *unread = NULL;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(sendmsg, SYS_sendmsg, fd, msg, flags);
	st_call_begin(&c, st_dcall_names[ST_DC_SENDMSG], fd);
	ret = st_real.sendmsg(fd, msg, flags);
	st_call_end(&c, ret < 0);
	/* A failed call may have failed before the kernel read the header:
	 * only its datagram address is looked for, and not plainly. */
	if (is_dgram(fd))
		peer = sent_msg_peer(&c, msg, pb, &unread);
	if (ret < 0) {
		if (unread)
			log_io_text(&c, ret, flags, NULL, 0, NULL, 0, unread);
		else
			log_io(&c, ST_DC_SENDMSG, ret, flags, peer, NULL, 0);
		return st_result(&c, ret);
	}
	if (msg->msg_name)
		st_fd_refresh_if_unbound(fd);
	log_io(&c, ST_DC_SENDMSG, ret, flags, peer, msg->msg_iov, (int)msg->msg_iovlen);
	return st_result(&c, ret);
}

ST_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	struct st_call c;
	char pb[ST_ADDR_MAX];
	bool dgram;
	int ret, i;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(sendmmsg, SYS_sendmmsg, fd, vec, vlen, flags);
	st_call_begin(&c, "sendmmsg", fd);
	ret = st_real.sendmmsg(fd, vec, vlen, flags);
	st_call_end(&c, ret < 0);
	if (ret > 0)
		st_fd_refresh_if_unbound(fd);
	dgram = is_dgram(fd);
	/* One record per message sent, so each datagram can be followed. */
	/* One record per message; a failed call (vec may be unreadable) gets
	 * one record that does not look at vec. */
	for (i = 0; i < (ret > 0 ? ret : 1); i++) {
		struct st_event ev;
		const struct msghdr *m = ret > 0 ? &vec[i].msg_hdr : NULL;

		st_event_begin(&ev, &c, ret);
		/* Sent: the kernel has read the header, its iovecs and its
		 * name, up to a sockaddr_storage (dgram_peer() cuts there). */
		st_event_sock(&ev, fd, m && dgram ? dgram_peer(pb, m->msg_name, m->msg_namelen) : NULL);
		st_event_flags(&ev, flags);
		st_rec_int(&ev.rec, "msg", i);
		if (ret > 0)
			st_event_datav(&ev, m->msg_iov, (int)m->msg_iovlen, vec[i].msg_len,
				       head_of(fd, false, 0, vec[i].msg_len));
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* ---- receives ---- */

/* recvfrom on a datagram socket: the source is always asked for, into our
 * own buffer when the program passed none.  The kernel writes min(offered,
 * actual) bytes of it and then overwrites the offered length with the
 * actual one, so the offered one is noted first, as peek.h allows. */
static __attribute__((noinline)) ssize_t do_recv_dgram(enum st_dcall dc, int fd, void *buf,
							size_t n, int flags, struct sockaddr *from,
							socklen_t *fromlen)
{
	struct st_call c;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), offered = 0;
	char pb[ST_ADDR_MAX];
	const char *peer = NULL;
	bool have_offered = false;
	ssize_t ret;

	if (from && fromlen)
		have_offered = st_peek_near(&offered, fromlen, sizeof(offered), &c);
	st_call_begin(&c, st_dcall_names[dc], fd);
	if (!from)
		ret = st_real.recvfrom(fd, buf, n, flags, (struct sockaddr *)&ss, &sl);
	else
		ret = st_real.recvfrom(fd, buf, n, flags, from, fromlen);
	st_call_end(&c, ret < 0);
	if (ret >= 0) {
		if (from && fromlen && have_offered)
			peer = dgram_peer(pb, from, name_used(*fromlen, offered));
		else if (!from)
			peer = dgram_peer(pb, (struct sockaddr *)&ss, name_used(sl, sizeof(ss)));
	}
	log_buf(&c, dc, ret, flags, peer, buf, recv_used(ret, n, flags, true));
	return st_result(&c, ret);
}

/* recv, recvfrom and read on a socket. */
static inline __attribute__((always_inline)) ssize_t
do_recv(enum st_dcall dc, int fd, void *buf, size_t n, int flags,
		       struct sockaddr *from, socklen_t *fromlen)
{
	struct st_call c;
	ssize_t ret;

	if (is_dgram(fd))
		return do_recv_dgram(dc, fd, buf, n, flags, from, fromlen);
	c.t0 = st_now();
	ret = st_real.recvfrom(fd, buf, n, flags, from, fromlen);
	return io_done(&c, dc, fd, flags, ret, buf, recv_used(ret, n, flags, false));
}

ST_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_REAL_OR(recv, (fd, buf, n, flags),
				  syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL));
	return do_recv(ST_DC_RECV, fd, buf, n, flags, NULL, NULL);
}

ST_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
			   socklen_t *fromlen)
{
	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(recvfrom, SYS_recvfrom, fd, buf, n, flags, from, fromlen);
	return do_recv(ST_DC_RECVFROM, fd, buf, n, flags, from, fromlen);
}

ST_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	struct st_call c;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(read, SYS_read, fd, buf, n);
	/* Always the real read(2), even on a datagram socket: a sandboxed
	 * program may be allowed read and not recvfrom.  The peer logged is
	 * then the socket's own (read is used on connected sockets). */
	c.t0 = st_now();
	ret = st_real.read(fd, buf, n);
	return io_done(&c, ST_DC_READ, fd, 0, ret, buf, ret > 0 ? (size_t)ret : 0);
}

/*
 * The iovecs of a receive, copied before the call: the bytes the kernel
 * writes may land on the program's own iovec array or header (a fuzzer's
 * layout), so after the call they are not what the kernel read.  At most
 * RECV_IOVS of them: the snippet comes from those.
 */
#define RECV_IOVS 16

static int note_iovs(struct iovec *pre, const struct iovec *iov, size_t cnt, const void *near)
{
	int n = cnt < RECV_IOVS ? (int)cnt : RECV_IOVS;

	return n > 0 && st_peek_near(pre, iov, (size_t)n * sizeof(*pre), near) ? n : 0;
}

ST_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct st_call c;
	struct iovec pre[RECV_IOVS];
	int npre;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(readv, SYS_readv, fd, iov, iovcnt);
	npre = iovcnt > 0 ? note_iovs(pre, iov, (size_t)iovcnt, &c) : 0;
	st_call_begin(&c, st_dcall_names[ST_DC_READV], fd);
	ret = st_real.readv(fd, iov, iovcnt);
	st_call_end(&c, ret < 0);
	log_io(&c, ST_DC_READV, ret, 0, NULL, pre, npre);
	return st_result(&c, ret);
}

/* fds received with SCM_RIGHTS are new to us: whatever their numbers held
 * before is gone. */
static void forget_passed_fds(const struct msghdr *msg)
{
	struct cmsghdr *cm;

	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return;
	for (cm = CMSG_FIRSTHDR((struct msghdr *)msg); cm; cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			/* Within the control bytes the kernel wrote, whatever
			 * cmsg_len says (a later message's bytes of a recvmmsg
			 * may have landed on it). */
			size_t left = (size_t)((const unsigned char *)msg->msg_control +
					       msg->msg_controllen - CMSG_DATA(cm));
			size_t k, n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fdv;

			if (cm->cmsg_len < CMSG_LEN(0) || n > left / sizeof(int))
				n = left / sizeof(int);

			for (k = 0; k < n; k++) {
				memcpy(&fdv, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				st_fd_forget(fdv);
			}
		}
	}
}

/* What the kernel writes back into a header after a successful receive,
 * from our copy of it into the program's: plainly when the header shares a
 * block with our stack, else with st_poke(); false when the program's
 * header cannot be written (the kernel would have answered EFAULT). */
static bool put_back(struct msghdr *msg, const struct msghdr *mine, const void *near)
{
	if (st_same_block(msg, sizeof(*msg), near)) {
		msg->msg_flags = mine->msg_flags;
		msg->msg_controllen = mine->msg_controllen;
		return true;
	}
	return st_poke(&msg->msg_flags, &mine->msg_flags, sizeof(mine->msg_flags)) &&
	       st_poke(&msg->msg_controllen, &mine->msg_controllen, sizeof(mine->msg_controllen));
}

ST_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct st_call c;
	struct sockaddr_storage ss;
	struct msghdr pre, mine, done;
	struct iovec iovs[RECV_IOVS];
	char pb[ST_ADDR_MAX];
	const char *peer = NULL;
	bool dgram, known;
	int niov = 0;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(recvmsg, SYS_recvmsg, fd, msg, flags);
	dgram = is_dgram(fd);
	/* The header and its iovecs as the kernel will read them, noted
	 * before the call (as peek.h allows): afterwards the received bytes
	 * may have landed on them, and the name's length is overwritten. */
	known = st_peek_near(&pre, msg, sizeof(pre), &c);
	if (known)
		niov = note_iovs(iovs, pre.msg_iov, pre.msg_iovlen, &c);
	st_call_begin(&c, st_dcall_names[ST_DC_RECVMSG], fd);
	if (dgram && known && !pre.msg_name) {
		/* Ask for the source through a copy of the header. */
		mine = pre;
		mine.msg_name = &ss;
		mine.msg_namelen = sizeof(ss);
		ret = st_real.recvmsg(fd, &mine, flags);
		st_call_end(&c, ret < 0);
		if (ret >= 0 && !put_back(msg, &mine, &c)) {
			ret = -1;
			c.err = c.errno_after = EFAULT;
		}
		if (ret >= 0) {
			peer = dgram_peer(pb, (struct sockaddr *)&ss, name_used(mine.msg_namelen, sizeof(ss)));
			pre.msg_controllen = mine.msg_controllen;
		}
	} else {
		ret = st_real.recvmsg(fd, msg, flags);
		st_call_end(&c, ret < 0);
		/* What the kernel wrote back last (lengths), it wrote after the
		 * bytes: those are read from msg itself. */
		if (known && ret >= 0) {
			if (dgram)
				peer = dgram_peer(pb, pre.msg_name, name_used(msg->msg_namelen, pre.msg_namelen));
			pre.msg_controllen = msg->msg_controllen;
		}
	}
	if (ret < 0 || !known) {
		log_io(&c, ST_DC_RECVMSG, ret, flags, NULL, NULL, 0);	/* msg may be unreadable */
		return st_result(&c, ret);
	}
	done = pre;
	forget_passed_fds(&done);
	if ((flags & MSG_TRUNC) && !dgram)
		niov = 0;
	log_io(&c, ST_DC_RECVMSG, ret, flags, peer, iovs, niov);
	return st_result(&c, ret);
}

/* How many messages of a recvmmsg vector get their source and payload
 * logged. */
#define RECVMMSG_NOTED 32

/* Whether [a, a + an) and [b, b + bn) may share a byte (a length that
 * wraps round counts as sharing). */
static bool overlaps(const void *a, size_t an, const void *b, size_t bn)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	return an && bn && (x - y < bn || y - x < an);
}

/*
 * Whether the lengths the kernel wrote back into the first ret entries of
 * a recvmmsg vector are still there: the kernel writes entry i's after
 * message i, so only a later message's bytes, name or control can have
 * landed on them.  Told from what the program offered (its headers and
 * first iovecs, noted before the call); a message not noted, or with more
 * than one iovec, cannot be told, and then no.
 */
static bool entries_kept(const struct mmsghdr *vec, int ret, const struct mmsghdr *pre,
			 const struct iovec *first, unsigned nfirst)
{
	size_t span = (size_t)ret * sizeof(*vec);
	int j;

	if ((unsigned)ret > nfirst)
		return false;
	for (j = 1; j < ret; j++) {
		const struct msghdr *h = &pre[j].msg_hdr;

		if (h->msg_iovlen > 1 || overlaps(first[j].iov_base, first[j].iov_len, vec, span) ||
		    overlaps(h->msg_name, h->msg_namelen, vec, span) ||
		    overlaps(h->msg_control, h->msg_controllen, vec, span))
			return false;
	}
	return true;
}

ST_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags,
		       struct timespec *timeout)
{
	struct st_call c;
	struct mmsghdr pre[RECVMMSG_NOTED];
	struct iovec first[RECVMMSG_NOTED], at[RECVMMSG_NOTED];
	static const struct iovec none = { NULL, 0 };
	char pb[ST_ADDR_MAX];
	unsigned npre, nfirst = 0, k;
	bool dgram, kept, near;
	int ret, i;

	if (st_untraced() || !st_fd_maybe_socket(fd))
		return ST_PASS(recvmmsg, SYS_recvmmsg, fd, vec, vlen, flags, timeout);
	dgram = is_dgram(fd);
	/* The first messages' headers and first iovecs, noted before the
	 * call (as for recvmsg): the received bytes may land on them, and
	 * the names' lengths are overwritten.  A message past those, or of a
	 * call whose later messages may have landed on the vector, is logged
	 * without its payload and source. */
	npre = vlen < RECVMMSG_NOTED ? vlen : RECVMMSG_NOTED;
	if (!st_peek_near(pre, vec, npre * sizeof(pre[0]), &c))
		npre = 0;
	for (k = 0, near = true; k < npre; k++) {
		/* A message with no iovec gets an empty one of ours. */
		at[k].iov_base = pre[k].msg_hdr.msg_iovlen ? (void *)pre[k].msg_hdr.msg_iov : (void *)&none;
		at[k].iov_len = sizeof(first[0]);
		near = near && st_same_block(at[k].iov_base, sizeof(first[0]), &c);
	}
	if (near) {
		for (k = 0; k < npre; k++)
			memcpy(&first[k], at[k].iov_base, sizeof(first[0]));
		nfirst = npre;
	} else if (npre) {
		nfirst = (unsigned)(st_peekv(first, at, npre) / sizeof(first[0]));
	}
	st_call_begin(&c, "recvmmsg", fd);
	ret = st_real.recvmmsg(fd, vec, vlen, flags, timeout);
	st_call_end(&c, ret < 0);
	kept = ret > 0 && entries_kept(vec, ret, pre, first, nfirst);
	for (i = 0; i < (ret > 0 ? ret : 1); i++) {
		struct st_event ev;
		const char *peer = NULL;
		bool noted = kept && (unsigned)i < nfirst;

		if (noted && dgram && pre[i].msg_hdr.msg_name)
			peer = dgram_peer(pb, pre[i].msg_hdr.msg_name,
					  name_used(vec[i].msg_hdr.msg_namelen,
						    pre[i].msg_hdr.msg_namelen));
		if (noted) {
			struct msghdr done = pre[i].msg_hdr;

			done.msg_controllen = vec[i].msg_hdr.msg_controllen;
			forget_passed_fds(&done);
		}
		st_event_begin(&ev, &c, ret);
		st_event_sock(&ev, fd, peer);
		st_event_flags(&ev, flags);
		st_rec_int(&ev.rec, "msg", i);
		if (ret > 0)
			st_event_datav(&ev, &first[i], noted && !((flags & MSG_TRUNC) && !dgram) ? 1 : 0,
				       vec[i].msg_len, head_of(fd, true, flags, vec[i].msg_len));
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* ---- sendfile: the bytes come from a file; read back for the snippet only
 * when asked (SOCKTRACE_SENDFILE_DATA=1, init.c says why) ---- */

static ssize_t do_sendfile(enum st_dcall dc, __typeof__(sendfile) *real, int out, int in,
			   off_t *offset, size_t count)
{
	struct st_call c;
	struct iovec one;
	char snip[ST_DATA_SNIP_MAX];
	off_t start = -1;
	ssize_t ret, got = 0;
	size_t want, head;

	st_call_begin(&c, st_dcall_names[dc], out);
	ret = real(out, in, offset, count);
	st_call_end(&c, ret < 0);
	/* Where the bytes came from; *offset is read only once the kernel
	 * has written it (it moved it past them). */
	if (ret > 0 && offset)
		start = *offset - ret;
	one.iov_base = snip;
	one.iov_len = sizeof(snip);
	head = st_fd_head(out, ST_WAY_OUT, ret);
	want = st_cfg.sendfile_data ? st_snippet_len(ret, head, &one, 1) : 0;
	if (want > 0) {
		if (start < 0) {
			off_t now = lseek(in, 0, SEEK_CUR);

			start = now >= ret ? now - ret : -1;
		}
		if (start >= 0)
			got = pread(in, snip, want, start);
	}
	one.iov_len = got > 0 ? (size_t)got : 0;
	/* The snippet is what pread got, which may be less than ret; at
	 * most ST_DATA_SNIP_MAX bytes, so a DATA frame always takes it. */
	(void)st_event_data(&c, dc, ret, in, 0, &one, 1);
	return st_result(&c, ret);
}

ST_EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t count)
{
	if (st_untraced() || !st_fd_maybe_socket(out))
		return ST_PASS(sendfile, SYS_sendfile, out, in, offset, count);
	return do_sendfile(ST_DC_SENDFILE, st_real.sendfile, out, in, offset, count);
}

ST_EXPORT ssize_t sendfile64(int out, int in, off_t *offset, size_t count)
{
	__typeof__(sendfile) *real = (__typeof__(sendfile) *)st_real.sendfile64;

	if (st_untraced() || !st_fd_maybe_socket(out))
		return real ? real(out, in, offset, count)
			    : syscall(SYS_sendfile, out, in, offset, count);
	return do_sendfile(ST_DC_SENDFILE64, real, out, in, offset, count);
}

/* ---- the fortified entry points of -D_FORTIFY_SOURCE programs ----
 * The real ones check the buffer size and abort on overflow; we call them
 * for that, and log as the plain call the program wrote. */

ST_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	struct st_call c;
	ssize_t ret;

	if (st_untraced() || !st_fd_maybe_socket(fd) || n > buflen)
		return st_real.__recv_chk(fd, buf, n, buflen, flags);
	c.t0 = st_now();
	ret = st_real.__recv_chk(fd, buf, n, buflen, flags);
	return io_done(&c, ST_DC_RECV, fd, flags, ret, buf, recv_used(ret, n, flags, is_dgram(fd)));
}

ST_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				 struct sockaddr *from, socklen_t *fromlen)
{
	if (st_untraced() || !st_fd_maybe_socket(fd) || n > buflen)
		return st_real.__recvfrom_chk(fd, buf, n, buflen, flags, from, fromlen);
	return do_recv(ST_DC_RECVFROM, fd, buf, n, flags, from, fromlen);
}

ST_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (st_untraced() || !st_fd_maybe_socket(fd) || n > buflen)
		return st_real.__read_chk(fd, buf, n, buflen);
	return read(fd, buf, n);
}
