/*
 * names.c: number-to-name tables for log records.  Only the values a socket
 * program is likely to meet are named; anything else is printed as a number
 * so nothing is hidden.
 */
#include "names.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "record.h"

struct name {
	int value;
	const char *name;
};

static const char *find(const struct name *t, size_t n, int v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

#define N(x) { x, #x }
#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *numbered(char *buf, const char *prefix, int v)
{
	size_t o = strlen(prefix);

	memcpy(buf, prefix, o);
	o += st_fmt_int(buf + o, v);
	buf[o] = '\0';
	return buf;
}

const char *st_errno_name(int err, char *buf)
{
	const char *s = strerrorname_np(err);

	return s ? s : numbered(buf, "E", err);
}

static const struct name gai_names[] = {
	N(EAI_BADFLAGS), N(EAI_NONAME), N(EAI_AGAIN), N(EAI_FAIL), N(EAI_FAMILY),
	N(EAI_SOCKTYPE), N(EAI_SERVICE), N(EAI_MEMORY), N(EAI_SYSTEM), N(EAI_OVERFLOW),
	N(EAI_NODATA), N(EAI_ADDRFAMILY),
};

const char *st_gai_name(int code, char *buf)
{
	const char *s = find(gai_names, COUNT(gai_names), code);

	return s ? s : numbered(buf, "EAI_", code);
}

static const struct name msg_names[] = {
	N(MSG_OOB), N(MSG_PEEK), N(MSG_DONTROUTE), N(MSG_CTRUNC), N(MSG_TRUNC),
	N(MSG_DONTWAIT), N(MSG_EOR), N(MSG_WAITALL), N(MSG_CONFIRM), N(MSG_ERRQUEUE),
	N(MSG_NOSIGNAL), N(MSG_MORE), N(MSG_WAITFORONE), N(MSG_FASTOPEN),
	N(MSG_CMSG_CLOEXEC),
};

static const struct name sock_flag_names[] = {
	N(SOCK_NONBLOCK), N(SOCK_CLOEXEC),
};

/* Joins the names of the bits set in v, then any unnamed rest in hex. */
static const char *join_flags(const struct name *t, size_t n, int v, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned rest = (unsigned)v;
	size_t o = 0, i;

	if (v == 0 || cap < 16)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t k = strlen(t[i].name);

		if (!(rest & (unsigned)t[i].value) || o + k + 2 > cap - 12)
			continue;
		if (o)
			buf[o++] = '|';
		memcpy(buf + o, t[i].name, k);
		o += k;
		rest &= ~(unsigned)t[i].value;
	}
	if (rest) {
		int sh;

		if (o)
			buf[o++] = '|';
		buf[o++] = '0';
		buf[o++] = 'x';
		for (sh = 28; sh > 0 && !(rest >> sh); sh -= 4)
			;
		for (; sh >= 0; sh -= 4)
			buf[o++] = hex[(rest >> sh) & 15];
	}
	buf[o] = '\0';
	return buf;
}

const char *st_msg_flags(int flags, char *buf, size_t cap)
{
	return join_flags(msg_names, COUNT(msg_names), flags, buf, cap);
}

const char *st_sock_flags(int flags, char *buf, size_t cap)
{
	return join_flags(sock_flag_names, COUNT(sock_flag_names), flags, buf, cap);
}

const char *st_shut_name(int how)
{
	switch (how) {
	case SHUT_RD:   return "SHUT_RD";
	case SHUT_WR:   return "SHUT_WR";
	case SHUT_RDWR: return "SHUT_RDWR";
	default:        return "SHUT_?";
	}
}

static const struct name level_names[] = {
	N(SOL_SOCKET), N(IPPROTO_IP), N(IPPROTO_IPV6), N(IPPROTO_TCP), N(IPPROTO_UDP),
	N(SOL_NETLINK),
};

const char *st_level_name(int level)
{
	return find(level_names, COUNT(level_names), level);
}

