/*
 * wrap_conn.c: the calls that make, name, connect, duplicate and close
 * sockets.  Each one keeps the fd table up to date, so the data calls can
 * log a socket's five-tuple without asking the kernel.
 */
#include <stdarg.h>
#include <sys/syscall.h>

#include "wrap.h"

#include "sink.h"

/* The "addr" key: the address argument a (len bytes) as st_addr_in()
 * found it, empty when there was none; "unreadable" when it could not be
 * read (the kernel refused the call before it looked). */
static void put_addr(struct st_event *ev, const struct sockaddr *a, socklen_t len, bool unread)
{
	char arg[ST_ADDR_MAX];

	if (unread) {
		st_rec_str(&ev->rec, "unreadable", "addr");
		return;
	}
	arg[0] = '\0';
	if (a)
		st_format_sockaddr(arg, sizeof(arg), a, len);
	st_rec_str(&ev->rec, "addr", arg);
}

/* The record of a call on one socket: common keys and the five-tuple. */
static void begin_sock_event(struct st_event *ev, const struct st_call *c, int64_t ret)
{
	st_event_begin(ev, c, ret);
	st_event_sock(ev, c->fd, NULL);
}

ST_EXPORT int socket(int domain, int type, int protocol)
{
	struct st_call c;
	struct st_event ev;
	char fb[64];
	const char *fam;
	int ret;

	if (st_untraced())
		return ST_PASS(socket, SYS_socket, domain, type, protocol);
	st_call_begin(&c, "socket", -1);
	ret = st_real.socket(domain, type, protocol);
	if (ret < 0 && errno == EMFILE && st_sink_give_slot())
		ret = st_real.socket(domain, type, protocol);
	st_call_end(&c, ret < 0);
	if (ret >= 0) {
		st_fd_new_socket(ret, domain, type, protocol);
		c.fd = ret;
	}
	st_event_begin(&ev, &c, ret);
	if (ret >= 0)
		st_event_sock(&ev, ret, NULL);
	else
		st_rec_str(&ev.rec, "proto", st_proto_name(domain, type, protocol));
	fam = st_family_name(domain);
	if (fam)
		st_rec_str(&ev.rec, "family", fam);
	else
		st_rec_int(&ev.rec, "family", domain);
	if (st_sock_flags(type & ~0xf, fb, sizeof(fb)))
		st_rec_str(&ev.rec, "flags", fb);
	st_event_emit(&ev);
	return st_result(&c, ret);
}

ST_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	struct st_call c;
	struct st_event ev;
	int ret;

	if (st_untraced())
		return ST_PASS(socketpair, SYS_socketpair, domain, type, protocol, sv);
	st_call_begin(&c, "socketpair", -1);
	ret = st_real.socketpair(domain, type, protocol, sv);
	if (ret < 0 && errno == EMFILE && st_sink_give_slot())
		ret = st_real.socketpair(domain, type, protocol, sv);
	st_call_end(&c, ret < 0);
	if (ret == 0) {
		st_fd_new_socket(sv[0], domain, type, protocol);
		st_fd_new_socket(sv[1], domain, type, protocol);
		st_fd_refresh(sv[0], true, true);
		st_fd_refresh(sv[1], true, true);
		c.fd = sv[0];
	}
	st_event_begin(&ev, &c, ret);
	if (ret == 0) {
		st_event_sock(&ev, sv[0], NULL);
		st_rec_int(&ev.rec, "fd2", sv[1]);
	}
	st_event_emit(&ev);
	return st_result(&c, ret);
}

ST_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct st_call c;
	struct st_event ev;
	bool unread;
	int ret;

	if (st_untraced())
		return ST_PASS(bind, SYS_bind, fd, addr, len);
	st_call_begin(&c, "bind", fd);
	ret = st_real.bind(fd, addr, len);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		struct sockaddr_storage copy;
		const struct sockaddr *a = st_addr_in(&c, addr, &len, &copy, &unread);

		if (ret == 0)
			st_fd_refresh(fd, true, false);
		begin_sock_event(&ev, &c, ret);
		put_addr(&ev, a, len, unread);
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

