#!/usr/bin/env bash
# Scale-out across machines (docs/scaleout.md): network namespaces, each a
# machine, on one LAN (a bridge, 10.203.0.0/24):
#   isp       BIRD, AS 65070, ADD-PATH: 200 IPv4 and 100 IPv6 prefixes, two
#             paths each with different attributes (tests/tools/path_tables.py)
#   viewhost  muxd with "export": the upstream session to isp, its view
#   ih1, ih2  muxd with "view_host": the view rebuilt from VPN routes, served
#             on the upstream's instance
#   vnet1     a BIRD client of ih1's instance and a bgp_sink (ADD-PATH receive)
#   vnet2     a GoBGP client of ih2's instance and a bgp_sink (ADD-PATH receive)
#   single    a single-machine muxd peering with the same isp, and a bgp_sink
#             client of its instance
# Shown: BIRD's and GoBGP's tables equal the ISP's path by path, attributes
# included (the expectation is the generator's, never muxd's); the three
# bgp_sinks hold the same routes — prefix, path id and attribute
# fingerprint — so a client of an instance host cannot tell it from a
# client of the single machine. Then ih1 dies by SIGKILL: the ISP receives
# no UPDATE and no NOTIFICATION (a capture in its namespace), its sessions
# stay up, and vnet2 receives nothing.
# Addresses: only inside the namespaces sco-*-PID.
. "$(dirname "$0")/lib.sh"

N4=200 N6=100
PATHS=$((2 * (N4 + N6)))
ISP_ASN=65070 EXPORT_PORT=1179
CLIENT_PREFIX=184.164.224.0/24 HOLD_DOWN=10
NET=10.203.0
ISP=$NET.1 VH=$NET.2 IH1=$NET.3 IH2=$NET.4 SINGLE=$NET.5
VH_INST=$NET.12 IH1_INST=$NET.13 IH2_INST=$NET.14 SINGLE_INST=$NET.15 SINGLE_SINK=$NET.16
VNET1_BIRD=$NET.21 VNET1_SINK=$NET.22 VNET2_GOBGP=$NET.31 VNET2_SINK=$NET.32
# The interpreter itself, not a version manager's shim: this test runs
# Python a few dozen times, and a shim costs seconds on a busy machine.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "no python3"
PT=("$PY" "$TOOLS/path_tables.py")
SINK=$ROOT/build/tools/bgp_sink

# ---------------------------------------------------------------- machines

ns() { echo "sco-$1-$$"; }
lan_add "$(ns lan)"
lan_join "$(ns lan)" "$(ns isp)" "$ISP/24"
lan_join "$(ns lan)" "$(ns viewhost)" "$VH/24" "$VH_INST/24"
lan_join "$(ns lan)" "$(ns ih1)" "$IH1/24" "$IH1_INST/24"
lan_join "$(ns lan)" "$(ns ih2)" "$IH2/24" "$IH2_INST/24"
lan_join "$(ns lan)" "$(ns vnet1)" "$VNET1_BIRD/24" "$VNET1_SINK/24"
lan_join "$(ns lan)" "$(ns vnet2)" "$VNET2_GOBGP/24" "$VNET2_SINK/24"
lan_join "$(ns lan)" "$(ns single)" "$SINGLE/24" "$SINGLE_INST/24" "$SINGLE_SINK/24"

# -------------------------------------------------------------------- isp

# The ISP: two static protocols per family give each prefix its two paths;
# "add paths tx" sends both to the view host and to the single machine.
isp_start() {
	local d=$T/isp neighbor
	mkdir -p "$d"
	"${PT[@]}" isp --asn "$ISP_ASN" --v4 "$N4" --v6 "$N6" --bird "$d/routes.conf" >"$T/want.txt" ||
		fail "cannot generate the ISP's routes"
	{
		printf 'router id %s;\nlog "%s/bird.log" all;\n' "$ISP" "$d"
		printf 'ipv4 table t4;\nipv6 table t6;\nprotocol device { }\ninclude "%s/routes.conf";\n' "$d"
		# BIRD sends MED on eBGP only when the export filter itself sets it.
		# What the ISP learns (the gateway's own routes) it keeps, and sends
		# to nobody.
		printf 'filter to_mux { if source = RTS_BGP then reject;\n'
		printf '\tif defined(bgp_med) then bgp_med = bgp_med; accept; }\n'
		for neighbor in "$VH" "$SINGLE"; do
			printf 'protocol bgp to_%s {\n\tlocal %s as %s;\n' "${neighbor//./_}" "$ISP" "$ISP_ASN"
			printf '\tneighbor %s as %s;\n\tmultihop; strict bind yes; passive on;\n' "$neighbor" "$MUX_ASN"
			printf '\tipv4 { table t4; import all; export filter to_mux; add paths tx; next hop keep; };\n'
			printf '\tipv6 { table t6; import all; export filter to_mux; add paths tx; next hop keep; };\n}\n'
		done
	} >"$d/bird.conf"
	ns_exec "$(ns isp)"
	spawn "bird isp" "$d/stderr" "${NSX[@]}" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 20 "the ISP's BIRD to listen" listening "$ISP" 179 "$(ns isp)"
}

