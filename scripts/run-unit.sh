#!/usr/bin/env bash
# Runs every unit test binary given, each in its own process, and ends with
# one summary line: "unit: N passed, N failed".
set -u
passed=0 failed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