ST_EXPORT int listen(int fd, int backlog)
{
	struct st_call c;
	struct st_event ev;
	int ret;

	if (st_untraced())
		return ST_PASS(listen, SYS_listen, fd, backlog);
	st_call_begin(&c, "listen", fd);
	ret = st_real.listen(fd, backlog);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		/* listen() on an unbound socket binds it to a port of its own. */
		if (ret == 0)
			st_fd_refresh(fd, true, false);
		begin_sock_event(&ev, &c, ret);
		st_rec_int(&ev.rec, "backlog", backlog);
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* accept and accept4: the record carries the new connection's ends. */
static int do_accept(const char *name, int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	struct st_call c;
	struct st_event ev;
	struct st_sockinfo li;
	char fb[64];
	int ret;

	st_call_begin(&c, name, fd);
	ret = st_real.accept4(fd, addr, alen, flags);
	if (ret < 0 && errno == EMFILE && st_sink_give_slot())
		ret = st_real.accept4(fd, addr, alen, flags);
	st_call_end(&c, ret < 0);
	if (!st_fd_is_socket(fd))
		goto out;
	if (ret >= 0 && st_fd_get(fd, &li)) {
		int protocol = 0;

		if (li.proto[0] == 's')	/* sctp */
			protocol = IPPROTO_SCTP;
		st_fd_new_socket(ret, li.family, li.type, protocol);
		st_fd_refresh(ret, true, true);
	}
	st_event_begin(&ev, &c, ret);
	st_event_sock(&ev, ret >= 0 ? ret : fd, NULL);
	if (st_sock_flags(flags, fb, sizeof(fb)))
		st_rec_str(&ev.rec, "flags", fb);
	st_event_emit(&ev);
out:
	return st_result(&c, ret);
}

ST_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
	if (st_untraced() || !st_real.accept4)
		return ST_PASS(accept, SYS_accept, fd, addr, alen);
	return do_accept("accept", fd, addr, alen, 0);
}

ST_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	if (st_untraced())
		return ST_PASS(accept4, SYS_accept4, fd, addr, alen, flags);
	return do_accept("accept4", fd, addr, alen, flags);
}

ST_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct st_call c;
	struct st_event ev;
	struct sockaddr_storage copy;
	const struct sockaddr *a;
	bool unread;
	int ret;

	if (st_untraced())
		return ST_PASS(connect, SYS_connect, fd, addr, len);
	st_call_begin(&c, "connect", fd);
	ret = st_real.connect(fd, addr, len);
	st_call_end(&c, ret < 0);
	if (!st_fd_is_socket(fd))
		goto out;
	/* On success, and on a non-blocking connect under way, the local end is
	 * already chosen; the peer is the address given until getpeername can
	 * say (it cannot before the handshake ends). */
	a = st_addr_in(&c, addr, &len, &copy, &unread);
	if (ret == 0 || c.err == EINPROGRESS || c.err == EALREADY || c.err == EAGAIN) {
		st_fd_refresh(fd, true, false);
		if (ret == 0)
			st_fd_refresh(fd, false, true);
		else
			st_fd_set_peer(fd, a, len);
	}
	begin_sock_event(&ev, &c, ret);
	put_addr(&ev, a, len, unread);
	st_event_emit(&ev);
out:
	return st_result(&c, ret);
}

