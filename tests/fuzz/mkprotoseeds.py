#!/usr/bin/env python3
# mkprotoseeds.py: writes the seed corpus of fuzz_proto.c into
# tests/fuzz/proto-seeds/: each seed is a selector byte (fuzz_proto.c: the
# protocol is 1 + sel % 4, the side bit 2, the send size bits 3-4, 16 B
# kept of each send with 0x20, the end said with 0x40), then one
# direction's bytes: HTTP requests (pipelined, with a body) and responses
# (Content-Length, chunked, 204), a real TLS 1.3 ClientHello and the
# server's first flight (Python's ssl module over memory BIOs, with a
# certificate openssl makes in a temp folder), an alert, RESP commands and
# replies, DNS over TCP (a query and an answer with a CNAME and an A).
#
# usage: tests/fuzz/mkprotoseeds.py
import os
import ssl
import struct
import subprocess
import tempfile

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proto-seeds")
os.makedirs(out, exist_ok=True)

HTTP, TLS, REDIS, DNS = 0, 1, 2, 3      # sel % 4
CLIENT, SERVER = 0, 4
FINISH = 0x40


def seed(name, sel, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([sel]) + data)


def tls_flights():
    with tempfile.TemporaryDirectory() as d:
        key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=seed.example"],
                       check=True, capture_output=True)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(cert, key)
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        cctx.set_alpn_protocols(["h2", "http/1.1"])
        cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
        cli = cctx.wrap_bio(cin, cout, server_hostname="api.example.test")
        srv = sctx.wrap_bio(sin, sout, server_side=True)
        sent = {"c": b"", "s": b""}
        for _ in range(4):
            for who, obj, o in (("c", cli, cout), ("s", srv, sout)):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                b = o.read()
                sent[who] += b
                (sin if who == "c" else cin).write(b)
        cli.write(b"GET / HTTP/1.1\r\nHost: api.example.test\r\n\r\n")
        sent["c"] += cout.read()
        return sent["c"], sent["s"]


c, s = tls_flights()
seed("tls-client", TLS | CLIENT | 0x18, c)
seed("tls-client-bytewise", TLS | CLIENT | FINISH, c)          # 1-byte sends
seed("tls-client-cut", TLS | CLIENT | 0x20 | 0x08, c)          # 38 B sends, 16 kept
seed("tls-server", TLS | SERVER | 0x18 | FINISH, s)
seed("tls-alert", TLS | SERVER, b"\x15\x03\x03\x00\x02\x02\x28")

seed("http-requests", HTTP | CLIENT | 0x10,
     b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
     b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
     b"HEAD / HTTP/1.0\r\n\r\n")
seed("http-responses", HTTP | SERVER | 0x08 | FINISH,
     b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"
     b"HTTP/1.1 204 No Content\r\n\r\n"
     b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
seed("http-cut", HTTP | SERVER | 0x20 | 0x18,
     b"HTTP/1.0 200 OK\r\nServer: x\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 300)

seed("redis-commands", REDIS | CLIENT | 0x08,
     b"*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n"
     b"*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n*1\r\n$4\r\nPING\r\n"
     b"*2\r\n$4\r\nECHO\r\n$200\r\n" + b"e" * 200 + b"\r\n")
seed("redis-replies", REDIS | SERVER | FINISH,
     b"+OK\r\n$5\r\nhello\r\n:42\r\n-ERR value is not an integer\r\n$-1\r\n"
     b"*2\r\n$1\r\na\r\n:1\r\n_\r\n")


def qname(name):
    return b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0"


query = struct.pack(">HHHHHH", 0x1a2b, 0x0100, 1, 0, 0, 0) + qname(b"www.example.test") + \
    struct.pack(">HH", 1, 1)
answer = struct.pack(">HHHHHH", 0x1a2b, 0x8180, 1, 2, 0, 0) + qname(b"www.example.test") + \
    struct.pack(">HH", 1, 1) + \
    b"\xc0\x0c" + struct.pack(">HHIH", 5, 1, 60, 8) + qname(b"a.test")[:8] + \
    b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 1])
seed("dns-query", DNS | CLIENT, struct.pack(">H", len(query)) + query)
seed("dns-answer", DNS | SERVER | 0x08 | FINISH, struct.pack(">H", len(answer)) + answer)
seed("dns-udp", DNS | 0x02, query)
