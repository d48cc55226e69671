/*
 * dns.c: the DNS reader (RFC 1035), over UDP (a message per datagram) and
 * over TCP (each message after its 2-byte length).  A query reads
 * `query 0x1a2b A example.com`; an answer `answer 0x1a2b A example.com:
 * 93.184.216.34, CNAME ...` or with its rcode (`NXDOMAIN`).  Names are
 * followed through compression pointers, a bounded number of them, and
 * only within the bytes that are here.
 */
#include "proto/proto.h"

#include <arpa/inet.h>
#include <string.h>

#define HDR 12

static const char *type_name(unsigned t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 255: return "ANY";
	default: return NULL;
	}
}

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

static unsigned u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Walks the name at *i (of p[0..n)), appending it to t when t is not NULL;
 * *i moves past it.  false when it is not all here or malformed. */
static bool name(const unsigned char *p, size_t n, size_t *i, struct st_text *t)
{
	size_t at = *i, total = 0;
	int jumps = 0;
	bool jumped = false, first = true;

	for (;;) {
		unsigned len;

		if (at >= n)
			return false;
		len = p[at];
		if ((len & 0xc0) == 0xc0) {
			if (at + 1 >= n || ++jumps > 32)
				return false;
			if (!jumped)
				*i = at + 2;
			jumped = true;
			at = (len & 0x3f) << 8 | p[at + 1];
			continue;
		}
		if (len & 0xc0)
			return false;
		if (len == 0) {
			if (!jumped)
				*i = at + 1;
			if (first && t)
				st_text_add(t, ".");
			return true;
		}
		if (at + 1 + len > n || (total += len + 1) > 255)
			return false;
		if (t) {
			if (!first)
				st_text_add(t, ".");
			st_text_bytes(t, p + at + 1, len, 63);
		}
		first = false;
		at += 1 + len;
	}
}

static void add_type(struct st_text *t, unsigned type)
{
	const char *s = type_name(type);

	if (s)
		st_text_add(t, "%s", s);
	else
		st_text_add(t, "TYPE%u", type);
}

bool st_dns_starts(const unsigned char *p, size_t n, bool tcp)
{
	size_t i;

	if (tcp) {
		if (n < 2 || u16(p) < HDR)
			return false;
		p += 2, n -= 2;
	}
	if (n < HDR + 5)
		return false;
	/* One question, a standard opcode, counts a message can hold. */
	if (u16(p + 4) != 1 || ((p[2] >> 3) & 0xf) > 2 || u16(p + 6) > 512 ||
	    u16(p + 8) > 512 || u16(p + 10) > 512)
		return false;
	i = HDR;
	if (!name(p, n, &i, NULL) || i + 4 > n)
		return false;
	return u16(p + i + 2) == 1 || u16(p + i + 2) == 3 || u16(p + i + 2) == 255;
}

/* One answer record at *i into t. */
static bool answer(const unsigned char *p, size_t n, size_t *i, struct st_text *t)
{
	unsigned type, len;
	size_t r;
	char a[INET6_ADDRSTRLEN];

	if (!name(p, n, i, NULL) || *i + 10 > n)
		return false;
	type = u16(p + *i);
	len = u16(p + *i + 8);
	r = *i + 10;
	*i = r + len;
	if (*i > n)
		return false;
	if (type == 1 && len == 4 && inet_ntop(AF_INET, p + r, a, sizeof(a))) {
		st_text_add(t, "%s", a);
	} else if (type == 28 && len == 16 && inet_ntop(AF_INET6, p + r, a, sizeof(a))) {
		st_text_add(t, "%s", a);
	} else if (type == 5 || type == 12 || type == 2) {
		add_type(t, type);
		st_text_add(t, " ");
		if (!name(p, r + len, &r, t))
			st_text_add(t, "?");
	} else {
		add_type(t, type);
	}
	return true;
}

void st_dns_summary(struct st_text *t, const unsigned char *p, size_t n, uint64_t len)
{
	unsigned id, flags, an, k;
	size_t i = HDR;
	bool resp;

	if (n < HDR) {
		st_text_add(t, "? DNS header cut (%zu B)", n);
		return;
	}
	id = u16(p);
	flags = u16(p + 2);
	resp = flags & 0x8000;
	an = u16(p + 6);
	st_text_add(t, "%s 0x%04x ", resp ? "answer" : "query", id);
	if (resp && (flags & 0xf) != 0) {
		if ((flags & 0xf) < sizeof(rcodes) / sizeof(rcodes[0]))
			st_text_add(t, "%s ", rcodes[flags & 0xf]);
		else
			st_text_add(t, "rcode %u ", flags & 0xf);
	}
	if (u16(p + 4) >= 1) {
		size_t at = t->n, q = i;

		if (!name(p, n, &q, NULL) || q + 4 > n) {
			t->n = at;
			st_text_add(t, "? (question %s)", n < len ? "not kept" : "malformed");
			return;
		}
		add_type(t, u16(p + q));
		st_text_add(t, " ");
		name(p, n, &i, t);
		i = q + 4;
	}
	for (k = 0; k < an && k < 8; k++) {
		st_text_add(t, k == 0 ? ": " : ", ");
		if (!answer(p, n, &i, t)) {
			st_text_add(t, "%s", n < len ? "(rest not kept)" : "(malformed)");
			return;
		}
	}
	if (an > k)
		st_text_add(t, ", +%u more", an - k);
	if (resp && an == 0 && (flags & 0xf) == 0)
		st_text_add(t, ": no answer");
}

long st_dns_tcp_read(struct st_proto_dir *d, const unsigned char *p, size_t n, enum st_cut cut)
{
	struct st_text t = { .n = 0 };
	size_t mlen, have;

	if (n < 2) {
		if (cut == ST_CUT_NONE)
			return 0;
		st_proto_say(d, d->at, "? DNS length cut");
		return -1;
	}
	mlen = u16(p);
	have = n - 2 < mlen ? n - 2 : mlen;
	if (have < mlen && cut == ST_CUT_NONE)
		return 0;
	st_dns_summary(&t, p + 2, have, mlen);
	st_proto_say_text(d, d->at, &t);
	d->skip = mlen - have;
	return (long)(2 + have);
}
