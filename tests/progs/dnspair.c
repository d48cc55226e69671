/*
 * dnspair.c: a DNS query and its answer over UDP on 127.0.0.1, for
 * test_real.c: a responder socket of its own (bound to an ephemeral port)
 * answers one A query for example.test with 127.0.0.1, in one process.
 * Prints "@ answer <id> <address>" from the answer it got.
 */
#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define QID 0x1a2b

static const unsigned char qname[] = "\7example\4test";

int main(void)
{
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in from;
	socklen_t len = sizeof srv, flen = sizeof from;
	unsigned char q[512], a[512];
	int s, c;
	ssize_t n, qn = 0, an;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(s, (struct sockaddr *)&srv, sizeof srv) < 0 ||
	    getsockname(s, (struct sockaddr *)&srv, &len) < 0 ||
	    (c = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		err(1, "socket");
	/* The query: header (id, RD, one question), name, A, IN. */
	q[qn++] = QID >> 8, q[qn++] = QID & 0xff, q[qn++] = 0x01, q[qn++] = 0x00;
	q[qn++] = 0, q[qn++] = 1;
	memset(q + qn, 0, 6), qn += 6;
	memcpy(q + qn, qname, sizeof qname), qn += sizeof qname;	/* with its 0 */
	q[qn++] = 0, q[qn++] = 1, q[qn++] = 0, q[qn++] = 1;
	if (sendto(c, q, (size_t)qn, 0, (struct sockaddr *)&srv, sizeof srv) != qn)
		err(1, "sendto");
	/* The responder: the question back, QR|RD|RA, one answer. */
	if ((n = recvfrom(s, a, sizeof a, 0, (struct sockaddr *)&from, &flen)) < 12)
		err(1, "recvfrom");
	a[2] = 0x81, a[3] = 0x80;
	a[7] = 1;
	an = n;
	a[an++] = 0xc0, a[an++] = 12;			/* the question's name */
	a[an++] = 0, a[an++] = 1, a[an++] = 0, a[an++] = 1;
	a[an++] = 0, a[an++] = 0, a[an++] = 0, a[an++] = 60;	/* TTL */
	a[an++] = 0, a[an++] = 4;
	a[an++] = 127, a[an++] = 0, a[an++] = 0, a[an++] = 1;
	if (sendto(s, a, (size_t)an, 0, (struct sockaddr *)&from, flen) != an)
		err(1, "sendto");
	if ((n = recv(c, a, sizeof a, 0)) != an)
		err(1, "recv");
	printf("@ answer 0x%02x%02x %u.%u.%u.%u\n", a[0], a[1], a[n - 4], a[n - 3], a[n - 2],
	       a[n - 1]);
	return 0;
}