ST_EXPORT int shutdown(int fd, int how)
{
	struct st_call c;
	struct st_event ev;
	int ret;

	if (st_untraced())
		return ST_PASS(shutdown, SYS_shutdown, fd, how);
	st_call_begin(&c, "shutdown", fd);
	ret = st_real.shutdown(fd, how);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		begin_sock_event(&ev, &c, ret);
		st_rec_str(&ev.rec, "how", st_shut_name(how));
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* Logs the close of a socket whose identity was taken before it closed. */
static void log_closed(const struct st_call *c, int64_t ret, const struct st_sockinfo *si)
{
	struct st_event ev;

	st_event_begin(&ev, c, ret);
	st_rec_str(&ev.rec, "proto", si->proto);
	if (si->has_local)
		st_rec_str(&ev.rec, "local", si->local);
	if (si->has_peer)
		st_rec_str(&ev.rec, "peer", si->peer);
	st_event_emit(&ev);
}

ST_EXPORT int close(int fd)
{
	struct st_call c;
	struct st_sockinfo si;
	int ret;

	if (st_untraced())
		return ST_PASS(close, SYS_close, fd);
	if (st_sink_holds(fd)) {
		/* Our log's descriptor, over the fd limit: not one the program
		 * has, and untraced that number would not be open. */
		errno = EBADF;
		return -1;
	}
	if (!st_fd_known_socket(fd)) {
		/* Whatever the number held, the next thing on it is new. */
		st_fd_forget(fd);
		return st_real.close(fd);
	}
	/* Take the identity and forget the fd before closing: once closed, the
	 * number may be handed to another thread's new socket. */
	if (!st_fd_get(fd, &si)) {
		st_fd_forget(fd);
		return st_real.close(fd);
	}
	st_fd_forget(fd);
	st_call_begin(&c, "close", fd);
	ret = st_real.close(fd);
	st_call_end(&c, ret < 0);
	log_closed(&c, ret, &si);
	return st_result(&c, ret);
}

/* After close_range or closefrom succeeded: log and forget the sockets. */
static void log_range_closed(const struct st_call *tmpl, unsigned first, unsigned last)
{
	struct st_sockinfo si;
	unsigned fd;

	if (last >= ST_MAX_FDS)
		last = ST_MAX_FDS - 1;
	for (fd = first; fd <= last; fd++) {
		if (st_fd_kind[fd] == FD_UNKNOWN)
			continue;
		if (st_fd_get((int)fd, &si)) {
			struct st_call c = *tmpl;

			c.fd = (int)fd;
			log_closed(&c, 0, &si);
		}
		st_fd_forget((int)fd);
	}
}

/* close_range() of everything in [first, last] but our log's descriptor
 * (see close()). */
static int close_range_but_ours(unsigned first, unsigned last, int flags)
{
	int ours = st_sink_fd();
	int ret = 0;

	if (ours < 0 || (unsigned)ours < first || (unsigned)ours > last)
		return st_real.close_range(first, last, flags);
	if ((unsigned)ours > first)
		ret = st_real.close_range(first, (unsigned)ours - 1, flags);
	if (ret == 0 && (unsigned)ours < last)
		ret = st_real.close_range((unsigned)ours + 1, last, flags);
	return ret;
}

ST_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	struct st_call c;
	int ret;

	if (st_untraced() || !st_real.close_range)
		return ST_PASS(close_range, SYS_close_range, first, last, flags);
	st_call_begin(&c, "close_range", -1);
	ret = close_range_but_ours(first, last, flags);
	st_call_end(&c, ret < 0);
	/* With CLOSE_RANGE_CLOEXEC nothing is closed until exec. */
	if (ret == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		log_range_closed(&c, first, last);
	return st_result(&c, ret);
}

ST_EXPORT void closefrom(int lowfd)
{
	struct st_call c;

	if (st_untraced() || !st_real.closefrom) {
		if (st_real.closefrom)
			st_real.closefrom(lowfd);
		else
			syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0);
		return;
	}
	st_call_begin(&c, "closefrom", -1);
	/* glibc's closefrom() is close_range() inside, which no wrapper
	 * sees: ours is kept out of it here. */
	if (lowfd < 0 || !st_real.close_range || st_sink_fd() < lowfd ||
	    close_range_but_ours((unsigned)lowfd, ~0U, 0) != 0)
		st_real.closefrom(lowfd);
	st_call_end(&c, false);
	if (lowfd >= 0)
		log_range_closed(&c, (unsigned)lowfd, ~0U);
	errno = c.errno_after;
}

/* After a successful dup of any kind: newfd is what oldfd is, and what
 * newfd was before is gone. */
static void log_dup(const char *name, int oldfd, int newfd, int64_t ret, struct st_call *c,
		    bool replaced_socket)
{
	struct st_event ev;

	if (ret >= 0)
		st_fd_copy(oldfd, newfd);
	if (!st_fd_is_socket(oldfd) && !replaced_socket)
		return;
	c->name = name;
	c->fd = oldfd;
	begin_sock_event(&ev, c, ret);
	st_event_emit(&ev);
}

ST_EXPORT int dup(int oldfd)
{
	struct st_call c;
	int ret;

	if (st_untraced())
		return ST_PASS(dup, SYS_dup, oldfd);
	st_call_begin(&c, "dup", oldfd);
	ret = st_real.dup(oldfd);
	st_call_end(&c, ret < 0);
	log_dup("dup", oldfd, ret, ret, &c, false);
	return st_result(&c, ret);
}

static int do_dup3(const char *name, int oldfd, int newfd, int flags)
{
	struct st_call c;
	bool was_socket;
	int ret;

	was_socket = oldfd != newfd && st_fd_known_socket(newfd);
	st_call_begin(&c, name, oldfd);
	if (name[3] == '2')
		ret = st_real.dup2(oldfd, newfd);
	else
		ret = st_real.dup3(oldfd, newfd, flags);
	st_call_end(&c, ret < 0);
	log_dup(name, oldfd, newfd, ret, &c, was_socket && ret >= 0);
	return st_result(&c, ret);
}

