/*
 * peek.c: the copy that cannot fault (see peek.h): process_vm_readv() on
 * our own process.  The kernel checks each page as it copies and stops at
 * the first it cannot read, so a short count says where the readable part
 * ends.  Self-access needs no ptrace permission (same thread group); a
 * seccomp filter may still refuse it, and then nothing counts as readable.
 */
#include "peek.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "state.h"

/* Our pid, asked every time: a vfork child runs this code in its parent's
 * memory with the parent's st_pid, and reading "another" process, its
 * parent, may be refused (Yama); its own pid reads the same memory. */
static pid_t self(void)
{
	return (pid_t)syscall(SYS_getpid);
}

size_t st_peek(void *dst, const void *src, size_t n)
{
	struct iovec local = { dst, n }, remote = { (void *)src, n };
	int saved = errno;
	long got;

	if (n == 0 || src == NULL)
		return 0;
	got = syscall(SYS_process_vm_readv, self(), &local, 1UL, &remote,
		      1UL, 0UL);
	errno = saved;
	return got > 0 ? (size_t)got : 0;
}

bool st_peek_str(char *dst, size_t cap, const char *src)
{
	size_t got;

	if (cap == 0)
		return false;
	got = st_peek(dst, src, cap - 1);
	dst[got] = '\0';
	return memchr(dst, '\0', got) != NULL || got == cap - 1;
}

bool st_poke(void *dst, const void *src, size_t n)
{
	struct iovec local = { (void *)src, n }, remote = { dst, n };
	int saved = errno;
	long put;

	if (n == 0)
		return true;
	put = syscall(SYS_process_vm_writev, self(), &local, 1UL, &remote,
		      1UL, 0UL);
	errno = saved;
	return put == (long)n;
}

const struct sockaddr *st_addr_in_slow(const struct sockaddr *sa, socklen_t *len,
				       struct sockaddr_storage *copy, bool *unread)
{
	if (st_peek(copy, sa, *len) != *len) {
		*unread = true;
		return NULL;
	}
	return (const struct sockaddr *)copy;
}

size_t st_peekv(void *dst, const struct iovec *src, unsigned n)
{
	struct iovec local = { dst, 0 };
	int saved = errno;
	unsigned i;
	long got;

	for (i = 0; i < n; i++)
		local.iov_len += src[i].iov_len;
	if (local.iov_len == 0)
		return 0;
	got = syscall(SYS_process_vm_readv, self(), &local, 1UL, src,
		      (unsigned long)n, 0UL);
	errno = saved;
	return got > 0 ? (size_t)got : 0;
}
