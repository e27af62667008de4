#!/usr/bin/env bash
# The mux with multisession on both sides, end to end: a multisession
# upstream (tests/tools/ms_speaker in Cisco's dialect, 50 IPv4 and 30 IPv6
# routes, one TCP session each), a single-session client (BIRD 2) and a
# multisession client (ms_speaker, IETF dialect).
#   - the view is one view fed by two sessions; both clients receive
#     everything, the multisession client on two sessions;
#   - the upstream's IPv6 session goes down: only IPv6 paths are withdrawn
#     at both clients, whose sessions all stay up; it comes back: the IPv6
#     paths return;
#   - the multisession client asks for a refresh of IPv6, then IPv4: each
#     answered on that family's session alone, between BoRR and EoRR
#     (enhanced route refresh, per leg), and it keeps every route.
# Addresses: 127.0.101.0/24 (muxd .1, upstream speaker .11) and
# 127.0.102.0/24 (instance .1, BIRD client .12, multisession client .13).
. "$(dirname "$0")/lib.sh"

SPEAKER=$ROOT/build/tools/ms_speaker
[[ -x $SPEAKER ]] || fail "$SPEAKER not built: run make"
MUX_ADDR=127.0.101.1
UP_ADDR=127.0.101.11
INST_ADDR=127.0.102.1
BIRD_ADDR=127.0.102.12
MS_ADDR=127.0.102.13
CLIENT_ASN=4200000101

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write the config"
import json, sys
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
           "upstreams": [{"name": "isp-ms", "peer": {"address": "127.0.101.11", "asn": 65010},
                          "local_address": "127.0.101.1", "passive": True, "hold_time": 30,
                          "families": ["ipv4-unicast", "ipv6-unicast"],
                          "instance": {"address": "127.0.102.1"}}],
           "clients": [{"name": "bird", "address": "127.0.102.12", "asn": 4200000101,
                        "upstreams": ["isp-ms"]},
                       {"name": "ms", "address": "127.0.102.13", "asn": 4200000102,
                        "upstreams": ["isp-ms"], "multisession": "ietf"}]},
          open(sys.argv[1], "w"), indent=1)
PY
mux_start "$T/muxd.json"

mkfifo "$T/up.ctl"
spawn "upstream speaker" "$T/up.log" "$SPEAKER" --local "$UP_ADDR" --remote "$MUX_ADDR" \
	--asn 65010 --peer-as 65000 --id "$UP_ADDR" --dialect cisco \
	--family ipv4-unicast=50 --family ipv6-unicast=30 --hold 30 --status "$T/up.json" \
	--control "$T/up.ctl"
mkfifo "$T/ms.ctl"
spawn "multisession client" "$T/ms.log" "$SPEAKER" --local "$MS_ADDR" --remote "$INST_ADDR" \
	--asn 4200000102 --peer-as 65000 --id "$MS_ADDR" --dialect ietf \
	--family ipv4-unicast --family ipv6-unicast --hold 30 --status "$T/ms.json" \
	--control "$T/ms.ctl"

mkdir -p "$T/client"
cat >"$T/client/bird.conf" <<EOF
router id $BIRD_ADDR;
log "$T/client/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol bgp mux {
	local $BIRD_ADDR as $CLIENT_ASN;
	neighbor $INST_ADDR as 65000;
	multihop; strict bind yes;
	hold time 30; connect delay time 1; connect retry time 2;
	ipv4 { table c4; import all; export none; };
	ipv6 { table c6; import all; export none; };
}
EOF
spawn "bird client" "$T/client/stderr" bird -f -c "$T/client/bird.conf" -s "$T/client/ctl" \
	-P "$T/client/pid"
_cbirdc() { birdc -s "$T/client/ctl" "$@"; }
wait_until 30 "the client BIRD to answer" bash -c "birdc -s '$T/client/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"

bird_count() { _cbirdc show route count table "$1" | awk '/routes for/ {print $1}'; }
ms_counts() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ipv4_routes"], d["ipv6_routes"], sum(s["state"] == "Established" for s in d["sessions"]), sum(s["established"] for s in d["sessions"]))' "$T/ms.json" 2>/dev/null; }
bird_counts() { echo "$(bird_count c4) $(bird_count c6)"; }
# what muxd says about a name: the view's, or a client's entries (legs too)
mux_q() {
	mux_dump
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=d['views'][0]; i=d['instances'][0]; print($1)" "$ROUTES_JSON"
}

wait_until 30 "both clients to have every route" bash -c \
	"[[ \$(birdc -s '$T/client/ctl' show route count table c4 | awk '/routes for/ {print \$1}') == 50 && \$(python3 -c 'import json; d=json.load(open(\"$T/ms.json\")); print(d[\"ipv4_routes\"], d[\"ipv6_routes\"])' 2>/dev/null) == '50 30' ]]"
