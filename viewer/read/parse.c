/*
 * parse.c: one log line -> one st_vevent or st_header (trace.h).
 *
 * The line is read member by member with the JSON reader (common/json.h);
 * each key we know is remembered by its span, and only then converted and
 * checked, so a key's position and duplicates (the last one wins) do not
 * matter and unknown keys cost a skip.  A line that is not an object, lacks
 * a required key, has a known key of the wrong type, a number out of range
 * or a string that is not a byte string (docs/log-format.md) is skipped and
 * counted; nothing of it enters the trace.
 */
#include "read/trace.h"
#include "json.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest t accepted, and longest dur kept (longer ones are cut), so that
 * t + dur, and twice that, never overflow. */
#define MAX_TIME ((int64_t)1 << 62)
#define MAX_DUR (MAX_TIME - 1)
/* Longest string kept (longer ones are cut). */
#define MAX_STR 4096

enum key {
	K_CALL, K_PID, K_TID, K_T, K_DUR, K_FD, K_RET, K_ERRNO, K_PROTO,
	K_LOCAL, K_PEER, K_ADDR, K_BYTES, K_DATA, K_FLAGS, K_FD2, K_HOW,
	K_BACKLOG, K_LEVEL, K_OPT, K_VAL, K_NODE, K_SERVICE, K_ADDRS, K_PATH,
	K_ARGV, K_CHILD, K_FAMILY, K_CMD, K_SOCKTRACE, K_TYPE, K_PPID, K_EXE,
	K_EXECD, K_FORK_OF, K_FDS, K_SO_ERROR, K_NFDS, K_TIMEOUT, K_HOST,
	K_BOOT_ID, K_NETNS, K_CGROUP, K_UNREADABLE, K_NKEYS
};

/* The known keys of a line: each points into a slot of st_parse_line's
 * array, where the reader wrote the value (no copy of it afterwards). */
struct fields {
	const struct st_json_value *v[K_NKEYS];
	uint64_t have;
};

/* Every call of common/calls.def, wrapped or not, by what the model makes
 * of it. */
static const struct {
	const char *name;
	enum st_vcall call;
} call_names[] = {
#define CALL(name, group, frame, view) { #name, ST_C_##view },
#define VIEW_ONLY(name, group, view) { #name, ST_C_##view },
#include "calls.def"
};

/* The key's index: a switch on the length, then comparisons of a known
 * size (which the compiler turns into a load and a compare). */
static enum key find_key(const struct st_json_value *k)
{
	const char *p = k->p;

