/*
 * tail.h: the reading of sockview --follow.  The logs under some paths
 * are read as they grow, into one trace that only grows: each call reads
 * what was added since the last one, and nothing twice.
 */
#ifndef ST_TAIL_H
#define ST_TAIL_H

#include <stdbool.h>

#include "read/trace.h"

struct st_tail;

/* Follows the logs named by paths (files, or folders whose logs come and
 * go); NULL when out of memory.  The paths are not copied. */
struct st_tail *st_tail_new(char *const *paths, int n);
void st_tail_free(struct st_tail *t);

/*
 * Adds to tr (initialised, never sorted in between by anyone but the
 * caller) what the logs hold that was not read yet: new logs, the new
 * frames of binary logs and their staging rings, the new lines of JSON
 * logs, the rest of a binary log the launcher converted to JSON Lines.
 * What was read is never read again.  A frame still being written is
 * waited for; with final, nothing is (the last read, which also sets each
 * file's ending, struct st_file).  Returns how many records and headers it
 * added, or -1 (tr->error set) when memory runs out.
 */
long st_tail_read(struct st_tail *t, struct st_trace *tr, bool final);

#endif
