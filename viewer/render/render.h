/*
 * render.h: the renderers (timeline.c, conntable.c, svg.c, perfetto.c,
 * mermaid.c, plantuml.c, html.c) and what they
 * share: the options, and the layout of lanes and rows (layout.c) that the
 * terminal timeline and the SVG both draw.  Every renderer reads only the
 * model.
 *
 * Rows: each record is a row at its start (when it may begin an arrow: a
 * send, a connect, a close) or at its return (when it may end one: a recv,
 * an accept); a record that waited long gets a start row and an end row.
 * Rows are in time order, so every arrow points down.
 */
#ifndef ST_RENDER_H
#define ST_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/filter.h"
#include "model/model.h"

/* Quiet stretches at least this long are marked in the timeline. */
#define ST_GAP_NS 250000000

struct st_render_opts {
	int width;		/* terminal columns */
	bool ascii;		/* no box drawing */
	bool color;		/* ANSI colours */
	bool threads;		/* one lane per thread */
	bool json;		/* --conns as JSON Lines */
	uint32_t block_rows;	/* timeline rows per block drawn (timeline.c);
				 * 0 for the default; tests make it small so
				 * that two threads share a short trace */
	uint32_t exchanges;	/* diagrams: arrows drawn before the rest is
				 * folded into a note; 0 for the default */
	uint32_t otlp_batch;	/* spans per OTLP request, 0: ST_OTLP_BATCH */
	struct st_filter filter;
};

struct st_row {
	int64_t t;		/* ns since the first record */
	uint32_t ev;
	uint8_t part;		/* enum st_part (describe.h) */
};

struct st_layout {
	uint32_t nlanes;
	uint32_t *lane_proc;	/* lane -> process */
	int32_t *lane_tid;	/* lane -> thread, -1 in process mode */
	uint32_t *lane_first, *lane_last;	/* first and last row of a lane */
	uint32_t *ev_lane;	/* record -> lane, ST_NONE when hidden */
	struct st_row *rows;
	uint32_t nrows;
};

int st_layout_build(struct st_layout *l, const struct st_model *m,
		    const struct st_render_opts *o);
void st_layout_free(struct st_layout *l);

int st_render_timeline(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o);
int st_render_conns(FILE *fp, const struct st_model *m,
		    const struct st_render_opts *o);
int st_render_svg(FILE *fp, const struct st_model *m,
		  const struct st_render_opts *o);
int st_render_hosts(FILE *fp, const struct st_model *m,
		    const struct st_render_opts *o);
/* OTLP/JSON (otlp.c): requests of at most ST_OTLP_BATCH spans, each one
 * line, handed to emit (which returns 0, or -1 to stop). */
#define ST_OTLP_BATCH 512
typedef int (*st_otlp_emit_fn)(void *arg, const char *buf, size_t len);
int st_otlp_write(const struct st_model *m, const struct st_render_opts *o,
		  st_otlp_emit_fn emit, void *arg);
int st_render_otlp(FILE *fp, const struct st_model *m,
		   const struct st_render_opts *o);
/* The same POSTed to url/v1/traces (http.c), each request waiting at
 * most timeout_ms: 0, or -1 with why in err; *requests: how many the
 * server accepted. */
int st_render_otlp_endpoint(const struct st_model *m, const struct st_render_opts *o,
			    const char *url, int timeout_ms, char *err, size_t errlen,
			    uint32_t *requests);
/* What a trace of several hosts could not settle (clocks without an
 * estimate, messages back in time, connections not paired), one line
 * each; nothing for one host. */
void st_report_hosts(FILE *fp, const struct st_model *m);
int st_render_perfetto(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o);
/* The live view (live.c): what of the model was not printed before, by
 * the state lv kept across the models of one run read again and again. */
struct st_live;
struct st_live *st_live_new(void);
void st_live_free(struct st_live *lv);
int st_render_live(FILE *fp, const struct st_model *m, const struct st_render_opts *o,
		   struct st_live *lv);
/* Every record as the logs' JSON Lines, in time order (jsonl.c). */
int st_render_jsonl(FILE *fp, const struct st_model *m,
		    const struct st_render_opts *o);
/* Packets synthesized from the model, as a pcapng capture (pcapng.c). */
int st_render_pcapng(FILE *fp, const struct st_model *m,
		     const struct st_render_opts *o);
int st_render_html(FILE *fp, const struct st_model *m,
		   const struct st_render_opts *o);
int st_render_mermaid(FILE *fp, const struct st_model *m,
		      const struct st_render_opts *o);
int st_render_plantuml(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o);

#endif
