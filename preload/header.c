/*
 * header.c: the header record: format version, pid, ppid, start time, the
 * executable and its argv (read from /proc/self, since a preloaded library
 * is not handed argv), how this image came to be (fork, exec), and the
 * host it runs on: host name, boot id, network namespace and cgroup, read
 * once at start-up (st_read_host) so that logs of several machines, or of
 * several namespaces of one machine, can be told apart and merged.
 */
#include "header.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "real.h"
#include "record.h"
#include "state.h"

void st_log_file_name(char *buf, pid_t pid, int n)
{
	size_t o = st_fmt_int(buf, pid);

	if (n > 0) {
		buf[o++] = '-';
		o += st_fmt_int(buf + o, n);
	}
	memcpy(buf + o, ".stlog", 7);
}

/* Reads a small /proc file into buf; returns its length (0 on failure). */
static size_t read_proc(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return 0;
	while (n < cap) {
		ssize_t r = st_real.read(fd, buf + n, cap - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	st_real.close(fd);
	return n;
}

/* Who the host is, from st_read_host(); empty strings when unknown. */
static struct {
	char name[256];
	char boot[40];
	char cgroup[256];
	size_t cgroup_len;
	long long netns;	/* inode of /proc/self/ns/net, 0 when unknown */
} host;

/* Cuts a buffer at its first newline (or at n); returns the new length. */
static size_t first_line(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl ? (size_t)(nl - s) : n;
}

void st_read_host(void)
{
	char buf[1024], *p;
	size_t n;
	ssize_t l;

	if (gethostname(host.name, sizeof(host.name) - 1) < 0)
		host.name[0] = '\0';
	host.name[sizeof(host.name) - 1] = '\0';
	n = read_proc("/proc/sys/kernel/random/boot_id", host.boot, sizeof(host.boot) - 1);
	host.boot[first_line(host.boot, n)] = '\0';
	/* "net:[4026531840]" */
	l = readlink("/proc/self/ns/net", buf, sizeof(buf) - 1);
	if (l > 0) {
		buf[l] = '\0';
		if ((p = strchr(buf, '[')) != NULL)
			host.netns = strtoll(p + 1, NULL, 10);
	}
	/* cgroup v2 has one line, "0::/path"; under v1 the first line will do. */
	n = read_proc("/proc/self/cgroup", buf, sizeof(buf));
	n = first_line(buf, n);
	host.cgroup_len = n < sizeof(host.cgroup) ? n : sizeof(host.cgroup);
	memcpy(host.cgroup, buf, host.cgroup_len);
}

long st_build_header(char *buf, size_t cap)
{
	struct st_rec r;
	char exe[PATH_MAX];
	char args[1536];
	ssize_t el;
	size_t al, i, start;
	int count = 0;

	el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (el < 0)
		el = 0;
	exe[el] = '\0';
	al = read_proc("/proc/self/cmdline", args, sizeof(args));

	st_rec_begin(&r, buf, cap);
	st_rec_int(&r, "socktrace", ST_FORMAT_VERSION);
	st_rec_str(&r, "type", "header");
	st_rec_int(&r, "pid", st_pid);
	st_rec_int(&r, "ppid", getppid());
	st_rec_int(&r, "t", st_realtime_ns());
	st_rec_str(&r, "clock", st_clock_name());
	/* Bounded so the header always fits its buffer (see open_log). */
	st_rec_bytes(&r, "exe", exe, el > 1024 ? 1024 : (size_t)el);
	st_rec_array_begin(&r, "argv");
	for (i = 0, start = 0; i < al && count < 64; i++) {
		if (args[i] == '\0') {
			st_rec_array_str(&r, args + start, i - start);
			start = i + 1;
			count++;
		}
	}
	st_rec_array_end(&r);
	st_rec_bool(&r, "execd", st_cfg.execd);
	if (st_cfg.fork_of)
		st_rec_int(&r, "fork_of", st_cfg.fork_of);
	st_rec_int(&r, "payload", st_cfg.payload);
	if (st_cfg.head > 0)
		st_rec_int(&r, "head", st_cfg.head);
	if (host.boot[0]) {
		st_rec_bytes(&r, "host", host.name, strlen(host.name));
		st_rec_str(&r, "boot_id", host.boot);
		st_rec_int(&r, "netns", host.netns);
		if (host.cgroup_len)
			st_rec_bytes(&r, "cgroup", host.cgroup, host.cgroup_len);
	}
	return st_rec_end(&r);
}