	if (k->flags & ST_JSON_ESCAPED)
		return K_NKEYS;
	switch (k->n) {
	case 1:
		if (memcmp(p, "t", 1) == 0)
			return K_T;
		break;
	case 2:
		if (memcmp(p, "fd", 2) == 0)
			return K_FD;
		break;
	case 3:
		if (memcmp(p, "pid", 3) == 0)
			return K_PID;
		if (memcmp(p, "tid", 3) == 0)
			return K_TID;
		if (memcmp(p, "dur", 3) == 0)
			return K_DUR;
		if (memcmp(p, "ret", 3) == 0)
			return K_RET;
		if (memcmp(p, "fd2", 3) == 0)
			return K_FD2;
		if (memcmp(p, "how", 3) == 0)
			return K_HOW;
		if (memcmp(p, "opt", 3) == 0)
			return K_OPT;
		if (memcmp(p, "val", 3) == 0)
			return K_VAL;
		if (memcmp(p, "cmd", 3) == 0)
			return K_CMD;
		if (memcmp(p, "exe", 3) == 0)
			return K_EXE;
		if (memcmp(p, "fds", 3) == 0)
			return K_FDS;
		break;
	case 4:
		if (memcmp(p, "call", 4) == 0)
			return K_CALL;
		if (memcmp(p, "peer", 4) == 0)
			return K_PEER;
		if (memcmp(p, "addr", 4) == 0)
			return K_ADDR;
		if (memcmp(p, "data", 4) == 0)
			return K_DATA;
		if (memcmp(p, "node", 4) == 0)
			return K_NODE;
		if (memcmp(p, "path", 4) == 0)
			return K_PATH;
		if (memcmp(p, "argv", 4) == 0)
			return K_ARGV;
		if (memcmp(p, "type", 4) == 0)
			return K_TYPE;
		if (memcmp(p, "ppid", 4) == 0)
			return K_PPID;
		if (memcmp(p, "nfds", 4) == 0)
			return K_NFDS;
		if (memcmp(p, "host", 4) == 0)
			return K_HOST;
		break;
	case 5:
		if (memcmp(p, "errno", 5) == 0)
			return K_ERRNO;
		if (memcmp(p, "proto", 5) == 0)
			return K_PROTO;
		if (memcmp(p, "local", 5) == 0)
			return K_LOCAL;
		if (memcmp(p, "bytes", 5) == 0)
			return K_BYTES;
		if (memcmp(p, "flags", 5) == 0)
			return K_FLAGS;
		if (memcmp(p, "level", 5) == 0)
			return K_LEVEL;
		if (memcmp(p, "addrs", 5) == 0)
			return K_ADDRS;
		if (memcmp(p, "child", 5) == 0)
			return K_CHILD;
		if (memcmp(p, "execd", 5) == 0)
			return K_EXECD;
		if (memcmp(p, "netns", 5) == 0)
			return K_NETNS;
		break;
	case 6:
		if (memcmp(p, "family", 6) == 0)
			return K_FAMILY;
		if (memcmp(p, "cgroup", 6) == 0)
			return K_CGROUP;
		break;
	case 7:
		if (memcmp(p, "backlog", 7) == 0)
			return K_BACKLOG;
		if (memcmp(p, "service", 7) == 0)
			return K_SERVICE;
		if (memcmp(p, "fork_of", 7) == 0)
			return K_FORK_OF;
		if (memcmp(p, "timeout", 7) == 0)
			return K_TIMEOUT;
		if (memcmp(p, "boot_id", 7) == 0)
			return K_BOOT_ID;
		break;
	case 8:
		if (memcmp(p, "so_error", 8) == 0)
			return K_SO_ERROR;
		break;
	case 9:
		if (memcmp(p, "socktrace", 9) == 0)
			return K_SOCKTRACE;
		break;
	case 10:
		if (memcmp(p, "unreadable", 10) == 0)
			return K_UNREADABLE;
		break;
	default:
		break;
	}
	return K_NKEYS;
}

static bool has(const struct fields *f, enum key k)
{
	return f->have & ((uint64_t)1 << k);
}

/* An integer key in [lo, hi]; absent keys give def.  -1 when malformed. */
static int get_int(const struct fields *f, enum key k, int64_t lo, int64_t hi,
		   int64_t def, int64_t *out)
{
	if (!has(f, k)) {
		*out = def;
		return 0;
	}
	if (st_json_get_int(f->v[k], out) < 0 || *out < lo || *out > hi)
		return -1;
	return 0;
}

/* Decodes a string value into buf (at most MAX_STR bytes); the length, or
 * -1 when it is not a byte string. */
static long decode_str(const struct st_json_value *v, unsigned char *buf)
{
	if (v->type != ST_JSON_STRING || (v->flags & ST_JSON_WIDE))
		return -1;
	if (!(v->flags & ST_JSON_ESCAPED)) {
		size_t n = v->n < MAX_STR ? v->n : MAX_STR;

		memcpy(buf, v->p, n);
		return (long)n;
	}
	if (v->n <= MAX_STR)
		return st_decode_bytes(buf, v->p, v->n);
	return st_json_decode_prefix(v, buf, MAX_STR);
}

/* Interns a string key: 0 when absent, -1 (as a negative return) when
 * malformed. */
static int intern_key(struct st_trace *tr, const struct fields *f, enum key k,
		      uint32_t *id)
{
	unsigned char buf[MAX_STR];
	long n;

	*id = 0;
	if (!has(f, k))
		return 0;
	if (!(f->v[k]->flags & ST_JSON_ESCAPED) && f->v[k]->type == ST_JSON_STRING &&
	    !(f->v[k]->flags & ST_JSON_WIDE) && f->v[k]->n <= MAX_STR) {
		/* Consecutive records mostly repeat their strings. */
		size_t ln;
		const char *last = st_strtab_get(&tr->str, tr->last_str[k], &ln);

		if (tr->last_str[k] && ln == f->v[k]->n && memcmp(last, f->v[k]->p, ln) == 0) {
			*id = tr->last_str[k];
			return 0;
		}
		*id = st_strtab_intern(&tr->str, f->v[k]->p, f->v[k]->n);
		tr->last_str[k] = *id;
		return 0;
	}
	if ((n = decode_str(f->v[k], buf)) < 0)
		return -1;
	*id = st_strtab_intern(&tr->str, buf, (size_t)n);
	return 0;
}

