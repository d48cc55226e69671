/*
 * app.c: what the connections say (model.h), read by the protocol readers
 * of viewer/proto.  A stream connection's protocol is guessed from the
 * first bytes of its client's direction (or its server's); then each
 * direction is fed, send by send, to that protocol's reader, and the
 * messages it finds are kept by direction and offset.  Once the links are
 * in their final order, each data link gets the summaries of the messages
 * that start within its bytes; each datagram of a DNS flow is read on its
 * own.
 */
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most summaries one label joins. */
#define LABEL_MSGS 3

struct reading {
	struct st_model *m;
	uint32_t key;
	uint32_t first;		/* its first message in m->msgs */
	int failed;
};

static void keep_msg(void *ctx, uint64_t off, const char *text, size_t n)
{
	struct reading *r = ctx;
	struct st_model *m = r->m;
	uint32_t id = st_strtab_intern(&m->labels, text, n);

	if (id == 0 || st_grow((void **)&m->msgs, &m->msgcap, m->nmsgs + 1,
			       sizeof(*m->msgs), 1024) < 0) {
		r->failed = 1;
		return;
	}
	m->msgs[m->nmsgs++] = (struct st_msg){ off, off, r->key, id };
}

/* The bytes up to end belong to the message last said. */
static void end_msg(void *ctx, uint64_t end)
{
	struct reading *r = ctx;
	struct st_msg *g;

	if (r->m->nmsgs == r->first)
		return;
	g = &r->m->msgs[r->m->nmsgs - 1];
	if (end > g->end)
		g->end = end;
}

/* The port of an address `host:port` (trace strings), 0 when none. */
static unsigned port_of(const struct st_trace *tr, uint32_t addr)
{
	size_t n;
	const char *s = addr ? st_trace_str(tr, addr, &n) : NULL;
	const char *c = s ? memrchr(s, ':', n) : NULL;
	unsigned v = 0;

	if (!c)
		return 0;
	for (c++; c < s + n && *c >= '0' && *c <= '9' && v < 65536; c++)
		v = v * 10 + (unsigned)(*c - '0');
	return v < 65536 ? v : 0;
}

/* The bytes of a record that were kept. */
static const unsigned char *kept_of(const struct st_trace *tr, uint32_t i, size_t *kept)
{
	static const unsigned char none[1];
	const struct st_vevent *e = &tr->ev[i];

	/* A trace with no payload at all has no snippet store. */
	if (!tr->snips) {
		*kept = 0;
		return none;
	}
	*kept = (e->bits & ST_B_DATA) ? e->snip_len : 0;
	return tr->snips + e->snip;
}

/* The segments of key in list v (from *at on, moving *at past them). */
static uint32_t range_of(const struct st_seg *v, uint32_t n, uint32_t *at, uint32_t key,
			 uint32_t *first)
{
	while (*at < n && v[*at].key < key)
		(*at)++;
	*first = *at;
	while (*at < n && v[*at].key == key)
		(*at)++;
	return *at - *first;
}

static enum st_app guess(const struct st_model *m, const struct st_seg *v, uint32_t n,
			 unsigned port)
{
	size_t kept;
	const unsigned char *p;

	if (n == 0 || v[0].off != 0)
		return ST_APP_NONE;
	p = kept_of(m->tr, v[0].ev, &kept);
	return st_proto_guess(p, kept, port, false);
}

static int read_direction(struct st_model *m, enum st_app app, uint32_t key,
		    const struct st_seg *v, uint32_t n, struct st_proto_dir *d)
{
	struct reading r = { m, key, m->nmsgs, 0 };
	uint32_t k;

	st_proto_start(d, app, (int)(key & 1), keep_msg, &r);
	d->ended = end_msg;
	for (k = 0; k < n && !r.failed; k++) {
		size_t kept;
		const unsigned char *p;

		if (v[k].peek)
			continue;
		p = kept_of(m->tr, v[k].ev, &kept);
		st_proto_feed(d, v[k].off, p, kept, v[k].len);
	}
	st_proto_finish(d);
	return r.failed ? -1 : 0;
}

