/*
 * wrap.h: what every wrapper file needs.  The three layers of a wrapper:
 * the exported shim (the libc name), the real function through st_real,
 * and the record, built with event.h.
 */
#ifndef ST_WRAP_H
#define ST_WRAP_H

#include <stdbool.h>

#include "event.h"
#include "fdtab.h"
#include "names.h"
#include "real.h"
#include "state.h"

#define ST_EXPORT __attribute__((visibility("default")))

/* True when this call must go straight to libc, untraced: the library is
 * still starting on this thread (see init.c).  Makes sure the real
 * functions are known first. */
static inline bool st_untraced(void)
{
	if (__builtin_expect(!__atomic_load_n(&st_ready, __ATOMIC_ACQUIRE), 0))
		st_init();
	return __builtin_expect(st_busy || !st_ready, 0);
}

/* The flags key, when there are flags. */
static inline void st_event_flags(struct st_event *ev, int flags)
{
	char buf[160];

	if (flags)
		st_rec_str(&ev->rec, "flags", st_msg_flags(flags, buf, sizeof(buf)));
}

#endif