static enum st_vcall lookup_call(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(call_names) / sizeof(call_names[0]); i++)
		if (strlen(call_names[i].name) == n && memcmp(call_names[i].name, s, n) == 0)
			return call_names[i].call;
	return ST_C_OTHER;
}

static enum st_proto lookup_proto(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < ST_P_COUNT; i++)
		if (strlen(st_proto_names[i]) == n && memcmp(st_proto_names[i], s, n) == 0)
			return (enum st_proto)i;
	return ST_P_OTHER;
}

static bool memo_get(const struct st_memo *m, uint32_t id, uint8_t *val)
{
	if (m->id[id & 255] != id || id == 0)
		return false;
	*val = m->val[id & 255];
	return true;
}

static void memo_put(struct st_memo *m, uint32_t id, uint8_t val)
{
	m->id[id & 255] = id;
	m->val[id & 255] = val;
}

static uint8_t flag_bits(const struct st_trace *tr, uint32_t id)
{
	size_t n;
	const char *s = st_trace_str(tr, id, &n);
	uint8_t b = 0;

	if (memmem(s, n, "MSG_PEEK", 8))
		b |= ST_B_PEEK;
	if (memmem(s, n, "CLOEXEC", 7))
		b |= ST_B_CLOEXEC;
	return b;
}

/* Appends text to a detail buffer, cutting at its end. */
struct detail {
	unsigned char buf[512];
	size_t len;
};

static void detail_put(struct detail *d, const void *s, size_t n)
{
	if (n > sizeof(d->buf) - d->len)
		n = sizeof(d->buf) - d->len;
	memcpy(d->buf + d->len, s, n);
	d->len += n;
}

static int detail_str(struct detail *d, const struct fields *f, enum key k)
{
	unsigned char buf[MAX_STR];
	long n;

	if (!has(f, k))
		return 0;
	if (f->v[k]->type == ST_JSON_NUMBER) {
		detail_put(d, f->v[k]->p, f->v[k]->n);
		return 0;
	}
	if ((n = decode_str(f->v[k], buf)) < 0)
		return -1;
	detail_put(d, buf, (size_t)n);
	return 0;
}

/* The strings of an array, each after sep (but the first when first). */
static int detail_list(struct detail *d, const struct fields *f, enum key k,
		       const char *sep, size_t seplen, bool first)
{
	struct st_json_iter it;
	struct st_json_value v;
	unsigned char buf[MAX_STR];
	int r, i = first ? 0 : 1;
	long n;

	if (!has(f, k))
		return 0;
	if (st_json_array_begin(&it, f->v[k]) < 0)
		return -1;
	while ((r = st_json_array_next(&it, &v)) > 0) {
		if ((n = decode_str(&v, buf)) < 0)
			return -1;
		if (i++)
			detail_put(d, sep, seplen);
		detail_put(d, buf, (size_t)n);
	}
	return r;
}

/* The call-specific text of an event. */
static int make_detail(struct st_trace *tr, const struct fields *f,
		       enum st_vcall call, uint32_t *id)
{
	struct detail d;

	d.len = 0;
	*id = 0;
	switch (call) {
	case ST_C_SOCKET:
		if (detail_str(&d, f, K_FAMILY) < 0)
			return -1;
		break;
	case ST_C_SETSOCKOPT:
		if (detail_str(&d, f, K_LEVEL) < 0)
			return -1;
		detail_put(&d, " ", 1);
		if (detail_str(&d, f, K_OPT) < 0)
			return -1;
		if (has(f, K_VAL)) {
			detail_put(&d, "=", 1);
			if (detail_str(&d, f, K_VAL) < 0)
				return -1;
		}
		break;
	case ST_C_FCNTL:
		if (detail_str(&d, f, K_CMD) < 0)
			return -1;
		break;
	case ST_C_GETSOCKOPT:
		/* SO_ERROR: how a non-blocking connect ended. */
		if (detail_str(&d, f, K_SO_ERROR) < 0)
			return -1;
		break;
	case ST_C_POLL:
		if (detail_list(&d, f, K_FDS, "", 1, true) < 0)
			return -1;
		break;
	case ST_C_EXEC:
		if (detail_str(&d, f, K_PATH) < 0 ||
		    detail_list(&d, f, K_ARGV, "", 1, false) < 0)
			return -1;
		break;
	case ST_C_SPAWN:
		if (detail_str(&d, f, K_PATH) < 0)
			return -1;
		break;
	case ST_C_RESOLVE:
		if (detail_str(&d, f, K_NODE) < 0)
			return -1;
		if (has(f, K_SERVICE)) {
			detail_put(&d, " ", 1);
			if (detail_str(&d, f, K_SERVICE) < 0)
				return -1;
		}
		if (has(f, K_ADDRS)) {
			detail_put(&d, " -> ", 4);
			if (detail_list(&d, f, K_ADDRS, ", ", 2, true) < 0)
				return -1;
		}
		break;
	default:
		return 0;
	}
	if (d.len)
		*id = st_strtab_intern(&tr->str, d.buf, d.len);
	return 0;
}

