/*
 * event.h: turning one wrapped call into one log record.
 *
 * A wrapper times the real call with st_call_begin()/st_call_end(), then
 * builds the record: st_event_begin() writes the keys every record has,
 * st_event_sock() the five-tuple, the wrapper adds what is special to its
 * call with the st_rec_* functions on ev.rec, an optional payload is given
 * with st_event_datav() (its iovecs must stay valid until the emit), and
 * st_event_emit() writes it to the log.
 */
#ifndef ST_EVENT_H
#define ST_EVENT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "binlog.h"
#include "clock.h"
#include "fdtab.h"
#include "record.h"
#include "sink.h"
#include "state.h"

struct st_call {
	const char *name;
	int fd;
	int err;	/* errno after the call, 0 when it succeeded: what is logged */
	int errno_after;	/* errno after the call, always: what the caller gets back */
	int64_t t0, t1;
};

static inline void st_call_begin(struct st_call *c, const char *name, int fd)
{
	c->name = name;
	c->fd = fd;
	c->err = 0;
	c->errno_after = errno;
	c->t0 = st_now();
}

/* Call right after the real function, before anything can touch errno. */
static inline void st_call_end(struct st_call *c, bool failed)
{
	c->errno_after = errno;
	c->err = failed ? c->errno_after : 0;
	c->t1 = st_now();
}

/* st_call_begin() and st_call_end() for a wrapper whose record leaves
 * errno alone (st_event_io1(), st_wait_close()) and that touches it no
 * other way: errno is read only when the call failed, and the wrapper
 * returns with the kernel's errno untouched, no st_result(). */
static inline void st_call_start(struct st_call *c, const char *name, int fd)
{
	c->name = name;
	c->fd = fd;
	c->t0 = st_now();
}

static inline void st_call_done(struct st_call *c, bool failed)
{
	c->t1 = st_now();
	c->err = c->errno_after = failed ? errno : 0;
}

struct st_event {
	struct st_rec rec;
	const struct iovec *iov;	/* payload, if any */
	int iovcnt;
	size_t data_len;		/* bytes of payload to log */
	bool inline_data;		/* already encoded into buf */
	char buf[4096];
};

/* call, pid, tid, t, dur, fd (when >= 0), ret, errno (when failed). */
void st_event_begin(struct st_event *ev, const struct st_call *c, int64_t ret);
/* proto, local and peer of a socket fd from the fd table; a non-NULL
 * peer overrides the table's (a datagram's own address). */
void st_event_sock(struct st_event *ev, int fd, const char *peer);
/* How many payload bytes a record keeps of a call that returned ret with
 * these buffers: ret, cut to the payload setting (or to head, the bytes of
 * it in the socket's head kept in full, st_fd_head(), when more) and to
 * what the buffers hold; 0 when the call moved nothing or snippets are
 * off. */
size_t st_snippet_len(int64_t ret, size_t head, const struct iovec *iov, int iovcnt);
/* bytes and data: the first bytes of what was transferred (head as for
 * st_snippet_len). */
void st_event_datav(struct st_event *ev, const struct iovec *iov, int iovcnt,
		    int64_t transferred, size_t head);
/* Writes the record; the record is dropped quietly when it cannot be. */
void st_event_emit(struct st_event *ev);

/* The fast way for a plain data call on a socket with no address of its
 * own (a stream socket, or a connected datagram one): a DATA frame with the
 * five-tuple by number and the snippet as raw bytes (common/binlog.h).
 * The snippet is the first bytes of the iovecs, up to ret and the payload
 * setting.  arg is the call's MSG_* flags, or for sendfile the descriptor
 * read from.  Returns false, writing nothing, when the record needs the
 * JSON writer (a snippet larger than a DATA frame takes). */
bool st_event_data(const struct st_call *c, enum st_dcall dc, int64_t ret, int arg,
		   size_t head, const struct iovec *iov, int iovcnt);

/* The part of a WAIT frame (common/binlog.h) after its numbers, as the
 * wait wrappers fill it: nfds (-1 none), then w.n fds with their events
 * (at most ST_WAIT_FDS_MAX). */
struct st_wait_fds {
	struct st_frame_wait w;
	struct st_frame_fd fds[ST_WAIT_FDS_MAX];
};

/* The numbers of a DATA, OPT or WAIT frame's body. */
static inline void st_set_call(struct st_frame_data *d, const struct st_call *c, int64_t ret,
			       int arg, uint32_t tuple)
{
	d->pid = st_pid;
	d->tid = st_gettid();
	d->t = c->t0;
	d->dur = c->t1 > c->t0 ? c->t1 - c->t0 : 0;
	d->ret = ret;
	d->fd = c->fd;
	d->tuple = tuple;
	d->err = c->err;
	d->arg = arg;
}

/* After a record: a calibration pair when one is due, errno kept. */
static inline void st_tick_keep_errno(int64_t now)
{
	if (__builtin_expect(st_clk.tsc && (uint64_t)now >= __atomic_load_n(&st_clk.next,
									__ATOMIC_RELAXED), 0)) {
		int saved = errno;

		st_clock_due((uint64_t)now);
		errno = saved;
	}
}

