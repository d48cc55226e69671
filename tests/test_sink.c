/*
 * test_sink.c: the log sink meets the faults of a real machine, and the
 * program must not notice (issue 14):
 *
 *   full disk   the log directory on a small tmpfs with 0, 8, 40, 100 KB
 *               free, and one with room for the ring that fills during the
 *               run: the program's stdout and exit status are those of its
 *               untraced run, its stderr gets one line, and the log (when
 *               there is one) ends with the stop mark saying why; under the
 *               launcher too, whose summary names the process
 *   names taken a file or a symlink at <pid>.stlog.ring: tracing goes on
 *               under the next name, the file or the symlink's target
 *               untouched
 *   fd limit    RLIMIT_NOFILE 32 and 1024 (soft = hard, soft < hard, set
 *               after the log is open, raised after it is open, without
 *               CAP_SYS_RESOURCE), bare and under the launcher: the same
 *               sockets before EMFILE, the same fd numbers, the same
 *               getrlimit() as untraced, and every call in the log (bare,
 *               without room over the limit: the calls before EMFILE, the
 *               stop mark, one line)
 *
 * The tmpfs mounts are made in a mount namespace of this test's own
 * (unshare at start), so none of them is seen outside it or outlives it.
 * As root (CI) that is CLONE_NEWNS; otherwise a user namespace mapping us
 * to root in it.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "procs.h"

#define N_MSGS "100000"

/* A tmpfs of 2 MiB at a fresh directory, with a logs/ directory and a
 * filler file leaving exactly free_kb KiB. */
struct disk {
	char mnt[64];
	char logs[96];
};

static void disk_make(struct disk *d, long free_kb)
{
	char filler[128];
	struct statvfs sv;
	int fd;

	snprintf(d->mnt, sizeof(d->mnt), "/tmp/st_sink_mnt.XXXXXX");
	assert_non_null(mkdtemp(d->mnt));
	if (mount("tmpfs", d->mnt, "tmpfs", 0, "size=2m,mode=0700") != 0)
		fail_msg("mount tmpfs on %s: %s", d->mnt, strerror(errno));
	snprintf(d->logs, sizeof(d->logs), "%s/logs", d->mnt);
	assert_int_equal(mkdir(d->logs, 0700), 0);
	snprintf(filler, sizeof(filler), "%s/filler", d->mnt);
	fd = open(filler, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(statvfs(d->mnt, &sv), 0);
	if ((long)(sv.f_bavail * sv.f_frsize / 1024) > free_kb)
		assert_int_equal(posix_fallocate(fd, 0, (off_t)(sv.f_bavail * sv.f_frsize -
								    (unsigned long)free_kb * 1024)), 0);
	close(fd);
	assert_int_equal(statvfs(d->mnt, &sv), 0);
	assert_int_equal((long)(sv.f_bavail * sv.f_frsize / 1024), free_kb);
}

static void disk_free(struct disk *d)
{
	if (!d->mnt[0])
		return;
	umount2(d->mnt, MNT_DETACH);
	rmdir(d->mnt);
	d->mnt[0] = '\0';
}

/* The run's stderr, whole. */
static char *run_stderr(const struct run *r)
{
	char path[160];
	size_t n;
	char *s;

	snprintf(path, sizeof(path), "%s/stderr", r->base);
	s = lt_read_file(path, &n);
	assert_non_null(s);
	s[n] = '\0';
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The one log file of a directory (a .stlog), decoded with its ring; NULL
 * when the directory holds no log. */
static char *only_log(const char *dir, char *name, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[256];
	char *buf = NULL;
	size_t len, zeros;
	int found = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!lt_is_log_name(e->d_name))
			continue;
		found++;
		snprintf(name, cap, "%s", e->d_name);
	}
	closedir(d);
	assert_true(found <= 1);
	if (!found)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = lt_read_file(path, &len);
	assert_non_null(buf);
	/* The disk was full: what the library had copied out must still be
	 * whole frames (no corrupt stretch). */
	assert_int_equal(lt_decode(path, &buf, &len, &zeros), 0);
	buf[len] = '\0';
	return buf;
}

