/*
 * fuzz_proto.c: a libFuzzer harness for the protocol readers
 * (viewer/proto).  The input's first byte picks the protocol, the side and
 * how the rest is cut into sends and how much of each is kept; the rest is
 * fed to that reader, and to the guess, and as a datagram to the DNS
 * reader.  Each send is copied into a buffer of exactly its kept bytes, so
 * ASan sees any read past them.  Anything the sanitizers catch is a bug,
 * and so is a summary that is not printable or too long, or a message end
 * said before the one before it.
 *
 * The Makefile builds it (build/fuzz/fuzz_proto); make check runs it on
 * its seeds (tests/fuzz/proto-seeds, mkprotoseeds.py), then for 15 s
 * (tests/test_fuzz_proto.c).  For longer:
 *   make build/fuzz/fuzz_proto && build/fuzz/fuzz_proto -max_total_time=600 \
 *       /tmp/proto-corpus tests/fuzz/proto-seeds
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void said(void *ctx, uint64_t off, const char *text, size_t n)
{
	size_t i;

	(void)off;
	/* Summaries are printable ASCII, NUL-free, and not longer than said. */
	for (i = 0; i < n; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			abort();
	if (n > ST_PROTO_TEXT)
		abort();
	++*(unsigned long *)ctx;
}

/* Ends are said in order: never before the one said before. */
static uint64_t last_end;

static void ended(void *ctx, uint64_t end)
{
	(void)ctx;
	if (end < last_end)
		abort();
	last_end = end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st_proto_dir d;
	char out[ST_PROTO_TEXT + 1];
	unsigned long n = 0;
	size_t off = 0, chunk, keep;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++, size--;
	(void)st_proto_guess(data, size, sel & 1 ? 53 : 0, sel & 2);
	st_proto_datagram(ST_APP_DNS, data, size, size + (sel & 4), out);
	st_proto_start(&d, (enum st_app)(1 + sel % 4), (sel >> 2) & 1, said, &n);
	d.ended = ended;
	last_end = 0;
	chunk = 1 + ((sel >> 3) & 3) * 37;	/* 1, 38, 75 or 112 B sends */
	keep = (sel & 0x20) ? 16 : SIZE_MAX;	/* all, or 16 B of each */
	while (off < size) {
		size_t k = size - off < chunk ? size - off : chunk;
		size_t kept = k < keep ? k : keep;
		unsigned char *c = malloc(kept ? kept : 1);

		memcpy(c, data + off, kept);
		st_proto_feed(&d, off, c, kept, k);
		free(c);
		off += k;
	}
	if (sel & 0x40)
		st_proto_finish(&d);
	return 0;
}
