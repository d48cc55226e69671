/*
 * wrap_proc.c: processes and names.  fork is logged in the parent (the
 * child's log says whose child it is); the exec family makes sure the new
 * image is traced too, even when the program hands it a fresh environment;
 * name resolution is logged as an event of its own, since glibc's resolver
 * talks to DNS with internal calls no interposer sees.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "wrap.h"

#include "broker.h"
#include "clock.h"
#include "sink.h"

/* A string argument of a call that returned (a resolver's query, a spawned
 * path): read plainly when the call succeeded (libc or the kernel read all
 * of it), else with the copy that cannot fault (the call may have been
 * refused after a look at its first bytes, or none); "unreadable" names it
 * when that copy fails. */
static void put_query(struct st_event *ev, const char *key, const char *s, bool ok)
{
	char buf[1024];

	if (!s)
		return;
	if (ok)
		st_rec_str(&ev->rec, key, s);
	else if (st_peek_str(buf, sizeof(buf), s))
		st_rec_str(&ev->rec, key, buf);
	else
		st_rec_str(&ev->rec, "unreadable", key);
}

ST_EXPORT pid_t fork(void)
{
	struct st_call c;
	struct st_event ev;
	pid_t ret;

	if (st_untraced())
		return ST_REAL_OR(fork, (), syscall(SYS_fork));
	st_call_begin(&c, "fork", -1);
	ret = st_real.fork();
	st_call_end(&c, ret < 0);
	/* Logged in the parent once it has a log (a shell that only forks
	 * leaves no file); the child's own log says whose child it is (the
	 * atfork handler has given it one of its own). */
	if (ret != 0 && st_sink_is_open()) {
		st_event_begin(&ev, &c, ret);
		if (ret > 0)
			st_rec_int(&ev.rec, "child", ret);
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

/* ---- privilege drops: the log is made while we may still make it ---- */

/*
 * A process that is about to change its identity (nginx's workers drop
 * from root to nobody right after the fork) gets its log now, while it
 * still has the rights of the user who runs the trace: afterwards it
 * could not create a file in a log folder only that user can write.  The
 * log's descriptor and the ring's mapping then serve it for the rest of
 * its life, whatever its identity (and the close wrappers keep the
 * descriptor from a program that closes every fd).  Opening a log for a
 * process with no socket activity yet costs one file; the calls are not
 * logged.
 */
static void before_drop(void)
{
	if (!st_untraced())
		(void)st_sink_gen();
}

ST_EXPORT int setuid(uid_t uid)
{
	before_drop();
	return ST_PASS(setuid, SYS_setuid, uid);
}

ST_EXPORT int setgid(gid_t gid)
{
	before_drop();
	return ST_PASS(setgid, SYS_setgid, gid);
}

ST_EXPORT int seteuid(uid_t uid)
{
	before_drop();
	return ST_REAL_OR(seteuid, (uid), syscall(SYS_setresuid, -1, uid, -1));
}

ST_EXPORT int setegid(gid_t gid)
{
	before_drop();
	return ST_REAL_OR(setegid, (gid), syscall(SYS_setresgid, -1, gid, -1));
}

ST_EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	before_drop();
	return ST_PASS(setreuid, SYS_setreuid, ruid, euid);
}

ST_EXPORT int setregid(gid_t rgid, gid_t egid)
{
	before_drop();
	return ST_PASS(setregid, SYS_setregid, rgid, egid);
}

ST_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	before_drop();
	return ST_PASS(setresuid, SYS_setresuid, ruid, euid, suid);
}

ST_EXPORT int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	before_drop();
	return ST_PASS(setresgid, SYS_setresgid, rgid, egid, sgid);
}

ST_EXPORT int setgroups(size_t n, const gid_t *list)
{
	before_drop();
	return ST_PASS(setgroups, SYS_setgroups, n, list);
}

ST_EXPORT int initgroups(const char *user, gid_t group)
{
	before_drop();
	if (st_real.initgroups)
		return st_real.initgroups(user, group);
	errno = ENOSYS;
	return -1;
}

ST_EXPORT int capset(cap_user_header_t hdr, const cap_user_data_t data)
{
	before_drop();
	return ST_PASS(capset, SYS_capset, hdr, data);
}

/* Capability drops through prctl(): the bounding set, the securebits
 * (SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP and their locks), keep-caps
 * across a setuid(), the ambient set.  None takes a right from this image
 * at once, but each decides what the next setuid() or exec leaves it: the
 * log is made first, as for capset().  The other options pass through. */