/* The program name from argv[0] (or exe), without its directory. */
static uint32_t program_name(struct st_trace *tr, const struct fields *f,
			     uint32_t exe)
{
	unsigned char buf[MAX_STR];
	struct st_json_iter it;
	struct st_json_value v;
	const unsigned char *s = buf, *slash, *sp;
	long n = -1;

	if (has(f, K_ARGV) && st_json_array_begin(&it, f->v[K_ARGV]) == 0 &&
	    st_json_array_next(&it, &v) > 0)
		n = decode_str(&v, buf);
	if (n <= 0) {
		size_t len;

		s = (const unsigned char *)st_trace_str(tr, exe, &len);
		n = (long)len;
	}
	/* A title the program set itself (setproctitle: "nginx: worker
	 * process", "redis-server 127.0.0.1:6379") names it by its first word;
	 * a first word with a slash is a path, perhaps with a space in it. */
	if (n > 0 && (sp = memchr(s, ' ', (size_t)n)) != NULL && sp > s &&
	    !memchr(s, '/', (size_t)(sp - s))) {
		n = sp - s;
		if (n > 1 && s[n - 1] == ':')
			n--;
	}
	while (n > 0 && (slash = memchr(s, '/', (size_t)n)) != NULL) {
		if (slash + 1 == s + n)
			break;	/* a trailing slash: keep it */
		n -= slash + 1 - s;
		s = slash + 1;
	}
	return st_strtab_intern(&tr->str, s, (size_t)(n > 0 ? n : 0));
}

static int parse_header(struct st_trace *tr, const struct fields *f,
			uint16_t file, uint64_t off, size_t n)
{
	struct st_header h;
	int64_t v;

	memset(&h, 0, sizeof(h));
	if (!has(f, K_PID))
		return -1;
	if (get_int(f, K_PID, 0, INT32_MAX, 0, &v) < 0)
		return -1;
	h.pid = (int32_t)v;
	if (get_int(f, K_PPID, 0, INT32_MAX, 0, &v) < 0)
		return -1;
	h.ppid = (int32_t)v;
	if (get_int(f, K_FORK_OF, -1, INT32_MAX, -1, &v) < 0)
		return -1;
	h.fork_of = (int32_t)v;
	if (get_int(f, K_T, 0, MAX_TIME, 0, &h.t) < 0)
		return -1;
	if (get_int(f, K_SOCKTRACE, 0, INT32_MAX, 1, &v) < 0)
		return -1;
	h.version = (int32_t)v;
	if (has(f, K_EXECD)) {
		if (f->v[K_EXECD]->type == ST_JSON_TRUE)
			h.execd = true;
		else if (f->v[K_EXECD]->type != ST_JSON_FALSE)
			return -1;
	}
	if (has(f, K_ARGV) && f->v[K_ARGV]->type != ST_JSON_ARRAY)
		return -1;
	if (intern_key(tr, f, K_EXE, &h.exe) < 0)
		return -1;
	/* Who the host is (logs of older versions have none of these). */
	if (intern_key(tr, f, K_HOST, &h.host) < 0 ||
	    intern_key(tr, f, K_BOOT_ID, &h.boot_id) < 0 ||
	    intern_key(tr, f, K_CGROUP, &h.cgroup) < 0)
		return -1;
	if (get_int(f, K_NETNS, 0, INT64_MAX, 0, &h.netns) < 0)
		return -1;
	h.name = program_name(tr, f, h.exe);
	h.file = file;
	h.line = off;
	h.line_len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	h.first_event = tr->nev;
	if (st_grow((void **)&tr->hdr, &tr->hdrcap, tr->nhdr + 1, sizeof(h), 1024) < 0)
		return -1;
	if (h.version > tr->newest_version)
		tr->newest_version = h.version;
	tr->cur_hdr = tr->nhdr;
	tr->hdr[tr->nhdr++] = h;
	return 0;
}

