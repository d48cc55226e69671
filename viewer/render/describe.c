/*
 * describe.c: the record lines and link labels of describe.h.
 */
#include "render/describe.h"

#include <string.h>

/* Escaped payload characters shown in a line or label. */
#define SHOW_PAYLOAD 24
/* The most characters of a protocol summary on an arrow. */
#define SHOW_LABEL 96

static void put_str_id(struct st_out *o, const struct st_trace *tr, uint32_t id)
{
	size_t n;
	const char *s = st_trace_str(tr, id, &n);

	st_out_bytes(o, s, n, 256);
}

/* Part k (0-based) of a NUL-separated detail; false when there is none. */
static bool detail_part(const struct st_trace *tr, uint32_t id, unsigned k,
			const char **p, size_t *n)
{
	size_t len;
	const char *s = st_trace_str(tr, id, &len), *end = s + len, *z;

	if (!id)
		return false;
	for (; k > 0; k--) {
		if (!(z = memchr(s, '\0', (size_t)(end - s))))
			return false;
		s = z + 1;
	}
	z = memchr(s, '\0', (size_t)(end - s));
	*p = s;
	*n = (size_t)((z ? z : end) - s);
	return true;
}

static void put_quoted_bytes(struct st_out *o, const char *s, size_t n)
{
	st_out_char(o, '"');
	st_out_bytes(o, s, n, 256);
	st_out_char(o, '"');
}

/* exec: "path", ["argv0", "argv1", ...] (the first 16 arguments). */
static void put_exec(struct st_out *o, const struct st_trace *tr, uint32_t id)
{
	const char *s;
	size_t n;
	unsigned k;

	if (!detail_part(tr, id, 0, &s, &n))
		return;
	put_quoted_bytes(o, s, n);
	if (!detail_part(tr, id, 1, &s, &n))
		return;
	st_out_str(o, ", [");
	for (k = 1; detail_part(tr, id, k, &s, &n); k++) {
		if (k > 1)
			st_out_str(o, ", ");
		if (k > 16) {
			st_out_str(o, "...");
			break;
		}
		put_quoted_bytes(o, s, n);
	}
	st_out_char(o, ']');
}

/* One poll entry "fd:EVENTS>REVENTS": the fd, and the events asked for
 * (revents false) or those that came back. */
static void put_poll_fd(struct st_out *o, const char *s, size_t n, bool revents)
{
	const char *colon = memchr(s, ':', n), *gt = memchr(s, '>', n);

	if (!colon || !gt || gt < colon) {
		st_out_bytes(o, s, n, 256);	/* not the documented form */
		return;
	}
	st_out_bytes(o, s, (size_t)(colon - s), 32);
	st_out_char(o, ' ');
	if (revents)
		st_out_bytes(o, gt + 1, (size_t)(s + n - gt - 1), 128);
	else
		st_out_bytes(o, colon + 1, (size_t)(gt - colon - 1), 128);
}

static bool poll_fired(const char *s, size_t n)
{
	const char *gt = memchr(s, '>', n);

	return gt && !(s + n - gt == 2 && gt[1] == '-');
}

/* The event loops' waits name what they wait on, not a list: epoll_wait
 * its epoll fd (in fd), select its nfds (in bytes); their list is only
 * what was ready. */
static bool lists_ready_only(const struct st_trace *tr, const struct st_vevent *e)
{
	const char *name = st_trace_str(tr, e->name, NULL);

	return strcmp(name, "poll") != 0 && strcmp(name, "ppoll") != 0;
}

/* poll's arguments: [3 OUT, 4 IN], 200 ms */
static void put_poll_args(struct st_out *o, const struct st_trace *tr,
			  const struct st_vevent *e)
{
	const char *s;
	size_t n;
	unsigned k;

	if (lists_ready_only(tr, e)) {
		if (e->fd >= 0)
			st_out_int(o, e->fd);
		else if (e->bytes >= 0)
			st_out_int(o, e->bytes);
		else
			st_out_char(o, '?');
	} else {
		st_out_char(o, '[');
		for (k = 0; detail_part(tr, e->detail, k, &s, &n); k++) {
			if (k)
				st_out_str(o, ", ");
			put_poll_fd(o, s, n, false);
		}
		if (e->bytes > (int64_t)k)
			st_out_str(o, k ? ", ..." : "...");
		st_out_char(o, ']');
	}
	if (e->fd2 >= 0) {
		st_out_str(o, ", ");
		st_out_int(o, e->fd2);
		st_out_str(o, " ms");
	}
}

