#!/bin/bash
# bench/run.sh: the socktrace benchmark (`make bench`).  Runs each workload
# untraced, traced (LD_PRELOAD=build/libtrace.so) and under
# `strace -f -e trace=network -yy`, interleaved (untraced, traced, strace,
# untraced, ...) BENCH_RUNS times, takes the medians, prints one markdown
# table and writes it, with the machine and the commands, to
# bench/results.md.  See bench/README.md for what each workload measures.
#
# It builds nothing: `make bench` has built the library and build/bench/*.
# It reports and does not assert: a missed target still exits 0; a workload
# that fails to run exits 1.  Only loopback addresses are used, and every
# command runs under `timeout`.
#
# Environment: BENCH_RUNS (9), BENCH_SOCKPAIR_N (300000 iterations),
# BENCH_PINGPONG_N (40000 round trips, both processes on one CPU),
# BENCH_PINGPONG2_N (10000 round trips, one CPU each), BENCH_STRACE_DIV (50: strace runs do
# N/50 iterations, compared per iteration), BENCH_WRK_SECS (4),
# BENCH_LOG_RECORDS (1000000).
set -u
cd "$(dirname "$0")/.." || exit 1

B=$PWD/build
LIB=$B/libtrace.so
# The cost floor: the library with every record dropped before it is built.
FLOOR_LIB=$B/bench/libtrace-timeonly.so
# The library each preloading mode runs under.
declare -A PRELOAD=([traced]=$LIB [floor]=$FLOOR_LIB)
RUNS=${BENCH_RUNS:-9}
SP_N=${BENCH_SOCKPAIR_N:-300000}
PP_N=${BENCH_PINGPONG_N:-40000}
PP2_N=${BENCH_PINGPONG2_N:-10000}
STRACE_DIV=${BENCH_STRACE_DIV:-50}
WRK_SECS=${BENCH_WRK_SECS:-4}
LOG_RECORDS=${BENCH_LOG_RECORDS:-1000000}
STRACE=(strace -f -e trace=network -yy -o /dev/null)
RESULTS=bench/results.md

for v in RUNS:BENCH_RUNS SP_N:BENCH_SOCKPAIR_N PP_N:BENCH_PINGPONG_N PP2_N:BENCH_PINGPONG2_N \
	 STRACE_DIV:BENCH_STRACE_DIV WRK_SECS:BENCH_WRK_SECS LOG_RECORDS:BENCH_LOG_RECORDS; do
	name=${v%%:*}
	case ${!name} in
	'' | *[!0-9]* | 0)
		echo "bench: ${v#*:} must be a positive integer, not '${!name}'" >&2; exit 1 ;;
	esac
done

failed=0
rows=()	# markdown table rows
notes=()	# lines printed under the table
cmds=()	# the commands, for results.md
raw=()	# every run's number, for results.md

