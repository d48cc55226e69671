#!/usr/bin/env python3
"""otlp_check.py: checks OTLP/JSON trace requests against the rules of the
OTLP specification (opentelemetry-proto, docs/specification.md: lowerCamelCase
keys, trace and span ids as lowercase hex of 16 and 8 bytes, 64-bit integers
as decimal strings, enums as integers), then what socktrace promises on top:
resources with service.name, host.name and process.pid, parents and links
that point at spans of the file, and traces shared by the hosts given.

  otlp_check.py check FILE [--hosts A,B]
      FILE holds one request per line (sockview --otlp).  Prints a summary;
      exits 1 with the first fault found.
  otlp_check.py serve DIR [--fail]
      A small OTLP/HTTP receiver on 127.0.0.1 (a free port, told on stdout as
      "@ listen local=127.0.0.1:PORT"): a POST to /v1/traces with
      Content-Type application/json and a body that passes the request
      checks is stored as DIR/req-N.json and answered 200 "{}"; a wrong
      path gets 404, a wrong content type 415, a bad body 400, each with
      the reason.  With --fail every request gets 503 and a two-line body.
"""
import http.server
import json
import os
import re
import sys

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DEC = re.compile(r"^-?[0-9]+$")
VALUE_KEYS = {"stringValue", "intValue", "boolValue", "doubleValue", "arrayValue",
              "kvlistValue", "bytesValue"}


