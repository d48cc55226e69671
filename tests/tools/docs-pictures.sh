#!/bin/sh
# docs-pictures.sh: makes the pictures of docs/ that the README shows, from a
# real trace: the TCP echo example traced by socktrace, a server and two
# clients on 127.0.0.1, drawn by sockview --mermaid (rendered by mermaid-cli)
# and by sockview --html (a screenshot of the page in headless Chromium).
# A tool, not a test: run it by hand after `make` and tests/tools/install.sh.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/build
tools=$top/tests/tools
work=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$top/tests/echo-server.sh"
start_echo_server "$b" "$work/trace" "$work/server.out" 2
"$b/socktrace" -q --no-view -o "$work/trace" -- "$b/examples/tcp_echo_client" 127.0.0.1 "$port" hello world >/dev/null
"$b/socktrace" -q --no-view -o "$work/trace" -- "$b/examples/tcp_echo_client" 127.0.0.1 "$port" "GET / HTTP/1.0" >/dev/null
wait "$server"

"$b/sockview" --mermaid "$work/trace" >"$top/docs/flow.mmd"
"$tools/node_modules/.bin/mmdc" -q -p "$tools/puppeteer.json" -i "$top/docs/flow.mmd" \
	-o "$top/docs/flow-mermaid.svg" -b white
"$b/sockview" --html "$work/trace" >"$work/trace.html"
node "$tools/screenshot.mjs" "$work/trace.html" "$top/docs/html-page.png" '"HELLO"'
echo "docs-pictures: wrote docs/flow.mmd, docs/flow-mermaid.svg, docs/html-page.png"
