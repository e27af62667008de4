#!/usr/bin/env bash
# Enhanced route refresh (RFC 7313) toward an instance client, on the wire:
#   upstream isp-r: BIRD 2 (127.0.160.11) announcing 40 IPv4 and 20 IPv6
#   routes to muxd (127.0.160.1); instance 127.0.161.1 with a BIRD 2
#   client (127.0.161.12), which negotiates enhanced route refresh.
# Asserts:
#   1. `birdc reload in mux` makes BIRD send a ROUTE-REFRESH per family;
#      muxd answers each (the client's `refreshes` counter in the API);
#   2. tshark on the capture: muxd's bytes toward the client, after each
#      request, are BoRR (subtype 1) for the family, UPDATEs carrying all
#      of the family's routes, then EoRR (subtype 2); nothing is malformed;
#   3. BIRD, which drops at EoRR what was not sent again after BoRR, still
#      holds all 60 routes, received no withdrawal, and its session is the
#      same (muxd's own counters: joins and flaps).
#   4. a second client (BIRD, 127.0.161.13) announces 40 routes of the
#      view back (their AS_PATH holds muxd's AS, as FRR sends them without
#      an export policy): muxd counts all 40 in the client's API object
#      (rejected_prefixes) and logs one line for them, not one per prefix.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.160.1
UP=127.0.160.11
INST=127.0.161.1
CLIENT=127.0.161.12
API=http://$MUX_ADDR:8179/api/v1

claim_addrs "$MUX_ADDR" "$UP" "$INST" "$CLIENT"

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
       "api": {"listen": "127.0.160.1:8179"},
       "upstreams": [{"name": "isp-r", "peer": {"address": "127.0.160.11", "asn": 65060},
                      "local_address": "127.0.160.1", "passive": True,
                      "families": ["ipv4-unicast", "ipv6-unicast"],
                      "instance": {"address": "127.0.161.1", "port": 179}}],
       "clients": [{"name": "bird", "address": "127.0.161.12", "asn": 65161,
                    "upstreams": ["isp-r"]},
                   {"name": "echo", "address": "127.0.161.13", "asn": 65162,
                    "upstreams": ["isp-r"], "prefixes": ["192.0.2.0/24"]}]}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 30 "instance isp-r to listen" listening "$INST" 179

UB=$T/upstream
mkdir -p "$UB"
{
	echo "router id $UP;"
	echo "log \"$UB/bird.log\" all;"
	echo "protocol device {}"
	echo "protocol static s4 { ipv4;"
	for ((i = 0; i < 40; i++)); do echo "	route 10.160.$i.0/24 blackhole;"; done
	echo "}"
	echo "protocol static s6 { ipv6;"
	for ((i = 0; i < 20; i++)); do echo "	route 2001:db8:160:$i::/64 blackhole;"; done
	echo "}"
	cat <<EOF
protocol bgp mux {
	local $UP as 65060;
	neighbor $MUX_ADDR port 179 as 65000;
	multihop;
	strict bind yes;
	connect delay time 1;
	connect retry time 2;
	ipv4 { import none; export all; next hop address 192.0.2.160; };
	ipv6 { import none; export all; next hop address 2001:db8::160; };
}
EOF
} >"$UB/bird.conf"
spawn "upstream bird" "$UB/stderr" bird -f -c "$UB/bird.conf" -s "$UB/ctl" -P "$UB/pid"

capture_start "$INST"
CB=$T/client
client_bird_start "$CB" "$CLIENT" 65161 "$INST"
cbirdc() { birdc -s "$CB/ctl" "$@"; }
client_routes() {
	local n4 n6
	n4=$(cbirdc show route count table c4 | awk '/routes/ {print $1; exit}')
	n6=$(cbirdc show route count table c6 | awk '/routes/ {print $1; exit}')
	echo "${n4:-0} ${n6:-0}"
}
client_has() { [[ $(client_routes) == "$1" ]]; }
client_withdraws() {
	cbirdc show protocols all mux | awk '/Import withdraws:/ {n += $3} END {print n + 0}'
}
# client_q EXPR — EXPR over the client's object at instance isp-r (c)
client_q() {
	curl -sf "$API/instances" | python3 -c "import json, sys
c = [c for i in json.load(sys.stdin) if i['name'] == 'isp-r' for c in i['clients'] if c['name'] == 'bird'][0]
print($1)"
}
refreshes_are() { [[ $(client_q 'c["refreshes"]') == "$1" ]]; }

wait_until 30 "the client to hold 40 + 20 routes" client_has "40 20"
cbirdc show protocols all mux >"$T/client-proto.txt"
grep -q "Enhanced refresh" "$T/client-proto.txt" ||
	fail "BIRD does not list enhanced route refresh among the session's capabilities"
