#!/usr/bin/env bash
# timeout: 240
# The data plane: packets follow the instance the client chose. Four
# network namespaces joined by veth pairs: isp-a and isp-b (BIRD 2, each
# announcing 203.0.113.0/24 and each with a host 203.0.113.10 that answers
# on TCP 8080 with its own name), mux (muxd with "dataplane", fib default;
# the mux–vnet veth is the client-facing interface) and vnet (BIRD, a
# client of both instances, allocated 184.164.224.0/24):
#   - the vnet gets 203.0.113.0/24 from both instances, each with the
#     instance's address as next hop;
#   - from the vnet, 203.0.113.10 via instance A's address answers "isp-a",
#     via B's "isp-b" (and back);
#   - the vnet announces 184.164.224.0/24: each ISP has it and reaches
#     184.164.224.1 in the vnet through the mux; once the vnet's BIRD is
#     gone and the hold-down is over, the inbound route is gone from muxd's
#     table and an ISP's packets to it no longer get through;
#   - a host that is not ready (no client_interface, an instance address
#     already on the host, ip_forward off) is refused at start, naming the
#     JSON path, with nothing installed;
#   - its status: GET /api/v1/dataplane lists both instances (interface
#     mux<ID>, MAC, table table_base+ID, the default route) and the inbound
#     table, `muxctl show dataplane` prints them, /metrics has the same
#     route counts and no netlink error;
#   - muxd stopped: no route, rule or macvlan of its own is left.
# Addresses: dataplane_lib.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dataplane_lib.sh"

INST_A=10.201.0.11
INST_B=10.201.0.12
VNET=10.201.0.2
HOST=203.0.113.10
HOLD_DOWN=3

# ---------------------------------------------------------------- set-up

dp_namespaces dpt-$$
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" addr add "$HOST/32" dev lo; done
ip -n "$NS_V" addr add 184.164.224.1/32 dev lo

isp_start isp-a "$NS_A" 10.201.1.2 65010
isp_start isp-b "$NS_B" 10.201.2.2 65020
answer_start "$NS_A" "$HOST" isp-a
answer_start "$NS_B" "$HOST" isp-b
answer_start "$NS_V" 184.164.224.1 vnet

# ----------------------------------------------- a host that is not ready
mkdir -p "$T/var"
# refused CONFIG WHAT PATTERN — muxd exits at start, saying PATTERN, and
# leaves nothing of its own in the mux namespace.
refused() {
	ns_exec "$NS_M"
	"${NSX[@]}" timeout 20 "${MUXD_CMD[@]}" --config "$1" >"$T/refused.log" 2>&1 &&
		fail "muxd started with $2"
	grep -Eq -- "$3" "$T/refused.log" || { cat "$T/refused.log" >&2; fail "no clear error for $2"; }
	nothing_left "after the refusal of $2"
	say "refused at start: $2: $(grep -Eo -- "$3" "$T/refused.log" | head -n 1)"
}
mux_json "$T/noif.json" client_interface=nosuch0
refused "$T/noif.json" "a client_interface that does not exist" \
	'\$\.dataplane\.client_interface: no interface "nosuch0"'
ip -n "$NS_M" addr add "$INST_B/32" dev up-b
mux_json "$T/muxd.json"
refused "$T/muxd.json" "an instance address already on the host" \
	'\$\.upstreams\[1\]\.instance\.address: 10\.201\.0\.12 is already on interface up-b'
ip -n "$NS_M" addr del "$INST_B/32" dev up-b
ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=0
refused "$T/muxd.json" "ip_forward off" 'net\.ipv4\.ip_forward is off.*sysctl -w net\.ipv4\.ip_forward=1'
ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_M" route add 198.18.0.0/24 dev up-a table $((TABLE_BASE + 2))
refused "$T/muxd.json" "a route of another owner in the table range" \
	'\$\.dataplane\.table_base: tables 20000\.\.20002 .* 1 route\(s\) and 0 rule\(s\) of another owner'
ip -n "$NS_M" route del 198.18.0.0/24 dev up-a table $((TABLE_BASE + 2))

# ---------------------------------------------------------------- muxd
mux_start "$T/muxd.json"
wait_until 60 "both upstream sessions" eval 'established isp-a mux && established isp-b mux'
for t in 1 2; do
	ip -n "$NS_M" route show table $((TABLE_BASE + t)) proto 113 | matches "^default via 10.201.$t.2" ||
		fail "table $((TABLE_BASE + t)) has no default route via ISP $t"
done

