/*
 * trace.h: what the parser makes of a run's logs: every call record as a
 * compact st_vevent, every header line as an st_header, all strings
 * interned.  This is the first stage of the viewer's pipeline
 * (read -> model -> renderers): the files of viewer/read/ fill it (trace.c
 * is the container, the others read logs into it), the model reads it.
 *
 * Records are kept in the order they were read (file by file, line by
 * line); st_trace_sort() adds the merged time order.  Payloads are kept only
 * as their first ST_SNIP bytes; the raw line of any record can be read again
 * from its file with st_trace_line() (for the SVG hover titles).
 */
#ifndef ST_TRACE_H
#define ST_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocab.h"
#include "read/strtab.h"
#include "read/vmem.h"

/* How many payload bytes the viewer keeps per record: as many as the
 * library keeps in full at the start of a connection (its head), so the
 * protocol readers see whole handshakes and headers. */
#define ST_SNIP 4096

/* What the model makes of a call: the view column of common/calls.def (the
 * library's struct st_call, in preload/event.h, is a call being timed).
 * Anything else is ST_C_OTHER and shown by its logged name. */
enum st_vcall {
	ST_C_OTHER, ST_C_SOCKET, ST_C_SOCKETPAIR, ST_C_BIND, ST_C_LISTEN,
	ST_C_ACCEPT, ST_C_CONNECT, ST_C_SEND, ST_C_RECV, ST_C_SHUTDOWN,
	ST_C_CLOSE, ST_C_CLOSE_RANGE, ST_C_DUP, ST_C_FCNTL, ST_C_SETSOCKOPT,
	ST_C_GETNAME, ST_C_RESOLVE, ST_C_EXEC, ST_C_FORK, ST_C_POLL,
	ST_C_GETSOCKOPT, ST_C_SPAWN, ST_C_TLS_SEND, ST_C_TLS_RECV,
};

/* st_vevent.bits */
#define ST_B_PEEK     0x01	/* MSG_PEEK: the bytes stay queued */
#define ST_B_CLOEXEC  0x02	/* SOCK_CLOEXEC / O_CLOEXEC on the new fd */
#define ST_B_DATA     0x04	/* a payload was logged */
#define ST_B_SHUT_RD  0x08
#define ST_B_SHUT_WR  0x10
#define ST_B_EXECD    0x20	/* header: continues an execve */
#define ST_B_UNREAD_ADDR 0x40	/* "unreadable":"addr": the address argument could not be read */
#define ST_B_UNREAD   0x80	/* "unreadable": another argument (header, payload, ...) */

/* One record as the viewer keeps it (the library's struct st_event, in
 * preload/event.h, is a record being written). */
struct st_vevent {
	int64_t t;		/* start, ns since the epoch, >= 0 */
	int64_t dur;		/* ns, >= 0 */
	int64_t ret;
	int64_t bytes;		/* -1 when absent; poll: nfds */
	uint64_t line;		/* offset of the record's line in its file */
	uint32_t line_len;
	uint32_t name;		/* the logged call name (interned) */
	uint32_t local, peer, addr;	/* interned addresses, 0 when absent */
	uint32_t err;		/* errno name, 0 when the call succeeded */
	uint32_t flags;		/* flags text as logged; getsockopt: opt */
	uint32_t detail;	/* call-specific text: socket family,
				 * setsockopt option, resolver query and
				 * answer, getsockopt's so_error;
				 * NUL-separated parts for exec (path, then
				 * argv) and poll (its fds) */
	uint32_t snip;		/* offset of the payload's first bytes in snips */
	uint32_t hdr;		/* index of the file's header, UINT32_MAX: none */
	int32_t pid, tid;
	int32_t fd;		/* -1 when absent */
	int32_t fd2;		/* socketpair second fd, listen backlog, fork
				 * or posix_spawn child, sendfile input fd,
				 * poll timeout; -1 when absent */
	uint16_t file;
	uint8_t call;		/* enum st_vcall */
	uint8_t proto;		/* enum st_proto (vocab.h) */
	uint8_t bits;		/* ST_B_* */
	uint16_t snip_len;
};

struct st_header {
	int64_t t;
	int32_t pid, ppid, fork_of;	/* fork_of -1 when absent */
	int32_t version;
	uint32_t name;		/* program name: argv[0] or exe, base name */
	uint32_t exe;
	uint32_t first_event;	/* index of the first record after it */
	uint32_t host, boot_id, cgroup;	/* host name, boot id, cgroup; 0: absent */
	int64_t netns;		/* network namespace inode, 0 when absent */
	uint64_t line;		/* offset of its line in its file */
	uint32_t line_len;
	uint16_t file;
	bool execd;
};

