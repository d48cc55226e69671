#!/bin/sh
#
# regen-golden.sh: a tool, not a test.  Rewrites the golden outputs
# tests/data/*.expected from build/sockview for every log directory in
# tests/data/.  Read every diff (git diff tests/data) by eye before
# committing: the goldens are only worth what that check was worth.
# The options here must match the table in tests/test_viewer_render.c.
#
# usage: tests/regen-golden.sh   (after make build/sockview)

set -eu
cd "$(dirname "$0")/.."
v=build/sockview
text="--ascii --color=never --width 100"

for dir in tests/data/*/; do
	c=$(basename "$dir")
	$v $text "$dir" >"tests/data/$c.timeline.expected" 2>/dev/null
	$v --conns "$dir" >"tests/data/$c.conns.expected" 2>/dev/null
	$v --conns --json "$dir" >"tests/data/$c.json.expected" 2>/dev/null
	$v --svg "$dir" >"tests/data/$c.svg.expected" 2>/dev/null
done
$v --color=never --width 100 tests/data/echo >tests/data/echo.unicode.expected
$v --color=always --width 100 tests/data/echo >tests/data/echo.color.expected
$v $text --threads tests/data/unordered >tests/data/unordered.threads.expected
$v $text --pid 802 tests/data/forkunix >tests/data/forkunix.pid.expected
$v $text --port 7000 --from 0.00009 tests/data/fdreuse >tests/data/fdreuse.window.expected
$v --conns --conn 2 tests/data/fdreuse >tests/data/fdreuse.conn2.expected