session=$(client_q '"%d joins, %d flaps" % (c["joins"], c["flaps"])')
[[ $session == "1 joins, 0 flaps" ]] || fail "the client's session: $session"
W0=$(client_withdraws)
say "the client holds 40 + 20 routes; enhanced route refresh negotiated"

# ---------------------------------------------------------------- 1, 2
mark=$(mux_log_lines)
# BIRD logs "Got BEGIN-OF-RR" / "Got END-OF-RR" with packet tracing on
cbirdc debug mux "{ packets }" >/dev/null || fail "birdc debug mux failed"
cbirdc reload in mux >/dev/null || fail "birdc reload in mux failed"
# dumpcap hands packets over in blocks: poll the file until both EoRRs are in
_refresh_on_wire() {
	python3 "$TOOLS/refresh_check.py" "$CAP" "$INST" "$CLIENT" 1:40 2:20 >"$T/refresh.txt" 2>&1
}
_poll 20 _refresh_on_wire || fail "the refresh on the wire: $(cat "$T/refresh.txt")"
capture_stop
python3 "$TOOLS/refresh_check.py" "$CAP" "$INST" "$CLIENT" 1:40 2:20 >&2 ||
	fail "the refresh on the wire is not BoRR, the family's routes, EoRR"
capture_check "ip.src == $INST"
wait_until 20 "muxd to count both ROUTE-REFRESH requests" refreshes_are 2
wait_until 10 "muxd to log its answer" mux_log_since "$mark" \
	"ROUTE-REFRESH answered: sent the view again \([0-9]+ routes of (IPv6|every family), between Beginning and End"
say "1, 2. BIRD asked for both families; muxd answered each between BoRR and EoRR (tshark)"

# ---------------------------------------------------------------- 3
eorrs() { (($(grep -c "mux: Got END-OF-RR" "$CB/bird.log") == 2)); }
wait_until 10 "BIRD to log both EoRRs it received" eorrs
# BIRD drops what is still stale from an event right after EoRR; routes it
# lost would be gone from the next answer on: ask twice.
cbirdc show route count >/dev/null
client_has "40 20" || fail "after the refresh the client holds $(client_routes), want 40 20"
[[ $(client_withdraws) == "$W0" ]] ||
	fail "the client received $(($(client_withdraws) - W0)) withdrawals during the refresh"
[[ $(client_q '"%d joins, %d flaps" % (c["joins"], c["flaps"])') == "$session" ]] ||
	fail "the client's session changed: $session -> $(client_q '"%d joins, %d flaps" % (c["joins"], c["flaps"])')"
! grep -q "END-OF-RR received without\|BEGIN-OF-RR received before" "$CB/bird.log" ||
	fail "BIRD complains about the demarcation: $(grep -- '-OF-RR' "$CB/bird.log" | head -2)"
say "3. after EoRR BIRD still holds 40 + 20 routes, no withdrawal, same session ($session)"

# ---------------------------------------------------------------- 4
EB=$T/echo
mkdir -p "$EB"
{
	echo "router id 127.0.161.13;"
	echo "log \"$EB/bird.log\" all;"
	echo "protocol static s4 { ipv4;"
	for ((i = 0; i < 40; i++)); do echo "	route 10.160.$i.0/24 blackhole;"; done
	echo "}"
	cat <<EOF
protocol bgp mux {
	local 127.0.161.13 as 65162;
	neighbor $INST port 179 as 65000;
	multihop;
	strict bind yes;
	connect delay time 1;
	connect retry time 1;
	ipv4 { import none; next hop address 192.0.2.161;
		export filter { bgp_path.prepend(65060); bgp_path.prepend(65000); accept; }; };
}
EOF
} >"$EB/bird.conf"
mark=$(mux_log_lines)
spawn "bird echo" "$EB/stderr" bird -f -c "$EB/bird.conf" -s "$EB/ctl" -P "$EB/pid"
echo_q() {
	curl -sf "$API/instances" | python3 -c "import json, sys
print([c for i in json.load(sys.stdin) for c in i['clients'] if c['name'] == 'echo'][0]['$1'])"
}
echo_rejected() { [[ $(echo_q rejected_prefixes) == 40 ]]; }
wait_until 30 "muxd to count the echo client's 40 routes as rejected" echo_rejected
lines=$(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c "client echo: announced")
((lines == 1)) || fail "$lines log lines about the echo client's routes, want 1: $(grep 'client echo: announced' "$MUX_LOG" | head -3)"
mux_log_since "$mark" "client echo: announced 10\.160\.[0-9]+\.0/24, outside its allocation: treated as withdrawn \(1 so far; further ones are summed up every 60 s\); its AS_PATH holds our AS" ||
	fail "the line about the echo client: $(grep 'client echo: announced' "$MUX_LOG")"
say "4. a client announcing 40 routes of the view back: 40 counted (rejected_prefixes), 1 log line"
mux_stop_clean
