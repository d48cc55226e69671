#!/bin/sh
# tests/fuzz/diff-parallel.sh: the viewer parses big logs on two threads
# (parallel.c) and must print exactly what one thread would.  This builds
# the viewer with a tiny PARALLEL_MIN (so that even a fuzz input is cut in
# two halves and merged) under ASan/UBSan, runs it and build/sockview (one
# thread for anything under 16 MiB) on every input of a fuzz corpus (each
# cut into files at 0x1e bytes, as fuzz_view.c does), and reports every
# input whose output or skip count differs, or that crashed.  Not part of
# `make test`.
#
#   tests/fuzz/diff-parallel.sh [CORPUS-DIR [WORKDIR]]
#       (defaults: /tmp/sockview-fuzz/corpus, /tmp/sockview-par)
set -eu
corpus=${1:-/tmp/sockview-fuzz/corpus}
work=${2:-/tmp/sockview-par}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/logs"
cc -std=gnu11 -O1 -g -D_GNU_SOURCE -DPARALLEL_MIN=256 -I"$src/common" -I"$src/viewer" \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-o "$work/sockview_par" "$src"/viewer/main.c $(find "$src/viewer" -mindepth 2 -name "*.c") "$src"/common/*.c -lm -lpthread
bad=0 n=0
for f in "$corpus"/*; do
	rm -f "$work"/logs/*
	python3 -c '
import sys
parts = open(sys.argv[1], "rb").read().split(b"\x1e", 2)
for i, p in enumerate(parts):
    open("%s/%d.jsonl" % (sys.argv[2], i + 1), "wb").write(p)
' "$f" "$work/logs"
	n=$((n + 1))
	for mode in "--conns --json" "--ascii --threads --width=150"; do
		"$src/build/sockview" $mode "$work/logs" > "$work/one.out" 2> "$work/one.err" || true
		if ! "$work/sockview_par" $mode "$work/logs" > "$work/two.out" 2> "$work/two.err"; then
			echo "CRASH ($mode): $f"; bad=$((bad + 1)); continue
		fi
		sed -i 's/^[a-z_]*: //' "$work/one.err" "$work/two.err"
		if ! cmp -s "$work/one.out" "$work/two.out" || ! cmp -s "$work/one.err" "$work/two.err"; then
			echo "DIFFERS ($mode): $f"; bad=$((bad + 1))
		fi
	done
done
echo "$n inputs, $bad differences or crashes"
[ $bad -eq 0 ]
