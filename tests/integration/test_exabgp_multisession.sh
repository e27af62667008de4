#!/usr/bin/env bash
# ExaBGP 4.2 with `multi-session enable` (capability 68, draft -06/-07 as
# ExaBGP reads it: it wants its own multiprotocol set back, sends 2/8
# otherwise and 2/9 to a peer without 68) against muxd in "auto", in every
# set-up at once, each on its own addresses:
#   one-in    one neighbor block with IPv4 and IPv6 that connects to muxd:
#             one session carrying both (ExaBGP makes no other), no 2/8
#   one-out   the same block, passive: muxd connects; one session, both
#   fam-in    one block per family, connecting: two sessions, one each
#   fam-out   one block per family, passive: muxd's offer of both families
#             gets 2/8; it then offers exactly what ExaBGP's OPEN named
#             (IPv4) and that comes up. ExaBGP hands every connection
#             from an address to its first block, and drops it once that
#             block is up, so IPv6 can only come from ExaBGP itself: muxd
#             tries once, stops, and the wire shows exactly three OPENs
#   fam-both  one block per family that listens and connects (the set-up
#             that works with ExaBGP): two sessions
#   client    ExaBGP as a client of one-in's instance, one block, and one
#             block per family: every IPv4 and IPv6 route at each
# Upstream set-ups: BIRD clients of their instances hold every route
# (IPv4 and IPv6); muxd's API shows the sessions and their families; the
# capture shows the OPENs and NOTIFICATIONs.
# Addresses: 127.0.150.0/24 - 127.0.154.0/24 (muxd .1, instances .2/.3,
# ExaBGP .11-.13, BIRD clients .20/.21).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.150.1
N4=20 N6=10
API=http://$MUX_ADDR:8179/api/v1
# set-up: /24, ExaBGP's address, its layout (one|fam), its side (in: it
# connects; out: it is passive; both), number for its prefixes
SETUPS=(one-in one-out fam-in fam-out fam-both)
declare -A NET=([one-in]=150 [one-out]=151 [fam-in]=152 [fam-out]=153 [fam-both]=153)
declare -A EXA=([one-in]=127.0.150.11 [one-out]=127.0.151.11 [fam-in]=127.0.152.11
	[fam-out]=127.0.153.11 [fam-both]=127.0.153.12)
declare -A INST=([one-in]=127.0.150.2 [one-out]=127.0.151.2 [fam-in]=127.0.152.2
	[fam-out]=127.0.153.2 [fam-both]=127.0.153.3)
declare -A CLIENT=([one-in]=127.0.150.20 [one-out]=127.0.151.20 [fam-in]=127.0.152.20
	[fam-out]=127.0.153.20 [fam-both]=127.0.153.21)
declare -A K=([one-in]=1 [one-out]=2 [fam-in]=3 [fam-out]=4 [fam-both]=5)
EXA_C1=127.0.154.11 EXA_C2=127.0.154.12

claim_addrs 127.0.150.1 127.0.151.1 127.0.152.1 127.0.153.1 "${EXA[@]}" "${INST[@]}" \
	"${CLIENT[@]}" $EXA_C1 $EXA_C2
capture_start "${EXA[@]}" $EXA_C1 $EXA_C2

# ------------------------------------------------------------ muxd
python3 - "$T/muxd.json" "$T/var" <<PY || fail "cannot write the config"
import json, sys
setups = "${SETUPS[*]}".split()
exa = dict(zip(setups, "${EXA[one-in]} ${EXA[one-out]} ${EXA[fam-in]} ${EXA[fam-out]} ${EXA[fam-both]}".split()))
inst = dict(zip(setups, "${INST[one-in]} ${INST[one-out]} ${INST[fam-in]} ${INST[fam-out]} ${INST[fam-both]}".split()))
client = dict(zip(setups, "${CLIENT[one-in]} ${CLIENT[one-out]} ${CLIENT[fam-in]} ${CLIENT[fam-out]} ${CLIENT[fam-both]}".split()))
ups, clients = [], []
for i, name in enumerate(setups):
    ups.append({"name": name, "peer": {"address": exa[name], "asn": 65100 + i},
                "local_address": exa[name].rsplit(".", 1)[0] + ".1",
                # muxd waits where ExaBGP connects
                "passive": name.endswith("-in"), "hold_time": 30, "connect_retry": 5,
                # ExaBGP compares its sorted list of families with ours, in
                # order: muxd's order must not matter
                "families": ["ipv6-unicast", "ipv4-unicast"] if name.startswith("one-")
                            else ["ipv4-unicast", "ipv6-unicast"], "multisession": "auto",
                "instance": {"address": inst[name]}})
    clients.append({"name": "bird-" + name, "address": client[name], "asn": 4200000150 + i,
                    "upstreams": [name]})
