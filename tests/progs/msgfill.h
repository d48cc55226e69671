/*
 * msgfill.h: the messages the helper programs send (threads.c, bigmsg.c),
 * included by the tests that check their payloads byte for byte
 * (tests/test_stress.c), so both sides build them with the same code.
 */
#ifndef ST_PROGS_MSGFILL_H
#define ST_PROGS_MSGFILL_H

#include <stddef.h>
#include <stdio.h>

/* The message of round k of thread (or message number) i, n bytes:
 * "i:k:" then a filler of lower-case letters that shifts with i and k,
 * so no two rounds of a thread look alike. */
static inline void msg_fill(char *buf, size_t n, int i, long k)
{
	size_t o = (size_t)snprintf(buf, n, "%d:%ld:", i, k);
	size_t j;

	for (j = o; j < n; j++)
		buf[j] = (char)('a' + (j + (size_t)i + (size_t)k) % 26);
}

/* Message i of bigmsg.c, n bytes: msg_fill(i, 0) when i is even; when it
 * is odd, every byte value in turn (most need escaping in JSON, so the
 * record is several times the message). */
static inline void big_msg_fill(unsigned char *buf, size_t n, int i)
{
	size_t j;

	if (i % 2 == 0) {
		msg_fill((char *)buf, n, i, 0);
		return;
	}
	for (j = 0; j < n; j++)
		buf[j] = (unsigned char)(j + (size_t)i);
}

#endif
