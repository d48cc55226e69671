/*
 * test_examples.c: every example pair runs under the library over loopback
 * (127.0.0.1, ::1, AF_UNIX), and every record is checked against the ground
 * truth the programs print about themselves (the "@ " lines of show.h).
 *
 * The check, per program (its process and the children it forks):
 * - each "@" line is matched, in the order the program printed it, to the
 *   next record of one of its processes that does the same thing on the same
 *   fd (listen, bind, accept, connect, send..., recv..., close); the records
 *   skipped on the way must be ones without a line of their own (socket,
 *   setsockopt, getsockname, an EOF read, an EAGAIN, ...), and none may be
 *   left over;
 * - the matched record's proto, local and peer equal the line's, and its
 *   bytes the line's bytes;
 * - the data snippets of each connection, joined, equal what its other end
 *   received and sent, and the messages themselves (upper-cased on replies);
 * - each log starts with a header (version 1, pid, ppid, exe, argv), parses
 *   entirely, and has mode 0600.
 * Then the cases with something of their own: a refused connect, payload
 * sizes, an unwritable log directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>

#include "harness.h"

#define MAX_AT 256
#define MAX_STREAMS 64
#define MAX_PIDS 16

/* One program of a run: what was started and what it printed. */
struct prog {
	const char *argv[16];
	struct h_proc p;
	struct h_at at[MAX_AT];
	int nat;
};

/* The data of one connection end as the records show it. */
struct stream {
	int64_t pid, fd;
	char proto[H_STR];
	char local[ST_ADDR_MAX], peer[ST_ADDR_MAX];
	struct h_buf data[2];	/* 0 sent, 1 received */
	int64_t bytes[2];
	bool cut;		/* some snippet shorter than its bytes */
	bool paired;
};

struct run {
	char dir[64];
	struct h_log log;
	int errors;
	struct stream streams[MAX_STREAMS];
	int nstreams;
	int64_t payload;	/* what the headers must say */
	int64_t head;		/* bytes of each direction kept in full */
};

static void report(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	print_message("MISMATCH: %s\n", msg);
	r->errors++;
}

static void run_init(struct run *r)
{
	memset(r, 0, sizeof *r);
	h_tmpdir(r->dir);
	r->payload = 64;
}

/* Fails the test when anything was reported, with the records; otherwise
 * removes the logs. */
static void run_finish(struct run *r)
{
	if (r->errors) {
		print_message("records in %s:\n", r->dir);
		h_log_dump(&r->log);
		fail_msg("%d mismatch(es) between the logs in %s and the programs' own lines",
			 r->errors, r->dir);
	}
	for (int i = 0; i < r->nstreams; i++) {
		free(r->streams[i].data[0].p);
		free(r->streams[i].data[1].p);
	}
	h_log_free(&r->log);
	h_rmtree(r->dir);
}

static void start(struct run *r, struct prog *pg, const char *const env[])
{
	struct h_opts o = { .logdir = r->dir };

	for (int i = 0; env && env[i] && i < 7; i++)
		o.env[i] = env[i];
	h_start(&pg->p, &o, pg->argv);
}

static void finish(struct prog *pg)
{
	h_wait_ok(&pg->p);
	pg->nat = h_at_parse(pg->p.out.p, pg->at, MAX_AT);
}

/* ---- matching records to "@" lines ---------------------------------------- */

static bool call_in(const char *call, const char *const set[])
{
	for (int i = 0; set[i]; i++)
		if (strcmp(call, set[i]) == 0)
			return true;
	return false;
}

static const char *const send_calls[] = { "send", "sendto", "sendmsg", "write", "writev", NULL };
static const char *const recv_calls[] = { "recv", "recvfrom", "recvmsg", "read", "readv", NULL };

/* Records no "@" line stands for. */
static bool is_extra(const struct h_rec *r)
{
	static const char *const quiet[] = {
		"socket", "bind", "setsockopt", "getsockopt", "getsockname", "getpeername", "getaddrinfo",
		"gethostbyname", "gethostbyname2", "fcntl", "fcntl64", "fork", "shutdown", "poll", "ppoll",
		NULL,
	};

	if (call_in(r->call, quiet))
		return true;
	if (r->has_errno && (strcmp(r->errno_name, "EAGAIN") == 0 ||
			     strcmp(r->errno_name, "EWOULDBLOCK") == 0))
		return true;
	if (call_in(r->call, recv_calls) && r->ret == 0)
		return true;	/* end of stream */
	return false;
}