/* The untraced runs, once each: small messages, and big ones. */
static struct run g_plain[2];

#define BIG_MSGS "40"
#define BIG_SIZE "100000"	/* over a quarter of the ring: written to the file directly */

static void plain_run(bool big)
{
	static const char *const argv[] = { "pairsend", N_MSGS, NULL };
	static const char *const bargv[] = { "pairsend", BIG_MSGS, BIG_SIZE, NULL };

	if (g_plain[big].out)
		return;
	run_prog(&g_plain[big], false, big ? bargv : argv, NULL, 60);
	assert_exit_ok(&g_plain[big]);
}

/* pairsend under the library (or the launcher) with its logs on a disk with
 * free_kb KiB free: what the program shows must be what it shows
 * untraced, and the log must say that it ends early; every frame in it
 * whole (only_log()).  big: 100 KB messages with whole payloads (-s all),
 * frames too big for the ring, which go to the file directly: a stop
 * must leave no hole nor torn frame among them. */
static void full_disk_run(long free_kb, bool launcher, bool big)
{
	const char *argv[] = { "pairsend", big ? BIG_MSGS : N_MSGS, big ? BIG_SIZE : NULL, NULL };
	char preload[256], dir[160], name[64] = "", sock[256], *err, *log;
	const char *env[4];
	struct disk d = { "", "" };
	struct run r;
	struct run *plain = &g_plain[big];

	plain_run(big);
	disk_make(&d, free_kb);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s/libtrace.so", ST_BUILD_DIR);
	snprintf(dir, sizeof(dir), "SOCKTRACE_DIR=%s", d.logs);
	env[0] = preload;
	env[1] = dir;
	env[2] = big ? "SOCKTRACE_PAYLOAD=all" : NULL;
	env[3] = NULL;
	if (launcher) {
		snprintf(sock, sizeof(sock), "%s/tests/progs/pairsend", ST_BUILD_DIR);
		{
			const char *largv[] = { "../../socktrace", "-o", d.logs, "--no-view", "-q",
						"--", sock, argv[1], argv[2], NULL };
			const char *bargv[] = { "../../socktrace", "-o", d.logs, "--no-view", "-q",
						"-s", "all", "--", sock, argv[1], argv[2], NULL };

			run_prog(&r, false, big ? bargv : largv, NULL, 60);
		}
	} else {
		run_prog(&r, false, argv, env, 60);
	}
	err = run_stderr(&r);
	assert_true(r.status != -1);
	assert_int_equal(r.status, plain->status);
	assert_string_equal(r.out, plain->out);
	log = only_log(d.logs, name, sizeof(name));
	if (!launcher) {
		/* One line, and it says why. */
		if (count_lines(err) != 1 || !strstr(err, "No space left on device"))
			fail_msg("%ld KB free: stderr is not one line about the full disk:\n%s",
				 free_kb, err);
	} else {
		/* The launcher names the process the library stopped tracing, on
		 * its own stderr, and says why, in one line: not again that its
		 * log ends early, nor that it could not be converted. */
		if (count_lines(err) != 1 || strncmp(err, "socktrace: pid ", 15) != 0 ||
		    !strstr(err, "No space left on device"))
			fail_msg("%ld KB free: not one line of the launcher naming the process:\n%s",
				 free_kb, err);
	}
	if (free_kb == 0) {
		/* No room even for the header: no log, rather than a broken one. */
		assert_null(log);
	} else {
		assert_non_null(log);
		if (!strstr(log, "{\"type\":\"stop\",") || !strstr(log, "\"why\":\"write\"") ||
		    !strstr(log, "\"errno\":\"ENOSPC\""))
			fail_msg("%ld KB free: no stop mark at the end of the log:\n%.2000s", free_kb,
				 log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
		if (!big && free_kb >= 40 && !strstr(log, "\"call\":\"send\""))
			fail_msg("%ld KB free: no send record in the log", free_kb);
	}
	free(log);
	free(err);
	run_free(&r);
	disk_free(&d);
}

static void full_disk(long free_kb, bool launcher)
{
	full_disk_run(free_kb, launcher, false);
}

static void test_disk_0kb(void **state)
{
	(void)state;
	full_disk(0, false);
}

static void test_disk_8kb(void **state)
{
	(void)state;
	full_disk(8, false);
}

static void test_disk_40kb(void **state)
{
	(void)state;
	full_disk(40, false);
}

static void test_disk_100kb(void **state)
{
	(void)state;
	full_disk(100, false);
}

/* Room for the ring file (its pages allocated up front), then the log
 * fills the rest while the program runs. */
static void test_disk_fills_during_run(void **state)
{
	(void)state;
	full_disk(1000, false);
}

static void test_disk_launcher(void **state)
{
	(void)state;
	full_disk(100, true);
	full_disk(1000, true);
	full_disk(0, true);
}

/* Whole payloads of 100 KB (each frame written to the file directly), with
 * no room for the ring file (100 KB free: the ring is in memory), and with
 * room for it (300, 1000 KB): the QA pass found a hole in such a log,
 * read as a corrupt stretch (a PAD frame the copying passed, then the
 * file cut to where the ring said it was copied, past its end). */
static void test_disk_big_frames(void **state)
{
	(void)state;
	full_disk_run(100, false, true);
	full_disk_run(300, false, true);
	full_disk_run(1000, false, true);
	full_disk_run(300, true, true);
}

/* A shell's way: "pairsend -k 4 N" forks and execs pairsend N four times,
 * one after the other, on a disk with 40 KB free.  Each image fails to
 * write its log; they share no memory (each exec makes its own), yet the
 * run says it once: bare, the first image marks the run in the log
 * directory; under the launcher, the launcher says it for all of them.
 * The QA pass saw 4 lines bare and 12 under the launcher. */
static void siblings(bool launcher)
{
	const char *argv[] = { "pairsend", "-k", "4", N_MSGS, NULL };
	char preload[256], dir[160], prog[256], *err;
	const char *env[3];
	struct disk d = { "", "" };
	struct run plain, r;

	run_prog(&plain, false, argv, NULL, 120);
	assert_exit_ok(&plain);
	disk_make(&d, 40);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s/libtrace.so", ST_BUILD_DIR);
	snprintf(dir, sizeof(dir), "SOCKTRACE_DIR=%s", d.logs);
	env[0] = preload;
	env[1] = dir;
	env[2] = NULL;
	if (launcher) {
		const char *largv[] = { "../../socktrace", "-o", d.logs, "--no-view", "-q", "--", prog,
					"-k", "4", N_MSGS, NULL };

		snprintf(prog, sizeof(prog), "%s/tests/progs/pairsend", ST_BUILD_DIR);
		run_prog(&r, false, largv, NULL, 120);
	} else {
		run_prog(&r, false, argv, env, 120);
	}
	assert_exit_ok(&r);
	assert_string_equal(r.out, plain.out);
	err = run_stderr(&r);
	if (count_lines(err) != 1 || !strstr(err, "No space left on device") ||
	    (launcher && strncmp(err, "socktrace: pids ", 16) != 0))
		fail_msg("%s: not one line for the run:\n%s", launcher ? "launcher" : "bare", err);
	free(err);
	run_free(&plain);
	run_free(&r);
	disk_free(&d);
}

/* The frames a plain run writes: pairsend's 1000 sends (no flags, quick,
 * small numbers) each as an SDATA frame, 16 bytes shorter than a DATA
 * frame; its 1000 receives (MSG_WAITALL) as DATA frames, which have room
 * for flags; the log's file holds them all after exit. */
static void test_sdata_frames(void **state)
{
	static const char *const argv[] = { "pairsend", "1000", NULL };
	char name[64] = "", path[256];
	size_t len, off, sdata = 0, data = 0;
	struct run r;
	DIR *d;
	struct dirent *e;
	char *buf;

	(void)state;
	run_prog(&r, true, argv, NULL, 60);
	assert_exit_ok(&r);
	d = opendir(r.logs);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (lt_is_log_name(e->d_name))
			snprintf(name, sizeof(name), "%s", e->d_name);
	closedir(d);
	assert_true(name[0] != '\0');
	snprintf(path, sizeof(path), "%s/%s", r.logs, name);
	buf = lt_read_file(path, &len);
	assert_non_null(buf);
	assert_true(st_binlog_is(buf, len));
	for (off = ST_BINLOG_MAGIC_LEN; off + sizeof(struct st_frame) <= len;) {
		struct st_frame f;

		memcpy(&f, buf + off, sizeof(f));
		assert_int_equal(f.mark, ST_FRAME_MARK);
		sdata += f.kind == ST_FRAME_SDATA;
		data += f.kind == ST_FRAME_DATA;
		off += st_frame_size(f.len);
	}
	assert_int_equal(off, len);
	assert_int_equal(sdata, 1000);
	assert_int_equal(data, 1000);
	free(buf);
	run_free(&r);
}

static void test_disk_siblings(void **state)
{
	(void)state;
	siblings(false);
	siblings(true);
}

/* Something at <pid>.stlog.ring before the process starts: a symlink to a
 * file (the victim), a dangling symlink, a plain file.  The pid is known
 * only once the program runs, so the program is started stopped (it
 * waits for a line on stdin), the names are made, then it goes on. */
static void ring_name_taken(int how)
{
	static const char *const names[] = { "symlink to a file", "dangling symlink", "file" };
	char base[64], logs[96], victim[128], ring[160], stlog[160], other[160], errp[160];
	char preload[256], dir[160], prog[256], buf[256];
	int in[2], out[2], e;
	struct stat sb;
	pid_t pid;
	int status;
	ssize_t n;

	snprintf(base, sizeof(base), "/tmp/st_sink_ring.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(logs, sizeof(logs), "%s/logs", base);
	assert_int_equal(mkdir(logs, 0700), 0);
	snprintf(victim, sizeof(victim), "%s/victim", base);
	e = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(e >= 0);
	assert_int_equal(write(e, "precious\n", 9), 9);
	close(e);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s/libtrace.so", ST_BUILD_DIR);
	snprintf(dir, sizeof(dir), "SOCKTRACE_DIR=%s", logs);
	snprintf(prog, sizeof(prog), "%s/tests/progs/pairsend", ST_BUILD_DIR);
	snprintf(errp, sizeof(errp), "%s/stderr", base);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *envp[] = { preload, dir, NULL };
		char *argv[] = { (char *)"sh", (char *)"-c",
				 (char *)"read go; exec \"$0\" 1000", prog, NULL };

		dup2(in[0], 0);
		dup2(out[1], 1);
		e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(e, 2);
		close(in[1]);
		close(out[0]);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* sh execs pairsend with the same pid: its log is <pid>.stlog. */
	snprintf(ring, sizeof(ring), "%s/%d.stlog.ring", logs, (int)pid);
	snprintf(stlog, sizeof(stlog), "%s/%d.stlog", logs, (int)pid);
	snprintf(other, sizeof(other), "%s/%d-1.stlog", logs, (int)pid);
	if (how == 0)
		assert_int_equal(symlink(victim, ring), 0);
	else if (how == 1)
		assert_int_equal(symlink("/nonexistent/st_sink_target", ring), 0);
	else
		assert_int_equal(close(open(ring, O_WRONLY | O_CREAT | O_EXCL, 0600)), 0);
	assert_int_equal(write(in[1], "go\n", 3), 3);
	close(in[1]);
	n = read(out[0], buf, sizeof(buf) - 1);
	close(out[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(buf, "@ done n=1000 bytes=100000\n");
	/* Traced under the next name, quietly. */
	assert_int_equal(stat(errp, &sb), 0);
	if (sb.st_size != 0)
		fail_msg("%s at the ring's name: the library said something", names[how]);
	if (access(stlog, F_OK) == 0)
		fail_msg("%s at the ring's name: the log took the name beside it", names[how]);
	if (access(other, F_OK) != 0)
		fail_msg("%s at the ring's name: no log %s", names[how], other);
	{
		char *text;
		size_t len, zeros;

		text = lt_read_file(other, &len);
		assert_non_null(text);
		assert_int_equal(lt_decode(other, &text, &len, &zeros), 0);
		text[len] = '\0';
		assert_non_null(strstr(text, "\"call\":\"recv\""));
		free(text);
	}
	/* The victim and the thing at the name, untouched. */
	assert_int_equal(lstat(ring, &sb), 0);
	assert_true(how == 2 ? S_ISREG(sb.st_mode) && sb.st_size == 0 : S_ISLNK(sb.st_mode));
	assert_int_equal(stat(victim, &sb), 0);
	assert_int_equal(sb.st_size, 9);
	rm_tree(base);
}

static void test_ring_name_symlink(void **state)
{
	(void)state;
	ring_name_taken(0);
}

static void test_ring_name_dangling(void **state)
{
	(void)state;
	ring_name_taken(1);
}

static void test_ring_name_file(void **state)
{
	(void)state;
	ring_name_taken(2);
}

static size_t count_str(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* Whether this process has CAP_SYS_RESOURCE (raising a hard limit takes
 * it; a container may withhold it even from root). */
static bool have_sys_resource(void)
{
	char *st, *cap;
	size_t n;
	bool yes = false;

	st = lt_read_file("/proc/self/status", &n);
	assert_non_null(st);
	st[n] = '\0';
	cap = strstr(st, "CapEff:");
	if (cap)
		yes = (strtoull(cap + 7, NULL, 16) >> 24) & 1;	/* CAP_SYS_RESOURCE */
	free(st);
	return yes;
}

static bool is_opt(const char *a, const char *b, const char *what)
{
	return (a && strcmp(a, what) == 0) || (b && strcmp(b, what) == 0);
}

/* fdlimit with these arguments, untraced then traced (bare, or under the
 * launcher): the same output (count, fd numbers, limits), and a log of
 * every call.  When the log's descriptor had to go under the limit (soft
 * = hard, no CAP_SYS_RESOURCE to raise it, docs/design.md), the program
 * still gets every descriptor: at EMFILE the library gives it the log's.
 * Under the launcher, which then copies the log's ring out, tracing goes
 * on; bare, it stops there, with the stop mark and one line saying what
 * to do. */
static void fd_limit_run(const char *soft, const char *hard, const char *opt1, const char *opt2,
			 bool launcher)
{
	const char *argv[] = { "fdlimit", soft, hard, opt1, opt2, NULL };
	bool late = is_opt(opt1, opt2, "late") || is_opt(opt1, opt2, "raise");
	size_t rounds = is_opt(opt1, opt2, "many") ? 5000 : 3;
	bool room = is_opt(opt1, opt2, "late") || strcmp(soft, hard) != 0 ||
		    (have_sys_resource() && !is_opt(opt1, opt2, "nocap"));
	struct run plain, traced;
	char name[64], *log, *err, dir[64] = "", prog[256];
	long n, n0;

	run_prog(&plain, false, argv, NULL, 60);
	assert_exit_ok(&plain);
	if (launcher) {
		const char *largv[] = { "../../socktrace", "-o", dir, "--no-view", "-q", "--", prog,
					soft, hard, opt1, opt2, NULL };

		snprintf(dir, sizeof(dir), "/tmp/st_sink_fdl.XXXXXX");
		assert_non_null(mkdtemp(dir));
		snprintf(prog, sizeof(prog), "%s/tests/progs/fdlimit", ST_BUILD_DIR);
		run_prog(&traced, false, largv, NULL, 60);
	} else {
		run_prog(&traced, true, argv, NULL, 60);
	}
	assert_exit_ok(&traced);
	err = run_stderr(&traced);
	n = out_num(traced.out, "@ count", "n");
	n0 = out_num(plain.out, "@ count", "n");
	assert_true(n > 0);
	assert_int_equal(n, n0);
	assert_string_equal(traced.out, plain.out);
	log = only_log(launcher ? dir : traced.logs, name, sizeof(name));
	assert_non_null(log);
	if (room || launcher) {
		/* Every socket call, the one that failed with EMFILE too, and
		 * the socketpair's rounds after it. */
		assert_string_equal(err, "");
		assert_int_equal(count_str(log, "\"call\":\"socket\""), (size_t)n + 1 + late);
		assert_int_equal(count_str(log, "\"errno\":\"EMFILE\""), 1);
		assert_int_equal(count_str(log, "\"call\":\"recv\""), rounds);
		assert_null(strstr(log, "\"type\":\"stop\""));
	} else {
		/* One line that says what to do; the log has the sockets
		 * made before the last one, then the stop mark. */
		if (count_lines(err) != 1 || !strstr(err, "descriptor limit") ||
		    !strstr(err, "socktrace -o DIR -- COMMAND"))
			fail_msg("%s/%s: stderr is not one line about the limit:\n%s", soft, hard, err);
		assert_int_equal(count_str(log, "\"call\":\"socket\""), (size_t)n - 1 + late);
		assert_non_null(strstr(log, "{\"type\":\"stop\",\"pid\":"));
		assert_non_null(strstr(log, "\"why\":\"fdlimit\",\"errno\":\"EMFILE\"}"));
		assert_int_equal(count_str(log, "\"call\":\"recv\""), 0);
	}
	free(err);
	free(log);
	if (launcher)
		rm_tree(dir);
	run_free(&plain);
	run_free(&traced);
}

static void fd_limit(const char *soft, const char *hard, const char *opt1, const char *opt2)
{
	fd_limit_run(soft, hard, opt1, opt2, false);
	fd_limit_run(soft, hard, opt1, opt2, true);
}

static void test_fd_limit_32(void **state)
{
	(void)state;
	fd_limit("32", "32", NULL, NULL);
}

static void test_fd_limit_1024(void **state)
{
	(void)state;
	fd_limit("1024", "1024", NULL, NULL);
}

static void test_fd_limit_soft_under_hard(void **state)
{
	(void)state;
	fd_limit("32", "1024", NULL, NULL);
}

/* The log is open (its descriptor under the old, higher limit) when the
 * program lowers the limit under it. */
static void test_fd_limit_lowered_later(void **state)
{
	(void)state;
	fd_limit("32", "32", "late", NULL);
	fd_limit("1024", "1024", "late", NULL);
}

/* No CAP_SYS_RESOURCE, soft = hard: no number over the limit can be had,
 * so the library takes the highest under it, and gives it up at EMFILE.
 * This runs for real here, whatever the capabilities of the machine. */
static void test_fd_limit_no_room_over_it(void **state)
{
	(void)state;
	fd_limit("32", "32", "nocap", NULL);
	fd_limit("32", "32", "late", "nocap");
	fd_limit("1024", "1024", "nocap", NULL);
	/* After the launcher took the log over, the ring goes round four
	 * times: every record still reaches the log (the process waits for
	 * the launcher's copying when the ring is full). */
	fd_limit_run("32", "32", "nocap", "many", true);
}

/* The log is open (its descriptor over a soft limit of 16) when the
 * program raises the limit: the descriptor moves over the new one (with
 * room under the hard limit: no stop, no line), or to its top. */
static void test_fd_limit_raised_later(void **state)
{
	(void)state;
	fd_limit("64", "1024", "raise", NULL);
	fd_limit("64", "64", "raise", "nocap");
}

/* Copies the file src to dst, then makes dst hole bytes longer (a hole:
 * no page of the disk behind it). */
static void copy_with_hole(const char *src, const char *dst, off_t hole)
{
	size_t n;
	char *buf = lt_read_file(src, &n);
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(ftruncate(fd, (off_t)n + hole), 0);
	close(fd);
	free(buf);
}

/* Logs with holes (a stop mark written past what a full disk refused) on a
 * tmpfs that is full: touching a hole's page through a mapping is a SIGBUS
 * there (tmpfs must allocate it), so the readers must read such a log,
 * not map it.  sockview shows the connection; the launcher, converting a
 * log of its run that it finds so, keeps the command's exit status. */
static void test_sparse_log_full_disk(void **state)
{
	char src[512], dst[512], filler[128], cmd[1024], out[4096] = "", stlog[256];
	char bin[] = "/tmp/st_sink_bin.XXXXXX";
	struct disk d = { "", "" };
	struct dirent *e;
	DIR *dir;
	struct statvfs sv;
	const char *names[] = { "100.jsonl", "101.jsonl" };
	FILE *p;
	size_t i, n;
	int fd, st;

	(void)state;
	/* A binary log of a short run, for the launcher to convert. */
	assert_non_null(mkdtemp(bin));
	snprintf(cmd, sizeof(cmd), "SOCKTRACE_DIR=%s LD_PRELOAD=%s/libtrace.so "
		 "%s/tests/progs/pairsend 10 >/dev/null", bin, ST_BUILD_DIR, ST_BUILD_DIR);
	assert_int_equal(system(cmd), 0);
	assert_non_null(dir = opendir(bin));
	while ((e = readdir(dir)) && !strstr(e->d_name, ".stlog"))
		;
	assert_non_null(e);
	snprintf(src, sizeof(src), "%s/%s", bin, e->d_name);
	snprintf(stlog, sizeof(stlog), "%s", e->d_name);
	closedir(dir);

	disk_make(&d, 256);
	for (i = 0; i < 2; i++) {
		snprintf(dst, sizeof(dst), "%s/%s", d.logs, names[i]);
		snprintf(cmd, sizeof(cmd), "%s/tests/data/echo/%s", ST_SRC_DIR, names[i]);
		copy_with_hole(cmd, dst, 1 << 20);
	}
	snprintf(dst, sizeof(dst), "%s/%s", d.logs, stlog);
	copy_with_hole(src, dst, 1 << 20);
	rm_tree(bin);
	/* Now fill the disk. */
	snprintf(filler, sizeof(filler), "%s/filler2", d.mnt);
	fd = open(filler, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(statvfs(d.mnt, &sv), 0);
	assert_int_equal(posix_fallocate(fd, 0, (off_t)(sv.f_bavail * sv.f_frsize)), 0);
	close(fd);
	assert_int_equal(statvfs(d.mnt, &sv), 0);
	assert_int_equal(sv.f_bavail, 0);

	snprintf(cmd, sizeof(cmd), "%s/sockview --conns %s 2>/dev/null", ST_BUILD_DIR, d.logs);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    !strstr(out, "echo-server") || !strstr(out, "127.0.0.1:8080") || !strstr(out, "pairsend"))
		fail_msg("sockview on logs with holes, disk full: status 0x%x, output:\n%s", st,
			 out);
	snprintf(cmd, sizeof(cmd), "%s/socktrace -o %s --no-view -q -- /bin/true 2>/dev/null",
		 ST_BUILD_DIR, d.logs);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the launcher, converting a log with holes, disk full: status 0x%x", st);
	disk_free(&d);
}

/* A mount namespace of our own, so the tmpfs mounts stay in this test. */
static void private_mounts(void)
{
	if (unshare(CLONE_NEWNS) != 0) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		char map[64];
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
			fprintf(stderr, "test_sink: cannot make a mount namespace: %s\n",
				strerror(errno));
			exit(1);
		}
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %d 1", (int)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			exit(1);
		close(fd);
		snprintf(map, sizeof(map), "0 %d 1", (int)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			exit(1);
		close(fd);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "test_sink: cannot make mounts private: %s\n", strerror(errno));
		exit(1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_0kb),
		cmocka_unit_test(test_disk_8kb),
		cmocka_unit_test(test_disk_40kb),
		cmocka_unit_test(test_disk_100kb),
		cmocka_unit_test(test_disk_fills_during_run),
		cmocka_unit_test(test_disk_launcher),
		cmocka_unit_test(test_disk_big_frames),
		cmocka_unit_test(test_disk_siblings),
		cmocka_unit_test(test_sparse_log_full_disk),
		cmocka_unit_test(test_ring_name_symlink),
		cmocka_unit_test(test_ring_name_dangling),
		cmocka_unit_test(test_ring_name_file),
		cmocka_unit_test(test_fd_limit_32),
		cmocka_unit_test(test_fd_limit_1024),
		cmocka_unit_test(test_fd_limit_soft_under_hard),
		cmocka_unit_test(test_fd_limit_lowered_later),
		cmocka_unit_test(test_fd_limit_no_room_over_it),
		cmocka_unit_test(test_fd_limit_raised_later),
		cmocka_unit_test(test_sdata_frames),
	};
	int r;

	private_mounts();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	run_free(&g_plain[0]);
	run_free(&g_plain[1]);
	return r;
}
