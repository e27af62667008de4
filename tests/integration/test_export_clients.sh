#!/usr/bin/env bash
# Client routes travel back from an instance host to its view host
# (docs/scaleout.md, "Client routes"), which alone announces them
# upstream. A view host muxd with one upstream (a passive BIRD that
# imports everything: the "ISP") and an instance host muxd with the same
# upstream by id and its instance; one client of the instance host
# (route_client.py hold) announces a prefix inside its allocation and one
# outside:
#   - the ISP holds exactly the inside one, rewritten as the gateway's
#     (AS_PATH 65000, next hop the view host's address), never the other;
#   - the client's session closed: the ISP sees no UPDATE for the client's
#     hold_down (3 s), then exactly one withdrawal;
#   - the client back: exactly one announcement;
#   - SIGKILL of the instance host: the ISP sees no UPDATE and no
#     NOTIFICATION (its session stays up) until hold_down, then the
#     withdrawal.
# Addresses: 127.0.165.0/24 (the view host, its instance, the ISP .11),
# 127.0.166.0/24 (the instance host, its instance), 127.0.167.0/24 (the
# client).
. "$(dirname "$0")/lib.sh"

VH=127.0.165.1 VH_INST=127.0.165.2 ISP=127.0.165.11
IH=127.0.166.1 IH_INST=127.0.166.2 CLIENT=127.0.167.10
EXPORT_PORT=1179 HOLD_DOWN=3 PREFIX=184.164.224.0/24 OUTSIDE=10.66.0.0/24
claim_addrs "$VH" "$VH_INST" "$ISP" "$IH" "$IH_INST" "$CLIENT"

# The ISP: passive, takes every route muxd sends into table t4.
mkdir -p "$T/isp" "$T/vh" "$T/ih"
cat >"$T/isp/bird.conf" <<EOF || fail "cannot write the ISP's configuration"
router id $ISP;
log "$T/isp/bird.log" all;
ipv4 table t4;
protocol device {}
protocol bgp mux {
	local $ISP as 65010;
	neighbor $VH as $MUX_ASN;
	multihop;
	strict bind yes;
	passive;
	hold time 90;
	ipv4 { table t4; import all; export none; };
}
EOF
spawn "bird isp" "$T/isp/stderr" bird -f -c "$T/isp/bird.conf" -s "$T/isp/ctl" -P "$T/isp/pid"
isp() { birdc -s "$T/isp/ctl" "$@"; }
isp_established() { isp show protocols mux | matches Established; }
# isp_counts — "UPDATES WITHDRAWALS" the ISP took from muxd.
isp_counts() {
	isp show protocols all mux | awk '
		/Import updates:/ { upd += $3 }
		/Import withdraws:/ { wd += $3 }
		END { print upd + 0, wd + 0 }'
}
# isp_routes — the ISP's IPv4 routes, one line each: PREFIX AS_PATH NEXT_HOP.
isp_routes() {
	isp show route all table t4 | awk '
		/^[0-9.]+\/[0-9]+ / { p = $1; n[++k] = p }
		/BGP\.as_path:/ { sub(/.*BGP\.as_path: */, ""); path[p] = $0 }
		/BGP\.next_hop:/ { nh[p] = $2 }
		END { for (i = 1; i <= k; i++) print n[i], path[n[i]], nh[n[i]] }'
}
isp_holds() { [[ $(isp_routes) == "$PREFIX 65000 $VH" ]]; }
isp_empty() { [[ -z $(isp_routes) ]]; }

# The client, the same on both hosts.
client_json='{ "name": "vnet", "address": "'$CLIENT'", "asn": 65101, "upstreams": ["isp-a"],
      "prefixes": ["184.164.224.0/22"], "hold_down": '$HOLD_DOWN', "min_interval": 0 }'
cat >"$T/viewhost.json" <<EOF || fail "cannot write the view host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.1", "state_dir": "$T/vh",
  "api": { "listen": "$VH:8179" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "local_address": "$VH",
      "peer": { "address": "$ISP", "asn": 65010 },
      "instance": { "address": "$VH_INST" } }
  ],
  "export": { "listen": "$VH:$EXPORT_PORT", "hosts": [ { "name": "ih-1", "address": "$IH" } ] },
  "clients": [ $client_json ]
}
EOF
cat >"$T/instancehost.json" <<EOF || fail "cannot write the instance host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.2", "state_dir": "$T/ih",
  "api": { "listen": "$IH:8179" },
  "view_host": { "address": "$VH", "port": $EXPORT_PORT, "local_address": "$IH" },
  "upstreams": [ { "name": "isp-a", "id": 1, "instance": { "address": "$IH_INST", "port": 179 } } ],
  "clients": [ $client_json ]
}
EOF
spawn "muxd view host" "$T/muxd.log" "${MUXD_CMD[@]}" --config "$T/viewhost.json"
VH_PID=$LAST_PID
MUX_LOG=$T/muxd.log
wait_until 20 "the export listener on $VH:$EXPORT_PORT" listening "$VH" "$EXPORT_PORT"
wait_until 30 "the ISP's session to the view host" isp_established
spawn "muxd instance host" "$T/ih.log" "${MUXD_CMD[@]}" --config "$T/instancehost.json"
IH_PID=$LAST_PID
wait_until 20 "the instance host's instance to listen" listening "$IH_INST" 179
# export_field HOST KEY — KEY of the API's one export session on HOST.
export_field() {
	curl -fsS "http://$1:8179/api/v1/export" | python3 -c '
import json, sys
print(json.load(sys.stdin)["hosts"][0][sys.argv[1]])' "$2"
}
_export_up() { [[ $(export_field "$IH" state 2>/dev/null) == Established ]]; }
wait_until 30 "the export session to be Established" _export_up
say "view host, ISP and instance host up; the export session Established"