/* The connection a ready fd of wait i is: " #id peer", or " listening". */
static void put_ready_conn(struct st_out *o, const struct st_model *m, uint32_t i,
			   const char *s, size_t n)
{
	int64_t fd = 0;
	size_t a;
	uint32_t sk;
	const struct st_sock *so;

	for (a = 0; a < n && s[a] >= '0' && s[a] <= '9' && fd <= INT32_MAX; a++)
		fd = fd * 10 + (s[a] - '0');
	if (a == 0 || a == n || s[a] != ':' || fd > INT32_MAX ||
	    (sk = st_model_ready_sock(m, i, (int32_t)fd)) == ST_NONE)
		return;
	so = &m->socks[sk];
	if (so->role == ST_R_LISTEN) {
		st_out_str(o, " listening");
		return;
	}
	if (so->conn != ST_NONE) {
		st_out_str(o, " #");
		st_out_uint(o, m->conns[so->conn].id);
	}
	if (so->peer && st_trace_str(m->tr, so->peer, NULL)[0]) {
		st_out_char(o, ' ');
		put_str_id(o, m->tr, so->peer);
	}
}

/* poll's result: (3 OUT|ERR) for the fds that have events, or (timeout);
 * each ready socket with its connection (#3 127.0.0.1:5000). */
static void put_poll_result(struct st_out *o, const struct st_model *m, uint32_t i)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	const char *s;
	size_t n;
	unsigned k, shown = 0;

	if (e->ret == 0) {
		st_out_str(o, " (timeout)");
		return;
	}
	for (k = 0; detail_part(tr, e->detail, k, &s, &n); k++) {
		if (!poll_fired(s, n))
			continue;
		st_out_str(o, shown++ ? ", " : " (");
		put_poll_fd(o, s, n, true);
		put_ready_conn(o, m, i, s, n);
	}
	if (shown)
		st_out_char(o, ')');
}

bool st_event_at_start(const struct st_vevent *e)
{
	switch (e->call) {
	case ST_C_SEND: case ST_C_CONNECT: case ST_C_CLOSE: case ST_C_SHUTDOWN:
	case ST_C_CLOSE_RANGE: case ST_C_FORK: case ST_C_EXEC: case ST_C_SPAWN:
		return true;
	default:
		return false;
	}
}

bool st_event_blocks(const struct st_vevent *e)
{
	return e->dur >= ST_BLOCK_NS;
}

int64_t st_event_row_time(const struct st_trace *tr, const struct st_vevent *e,
			  enum st_part part)
{
	int64_t t = e->t - tr->t0;

	if (part == ST_START || (part == ST_WHOLE && st_event_at_start(e)))
		return t;
	return t + e->dur;
}

static void put_payload(struct st_out *o, const struct st_trace *tr,
			uint32_t snip, uint64_t from, uint64_t len, uint64_t have)
{
	uint64_t n;
	size_t shown;

	if (from >= have)
		return;
	n = have - from < len ? have - from : len;
	st_out_str(o, " \"");
	shown = st_out_bytes(o, tr->snips + snip + from, (size_t)n, SHOW_PAYLOAD);
	st_out_char(o, '"');
	if (shown < len)
		st_out_str(o, "...");
}

static void put_shut(struct st_out *o, uint8_t bits)
{
	if ((bits & ST_B_SHUT_RD) && (bits & ST_B_SHUT_WR))
		st_out_str(o, "SHUT_RDWR");
	else if (bits & ST_B_SHUT_WR)
		st_out_str(o, "SHUT_WR");
	else if (bits & ST_B_SHUT_RD)
		st_out_str(o, "SHUT_RD");
	else
		st_out_char(o, '?');
}

