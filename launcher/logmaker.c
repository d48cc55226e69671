/*
 * logmaker.c: see logmaker.h and common/broker.h.  One thread accepts one
 * request per connection on an abstract unix socket with a random name;
 * requests are rare (one per process at most), so they are served one at
 * a time.  A file is made only under a name the library gives its logs
 * (st_broker_name_ok), only when that name, its ring's and its JSON name
 * are all free, with O_EXCL|O_NOFOLLOW and mode 0600, so a request can
 * neither name another file nor replace one.
 */
#include "logmaker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker.h"
#include "ringcopy.h"

static struct {
	int lfd;		/* the listening socket */
	int stop[2];		/* a byte on it ends the thread */
	int dirfd;
	pthread_t th;
	pthread_mutex_t mu;
	struct said {
		int pid;
		char *text;
	} *said;
	size_t n, cap;
} lm = { -1, { -1, -1 }, -1, 0, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

static void keep_line(int pid, const char *text)
{
	struct said *ns;
	char *s = strdup(text);

	if (!s)
		return;
	pthread_mutex_lock(&lm.mu);
	if (lm.n == lm.cap) {
		lm.cap = lm.cap ? lm.cap * 2 : 16;
		ns = realloc(lm.said, lm.cap * sizeof(*ns));
		if (!ns) {
			pthread_mutex_unlock(&lm.mu);
			free(s);
			return;
		}
		lm.said = ns;
	}
	lm.said[lm.n++] = (struct said){ pid, s };
	pthread_mutex_unlock(&lm.mu);
}

/* text with each log file name in it (<pid>.stlog, <pid>-<n>.stlog, after
 * a slash or a space) made "<pid>.stlog": what processes with the same
 * trouble share; malloc'd, or NULL. */
static char *same_for_all(const char *text)
{
	size_t n = strlen(text), o = 0, i = 0;
	char *k = malloc(n * 2 + 1);

	if (!k)
		return NULL;
	while (i < n) {
		size_t j = i;

		while (j < n && ((text[j] >= '0' && text[j] <= '9') || text[j] == '-'))
			j++;
		if (j > i && text[i] != '-' && (i == 0 || text[i - 1] == '/' || text[i - 1] == ' ') &&
		    strncmp(text + j, ".stlog", 6) == 0) {
			memcpy(k + o, "<pid>", 5);
			o += 5;
			i = j;
			continue;
		}
		k[o++] = text[i++];
	}
	k[o] = '\0';
	return k;
}

/* The lines for the summary: one per trouble, naming every process that
 * had it ("pid P: TEXT", or "pids P, Q, ...: TEXT" with <pid> for the
 * names); *pids gets every pid named. */
static char **summary(size_t *nout, int **pids, size_t *npids)
{
	char **out = calloc(lm.n ? lm.n : 1, sizeof(*out)), **keys = calloc(lm.n ? lm.n : 1, sizeof(*keys));
	size_t i, j, k;

	*nout = 0;
	*npids = 0;
	*pids = malloc((lm.n ? lm.n : 1) * sizeof(**pids));
	if (!out || !keys || !*pids) {
		free(out);
		free(keys);
		free(*pids);
		*pids = NULL;
		return NULL;
	}
	for (i = 0; i < lm.n; i++) {
		keys[i] = same_for_all(lm.said[i].text);
		(*pids)[(*npids)++] = lm.said[i].pid;
	}
	for (i = 0; i < lm.n; i++) {
		char *line = NULL, list[256];
		size_t shown = 0, more = 0, o;

		if (!keys[i])
			continue;
		for (j = 0; j < i && (!keys[j] || strcmp(keys[j], keys[i]) != 0); j++)
			;
		if (j < i)
			continue;	/* said with an earlier one */
		o = (size_t)snprintf(list, sizeof(list), "%d", lm.said[i].pid);
		for (k = i + 1; k < lm.n; k++) {
			if (!keys[k] || strcmp(keys[k], keys[i]) != 0)
				continue;
			if (shown < 8 && o < sizeof(list) - 16) {
				o += (size_t)snprintf(list + o, sizeof(list) - o, ", %d", lm.said[k].pid);
				shown++;
			} else {
				more++;
			}
		}
		if (shown == 0) {
			if (asprintf(&line, "pid %s: %s", list, lm.said[i].text) < 0)
				line = NULL;
		} else if (more) {
			if (asprintf(&line, "pids %s and %zu more: %s", list, more, keys[i]) < 0)
				line = NULL;
		} else if (asprintf(&line, "pids %s: %s", list, keys[i]) < 0) {
			line = NULL;
		}
		if (line)
			out[(*nout)++] = line;
	}
	for (i = 0; i < lm.n; i++)
		free(keys[i]);
	free(keys);
	return out;
}

static bool taken(const char *name)
{
	struct stat sb;

	return fstatat(lm.dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Makes name and name.ring; 0 with both descriptors, or an errno. */
static int make_pair(const char *name, int fds[2])
{
	char ring[64], json[64];
	size_t n = strlen(name);
	int e;

	if (!st_broker_name_ok(name))
		return EINVAL;
	snprintf(ring, sizeof(ring), "%s.ring", name);
	snprintf(json, sizeof(json), "%.*s.jsonl", (int)(n - 6), name);
	if (taken(json) || taken(ring))
		return EEXIST;
	fds[0] = openat(lm.dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fds[0] < 0)
		return errno;
	fds[1] = openat(lm.dirfd, ring, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fds[1] < 0) {
		e = errno;
		close(fds[0]);
		unlinkat(lm.dirfd, name, 0);
		return e;
	}
	return 0;
}

static void answer(int c, int err, const int fds[2])
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct st_broker_rep rep = { err };
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (err == 0) {
		struct cmsghdr *h;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(h), fds, 2 * sizeof(int));
	}
	(void)sendmsg(c, &mh, MSG_NOSIGNAL);
}

/* 'A': the asking process's own log, taken over (ringcopy.c). */
static void adopt(int c, const char *name)
{
	struct st_broker_rep rep = { EPERM };
	struct ucred cr;
	socklen_t cl = sizeof(cr);

	if (st_broker_name_ok(name) && getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0)
		rep.err = st_ringcopy_adopt(lm.dirfd, name, cr.pid);
	(void)send(c, &rep, sizeof(rep), MSG_NOSIGNAL);
}

static void serve(int c)
{
	struct st_broker_req rq;
	int fds[2] = { -1, -1 }, err;

	if (recv(c, &rq, sizeof(rq), 0) != (ssize_t)sizeof(rq))
		return;
	rq.text[sizeof(rq.text) - 1] = '\0';
	if (rq.op == 'F') {
		keep_line(rq.pid, rq.text);
	} else if (rq.op == 'A') {
		adopt(c, rq.text);
	} else if (rq.op == 'C') {
		err = make_pair(rq.text, fds);
		answer(c, err, fds);
		if (err == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
}

static void *run(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { lm.lfd, POLLIN, 0 }, { lm.stop[0], POLLIN, 0 } };
		int c;

		/* While some ring is ours to copy out, every millisecond. */
		if (poll(p, 2, st_ringcopy_run() ? 1 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		c = accept4(lm.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve(c);
		close(c);
	}
	return NULL;
}

int st_logmaker_start(const char *dir)
{
	unsigned char rnd[16];
	char name[ST_BROKER_NAME_MAX];
	struct sockaddr_un sa;
	size_t i, n;
	int e;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	n = (size_t)snprintf(name, sizeof(name), "socktrace-%d-", (int)getpid());
	for (i = 0; i < sizeof(rnd); i++)
		n += (size_t)snprintf(name + n, sizeof(name) - n, "%02x", rnd[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name, n);
	lm.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	lm.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lm.dirfd < 0 || lm.lfd < 0 || pipe2(lm.stop, O_CLOEXEC) != 0 ||
	    bind(lm.lfd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0 ||
	    listen(lm.lfd, 64) != 0)
		goto fail;
	e = pthread_create(&lm.th, NULL, run, NULL);
	if (e != 0) {
		errno = e;
		goto fail;
	}
	st_ringcopy_say = keep_line;
	setenv(ST_BROKER_ENV, name, 1);
	return 0;
fail:
	e = errno;
	if (lm.lfd >= 0)
		close(lm.lfd);
	if (lm.dirfd >= 0)
		close(lm.dirfd);
	lm.lfd = lm.dirfd = -1;
	errno = e;
	return -1;
}

char **st_logmaker_stop(size_t *n, int **pids, size_t *npids)
{
	char **lines;
	size_t i;

	*n = 0;
	*pids = NULL;
	*npids = 0;
	if (lm.lfd < 0)
		return NULL;
	(void)!write(lm.stop[1], "", 1);
	pthread_join(lm.th, NULL);
	st_ringcopy_end();
	close(lm.lfd);
	close(lm.dirfd);
	close(lm.stop[0]);
	close(lm.stop[1]);
	lm.lfd = -1;
	unsetenv(ST_BROKER_ENV);
	lines = summary(n, pids, npids);
	for (i = 0; i < lm.n; i++)
		free(lm.said[i].text);
	free(lm.said);
	lm.said = NULL;
	lm.n = lm.cap = 0;
	return lines;
}