static bool matches(const struct h_rec *r, const struct h_at *a)
{
	const char *e = a->event;

	if (strcmp(e, "listen") == 0)
		return strcmp(r->call, "listen") == 0 && r->fd == a->fd && r->ret == 0;
	if (strcmp(e, "bound") == 0)
		return strcmp(r->call, "bind") == 0 && r->fd == a->fd && r->ret == 0;
	if (strcmp(e, "accepted") == 0)
		return (strcmp(r->call, "accept") == 0 || strcmp(r->call, "accept4") == 0) &&
		       r->ret == a->fd;
	if (strcmp(e, "connecting") == 0)
		return strcmp(r->call, "connect") == 0 && r->fd == a->fd && r->ret == -1 &&
		       strcmp(r->errno_name, "EINPROGRESS") == 0;
	if (strcmp(e, "connected") == 0)
		return (strcmp(r->call, "connect") == 0 && r->fd == a->fd && r->ret == 0) ||
		       (strcmp(r->call, "socketpair") == 0 && r->ret == 0 &&
			(r->fd == a->fd || r->fd2 == a->fd));
	if (strcmp(e, "sent") == 0)
		return call_in(r->call, send_calls) && r->fd == a->fd && r->ret == a->bytes;
	if (strcmp(e, "received") == 0)
		return call_in(r->call, recv_calls) && r->fd == a->fd && r->ret == a->bytes;
	if (strcmp(e, "closed") == 0)
		return strcmp(r->call, "close") == 0 && r->fd == a->fd && r->ret == 0;
	return false;
}

/* The bytes a record must keep: its bytes, cut to the payload setting, or
 * to what is left of the head of its direction (head bytes, of which
 * `before` went earlier) when that is more. */
static size_t want_kept(int64_t payload, int64_t head, int64_t before, int64_t bytes)
{
	size_t want = (size_t)bytes;

	if (payload < 0)
		return want;
	if (want > (size_t)payload)
		want = (size_t)payload;
	if (head - before > (int64_t)want)
		want = (size_t)(head - before < bytes ? head - before : bytes);
	return want;
}

/* The same for a record of the log, counting in moved[] (by pid, fd and
 * direction) what went before. */
static size_t want_kept_rec(int64_t payload, int64_t head, const struct h_rec *rec,
			    int64_t (*moved)[4])
{
	bool in = strncmp(rec->call, "recv", 4) == 0 || strncmp(rec->call, "read", 4) == 0;
	size_t i, want;

	for (i = 0; moved[i][0] && (moved[i][0] != rec->pid || moved[i][1] != rec->fd ||
				     moved[i][2] != in); i++)
		;
	moved[i][0] = rec->pid, moved[i][1] = rec->fd, moved[i][2] = in;
	want = want_kept(payload, head, moved[i][3], rec->bytes);
	moved[i][3] += rec->bytes;
	return want;
}

static void check_end(struct run *r, const struct h_rec *rec, const struct h_at *a,
		      const char *what, bool at_has, const char *at_val, bool rec_has,
		      const char *rec_val)
{
	if (at_has && !rec_has)
		report(r, "@ %s fd=%d: %s=%s, record %s (pid %lld) has no %s", a->event, a->fd,
		       what, at_val, rec->call, (long long)rec->pid, what);
	else if (!at_has && rec_has)
		report(r, "@ %s fd=%d: no %s, record %s (pid %lld) has %s=\"%s\"", a->event, a->fd,
		       what, rec->call, (long long)rec->pid, what, rec_val);
	else if (at_has && strcmp(at_val, rec_val) != 0)
		report(r, "@ %s fd=%d: %s=%s, record %s (pid %lld) has \"%s\"", a->event, a->fd,
		       what, at_val, rec->call, (long long)rec->pid, rec_val);
}

static struct stream *stream_of(struct run *r, const struct h_rec *rec)
{
	struct stream *s;

	for (int i = 0; i < r->nstreams; i++) {
		s = &r->streams[i];
		if (s->pid == rec->pid && s->fd == rec->fd && strcmp(s->local, rec->local) == 0 &&
		    strcmp(s->peer, rec->peer) == 0)
			return s;
	}
	if (r->nstreams == MAX_STREAMS)
		fail_msg("too many streams");
	s = &r->streams[r->nstreams++];
	memset(s, 0, sizeof *s);
	s->pid = rec->pid;
	s->fd = rec->fd;
	strcpy(s->proto, rec->proto);
	strcpy(s->local, rec->local);
	strcpy(s->peer, rec->peer);
	h_buf_append(&s->data[0], "", 0);
	h_buf_append(&s->data[1], "", 0);
	return s;
}

/* The checks of one matched pair. */
static void check_match(struct run *r, const struct h_rec *rec, const struct h_at *a)
{
	bool data = strcmp(a->event, "sent") == 0 || strcmp(a->event, "received") == 0;

	if (strcmp(rec->proto, a->proto) != 0)
		report(r, "@ %s fd=%d: proto=%s, record %s has \"%s\"", a->event, a->fd, a->proto,
		       rec->call, rec->proto);
	check_end(r, rec, a, "local", a->has_local, a->local, rec->has_local, rec->local);
	/* A connect under way names the address it was given (getpeername
	 * cannot answer yet). */
	if (!(strcmp(a->event, "connecting") == 0 && !a->has_peer && rec->has_peer &&
	      rec->has_addr && strcmp(rec->peer, rec->addr) == 0))
		check_end(r, rec, a, "peer", a->has_peer, a->peer, rec->has_peer, rec->peer);
	if (data) {
		struct stream *s = stream_of(r, rec);
		int dir = strcmp(a->event, "received") == 0;
		size_t want = want_kept(r->payload, r->head, s->bytes[dir], a->bytes);

		if (!rec->has_bytes || rec->bytes != a->bytes)
			report(r, "@ %s fd=%d bytes=%ld: record %s has bytes=%lld", a->event, a->fd,
			       a->bytes, rec->call, (long long)rec->bytes);
		if (want > 0 && !rec->has_data)
			report(r, "@ %s fd=%d bytes=%ld: record %s has no data", a->event, a->fd,
			       a->bytes, rec->call);
		else if (rec->data_len != want)
			report(r, "@ %s fd=%d bytes=%ld: record %s has %zu data bytes, want %zu",
			       a->event, a->fd, a->bytes, rec->call, rec->data_len, want);
		if (rec->has_data)
			h_buf_append(&s->data[dir], (const char *)rec->data, rec->data_len);
		s->bytes[dir] += rec->bytes;
		if (rec->data_len < (size_t)rec->bytes)
			s->cut = true;
	}
}

