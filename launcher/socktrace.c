/*
 * socktrace.c: the launcher.  Runs a command under libtrace.so, the way
 * `strace -f -o` runs one under ptrace: every process of the command writes
 * its log into one directory, a fresh one per run unless -o names one.
 * When the command ends, the launcher turns the library's binary logs into
 * JSON Lines (<pid>.jsonl) and tidies older JSON logs (a process killed by a
 * signal leaves zero padding), says on stderr where the trace is, draws the
 * timeline with sockview when stderr is a terminal, and exits with the
 * command's status.
 *
 * Before running, it looks at the program: a statically linked binary (no
 * dynamic loader, as Go programs often are) or a setuid one cannot be traced
 * through LD_PRELOAD, and the user is told so rather than handed an empty
 * trace.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "binary.h"
#include "binlog.h"
#include "logmaker.h"

#ifndef ST_LIBDIR
#define ST_LIBDIR "/usr/local/lib/socktrace"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: socktrace [-o DIR] [-s BYTES|all] [--sendfile-data] [--tls] [--no-view]\n"
		   "                 [--follow] [-q]\n"
		   "                 -- COMMAND [ARG...]\n"
		   "  -o, --output DIR   write the logs into DIR (default: a new socktrace.* directory)\n"
		   "  -s, --snap BYTES   payload bytes kept per call: a number, 0 or 'all' (default 64)\n"
		   "      --sendfile-data\n"
		   "                     keep a snippet of what sendfile sent too (read back from\n"
		   "                     the file: one more pread per call)\n"
		   "      --tls          log TLS plaintext too (OpenSSL's SSL_write, SSL_read, ...,\n"
		   "                     GnuTLS's gnutls_record_send, gnutls_record_recv): the log\n"
		   "                     then holds secrets in the clear\n"
		   "      --no-view      do not draw the timeline when the command ends\n"
		   "  -f, --follow       show the calls live while the command runs (sockview\n"
		   "                     --follow on stderr) instead of the timeline at its end\n"
		   "  -q, --quiet        say nothing on stderr unless something is wrong\n"
		   "  -h, --help         this text\n");
}

/* The directory of this executable, for finding libtrace.so and sockview. */
static bool self_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	if (n <= 0)
		return false;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

static bool find_beside(char *out, size_t cap, const char *name, const char *fallback_dir)
{
	char dir[PATH_MAX];
	const char *cands[3];
	char c0[PATH_MAX + 64], c1[PATH_MAX + 64], c2[PATH_MAX + 64];
	int i;

	c0[0] = c1[0] = '\0';
	if (self_dir(dir, sizeof(dir))) {
		snprintf(c0, sizeof(c0), "%s/%s", dir, name);
		snprintf(c1, sizeof(c1), "%s/../lib/socktrace/%s", dir, name);
	}
	snprintf(c2, sizeof(c2), "%s/%s", fallback_dir, name);
	cands[0] = c0;
	cands[1] = c1;
	cands[2] = c2;
	for (i = 0; i < 3; i++) {
		if (cands[i][0] && access(cands[i], R_OK) == 0 && realpath(cands[i], out)) {
			(void)cap;
			return true;
		}
	}
	return false;
}

/* The file a command name runs: itself when it has a slash, else the first
 * executable match in PATH. */
