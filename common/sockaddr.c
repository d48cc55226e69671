/*
 * sockaddr.c: one printer per address family, chosen from a table indexed by
 * family that also carries the shortest length the printer can read; any
 * other address is printed as raw hex so nothing is ever lost or misread.
 */
#include "sockaddr.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "vocab.h"

/* snprintf here only formats into a caller's buffer; it is async-signal-safe
 * enough in glibc for integers, but we avoid it anyway on the hot path by
 * writing numbers by hand. */
static size_t put_str(char *out, size_t cap, size_t o, const char *s)
{
	while (*s && o + 1 < cap)
		out[o++] = *s++;
	out[o] = '\0';
	return o;
}

static size_t put_uint(char *out, size_t cap, size_t o, unsigned v)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && o + 1 < cap)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

static size_t put_hex(char *out, size_t cap, size_t o, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && o + 2 < cap; i++) {
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
	return o;
}

static size_t format_inet(char *out, size_t cap, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *sin = (const void *)sa;
	char ip[INET_ADDRSTRLEN];
	size_t o;

	(void)len;
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	o = put_str(out, cap, 0, ip);
	o = put_str(out, cap, o, ":");
	return put_uint(out, cap, o, ntohs(sin->sin_port));
}

static size_t format_inet6(char *out, size_t cap, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	char ip[INET6_ADDRSTRLEN];
	size_t o;

	(void)len;
	inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
	o = put_str(out, cap, 0, "[");
	o = put_str(out, cap, o, ip);
	if (sin6->sin6_scope_id) {
		o = put_str(out, cap, o, "%");
		o = put_uint(out, cap, o, sin6->sin6_scope_id);
	}
	o = put_str(out, cap, o, "]:");
	return put_uint(out, cap, o, ntohs(sin6->sin6_port));
}

/* AF_UNIX: the path (up to its NUL or the length given), "@name" for the
 * abstract namespace, "" when unnamed.  Bytes are copied as they are; the
 * record encoder escapes them. */
static size_t format_unix(char *out, size_t cap, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_un *sun = (const void *)sa;
	size_t n = (size_t)len - offsetof(struct sockaddr_un, sun_path);
	size_t o = 0, i = 0;

	if (len <= offsetof(struct sockaddr_un, sun_path)) {
		out[0] = '\0';
		return 0;
	}
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	if (sun->sun_path[0] == '\0') {
		/* Abstract: the name is all the remaining bytes, NULs included;
		 * a NUL inside it cannot be kept in a C string, so it ends it. */
		if (cap < 2) {
			out[0] = '\0';
			return 0;
		}
		out[o++] = '@';
		i = 1;
	}
	for (; i < n && sun->sun_path[i] && o + 1 < cap; i++)
		out[o++] = sun->sun_path[i];
	out[o] = '\0';
	return o;
}

static size_t format_netlink(char *out, size_t cap, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_nl *snl = (const void *)sa;
	size_t o;

	(void)len;
	o = put_str(out, cap, 0, "netlink:");
	o = put_uint(out, cap, o, snl->nl_pid);
	o = put_str(out, cap, o, "/");
	return put_uint(out, cap, o, snl->nl_groups);
}

struct family_printer {
	socklen_t min_len;
	size_t (*print)(char *, size_t, const struct sockaddr *, socklen_t);
};

static const struct family_printer printers[] = {
	[AF_UNIX]    = { offsetof(struct sockaddr_un, sun_path), format_unix },
	[AF_INET]    = { sizeof(struct sockaddr_in), format_inet },
	[AF_INET6]   = { sizeof(struct sockaddr_in6), format_inet6 },
	[AF_NETLINK] = { sizeof(struct sockaddr_nl), format_netlink },
};

size_t st_format_sockaddr(char *out, size_t cap, const struct sockaddr *sa, socklen_t len)
{
	const struct family_printer *p = NULL;
	size_t o;
	unsigned family;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (sa == NULL || len < sizeof(sa->sa_family)) {
		return put_str(out, cap, 0, "family?:");
	}
	family = sa->sa_family;
	if (family < sizeof(printers) / sizeof(printers[0]))
		p = &printers[family];
	if (p && p->print && len >= p->min_len)
		return p->print(out, cap, sa, len);
	o = put_str(out, cap, 0, "family");
	o = put_uint(out, cap, o, family);
	o = put_str(out, cap, o, ":");
	if (len > sizeof(struct sockaddr_storage))
		len = sizeof(struct sockaddr_storage);
	return put_hex(out, cap, o, (const unsigned char *)sa->sa_data,
		       (size_t)len - offsetof(struct sockaddr, sa_data));
}

const char *st_family_name(int family)
{
	switch (family) {
	case AF_UNIX:    return "AF_UNIX";
	case AF_INET:    return "AF_INET";
	case AF_INET6:   return "AF_INET6";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET:  return "AF_PACKET";
	case AF_UNSPEC:  return "AF_UNSPEC";
	default:         return NULL;
	}
}

/* The protocols of common/protos.def a socket can be. */
static enum st_proto proto_of(int family, int type, int protocol)
{
	type &= 0xf;	/* drop SOCK_NONBLOCK / SOCK_CLOEXEC */
	switch (family) {
	case AF_INET:
	case AF_INET6:
		if (type == SOCK_STREAM)
			return protocol == IPPROTO_SCTP ? ST_P_SCTP : ST_P_TCP;
		if (type == SOCK_DGRAM) {
			if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
				return ST_P_ICMP;
			return ST_P_UDP;
		}
		if (type == SOCK_SEQPACKET)
			return ST_P_SCTP;
		if (type == SOCK_RAW)
			return ST_P_RAW;
		break;
	case AF_UNIX:
		if (type == SOCK_STREAM)
			return ST_P_UNIX_STREAM;
		if (type == SOCK_DGRAM)
			return ST_P_UNIX_DGRAM;
		if (type == SOCK_SEQPACKET)
			return ST_P_UNIX_SEQPACKET;
		break;
	case AF_NETLINK:
		return ST_P_NETLINK;
	case AF_PACKET:
		return ST_P_PACKET;
	}
	return ST_P_OTHER;
}

const char *st_proto_name(int family, int type, int protocol)
{
	return st_proto_names[proto_of(family, type, protocol)];
}
