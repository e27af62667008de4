# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run): the processes
# a bench starts and only those, waits with deadlines, a daemon's figures
# from /proc. The sourcing script sets BENCH_NAME (the prefix of say).
# Functions here are called through variables and wait_until.
# shellcheck disable=SC2317

say() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }

PIDS=()
LAST_PID=

# spawn OUT ERR CMD...: start CMD in the background, remember its PID.
spawn() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

alive() { kill -0 "$1" 2>/dev/null; }

# stop PID: SIGTERM, up to 5 s to go, then SIGKILL. By PID only.
stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do stop "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS CMD...: true as soon as CMD is, false at the deadline.
wait_until() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

listening() { ss -Hltn src "$1:$2" 2>/dev/null | grep -q .; }
count_files_with() { grep -l -- "$1" "${@:2}" 2>/dev/null | wc -l; }
all_gone() {
	local pid
	for pid in "$@"; do alive "$pid" && return 1; done
	return 0
}

# proc_stats PID: the daemon's peak memory (rss_kb: VmHWM), its memory now
# (rss_now_kb: VmRSS) and its CPU time so far (cpu_s: utime + stime), one
# "key value" a line, as the bench reports read them.
proc_stats() {
	local pid=$1 tck
	tck=$(getconf CLK_TCK)
	alive "$pid" || return 1
	awk '/^VmHWM:/ { print "rss_kb", $2 } /^VmRSS:/ { print "rss_now_kb", $2 }' \
	    "/proc/$pid/status"
	# Fields after "pid (comm) ": utime and stime are the 12th and 13th.
	sed 's/.*) //' "/proc/$pid/stat" | awk -v t="$tck" '{ printf "cpu_s %.2f\n", ($12 + $13) / t }'
}