static bool resolve_command(const char *cmd, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (strchr(cmd, '/')) {
		snprintf(out, cap, "%s", cmd);
		return access(out, X_OK) == 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(out, cap, "%.*s/%s", (int)(end - p), p[0] == ':' || end == p ? "." : p, cmd);
		if (end == p)
			snprintf(out, cap, "./%s", cmd);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Tells the user, before the run, why a program will not be traced, or
 * not all of it. */
static void check_traceable(const char *cmd)
{
	char file[PATH_MAX], interp[PATH_MAX];
	struct stat sb;
	enum st_binary_kind k;

	if (!resolve_command(cmd, file, sizeof(file)))
		return;	/* exec will say what is wrong */
	k = st_inspect_binary(file, interp, sizeof(interp));
	if (k == ST_BIN_SCRIPT && st_inspect_binary(interp, file, sizeof(file)) == ST_BIN_STATIC)
		k = ST_BIN_STATIC;
	if (k == ST_BIN_STATIC)
		warnx("warning: %s is statically linked (no dynamic loader): LD_PRELOAD cannot "
		      "reach its calls, so the trace will not show them. Go programs built "
		      "with CGO_ENABLED=0 are like this; use strace -f for them.", cmd);
	if (k == ST_BIN_DYNAMIC && st_binary_needs(file, "liburing"))
		warnx("warning: %s uses liburing: socket I/O it submits through io_uring does "
		      "not pass through libc and will not be in the trace; "
		      "strace -f -e trace=io_uring_enter shows the submissions.", cmd);
	if (stat(file, &sb) == 0 && (sb.st_mode & (S_ISUID | S_ISGID)) &&
	    ((sb.st_mode & S_ISUID && sb.st_uid != geteuid()) ||
	     (sb.st_mode & S_ISGID && sb.st_gid != getegid())))
		warnx("warning: %s is set-user/group-ID: the loader ignores LD_PRELOAD for it, "
		      "so it will not be traced.", cmd);
}

static void make_run_dir(char *out, size_t cap)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	const char *base = ".";
	int i;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (access(".", W_OK) != 0) {
		base = getenv("TMPDIR");
		if (!base || !*base)
			base = "/tmp";
	}
	for (i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(out, cap, "%s/socktrace.%s", base, stamp);
		else
			snprintf(out, cap, "%s/socktrace.%s.%d", base, stamp, i);
		if (mkdir(out, 0700) == 0)
			return;
		if (errno != EEXIST)
			err(1, "cannot create %s", out);
	}
	errx(1, "cannot create a trace directory in %s", base);
}

/* Splits "<pid>.EXT" or "<pid>-<n>.EXT", EXT jsonl or stlog; false for any
 * other name. */
static bool parse_log_name(const char *name, long *pid, long *n)
{
	char *end;

	errno = 0;
	*pid = strtol(name, &end, 10);
	if (errno || end == name || *pid <= 0)
		return false;
	*n = 0;
	if (*end == '-') {
		const char *s = end + 1;

		*n = strtol(s, &end, 10);
		if (errno || end == s || *n <= 0)
			return false;
	}
	return strcmp(end, ".jsonl") == 0 || strcmp(end, ".stlog") == 0;
}

/* Whether some process may still write this log: its pid is alive (and no
 * zombie), and no later image of that pid (an exec) has a log of its own.
 * A log of another run sharing the directory may belong to a live server. */
static bool log_may_grow(int dirfd, const char *name)
{
	char path[64], stat[512];
	long pid, n;
	ssize_t len;
	char *paren;
	int fd;

	if (!parse_log_name(name, &pid, &n))
		return true;	/* not ours to judge: leave it */
	snprintf(path, sizeof(path), "%ld-%ld.jsonl", pid, n + 1);
	if (faccessat(dirfd, path, F_OK, 0) == 0)
		return false;	/* the image that wrote it has exec'd */
	snprintf(path, sizeof(path), "%ld-%ld.stlog", pid, n + 1);
	if (faccessat(dirfd, path, F_OK, 0) == 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (len <= 0)
		return false;
	stat[len] = '\0';
	paren = strrchr(stat, ')');
	return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

/* A killed process leaves zeros after its last record: cut them, so every
 * log is plain JSON Lines (only when nothing can write it any more).
 * Returns the number of records in the file. */
static long tidy_log(int dirfd, const char *name)
{
	char buf[65536];
	off_t size, end = 0, pos = 0;
	long lines = 0;
	int fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n, i;

	if (fd < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	while (pos < size && (n = pread(fd, buf, sizeof(buf), pos)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			if (buf[i] != '\0')
				end = pos + i + 1;
		}
		pos += n;
	}
	if (end < size && !log_may_grow(dirfd, name) && ftruncate(fd, end) != 0)
		warn("cannot trim %s", name);
	close(fd);
	return lines;
}

/* Writes all of buf to a new file name in dirfd; false (and no file) when
 * it cannot. */
static bool write_new(int dirfd, const char *name, const char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t o = 0;

	if (fd < 0)
		return false;
	while (o < len) {
		ssize_t w = write(fd, buf + o, len - o);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		o += (size_t)w;
	}
	if (close(fd) != 0 || o < len) {
		unlinkat(dirfd, name, 0);
		return false;
	}
	return true;
}

/* Reads len bytes of fd into a private anonymous mapping (so that it is
 * unmapped like a file's); MAP_FAILED (errno set) when it cannot. */
static void *read_mapped(int fd, size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	size_t got = 0;

	if (p == MAP_FAILED)
		return p;
	while (got < len) {
		ssize_t k = pread(fd, p + got, len - got, (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;	/* shorter now: the rest stays zero */
		got += (size_t)k;
	}
	return p;
}

/* Maps a whole regular file of dirfd read-only; NULL (errno set) when it
 * cannot, or it is empty (ENODATA).  A file with holes is read instead:
 * on a full tmpfs, touching a hole's page through a mapping is a SIGBUS
 * (the library leaves such a log when the disk fills). */
static unsigned char *map_file(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat sb;
	void *p = MAP_FAILED;
	int e;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) == 0) {
		errno = S_ISREG(sb.st_mode) ? ENODATA : EINVAL;
		if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
			*len = (size_t)sb.st_size;
			if ((uint64_t)sb.st_blocks * 512 >= (uint64_t)sb.st_size)
				p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
			else
				p = read_mapped(fd, *len);
		}
	}
	e = errno;
	close(fd);
	errno = e;
	return p == MAP_FAILED ? NULL : p;
}

/* The processes the summary named already (what the library told the log
 * maker): their logs' stop marks say the same, and are not said again. */
static int *g_named;
static size_t g_nnamed;
/* Logs left binary because their JSON Lines could not be written: said
 * once, after all of them. */
static long g_unconverted;
static int g_unconverted_err;

static bool said_already(char **lines, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(lines[i], what))
			return true;
	return false;
}

static bool named_before(const char *name)
{
	long pid = strtol(name, NULL, 10);
	size_t i;

	for (i = 0; i < g_nnamed; i++)
		if (g_named[i] == pid)
			return true;
	return false;
}

/* Decodes a binary log, its staging ring (rlen bytes, or ring NULL) laid
 * over it first; says on stderr what was skipped or dropped.  Returns 0,
 * or -1 when it is not a log or memory ran out. */
static int decode_log(const char *name, const unsigned char *log, size_t len,
		      const unsigned char *ring, size_t rlen, char **text, size_t *tlen)
{
	struct st_binlog_stats bs;
	struct st_ring_info info = { 0, 0 };
	unsigned char *joined = NULL;
	int r;

	if (ring) {
		r = st_binlog_join(log, len, ring, rlen, &joined, &len, &info);
		if (r < 0) {
			warn("%s", name);
			return -1;
		}
		if (r > 0)
			warnx("%s.ring: not a staging ring; read without it", name);
		log = joined;
	}
	r = st_binlog_decode(log, len, text, tlen, &bs);
	free(joined);
	if (r != 0) {
		warnx("%s: not a socktrace log", name);
		return -1;
	}
	if (bs.bad)
		warnx("%s: skipped %llu corrupt stretch%s (%llu bytes)", name,
		      (unsigned long long)bs.bad, bs.bad == 1 ? "" : "es",
		      (unsigned long long)bs.bad_bytes);
	if (info.dropped)
		warnx("%s: %llu record%s dropped by the library (its staging ring stayed full)",
		      name, (unsigned long long)info.dropped, info.dropped == 1 ? "" : "s");
	if (info.missing)
		warnx("%s: %llu bytes of the log missing from the file (not written: disk full?)",
		      name, (unsigned long long)info.missing);
	if (bs.stop != ST_STOP_NONE && !named_before(name))
		warnx("%s: the log of process %.*s ends early: tracing stopped, %s%s%s", name,
		      (int)strcspn(name, "-."), name, st_stop_text(bs.stop),
		      bs.stop_err ? ": " : "", bs.stop_err ? strerror(bs.stop_err) : "");
	return 0;
}

/*
 * A binary log (what the library writes, common/binlog.h) becomes
 * <pid>.jsonl, the JSON Lines of docs/log-format.md, once nothing can write
 * it any more; its staging ring <pid>.stlog.ring, if the process left one,
 * is laid over it and removed with it.  A log that may still grow (a server
 * of another run sharing the directory) is left as it is, and sockview
 * reads it as it is.  Returns the number of records in the file.
 */
static long convert_log(int dirfd, const char *name)
{
	char jname[NAME_MAX + 1], tmp[NAME_MAX + 8], rname[NAME_MAX + 8];
	unsigned char *raw, *ring;
	size_t len = 0, rlen = 0, tlen, i;
	char *text = NULL;
	bool had_ring;
	long lines = 0;
	int r;

	/* The ring before the log: what a live owner copies out of the ring
	 * meanwhile is in the log file by then. */
	snprintf(rname, sizeof(rname), "%s.ring", name);
	ring = map_file(dirfd, rname, &rlen);
	if (!ring && errno != ENOENT)
		warn("%s: read without it", rname);
	had_ring = ring != NULL;
	raw = map_file(dirfd, name, &len);
	r = raw ? decode_log(name, raw, len, ring, rlen, &text, &tlen) : -1;
	if (raw)
		munmap(raw, len);
	if (ring)
		munmap(ring, rlen);
	if (r < 0)
		return 0;
	for (i = 0; i < tlen; i++)
		lines += text[i] == '\n';
	if (!log_may_grow(dirfd, name)) {
		/* <pid>.stlog -> <pid>.jsonl, through a temporary name, never
		 * over an existing file. */
		snprintf(jname, sizeof(jname), "%.*s.jsonl", (int)(strlen(name) - 6), name);
		snprintf(tmp, sizeof(tmp), ".%s.part", jname);
		if (faccessat(dirfd, jname, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			warnx("%s exists: %s left as it is", jname, name);
		} else if (!write_new(dirfd, tmp, text, tlen)) {
			if (g_unconverted++ == 0)
				g_unconverted_err = errno;
		} else if (renameat(dirfd, tmp, dirfd, jname) != 0) {
			warn("cannot rename to %s", jname);
			unlinkat(dirfd, tmp, 0);
		} else {
			unlinkat(dirfd, name, 0);
			if (had_ring)
				unlinkat(dirfd, rname, 0);
		}
	}
	free(text);
	return lines;
}

static void tidy_logs(const char *dir, long *files, long *records)
{
	struct dirent **names;
	int n, i, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*files = *records = 0;
	if (dfd < 0)
		return;
	/* Two launchers sharing a directory (a server and its client, each
	 * run under socktrace) end at about the same time: one converts while
	 * the other waits, then finds the logs converted. */
	while (flock(dfd, LOCK_EX) != 0 && errno == EINTR)
		;
	/* The names first: converting adds and removes files. */
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t k = strlen(name);

		if (name[0] != '.' && k > 6 && strcmp(name + k - 6, ".jsonl") == 0) {
			(*files)++;
			*records += tidy_log(dfd, name);
		} else if (name[0] != '.' && k > 6 && strcmp(name + k - 6, ".stlog") == 0) {
			(*files)++;
			*records += convert_log(dfd, name);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	close(dfd);
}

static void set_preload(const char *lib)
{
	const char *cur = getenv("LD_PRELOAD");
	char *v;

	if (cur && *cur) {
		if (asprintf(&v, "%s:%s", lib, cur) < 0)
			err(1, "asprintf");
		setenv("LD_PRELOAD", v, 1);
		free(v);
	} else {
		setenv("LD_PRELOAD", lib, 1);
	}
}

/* Draws the timeline on stderr with sockview, found beside us. */
static void show_timeline(const char *dir)
{
	char view[PATH_MAX];
	pid_t pid;
	int status;

	if (!find_beside(view, sizeof(view), "sockview", ST_LIBDIR "/../../bin"))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(2, 1);
		execl(view, "sockview", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* Starts sockview --follow on the logs, drawing on our stderr, untraced;
 * its pid, or -1. */
static pid_t start_follow(const char *dir)
{
	char view[PATH_MAX];
	pid_t pid;

	if (!find_beside(view, sizeof(view), "sockview", ST_LIBDIR "/../../bin")) {
		warnx("warning: no sockview found beside socktrace: no live view");
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(2, 1);
		unsetenv("LD_PRELOAD");
		execl(view, "sockview", "--follow", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "snap", required_argument, NULL, 's' },
		{ "sendfile-data", no_argument, NULL, 'D' },
		{ "tls", no_argument, NULL, 'T' },
		{ "no-view", no_argument, NULL, 'V' },
		{ "follow", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char lib[PATH_MAX], dir[PATH_MAX];
	const char *outdir = NULL, *snap = NULL;
	bool view = true, quiet = false, sendfile_data = false, follow = false, tls = false;
	pid_t follower = -1;
	long files, records;
	pid_t child;
	int c, status, code;
	char **lines;
	size_t nlines, i;

	while ((c = getopt_long(argc, argv, "+o:s:fqh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 's': snap = optarg; break;
		case 'D': sendfile_data = true; break;
		case 'T': tls = true; break;
		case 'V': view = false; break;
		case 'f': follow = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (snap && strcmp(snap, "all") != 0) {
		char *end;
		long v;

		errno = 0;
		v = strtol(snap, &end, 10);
		if (errno || *end || end == snap || v < 0 || v > (1L << 30))
			errx(2, "-s takes a byte count from 0 to 1073741824, or 'all': %s", snap);
	}
	if (!find_beside(lib, sizeof(lib), "libtrace.so", ST_LIBDIR))
		errx(1, "cannot find libtrace.so beside %s or in %s", argv[0], ST_LIBDIR);
	if (outdir) {
		if (mkdir(outdir, 0700) != 0 && errno != EEXIST)
			err(1, "cannot create %s", outdir);
		if (!realpath(outdir, dir))
			err(1, "%s", outdir);
	} else {
		char made[PATH_MAX - 64];

		make_run_dir(made, sizeof(made));
		if (!realpath(made, dir))
			err(1, "%s", made);
	}
	check_traceable(argv[optind]);

	set_preload(lib);
	setenv("SOCKTRACE_DIR", dir, 1);
	if (snap)
		setenv("SOCKTRACE_PAYLOAD", snap, 1);
	if (sendfile_data)
		setenv("SOCKTRACE_SENDFILE_DATA", "1", 1);
	if (tls)
		setenv("SOCKTRACE_TLS", "1", 1);
	unsetenv("SOCKTRACE_EXEC_PID");
	/* Processes that drop their privileges cannot make their logs in a
	 * folder only we can write: we make them on their behalf. */
	if (st_logmaker_start(dir) != 0)
		warn("warning: cannot make logs for processes that drop privileges");

	if (follow)
		follower = start_follow(dir);
	child = fork();
	if (child < 0)
		err(1, "fork");
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		warn("cannot run %s", argv[optind]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* Like a shell waiting for its job: ^C goes to the command, and we stay
	 * to tidy the logs and report. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	unsetenv("LD_PRELOAD");
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	/* The live view reads the logs once more, then ends. */
	if (follower > 0) {
		kill(follower, SIGTERM);
		while (waitpid(follower, NULL, 0) < 0 && errno == EINTR)
			;
		view = false;
	}
	/* Every process the library could not trace, or stopped tracing, on
	 * our own stderr (the program's may be a file of its own). */
	lines = st_logmaker_stop(&nlines, &g_named, &g_nnamed);
	for (i = 0; i < nlines; i++)
		warnx("%s", lines[i]);
	tidy_logs(dir, &files, &records);
	free(g_named);
	/* Unless the summary said it already (a full disk): one line for
	 * one trouble. */
	if (g_unconverted && !said_already(lines, nlines, strerror(g_unconverted_err)))
		warnx("cannot write the JSON Lines of %ld log%s: %s; left binary (sockview reads "
		      "binary logs)", g_unconverted, g_unconverted == 1 ? "" : "s",
		      strerror(g_unconverted_err));
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	if (view && isatty(2))
		show_timeline(dir);
	if (!quiet)
		fprintf(stderr, "socktrace: trace in %s (%ld log%s, %ld records); view it with: sockview %s\n",
			dir, files, files == 1 ? "" : "s", records, dir);
	return code;
}