struct st_file {
	char *path;		/* as opened */
	const char *name;	/* base name, for messages */
	const char *map;	/* the contents (mapped or read) */
	size_t size;
	bool mapped;
	bool reread;		/* parsed by reading it again from path, when
				 * it is still the file of this device and
				 * inode (input.c) */
	uint64_t dev, ino;
	/* How the log ends (st_trace_endings), for "ends early" notes. */
	bool had_ring;		/* a binary log whose staging ring was left:
				 * its process was killed, or still runs */
	bool cut;		/* its last line is cut short */
	uint64_t missing;	/* bytes of the log its file lacks (binlog.h) */
	uint64_t stop_line;	/* its stop line (docs/log-format.md) */
	uint32_t stop_len;	/* 0: none */
	char stop_why[16];	/* the line's "why" and "errno", "" if none */
	char stop_err[24];
};

/* A memo of interned id -> small value, so each distinct call name, proto
 * or flags text is looked up once. */
struct st_memo {
	uint32_t id[256];
	uint8_t val[256];
};

struct st_trace {
	struct st_file *files;
	uint32_t nfiles;
	struct st_vevent *ev;	/* in a first half (backward): the end of
				 * its space, record k at ev[-1 - k] */
	uint32_t nev, evcap;	/* records, and room for them */
	struct st_header *hdr;
	uint32_t nhdr, hdrcap;
	unsigned char *snips;	/* in a first half: the end of its space */
	size_t nsnips, snipcap;
	/* The mappings that hold ev and snips (vmem.h); none in a second
	 * half's trace, which writes into its parent's (parallel.c). */
	struct st_vmem ev_mem, snip_mem;
	/* The first half of a parallel parse: records and snippets are laid
	 * down from the end of their space, so that the second half's can
	 * start right after it without being copied (parallel.c). */
	bool backward;
	struct st_strtab str;
	uint32_t *order;	/* record indices by (t, read order) */
	int64_t t0;		/* the first record's t */
	uint64_t skipped;	/* malformed lines */
	uint32_t skip_file;	/* where the first one was */
	uint64_t skip_line;
	uint64_t bad_frames;	/* corrupt stretches of binary logs skipped */
	uint64_t bad_bytes;
	char bad_file[64];	/* where the first one was */
	uint64_t no_tuple;	/* data records whose five-tuple was lost */
	uint64_t dropped;	/* records the library dropped (ring full) */
	uint64_t bad_rings;	/* staging rings unreadable or malformed */
	int newest_version;	/* the highest format version seen */
	uint32_t cur_hdr;	/* while parsing: the current file's header */
	uint32_t nparsed;	/* files parsed so far */
	struct st_memo memo[3];	/* call, proto, flag bits */
	uint32_t last_str[48];	/* per key: the last string interned */
	char error[512];	/* why st_trace_add_path failed */
	char *notes;		/* what was left out of single files and why,
				 * one line each ("PATH: why"), for the user */
	size_t notes_len;
	uint32_t nnotes;	/* notes made, some perhaps only counted */
};

/* ---- the reading room, from its top down; each file calls only the
 * ones below it ---- */

/* input.c: adding logs, and the time order. */
/* Adds a log file, or every *.jsonl in a directory (mapped now, parsed by
 * st_trace_sort).  Returns 0, or -1 with tr->error set. */
int st_trace_add_path(struct st_trace *tr, const char *path);
/* Reads a log from memory (copied), named name in messages. */
int st_trace_add_buffer(struct st_trace *tr, const char *name, const void *buf,
			size_t n);
/* Parses what was added, looks at how each file ends (st_trace_endings),
 * then builds tr->order and tr->t0; call after the last add. */
int st_trace_sort(struct st_trace *tr);

/* parallel.c: parses the files added since the last call, on two threads
 * when there is much to read. */
int st_trace_parse_pending(struct st_trace *tr);

/* lines.c: parses bytes [from, to) of file fi, from the start of line
 * lineno, a line at a time. */
void st_trace_parse_range(struct st_trace *tr, uint16_t fi, size_t from,
			  size_t to, uint64_t lineno);

/* lines.c: cuts buf[0, n), the bytes of file fi from byte off on (the
 * start of line *lineno), into lines and parses them: all of it when
 * last, else up to its last '\n'.  Returns how many bytes that was;
 * *lineno counts on.  Records go to the header tr->cur_hdr (left as the
 * last header met, for the next stretch of the same file). */
