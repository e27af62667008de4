#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh, one after the other (each starts
# its own daemons on its own 127.0.X.0/24 addresses and stops them by PID),
# prints "PASS name (Ns)" or "FAIL name" per test, then one summary line
# "integration: N passed, N failed"; exits non-zero if any test failed.
#
#   scripts/run-integration.sh [NAME...]   only these tests (e.g. test_bird)
#
# A test's own output goes to build/integration/NAME.log; a failing test's
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

logs=build/integration
mkdir -p "$logs"
if [ $# -gt 0 ]; then
	tests=()
	for name in "$@"; do tests+=("tests/integration/${name%.sh}.sh"); done
else
	tests=(tests/integration/test_*.sh)
fi

passed=0
failed=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$SECONDS
	# setsid: the test and everything it starts get their own process group,
	# so a test that overruns its time can be ended as a whole by its id.
	setsid bash "$t" >"$logs/$name.log" 2>&1 &
	pid=$!
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
		kill -TERM "$pid" 2>/dev/null       # its EXIT trap stops its daemons
		for _ in $(seq 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL -- "-$pid" 2>/dev/null   # what is left of its group
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name ($((SECONDS - start))s)"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		sed 's/^/    /' "$logs/$name.log"
		failed=$((failed + 1))
	fi
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
