/*
 * test_sockaddr.c: unit tests of common/sockaddr.c, table driven: every
 * address family's printer, the hex fallback for unknown families and for
 * lengths too short for their family, and the protocol name table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sockaddr.h"

/* One address case: the address is built by make() into ss, len bytes long
 * (or the natural length when len is -1). */
struct addr_case {
	const char *name;
	void (*make)(struct sockaddr_storage *ss, socklen_t *len);
	int len;
	const char *want;
};

static void make_in(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	*len = sizeof *sin;
}

static void make_in_any(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(65535);
	*len = sizeof *sin;
}

static void make_in6(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(443);
	inet_pton(AF_INET6, "::1", &sin6->sin6_addr);
	*len = sizeof *sin6;
}

static void make_in6_scope(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(22);
	sin6->sin6_scope_id = 3;
	inet_pton(AF_INET6, "fe80::1", &sin6->sin6_addr);
	*len = sizeof *sin6;
}

static void make_in6_mapped(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(8080);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
	*len = sizeof *sin6;
}

static void make_unix_path(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, "/tmp/echo.sock");
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1;
}

/* As the kernel reports a path: the length may stop before the NUL. */
static void make_unix_path_nonul(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, "/tmp/x", 6);
	sun->sun_path[6] = 'Z';		/* beyond len: must not show */
	*len = offsetof(struct sockaddr_un, sun_path) + 6;
}

/* A path that fills sun_path completely, with no NUL anywhere. */
static void make_unix_path_full(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	sun->sun_family = AF_UNIX;
	memset(sun->sun_path, 'a', sizeof sun->sun_path);
	((char *)ss)[sizeof(struct sockaddr_un)] = 'Z';	/* just past it */
	*len = sizeof(struct sockaddr_un);
}

static void make_unix_abstract(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, "\0echo", 5);
	sun->sun_path[5] = 'Z';		/* beyond len */
	*len = offsetof(struct sockaddr_un, sun_path) + 5;
}

static void make_unix_unnamed(struct sockaddr_storage *ss, socklen_t *len)
{
	ss->ss_family = AF_UNIX;
	*len = offsetof(struct sockaddr_un, sun_path);
}

static void make_netlink(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_nl *snl = (struct sockaddr_nl *)ss;

	snl->nl_family = AF_NETLINK;
	snl->nl_pid = 1234;
	snl->nl_groups = 5;
	*len = sizeof *snl;
}

static void make_unknown(struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned char *p = (unsigned char *)ss;

	ss->ss_family = 17;	/* AF_PACKET: no printer of its own */
	p[2] = 0x08;
	p[3] = 0x00;
	p[4] = 0xab;
	*len = 5;
}

static void make_bluetooth(struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned char *p = (unsigned char *)ss;

	ss->ss_family = 31;	/* AF_BLUETOOTH */
	p[2] = 0xff;
	p[3] = 0x01;
	*len = 4;
}

static const struct addr_case addr_cases[] = {
	{ "inet", make_in, -1, "127.0.0.1:8080" },
	{ "inet any", make_in_any, -1, "0.0.0.0:65535" },
	{ "inet short", make_in, 15, "family2:1f907f00000100000000000000" },
	{ "inet just family", make_in, 2, "family2:" },
	{ "inet6", make_in6, -1, "[::1]:443" },
	{ "inet6 scope", make_in6_scope, -1, "[fe80::1%3]:22" },
	{ "inet6 v4-mapped", make_in6_mapped, -1, "[::ffff:127.0.0.1]:8080" },
	{ "inet6 short", make_in6, 8, "family10:01bb00000000" },
	{ "unix path", make_unix_path, -1, "/tmp/echo.sock" },
	{ "unix path without NUL", make_unix_path_nonul, -1, "/tmp/x" },
	{ "unix abstract", make_unix_abstract, -1, "@echo" },
	{ "unix unnamed", make_unix_unnamed, -1, "" },
	{ "netlink", make_netlink, -1, "netlink:1234/5" },
	{ "netlink short", make_netlink, 4, "family16:0000" },
	{ "unknown family", make_unknown, -1, "family17:0800ab" },
	{ "bluetooth", make_bluetooth, -1, "family31:ff01" },
};

static void test_format_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
		const struct addr_case *c = &addr_cases[i];
		struct sockaddr_storage ss[2];	/* room to read past, harmlessly */
		socklen_t len = 0;
		char out[ST_ADDR_MAX];
		size_t n;

		memset(ss, 0, sizeof ss);
		c->make(ss, &len);
		if (c->len >= 0)
			len = (socklen_t)c->len;
		memset(out, 'X', sizeof out);
		n = st_format_sockaddr(out, sizeof out, (struct sockaddr *)ss, len);
		if (strcmp(out, c->want) != 0 || n != strlen(c->want))
			fail_msg("%s: got \"%s\" (%zu), want \"%s\"", c->name, out, n, c->want);
	}
}

