#!/bin/bash
#
# run.sh: runs the cmocka test binaries given as arguments, one after the
# other, each under a generous timeout, shows their output, and adds up
# cmocka's "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" lines.  A
# binary that crashes, times out or exits non-zero without a FAILED count
# counts as one failure.  The last line is "N passed, N failed"; the exit
# status is 1 when anything failed.
#
# usage: tests/run.sh build/tests/test_*

export CMOCKA_MESSAGE_OUTPUT=stdout

passed=0
failed=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

for t in "$@"; do
	echo "=== $t"
	timeout -k 10 300 "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(awk '/^\[  PASSED  \] [0-9]+ test/ { n += $4 } END { print n + 0 }' "$out")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test/ { n += $4; seen = 1 } END { print seen ? n + 0 : "" }' "$out")
	passed=$((passed + p))
	if [ -n "$f" ]; then
		failed=$((failed + f))
	elif [ "$rc" -ne 0 ]; then
		echo "=== $t: exit status $rc without a cmocka FAILED line: one failure"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