/* st_wait_close() when the fast way could not take the frame f (the log
 * not open yet, no room at once, a socket's five-tuple to name): the
 * reserving way, errno kept. */
void st_event_wait_slow(const struct st_call *c, const struct st_frame *f, int64_t ret,
			int32_t arg, const struct st_wait_fds *wf, size_t tail);

/* A WAIT frame's arg: the timeout in ms (-1 none, below -1 not logged). */
static inline int32_t st_wait_arg(int64_t timeout_ms)
{
	if (timeout_ms > INT32_MAX)
		timeout_ms = INT32_MAX;
	return timeout_ms < -1 ? ST_WAIT_NO_TIMEOUT : (int32_t)timeout_ms;
}

/*
 * A WAIT frame, for poll, select and the epoll waits, written in place by
 * a wrapper that knows, before it fills in the fds, that it logs the call
 * and how many fds it names (nfds: -1 none; timeout_ms: -1 none, below -1
 * not logged):
 *
 *	st_wait_open(&w, &c, dc, ret, timeout_ms, nfds, n);
 *	for (i = 0; i < w.wf.w.n; i++)
 *		w.fds[i] = ...;
 *	st_wait_close(&w, &c, ret);
 *
 * The fast way claims the frame's room in the ring and writes its numbers
 * there at once, so the fds go straight into the ring, with no copy (the
 * claim is held only while they are filled in: no system call, no wait);
 * else fds points into wf, for the slow way.  Leaves errno alone.
 */
struct st_wait {
	struct st_frame f;
	uint64_t at;			/* the claimed frame's log offset */
	struct st_frame_fd *fds;	/* where the fds go: wf.fds unless claimed */
	int32_t arg;
	struct st_wait_fds wf;		/* the slow way's body: wf.w.n says n */
};

static inline __attribute__((always_inline)) void
st_wait_open(struct st_wait *w, const struct st_call *c, enum st_dcall dc, int64_t ret,
	     int64_t timeout_ms, int32_t nfds, uint32_t n)
{
	unsigned char *p;

	if (n > ST_WAIT_FDS_MAX)
		n = ST_WAIT_FDS_MAX;
	w->arg = st_wait_arg(timeout_ms);
	w->wf.w = (struct st_frame_wait){ nfds, n };
	w->f = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_WAIT, (uint16_t)dc,
				  (uint32_t)(sizeof(struct st_frame_data) + sizeof(w->wf.w) +
					     n * sizeof(w->wf.fds[0])) };
	w->fds = w->wf.fds;
#ifdef ST_TIME_ONLY
	return;	/* the benchmark's cost floor: no record */
#endif
	/* A wait on a socket itself (which fails: a wait that returned is on
	 * an epoll fd, or none) names its five-tuple: the slow way. */
	if (__builtin_expect(ret < 0 && st_fd_known_socket(c->fd), 0))
		return;
	p = st_sink_claim(&w->f, &w->at);
	if (__builtin_expect(p != NULL, 1)) {
		struct st_frame_data *d = (struct st_frame_data *)(void *)(p + sizeof(w->f));
		struct st_frame_wait *fw = (struct st_frame_wait *)(void *)(d + 1);

		st_set_call(d, c, ret, w->arg, 0);
		*fw = w->wf.w;
		w->fds = (struct st_frame_fd *)(void *)(fw + 1);
	}
}

static inline __attribute__((always_inline)) void
st_wait_close(struct st_wait *w, const struct st_call *c, int64_t ret)
{
#ifdef ST_TIME_ONLY
	return;	/* the benchmark's cost floor: no record */
#endif
	if (__builtin_expect(w->fds != w->wf.fds, 1))
		st_sink_publish(w->at, &w->f);
	else
		st_event_wait_slow(c, &w->f, ret, w->arg, &w->wf,
				   w->f.len - sizeof(struct st_frame_data));
	st_tick_keep_errno(c->t1);
}

/* st_event_data() for a data call on fd with no address of its own, with
 * the head of its direction counted here (none for a MSG_PEEK receive;
 * in: a receive), in the same look-up of the fd as its five-tuple: *head
 * gets it, for the JSON writer when this returns false. */
bool st_event_io(const struct st_call *c, enum st_dcall dc, int64_t ret, int flags, bool in,
		 const struct iovec *iov, int iovcnt, size_t *head);

/* The record of a plain data call on fd, the common case made short:
 * the call was timed from c->t0 and returned ret; buf is its one buffer,
 * of which the kernel used the first used bytes; no address of its own.
 * Takes the end time (c->t1), counts the head, writes the DATA frame
 * (the slow ways too), and leaves errno alone.  Returns false, nothing
 * written, when the snippet is too large for a DATA frame: then c is
 * filled for the JSON writer and *head is the bytes of the head. */
bool st_event_io1(struct st_call *c, enum st_dcall dc, int fd, int flags, int64_t ret,
		  const void *buf, size_t used, size_t *head);

/* A setsockopt call, as an OPT frame: the level, the option and, when
 * has_val, the int value set. */
void st_event_opt(const struct st_call *c, int64_t ret, int level, int opt, bool has_val,
		  int val);

#endif
