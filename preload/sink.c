/*
 * sink.c: the log file of this process image, and the staging ring its
 * frames pass through (common/binlog.h, "The staging ring").
 *
 * A writer reserves room for a whole frame with one compare-and-swap on the
 * log offset, copies the frame into the ring (a shared file mapping, so it
 * survives SIGKILL) and stores its 8-byte head last: a frame whose head is
 * there is complete.  No lock and no system call per record.  When 64 KiB
 * of the ring are in use, the writer that notices takes a try-lock and
 * copies the complete frames at the front into the log file with pwrite()
 * (the kernel's copy into new page-cache pages is some ten times cheaper
 * than a program's first store to a new page of a mapping on the virtual
 * machines we measured), clears that part of the ring and advances the
 * flushed offset.  A frame too big for the ring goes into the log file
 * directly, and only its head through the ring, marked so the copier
 * leaves the file's bytes alone.
 *
 * The try-lock holds its owner's tid, so a signal handler that interrupts
 * the owner and wants to log never waits on itself.  A writer that finds
 * the ring full helps copy, yields, and after a bounded wait drops its
 * record and counts it in the ring's head.
 *
 * The library keeps one descriptor of the log, moved high (over the fd
 * limit, or at 1000 past a limit of 65536) and close-on-exec, used only to
 * copy out; when it could only go under the limit, the program gets it at
 * EMFILE (st_sink_give_slot(): the launcher copies the ring from then on,
 * or, bare, tracing stops).  Its
 * identity (device and inode) is checked before each use: a program that
 * closes every fd, or dup2()s something over ours, makes us open the file
 * again by path, and what now has that number is left alone.  A process
 * that exits normally copies everything and removes its ring; a killed one
 * leaves it, and readers lay it over the log (st_binlog_join()).
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "binlog.h"
#include "broker.h"
#include "clock.h"
#include "header.h"
#include "real.h"
#include "state.h"

/* The ring is small so that it stays in the CPU's caches: the lines a
 * record goes into were last touched (cleared) a quarter of a megabyte
 * ago.  With a 1 MiB ring and copies every 64 KiB, a one-CPU ping-pong
 * paid about 3% more per round trip (docs/design.md). */
#define RING_SHIFT 18				/* a 256 KiB ring */
#define RING_CAP ((uint64_t)1 << RING_SHIFT)
#define RING_MASK (RING_CAP - 1)
/* Ring bytes in use before a copy.  Each copy has a cost of its own
 * besides its bytes (the system calls, the file system's per-write work):
 * at 64 KiB the socketpair loop took 1.309x untraced against 1.330x at
 * 32 KiB (31 interleaved rounds); 128 KiB was no better than 64. */
#define FLUSH_AT ((uint64_t)64 << 10)
/* The file is written in aligned blocks of this size: the page cache
 * then takes each in one large folio, not page by page (64 KiB written
 * at a 64 KiB boundary took 19 to 20 ns per 104 bytes in a stand-alone
 * test, at a page boundary 23 to 30; the socketpair loop 1.302x untraced
 * against 1.283x with it, 31 interleaved rounds). */
#define COPY_ALIGN ((uint64_t)64 << 10)
/* The log file's blocks are allocated ahead of the copying, this much at
 * a time (fallocate(), the file's size kept): on ext4, 32 KiB copies into
 * blocks allocated so took 21 to 22 ns per 120-byte record, against 30 to
 * 39 without (no delayed-allocation bookkeeping per page).  What is not
 * used is given back at the end (trim_ahead()). */
#define ALLOC_AHEAD RING_CAP
#define DIRECT_MIN (RING_CAP / 4)		/* frames this big bypass the ring */
/* How long a writer waits for room while the copying makes no progress,
 * before it drops its record; at exit, how long the last copy waits. */
#define WAIT_NS 1000000000LL
#define WAIT_EXIT_NS 100000000LL
/* In the ring's copy of a direct TEXT frame's head (common/binlog.h). */
#define AUX_DIRECT ST_RING_AUX_DIRECT
/* The STOP frame written after the header (common/binlog.h). */
#define STOP_SIZE (sizeof(struct st_frame) + sizeof(struct st_frame_stop))

enum { SINK_CLOSED, SINK_OPENING, SINK_OPEN, SINK_BROKEN, SINK_SHUT };

static struct {
	_Atomic uint64_t off;		/* next free log offset */
	_Atomic uint64_t flushed;	/* log offsets below it are in the file */
	_Atomic int state;
	_Atomic pid_t lock;		/* tid opening or copying out, 0 when none */
	/* Bumped for every file opened, in this process or (through fork)
	 * its ancestors: which TUPLE frames a file has had (fdtab.c). */
	_Atomic uint32_t gen;
	struct st_ring_head *ring;	/* the ring file's mapping, or NULL */
	unsigned char *data;		/* its data: RING_CAP bytes */
	bool ring_linked;		/* the ring file still has its name */
	uint64_t stop_off;		/* log offset of the STOP frame */
	/* The end of what the file has: flushed, or past it up to a block
	 * boundary inside the frame at flushed (see flush()); under the
	 * lock. */
	uint64_t written;
	/* The file's blocks are allocated up to here (alloc_ahead()), or
	 * UINT64_MAX once the file system said no; under the lock. */
	uint64_t allocated;
	/* Frames the file holds whole end here (a frame boundary <= flushed):
	 * where a stop cuts the file.  Under the lock. */
	uint64_t whole;
	/* PAD frames flush() passed whose heads the file has not got yet (a
	 * direct frame that could not be written, a stretch reserved after a
	 * stop): adjacent ones merged into one, written when the file gets a
	 * frame after it, so the readers skip its body.  Under the lock. */
	bool pad_pending;
	uint64_t pad_at;
	uint64_t pad_len;
	int given_ring;			/* the ring file the launcher made, or -1 */
	/* The launcher copies the ring out: we hold no descriptor of the
	 * log (st_sink_give_slot()). */
	_Atomic bool handed;
	/* Direct frames holding our descriptor (struct st_span's fd): while
	 * any does, the descriptor is not moved nor closed. */
	_Atomic int direct_n;
	/* The flushed offset at which a wait for room last gave up: while
	 * the copying has not moved past it, writers drop at once. */
	_Atomic uint64_t stalled_at;
	char path[PATH_MAX];
	char ring_path[PATH_MAX + 8];
} sk = { .given_ring = -1 };