/* A path filling all of sun_path: the 108 bytes and nothing after. */
static void test_unix_full_path(void **state)
{
	struct sockaddr_storage ss[2];
	socklen_t len;
	char out[ST_ADDR_MAX], want[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];

	(void)state;
	memset(ss, 0, sizeof ss);
	make_unix_path_full(ss, &len);
	memset(want, 'a', sizeof want - 1);
	want[sizeof want - 1] = '\0';
	st_format_sockaddr(out, sizeof out, (struct sockaddr *)ss, len);
	assert_string_equal(out, want);
}

/* Lengths 0 and 1 cannot even hold the family: a fallback, never a read of
 * the family, and a NUL-terminated result. */
static void test_tiny_lengths(void **state)
{
	struct sockaddr_storage ss;
	char out[ST_ADDR_MAX];
	socklen_t len;

	(void)state;
	for (len = 0; len < 2; len++) {
		memset(&ss, 0, sizeof ss);
		ss.ss_family = AF_INET;
		memset(out, 'X', sizeof out);
		st_format_sockaddr(out, sizeof out, (struct sockaddr *)&ss, len);
		assert_non_null(memchr(out, '\0', sizeof out));
		assert_true(strncmp(out, "family", 6) == 0);
		assert_null(strchr(out, '.'));
	}
	memset(out, 'X', sizeof out);
	st_format_sockaddr(out, sizeof out, NULL, 16);
	assert_true(strncmp(out, "family", 6) == 0);
}

/* A small output buffer: cut, NUL-terminated, never written past. */
static void test_small_buffer(void **state)
{
	static void (*const makers[])(struct sockaddr_storage *, socklen_t *) = {
		make_in6_scope, make_in, make_unix_path, make_unix_abstract,
		make_netlink, make_unknown,
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char out[8 + 4], whole[ST_ADDR_MAX];

	(void)state;
	for (size_t m = 0; m < sizeof makers / sizeof makers[0]; m++) {
		for (size_t cap = 1; cap <= 8; cap++) {
			size_t full, want;

			memset(&ss, 0, sizeof ss);
			makers[m](&ss, &len);
			full = st_format_sockaddr(whole, sizeof whole, (struct sockaddr *)&ss, len);
			/* Cut to what fits, but an abstract name ("@echo") may be
			 * shorter than the buffer. */
			want = full < cap - 1 ? full : cap - 1;
			memset(out, 'G', sizeof out);
			st_format_sockaddr(out, cap, (struct sockaddr *)&ss, len);
			if (strnlen(out, cap) != want)
				fail_msg("maker %zu, cap %zu: not cut to %zu bytes", m, cap, want);
			for (size_t i = cap; i < sizeof out; i++)
				if (out[i] != 'G')
					fail_msg("maker %zu, cap %zu: wrote out[%zu]", m, cap, i);
		}
	}
}

/* The largest hex fallback fits in ST_ADDR_MAX. */
static void test_long_hex(void **state)
{
	struct sockaddr_storage ss[2];
	char out[ST_ADDR_MAX];

	(void)state;
	memset(ss, 0xee, sizeof ss);
	ss[0].ss_family = 0xfffe;
	st_format_sockaddr(out, sizeof out, (struct sockaddr *)ss, sizeof ss);
	assert_true(strncmp(out, "family65534:eeee", 16) == 0);
	assert_int_equal(strlen(out), strlen("family65534:") + 2 * (sizeof ss[0] - 2));
}

struct proto_case {
	int family, type, protocol;
	const char *want;
};

static const struct proto_case proto_cases[] = {
	{ AF_INET, SOCK_STREAM, 0, "tcp" },
	{ AF_INET, SOCK_STREAM, IPPROTO_TCP, "tcp" },
	{ AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, "tcp" },
	{ AF_INET, SOCK_STREAM, IPPROTO_SCTP, "sctp" },
	{ AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, "sctp" },
	{ AF_INET, SOCK_DGRAM, 0, "udp" },
	{ AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP, "udp" },
	{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "icmp" },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, "icmp" },
	{ AF_INET, SOCK_RAW, IPPROTO_RAW, "raw" },
	{ AF_UNIX, SOCK_STREAM, 0, "unix-stream" },
	{ AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, "unix-dgram" },
	{ AF_UNIX, SOCK_SEQPACKET, 0, "unix-seqpacket" },
	{ AF_NETLINK, SOCK_RAW, 0, "netlink" },
	{ AF_PACKET, SOCK_RAW, 0, "packet" },
};

static void test_proto_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof proto_cases / sizeof proto_cases[0]; i++) {
		const struct proto_case *c = &proto_cases[i];
		const char *got = st_proto_name(c->family, c->type, c->protocol);

		if (got == NULL || strcmp(got, c->want) != 0)
			fail_msg("proto(%d, %d, %d): got %s, want %s", c->family, c->type,
				 c->protocol, got ? got : "NULL", c->want);
	}
}

/* Anything else still gets a non-empty name. */
static void test_proto_other(void **state)
{
	const char *got;

	(void)state;
	got = st_proto_name(31, SOCK_STREAM, 0);
	assert_non_null(got);
	assert_true(got[0] != '\0');
	assert_string_not_equal(got, "tcp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_unix_full_path),
		cmocka_unit_test(test_tiny_lengths),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_long_hex),
		cmocka_unit_test(test_proto_table),
		cmocka_unit_test(test_proto_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
