/*
 * init.c: start-up, settings, process identity, fork and exit.
 *
 * ---- How the wrappers stay out of the program's way ----
 *
 * Lazy binding.  The real functions are found with dlsym(RTLD_NEXT, ...) by
 * st_init(), run by our constructor and also by any wrapper called before it
 * (another library's constructor may make a socket).  Resolution is
 * idempotent, so threads racing through it need no lock.
 *
 * Re-entrancy.  st_busy, a thread-local flag, is set while st_init() runs:
 * dlsym may allocate, and a malloc that reads /proc would call our read().
 * A wrapper entered while st_busy is set, or before its real function is
 * known, goes straight to the system call or fails with ENOSYS; it never
 * logs.  Inside a wrapper we only ever call the real functions through
 * st_real, never our own exported names.
 *
 * Signals.  Everything a wrapper does is async-signal-safe: no malloc, no
 * stdio, no lock that can be held across a signal (the sink's growth lock is
 * a try-lock that knows its owner, see sink.c).
 *
 * fork.  A pthread_atfork child handler gives the child its own pid, tid
 * and log (opened on its first record); the parent's mapping is dropped so
 * the child never writes into the parent's file.  vfork and posix_spawn
 * children are not touched: they share the parent's memory until they exec.
 *
 * exec.  The exec wrappers (wrap_proc.c) make sure the new image gets
 * LD_PRELOAD and our settings even when the program passes a fresh
 * environment, and mark it as the continuation of this pid.
 *
 * Exit.  The destructor (and the _exit wrappers, which skip it) copy the
 * staging ring out into the log and remove it.  Nothing else is needed: a
 * record is in the page cache, in the ring or the log, as soon as it is
 * copied, and readers find a killed process's records in its ring.
 */
#include "state.h"
#include "binlog.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "real.h"
#include "record.h"
#include "header.h"
#include "broker.h"
#include "sink.h"

struct st_real st_real;
struct st_config st_cfg;
pid_t st_pid;
__thread pid_t st_tid;
__thread int st_busy;
__thread int st_last_fd1;
int st_ready;

pid_t st_gettid_slow(void)
{
	st_tid = (pid_t)syscall(SYS_gettid);
	return st_tid;
}

static atomic_int warned;
/* Whether any process of this image's fork tree has written its line: a
 * page shared with the fork children (made at start-up), so a server
 * whose many workers cannot trace says so once, not once a worker.
 * Images started by exec learn it from SOCKTRACE_WARNED instead. */
static atomic_int *tree_warned;

bool st_warned(void)
{
	/* Any process of the fork tree, or of the run before it: the images
	 * this one execs stay quiet too (SOCKTRACE_WARNED, wrap_proc.c). */
	return atomic_load(&warned) != 0 || st_cfg.quiet ||
	       (tree_warned && atomic_load(tree_warned) != 0);
}

/*
 * Whether no other image of this run has warned: the images a shell starts
 * one after the other are siblings, and share no memory (their fork tree
 * page is made anew by each exec).  The first to warn makes a mark in the
 * log directory, .socktrace-warned-<run>, with symlink(), which needs no
 * descriptor and fails with EEXIST when the mark is there; when it cannot
 * be made at all (the directory cannot be written), every image says it.
 */
static bool first_of_run(void)
{
	char mark[PATH_MAX + 64];
	size_t n = strlen(st_cfg.dir);

	if (!st_cfg.run[0] || n + sizeof("/.socktrace-warned-") + strlen(st_cfg.run) > sizeof(mark))
		return true;
	memcpy(mark, st_cfg.dir, n);
	strcpy(mark + n, "/.socktrace-warned-");
	strcat(mark, st_cfg.run);
	return symlink("warned", mark) == 0 || errno != EEXIST;
}

