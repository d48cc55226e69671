/*
 * wrap_wait.c: waiting for sockets.  poll and ppoll are logged when they
 * watch at least one socket, so the time a non-blocking program spends
 * waiting (for a connect to finish, for data to arrive) shows in the trace
 * like the time a blocking accept or recv takes.  Each watched fd is
 * written as "fd:EVENTS>REVENTS" (e.g. "3:OUT>OUT", "4:IN>-").
 */
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>

#include "wrap.h"

#define MAX_LOGGED_FDS 16

static bool watches_socket(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (st_fd_known_socket(fds[i].fd))
			return true;
	return false;
}

static size_t put_events(char *p, short ev)
{
	static const struct { short bit; const char *name; } names[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
		{ POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDHUP, "RDHUP" },
	};
	size_t o = 0, i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(ev & names[i].bit))
			continue;
		if (o)
			p[o++] = '|';
		memcpy(p + o, names[i].name, strlen(names[i].name));
		o += strlen(names[i].name);
	}
	if (!o)
		p[o++] = '-';
	return o;
}

static void log_poll(const struct st_call *c, int ret, const struct pollfd *fds, nfds_t n,
		     int64_t timeout_ms)
{
	struct st_event ev;
	char item[96];
	nfds_t i;

	st_event_begin(&ev, c, ret);
	st_rec_int(&ev.rec, "nfds", (int64_t)n);
	st_rec_int(&ev.rec, "timeout", timeout_ms);
	st_rec_array_begin(&ev.rec, "fds");
	for (i = 0; i < n && i < MAX_LOGGED_FDS; i++) {
		size_t o = st_fmt_int(item, fds[i].fd);

		item[o++] = ':';
		o += put_events(item + o, fds[i].events);
		item[o++] = '>';
		o += put_events(item + o, ret > 0 ? fds[i].revents : 0);
		st_rec_array_str(&ev.rec, item, o);
	}
	st_rec_array_end(&ev.rec);
	st_event_emit(&ev);
}

/* The poll set of a call that returned as c says, where it can be read:
 * fds itself once the kernel has read it all (the call succeeded, or was
 * interrupted while waiting), else its first MAX_LOGGED_FDS entries
 * copied with st_peek() into copy; NULL when they cannot be read. */
static const struct pollfd *poll_set(const struct st_call *c, const struct pollfd *fds,
				     nfds_t *n, struct pollfd *copy)
{
	if (c->err == 0 || c->err == EINTR)
		return fds;
	if (*n > MAX_LOGGED_FDS)
		*n = MAX_LOGGED_FDS;
	if (st_peek(copy, fds, *n * sizeof(*copy)) != *n * sizeof(*copy))
		return NULL;
	return copy;
}

ST_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct st_call c;
	struct pollfd copy[MAX_LOGGED_FDS];
	const struct pollfd *set;
	nfds_t seen = n;
	int ret;

	if (st_untraced())
		return ST_PASS(poll, SYS_poll, fds, n, timeout);
	st_call_begin(&c, "poll", -1);
	ret = st_real.poll(fds, n, timeout);
	st_call_end(&c, ret < 0);
	set = poll_set(&c, fds, &seen, copy);
	if (set && watches_socket(set, seen))
		log_poll(&c, ret, set, n, timeout);
	return st_result(&c, ret);
}

ST_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		    const sigset_t *mask)
{
	struct st_call c;
	struct pollfd copy[MAX_LOGGED_FDS];
	const struct pollfd *set;
	nfds_t seen = n;
	int ret;

	if (st_untraced())
		return ST_REAL_OR(ppoll, (fds, n, ts, mask),
				  syscall(SYS_ppoll, fds, n, ts, mask, 8));
	st_call_begin(&c, "ppoll", -1);
	ret = st_real.ppoll(fds, n, ts, mask);
	st_call_end(&c, ret < 0);
	set = poll_set(&c, fds, &seen, copy);
	/* ts: glibc has read it before the system call. */
	if (set && watches_socket(set, seen))
		log_poll(&c, ret, set, n,
			 ts ? (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 : -1);
	return st_result(&c, ret);
}
