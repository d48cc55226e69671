/*
 * binlog.h: the library's on-disk log, a sequence of binary frames, and its
 * conversion to the JSON Lines of docs/log-format.md.
 *
 * The library does not format JSON while the program runs: that cost more
 * than the calls it traced.  It writes frames instead, into the same shared
 * mapping as before (so SIGKILL still loses nothing):
 *
 *   - a TEXT frame holds one JSON line as it is (the header, and every
 *     record that is not a plain data call);
 *   - a DATA frame holds the numbers of one data call (send, recv, read,
 *     write, sendfile, ...) and its payload snippet as raw bytes; an SDATA
 *     frame the same in fewer bytes, for the common call whose numbers fit;
 *   - an OPT frame holds the numbers of one setsockopt call;
 *   - a TUPLE frame gives the five-tuple keys a DATA frame refers to by
 *     number, written once per socket end change rather than per record;
 *   - a PAD frame fills a stretch a writer reserved and then gave up (the
 *     log was closing); readers skip it;
 *   - a CLOCK frame holds a calibration pair, a reading of the CPU's
 *     time-stamp counter with CLOCK_REALTIME and CLOCK_MONOTONIC read next
 *     to it: a log that has one took its calls' times from the counter
 *     (DATA, SDATA, OPT and WAIT frames' t and dur, and the "t" and "dur"
 *     of the call lines in TEXT frames, are ticks), and readers turn them
 *     into ns since the epoch piecewise-linearly between the pairs;
 *   - a STOP frame, one per log, written with the header, says whether the
 *     library stopped tracing before the process ended, and why: its body
 *     is rewritten in place (no new space needed on a full disk) when it
 *     stops.
 *
 * st_binlog_decode() turns a file of frames into exactly the JSON lines the
 * JSON writer would have produced, so every reader (sockview, the launcher,
 * the tests) sees format version 1.  It is pure: no globals, no I/O.
 *
 * Layout (docs/log-format.md, "The binary log"): the file starts with the
 * 8-byte ST_BINLOG_MAGIC; every frame starts at an 8-byte boundary with a
 * struct st_frame head, is followed by len bytes and by zero padding to the
 * next 8-byte boundary.  Zero words between frames (the unwritten tail of
 * a killed process's log) are skipped.  Integers are in the byte order of
 * the machine that wrote them.
 */
#ifndef ST_BINLOG_H
#define ST_BINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

/* Not ASCII in the first byte: never mistaken for a JSON line. */
#define ST_BINLOG_MAGIC "\x93STLOG\x01\n"
#define ST_BINLOG_MAGIC_LEN 8

/* The first byte of every frame head: not 0 (padding), not ASCII. */
#define ST_FRAME_MARK 0xB7

enum st_frame_kind {
	ST_FRAME_TEXT = 1,
	ST_FRAME_DATA = 2,
	ST_FRAME_TUPLE = 3,
	ST_FRAME_PAD = 4,
	ST_FRAME_OPT = 5,
	ST_FRAME_STOP = 6,
	ST_FRAME_WAIT = 7,
	ST_FRAME_CLOCK = 8,
	ST_FRAME_SDATA = 9,
};

struct st_frame {
	uint8_t mark;		/* ST_FRAME_MARK */
	uint8_t kind;		/* enum st_frame_kind */
	uint16_t aux;		/* DATA: the call (enum st_dcall, vocab.h); else 0 */
	uint32_t len;		/* bytes after this head, padding excluded */
};

/* Whether a head is a frame head: the mark and a kind readers know (the
 * decoder's and the live view's one test: a new kind is added here). */
static inline bool st_frame_known(const struct st_frame *h)
{
	return h->mark == ST_FRAME_MARK && h->kind >= ST_FRAME_TEXT && h->kind <= ST_FRAME_SDATA;
}

/* The bytes a frame of len content bytes takes, head and padding included. */
static inline uint64_t st_frame_size(uint64_t len)
{
	return 8 + ((len + 7) & ~(uint64_t)7);
}

