#!/usr/bin/env bash
# demo.sh: the main job of `make demo`.  Traces the TCP upper-case echo
# server and a client with socktrace, then draws what they did: the
# client/server timeline of the textbook flow diagram, and the connection
# table.  Everything stays on 127.0.0.1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
b="$top/build"
work=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-demo.XXXXXX")
trace="$work/trace"

. "$top/tests/echo-server.sh"
start_echo_server "$b" "$trace" "$work/server.out" 1

echo "== client output"
"$b/socktrace" -q --no-view -o "$trace" -- "$b/examples/tcp_echo_client" 127.0.0.1 "$port" hello world
wait "$server"

echo
echo "== timeline: sockview $trace"
"$b/sockview" "$trace"
echo
echo "== connections: sockview --conns $trace"
"$b/sockview" --conns "$trace"
echo
echo "The logs are in $trace (JSON Lines: try jq . $trace/*.jsonl)."
