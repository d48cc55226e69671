/*
 * otlp.c: the trace as OpenTelemetry spans, in OTLP/JSON (`sockview
 * --otlp`), the form the OpenTelemetry Collector's otlpjsonfile receiver
 * reads (one ExportTraceServiceRequest per line) and OTLP/HTTP carries
 * (`--otlp-endpoint`, http.c).  Reads only the model.
 *
 *   - a resource per process: service.name (the program), host.name,
 *     process.pid;
 *   - a span per call, named after it, from its start to its return
 *     (times as the model has them: corrected when several hosts' clocks
 *     were); kind CLIENT on a connection's client side, SERVER on its
 *     server side, INTERNAL for calls outside any connection;
 *   - one trace per connection, so the spans of both ends (two processes,
 *     perhaps two hosts) share its traceId; the connect's span is the root,
 *     the accept's its child, and each side's other calls children of
 *     their side's first one.  Calls outside connections make one trace
 *     per process;
 *   - a span link from each send to every receive that got its bytes (and
 *     connect -> accept, close -> EOF, datagrams, resets), with the bytes;
 *   - OpenTelemetry's network attributes (network.transport, network.type,
 *     network.local/peer.address/port, server.*, client.*), and ours under
 *     socktrace.*;
 *   - a failed call: status ERROR with its errno, error.type and an
 *     "exception" event; a call that waited (ST_BLOCK_NS or longer): a
 *     "socktrace.wait" event at its start with the wait in ns.
 *
 * Ids are lowercase hex (OTLP/JSON is not protobuf's base64 JSON): the
 * traceId is a hash of the run and the connection's id, the spanId the
 * record's index plus one.  Times are decimal strings of ns since the
 * epoch, kinds and status codes integers.  Requests hold at most
 * ST_OTLP_BATCH spans (--otlp-batch), so that a big trace goes in bounded
 * pieces; a request's size is bounded too, since every part of a span is
 * (a span carries at most OTLP_DATA_MAX payload bytes).
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "model/address.h"
#include "read/sort.h"
#include "render/describe.h"
#include "render/out.h"

/* The most payload bytes a span carries (socktrace.data). */
#define OTLP_DATA_MAX 256

enum { KIND_INTERNAL = 1, KIND_SERVER = 2, KIND_CLIENT = 3 };

static const char *const link_names[] = {
	[ST_L_HANDSHAKE] = "handshake", [ST_L_DATA] = "data", [ST_L_PEEK] = "peek",
	[ST_L_DGRAM] = "datagram", [ST_L_EOF] = "eof", [ST_L_RESET] = "reset",
	[ST_L_PLAIN] = "tls_plaintext",
};
_Static_assert(sizeof(link_names) / sizeof(link_names[0]) == ST_L_NKINDS,
	       "a name for every kind of link");

