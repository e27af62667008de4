#!/usr/bin/env bash
# Runs each libFuzzer target: first over its regression inputs (every crash
# ever found stays in tests/fuzz/regressions/NAME/), then for SECONDS over a
# copy of its seed corpus tests/fuzz/corpus/NAME/. A new crash fails the run
# and is saved under build-fuzz/crashes/ to be added to the regressions.
# FUZZ_JOBS targets (default: the cores) run side by side, each on a core.
set -u
seconds=$1; shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p build-fuzz/crashes

# fuzz_one BIN: its regressions, then SECONDS of fuzzing; the verdict line
# goes to build-fuzz/NAME.verdict (ok or FAILED).
fuzz_one() {
	local bin=$1 name reg seeds work ok runs
	name=$(basename "$bin")
	name=${name#fuzz_}
	reg=tests/fuzz/regressions/$name
	seeds=tests/fuzz/corpus/$name
	work=build-fuzz/work/$name
	mkdir -p "$work" "$reg" "$seeds"
	ok=1
	if [ -n "$(ls -A "$reg")" ]; then
		"$bin" -runs=0 "$reg"/* >"build-fuzz/$name.reg.log" 2>&1 || ok=0
	fi
	if [ $ok -eq 1 ]; then
		"$bin" -max_total_time="$seconds" -max_len=65535 -timeout=10 \
		    -artifact_prefix="build-fuzz/crashes/$name-" -print_final_stats=1 \
		    "$work" "$seeds" >"build-fuzz/$name.log" 2>&1 || ok=0
	fi
	if [ $ok -eq 1 ]; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$')
		echo "ok, ${runs:-?} runs in ${seconds}s" >"build-fuzz/$name.verdict"
	else
		echo FAILED >"build-fuzz/$name.verdict"
	fi
}

for bin in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	rm -f "build-fuzz/$(basename "$bin" | sed 's/^fuzz_//').verdict"
	fuzz_one "$bin" &
done
wait

passed=0 failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	verdict=$(cat "build-fuzz/$name.verdict" 2>/dev/null || echo FAILED)
	if [ "${verdict%%,*}" = ok ]; then
		echo "fuzz $name: $verdict"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED (see build-fuzz/$name.log, build-fuzz/$name.reg.log)" >&2
		tail -30 "build-fuzz/$name.log" "build-fuzz/$name.reg.log" 2>/dev/null >&2
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
