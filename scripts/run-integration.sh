#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh (each starts its own daemons on its
# own 127.0.X.0/24 addresses and stops them by PID), prints "PASS name (Ns)"
# or "FAIL name" per test as it ends, then one summary line
# "integration: N passed, N failed"; exits non-zero if any test failed.
#
#   scripts/run-integration.sh [NAME...]   only these tests (e.g. test_bird)
#
# INTEGRATION_JOBS (default 2) tests run side by side, the longest first
# (most of a test's time is BGP timers and daemons starting, not CPU); a
# test with a line "# alone: REASON" runs with no other test beside it.
# INTEGRATION_JOBS=1 runs them one after the other in name order.
#
# A test's own output goes to build/integration/NAME.log, and the seconds a
# passing test took to NAME.time (the next run's order); a failing test's
# log is printed. Environment: see tests/integration/lib.sh (MUXD, KEEP, V4,
# V6); TEST_TIMEOUT bounds each test (default: the test's own "# timeout:
# SECONDS" line, else 240).
set -u
cd "$(dirname "$0")/.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "integration: needs root (BGP port 179, packet capture)" >&2
	exit 1
fi
muxd=${MUXD:-build/muxd}
if [ -z "${MUXD:-}" ] && [ ! -x "$muxd" ]; then
	echo "integration: $muxd not built: run 'make' first" >&2
	exit 1
fi
jobs=${INTEGRATION_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
	echo "integration: INTEGRATION_JOBS=$jobs is not a positive number" >&2
	exit 1
fi

logs=build/integration
mkdir -p "$logs"

# The tests' python3 is Debian's /usr/bin/python3, the one scripts/deps.sh
# installs their modules for. A python3 found first on PATH may be a
# version manager's shim: pyenv's is a shell script that costs a second per
# start on a busy machine, and the tests start python3 hundreds of times
# (on this 2-core machine under load: test_multisession 130 s -> 47 s,
# test_mux_isps 145 s -> 70 s).
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$logs/bin"
	ln -sfn /usr/bin/python3 "$logs/bin/python3"
	PATH=$PWD/$logs/bin:$PATH
fi
if [ $# -gt 0 ]; then
	tests=()
	for name in "$@"; do tests+=("tests/integration/${name%.sh}.sh"); done
else
	tests=(tests/integration/test_*.sh)
fi

# Seconds each test took, one at a time on a busy 2-core machine (other
# builds beside it): the order when build/integration has no NAME.time from
# an earlier run. Only their order matters; a test missing here counts as 20.
declare -A KNOWN=(
	[test_multisession]=164 [test_mux_isps]=153 [test_mrt]=60 [test_gobgp]=56
	[test_client_routes]=51 [test_frr]=48 [test_exabgp]=48 [test_mux_smoke]=43
	[test_api]=43 [test_dataplane_full]=40 [test_bmp]=38 [test_exabgp_multisession]=35
	[test_bird]=34 [test_deb]=32 [test_ipv6_direct]=31 [test_mux_faults]=30
	[test_stream_limits]=29 [test_graceful_restart]=29 [test_badinput]=29
	[test_open_timeout]=27 [test_mux_multisession]=27 [test_api_scale]=25
)

# expected NAME — the seconds NAME is expected to take.
expected() {
	local t
	t=$(cat "$logs/$1.time" 2>/dev/null)
	[[ $t =~ ^[0-9]+$ ]] || t=${KNOWN[$1]:-20}
	echo "$t"
}

# alone FILE — the test asks to run with no other test beside it.
alone() { grep -q '^# alone: ' "$1"; }

# run_one FILE — runs one test under its time limit; exits with its status.
run_one() {
	local t=$1 name pid limit deadline
	name=$(basename "$t" .sh)
	# setsid: the test and everything it starts get their own process
	# group, so a test that overruns its time can be ended as a whole by
	# its id.
	setsid bash "$t" >"$logs/$name.log" 2>&1 &
	pid=$!
	trap 'stop_test "$pid"; exit 130' TERM
	# A test may ask for more with a line "# timeout: SECONDS" (under load
	# its daemons start and converge several times slower).
	limit=$(sed -n 's/^# timeout: \([0-9]\+\)$/\1/p' "$t" | head -1)
	limit=${TEST_TIMEOUT:-${limit:-240}}
	deadline=$((SECONDS + limit))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "integration: $name still running after ${limit}s: stopping it" >>"$logs/$name.log"
		stop_test "$pid"
	fi
	wait "$pid"
}

# stop_test PID — SIGTERM (the test's EXIT trap stops its daemons), then
# what is left of its process group after 15 s.
stop_test() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 75); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
	kill -KILL -- "-$1" 2>/dev/null
}

# The order: with one job the given order; with more, the tests that run
# alone first (one at a time), then the rest, the longest first of each.
order=("${tests[@]}")
if [ "$jobs" -gt 1 ]; then
	mapfile -t order < <(for t in "${tests[@]}"; do
		a=1
		alone "$t" && a=0
		printf '%d %06d %s\n' "$a" "$(expected "$(basename "$t" .sh)")" "$t"
	done | sort -k1,1n -k2,2nr -k3,3 | cut -d' ' -f3-)
fi

declare -A RUNNING=() STARTED=()   # runner pid -> test file, start time
running_alone=0
passed=0
failed=0
trap 'for p in "${!RUNNING[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait; exit 130' INT TERM

# finish — waits for one running test to end and reports it.
finish() {
	local p rc t name secs
	wait -n -p p "${!RUNNING[@]}"
	rc=$?
	t=${RUNNING[$p]}
	name=$(basename "$t" .sh)
	secs=$((SECONDS - STARTED[$p]))
	unset "RUNNING[$p]" "STARTED[$p]"
	running_alone=0
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${secs}s)"
		echo "$secs" >"$logs/$name.time"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		sed 's/^/    /' "$logs/$name.log"
		failed=$((failed + 1))
	fi
}

# busy ALONE — the next test (ALONE=1: one that runs alone) must wait: the
# lanes are full, or a test that runs alone is running, or the next one
# runs alone and something is running.
busy() {
	[ ${#RUNNING[@]} -gt 0 ] &&
		{ [ "$1" = 1 ] || [ "$running_alone" = 1 ] || [ ${#RUNNING[@]} -ge "$jobs" ]; }
}

for t in "${order[@]}"; do
	a=0
	[ "$jobs" -gt 1 ] && alone "$t" && a=1
	while busy "$a"; do finish; done
	run_one "$t" &
	RUNNING[$!]=$t
	STARTED[$!]=$SECONDS
	running_alone=$a
done
while [ ${#RUNNING[@]} -gt 0 ]; do finish; done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
