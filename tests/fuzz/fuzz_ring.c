/*
 * fuzz_ring.c: a libFuzzer harness for what every reader does with a
 * binary log and its staging ring (common/binlog.h): the join, then the
 * decode.  One input is a 4-byte little-endian length L (taken modulo what
 * follows), L bytes of log, and the rest, the ring file, so the fuzzer
 * forges heads (cap, flushed, dropped) and frames on both sides.  Besides
 * what the sanitizers catch, it checks the bounds the readers rely on: the
 * joined log is at most the log, 8 bytes and the ring's data; the text at
 * most 64 bytes per byte of log (a DATA frame of 56 bytes gives some
 * 2,600 at most).
 *
 * Seeds: tests/fuzz/ring-seeds/ (tests/fuzz/mkseeds.py).  The Makefile
 * builds it with clang (build/fuzz/fuzz_ring); tests/test_fuzz_ring.c runs
 * it for a bounded time in make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_binlog_stats bs;
	struct st_ring_info info;
	const unsigned char *log, *ring;
	unsigned char *joined;
	size_t loglen, ringlen, n, tn;
	uint32_t split;
	char *text;
	int r;

	if (size < 4)
		return 0;
	memcpy(&split, data, 4);
	loglen = split % (size - 4 + 1);
	log = data + 4;
	ring = log + loglen;
	ringlen = size - 4 - loglen;
	r = st_binlog_join(log, loglen, ring, ringlen, &joined, &n, &info);
	if (r < 0)
		abort();	/* bounded sizes: memory cannot run out */
	if (n < loglen || n > loglen + 8 + (ringlen > ST_RING_DATA_OFF ? ringlen - ST_RING_DATA_OFF : 0))
		abort();
	if (memcmp(joined, log, loglen) != 0 && r == 1)
		abort();	/* no ring: the log as it is */
	if (st_binlog_is(joined, n)) {
		if (st_binlog_decode(joined, n, &text, &tn, &bs) < 0)
			abort();
		if (tn > 64 * n + 64)
			abort();
		free(text);
	}
	free(joined);
	return 0;
}
