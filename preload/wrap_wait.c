/*
 * wrap_wait.c: waiting for sockets.  poll and ppoll are logged when they
 * watch at least one socket, so the time a non-blocking program spends
 * waiting (for a connect to finish, for data to arrive) shows in the trace
 * like the time a blocking accept or recv takes.  Each watched fd is
 * written as "fd:EVENTS>REVENTS" (e.g. "3:OUT>OUT", "4:IN>-").
 *
 * The event loops' calls too: epoll_wait, epoll_pwait and epoll_pwait2
 * (with "fd" the epoll descriptor, and only the ready fds in "fds"), select
 * and pselect (the ready fds).  An epoll event carries the program's own
 * data, not an fd, so epoll_ctl is followed: per fd, the epoll set it was
 * added to, its data and events; and a table from (epoll fd, data) back to
 * the fd, for programs whose data is a pointer.  Every entry found is
 * checked against the per-fd one, so a stale or torn slot is never
 * believed.  What a wrapper reads of the program's memory is what the
 * kernel has just read or written successfully (the ready events, the
 * fd_sets it wrote back, the timeout it read).
 *
 * A wait costs no more than a data call (bench/waitcost.sh): each wrapper
 * is one function, whose record is written in place in the ring
 * (st_wait_open()), with each ready fd looked up once.
 */
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "wrap.h"

static bool watches_socket(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (st_fd_known_socket(fds[i].fd))
			return true;
	return false;
}

static int64_t timespec_ms(const struct timespec *ts)
{
	return ts ? (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 : -1;
}

/* The poll set of a call that failed as c says, where it can be read:
 * fds itself once the kernel has read it all (the call was interrupted
 * while waiting), else its first ST_WAIT_FDS_MAX entries copied with
 * st_peek() into copy (*n cut to them); NULL when they cannot be read. */
static __attribute__((noinline)) const struct pollfd *
poll_set_failed(const struct st_call *c, const struct pollfd *fds, nfds_t *n,
		struct pollfd *copy)
{
	if (c->err == EINTR)
		return fds;
	if (*n > ST_WAIT_FDS_MAX)
		*n = ST_WAIT_FDS_MAX;
	if (st_peek(copy, fds, *n * sizeof(*copy)) != *n * sizeof(*copy))
		return NULL;
	return copy;
}

/* A poll or ppoll's last step, right after the real call returned ret
 * (errno as the call left it): logged when it watched a socket, with its
 * first ST_WAIT_FDS_MAX fds. */
static inline __attribute__((always_inline)) int
poll_done(struct st_call *c, enum st_dcall dc, int ret, const struct pollfd *fds, nfds_t n,
	  int64_t timeout_ms)
{
	struct pollfd copy[ST_WAIT_FDS_MAX];
	const struct pollfd *set = fds;
	nfds_t seen = n;
	struct st_wait w;
	uint32_t i;

	st_call_done(c, ret < 0);
	if (__builtin_expect(ret < 0, 0))
		set = poll_set_failed(c, fds, &seen, copy);
	if (!set || !watches_socket(set, seen))
		return ret;
	st_wait_open(&w, c, dc, ret, timeout_ms, n > INT32_MAX ? INT32_MAX : (int32_t)n,
		     (uint32_t)(seen < ST_WAIT_FDS_MAX ? seen : ST_WAIT_FDS_MAX));
	for (i = 0; i < w.wf.w.n; i++)
		w.fds[i] = (struct st_frame_fd){ set[i].fd, (uint16_t)set[i].events,
						 ret > 0 ? (uint16_t)set[i].revents : 0 };
	st_wait_close(&w, c, ret);
	return ret;
}

ST_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct st_call c;

	if (st_untraced())
		return ST_PASS(poll, SYS_poll, fds, n, timeout);
	st_call_start(&c, "poll", -1);
	return poll_done(&c, ST_DC_POLL, st_real.poll(fds, n, timeout), fds, n,
			 timeout < 0 ? -1 : timeout);
}