/*
 * The body of a DATA frame (after the head), then the snippet: head.len -
 * sizeof(struct st_frame_data) bytes, at most ST_DATA_SNIP_MAX.  The record
 * it stands for is
 *   {"call":NAME,"pid","tid","t","dur","fd","ret"[,"errno"][five-tuple]
 *    [,"flags"|,"fd2"][,"bytes":ret[,"data":SNIPPET]]}
 * with "fd" when fd >= 0, "flags" (arg, MSG_* names) when arg is not 0,
 * or for sendfile "fd2" (arg, the file read from) always, "bytes" when
 * ret >= 0, "data" when the snippet is not empty, and the five-tuple keys
 * of TUPLE frame `tuple` (none when tuple is 0).
 */
struct st_frame_data {
	int32_t pid, tid;
	int64_t t;		/* ns since the epoch */
	int64_t dur;		/* ns */
	int64_t ret;
	int32_t fd;
	uint32_t tuple;
	int32_t err;		/* errno when the call failed, else 0 */
	int32_t arg;		/* MSG_* flags as passed; sendfile: the input fd */
};

/*
 * The body of an SDATA frame, then the snippet as in a DATA frame: the same
 * record as a DATA frame with these numbers and arg 0, in 16 bytes less
 * (a 64-byte snippet's frame takes 104 bytes, not 120: the copy into the
 * log file costs by the byte).  The library writes one when the numbers
 * fit: no flags, dur below 2^32, ret an int32, fd and errno below 2^16.
 */
struct st_frame_sdata {
	int32_t pid, tid;
	int64_t t;
	uint32_t dur;
	int32_t ret;
	uint32_t tuple;
	uint16_t fd;
	uint16_t err;
};

/*
 * The body of an OPT frame: a struct st_frame_data whose arg is the level,
 * then this.  The record is
 *   {"call":"setsockopt","pid","tid","t","dur","fd","ret"[,"errno"]
 *    [five-tuple],"level","opt"[,"val"]}
 * with level and opt by name when common/names.c knows them, else as
 * numbers, and "val" when has_val.  No snippet.
 */
struct st_frame_opt {
	int32_t opt;
	int32_t val;
	uint32_t has_val;
	uint32_t zero;
};

#define ST_DATA_SNIP_MAX 4096

/*
 * The body of a WAIT frame (poll, ppoll, select, pselect, epoll_wait,
 * epoll_pwait, epoll_pwait2: aux names it, ST_DC_POLL ... ST_DC_EPOLL_PWAIT2):
 * a struct st_frame_data whose arg is the timeout in ms (-1: none;
 * ST_WAIT_NO_TIMEOUT: not logged), then this, then n struct st_frame_fd.
 * The record is
 *   {"call":NAME,"pid","tid","t","dur"[,"fd"],"ret"[,"errno"]
 *    [,"nfds"][,"timeout"],"fds":["FD:ASKED>READY",...]}
 * with "nfds" when nfds >= 0, "timeout" when arg is not
 * ST_WAIT_NO_TIMEOUT, and each fd's events by name (common/names.h
 * st_poll_events), its fd "?" when -1.
 */
struct st_frame_wait {
	int32_t nfds;		/* -1: none */
	uint32_t n;		/* fds that follow, at most ST_WAIT_FDS_MAX */
};

struct st_frame_fd {
	int32_t fd;		/* -1: not known */
	uint32_t asked, ready;	/* poll/epoll event bits */
};

#define ST_WAIT_FDS_MAX 16
#define ST_WAIT_NO_TIMEOUT INT32_MIN

/* The body of a TUPLE frame, then the keys as JSON text
 * (,"proto":"tcp","local":"...","peer":"..."): head.len - 8 bytes. */
struct st_frame_tuple {
	uint32_t id;		/* > 0 */
	uint32_t zero;
};

