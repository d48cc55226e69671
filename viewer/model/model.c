/*
 * model.c: building the model (model.h): processes from the headers, then
 * one pass over the records in time order that follows every process's fd
 * table (socket, accept, dup*, fcntl F_DUPFD, close, close_range, fork
 * inheritance) to give each record its socket, and notes when each socket
 * was closed.  The pairing and flow passes (pair.c, flow.c, dgram.c) run
 * next; the end sorts the links by the record they point to and numbers the
 * connections in order of start.
 */
#include "model/model.h"
#include "model/found.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/address.h"
#include "read/sort.h"

/* A socketpair's connection: the only ones the builder makes itself. */
static uint32_t add_conn(struct st_model *m)
{
	if (st_grow((void **)&m->conns, &m->conncap, m->nconns + 1, sizeof(*m->conns), 64) < 0)
		return ST_NONE;
	st_conn_blank(&m->conns[m->nconns]);
	return m->nconns++;
}

static uint32_t add_proc(struct st_model *m, int32_t pid, int64_t t)
{
	struct st_proc *p, *np;

	np = realloc(m->procs, (m->nprocs + 1) * sizeof(*np));
	if (!np)
		return ST_NONE;
	m->procs = np;
	p = &m->procs[m->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = -1;
	p->parent = ST_NONE;
	p->t_first = t;
	p->fd_min = INT32_MAX;
	p->fd_max = -1;
	p->last_ev = ST_NONE;
	p->t_end = t;
	return m->nprocs++;
}

static int cmp_hdr_t(const void *a, const void *b, void *arg)
{
	const struct st_header *h = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (h[x].t != h[y].t)
		return h[x].t < h[y].t ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The key of a pid in the pid map: with several hosts, pids repeat across
 * them, so the host goes in the low bits (a pid is below 2^22 on Linux). */
static uint32_t pid_key(const struct st_model *m, uint32_t host, int32_t pid)
{
	if (m->nhosts <= 1)
		return (uint32_t)pid;
	return ((uint32_t)pid << 10) ^ (host & 1023);
}

/* Processes from the headers, in time order: an execd header continues the
 * process of its pid, a fork_of header names its parent. */
static int build_procs(struct st_model *m, struct st_idmap *bypid)
{
	const struct st_trace *tr = m->tr;
	uint32_t *ord, i, pi, parent;

	m->hdr_proc = malloc((tr->nhdr + 1) * sizeof(*m->hdr_proc));
	ord = malloc((tr->nhdr + 1) * sizeof(*ord));
	if (!m->hdr_proc || !ord) {
		free(ord);
		return -1;
	}
	for (i = 0; i < tr->nhdr; i++)
		ord[i] = i;
	qsort_r(ord, tr->nhdr, sizeof(*ord), cmp_hdr_t, tr->hdr);
	for (i = 0; i < tr->nhdr; i++) {
		const struct st_header *h = &tr->hdr[ord[i]];
		uint32_t host = m->hdr_host[ord[i]];

		if (!(h->execd && st_idmap_get(bypid, pid_key(m, host, h->pid), &pi))) {
			if ((pi = add_proc(m, h->pid, h->t)) == ST_NONE)
				goto fail;
			m->procs[pi].ppid = h->ppid;
			m->procs[pi].host = host;
			m->hosts[host].nprocs++;
			if ((h->fork_of >= 0 &&
			     st_idmap_get(bypid, pid_key(m, host, h->fork_of), &parent)) ||
			    st_idmap_get(bypid, pid_key(m, host, h->ppid), &parent))
				m->procs[pi].parent = parent;
			m->procs[pi].forked = h->fork_of >= 0;
		}
		if (h->name)
			m->procs[pi].name = h->name;
		if (st_idmap_put(bypid, pid_key(m, host, h->pid), pi) < 0)
			goto fail;
		m->hdr_proc[ord[i]] = pi;
	}
	/* Parents whose header came later (same time, or a clock step). */
	for (i = 0; i < tr->nhdr; i++) {
		const struct st_header *h = &tr->hdr[i];
		struct st_proc *p = &m->procs[m->hdr_proc[i]];
		uint32_t host = m->hdr_host[i];

		if (p->parent != ST_NONE || h->execd)
			continue;
		if (((h->fork_of >= 0 &&
		      st_idmap_get(bypid, pid_key(m, host, h->fork_of), &parent)) ||
		     st_idmap_get(bypid, pid_key(m, host, h->ppid), &parent)) &&
		    parent != m->hdr_proc[i])
			p->parent = parent;
	}
	free(ord);
	return 0;
fail:
	free(ord);
	return -1;
}

static uint32_t new_sock(struct st_model *m, uint32_t proc, uint32_t ev,
			 uint8_t proto)
{
	struct st_sock *s;

	if (st_grow((void **)&m->socks, &m->sockcap, m->nsocks + 1, sizeof(*s), 64) < 0)
		return ST_NONE;
	s = &m->socks[m->nsocks];
	memset(s, 0, sizeof(*s));
	s->proc = proc;
	s->conn = ST_NONE;
	s->created = ev;
	s->closed = ST_NONE;
	s->eof = ST_NONE;
	s->listener = ST_NONE;
	s->gone_proc = ST_NONE;
	s->proto = proto;
	return m->nsocks++;
}

static void drop_ref(struct st_model *m, uint32_t s, uint32_t ev)
{
	struct st_sock *k = &m->socks[s];

	if (k->refs && --k->refs == 0) {
		k->closed = ev;
		if (k->eof == ST_NONE)
			k->eof = ev;
	}
}

static int map_fd(struct st_model *m, uint32_t p, int32_t fd, uint32_t s,
		  uint32_t ev)
{
	uint32_t old;

	if (fd < 0 || s == ST_NONE)
		return 0;
	if (st_idmap_get(&m->procs[p].fds, (uint32_t)fd, &old)) {
		if (old == s)
			return 0;
		drop_ref(m, old, ev);	/* closed implicitly (dup2, or a lost close) */
	}
	if (st_idmap_put(&m->procs[p].fds, (uint32_t)fd, s) < 0)
		return -1;
	if (fd < m->procs[p].fd_min)
		m->procs[p].fd_min = fd;
	if (fd > m->procs[p].fd_max)
		m->procs[p].fd_max = fd;
	m->socks[s].refs++;
	return 0;
}

static void close_fd(struct st_model *m, uint32_t p, int32_t fd, uint32_t ev)
{
	uint32_t s;

	if (fd >= 0 && st_idmap_del(&m->procs[p].fds, (uint32_t)fd, &s))
		drop_ref(m, s, ev);
}

/* The socket behind fd, made up when the fd was opened before tracing. */
static uint32_t sock_of(struct st_model *m, uint32_t p, int32_t fd, uint32_t ev)
{
	const struct st_vevent *e = &m->tr->ev[ev];
	uint32_t s;

	if (fd < 0)
		return ST_NONE;
	if (st_idmap_get(&m->procs[p].fds, (uint32_t)fd, &s))
		return s;
	if ((s = new_sock(m, p, ev, e->proto)) == ST_NONE)
		return ST_NONE;
	m->socks[s].before = true;
	if (map_fd(m, p, fd, s, ev) < 0)
		return ST_NONE;
	return s;
}

/* A wait's ready fds ("fd:ASKED>READY" parts of its detail, READY not
 * "-"): the sockets they were then, so the wait can name the connections
 * it woke for. */
static int note_ready(struct st_model *m, uint32_t p, uint32_t i)
{
	const struct st_vevent *e = &m->tr->ev[i];
	size_t n, k = 0, a;
	const char *d;
	uint32_t s;

	if (!e->detail || e->ret <= 0)
		return 0;
	d = st_trace_str(m->tr, e->detail, &n);
	while (k < n) {
		int64_t fd = 0;
		const char *gt;

		for (a = k; k < n && d[k]; k++)
			;
		gt = memchr(d + a, '>', k - a);
		for (; a < k && d[a] >= '0' && d[a] <= '9' && fd <= INT32_MAX; a++)
			fd = fd * 10 + (d[a] - '0');
		if (a < k && d[a] == ':' && gt && !(d + k - gt == 2 && gt[1] == '-') &&
		    fd <= INT32_MAX && st_idmap_get(&m->procs[p].fds, (uint32_t)fd, &s)) {
			if (st_grow((void **)&m->ready, &m->readycap, m->nready + 1,
				    sizeof(*m->ready), 64) < 0)
				return -1;
			m->ready[m->nready++] = (struct st_ready){ i, (int32_t)fd, s };
		}
		k++;
	}
	return 0;
}

static int cmp_ready(const void *a, const void *b)
{
	const struct st_ready *x = a, *y = b;

	if (x->ev != y->ev)
		return x->ev < y->ev ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

uint32_t st_model_ready_sock(const struct st_model *m, uint32_t ev, int32_t fd)
{
	uint32_t lo = 0, hi = m->nready;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct st_ready *r = &m->ready[mid];

		if (r->ev < ev || (r->ev == ev && r->fd < fd))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nready && m->ready[lo].ev == ev && m->ready[lo].fd == fd)
		return m->ready[lo].sock;
	return ST_NONE;
}

/* Gives a child its parent's fds (the same sockets). */
static int inherit_fds(struct st_model *m, uint32_t child, uint32_t parent)
{
	struct st_idmap *src = &m->procs[parent].fds;
	uint32_t i;

	m->procs[child].born = true;
	for (i = 0; i < src->cap; i++)
		if (src->used[i] && map_fd(m, child, (int32_t)src->keys[i],
					   src->vals[i], ST_NONE) < 0)
			return -1;
	return 0;
}

/* The processes a fork record may have made: those of the headers, which
 * are not born (fd table set up) until their first record or their fork.
 * Indexed twice, by (pid, parent) and by pid, each in process order, with
 * a cursor per group that moves past the born ones (a process never stops
 * being born), so that a run of a hundred thousand forks costs a binary
 * search each rather than a scan of every process. */
struct kids {
	uint32_t n;
	uint32_t *by_parent, *by_pid;	/* process indices, sorted */
	uint32_t *cur_parent, *cur_pid;	/* at a group's first position: the
					 * first of it that may be unborn */
};

static int cmp_kid_parent(const void *a, const void *b, void *arg)
{
	const struct st_proc *p = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (p[x].pid != p[y].pid)
		return p[x].pid < p[y].pid ? -1 : 1;
	if (p[x].parent != p[y].parent)
		return p[x].parent < p[y].parent ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int cmp_kid_pid(const void *a, const void *b, void *arg)
{
	const struct st_proc *p = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (p[x].pid != p[y].pid)
		return p[x].pid < p[y].pid ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void kids_free(struct kids *k)
{
	free(k->by_parent);
	free(k->by_pid);
	free(k->cur_parent);
	free(k->cur_pid);
	memset(k, 0, sizeof(*k));
}

static int kids_index(struct kids *k, const struct st_model *m)
{
	size_t n = (size_t)m->nprocs + 1;
	uint32_t i;

	k->n = m->nprocs;
	k->by_parent = malloc(n * sizeof(uint32_t));
	k->by_pid = malloc(n * sizeof(uint32_t));
	k->cur_parent = malloc(n * sizeof(uint32_t));
	k->cur_pid = malloc(n * sizeof(uint32_t));
	if (!k->by_parent || !k->by_pid || !k->cur_parent || !k->cur_pid) {
		kids_free(k);
		return -1;
	}
	for (i = 0; i < k->n; i++) {
		k->by_parent[i] = k->by_pid[i] = i;
		k->cur_parent[i] = k->cur_pid[i] = i;
	}
	qsort_r(k->by_parent, k->n, sizeof(uint32_t), cmp_kid_parent, m->procs);
	qsort_r(k->by_pid, k->n, sizeof(uint32_t), cmp_kid_pid, m->procs);
	return 0;
}

/* The first unborn process of the group of `idx` that holds pid (and
 * parent, unless parent is ST_NONE), other than `not`; ST_NONE when none. */
static uint32_t kids_first(const struct st_model *m, const uint32_t *idx,
			   uint32_t *cur, uint32_t n, int64_t pid,
			   uint32_t parent, uint32_t not)
{
	const struct st_proc *p = m->procs;
	uint32_t lo = 0, hi = n, g, j;

	/* The group's first position. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct st_proc *q = &p[idx[mid]];

		if (q->pid < pid || (q->pid == pid && parent != ST_NONE && q->parent < parent))
			lo = mid + 1;
		else
			hi = mid;
	}
	g = lo;
#define IN_GROUP(j) ((j) < n && p[idx[j]].pid == pid && \
		     (parent == ST_NONE || p[idx[j]].parent == parent))
	if (!IN_GROUP(g))
		return ST_NONE;
	for (j = cur[g]; IN_GROUP(j) && p[idx[j]].born; j++)
		;
	cur[g] = j;
	/* Past `not` (at most one more step, and only when it is unborn). */
	for (; IN_GROUP(j) && (p[idx[j]].born || idx[j] == not); j++)
		;
	return IN_GROUP(j) ? idx[j] : ST_NONE;
#undef IN_GROUP
}

/* The process a fork of `parent` made: its header names it as parent, or
 * failing that any process of that pid not yet born (the first of each). */
static uint32_t find_child(struct st_model *m, struct kids *k, uint32_t parent,
			   int64_t pid)
{
	uint32_t c;

	if (parent != ST_NONE &&
	    (c = kids_first(m, k->by_parent, k->cur_parent, k->n, pid, parent,
			    ST_NONE)) != ST_NONE)
		return c;
	return kids_first(m, k->by_pid, k->cur_pid, k->n, pid, ST_NONE, parent);
}

/* Closes the fds in [lo, hi] (hi < 0: no end).  Each record costs at most
 * the smaller of the range and the fd table, and nothing when the range
 * misses every fd the process ever had: a hostile log of many open fds and
 * many close_range records must not take minutes. */
static int close_fds_in(struct st_model *m, uint32_t p, int32_t lo, int32_t hi,
			uint32_t ev)
{
	struct st_idmap *fds = &m->procs[p].fds;
	uint32_t i, n = 0, *doomed, s;
	int32_t fd;

	if (lo < m->procs[p].fd_min)
		lo = m->procs[p].fd_min;
	if (hi < 0 || hi > m->procs[p].fd_max)
		hi = m->procs[p].fd_max;
	if (!fds->len || lo > hi)
		return 0;
	if ((uint64_t)hi - (uint64_t)lo < fds->len) {
		for (fd = lo;; fd++) {
			if (st_idmap_get(fds, (uint32_t)fd, &s))
				close_fd(m, p, fd, ev);
			if (fd == hi)
				break;
		}
		return 0;
	}
	if (!(doomed = malloc(fds->len * sizeof(*doomed))))
		return -1;
	for (i = 0; i < fds->cap; i++)
		if (fds->used[i] && (int32_t)fds->keys[i] >= lo &&
		    (int32_t)fds->keys[i] <= hi)
			doomed[n++] = fds->keys[i];
	for (i = 0; i < n; i++)
		close_fd(m, p, (int32_t)doomed[i], ev);
	free(doomed);
	return 0;
}

static bool is_dup(const struct st_model *m, const struct st_vevent *e)
{
	size_t n;
	const char *cmd;

	if (e->call == ST_C_DUP)
		return true;
	if (e->call != ST_C_FCNTL)
		return false;
	/* The library logs fcntl only for F_DUPFD and F_DUPFD_CLOEXEC; a log
	 * that names the command is checked. */
	cmd = st_trace_str(m->tr, e->detail, &n);
	if (e->detail)
		return memmem(cmd, n, "DUPFD", 5) != NULL;
	return true;
}

/* Sets the record's process (made up when its file had no header). */
static uint32_t proc_of(struct st_model *m, struct st_idmap *bypid, uint32_t i)
{
	const struct st_vevent *e = &m->tr->ev[i];
	uint32_t host = e->file < m->tr->nfiles ? m->file_host[e->file] : 0;
	uint32_t p;

	if (e->hdr != ST_NONE)
		return m->hdr_proc[e->hdr];
	if (st_idmap_get(bypid, pid_key(m, host, e->pid), &p))
		return p;
	if ((p = add_proc(m, e->pid, e->t)) == ST_NONE)
		return ST_NONE;
	m->procs[p].host = host;
	m->hosts[host].nprocs++;
	if (st_idmap_put(bypid, pid_key(m, host, e->pid), p) < 0)
		return ST_NONE;
	return p;
}

static void note_addrs(struct st_sock *s, const struct st_vevent *e)
{
	if (e->local)
		s->local = e->local;
	if (e->peer)
		s->peer = e->peer;
	if (!s->proto && e->proto)
		s->proto = e->proto;
}

/* One record of the fd pass. */
static int follow_fds(struct st_model *m, struct kids *kids, uint32_t p,
		      uint32_t i)
{
	const struct st_vevent *e = &m->tr->ev[i];
	uint32_t s = ST_NONE, l, c;

	switch (e->call) {
	case ST_C_SOCKET:
		if (e->ret >= 0 && e->ret <= INT32_MAX) {
			if ((s = new_sock(m, p, i, e->proto)) == ST_NONE ||
			    map_fd(m, p, (int32_t)e->ret, s, i) < 0)
				return -1;
			note_addrs(&m->socks[s], e);
		}
		break;
	case ST_C_SOCKETPAIR:
		if (e->ret == 0 && e->fd >= 0 && e->fd2 >= 0) {
			uint32_t b;

			s = new_sock(m, p, i, e->proto);
			b = new_sock(m, p, i, e->proto);
			if (s == ST_NONE || b == ST_NONE || map_fd(m, p, e->fd, s, i) < 0 ||
			    map_fd(m, p, e->fd2, b, i) < 0 || (c = add_conn(m)) == ST_NONE)
				return -1;
			m->socks[s].role = m->socks[b].role = ST_R_PAIR;
			m->socks[s].conn = m->socks[b].conn = c;
			m->socks[b].side = 1;
			m->conns[c].proto = e->proto;
			m->conns[c].dgram = st_proto_is_dgram(e->proto);
			m->conns[c].sock[0] = s;
			m->conns[c].sock[1] = b;
			m->conns[c].proc[0] = m->conns[c].proc[1] = p;
			m->conns[c].ev[0] = m->conns[c].ev[1] = i;
			m->conns[c].addr[0] = m->conns[c].addr[1] = e->local;
			m->conns[c].t_start = m->conns[c].t_end = e->t;
			m->ev_conn[i] = c;
		}
		break;
	case ST_C_ACCEPT:
		l = sock_of(m, p, e->fd, i);
		if (l != ST_NONE && m->socks[l].role == ST_R_NONE)
			m->socks[l].role = ST_R_LISTEN;
		if (e->ret >= 0 && e->ret <= INT32_MAX) {
			uint8_t proto = e->proto ? e->proto : l != ST_NONE ? m->socks[l].proto : 0;

			if ((s = new_sock(m, p, i, proto)) == ST_NONE ||
			    map_fd(m, p, (int32_t)e->ret, s, i) < 0)
				return -1;
			m->socks[s].role = ST_R_ACCEPTED;
			m->socks[s].listener = l;
			note_addrs(&m->socks[s], e);
		} else {
			s = l;
		}
		break;
	case ST_C_LISTEN:
		s = sock_of(m, p, e->fd, i);
		if (s != ST_NONE)
			m->socks[s].role = ST_R_LISTEN;
		break;
	case ST_C_CLOSE:
		if (e->fd >= 0 && st_idmap_get(&m->procs[p].fds, (uint32_t)e->fd, &s) &&
		    !e->err)
			close_fd(m, p, e->fd, i);
		break;
	case ST_C_CLOSE_RANGE:
		/* The library logs one record per socket closed (fd); a record
		 * with fd2 names a whole range. */
		if (e->err)
			break;
		if (e->fd2 < 0)
			close_fd(m, p, e->fd, i);
		else if (close_fds_in(m, p, e->fd, e->fd2, i) < 0)
			return -1;
		break;
	case ST_C_SHUTDOWN:
		s = sock_of(m, p, e->fd, i);
		if (s != ST_NONE && !e->err && (e->bits & ST_B_SHUT_WR) &&
		    m->socks[s].eof == ST_NONE)
			m->socks[s].eof = i;
		break;
	case ST_C_FORK:
		if (!e->err) {
			int64_t child = e->fd2 > 0 ? e->fd2 : e->ret;

			if (child > 0 && (c = find_child(m, kids, p, child)) != ST_NONE &&
			    inherit_fds(m, c, p) < 0)
				return -1;
		}
		break;
	case ST_C_POLL:
		if (note_ready(m, p, i) < 0)
			return -1;
		break;
	case ST_C_EXEC: case ST_C_SPAWN: case ST_C_RESOLVE:
		break;
	default:
		if (is_dup(m, e)) {
			s = sock_of(m, p, e->fd, i);
			if (e->ret >= 0 && e->ret <= INT32_MAX && e->ret != e->fd &&
			    map_fd(m, p, (int32_t)e->ret, s, i) < 0)
				return -1;
			break;
		}
		s = sock_of(m, p, e->fd, i);
		break;
	}
	if (s != ST_NONE && e->call != ST_C_ACCEPT)
		note_addrs(&m->socks[s], e);
	m->ev_sock[i] = s;
	return 0;
}

static int follow_all(struct st_model *m)
{
	const struct st_trace *tr = m->tr;
	struct st_idmap bypid = { 0 };
	struct kids kids = { 0 };
	uint32_t k, i, p;
	int r = -1;

	/* Processes added on the way (records without a header) are born at
	 * once: only those of the headers can be a fork's child. */
	if (st_model_find_hosts(m) < 0 || build_procs(m, &bypid) < 0 ||
	    kids_index(&kids, m) < 0)
		goto out;
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		m->ev_conn[i] = ST_NONE;
		if ((p = proc_of(m, &bypid, i)) == ST_NONE)
			goto out;
		m->ev_proc[i] = p;
		m->procs[p].nevents++;
		if (!m->procs[p].born) {
			m->procs[p].born = true;
			if (m->procs[p].forked && m->procs[p].parent != ST_NONE &&
			    inherit_fds(m, p, m->procs[p].parent) < 0)
				goto out;
		}
		if (tr->ev[i].t < m->procs[p].t_first)
			m->procs[p].t_first = tr->ev[i].t;
		m->procs[p].last_ev = i;
		if (tr->ev[i].t + tr->ev[i].dur > m->procs[p].t_end)
			m->procs[p].t_end = tr->ev[i].t + tr->ev[i].dur;
		if (follow_fds(m, &kids, p, i) < 0)
			goto out;
	}
	r = 0;
out:
	kids_free(&kids);
	st_idmap_free(&bypid);
	return r;
}

const char *const st_end_names[] = {
	[ST_END_OPEN] = "open", [ST_END_CLOSED] = "closed",
	[ST_END_RESET] = "reset", [ST_END_REFUSED] = "refused",
	[ST_END_FAILED] = "failed", [ST_END_EXIT] = "exit",
	[ST_END_UNKNOWN] = "log ends",
};

/* How each process's log ends, from the file of its last image: its stop
 * line, a ring left behind, a last line cut short (st_trace_endings), or
 * whole.  A whole log ends with its process, unless its last record is an
 * exec whose new image left no log. */
static void settle_proc_ends(struct st_model *m, const uint32_t *last_hdr)
{
	const struct st_trace *tr = m->tr;
	uint32_t p;

	for (p = 0; p < m->nprocs; p++) {
		struct st_proc *pr = &m->procs[p];
		const struct st_vevent *e = pr->last_ev != ST_NONE ? &tr->ev[pr->last_ev] : NULL;
		const struct st_header *h = last_hdr[p] != ST_NONE ? &tr->hdr[last_hdr[p]] : NULL;
		const struct st_file *f;

		pr->end = ST_PE_EXITED;
		if (!e && !h)
			continue;
		pr->end_file = h ? h->file : e->file;
		if (pr->end_file >= tr->nfiles)
			continue;
		f = &tr->files[pr->end_file];
		if (f->stop_len)
			pr->end = ST_PE_STOPPED;
		else if (f->had_ring)
			pr->end = ST_PE_RING;
		else if (f->cut)
			pr->end = ST_PE_CUT;
		else if (e && e->call == ST_C_EXEC && e->ret == 0 && !e->err && (!h || h->t <= e->t))
			pr->end = ST_PE_EXECD;
	}
}

/*
 * What became of the sockets no record closed: those still in the fd
 * table of a process whose log ends early are not known; one whose every
 * holder ended (a whole log) was closed by those exits, at the last one,
 * unless it was opened before tracing (an untraced process may hold it).
 */
static int settle_exits(struct st_model *m)
{
	const struct st_trace *tr = m->tr;
	uint32_t *last_hdr, *exits, i, p, s;

	last_hdr = malloc(((size_t)m->nprocs + 1) * sizeof(*last_hdr));
	exits = calloc((size_t)m->nsocks + 1, sizeof(*exits));
	if (!last_hdr || !exits) {
		free(last_hdr);
		free(exits);
		return -1;
	}
	for (p = 0; p < m->nprocs; p++)
		last_hdr[p] = ST_NONE;
	for (i = 0; i < tr->nhdr; i++) {
		p = m->hdr_proc[i];
		if (last_hdr[p] == ST_NONE || tr->hdr[i].t >= tr->hdr[last_hdr[p]].t)
			last_hdr[p] = i;
	}
	settle_proc_ends(m, last_hdr);
	for (p = 0; p < m->nprocs; p++) {
		const struct st_idmap *fds = &m->procs[p].fds;
		uint8_t end = m->procs[p].end;

		for (i = 0; i < fds->cap; i++) {
			struct st_sock *k;

			if (!fds->used[i])
				continue;
			k = &m->socks[s = fds->vals[i]];
			if (ST_PE_EARLY(end)) {
				k->fate = ST_FATE_UNKNOWN;
				k->gone_proc = p;
			} else if (end == ST_PE_EXITED && k->fate != ST_FATE_UNKNOWN) {
				exits[s]++;
				if (k->gone_proc == ST_NONE ||
				    m->procs[k->gone_proc].t_end < m->procs[p].t_end)
					k->gone_proc = p;
			}
		}
	}
	for (s = 0; s < m->nsocks; s++) {
		struct st_sock *k = &m->socks[s];

		if (k->fate == ST_FATE_UNKNOWN || k->closed != ST_NONE)
			continue;
		if (k->refs && exits[s] == k->refs && !k->before)
			k->fate = ST_FATE_EXIT;
		else
			k->gone_proc = ST_NONE;
	}
	free(last_hdr);
	free(exits);
	return 0;
}

/* How a connection ended, once all its records are seen: closed when
 * every traced side closed its socket; exit when the others were closed
 * by their processes' exits; not known when a process holding one has a
 * log that ends early. */
static void settle_end(const struct st_model *m, struct st_conn *k)
{
	bool all_closed = true, unknown = false, gone = true;
	int side;

	for (side = 0; side < 2; side++) {
		const struct st_sock *s;
		int64_t t;

		if (k->sock[side] == ST_NONE)
			continue;
		s = &m->socks[k->sock[side]];
		if (s->closed == ST_NONE) {
			all_closed = false;
			if (s->fate == ST_FATE_UNKNOWN)
				unknown = true;
			else if (s->fate != ST_FATE_EXIT)
				gone = false;
			else if (m->procs[s->gone_proc].t_end > k->t_end)
				k->t_end = m->procs[s->gone_proc].t_end;
			continue;
		}
		t = m->tr->ev[s->closed].t + m->tr->ev[s->closed].dur;
		if (t > k->t_end)
			k->t_end = t;
	}
	if (k->end != ST_END_OPEN)
		return;
	if (all_closed)
		k->end = ST_END_CLOSED;
	else if (unknown)
		k->end = ST_END_UNKNOWN;
	else if (gone)
		k->end = ST_END_EXIT;
}

/* Settles how the connections from first on ended. */
static void settle_ends(struct st_model *m, uint32_t first)
{
	uint32_t k;

	for (k = first; k < m->nconns; k++)
		settle_end(m, &m->conns[k]);
}

/* Runs a matcher, then adds what it found. */
static int match(struct st_model *m, int (*matcher)(struct st_model *, struct st_found *))
{
	struct st_found f;
	int r;

	st_found_init(&f, m);
	r = matcher(m, &f);
	if (st_found_add_to(&f, m) < 0)
		return -1;
	return r;
}

/* Numbers the connections by start time and indexes the links by target. */
static int finish(struct st_model *m)
{
	uint64_t *keys;
	uint32_t *idx, i;
	struct st_link *sorted;

	keys = malloc((m->nconns + 1) * sizeof(*keys));
	m->conn_by_id = malloc((m->nconns + 1) * sizeof(*idx));
	if (!keys || !m->conn_by_id) {
		free(keys);
		return -1;
	}
	idx = m->conn_by_id;
	for (i = 0; i < m->nconns; i++) {
		idx[i] = i;
		keys[i] = (uint64_t)m->conns[i].t_start;
	}
	if (st_sort_by_key(keys, idx, m->nconns) < 0) {
		free(keys);
		return -1;
	}
	free(keys);
	for (i = 0; i < m->nconns; i++)
		m->conns[idx[i]].id = i + 1;

	m->link_at = st_big_calloc((size_t)m->tr->nev + 2, sizeof(*m->link_at));
	sorted = st_big_alloc(((size_t)m->nlinks + 1) * sizeof(*sorted));
	if (!m->link_at || !sorted) {
		st_big_free(sorted);
		return -1;
	}
	for (i = 0; i < m->nlinks; i++)
		m->link_at[m->links[i].to + 1]++;
	for (i = 0; i < m->tr->nev; i++)
		m->link_at[i + 1] += m->link_at[i];
	/* Scatter, keeping the order links were made in. */
	for (i = 0; i < m->nlinks; i++)
		sorted[m->link_at[m->links[i].to]++] = m->links[i];
	for (i = m->tr->nev; i > 0; i--)
		m->link_at[i] = m->link_at[i - 1];
	m->link_at[0] = 0;
	st_big_free(m->links);
	m->links = sorted;
	m->linkcap = m->nlinks + 1;
	return 0;
}

int st_model_build(struct st_model *m, const struct st_trace *tr)
{
	size_t n = (size_t)tr->nev + 1;
	uint32_t first;

	memset(m, 0, sizeof(*m));
	m->tr = tr;
	st_strtab_init(&m->keys);
	st_strtab_init(&m->labels);
	m->ev_proc = st_big_alloc(n * sizeof(*m->ev_proc));
	m->ev_sock = st_big_alloc(n * sizeof(*m->ev_sock));
	m->ev_conn = st_big_alloc(n * sizeof(*m->ev_conn));
	if (!m->ev_proc || !m->ev_sock || !m->ev_conn)
		return -1;
	if (follow_all(m) < 0 || settle_exits(m) < 0 || match(m, st_model_pair_streams) < 0 ||
	    match(m, st_model_flow_streams) < 0)
		return -1;
	/* Only stream connections and socketpairs exist yet. */
	settle_ends(m, 0);
	first = m->nconns;
	if (match(m, st_model_pair_datagrams) < 0)
		return -1;
	settle_ends(m, first);
	if (finish(m) < 0 || st_model_label_links(m) < 0)
		return -1;
	if (m->nready)
		qsort(m->ready, m->nready, sizeof(*m->ready), cmp_ready);
	st_strtab_free(&m->keys);
	return 0;
}

const char *st_proc_end_why(const struct st_model *m, uint32_t p, char *buf, size_t n)
{
	const struct st_proc *pr = &m->procs[p];
	const struct st_file *f = &m->tr->files[pr->end_file];

	switch (pr->end) {
	case ST_PE_STOPPED:
		if (strcmp(f->stop_why, "write") == 0 && strcmp(f->stop_err, "ENOSPC") == 0)
			snprintf(buf, n, "tracing stopped (disk full)");
		else if (strcmp(f->stop_why, "write") == 0)
			snprintf(buf, n, "tracing stopped (cannot write the log%s%s)",
				 f->stop_err[0] ? ": " : "", f->stop_err);
		else if (strcmp(f->stop_why, "reopen") == 0)
			snprintf(buf, n, "tracing stopped (cannot reopen the log)");
		else
			snprintf(buf, n, "tracing stopped");
		return buf;
	case ST_PE_RING:
		snprintf(buf, n, "killed, or still running");
		return buf;
	case ST_PE_CUT:
		snprintf(buf, n, "its last record is cut short");
		return buf;
	default:
		return NULL;
	}
}

void st_model_free(struct st_model *m)
{
	uint32_t i;

	for (i = 0; i < m->nprocs; i++)
		st_idmap_free(&m->procs[i].fds);
	free(m->procs);
	st_big_free(m->ev_proc);
	st_big_free(m->ev_sock);
	st_big_free(m->ev_conn);
	free(m->socks);
	free(m->conns);
	st_big_free(m->links);
	st_big_free(m->link_at);
	free(m->conn_by_id);
	free(m->hdr_proc);
	for (i = 0; i < m->nhosts; i++)
		free(m->hosts[i].knots);
	free(m->hosts);
	free(m->hdr_host);
	free(m->file_host);
	st_strtab_free(&m->keys);
	st_strtab_free(&m->labels);
	st_big_free(m->link_label);
	st_big_free(m->ev_label);
	free(m->ready);
	free(m->msgs);
	memset(m, 0, sizeof(*m));
}