ST_EXPORT int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_CAPBSET_DROP || option == PR_SET_SECUREBITS ||
	    option == PR_SET_KEEPCAPS || option == PR_CAP_AMBIENT)
		before_drop();
	return ST_REAL_OR(prctl, (option, a[0], a[1], a[2], a[3]),
			  syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]));
}

/* ---- the descriptor limit: the log's descriptor kept out of its way ---- */

/* A program that raises its limit (servers do, at start) would find the
 * log's descriptor, placed over the old soft limit, inside its new range:
 * it moves over the new one (sink.c).  Only RLIMIT_NOFILE of this very
 * process, and only when the call succeeded. */
static int limit_set(int ret, pid_t pid, int res, const void *set)
{
	if (ret == 0 && set && res == RLIMIT_NOFILE && (pid == 0 || pid == st_pid) &&
	    !st_untraced()) {
		int saved = errno;

		st_sink_limit_set();
		errno = saved;
	}
	return ret;
}

ST_EXPORT int setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	return limit_set(ST_REAL_OR(setrlimit, (res, rl), syscall(SYS_setrlimit, res, rl)), 0,
			 (int)res, rl);
}

ST_EXPORT int setrlimit64(__rlimit_resource_t res, const struct rlimit64 *rl)
{
	return limit_set(ST_REAL_OR(setrlimit64, (res, rl), syscall(SYS_setrlimit, res, rl)), 0,
			 (int)res, rl);
}

ST_EXPORT int prlimit(pid_t pid, __rlimit_resource_t res, const struct rlimit *set,
		      struct rlimit *old)
{
	return limit_set(ST_REAL_OR(prlimit, (pid, res, set, old),
				    syscall(SYS_prlimit64, pid, res, set, old)),
			 pid, (int)res, set);
}

ST_EXPORT int prlimit64(pid_t pid, __rlimit_resource_t res, const struct rlimit64 *set,
			struct rlimit64 *old)
{
	return limit_set(ST_REAL_OR(prlimit64, (pid, res, set, old),
				    syscall(SYS_prlimit64, pid, res, set, old)),
			 pid, (int)res, set);
}

/* ---- _exit: no destructor runs, so the log is finished here ---- */

/* What the destructor does at exit(): copy the ring out and remove it.  A
 * forked child that ends with _exit() (the usual way) would otherwise
 * leave its ring behind; readers would still find every record in it.
 * Not logged: nothing would read a record written now. */
static __attribute__((noreturn)) void finish_and_exit(__typeof__(_exit) *real, int status)
{
	st_sink_close();
	if (real)
		real(status);
	syscall(SYS_exit_group, status);
	for (;;)
		;
}

ST_EXPORT void _exit(int status)
{
	finish_and_exit(st_real._exit, status);
}

ST_EXPORT void _Exit(int status)
{
	finish_and_exit(st_real._Exit, status);
}

/* ---- exec: keep the new image traced ---- */

#define ENV_MAX 4096	/* entries we rebuild; a larger environment passes as is */

/* Our variables for the next image, and the values they take. */
struct exec_env {
	char preload[PATH_MAX + 16];
	char dir[PATH_MAX + 16];
	char payload[48];
	char pid[48];
	char broker[sizeof(ST_BROKER_ENV) + 128];
	char clock[48];
	char run[80];
};

static void set_var(char *dst, size_t cap, const char *name, const char *val)
{
	size_t n = strlen(name), v = strlen(val);

	if (n + v + 2 > cap) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, name, n);
	dst[n] = '=';
	memcpy(dst + n + 1, val, v + 1);
}

