#!/usr/bin/env bash
# Silent sockets never lock a neighbor out: 12 TCP connections from the
# upstream's own address that never send a byte (more than the 8 sessions
# a neighbor may have), then the real upstream (BIRD) connects from that
# address. muxd lets each new connection take the place of one that has
# sent no OPEN, and closes those left after open_timeout (default 10 s):
#   - BIRD is Established within open_timeout + 5 s of starting (before:
#     "incoming connection refused: 8 sessions already" until the silent
#     sessions' 240 s hold timer);
#   - every silent connection is closed by muxd within open_timeout + 5 s,
#     the last ones with Hold Timer Expired naming open_timeout;
#   - silent connections from 4 addresses of a client range make 4 range
#     members, and each is removed once its connection is closed: a range
#     never fills with clients nobody uses.
# Addresses: 127.0.133.0/24 (muxd 127.0.133.1, BIRD 127.0.133.11) and
# 127.0.134.0/24 (the upstream's instance, 127.0.134.1).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.133.1
V4=20
V6=10
OPEN_TIMEOUT=10         # muxd's default: the configuration leaves it out
SILENT=12
peer_add isp bird 127.0.133.11 65133 1 active
claim_addrs "$MUX_ADDR" 127.0.133.11 127.0.134.1

cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$MUX_ADDR:8133"},
 "upstreams": [{"name": "isp", "peer": {"address": "127.0.133.11", "asn": 65133},
                "local_address": "$MUX_ADDR", "passive": true,
                "families": ["ipv4-unicast", "ipv6-unicast"],
                "instance": {"address": "127.0.134.1"}}],
 "clients": [{"name": "vnets", "address": "127.0.134.64/28", "asn": 65134,
              "upstreams": ["isp"]}]}
JSON
mux_start "$T/muxd.json"

spawn silent "$T/silent.out" python3 "$TOOLS/silent_conns.py" --dst "$MUX_ADDR:179" \
	--src 127.0.133.11 --per-source "$SILENT" --hold 60 --status "$T/silent.status"
SILENT_PID=$LAST_PID
wait_until 15 "the silent connections to be open" test -s "$T/silent.status"
say "silent connections from the upstream's address: $(cat "$T/silent.status")"
matches "\"opened\": $SILENT," "$T/silent.status" || fail "muxd did not accept all $SILENT silent connections"

t0=$SECONDS
bird_start isp
wait_until $((OPEN_TIMEOUT + 5)) "BIRD to be Established despite the silent connections" bird_established isp
say "BIRD Established $((SECONDS - t0)) s after it started (open_timeout $OPEN_TIMEOUT s)"
view_paths() {   # the view's paths per family as "IPV4 IPV6", from the API
	curl -s -m 5 "http://$MUX_ADDR:8133/api/v1/views/isp" |
		python3 -c 'import json,sys; p=json.load(sys.stdin)["paths"]; print(p["ipv4"], p["ipv6"])'
}
_has_routes() { [[ $(view_paths) == "$V4 $V6" ]]; }
wait_until 30 "the view to hold BIRD's $V4 + $V6 routes" _has_routes

wait_until $((OPEN_TIMEOUT + 10)) "the silent connections to be closed" bash -c "! kill -0 $SILENT_PID 2>/dev/null"
tail -n 1 "$T/silent.out" >&2
python3 - "$T/silent.out" "$SILENT" "$((OPEN_TIMEOUT + 5))" <<'PY' || fail "muxd did not close every silent connection in time"
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(r["closed_by_server"] != int(sys.argv[2]) or r["last_close_s"] > float(sys.argv[3]))
PY
mux_log_has "no OPEN within open_timeout \($OPEN_TIMEOUT s\)" ||
	fail "no log line naming open_timeout for a silent connection"
mux_log_has "a new connection takes the place of one that has sent no OPEN" ||
	fail "no log line for a silent connection giving its place"
mux_log_has "sessions already" && fail "a connection was refused for want of a session place"

members=(127.0.134.65 127.0.134.66 127.0.134.67 127.0.134.68)
mark=$(mux_log_lines)
spawn silent_range "$T/silent_range.out" python3 "$TOOLS/silent_conns.py" \
	--dst 127.0.134.1:179 "${members[@]/#/--src=}" --per-source 1 --hold 60
_made() { [[ $(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c "it becomes client vnets@") -eq ${#members[@]} ]]; }
wait_until 15 "the range members of the silent connections" _made
_removed() { [[ $(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c "client vnets@[^:]*: no session of it reached Established: removed") -eq ${#members[@]} ]]; }
wait_until $((OPEN_TIMEOUT + 10)) "muxd to remove the ${#members[@]} range members" _removed
say "silent connections from ${#members[@]} addresses of a client range: members made, then removed"
bird_established isp || fail "BIRD's session went down"
say "PASS: silent connections closed, the real upstream Established"