void st_warn_hint(const char *what, const char *path, int err, const char *hint)
{
	const char *parts[] = { "socktrace: ", what, " ", path, ": ", strerror(err), hint,
				" (tracing off, program runs on)\n" };
	char line[PATH_MAX + 512];
	size_t o = 0, i;
	int zero = 0;

	if (!atomic_compare_exchange_strong(&warned, &zero, 1) || !st_real.write)
		return;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t k = strlen(parts[i]);

		if (o + k >= sizeof(line))
			k = sizeof(line) - 1 - o;
		memcpy(line + o, parts[i], k);
		o += k;
	}
	/* Under the launcher, the launcher says it, once for all the
	 * processes of the run with the same trouble (launcher/logmaker.c). */
	if (st_cfg.broker[0]) {
		bool told;

		line[o - 1] = '\0';
		told = st_broker_tell(line + 11);	/* without "socktrace: " */
		line[o - 1] = '\n';
		if (told)
			return;
	}
	/* One write so the line is not split up by other output. */
	if (!st_cfg.quiet && (!tree_warned || atomic_exchange(tree_warned, 1) == 0) &&
	    first_of_run())
		st_real.write(2, line, o);
}

const char *st_drop_hint(void)
{
	/* Under the launcher, it makes the files for us; this is said only
	 * when that failed too. */
	if (st_cfg.broker[0])
		return "";
	return "; the log of a process that runs with fewer rights than the folder asks "
	       "(one that dropped its privileges, or was started by one) can be made only by "
	       "the launcher: socktrace -o DIR -- COMMAND";
}

void st_warn_once(const char *what, const char *path, int err)
{
	st_warn_hint(what, path, err, "");
}

static bool dir_writable(const char *d)
{
	struct stat sb;

	return stat(d, &sb) == 0 && S_ISDIR(sb.st_mode) && access(d, W_OK | X_OK) == 0;
}

/* SOCKTRACE_DIR, or the current directory, or the temporary directory;
 * made absolute so a chdir() later does not move the logs. */
static void read_dir(void)
{
	const char *d = getenv("SOCKTRACE_DIR");
	const char *tmp = getenv("TMPDIR");
	char cwd[PATH_MAX];

	if (!d || !*d) {
		if (getcwd(cwd, sizeof(cwd)) && dir_writable(cwd))
			d = cwd;
		else
			d = tmp && *tmp && dir_writable(tmp) ? tmp : "/tmp";
	}
	if (d[0] != '/' && getcwd(cwd, sizeof(cwd)) && strlen(cwd) + strlen(d) + 2 < PATH_MAX) {
		size_t n = strlen(cwd);

		memmove(st_cfg.dir, cwd, n);
		st_cfg.dir[n] = '/';
		strcpy(st_cfg.dir + n + 1, d);
		return;
	}
	if (strlen(d) < sizeof(st_cfg.dir))
		strcpy(st_cfg.dir, d);
}

/* SOCKTRACE_PAYLOAD: a byte count, 0 for none, "all" for everything;
 * anything else keeps the default of 64. */
static void read_payload(void)
{
	const char *p = getenv("SOCKTRACE_PAYLOAD");
	char *end;
	long v;

	st_cfg.payload = 64;
#ifdef ST_TIME_ONLY
	/* The benchmark's cost floor records nothing, so it reads no payload
	 * either (no pread for a sendfile). */
	st_cfg.payload = 0;
	(void)p;
	return;
#endif
	if (!p || !*p)
		return;
	if (strcmp(p, "all") == 0) {
		st_cfg.payload = -1;
		return;
	}
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno == 0 && *end == '\0' && v >= 0 && v <= (1L << 30))
		st_cfg.payload = v;
}

/* SOCKTRACE_HEAD: how many bytes at the start of each direction of each
 * socket are kept in full, so that a TLS ClientHello or a long HTTP header
 * is there for the viewer's protocol readers.  By default 4096 with the
 * default snippet size, and none when SOCKTRACE_PAYLOAD is set (a size
 * asked for is the size kept); 0 turns it off. */
static void read_head(void)
{
	const char *p = getenv("SOCKTRACE_HEAD"), *pl = getenv("SOCKTRACE_PAYLOAD");
	char *end;
	long v;

	st_cfg.head = st_cfg.payload > 0 && (!pl || !*pl) ? ST_HEAD_DEFAULT : 0;
	if (!p || !*p || st_cfg.payload <= 0)
		return;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno == 0 && *end == '\0' && v >= 0 && v <= ST_DATA_SNIP_MAX)
		st_cfg.head = v;
}