/* LD_PRELOAD keeps whatever the program set and gains our library. */
static void make_preload(struct exec_env *e, char *const envp[])
{
	const char *cur = NULL;
	size_t i;

	for (i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			cur = envp[i] + 11;
	if (cur && strstr(cur, st_cfg.lib)) {
		set_var(e->preload, sizeof(e->preload), "LD_PRELOAD", cur);
	} else if (cur && *cur && strlen(cur) + strlen(st_cfg.lib) + 16 < sizeof(e->preload)) {
		set_var(e->preload, sizeof(e->preload), "LD_PRELOAD", st_cfg.lib);
		strcat(e->preload, ":");
		strcat(e->preload, cur);
	} else {
		set_var(e->preload, sizeof(e->preload), "LD_PRELOAD", st_cfg.lib);
	}
}

static bool is_ours(const char *var)
{
	return strncmp(var, "LD_PRELOAD=", 11) == 0 || strncmp(var, "SOCKTRACE_DIR=", 14) == 0 ||
	       strncmp(var, "SOCKTRACE_PAYLOAD=", 18) == 0 ||

	       strncmp(var, "SOCKTRACE_EXEC_PID=", 19) == 0 ||
	       strncmp(var, "SOCKTRACE_WARNED=", 17) == 0 ||
	       strncmp(var, "SOCKTRACE_TSC=", 14) == 0 ||
	       strncmp(var, "SOCKTRACE_CLOCK=", 16) == 0 ||
	       strncmp(var, "SOCKTRACE_RUN=", 14) == 0 ||
	       strncmp(var, ST_BROKER_ENV "=", sizeof(ST_BROKER_ENV)) == 0;
}

/*
 * Whether build_env() can rebuild the program's environment, and read it:
 * every pointer up to the NULL (at most cap - ENV_OURS of them), the first
 * ENV_PREFIX bytes of each string (or up to its NUL) and the whole of an
 * LD_PRELOAD entry.  An exec with an environment the kernel will refuse
 * (EFAULT) gets it unchanged, so it gets that answer and not a crash,
 * and so does one too large to rebuild on the stack.  Read with the copy
 * that cannot fault: exec is rare, and its arguments come from the
 * program.  environ itself is libc's, and trusted.
 */
#define ENV_OURS 8	/* the entries build_env() may add, and the NULL */
#define ENV_PREFIX 32	/* more than the longest name is_ours() compares */
#define ENV_CHUNK 64

static bool env_readable(char *const envp[], size_t cap)
{
	char *ptrs[ENV_CHUNK], pre[ENV_CHUNK][ENV_PREFIX], tmp[PATH_MAX + 16];
	struct iovec at[ENV_CHUNK];
	size_t i = 0, k, got, want;

	if (envp == NULL)
		return true;
	if (envp == environ) {
		for (i = 0; envp[i]; i++)
			if (i + ENV_OURS >= cap)
				return false;
		return true;
	}
	for (;;) {
		got = st_peek(ptrs, envp + i, sizeof(ptrs)) / sizeof(ptrs[0]);
		for (k = 0, want = 0; k < got && ptrs[k]; k++) {
			at[k] = (struct iovec){ ptrs[k], ENV_PREFIX };
			want += ENV_PREFIX;
		}
		/* Strings next to an unmapped page may be fine up to their
		 * NUL: those that fail in the batch are tried one by one. */
		if (st_peekv(pre, at, (unsigned)k) != want) {
			size_t j;

			for (j = 0; j < k; j++)
				if (!st_peek_str(pre[j], ENV_PREFIX, ptrs[j]))
					return false;
		}
		for (k = 0; k < got && ptrs[k]; k++)
			if (strncmp(ptrs[k], "LD_PRELOAD=", 11) == 0 &&
			    !st_peek_str(tmp, sizeof(tmp), ptrs[k]))
				return false;
		i += k;
		if (i + ENV_OURS >= cap)
			return false;
		if (k < got)
			return true;	/* the NULL */
		if (got < ENV_CHUNK)
			return false;	/* the array itself ends unreadable */
	}
}

/* Fills out with envp less our variables, plus our variables with the
 * values this process uses.  Built on the caller's stack: exec may be
 * called in a vfork child, where malloc is not safe. */
static char **build_env(struct exec_env *e, char *const envp[], char **out, size_t cap)
{
	char num[24];
	size_t i, n = 0;

	if (!st_cfg.lib[0] || !env_readable(envp, cap))
		return (char **)envp;
	make_preload(e, envp);
	set_var(e->dir, sizeof(e->dir), "SOCKTRACE_DIR", st_cfg.dir);
	if (st_cfg.payload < 0)
		set_var(e->payload, sizeof(e->payload), "SOCKTRACE_PAYLOAD", "all");
	else {
		num[st_fmt_int(num, st_cfg.payload)] = '\0';
		set_var(e->payload, sizeof(e->payload), "SOCKTRACE_PAYLOAD", num);
	}
	for (i = 0; envp && envp[i]; i++)
		if (!is_ours(envp[i]))
			out[n++] = envp[i];
	out[n++] = e->preload;
	out[n++] = e->dir;
	out[n++] = e->payload;
	/* The clock chosen at start-up (clock.c): the new image need not
	 * check the CPUs again. */
	st_clock_env(e->clock);
	out[n++] = e->clock;
	/* The run this image belongs to: one warning for all of it. */
	if (st_cfg.run[0]) {
		set_var(e->run, sizeof(e->run), "SOCKTRACE_RUN", st_cfg.run);
		out[n++] = e->run;
	}
	if (st_cfg.broker[0]) {
		set_var(e->broker, sizeof(e->broker), ST_BROKER_ENV, st_cfg.broker);
		out[n++] = e->broker;
	}
	/* The new image continues this pid's log only if there is one (and
	 * not from a vfork child, whose pid is not ours). */
	if (st_sink_is_open() && getpid() == st_pid) {
		num[st_fmt_int(num, st_pid)] = '\0';
		set_var(e->pid, sizeof(e->pid), "SOCKTRACE_EXEC_PID", num);
		out[n++] = e->pid;
	}
	/* One warning for a whole run: an image that could not log says so
	 * once, and the images it execs stay quiet. */
	if (st_warned())
		out[n++] = (char *)"SOCKTRACE_WARNED=1";
	out[n] = NULL;
	return out;
}

#define EXEC_ARGS 32	/* argv entries logged */
#define EXEC_ARG_MAX 256	/* bytes of each */

/* The execve record, written before the call since success never returns:
 * the path and argv as the program passed them, read with the copy that
 * cannot fault (the kernel has not looked at them yet); what cannot be
 * read is named by "unreadable". */
static void log_exec(const char *name, const char *path, char *const argv[], int64_t ret, int err)
{
	struct st_call c;
	struct st_event ev;
	char *args[EXEC_ARGS + 1], buf[512], strs[EXEC_ARGS][EXEC_ARG_MAX];
	struct iovec at[EXEC_ARGS];
	const char *unread = NULL;
	size_t i, n, k;
	bool batch;

	/* In a vfork child (another pid, our memory) the log is the parent's. */
	if (!st_sink_is_open() || getpid() != st_pid)
		return;
	st_call_begin(&c, name, -1);
	c.t1 = c.t0;
	c.err = err;
	st_event_begin(&ev, &c, ret);
	buf[0] = '\0';
	if (path && !st_peek_str(buf, sizeof(buf), path))
		unread = "path";
	st_rec_str(&ev.rec, "path", buf);
	st_rec_array_begin(&ev.rec, "argv");
	n = argv ? st_peek(args, argv, sizeof(args)) / sizeof(args[0]) : 0;
	if (argv && n == 0)
		unread = "argv";
	/* The strings in one copy, back to back; those near the end of a
	 * mapping fail it and are read one by one. */
	for (k = 0; k < n && k < EXEC_ARGS && args[k]; k++)
		at[k] = (struct iovec){ args[k], EXEC_ARG_MAX };
	batch = k && st_peekv(strs, at, (unsigned)k) == k * EXEC_ARG_MAX;
	for (i = 0; i < k; i++) {
		if (!batch && !st_peek_str(strs[i], EXEC_ARG_MAX, args[i])) {
			unread = "argv";
			break;
		}
		st_rec_array_str(&ev.rec, strs[i], strnlen(strs[i], EXEC_ARG_MAX));
	}
	st_rec_array_end(&ev.rec);
	if (unread)
		st_rec_str(&ev.rec, "unreadable", unread);
	st_event_emit(&ev);
}

extern char **environ;

/* The exec family: log, fix the environment, exec; log again if it failed.
 * Each public name logs as itself, since that is what the program called. */
static int do_exec(const char *name, const char *file, char *const argv[], char *const envp[],
		   bool search)
{
	struct exec_env e;
	char *env[ENV_MAX];
	char **fixed;
	bool paused;
	int ret, err;

	log_exec(name, file, argv, 0, 0);
	fixed = build_env(&e, envp, env, ENV_MAX);
	/* The old image's log is cut to its last record now: after a
	 * successful exec nothing of ours is left to do it. */
	paused = st_sink_pause();
	/* execvp searches PATH inside glibc, which then calls its own internal
	 * execve: the environment is fixed here, before that. */
	if (search)
		ret = st_real.execvpe(file, argv, fixed);
	else
		ret = st_real.execve(file, argv, fixed);
	err = errno;
	if (paused)
		st_sink_resume();
	log_exec(name, file, argv, ret, err);
	errno = err;
	return ret;
}

ST_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	if (st_untraced())
		return ST_PASS(execve, SYS_execve, path, argv, envp);
	return do_exec("execve", path, argv, envp, false);
}

