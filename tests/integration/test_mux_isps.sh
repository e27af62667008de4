#!/usr/bin/env bash
# timeout: 600
# The mux with two ISPs and three real clients, on loopback:
#   ISP A = BIRD 2 (AS 65010, 127.0.50.11), ISP B = GoBGP (AS 65020,
#   127.0.50.12), each announcing V4 IPv4 + V6 IPv6 generated routes
#   (routegen.py: varied AS paths, AS_SETs from GoBGP, origins, MEDs,
#   standard, extended and large communities, next hops in 192.0.2.0/24 and
#   2001:db8::/32); muxd (127.0.50.1) with instance isp-a on 127.0.51.1 and
#   isp-b on 127.0.51.2; clients BIRD 2 (127.0.51.11), FRR bgpd -Z
#   (127.0.51.12) and ExaBGP (127.0.51.13), each attached to both instances,
#   plus bgp_sink clients (127.0.51.101-105) for churn.
# Asserts:
#   1. every client's table from each instance equals, attribute by attribute
#      (origin, AS path, next hop, MED, the three kinds of communities, in
#      order), what that ISP announced, computed from the generator;
#   2. withdrawals and new announcements at each ISP reach every client (the
#      same comparison against the new expectation);
#   3. churn: while both ISPs keep announcing and withdrawing batches, clients
#      connect and disconnect 100 times (bgp_sink sessions that take the whole
#      view and close, plus BIRD, FRR and ExaBGP session flaps); afterwards
#      every client again equals the ISPs, the ISP sessions never reset
#      (BIRD's session start time, GoBGP's uptime and flop count unchanged)
#      and neither ISP received a single UPDATE during the churn (BIRD's
#      import updates/withdraws, GoBGP's state.messages.received.update).
V4=${V4:-2000}
V6=${V6:-1000}
CHURN=${CHURN:-100}
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.50.1
INST_A=127.0.51.1
INST_B=127.0.51.2
BIRD_C=127.0.51.11 FRR_C=127.0.51.12 EXA_C=127.0.51.13
BIRD_ASN=4200000101 FRR_ASN=4200000102 EXA_ASN=4200000103
SINK_BASE=101 NSINK=5 SINK_ASN0=4200000200
A=isp_a B=isp_b
A_SLOT=12 B_SLOT=13
MT=(python3 "$TOOLS/mux_tables.py")

# ---------------------------------------------------------------- the ISPs

peer_add "$A" bird 127.0.50.11 65010 "$A_SLOT" passive
peer_add "$B" gobgp 127.0.50.12 65020 "$B_SLOT" passive
bird_start "$A"
gobgp_start "$B"
for asn in $BIRD_ASN $FRR_ASN $EXA_ASN; do
	! grep -q "prepend($asn)" "$T/$A/bird.conf" || fail "client AS $asn is in a generated path"
done
wait_until 30 "ISP A (BIRD) to listen" listening 127.0.50.11 179
wait_until 30 "ISP B (GoBGP) to listen" listening 127.0.50.12 179

# ------------------------------------------------------------------- muxd

python3 - "$T/muxd.json" "$T/var" "$NSINK" "$SINK_BASE" "$SINK_ASN0" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, nsink, base, asn0 = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
def up(name, addr, asn, inst):
    return {"name": name, "peer": {"address": addr, "asn": asn, "port": 179},
            "local_address": "127.0.50.1", "hold_time": 90,
            "families": ["ipv4-unicast", "ipv6-unicast"],
            "instance": {"address": inst, "port": 179, "local_as": 65000, "next_hop": "unchanged"}}
both = ["isp-a", "isp-b"]
clients = [{"name": "bird", "address": "127.0.51.11", "asn": 4200000101, "upstreams": both},
           {"name": "frr", "address": "127.0.51.12", "asn": 4200000102, "upstreams": both},
           {"name": "exabgp", "address": "127.0.51.13", "asn": 4200000103, "upstreams": both}]
