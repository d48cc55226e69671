/*
 * fuzz_view.c: a libFuzzer (or AFL++) harness for the viewer.  One input is
 * one run's logs: its bytes, cut at 0x1e bytes into up to three files (so
 * that connections are paired across processes), read from memory with
 * st_trace_add_buffer, then sorted, modelled and drawn by every renderer
 * (timeline in ASCII and box drawing, with and without thread lanes, in
 * blocks of a few rows so that both drawing threads work; the connection
 * table and its JSON; the SVG), and once more with filters taken from the
 * trace itself, all into /dev/null.  Anything the sanitizers catch is a bug.
 *
 * How to build and run it: tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "render/render.h"
#include "read/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void render_all(const struct st_model *m, struct st_render_opts *o)
{
	static const struct {
		bool ascii, threads;
		uint32_t block_rows;
	} tl[] = {
		{ true, false, 0 }, { false, false, 2 }, { true, true, 3 },
		{ false, true, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(tl) / sizeof(tl[0]); i++) {
		o->ascii = tl[i].ascii;
		o->threads = tl[i].threads;
		o->block_rows = tl[i].block_rows;
		o->color = i & 1;
		st_render_timeline(devnull, m, o);
	}
	o->json = false;
	st_render_conns(devnull, m, o);
	o->json = true;
	st_render_conns(devnull, m, o);
	o->json = false;
	st_render_svg(devnull, m, o);
	st_render_pcapng(devnull, m, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "1.jsonl", "2.jsonl", "3.jsonl" };
	struct st_render_opts o;
	struct st_trace tr;
	struct st_model m;
	size_t start = 0, i;
	int nfile = 0;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	st_trace_init(&tr);
	for (i = 0; i <= size; i++) {
		if (i < size && (data[i] != 0x1e || nfile == 2))
			continue;
		if (st_trace_add_buffer(&tr, names[nfile], data + start, i - start) < 0)
			abort();
		nfile++;
		start = i + 1;
	}
	if (st_trace_sort(&tr) < 0)
		abort();
	if (st_model_build(&m, &tr) < 0)
		abort();
	memset(&o, 0, sizeof(o));
	st_filter_init(&o.filter);
	o.width = 20 + (int)(size % 200);
	render_all(&m, &o);
	/* Filters that select something of this trace. */
	if (tr.nev) {
		const struct st_vevent *e = &tr.ev[tr.order[tr.nev / 2]];

		o.filter.pid = e->pid;
		o.filter.conn = m.nconns ? 1 + (int64_t)(size % m.nconns) : 1;
		o.filter.port = e->fd2 >= 0 ? e->fd2 % 65536 : -1;
		o.filter.from = e->t - tr.t0;
		o.filter.to = e->t - tr.t0 + e->dur;
		render_all(&m, &o);
	}
	st_model_free(&m);
	st_trace_free(&tr);
	return 0;
}