clients.append({"name": "exa-one", "address": "$EXA_C1", "asn": 4200000160, "upstreams": ["one-in"]})
clients.append({"name": "exa-fam", "address": "$EXA_C2", "asn": 4200000161, "upstreams": ["one-in"]})
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
           "api": {"listen": "$MUX_ADDR:8179"}, "upstreams": ups, "clients": clients},
          open(sys.argv[1], "w"), indent=1)
PY
mux_start "$T/muxd.json"

# ---------------------------------------------------------- ExaBGP
# exa_routes K FAMILY — static routes: N4 x 10.K.I.0/24, N6 x 2001:db8:K:I::/64
exa_routes() {
	local k=$1 i
	for ((i = 0; i < N4; i++)); do
		[[ $2 == ipv4 ]] && echo "		route 10.$k.$i.0/24 next-hop 127.0.$((149 + k)).11;"
	done
	for ((i = 0; i < N6; i++)); do
		[[ $2 == ipv6 ]] && echo "		route 2001:db8:$k:$i::/64 next-hop 2001:db8:ffff::$k;"
	done
	return 0
}
# exa_block PEER ADDR ASN PEER_AS PASSIVE FAMILIES BODY — one neighbor block
exa_block() {
	cat <<EOC
neighbor $1 {
	router-id $2; local-address $2; local-as $3; peer-as $4;
	hold-time 30; $5
	capability { multi-session enable; }
	family { $(for f in $6; do echo -n "$f unicast; "; done)}
$7
}
EOC
}
# exa_start NAME ADDR LISTEN CONF — ExaBGP on CONF; LISTEN: its address or ""
declare -A EXA_LOG=()
exa_start() {
	mkdir -p "$T/$1"
	EXA_LOG[$1]=$T/$1/exabgp.log
	spawn "exabgp $1" "${EXA_LOG[$1]}" env \
		exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
		exabgp.api.cli=false exabgp.tcp.bind="$3" exabgp.tcp.port=179 \
		exabgp.log.destination=stdout exabgp.log.level=INFO \
		exabgp "$4"
}
upstream_conf() {
	local name=$1 k=${K[$1]} addr=${EXA[$1]} asn=$((65100 + K[$1] - 1)) passive=""
	local mux=${EXA[$1]%.*}.1
	[[ $name == *-out ]] && passive="passive true;"
	mkdir -p "$T/$name"
	if [[ $name == one-* ]]; then
		exa_block "$mux" "$addr" $asn 65000 "$passive" "ipv4 ipv6" \
			"	static {
$(exa_routes "$k" ipv4; exa_routes "$k" ipv6)
	}"
	else
		exa_block "$mux" "$addr" $asn 65000 "$passive" ipv4 "	static {
$(exa_routes "$k" ipv4)
	}"
		exa_block "$mux" "$addr" $asn 65000 "$passive" ipv6 "	static {
$(exa_routes "$k" ipv6)
	}"
	fi >"$T/$name/exabgp.conf"
}
client_conf() {
	local dir=$1 addr=$2 asn=$3 layout=$4 api="	api { processes [ rx ]; receive { parsed; update; } }"
	mkdir -p "$dir"
	{
		echo "process rx { run $PYTHON $TOOLS/mux_exa_rx.py $dir/received.json; encoder json; }"
		if [[ $layout == one ]]; then
			exa_block "${INST[one-in]}" "$addr" "$asn" 65000 "" "ipv4 ipv6" "$api"
		else
			exa_block "${INST[one-in]}" "$addr" "$asn" 65000 "" ipv4 "$api"
			exa_block "${INST[one-in]}" "$addr" "$asn" 65000 "" ipv6 "$api"
		fi
	} >"$dir/exabgp.conf"
}
for s in "${SETUPS[@]}"; do
	upstream_conf "$s"
	listen=""
	[[ $s == *-out || $s == fam-both ]] && listen=${EXA[$s]}
	exa_start "$s" "${EXA[$s]}" "$listen" "$T/$s/exabgp.conf"