/* Whether a "connected" line without a record of its own is accounted for:
 * the other end of a socketpair, or a non-blocking connect finishing. */
static bool virtual_connected(const struct h_log *log, const bool *used, const int64_t *pids,
			      int npids, const struct h_at *a)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct h_rec *rec = &log->r[i];
		bool ours = false;

		for (int k = 0; k < npids; k++)
			ours |= rec->pid == pids[k];
		if (!ours || !used[i])
			continue;
		if (strcmp(rec->call, "socketpair") == 0 && rec->fd2 == a->fd)
			return true;
		if (strcmp(rec->call, "connect") == 0 && rec->fd == a->fd &&
		    strcmp(rec->errno_name, "EINPROGRESS") == 0)
			return true;
	}
	return false;
}

/* The pids of a program: its own and those of the children it forked. */
static int family_of(const struct h_log *log, int64_t root, int64_t *pids)
{
	int n = 1;
	bool grew = true;

	pids[0] = root;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < log->n; i++) {
			const struct h_rec *rec = &log->r[i];
			bool have = false, parent = false;

			if (!rec->header || !rec->has_fork_of)
				continue;
			for (int k = 0; k < n; k++) {
				have |= pids[k] == rec->pid;
				parent |= pids[k] == rec->fork_of;
			}
			if (parent && !have && n < MAX_PIDS) {
				pids[n++] = rec->pid;
				grew = true;
			}
		}
	}
	return n;
}

/* Headers: first line of each file, version 1, the process's identity. */
static void check_headers(struct run *r, const struct prog *pg, const int64_t *pids, int npids)
{
	char exe[PATH_MAX];

	if (realpath(pg->argv[0], exe) == NULL)
		fail_msg("realpath %s", pg->argv[0]);
	for (int k = 0; k < npids; k++) {
		const struct h_rec *h = h_header_of(&r->log, pids[k]);

		if (h == NULL) {
			report(r, "no header for pid %lld", (long long)pids[k]);
			continue;
		}
		if (h->version != 1)
			report(r, "pid %lld: header socktrace=%lld", (long long)pids[k],
			       (long long)h->version);
		if (strcmp(h->exe, exe) != 0)
			report(r, "pid %lld: header exe=%s, want %s", (long long)pids[k], h->exe, exe);
		if (h->payload != r->payload)
			report(r, "pid %lld: header payload=%lld, want %lld", (long long)pids[k],
			       (long long)h->payload, (long long)r->payload);
		if (k == 0) {
			int argc = 0;

			if (h->ppid != getpid())
				report(r, "pid %lld: header ppid=%lld, want %d", (long long)pids[k],
				       (long long)h->ppid, (int)getpid());
			if (h->has_fork_of)
				report(r, "pid %lld: fork_of in a process that was not forked",
				       (long long)pids[k]);
			while (pg->argv[argc])
				argc++;
			if (h->argc != argc)
				report(r, "pid %lld: header argv has %d items, want %d",
				       (long long)pids[k], h->argc, argc);
			for (int i = 0; i < argc && i < h->argc && i < 8; i++)
				if (strcmp(h->argv[i], pg->argv[i]) != 0)
					report(r, "pid %lld: argv[%d]=%s, want %s", (long long)pids[k],
					       i, h->argv[i], pg->argv[i]);
		} else {
			if (!h->has_fork_of)
				report(r, "pid %lld: a forked child's header has no fork_of",
				       (long long)pids[k]);
			else if (h->ppid != h->fork_of)
				report(r, "pid %lld: ppid %lld != fork_of %lld", (long long)pids[k],
				       (long long)h->ppid, (long long)h->fork_of);
		}
	}
}

/* Matches every "@" line of pg to the records of its processes (see the top
 * of the file). */
