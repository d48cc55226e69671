/*
 * pcapng.c: the trace as a capture file (`sockview --pcapng`), packets
 * synthesized from the model so that Wireshark and tshark dissect them as
 * real traffic (raw IPv4/IPv6, LINKTYPE_RAW, nanosecond timestamps).
 *
 * What goes on the wire, and from which record:
 *
 * - TCP (and AF_UNIX streams): the handshake at the connect (or, when only
 *   the server was traced, at the accept; a socketpair at its creation);
 *   data segments of at most MSS bytes for the bytes each send put on the
 *   wire, taken from the sender's records when the sender was traced and
 *   from the receiver's when only it was, so each byte is sent once; an
 *   ACK from the receiver after every second segment and at the end of each
 *   call; FIN at shutdown(SHUT_WR) or the last close (RST instead when that
 *   close left bytes unread), or at the receive that saw EOF when the
 *   closing side was not traced, or, for a socket never closed whose
 *   holders' logs are whole (END exit), at the end of the last holder's
 *   last call: its exit closed it; RST when a call fails with ECONNRESET or
 *   EPIPE.  A connection whose start is not in the trace (or not in the
 *   --from/--to window) begins mid-stream, without a handshake.
 * - UDP (and AF_UNIX datagrams): one packet per datagram sent, or received
 *   when no traced send is linked to it.
 * - AF_UNIX (which has no addresses on the wire) and ends whose address is
 *   unknown: the synthetic pair [fd00:7578::1:0:N]:40000 (client) and
 *   [fd00:7578::2:0:N]:30000 (server), N being the connection's number (as
 *   in --conns; ends not paired into a connection get numbers past the last
 *   one).  fd00::/8 is for local use (RFC 4193), 0x7578 is "ux".
 *
 * Every packet carries a comment naming the call it comes from ("pid 4242
 * nginx tid 4242 sendfile(12) = 60027"; "...; reply of the peer" for the
 * ACKs and answers synthesized for it) and the direction flag from that
 * call's side.  With whole payloads (-s all) every byte is there and the
 * checksums are valid; with snippets the captured length is what was kept
 * and the original length the real one.  Packets are in time order: each
 * record's packets at its time (a send's start, a receive's return), one
 * nanosecond apart, never before the previous packet.
 */
#include "render/render.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model/address.h"
#include "read/sort.h"
#include "render/out.h"

#define MSS4 1460		/* an Ethernet of MTU 1500 */
#define MSS6 1440
#define WINDOW 65535
#define TTL 64
#define SNAPLEN 262144
#define UDP_MAX4 65507		/* the largest UDP payload IPv4 can carry */
#define UDP_MAX6 65527
#define PORT_CLIENT 40000	/* synthetic ends */
#define PORT_SERVER 30000
/* Linux moves at most this many bytes in one call; a log claiming more is
 * not believed (it would make endless packets). */
#define CALL_MAX 0x7ffff000LL

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* flow.state */
#define F_INIT  0x01		/* addresses set */
#define F_OPEN  0x02		/* a packet went out */
#define F_DEAD  0x04		/* reset, refused or failed: nothing more */
#define F_FIN0  0x08		/* side 0 sent its FIN (side 1: F_FIN0 << 1) */

struct end {
	uint8_t ip[16];		/* IPv4 in the first 4 bytes */
	uint16_t port;
};

/* A connection on the wire: side 0 the client, 1 the server. */
struct flow {
	struct end end[2];
	uint32_t seq[2];	/* next sequence number sent by each side */
	uint32_t ack[2];	/* the last acknowledgement each side sent */
	uint64_t sent[2];	/* bytes each side put on the wire */
	uint64_t taken[2];	/* of those, bytes its traced peer read */
	uint8_t unacked[2];	/* segments of each side not yet acknowledged */
	uint8_t state;
	uint8_t traced;		/* orphans: bit i, side i's socket is in the trace */
	bool wanted;		/* orphans: the filters keep it */
	bool v6;
};

/* The call a packet comes from, and its side. */
struct who {
	uint32_t ev;
	int side;
	const char *text;	/* comment */
	size_t len;
	bool reply;		/* synthesized for the peer */
};

struct pc {
	const struct st_model *m;
	const struct st_render_opts *o;
	struct st_filter window;	/* --from/--to only */
	struct st_out out;
	struct flow *flows;
	uint32_t nflows, cap;
	uint32_t *sock_flow;	/* orphan stream socket -> flow * 2 + side + 1 */
	struct st_strtab keys;	/* orphan pairing keys */
	struct st_idmap key_flow;
	struct st_line_reader lines;
	unsigned char *data;	/* the record's payload */
	size_t data_cap;
	size_t data_len;
	char comment[512];
	size_t comment_len;
	unsigned char pkt[65536 + 128];
	int64_t last_ts;
	uint16_t ip_id;
	bool write;		/* the record is inside the time window */
};

