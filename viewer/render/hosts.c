/*
 * hosts.c: the hosts of a run (`sockview --hosts`): each host with its
 * clock offset against the reference host as estimated from the traffic
 * (model/clock.c), and its processes.  One host per boot id and network
 * namespace, however many folders its logs came from.
 */
#include "render/render.h"

#include <string.h>

#include "render/describe.h"
#include "render/out.h"

/* An offset in seconds with 6 decimals, signed. */
static void put_offset(struct st_out *o, int64_t ns)
{
	if (ns < 0) {
		st_out_char(o, '-');
		ns = ns == INT64_MIN ? INT64_MAX : -ns;
	} else {
		st_out_char(o, '+');
	}
	st_out_seconds(o, ns, 6);
	st_out_str(o, " s");
}

/* A spread in ms with 3 decimals (0.001 ms = 1 us). */
static void put_spread(struct st_out *o, int64_t ns, bool ascii)
{
	uint64_t us = ((uint64_t)(ns < 0 ? 0 : ns) + 500) / 1000;
	char frac[3] = { (char)('0' + us % 1000 / 100), (char)('0' + us % 100 / 10),
			 (char)('0' + us % 10) };

	st_out_str(o, ascii ? " +- " : " \u00b1 ");
	st_out_uint(o, us / 1000);
	st_out_char(o, '.');
	st_out_put(o, frac, 3);
	st_out_str(o, " ms");
}

static void put_clock(struct st_out *o, const struct st_host *h, bool ascii)
{
	switch (h->clock) {
	case ST_CLOCK_REF:
		st_out_str(o, "reference clock");
		return;
	case ST_CLOCK_FIXED:
		put_offset(o, h->offset);
		put_spread(o, h->spread, ascii);
		if (h->nknots > 1) {
			/* Drift: where it ended, over how long. */
			st_out_str(o, ", drifting to ");
			put_offset(o, h->knots[h->nknots - 1].offset);
			st_out_str(o, " over ");
			st_out_seconds(o, h->knots[h->nknots - 1].t - h->knots[0].t, 3);
			st_out_str(o, " s (");
			st_out_uint(o, h->nknots);
			st_out_str(o, " pieces)");
		}
		break;
	case ST_CLOCK_ONE_SIDED:
		st_out_str(o, h->spread > 0 ? "offset >= " : "offset <= ");
		put_offset(o, h->offset);
		st_out_str(o, " (messages one way only: not corrected)");
		break;
	case ST_CLOCK_CONTRADICT:
		st_out_str(o, "offset unknown: the bounds contradict each other (not corrected)");
		break;
	default:
		st_out_str(o, "offset unknown: no message exchanged with a host of known clock");
		return;
	}
	st_out_str(o, "  (");
	st_out_uint(o, h->npairs);
	st_out_str(o, h->npairs == 1 ? " pair)" : " pairs)");
}

int st_render_hosts(FILE *fp, const struct st_model *m, const struct st_render_opts *o)
{
	struct st_out out;
	uint32_t h, p, n;

	if (st_out_init(&out, fp) < 0)
		return -1;
	for (h = 0; h < m->nhosts; h++) {
		const struct st_host *ho = &m->hosts[h];

		if (!ho->nprocs)
			continue;
		st_describe_host(&out, m, h);
		st_out_str(&out, "  ");
		put_clock(&out, ho, o->ascii);
		st_out_char(&out, '\n');
		if (ho->boot_id) {
			st_out_str(&out, "  boot ");
			st_out_bytes(&out, st_trace_str(m->tr, ho->boot_id, NULL),
				     strlen(st_trace_str(m->tr, ho->boot_id, NULL)), 64);
			st_out_str(&out, ", netns ");
			st_out_int(&out, ho->netns);
			st_out_char(&out, '\n');
		}
		st_out_str(&out, "  processes:");
		for (p = 0, n = 0; p < m->nprocs; p++) {
			const struct st_proc *pr = &m->procs[p];
			size_t len;
			const char *name = st_trace_str(m->tr, pr->name, &len);

			if (pr->host != h)
				continue;
			st_out_str(&out, n++ ? ", " : " ");
			if (pr->name)
				st_out_bytes(&out, name, len, 64);
			else
				st_out_char(&out, '?');
			st_out_char(&out, ' ');
			st_out_int(&out, pr->pid);
		}
		st_out_char(&out, '\n');
	}
	return st_out_finish(&out);
}

/* A host's label into a small buffer, for messages. */
static const char *host_label(const struct st_model *m, uint32_t h, char *buf, size_t cap)
{
	struct st_out o = { NULL, buf, 0, cap - 1, false, false };

	st_describe_host(&o, m, h);
	buf[o.len] = '\0';
	return buf;
}

void st_report_hosts(FILE *fp, const struct st_model *m)
{
	char a[300], b[300];
	uint32_t h, i, n, lone[2] = { 0, 0 };
	int64_t worst;

	if (m->nhosts < 2)
		return;
	host_label(m, 0, a, sizeof(a));
	for (h = 1; h < m->nhosts; h++) {
		const struct st_host *ho = &m->hosts[h];

		if (!ho->nprocs)
			continue;
		host_label(m, h, b, sizeof(b));
		if (ho->clock == ST_CLOCK_CONTRADICT)
			fprintf(fp, "sockview: the clock of %s: its messages' time bounds contradict "
				"each other, even piecewise; its times are not corrected\n", b);
		else if (ho->clock == ST_CLOCK_ONE_SIDED)
			fprintf(fp, "sockview: the clock of %s: messages went one way only, so its "
				"offset has one bound (%s %.6f s); its times are not corrected\n", b,
				ho->spread > 0 ? ">=" : "<=", (double)ho->offset / 1e9);
		else if (ho->clock == ST_CLOCK_UNKNOWN)
			fprintf(fp, "sockview: %s exchanged no message with %s or a host linked to it: "
				"its times are not corrected\n", b, a);
	}
	if ((n = st_clock_backwards(m, &worst)) > 0)
		fprintf(fp, "sockview: %u message%s between hosts go%s back in time (by up to "
			"%.6f s)%s\n", n, n == 1 ? "" : "s", n == 1 ? "es" : "",
			(double)worst / 1e9, m->clock_fixed ? " after the clock correction" : "");
	/* One side only, on a trace of several hosts: a peer not traced, or
	 * addresses that differ on the two sides (NAT, a proxy). */
	for (i = 0; i < m->nconns; i++) {
		const struct st_conn *k = &m->conns[i];

		if (k->end == ST_END_REFUSED || k->end == ST_END_FAILED)
			continue;
		if ((k->proc[0] == ST_NONE) != (k->proc[1] == ST_NONE) &&
		    !st_model_host_only(m->tr, k->addr[1]))
			lone[k->proc[0] == ST_NONE]++;
	}
	if (lone[0] || lone[1])
		fprintf(fp, "sockview: not paired across hosts: %u connection%s with the client "
			"side only, %u with the server side only (their other side was not traced, "
			"or its addresses differ, as behind NAT or a proxy: pairing goes by "
			"five-tuple only, it does not guess)\n", lone[0], lone[0] == 1 ? "" : "s",
			lone[1]);
}