ST_EXPORT int dup2(int oldfd, int newfd)
{
	if (st_untraced())
		return ST_PASS(dup2, SYS_dup2, oldfd, newfd);
	return do_dup3("dup2", oldfd, newfd, 0);
}

ST_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (st_untraced())
		return ST_PASS(dup3, SYS_dup3, oldfd, newfd, flags);
	return do_dup3("dup3", oldfd, newfd, flags);
}

/* fcntl's third argument is an int or a pointer; on our ABIs both travel
 * in one register, so it is passed on as a pointer-sized value. */
static int do_fcntl(__typeof__(fcntl) *real, int fd, int cmd, void *arg)
{
	struct st_call c;
	int ret;

	if (st_untraced() || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
		return real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
	st_call_begin(&c, "fcntl", fd);
	ret = real(fd, cmd, arg);
	st_call_end(&c, ret < 0);
	log_dup("fcntl", fd, ret, ret, &c, false);
	return st_result(&c, ret);
}

ST_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(st_real.fcntl, fd, cmd, arg);
}

ST_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(st_real.fcntl64 ? st_real.fcntl64 : st_real.fcntl, fd, cmd, arg);
}

ST_EXPORT int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	struct st_call c;
	int ret;

	if (st_untraced())
		return ST_PASS(setsockopt, SYS_setsockopt, fd, level, opt, val, len);
	st_call_begin(&c, "setsockopt", fd);
	ret = st_real.setsockopt(fd, level, opt, val, len);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		bool has_val = ret == 0 && val && len == sizeof(int);
		int v = 0;

		/* Succeeding, the socket and TCP levels have read the int
		 * before anything else; other levels may succeed without
		 * reading it, so it is read there with the copy that cannot
		 * fault (setsockopt is not a hot call). */
		if (has_val && (level == SOL_SOCKET || level == IPPROTO_TCP))
			v = *(const int *)val;
		else if (has_val)
			has_val = st_peek(&v, val, sizeof(v)) == sizeof(v);
		st_event_opt(&c, ret, level, opt, has_val, v);
	}
	return st_result(&c, ret);
}

/* getsockopt: only SO_ERROR is logged, the answer to a non-blocking
 * connect (0, or why it failed: ECONNREFUSED, ETIMEDOUT, ...). */
ST_EXPORT int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	struct st_call c;
	struct st_event ev;
	char ebuf[16];
	int ret;

	if (st_untraced() || level != SOL_SOCKET || opt != SO_ERROR)
		return ST_PASS(getsockopt, SYS_getsockopt, fd, level, opt, val, len);
	st_call_begin(&c, "getsockopt", fd);
	ret = st_real.getsockopt(fd, level, opt, val, len);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		begin_sock_event(&ev, &c, ret);
		st_rec_str(&ev.rec, "level", "SOL_SOCKET");
		st_rec_str(&ev.rec, "opt", "SO_ERROR");
		if (ret == 0 && val && len && *len >= sizeof(int)) {
			int e = *(int *)val;

			st_rec_int(&ev.rec, "val", e);
			if (e)
				st_rec_str(&ev.rec, "so_error", st_errno_name(e, ebuf));
		}
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* getsockname and getpeername: logged, and their answer refreshes the table. */
static int do_getname(const char *name, int fd, struct sockaddr *addr, socklen_t *len, bool peer)
{
	struct st_call c;
	struct st_event ev;
	int ret;

	st_call_begin(&c, name, fd);
	ret = peer ? st_real.getpeername(fd, addr, len) : st_real.getsockname(fd, addr, len);
	st_call_end(&c, ret < 0);
	if (st_fd_is_socket(fd)) {
		if (ret == 0)
			st_fd_refresh(fd, !peer, peer);
		begin_sock_event(&ev, &c, ret);
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

ST_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (st_untraced())
		return ST_PASS(getsockname, SYS_getsockname, fd, addr, len);
	return do_getname("getsockname", fd, addr, len, false);
}

ST_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (st_untraced())
		return ST_PASS(getpeername, SYS_getpeername, fd, addr, len);
	return do_getname("getpeername", fd, addr, len, true);
}
