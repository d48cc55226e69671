/*
 * ringcopy.h: the launcher copies out the staging rings of processes that
 * gave the log's descriptor to their program (preload/sink.c,
 * st_sink_give_slot(); common/broker.h, request 'A').  Such a process
 * still writes its frames into its ring, a shared file mapping; we do
 * what its own copy-out would: move the complete frames at the front into
 * the log file and advance the ring's flushed offset, which the process
 * follows.  Used by the log maker's thread only (and by its stop, once the
 * thread has ended).
 */
#ifndef ST_RINGCOPY_H
#define ST_RINGCOPY_H

#include <stdbool.h>
#include <sys/types.h>

/* Takes over the log name (and name.ring) in the folder dirfd for the
 * process pid; 0, or an errno (the name is not pid's log, or not a log
 * with a well-formed ring). */
int st_ringcopy_adopt(int dirfd, const char *name, pid_t pid);
/* Copies every ring out as far as it is complete; drops the rings of
 * processes that ended (their ring removed, all copied).  Returns whether
 * any ring is still held: then call again within a millisecond or so. */
bool st_ringcopy_run(void);
/* The last copy, then every ring let go.  A write that failed (disk
 * full) is told through say(pid, line). */
void st_ringcopy_end(void);
/* Where a failed write is told: set by the log maker. */
extern void (*st_ringcopy_say)(int pid, const char *line);

#endif