struct otlp {
	const struct st_model *m;
	const struct st_render_opts *o;
	struct st_out out;	/* the request being built */
	uint64_t run;		/* hash of the run: the traceIds' high half */
	uint32_t *from_at;	/* record +1: by_from[from_at[i]..from_at[i+1]) leave i */
	uint32_t *by_from;	/* link indices by the record they leave */
	uint32_t nspans;	/* in the request being built */
	uint32_t proc;		/* the process whose resource is open, ST_NONE */
	bool first_res;		/* no resource in this request yet */
	st_otlp_emit_fn emit;
	void *arg;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void put_hex64(struct st_out *o, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[16];
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		b[i] = hex[v & 15];
	st_out_put(o, b, 16);
}

/* A decimal in quotes: OTLP/JSON's 64-bit integers. */
static void put_qint(struct st_out *o, int64_t v)
{
	st_out_char(o, '"');
	st_out_int(o, v);
	st_out_char(o, '"');
}

/* The trace of record i: its connection's, or its process's. */
static void put_trace_id(struct st_out *o, const struct otlp *x, uint32_t i)
{
	const struct st_model *m = x->m;
	uint32_t c = m->ev_conn[i];

	put_hex64(o, x->run);
	if (c != ST_NONE)
		put_hex64(o, m->conns[c].id);
	else
		put_hex64(o, (uint64_t)1 << 63 | m->ev_proc[i]);
}

static void put_span_id(struct st_out *o, uint32_t i)
{
	put_hex64(o, (uint64_t)i + 1);
}

/* ,{"key":k,"value":{"stringValue":s}} (the comma unless first). */
static void attr_str(struct st_out *o, bool *first, const char *key, const void *s, size_t n)
{
	st_out_str(o, *first ? "{\"key\":\"" : ",{\"key\":\"");
	*first = false;
	st_out_str(o, key);
	st_out_str(o, "\",\"value\":{\"stringValue\":");
	st_out_json(o, s, n);
	st_out_str(o, "}}");
}

static void attr_tstr(struct st_out *o, bool *first, const char *key,
		      const struct st_trace *tr, uint32_t id)
{
	size_t n;
	const char *s = st_trace_str(tr, id, &n);

	attr_str(o, first, key, s, n);
}

static void attr_int(struct st_out *o, bool *first, const char *key, int64_t v)
{
	st_out_str(o, *first ? "{\"key\":\"" : ",{\"key\":\"");
	*first = false;
	st_out_str(o, key);
	st_out_str(o, "\",\"value\":{\"intValue\":");
	put_qint(o, v);
	st_out_str(o, "}}");
}

/* key.address and key.port of an address (trace string); a path for
 * AF_UNIX, nothing for an empty one. */
static void attr_addr(struct st_out *o, bool *first, const char *key,
		      const struct st_trace *tr, uint32_t id)
{
	char k[64];
	size_t n, hn;
	const char *s = st_trace_str(tr, id, &n), *h;
	int port;

	if (!id || n == 0)
		return;
	snprintf(k, sizeof(k), "%s.address", key);
	if (!st_addr_split(s, n, &h, &hn, &port)) {
		attr_str(o, first, k, s, n);
		return;
	}
	attr_str(o, first, k, h, hn);
	snprintf(k, sizeof(k), "%s.port", key);
	attr_int(o, first, k, port);
}

static const char *transport(uint8_t proto)
{
	switch (proto) {
	case ST_P_TCP: return "tcp";
	case ST_P_UDP: return "udp";
	case ST_P_UNIX_STREAM: case ST_P_UNIX_DGRAM: case ST_P_UNIX_SEQPACKET: return "unix";
	default: return NULL;
	}
}

/* Which side of its connection record i is on: 0 client, 1 server. */
static int side_of(const struct st_model *m, uint32_t i, const struct st_conn *k)
{
	if (i == k->ev[0])
		return 0;
	if (i == k->ev[1])
		return 1;
	if (m->ev_sock[i] != ST_NONE && m->ev_sock[i] == k->sock[1])
		return 1;
	return m->ev_proc[i] == k->proc[1] && m->ev_proc[i] != k->proc[0] ? 1 : 0;
}

/* The span's parent: the connect for the accept, each side's first call
 * for the others; ST_NONE for a root. */
static uint32_t parent_of(const struct st_model *m, uint32_t i)
{
	const struct st_conn *k;
	int side;

	if (m->ev_conn[i] == ST_NONE)
		return ST_NONE;
	k = &m->conns[m->ev_conn[i]];
	if (i == k->ev[0])
		return ST_NONE;
	if (i == k->ev[1])
		return k->ev[0];
	side = side_of(m, i, k);
	if (k->ev[side] != ST_NONE)
		return k->ev[side];
	return k->ev[!side];
}

static void put_attrs(struct otlp *x, uint32_t i)
{
	const struct st_model *m = x->m;
	const struct st_trace *tr = m->tr;
	const struct st_vevent *e = &tr->ev[i];
	const struct st_sock *so = m->ev_sock[i] != ST_NONE ? &m->socks[m->ev_sock[i]] : NULL;
	struct st_out *o = &x->out;
	uint8_t proto = so ? so->proto : e->proto;
	uint32_t local = e->local ? e->local : so ? so->local : 0;
	uint32_t peer = e->peer ? e->peer : so ? so->peer : 0;
	const char *tp = transport(proto);
	bool first = true;

	st_out_str(o, ",\"attributes\":[");
	attr_tstr(o, &first, "socktrace.call", tr, e->name);
	attr_int(o, &first, "thread.id", e->tid);
	if (e->fd >= 0)
		attr_int(o, &first, "socktrace.fd", e->fd);
	attr_int(o, &first, "socktrace.ret", e->ret);
	if (e->bytes >= 0 && (e->call == ST_C_SEND || e->call == ST_C_RECV))
		attr_int(o, &first, "socktrace.bytes", e->bytes);
	if (e->snip_len)
		attr_str(o, &first, "socktrace.data", tr->snips + e->snip,
			 e->snip_len < OTLP_DATA_MAX ? e->snip_len : OTLP_DATA_MAX);
	if (e->err)
		attr_tstr(o, &first, "error.type", tr, e->err);
	if (tp)
		attr_str(o, &first, "network.transport", tp, strlen(tp));
	if (local) {
		size_t n;
		const char *s = st_trace_str(tr, local, &n);

		if (st_addr_is_inet(s, n))
			attr_str(o, &first, "network.type", s[0] == '[' ? "ipv6" : "ipv4", 4);
	}
	attr_addr(o, &first, "network.local", tr, local);
	attr_addr(o, &first, "network.peer", tr, peer);
	if (m->ev_conn[i] != ST_NONE) {
		const struct st_conn *k = &m->conns[m->ev_conn[i]];

		attr_int(o, &first, "socktrace.conn", k->id);
		attr_addr(o, &first, "server", tr, k->addr[1]);
		attr_addr(o, &first, "client", tr, k->addr[0]);
	}
	st_out_char(o, ']');
}

static void put_events(struct otlp *x, uint32_t i)
{
	const struct st_trace *tr = x->m->tr;
	const struct st_vevent *e = &tr->ev[i];
	struct st_out *o = &x->out;
	bool any = false, first;

	if (e->dur >= ST_BLOCK_NS) {
		st_out_str(o, ",\"events\":[{\"timeUnixNano\":");
		put_qint(o, e->t);
		st_out_str(o, ",\"name\":\"socktrace.wait\",\"attributes\":[");
		first = true;
		attr_int(o, &first, "socktrace.wait_ns", e->dur);
		st_out_str(o, "]}");
		any = true;
	}
	if (e->err) {
		size_t n;
		const char *name = st_trace_str(tr, e->err, &n);

		st_out_str(o, any ? ",{\"timeUnixNano\":" : ",\"events\":[{\"timeUnixNano\":");
		put_qint(o, e->t + e->dur);
		st_out_str(o, ",\"name\":\"exception\",\"attributes\":[");
		first = true;
		attr_str(o, &first, "exception.type", name, n);
		attr_tstr(o, &first, "exception.message", tr, e->err);
		st_out_str(o, "]}");
		any = true;
	}
	if (any)
		st_out_char(o, ']');
}

static void put_links(struct otlp *x, uint32_t i)
{
	const struct st_model *m = x->m;
	struct st_out *o = &x->out;
	uint32_t j;
	bool any = false, first;

	for (j = x->from_at[i]; j < x->from_at[i + 1]; j++) {
		const struct st_link *l = &m->links[x->by_from[j]];

		if (!st_filter_event(m, &x->o->filter, l->to))
			continue;
		st_out_str(o, any ? ",{\"traceId\":\"" : ",\"links\":[{\"traceId\":\"");
		any = true;
		put_trace_id(o, x, l->to);
		st_out_str(o, "\",\"spanId\":\"");
		put_span_id(o, l->to);
		st_out_str(o, "\",\"attributes\":[");
		first = true;
		attr_str(o, &first, "socktrace.link", link_names[l->kind],
			 strlen(link_names[l->kind]));
		if (st_link_takes(l) || l->kind == ST_L_DGRAM) {
			attr_int(o, &first, "socktrace.bytes", (int64_t)l->len);
			attr_int(o, &first, "socktrace.offset", (int64_t)l->off);
		}
		st_out_str(o, "]}");
	}
	if (any)
		st_out_char(o, ']');
}

static void put_span(struct otlp *x, uint32_t i)
{
	const struct st_model *m = x->m;
	const struct st_vevent *e = &m->tr->ev[i];
	struct st_out *o = &x->out;
	uint32_t parent = parent_of(m, i);
	int kind = KIND_INTERNAL;
	size_t n;
	const char *name = st_trace_str(m->tr, e->name, &n);

	if (m->ev_conn[i] != ST_NONE)
		kind = side_of(m, i, &m->conns[m->ev_conn[i]]) ? KIND_SERVER : KIND_CLIENT;
	st_out_str(o, "{\"traceId\":\"");
	put_trace_id(o, x, i);
	st_out_str(o, "\",\"spanId\":\"");
	put_span_id(o, i);
	st_out_char(o, '"');
	if (parent != ST_NONE && st_filter_event(m, &x->o->filter, parent)) {
		st_out_str(o, ",\"parentSpanId\":\"");
		put_span_id(o, parent);
		st_out_char(o, '"');
	}
	st_out_str(o, ",\"name\":");
	st_out_json(o, name, n);
	st_out_str(o, ",\"kind\":");
	st_out_int(o, kind);
	st_out_str(o, ",\"startTimeUnixNano\":");
	put_qint(o, e->t);
	st_out_str(o, ",\"endTimeUnixNano\":");
	put_qint(o, e->t + e->dur);
	put_attrs(x, i);
	put_events(x, i);
	put_links(x, i);
	if (e->err) {
		size_t en;
		const char *es = st_trace_str(m->tr, e->err, &en);

		st_out_str(o, ",\"status\":{\"code\":2,\"message\":");
		st_out_json(o, es, en);
		st_out_char(o, '}');
	}
	st_out_char(o, '}');
}

static void open_resource(struct otlp *x, uint32_t p)
{
	const struct st_model *m = x->m;
	const struct st_proc *pr = &m->procs[p];
	const struct st_host *h = &m->hosts[pr->host];
	struct st_out *o = &x->out;
	bool first = true;

	if (x->nspans == 0 && x->first_res)
		st_out_str(o, "{\"resourceSpans\":[");
	if (!x->first_res)
		st_out_char(o, ',');
	x->first_res = false;
	st_out_str(o, "{\"resource\":{\"attributes\":[");
	if (pr->name)
		attr_tstr(o, &first, "service.name", m->tr, pr->name);
	else
		attr_str(o, &first, "service.name", "unknown", 7);
	if (h->name)
		attr_tstr(o, &first, "host.name", m->tr, h->name);
	attr_int(o, &first, "process.pid", pr->pid);
	st_out_str(o, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"socktrace\",\"version\":\"1\"},"
		   "\"spans\":[");
	x->proc = p;
}

static void close_resource(struct otlp *x)
{
	if (x->proc == ST_NONE)
		return;
	st_out_str(&x->out, "]}]}");
	x->proc = ST_NONE;
}

/* Ends the request being built and hands it on. */
static int flush_request(struct otlp *x)
{
	int r;

	if (x->first_res)
		return 0;
	close_resource(x);
	st_out_str(&x->out, "]}\n");
	if (x->out.failed)
		return -1;
	r = x->emit(x->arg, x->out.buf, x->out.len);
	x->out.len = 0;
	x->nspans = 0;
	x->first_res = true;
	return r;
}

/* Links indexed by the record they leave. */
static int index_links(struct otlp *x)
{
	const struct st_model *m = x->m;
	uint32_t i, nev = m->tr->nev;

	x->from_at = calloc((size_t)nev + 2, sizeof(*x->from_at));
	x->by_from = malloc(((size_t)m->nlinks + 1) * sizeof(*x->by_from));
	if (!x->from_at || !x->by_from)
		return -1;
	for (i = 0; i < m->nlinks; i++)
		x->from_at[m->links[i].from + 1]++;
	for (i = 0; i < nev; i++)
		x->from_at[i + 1] += x->from_at[i];
	for (i = 0; i < m->nlinks; i++)
		x->by_from[x->from_at[m->links[i].from]++] = i;
	for (i = nev; i > 0; i--)
		x->from_at[i] = x->from_at[i - 1];
	x->from_at[0] = 0;
	return 0;
}

int st_otlp_write(const struct st_model *m, const struct st_render_opts *o,
		  st_otlp_emit_fn emit, void *arg)
{
	const struct st_trace *tr = m->tr;
	struct otlp x;
	uint32_t *idx = NULL, *keys = NULL, n = 0, k, i;
	int r = -1;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.o = o;
	x.emit = emit;
	x.arg = arg;
	x.proc = ST_NONE;
	x.first_res = true;
	x.run = mix64((uint64_t)tr->t0 ^ mix64((uint64_t)tr->nev << 20 ^ tr->nhdr)) | 1;
	if (st_out_init_growing(&x.out) < 0 || index_links(&x) < 0)
		goto out;
	/* The records shown, by process, each in time order. */
	idx = malloc(((size_t)tr->nev + 1) * sizeof(*idx));
	keys = malloc(((size_t)tr->nev + 1) * sizeof(*keys));
	if (!idx || !keys)
		goto out;
	for (k = 0; k < tr->nev; k++) {
		i = tr->order[k];
		if (!st_filter_event(m, &o->filter, i))
			continue;
		idx[n] = i;
		keys[n++] = m->ev_proc[i];
	}
	if (st_sort_small_keys(keys, idx, n, m->nprocs) < 0)
		goto out;
	for (k = 0; k < n; k++) {
		i = idx[k];
		if (x.proc != m->ev_proc[i]) {
			close_resource(&x);
			open_resource(&x, m->ev_proc[i]);
		} else {
			st_out_char(&x.out, ',');
		}
		put_span(&x, i);
		if (++x.nspans >= (o->otlp_batch ? o->otlp_batch : ST_OTLP_BATCH) &&
		    flush_request(&x) < 0)
			goto out;
	}
	if (flush_request(&x) < 0)
		goto out;
	r = 0;
out:
	free(x.out.buf);
	free(x.from_at);
	free(x.by_from);
	free(idx);
	free(keys);
	return r;
}

static int write_line(void *arg, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len ? 0 : -1;
}

int st_render_otlp(FILE *fp, const struct st_model *m, const struct st_render_opts *o)
{
	if (st_otlp_write(m, o, write_line, fp) < 0)
		return -1;
	return fflush(fp) == 0 ? 0 : -1;
}