ST_EXPORT int execv(const char *path, char *const argv[])
{
	if (st_untraced())
		return ST_PASS(execve, SYS_execve, path, argv, environ);
	return do_exec("execv", path, argv, environ, false);
}

ST_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (st_untraced() || !st_real.execvpe)
		return ST_REAL_OR(execvpe, (file, argv, envp), (errno = ENOSYS, -1));
	return do_exec("execvpe", file, argv, envp, true);
}

ST_EXPORT int execvp(const char *file, char *const argv[])
{
	if (st_untraced() || !st_real.execvpe)
		return ST_REAL_OR(execvp, (file, argv), (errno = ENOSYS, -1));
	return do_exec("execvp", file, argv, environ, true);
}

static int do_spawn(__typeof__(posix_spawn) *real, const char *name, pid_t *pid,
		    const char *path, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct exec_env e;
	char *env[ENV_MAX];
	struct st_call c;
	struct st_event ev;
	int ret;

	st_call_begin(&c, name, -1);
	ret = real(pid, path, fa, attr, argv, build_env(&e, envp, env, ENV_MAX));
	st_call_end(&c, false);
	if (st_sink_is_open()) {
		st_event_begin(&ev, &c, ret);
		if (path)
			put_query(&ev, "path", path, ret == 0);
		else
			st_rec_str(&ev.rec, "path", "");
		/* *pid is written only when the child was made. */
		if (ret == 0 && pid)
			st_rec_int(&ev.rec, "child", *pid);
		st_event_emit(&ev);
	}
	return st_result(&c, ret);
}

