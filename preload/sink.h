/*
 * sink.h: where records go.  One log file per process image, written through
 * a shared mapping so a record costs no system call and survives SIGKILL.
 */
#ifndef ST_SINK_H
#define ST_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reserved stretch of the log, filled front to back with st_span_put(). */
struct st_span {
	uint64_t off;
	size_t left;
};

/* Reserves len bytes for one record, opening the log on first use.
 * Returns false (record dropped, nothing disturbed) when the log cannot be
 * written or this thread would have to wait on itself. */
bool st_sink_reserve(struct st_span *s, size_t len);
/* Copies n bytes into the span; the span must have room. */
void st_span_put(struct st_span *s, const void *p, size_t n);
/* Where the span is in memory when it lies in one chunk, else NULL (then
 * fill it with st_span_put()). */
void *st_span_ptr(const struct st_span *s);
/* The generation of the open log (> 0), opening it on first use; 0 when
 * records must be dropped.  A new file is a new generation, so what a
 * file has had written (TUPLE frames, fdtab.c) is known per file. */
uint32_t st_sink_gen(void);

/* Whether the log is open or being opened: fork and exec calls are
 * logged only then, so a process with no socket activity (a shell that
 * forks and execs) leaves no file. */
bool st_sink_is_open(void);
/* No log for this image: records are dropped from now on. */
void st_sink_disable(void);
/* In a fork child: forget the parent's log; the child opens its own. */
void st_sink_forget(void);
/* At exit: cut the file to its last record (sink.c says why no record
 * that a writer reserved is lost). */
void st_sink_close(void);
/* Before an exec: the same, so the old image's log ends clean; true when
 * the log was open and is now paused.  After a failed exec,
 * st_sink_resume() opens it again where it was. */
bool st_sink_pause(void);
void st_sink_resume(void);

#endif