/* name(args */
static void put_call(struct st_out *o, const struct st_model *m,
		     const struct st_vevent *e)
{
	const struct st_trace *tr = m->tr;

	put_str_id(o, tr, e->name);
	st_out_char(o, '(');
	switch (e->call) {
	case ST_C_SOCKET:
		put_str_id(o, tr, e->detail);
		if (e->detail && e->proto)
			st_out_str(o, ", ");
		if (e->proto)
			st_out_str(o, st_proto_label(e->proto));
		break;
	case ST_C_SOCKETPAIR:
		st_out_str(o, st_proto_label(e->proto));
		break;
	case ST_C_FORK:
		break;
	case ST_C_EXEC:
		put_exec(o, tr, e->detail);
		break;
	case ST_C_SPAWN:
		if (e->detail) {
			size_t n;
			const char *s = st_trace_str(tr, e->detail, &n);

			put_quoted_bytes(o, s, n);
		}
		break;
	case ST_C_RESOLVE:
		put_str_id(o, tr, e->detail);
		break;
	case ST_C_POLL:
		put_poll_args(o, tr, e);
		break;
	default:
		if (e->fd >= 0)
			st_out_int(o, e->fd);
		switch (e->call) {
		case ST_C_BIND: case ST_C_CONNECT:
			st_out_str(o, ", ");
			if (!e->addr && (e->bits & ST_B_UNREAD_ADDR))
				st_out_char(o, '?');
			else
				put_str_id(o, tr, e->addr ? e->addr : e->peer);
			break;
		case ST_C_LISTEN:
			if (e->fd2 >= 0) {
				st_out_str(o, ", ");
				st_out_int(o, e->fd2);
			}
			break;
		case ST_C_SHUTDOWN:
			st_out_str(o, ", ");
			put_shut(o, e->bits);
			break;
		case ST_C_SETSOCKOPT: case ST_C_FCNTL:
			if (e->detail) {
				st_out_str(o, ", ");
				put_str_id(o, tr, e->detail);
			}
			break;
		case ST_C_GETSOCKOPT:
			if (e->flags) {
				st_out_str(o, ", ");
				put_str_id(o, tr, e->flags);
			}
			break;
		case ST_C_SEND: case ST_C_RECV:
			if (e->flags) {
				st_out_str(o, ", ");
				put_str_id(o, tr, e->flags);
			}
			break;
		default:
			break;
		}
	}
	st_out_char(o, ')');
}

/* = ret, errno, and what came back. */
static void put_result(struct st_out *o, const struct st_model *m, uint32_t i)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	uint32_t s = m->ev_sock[i];
	bool dgram = s != ST_NONE && st_proto_is_dgram(m->socks[s].proto);

	if (e->call == ST_C_EXEC && !e->err)
		return;
	st_out_str(o, " = ");
	if (e->call == ST_C_SOCKETPAIR && e->ret == 0 && e->fd >= 0) {
		st_out_char(o, '[');
		st_out_int(o, e->fd);
		st_out_str(o, ", ");
		st_out_int(o, e->fd2);
		st_out_char(o, ']');
	} else {
		st_out_int(o, e->ret);
	}
	if (e->err) {
		st_out_char(o, ' ');
		put_str_id(o, tr, e->err);
		if (e->bits & ST_B_UNREAD_ADDR)
			st_out_str(o, " (address unreadable)");
		else if (e->bits & ST_B_UNREAD)
			st_out_str(o, " (arguments unreadable)");
		return;
	}
	switch (e->call) {
	case ST_C_POLL:
		put_poll_result(o, m, i);
		break;
	case ST_C_GETSOCKOPT:
		if (e->detail) {
			st_out_char(o, ' ');
			put_str_id(o, tr, e->detail);
		}
		break;
	case ST_C_SPAWN:
		if (e->fd2 > 0) {
			st_out_str(o, ", child ");
			st_out_int(o, e->fd2);
		}
		break;
	case ST_C_ACCEPT:
		if (e->peer && st_trace_str(tr, e->peer, NULL)[0]) {
			st_out_str(o, " <- ");
			put_str_id(o, tr, e->peer);
		}
		break;
	case ST_C_SEND:
		if (e->bits & ST_B_DATA)
			put_payload(o, tr, e->snip, 0, (uint64_t)e->ret, e->snip_len);
		if (dgram && (e->addr || e->peer)) {
			st_out_str(o, " -> ");
			put_str_id(o, tr, e->addr ? e->addr : e->peer);
		}
		break;
	case ST_C_RECV:
		if (e->ret == 0 && !dgram) {
			st_out_str(o, " EOF");
			break;
		}
		if (e->bits & ST_B_DATA)
			put_payload(o, tr, e->snip, 0, (uint64_t)e->ret, e->snip_len);
		if (dgram && e->peer) {
			st_out_str(o, " <- ");
			put_str_id(o, tr, e->peer);
		}
		break;
	case ST_C_GETNAME:
		{
			size_t n;
			const char *name = st_trace_str(tr, e->name, &n);
			uint32_t a = n == 11 && memcmp(name, "getpeername", 11) == 0 ?
				     e->peer : e->local;

			if (a) {
				st_out_char(o, ' ');
				put_str_id(o, tr, a);
			}
		}
		break;
	default:
		break;
	}
}