/* The label of the messages [a, b): joined, the rest counted. */
static uint32_t join_label(struct st_model *m, uint32_t a, uint32_t b)
{
	char buf[LABEL_MSGS * (ST_PROTO_TEXT + 3) + 32];
	size_t n = 0, k;
	uint32_t i;

	if (b - a == 1)
		return m->msgs[a].label;
	for (i = a; i < b && i < a + LABEL_MSGS; i++) {
		const char *s = st_strtab_get(&m->labels, m->msgs[i].label, &k);

		if (i > a) {
			memcpy(buf + n, " | ", 3);
			n += 3;
		}
		memcpy(buf + n, s, k);
		n += k;
	}
	if (b - a > LABEL_MSGS)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " +%u more", b - a - LABEL_MSGS);
	return st_strtab_intern(&m->labels, buf, n);
}

/* The segments of one direction to read: the sends when its sender was
 * traced, else the receives (each list walked once, key by key). */
static uint32_t dir_segs(const struct st_seg *snd, uint32_t nsnd, uint32_t *as,
			 const struct st_seg *rcv, uint32_t nrcv, uint32_t *ar, uint32_t key,
			 const struct st_seg **v)
{
	uint32_t first, n = range_of(snd, nsnd, as, key, &first), nr;

	*v = snd + first;
	nr = range_of(rcv, nrcv, ar, key, &first);
	if (n == 0) {
		*v = rcv + first;
		n = nr;
	}
	return n;
}

/* Gives each TLS plaintext record of v[0..n) the summaries of the
 * messages (from msgs[a] on) that start in its bytes: the row's label
 * when no arrow carries them (one end traced). */
static int label_records(struct st_model *m, const struct st_seg *v, uint32_t n, uint32_t a)
{
	uint32_t k, b;

	if (!m->ev_label &&
	    !(m->ev_label = st_big_calloc((size_t)m->tr->nev + 1, sizeof(*m->ev_label))))
		return -1;
	for (k = 0; k < n; k++) {
		uint64_t end = v[k].off + v[k].len;

		while (a < m->nmsgs && m->msgs[a].off < v[k].off)
			a++;
		for (b = a; b < m->nmsgs && m->msgs[b].off < end; b++)
			;
		if (b > a && !(m->ev_label[v[k].ev] = join_label(m, a, b)))
			return -1;
		a = b;
	}
	return 0;
}

/* The TLS plaintext of connection c (both ends' SSL_write and SSL_read
 * records, on keys of their own): read with the protocol its first bytes
 * look like (the connection's inner protocol), each record labelled. */
static int read_plain(struct st_model *m, uint32_t c, const struct st_seg *v[2],
		      const uint32_t n[2], struct st_proto_dir *d)
{
	enum st_app app = guess(m, v[0], n[0], 0);
	uint32_t dir, first;

	if (app == ST_APP_NONE)
		app = guess(m, v[1], n[1], 0);
	if (app == ST_APP_NONE || app == ST_APP_TLS)
		return 0;
	m->conns[c].inner = (uint8_t)app;
	for (dir = 0; dir < 2; dir++) {
		first = m->nmsgs;
		if (n[dir] == 0)
			continue;
		if (read_direction(m, app, st_plain_key(m, c, dir), v[dir], n[dir], d) < 0 ||
		    label_records(m, v[dir], n[dir], first) < 0)
			return -1;
	}
	return 0;
}

int st_model_read_streams(struct st_model *m, const struct st_seg *snd, uint32_t nsnd,
			  const struct st_seg *rcv, uint32_t nrcv)
{
	struct st_proto_dir *d = malloc(sizeof(*d));
	uint32_t c, as = 0, ar = 0, dir;
	int r = -1;

	if (!d)
		return -1;
	for (c = 0; c < m->nconns; c++) {
		struct st_conn *k = &m->conns[c];
		const struct st_seg *v[2];
		uint32_t n[2];
		enum st_app app;
		unsigned port = port_of(m->tr, k->addr[1]);

		for (dir = 0; dir < 2; dir++)
			n[dir] = dir_segs(snd, nsnd, &as, rcv, nrcv, &ar, c * 2 + dir, &v[dir]);
		app = guess(m, v[0], n[0], port);
		if (app == ST_APP_NONE)
			app = guess(m, v[1], n[1], port);
		k->app = (uint8_t)app;
		if (app == ST_APP_NONE)
			continue;
		for (dir = 0; dir < 2; dir++) {
			if (read_direction(m, app, c * 2 + dir, v[dir], n[dir], d) < 0)
				goto out;
			if (dir == 0 && app == ST_APP_TLS && d->sni[0])
				k->sni = st_strtab_intern(&m->labels, d->sni, strlen(d->sni));
		}
	}
	/* The plaintext keys come after every wire key, in the same order. */
	for (c = 0; c < m->nconns && (as < nsnd || ar < nrcv); c++) {
		const struct st_seg *v[2];
		uint32_t n[2];

		for (dir = 0; dir < 2; dir++)
			n[dir] = dir_segs(snd, nsnd, &as, rcv, nrcv, &ar, st_plain_key(m, c, dir),
					  &v[dir]);
		if (read_plain(m, c, v, n, d) < 0)
			goto out;
	}
	r = 0;
out:
	free(d);
	return r;
}

