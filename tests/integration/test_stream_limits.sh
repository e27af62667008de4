#!/usr/bin/env bash
# Live stream subscribers that misbehave cannot exhaust muxd:
#   - a WebSocket client that floods PINGs, {"type": "ping"} and
#     ris_subscribe-with-acknowledge for 15 s and never reads: muxd's
#     resident memory grows by less than 50 MB (unbounded before: 1.4 GB
#     in 14 s), the flooder is dropped with a log line giving how many
#     requests it sent, and meanwhile another client's pings are all
#     answered within 2 s;
#   - idle subscribers leave after stream.idle_timeout (6 s here): a raw
#     WebSocket client that answers nothing and an NDJSON client that
#     nothing is written to; a quiet websockets client (which answers
#     muxd's pings, sent after half the timeout) and an SSE client (which
#     gets a ":" comment line then) stay.
# No BGP: the stream serves on the API's listener alone.
# Addresses: 127.0.130.0/24 (muxd's API and stream: 127.0.130.1:8130).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.130.1
MUX_PORT=8130           # mux_start waits for this listener: the API's
STREAM=$MUX_ADDR:$MUX_PORT
IDLE=6
FLOOD_SECS=15
MAX_GROWTH_KB=$((50 * 1024))
claim_addrs "$MUX_ADDR"
DEBPY=/usr/bin/python3
$DEBPY -c 'import websockets' || fail "python3-websockets is missing: run scripts/deps.sh"
ABUSE=("$DEBPY" "$TOOLS/stream_abuse.py")

cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 0,
 "api": {"listen": "$STREAM"}, "stream": {"idle_timeout": $IDLE}}
JSON
mux_start "$T/muxd.json"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$MUX_PID/status"; }
subscribers() { (($(ss -Htn state established "( sport = :$MUX_PORT )" | wc -l) >= $1)); }

# The well-behaved, and the idle ones
spawn quiet "$T/quiet.out" "${ABUSE[@]}" quiet "ws://$STREAM/v1/ws/?client=quiet" 25
QUIET_PID=$LAST_PID
spawn pinger "$T/pinger.out" "${ABUSE[@]}" pinger "ws://$STREAM/v1/ws/?client=pinger" 20 2
PINGER_PID=$LAST_PID
spawn "sse curl" "$T/sse.err" curl -sN -o "$T/sse.txt" "http://$STREAM/v1/stream?client=sse&type=UPDATE"
SSE_PID=$LAST_PID
spawn "ndjson curl" "$T/ndjson.err" curl -sN -o "$T/ndjson.txt" \
	"http://$STREAM/v1/stream/?client=ndjson&format=json&type=UPDATE"
NDJSON_PID=$LAST_PID
spawn idler "$T/idle.out" "${ABUSE[@]}" idle "$MUX_ADDR" "$MUX_PORT" idler
IDLE_PID=$LAST_PID
wait_until 15 "5 subscribers to connect" subscribers 5

# ------------------------------------------------------------- the flood

rss0=$(rss_kb)
peak=$rss0
say "muxd's RSS before the flood: $rss0 kB; flooding for $FLOOD_SECS s"
spawn flood "$T/flood.out" "${ABUSE[@]}" flood "$MUX_ADDR" "$MUX_PORT" "$FLOOD_SECS"
FLOOD_PID=$LAST_PID
while running "$FLOOD_PID"; do
	rss=$(rss_kb)
	((rss > peak)) && peak=$rss
	((rss - rss0 < MAX_GROWTH_KB)) ||
		fail "muxd's RSS grew by $((rss - rss0)) kB under the flood (at most $MAX_GROWTH_KB)"
	sleep 0.2
done
cat "$T/flood.out" >&2
say "muxd's RSS: $rss0 kB before, $peak kB at most during the flood, $(rss_kb) kB after"
mux_log_has "subscriber flood left \(dropped: it sent [0-9]+ requests without reading" ||
	fail "no log line dropping the flooder with its count of requests"
mux_log_has "subscriber (quiet|pinger|sse) left \((idle|dropped)" && fail "a well-behaved subscriber was dropped"

# ------------------------------------------------- idle and well-behaved

wait_until $((IDLE * 2 + 10)) "the idle WebSocket client to be closed" bash -c "! kill -0 $IDLE_PID 2>/dev/null"
cat "$T/idle.out" >&2
mux_log_has "subscriber idler left \(idle for $IDLE s \(stream.idle_timeout\): nothing heard from it" ||
	fail "no log line closing the idle WebSocket client"
wait_until $((IDLE * 2 + 10)) "the idle NDJSON client to be closed" bash -c "! kill -0 $NDJSON_PID 2>/dev/null"
mux_log_has "subscriber ndjson left \(idle for $IDLE s \(stream.idle_timeout\): nothing written to it" ||
	fail "no log line closing the idle NDJSON client"

wait "$PINGER_PID" || fail "the pinger lost a pong or its connection: $(cat "$T/pinger.out")"
cat "$T/pinger.out" >&2
wait "$QUIET_PID" || fail "the quiet client was not kept: $(cat "$T/quiet.out")"
cat "$T/quiet.out" >&2
running "$SSE_PID" || fail "the SSE client was closed"
matches -x ":" "$T/sse.txt" || fail "the SSE client got no heartbeat comment"
mux_log_has "subscriber (quiet|pinger|sse) left \((idle|dropped)" && fail "a well-behaved subscriber was dropped"
say "PASS: flooder dropped (RSS +$((peak - rss0)) kB at most), idle subscribers closed, the others served"