class Fault(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Fault(what)


def check_value(v, where):
    need(isinstance(v, dict) and len(v) == 1 and set(v) <= VALUE_KEYS,
         f"{where}: a value needs exactly one of {sorted(VALUE_KEYS)}: {v!r}")
    k, x = next(iter(v.items()))
    if k == "stringValue":
        need(isinstance(x, str), f"{where}: stringValue not a string")
    elif k == "intValue":
        need(isinstance(x, str) and DEC.match(x), f"{where}: intValue not a decimal string: {x!r}")
        need(-2**63 <= int(x) < 2**63, f"{where}: intValue out of int64")
    elif k == "boolValue":
        need(isinstance(x, bool), f"{where}: boolValue not a boolean")


def check_attrs(attrs, where):
    need(isinstance(attrs, list), f"{where}: attributes not a list")
    seen = {}
    for a in attrs:
        need(isinstance(a, dict) and set(a) == {"key", "value"}, f"{where}: bad attribute {a!r}")
        need(isinstance(a["key"], str) and a["key"], f"{where}: attribute key not a string")
        need(a["key"] not in seen, f"{where}: attribute {a['key']} twice")
        check_value(a["value"], f"{where} {a['key']}")
        seen[a["key"]] = next(iter(a["value"].values()))
    return seen


def check_time(x, where):
    need(isinstance(x, str) and DEC.match(x), f"{where}: time not a decimal string: {x!r}")
    need(0 < int(x) < 2**64, f"{where}: time out of range")
    return int(x)


def check_span(s, where):
    known = {"traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano",
             "endTimeUnixNano", "attributes", "events", "links", "status", "traceState",
             "flags", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount"}
    need(set(s) <= known, f"{where}: unknown keys {set(s) - known}")
    need(isinstance(s.get("traceId"), str) and HEX32.match(s["traceId"]) and
         s["traceId"] != "0" * 32, f"{where}: bad traceId {s.get('traceId')!r}")
    need(isinstance(s.get("spanId"), str) and HEX16.match(s["spanId"]) and
         s["spanId"] != "0" * 16, f"{where}: bad spanId {s.get('spanId')!r}")
    if "parentSpanId" in s:
        need(isinstance(s["parentSpanId"], str) and HEX16.match(s["parentSpanId"]),
             f"{where}: bad parentSpanId")
    need(isinstance(s.get("name"), str) and s["name"], f"{where}: no name")
    need(isinstance(s.get("kind"), int) and not isinstance(s["kind"], bool) and
         1 <= s["kind"] <= 5, f"{where}: kind not an integer 1-5: {s.get('kind')!r}")
    start = check_time(s.get("startTimeUnixNano"), f"{where} start")
    end = check_time(s.get("endTimeUnixNano"), f"{where} end")
    need(end >= start, f"{where}: ends before it starts")
    attrs = check_attrs(s.get("attributes", []), where)
    for i, e in enumerate(s.get("events", [])):
        need(set(e) <= {"timeUnixNano", "name", "attributes", "droppedAttributesCount"},
             f"{where} event {i}: unknown keys")
        check_time(e.get("timeUnixNano"), f"{where} event {i}")
        need(isinstance(e.get("name"), str), f"{where} event {i}: no name")
        check_attrs(e.get("attributes", []), f"{where} event {i}")
    for i, l in enumerate(s.get("links", [])):
        need(set(l) <= {"traceId", "spanId", "attributes", "traceState", "flags",
                        "droppedAttributesCount"}, f"{where} link {i}: unknown keys")
        need(isinstance(l.get("traceId"), str) and HEX32.match(l["traceId"]),
             f"{where} link {i}: bad traceId")
        need(isinstance(l.get("spanId"), str) and HEX16.match(l["spanId"]),
             f"{where} link {i}: bad spanId")
        check_attrs(l.get("attributes", []), f"{where} link {i}")
    if "status" in s:
        st = s["status"]
        need(isinstance(st, dict) and set(st) <= {"code", "message"}, f"{where}: bad status")
        need(isinstance(st.get("code"), int) and 0 <= st["code"] <= 2,
             f"{where}: status code not an integer 0-2")
    return attrs, start, end


def check_request(doc, spans):
    """Checks one ExportTraceServiceRequest; adds its spans to spans."""
    need(isinstance(doc, dict) and set(doc) == {"resourceSpans"}, "not a request")
    need(isinstance(doc["resourceSpans"], list) and doc["resourceSpans"], "no resourceSpans")
    n = 0
    for r, rs in enumerate(doc["resourceSpans"]):
        need(set(rs) <= {"resource", "scopeSpans", "schemaUrl"}, f"resource {r}: unknown keys")
        res = check_attrs(rs["resource"]["attributes"], f"resource {r}")
        for k in ("service.name", "host.name", "process.pid"):
            need(k in res, f"resource {r}: no {k}")
        need(DEC.match(res["process.pid"]), f"resource {r}: process.pid not an intValue")
        for ss in rs["scopeSpans"]:
            need(isinstance(ss["scope"].get("name"), str), f"resource {r}: scope without name")
            for s in ss["spans"]:
                where = f"resource {r} span {s.get('spanId')}"
                attrs, start, end = check_span(s, where)
                spans.append((s, attrs, start, end, res))
                n += 1
    return n


def check_file(path, hosts):
    spans = []
    requests = 0
    with open(path, encoding="ascii") as f:
        for ln, line in enumerate(f, 1):
            try:
                check_request(json.loads(line), spans)
            except (Fault, ValueError, KeyError, TypeError) as e:
                raise Fault(f"{path}:{ln}: {e}")
            requests += 1
    need(spans, "no spans")
    by_id = {}
    for s, attrs, start, end, res in spans:
        key = (s["traceId"], s["spanId"])
        need(key not in by_id, f"span {key} twice")
        by_id[key] = (s, attrs, start, end, res)
    links = 0
    for s, attrs, start, end, res in spans:
        if "parentSpanId" in s:
            need((s["traceId"], s["parentSpanId"]) in by_id,
                 f"span {s['spanId']}: parent {s['parentSpanId']} not in the file")
        for l in s.get("links", []):
            t = by_id.get((l["traceId"], l["spanId"]))
            need(t is not None, f"span {s['spanId']}: link to {l['spanId']} not in the file")
            # A message cannot arrive before it left (times are corrected).
            need(t[3] >= start, f"span {s['spanId']}: link to a span that ended before it began")
            links += 1
        if attrs.get("network.transport") in ("tcp", "udp") and "socktrace.conn" in attrs:
            for k in ("network.type", "network.local.address", "network.local.port",
                      "network.peer.address", "network.peer.port"):
                need(k in attrs, f"span {s['spanId']} ({s['name']}): no {k}")
        if "socktrace.conn" in attrs:
            need(s["kind"] in (2, 3), f"span {s['spanId']}: kind {s['kind']} on a connection")
            # An unnamed AF_UNIX end (a socketpair's) has no address to give.
            if attrs.get("network.transport") in ("tcp", "udp"):
                for k in ("server.address", "client.address"):
                    need(k in attrs, f"span {s['spanId']} ({s['name']}): no {k}")
    shared = 0
    if hosts:
        traces = {}
        for s, attrs, start, end, res in spans:
            traces.setdefault(s["traceId"], set()).add(res["host.name"])
        shared = sum(1 for h in traces.values() if set(hosts) <= h)
        need(shared > 0, f"no trace has spans of all of {hosts}")
        # Sends on one host linked to the receives on the other.
        cross = 0
        for s, attrs, start, end, res in spans:
            for l in s.get("links", []):
                t = by_id[(l["traceId"], l["spanId"])]
                if t[4]["host.name"] != res["host.name"]:
                    need(l["traceId"] == s["traceId"], "a cross-host link leaves its trace")
                    cross += 1
        need(cross > 0, "no link across hosts")
    print(f"ok: {requests} requests, {len(spans)} spans, {links} links, "
          f"{shared} traces across hosts")


class Receiver(http.server.BaseHTTPRequestHandler):
    store = "."
    fail = False
    count = 0

    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if code != 200 else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if Receiver.fail:
            self.answer(503, "collector overloaded: retry later\nsecond line of the body\n")
            return
        if self.path != "/v1/traces":
            self.answer(404, f"wrong path {self.path}\n")
            return
        if self.headers.get("Content-Type") != "application/json":
            self.answer(415, f"wrong content type {self.headers.get('Content-Type')}\n")
            return
        try:
            check_request(json.loads(body), [])
        except (Fault, ValueError, KeyError, TypeError) as e:
            self.answer(400, f"bad request: {e}\n")
            return
        Receiver.count += 1
        with open(os.path.join(Receiver.store, f"req-{Receiver.count:04d}.json"), "wb") as f:
            f.write(body)
        self.answer(200, "{}")

    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        hosts = []
        if len(sys.argv) == 5 and sys.argv[3] == "--hosts":
            hosts = sys.argv[4].split(",")
        try:
            check_file(sys.argv[2], hosts)
        except Fault as e:
            print(f"otlp_check: {e}", file=sys.stderr)
            sys.exit(1)
    elif len(sys.argv) >= 3 and sys.argv[1] == "serve":
        Receiver.store = sys.argv[2]
        Receiver.fail = "--fail" in sys.argv[3:]
        srv = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
        print(f"@ listen local=127.0.0.1:{srv.server_address[1]}", flush=True)
        srv.serve_forever()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
