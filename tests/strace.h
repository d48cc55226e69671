/*
 * strace.h: reading `strace -f -yy` output for the differential tests
 * (test_strace.c, test_real.c), as static inline functions (every test is
 * one file and one binary; a test that does not use one of them gets no
 * warning).  It includes tests/harness.h.
 *
 * - strace_read: an output file as whole calls, "PID name(args) = ret",
 *   an "<unfinished ...>" line joined with its "<... name resumed>" line.
 * - strace_data_call: whether a call moved bytes over a socket strace
 *   decorated ("3<TCP:[127.0.0.1:43210->127.0.0.1:8080]>"): which way, the
 *   fd, the kind as the log names it (tcp, udp, unix-stream, ...), the
 *   inside of the brackets, the return value.
 * - strace_fd_locals / strace_inet_ends: the two ends of an inet data call;
 *   an unconnected UDP socket shows no peer (it is the datagram's address
 *   argument) and, before the kernel bound it, only an inode for its local
 *   end (the first bound end strace showed for that pid and fd later).
 * - struct conns, conn_get / conn_find / print_conns: byte totals per
 *   connection end, strace's and the log's, to compare them.
 *
 * Failures go through cmocka's fail_msg, so a helper fails the test that
 * called it.
 */
#ifndef STRACE_H
#define STRACE_H

#include <ctype.h>

#include "harness.h"

#define MAX_CONNS 64

/* ---- byte totals per connection end ------------------------------------------ */

/* Bytes moved through one end: (proto, local, peer), as the test keys it. */
struct conn {
	char proto[H_STR];
	char local[ST_ADDR_MAX], peer[ST_ADDR_MAX];
	int64_t bytes[2];	/* 0 sent, 1 received */
};

struct conns {
	struct conn c[MAX_CONNS];
	int n;
};

/* The entry of (proto, local, peer), added with zero totals when new. */
static inline struct conn *conn_get(struct conns *cs, const char *proto, const char *local,
				    const char *peer)
{
	struct conn *c;

	for (int i = 0; i < cs->n; i++) {
		c = &cs->c[i];
		if (strcmp(c->proto, proto) == 0 && strcmp(c->local, local) == 0 &&
		    strcmp(c->peer, peer) == 0)
			return c;
	}
	if (cs->n == MAX_CONNS)
		fail_msg("too many connections");
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->proto, sizeof c->proto, "%s", proto);
	snprintf(c->local, sizeof c->local, "%s", local);
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	return c;
}

/* The entry of (proto, local, peer); NULL when there is none. */
static inline const struct conn *conn_find(const struct conns *cs, const char *proto,
					   const char *local, const char *peer)
{
	for (int i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].proto, proto) == 0 && strcmp(cs->c[i].local, local) == 0 &&
		    strcmp(cs->c[i].peer, peer) == 0)
			return &cs->c[i];
	return NULL;
}

static inline void print_conns(const char *what, const struct conns *cs)
{
	print_message("%s:\n", what);
	for (int i = 0; i < cs->n; i++)
		print_message("  %s %s -> %s sent %lld received %lld\n", cs->c[i].proto,
			      cs->c[i].local, cs->c[i].peer, (long long)cs->c[i].bytes[0],
			      (long long)cs->c[i].bytes[1]);
}

/* Whether name[0..n) is one of set (NULL-ended). */
static inline bool name_in(const char *name, size_t n, const char *const set[])
{
	for (int i = 0; set[i]; i++)
		if (strlen(set[i]) == n && strncmp(name, set[i], n) == 0)
			return true;
	return false;
}

/* Whether the log's proto name is an AF_UNIX kind. */
static inline bool is_unix(const char *proto)
{
	return strncmp(proto, "unix", 4) == 0;
}

/* ---- strace's output ------------------------------------------------------------ */

/* One whole call (an unfinished line joined with its resumption). */
struct call_line {
	int pid;
	char text[8192];
};

/* Reads an strace -f output file into whole calls (malloc'd, *out),
 * joining "PID name(args <unfinished ...>" with its "PID <... name
 * resumed>rest"; returns their count.  A resumption is looked at first:
 * "<... read resumed> <unfinished ...>) = ?" (the process died in the
 * call) ends the pending call instead of leaving it pending. */
