#!/usr/bin/env bash
# RFC 8538 (Notification support for Graceful Restart, the N bit) against
# a real daemon: FRR 8.4's bgpd as the upstream, muxd as its helper.
#   upstream frr: bgpd (127.0.225.11, AS 65225, Graceful Restart with
#   preserve-fw-state — the F bit — and N, keepalive 1 s, hold time 3 s)
#   announcing 20 + 10 routes to muxd (127.0.225.1, the upstream's
#   "graceful_restart": true); instance 127.0.226.1 with a BIRD 2 client
#   (127.0.226.12).
# Asserts:
#   1. both sides set N: muxd logs that NOTIFICATIONs but Hard Reset keep
#      the upstream's routes, and FRR shows muxd's N bit;
#   2. bgpd stopped (SIGSTOP) past the hold time: muxd's hold timer
#      expires and the 30 routes stay, as stale — the client holds them
#      and receives no withdrawal;
#   3. bgpd running again reads muxd's Hold Timer Expired, connects again
#      and sends the routes and End-of-RIB: nothing stale, still no
#      withdrawal at the client;
#   4. `muxctl session reset` of the upstream's session goes as Hard
#      Reset (FRR says so): the client sees all 30 routes withdrawn,
#      nothing kept stale.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.225.1
INST=127.0.226.1
CLIENT=127.0.226.12
API=$MUX_ADDR:8225
V4=20
V6=10
peer_add frr frr 127.0.225.11 65225 45 active
claim_addrs "$MUX_ADDR" 127.0.225.11 "$INST" "$CLIENT"
echo "gr-frr-token-$$" >"$T/token"
chmod 600 "$T/token"
cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var",
 "api": {"listen": "$API", "token_file": "$T/token"},
 "upstreams": [{"name": "frr", "peer": {"address": "127.0.225.11", "asn": 65225},
                "local_address": "$MUX_ADDR", "passive": true,
                "families": ["ipv4-unicast", "ipv6-unicast"], "graceful_restart": true,
                "instance": {"address": "$INST"}}],
 "clients": [{"name": "bird", "address": "$CLIENT", "asn": 65226, "upstreams": ["frr"]}]}
JSON
mux_start "$T/muxd.json"
CB=$T/client
client_bird_start "$CB" "$CLIENT" 65226 "$INST"
FRR_EXTRA="bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 bgp graceful-restart notification
 neighbor $MUX_ADDR timers 1 3"
frr_start frr
FRR_PID=$LAST_PID

cbirdc() { birdc -s "$CB/ctl" "$@"; }
client_count() {
	local t n out=""
	for t in c4 c6; do
		n=$(cbirdc show route count table "$t" | awk '/routes/ { print $1; exit }')
		out+="${n:-0} "
	done
	echo "$out"
}
client_has() { [[ $(client_count) == "$1 " ]]; }
client_withdraws() {
	cbirdc show protocols all mux | awk '/Import withdraws:/ { n += $3 } END { print n + 0 }'
}
stale_is() {
	[[ $(curl -s -m 5 "http://$API/api/v1/views/frr" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["graceful_restart"]["stale_routes"])') == "$1" ]]
}
# frr_gr — FRR's word on Graceful Restart with muxd (its JSON, a key a line)
frr_gr() {
	_vtysh_out frr 10 -c "show bgp neighbors $MUX_ADDR json" 2>/dev/null |
		grep -oE '"(rBit|nBit|lastNotificationHardReset)":[^,]*' | tr -d '"' | tr '\n' ' '
}

# ---------------------------------------------------------------- 1

wait_until 30 "FRR's session to muxd" frr_established frr
wait_until 30 "the client to hold FRR's 20 + 10 routes" client_has "20 10"
wait_until 10 "muxd to log N negotiated" mux_log_has \
	"graceful restart negotiated.*NOTIFICATIONs but Hard Reset keep its routes"
[[ $(frr_gr) == *"nBit:true"* ]] || fail "FRR does not show muxd's N bit: $(frr_gr)"
SESSIONS=$(frr_session_id frr)
W0=$(client_withdraws)
say "1. N negotiated both ways (FRR: $(frr_gr)); the client holds 20 + 10 routes"

# ---------------------------------------------------------------- 2

lines=$(mux_log_lines)
kill -STOP "$FRR_PID"
wait_until 15 "muxd's hold timer to expire" mux_log_since "$lines" "sent NOTIFICATION 4/0"
wait_until 10 "muxd to keep the routes as stale" mux_log_since "$lines" \
	"graceful restart: keeping its 30 routes as stale"
stale_is 30 || { kill -CONT "$FRR_PID"; fail "the API does not show 30 stale routes"; }
_kept() { client_has "20 10" && [[ $(client_withdraws) == "$W0" ]]; }
holds_for 2 "the client holding its 30 routes with no withdrawal" _kept
kill -CONT "$FRR_PID"
say "2. bgpd stopped past the hold time: muxd sent 4/0, kept 30 routes stale, no withdrawal"

# ---------------------------------------------------------------- 3

wait_until 20 "FRR back, nothing stale" eval 'frr_established frr && stale_is 0'
(($(frr_session_id frr) == SESSIONS + 1)) || fail "FRR's sessions: $(frr_session_id frr), want $((SESSIONS + 1))"
mux_log_since "$lines" "graceful restart of ipv4-unicast done: 0 stale routes" ||
	fail "no 'graceful restart … done' line in muxd's log"
_kept || fail "the client holds $(client_count)routes, $(($(client_withdraws) - W0)) withdrawals"
say "3. bgpd back: nothing stale, the client never saw a withdrawal"

# ---------------------------------------------------------------- 4

lines=$(mux_log_lines)
id=$("$ROOT/build/muxctl" -s "$API" -j show sessions | python3 -c '
import json, sys
print(*[s["id"] for s in json.load(sys.stdin) if s["kind"] == "upstream"])')
[[ -n $id && $id != *" "* ]] || fail "not one upstream session: $id"
"$ROOT/build/muxctl" -s "$API" -t "$T/token" session reset "$id" >/dev/null ||
	fail "muxctl session reset $id failed"
wait_until 10 "the client to see the 30 routes withdrawn" eval \
	'(($(client_withdraws) >= W0 + 30))'
mux_log_since "$lines" "sent NOTIFICATION 6/9 \(Cease, Hard Reset\)" ||
	fail "muxd's log does not name the Hard Reset it sent"
mux_log_since "$lines" "keeping its" && fail "a Hard Reset was taken for a restart"
wait_until 10 "FRR to say it received a Hard Reset" eval '[[ $(frr_gr) == *"lastNotificationHardReset:true"* ]]'
say "4. muxctl session reset: Hard Reset (FRR: $(frr_gr)); the client saw the 30 routes withdrawn"
