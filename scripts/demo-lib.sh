# demo-lib.sh — what scripts/demo.sh and scripts/screenshot.sh share:
# stopping what they started, by PID, and waiting for a log line with a
# deadline. Sourced; PROG names the script in messages.

# Stop PID with SIGTERM (SIGKILL after 10 s) and reap it.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$PROG: PID $pid did not stop on SIGTERM within 10 s: killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# Poll a file for a pattern until a deadline; fail early if PID died.
wait_for() {
	local file=$1 pattern=$2 secs=$3 pid=$4 what=$5 i
	for i in $(seq 1 $((secs * 10))); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { echo "$PROG: $what exited early:" >&2; tail -20 "$file" >&2; return 1; }
		sleep 0.1
	done
	echo "$PROG: no '$pattern' from $what within $secs s:" >&2
	tail -20 "$file" >&2
	return 1
}