static inline int strace_read(const char *path, struct call_line **out)
{
	FILE *f = fopen(path, "r");
	struct call_line *calls = NULL;
	static struct call_line pending[64];
	int n = 0, cap = 0, npending = 0;
	static char line[8192];

	if (f == NULL)
		fail_msg("open %s", path);
	while (fgets(line, sizeof line, f)) {
		char *s = line, *e;
		int pid = (int)strtol(s, &e, 10);
		struct call_line *cl;

		if (e == s)
			continue;
		s = e;
		while (*s == ' ')
			s++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(s, "+++", 3) == 0 || strncmp(s, "---", 3) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			calls = realloc(calls, (size_t)cap * sizeof *calls);
			if (calls == NULL)
				fail_msg("out of memory");
		}
		cl = &calls[n];
		cl->pid = pid;
		if (strncmp(s, "<... ", 5) == 0) {
			char *rest = strstr(s, " resumed>");
			int k;

			for (k = 0; k < npending && pending[k].pid != pid; k++)
				;
			if (rest == NULL || k == npending)
				continue;	/* started before the trace */
			snprintf(cl->text, sizeof cl->text, "%s%s", pending[k].text, rest + 9);
			pending[k] = pending[--npending];
		} else if ((e = strstr(s, " <unfinished ...>")) != NULL) {
			if (npending == 64)
				fail_msg("too many unfinished calls in %s", path);
			*e = '\0';
			pending[npending].pid = pid;
			snprintf(pending[npending].text, sizeof pending[0].text, "%s", s);
			npending++;
			continue;
		} else {
			snprintf(cl->text, sizeof cl->text, "%s", s);
		}
		n++;
	}
	fclose(f);
	*out = calls;
	return n;
}

/* strace's socket kinds, as the log names them; NULL for any other. */
static inline const char *strace_proto(const char *s, size_t n)
{
	static const struct { const char *strace, *log; } map[] = {
		{ "TCP", "tcp" }, { "TCPv6", "tcp" }, { "UDP", "udp" }, { "UDPv6", "udp" },
		{ "UNIX-STREAM", "unix-stream" }, { "UNIX", "unix-dgram" },
		{ "UNIX-SEQPACKET", "unix-seqpacket" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].strace) == n && strncmp(s, map[i].strace, n) == 0)
			return map[i].log;
	return NULL;
}

/* The first argument "FD<PROTO:[inside]>": the fd, the log's proto name
 * and the inside of the brackets; false for anything else. */
static inline bool strace_first_arg_socket(const char *args, int *fd, const char **proto,
					   char *inside, size_t icap)
{
	const char *p = args, *lb, *rb;
	size_t n;

	if (!isdigit((unsigned char)*p))
		return false;
	*fd = atoi(p);
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '<')
		return false;
	p++;
	lb = strstr(p, ":[");
	if (lb == NULL || (*proto = strace_proto(p, (size_t)(lb - p))) == NULL)
		return false;
	rb = strstr(lb, "]>");
	if (rb == NULL)
		return false;
	n = (size_t)(rb - lb - 2);
	if (n >= icap)
		return false;
	memcpy(inside, lb + 2, n);
	inside[n] = '\0';
	return true;
}

/* The return value of a finished call: the number after the last " = "
 * (strace pads a resumed call's ")" and "=" apart with spaces). */
static inline bool strace_return_value(const char *text, long *ret)
{
	const char *eq = NULL, *s = text;

	while ((s = strstr(s, " = ")) != NULL) {
		eq = s;
		s += 3;
	}
	if (eq == NULL)
		return false;
	*ret = strtol(eq + 3, NULL, 10);
	return true;
}

/* A datagram's address among the arguments, as the log writes it:
 * {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr("A")} as
 * "A:P", the AF_INET6 one as "[A]:P". */