/* Where the next record goes: the next slot, or in a first half
 * (backward) the next one down from the end; NULL when there is no room. */
static struct st_vevent *new_event(struct st_trace *tr)
{
	if (tr->nev >= tr->evcap &&
	    st_trace_reserve(tr, tr->nev > 1024 ? tr->nev : 1024, 0) < 0)
		return NULL;
	return tr->backward ? tr->ev - tr->nev - 1 : tr->ev + tr->nev;
}

static int store_snippet(struct st_trace *tr, const struct st_json_value *v,
			 struct st_vevent *e)
{
	unsigned char buf[ST_SNIP], *dst;
	long n = st_json_decode_prefix(v, buf, sizeof(buf));

	if (n < 0)
		return -1;
	e->bits |= ST_B_DATA;
	if (n == 0 || tr->nsnips + (size_t)n > UINT32_MAX)
		return 0;
	if (tr->nsnips + (size_t)n > tr->snipcap &&
	    st_trace_reserve(tr, 0, tr->nsnips > (1 << 16) ? tr->nsnips : 1 << 16) < 0)
		return 0;
	if (tr->backward) {
		/* Its distance from the end, made an offset when the halves
		 * are joined. */
		dst = tr->snips - tr->nsnips - (size_t)n;
		e->snip = (uint32_t)(tr->nsnips + (size_t)n);
	} else {
		dst = tr->snips + tr->nsnips;
		e->snip = (uint32_t)tr->nsnips;
	}
	memcpy(dst, buf, (size_t)n);
	e->snip_len = (uint16_t)n;
	tr->nsnips += (size_t)n;
	return 0;
}

