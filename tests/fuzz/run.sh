#!/bin/sh
# tests/fuzz/run.sh: builds the viewer's fuzz harness (fuzz_view.c) with
# clang's libFuzzer and ASan/UBSan, makes a seed corpus, and fuzzes.  Not
# part of `make test`.
#
#   tests/fuzz/run.sh [SECONDS [WORKDIR [LIBFUZZER-OPTION...]]]
#
# (defaults: 600 seconds, /tmp/sockview-fuzz).  On one core, going on past
# crashes and hangs (each saved):
#   tests/fuzz/run.sh 1200 /tmp/sockview-fuzz -fork=1 -ignore_crashes=1 \
#       -ignore_timeouts=1 -ignore_ooms=1
#
# WORKDIR gets the binary (fuzz_view), the seeds (seeds/: every log
# directory of tests/data, its files joined with 0x1e bytes, and the logs of
# a few example programs traced by build/libtrace.so when it is built), the
# growing corpus (corpus/) and whatever crashes (crash-*, timeout-*,
# oom-*).  Keep WORKDIR out of the source tree.  To replay one input:
#   WORKDIR/fuzz_view WORKDIR/crash-...
# To minimise it:
#   WORKDIR/fuzz_view -minimize_crash=1 -runs=20000 WORKDIR/crash-...
# FUZZ_CFLAGS adds compiler flags: FUZZ_CFLAGS=-DPARALLEL_MIN=256 parses
# every input on two threads (parallel.c), as a log of 16 MiB is.
# Without clang, AFL++ works too: build fuzz_view.c with afl-clang-fast
# -fsanitize=address,undefined and a main() that reads one file and calls
# LLVMFuzzerTestOneInput (or link with AFL++'s libAFLDriver.a).
set -eu
secs=${1:-600}
work=${2:-/tmp/sockview-fuzz}
[ $# -gt 2 ] && shift 2 || set --
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/seeds" "$work/corpus"

# The HTML page's assets, which html.c includes, are made by the build.
make -s -C "$src" build/gen/html_assets.h
clang -std=gnu11 -O1 -g -D_GNU_SOURCE ${FUZZ_CFLAGS:-} -I"$src/common" -I"$src/viewer" \
	-I"$src/build/gen" \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -o "$work/fuzz_view" "$src/tests/fuzz/fuzz_view.c" \
	$(find "$src/viewer" -mindepth 2 -name "*.c") "$src"/common/*.c -lpthread -lm

# Seeds: each test log directory as one input, files separated by 0x1e.
for d in "$src"/tests/data/*/; do
	n=$(basename "$d")
	first=1
	for f in "$d"*.jsonl; do
		[ $first = 1 ] || printf '\036'
		first=0
		cat "$f"
	done > "$work/seeds/$n"
done
# And real runs of the examples, when the library is built.
ex="$src/build/examples"
if [ -x "$src/build/libtrace.so" ] && [ -x "$ex/tcp_echo_server" ] &&
   [ ! -e "$work/seeds/ex-tcp" ]; then
	run_traced() {	# name, then the server and client commands
		name=$1 srv=$2 cli=$3
		t=$(mktemp -d)
		SOCKTRACE_DIR=$t LD_PRELOAD=$src/build/libtrace.so sh -c "$srv" > "$t/srv.out" &
		i=0
		while ! grep -q '^@ \(listen\|bound\)' "$t/srv.out" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		port=$(sed -n 's/^@ \(listen\|bound\).* local=[^ ]*:\([0-9]*\).*/\2/p' "$t/srv.out" | head -1)
		SOCKTRACE_DIR=$t LD_PRELOAD=$src/build/libtrace.so sh -c "$(echo "$cli" | sed "s/PORT/$port/")" > /dev/null 2>&1 || true
		wait
		first=1
		for f in "$t"/*.jsonl "$t"/*.stlog; do	# the library writes binary logs
			[ -e "$f" ] || continue
			[ $first = 1 ] || printf '\036'
			first=0
			case $f in
			*.stlog) cat "$f" ;;
			*) tr -d '\000' < "$f" ;;	# a log not trimmed yet
			esac
		done > "$work/seeds/ex-$name"
		rm -rf "$t"
	}
	run_traced tcp "$ex/tcp_echo_server -n 2" "$ex/tcp_echo_client 127.0.0.1 PORT hello world; $ex/tcp_echo_client 127.0.0.1 PORT again"
	run_traced udp "$ex/udp_echo_server -n 2" "$ex/udp_echo_client 127.0.0.1 PORT ping pong"
	run_traced fork "$ex/fork_server -n 2" "$ex/tcp_echo_client 127.0.0.1 PORT a; $ex/nonblock_client 127.0.0.1 PORT b"
	run_traced poll "$ex/poll_server -n 1" "$ex/tcp_echo_client 127.0.0.1 PORT x y z"
	run_traced pair "$ex/socketpair_demo hi" "true"
fi

# The timeline's warnings (lanes that do not fit) would drown the log.
"$work/fuzz_view" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
	-max_len=65536 -artifact_prefix="$work/" -print_final_stats=1 "$@" \
	"$work/corpus" "$work/seeds" 2>&1 | grep --line-buffered -v 'lanes do not fit in'