/* The first message of key at or after off. */
static uint32_t find_msg(const struct st_model *m, uint32_t key, uint64_t off)
{
	uint32_t lo = 0, hi = m->nmsgs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct st_msg *g = &m->msgs[mid];

		if (g->key < key || (g->key == key && g->off < off))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A datagram link of a flow that may be DNS. */
static uint32_t dgram_label(struct st_model *m, const struct st_link *l, uint8_t *checked)
{
	struct st_conn *k = &m->conns[l->conn];
	const struct st_vevent *e = &m->tr->ev[l->from];
	const unsigned char *p;
	size_t kept, n;
	char text[ST_PROTO_TEXT + 1];

	p = kept_of(m->tr, l->from, &kept);
	if (!checked[l->conn]) {
		checked[l->conn] = 1;
		if (st_proto_guess(p, kept, 0, true) == ST_APP_DNS)
			k->app = ST_APP_DNS;
	}
	if (k->app != ST_APP_DNS || e->ret <= 0)
		return 0;
	n = st_proto_datagram(ST_APP_DNS, p, kept, (uint64_t)e->ret, text);
	return n ? st_strtab_intern(&m->labels, text, n) : 0;
}

const char *st_event_label(const struct st_model *m, uint32_t i)
{
	uint32_t id = m->ev_label && i < m->tr->nev ? m->ev_label[i] : 0;

	return id ? st_strtab_get(&m->labels, id, NULL) : NULL;
}

int st_model_label_links(struct st_model *m)
{
	uint8_t *checked;
	uint32_t i;

	m->link_label = st_big_calloc((size_t)m->nlinks + 1, sizeof(*m->link_label));
	checked = calloc((size_t)m->nconns + 1, 1);
	if (!m->link_label || !checked) {
		free(checked);
		return -1;
	}
	for (i = 0; i < m->nlinks; i++) {
		const struct st_link *l = &m->links[i];
		uint32_t s, key, a, b;

		if (l->kind == ST_L_DGRAM) {
			if (m->conns[l->conn].dgram)
				m->link_label[i] = dgram_label(m, l, checked);
			continue;
		}
		if (!st_link_takes(l) || m->nmsgs == 0 ||
		    (s = m->ev_sock[l->from]) == ST_NONE)
			continue;
		key = l->kind == ST_L_PLAIN ? st_plain_key(m, l->conn, m->socks[s].side) :
		      l->conn * 2 + m->socks[s].side;
		a = find_msg(m, key, l->off);
		for (b = a; b < m->nmsgs && m->msgs[b].key == key &&
		     m->msgs[b].off < l->off + l->len; b++)
			;
		if (b > a)
			m->link_label[i] = join_label(m, a, b);
		else if (a > 0 && m->msgs[a - 1].key == key && m->msgs[a - 1].end > l->off)
			m->link_label[i] = ST_LABEL_CONT;
	}
	free(checked);
	free(m->msgs);
	m->msgs = NULL;
	m->nmsgs = m->msgcap = 0;
	return 0;
}

const char *st_link_label(const struct st_model *m, const struct st_link *l)
{
	uint32_t id;

	if (!m->link_label || l < m->links || l >= m->links + m->nlinks)
		return NULL;
	id = m->link_label[l - m->links];
	return id && id != ST_LABEL_CONT ? st_strtab_get(&m->labels, id, NULL) : NULL;
}

bool st_link_continues(const struct st_model *m, const struct st_link *l)
{
	return m->link_label && l >= m->links && l < m->links + m->nlinks &&
	       m->link_label[l - m->links] == ST_LABEL_CONT;
}

const char *st_conn_sni(const struct st_model *m, const struct st_conn *k)
{
	return k->sni ? st_strtab_get(&m->labels, k->sni, NULL) : NULL;
}