done
client_conf "$T/exa-one" $EXA_C1 4200000160 one
client_conf "$T/exa-fam" $EXA_C2 4200000161 fam
exa_start exa-one $EXA_C1 "" "$T/exa-one/exabgp.conf"
exa_start exa-fam $EXA_C2 "" "$T/exa-fam/exabgp.conf"

# ------------------------------------------------------------ BIRD
mkdir -p "$T/bird"
{
	echo "router id 127.0.150.20;"
	echo "log \"$T/bird/bird.log\" all;"
	for s in "${SETUPS[@]}"; do
		n=${K[$s]}
		cat <<EOC
ipv4 table t${n}_4;
ipv6 table t${n}_6;
protocol bgp mux$n {
	local ${CLIENT[$s]} as $((4200000150 + n - 1));
	neighbor ${INST[$s]} port 179 as 65000;
	multihop; strict bind yes;
	hold time 30; connect delay time 1; connect retry time 1; error wait time 1, 2;
	ipv4 { table t${n}_4; import all; export none; };
	ipv6 { table t${n}_6; import all; export none; };
}
EOC
	done
} >"$T/bird/bird.conf"
spawn "bird clients" "$T/bird/stderr" bird -f -c "$T/bird/bird.conf" -s "$T/bird/ctl" -P "$T/bird/pid"
wait_until 30 "BIRD to answer" bash -c "birdc -s '$T/bird/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"

# ------------------------------------------------------------ checks
bird_count() { birdc -s "$T/bird/ctl" show route count table "$1" 2>/dev/null | awk '/routes for/ {print $1}'; }
bird_counts() { echo "$(bird_count "t${K[$1]}_4") $(bird_count "t${K[$1]}_6")"; }
exa_counts() {
	python3 "$TOOLS/mux_tables.py" exa "$T/$1/received.json" "${INST[one-in]}" 2>/dev/null |
		python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(":" not in p for p in r), sum(":" in p for p in r))'
}
# sessions PREFIX... — from the last snapshot of muxd's API (api_snapshot),
# one line per PREFIX: "STATE:FAMILIES" of every session whose id starts
# with PREFIX ("one-in/", "one-in/exa-one/"), sorted (ids follow the order
# in which the sessions came up)
api_snapshot() { curl -sf "$API/sessions" >"$T/sessions.json" || fail "GET $API/sessions failed"; }
sessions() {
	python3 - "$T/sessions.json" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("sessions", d) if isinstance(d, dict) else d
for pre in sys.argv[2:]:
    print(" ".join(sorted("%s:%s" % (s["state"], "+".join(s["families"]))
          for s in d if s["id"].startswith(pre) and s["id"].count("/") == pre.count("/"))))
PY
}
all_routes() {
	local s
	for s in one-in one-out fam-in fam-both; do
		[[ $(bird_counts "$s") == "$N4 $N6" ]] || return 1
	done
	[[ $(bird_counts fam-out) == "$N4 0" && $(exa_counts exa-one) == "$N4 $N6" &&
		$(exa_counts exa-fam) == "$N4 $N6" ]]
}
routes_report() {
	local s
	api_snapshot
	for s in "${SETUPS[@]}"; do say "  $s: BIRD has $(bird_counts "$s"); muxd: $(sessions "$s/")"; done
	say "  clients: exa-one $(exa_counts exa-one) ($(sessions one-in/exa-one/)), exa-fam $(exa_counts exa-fam) ($(sessions one-in/exa-fam/))"
}
if ! _poll 60 all_routes; then
	routes_report
	fail "not every set-up's routes arrived"
fi
say "routes: every BIRD client holds its upstream's $N4 IPv4 + $N6 IPv6 routes (fam-out: IPv4 only), both ExaBGP clients hold one-in's"

BOTH=ipv4-unicast+ipv6-unicast BOTH_RE='ipv4-unicast\+ipv6-unicast'
api_snapshot
prefixes=(one-in/ one-out/ fam-in/ fam-both/ fam-out/ one-in/exa-one/ one-in/exa-fam/)
want=("Established:$BOTH" "Established:$BOTH"
	"Established:ipv4-unicast Established:ipv6-unicast"
	"Established:ipv4-unicast Established:ipv6-unicast"
	"Established:ipv4-unicast"
	"Established:$BOTH"
	"Established:ipv4-unicast Established:ipv6-unicast")
