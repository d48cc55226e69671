/*
 * conntable.c: the connection table (`sockview --conns`), one row per
 * connection like tcplife, or JSON Lines with --json.  A side that was not
 * traced shows as `-` (null in JSON); its address is still known from the
 * other side.  The server address is the one the client connected to.
 * APP is the protocol the readers of viewer/proto found it speaking, and
 * after a slash the one its TLS plaintext speaks (tls/http), when the
 * plaintext was logged (--tls).
 * END: closed, reset, refused, failed; exit when a side was never closed
 * but its process ended (the exit closed it); log ends when a side was
 * never closed and the log of a process holding it ends early (JSON:
 * "client_log_ends_early" or "server_..." says why); open otherwise.
 */
#include "render/render.h"

#include <string.h>

#include "render/describe.h"
#include "render/out.h"

/* The host column's width, when the trace has several hosts. */
#define HOST_W 16

/* Bytes one way: what the sender sent, or what the receiver got when the
 * sender was not traced. */
static uint64_t conn_bytes(const struct st_conn *k, int dir)
{
	return k->sock[dir] != ST_NONE ? k->sent[dir] : k->rcvd[dir];
}

static void pad_to(struct st_out *o, size_t start, size_t width)
{
	size_t used = o->len - start;

	/* Columns are separated by at least one space. */
	do {
		st_out_char(o, ' ');
	} while (++used < width);
}

/* One cell of text into the line buffer, padded; right-aligned numbers
 * are written by the callers. */
static void cell_text(struct st_out *o, const struct st_trace *tr, uint32_t id,
		      size_t width, size_t max)
{
	size_t start = o->len, n;
	const char *s = st_trace_str(tr, id, &n);

	if (!id || n == 0)
		st_out_char(o, '-');
	else
		st_out_bytes(o, s, n, max);
	pad_to(o, start, width);
}

static void cell_pid(struct st_out *o, const struct st_model *m, uint32_t p,
		     size_t width)
{
	size_t start = o->len;

	if (p == ST_NONE)
		st_out_char(o, '-');
	else
		st_out_int(o, m->procs[p].pid);
	pad_to(o, start, width);
}

static void cell_comm(struct st_out *o, const struct st_model *m, uint32_t p,
		      size_t width)
{
	if (p == ST_NONE) {
		size_t start = o->len;

		st_out_char(o, '-');
		pad_to(o, start, width);
		return;
	}
	cell_text(o, m->tr, m->procs[p].name, width, width - 1);
}

static void cell_host(struct st_out *o, const struct st_model *m, uint32_t p)
{
	size_t start = o->len;

	if (p == ST_NONE)
		st_out_char(o, '-');
	else
		st_describe_host(o, m, m->procs[p].host);
	if (o->len - start > HOST_W - 1)
		o->len = start + HOST_W - 1;
	pad_to(o, start, HOST_W);
}

/* A duration in ms with 3 decimals, rounded, from ns (any length: a hostile
 * log may span centuries, so no ns * 1000). */