# The vnet's BIRD: a client of both instances, 184.164.224.0/24 to both.
mkdir -p "$T/vnet"
cat >"$T/vnet/bird.conf" <<EOF
router id $VNET;
log "$T/vnet/bird.log" all;
protocol device {}
protocol static { ipv4; route 184.164.224.0/24 unreachable; }
template bgp inst {
	local $VNET as 65101;
	direct;
	strict bind yes;
	connect delay time 1;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp inst_a from inst { neighbor $INST_A as 65000; }
protocol bgp inst_b from inst { neighbor $INST_B as 65000; }
EOF
ns_exec "$NS_V"
spawn "bird vnet" "$T/vnet/stderr" "${NSX[@]}" bird -f -c "$T/vnet/bird.conf" -s "$T/vnet/ctl" -P "$T/vnet/pid"
VNET_PID=$LAST_PID
wait_until 20 "the vnet's BIRD to answer" _up vnet
wait_until 60 "the vnet's sessions with both instances" \
	eval 'established vnet inst_a && established vnet inst_b'

# both_paths — the vnet holds 203.0.113.0/24 via each instance's address.
both_paths() {
	local r
	r=$(_bc vnet show route 203.0.113.0/24 all)
	[[ $r == *"via $INST_A"* && $r == *"via $INST_B"* ]]
}
wait_until 30 "the vnet to hold 203.0.113.0/24 via $INST_A and via $INST_B" both_paths
say "the vnet holds 203.0.113.0/24 via both instances (next hops $INST_A, $INST_B)"

# ---------------------------------------------------------------- outbound
# via INSTANCE-ADDR — the vnet's route to the host, set by hand.
via() { ip -n "$NS_V" route replace "$HOST/32" via "$1" src 184.164.224.1; }
answers() { [[ $(fetch "$NS_V" "$HOST" 184.164.224.1) == "$1" ]]; }
# The inbound route comes with the gateway's announcement: the answer
# needs it to come back.
wait_until 30 "the inbound route in table $TABLE_BASE" \
	eval "ip -n $NS_M route show table $TABLE_BASE proto 113 | matches '^184.164.224.0/24 via $VNET dev vnets0.*onlink'"
for round in 1 2; do
	via "$INST_A"
	wait_until 15 "203.0.113.10 via instance A to answer isp-a (round $round)" answers isp-a
	via "$INST_B"
	wait_until 15 "203.0.113.10 via instance B to answer isp-b (round $round)" answers isp-b
done
say "from the vnet: via $INST_A the host answers isp-a, via $INST_B isp-b (both ways, twice)"

# ---------------------------------------------------------------- status
# The API (on the mux namespace's own loopback), muxctl and /metrics.
API=http://127.0.0.1:8179
ip netns exec "$NS_M" curl -sf "$API/api/v1/dataplane" >"$T/dp.json" ||
	fail "GET /api/v1/dataplane failed"
python3 - "$T/dp.json" <<'PY' || fail "GET /api/v1/dataplane: $(cat "$T/dp.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["enabled"] is True and d["client_interface"] == "vnets0", d
assert d["table_base"] == 20000 and d["fib"] == "default", d
want = [("isp-a", "10.201.0.11", 1), ("isp-b", "10.201.0.12", 2)]
assert [(t["upstream"], t["instance"]) for t in d["tables"]] == [w[:2] for w in want], d
for t, (_, _, uid) in zip(d["tables"], want):
    assert t["interface"] == "mux%d" % uid and t["table"] == 20000 + uid, t
    assert t["mac"] == "02:62:6d:78:00:%02x" % uid, t
    assert t["routes"] == 1 and t["errors"] == 0 and t["pending"] == 0, t
i = d["inbound"]
assert i["table"] == 20000 and i["routes"] == 1 and i["errors"] == 0, i
PY
for t in 1 2; do
	ip -n "$NS_M" -o link show "mux$t" | matches "link/ether 02:62:6d:78:00:0$t" ||
		fail "the API's MAC of mux$t is not the link's"
done
ip netns exec "$NS_M" "$ROOT/build/muxctl" -s 127.0.0.1:8179 show dataplane >"$T/ctl.txt" ||
	fail "muxctl show dataplane failed: $(cat "$T/ctl.txt")"
matches -E '^client interface vnets0, table base 20000, fib default$' "$T/ctl.txt" &&
	matches -E '^isp-a +10\.201\.0\.11 +mux1 +02:62:6d:78:00:01 +20001 +1 +0 +0 +0 *$' "$T/ctl.txt" &&
	matches -E '^isp-b +10\.201\.0\.12 +mux2 +02:62:6d:78:00:02 +20002 +1 +0 +0 +0 *$' "$T/ctl.txt" &&
	matches -E '^inbound +- +- +- +20000 +1 +0 +0 +0 *$' "$T/ctl.txt" ||
	fail "muxctl show dataplane: $(cat "$T/ctl.txt")"
ip netns exec "$NS_M" curl -sf "$API/metrics" >"$T/metrics.txt" || fail "GET /metrics failed"
for want in 'bgpmux_dataplane_routes{table="20001",upstream="isp-a"} 1' \
	'bgpmux_dataplane_routes{table="20002",upstream="isp-b"} 1' \
	'bgpmux_dataplane_routes{table="20000",upstream=""} 1' \
	'bgpmux_dataplane_route_errors_total{table="20001",upstream="isp-a"} 0' \
	'bgpmux_dataplane_netlink_errors_total 0'; do
	grep -qxF "$want" "$T/metrics.txt" || fail "/metrics lacks '$want': $(grep dataplane "$T/metrics.txt")"
done
say "status: the API, muxctl show dataplane and /metrics list mux1 and mux2 (MAC, tables 20001, 20002, one route each) and the inbound route in 20000"

# ---------------------------------------------------------------- inbound
# reaches NS — the ISP's host reaches the vnet's 184.164.224.1:8080 (and
# the answer comes back: the vnet's route to the host goes through the
# same ISP).
reaches() { [[ $(fetch "$1" 184.164.224.1 "$HOST") == vnet ]]; }
has_vnet() { _bc "$1" show route 184.164.224.0/24 | matches "via ${2}"; }
wait_until 30 "ISP A to hold 184.164.224.0/24 via the mux" has_vnet isp-a 10.201.1.1
wait_until 30 "ISP B to hold 184.164.224.0/24 via the mux" has_vnet isp-b 10.201.2.1
via "$INST_A"
wait_until 15 "ISP A's host to reach 184.164.224.1" reaches "$NS_A"
via "$INST_B"
wait_until 15 "ISP B's host to reach 184.164.224.1" reaches "$NS_B"
say "each ISP's host reaches 184.164.224.1 in the vnet through the mux"

# The vnet goes away: after the hold-down the inbound route goes. ISP B
# keeps a route of its own to 184.164.224.1 through the mux, so what stops
# its packets is the mux.
ip -n "$NS_B" route add 184.164.224.1/32 via 10.201.2.1
stop_pid "$VNET_PID" TERM 10 || fail "the vnet's BIRD did not stop"
GONE=$SECONDS
no_inbound() { ! ip -n "$NS_M" route show table $TABLE_BASE proto 113 | matches '^184.164.224.0/24'; }
wait_until $((HOLD_DOWN + 20)) "the inbound route to leave table $TABLE_BASE" no_inbound
((SECONDS - GONE >= HOLD_DOWN - 1)) || fail "the inbound route left before the hold-down"
say "the inbound route left table $TABLE_BASE $((SECONDS - GONE))s after the vnet went (hold-down ${HOLD_DOWN}s)"
reaches "$NS_B" &&
	fail "ISP B's packets still reach 184.164.224.1 after the hold-down"
say "ISP B's packets no longer reach 184.164.224.1"

# ------------------------------------------- what a killed run leaves
# muxd killed leaves its state; the next start removes it and installs
# the state again.
mux_alive
stop_pid "$MUX_PID" KILL 10
ip -n "$NS_M" route show table $((TABLE_BASE + 1)) proto 113 | matches '^default' ||
	fail "muxd killed: its default route is not there to clean"
mux_start "$T/muxd.json"
wait_until 20 "muxd to clean what the killed run left" \
	mux_log_has 'dataplane: start: removed [1-9][0-9]* route\(s\), [1-9][0-9]* rule\(s\), 2 link\(s\)'
for t in 1 2; do
	ip -n "$NS_M" route show table $((TABLE_BASE + t)) proto 113 | matches "^default via 10.201.$t.2" ||
		fail "table $((TABLE_BASE + t)) has no default route via ISP $t after the restart"
done
[[ $(ip -n "$NS_M" rule show | grep -c '^1000:') == 3 ]] ||
	fail "not exactly 3 rules at priority 1000 after the restart: $(ip -n "$NS_M" rule show)"
say "muxd killed and started again: it removed what the killed run left and installed it again"

# ---------------------------------------------------------------- stop
mux_alive
stop_pid "$MUX_PID" TERM 15 || fail "muxd did not stop on SIGTERM"
((STOP_RC == 0)) || fail "muxd exited with $STOP_RC"
nothing_left "after muxd stopped"
say "muxd stopped: no route, rule or macvlan of its own is left in the mux namespace"
