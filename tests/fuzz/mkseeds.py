#!/usr/bin/env python3
# mkseeds.py: writes the seed corpus of fuzz_ring.c into tests/fuzz/ring-seeds/:
# each seed is a 4-byte little-endian log length, the binary log, then the
# staging ring (common/binlog.h).  A well-formed run (a header, a TUPLE and
# DATA frames partly in the log, partly in the ring), then the same with
# forged heads: flushed far past the log (2^32, 2^46, 2^64 - 8), a cap the
# file does not hold, a cap not a power of two; a log of DATA frames all
# naming one TUPLE frame; a ring with no log.  Optionally a real log and
# ring (a killed process's) given as arguments.
#
# usage: tests/fuzz/mkseeds.py [LOG RING]
import os
import struct
import sys

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ring-seeds")
os.makedirs(out, exist_ok=True)

MAGIC = b"\x93STLOG\x01\n"
RMAGIC = b"\x93STRING\n"


def frame(kind, body, aux=0):
    pad = (-len(body)) % 8
    return struct.pack("<BBHI", 0xB7, kind, aux, len(body)) + body + b"\0" * pad


def text(line):
    return frame(1, line.encode())


def data(pid, t, fd, ret, tup, call=5, snip=b""):
    return frame(2, struct.pack("<iiqqqiIii", pid, pid, t, 1000, ret, fd, tup, 0, 0) + snip, call)


def tuple_(tid, keys):
    return frame(3, struct.pack("<II", tid, 0) + keys.encode())


def ring(cap, flushed, payload, dropped=0, datalen=None):
    datalen = cap if datalen is None else datalen
    d = bytearray(datalen)
    for i, b in enumerate(payload):
        d[(flushed + i) % cap % datalen] = b
    return RMAGIC + struct.pack("<QQQ", cap, flushed, dropped) + b"\0" * (4096 - 32) + bytes(d)


def seed(name, log, rng):
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<I", len(log)) + log + rng)


head = MAGIC + text('{"socktrace":1,"type":"header","pid":7,"ppid":1,"t":1000,'
                    '"exe":"/bin/x","argv":["x"],"execd":false,"payload":64}\n')
tail = tuple_(1, ',"proto":"tcp","local":"127.0.0.1:5000","peer":"127.0.0.1:80"')
tail += data(7, 2000, 3, 5, 1, 0, b"hello") + data(7, 3000, 3, 5, 1, 5, b"world")
seed("good", head + tail[:24], ring(4096, len(head), tail))
seed("ring-only", head, ring(4096, len(head), tail))
for name, fl in (("flushed-2p32", 1 << 32), ("flushed-2p46", 1 << 46),
                 ("flushed-top", (1 << 64) - 8)):
    seed(name, head, ring(4096, fl, tail))
seed("cap-past-file", head, ring(8192, len(head), tail, datalen=4096))
seed("cap-not-pow2", head, ring(6144, len(head), tail))
many = head + tuple_(1, "," + '"k":"' + "k" * 1500 + '"')
while len(many) < 16384:
    many += data(7, 4000, 3, 0, 1)
seed("one-tuple", many, b"")
seed("no-log", b"", ring(4096, 0, head + tail))
if len(sys.argv) == 3:
    log = open(sys.argv[1], "rb").read()
    rng = open(sys.argv[2], "rb").read()
    seed("killed", log, rng)
