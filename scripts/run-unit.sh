#!/usr/bin/env bash
# Runs every unit test binary given, each in its own process, UNIT_JOBS
# (default: the cores) at a time, and ends with one summary line: "unit: N
# passed, N failed". Each test's output is shown whole when it ends, never
# interleaved with another's. The longest tests start first (under ASan
# test_instance alone is a third of the phase), so the others fill the
# remaining cores beside it. Unit tests bind only ephemeral ports or their
# own addresses, so they can run side by side.
set -u
jobs=${UNIT_JOBS:-$(nproc 2>/dev/null || echo 2)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Longest first: the known heavy ones, then the rest in the order given.
ordered=()
for heavy in test_instance test_instance_routes test_fsm test_bgp_update test_pathstore test_rib_model test_config; do
	for t in "$@"; do [ "$(basename "$t")" = "$heavy" ] && ordered+=("$t"); done
done
for t in "$@"; do
	case " ${ordered[*]} " in *" $t "*) ;; *) ordered+=("$t") ;; esac
done

# run T: the test's output to its file, its status in another.
run() {
	local name
	name=$(basename "$1")
	"$1" >"$out/$name.log" 2>&1
	echo $? >"$out/$name.rc"
}

# report T: show a finished test's output and count it.
passed=0 failed=0
report() {
	local name
	name=$(basename "$1")
	cat "$out/$name.log"
	if [ "$(cat "$out/$name.rc")" = 0 ]; then
		passed=$((passed + 1))
	else
		echo "FAILED: $1" >&2
		failed=$((failed + 1))
	fi
}

running=()
for t in "${ordered[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run "$t" &
	running+=("$t")
done
wait
for t in "${running[@]}"; do report "$t"; done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
