#!/usr/bin/env bash
# screenshot.sh — docs/img/webui.png: the web UI of a real mux, for the
# README's five-minute tour.
#
# Runs the tour itself: build/muxd on scripts/tour-config.json (upstream
# "pch" with its instance, client "vnet-1"), the recorded PCH full-table
# session replayed into the upstream session (build/tools/mrt_replay), the
# client connected to the instance (build/tools/bgp_sink); waits, with
# deadlines, until the view holds the whole table, both sessions are
# Established and the view's rate chart shows the replay's burst; then Debian's headless
# chromium shoots http://127.0.0.100:8179/, and everything started here is
# stopped by PID. state_dir is a temporary folder (KEEP=1 keeps it).
#
# Usage: scripts/screenshot.sh [OUT.png]   (default docs/img/webui.png)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=${1:-$ROOT/docs/img/webui.png}
CONFIG=$ROOT/scripts/tour-config.json
DATA=$ROOT/tests/data/pch-fulltable-session-bgp4mp_et.2015-10-23.gz
API=http://127.0.0.100:8179     # tour-config.json's api.listen
TABLE=577699                    # the PCH table's prefixes once replayed
WAIT_LISTEN=10 WAIT_UP=120 WAIT_CHART=60

PROG=screenshot
. "$ROOT/scripts/demo-lib.sh"
die() { echo "screenshot: $*" >&2; exit 1; }

for f in "$BUILD/muxd" "$BUILD/tools/mrt_replay" "$BUILD/tools/bgp_sink"; do
	[ -x "$f" ] || die "$f is missing: run 'make' first"
done
command -v chromium >/dev/null || die "chromium is needed (apt-get install chromium)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpmux-shot.XXXXXX")
MUXD_PID= REPLAY_PID= SINK_PID=
cleanup() {
	stop_pid "$SINK_PID"
	stop_pid "$REPLAY_PID"
	stop_pid "$MUXD_PID"
	if [ "${KEEP:-0}" = 1 ]; then echo "screenshot: files kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# api_ok EXPR — EXPR (Python, over `status` and `view`, the API's JSON) holds.
api_ok() {
	python3 - "$API" "$1" <<'PY'
import json, sys, urllib.request
api, expr = sys.argv[1:]
get = lambda p: json.load(urllib.request.urlopen(api + p, timeout=5))
try:
    status, view = get("/api/v1/status"), get("/api/v1/views/pch")
except OSError:
    sys.exit(1)
sys.exit(0 if eval(expr) else 1)
PY
}

# wait_api EXPR SECS WHAT — api_ok EXPR within SECS, while muxd runs.
wait_api() {
	local i
	for i in $(seq 1 $(($2 * 2))); do
		api_ok "$1" && return 0
		kill -0 "$MUXD_PID" 2>/dev/null || { tail -20 "$TMP/muxd.log" >&2; die "muxd exited"; }
		sleep 0.5
	done
	tail -20 "$TMP/muxd.log" >&2
	die "not within $2 s: $3"
}

python3 - "$CONFIG" "$TMP/muxd.json" "$TMP/var" <<'PY'
import json, sys
src, dst, state_dir = sys.argv[1:]
cfg = json.load(open(src))
cfg["state_dir"] = state_dir
json.dump(cfg, open(dst, "w"), indent=2)
PY

"$BUILD/muxd" --config "$TMP/muxd.json" 2>"$TMP/muxd.log" &
MUXD_PID=$!
wait_for "$TMP/muxd.log" "api: listening" $WAIT_LISTEN "$MUXD_PID" muxd || die "muxd did not start"

# The chart draws the update count sampled every rate_interval: a sample
# taken before the replay makes its burst a point of the chart.
wait_api "len(view.get('rate_history', [])) >= 1" $WAIT_CHART "a first point of the view's rate chart"
"$BUILD/tools/mrt_replay" --connect 127.0.0.100:11179 --bind 127.0.0.101 --eor --hold \
	"$DATA" 2>"$TMP/replay.log" &
REPLAY_PID=$!
wait_api "view['route_count'] >= $TABLE" $WAIT_UP "the view holds the PCH table ($TABLE)"

"$BUILD/tools/bgp_sink" --connect 127.0.0.102:11179 --bind 127.0.0.103 --asn 65101 \
	--until-eor --linger 600 >"$TMP/sink.out" 2>"$TMP/sink.log" &
SINK_PID=$!
wait_for "$TMP/sink.log" "done:" $WAIT_UP "$SINK_PID" bgp_sink || die "the client got no End-of-RIB"
wait_api "status['sessions'].get('Established', 0) >= 2" $WAIT_UP "two sessions Established"
wait_api "len(view['rate_history']) >= 4 and max(view['rate_history']) > 0" $WAIT_CHART \
	"the replay's burst in the view's rate chart"

mkdir -p "$(dirname "$OUT")"
# Headless chromium as root needs --no-sandbox; the virtual time lets the
# page's fetches of the API finish before the shot.
timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--window-size=1100,760 --virtual-time-budget=8000 \
	--screenshot="$OUT" "$API/" >"$TMP/chromium.log" 2>&1 ||
	{ tail -5 "$TMP/chromium.log" >&2; die "chromium failed"; }
echo "screenshot: $OUT ($(stat -c %s "$OUT") bytes)"