wait_until 10 "BIRD's 30 IPv6 routes" bash -c "[[ \$(birdc -s '$T/client/ctl' show route count table c6 | awk '/routes for/ {print \$1}') == 30 ]]"
[[ $(mux_q 'v["peer"]["summary"]') == "multisession with 2 sessions (2 established)" ]] ||
	fail "the view's upstream: $(mux_q 'v["peer"]["summary"]')"
[[ $(mux_q 'v["route_count"]') == 80 ]] || fail "the view holds $(mux_q 'v["route_count"]') routes, want 80"
# bird_session — muxd's counters of the BIRD client's session: a reset moves
# them (BIRD's "since" time moves under load without one)
bird_session() { mux_q '["%d joins, %d flaps" % (c["joins"], c["flaps"]) for c in i["clients"] if c["name"] == "bird"][0]'; }
legs=$(mux_q '" ".join(sorted("%s:%d" % (c["name"], c["session_id"]) for c in i["clients"] if c["state"] == "Established"))')
[[ $legs == "bird:1 ms:1 ms:2" ]] || fail "the instance's client sessions: $legs"
[[ $(ms_counts) == "50 30 2 2" ]] || fail "multisession client: $(ms_counts)"
say "one view from two upstream sessions (80 routes); BIRD (one session) and the multisession client (two) have all 50 IPv4 and 30 IPv6 routes"

bird_before=$(bird_session)
[[ $bird_before == "1 joins, 0 flaps" ]] || fail "BIRD's session at muxd: $bird_before"
echo "stop ipv6-unicast" >"$T/up.ctl"
wait_until 15 "IPv6 withdrawn at both clients" bash -c \
	"[[ \$(birdc -s '$T/client/ctl' show route count table c6 | awk '/routes for/ {print \$1}') == 0 && \$(python3 -c 'import json; d=json.load(open(\"$T/ms.json\")); print(d[\"ipv6_routes\"])') == 0 ]]"
[[ $(bird_counts) == "50 0" ]] || fail "BIRD has $(bird_counts) after the IPv6 session went down"
[[ $(ms_counts) == "50 0 2 2" ]] || fail "multisession client: $(ms_counts) after the IPv6 session went down"
[[ $(mux_q 'v["peer"]["summary"]') == "multisession with 1 sessions (1 established)" ]] ||
	fail "view: $(mux_q 'v["peer"]["summary"]')"
[[ $(bird_session) == "$bird_before" ]] || fail "BIRD's session was reset: $bird_before -> $(bird_session)"
say "upstream IPv6 session down: only the 30 IPv6 paths withdrawn at both clients; every client session stayed up"

echo "start ipv6-unicast" >"$T/up.ctl"
wait_until 20 "IPv6 back at both clients" bash -c \
	"[[ \$(birdc -s '$T/client/ctl' show route count table c6 | awk '/routes for/ {print \$1}') == 30 && \$(python3 -c 'import json; d=json.load(open(\"$T/ms.json\")); print(d[\"ipv6_routes\"])') == 30 ]]"
[[ $(ms_counts) == "50 30 2 2" && $(bird_session) == "$bird_before" ]] ||
	fail "after IPv6 came back: $(ms_counts), BIRD $(bird_session)"
say "upstream IPv6 session back: the IPv6 paths return; still no client session reset"

# ms_rr — per session of the multisession client "FAMILY:BoRRs/EoRRs", then
# its IPv4 and IPv6 routes
ms_rr() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join("%s:%d/%d" % (s["families"][0], s["borr"], s["eorr"]) for s in d["sessions"]), d["ipv4_routes"], d["ipv6_routes"])' "$T/ms.json" 2>/dev/null; }
ms_rr_is() { [[ $(ms_rr) == "$1" ]]; }
[[ $(ms_rr) == "ipv4-unicast:0/0 ipv6-unicast:0/0 50 30" ]] || fail "before any refresh: $(ms_rr)"
mark=$(mux_log_lines)
echo "refresh ipv6-unicast" >"$T/ms.ctl"
wait_until 15 "the IPv6 leg's BoRR and EoRR" ms_rr_is "ipv4-unicast:0/0 ipv6-unicast:1/1 50 30"
wait_until 10 "muxd to log the IPv6 leg's answer" mux_log_since "$mark" \
	"client ms [^ ]+: ROUTE-REFRESH answered: sent the view again \(30 routes of IPv6, between"
echo "refresh ipv4-unicast" >"$T/ms.ctl"
wait_until 15 "the IPv4 leg's BoRR and EoRR" ms_rr_is "ipv4-unicast:1/1 ipv6-unicast:1/1 50 30"
[[ $(ms_counts) == "50 30 2 2" && $(bird_session) == "$bird_before" ]] ||
	fail "after the refreshes: $(ms_counts), BIRD $(bird_session)"
say "enhanced route refresh per leg: each family's session got its own BoRR, routes, EoRR; nothing lost"
mux_stop_clean
