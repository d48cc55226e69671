/*
 * wrap.h: what every wrapper file needs.  The three layers of a wrapper:
 * the exported shim (the libc name), the real function through st_real,
 * and the record, built with event.h.
 */
#ifndef ST_WRAP_H
#define ST_WRAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "fdtab.h"
#include "names.h"
#include "peek.h"
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

/*
 * Not ready or re-entered (st_untraced()): the call goes on untouched to
 * the real function or, while that is not known yet, to the fallback (the
 * raw system call, or an error); errno is the kernel's.  The wrapper keeps
 * its own return:
 *
 *	if (st_untraced())
 *		return ST_PASS(bind, SYS_bind, fd, addr, len);
 *
 * ST_PASS when the system call takes the function's arguments as they are,
 * ST_REAL_OR(name, (args), fallback) when it does not.
 */
#define ST_REAL_OR(name, args, fallback) \
	(st_real.name ? st_real.name args : (__typeof__(st_real.name args))(fallback))
#define ST_PASS(name, nr, ...) ST_REAL_OR(name, (__VA_ARGS__), syscall(nr, __VA_ARGS__))

/* A traced call's last step: the caller gets back errno as the real call
 * left it (building the record may have changed it), and ret.
 *
 *	return st_result(&c, ret);
 */
static inline int64_t st_result(const struct st_call *c, int64_t ret)
{
	errno = c->errno_after;
	return ret;
}

/* The flags key, when there are flags. */
static inline void st_event_flags(struct st_event *ev, int flags)
{
	char buf[160];

	if (flags)
		st_rec_str(&ev->rec, "flags", st_msg_flags(flags, buf, sizeof(buf)));
}

#endif
