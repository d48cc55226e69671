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

server_out="$work/server.out"
"$b/socktrace" -q --no-view -o "$trace" -- "$b/examples/tcp_echo_server" -n 1 >"$server_out" &
server=$!

# The server prints "@ listen ... local=127.0.0.1:PORT" once it listens.
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^@ listen .*:\([0-9][0-9]*\)$/\1/p' "$server_out")
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	echo "demo: the server did not start listening" >&2
	kill "$server" 2>/dev/null || true
	exit 1
fi

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
