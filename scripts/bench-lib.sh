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
# (rss_now_kb: VmRSS), its CPU time so far (cpu_s: utime + stime) and that
# of each of its threads but the first (thread_cpu_s:NAME), one "key value"
# a line, as the bench reports read them.
proc_stats() {
	local pid=$1 tck
	tck=$(getconf CLK_TCK)
	alive "$pid" || return 1
	awk '/^VmHWM:/ { print "rss_kb", $2 } /^VmRSS:/ { print "rss_now_kb", $2 }' \
	    "/proc/$pid/status"
	# Fields after "pid (comm) ": utime and stime are the 12th and 13th.
	sed 's/.*) //' "/proc/$pid/stat" | awk -v t="$tck" '{ printf "cpu_s %.2f\n", ($12 + $13) / t }'
	# Each thread but the first, by name (muxd names its writer threads
	# after what they write), spaces as "_": "thread_cpu_s:live_stream 0.18".
	local task name
	for task in /proc/"$pid"/task/*; do
		[ "${task##*/}" = "$pid" ] && continue
		name=$(tr ' ' _ <"$task/comm" 2>/dev/null) || continue
		sed 's/.*) //' "$task/stat" 2>/dev/null |
		    awk -v t="$tck" -v n="$name" '{ printf "thread_cpu_s:%s %.3f\n", n, ($12 + $13) / t }'
	done | awk '{ s[$1] += $2 } END { for (k in s) printf "%s %.3f\n", k, s[k] }' | sort
}

# machine_firsttouch: one phrase for a bench's machine line, what the first
# write to fresh memory costs here, e.g. "first touch of fresh memory 3.4
# ms/MiB (reused 0.13)". Under this hypervisor a page is backed on its
# first write: ~3 ms per MiB, against ~0.13 for memory freed a moment ago,
# and a daemon's CPU seconds while it loads a table carry it
# (tests/bench/README.md). build/tools/bench_firsttouch writes up to
# 1 GiB until it has found 32 MiB of fresh memory (the kernel hands out
# what was freed a moment ago first): a few tenths of a second.
machine_firsttouch() {
	local tool=build/tools/bench_firsttouch out
	if [ ! -x "$tool" ]; then
		echo "first touch not measured ($tool not built)"
		return 0
	fi
	if ! out=$("$tool" --json --fresh 32 1024 2>&1); then
		echo "first touch not measured ($out)"
		return 0
	fi
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
f, r, m = j["fresh_ms_per_mib"], j["reused_ms_per_mib"], j["mib"]
print(f"first touch of fresh memory {f:.1f} ms/MiB (reused {r:.2f})" if f is not None
      else f"first touch: no fresh memory in {m} MiB (reused {r:.2f} ms/MiB)")' \
	    "$out" 2>/dev/null || echo "first touch not measured (unreadable: $out)"
}