ST_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		    const sigset_t *mask)
{
	struct st_call c;

	if (st_untraced())
		return ST_REAL_OR(ppoll, (fds, n, ts, mask),
				  syscall(SYS_ppoll, fds, n, ts, mask, 8));
	st_call_start(&c, "ppoll", -1);
	/* ts: glibc has read it before the system call. */
	return poll_done(&c, ST_DC_PPOLL, st_real.ppoll(fds, n, ts, mask), fds, n,
			 timespec_ms(ts));
}

/* ---- epoll ---- */

/* What epoll_ctl said of an fd: the epoll set (+1, 0: none), its data,
 * the events asked for. */
struct ep_fd {
	_Atomic uint64_t data;
	_Atomic int epfd1;
	_Atomic uint32_t events;
};

/* (epoll fd, data) -> fd, open addressing. */
struct ep_slot {
	_Atomic uint64_t data;
	_Atomic int epfd1;
	_Atomic int fd;
};

#define EP_SLOTS (1u << 16)
#define EP_PROBES 8

static struct ep_fd *_Atomic ep_fds;
static struct ep_slot *_Atomic ep_slots;
/* Per epoll fd: a socket was added to it. */
static unsigned char ep_has_sock[ST_MAX_FDS];

/* A table mapped on first use (MAP_NORESERVE: only pages in use cost). */
static void *lazy_table(void *_Atomic *where, size_t size)
{
	void *t = atomic_load_explicit(where, memory_order_acquire), *none = NULL;

	if (t)
		return t;
	t = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	if (!atomic_compare_exchange_strong(where, &none, t)) {
		munmap(t, size);
		t = none;
	}
	return t;
}

static uint32_t ep_hash(int epfd, uint64_t data)
{
	uint64_t h = (data ^ ((uint64_t)(unsigned)epfd << 48)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 40) & (EP_SLOTS - 1);
}

static bool ep_is(const struct ep_fd *t, int fd, int epfd, uint64_t data)
{
	return (unsigned)fd < ST_MAX_FDS &&
	       atomic_load_explicit(&t[fd].epfd1, memory_order_relaxed) == epfd + 1 &&
	       atomic_load_explicit(&t[fd].data, memory_order_relaxed) == data;
}