static void put_ms(struct st_out *o, int64_t ns)
{
	uint64_t u = ns < 0 ? 0 : (uint64_t)ns + 500, frac = u % 1000000 / 1000;
	char tmp[3] = { (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
			(char)('0' + frac % 10) };

	st_out_uint(o, u / 1000000);
	st_out_char(o, '.');
	st_out_put(o, tmp, 3);
}

/* The APP column's width: wider when a connection names an inner
 * protocol (tls/redis). */
static size_t app_width(const struct st_model *m)
{
	uint32_t c;

	for (c = 0; c < m->nconns; c++)
		if (st_app_name(m->conns[c].inner))
			return 11;
	return 6;
}

static void put_row(struct st_out *o, const struct st_model *m,
		    const struct st_conn *k, size_t app_w)
{
	const struct st_trace *tr = m->tr;
	size_t start = o->len;
	int i;

	st_out_uint(o, k->id);
	pad_to(o, start, 5);
	start = o->len;
	st_out_str(o, st_proto_label(k->proto));
	pad_to(o, start, 12);
	start = o->len;
	st_out_str(o, st_app_name(k->app) ? st_app_name(k->app) : "-");
	if (st_app_name(k->inner)) {
		st_out_char(o, '/');
		st_out_str(o, st_app_name(k->inner));
	}
	pad_to(o, start, app_w);
	for (i = 0; i < 2; i++) {
		if (m->nhosts > 1)
			cell_host(o, m, k->proc[i]);
		cell_pid(o, m, k->proc[i], 8);
		cell_comm(o, m, k->proc[i], 16);
		cell_text(o, tr, k->addr[i], 24, 200);
	}
	start = o->len;
	st_out_seconds(o, k->t_start - tr->t0, 6);
	pad_to(o, start, 11);
	start = o->len;
	put_ms(o, k->t_end - k->t_start);
	pad_to(o, start, 11);
	start = o->len;
	st_out_uint(o, conn_bytes(k, 0));
	pad_to(o, start, 9);
	start = o->len;
	st_out_uint(o, conn_bytes(k, 1));
	pad_to(o, start, 9);
	st_out_str(o, st_end_names[k->end]);
	if (k->err && k->end == ST_END_FAILED) {
		st_out_char(o, ' ');
		cell_text(o, tr, k->err, 1, 40);
		o->len--;	/* the pad */
	}
	st_out_char(o, '\n');
}

static void put_json_str(struct st_out *o, const struct st_trace *tr, uint32_t id)
{
	size_t n;
	const char *s = st_trace_str(tr, id, &n);

	st_out_json(o, s, n);
}

static void put_json(struct st_out *o, const struct st_model *m,
		     const struct st_conn *k)
{
	const struct st_trace *tr = m->tr;
	static const char *const side[2] = { "client", "server" };
	int i;

	st_out_str(o, "{\"id\":");
	st_out_uint(o, k->id);
	st_out_str(o, ",\"proto\":");
	st_out_json(o, st_proto_label(k->proto), strlen(st_proto_label(k->proto)));
	st_out_str(o, ",\"app\":");
	if (st_app_name(k->app))
		st_out_json(o, st_app_name(k->app), strlen(st_app_name(k->app)));
	else
		st_out_str(o, "null");
	if (k->app == ST_APP_TLS) {
		const char *sni = st_conn_sni(m, k);

		st_out_str(o, ",\"sni\":");
		if (sni)
			st_out_json(o, sni, strlen(sni));
		else
			st_out_str(o, "null");
	}
	if (k->app == ST_APP_TLS || st_app_name(k->inner)) {
		st_out_str(o, ",\"inner\":");
		if (st_app_name(k->inner))
			st_out_json(o, st_app_name(k->inner), strlen(st_app_name(k->inner)));
		else
			st_out_str(o, "null");
	}
	for (i = 0; i < 2; i++) {
		st_out_str(o, ",\"");
		st_out_str(o, side[i]);
		st_out_str(o, "_pid\":");
		if (k->proc[i] == ST_NONE) {
			st_out_str(o, "null,\"");
			st_out_str(o, side[i]);
			st_out_str(o, "_comm\":null");
		} else {
			st_out_int(o, m->procs[k->proc[i]].pid);
			st_out_str(o, ",\"");
			st_out_str(o, side[i]);
			st_out_str(o, "_comm\":");
			put_json_str(o, tr, m->procs[k->proc[i]].name);
		}
		if (m->nhosts > 1 || m->hosts[0].boot_id) {
			st_out_str(o, ",\"");
			st_out_str(o, side[i]);
			st_out_str(o, "_host\":");
			if (k->proc[i] == ST_NONE) {
				st_out_str(o, "null");
			} else {
				char hb[600];
				struct st_out h = { NULL, hb, 0, sizeof(hb), false, false };

				st_describe_host(&h, m, m->procs[k->proc[i]].host);
				st_out_json(o, h.buf, h.len);
			}
		}
		st_out_str(o, ",\"");
		st_out_str(o, side[i]);
		st_out_str(o, "\":");
		if (k->addr[i])
			put_json_str(o, tr, k->addr[i]);
		else
			st_out_str(o, "null");
	}
	st_out_str(o, ",\"start\":");
	st_out_seconds(o, k->t_start - tr->t0, 6);
	st_out_str(o, ",\"duration\":");
	st_out_seconds(o, k->t_end - k->t_start, 6);
	st_out_str(o, ",\"bytes_c2s\":");
	st_out_uint(o, conn_bytes(k, 0));
	st_out_str(o, ",\"bytes_s2c\":");
	st_out_uint(o, conn_bytes(k, 1));
	st_out_str(o, ",\"end\":\"");
	st_out_str(o, st_end_names[k->end]);
	st_out_char(o, '"');
	if (k->err) {
		st_out_str(o, ",\"errno\":");
		put_json_str(o, tr, k->err);
	}
	/* A side whose process's log ends early: why, so "end" is read as
	 * what the logs show, not the whole story. */
	for (i = 0; i < 2; i++) {
		char why[96];

		if (k->proc[i] == ST_NONE || !st_proc_end_why(m, k->proc[i], why, sizeof(why)))
			continue;
		st_out_str(o, ",\"");
		st_out_str(o, side[i]);
		st_out_str(o, "_log_ends_early\":");
		st_out_json(o, why, strlen(why));
	}
	st_out_str(o, "}\n");
}

int st_render_conns(FILE *fp, const struct st_model *m,
		    const struct st_render_opts *o)
{
	char buf[2048];
	struct st_out out, line = { NULL, buf, 0, sizeof(buf), false, false };
	uint32_t i;
	size_t app_w = app_width(m);

	if (st_out_init(&out, fp) < 0)
		return -1;
	if (!o->json) {
		line.len = 0;
		st_out_str(&line, "ID   PROTO       APP");
		pad_to(&line, 0, 17 + app_w);
		st_out_put(&out, line.buf, line.len);
	}
	if (!o->json && m->nhosts > 1)
		st_out_str(&out, "CHOST           CPID    CCOMM           "
			   "CLIENT                  SHOST           SPID    SCOMM           "
			   "SERVER                  START(s)   DUR(ms)    C>S      S>C      END\n");
	else if (!o->json)
		st_out_str(&out, "CPID    CCOMM           CLIENT                  "
			   "SPID    SCOMM           SERVER                  START(s)   "
			   "DUR(ms)    C>S      S>C      END\n");
	for (i = 0; i < m->nconns; i++) {
		const struct st_conn *k = &m->conns[m->conn_by_id[i]];

		if (!st_filter_conn(m, &o->filter, m->conn_by_id[i]))
			continue;
		if (o->json) {
			put_json(&out, m, k);
		} else {
			/* Padding measures the line, so it is built apart. */
			line.len = 0;
			put_row(&line, m, k, app_w);
			st_out_put(&out, line.buf, line.len);
		}
	}
	return st_out_finish(&out);
}