mapfile -t got < <(sessions "${prefixes[@]}")
for i in "${!prefixes[@]}"; do
	[[ ${got[i]-} == "${want[i]}" ]] ||
		fail "${prefixes[i]} sessions at muxd: '${got[i]-}', want '${want[i]}'"
done
say "muxd: one session per ExaBGP neighbor block: both families on a block that has both, one each on blocks per family"

# ------------------------------------------------------------ the wire
# ExaBGP's OPENs carry capability 68 as two TLVs (44 01 00, 44 01 01).
# (tshark reads the file while dumpcap still writes it.)
wire() { tshark -r "$CAP" -Y "$1" -T fields "${@:2}" 2>/dev/null; }
wire "ip.src == ${EXA[one-in]} && bgp.type == 1" -e bgp.cap.type | head -1 | matches -x '1,1,65,6,68,68' ||
	fail "ExaBGP's OPEN capabilities: $(wire "ip.src == ${EXA[one-in]} && bgp.type == 1" -e bgp.cap.type | head -1)"
# no refusal at all where ExaBGP offers both families: muxd answers both
n=$(wire "bgp.type == 3 && (ip.addr == ${EXA[one-in]} || ip.addr == $EXA_C1 || ip.addr == ${EXA[one-out]})" -e frame.number | wc -l)
((n == 0)) || fail "$n NOTIFICATIONs in the one-block set-ups (want none)"
mux_log_has "view one-in peer 127\.0\.150\.11: multisession \(IETF\): answering with the neighbor's whole group, $BOTH_RE" ||
	fail "muxd's log does not say why it answers one-in with both families"
mux_log_has "view one-in peer 127\.0\.150\.11: OPEN received: AS 65100, id 127\.0\.150\.11, hold 30; offered $BOTH_RE, multisession IETF \(68\); negotiated $BOTH_RE, hold 30, multisession IETF" ||
	fail "muxd's 'OPEN received' line for one-in does not name what was offered and negotiated"
say "one block with both families: muxd answers with both, no NOTIFICATION either way (ExaBGP's OPEN: 68 twice)"

# fam-out: exactly three OPENs from muxd: both (2/8 back), IPv4 (up), IPv6
# (dropped before ExaBGP's OPEN); then none, however long we wait.
fam_out_opens() { wire "ip.dst == ${EXA[fam-out]} && ip.src == 127.0.153.1 && bgp.type == 1" -e bgp.cap.mp.afi | tr '\n' ' '; }
wait_until 20 "muxd's third OPEN to fam-out" bash -c "[[ \$(tshark -r '$CAP' -Y 'ip.dst == ${EXA[fam-out]} && bgp.type == 1' 2>/dev/null | wc -l) -ge 3 ]]"
mux_log_has "view fam-out peer 127\.0\.153\.11: multisession: the neighbor refused our offer \(IETF, $BOTH_RE\) with NOTIFICATION 2/8 .*its own OPEN named ipv4-unicast: offering exactly that group next" ||
	fail "no log line for fam-out's 2/8 and what it taught"
mux_log_has "view fam-out peer 127\.0\.153\.11: multisession: the neighbor refused our offer \(IETF, ipv6-unicast\) by closing the connection: it takes no further session" ||
	fail "no log line for fam-out's refused second connection"
mux_log_has "view fam-out peer 127\.0\.153\.11: received NOTIFICATION 2/8 \(OPEN Message Error, Grouping Conflict \(draft-ietf-idr-bgp-multisession; Cisco: No Supported AFI/SAFI\)\): data \"when checking session id, capability multiprotocol did not match\"" ||
	fail "the 2/8 from ExaBGP is not logged with its name and text"
# An absence needs a window: 8 s covers retries after 1, 2 and 4 s.
third=$(wire "ip.dst == ${EXA[fam-out]} && bgp.type == 1" -e frame.time_epoch | sed -n 3p)
window() { [[ $(python3 -c "import time; print(int(time.time() - $third >= 8))") == 1 ]]; }
wait_until 15 "8 s since muxd's third OPEN to fam-out" window
[[ $(fam_out_opens) == "1,2 1 2 " ]] || fail "muxd's OPENs to fam-out (AFIs): '$(fam_out_opens)', want '1,2 1 2'"
say "fam-out: muxd offered both (2/8), then exactly ExaBGP's IPv4 (up), then IPv6 once (dropped) and stopped: three OPENs"

mux_stop_clean
capture_stop
capture_check