static void check_prog(struct run *r, const struct prog *pg)
{
	const struct h_log *log = &r->log;
	int64_t pids[MAX_PIDS];
	int npids = family_of(log, pg->p.pid, pids);
	size_t cursor[MAX_PIDS];
	bool *used = calloc(log->n + 1, 1);

	assert_non_null(used);
	if (pg->nat == 0)
		report(r, "%s printed no @ lines", pg->argv[0]);
	check_headers(r, pg, pids, npids);
	for (int k = 0; k < npids; k++)
		cursor[k] = 0;

	for (int i = 0; i < pg->nat; i++) {
		const struct h_at *a = &pg->at[i];
		bool found = false;

		for (int k = 0; k < npids && !found; k++) {
			for (size_t j = cursor[k]; j < log->n; j++) {
				const struct h_rec *rec = &log->r[j];

				if (rec->pid != pids[k] || rec->header)
					continue;
				if (matches(rec, a)) {
					check_match(r, rec, a);
					used[j] = true;
					cursor[k] = j + 1;
					found = true;
					break;
				}
				if (!is_extra(rec))
					break;
			}
		}
		if (!found && strcmp(a->event, "connected") == 0 &&
		    virtual_connected(log, used, pids, npids, a))
			found = true;
		if (!found) {
			report(r, "%s: no record in order for line %d: @ %s fd=%d local=%s peer=%s bytes=%ld",
			       pg->argv[0], i + 1, a->event, a->fd, a->local, a->peer, a->bytes);
			for (int k = 0; k < npids; k++)
				for (size_t j = cursor[k]; j < log->n; j++)
					if (log->r[j].pid == pids[k] && !log->r[j].header &&
					    !is_extra(&log->r[j])) {
						print_message("  pid %lld is at record [%zu] %s fd=%lld ret=%lld\n",
							      (long long)pids[k], j, log->r[j].call,
							      (long long)log->r[j].fd, (long long)log->r[j].ret);
						break;
					}
		}
	}
	/* Nothing left over that should have had a line. */
	for (int k = 0; k < npids; k++)
		for (size_t j = cursor[k]; j < log->n; j++) {
			const struct h_rec *rec = &log->r[j];

			if (rec->pid == pids[k] && !rec->header && !used[j] && !is_extra(rec))
				report(r, "%s: record [%zu] %s fd=%lld ret=%lld (pid %lld) has no @ line",
				       pg->argv[0], j, rec->call, (long long)rec->fd,
				       (long long)rec->ret, (long long)rec->pid);
		}
	free(used);
}

/* ---- whole-log checks ---------------------------------------------------- */

/* Addresses equal as the format says: a v4-mapped v6 address is the v4
 * one, and a wildcard (an unbound UDP client's local end) matches any
 * address with the same port. */
static void canon_addr(const char *in, char *out, size_t cap, bool *wild)
{
	*wild = false;
	if (strncmp(in, "[::ffff:", 8) == 0 && strchr(in, '.') != NULL) {
		const char *close = strchr(in, ']');

		snprintf(out, cap, "%.*s%s", close ? (int)(close - in - 8) : 0, in + 8,
			 close ? close + 1 : "");
	} else {
		snprintf(out, cap, "%s", in);
	}
	if (strncmp(out, "0.0.0.0:", 8) == 0 || strncmp(out, "[::]:", 5) == 0)
		*wild = true;
}

static bool same_end(const char *a, const char *b)
{
	char ca[ST_ADDR_MAX], cb[ST_ADDR_MAX];
	bool wa, wb;

	canon_addr(a, ca, sizeof ca, &wa);
	canon_addr(b, cb, sizeof cb, &wb);
	if (wa || wb) {
		const char *pa = strrchr(ca, ':'), *pb = strrchr(cb, ':');

		return pa && pb && strcmp(pa, pb) == 0;
	}
	return strcmp(ca, cb) == 0;
}

static bool same_buf(const struct h_buf *a, const struct h_buf *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Every connection end with data has another end whose sent bytes (and
 * snippets) are its received ones and the other way round. */
static void check_streams(struct run *r)
{
	for (int i = 0; i < r->nstreams; i++) {
		struct stream *s = &r->streams[i];
		bool ok = false;

		for (int j = 0; j < r->nstreams && !ok; j++) {
			struct stream *t = &r->streams[j];

			if (i == j || strcmp(s->proto, t->proto) != 0 ||
			    !same_end(s->local, t->peer) || !same_end(s->peer, t->local))
				continue;
			if (s->bytes[0] != t->bytes[1] || s->bytes[1] != t->bytes[0])
				continue;
			if (!s->cut && !t->cut && (!same_buf(&s->data[0], &t->data[1]) ||
						   !same_buf(&s->data[1], &t->data[0])))
				continue;
			ok = true;
		}
		if (!ok)
			report(r, "pid %lld fd %lld %s %s -> %s (sent %lld, received %lld): no other end with the same bytes",
			       (long long)s->pid, (long long)s->fd, s->proto, s->local, s->peer,
			       (long long)s->bytes[0], (long long)s->bytes[1]);
	}
}

/* The text a client sent, and its upper-cased echo, per stream of pid. */
static void check_client_text(struct run *r, int64_t pid, const char *text)
{
	size_t n = strlen(text);
	char *up = strdup(text);
	int seen = 0;

	assert_non_null(up);
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)up[i]);
	for (int i = 0; i < r->nstreams; i++) {
		struct stream *s = &r->streams[i];

		if (s->pid != pid)
			continue;
		seen++;
		if (s->data[0].len != n || memcmp(s->data[0].p, text, n) != 0)
			report(r, "pid %lld sent \"%s\", records say \"%s\"", (long long)pid, text,
			       s->data[0].p);
		if (s->data[1].len != n || memcmp(s->data[1].p, up, n) != 0)
			report(r, "pid %lld received \"%s\", records say \"%s\"", (long long)pid, up,
			       s->data[1].p);
	}
	if (seen != 1)
		report(r, "pid %lld: %d streams with data, want 1", (long long)pid, seen);
	free(up);
}