ST_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (st_untraced())
		return ST_REAL_OR(posix_spawn, (pid, path, fa, attr, argv, envp), ENOSYS);
	return do_spawn(st_real.posix_spawn, "posix_spawn", pid, path, fa, attr, argv, envp);
}

ST_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (st_untraced())
		return ST_REAL_OR(posix_spawnp, (pid, file, fa, attr, argv, envp), ENOSYS);
	return do_spawn(st_real.posix_spawnp, "posix_spawnp", pid, file, fa, attr, argv, envp);
}

/* ---- name resolution ---- */

#define MAX_ADDRS 16

ST_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res)
{
	struct st_call c;
	struct st_event ev;
	char ebuf[24], ab[ST_ADDR_MAX];
	const struct addrinfo *ai;
	int ret, n = 0;

	if (st_untraced())
		return ST_REAL_OR(getaddrinfo, (node, service, hints, res), EAI_SYSTEM);
	st_call_begin(&c, "getaddrinfo", -1);
	ret = st_real.getaddrinfo(node, service, hints, res);
	/* The record's errno is the EAI_ name: the function's own error space. */
	st_call_end(&c, false);
	st_event_begin(&ev, &c, ret);
	if (ret != 0)
		st_rec_str(&ev.rec, "errno", st_gai_name(ret, ebuf));
	put_query(&ev, "node", node, ret == 0);
	put_query(&ev, "service", service, ret == 0);
	if (ret == 0 && res) {
		st_rec_array_begin(&ev.rec, "addrs");
		for (ai = *res; ai && n < MAX_ADDRS; ai = ai->ai_next, n++) {
			size_t k = st_format_sockaddr(ab, sizeof(ab), ai->ai_addr, ai->ai_addrlen);

			st_rec_array_str(&ev.rec, ab, k);
		}
		st_rec_array_end(&ev.rec);
	}
	st_event_emit(&ev);
	return st_result(&c, ret);
}

static void log_hostent(const char *call, const struct st_call *c, const char *name,
			const struct hostent *h)
{
	struct st_event ev;
	char ab[INET6_ADDRSTRLEN];
	int i;

	st_event_begin(&ev, c, h ? 0 : -1);
	if (name)
		put_query(&ev, "node", name, h != NULL);
	else
		st_rec_str(&ev.rec, "node", "");
	if (h) {
		st_rec_array_begin(&ev.rec, "addrs");
		for (i = 0; h->h_addr_list[i] && i < MAX_ADDRS; i++)
			if (inet_ntop(h->h_addrtype, h->h_addr_list[i], ab, sizeof(ab)))
				st_rec_array_str(&ev.rec, ab, strlen(ab));
		st_rec_array_end(&ev.rec);
	}
	(void)call;
	st_event_emit(&ev);
}

ST_EXPORT struct hostent *gethostbyname(const char *name)
{
	struct st_call c;
	struct hostent *h;
	int err;

	if (st_untraced())
		return ST_REAL_OR(gethostbyname, (name), NULL);
	st_call_begin(&c, "gethostbyname", -1);
	h = st_real.gethostbyname(name);
	err = errno;
	st_call_end(&c, false);
	log_hostent("gethostbyname", &c, name, h);
	errno = err;
	return h;
}

ST_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	struct st_call c;
	struct hostent *h;
	int err;

	if (st_untraced())
		return ST_REAL_OR(gethostbyname2, (name, af), NULL);
	st_call_begin(&c, "gethostbyname2", -1);
	h = st_real.gethostbyname2(name, af);
	err = errno;
	st_call_end(&c, false);
	log_hostent("gethostbyname2", &c, name, h);
	errno = err;
	return h;
}