/* epoll_ctl succeeded: remember what fd now is in epfd's set. */
static void ep_note(int epfd, int op, int fd, const struct epoll_event *e)
{
	struct ep_fd *t = lazy_table((void *_Atomic *)&ep_fds, sizeof(*t) * ST_MAX_FDS);
	struct ep_slot *sl;
	uint32_t h, k;

	if (!t || (unsigned)fd >= ST_MAX_FDS || (unsigned)epfd >= ST_MAX_FDS)
		return;
	if (op == EPOLL_CTL_DEL || !e) {
		atomic_store_explicit(&t[fd].epfd1, 0, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&t[fd].epfd1, 0, memory_order_relaxed);
	atomic_store_explicit(&t[fd].data, e->data.u64, memory_order_relaxed);
	atomic_store_explicit(&t[fd].events, e->events, memory_order_relaxed);
	atomic_store_explicit(&t[fd].epfd1, epfd + 1, memory_order_release);
	if (st_fd_known_socket(fd))
		ep_has_sock[epfd] = 1;
	/* data that is the fd itself needs no slot (see ep_entry). */
	if (e->data.u64 == (uint64_t)fd || (uint32_t)e->data.u64 == (uint32_t)fd)
		return;
	sl = lazy_table((void *_Atomic *)&ep_slots, sizeof(*sl) * EP_SLOTS);
	if (!sl)
		return;
	for (h = ep_hash(epfd, e->data.u64), k = 0; k < EP_PROBES; k++, h = (h + 1) & (EP_SLOTS - 1)) {
		int old = atomic_load_explicit(&sl[h].fd, memory_order_relaxed);
		uint64_t d = atomic_load_explicit(&sl[h].data, memory_order_relaxed);
		int ep1 = atomic_load_explicit(&sl[h].epfd1, memory_order_relaxed);

		/* A free slot, this key's, or one that no longer holds. */
		if (ep1 == 0 || (ep1 == epfd + 1 && d == e->data.u64) || !ep_is(t, old, ep1 - 1, d) ||
		    k == EP_PROBES - 1) {
			atomic_store_explicit(&sl[h].epfd1, 0, memory_order_relaxed);
			atomic_store_explicit(&sl[h].data, e->data.u64, memory_order_relaxed);
			atomic_store_explicit(&sl[h].fd, fd, memory_order_relaxed);
			atomic_store_explicit(&sl[h].epfd1, epfd + 1, memory_order_release);
			return;
		}
	}
}

/* ep_entry() when the event's data is not its fd: the (epoll fd, data)
 * table.  Out of line: the common case (data.fd) does without it. */
static __attribute__((noinline)) const struct ep_fd *
ep_entry_slot(const struct ep_fd *t, int epfd, uint64_t data, int *fdp)
{
	const struct ep_slot *sl = atomic_load_explicit(&ep_slots, memory_order_acquire);
	uint32_t h, k;

	if (!sl)
		return NULL;
	for (h = ep_hash(epfd, data), k = 0; k < EP_PROBES; k++, h = (h + 1) & (EP_SLOTS - 1)) {
		int fd = atomic_load_explicit(&sl[h].fd, memory_order_relaxed);

		if (atomic_load_explicit(&sl[h].epfd1, memory_order_acquire) == epfd + 1 &&
		    atomic_load_explicit(&sl[h].data, memory_order_relaxed) == data &&
		    ep_is(t, fd, epfd, data)) {
			*fdp = fd;
			return &t[fd];
		}
	}
	return NULL;
}

/* What epoll_ctl said of the fd of a ready event of epfd (t: ep_fds, not
 * NULL), and *fdp that fd; NULL when not known (*fdp then -1). */
static inline const struct ep_fd *ep_entry(const struct ep_fd *t, int epfd, uint64_t data,
					   int *fdp)
{
	const struct ep_fd *e;

	*fdp = (int)(uint32_t)data;
	if (ep_is(t, *fdp, epfd, data))
		return &t[*fdp];
	e = ep_entry_slot(t, epfd, data, fdp);
	if (!e)
		*fdp = -1;
	return e;
}

/* Whether a ready event of an epoll set with no socket added (that the
 * wrapper saw) is a socket's: only then is the wait logged. */
static bool ep_woke_socket(const struct ep_fd *t, int epfd, const struct epoll_event *evs,
			   int n)
{
	int i, fd;

	for (i = 0; t && i < n; i++)
		if (ep_entry(t, epfd, evs[i].data.u64, &fd) && st_fd_known_socket(fd))
			return true;
	return false;
}

/* An epoll wait's last step, right after the real call returned ret
 * (errno as the call left it): logged when its set holds a socket, or it
 * woke for one, with its ready fds found from their data.  The events are
 * read only as far as the kernel wrote them. */
static inline __attribute__((always_inline)) int
epoll_done(struct st_call *c, enum st_dcall dc, int epfd, int ret,
	   const struct epoll_event *evs, int64_t timeout_ms)
{
	const struct ep_fd *t;
	struct st_wait w;
	int i, n;

	st_call_done(c, ret < 0);
	if (__builtin_expect(ret < 0, 0) && c->err == EFAULT)
		return ret;
	t = atomic_load_explicit(&ep_fds, memory_order_acquire);
	n = ret > ST_WAIT_FDS_MAX ? ST_WAIT_FDS_MAX : ret > 0 ? ret : 0;
	if (!((unsigned)epfd < ST_MAX_FDS && ep_has_sock[epfd]) && !ep_woke_socket(t, epfd, evs, n))
		return ret;
	st_wait_open(&w, c, dc, ret, timeout_ms, -1, (uint32_t)n);
	for (i = 0; i < n; i++) {
		int fd = -1;
		const struct ep_fd *e = t ? ep_entry(t, epfd, evs[i].data.u64, &fd) : NULL;

		w.fds[i] = (struct st_frame_fd){ fd, e ? atomic_load_explicit(&e->events,
									 memory_order_relaxed) : 0,
						 evs[i].events };
	}
	st_wait_close(&w, c, ret);
	return ret;
}

ST_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct st_call c;
	int ret;

	if (st_untraced())
		return ST_PASS(epoll_ctl, SYS_epoll_ctl, epfd, op, fd, event);
	st_call_begin(&c, "epoll_ctl", fd);
	ret = st_real.epoll_ctl(epfd, op, fd, event);
	st_call_end(&c, ret < 0);
	/* *event is read only after the kernel read it (ADD, MOD). */
	if (ret == 0)
		ep_note(epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : event);
	if (st_fd_known_socket(fd)) {
		struct st_event ev;
		char item[96];

		st_event_begin(&ev, &c, ret);
		st_event_sock(&ev, fd, NULL);
		st_rec_int(&ev.rec, "fd2", epfd);
		st_rec_str(&ev.rec, "op", op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" :
			   op == EPOLL_CTL_DEL ? "DEL" : "?");
		if (ret == 0 && op != EPOLL_CTL_DEL && event) {
			item[st_poll_events(item, event->events)] = '\0';
			st_rec_str(&ev.rec, "events", item);
		}
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

ST_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	struct st_call c;

	if (st_untraced())
		return ST_REAL_OR(epoll_wait, (epfd, evs, max, timeout),
				  syscall(SYS_epoll_pwait, epfd, evs, max, timeout, NULL, 8));
	st_call_start(&c, "epoll_wait", epfd);
	return epoll_done(&c, ST_DC_EPOLL_WAIT, epfd, st_real.epoll_wait(epfd, evs, max, timeout),
			  evs, timeout);
}

ST_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
			  const sigset_t *mask)
{
	struct st_call c;

	if (st_untraced())
		return ST_REAL_OR(epoll_pwait, (epfd, evs, max, timeout, mask),
				  syscall(SYS_epoll_pwait, epfd, evs, max, timeout, mask, 8));
	st_call_start(&c, "epoll_pwait", epfd);
	return epoll_done(&c, ST_DC_EPOLL_PWAIT, epfd,
			  st_real.epoll_pwait(epfd, evs, max, timeout, mask), evs, timeout);
}