/* Loads the logs: every line parses, every file is 0600 and starts with a
 * header whose pid its records carry. */
static void load_logs(struct run *r)
{
	int64_t pid = -1;
	int file = -1;

	h_log_load(&r->log, r->dir);
	if (r->log.malformed)
		report(r, "%d malformed log lines", r->log.malformed);
	for (int f = 0; f < r->log.nfiles; f++) {
		struct stat st;

		if (stat(r->log.files[f], &st) < 0)
			fail_msg("stat %s", r->log.files[f]);
		if ((st.st_mode & 07777) != 0600)
			report(r, "%s has mode %o, want 600", r->log.files[f], st.st_mode & 07777);
	}
	for (size_t i = 0; i < r->log.n; i++) {
		const struct h_rec *rec = &r->log.r[i];

		if (rec->file != file) {
			file = rec->file;
			if (!rec->header)
				report(r, "%s does not start with a header", r->log.files[file]);
			pid = rec->pid;
		} else if (rec->header) {
			report(r, "%s: a second header at line %d", r->log.files[file], rec->line);
		}
		if (rec->pid != pid)
			report(r, "%s line %d: pid %lld in the log of %lld", r->log.files[file],
			       rec->line, (long long)rec->pid, (long long)pid);
	}
}

/* The calls of pid, in order, hold calls (NULL-ended) in that order, the
 * first of them as the first call of all. */
static void expect_calls(struct run *r, int64_t pid, const char *const calls[])
{
	int k = 0;
	bool first = true;

	for (size_t i = 0; i < r->log.n && calls[k]; i++) {
		const struct h_rec *rec = &r->log.r[i];

		if (rec->pid != pid || rec->header)
			continue;
		if (strcmp(rec->call, calls[k]) == 0)
			k++;
		else if (first)
			report(r, "pid %lld: first call %s, want %s", (long long)pid, rec->call,
			       calls[0]);
		first = false;
	}
	if (calls[k])
		report(r, "pid %lld: no %s call in the expected order", (long long)pid, calls[k]);
}

/* fork records name the children whose logs say they were forked. */
static void check_forks(struct run *r, int64_t pid, int want)
{
	int n = 0;

	for (size_t i = 0; i < r->log.n; i++) {
		const struct h_rec *rec = &r->log.r[i], *h;

		if (rec->pid != pid || strcmp(rec->call, "fork") != 0)
			continue;
		n++;
		h = h_header_of(&r->log, rec->child);
		if (rec->ret != rec->child || h == NULL || h->fork_of != pid)
			report(r, "fork record [%zu]: ret %lld child %lld, no log forked from %lld", i,
			       (long long)rec->ret, (long long)rec->child, (long long)pid);
	}
	if (n != want)
		report(r, "pid %lld: %d fork records, want %d", (long long)pid, n, want);
}

/* ---- scenarios ------------------------------------------------------------- */

/* Runs server (its argv) and then the clients (argv with "PORT" replaced
 * by the server's port; one after the other, or all at once), waits for
 * all, loads and checks every program. */
static void run_scenario(struct run *r, struct prog *server, const char *ready,
			 struct prog *clients, int nclients, bool concurrent,
			 const char *const env[])
{
	char port[16];

	start(r, server, env);
	snprintf(port, sizeof port, "%d", h_server_ready(&server->p, ready));
	for (int c = 0; c < nclients; c++) {
		for (int i = 0; clients[c].argv[i]; i++)
			if (strcmp(clients[c].argv[i], "PORT") == 0)
				clients[c].argv[i] = port;
		start(r, &clients[c], env);
		if (!concurrent)
			finish(&clients[c]);
	}
	if (concurrent)
		for (int c = 0; c < nclients; c++)
			finish(&clients[c]);
	finish(server);
	/* The argv the programs were given, for the header check. */
	load_logs(r);
	check_prog(r, server);
	for (int c = 0; c < nclients; c++)
		check_prog(r, &clients[c]);
	check_streams(r);
}

static void proc_cleanup(struct prog *pgs, int n)
{
	for (int i = 0; i < n; i++)
		h_proc_free(&pgs[i].p);
}

/* A TCP echo server (tcp_echo_server, fork_server or poll_server) with
 * addr, and n clients to host, each sending two messages. */