/* ---- pcapng blocks ---- */

static void put32(struct st_out *o, uint32_t v)
{
	st_out_put(o, &v, 4);
}

static void put16(struct st_out *o, uint16_t v)
{
	st_out_put(o, &v, 2);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put_option(struct st_out *o, uint16_t code, const void *v, size_t n)
{
	static const char zero[4];

	put16(o, code);
	put16(o, (uint16_t)n);
	st_out_put(o, v, n);
	st_out_put(o, zero, pad4(n) - n);
}

/* The section header, then one interface per host (named after it). */
static void put_header_blocks(struct st_out *o, const struct st_model *m)
{
	static const char app[] = "sockview (socktrace), packets synthesized from the calls";
	static const uint8_t tsresol = 9;
	uint32_t shb_len = 28 + 4 + (uint32_t)pad4(sizeof(app) - 1) + 4, h;
	int64_t section = -1;

	put32(o, 0x0A0D0D0A);
	put32(o, shb_len);
	put32(o, 0x1A2B3C4D);
	put16(o, 1);
	put16(o, 0);
	st_out_put(o, &section, 8);
	put_option(o, 4, app, sizeof(app) - 1);
	put32(o, 0);
	put32(o, shb_len);

	for (h = 0; h < (m->nhosts ? m->nhosts : 1); h++) {
		char name[128];
		size_t n = 0;
		const char *s = m->nhosts && m->hosts[h].name ?
				st_trace_str(m->tr, m->hosts[h].name, &n) : "";
		struct st_out text = { NULL, name, 0, sizeof(name) - 1, false, false };
		uint32_t idb_len;

		st_out_str(&text, "sockview");
		if (n) {
			st_out_char(&text, ' ');
			st_out_bytes(&text, s, n, 100);
		}
		idb_len = 20 + 4 + (uint32_t)pad4(text.len) + 4 + 4 + 4;
		put32(o, 1);
		put32(o, idb_len);
		put16(o, 101);		/* LINKTYPE_RAW */
		put16(o, 0);
		put32(o, SNAPLEN);
		put_option(o, 2, name, text.len);
		put_option(o, 9, &tsresol, 1);
		put32(o, 0);
		put32(o, idb_len);
	}
}

/* One Enhanced Packet Block: cap bytes of p, of a packet orig bytes long. */
static void put_packet(struct pc *p, int64_t t, size_t cap, size_t orig,
		       const struct who *w, bool outbound)
{
	static const char zero[4];
	struct st_out *o = &p->out;
	static const char reply[] = "; reply of the peer";
	size_t clen = w->len + (w->reply ? sizeof(reply) - 1 : 0);
	uint32_t len = (uint32_t)(32 + pad4(cap) + 4 + pad4(clen) + 8 + 4);
	uint32_t flags = outbound ? 2 : 1;
	uint64_t ts;

	if (!p->write)
		return;
	if (t <= p->last_ts)
		t = p->last_ts < INT64_MAX ? p->last_ts + 1 : INT64_MAX;
	p->last_ts = t;
	ts = t < 0 ? 0 : (uint64_t)t;
	put32(o, 6);
	put32(o, len);
	put32(o, p->m->nhosts ? p->m->procs[p->m->ev_proc[w->ev]].host : 0);
	put32(o, (uint32_t)(ts >> 32));
	put32(o, (uint32_t)ts);
	put32(o, (uint32_t)cap);
	put32(o, (uint32_t)orig);
	st_out_put(o, p->pkt, cap);
	st_out_put(o, zero, pad4(cap) - cap);
	put16(o, 1);
	put16(o, (uint16_t)clen);
	st_out_put(o, w->text, w->len);
	if (w->reply)
		st_out_put(o, reply, sizeof(reply) - 1);
	st_out_put(o, zero, pad4(clen) - clen);
	put16(o, 2);
	put16(o, 4);
	put32(o, flags);
	put32(o, 0);
	put32(o, len);
}

/* ---- IP, TCP, UDP ---- */

static uint32_t sum16(uint32_t sum, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void be16(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void be32(unsigned char *b, uint32_t v)
{
	be16(b, v >> 16);
	be16(b + 2, v);
}

/* Writes the IP header for a transport segment of tlen bytes from end a to
 * end b; returns its length.  *pseudo gets the sum of the pseudo-header. */
static size_t put_ip(struct pc *p, const struct flow *f, int from, uint8_t proto,
		     size_t tlen, uint32_t *pseudo)
{
	unsigned char *h = p->pkt;
	const struct end *a = &f->end[from], *b = &f->end[1 - from];

	p->ip_id++;
	if (f->v6) {
		h[0] = 0x60;
		h[1] = h[2] = h[3] = 0;
		be16(h + 4, (uint32_t)tlen);
		h[6] = proto;
		h[7] = TTL;
		memcpy(h + 8, a->ip, 16);
		memcpy(h + 24, b->ip, 16);
		*pseudo = sum16(sum16((uint32_t)tlen + proto, a->ip, 16), b->ip, 16);
		return 40;
	}
	h[0] = 0x45;
	h[1] = 0;
	be16(h + 2, (uint32_t)(20 + tlen));
	be16(h + 4, p->ip_id);
	be16(h + 6, 0x4000);	/* don't fragment */
	h[8] = TTL;
	h[9] = proto;
	be16(h + 10, 0);
	memcpy(h + 12, a->ip, 4);
	memcpy(h + 16, b->ip, 4);
	be16(h + 10, fold(sum16(0, h, 20)));
	*pseudo = sum16(sum16((uint32_t)tlen + proto, a->ip, 4), b->ip, 4);
	return 20;
}

/* One TCP segment from side `from`: len payload bytes, of which the first
 * have are known (data, or NULL). */
static void put_tcp(struct pc *p, struct flow *f, int from, uint8_t flags,
		    const unsigned char *data, size_t len, size_t have, int64_t t,
		    const struct who *w)
{
	size_t thl = (flags & TH_SYN) ? 24 : 20, ihl;
	uint32_t pseudo;
	unsigned char *h;

	if (have > len)
		have = len;
	ihl = put_ip(p, f, from, 6, thl + len, &pseudo);
	h = p->pkt + ihl;
	be16(h, f->end[from].port);
	be16(h + 2, f->end[1 - from].port);
	be32(h + 4, f->seq[from]);
	if (flags & TH_ACK) {
		f->ack[from] = f->seq[1 - from];
		be32(h + 8, f->ack[from]);
	} else {
		be32(h + 8, 0);
	}
	h[12] = (unsigned char)(thl / 4 << 4);
	h[13] = flags;
	be16(h + 14, WINDOW);
	be16(h + 16, 0);
	be16(h + 18, 0);
	if (flags & TH_SYN) {
		h[20] = 2;	/* MSS */
		h[21] = 4;
		be16(h + 22, f->v6 ? MSS6 : MSS4);
	}
	if (have)
		memcpy(h + thl, data, have);
	if (have == len)
		be16(h + 16, fold(sum16(pseudo, h, thl + len)));
	put_packet(p, t, ihl + thl + have, ihl + thl + len, w, from == w->side);
	f->seq[from] += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	f->state |= F_OPEN;
}

static void put_udp(struct pc *p, struct flow *f, int from, size_t len,
		    int64_t t, const struct who *w)
{
	size_t max = f->v6 ? UDP_MAX6 : UDP_MAX4, have, ihl;
	uint32_t pseudo;
	unsigned char *h;

	if (len > max)
		len = max;
	have = p->data_len < len ? p->data_len : len;
	ihl = put_ip(p, f, from, 17, 8 + len, &pseudo);
	h = p->pkt + ihl;
	be16(h, f->end[from].port);
	be16(h + 2, f->end[1 - from].port);
	be16(h + 4, (uint32_t)(8 + len));
	be16(h + 6, 0);
	if (have)
		memcpy(h + 8, p->data, have);
	if (have == len) {
		uint16_t c = fold(sum16(pseudo, h, 8 + len));

		be16(h + 6, c ? c : 0xffff);
	}
	put_packet(p, t, ihl + 8 + have, ihl + 8 + len, w, from == w->side);
}

/* ---- addresses ---- */

/* An inet address of the log format into e; false when it is none. */
static bool parse_end(const struct st_trace *tr, uint32_t id, struct end *e, bool *v6)
{
	char host[128];
	const char *s, *colon;
	size_t n, hn;
	long port;
	struct in6_addr a6;

	if (!id)
		return false;
	s = st_trace_str(tr, id, &n);
	if (!st_addr_is_inet(s, n) || (port = st_addr_port(s, n)) < 0)
		return false;
	colon = memrchr(s, ':', n);
	if (!colon)
		return false;
	if (s[0] == '[') {
		const char *pct = memchr(s, '%', (size_t)(colon - s));

		hn = (size_t)((pct ? pct : colon - 1) - (s + 1));
		s++;
	} else {
		hn = (size_t)(colon - s);
	}
	if (hn >= sizeof(host))
		return false;
	memcpy(host, s, hn);
	host[hn] = '\0';
	memset(e, 0, sizeof(*e));
	e->port = (uint16_t)port;
	if (inet_pton(AF_INET, host, e->ip) == 1) {
		*v6 = false;
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(e->ip, a6.s6_addr + 12, 4);
		*v6 = false;
	} else {
		memcpy(e->ip, a6.s6_addr, 16);
		*v6 = true;
	}
	return true;
}

static bool is_zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

/* Both ends of a flow from two address strings: a wildcard host takes the
 * other's (loopback traffic), an IPv4 end facing an IPv6 one is mapped; false
 * when neither is an inet address. */
static bool set_inet_ends(const struct st_trace *tr, struct flow *f, uint32_t a,
			  uint32_t b)
{
	bool v6[2], ok[2];
	int i;

	ok[0] = parse_end(tr, a, &f->end[0], &v6[0]);
	ok[1] = parse_end(tr, b, &f->end[1], &v6[1]);
	if (!ok[0] && !ok[1])
		return false;
	/* An end nobody logged (a refused connect's own): the other's host
	 * (taken below), port 0. */
	for (i = 0; i < 2; i++)
		if (!ok[i]) {
			memset(&f->end[i], 0, sizeof(f->end[i]));
			v6[i] = v6[1 - i];
		}
	for (i = 0; i < 2; i++) {
		if (v6[i] != v6[1 - i] && !v6[i]) {
			memmove(f->end[i].ip + 12, f->end[i].ip, 4);
			memset(f->end[i].ip, 0, 10);
			f->end[i].ip[10] = f->end[i].ip[11] = 0xff;
			v6[i] = true;
		}
	}
	f->v6 = v6[0];
	for (i = 0; i < 2; i++)
		if (is_zero(f->end[i].ip, f->v6 ? 16 : 4))
			memcpy(f->end[i].ip, f->end[1 - i].ip, 16);
	for (i = 0; i < 2; i++)
		if (is_zero(f->end[i].ip, f->v6 ? 16 : 4)) {
			if (f->v6)
				f->end[i].ip[15] = 1;	/* ::1 */
			else
				f->end[i].ip[0] = 127, f->end[i].ip[3] = 1;
		}
	return true;
}

/* The synthetic pair of connection number n (see the top of the file). */
static void set_synthetic_ends(struct flow *f, uint32_t n)
{
	int i;

	memset(f->end, 0, sizeof(f->end));
	f->v6 = true;
	for (i = 0; i < 2; i++) {
		f->end[i].ip[0] = 0xfd;
		f->end[i].ip[2] = 0x75;
		f->end[i].ip[3] = 0x78;
		f->end[i].ip[11] = (uint8_t)(i + 1);
		be32(f->end[i].ip + 12, n);
		f->end[i].port = i ? PORT_SERVER : PORT_CLIENT;
	}
}

/* ---- the records ---- */

static struct flow *new_flow(struct pc *p)
{
	if (st_grow((void **)&p->flows, &p->cap, p->nflows + 1, sizeof(*p->flows), 64) < 0)
		return NULL;
	memset(&p->flows[p->nflows], 0, sizeof(*p->flows));
	return &p->flows[p->nflows++];
}

/* Starts a flow: its ends and initial sequence numbers. */
static void init_flow(struct pc *p, struct flow *f, uint32_t number, uint32_t a, uint32_t b)
{
	if (!set_inet_ends(p->m->tr, f, a, b))
		set_synthetic_ends(f, number);
	/* Initial sequence numbers: any will do, fixed so output is stable. */
	f->seq[0] = number * 2654435761u;
	f->seq[1] = f->seq[0] ^ 0x5a5a5a5au;
	f->ack[0] = f->ack[1] = 0;
	f->state |= F_INIT;
}

/* The bytes a call moved (a log claiming more than a call can move is
 * not believed). */
static uint64_t call_bytes(const struct st_vevent *e)
{
	int64_t n = e->bytes >= 0 ? e->bytes : e->ret;

	return n < 0 ? 0 : n > CALL_MAX ? (uint64_t)CALL_MAX : (uint64_t)n;
}

/* The payload of record i into p->data: the decoded "data" of its line. */
static void load_data(struct pc *p, uint32_t i)
{
	const struct st_trace *tr = p->m->tr;
	struct st_json_iter it;
	struct st_json_value k, v;
	size_t n;
	const char *line;
	long got;

	p->data_len = 0;
	if (!(tr->ev[i].bits & ST_B_DATA))
		return;
	/* The snippet the trace kept may be the whole payload already. */
	if ((uint64_t)tr->ev[i].snip_len == call_bytes(&tr->ev[i]) &&
	    tr->ev[i].snip_len < ST_SNIP) {
		if (p->data_cap < ST_SNIP) {
			unsigned char *nd = realloc(p->data, ST_SNIP);

			if (!nd)
				return;
			p->data = nd;
			p->data_cap = ST_SNIP;
		}
		if (tr->ev[i].snip_len)	/* no snippet at all: snips may be NULL */
			memcpy(p->data, tr->snips + tr->ev[i].snip, tr->ev[i].snip_len);
		p->data_len = tr->ev[i].snip_len;
		return;
	}
	line = st_line_read(&p->lines, tr, i, &n);
	if (n > p->data_cap) {
		unsigned char *nd = realloc(p->data, n);

		if (!nd)
			return;
		p->data = nd;
		p->data_cap = n;
	}
	if (st_json_object_begin(&it, line, n) < 0)
		return;
	while (st_json_object_next(&it, &k, &v) == 1)
		if (st_json_key_is(&k, "data")) {
			got = st_json_decode_prefix(&v, p->data, p->data_cap);
			p->data_len = got > 0 ? (size_t)got : 0;
			return;
		}
}

/* The comment of record i: "pid P name tid T call(fd) = ret [errno]". */
static void make_comment(struct pc *p, uint32_t i)
{
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	struct st_out o = { NULL, p->comment, 0, sizeof(p->comment) - 1, false, false };
	size_t n;
	const char *s;

	st_out_str(&o, "pid ");
	st_out_int(&o, e->pid);
	st_out_char(&o, ' ');
	s = st_trace_str(tr, m->procs[m->ev_proc[i]].name, &n);
	st_out_bytes(&o, s, n, 64);
	st_out_str(&o, " tid ");
	st_out_int(&o, e->tid);
	st_out_char(&o, ' ');
	s = st_trace_str(tr, e->name, &n);
	st_out_bytes(&o, s, n, 32);
	st_out_char(&o, '(');
	if (e->fd >= 0)
		st_out_int(&o, e->fd);
	st_out_str(&o, ") = ");
	st_out_int(&o, e->ret);
	if (e->err) {
		st_out_char(&o, ' ');
		s = st_trace_str(tr, e->err, &n);
		st_out_bytes(&o, s, n, 32);
	}
	p->comment_len = o.len;
}

/* The receiver of side `from`'s segments acknowledges them, when it has
 * something new to acknowledge. */
static void put_ack(struct pc *p, struct flow *f, int from, int64_t t, const struct who *w)
{
	struct who r = *w;

	if (f->ack[1 - from] == f->seq[from])
		return;
	r.reply = w->side == from;
	put_tcp(p, f, 1 - from, TH_ACK, NULL, 0, 0, t, &r);
	f->unacked[from] = 0;
}

/* The bytes of a call as segments from side `from`. */
static void put_stream_data(struct pc *p, struct flow *f, int from, uint64_t len,
			    int64_t t, const struct who *w)
{
	size_t mss = f->v6 ? MSS6 : MSS4;
	uint64_t off = 0;

	if (f->state & (F_FIN0 << from))
		return;		/* nothing can follow a FIN */
	while (off < len) {
		size_t n = len - off < mss ? (size_t)(len - off) : mss;
		size_t have = off < p->data_len ? p->data_len - (size_t)off : 0;

		put_tcp(p, f, from, TH_ACK | (off + n == len ? TH_PSH : 0),
			have ? p->data + off : NULL, n, have, t, w);
		off += n;
		if (++f->unacked[from] == 2)
			put_ack(p, f, from, t, w);
	}
	f->sent[from] += len;
	put_ack(p, f, from, t, w);
}

static void put_handshake(struct pc *p, struct flow *f, int64_t t0, int64_t t1,
			  const struct who *w)
{
	struct who r = *w;

	r.reply = w->side != 0;
	put_tcp(p, f, 0, TH_SYN, NULL, 0, 0, t0, &r);
	r.reply = w->side != 1;
	put_tcp(p, f, 1, TH_SYN | TH_ACK, NULL, 0, 0, t1, &r);
	r.reply = w->side != 0;
	put_tcp(p, f, 0, TH_ACK, NULL, 0, 0, t1, &r);
}

/* Side `from` ends its half: FIN (acknowledged) or RST. */
static void put_close(struct pc *p, struct flow *f, int from, bool reset, int64_t t,
		      const struct who *w)
{
	struct who r = *w;

	if (f->state & (F_DEAD | (F_FIN0 << from)))
		return;
	r.reply = w->side != from;
	if (reset) {
		put_tcp(p, f, from, TH_RST | TH_ACK, NULL, 0, 0, t, &r);
		f->state |= F_DEAD;
		return;
	}
	put_tcp(p, f, from, TH_FIN | TH_ACK, NULL, 0, 0, t, &r);
	f->state |= F_FIN0 << from;
	put_ack(p, f, from, t, w);
}

static bool is_reset(const struct st_trace *tr, const struct st_vevent *e)
{
	return st_vevent_failed(tr, e, "ECONNRESET") || st_vevent_failed(tr, e, "EPIPE");
}

/* Is a traced send linked to receive i? */
static bool has_sender(const struct st_model *m, uint32_t i)
{
	const struct st_link *l;
	uint32_t n = st_model_links(m, i, &l), k;

	for (k = 0; k < n; k++)
		if (l[k].kind == ST_L_DATA || l[k].kind == ST_L_DGRAM)
			return true;
	return false;
}

/* A record of a stream flow; side is its socket's, peer_traced whether the
 * other side's socket is in the trace. */
static void stream_record(struct pc *p, struct flow *f, uint32_t i, int side,
			  bool peer_traced, const struct st_conn *k)
{
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	uint32_t s = m->ev_sock[i];
	struct who w = { i, side, p->comment, 0, false };
	int64_t t = e->t, tend = e->t + e->dur;

	if (f->state & F_DEAD)
		return;
	make_comment(p, i);
	w.len = p->comment_len;
	if (k && !(f->state & F_OPEN) &&
	    ((i == k->ev[0] && (e->call == ST_C_CONNECT || e->call == ST_C_SOCKETPAIR)) ||
	     (i == k->ev[1] && e->call == ST_C_ACCEPT && k->sock[0] == ST_NONE))) {
		if (e->call == ST_C_ACCEPT) {
			put_handshake(p, f, tend, tend, &w);
			return;
		}
		if (k->end == ST_END_REFUSED || k->end == ST_END_FAILED) {
			struct who r = w;

			put_tcp(p, f, 0, TH_SYN, NULL, 0, 0, t, &w);
			if (k->end == ST_END_REFUSED) {
				r.reply = true;
				f->seq[1] = 0;
				put_tcp(p, f, 1, TH_RST | TH_ACK, NULL, 0, 0, tend, &r);
			}
			f->state |= F_DEAD;
			return;
		}
		put_handshake(p, f, t, e->call == ST_C_SOCKETPAIR ? t : tend, &w);
		return;
	}
	if (is_reset(tr, e)) {
		put_close(p, f, 1 - side, true, tend, &w);
		return;
	}
	if (!e->err && e->call == ST_C_SEND && e->ret > 0) {
		load_data(p, i);
		put_stream_data(p, f, side, call_bytes(e), t, &w);
	} else if (!e->err && e->call == ST_C_RECV && !(e->bits & ST_B_PEEK) && e->ret >= 0) {
		if (e->ret > 0) {
			f->taken[1 - side] += (uint64_t)e->ret;
			if (!peer_traced) {
				load_data(p, i);
				put_stream_data(p, f, 1 - side, call_bytes(e), tend, &w);
			}
		} else if (!peer_traced) {
			put_close(p, f, 1 - side, false, tend, &w);
		}
	}
	if (s != ST_NONE && m->socks[s].eof == i)
		put_close(p, f, side,
			  e->call != ST_C_SHUTDOWN && peer_traced &&
			  f->taken[side ^ 1] < f->sent[side ^ 1], t, &w);
}

/* A datagram record of connection c. */
static void dgram_record(struct pc *p, uint32_t c, uint32_t i)
{
	const struct st_model *m = p->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	const struct st_conn *k = &m->conns[c];
	uint32_t s = m->ev_sock[i];
	const struct st_sock *so = &m->socks[s];
	struct flow f;
	struct who w = { i, 0, p->comment, 0, false };
	uint32_t src, dst;
	bool recv = e->call == ST_C_RECV;

	if (e->err || e->ret < 0 || (e->call != ST_C_SEND && !recv))
		return;
	if (recv && ((e->bits & ST_B_PEEK) || has_sender(m, i)))
		return;
	memset(&f, 0, sizeof(f));
	if (recv) {
		src = e->peer ? e->peer : so->peer;
		dst = e->local ? e->local : so->local;
	} else {
		src = e->local ? e->local : so->local;
		dst = e->peer ? e->peer : e->addr ? e->addr : so->peer;
	}
	/* Side 0 is where this datagram comes from. */
	if (!set_inet_ends(tr, &f, src, dst)) {
		int from = (k->sock[0] == s) != recv ? 0 : 1;

		set_synthetic_ends(&f, k->id);
		if (from == 1) {
			struct end x = f.end[0];

			f.end[0] = f.end[1];
			f.end[1] = x;
		}
	}
	make_comment(p, i);
	w.len = p->comment_len;
	w.side = recv ? 1 : 0;
	load_data(p, i);
	put_udp(p, &f, 0, call_bytes(e), recv ? e->t + e->dur : e->t, &w);
}

/* The flow of an orphan stream socket (no connection in the model: its
 * start was not traced), paired with the other end when that is an orphan
 * too; NULL when out of memory.  *side gets the socket's side. */
static struct flow *orphan_flow(struct pc *p, uint32_t s, int *side)
{
	const struct st_model *m = p->m;
	const struct st_sock *so = &m->socks[s];
	char key[2 * 4097 + 1], a[4097], b[4097];
	const char *la, *pa;
	size_t ln, pn, an, bn;
	uint32_t id, fi;
	struct flow *f;
	bool swap;

	if (p->sock_flow[s]) {
		*side = (int)((p->sock_flow[s] - 1) & 1);
		return &p->flows[(p->sock_flow[s] - 1) / 2];
	}
	la = st_trace_str(m->tr, so->local, &ln);
	pa = st_trace_str(m->tr, so->peer, &pn);
	id = 0;
	swap = false;
	if (so->local && so->peer && st_addr_is_inet(la, ln) && st_addr_is_inet(pa, pn) &&
	    ln < 4097 && pn < 4097) {
		an = st_addr_normalize(la, ln, a);
		bn = st_addr_normalize(pa, pn, b);
		swap = an > bn || (an == bn && memcmp(a, b, an) > 0);
		memcpy(key, swap ? b : a, swap ? bn : an);
		key[swap ? bn : an] = '>';
		memcpy(key + (swap ? bn : an) + 1, swap ? a : b, swap ? an : bn);
		if (!(id = st_strtab_intern(&p->keys, key, an + bn + 1)))
			return NULL;
	}
	if (id && st_idmap_get(&p->key_flow, id, &fi) && !(p->flows[fi].traced & 2)) {
		/* The other end came first: its local is side 0. */
		*side = 1;
		p->sock_flow[s] = fi * 2 + 2;
		p->flows[fi].traced |= 2;
		return &p->flows[fi];
	}
	if (!(f = new_flow(p)))
		return NULL;
	fi = p->nflows - 1;
	init_flow(p, f, fi + 1, so->local, so->peer);
	f->state |= F_OPEN;	/* mid-stream: no handshake */
	f->traced = 1;
	if (id && st_idmap_put(&p->key_flow, id, fi) < 0)
		return NULL;
	*side = 0;
	p->sock_flow[s] = fi * 2 + 1;
	return f;
}

/* Whether record i can make packets, and when they go out. */
static bool wire_record(const struct st_model *m, uint32_t i, uint64_t *key)
{
	const struct st_vevent *e = &m->tr->ev[i];
	uint32_t s = m->ev_sock[i];
	uint8_t proto;

	if (s == ST_NONE)
		return false;
	proto = m->socks[s].proto;
	if (proto != ST_P_TCP && proto != ST_P_UDP && proto != ST_P_UNIX_STREAM &&
	    proto != ST_P_UNIX_DGRAM && proto != ST_P_UNIX_SEQPACKET)
		return false;
	switch (e->call) {
	case ST_C_RECV:
	case ST_C_ACCEPT:
		*key = (uint64_t)(e->t + e->dur);
		return true;
	case ST_C_SEND:
	case ST_C_CONNECT:
	case ST_C_SOCKETPAIR:
	case ST_C_SHUTDOWN:
	case ST_C_CLOSE:
		*key = (uint64_t)e->t;
		return true;
	default:
		*key = (uint64_t)e->t;
		return m->socks[s].eof == i;
	}
}

/* The connection of record i, ST_NONE for a stream socket the model has
 * none for. */
static uint32_t conn_of(const struct st_model *m, uint32_t i)
{
	uint32_t s = m->ev_sock[i];

	return m->ev_conn[i] != ST_NONE ? m->ev_conn[i] : m->socks[s].conn;
}

/* Orphan stream sockets (no connection in the model: their start was not
 * traced) get their flows before any packet, so that a pair of them is
 * known as one from the first record on; the filters keep an orphan flow
 * when they keep any of its records (no --conn: it has no number). */
static int find_orphans(struct pc *p, const uint32_t *idx, uint32_t n)
{
	const struct st_model *m = p->m;
	struct st_filter keep = p->o->filter;
	uint32_t k, i, s;
	struct flow *f;
	int side;

	keep.from = 0;
	keep.to = -1;
	for (k = 0; k < n; k++) {
		const struct st_vevent *e;

		if ((i = idx[k]) >= m->tr->nev)
			continue;	/* an exit (exit_record) */
		e = &m->tr->ev[i];
		s = m->ev_sock[i];
		if (conn_of(m, i) != ST_NONE || !st_proto_is_stream(m->socks[s].proto) ||
		    m->socks[s].role == ST_R_LISTEN || (e->call != ST_C_SEND && e->call != ST_C_RECV))
			continue;
		if (!(f = orphan_flow(p, s, &side)))
			return -1;
		if (p->o->filter.conn < 0 && st_filter_event(m, &keep, i))
			f->wanted = true;
	}
	return 0;
}

static void one_record(struct pc *p, uint32_t i)
{
	const struct st_model *m = p->m;
	uint32_t s = m->ev_sock[i], c = conn_of(m, i);
	const struct st_sock *so = &m->socks[s];
	struct flow *f;
	int side;

	if (c != ST_NONE) {
		const struct st_conn *k = &m->conns[c];

		if (!st_filter_conn(m, &p->o->filter, c))
			return;
		if (k->dgram || st_proto_is_dgram(k->proto)) {
			dgram_record(p, c, i);
			return;
		}
		f = &p->flows[c];
		if (!(f->state & F_INIT))
			init_flow(p, f, k->id, k->addr[0], k->addr[1]);
		side = so->side;
		stream_record(p, f, i, side, k->sock[1 - side] != ST_NONE, k);
		return;
	}
	if (!p->sock_flow[s])
		return;
	f = &p->flows[(p->sock_flow[s] - 1) / 2];
	side = (int)((p->sock_flow[s] - 1) & 1);
	if (f->wanted)
		stream_record(p, f, i, side, f->traced == 3, NULL);
}

/* Stream socket s, never closed, was closed by the exit of the process
 * that held it last (ST_FATE_EXIT): its FIN (RST when bytes sent to it
 * were left unread) at that process's last call's end. */
static void exit_record(struct pc *p, uint32_t s)
{
	const struct st_model *m = p->m;
	const struct st_sock *so = &m->socks[s];
	const struct st_proc *pr = &m->procs[so->gone_proc];
	struct st_out o = { NULL, p->comment, 0, sizeof(p->comment) - 1, false, false };
	struct who w = { pr->last_ev, 0, p->comment, 0, false };
	struct flow *f;
	bool peer_traced;
	size_t n;
	const char *name;

	if (so->conn != ST_NONE) {
		const struct st_conn *k = &m->conns[so->conn];

		if (!st_filter_conn(m, &p->o->filter, so->conn) || k->dgram ||
		    st_proto_is_dgram(k->proto))
			return;
		f = &p->flows[so->conn];
		w.side = so->side;
		peer_traced = k->sock[1 - w.side] != ST_NONE;
	} else {
		if (!p->sock_flow[s])
			return;
		f = &p->flows[(p->sock_flow[s] - 1) / 2];
		w.side = (int)((p->sock_flow[s] - 1) & 1);
		if (!f->wanted)
			return;
		peer_traced = f->traced == 3;
	}
	if (!(f->state & F_INIT))
		return;
	st_out_str(&o, "pid ");
	st_out_int(&o, pr->pid);
	st_out_char(&o, ' ');
	name = st_trace_str(m->tr, pr->name, &n);
	st_out_bytes(&o, name, n, 64);
	st_out_str(&o, " exit: the socket it never closed, closed by its end");
	w.len = p->comment_len = o.len;
	put_close(p, f, w.side, peer_traced && f->taken[w.side ^ 1] < f->sent[w.side ^ 1],
		  pr->t_end, &w);
}

int st_render_pcapng(FILE *fp, const struct st_model *m, const struct st_render_opts *o)
{
	const struct st_trace *tr = m->tr;
	struct pc p;
	uint64_t *keys = NULL;
	uint32_t *idx = NULL, n = 0, i, k;
	int r = -1;

	memset(&p, 0, sizeof(p));
	p.m = m;
	p.o = o;
	st_filter_init(&p.window);
	p.window.from = o->filter.from;
	p.window.to = o->filter.to;
	p.last_ts = INT64_MIN;
	st_strtab_init(&p.keys);
	st_line_reader_init(&p.lines);
	if (st_out_init(&p.out, fp) < 0)
		return -1;
	/* The records, then the exits that closed sockets (nev + socket). */
	keys = malloc(((size_t)tr->nev + m->nsocks + 1) * sizeof(*keys));
	idx = malloc(((size_t)tr->nev + m->nsocks + 1) * sizeof(*idx));
	p.sock_flow = calloc((size_t)m->nsocks + 1, sizeof(*p.sock_flow));
	p.cap = m->nconns + 64;
	p.flows = calloc(p.cap, sizeof(*p.flows));
	if (!keys || !idx || !p.sock_flow || !p.flows)
		goto out;
	p.nflows = m->nconns;
	for (i = 0; i < tr->nev; i++)
		if (wire_record(m, i, &keys[n]))
			idx[n++] = i;
	/* After the records at the same time (the sort is stable). */
	for (i = 0; i < m->nsocks; i++)
		if (m->socks[i].fate == ST_FATE_EXIT && m->socks[i].gone_proc != ST_NONE &&
		    m->procs[m->socks[i].gone_proc].last_ev != ST_NONE &&
		    st_proto_is_stream(m->socks[i].proto)) {
			keys[n] = (uint64_t)m->procs[m->socks[i].gone_proc].t_end;
			idx[n++] = tr->nev + i;
		}
	if (st_sort_by_key(keys, idx, n) < 0)
		goto out;
	if (find_orphans(&p, idx, n) < 0)
		goto out;
	put_header_blocks(&p.out, m);
	for (k = 0; k < n; k++) {
		if (idx[k] >= tr->nev) {
			const struct st_sock *so = &m->socks[idx[k] - tr->nev];

			p.write = st_filter_event(m, &p.window, m->procs[so->gone_proc].last_ev);
			exit_record(&p, idx[k] - tr->nev);
			continue;
		}
		p.write = st_filter_event(m, &p.window, idx[k]);
		one_record(&p, idx[k]);
	}
	r = 0;
out:
	r = st_out_end(&p.out, r);
	free(keys);
	free(idx);
	free(p.sock_flow);
	free(p.flows);
	free(p.data);
	st_line_reader_free(&p.lines);
	st_strtab_free(&p.keys);
	st_idmap_free(&p.key_flow);
	return r;
}