static const struct name sol_socket_names[] = {
	N(SO_REUSEADDR), N(SO_REUSEPORT), N(SO_KEEPALIVE), N(SO_BROADCAST), N(SO_LINGER),
	N(SO_RCVBUF), N(SO_SNDBUF), N(SO_RCVTIMEO), N(SO_SNDTIMEO), N(SO_RCVLOWAT),
	N(SO_SNDLOWAT), N(SO_OOBINLINE), N(SO_PRIORITY), N(SO_BINDTODEVICE),
	N(SO_PASSCRED), N(SO_TIMESTAMP), N(SO_MARK), N(SO_ZEROCOPY), N(SO_INCOMING_CPU),
};

static const struct name tcp_names[] = {
	N(TCP_NODELAY), N(TCP_MAXSEG), N(TCP_CORK), N(TCP_KEEPIDLE), N(TCP_KEEPINTVL),
	N(TCP_KEEPCNT), N(TCP_SYNCNT), N(TCP_LINGER2), N(TCP_DEFER_ACCEPT),
	N(TCP_QUICKACK), N(TCP_FASTOPEN), N(TCP_USER_TIMEOUT), N(TCP_CONGESTION),
	N(TCP_NOTSENT_LOWAT), N(TCP_FASTOPEN_CONNECT),
};

static const struct name ip_names[] = {
	N(IP_TOS), N(IP_TTL), N(IP_RECVERR), N(IP_MTU_DISCOVER), N(IP_MULTICAST_TTL),
	N(IP_MULTICAST_LOOP), N(IP_ADD_MEMBERSHIP), N(IP_FREEBIND), N(IP_TRANSPARENT),
	N(IP_PKTINFO), N(IP_RECVTOS),
};

static const struct name ipv6_names[] = {
	N(IPV6_V6ONLY), N(IPV6_UNICAST_HOPS), N(IPV6_MULTICAST_HOPS), N(IPV6_RECVPKTINFO),
	N(IPV6_TCLASS), N(IPV6_RECVERR), N(IPV6_MTU_DISCOVER),
};

/* SOL_NETLINK: what glibc's resolver, iproute2 and systemd set. */
static const struct name netlink_names[] = {
	N(NETLINK_ADD_MEMBERSHIP), N(NETLINK_DROP_MEMBERSHIP), N(NETLINK_PKTINFO),
	N(NETLINK_BROADCAST_ERROR), N(NETLINK_NO_ENOBUFS), N(NETLINK_LISTEN_ALL_NSID),
	N(NETLINK_LIST_MEMBERSHIPS), N(NETLINK_CAP_ACK), N(NETLINK_EXT_ACK),
	N(NETLINK_GET_STRICT_CHK),
};

const char *st_opt_name(int level, int opt)
{
	switch (level) {
	case SOL_SOCKET:   return find(sol_socket_names, COUNT(sol_socket_names), opt);
	case IPPROTO_TCP:  return find(tcp_names, COUNT(tcp_names), opt);
	case IPPROTO_IP:   return find(ip_names, COUNT(ip_names), opt);
	case IPPROTO_IPV6: return find(ipv6_names, COUNT(ipv6_names), opt);
	case SOL_NETLINK:  return find(netlink_names, COUNT(netlink_names), opt);
	default:           return NULL;
	}
}

size_t st_poll_events(char *p, uint32_t ev)
{
	/* poll's and epoll's bits share their values; epoll adds its flags. */
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ 0x001, "IN" }, { 0x002, "PRI" }, { 0x004, "OUT" }, { 0x008, "ERR" },
		{ 0x010, "HUP" }, { 0x020, "NVAL" }, { 0x2000, "RDHUP" },
		{ 1u << 31, "ET" }, { 1u << 30, "ONESHOT" }, { 1u << 28, "EXCLUSIVE" },
	};
	size_t o = 0, i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(ev & names[i].bit))
			continue;
		if (o)
			p[o++] = '|';
		k = strlen(names[i].name);
		memcpy(p + o, names[i].name, k);
		o += k;
	}
	if (!o)
		p[o++] = '-';
	return o;
}