static void tcp_case(const char *server_name, const char *addr, const char *host, int n,
		     bool concurrent)
{
	static struct prog pg[4];
	static struct run r;
	char count[8];
	const char *ex = NULL;

	memset(pg, 0, sizeof pg);
	run_init(&r);
	snprintf(count, sizeof count, "%d", n);
	if (strcmp(server_name, "tcp_echo_server") == 0)
		ex = H_EXAMPLE("tcp_echo_server");
	else if (strcmp(server_name, "fork_server") == 0)
		ex = H_EXAMPLE("fork_server");
	else
		ex = H_EXAMPLE("poll_server");
	pg[0].argv[0] = ex;
	pg[0].argv[1] = "-a";
	pg[0].argv[2] = addr;
	pg[0].argv[3] = "-n";
	pg[0].argv[4] = count;
	for (int c = 1; c <= n; c++) {
		pg[c].argv[0] = H_EXAMPLE("tcp_echo_client");
		pg[c].argv[1] = host;
		pg[c].argv[2] = "PORT";
		pg[c].argv[3] = c == 2 ? "second" : c == 3 ? "third\t\"x\"" : "hello";
		pg[c].argv[4] = "world!";
	}
	run_scenario(&r, &pg[0], "listen", &pg[1], n, concurrent, NULL);
	for (int c = 1; c <= n; c++) {
		char text[64];

		snprintf(text, sizeof text, "%s%s", pg[c].argv[3], pg[c].argv[4]);
		check_client_text(&r, pg[c].p.pid, text);
	}
	{
		static const char *const server_calls[] = { "socket", "bind", "listen", "close", NULL };
		static const char *const client_calls[] = {
			"getaddrinfo", "socket", "connect", "send", "recv", "close", NULL,
		};

		expect_calls(&r, pg[0].p.pid, server_calls);
		for (int c = 1; c <= n; c++)
			expect_calls(&r, pg[c].p.pid, client_calls);
		if (strcmp(server_name, "fork_server") == 0)
			check_forks(&r, pg[0].p.pid, n);
	}
	/* accept blocks until the client comes: its dur says so. */
	for (size_t i = 0; i < r.log.n; i++)
		if (strcmp(r.log.r[i].call, "accept") == 0 && r.log.r[i].ret >= 0 &&
		    r.log.r[i].dur <= 0)
			report(&r, "accept record [%zu] has dur %lld", i, (long long)r.log.r[i].dur);
	proc_cleanup(pg, n + 1);
	run_finish(&r);
}

static void test_tcp_v4(void **state)
{
	(void)state;
	tcp_case("tcp_echo_server", "127.0.0.1", "127.0.0.1", 1, false);
}

static void test_tcp_v6(void **state)
{
	(void)state;
	tcp_case("tcp_echo_server", "::1", "::1", 1, false);
}

/* "::" takes the IPv4 client as [::ffff:127.0.0.1]. */
static void test_tcp_dual_stack(void **state)
{
	(void)state;
	tcp_case("tcp_echo_server", "::", "127.0.0.1", 1, false);
}

static void test_fork_server(void **state)
{
	(void)state;
	tcp_case("fork_server", "127.0.0.1", "127.0.0.1", 2, false);
}

static void test_poll_server(void **state)
{
	(void)state;
	tcp_case("poll_server", "127.0.0.1", "127.0.0.1", 3, true);
}

/* udp_echo_server with an unbound or a connected client. */
static void udp_case(const char *client)
{
	static struct prog pg[2];
	static struct run r;

	memset(pg, 0, sizeof pg);
	run_init(&r);
	pg[0].argv[0] = H_EXAMPLE("udp_echo_server");
	pg[0].argv[1] = "-n";
	pg[0].argv[2] = "2";
	pg[1].argv[0] = client;
	pg[1].argv[1] = "127.0.0.1";
	pg[1].argv[2] = "PORT";
	pg[1].argv[3] = "ping";
	pg[1].argv[4] = "datagram two";
	run_scenario(&r, &pg[0], "bound", &pg[1], 1, false, NULL);
	check_client_text(&r, pg[1].p.pid, "pingdatagram two");
	proc_cleanup(pg, 2);
	run_finish(&r);
}

static void test_udp_unbound(void **state)
{
	(void)state;
	udp_case(H_EXAMPLE("udp_echo_client"));
}

static void test_udp_connected(void **state)
{
	(void)state;
	udp_case(H_EXAMPLE("udp_connected_client"));
}

static void unix_case(bool abstract)
{
	static struct prog pg[2];
	static struct run r;
	char path[128];

	memset(pg, 0, sizeof pg);
	run_init(&r);
	if (abstract)
		snprintf(path, sizeof path, "@socktrace-test-%d", (int)getpid());
	else
		snprintf(path, sizeof path, "%s/echo.sock", r.dir);
	pg[0].argv[0] = H_EXAMPLE("unix_echo_server");
	pg[0].argv[1] = "-n";
	pg[0].argv[2] = "1";
	pg[0].argv[3] = path;
	pg[1].argv[0] = H_EXAMPLE("unix_echo_client");
	pg[1].argv[1] = path;
	pg[1].argv[2] = "over";
	pg[1].argv[3] = "unix";
	run_scenario(&r, &pg[0], "listen", &pg[1], 1, false, NULL);
	check_client_text(&r, pg[1].p.pid, "overunix");
	proc_cleanup(pg, 2);
	run_finish(&r);
}

static void test_unix_path(void **state)
{
	(void)state;
	unix_case(false);
}

