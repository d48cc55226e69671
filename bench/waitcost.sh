#!/bin/sh
# waitcost.sh: what the library adds to a wait call (epoll_wait, select,
# poll) and to a data call, in instructions counted by callgrind (timings
# are noise on a shared machine; instruction counts are not).
#
#   bench/waitcost.sh [ROUNDS]     (after make all build/bench/wait_loop)
#
# build/bench/wait_loop runs ROUNDS (20000) rounds of send, [wait,] recv on
# a socketpair, traced and untraced; a wait's cost is the traced difference
# with the no-wait mode less the untraced one, per round; a data call's is
# the no-wait mode's traced less untraced, per call (two a round).
set -eu
cd "$(dirname "$0")/.."
n=${1:-20000}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
ir() {	# MODE traced|untraced -> instructions
	rm -rf "$logs"/*
	if [ "$2" = traced ]; then pre="LD_PRELOAD=$PWD/build/libtrace.so"; else pre=X=; fi
	env SOCKTRACE_DIR="$logs" "$pre" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		build/bench/wait_loop "$n" "$1" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
}
nt=$(ir n traced); nu=$(ir n untraced)
echo "data call (send, recv): $(( (nt - nu) / n / 2 )) instructions added per call"
for m in e s p; do
	t=$(ir $m traced); u=$(ir $m untraced)
	case $m in e) name=epoll_wait;; s) name=select;; p) name=poll;; esac
	echo "$name: $(( ((t - nt) - (u - nu)) / n )) instructions added per call"
done