static int parse_call(struct st_trace *tr, const struct fields *f, uint16_t file,
		      uint64_t off, size_t len)
{
	struct st_vevent e, *slot;
	int64_t v;
	uint8_t small;

	memset(&e, 0, sizeof(e));
	if (!has(f, K_PID) || !has(f, K_T) || f->v[K_CALL]->type != ST_JSON_STRING)
		return -1;
	if (get_int(f, K_PID, 0, INT32_MAX, 0, &v) < 0)
		return -1;
	e.pid = (int32_t)v;
	if (get_int(f, K_TID, 0, INT32_MAX, e.pid, &v) < 0)
		return -1;
	e.tid = (int32_t)v;
	if (get_int(f, K_T, 0, MAX_TIME, 0, &e.t) < 0)
		return -1;
	if (get_int(f, K_DUR, INT64_MIN, INT64_MAX, 0, &e.dur) < 0)
		return -1;
	e.dur = e.dur < 0 ? 0 : e.dur > MAX_DUR ? MAX_DUR : e.dur;
	if (get_int(f, K_RET, INT64_MIN, INT64_MAX, 0, &e.ret) < 0)
		return -1;
	if (get_int(f, K_FD, -1, INT32_MAX, -1, &v) < 0)
		return -1;
	e.fd = (int32_t)v;
	if (get_int(f, K_BYTES, INT64_MIN, INT64_MAX, -1, &e.bytes) < 0)
		return -1;
	if (e.bytes < -1)
		e.bytes = -1;
	/* fd2 carries whichever of these the call has. */
	e.fd2 = -1;
	if (has(f, K_FD2) || has(f, K_BACKLOG) || has(f, K_CHILD)) {
		enum key k = has(f, K_FD2) ? K_FD2 : has(f, K_BACKLOG) ? K_BACKLOG : K_CHILD;

		if (get_int(f, k, INT32_MIN, INT32_MAX, -1, &v) < 0)
			return -1;
		e.fd2 = (int32_t)v;
	}
	if (has(f, K_TIMEOUT) || has(f, K_NFDS)) {
		/* poll: the timeout in fd2, nfds in bytes. */
		if (get_int(f, K_TIMEOUT, INT32_MIN, INT32_MAX, -1, &v) < 0 ||
		    get_int(f, K_NFDS, 0, INT64_MAX, -1, &e.bytes) < 0)
			return -1;
		e.fd2 = (int32_t)v;
	}
	if (intern_key(tr, f, K_CALL, &e.name) < 0 || e.name == 0)
		return -1;
	if (!memo_get(&tr->memo[0], e.name, &small)) {
		size_t n;
		const char *s = st_trace_str(tr, e.name, &n);

		small = (uint8_t)lookup_call(s, n);
		memo_put(&tr->memo[0], e.name, small);
	}
	e.call = small;
	if (intern_key(tr, f, K_LOCAL, &e.local) < 0 ||
	    intern_key(tr, f, K_PEER, &e.peer) < 0 ||
	    intern_key(tr, f, K_ADDR, &e.addr) < 0 ||
	    intern_key(tr, f, K_ERRNO, &e.err) < 0 ||
	    intern_key(tr, f, K_FLAGS, &e.flags) < 0)
		return -1;
	/* getsockopt has no flags: its option goes there. */
	if (e.call == ST_C_GETSOCKOPT && intern_key(tr, f, K_OPT, &e.flags) < 0)
		return -1;
	if (has(f, K_PROTO)) {
		uint32_t id;

		if (intern_key(tr, f, K_PROTO, &id) < 0)
			return -1;
		if (!memo_get(&tr->memo[1], id, &small)) {
			size_t n;
			const char *s = st_trace_str(tr, id, &n);

			small = (uint8_t)lookup_proto(s, n);
			memo_put(&tr->memo[1], id, small);
		}
		e.proto = small;
	}
	if (e.flags) {
		if (!memo_get(&tr->memo[2], e.flags, &small)) {
			small = flag_bits(tr, e.flags);
			memo_put(&tr->memo[2], e.flags, small);
		}
		e.bits |= small;
	}
	if (has(f, K_HOW)) {
		const struct st_json_value *h = f->v[K_HOW];

		if (h->type != ST_JSON_STRING)
			return -1;
		if (memmem(h->p, h->n, "RD", 2))
			e.bits |= ST_B_SHUT_RD;
		if (memmem(h->p, h->n, "WR", 2))
			e.bits |= ST_B_SHUT_WR;
	}
	if (has(f, K_UNREADABLE)) {
		const struct st_json_value *u = f->v[K_UNREADABLE];

		if (u->type != ST_JSON_STRING)
			return -1;
		e.bits |= u->n == 4 && memcmp(u->p, "addr", 4) == 0 ? ST_B_UNREAD_ADDR
								    : ST_B_UNREAD;
	}
	if (make_detail(tr, f, (enum st_vcall)e.call, &e.detail) < 0)
		return -1;
	if (has(f, K_DATA) && store_snippet(tr, f->v[K_DATA], &e) < 0)
		return -1;
	e.line = off;
	e.line_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	e.file = file;
	e.hdr = tr->cur_hdr;
	if (e.hdr != UINT32_MAX && tr->hdr[e.hdr].pid != e.pid)
		e.hdr = UINT32_MAX;
	if (!(slot = new_event(tr)))
		return -1;
	*slot = e;
	tr->nev++;
	return 0;
}

static bool is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

bool st_parse_line(struct st_trace *tr, uint16_t file, uint64_t off,
		   const char *p, size_t n)
{
	struct st_json_iter it;
	struct st_json_value k, slot[K_NKEYS + 1];
	struct fields f;
	unsigned used = 0;
	int r;
	enum key key;

	if (is_blank(p, n))
		return true;
	f.have = 0;
	if (st_json_object_begin(&it, p, n) < 0)
		goto bad;
	/* Each value is read into the next free slot, which a known key keeps
	 * (a repeated key overwrites its first slot: the last one wins). */
	while ((r = st_json_object_next(&it, &k, &slot[used])) > 0) {
		if ((key = find_key(&k)) == K_NKEYS)
			continue;
		if (has(&f, key)) {
			slot[f.v[key] - slot] = slot[used];
			continue;
		}
		f.v[key] = &slot[used++];
		f.have |= (uint64_t)1 << key;
	}
	if (r < 0)
		goto bad;
	if (has(&f, K_SOCKTRACE) ||
	    (has(&f, K_TYPE) && f.v[K_TYPE]->type == ST_JSON_STRING &&
	     st_json_key_is(f.v[K_TYPE], "header"))) {
		return parse_header(tr, &f, file, off, n) == 0;
	}
	/* The stop line (docs/log-format.md): no record; read with the
	 * file's end (st_trace_endings). */
	if (!has(&f, K_CALL) && has(&f, K_TYPE) && f.v[K_TYPE]->type == ST_JSON_STRING &&
	    st_json_key_is(f.v[K_TYPE], "stop"))
		return true;
	return has(&f, K_CALL) && parse_call(tr, &f, file, off, n) == 0;
bad:
	return false;
}
