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
 *     write, ...) and its payload snippet as raw bytes;
 *   - a TUPLE frame gives the five-tuple keys a DATA frame refers to by
 *     number, written once per socket end change rather than per record.
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

/* Not ASCII in the first byte: never mistaken for a JSON line. */
#define ST_BINLOG_MAGIC "\x93STLOG\x01\n"
#define ST_BINLOG_MAGIC_LEN 8

/* The first byte of every frame head: not 0 (padding), not ASCII. */
#define ST_FRAME_MARK 0xB7

enum st_frame_kind {
	ST_FRAME_TEXT = 1,
	ST_FRAME_DATA = 2,
	ST_FRAME_TUPLE = 3,
};

struct st_frame {
	uint8_t mark;		/* ST_FRAME_MARK */
	uint8_t kind;		/* enum st_frame_kind */
	uint16_t aux;		/* DATA: the call (enum st_dcall); else 0 */
	uint32_t len;		/* bytes after this head, padding excluded */
};

/* The bytes a frame of len content bytes takes, head and padding included. */
static inline uint64_t st_frame_size(uint64_t len)
{
	return 8 + ((len + 7) & ~(uint64_t)7);
}

/* The calls a DATA frame can name; the JSON writer handles the others. */
#define ST_DCALLS(X) \
	X(SEND, "send") X(SENDTO, "sendto") X(SENDMSG, "sendmsg") X(WRITE, "write") \
	X(WRITEV, "writev") X(RECV, "recv") X(RECVFROM, "recvfrom") \
	X(RECVMSG, "recvmsg") X(READ, "read") X(READV, "readv")

#define ST_DCALL_ENUM(id, name) ST_DC_##id,
enum st_dcall { ST_DCALLS(ST_DCALL_ENUM) ST_DC_COUNT };
#undef ST_DCALL_ENUM

/* The call names, indexed by enum st_dcall. */
extern const char *const st_dcall_names[ST_DC_COUNT];

/*
 * The body of a DATA frame (after the head), then the snippet: head.len -
 * sizeof(struct st_frame_data) bytes, at most ST_DATA_SNIP_MAX.  The record
 * it stands for is
 *   {"call":NAME,"pid","tid","t","dur","fd","ret"[,"errno"][five-tuple]
 *    [,"flags"][,"bytes":ret[,"data":SNIPPET]]}
 * with "fd" when fd >= 0, "bytes" when ret >= 0, "data" when the snippet
 * is not empty, and the five-tuple keys of TUPLE frame `tuple` (none when
 * tuple is 0).
 */
struct st_frame_data {
	int32_t pid, tid;
	int64_t t;		/* ns since the epoch */
	int64_t dur;		/* ns */
	int64_t ret;
	int32_t fd;
	uint32_t tuple;
	int32_t err;		/* errno when the call failed, else 0 */
	int32_t flags;		/* MSG_* flags as passed */
};

#define ST_DATA_SNIP_MAX 4096

/* The body of a TUPLE frame, then the keys as JSON text
 * (,"proto":"tcp","local":"...","peer":"..."): head.len - 8 bytes. */
struct st_frame_tuple {
	uint32_t id;		/* > 0 */
	uint32_t zero;
};

/* What a decode met besides good frames. */
struct st_binlog_stats {
	uint64_t frames;	/* frames decoded into lines */
	uint64_t bad;		/* corrupt stretches skipped (each counted once) */
	uint64_t bad_bytes;	/* bytes in them */
	uint64_t no_tuple;	/* DATA frames naming a TUPLE frame not found */
};

/* True when the buffer starts with ST_BINLOG_MAGIC. */
bool st_binlog_is(const void *buf, size_t len);

/*
 * Decodes a whole binary log (magic included) into JSON Lines: *out gets a
 * malloc'd buffer of *outlen bytes (not NUL-terminated), each line ending in
 * '\n'.  Anything that is not a well-formed frame is skipped and counted in
 * *st; a DATA frame gives one line, of bounded length, and a TEXT frame its
 * content as it is, with a newline added when missing.  Returns 0, or
 * -1 (errno set) when memory runs out or the input has no magic.
 */
int st_binlog_decode(const unsigned char *in, size_t len, char **out, size_t *outlen,
		     struct st_binlog_stats *st);

#endif
