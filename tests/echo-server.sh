# echo-server.sh: sourced by tests/demo.sh and tests/tools/docs-pictures.sh.
# start_echo_server BUILD TRACE OUT N: starts the TCP echo example for N
# clients under socktrace, logging into TRACE and printing into OUT, in the
# background; sets $server to its pid and $port to the port it listens on
# (127.0.0.1), or says why not and returns 1.
start_echo_server() {
	"$1/socktrace" -q --no-view -o "$2" -- "$1/examples/tcp_echo_server" -n "$4" >"$3" &
	server=$!
	# The server prints "@ listen ... local=127.0.0.1:PORT" once it listens.
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^@ listen .*:\([0-9][0-9]*\)$/\1/p' "$3" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "$(basename "$0"): the server did not start listening" >&2
		kill "$server" 2>/dev/null || true
		return 1
	fi
}