static void test_unix_abstract(void **state)
{
	(void)state;
	unix_case(true);
}

/* A non-blocking connect: EINPROGRESS, then the exchange. */
static void test_nonblock_client(void **state)
{
	static struct prog pg[2];
	static struct run r;
	const struct h_rec *c = NULL;

	(void)state;
	memset(pg, 0, sizeof pg);
	run_init(&r);
	pg[0].argv[0] = H_EXAMPLE("tcp_echo_server");
	pg[1].argv[0] = H_EXAMPLE("nonblock_client");
	pg[1].argv[1] = "127.0.0.1";
	pg[1].argv[2] = "PORT";
	pg[1].argv[3] = "nonblocking";
	run_scenario(&r, &pg[0], "listen", &pg[1], 1, false, NULL);
	check_client_text(&r, pg[1].p.pid, "nonblocking");
	for (size_t i = 0; i < r.log.n && c == NULL; i++)
		if (r.log.r[i].pid == pg[1].p.pid && strcmp(r.log.r[i].call, "connect") == 0)
			c = &r.log.r[i];
	/* gVisor, like Linux, answers a loopback connect in progress. */
	if (c == NULL || c->ret != -1 || strcmp(c->errno_name, "EINPROGRESS") != 0)
		report(&r, "nonblock_client: no connect record with errno EINPROGRESS");
	proc_cleanup(pg, 2);
	run_finish(&r);
}

/* A socketpair shared across fork: no bind, no connect, unnamed ends. */
static void test_socketpair(void **state)
{
	static struct prog pg;
	static struct run r;
	int64_t pids[MAX_PIDS];

	(void)state;
	memset(&pg, 0, sizeof pg);
	run_init(&r);
	pg.argv[0] = H_EXAMPLE("socketpair_demo");
	pg.argv[1] = "paired";
	start(&r, &pg, NULL);
	finish(&pg);
	load_logs(&r);
	check_prog(&r, &pg);
	check_streams(&r);
	if (family_of(&r.log, pg.p.pid, pids) != 2)
		report(&r, "socketpair_demo: want logs of 2 processes");
	h_proc_free(&pg.p);
	run_finish(&r);
}

/* A port nobody listens on: bound, then closed again. */
static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void test_connect_refused(void **state)
{
	static struct prog pg;
	static struct run r;
	char port[16], want[32];
	const struct h_rec *c = NULL;
	int rc;

	(void)state;
	memset(&pg, 0, sizeof pg);
	run_init(&r);
	snprintf(port, sizeof port, "%d", closed_port());
	snprintf(want, sizeof want, "127.0.0.1:%s", port);
	pg.argv[0] = H_EXAMPLE("tcp_echo_client");
	pg.argv[1] = "127.0.0.1";
	pg.argv[2] = port;
	start(&r, &pg, NULL);
	rc = h_wait(&pg.p, 60000);
	if (rc != 1)
		report(&r, "tcp_echo_client to a closed port exited with %d, want 1", rc);
	load_logs(&r);
	for (size_t i = 0; i < r.log.n && c == NULL; i++)
		if (strcmp(r.log.r[i].call, "connect") == 0)
			c = &r.log.r[i];
	if (c == NULL)
		report(&r, "no connect record");
	else if (c->ret != -1 || strcmp(c->errno_name, "ECONNREFUSED") != 0 ||
		 strcmp(c->addr, want) != 0 || strcmp(c->proto, "tcp") != 0)
		report(&r, "connect record: ret %lld errno %s addr %s proto %s; want -1 ECONNREFUSED %s tcp",
		       (long long)c->ret, c->errno_name, c->addr, c->proto, want);
	h_proc_free(&pg.p);
	run_finish(&r);
}

/* SOCKTRACE_PAYLOAD: 0 (no data key), 3 (cut, bytes whole), all; or the
 * default snippet with SOCKTRACE_HEAD=head bytes kept in full at the start
 * of each direction (setting NULL). */
