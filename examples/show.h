/*
 * show.h: the ground-truth lines the examples print about themselves.
 *
 * Each socket event an example wants checked becomes one line on stdout:
 *
 *   @ <event> fd=<n> proto=<proto> local=<addr> peer=<addr> bytes=<n>
 *
 * local and peer come from getsockname() and getpeername(), asked once per
 * socket, and are written the way the tracer writes them
 * (docs/log-format.md): 127.0.0.1:80, [::1]:80, a path, @name for an
 * abstract socket, nothing for an unnamed one.
 * A key is left out when the kernel has no answer (no peer on a listening
 * socket), and bytes= appears on data lines only.  Every line is flushed at
 * once, because tests read it while the program runs.
 */
#ifndef SHOW_H
#define SHOW_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* Room for "[v6 address%scope]:port" and for '@' plus a whole sun_path. */
#define SHOW_ADDRLEN 128

/* Formats the address sa, len bytes long, into buf (SHOW_ADDRLEN bytes). */
static inline void show_format_addr(char *buf, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	size_t pathlen = len > offsetof(struct sockaddr_un, sun_path) ?
			 len - offsetof(struct sockaddr_un, sun_path) : 0;
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof *sin) {
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(buf, SHOW_ADDRLEN, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof *sin6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		if (sin6->sin6_scope_id != 0)
			snprintf(buf, SHOW_ADDRLEN, "[%s%%%u]:%u", ip,
				 sin6->sin6_scope_id, ntohs(sin6->sin6_port));
		else
			snprintf(buf, SHOW_ADDRLEN, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_UNIX && pathlen == 0) {
		buf[0] = '\0';				/* unnamed */
	} else if (sa->sa_family == AF_UNIX && sun->sun_path[0] == '\0') {
		snprintf(buf, SHOW_ADDRLEN, "@%.*s", (int)(pathlen - 1), sun->sun_path + 1);
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(buf, SHOW_ADDRLEN, "%.*s",
			 (int)strnlen(sun->sun_path, pathlen), sun->sun_path);
	} else {
		snprintf(buf, SHOW_ADDRLEN, "family%d:", sa->sa_family);
	}
}

/* The tracer's name for the kind of socket fd is. */
static inline const char *show_proto(int fd)
{
	int domain, type;
	socklen_t len = sizeof domain;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return "?";
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return "?";
	if (domain == AF_UNIX)
		return type == SOCK_STREAM ? "unix-stream" :
		       type == SOCK_DGRAM ? "unix-dgram" : "unix-seqpacket";
	if (domain == AF_INET || domain == AF_INET6)
		return type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : "raw";
	return "other";
}

/*
 * What the lines of one socket repeat: its kind and both ends, asked once
 * when the socket is set up (listen, bound, accepted, connected, connecting)
 * and reused for its sent, received and closed lines, so the examples do not
 * flood a trace with getsockname/getpeername calls.  Indexed by fd; a socket
 * first seen on a data line (an unbound UDP client after its first sendto)
 * is asked then.  "closed" forgets the fd, whose number the kernel reuses.
 */
#define SHOW_MAXFD 1024

struct show_sock {
	int known;
	const char *proto;
	int has_local, has_peer;
	char local[SHOW_ADDRLEN];
	char peer[SHOW_ADDRLEN];
};

static struct show_sock show_socks[SHOW_MAXFD];

/* Asks the kernel about fd and remembers the answers in s. */
static inline void show_query(struct show_sock *s, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	s->known = 1;
	s->proto = show_proto(fd);
	s->has_local = getsockname(fd, (struct sockaddr *)&ss, &len) == 0;
	if (s->has_local)
		show_format_addr(s->local, (struct sockaddr *)&ss, len);
	len = sizeof ss;
	s->has_peer = getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
	if (s->has_peer)
		show_format_addr(s->peer, (struct sockaddr *)&ss, len);
}

/*
 * Prints one ground-truth line about fd.  peer, when not NULL, stands in for
 * the socket's peer: a datagram's address on an unconnected UDP socket.
 * bytes < 0 leaves the bytes= key out.  refresh asks the kernel again.
 */
static inline void show_line(const char *event, int fd, int refresh,
			     const struct sockaddr *peer, socklen_t peerlen, ssize_t bytes)
{
	struct show_sock tmp = { 0 };
	struct show_sock *s = fd >= 0 && fd < SHOW_MAXFD ? &show_socks[fd] : &tmp;
	char addr[SHOW_ADDRLEN];

	if (refresh || !s->known)
		show_query(s, fd);
	printf("@ %s fd=%d proto=%s", event, fd, s->proto);
	if (s->has_local)
		printf(" local=%s", s->local);
	if (peer != NULL) {
		show_format_addr(addr, peer, peerlen);
		printf(" peer=%s", addr);
	} else if (s->has_peer) {
		printf(" peer=%s", s->peer);
	}
	if (bytes >= 0)
		printf(" bytes=%zd", bytes);
	putchar('\n');
	fflush(stdout);
}

/* An event without data: listen, accepted, connected, connecting, bound
 * (asked afresh), or closed (from what was asked before; then forgotten). */
static inline void show_event(const char *event, int fd)
{
	int closing = strcmp(event, "closed") == 0;

	show_line(event, fd, !closing, NULL, 0, -1);
	if (closing && fd >= 0 && fd < SHOW_MAXFD)
		show_socks[fd].known = 0;
}

/* sent or received on a connected socket. */
static inline void show_bytes(const char *event, int fd, ssize_t bytes)
{
	show_line(event, fd, 0, NULL, 0, bytes);
}

/* sent or received on an unconnected datagram socket, with the datagram's peer. */
static inline void show_dgram(const char *event, int fd, const struct sockaddr *peer,
			      socklen_t peerlen, ssize_t bytes)
{
	show_line(event, fd, 0, peer, peerlen, bytes);
}

#endif