WORK=$(mktemp -d /tmp/socktrace-bench.XXXXXX) || exit 1
NGINX_JOB=
cleanup() {
	# An interrupted nginx run: TERM to the master stops its workers too.
	if [ -n "$NGINX_JOB" ]; then
		[ -s "$WORK/nginx/nginx.pid" ] && kill -TERM "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
		sleep 0.5
		kill -KILL "$NGINX_JOB" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

for f in "$LIB" "$FLOOR_LIB" "$B/bench/sockpair_loop" "$B/bench/tcp_pingpong" "$B/bench/freeport" \
	 "$B/bench/genlog"; do
	if [ ! -e "$f" ]; then
		say "bench: $f is missing: run 'make bench' (it builds the library and build/bench/*)"
		exit 1
	fi
done
have_strace=1
command -v strace >/dev/null 2>&1 || { have_strace=0; say "bench: strace not found (apt-get install -y strace): strace column skipped"; }

# median of the arguments (numbers)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# paired_ratio A B: the median over runs i of B[i] / A[i], A and B the names
# of two arrays filled in the same interleaved rounds.  Pairing each run with
# its neighbour in time cancels slow drifts of the machine that the ratio of
# two medians would keep.
paired_ratio() {
	local -n pa=$1 pb=$2
	local i
	local -a q=()
	for ((i = 0; i < ${#pa[@]} && i < ${#pb[@]}; i++)); do
		q+=("$(calc "${pb[i]} / ${pa[i]}")")
	done
	median "${q[@]}"
}

# calc EXPR: floating-point arithmetic through awk
calc() { awk "BEGIN { printf \"%s\", $1 }" 2>/dev/null; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }

# field KEY LINE: the value of key=value in a program's output line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# A fresh, empty log directory for one traced run.
fresh_logs() {
	rm -rf "$WORK/logs" && mkdir -m 0777 "$WORK/logs"
}

# Checks that a traced run wrote logs (else the "traced" number means nothing).
check_logs() {
	if ! find "$WORK/logs" \( -name '*.jsonl' -o -name '*.stlog' \) -size +0 | grep -q .; then
		say "bench: $1: the traced run wrote no log in $WORK/logs"
		return 1
	fi
}

# run_mode MODE TIMEOUT CMD...: runs a program untraced, traced or under
# strace; prints its stdout; fails when it fails.
run_mode() {
	local mode=$1 limit=$2 rc
	shift 2
	case $mode in
	untraced) timeout "$limit" "$@" ;;
	traced | floor)
		fresh_logs &&
		timeout "$limit" env SOCKTRACE_DIR="$WORK/logs" LD_PRELOAD="${PRELOAD[$mode]}" "$@" ;;
	strace) timeout "$limit" "${STRACE[@]}" "$@" ;;
	esac
	rc=$?
	if [ $rc -ne 0 ]; then
		say "bench: '$*' ($mode) failed with status $rc"
		return 1
	fi
	if [ "$mode" = traced ]; then
		check_logs "$1" || return 1
	fi
}

modes=(untraced traced floor)
[ $have_strace = 1 ] && modes+=(strace)

# keep MODE VALUE: adds one run's number to the caller's array for that mode
# (u, t, f, s, d: locals of bench_micro and bench_nginx, seen here through
# bash's dynamic scope).
keep() {
	case $1 in
	untraced) u+=("$2") ;; traced) t+=("$2") ;; floor) f+=("$2") ;; strace) s+=("$2") ;;
	sfdata) d+=("$2") ;;
	esac
}

# One table row: workload, untraced, traced, ratio, strace ratio, target,
# result.  ratio and strace ratio are slowdown factors (>1 is slower).
add_row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }

pass_if_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "PASS" : "MISS" }'; }