/* Our descriptor of the log and what it must point at. */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
} lf = { -1, 0, 0 };

/* Above this soft limit, our descriptor goes to HIGH_FD_FLOOR rather than
 * over the limit: a descriptor at N makes the kernel's table of this
 * process hold N entries (8 bytes each). */
#define HIGH_FD_MAX 65536
#define HIGH_FD_FLOOR 1000
/* Numbers over the soft limit tried for our descriptor. */
#define HIGH_FD_SPARE 16

/* RLIMIT_NOFILE set (when set is not NULL) and got (when get is not): the
 * real prlimit(), not our wrapper (wrap_proc.c), which calls us. */
static int nofile(const struct rlimit *set, struct rlimit *get)
{
	if (st_real.prlimit)
		return st_real.prlimit(0, RLIMIT_NOFILE, set, get);
	return (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, set, get);
}

/* The soft limit raised by HIGH_FD_SPARE (the hard one too when it must
 * be, which takes CAP_SYS_RESOURCE), then fd duplicated over the old one,
 * then the limits put back as they were. */
static int dup_over_limit(int fd, const struct rlimit *rl)
{
	struct rlimit up;
	int hi;

	up.rlim_cur = rl->rlim_cur + HIGH_FD_SPARE;
	up.rlim_max = rl->rlim_max != RLIM_INFINITY && rl->rlim_max < up.rlim_cur ? up.rlim_cur
										     : rl->rlim_max;
	if (nofile(&up, NULL) != 0)
		return -1;
	hi = st_real.fcntl(fd, F_DUPFD_CLOEXEC, (int)rl->rlim_cur);
	nofile(rl, NULL);
	return hi;
}

/*
 * A copy of fd over the soft limit of descriptors, where none of the
 * program's can be: the program gets every number it would get untraced,
 * and EMFILE at the same count, and a dup2() or fcntl() of its onto that
 * number fails as it would untraced; getrlimit() shows it its own values,
 * and the descriptor stays valid when the program lowers the limit.
 * Where that cannot be (soft = hard and no CAP_SYS_RESOURCE), the highest
 * number under the limit: the program then meets EMFILE one descriptor
 * early.  (Holding none and opening the file for each copy was tried: a
 * program that dup2()s onto free numbers, as daemons do with 0-2, can
 * put its own file on the number we opened, and we would close it.)
 * Returns the copy, or -1 when fd stays where it is.
 */
static int move_high(int fd)
{
	struct rlimit rl;
	int hi;

	if (nofile(NULL, &rl) != 0)
		return -1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > HIGH_FD_MAX)
		return st_real.fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD_FLOOR);
	hi = dup_over_limit(fd, &rl);
	if (hi < 0 && rl.rlim_cur > 3)
		hi = st_real.fcntl(fd, F_DUPFD_CLOEXEC, (int)rl.rlim_cur - 1);
	return hi;
}

/* Makes fd (just opened, low) our descriptor of the log: moved high,
 * identity noted. */
static int keep_fd(int fd)
{
	struct stat sb;
	int hi = move_high(fd);

	if (hi >= 0) {
		st_real.close(fd);
		fd = hi;
	}
	if (fstat(fd, &sb) != 0) {
		st_real.close(fd);
		return -1;
	}
	lf.fd = fd;
	lf.dev = sb.st_dev;
	lf.ino = sb.st_ino;
	return fd;
}

static bool fd_is_ours(void)
{
	struct stat sb;

	return lf.fd >= 0 && fstat(lf.fd, &sb) == 0 && sb.st_dev == lf.dev && sb.st_ino == lf.ino;
}

/* Our descriptor of the log, opened again by path if the program took it
 * (and checked to be the file we made); caller holds the lock. */
static int open_file(void)
{
	struct stat sb;
	int fd;

	if (fd_is_ours())
		return lf.fd;
	lf.fd = -1;	/* closed, or another file has the number: not ours */
	/* Handed over: opening by path could race a program's dup2() onto
	 * the number we would get (sink.c's head). */
	if (atomic_load(&sk.handed)) {
		errno = EBADF;
		return -1;
	}
	fd = open(sk.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || sb.st_dev != lf.dev || sb.st_ino != lf.ino) {
		st_real.close(fd);
		errno = ESTALE;
		return -1;
	}
	return keep_fd(fd);
}

bool st_sink_holds(int fd)
{
	return fd >= 0 && fd == lf.fd && fd_is_ours();
}

int st_sink_fd(void)
{
	return fd_is_ours() ? lf.fd : -1;
}

/* Takes the growth lock; false when this very thread holds it already. */
static bool take_lock(void)
{
	pid_t me = st_gettid();

	for (;;) {
		pid_t none = 0;

		if (atomic_compare_exchange_weak(&sk.lock, &none, me))
			return true;
		if (none == me)
			return false;
		sched_yield();
	}
}

static void drop_lock(void)
{
	atomic_store(&sk.lock, 0);
}

/* Whether a name is taken: anything there, a dangling symlink included.
 * A folder we may not search (after a privilege drop) hides it: then the
 * launcher, which makes the file for us, checks. */
static bool name_taken(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 || (errno != ENOENT && errno != EACCES);
}

/* Creates <dir>/<pid>.stlog, or <pid>-N.stlog when taken: the name, its
 * ring's name (<name>.ring) and its JSON name (<pid>[-N].jsonl, what the
 * launcher turns it into) must all be free, so a file or symlink someone
 * put at any of them only moves us on to the next N.  Returns the fd. */