static void payload_case(const char *setting, int64_t payload, int64_t head)
{
	static struct prog pg[2];
	static struct run r;
	static char msg[201];
	char env[64];
	const char *const envp[] = { env, NULL };
	int data_records = 0;
	int64_t moved[32][4];

	memset(pg, 0, sizeof pg);
	run_init(&r);
	r.payload = payload;
	r.head = head;
	for (int i = 0; i < 200; i++)
		msg[i] = (char)('a' + i % 26);
	msg[200] = '\0';
	memset(moved, 0, sizeof(moved));
	if (setting)
		snprintf(env, sizeof env, "SOCKTRACE_PAYLOAD=%s", setting);
	else
		snprintf(env, sizeof env, "SOCKTRACE_HEAD=%lld", (long long)head);
	pg[0].argv[0] = H_EXAMPLE("tcp_echo_server");
	pg[1].argv[0] = H_EXAMPLE("tcp_echo_client");
	pg[1].argv[1] = "127.0.0.1";
	pg[1].argv[2] = "PORT";
	pg[1].argv[3] = msg;
	pg[1].argv[4] = "hi";
	run_scenario(&r, &pg[0], "listen", &pg[1], 1, false, envp);
	if (payload < 0) {
		char text[256];

		snprintf(text, sizeof text, "%shi", msg);
		check_client_text(&r, pg[1].p.pid, text);
	}
	for (size_t i = 0; i < r.log.n; i++) {
		const struct h_rec *rec = &r.log.r[i];

		if (!rec->has_bytes || rec->bytes <= 0)
			continue;
		data_records++;
		if (payload == 0 && rec->has_data)
			report(&r, "PAYLOAD=0: record [%zu] has a data key", i);
		if (payload > 0 && rec->data_len != want_kept_rec(payload, head, rec, moved))
			report(&r, "PAYLOAD=%s HEAD=%lld: record [%zu] bytes %lld has %zu data bytes",
			       setting ? setting : "default", (long long)head, i,
			       (long long)rec->bytes, rec->data_len);
		if (payload < 0 && rec->data_len != (size_t)rec->bytes)
			report(&r, "PAYLOAD=all: record [%zu] bytes %lld has %zu data bytes", i,
			       (long long)rec->bytes, rec->data_len);
		if (rec->has_data && (rec->bytes == 2 || rec->bytes == 200) &&
		    strncasecmp((const char *)rec->data, rec->bytes == 2 ? "hi" : msg,
				rec->data_len) != 0)
			report(&r, "record [%zu]: data is not the message", i);
	}
	if (data_records < 4)
		report(&r, "only %d data records", data_records);
	proc_cleanup(pg, 2);
	run_finish(&r);
}

static void test_payload_0(void **state)
{
	(void)state;
	payload_case("0", 0, 0);
}

static void test_payload_3(void **state)
{
	(void)state;
	payload_case("3", 3, 0);
}

static void test_payload_all(void **state)
{
	(void)state;
	payload_case("all", -1, 0);
}

/* The default snippet (64 B) with the first 150 bytes of each direction
 * kept in full: the 200-byte message keeps 150, "hi" 2. */
static void test_payload_head(void **state)
{
	(void)state;
	payload_case(NULL, 64, 150);
}

/* Port numbers and fds vary between runs: replace every number after ':'. */
static void normalize(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 2 < cap; i++) {
		out[o++] = in[i];
		if (in[i] == ':' && isdigit((unsigned char)in[i + 1])) {
			out[o++] = 'N';
			while (isdigit((unsigned char)in[i + 1]))
				i++;
		}
	}
	out[o] = '\0';
}

/* One TCP exchange with dir as SOCKTRACE_DIR (NULL: untraced); returns the
 * normalized stdout of server and client and the client's stderr. */
static void exchange(const char *dir, bool traced, char *out, size_t cap, char *err, size_t ecap)
{
	struct h_proc s, c;
	struct h_opts o = { .logdir = dir, .untraced = !traced };
	const char *sargv[] = { H_EXAMPLE("tcp_echo_server"), NULL };
	char port[16];
	const char *cargv[] = { H_EXAMPLE("tcp_echo_client"), "127.0.0.1", port, "quiet", NULL };
	char *both;

	h_start(&s, &o, sargv);
	snprintf(port, sizeof port, "%d", h_server_port(&s, "listen"));
	h_start(&c, &o, cargv);
	h_wait_ok(&c);
	h_wait_ok(&s);
	both = malloc(s.out.len + c.out.len + 2);
	assert_non_null(both);
	sprintf(both, "%s|%s", s.out.p, c.out.p);
	normalize(both, out, cap);
	snprintf(err, ecap, "%s%s", s.err.p, c.err.p);
	free(both);
	h_proc_free(&s);
	h_proc_free(&c);
}

/* A log directory that cannot exist: the programs behave as untraced, and
 * the library says so in one line at most. */
static void test_unwritable_dir(void **state)
{
	static char plain[8192], traced[8192], err[8192], err0[8192];
	int lines = 0;

	(void)state;
	exchange(NULL, false, plain, sizeof plain, err0, sizeof err0);
	exchange("/etc/passwd/socktrace", true, traced, sizeof traced, err, sizeof err);
	assert_string_equal(traced, plain);
	for (const char *s = err; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		if (strncmp(s, "socktrace:", 10) == 0)
			lines++;
		else if (*s != '\n')
			fail_msg("stderr has a line not from socktrace: %s", s);
	}
	if (lines > 2)
		fail_msg("%d socktrace lines on stderr (want at most one per process):\n%s", lines, err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_v4),
		cmocka_unit_test(test_tcp_v6),
		cmocka_unit_test(test_tcp_dual_stack),
		cmocka_unit_test(test_udp_unbound),
		cmocka_unit_test(test_udp_connected),
		cmocka_unit_test(test_unix_path),
		cmocka_unit_test(test_unix_abstract),
		cmocka_unit_test(test_fork_server),
		cmocka_unit_test(test_poll_server),
		cmocka_unit_test(test_nonblock_client),
		cmocka_unit_test(test_socketpair),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_payload_0),
		cmocka_unit_test(test_payload_3),
		cmocka_unit_test(test_payload_head),
		cmocka_unit_test(test_payload_all),
		cmocka_unit_test(test_unwritable_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
