#!/usr/bin/env python3
"""check_perfetto.py: checks sockview --perfetto output against the rules
Perfetto's JSON importer applies (docs: REFERENCES.md, "Chrome trace JSON").

usage: check_perfetto.py FILE [--slices N] [--links N]
       check_perfetto.py --self-test FILE

- the top level is {"traceEvents": [...]}; every event has ph, pid, tid;
- every process with a slice is named by a process_name, every thread by a
  thread_name (non-empty strings);
- every slice is ph "X" with a name, a cat, ts >= 0, dur > 0 (microseconds)
  and args holding at least "call" and "result"; the slices of one thread
  nest (no two overlap partly);
- every flow id has exactly one "s" and one "f" (bp "e"), with the same cat
  and name; each end lies strictly inside a slice of its own thread; the
  "s" slice is a call that starts an arrow and the "f" slice one that ends
  it, both of the same connection when both carry one; no arrow goes back
  in time;
- with --slices, that many slices; with --links, flows plus the arrows the
  file says it left out (pointing back in time) make that many.

--self-test takes a good file, breaks it in each of the ways above, and
fails unless every broken copy is rejected (so the checks can fail).
Exit status 0 when the file passes, 1 with one line per problem otherwise.
"""
import bisect
import copy
import json
import sys

STARTS = ("connect", "send", "write", "close", "shutdown", "sendto", "sendmsg",
          "sendmmsg", "writev", "sendfile", "pwritev", "splice")
ENDS = ("accept", "recv", "read", "recvfrom", "recvmsg", "recvmmsg", "readv",
        "preadv")


def inside(slices, starts, ts):
    """The innermost slice of a thread's list (sorted by start, each with
    its "parent" index from the nesting check; starts the start times)
    strictly containing ts: the last one starting before ts, or the
    nearest of its parents that contains ts."""
    k = bisect.bisect_left(starts, ts) - 1
    while k >= 0:
        s = slices[k]
        if s["ts"] < ts < s["ts"] + s["dur"]:
            return s
        k = s["parent"]
    return None


def check(doc, want_slices=None, want_links=None):
    errs = []
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["top level is not an object with a traceEvents array"]
    procs, threads, slices, flows = {}, {}, {}, {}
    for n, ev in enumerate(doc["traceEvents"]):
        where = "event %d" % n
        if not isinstance(ev, dict) or ev.get("ph") not in ("M", "X", "s", "f"):
            errs.append("%s: not an M, X, s or f event" % where)
            continue
        if not isinstance(ev.get("pid"), int) or not isinstance(ev.get("tid"), int):
            errs.append("%s: pid or tid not an integer" % where)
            continue
        key = (ev["pid"], ev["tid"])
        ph = ev["ph"]
        if ph == "M":
            name = ev.get("args", {}).get("name")
            if ev.get("name") == "process_name":
                if not isinstance(name, str) or not name:
                    errs.append("%s: process_name without a name" % where)
                procs[ev["pid"]] = name
            elif ev.get("name") == "thread_name":
                if not isinstance(name, str) or not name:
                    errs.append("%s: thread_name without a name" % where)
                threads[key] = name
            continue
        ts = ev.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            errs.append("%s: ts not a number >= 0" % where)
            continue
        if ph == "X":
            dur = ev.get("dur")
            args = ev.get("args")
            if not isinstance(dur, (int, float)) or dur <= 0:
                errs.append("%s: slice with dur not > 0" % where)
                continue
            if not isinstance(ev.get("name"), str) or not ev["name"] or \
                    not isinstance(ev.get("cat"), str):
                errs.append("%s: slice without a name or cat" % where)
            if not isinstance(args, dict) or "call" not in args or "result" not in args:
                errs.append("%s: slice args without call and result" % where)
            slices.setdefault(key, []).append(ev)
        else:
            fid = ev.get("id")
            if not isinstance(fid, int):
                errs.append("%s: flow without an integer id" % where)
                continue
            ends = flows.setdefault(fid, {})
            if ph in ends:
                errs.append("flow %d: two \"%s\" events" % (fid, ph))
            ends[ph] = ev
    for key, lst in slices.items():
        if key[0] not in procs:
            errs.append("process %d has slices but no process_name" % key[0])
        if key not in threads:
            errs.append("thread %d/%d has slices but no thread_name" % key)
        lst.sort(key=lambda s: (s["ts"], -s["dur"]))
        stack = []
        for n, s in enumerate(lst):
            end = s["ts"] + s["dur"]
            while stack and lst[stack[-1]]["ts"] + lst[stack[-1]]["dur"] <= s["ts"]:
                stack.pop()
            if stack and end > lst[stack[-1]]["ts"] + lst[stack[-1]]["dur"]:
                errs.append("thread %d/%d: slice at %s overlaps its parent partly"
                            % (key[0], key[1], s["ts"]))
            s["parent"] = stack[-1] if stack else -1
            stack.append(n)
    starts = {key: [s["ts"] for s in lst] for key, lst in slices.items()}
    for fid, ends in sorted(flows.items()):
        if set(ends) != {"s", "f"}:
            errs.append("flow %d: not exactly one s and one f" % fid)
            continue
        s, f = ends["s"], ends["f"]
        if f.get("bp") != "e":
            errs.append("flow %d: f without bp \"e\"" % fid)
        if s.get("cat") != f.get("cat") or s.get("name") != f.get("name") or \
                not isinstance(s.get("name"), str):
            errs.append("flow %d: ends differ in cat or name" % fid)
        ka, kb = (s["pid"], s["tid"]), (f["pid"], f["tid"])
        a = inside(slices.get(ka, []), starts.get(ka, []), s["ts"])
        b = inside(slices.get(kb, []), starts.get(kb, []), f["ts"])
        if a is None or b is None:
            errs.append("flow %d: an end is not strictly inside a slice of its thread" % fid)
            continue
        if f["ts"] < s["ts"]:
            errs.append("flow %d: goes back in time" % fid)
        if not a["name"].startswith(STARTS):
            errs.append("flow %d: starts in a %s" % (fid, a["name"]))
        if not b["name"].startswith(ENDS):
            errs.append("flow %d: ends in a %s" % (fid, b["name"]))
        ca, cb = a["args"].get("conn"), b["args"].get("conn")
        if ca is not None and cb is not None and ca != cb:
            errs.append("flow %d: from connection %s to %s" % (fid, ca, cb))
    nslices = sum(len(v) for v in slices.values())
    if want_slices is not None and nslices != want_slices:
        errs.append("%d slices, want %d" % (nslices, want_slices))
    if want_links is not None:
        back = int(doc.get("otherData", {}).get("arrows_left_out_backward", "0"))
        if len(flows) + back != want_links:
            errs.append("%d flows + %d left out, want %d links"
                        % (len(flows), back, want_links))
    return errs