/* The timeout is read after the kernel read it: only when the call did
 * not fail (EFAULT may be the timeout's). */
ST_EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max,
			   const struct timespec *ts, const sigset_t *mask)
{
	struct st_call c;
	int ret;

	if (st_untraced())
		return ST_REAL_OR(epoll_pwait2, (epfd, evs, max, ts, mask),
				  syscall(SYS_epoll_pwait2, epfd, evs, max, ts, mask, 8));
	st_call_start(&c, "epoll_pwait2", epfd);
	ret = st_real.epoll_pwait2(epfd, evs, max, ts, mask);
	return epoll_done(&c, ST_DC_EPOLL_PWAIT2, epfd, ret, evs, ret >= 0 ? timespec_ms(ts) : -1);
}

/* ---- select ---- */

/* The ready fds of select's sets, as the kernel wrote them back (NULL:
 * none), below n: the first ST_WAIT_FDS_MAX into wf (wf->w.n of them), in
 * one pass that reads each word of a set once; whether one of them all is
 * a socket. */
static inline __attribute__((always_inline)) bool
sel_ready(const fd_set *r, const fd_set *w, const fd_set *x, int n, struct st_wait_fds *wf)
{
	enum { BITS = 8 * sizeof(unsigned long) };
	const unsigned long *rs = (const unsigned long *)(const void *)r,
			    *ws = (const unsigned long *)(const void *)w,
			    *xs = (const unsigned long *)(const void *)x;
	uint32_t k = 0;
	bool sock = false;
	int word;

	for (word = 0; word * BITS < n && (!sock || k < ST_WAIT_FDS_MAX); word++) {
		unsigned long rb = rs ? rs[word] : 0, wb = ws ? ws[word] : 0,
			      xb = xs ? xs[word] : 0, any = rb | wb | xb;

		if (n - word * BITS < BITS)
			any &= (1ul << (n - word * BITS)) - 1;
		for (; any; any &= any - 1) {
			int fd = word * BITS + __builtin_ctzl(any);
			unsigned long bit = any & -any;
			uint32_t ready = (rb & bit ? POLLIN : 0) | (wb & bit ? POLLOUT : 0) |
					 (xb & bit ? POLLPRI : 0);

			sock = sock || st_fd_known_socket(fd);
			if (k < ST_WAIT_FDS_MAX)
				wf->fds[k++] = (struct st_frame_fd){ fd, ready, ready };
		}
	}
	wf->w.n = k;
	return sock;
}

