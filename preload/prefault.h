/*
 * prefault.h: a helper thread that makes the log's memory ready before the
 * writers reach it.
 *
 * The first write to a fresh page of the mapped log costs a page fault;
 * under gVisor that is about 2 microseconds per 4 KiB, more than the rest
 * of a record.  The helper populates the pages just ahead of the write
 * offset (MADV_POPULATE_WRITE) on another core, so writers find them ready.
 * It is a bare clone() thread that runs only system calls on memory the
 * library already mapped: it takes no lock, touches no libc state and
 * opens no file, so fork, signals and privilege changes cannot trip on it.
 */
#ifndef ST_PREFAULT_H
#define ST_PREFAULT_H

#include <stdbool.h>
#include <stdint.h>

/* What the helper needs to see of the sink. */
struct st_prefault_view {
	_Atomic uint64_t *off;		/* the write offset */
	_Atomic int *state;		/* the helper stops when it leaves open_state */
	int open_state;
	_Atomic int *active;		/* held while populating, like a writer */
	char *_Atomic *chunk;		/* chunk base addresses, NULL when unmapped */
	unsigned chunk_shift;
	unsigned max_chunks;
};

/* Starts the helper; false when it cannot (then writers fault as usual). */
bool st_prefault_start(const struct st_prefault_view *v);

#endif