# ------------------------------------------------------------------- muxd

# host_json ROLE FILE — a muxd's configuration: ROLE viewhost (the upstream
# session, "export"), ih1/ih2 ("view_host"), single (the upstream session).
host_json() {
	"$PY" - "$@" "$T" "$MUX_ASN" "$ISP_ASN" "$NET" "$EXPORT_PORT" <<'PY' || fail "cannot write $2"
import json, sys
role, out, t, asn, isp_asn, net, port = sys.argv[1:8]
addr = {"viewhost": 2, "ih1": 3, "ih2": 4, "single": 5}[role]
me = "%s.%d" % (net, addr)
fam = ["ipv4-unicast", "ipv6-unicast"]
up = {"name": "isp", "id": 1, "families": fam,
      "instance": {"address": "%s.%d" % (net, addr + 10), "port": 179}}
if role in ("viewhost", "single"):
    up.update(peer={"address": net + ".1", "asn": int(isp_asn)}, local_address=me,
              add_path="receive")
clients = {"ih1": [("vnet1-bird", 21), ("vnet1-sink", 22)],
           "ih2": [("vnet2-gobgp", 31), ("vnet2-sink", 32)],
           "single": [("single-sink", 16)], "viewhost": [("vnet1-bird", 21)]}[role]
own = {"prefixes": ["184.164.224.0/23"], "hold_down": 10, "min_interval": 1}
conf = {"asn": int(asn), "router_id": me, "state_dir": "%s/%s" % (t, role),
        "upstreams": [up],
        "clients": [dict({"name": n, "address": "%s.%d" % (net, a), "asn": 65200 + a,
                          "add_path": "send", "upstreams": ["isp"]}, **(own if n == "vnet1-bird" else {}))
                    for n, a in clients]}
if role == "viewhost":
    conf["export"] = {"listen": "%s:%s" % (me, port),
                      "hosts": [{"name": "ih1", "address": net + ".3"},
                                {"name": "ih2", "address": net + ".4"}]}
elif role in ("ih1", "ih2"):
    conf["view_host"] = {"address": net + ".2", "port": int(port), "local_address": me}
json.dump(conf, open(out, "w"), indent=2)
PY
}

declare -A HOST_PID=() HOST_INST=([viewhost]=$VH_INST [ih1]=$IH1_INST [ih2]=$IH2_INST [single]=$SINGLE_INST)
# hosts_start ROLE... — muxd in namespace ROLE, each; started once every
# one's instance listens.
hosts_start() {
	local role
	for role; do
		mkdir -p "$T/$role"
		host_json "$role" "$T/$role.json"
		ns_exec "$(ns "$role")"
		spawn "muxd $role" "$T/$role.log" "${NSX[@]}" "${MUXD_CMD[@]}" --config "$T/$role.json"
		HOST_PID[$role]=$LAST_PID
	done
	for role; do
		wait_until 20 "muxd $role to listen on its instance ${HOST_INST[$role]}" \
			_host_listening "$role" "${HOST_INST[$role]}"
	done
}
_host_listening() {
	running "${HOST_PID[$1]}" || fail "muxd $1 is gone; see $T/$1.log"
	listening "$2" 179 "$(ns "$1")"
}

# ---------------------------------------------------------------- clients

