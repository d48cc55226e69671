/*
 * state.h: what the whole library shares: settings read from the
 * environment once, the process and thread ids, and the re-entrancy guard.
 */
#ifndef ST_STATE_H
#define ST_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Bytes kept in full at the start of each direction of a socket. */
#define ST_HEAD_DEFAULT 4096

struct st_config {
	char dir[PATH_MAX];	/* absolute log directory */
	long payload;		/* snippet size in bytes; -1 = all */
	long head;		/* bytes kept in full at the start of each
				 * direction of each socket (SOCKTRACE_HEAD) */
	bool sendfile_data;	/* read back what sendfile sent, for its snippet */
	bool tls;		/* SOCKTRACE_TLS=1: log TLS plaintext (OpenSSL, GnuTLS) */
	bool execd;		/* this image was exec'd by a traced image of the same pid */
	pid_t fork_of;		/* set in a fork child: the parent's pid */
	char lib[PATH_MAX];	/* our own path, for LD_PRELOAD across exec */
	bool quiet;		/* an earlier image of this run has warned already */
	char broker[104];	/* SOCKTRACE_BROKER: the launcher's socket, or "" */
	/* SOCKTRACE_RUN: names this run (the first traced image's pid and
	 * start time), passed on to the images it execs: an image warns only
	 * if no other image of the run has (init.c). */
	char run[48];
};

extern struct st_config st_cfg;
extern pid_t st_pid;
extern __thread pid_t st_tid;
extern __thread int st_busy;	/* re-entrancy guard, see init.c */
/* The socket of this thread's last data call, + 1 (0: none): the socket
 * under an SSL object whose BIO is the program's own (wrap_tls.c). */
extern __thread int st_last_fd1;
extern int st_ready;		/* 1 once the real functions are known */

/* Resolves the real functions and reads the settings; idempotent. */
void st_init(void);
pid_t st_gettid_slow(void);

/* This thread's id, asked of the kernel once per thread. */
static inline pid_t st_gettid(void)
{
	pid_t t = st_tid;

	return __builtin_expect(t != 0, 1) ? t : st_gettid_slow();
}

/* Writes one line "socktrace: WHAT PATH: strerror" to stderr, once per
 * process, and only when tracing cannot go on. */
void st_warn_once(const char *what, const char *path, int err);
/* The same with hint after the error's text (what to do about it). */
void st_warn_hint(const char *what, const char *path, int err, const char *hint);
/* What to do when the log folder is not ours to write (a privilege
 * drop): the hint for st_warn_hint(). */
const char *st_drop_hint(void);
/* Whether this image met a reason to warn (said, or kept quiet). */
bool st_warned(void);

#endif
