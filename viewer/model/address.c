/*
 * address.c: parsing the text addresses of the log format (address.h).
 */
#include "model/address.h"

#include <string.h>
#include <strings.h>

/* Splits an inet address into host and port text; false for other
 * families. */
static bool split_inet(const char *s, size_t n, const char **host,
		       size_t *hn, int *port)
{
	const char *colon;
	size_t i, pn;
	int p = 0;

	if (n == 0)
		return false;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb || (size_t)(rb - s) + 2 > n || rb[1] != ':')
			return false;
		*host = s + 1;
		*hn = (size_t)(rb - s) - 1;
		colon = rb + 1;
	} else {
		colon = memrchr(s, ':', n);
		if (!colon)
			return false;
		for (i = 0; s + i < colon; i++)
			if (!(s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
				return false;
		*host = s;
		*hn = (size_t)(colon - s);
	}
	pn = n - (size_t)(colon + 1 - s);
	if (pn == 0 || pn > 5)
		return false;
	for (i = 0; i < pn; i++) {
		char c = colon[1 + i];

		if (c < '0' || c > '9')
			return false;
		p = p * 10 + (c - '0');
	}
	if (p > 65535 || *hn == 0)
		return false;
	*port = p;
	return true;
}

bool st_addr_split(const char *s, size_t n, const char **host, size_t *hn, int *port)
{
	return split_inet(s, n, host, hn, port);
}

int st_addr_port(const char *s, size_t n)
{
	const char *h;
	size_t hn;
	int port;

	return split_inet(s, n, &h, &hn, &port) ? port : -1;
}

bool st_addr_is_inet(const char *s, size_t n)
{
	return st_addr_port(s, n) >= 0;
}

size_t st_addr_normalize(const char *s, size_t n, char *out)
{
	const char *h;
	size_t hn;
	int port;

	if (split_inet(s, n, &h, &hn, &port) && s[0] == '[' && hn > 7 &&
	    strncasecmp(h, "::ffff:", 7) == 0 && memchr(h + 7, '.', hn - 7) &&
	    !memchr(h + 7, ':', hn - 7)) {
		size_t tail = n - (size_t)(h + hn + 1 - s);	/* ":port" */

		memcpy(out, h + 7, hn - 7);
		memcpy(out + hn - 7, h + hn + 1, tail);
		out[hn - 7 + tail] = '\0';
		return hn - 7 + tail;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

static bool is_wildcard(const char *h, size_t hn)
{
	return (hn == 7 && memcmp(h, "0.0.0.0", 7) == 0) ||
	       (hn == 2 && memcmp(h, "::", 2) == 0);
}

bool st_addr_compatible(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ha, *hb;
	size_t hna, hnb;
	int pa, pb;

	if (!split_inet(a, an, &ha, &hna, &pa) || !split_inet(b, bn, &hb, &hnb, &pb))
		return an == bn && memcmp(a, b, an) == 0;
	if (pa != pb)
		return false;
	return is_wildcard(ha, hna) || is_wildcard(hb, hnb) ||
	       (hna == hnb && memcmp(ha, hb, hna) == 0);
}

bool st_addr_is_host_only(const char *s, size_t n)
{
	const char *h;
	size_t hn;
	int port;

	if (!split_inet(s, n, &h, &hn, &port))
		return true;
	if (s[0] != '[')
		return hn >= 4 && memcmp(h, "127.", 4) == 0;
	return (hn == 3 && memcmp(h, "::1", 3) == 0) ||
	       (hn > 11 && strncasecmp(h, "::ffff:127.", 11) == 0);
}