client_start() {
	spawn "client vnet" "$T/client.out" python3 "$TOOLS/route_client.py" hold \
		--inst "$IH_INST" --src "$CLIENT" --asn 65101 --prefix "$PREFIX" --more "$OUTSIDE"
	CLIENT_PID=$LAST_PID
}
client_start
wait_until 20 "the ISP to hold $PREFIX from the view host" isp_holds
read -r u1 w1 <<<"$(isp_counts)"
_in_counted() {
	[[ $(export_field "$VH" clients_up) == 1 && $(export_field "$VH" client_routes_received) -ge 1 ]]
}
wait_until 10 "the view host's API to count the instance host's client" _in_counted
"$ROOT/build/muxctl" -s "$VH:8179" show export >"$T/muxctl.txt" || fail "muxctl show export failed"
grep -Eq "^ih-1 .* 1 +[1-9][0-9]* *$" "$T/muxctl.txt" ||
	fail "muxctl show export does not show ih-1's client up and its routes: $(cat "$T/muxctl.txt")"
holds_for 1 "the ISP holding only $PREFIX (never $OUTSIDE)" isp_holds
say "the ISP holds $PREFIX as the gateway's (AS_PATH 65000, next hop $VH), never $OUTSIDE"

# unchanged U W — the ISP took exactly U updates and W withdrawals so far.
unchanged() { [[ $(isp_counts) == "$1 $2" ]] && isp_established; }

# The client goes: held down on the view host, then one withdrawal.
stop_pid "$CLIENT_PID" TERM 5 || fail "the client did not stop"
gone_at=${EPOCHREALTIME/./}
holds_for $((HOLD_DOWN - 1)) "the ISP's route during the client's hold-down" unchanged "$u1" "$w1"
_withdrawn() { [[ $(isp_counts) == "$u1 $((w1 + 1))" ]] && isp_empty; }
wait_until 10 "the ISP to get one withdrawal after the hold-down" _withdrawn
held_ms=$(((${EPOCHREALTIME/./} - gone_at) / 1000))
((held_ms >= (HOLD_DOWN - 1) * 1000)) || fail "withdrawn after $held_ms ms, before the hold-down"
say "the client closed: nothing at the ISP for the hold-down, then exactly one withdrawal (after $held_ms ms)"

client_start
wait_until 20 "the ISP to hold $PREFIX again" isp_holds
holds_for 1 "one announcement of the client back" unchanged "$((u1 + 1))" "$((w1 + 1))"
say "the client back: exactly one announcement at the ISP"

# The instance host dies: its session to the view host is gone, the
# client's routes are held down there, then withdrawn once.
grep -c "Received: " "$T/isp/bird.log" >"$T/isp/notifications.before" || true
{ kill -KILL "$IH_PID" && wait "$IH_PID"; } 2>/dev/null
killed_at=${EPOCHREALTIME/./}
holds_for $((HOLD_DOWN - 1)) "the ISP's route and session after SIGKILL of the instance host" \
	unchanged "$((u1 + 1))" "$((w1 + 1))"
_withdrawn2() { [[ $(isp_counts) == "$((u1 + 1)) $((w1 + 2))" ]] && isp_empty && isp_established; }
wait_until 10 "the ISP to get the withdrawal after the hold-down" _withdrawn2
held_ms=$(((${EPOCHREALTIME/./} - killed_at) / 1000))
((held_ms >= (HOLD_DOWN - 1) * 1000)) || fail "withdrawn after $held_ms ms, before the hold-down"
[[ $(grep -c "Received: " "$T/isp/bird.log") == "$(cat "$T/isp/notifications.before")" ]] ||
	fail "the ISP received a NOTIFICATION: $(grep "Received: " "$T/isp/bird.log")"
say "SIGKILL of the instance host: no UPDATE, no NOTIFICATION at the ISP for the hold-down, then one withdrawal (after $held_ms ms)"
stop_pid "$CLIENT_PID" TERM 5 || fail "the client did not stop"
stop_pid "$VH_PID" TERM 10 || fail "the view host did not stop on SIGTERM"
say "ok"