/* Whether an fd below n is a socket (for a timeout: it may have been
 * watched, what was asked is not read). */
static bool sel_any_socket(int n)
{
	int fd;

	for (fd = 0; fd < n; fd++)
		if (st_fd_known_socket(fd))
			return true;
	return false;
}

/* A select or pselect's last step, right after the real call returned ret
 * (errno as the call left it), from its sets as the kernel wrote them
 * back: the ready fds, logged when one is a socket, or for a timeout when
 * an fd below nfds is one. */
static inline __attribute__((always_inline)) int
select_done(struct st_call *c, enum st_dcall dc, int nfds, int ret, const fd_set *r,
	    const fd_set *w, const fd_set *x, int64_t timeout_ms)
{
	int n = nfds < FD_SETSIZE ? nfds : FD_SETSIZE;
	struct st_wait wt;
	uint32_t i;

	st_call_done(c, ret < 0);
	if (__builtin_expect(ret < 0, 0))
		return ret;
	/* How many fds are ready is known only once they are found, so they
	 * are found into wf, and copied into the frame. */
	wt.wf.w.n = 0;
	if (!(ret > 0 ? sel_ready(r, w, x, n, &wt.wf) : sel_any_socket(n)))
		return ret;
	st_wait_open(&wt, c, dc, ret, timeout_ms, nfds, wt.wf.w.n);
	for (i = 0; wt.fds != wt.wf.fds && i < wt.wf.w.n; i++)
		wt.fds[i] = wt.wf.fds[i];
	st_wait_close(&wt, c, ret);
	return ret;
}

ST_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	struct st_call c;

	if (st_untraced())
		return ST_PASS(select, SYS_select, nfds, r, w, x, tv);
	st_call_start(&c, "select", -1);
	/* Linux writes the time left back into *tv: the timeout asked for
	 * is not logged. */
	return select_done(&c, ST_DC_SELECT, nfds, st_real.select(nfds, r, w, x, tv), r, w, x,
			   -2);
}

ST_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *ts,
		      const sigset_t *mask)
{
	struct st_call c;
	int ret;

	if (st_untraced()) {
		/* The system call takes the mask with its size, and writes
		 * the time left back: a copy of the timeout, as libc does. */
		struct timespec left = ts ? *ts : (struct timespec){ 0, 0 };
		struct { const sigset_t *ss; size_t len; } sig = { mask, 8 };

		return ST_REAL_OR(pselect, (nfds, r, w, x, ts, mask),
				  syscall(SYS_pselect6, nfds, r, w, x, ts ? &left : NULL, &sig));
	}
	st_call_start(&c, "pselect", -1);
	ret = st_real.pselect(nfds, r, w, x, ts, mask);
	/* ts is read only after the kernel read it. */
	return select_done(&c, ST_DC_PSELECT, nfds, ret, r, w, x, ret >= 0 ? timespec_ms(ts) : -1);
}
