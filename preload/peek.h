/*
 * peek.h: reading the program's memory where the kernel has not vouched
 * for it (docs/design.md, "What the library reads").
 *
 * A wrapper reads an argument plainly only where the kernel has just read
 * or written it in a call that succeeded, and only the bytes the kernel
 * used.  Anywhere else (a failed call, a length the kernel overwrites) it
 * reads through st_peek(): process_vm_readv() on our own pid, which answers
 * EFAULT or a short count where a load would raise SIGSEGV.  It is a system
 * call, so it belongs on failure paths, or behind st_peek_near(), which
 * copies plainly what lies in the 4 KiB block of one of the wrapper's own
 * stack variables (a page is mapped whole: what shares a page with our
 * stack cannot fault).
 */
#ifndef ST_PEEK_H
#define ST_PEEK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"

/* Copies up to n bytes at src to dst without ever faulting; returns how
 * many bytes from the start were readable (0 when none, or when the kernel
 * refuses the copy, e.g. under a seccomp filter).  errno is kept. */
size_t st_peek(void *dst, const void *src, size_t n);

/* st_peek() of n ranges at once (one system call), into dst back to back;
 * returns how many bytes from the start were readable. */
struct iovec;
size_t st_peekv(void *dst, const struct iovec *src, unsigned n);

/* The string at src into dst (cap bytes, NUL-terminated, cut at cap - 1),
 * without ever faulting; false when a byte before its end (or the cut)
 * could not be read. */
bool st_peek_str(char *dst, size_t cap, const char *src);

/* Copies n bytes from src to the program's memory at dst without ever
 * faulting (process_vm_writev); true when all n were written. */
bool st_poke(void *dst, const void *src, size_t n);

/* Whether a call that failed with err got that far only after the kernel
 * had copied its address and message header in: the errors only a
 * protocol gives (EINPROGRESS, ECONNREFUSED, EAGAIN, ...), never the ones
 * of a bad descriptor, a refused length or a seccomp filter. */
static inline bool st_err_after_args(int err)
{
	switch (err) {
	case EINPROGRESS: case EALREADY: case EAGAIN: case ECONNREFUSED: case ETIMEDOUT:
	case ENETUNREACH: case EHOSTUNREACH: case EADDRINUSE: case EADDRNOTAVAIL:
	case EISCONN: case ECONNRESET: case EPIPE: case EMSGSIZE: case ENOTCONN:
		return true;
	default:
		return false;
	}
}

const struct sockaddr *st_addr_in_slow(const struct sockaddr *sa, socklen_t *len,
				       struct sockaddr_storage *copy, bool *unread);

/*
 * The address argument (sa, *len bytes as the program passed them) of a
 * call that returned as c says, to log: at most sizeof(*copy) bytes (*len
 * is cut to that), read plainly when the kernel has copied it in (the call
 * succeeded, or failed past that point), else through st_peek() into copy.
 * NULL when there is none, or when it could not be read (*unread set).
 */
static inline const struct sockaddr *st_addr_in(const struct st_call *c, const struct sockaddr *sa,
						socklen_t *len, struct sockaddr_storage *copy,
						bool *unread)
{
	*unread = false;
	if (sa == NULL || *len == 0)
		return NULL;
	if (*len > sizeof(*copy))
		*len = sizeof(*copy);
	if (__builtin_expect(c->err == 0 || st_err_after_args(c->err), 1))
		return sa;
	return st_addr_in_slow(sa, len, copy, unread);
}

/* Whether [p, p + n) lies in the 4 KiB block that holds near, an object
 * of ours on the stack: such bytes are mapped and readable. */
static inline bool st_same_block(const void *p, size_t n, const void *near)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)near;

	return n > 0 && a + n > a && (a >> 12) == (b >> 12) && ((a + n - 1) >> 12) == (b >> 12);
}

/* st_peek(), with a plain copy when the bytes share a block with near
 * (the caller's own stack variable); true when all n were read. */
static inline bool st_peek_near(void *dst, const void *src, size_t n, const void *near)
{
	if (st_same_block(src, n, near)) {
		memcpy(dst, src, n);
		return true;
	}
	return st_peek(dst, src, n) == n;
}

#endif
