/*
 * sink.c: the log file of this process image, written through a shared
 * memory mapping.
 *
 * The file grows in chunks of ST_CHUNK bytes, each mapped on its own.  A
 * writer reserves room for a whole record with one atomic add on the write
 * offset, then copies the record in: no lock and no system call per record,
 * and what was copied is in the page cache, so it survives SIGKILL.  Growing
 * the file (rare) is done by one thread at a time under a try-lock that holds
 * the owner's tid: a signal handler that interrupts the owner and wants to
 * log drops its record instead of waiting on itself.
 *
 * The library keeps one descriptor of the log, moved high (near the fd
 * limit, at most 1000) and close-on-exec, used only to add a chunk.  Its
 * identity (device and inode) is checked before each use: a program that
 * closes every fd, or dup2()s something over ours, makes us open the file
 * again by path, and what now has that number is left alone.  A process
 * that exits normally trims the zero tail of the last chunk; a killed one
 * leaves it, and readers skip NUL bytes (docs/log-format.md).
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
#include <unistd.h>

#include "binlog.h"
#include "header.h"
#include "prefault.h"
#include "real.h"
#include "state.h"

#define ST_CHUNK_SHIFT 22
#define ST_CHUNK ((uint64_t)1 << ST_CHUNK_SHIFT)
#define ST_MAX_CHUNKS 16384	/* 64 GiB of log per process image */

enum { SINK_CLOSED, SINK_OPENING, SINK_OPEN, SINK_BROKEN, SINK_SHUT };

static struct {
	_Atomic uint64_t off;		/* next free byte of the file */
	_Atomic int active;		/* the prefault helper is at work */
	_Atomic int state;
	_Atomic pid_t lock;		/* tid growing the file, 0 when none */
	/* Bumped for every file opened, in this process or (through fork)
	 * its ancestors: which TUPLE frames a file has had (fdtab.c). */
	_Atomic uint32_t gen;
	uint64_t size;			/* file size; changed under lock */
	char path[PATH_MAX];
	char *_Atomic chunk[ST_MAX_CHUNKS];
} sk;

/* Our descriptor of the log and what it must point at. */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
} lf = { -1, 0, 0 };

/* Where our descriptor goes: high, out of the way of the program's own
 * numbers and of loops that dup2() over low ones. */
static int high_fd_floor(void)
{
	struct rlimit rl;
	rlim_t floor = 1000;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < floor + 16)
		floor = rl.rlim_cur > 32 ? rl.rlim_cur - 16 : rl.rlim_cur / 2;
	return (int)floor;
}