/*
 * Why the library stopped tracing a process before it ended: the body of
 * the STOP frame.  Records after the stop are missing from the log.
 */
enum st_stop_why {
	ST_STOP_NONE = 0,	/* tracing went on to the end */
	ST_STOP_WRITE = 1,	/* a write to the log file failed (err: ENOSPC for a full disk) */
	ST_STOP_REOPEN = 2,	/* the program closed the log's descriptor and the
				 * file could not be opened again (err) */
	ST_STOP_FDLIMIT = 3,	/* the program met its descriptor limit (err: EMFILE)
				 * with the log's descriptor under it, and nothing
				 * could take the log over: the library gave the
				 * program that descriptor */
	ST_STOP_COUNT
};

struct st_frame_stop {
	int32_t pid;		/* the process whose log this is */
	uint32_t why;		/* enum st_stop_why */
	int32_t err;		/* errno of the failure, or 0 */
	uint32_t zero;
};

/* "write", "reopen": the "why" of the stop line; NULL for ST_STOP_NONE or
 * a code not known. */
const char *st_stop_name(uint32_t why);
/* "a write to the log file failed", ...: what the code means, for a
 * message; "tracing stopped" for a code not known. */
const char *st_stop_text(uint32_t why);

/*
 * The body of a CLOCK frame: a calibration pair.  The library writes one
 * right after the STOP frame when the log is made, then at growing
 * intervals (1 ms doubling to 1 s, while calls are made), after each copy
 * of the ring into the file, and before exit or exec.  A log with none
 * took its times from CLOCK_REALTIME (ns since the epoch) as before.
 */
struct st_frame_clock {
	uint64_t tsc;		/* the counter, midway between the two reads of it */
	int64_t real;		/* CLOCK_REALTIME, ns since the epoch */
	int64_t mono;		/* CLOCK_MONOTONIC, ns */
	uint64_t hz;		/* the library's estimate of ticks per second:
				 * used only while a log has a single pair */
	uint32_t why;		/* enum st_clock_why */
	uint32_t zero;
};

enum st_clock_why {
	ST_CLOCK_START = 0,
	ST_CLOCK_TICK = 1,	/* an interval passed */
	ST_CLOCK_COPY = 2,	/* after a copy-out */
	ST_CLOCK_END = 3,	/* before exit or exec */
};

/* The piecewise-linear map from ticks to ns since the epoch, made from a
 * log's CLOCK frames.  Pure. */
struct st_clock_pt {
	uint64_t tsc;
	int64_t real;
};

struct st_clock_map {
	struct st_clock_pt *pt;	/* sorted by tsc, no two alike */
	size_t n;
	uint64_t hz;		/* for a map of a single pair */
};

/* ns since the epoch of tick count t: interpolated between the pairs
 * around it, extrapolated with the nearest segment's rate (or hz, with a
 * single pair) outside them.  n must be > 0. */
int64_t st_clock_ns(const struct st_clock_map *m, uint64_t t);

/* What a decode met besides good frames. */
struct st_binlog_stats {
	uint64_t frames;	/* frames decoded into lines */
	uint64_t bad;		/* corrupt stretches skipped (each counted once) */
	uint64_t bad_bytes;	/* bytes in them */
	uint64_t no_tuple;	/* DATA frames naming a TUPLE frame not found */
	uint32_t stop;		/* enum st_stop_why of the STOP frame (the last, if several) */
	int32_t stop_err;	/* its errno */
	uint64_t clocks;	/* CLOCK frames: > 0 when the times were ticks */
	bool closed;		/* the last frame is the CLOCK frame the library
				 * writes before exit or exec (ST_CLOCK_END): the
				 * log is whole, even with its ring left behind
				 * (a process that dropped its rights cannot
				 * remove it) */
};

