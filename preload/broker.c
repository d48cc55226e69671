/*
 * broker.c: the library's side of common/broker.h: a log file made by the
 * launcher when this process may not make one, and a word to the launcher
 * when tracing is off.  Rare paths (at most once per process), so each
 * request opens its own connection; every call goes to the real function,
 * never through our wrappers.
 */
#include "broker.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "real.h"
#include "sink.h"
#include "state.h"

/* A connection to the launcher's socket, or -1. */
static int dial(void)
{
	struct sockaddr_un sa;
	size_t n = strlen(st_cfg.broker);
	int fd;

	if (n == 0 || n > sizeof(sa.sun_path) - 1 || !st_real.socket || !st_real.connect)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, st_cfg.broker, n);
	fd = st_real.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (st_real.connect(fd, (struct sockaddr *)&sa,
			    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0) {
		st_real.close(fd);
		return -1;
	}
	return fd;
}

static bool send_req(int fd, char op, const char *text)
{
	struct st_broker_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.op = op;
	rq.pid = st_pid;
	strncpy(rq.text, text, sizeof(rq.text) - 1);
	return st_real.send(fd, &rq, sizeof(rq), MSG_NOSIGNAL) == (ssize_t)sizeof(rq);
}

int st_broker_create(const char *name, int *ring_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct st_broker_rep rep = { EACCES };
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr mh;
	struct cmsghdr *c;
	int fd = dial(), fds[2] = { -1, -1 };
	ssize_t k;

	if (fd < 0) {
		errno = EACCES;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	k = -1;
	if (send_req(fd, 'C', name))
		k = st_real.recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	st_real.close(fd);
	c = k == (ssize_t)sizeof(rep) ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
		memcpy(fds, CMSG_DATA(c), sizeof(fds));
	if (rep.err == 0 && fds[0] >= 0 && fds[1] >= 0) {
		*ring_fd = fds[1];
		return fds[0];
	}
	if (fds[0] >= 0)
		st_real.close(fds[0]);
	if (fds[1] >= 0)
		st_real.close(fds[1]);
	errno = k == (ssize_t)sizeof(rep) && rep.err ? rep.err : EACCES;
	return -1;
}

int st_broker_adopt(const char *name)
{
	struct st_broker_rep rep = { EACCES };
	int fd = dial();
	ssize_t k = -1;

	if (fd < 0)
		return errno ? errno : EACCES;
	if (send_req(fd, 'A', name))
		k = st_real.recv(fd, &rep, sizeof(rep), 0);
	st_real.close(fd);
	return k == (ssize_t)sizeof(rep) ? rep.err : EPIPE;
}

bool st_broker_tell(const char *line)
{
	int fd = dial();
	bool sent;

	if (fd < 0)
		return false;
	sent = send_req(fd, 'F', line);
	st_real.close(fd);
	return sent;
}