# ---------------------------------------------------------------------------
# Micro-benchmarks: the program prints KEY=<ns per unit>; ratios of the
# per-unit medians.
# bench_micro NAME N UNITKEY UNITNAME CALLS_PER_UNIT TARGET PROG [ARGS...]:
# runs build/bench/PROG ARGS... N (N / STRACE_DIV under strace).
bench_micro() {
	local name=$1 n=$2 key=$3 unit=$4 calls=$5 target=$6 prog=$7
	local sn=$(( n / STRACE_DIV )) r mode out v
	local -a u=() t=() s=() f=() args
	shift 7
	args=("$@")

	[ "$sn" -ge 1 ] || sn=1
	say "bench: $name: $RUNS x (${modes[*]}), n=$n (strace n=$sn)"
	for ((r = 0; r < RUNS; r++)); do
		for mode in "${modes[@]}"; do
			if [ "$mode" = strace ]; then
				out=$(run_mode strace 300 "$B/bench/$prog" "${args[@]}" "$sn") || return 1
			else
				out=$(run_mode "$mode" 300 "$B/bench/$prog" "${args[@]}" "$n") || return 1
			fi
			v=$(field "$key" "$out")
			if [ -z "$v" ]; then
				say "bench: $prog printed no $key: $out"
				return 1
			fi
			keep "$mode" "$v"
		done
	done
	local mu mt ratio sratio=n/a added mf
	mu=$(median "${u[@]}"); mt=$(median "${t[@]}")
	ratio=$(paired_ratio u t)
	[ ${#s[@]} -gt 0 ] && sratio=$(fmt '%.1fx' "$(paired_ratio u s)")
	added=$(calc "($mt - $mu) / $calls")
	raw+=("$name, ns/$unit: untraced ${u[*]}; traced ${t[*]}${s:+; strace ${s[*]}}")
	add_row "$name" "$(fmt '%.0f' "$mu") ns/$unit" "$(fmt '%.0f' "$mt") ns/$unit" \
		"$(fmt '%.3fx' "$ratio")" "$sratio" "<= ${target}x" "$(pass_if_le "$ratio" "$target")"
	notes+=("$name: tracing adds **$(fmt '%.0f' "$added") ns per call** ($calls traced calls per $unit; (median traced - median untraced) / $calls)")
	mf=$(median "${f[@]}")
	raw+=("$name, ns/$unit, floor: ${f[*]}")
	notes+=("$name, floor (calls wrapped and timed, no record): $(fmt '%.3fx' "$(paired_ratio u f)"), $(fmt '%.0f' "$(calc "($mf - $mu) / $calls")") ns per call; the record itself: $(fmt '%.0f' "$(calc "($mt - $mf) / $calls")") ns per call")
}

# micro NAME N KEY UNIT CALLS TARGET PROG [ARGS...]: one row, FAILED if it fails.
micro() {
	local cmd="build/bench/$7"
	local -a rest=("${@:8}")
	[ ${#rest[@]} -gt 0 ] && cmd="$cmd ${rest[*]}"
	cmds+=("$1: \`$cmd $2\` (under strace: $(( $2 / STRACE_DIV )))")
	if ! bench_micro "$@"; then
		failed=1
		add_row "$1" FAILED - - - "<= ${6}x" FAILED
	fi
}

micro "socketpair 64 B send+recv, 1 process" "$SP_N" ns_per_iter iter 2 1.10 sockpair_loop
micro "TCP ping-pong 64 B, 2 processes on 1 CPU" "$PP_N" ns_per_round round 4 1.03 \
	tcp_pingpong -c 0
if [ "$(nproc)" -ge 2 ]; then
	micro "TCP ping-pong 64 B, 2 processes on 2 CPUs" "$PP2_N" ns_per_round round 4 1.03 \
		tcp_pingpong -C
else
	add_row "TCP ping-pong 64 B, 2 processes on 2 CPUs" skipped - - - "<= 1.03x" "skipped (1 CPU)"
fi

# ---------------------------------------------------------------------------
# The socketpair loop traced, alone and with `sockview --follow` reading its
# log folder beside it (issue 15: a live view costs the traced program
# nothing measurable), interleaved; the ratio is the median of each round's
# (with follower) / (alone).  The follower's own CPU time (user + sys, from
# /proc) is taken once it has caught up (its CPU time stopped growing), and
# noted.
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# cpu_ticks PID: user + system time of a process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null; }

# follow_run: one traced run with a follower; sets FOLLOW_NS and FOLLOW_CPU
# (seconds).
follow_run() {
	local pid out now prev i
	fresh_logs || return 1
	"$B/sockview" --follow "$WORK/logs" > /dev/null 2> "$WORK/follow.err" &
	pid=$!
	sleep 0.3
	out=$(timeout 300 env SOCKTRACE_DIR="$WORK/logs" LD_PRELOAD="$LIB" \
		"$B/bench/sockpair_loop" "$SP_N") || { kill -TERM "$pid"; wait "$pid"; return 1; }
	# caught up: its CPU time the same over 0.4 s (at most 60 s)
	prev=-1
	for ((i = 0; i < 150; i++)); do
		now=$(cpu_ticks "$pid")
		[ -z "$now" ] || [ "$now" = "$prev" ] && break
		prev=$now
		sleep 0.4
	done
	kill -TERM "$pid" 2>/dev/null
	if ! wait "$pid"; then
		say "bench: sockview --follow failed:"
		tail -n 5 "$WORK/follow.err" >&2
		return 1
	fi
	FOLLOW_NS=$(field ns_per_iter "$out")
	FOLLOW_CPU=$(calc "$now / $CLK_TCK")
	[ -n "$FOLLOW_NS" ] && [ -n "$now" ]
}

bench_follow() {
	local r out v
	local -a t=() w=() c=()
	say "bench: sockview --follow: $RUNS x (traced, traced + follower), n=$SP_N"
	for ((r = 0; r < RUNS; r++)); do
		out=$(run_mode traced 300 "$B/bench/sockpair_loop" "$SP_N") || return 1
		v=$(field ns_per_iter "$out")
		[ -n "$v" ] || return 1
		t+=("$v")
		follow_run || return 1
		w+=("$FOLLOW_NS"); c+=("$FOLLOW_CPU")
	done
	local ratio mt mw
	mt=$(median "${t[@]}"); mw=$(median "${w[@]}")
	ratio=$(paired_ratio t w)
	raw+=("socketpair with sockview --follow, ns/iter: traced ${t[*]}; traced + follower ${w[*]}; follower CPU s ${c[*]}")
	add_row "socketpair 64 B traced, with sockview --follow beside it" \
		"$(fmt '%.0f' "$mt") ns/iter (traced)" "$(fmt '%.0f' "$mw") ns/iter" \
		"$(fmt '%.3fx' "$ratio")" n/a "<= 1.03x" "$(pass_if_le "$ratio" 1.03)"
	notes+=("sockview --follow beside the socketpair loop ($SP_N iterations, $((SP_N * 2)) records): the follower used $(fmt '%.2f' "$(median "${c[@]}")") s of CPU (user + sys, median), for a traced run of $(fmt '%.2f' "$(calc "$mw * $SP_N / 1e9")") s; its output went to /dev/null")
}

cmds+=("socketpair with a live view: \`sockview --follow DIR > /dev/null\` started, then the traced \`build/bench/sockpair_loop $SP_N\` writing into DIR; the ratio pairs each run with a traced run alone")
if [ ! -x "$B/sockview" ]; then
	add_row "socketpair 64 B traced, with sockview --follow beside it" "not built" - - - "<= 1.03x" "not built"
elif ! bench_follow; then
	failed=1
	add_row "socketpair 64 B traced, with sockview --follow beside it" FAILED - - - "<= 1.03x" FAILED
fi

# ---------------------------------------------------------------------------
# The wait calls against a data call (issue 16): what the library adds to
# one epoll_wait, select and poll, and to one send or recv, in instructions
# counted by callgrind in the same run (bench/waitcost.sh; instruction
# counts are the same from run to run, timings of calls this short are
# noise).  Target: each wait's cost <= the data call's.
WAIT_N=${BENCH_WAIT_N:-20000}

# waitcost_of NAME OUTPUT: the number waitcost.sh printed for NAME
waitcost_of() { printf '%s\n' "$2" | sed -n "s/^$1: \(-\{0,1\}[0-9][0-9]*\) instructions.*/\1/p"; }

bench_waitcost() {
	local out data v name worst= res=PASS list=
	say "bench: wait calls against recv: callgrind, $WAIT_N rounds per mode"
	out=$(timeout 600 bench/waitcost.sh "$WAIT_N" 2> "$WORK/waitcost.err") || {
		say "bench: bench/waitcost.sh failed:"; tail -n 5 "$WORK/waitcost.err" >&2; return 1; }
	data=$(waitcost_of 'data call (send, recv)' "$out")
	[ -n "$data" ] || return 1
	for name in epoll_wait select poll; do
		v=$(waitcost_of "$name" "$out")
		[ -n "$v" ] || return 1
		list+="${list:+, }$name $v"
		[ "$v" -le "$data" ] || res=MISS
		[ -z "$worst" ] || [ "$v" -gt "$worst" ] && worst=$v
	done
	raw+=("wait calls, instructions added per call: $(printf '%s' "$out" | tr '\n' ';')")
	add_row "wait calls against recv, instructions added per call (callgrind)" - \
		"$list; send/recv $data" "$(fmt '%.3fx' "$(calc "$worst / $data")")" n/a \
		"each wait <= recv's" "$res"
	notes+=("wait calls (build/bench/wait_loop $WAIT_N: send 1 byte, wait, recv it, on a socketpair): instructions the library adds per call, counted by callgrind; the ratio is the costliest wait's over a data call's (the mean of the loop's send and recv)")
}

cmds+=("wait calls: \`bench/waitcost.sh $WAIT_N\` (\`valgrind --tool=callgrind build/bench/wait_loop $WAIT_N MODE\`, traced and untraced, MODE e, s, p and n)")
case $WAIT_N in
'' | *[!0-9]* | 0)
	say "bench: BENCH_WAIT_N must be a positive integer, not '$WAIT_N'"; exit 1 ;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
	say "bench: valgrind missing (apt-get install -y valgrind): wait calls row skipped"
	add_row "wait calls against recv, instructions added per call (callgrind)" skipped skipped - - \
		"each wait <= recv's" "skipped (apt-get install -y valgrind)"
elif ! bench_waitcost; then
	failed=1
	add_row "wait calls against recv, instructions added per call (callgrind)" FAILED - - - \
		"each wait <= recv's" FAILED
fi

# ---------------------------------------------------------------------------
# nginx under wrk.  A minimal config in a temp dir; nginx is the traced
# program (its master forks the workers, which inherit the library), wrk is
# never traced.
nginx_conf() {
	local dir=$1 port=$2 m
	{
		[ "$(id -u)" = 0 ] && echo "user root;"
		cat <<EOF
worker_processes 2;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type text/plain;
	client_body_temp_path $dir/body;
EOF
		# The temp dirs of the modules this build has (nginx-light lacks some).
		for m in proxy fastcgi uwsgi scgi; do
			nginx -V 2>&1 | grep -q -- "--without-http_${m}_module" ||
				echo "	${m}_temp_path $dir/$m;"
		done
		cat <<EOF
	server {
		listen 127.0.0.1:$port;
		root $dir/www;
		location / { }
	}
}
EOF
	} > "$dir/nginx.conf"
}

# Waits until something accepts on 127.0.0.1:PORT (10 s at most).
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# nginx_run MODE PORT: starts nginx, runs wrk, stops nginx; sets RPS.  Not
# run in $(...): the nginx job must stay visible to the cleanup trap.
nginx_run() {
	local mode=$1 port=$2 dir=$WORK/nginx out rps pid i
	local -a ng=(nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log")

	rm -f "$dir/nginx.pid"
	case $mode in
	untraced) timeout 120 "${ng[@]}" & ;;
	traced | floor)
		fresh_logs &&
		timeout 120 env SOCKTRACE_DIR="$WORK/logs" LD_PRELOAD="${PRELOAD[$mode]}" "${ng[@]}" & ;;
	sfdata)
		fresh_logs &&
		timeout 120 env SOCKTRACE_DIR="$WORK/logs" SOCKTRACE_SENDFILE_DATA=1 \
			LD_PRELOAD="$LIB" "${ng[@]}" & ;;
	strace) timeout 120 "${STRACE[@]}" "${ng[@]}" & ;;
	esac
	NGINX_JOB=$!
	if ! wait_port "$port"; then
		say "bench: nginx ($mode) did not start on 127.0.0.1:$port; $dir/error.log says:"
		tail -n 5 "$dir/error.log" >&2
		kill -KILL "$NGINX_JOB" 2>/dev/null; wait "$NGINX_JOB" 2>/dev/null; NGINX_JOB=
		return 1
	fi
	out=$(timeout $((WRK_SECS + 30)) wrk -t2 -c50 -d"${WRK_SECS}s" "http://127.0.0.1:$port/index.html" 2>&1)
	rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
	# Stop nginx: TERM to the master (under strace, strace's child), then
	# wait for the job; KILL whatever is left after 10 s.
	for ((i = 0; i < 50; i++)); do
		[ -s "$dir/nginx.pid" ] && break
		sleep 0.1
	done
	pid=$(cat "$dir/nginx.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$NGINX_JOB" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NGINX_JOB" 2>/dev/null; then
		say "bench: nginx ($mode) did not stop on SIGTERM; killing it"
		kill -KILL "$NGINX_JOB" 2>/dev/null
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$NGINX_JOB" 2>/dev/null
	NGINX_JOB=
	if [ -z "$rps" ]; then
		say "bench: wrk ($mode) reported no Requests/sec:"
		printf '%s\n' "$out" >&2
		return 1
	fi
	if [ "$mode" = traced ] || [ "$mode" = sfdata ]; then
		check_logs nginx || return 1
	fi
	RPS=$rps
}