/*
 * The staging ring.  The library does not write frames into the log file's
 * own pages: on a virtual machine a program's first store to each new page
 * of a mapping costs microseconds, more than the record.  Frames go into a
 * small ring, a second file mapped once (<log name>.ring), and a writer that
 * sees enough of it filled copies the finished frames into the log file with
 * pwrite(), at the same offsets, then zeroes that part of the ring.  The log
 * file therefore holds a prefix of the frames; the rest (the last few
 * kilobytes, or more after SIGKILL) is in the ring, which survives the
 * process like the log does, and which readers lay over the log file with
 * st_binlog_join().  A process that ends normally copies everything and
 * removes its ring.
 *
 * The ring file: a struct st_ring_head at offset 0, then, at
 * ST_RING_DATA_OFF, cap bytes of data (cap a power of two, at least 4096).
 * Log offset L (L >= flushed) is at data offset L % cap; every log byte
 * below flushed is in the log file.  A data word that is zero has not been
 * written (or was already copied and cleared).
 */
#define ST_RING_MAGIC "\x93STRING\n"
/* In the ring's copy of a TEXT frame's head: the frame's bytes are in the
 * log file already (a frame too big for the ring); a copier clears its
 * head and copies nothing.  (The file's copy of the head has aux 0;
 * readers ignore a TEXT frame's aux.) */
#define ST_RING_AUX_DIRECT 1
#define ST_RING_DATA_OFF 4096

struct st_ring_head {
	char magic[8];		/* ST_RING_MAGIC */
	uint64_t cap;		/* bytes of data */
	uint64_t flushed;	/* log offset: all before it is in the log file */
	uint64_t dropped;	/* records dropped because the ring stayed full */
};

/* What a join found besides the frames. */
struct st_ring_info {
	uint64_t dropped;	/* records the library dropped: the ring stayed full */
	uint64_t missing;	/* log bytes below the ring's window that the log
				 * file lacks (its copy-out failed: disk full) */
};

/*
 * Lays a ring file's contents over the log file's: *out gets a malloc'd
 * copy of the log (len bytes), extended as far as needed, in which every
 * non-zero 8-byte word of the ring's data at log offsets [flushed,
 * flushed + cap) replaces the log's bytes there, and trailing zero words
 * are cut: not below len, nor inside the last frame (whose last words may
 * be zeros).  A word-wise overlay, so a ring read while its owner copies it
 * out still gives each frame once.
 *
 * Every size in the ring's head is checked against the files' real sizes:
 * cap must fit in ringlen, and when flushed lies past the log's end (the
 * log file lacks bytes the library meant to copy there, or the head lies),
 * the ring's window is laid right after the log's end (rounded up to 8)
 * instead, and info->missing counts the bytes left out.  So *outlen is at
 * most len + 8 + cap, whatever the head says.  info->dropped gets the
 * ring's count of dropped records.  Returns 0; 1 when the ring is not a
 * well-formed ring file (then *out is a plain copy of the log and *info
 * zero); -1 with errno ENOMEM when memory runs out.  Pure.
 */
int st_binlog_join(const unsigned char *log, size_t len, const unsigned char *ring,
		   size_t ringlen, unsigned char **out, size_t *outlen,
		   struct st_ring_info *info);

/* True when the buffer starts with ST_BINLOG_MAGIC. */
bool st_binlog_is(const void *buf, size_t len);

/*
 * Decodes a whole binary log (magic included) into JSON Lines: *out gets a
 * malloc'd buffer of *outlen bytes (not NUL-terminated), each line ending in
 * '\n'.  Anything that is not a well-formed frame is skipped and counted in
 * *st; a DATA frame gives one line, of bounded length, and a TEXT frame its
 * content as it is, with a newline added when missing.  A STOP frame that
 * says tracing stopped gives the last line,
 *   {"type":"stop","pid":P,"why":"write","errno":"ENOSPC"}
 * (st->stop and st->stop_err say the same).  Returns 0, or
 * -1 (errno set) when memory runs out or the input has no magic.
 */
int st_binlog_decode(const unsigned char *in, size_t len, char **out, size_t *outlen,
		     struct st_binlog_stats *st);

#endif