/* Makes fd our descriptor of the log: moved high, identity noted. */
static int keep_fd(int fd)
{
	struct stat sb;
	int hi = st_real.fcntl(fd, F_DUPFD_CLOEXEC, high_fd_floor());

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

/* Our descriptor of the log, opened again if the program took it; caller
 * holds the lock. */
static int open_file(void)
{
	int fd;

	if (fd_is_ours())
		return lf.fd;
	lf.fd = -1;	/* closed, or another file has the number: not ours */
	fd = open(sk.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -1 : keep_fd(fd);
}

/* Maps chunk i, growing the file first; caller holds the lock. */
static char *add_chunk(int fd, uint64_t i)
{
	uint64_t need = (i + 1) * ST_CHUNK;
	void *p;

	/* ftruncate only ever grows the file here: size is known under the lock. */
	if (sk.size < need) {
		if (ftruncate(fd, (off_t)need) != 0)
			return NULL;
		sk.size = need;
	}
	p = mmap(NULL, ST_CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(i * ST_CHUNK));
	if (p == MAP_FAILED)
		return NULL;
	atomic_store(&sk.chunk[i], p);
	return p;
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

static bool map_chunk(uint64_t i)
{
	int fd;
	bool ok;

	if (i >= ST_MAX_CHUNKS)
		return false;
	if (atomic_load(&sk.chunk[i]))
		return true;
	if (!take_lock())
		return false;
	ok = atomic_load(&sk.chunk[i]) != NULL;
	if (!ok) {
		fd = open_file();
		if (fd >= 0)
			ok = add_chunk(fd, i) != NULL;
	}
	drop_lock();
	return ok;
}

/* Creates <dir>/<pid>.stlog, or <pid>-N.stlog when taken.  Returns the fd. */
static int create_file(void)
{
	char name[64];
	size_t dl = strlen(st_cfg.dir);
	int n, fd;

	if (dl + sizeof(name) >= sizeof(sk.path))
		return -1;
	for (n = 0; n < 1000; n++) {
		st_log_file_name(name, st_pid, n);
		memcpy(sk.path, st_cfg.dir, dl);
		sk.path[dl] = '/';
		strcpy(sk.path + dl + 1, name);
		/* The launcher turns <name>.stlog into <name>.jsonl: a JSON
		 * log of that name (an earlier run's) takes the name too. */
		memcpy(sk.path + strlen(sk.path) - 6, ".jsonl", 6);
		if (access(sk.path, F_OK) == 0)
			continue;
		memcpy(sk.path + strlen(sk.path) - 6, ".stlog", 6);
		fd = open(sk.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Opens the log and writes its header; called by the one thread that moved
 * the state from CLOSED to OPENING. */
static void open_log(void)
{
	static char head[16384];	/* under the lock; too big for a signal stack */
	long hl;
	int fd;

	fd = create_file();
	if (fd >= 0)
		fd = keep_fd(fd);
	if (fd < 0) {
		st_warn_once("cannot create a log file in", st_cfg.dir, errno);
		atomic_store(&sk.state, SINK_BROKEN);
		return;
	}
	sk.size = 0;
	if (!add_chunk(fd, 0)) {
		st_warn_once("cannot map the log file", sk.path, errno);
		atomic_store(&sk.state, SINK_BROKEN);
		return;
	}
	/* The magic, then the header line as the first TEXT frame. */
	memcpy(sk.chunk[0], ST_BINLOG_MAGIC, ST_BINLOG_MAGIC_LEN);
	atomic_store(&sk.off, (uint64_t)ST_BINLOG_MAGIC_LEN);
	hl = st_build_header(head, sizeof(head));
	if (hl > 0) {
		struct st_frame f = { ST_FRAME_MARK, ST_FRAME_TEXT, 0, (uint32_t)hl };

		memcpy(sk.chunk[0] + ST_BINLOG_MAGIC_LEN, &f, sizeof(f));
		memcpy(sk.chunk[0] + ST_BINLOG_MAGIC_LEN + sizeof(f), head, (size_t)hl);
		atomic_store(&sk.off, ST_BINLOG_MAGIC_LEN + st_frame_size((uint64_t)hl));
	}
	atomic_fetch_add(&sk.gen, 1);
	atomic_store(&sk.state, SINK_OPEN);
	{
		struct st_prefault_view v = {
			&sk.off, &sk.state, SINK_OPEN, &sk.active, sk.chunk,
			ST_CHUNK_SHIFT, ST_MAX_CHUNKS,
		};

		st_prefault_start(&v);
	}
}

/* Brings the sink to OPEN if it can; false when records must be dropped. */
static bool ensure_open(void)
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

/* How far past the end of a record its writer asks for the lines that a
 * later record will fill, and how many lines it asks for (a record is
 * some 150 to 250 bytes). */
#define ST_PREFETCH_AHEAD 1024
#define ST_PREFETCH_LINES 4

/*
 * Asks the CPU, for writing, for the cache lines of the log a few records
 * ahead, so they arrive while this record and the next call are made.  The
 * pages were populated (zeroed) by the helper thread on another CPU, and a
 * first store to such a line otherwise waits for it to come over; in a
 * stand-alone test on this VM, a stream of 176-byte records into such pages
 * cost 160 to 520 ns per record without this and 150 to 170 with it, against
 * some 130 into memory already in cache.  A prefetch never faults: a line
 * of a page not yet populated is simply not fetched.
 */
static inline void prefetch_ahead(uint64_t end)
{
	uint64_t at = end + ST_PREFETCH_AHEAD, i = at >> ST_CHUNK_SHIFT;
	const char *base;
	int k;

	if (i >= ST_MAX_CHUNKS ||
	    (at & (ST_CHUNK - 1)) > ST_CHUNK - 64 * ST_PREFETCH_LINES)
		return;
	base = atomic_load_explicit(&sk.chunk[i], memory_order_relaxed);
	if (!base)
		return;
	base += at & (ST_CHUNK - 1) & ~(uint64_t)63;
	for (k = 0; k < ST_PREFETCH_LINES; k++)
		__builtin_prefetch(base + 64 * k, 1, 3);
}

bool st_sink_reserve(struct st_span *s, size_t len)
{
	uint64_t off, i, last;

	if (!ensure_open())
		return false;
	off = atomic_fetch_add(&sk.off, len);
	/* Checked after reserving, not before: see st_sink_close(). */
	if (atomic_load(&sk.state) != SINK_OPEN)
		return false;
	last = (off + len - 1) >> ST_CHUNK_SHIFT;
	/* A chunk that cannot be mapped leaves a hole of zeros, which readers
	 * skip like the tail of a killed process's log.  The common case, a
	 * record inside one chunk already mapped, costs no call. */
	i = off >> ST_CHUNK_SHIFT;
	if (i != last || i >= ST_MAX_CHUNKS ||
	    !atomic_load_explicit(&sk.chunk[i], memory_order_acquire))
		for (; i <= last; i++)
			if (!map_chunk(i))
				return false;
	/* Past the middle of a chunk, map the next one, so the prefault
	 * helper can get it ready before anyone writes there. */
	if (((off + len) >> (ST_CHUNK_SHIFT - 1)) != (off >> (ST_CHUNK_SHIFT - 1)) &&
	    (((off + len) >> (ST_CHUNK_SHIFT - 1)) & 1))
		map_chunk(last + 1);
	prefetch_ahead(off + len);
	s->off = off;
	s->left = len;
	return true;
}

uint32_t st_sink_gen(void)
{
	return ensure_open() ? atomic_load_explicit(&sk.gen, memory_order_relaxed) : 0;
}

void *st_span_ptr(const struct st_span *s)
{
	uint64_t i = s->off >> ST_CHUNK_SHIFT;

	if (((s->off + s->left - 1) >> ST_CHUNK_SHIFT) != i)
		return NULL;
	return atomic_load_explicit(&sk.chunk[i], memory_order_relaxed) + (s->off & (ST_CHUNK - 1));
}

void st_span_put(struct st_span *s, const void *p, size_t n)
{
	const char *src = p;

	if (n > s->left)
		n = s->left;
	while (n) {
		uint64_t i = s->off >> ST_CHUNK_SHIFT;
		uint64_t o = s->off & (ST_CHUNK - 1);
		size_t k = (size_t)(ST_CHUNK - o) < n ? (size_t)(ST_CHUNK - o) : n;

		memcpy(atomic_load_explicit(&sk.chunk[i], memory_order_relaxed) + o, src, k);
		s->off += k;
		s->left -= k;
		src += k;
		n -= k;
	}
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
	uint64_t i;
	int st = atomic_load(&sk.state);

	for (i = 0; i < ST_MAX_CHUNKS && sk.chunk[i]; i++) {
		munmap(sk.chunk[i], ST_CHUNK);
		atomic_store(&sk.chunk[i], NULL);
	}
	/* The parent's descriptor came along: close it, if it still is one. */
	if (fd_is_ours())
		st_real.close(lf.fd);
	lf.fd = -1;
	atomic_store(&sk.off, 0);
	atomic_store(&sk.active, 0);
	atomic_store(&sk.lock, 0);
	sk.size = 0;
	/* A broken sink stays broken in the child: one warning is enough. */
	atomic_store(&sk.state, st == SINK_BROKEN ? SINK_BROKEN : SINK_CLOSED);
}

/* Stops writers and cuts the file to its last record; false when the log
 * was not open (or is another process's, in a vfork child). */
static bool shut_and_trim(void)
{
	uint64_t end;
	int tries;
	int fd;

	if (atomic_load(&sk.state) != SINK_OPEN)
		return false;
	/* A vfork child shares our memory: the log is its parent's, which
	 * goes on writing, so leave it alone. */
	if (getpid() != st_pid)
		return false;
	/* Why the file can be cut at the write offset read after this store,
	 * with no count of writers: a writer adds to the offset, then loads
	 * the state (all sequentially consistent).  If it saw OPEN, its add
	 * came before our store, so the offset we read covers its record,
	 * which lands inside the file however late it is copied.  If it saw
	 * SHUT, it drops the record and writes nothing. */
	atomic_store(&sk.state, SINK_SHUT);
	/* The helper may be populating pages past the end: let it finish. */
	for (tries = 0; atomic_load(&sk.active) > 0 && tries < 10000; tries++)
		sched_yield();
	if (atomic_load(&sk.active) > 0)
		return true;
	end = atomic_load(&sk.off);
	if (!take_lock())
		return true;
	fd = open_file();
	if (fd >= 0 && ftruncate(fd, (off_t)end) == 0)
		sk.size = end;
	drop_lock();
	return true;
}

void st_sink_close(void)
{
	shut_and_trim();
}

bool st_sink_pause(void)
{
	return shut_and_trim();
}

void st_sink_resume(void)
{
	uint64_t i = 0, extent;
	int fd;

	if (!take_lock())
		return;	/* records stay dropped: better than a write past the end */
	while (i < ST_MAX_CHUNKS && atomic_load(&sk.chunk[i]))
		i++;
	extent = i * ST_CHUNK;
	fd = open_file();
	/* The mapped chunks must be backed by the file again before anyone
	 * writes into them. */
	if (fd >= 0 && (sk.size >= extent || ftruncate(fd, (off_t)extent) == 0)) {
		sk.size = extent > sk.size ? extent : sk.size;
		atomic_store(&sk.state, SINK_OPEN);
	}
	drop_lock();
}