size_t st_trace_parse_lines(struct st_trace *tr, uint16_t fi, const char *buf, size_t n,
			    uint64_t off, uint64_t *lineno, bool last);

/* parse.c: parses one line into the trace.  false when the line is
 * malformed (the caller counts it with st_trace_skip): then no record or
 * header was added, and when the line holds a NUL byte (never valid JSON)
 * nothing at all was. */
bool st_parse_line(struct st_trace *tr, uint16_t file, uint64_t off,
		   const char *p, size_t n);

/* lines.c: gives back the resident pages of file fi's mapping below byte
 * upto (a line there read again is faulted in again). */
void st_trace_release(const struct st_trace *tr, uint16_t fi, size_t upto);

/* input.c: looks at the end of every file: its stop line, a last line cut
 * short (struct st_file); st_trace_sort calls it. */
void st_trace_endings(struct st_trace *tr);
/* The same for one file whose text ends with [p, p + n). */
void st_file_ending(struct st_file *f, const char *p, size_t n);
/* Whether a name is a log's: *.jsonl or *.stlog, not hidden. */
bool st_is_log_name(const char *name);

/* trace.c: the container itself. */
void st_trace_init(struct st_trace *tr);
void st_trace_free(struct st_trace *tr);
/* Adds a file with no contents yet (the caller parses its lines as they
 * come, tail.c): its index, or -1 (tr->error set). */
int st_trace_new_file(struct st_trace *tr, const char *path);
/* Unmaps (mapped) or frees a file's contents. */
void st_trace_release_map(const char *map, size_t size, bool mapped);
/* Adds a line to tr->notes (printf-like). */
void st_trace_note(struct st_trace *tr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Counts a malformed line, remembering where the first one was. */
void st_trace_skip(struct st_trace *tr, uint16_t file, uint64_t lineno);
/* The raw line of record i (not NUL-terminated). */
const char *st_trace_line(const struct st_trace *tr, uint32_t i, size_t *n);
/* The raw line of header h (not NUL-terminated). */
const char *st_trace_header_line(const struct st_trace *tr, uint32_t h, size_t *n);
/* Shorthand for interned strings. */
const char *st_trace_str(const struct st_trace *tr, uint32_t id, size_t *n);
/* Whether record e failed: with errno err (its name, "ECONNRESET"), or
 * with any errno when err is NULL. */
bool st_vevent_failed(const struct st_trace *tr, const struct st_vevent *e,
		     const char *err);
/* Makes room for `records` more records and `bytes` more snippet bytes
 * (fewer records when that would pass UINT32_MAX): 0, or -1 when it cannot
 * (no memory, or space that is not the trace's own to grow). */
int st_trace_reserve(struct st_trace *tr, uint64_t records, uint64_t bytes);
/* Gives back the room for records and snippets that the parse did not
 * fill (reserved for the most the input could hold). */
void st_trace_trim(struct st_trace *tr);
/* The fewest bytes a record can come from: a JSON object with at least
 * "call", "pid" and "t", `{"call":"","pid":0,"t":0}`.  So n bytes of log
 * hold at most n / ST_MIN_RECORD records, and (each byte of a snippet
 * being at least one byte of its line) at most n bytes of snippets. */
#define ST_MIN_RECORD 25
/* Makes room for need items of size bytes in *p (capacity *cap, doubling
 * from first): 0, or -1 when it cannot. */
int st_grow(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t first);
/* The same for an array of st_big_alloc (vmem.h). */
int st_grow_big(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t first);

/* Reading the raw lines of many records without faulting in the logs'
 * mappings (lineread.c): a few windows of the files read again. */
#define ST_LINE_WINDOWS 4
struct st_line_window {
	char *buf;
	size_t len;
	uint64_t off;		/* file offset of buf[0] */
	uint64_t used;		/* tick of its last use */
	uint32_t file;		/* UINT32_MAX: none */
	int fd;
};
struct st_line_reader {
	struct st_line_window win[ST_LINE_WINDOWS];
	char *big;		/* a line longer than a window */
	size_t big_cap;
	uint64_t tick;
};
void st_line_reader_init(struct st_line_reader *r);
void st_line_reader_free(struct st_line_reader *r);
/* The raw line of record i, like st_trace_line(), valid until the next
 * call with r. */
const char *st_line_read(struct st_line_reader *r, const struct st_trace *tr, uint32_t i,
			 size_t *n);

#endif
