/*
 * prefault.c: the populate-ahead helper thread (see prefault.h).
 *
 * The thread is made with a raw clone() and shares the creating thread's
 * TLS pointer, so it must never touch thread-local data: no errno, no
 * st_tid.  Hence raw system calls only, written here for x86-64; on other
 * machines the helper is not started and writers fault pages themselves.
 */
#include "prefault.h"

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define SLICE ((uint64_t)256 << 10)		/* populated per madvise */
#define MIN_AHEAD ((uint64_t)512 << 10)
#define MAX_AHEAD ((uint64_t)16 << 20)
#define STACK_SIZE (64 << 10)
#define MIN_NAP 500000L		/* ns */
#define MAX_NAP 50000000L

#if defined(__x86_64__)

static long raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long raw4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static struct st_prefault_view view;

/* Named for the clone code below, which calls it by name. */
static void helper_main(void) __asm__("st_prefault_helper_main");

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	raw3(SYS_nanosleep, (long)&ts, 0, 0);
}

/* The thread body; never returns.  It populates [done, target) where target
 * runs ahead of the write offset by a distance that follows the write rate. */
static __attribute__((noreturn, used)) void helper_main(void)
{
	uint64_t done = 0, last = 0, ahead = MIN_AHEAD;
	uint64_t chunk_size = (uint64_t)1 << view.chunk_shift;
	long napped = MIN_NAP;

	raw3(SYS_prctl, PR_SET_NAME, (long)"socktrace", 0);
	for (;;) {
		uint64_t off, target;

		if (atomic_load(view.state) != view.open_state)
			break;
		off = atomic_load(view.off);
		/* A writer that used a quarter of the distance in one nap gets
		 * twice the distance. */
		if (off - last > ahead / 4 && ahead < MAX_AHEAD)
			ahead *= 2;
		if (done < off)
			done = off & ~(SLICE - 1);
		target = off + ahead;
		while (done < target) {
			uint64_t i = done >> view.chunk_shift;
			char *base;
			long r;

			if (i >= view.max_chunks)
				break;
			base = atomic_load(&view.chunk[i]);
			if (!base)
				break;	/* the writers map chunks; wait for them */
			atomic_fetch_add(view.active, 1);
			if (atomic_load(view.state) != view.open_state) {
				atomic_fetch_sub(view.active, 1);
				goto out;
			}
			r = raw3(SYS_madvise, (long)(base + (done & (chunk_size - 1))), (long)SLICE,
				 MADV_POPULATE_WRITE);
			atomic_fetch_sub(view.active, 1);
			if (r == -22 || r == -38)	/* EINVAL, ENOSYS: not supported */
				goto out;
			done += SLICE;
		}
		/* Sleep until the writers may have used a quarter of what is ready,
		 * at the rate they wrote during the last nap. */
		{
			uint64_t rate = off - last, margin = done > off ? done - off : 0;
			long ns = MAX_NAP;

			if (rate)
				ns = (long)(margin / 4 * (uint64_t)napped / rate);
			if (ns < MIN_NAP)
				ns = MIN_NAP;
			if (ns > MAX_NAP)
				ns = MAX_NAP;
			last = off;
			napped = ns;
			nap(ns);
		}
	}
out:
	raw3(SYS_exit, 0, 0, 0);
	__builtin_unreachable();
}

bool st_prefault_start(const struct st_prefault_view *v)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				    CLONE_THREAD | CLONE_SYSVSEM;
	sigset_t all, old;
	char *stack;
	long ret;

	view = *v;
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return false;
	/* The thread inherits the signal mask: block everything around the
	 * clone so no signal of the program is ever delivered to it. */
	sigfillset(&all);
	raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, 8);
	{
		register long r10 __asm__("r10") = 0;
		register long r8 __asm__("r8") = 0;

		__asm__ volatile("syscall\n\t"
				 "test %%rax, %%rax\n\t"
				 "jnz 1f\n\t"
				 "xor %%ebp, %%ebp\n\t"
				 "call st_prefault_helper_main\n\t"
				 "1:"
				 : "=a"(ret)
				 : "a"((long)SYS_clone), "D"(flags), "S"(stack + STACK_SIZE),
				   "d"(0L), "r"(r10), "r"(r8)
				 : "rcx", "r11", "memory");
	}
	raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8);
	if (ret < 0) {
		munmap(stack, STACK_SIZE);
		return false;
	}
	return true;
}

#else

bool st_prefault_start(const struct st_prefault_view *v)
{
	(void)v;
	return false;
}

#endif