static int create_file(void)
{
	char name[64];
	size_t dl = strlen(st_cfg.dir), pl;
	int n, fd;

	if (dl + sizeof(name) + 8 >= sizeof(sk.path))
		return -1;
	for (n = 0; n < 1000; n++) {
		st_log_file_name(name, st_pid, n);
		memcpy(sk.path, st_cfg.dir, dl);
		sk.path[dl] = '/';
		strcpy(sk.path + dl + 1, name);
		pl = strlen(sk.path);
		memcpy(sk.path + pl - 6, ".jsonl", 7);
		if (name_taken(sk.path))
			continue;
		memcpy(sk.path + pl - 6, ".stlog.ring", 12);
		if (name_taken(sk.path))
			continue;
		sk.path[pl] = '\0';
		fd = open(sk.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		/* Not ours to make (a process that dropped its privileges):
		 * the launcher makes it, and its ring, when it runs us. */
		if (fd < 0 && (errno == EACCES || errno == EPERM) && st_cfg.broker[0])
			fd = st_broker_create(name, &sk.given_ring);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Writes n bytes at file offset off, whole; false on an error.  *reached
 * follows the writing: the file has the bytes from off up to it. */
static bool put_file_upto(int fd, const void *p, size_t n, uint64_t off, uint64_t *reached)
{
	const char *c = p;

	if (fd < 0)
		return false;
	while (n) {
		ssize_t k = pwrite(fd, c, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
		*reached = off;
	}
	return true;
}

static bool put_file(int fd, const void *p, size_t n, uint64_t off)
{
	uint64_t reached;

	return put_file_upto(fd, p, n, off, &reached);
}

/* The log file's blocks allocated ALLOC_AHEAD past to, when fewer than
 * half that are; caller holds the lock. */
static void alloc_ahead(int fd, uint64_t to)
{
	uint64_t start = sk.allocated > to ? sk.allocated : to;

	if (sk.allocated == UINT64_MAX || to + ALLOC_AHEAD / 2 <= sk.allocated)
		return;
	/* A file system that cannot (or a full disk): not again. */
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)start, (off_t)ALLOC_AHEAD) == 0)
		sk.allocated = start + ALLOC_AHEAD;
	else
		sk.allocated = UINT64_MAX;
}

/* Copies the ring's bytes for log offsets [from, to) (to - from <=
 * RING_CAP, so at most two stretches of the data area) into the log file,
 * at the same offsets, less what the file has already (below
 * sk.written), then clears [from, clear) from the ring (clear <= to).
 * *fd is our descriptor, looked up (and checked) on first need.  Caller
 * holds the lock. */
static bool copy_out(int *fd, uint64_t from, uint64_t to, uint64_t clear)
{
	uint64_t s = from > sk.written ? from : sk.written, at, n, first;

	if (to > s) {
		at = s & RING_MASK;
		n = to - s;
		first = n < RING_CAP - at ? n : RING_CAP - at;
		if (*fd < 0 && (*fd = open_file()) < 0)
			return false;
		/* A failed copy leaves written where the file's bytes end. */
		if (!put_file_upto(*fd, sk.data + at, first, s, &sk.written) ||
		    !put_file_upto(*fd, sk.data, n - first, s + first, &sk.written))
			return false;
		alloc_ahead(*fd, to);
	}
	at = from & RING_MASK;
	n = clear > from ? clear - from : 0;
	first = n < RING_CAP - at ? n : RING_CAP - at;
	memset(sk.data + at, 0, first);
	memset(sk.data, 0, n - first);
	return true;
}

static _Atomic uint64_t *ring_word(uint64_t off)
{
	return (_Atomic uint64_t *)(void *)(sk.data + (off & RING_MASK));
}

/* Takes the lock if no one holds it. */
static bool try_lock(void)
{
	pid_t none = 0;

	return atomic_compare_exchange_strong(&sk.lock, &none, st_gettid());
}

static void stop_frame(unsigned char *buf, uint32_t why, int err);

/* The file holds whole frames up to upto: a pending PAD before it gets its
 * head now.  Caller holds the lock. */
static bool settle(int *fd, uint64_t upto)
{
	if (sk.pad_pending) {
		struct st_frame h = { ST_FRAME_MARK, ST_FRAME_PAD, 0, (uint32_t)sk.pad_len };

		if (*fd < 0 && (*fd = open_file()) < 0)
			return false;
		if (!put_file(*fd, &h, sizeof(h), sk.pad_at))
			return false;
		sk.pad_pending = false;
	}
	if (upto > sk.whole)
		sk.whole = upto;
	return true;
}

/* flush() passed a PAD frame at off: its head goes to the file later
 * (settle()), merged with one right before it when it can be. */
static bool pad_passed(int *fd, uint64_t off, uint32_t len)
{
	if (sk.pad_pending && sk.pad_at + st_frame_size(sk.pad_len) == off &&
	    st_frame_size(sk.pad_len) + st_frame_size(len) - 8 <= UINT32_MAX) {
		sk.pad_len = st_frame_size(sk.pad_len) + st_frame_size(len) - 8;
		return true;
	}
	if (sk.pad_pending && !settle(fd, sk.whole))
		return false;
	sk.pad_pending = true;
	sk.pad_at = off;
	sk.pad_len = len;
	return true;
}

/* flush() meets the head of a frame whose bytes are in the file already
 * (a direct frame) or that has none (PAD): the ring holds only this head.
 * What is before it is copied, the head cleared.  Out of line, and given
 * the head's fields rather than the head: rare, and the walk over the
 * other frames keeps its registers (callgrind: 2 instructions per
 * record less than with the same code inline). */
static __attribute__((noinline)) bool pass_head(int *fd, uint64_t run, uint64_t p, uint8_t kind,
						uint32_t len)
{
	if (!copy_out(fd, run, p, p) || (p > run && !settle(fd, p)))
		return false;
	if (!(kind == ST_FRAME_PAD ? pad_passed(fd, p, len) : settle(fd, p + st_frame_size(len))))
		return false;
	atomic_store_explicit(ring_word(p), 0, memory_order_relaxed);
	return true;
}

/* A copy of the frames from run on failed part way (a full disk): those
 * the file got whole (up to sk.written) are the file's, so a stop keeps
 * them (cut_tail()).  Not past a PAD whose head the file has not got.
 * Caller holds the lock. */
static void keep_whole(uint64_t run)
{
	uint64_t p = run;

	if (sk.pad_pending)
		return;
	while (p < sk.written) {
		uint64_t w = atomic_load_explicit(ring_word(p), memory_order_relaxed);
		struct st_frame f;

		memcpy(&f, &w, sizeof(f));
		if (w == 0 || p + st_frame_size(f.len) > sk.written)
			break;
		p += st_frame_size(f.len);
	}
	if (p > sk.whole)
		sk.whole = p;
}

/* Handed over: the launcher copies the ring out and advances the ring's
 * flushed offset; ours follows it.  Whether it moved. */
static bool flushed_by_launcher(void)
{
	uint64_t fl = __atomic_load_n(&sk.ring->flushed, __ATOMIC_ACQUIRE);

	if (fl <= atomic_load(&sk.flushed) || fl > atomic_load(&sk.off))
		return false;
	atomic_store_explicit(&sk.flushed, fl, memory_order_release);
	return true;
}

/*
 * The log cannot be written any more (err: ENOSPC for a full disk), or
 * our descriptor is gone and the file cannot be opened again: tracing
 * stops, with one line on stderr and a mark in the log where the readers
 * see it.  When the descriptor is there, the STOP frame after the header
 * is rewritten in place (pages the file has already, so a full disk takes
 * it); else the mark goes into the ring, as the log's next frame, when the
 * ring is a file with room.  What is in the ring stays there for readers;
 * from now on records are dropped rather than waited for.  Caller holds
 * the lock.
 */
/* After a stop: the file ends with the last frame it holds whole (a
 * copy the disk cut short leaves a torn frame at the end; a direct frame
 * may have been written past a hole); never made longer. */
static void cut_tail(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size > sk.whole)
		(void)!ftruncate(fd, (off_t)sk.whole);
	/* PADs the copying passed (flushed is past them, and the ring says
	 * so to readers): the file gets their head and their length, as a
	 * hole (no page of the disk), so it ends where flushed says. */
	if (sk.pad_pending && sk.pad_at == sk.whole) {
		struct st_frame h = { ST_FRAME_MARK, ST_FRAME_PAD, 0, (uint32_t)sk.pad_len };

		if (put_file(fd, &h, sizeof(h), sk.pad_at))
			(void)!ftruncate(fd, (off_t)(sk.pad_at + st_frame_size(sk.pad_len)));
	}
}