static bool waits(const struct st_vevent *e)
{
	return e->call == ST_C_ACCEPT || e->call == ST_C_RECV ||
	       e->call == ST_C_CONNECT || e->call == ST_C_POLL;
}

void st_describe_event(struct st_out *o, const struct st_model *m, uint32_t i,
		       enum st_part part)
{
	const struct st_vevent *e = &m->tr->ev[i];

	put_call(o, m, e);
	if (part == ST_START) {
		st_out_str(o, " ...");
		return;
	}
	put_result(o, m, i);
	{
		const char *label = st_event_label(m, i);

		if (label) {
			st_out_char(o, ' ');
			st_out_bytes(o, label, strlen(label), SHOW_LABEL);
		}
	}
	if (e->dur >= ST_BLOCK_NS || (waits(e) && e->dur >= ST_SHOW_DUR_NS)) {
		st_out_str(o, " [");
		st_out_duration(o, e->dur);
		st_out_char(o, ']');
	}
}

void st_describe_link(struct st_out *o, const struct st_model *m,
		      const struct st_link *l, uint64_t skip)
{
	const struct st_trace *tr = m->tr;
	const struct st_vevent *to = &tr->ev[l->to], *from = &tr->ev[l->from];
	const char *label = st_link_label(m, l);

	switch (l->kind) {
	case ST_L_HANDSHAKE:
		st_out_str(o, "connect");
		return;
	case ST_L_EOF:
		st_out_str(o, "EOF");
		return;
	case ST_L_RESET:
		st_out_str(o, "RST");
		return;
	case ST_L_PEEK:
		st_out_str(o, "peek ");
		break;
	case ST_L_PLAIN:
		st_out_str(o, "plaintext ");
		break;
	default:
		break;
	}
	if (!label && st_link_continues(m, l)) {
		/* The rest of the message labelled on an earlier arrow: its
		 * bytes are on the receive's row. */
		st_out_str(o, "cont. ");
		st_out_uint(o, l->len);
		st_out_str(o, " B");
		return;
	}
	if (label) {
		/* What the protocol reader made of it. */
		size_t n = strlen(label);

		if (st_out_text(o, label, n, SHOW_LABEL) < n)
			st_out_str(o, "...");
		return;
	}
	st_out_uint(o, l->len);
	st_out_str(o, " B");
	if (to->bits & ST_B_DATA)
		put_payload(o, tr, to->snip, skip, l->len, to->snip_len);
	else if ((from->bits & ST_B_DATA) && skip == 0)
		put_payload(o, tr, from->snip, 0, l->len, from->snip_len);
}

void st_describe_proc(struct st_out *o, const struct st_model *m, uint32_t p,
		      int32_t tid)
{
	const struct st_proc *pr = &m->procs[p];

	if (pr->name)
		put_str_id(o, m->tr, pr->name);
	else
		st_out_char(o, '?');
	st_out_char(o, ' ');
	st_out_int(o, pr->pid);
	if (tid >= 0) {
		st_out_char(o, '/');
		st_out_int(o, tid);
	}
	if (m->nhosts > 1) {
		st_out_char(o, '@');
		st_describe_host(o, m, pr->host);
	}
}

void st_describe_host(struct st_out *o, const struct st_model *m, uint32_t h)
{
	const struct st_host *ho = &m->hosts[h];
	uint32_t i;

	if (!ho->name || !st_trace_str(m->tr, ho->name, NULL)[0]) {
		st_out_char(o, '?');
		return;
	}
	put_str_id(o, m->tr, ho->name);
	/* Another host of that name (a container, a namespace): its netns too. */
	for (i = 0; i < m->nhosts; i++) {
		if (i != h && m->hosts[i].name == ho->name) {
			st_out_str(o, "/net:");
			st_out_int(o, ho->netns);
			break;
		}
	}
}

uint32_t st_log_ends_after(const struct st_model *m, uint32_t ev, enum st_part part)
{
	uint32_t p = m->ev_proc[ev];

	if (part == ST_START || p == ST_NONE || m->procs[p].last_ev != ev ||
	    !ST_PE_EARLY(m->procs[p].end))
		return ST_NONE;
	return p;
}

void st_describe_log_end(struct st_out *o, const struct st_model *m, uint32_t p)
{
	char why[96];

	st_out_str(o, "log of pid ");
	st_out_int(o, m->procs[p].pid);
	st_out_str(o, " ends early: ");
	if (st_proc_end_why(m, p, why, sizeof(why)))
		st_out_bytes(o, why, strlen(why), sizeof(why));
}