/* SOCKTRACE_SENDFILE_DATA=1: a sendfile record gets the snippet too, read
 * back from the input file with one pread() of our own.  Off by default:
 * that extra system call on the program's file costs a web server some 4%
 * of its requests, and a program under a seccomp filter that does not
 * allow pread could be killed for it. */
static void read_sendfile_data(void)
{
	const char *p = getenv("SOCKTRACE_SENDFILE_DATA");

	st_cfg.sendfile_data = p && strcmp(p, "1") == 0;
}

/* SOCKTRACE_TLS=1 (socktrace --tls): OpenSSL's SSL_write, SSL_read, ...
 * and GnuTLS's gnutls_record_send, gnutls_record_recv are logged with
 * their plaintext.  Off by default: it logs secrets. */
static void read_tls(void)
{
	const char *p = getenv("SOCKTRACE_TLS");

	st_cfg.tls = p && strcmp(p, "1") == 0;
}

/* SOCKTRACE_RUN when an image of the run exec'd us, else a new name:
 * this image's pid and start time (digits, a dash, digits only). */
static void read_run(void)
{
	const char *r = getenv("SOCKTRACE_RUN");
	struct timespec ts;
	size_t n;

	if (r && *r && strlen(r) < sizeof(st_cfg.run) && strspn(r, "0123456789-") == strlen(r)) {
		strcpy(st_cfg.run, r);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	n = (size_t)st_fmt_int(st_cfg.run, st_pid);
	st_cfg.run[n++] = '-';
	st_cfg.run[n + (size_t)st_fmt_int(st_cfg.run + n, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec)] = '\0';
}

static void find_self(void)
{
	Dl_info info;

	if (dladdr((void *)st_init, &info) && info.dli_fname &&
	    strlen(info.dli_fname) < sizeof(st_cfg.lib))
		strcpy(st_cfg.lib, info.dli_fname);
}

void st_init(void)
{
	int saved = errno;
	const char *ep;

	if (st_ready || st_busy)
		return;
	st_busy = 1;
#define CALL(name, group, frame, view) \
	st_real.name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);
#include "calls.def"
	st_pid = getpid();
	read_dir();
	read_payload();
	read_head();
	read_tls();
	read_sendfile_data();
	find_self();
	st_read_host();
	st_clock_init();
	ep = getenv("SOCKTRACE_EXEC_PID");
	st_cfg.execd = ep && atoi(ep) == st_pid;
	st_cfg.quiet = getenv("SOCKTRACE_WARNED") != NULL;
	ep = getenv(ST_BROKER_ENV);
	if (ep && strlen(ep) < sizeof(st_cfg.broker))
		strcpy(st_cfg.broker, ep);
	read_run();
	st_busy = 0;
	__atomic_store_n(&st_ready, 1, __ATOMIC_RELEASE);
	errno = saved;
}

static void in_child(void)
{
	pid_t parent = st_pid;

	st_pid = getpid();
	st_tid = 0;
	st_cfg.fork_of = parent;
	st_cfg.execd = false;
	st_sink_forget();
}

__attribute__((constructor)) static void st_start(void)
{
	void *page;

	st_init();
	pthread_atfork(NULL, NULL, in_child);
	page = mmap(NULL, sizeof(*tree_warned), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	if (page != MAP_FAILED)
		tree_warned = page;
	/* A log directory we cannot use is said once for the whole run: here,
	 * at start-up (one thread, so setenv is safe), and the variable tells
	 * every process started from this one to keep quiet. */
	if (!st_cfg.quiet && !st_cfg.broker[0] && access(st_cfg.dir, W_OK | X_OK) != 0) {
		int err = errno;

		st_warn_hint("cannot write logs in", st_cfg.dir, err,
			     err == EACCES || err == EPERM ? st_drop_hint() : "");
		setenv("SOCKTRACE_WARNED", "1", 1);
		st_sink_disable();
	}
}

__attribute__((destructor)) static void st_stop(void)
{
	st_sink_close();
}