static void stop_as(uint32_t why, int err, const char *what, const char *hint)
{
	unsigned char f[STOP_SIZE];

	stop_frame(f, why, err);
	if (lf.fd >= 0) {
		/* A copy the disk cut short leaves a torn frame at the end of
		 * the file: cut it off (what it held stays in the ring); if
		 * that fails too, readers skip the tail as corrupt. */
		put_file(lf.fd, f, sizeof(f), sk.stop_off);
	} else if (sk.ring_linked) {
		uint64_t o = atomic_load(&sk.off);

		while (o + sizeof(f) - atomic_load(&sk.flushed) <= RING_CAP &&
		       (o & RING_MASK) + sizeof(f) <= RING_CAP) {
			if (atomic_compare_exchange_weak(&sk.off, &o, o + sizeof(f))) {
				struct st_frame head;

				memcpy(&head, f, sizeof(head));
				memcpy(sk.data + (o & RING_MASK) + sizeof(head), f + sizeof(head),
				       sizeof(f) - sizeof(head));
				st_sink_publish(o, &head);
				break;
			}
		}
	}
	st_warn_hint(what, sk.path, err, hint);
	atomic_store(&sk.state, SINK_BROKEN);
	/* A direct frame still being written cuts it when it ends. */
	if (lf.fd >= 0 && atomic_load(&sk.direct_n) == 0)
		cut_tail(lf.fd);
}

static void stop_tracing(int err)
{
	if (lf.fd >= 0)
		stop_as(ST_STOP_WRITE, err, "cannot write the log file", "");
	else
		stop_as(ST_STOP_REOPEN, err, "cannot open the log file again", "");
}

/*
 * Copies the complete frames at the front of the ring into the log file,
 * clears them from the ring and advances the flushed offset; returns
 * whether it advanced.  The order matters to readers of a killed process's
 * ring: the file has the bytes before the ring loses them, and the ring has
 * lost them before flushed says so (st_binlog_join() lays non-zero ring
 * words over the file, so a stretch in both is still read once).
 */
static bool flush(void)
{
	uint64_t from, p, end, run, q;
	int saved, fd = -1;
	bool ok = true;

	if (__builtin_expect(atomic_load_explicit(&sk.handed, memory_order_relaxed), 0))
		return flushed_by_launcher();
	/* Nothing complete at the front (a frame still being written): no
	 * lock, no system call, however often writers ask. */
	if (!sk.data ||
	    atomic_load_explicit(ring_word(atomic_load(&sk.flushed)), memory_order_acquire) == 0 ||
	    !try_lock())
		return false;
	saved = errno;
	from = run = p = q = atomic_load(&sk.flushed);
	end = atomic_load(&sk.off);
	/* Copying in blocks (below), the walk stops at the frame that holds
	 * the last block boundary: the frames after it wait for the next
	 * copy, and would only be walked twice. */
	if (atomic_load(&sk.state) == SINK_OPEN && sk.ring_linked &&
	    (end & ~(COPY_ALIGN - 1)) > from)
		end &= ~(COPY_ALIGN - 1);
	while (ok && p < end) {
		uint64_t w = atomic_load_explicit(ring_word(p), memory_order_acquire);
		struct st_frame f;
		uint64_t size;

		if (w == 0)
			break;	/* reserved, not yet written */
		memcpy(&f, &w, sizeof(f));
		size = st_frame_size(f.len);
		/* The last frame boundary at or before the last block
		 * boundary met (see below). */
		if (((p + size) & (COPY_ALIGN - 1)) == 0)
			q = p + size;
		else if (((p + size) & ~(COPY_ALIGN - 1)) >= p)
			q = p;
		if (__builtin_expect((f.kind == ST_FRAME_TEXT && f.aux == AUX_DIRECT) ||
				     f.kind == ST_FRAME_PAD, 0)) {
			ok = pass_head(&fd, run, p, f.kind, f.len);
			if (ok)
				run = p + size;
		}
		p += size;
	}
	if (ok && p > run) {
		/* While the log is open, the file gets whole blocks: up to the
		 * last COPY_ALIGN boundary, even inside a frame (on ext4, 32
		 * KiB written from and to page boundaries took 29 ns per
		 * 120-byte record, from and to frame boundaries 48).  The
		 * frame the boundary cuts stays in the ring (flushed is its
		 * start) and the rest of it goes to the file next time.  Not
		 * with a ring in memory only: then the file alone must end on
		 * a frame. */
		uint64_t cut = p & ~(COPY_ALIGN - 1);

		if (atomic_load(&sk.state) == SINK_OPEN && sk.ring_linked && cut > run) {
			if (q < run)
				q = run;
			ok = copy_out(&fd, run, cut, q);
			p = q;
		} else {
			ok = copy_out(&fd, run, p, p);
		}
		if (!ok)
			keep_whole(run);
		if (ok && p > run)
			ok = settle(&fd, p);
		if (ok)
			run = p;
	}
	if (run > from) {
		atomic_store_explicit(&sk.flushed, run, memory_order_release);
		__atomic_store_n(&sk.ring->flushed, run, __ATOMIC_RELEASE);
		st_clock_copied();
	}
	if (!ok)
		stop_tracing(errno);
	atomic_store(&sk.lock, 0);
	errno = saved;
	return run > from;
}