static inline bool strace_inet_arg(const char *text, char *out, size_t cap)
{
	const char *port = strstr(text, "sin_port=htons(");
	const char *addr = strstr(text, "inet_addr(\"");
	const char *port6 = strstr(text, "sin6_port=htons(");
	const char *addr6 = strstr(text, "inet_pton(AF_INET6, \"");
	const char *q;

	if (port && addr) {
		addr += 11;
		q = strchr(addr, '"');
		if (q == NULL)
			return false;
		snprintf(out, cap, "%.*s:%d", (int)(q - addr), addr, atoi(port + 15));
		return true;
	}
	if (port6 && addr6) {
		addr6 += 21;
		q = strchr(addr6, '"');
		if (q == NULL)
			return false;
		snprintf(out, cap, "[%.*s]:%d", (int)(q - addr6), addr6, atoi(port6 + 16));
		return true;
	}
	return false;
}

/* A call that moved bytes over a decorated socket. */
struct strace_data {
	bool recv;		/* one of recvs, else one of sends */
	int fd;
	const char *proto;	/* the log's name */
	char inside[ST_ADDR_MAX];	/* of the brackets of the decoration */
	long ret;		/* > 0 */
};

/* Whether cl is a call named in sends or recvs (NULL-ended) on a socket
 * strace decorated, returning more than 0; fills d. */
static inline bool strace_data_call(const struct call_line *cl, const char *const sends[],
				    const char *const recvs[], struct strace_data *d)
{
	const char *open = strchr(cl->text, '(');
	bool send;

	if (open == NULL)
		return false;
	send = name_in(cl->text, (size_t)(open - cl->text), sends);
	d->recv = name_in(cl->text, (size_t)(open - cl->text), recvs);
	if (!send && !d->recv)
		return false;
	if (!strace_first_arg_socket(open + 1, &d->fd, &d->proto, d->inside, sizeof d->inside))
		return false;
	return strace_return_value(cl->text, &d->ret) && d->ret > 0;
}

/* The local end of an inet socket (pid, fd) as strace's decorations first
 * showed it bound. */
struct strace_fd_local {
	int pid, fd;
	char local[ST_ADDR_MAX];
};

/* Collects into fl (at most max) the first bound local end shown for each
 * inet (pid, fd) of calls without a peer; returns the count. */
static inline int strace_fd_locals(const struct call_line *calls, int n,
				   struct strace_fd_local *fl, int max)
{
	int nfl = 0;

	for (int i = 0; i < n; i++) {
		const char *open = strchr(calls[i].text, '('), *proto;
		char inside[ST_ADDR_MAX];
		int fd, k;

		if (open == NULL ||
		    !strace_first_arg_socket(open + 1, &fd, &proto, inside, sizeof inside) ||
		    is_unix(proto) || strstr(inside, "->") != NULL || strchr(inside, ':') == NULL)
			continue;
		for (k = 0; k < nfl && !(fl[k].pid == calls[i].pid && fl[k].fd == fd); k++)
			;
		if (k == nfl && nfl < max) {
			fl[nfl].pid = calls[i].pid;
			fl[nfl].fd = fd;
			snprintf(fl[nfl].local, sizeof fl[nfl].local, "%s", inside);
			nfl++;
		}
	}
	return nfl;
}

/* The local and peer ends (cap bytes each) of the inet data call cl, d
 * from strace_data_call: "local->peer" when connected; else the local end
 * (from fl when strace showed only an inode) and the datagram's address
 * argument, failing the test when there is none. */
static inline void strace_inet_ends(const struct call_line *cl, const struct strace_data *d,
				    const struct strace_fd_local *fl, int nfl, char *local,
				    char *peer, size_t cap)
{
	const char *arrow = strstr(d->inside, "->");

	local[0] = peer[0] = '\0';
	if (arrow) {
		snprintf(local, cap, "%.*s", (int)(arrow - d->inside), d->inside);
		snprintf(peer, cap, "%s", arrow + 2);
		return;
	}
	if (strchr(d->inside, ':') != NULL)
		snprintf(local, cap, "%s", d->inside);
	for (int k = 0; k < nfl && !local[0]; k++)
		if (fl[k].pid == cl->pid && fl[k].fd == d->fd)
			snprintf(local, cap, "%s", fl[k].local);
	if (!strace_inet_arg(strchr(cl->text, '('), peer, cap))
		fail_msg("no address in: %s", cl->text);
}

#endif
