#!/usr/bin/env bash
# Runs each libFuzzer target: first over its regression inputs (every crash
# ever found stays in tests/fuzz/regressions/NAME/), then for SECONDS over a
# copy of its seed corpus tests/fuzz/corpus/NAME/. A new crash fails the run
# and is saved under build-fuzz/crashes/ to be added to the regressions.
set -u
seconds=$1; shift
passed=0 failed=0
mkdir -p build-fuzz/crashes
for bin in "$@"; do
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
		echo "fuzz $name: ok, ${runs:-?} runs in ${seconds}s"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED (see build-fuzz/$name.log, build-fuzz/$name.reg.log)" >&2
		tail -30 "build-fuzz/$name.log" "build-fuzz/$name.reg.log" 2>/dev/null >&2
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