bench_nginx() {
	local dir=$WORK/nginx port r mode v
	local -a u=() t=() s=() f=() d=()
	# nginx also runs traced with sendfile's snippet read back (not the
	# default: one more system call per request), for the note.
	local -a ngmodes=("${modes[@]}" sfdata)

	mkdir -m 0777 "$dir" "$dir/www" || return 1
	# A small static file: 612 bytes, about nginx's own index page.
	head -c 612 /dev/zero | tr '\0' 'x' > "$dir/www/index.html"
	chmod -R a+rX "$dir/www"
	port=$("$B/bench/freeport") || return 1
	nginx_conf "$dir" "$port"
	if ! nginx -t -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >/dev/null 2>&1; then
		say "bench: nginx rejects the generated config:"
		nginx -t -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >&2
		return 1
	fi
	say "bench: nginx: $RUNS x (${ngmodes[*]}), wrk -t2 -c50 -d${WRK_SECS}s, port $port"
	for ((r = 0; r < RUNS; r++)); do
		for mode in "${ngmodes[@]}"; do
			nginx_run "$mode" "$port" || return 1
			v=$RPS
			keep "$mode" "$v"
		done
	done
	local mu mt ratio sratio=n/a share
	mu=$(median "${u[@]}"); mt=$(median "${t[@]}")
	# Slowdown factor = untraced req/s over traced req/s, like the other rows.
	ratio=$(paired_ratio t u)
	share=$(calc "100 / $ratio")
	if [ ${#s[@]} -gt 0 ]; then
		sratio=$(fmt '%.1fx' "$(paired_ratio s u)")
		notes+=("nginx under strace: $(fmt '%.0f' "$(median "${s[@]}")") req/s")
	fi
	raw+=("nginx, req/s: untraced ${u[*]}; traced ${t[*]}${s:+; strace ${s[*]}}; floor ${f[*]}")
	notes+=("nginx, floor (calls wrapped and timed, no record): $(fmt '%.0f' "$(median "${f[@]}")") req/s, $(fmt '%.1f' "$(calc "100 / $(paired_ratio f u)")")% of untraced")
	raw+=("nginx, req/s, SOCKTRACE_SENDFILE_DATA=1: ${d[*]}")
	notes+=("nginx, traced with SOCKTRACE_SENDFILE_DATA=1 (sendfile's snippet read back, one more pread per request; off by default): $(fmt '%.0f' "$(median "${d[@]}")") req/s, $(fmt '%.1f' "$(calc "100 / $(paired_ratio d u)")")% of untraced")
	add_row "nginx 2 workers, wrk -t2 -c50, 612 B file" "$(fmt '%.0f' "$mu") req/s" \
		"$(fmt '%.0f' "$mt") req/s ($(fmt '%.1f' "$share")%)" "$(fmt '%.3fx' "$ratio")" \
		"$sratio" ">= 98% req/s" \
		"$(awk -v a="$share" 'BEGIN { print (a >= 98) ? "PASS" : "MISS" }')"
}

cmds+=("nginx: \`nginx -p DIR/ -c DIR/nginx.conf\` (worker_processes 2, access_log off, sendfile on), load: \`wrk -t2 -c50 -d${WRK_SECS}s http://127.0.0.1:PORT/index.html\` (wrk untraced)")
if ! command -v nginx >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1; then
	say "bench: nginx or wrk missing: apt-get install -y nginx-light wrk; nginx row skipped"
	add_row "nginx 2 workers, wrk -t2 -c50, 612 B file" skipped skipped - - ">= 98% req/s" \
		"skipped (apt-get install -y nginx-light wrk)"
elif ! bench_nginx; then
	failed=1
	add_row "nginx 2 workers, wrk -t2 -c50, 612 B file" FAILED - - - ">= 98% req/s" FAILED
fi

# ---------------------------------------------------------------------------
# sockview on a generated run of LOG_RECORDS records: elapsed seconds and
# maximum resident memory per record, medians of RUNS.  The time target is
# VIEW_LIMIT seconds (1 unless set).
bench_view() {
	local name=$1 r secs kib rc limit=${VIEW_LIMIT:-1}
	shift
	local -a e=() m=()
	for ((r = 0; r < RUNS; r++)); do
		timeout 300 /usr/bin/time -f '%e %M' -o "$WORK/time" "$B/sockview" "$@" \
			"$WORK/genlog" > /dev/null 2> "$WORK/view.err"
		rc=$?
		if [ $rc -ne 0 ]; then
			say "bench: sockview $* failed with status $rc:"
			tail -n 5 "$WORK/view.err" >&2
			return 1
		fi
		read -r secs kib < <(tail -n 1 "$WORK/time")
		e+=("$secs"); m+=("$kib")
	done
	local ms mm per
	ms=$(median "${e[@]}"); mm=$(median "${m[@]}")
	per=$(calc "$mm * 1024 / $GEN_RECORDS")
	add_row "$name, $GEN_RECORDS records" - \
		"$(fmt '%.2f' "$ms") s, $(fmt '%.0f' "$mm") KiB = $(fmt '%.0f' "$per") B/record" - - \
		"< $limit s, < 300 B/record" \
		"$(awk -v s="$ms" -v p="$per" -v l="$limit" 'BEGIN { print (s < l && p < 300) ? "PASS" : "MISS" }')"
}

cmds+=("sockview: \`build/bench/genlog -n $LOG_RECORDS DIR\` (2 files, HTTP-like server and client), then \`/usr/bin/time -f '%e %M' build/sockview [--conns|--pcapng|--jsonl] DIR > /dev/null\`")
GEN_RECORDS=0
if [ ! -x "$B/sockview" ]; then
	say "bench: build/sockview not built: sockview rows skipped"
	add_row "sockview --conns, $LOG_RECORDS records" "not built" - - - "< 1 s, < 300 B/record" "not built"
	add_row "sockview (timeline), $LOG_RECORDS records" "not built" - - - "< 1 s, < 300 B/record" "not built"
else
	mkdir -p "$WORK/genlog"
	gen=$(timeout 120 "$B/bench/genlog" -n "$LOG_RECORDS" "$WORK/genlog") || { failed=1; gen=; }
	GEN_RECORDS=$(field records "$gen")
	if [ -z "$GEN_RECORDS" ]; then
		say "bench: genlog failed"
		failed=1
		add_row "sockview, $LOG_RECORDS records" FAILED - - - "< 1 s, < 300 B/record" FAILED
	else
		say "bench: sockview: $RUNS x each view of $GEN_RECORDS records"
		bench_view "sockview --conns" --conns ||
			{ failed=1; add_row "sockview --conns" FAILED - - - "< 1 s, < 300 B/record" FAILED; }
		bench_view "sockview (timeline)" ||
			{ failed=1; add_row "sockview (timeline)" FAILED - - - "< 1 s, < 300 B/record" FAILED; }
		VIEW_LIMIT=3 bench_view "sockview --pcapng" --pcapng ||
			{ failed=1; add_row "sockview --pcapng" FAILED - - - "< 3 s, < 300 B/record" FAILED; }
		VIEW_LIMIT=2 bench_view "sockview --jsonl" --jsonl ||
			{ failed=1; add_row "sockview --jsonl" FAILED - - - "< 2 s, < 300 B/record" FAILED; }
	fi
fi

# ---------------------------------------------------------------------------
table() {
	echo "| workload | untraced | traced | ratio | strace ratio | target | result |"
	echo "| --- | ---: | ---: | ---: | ---: | --- | --- |"
	printf '%s\n' "${rows[@]}"
	echo
	local n
	for n in "${notes[@]}"; do echo "- $n"; done
}

table

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- preload common 2>/dev/null || commit="$commit + uncommitted changes in preload/ or common/"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
{
	echo "# socktrace benchmark results"
	echo
	echo "Produced by \`make bench\` (bench/run.sh); what each workload measures: [README.md](README.md)."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs${cpu:+ ($cpu)}, kernel $(uname -r)"
	echo "- source: $commit"
	echo "- runs: medians of $RUNS interleaved runs (untraced, traced, strace, untraced, ...)"
	echo "- traced: \`SOCKTRACE_DIR=<temp dir> LD_PRELOAD=build/libtrace.so\`, default settings (64-byte payload snippets)"
	echo "- strace: \`${STRACE[*]}\`"
	echo "- ratio: traced cost over untraced cost (time per unit, or untraced over traced req/s), the median over the rounds of each round's ratio; strace ratio likewise"
	echo
	echo "Commands:"
	echo
	for c in "${cmds[@]}"; do echo "- $c"; done
	echo
	table
	echo
	echo "Every run, in order (each round: untraced, traced, strace):"
	echo
	for c in "${raw[@]}"; do echo "- $c"; done
} > "$RESULTS"
say "bench: table written to $RESULTS"

exit $failed