for i in range(nsink):
    clients.append({"name": "sink-%d" % i, "address": "127.0.51.%d" % (base + i),
                    "asn": asn0 + i, "upstreams": both})
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state,
       "upstreams": [up("isp-a", "127.0.50.11", 65010, "127.0.51.1"),
                     up("isp-b", "127.0.50.12", 65020, "127.0.51.2")],
       "clients": clients}
json.dump(cfg, open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 60 "ISP A's session to muxd" bird_established "$A"
wait_until 60 "ISP B's session to muxd" gobgp_established "$B"
wait_until 30 "instance isp-a to listen" listening "$INST_A" 179
wait_until 30 "instance isp-b to listen" listening "$INST_B" 179

# ---------------------------------------------------------------- clients

fill_client() { # TEMPLATE OUT DIR ADDR ASN
	"${ROUTEGEN[@]}" fill --template "$CONF/$1" --out "$2" --set "DIR=$3" --set "ADDR=$4" \
		--set "ASN=$5" --set "INST_A=$INST_A" --set "INST_B=$INST_B" --set "PYTHON=$PYTHON" \
		--set "TOOLS=$TOOLS" || fail "cannot render $2"
}

# BIRD
CB=$T/cbird
mkdir -p "$CB"
fill_client mux-bird-client.conf.in "$CB/bird.conf" "$CB" "$BIRD_C" "$BIRD_ASN"
spawn "bird client" "$CB/stderr" bird -f -c "$CB/bird.conf" -s "$CB/ctl" -P "$CB/pid"
cbirdc() { birdc -s "$CB/ctl" "$@"; }
wait_until 30 "the BIRD client to answer" bash -c "birdc -s '$CB/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"
cbird_up() { cbirdc show protocols "$1" | grep -q Established; }

# FRR
CF=$T/cfrr
mkdir -p "$CF"
fill_client mux-frr-client.conf.in "$CF/bgpd.conf" "$CF" "$FRR_C" "$FRR_ASN"
spawn "bgpd client" "$CF/stderr" "$FRR_BGPD" -f "$CF/bgpd.conf" -i "$CF/bgpd.pid" \
	--vty_socket "$CF" -Z -S -l "$FRR_C" -p 179 -P 0
cvtysh() { timeout -k 2 30 vtysh --vty_socket "$CF" "$@"; }
wait_until 30 "the FRR client to answer vtysh" bash -c "timeout 10 vtysh --vty_socket '$CF' -c 'show bgp summary' >/dev/null 2>&1"
cfrr_state() { # INST -> "state established-count"
	cvtysh -c "show bgp neighbors $1 json" 2>/dev/null | python3 -c "
import json, sys
n = json.load(sys.stdin).get('$1', {})
print(n.get('bgpState'), n.get('connectionsEstablished', 0))"
}
cfrr_up() { [[ $(cfrr_state "$1") == "Established "* ]]; }

# ExaBGP
CE=$T/cexa
mkdir -p "$CE"
: >"$CE/received.json"
fill_client mux-exabgp-client.conf.in "$CE/exabgp.conf" "$CE" "$EXA_C" "$EXA_ASN"
exa_spawn() {
	spawn "exabgp client" "$CE/exabgp.log" env \
		exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
		exabgp.api.cli=false exabgp.tcp.bind="" exabgp.tcp.port=179 \
		exabgp.log.destination=stdout exabgp.log.level=INFO \
		exabgp "$CE/exabgp.conf"
	EXA=$LAST_PID
}
exa_spawn
# ExaBGP's neighbor-change messages: {"type": "state", "neighbor": {"address":
# {"peer": ...}, "state": "up"|"down"|...}}; the last one per neighbor counts.
cexa_state() {
	python3 - "$CE/received.json" "$1" <<'PY'
import json, sys
st, ups = "none", 0
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("type") == "state" and m["neighbor"]["address"]["peer"] == sys.argv[2]:
        st = m["neighbor"]["state"]
        ups += st == "up"
print(st, ups)
PY
}
cexa_up() { [[ $(cexa_state "$1") == "up "* ]]; }

for i in "$INST_A" "$INST_B"; do
	wait_until 60 "the BIRD client's session to $i" cbird_up "isp_$([[ $i == "$INST_A" ]] && echo a || echo b)"
	wait_until 60 "the FRR client's session to $i" cfrr_up "$i"
	wait_until 60 "the ExaBGP client's session to $i" cexa_up "$i"
done
say "all 6 client sessions Established"

# -------------------------------------------------------------- compare

EXTRA_A=() EXTRA_B=() AFTER_W=()
expect_isp() { # NAME -> $T/want.NAME.json
	if [[ $1 == "$A" ]]; then
		"${MT[@]}" expect --daemon bird --asn 65010 --slot "$A_SLOT" --v4 "$V4" --v6 "$V6" \
			"${AFTER_W[@]}" "${EXTRA_A[@]}" >"$T/want.$1.json"
	else
		"${MT[@]}" expect --daemon gobgp --asn 65020 --slot "$B_SLOT" --v4 "$V4" --v6 "$V6" \
			"${AFTER_W[@]}" "${EXTRA_B[@]}" >"$T/want.$1.json"
	fi
}
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

# got_* CLIENT-INSTANCE -> canonical table on stdout
got_bird() {
	local t=${1#isp_}
	{ cbirdc show route all table "c${t}4"; cbirdc show route all table "c${t}6"; } | "${MT[@]}" bird
}
got_frr() {
	local inst=$INST_A
	[[ $1 == "$B" ]] && inst=$INST_B
	# Both instances' routes share FRR's table; the prefixes of the two ISPs
	# are disjoint, so keep those learned from this instance.
	{ cvtysh -c "show bgp ipv4 unicast json detail"; cvtysh -c "show bgp ipv6 unicast json detail"; } |
		"${MT[@]}" frr --peer "$inst"
}
got_exa() {
	local inst=$INST_A
	[[ $1 == "$B" ]] && inst=$INST_B
	"${MT[@]}" exa "$CE/received.json" "$inst"
}

# same CLIENT ISP — one comparison (quiet unless it differs).
same() {
	"got_$1" "$2" >"$T/got.$1.$2.json" 2>"$T/got.$1.$2.err" || return 1
	local o=()
	# FRR sorts community lists when it receives them (the BIRD client shows
	# that muxd keeps GoBGP's unsorted order) and shows opaque extended
	# communities without their value.
	[[ $1 == frr ]] && o=(--frr-opaque --unordered)
	"${MT[@]}" compare "${o[@]}" "$1 from $2" "$T/want.$2.json" "$T/got.$1.$2.json" 2>"$T/cmp.$1.$2.txt"
}

# all_equal WHAT SECONDS — poll until every client equals both ISPs.
all_equal() {
	local what=$1 limit=$2 c i t0=$SECONDS
	expect_isp "$A" && expect_isp "$B" || fail "cannot compute the expectation"
	say "$what: expecting $(count "$T/want.$A.json") routes from ISP A and $(count "$T/want.$B.json") from ISP B at every client"
	for c in bird frr exa; do
		for i in "$A" "$B"; do
			if ! _poll "$limit" same "$c" "$i"; then
				cat "$T/cmp.$c.$i.txt" "$T/got.$c.$i.err" >&2
				fail "$what: the $c client's table from $i differs from what $i announced"
			fi
			cat "$T/cmp.$c.$i.txt" >&2
		done
	done
	say "$what: every client equals both ISPs, attribute by attribute ($((SECONDS - t0))s)"
}

all_equal "initial tables" ${FIRST_WAIT:-90}

# ------------------------------------------------ what the ISPs received

# isp_state — "connections, muxd's count of each ISP session, BIRD-updates
# BIRD-withdraws | GoBGP-state flops received-updates": counters only (a
# session start time moves under load without a reset).
isp_state() {
	local a b
	# The TCP connections' ports change if a session is re-established.
	a=$(ss -Htn state established "( sport = :179 and src 127.0.50.11 ) or ( sport = :179 and src 127.0.50.12 )" |
		awk '{print $3 "-" $4}' | sort | paste -sd, -)
	a+=" A: $(mux_sessions "view isp-a peer"), B: $(mux_sessions "view isp-b peer")"
	a+=" "$(_birdc "$A" show protocols all mux | awk '
		/Import updates:/ { upd += $3 }
		/Import withdraws:/ { wd += $3 }
		END { print upd + 0, wd + 0 }')
	b=$(_gobgp_out "$B" neighbor "$MUX_ADDR" -j 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
s = d['state']
print(s.get('session_state'), s.get('flops', 0),
      s.get('messages', {}).get('received', {}).get('update', 0))")
	echo "$a | $b"
}
isp0=$(isp_state)
say "ISP state (connections, muxd's session counts, BIRD updates/withdraws | GoBGP state/flops/updates received): $isp0"
[[ $isp0 == *" 0 0 | "* ]] || fail "ISP A (BIRD) received routes from muxd: $isp0"

# ------------------------------------------- withdrawals and announcements

gobgp_extra() { # TAG add|del
	"${MT[@]}" extra --tag "$1" --format gobgp | sed "s/^/global rib $2 /" |
		xargs -P 4 -L 1 gobgp -u 127.0.50.12 -p 50051 >"$T/gobgp.$1.$2.log" 2>&1 ||
		fail "gobgp global rib $2 ($1) failed: $(head -3 "$T/gobgp.$1.$2.log")"
}
bird_extra() { # TAG — add the extra routes as a static protocol, reconfigure
	"${MT[@]}" extra --tag "$1" --format bird --table "$A" >>"$T/$A/bird.conf" || fail "extra $1"
	_birdc "$A" configure | grep -q "Reconfigured" || fail "BIRD ISP A did not reconfigure"
}
# (BIRD's `configure` re-enables protocols disabled by birdc: add first.)
bird_extra a1
bird_withdraw "$A"
gobgp_withdraw "$B"
gobgp_extra b1 add
AFTER_W=(--after-withdraw) EXTRA_A=(--extra a1) EXTRA_B=(--extra b1)
all_equal "after withdrawals and new announcements" 60
isp1=$(isp_state)
[[ $isp1 == "$isp0" ]] || fail "the ISPs' sessions or counters moved: before '$isp0', after '$isp1'"

# ------------------------------------------------------------------ churn

# The ISPs keep announcing and withdrawing batches during the churn.
(
	n=0
	while [[ ! -e $T/stop_isp ]]; do
		_birdc "$A" disable x4_a1 >/dev/null; _birdc "$A" disable x6_a1 >/dev/null
		gobgp_extra b1 del
		_birdc "$A" enable x4_a1 >/dev/null; _birdc "$A" enable x6_a1 >/dev/null
		gobgp_extra b1 add
		n=$((n + 1))
		echo "$n" >"$T/isp_batches"
	done
) &
ISP_LOOP=$!
PIDS+=("$ISP_LOOP")
PID_NAME[$ISP_LOOP]="ISP announce loop"

# sink_cycle I — one sink client: connect to an instance, take the whole view
# up to End-of-RIB, close.
sink_cycle() {
	local i=$1 inst=$2
	timeout 60 "$ROOT/build/tools/bgp_sink" --connect "$inst:179" --bind "127.0.51.$((SINK_BASE + i))" \
		--asn $((SINK_ASN0 + i)) --peer-as 65000 --until-eor --linger 0 --quiet --timeout 30 \
		--name "sink-$i" >>"$T/sink.$i.out" 2>>"$T/sink.$i.err"
}
est_lines() { grep -cE "instance isp-[ab] client [^:]*: .*-> Established" "$MUX_LOG"; }
est0=$(est_lines)
flaps=0 t0=$SECONDS
real_flaps=0
# A few real-daemon flaps: BIRD disable/enable, FRR clear, ExaBGP restart.
cbirdc disable isp_a >/dev/null && cbirdc enable isp_a >/dev/null && real_flaps=$((real_flaps + 1))
cbirdc disable isp_b >/dev/null && cbirdc enable isp_b >/dev/null && real_flaps=$((real_flaps + 1))
cvtysh -c "clear bgp $INST_A" >/dev/null && real_flaps=$((real_flaps + 1))
cvtysh -c "clear bgp $INST_B" >/dev/null && real_flaps=$((real_flaps + 1))
stop_pid "$EXA" TERM 15 || true
real_flaps=$((real_flaps + 2))  # both of ExaBGP's sessions
: >"$CE/received.json"
exa_spawn
# The sinks: NSINK at a time, alternating instances, until CHURN in total.
sinks=0 sink_fail=0
while ((real_flaps + sinks < CHURN)); do
	pids=()
	for ((i = 0; i < NSINK && real_flaps + sinks < CHURN; i++)); do
		inst=$INST_A
		((sinks % 2)) && inst=$INST_B
		sink_cycle "$i" "$inst" &
		pids+=($!)
		sinks=$((sinks + 1))
	done
	for p in "${pids[@]}"; do wait "$p" || sink_fail=$((sink_fail + 1)); done
done
say "churn: $real_flaps real-daemon session flaps + $sinks bgp_sink sessions in $((SECONDS - t0))s"
((sink_fail == 0)) || fail "$sink_fail bgp_sink sessions failed: $(cat "$T"/sink.*.err | head -5)"
incomplete=$(cat "$T"/sink.*.out | grep -c '"complete":false')
((incomplete == 0)) || fail "$incomplete bgp_sink sessions ended without the whole view"
n=$(cat "$T"/sink.*.out | grep -c '"complete":true')
((n == sinks)) || fail "$n of $sinks bgp_sink sessions reported a complete view"

touch "$T/stop_isp"
wait_until 60 "the ISP announce loop to finish its batch" eval "! running $ISP_LOOP"
wait "$ISP_LOOP" 2>/dev/null
batches=$(cat "$T/isp_batches" 2>/dev/null || echo 0)
((batches >= 1)) || fail "the ISPs did not complete one withdraw+announce batch during the churn"
say "the ISPs withdrew and re-announced $batches batches (BIRD 30 routes, GoBGP 30 routes) during the churn"
# Leave the ISPs in the known state (extra batches announced).
_birdc "$A" enable x4_a1 >/dev/null; _birdc "$A" enable x6_a1 >/dev/null
gobgp_extra b1 add
for i in "$INST_A" "$INST_B"; do
	wait_until 60 "the BIRD client back on $i" cbird_up "isp_$([[ $i == "$INST_A" ]] && echo a || echo b)"
	wait_until 60 "the FRR client back on $i" cfrr_up "$i"
	wait_until 60 "the ExaBGP client back on $i" cexa_up "$i"
done
est=$(($(est_lines) - est0))
((est >= CHURN)) || fail "muxd logged $est client sessions Established during the churn, want >= $CHURN"
all_equal "after the churn" 60
isp2=$(isp_state)
[[ $isp2 == "$isp0" ]] ||
	fail "the ISPs saw the churn: before '$isp0', after '$isp2' (sessions reset or UPDATEs received)"
say "after $CHURN client connects/disconnects: ISP sessions never reset, zero UPDATEs received ($isp2)"

mux_stop_clean
say "PASS in $((SECONDS - STARTED))s"
