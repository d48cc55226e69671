/*
 * describe.h: the words every renderer uses: a record as one short line
 * (`accept(3) = 4 <- 127.0.0.1:53412`), a link as its label
 * (`5 B "hello"`, `EOF`), a process as its name and pid.  All of it is
 * printable ASCII: untrusted bytes are escaped by out.h.
 */
#ifndef ST_DESCRIBE_H
#define ST_DESCRIBE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "render/out.h"

/* Calls that wait at least this long get a start row of their own. */
#define ST_BLOCK_NS 1000000
/* Waiting calls show their time from this long on. */
#define ST_SHOW_DUR_NS 100000

enum st_part { ST_WHOLE, ST_START, ST_END };

/* true when the record's row is at its start (it may begin an arrow),
 * false when at its return (it may end one). */
bool st_event_at_start(const struct st_vevent *e);
/* true when the record gets a start row and an end row. */
bool st_event_blocks(const struct st_vevent *e);
/* The row's time, ns since t0. */
int64_t st_event_row_time(const struct st_trace *tr, const struct st_vevent *e,
			  enum st_part part);

/* The record's line: the whole of it, its start (`accept(3) ...`) or its
 * end. */
void st_describe_event(struct st_out *o, const struct st_model *m, uint32_t i,
		       enum st_part part);
/* The label of a link: `handshake`, `5 B "hello"`, `EOF`, `RST`.  skip is
 * how many bytes of the receive earlier links of it took. */
void st_describe_link(struct st_out *o, const struct st_model *m,
		      const struct st_link *l, uint64_t skip);
/* A host's name (`?` when unknown), with its netns inode when another host
 * has the same name. */
void st_describe_host(struct st_out *o, const struct st_model *m, uint32_t h);
/* `name pid` (`name pid/tid` when tid >= 0), `@host` after it when the
 * trace has several hosts. */
void st_describe_proc(struct st_out *o, const struct st_model *m, uint32_t p,
		      int32_t tid);

/* The process whose log ends early right after record ev's row (ev is
 * its last record; the row is not the start of a waiting call): a mark
 * goes there.  ST_NONE when none. */
uint32_t st_log_ends_after(const struct st_model *m, uint32_t ev, enum st_part part);
/* The mark: `log of pid N ends early: tracing stopped (disk full)`. */
void st_describe_log_end(struct st_out *o, const struct st_model *m, uint32_t p);

#endif