def self_test(doc):
    """Each way of breaking a good file must be caught."""
    evs = doc["traceEvents"]
    first = {ph: next(i for i, e in enumerate(evs) if e.get("ph") == ph)
             for ph in ("X", "s", "f")}
    breaks = {}

    def broken(name, fn):
        d = copy.deepcopy(doc)
        fn(d["traceEvents"])
        breaks[name] = d

    broken("no thread_name", lambda e: e.remove(next(
        x for x in e if x.get("name") == "thread_name")))
    broken("no process_name", lambda e: e.remove(next(
        x for x in e if x.get("name") == "process_name")))
    broken("zero dur", lambda e: e[first["X"]].update(dur=0))
    broken("s outside", lambda e: e[first["s"]].update(ts=e[first["s"]]["ts"] + 1e9))
    broken("f on another thread", lambda e: e[first["f"]].update(tid=-7))
    broken("f without bp", lambda e: e[first["f"]].pop("bp"))
    broken("duplicate id", lambda e: e.append(dict(e[first["s"]])))
    broken("name differs", lambda e: e[first["f"]].update(name="x"))
    broken("backward", lambda e: (e[first["s"]].update(ts=e[first["f"]]["ts"] + 5e8),
                                  e.append({"ph": "X", "pid": e[first["s"]]["pid"],
                                            "tid": e[first["s"]]["tid"],
                                            "ts": e[first["f"]]["ts"] + 4e8, "dur": 2e8,
                                            "cat": "socket", "name": "send",
                                            "args": {"call": "x", "result": 0}})))
    broken("partial overlap", lambda e: e.append(dict(
        e[first["X"]], ts=e[first["X"]]["ts"] + e[first["X"]]["dur"] / 2)))
    ok = True
    for name, d in breaks.items():
        if not check(d):
            print("self-test: broken copy not rejected: %s" % name)
            ok = False
    if check(doc):
        print("self-test: the good file itself fails")
        ok = False
    return ok


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        with open(argv[2], encoding="utf-8") as f:
            return 0 if self_test(json.load(f)) else 1
    want_slices = want_links = None
    args = argv[2:]
    while args:
        if args[0] == "--slices":
            want_slices = int(args[1])
        elif args[0] == "--links":
            want_links = int(args[1])
        else:
            print("usage: check_perfetto.py FILE [--slices N] [--links N]")
            return 2
        args = args[2:]
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: not JSON: %s" % (argv[1], e))
        return 1
    errs = check(doc, want_slices, want_links)
    for e in errs[:20]:
        print("%s: %s" % (argv[1], e))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
