#!/usr/bin/env bash
# test_config_golden.sh — `muxd --check-config -v FILE` prints the
# normalised configuration: for each case the output must equal its golden
# file, must load again and print the same (round trip), and must show no
# password. Without -v, --check-config prints nothing on stdout.
#
#   tests/scripts/test_config_golden.sh [MUXD]     (default: build/muxd)
#   UPDATE=1 tests/scripts/test_config_golden.sh   rewrites the golden files
#
# Cases: tests/config/NAME.json → tests/config/NAME.golden, and the demo's
# configuration, scripts/demo-config.json → tests/config/demo-config.golden.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MUXD=${1:-$ROOT/build/muxd}
T=$(mktemp -d /tmp/test_config_golden.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL test_config_golden: $*" >&2; exit 1; }

[[ -x $MUXD ]] || fail "no muxd at $MUXD (make first)"
cd "$ROOT" || exit 2

cases=("scripts/demo-config.json:tests/config/demo-config.golden")
for f in tests/config/*.json; do
	cases+=("$f:${f%.json}.golden")
done

# Every password written in a case, to be sure none is printed.
passwords() {
	grep -o '"password": *"[^"]*"' "$1" | sed 's/.*: *"\(.*\)"/\1/'
}

for c in "${cases[@]}"; do
	in=${c%%:*} golden=${c#*:} name=$(basename "$golden" .golden)
	"$MUXD" --check-config -v "$in" >"$T/$name.out" 2>"$T/$name.err" ||
		fail "$in: --check-config -v exits $?: $(cat "$T/$name.err")"
	if [[ -n ${UPDATE:-} ]]; then
		cp "$T/$name.out" "$golden"
		echo "updated: $golden"
	fi
	[[ -f $golden ]] || fail "$in: no $golden (UPDATE=1 makes it)"
	diff -u "$golden" "$T/$name.out" >"$T/diff" ||
		fail "$in: the normalised configuration differs from $golden:
$(cat "$T/diff")"
	"$MUXD" --check-config -v "$T/$name.out" >"$T/$name.again" 2>"$T/$name.err" ||
		fail "$in: its normalised configuration does not load: $(cat "$T/$name.err")"
	diff -u "$T/$name.out" "$T/$name.again" >"$T/diff" ||
		fail "$in: printed, loaded and printed again, it differs:
$(cat "$T/diff")"
	while IFS= read -r pw; do
		[[ -z $pw ]] || ! grep -qF -- "$pw" "$T/$name.out" ||
			fail "$in: the password \"$pw\" is printed"
	done < <(passwords "$in")
	"$MUXD" --check-config "$in" >"$T/quiet" 2>&1 || fail "$in: --check-config exits $?"
	[[ ! -s $T/quiet ]] || fail "$in: --check-config without -v prints: $(cat "$T/quiet")"
	echo "ok: $in (golden, round trip, no password)"
done