/* The ring's pages in memory only: what a killed process had not copied
 * out is lost, but no store into it can fault. */
static void *anon_ring(void)
{
	void *p = mmap(NULL, ST_RING_DATA_OFF + RING_CAP, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The ring file next to the log, its pages allocated on the disk before
 * the first store (a store into a page of a shared file mapping that the
 * file system cannot back is a SIGBUS), mapped; NULL when it cannot be. */
static void *file_ring(void)
{
	void *p;
	int fd;

	fd = sk.given_ring;
	sk.given_ring = -1;
	if (fd < 0)
		fd = open(sk.ring_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	p = MAP_FAILED;
	if (posix_fallocate(fd, 0, (off_t)(ST_RING_DATA_OFF + RING_CAP)) == 0)
		p = mmap(NULL, ST_RING_DATA_OFF + RING_CAP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	st_real.close(fd);
	if (p == MAP_FAILED) {
		unlink(sk.ring_path);
		return NULL;
	}
	return p;
}

/* Makes the ring: a file next to the log when the disk has room for it,
 * else memory (records then reach the log as the copying goes, and a
 * full disk stops them there, see flush()). */
static bool make_ring(uint64_t start)
{
	void *p;

	memcpy(sk.ring_path, sk.path, strlen(sk.path));
	strcpy(sk.ring_path + strlen(sk.path), ".ring");
	p = file_ring();
	sk.ring_linked = p != NULL;
	if (!p && !(p = anon_ring()))
		return false;
	sk.ring = p;
	sk.data = (unsigned char *)p + ST_RING_DATA_OFF;
	sk.ring->cap = RING_CAP;
	sk.ring->flushed = start;
	sk.ring->dropped = 0;
	memcpy(sk.ring->magic, ST_RING_MAGIC, sizeof(sk.ring->magic));
	return true;
}

/* A STOP frame saying why, with this process's pid. */
static void stop_frame(unsigned char *buf, uint32_t why, int err)
{
	struct st_frame f = { ST_FRAME_MARK, ST_FRAME_STOP, 0, sizeof(struct st_frame_stop) };
	struct st_frame_stop x = { st_pid, why, err, 0 };

	memcpy(buf, &f, sizeof(f));
	memcpy(buf + sizeof(f), &x, sizeof(x));
}

/* Opens the log, writes its magic, header and STOP frame and makes the
 * ring; called by the one thread that moved the state from CLOSED to
 * OPENING. */
static void open_log(void)
{
	static unsigned char head[ST_BINLOG_MAGIC_LEN + 8 + 16384 + STOP_SIZE + ST_CLOCK_FRAME_SIZE];	/* under the lock */
	uint64_t start = ST_BINLOG_MAGIC_LEN;
	long hl;
	int fd;

	fd = create_file();
	if (fd >= 0)
		fd = keep_fd(fd);
	if (fd < 0) {
		int err = errno;

		if (sk.given_ring >= 0) {
			st_real.close(sk.given_ring);
			sk.given_ring = -1;
		}
		/* One line that says what to do: the usual reason is a process
		 * that dropped its privileges before it made its log. */
		st_warn_hint("cannot create a log file in", st_cfg.dir, err,
			     err == EACCES || err == EPERM ? st_drop_hint() : "");
		atomic_store(&sk.state, SINK_BROKEN);
		return;
	}
	/* The magic, then the header line as the first TEXT frame, then the
	 * STOP frame, straight into the file. */
	memcpy(head, ST_BINLOG_MAGIC, ST_BINLOG_MAGIC_LEN);
	hl = st_build_header((char *)head + start + 8,
			     sizeof(head) - STOP_SIZE - ST_CLOCK_FRAME_SIZE - start - 8);
	if (hl > 0) {
		struct st_frame f = { ST_FRAME_MARK, ST_FRAME_TEXT, 0, (uint32_t)hl };

		memcpy(head + start, &f, sizeof(f));
		memset(head + start + 8 + hl, 0, st_frame_size((uint64_t)hl) - 8 - (uint64_t)hl);
		start += st_frame_size((uint64_t)hl);
	}
	sk.stop_off = start;
	stop_frame(head + start, ST_STOP_NONE, 0);
	start += STOP_SIZE;
	/* The first calibration pair, when times are counter ticks. */
	start += st_clock_start(head + start);
	if (!put_file(fd, head, start, 0) || !make_ring(start)) {
		int err = errno;

		/* Nothing of it could be read: no file rather than a broken one. */
		unlink(sk.path);
		st_real.close(fd);
		lf.fd = -1;
		st_warn_once("cannot write the log file", sk.path, err);
		atomic_store(&sk.state, SINK_BROKEN);
		return;
	}
	atomic_store(&sk.off, start);
	atomic_store(&sk.flushed, start);
	sk.written = start;
	sk.allocated = 0;
	sk.whole = start;
	sk.pad_pending = false;
	atomic_fetch_add(&sk.gen, 1);
	atomic_store(&sk.state, SINK_OPEN);
}

/* ensure_open() when the sink is not open yet, or no longer. */
static __attribute__((noinline)) bool open_slow(void)
{
	for (;;) {
		int st = atomic_load(&sk.state);

		if (st == SINK_OPEN)
			return true;
		if (st == SINK_CLOSED) {
			if (!take_lock())
				return false;
			if (atomic_load(&sk.state) == SINK_CLOSED) {
				atomic_store(&sk.state, SINK_OPENING);
				open_log();
			}
			drop_lock();
			continue;
		}
		if (st != SINK_OPENING)
			return false;
		/* Another thread is opening it (it holds the lock; if this thread
		 * holds it, we are in a signal handler that interrupted it). */
		if (atomic_load(&sk.lock) == st_gettid())
			return false;
		sched_yield();
	}
}

/* Brings the sink to OPEN if it can; false when records must be dropped. */
static inline bool ensure_open(void)
{
	return __builtin_expect(atomic_load(&sk.state) == SINK_OPEN, 1) || open_slow();
}

/* A wait for the copying to move: since when it has not moved. */
struct wait {
	uint64_t flushed;
	int64_t since;
	unsigned tries;
};

/* A writer that found the ring full: help copy it out, else yield.  False
 * once the copying has not moved for limit ns (what it waits for may be a
 * frame this very thread was writing when a signal handler interrupted
 * it); from then on, writers drop at once until it moves. */
static bool wait_room(struct wait *w, int64_t limit)
{
	uint64_t fl = atomic_load(&sk.flushed);

	if (atomic_load_explicit(&sk.stalled_at, memory_order_relaxed) == fl)
		return false;
	if (w->tries++ == 0 || fl != w->flushed) {
		w->flushed = fl;
		w->since = st_realtime_ns();
	} else if (w->tries % 64 == 0 && st_realtime_ns() - w->since > limit) {
		atomic_store_explicit(&sk.stalled_at, fl, memory_order_relaxed);
		return false;
	}
	if (!flush()) {
		/* The launcher copies every millisecond or so: sleep, not spin. */
		if (atomic_load_explicit(&sk.handed, memory_order_relaxed))
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
		else
			sched_yield();
	}
	return true;
}

/*
 * Takes the log's next stretch for a frame with this head, with one
 * compare-and-swap, when the ring has room for need bytes of it (and, when
 * whole, holds it in one piece).  A writer with w waits for room, and
 * drops its record (counted in the ring's head) when the copying stalls;
 * one without gives up at once.  The stop is checked after taking, not
 * before (see shut_and_flush()): a stretch taken after it becomes padding,
 * since one taken and never filled would stop the copying.  Returns false,
 * nothing taken or the stretch padded, or true with *at its log offset.
 * Inlined, so the fast way's copy has no wait and no call in it.
 */
static inline __attribute__((always_inline)) bool take(const struct st_frame *head, uint64_t need, bool whole, struct wait *w,
		 uint64_t *at)
{
	uint64_t size = st_frame_size(head->len), o = atomic_load(&sk.off);

	for (;;) {
		if (o + need - atomic_load_explicit(&sk.flushed, memory_order_acquire) > RING_CAP ||
		    (whole && (o & RING_MASK) + size > RING_CAP)) {
			if (!w)
				return false;
			if (!wait_room(w, WAIT_NS)) {
				__atomic_fetch_add(&sk.ring->dropped, 1, __ATOMIC_RELAXED);
				return false;
			}
			o = atomic_load(&sk.off);
			continue;
		}
		if (atomic_compare_exchange_weak(&sk.off, &o, o + size))
			break;
	}
	if (atomic_load(&sk.state) != SINK_OPEN) {
		struct st_frame pad = { ST_FRAME_MARK, ST_FRAME_PAD, 0, head->len };

		st_sink_publish(o, &pad);
		return false;
	}
	*at = o;
	return true;
}

bool st_sink_reserve(struct st_span *s, const struct st_frame *head)
{
	uint64_t size = st_frame_size(head->len), o;
	bool direct = size >= DIRECT_MIN;
	struct wait w = { 0, 0, 0 };

	/* Room for the frame in the ring, or for its head only when it goes
	 * to the file directly. */
	if (!ensure_open())
		return false;
	/* Handed over: no descriptor to write a big frame with. */
	if (direct && atomic_load_explicit(&sk.handed, memory_order_relaxed)) {
		__atomic_fetch_add(&sk.ring->dropped, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (!take(head, direct ? sizeof(*head) : size, false, &w, &o))
		return false;
	s->start = o;
	s->off = o + sizeof(*head);
	s->left = size - sizeof(*head);
	s->head = *head;
	if (direct)
		s->head.aux = AUX_DIRECT;
	s->direct = direct;
	s->failed = false;
	s->fd = -1;
	return true;
}

void *st_sink_claim(const struct st_frame *head, uint64_t *start)
{
	uint64_t size = st_frame_size(head->len);

	if (size >= DIRECT_MIN ||
	    atomic_load_explicit(&sk.state, memory_order_relaxed) != SINK_OPEN ||
	    !take(head, size, true, NULL, start))
		return NULL;
	return sk.data + (*start & RING_MASK);
}

bool st_sink_write(const struct st_frame *head, const void *body)
{
	struct st_span s;
	uint64_t at;
	unsigned char *dst = st_sink_claim(head, &at);

	if (dst) {
		memcpy(dst + sizeof(*head), body, head->len);
		st_sink_publish(at, head);
		return true;
	}
	if (!st_sink_reserve(&s, head))
		return false;
	st_span_put(&s, body, head->len);
	st_span_commit(&s);
	return true;
}

/* Copies n bytes: fixed-size moves for up to 64 (a default snippet),
 * where libc's memcpy would cost a call and its dispatch. */
static inline void copy_small(unsigned char *dst, const unsigned char *src, size_t n)
{
	if (n > 64) {
		memcpy(dst, src, n);
	} else if (n >= 32) {
		memcpy(dst, src, 32);
		memcpy(dst + n - 32, src + n - 32, 32);
	} else if (n >= 8) {
		size_t k;

		for (k = 0; k + 8 < n; k += 8)
			memcpy(dst + k, src + k, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else {
		while (n--)
			*dst++ = *src++;
	}
}

/* st_sink_put() and st_sink_put_short(), for a body of body_len bytes
 * (a constant in each: fixed-size moves). */
static inline __attribute__((always_inline)) bool
put_frame(const struct st_frame *head, const void *body, size_t body_len, const void *tail,
	  size_t tail_len, uint32_t gen)
{
	uint64_t size = st_frame_size(head->len), at;
	unsigned char *dst;

	if ((gen && atomic_load_explicit(&sk.gen, memory_order_relaxed) != gen) || size >= DIRECT_MIN ||
	    atomic_load_explicit(&sk.state, memory_order_relaxed) != SINK_OPEN ||
	    !take(head, size, true, NULL, &at))
		return false;
	dst = sk.data + (at & RING_MASK) + sizeof(*head);
	memcpy(dst, body, body_len);
	copy_small(dst + body_len, tail, tail_len);
	st_sink_publish(at, head);
	return true;
}

bool st_sink_put(const struct st_frame *head, const struct st_frame_data *body,
		 const void *tail, size_t tail_len, uint32_t gen)
{
	return put_frame(head, body, sizeof(*body), tail, tail_len, gen);
}

bool st_sink_put_short(const struct st_frame *head, const struct st_frame_sdata *body,
		       const void *tail, size_t tail_len, uint32_t gen)
{
	return put_frame(head, body, sizeof(*body), tail, tail_len, gen);
}

/* A direct frame's descriptor of the log: looked up and checked under the
 * lock once per frame (a frame of many pieces would otherwise make two
 * system calls a piece, and hold up the writers waiting behind it); -1
 * when this thread holds the lock already, or the file is gone. */
static int direct_fd(struct st_span *s)
{
	if (s->fd >= 0)
		return s->fd;
	if (!take_lock())
		return -1;
	s->fd = atomic_load(&sk.state) == SINK_BROKEN ? -1 : open_file();
	if (s->fd >= 0)
		atomic_fetch_add(&sk.direct_n, 1);
	drop_lock();
	return s->fd;
}

void st_span_put(struct st_span *s, const void *p, size_t n)
{
	const char *src = p;

	if (n > s->left)
		n = s->left;
	if (s->direct) {
		if (!s->failed && (atomic_load(&sk.state) == SINK_BROKEN ||
				   !put_file(direct_fd(s), src, n, s->off)))
			s->failed = true;
		s->off += n;
		s->left -= n;
		return;
	}
	while (n) {
		uint64_t at = s->off & RING_MASK;
		size_t k = (size_t)(RING_CAP - at) < n ? (size_t)(RING_CAP - at) : n;

		memcpy(sk.data + at, src, k);
		s->off += k;
		s->left -= k;
		src += k;
		n -= k;
	}
}

void st_span_commit(struct st_span *s)
{
	if (s->direct && !s->failed) {
		struct st_frame f = s->head;

		f.aux = 0;
		if (atomic_load(&sk.state) == SINK_BROKEN ||
		    !put_file(direct_fd(s), &f, sizeof(f), s->start))
			s->failed = true;
	}
	/* A direct frame whose bytes did not all reach the file: its head in
	 * the ring turns it into padding (the file's bytes there are skipped
	 * as a corrupt stretch, or were never written). */
	if (s->failed)
		s->head = (struct st_frame){ ST_FRAME_MARK, ST_FRAME_PAD, 0, s->head.len };
	if (s->fd >= 0) {
		/* The last direct writer after a stop cuts what it wrote. */
		if (atomic_fetch_sub(&sk.direct_n, 1) == 1 && atomic_load(&sk.state) == SINK_BROKEN)
			cut_tail(s->fd);
		s->fd = -1;
	}
	st_sink_publish(s->start, &s->head);
}

void st_sink_publish(uint64_t start, const struct st_frame *head)
{
	uint64_t w;

	memcpy(&w, head, sizeof(w));
	atomic_store_explicit(ring_word(start), w, memory_order_release);
	if (atomic_load_explicit(&sk.off, memory_order_relaxed) -
	    atomic_load_explicit(&sk.flushed, memory_order_relaxed) >= FLUSH_AT)
		flush();
}

uint32_t st_sink_gen(void)
{
	return ensure_open() ? atomic_load_explicit(&sk.gen, memory_order_relaxed) : 0;
}

void st_sink_disable(void)
{
	atomic_store(&sk.state, SINK_BROKEN);
}

bool st_sink_is_open(void)
{
	int st = atomic_load(&sk.state);

	/* Opening counts: another thread is writing the header right now. */
	return st == SINK_OPEN || st == SINK_OPENING;
}

void st_sink_forget(void)
{
	int st = atomic_load(&sk.state);

	/* The parent's ring came along, shared: not ours to write. */
	if (sk.ring)
		munmap(sk.ring, ST_RING_DATA_OFF + RING_CAP);
	sk.ring = NULL;
	sk.data = NULL;
	sk.ring_linked = false;
	/* The parent's descriptor came along: close it, if it still is one. */
	if (fd_is_ours())
		st_real.close(lf.fd);
	lf.fd = -1;
	atomic_store(&sk.handed, false);
	atomic_store(&sk.direct_n, 0);
	atomic_store(&sk.off, 0);
	atomic_store(&sk.flushed, 0);
	sk.written = 0;
	sk.allocated = 0;
	sk.whole = 0;
	sk.pad_pending = false;
	atomic_store(&sk.stalled_at, 0);
	atomic_store(&sk.lock, 0);
	/* A broken sink stays broken in the child: one warning is enough. */
	atomic_store(&sk.state, st == SINK_BROKEN ? SINK_BROKEN : SINK_CLOSED);
}

/* Gives back the blocks alloc_ahead() took past the file's end. */
static void trim_ahead(void)
{
	struct stat sb;
	int fd, saved = errno;

	/* After a refusal too: a full disk may have given part of it. */
	if (sk.allocated == 0 || !take_lock())
		return;
	fd = open_file();
	if (fd >= 0 && fstat(fd, &sb) == 0 && (uint64_t)sb.st_size < sk.allocated)
		(void)!ftruncate(fd, sb.st_size);
	sk.allocated = 0;
	drop_lock();
	errno = saved;
}

/* Stops writers and copies every frame into the file; when all are there,
 * the ring file is removed (its mapping stays: a writer that reserved
 * after the stop still writes a PAD head into it).  False when the log was
 * not open (or is another process's, in a vfork child). */
static bool shut_and_flush(void)
{
	uint64_t end;
	struct wait w = { 0, 0, 0 };

	if (atomic_load(&sk.state) != SINK_OPEN)
		return false;
	/* A vfork child shares our memory: the log is its parent's, which
	 * goes on writing, so leave it alone. */
	if (getpid() != st_pid)
		return false;
	/* The last calibration pair: the records since the one before are
	 * interpolated, not extrapolated. */
	st_clock_write(ST_CLOCK_END);
	/* Why every record is copied with no count of writers: a writer
	 * reserves, then loads the state (all sequentially consistent).  If
	 * it saw OPEN, its reservation came before our store, so the offset
	 * we read covers it, and we wait for its head.  If it saw SHUT, it
	 * writes a PAD head and nothing else. */
	atomic_store(&sk.state, SINK_SHUT);
	end = atomic_load(&sk.off);
	while (atomic_load(&sk.flushed) < end && wait_room(&w, WAIT_EXIT_NS))
		;
	trim_ahead();
	/* The ring stays when it holds frames still, or a count of dropped
	 * records for the readers to report. */
	if (atomic_load(&sk.flushed) >= end && sk.ring_linked &&
	    __atomic_load_n(&sk.ring->dropped, __ATOMIC_RELAXED) == 0) {
		unlink(sk.ring_path);
		sk.ring_linked = false;
	}
	return true;
}

void st_sink_close(void)
{
	shut_and_flush();
}

bool st_sink_pause(void)
{
	return shut_and_flush();
}

void st_sink_resume(void)
{
	/* The same ring goes on (the stretches reserved meanwhile are PAD
	 * frames); if it lost its name, a kill from now on loses what it
	 * holds, as the exec that failed would have. */
	atomic_store(&sk.state, SINK_OPEN);
}

/* ---- the program at its descriptor limit ---- */

/* Under the launcher: it opens the log and the ring by name and copies
 * the ring out from now on; we close our descriptor, so its number is the
 * program's again.  Caller holds nothing. */
static bool hand_over(void)
{
	int err;

	if (!take_lock())
		return false;
	/* A direct frame being written holds the descriptor: not now. */
	if (atomic_load(&sk.direct_n) != 0 || !fd_is_ours()) {
		drop_lock();
		return false;
	}
	st_real.close(lf.fd);
	lf.fd = -1;
	err = st_broker_adopt(strrchr(sk.path, '/') + 1);
	if (err == 0) {
		atomic_store(&sk.handed, true);
		drop_lock();
		return true;
	}
	/* The launcher could not take it (or the slot went to another
	 * thread before we could ask): tracing stops, marked in the ring. */
	stop_as(ST_STOP_FDLIMIT, err, "the launcher could not take over the log", "");
	drop_lock();
	return true;
}

/* Bare: every frame copied out, the stop mark written, the descriptor
 * closed; tracing stops with one line that says what to do. */
static bool give_up(void)
{
	struct wait w = { 0, 0, 0 };
	uint64_t end;

	atomic_store(&sk.state, SINK_SHUT);
	end = atomic_load(&sk.off);
	while (atomic_load(&sk.flushed) < end && wait_room(&w, WAIT_EXIT_NS))
		;
	trim_ahead();
	if (!take_lock()) {
		atomic_store(&sk.state, SINK_OPEN);
		return false;
	}
	if (atomic_load(&sk.state) != SINK_SHUT) {	/* a copy failed: stopped already */
		drop_lock();
		return false;
	}
	if (atomic_load(&sk.direct_n) != 0 || !fd_is_ours()) {
		atomic_store(&sk.state, SINK_OPEN);
		drop_lock();
		return false;
	}
	stop_as(ST_STOP_FDLIMIT, EMFILE,
		"the program met its descriptor limit, so tracing stopped to give it the "
		"descriptor of",
		"; its limit leaves no room above it for the log (soft = hard, no "
		"CAP_SYS_RESOURCE): to trace it whole, run it under socktrace -o DIR -- COMMAND, "
		"or with a hard limit above the soft one");
	st_real.close(lf.fd);
	lf.fd = -1;
	/* All of it is in the file: the ring goes, as at exit. */
	if (atomic_load(&sk.flushed) >= end && sk.ring_linked &&
	    __atomic_load_n(&sk.ring->dropped, __ATOMIC_RELAXED) == 0) {
		unlink(sk.ring_path);
		sk.ring_linked = false;
	}
	drop_lock();
	return true;
}

bool st_sink_give_slot(void)
{
	struct rlimit rl;
	int saved = errno;
	bool gave = false;

	if (atomic_load(&sk.state) == SINK_OPEN && !atomic_load(&sk.handed) && lf.fd >= 0 &&
	    getpid() == st_pid && nofile(NULL, &rl) == 0 &&
	    (rlim_t)lf.fd < rl.rlim_cur)
		gave = st_cfg.broker[0] && sk.ring_linked ? hand_over() : give_up();
	errno = saved;
	return gave;
}

void st_sink_limit_set(void)
{
	struct rlimit rl;
	int saved = errno, hi;

	if (atomic_load(&sk.state) != SINK_OPEN || atomic_load(&sk.handed) || lf.fd < 0 ||
	    getpid() != st_pid || nofile(NULL, &rl) != 0 ||
	    (rlim_t)lf.fd >= rl.rlim_cur || rl.rlim_cur > HIGH_FD_MAX || !take_lock())
		goto out;
	if (atomic_load(&sk.direct_n) == 0 && fd_is_ours()) {
		hi = move_high(lf.fd);
		if (hi > lf.fd) {
			st_real.close(lf.fd);
			lf.fd = hi;
		} else if (hi >= 0) {
			st_real.close(hi);
		}
	}
	drop_lock();
out:
	errno = saved;
}
