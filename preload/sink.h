/*
 * sink.h: where records go.  One log file per process image; frames reach
 * it through a staging ring in a shared mapping (sink.c), so a record costs
 * no system call and survives SIGKILL.
 */
#ifndef ST_SINK_H
#define ST_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog.h"

/* A reserved frame of the log: its body is filled front to back with
 * st_span_put(), then st_span_commit() writes its head, which makes it
 * complete. */
struct st_span {
	uint64_t start;		/* log offset of the head */
	uint64_t off;		/* where the next body byte goes */
	size_t left;		/* body bytes still to put */
	struct st_frame head;
	bool direct;		/* too big for the ring: body straight to the file */
	bool failed;		/* the body could not be written: commit pads */
	int fd;			/* direct: the log's descriptor, once looked up */
};

/* Reserves a frame with this head (its len says the body's size), opening
 * the log on first use.  Returns false (record dropped, nothing disturbed)
 * when the log cannot be written or the ring stayed full. */
bool st_sink_reserve(struct st_span *s, const struct st_frame *head);
/* The fast way to a frame with this head: when the sink is open, the ring
 * has room without waiting and holds the frame in one piece (and it is not
 * one for the file directly), reserves it and returns where it goes, *start
 * set to its log offset; the caller writes the body (at 8 bytes in), then
 * st_sink_publish().  Otherwise NULL, nothing reserved: st_sink_reserve()
 * is the way, which waits, wraps and drops. */
void *st_sink_claim(const struct st_frame *head, uint64_t *start);
/* Writes the head of a claimed frame: it is complete. */
void st_sink_publish(uint64_t start, const struct st_frame *head);
/* A whole frame, its body head->len bytes at body: claimed when it can
 * be, else reserved; false when the record is dropped. */
bool st_sink_write(const struct st_frame *head, const void *body);
/* The fastest way to a DATA frame (event.c): its body, then tail_len
 * bytes at tail (together head->len), claimed and published in one call,
 * when the open log's generation is gen (0: any) and st_sink_claim() would
 * succeed.  False, nothing written, otherwise. */
bool st_sink_put(const struct st_frame *head, const struct st_frame_data *body,
		 const void *tail, size_t tail_len, uint32_t gen);
/* The same for an SDATA frame. */
bool st_sink_put_short(const struct st_frame *head, const struct st_frame_sdata *body,
		       const void *tail, size_t tail_len, uint32_t gen);
/* Copies n bytes into the span's body; the span must have room. */
void st_span_put(struct st_span *s, const void *p, size_t n);
/* Writes the head: the frame is complete.  Once per reserved span. */
void st_span_commit(struct st_span *s);
/* The generation of the open log (> 0), opening it on first use; 0 when
 * records must be dropped.  A new file is a new generation, so what a
 * file has had written (TUPLE frames, fdtab.c) is known per file. */
uint32_t st_sink_gen(void);

/* The descriptor the sink holds of the log, when it holds one (over the
 * fd limit, see sink.c); else -1.  The close wrappers leave it alone: the
 * program never had that number, so closing it fails with EBADF, as it
 * would untraced. */
int st_sink_fd(void);
/* Whether fd is that descriptor (a system call only when the number is). */
bool st_sink_holds(int fd);

/* A call of the program that makes a descriptor failed with EMFILE: when
 * the log's descriptor is under the limit (soft = hard and no
 * CAP_SYS_RESOURCE, so no number over it could be had), its slot is given
 * back.  Under the launcher, the launcher takes the log over (it copies
 * the ring out, we hold no descriptor); bare, tracing stops with the stop
 * mark and one line.  True when the slot is free: the caller tries its
 * call again.  errno is kept. */
bool st_sink_give_slot(void);
/* The program set its RLIMIT_NOFILE: when our descriptor is now under
 * the soft limit, it moves over it (or as high as it can). */
void st_sink_limit_set(void);

/* Whether the log is open or being opened: fork and exec calls are
 * logged only then, so a process with no socket activity (a shell that
 * forks and execs) leaves no file. */
bool st_sink_is_open(void);
/* No log for this image: records are dropped from now on. */
void st_sink_disable(void);
/* In a fork child: forget the parent's log; the child opens its own. */
void st_sink_forget(void);
/* At exit: copy every frame into the file and remove the ring (sink.c
 * says why no record that a writer reserved is lost). */
void st_sink_close(void);
/* Before an exec: the same, so the old image's log ends clean; true when
 * the log was open and is now paused.  After a failed exec,
 * st_sink_resume() opens it again where it was. */
bool st_sink_pause(void);
void st_sink_resume(void);

/* The launcher's side (preload/broker.c, common/broker.h), when
 * SOCKTRACE_BROKER names it: creates the log file name (and its ring) for
 * us; returns the log's descriptor, *ring_fd the ring's, or -1 with errno
 * (EEXIST: the name is taken). */
int st_broker_create(const char *name, int *ring_fd);
/* Asks the launcher to take over the log file name (and its ring): it
 * copies the ring out from now on.  0, or an errno. */
int st_broker_adopt(const char *name);
/* Tells the launcher a line about this process not being traced; false
 * when it could not be told. */
bool st_broker_tell(const char *line);

#endif