declare -A SINK_PID=()
# sink NAME NETNS ADDR INSTANCE — an ADD-PATH bgp_sink client, done once it
# holds PATHS routes and nothing more comes for a second; its table in
# $T/NAME.table, its summary in $T/NAME.json.
sink() {
	ns_exec "$2"
	spawn "sink $1" "$T/$1.err" "${NSX[@]}" sh -c 'exec "$0" "$@" >"'"$T/$1.json"'"' \
		"$SINK" --connect "$4:179" --bind "$3" --asn $((65200 + ${3##*.})) --peer-as "$MUX_ASN" \
		--addpath --name "$1" --expect "$PATHS" --linger 1 --timeout 60 --dump-table "$T/$1.table"
	SINK_PID[$1]=$LAST_PID
}

# GoBGP as a client of ih2's instance: eBGP, IPv4 and IPv6 unicast with
# ADD-PATH receive; its API on its own address inside vnet2.
gobgp_client_start() {
	local d=$T/gobgp fam
	mkdir -p "$d"
	{
		printf '[global.config]\n  as = %s\n  router-id = "%s"\n  port = -1\n' \
			$((65200 + ${VNET2_GOBGP##*.})) "$VNET2_GOBGP"
		printf '[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "%s"\n' "$IH2_INST"
		printf '    peer-as = %s\n  [neighbors.transport.config]\n' "$MUX_ASN"
		printf '    local-address = "%s"\n    remote-port = 179\n' "$VNET2_GOBGP"
		printf '  [neighbors.timers.config]\n    connect-retry = 1\n'
		for fam in ipv4-unicast ipv6-unicast; do
			printf '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n'
			printf '      afi-safi-name = "%s"\n' "$fam"
			printf '    [neighbors.afi-safis.add-paths.config]\n      receive = true\n'
		done
	} >"$d/gobgpd.toml"
	ns_exec "$(ns vnet2)"
	spawn gobgpd "$d/gobgpd.log" "${NSX[@]}" gobgpd -f "$d/gobgpd.toml" \
		--api-hosts "$VNET2_GOBGP:50051" --pprof-disable
	wait_until 20 "gobgpd in vnet2 to answer its API" eval 'gobgpc global >/dev/null 2>&1'
}
gobgpc() { ip netns exec "$(ns vnet2)" gobgp -u "$VNET2_GOBGP" -p 50051 "$@"; }

# --------------------------------------------------------------- tables

got_bird() {
	{
		birdc -s "$T/vnet1/ctl" show route all table c4
		birdc -s "$T/vnet1/ctl" show route all table c6
	} | "${PT[@]}" bird
}
got_gobgp() {
	{ gobgpc global rib -a ipv4 -j && gobgpc global rib -a ipv6 -j; } | "${PT[@]}" gobgp
}
# equals_isp CLIENT — the client's table, path by path, is the ISP's.
equals_isp() {
	"got_$1" >"$T/got.$1.txt" 2>"$T/got.$1.err" && cmp -s "$T/want.txt" "$T/got.$1.txt"
}
same_as_isp() {
	if ! _poll "$2" equals_isp "$1"; then
		diff "$T/want.txt" "$T/got.$1.txt" >"$T/diff.$1.txt"
		fail "$1's table is not the ISP's ($(wc -l <"$T/got.$1.txt") of $PATHS paths; < ISP, > $1): $(head -n 6 "$T/diff.$1.txt" | tr "\n" " ")"
	fi
	say "$1's table equals the ISP's: $PATHS paths, attributes included"
}
_sink_done() { ! running "${SINK_PID[$1]}"; }
# sink_complete NAME — it ended with exactly PATHS routes.
sink_complete() {
	wait_until 60 "sink $1 to hold $PATHS paths" _sink_done "$1"
	"$PY" -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['prefixes'] == int(sys.argv[2]) and d['complete'], d" "$T/$1.json" "$PATHS" ||
		fail "sink $1 did not end with $PATHS paths: $(cat "$T/$1.json" "$T/$1.err")"
}

# ------------------------------------------------------------- the test

# The ISP first (muxd's first connection finds it), the clients waiting
# for their instances (they retry), then the hosts.
isp_start
client_bird_start "$T/vnet1" "$VNET1_BIRD" $((65200 + ${VNET1_BIRD##*.})) "$IH1_INST" \
	"$(ns vnet1)" "add paths rx; export where net = $CLIENT_PREFIX;"
gobgp_client_start
hosts_start viewhost ih1 ih2 single
sink vnet1-sink "$(ns vnet1)" "$VNET1_SINK" "$IH1_INST"
sink vnet2-sink "$(ns vnet2)" "$VNET2_SINK" "$IH2_INST"
sink single-sink "$(ns single)" "$SINGLE_SINK" "$SINGLE_INST"
say "7 machines up: isp, viewhost, ih1, ih2, vnet1, vnet2, single"

same_as_isp bird 60
same_as_isp gobgp 30
for s in vnet1-sink vnet2-sink single-sink; do sink_complete "$s"; done
"${PT[@]}" sinks "$T/single-sink.table" "$T/vnet1-sink.table" "$T/vnet2-sink.table" ||
	fail "the instance hosts' clients do not hold what the single machine's client holds"
say "ih1's and ih2's clients hold what the single machine's client holds: prefixes, path ids, attributes"

# vnet1 announces its own prefix: through ih1 to the view host, which
# alone runs the gateway's table (its allocation, hold-down).
vnet1_announce() {
	printf 'protocol static own4 { ipv4 { table c4; }; route %s blackhole; }\n' \
		"$CLIENT_PREFIX" >>"$T/vnet1/bird.conf"
	birdc -s "$T/vnet1/ctl" configure >/dev/null || fail "birdc configure in vnet1"
	wait_until 30 "the ISP to hold vnet1's $CLIENT_PREFIX from the view host" isp_has_client_route
	say "vnet1's $CLIENT_PREFIX reaches the ISP through ih1 and the view host"
}
isp_has_client_route() {
	birdc -s "$T/isp/ctl" show route table t4 "$CLIENT_PREFIX" protocol "to_${VH//./_}" |
		matches "^${CLIENT_PREFIX//./\\.}"
}
# ih1_crash_wire T_KILL — what the capture saw reach the ISP since the kill:
# one UPDATE, from the view host, withdrawing vnet1's prefix once its
# hold-down had passed.
to_isp() {
	tshark -r "$CAP" -Y "ip.dst == $ISP && (bgp.type == 2 || bgp.type == 3)" -T fields \
		-e ip.src -e bgp.type -e bgp.withdrawn_prefix -e frame.time_epoch 2>/dev/null
}
ih1_crash_wire() {
	local t_kill=$1 got
	got=$(to_isp)
	[[ $(wc -l <<<"$got") == 1 && $got == "$VH"$'\t2\t'"${CLIENT_PREFIX%/*}"$'\t'* ]] ||
		fail "after ih1's SIGKILL the ISP received: $(tr '\n' ' ' <<<"$got") (want one UPDATE from the view host withdrawing $CLIENT_PREFIX)"
	awk -v t="${got##*$'\t'}" -v k="$t_kill" -v h="$HOLD_DOWN" 'BEGIN { exit !(t - k >= h - 0.5) }' ||
		fail "vnet1's route was withdrawn $(awk -v t="${got##*$'\t'}" -v k="$t_kill" 'BEGIN { print t - k }') s after the kill, before its hold-down ($HOLD_DOWN s)"
	say "ih1 killed: vnet1's $CLIENT_PREFIX stayed at the ISP for its hold-down, then one withdrawal"
}

# gobgp_msgs — vnet2's GoBGP: UPDATEs, UPDATEs with withdrawals, withdrawn
# prefixes received (GoBGP leaves out the counters still 0).
gobgp_msgs() {
	gobgpc neighbor "$IH2_INST" -j | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["state"]["messages"]["received"]
print(r.get("update", 0), r.get("withdraw_update", 0), r.get("withdraw_prefix", 0))'
}
# bird_changes — vnet1's BIRD: routes received as updates and as withdrawals
# (both channels' "Route change stats").
bird_changes() {
	birdc -s "$T/vnet1/ctl" show protocols all mux |
		awk '/Import updates:/ { u += $3 } /Import withdraws:/ { w += $3 } END { print u, w }'
}
# The view host restarts (Graceful Restart on the export sessions): while
# it is away the ISP drops path 2 of every IPv4 prefix; the clients receive
# nothing until it is back, then only those withdrawals.
viewhost_restart() {
	local g0 b0 u0 wu0 wp0 u1 wu1 wp1 bu0 bw0 bu1 bw1
	g0=$(gobgp_msgs) b0=$(bird_changes)
	kill -KILL "${HOST_PID[viewhost]}"
	wait "${HOST_PID[viewhost]}" 2>/dev/null
	unset 'HOST_PID[viewhost]'
	# while it is away the ISP drops path 2 of every IPv4 prefix
	birdc -s "$T/isp/ctl" disable p4_2 >/dev/null || fail "birdc disable p4_2 at the ISP"
	holds_for 3 "the clients receiving nothing while the view host is away" \
		eval '[[ $(gobgp_msgs) == "$g0" && $(bird_changes) == "$b0" ]]'
	hosts_start viewhost
	"${PT[@]}" isp --asn "$ISP_ASN" --v4 "$N4" --v6 "$N6" --bird "$T/isp/routes.again" \
		--without 4:2 >"$T/want.txt" || fail "cannot generate the ISP's routes"
	PATHS=$((PATHS - N4))
	same_as_isp gobgp 60
	same_as_isp bird 30
	read -r u0 wu0 wp0 <<<"$g0"
	read -r u1 wu1 wp1 <<<"$(gobgp_msgs)"
	((wp1 - wp0 == N4 && u1 - u0 == wu1 - wu0)) ||
		fail "vnet2 received $((u1 - u0)) UPDATEs, $((wu1 - wu0)) with withdrawals, $((wp1 - wp0)) prefixes withdrawn: want only the $N4 withdrawals"
	read -r bu0 bw0 <<<"$b0"
	read -r bu1 bw1 <<<"$(bird_changes)"
	((bw1 - bw0 == N4 && bu1 == bu0)) ||
		fail "vnet1 received $((bu1 - bu0)) updates and $((bw1 - bw0)) withdrawals: want only the $N4 withdrawals"
	say "the view host restarted: the clients received nothing while it was away, then only the $N4 withdrawals"
}

# ----------------------------------------------------- ih1 crashes

# gobgp_counts — UPDATEs vnet2's GoBGP has received from ih2, and the times
# its session left Established.
gobgp_counts() {
	gobgpc neighbor "$IH2_INST" -j | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["state"]
print(s["messages"]["received"].get("update", 0), s.get("flops", 0))'
}
# downs LOG REGEX — how many times the sessions matching REGEX left Established.
downs() { grep -cE -- "$2: Established -> " "$T/$1.log"; }
# others — vnet2's counts, and how often the ISP's sessions and ih2's to the
# view host went down: what must not move when ih1 dies.
others() {
	echo "$(gobgp_counts) $(downs viewhost "view isp peer [^ ]+") $(downs single "view isp peer [^ ]+")" \
		"$(downs ih2 "session to view-host [^ ]+")"
}
nothing_moves() { [[ $(others) == "$1" ]]; }
# SIGKILL of ih1: the view host sees its export session end and nothing
# else moves — the ISP's sessions stay up, vnet2 (on ih2) receives nothing,
# vnet1's route stays at the ISP for its hold-down and then goes, in the
# one UPDATE and no NOTIFICATION the ISP receives.
ih1_crash() {
	local counts t_kill
	counts=$(others)
	CAP_NS=$(ns isp) CAP_IF=eth0 capture_start "$ISP"
	t_kill=${EPOCHREALTIME}
	kill -KILL "${HOST_PID[ih1]}"
	wait "${HOST_PID[ih1]}" 2>/dev/null
	unset 'HOST_PID[ih1]'
	wait_until 10 "the view host to see ih1's export session end" \
		grep -qE "export host ih1 [^ ]+: Established -> " "$T/viewhost.log"
	holds_for 3 "nothing else moving after ih1's SIGKILL" nothing_moves "$counts"
	# the rest of the hold-down but its last 2 s (a margin for a busy machine)
	local rest=$(((${t_kill/./} + (HOLD_DOWN - 2) * 1000000 - ${EPOCHREALTIME/./}) / 1000000))
	((rest > 0)) && holds_for "$rest" "vnet1's route held at the ISP for its hold-down" isp_has_client_route
	wait_until 15 "the ISP to lose vnet1's route after its hold-down" eval '! isp_has_client_route'
	# the ISP has it; the capture may hold it back a moment (the ring's block)
	wait_until 10 "the capture to hold an UPDATE to the ISP" eval '[[ -n $(to_isp) ]]'
	capture_stop
	ih1_crash_wire "$t_kill"
	say "ih1 killed: vnet2 received nothing; every other session up"
}
viewhost_restart
vnet1_announce
ih1_crash

for role in "${!HOST_PID[@]}"; do
	stop_pid "${HOST_PID[$role]}" TERM 15 || fail "muxd $role did not stop on SIGTERM"
	((STOP_RC == 0)) || fail "muxd $role exited with status $STOP_RC after SIGTERM"
done
say "PASS"
