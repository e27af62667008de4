#!/usr/bin/env bash
# The data plane's benchmark, run by `make bench` (root: it makes network
# namespaces). Two parts, each against a reference measured in the same run,
# so that the ratio holds on a loaded machine:
#
# (a) Route install. The ISP (mrt_replay --synthetic N, default 1,000,000
#     /24s, next hop its own address) feeds muxd with "fib": "full": routes
#     per second from the first UPDATE sent until muxd's table (table_base +
#     id) holds all N; then the feeder goes away (Cease) and every route is
#     withdrawn: routes per second until the table is empty. The same feed,
#     from the same ISP namespace, to BIRD 2 in a namespace of its own whose
#     kernel protocol exports into the same table number: the same two
#     figures. Completion is watched cheaply (muxd's /metrics
#     bgpmux_dataplane_routes, BIRD's kernel protocol export counter, every
#     0.2 s) and confirmed once by a full count of the kernel table. The
#     slowest of those looks during the install (curl or birdc, their own
#     start included) says how long each daemon's loop kept its control
#     interface waiting while it installed.
# (b) Forwarding. iperf3 from the vnet to a host in the ISP through the mux
#     as muxd sets it up ("fib": "default": the instance's macvlan, its rule,
#     the upstream's table), against the same namespaces with plain kernel
#     routing (the vnet's route via the mux's own address on the veth, a
#     static route in main; muxd's rules stay, so the difference is the
#     macvlan and the per-upstream table): runs interleaved, median Gbit/s
#     of each, ratio.
#
# Namespaces dpb-PID-{isp,mux,vnet,bird}, addresses inside them only:
# 10.202.0.0/24 vnet–mux (mux .1, vnet .2, instance .11), 10.202.1.0/24
# isp–mux, 10.202.3.0/24 isp–bird (the ISP .2 on both), the ISP's host
# 203.0.113.10.
#   BENCH_DP_ROUTES=1000000 BENCH_DP_IPERF_RUNS=7 BENCH_DP_IPERF_SECS=3
#   BENCH_DP_SYSTEMS="bgpmux bird" BENCH_DP_FORWARD=1 (0: no part b)
#   BENCH_MUXD=build/muxd
# A run that fails prints why and exits non-zero; bench.sh goes on.
# Functions below are called through wait_until and _poll.
# shellcheck disable=SC2317
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "bench-dataplane: needs root (network namespaces)" >&2; exit 1; }
MUXD=${BENCH_MUXD:-build/muxd}
export MUXD
. tests/integration/lib.sh

N=${BENCH_DP_ROUTES:-1000000}
IPERF_RUNS=${BENCH_DP_IPERF_RUNS:-7}
IPERF_SECS=${BENCH_DP_IPERF_SECS:-3}
SYSTEMS=${BENCH_DP_SYSTEMS-bgpmux bird}
FORWARD=${BENCH_DP_FORWARD:-1}
FEEDER=$ROOT/build/tools/mrt_replay
TABLE_BASE=20000
TABLE=$((TABLE_BASE + 1))
ISP_ASN=3856
HOST=203.0.113.10
API=http://127.0.0.1:8179
INSTALL_WAIT=600                # seconds an install or withdrawal may take
TAG=dpb-$$
NS_I=$TAG-isp NS_M=$TAG-mux NS_V=$TAG-vnet NS_B=$TAG-bird
MUX_NS=$NS_M
MUX_ADDR=10.202.1.1

for tool in bird birdc curl $( ((FORWARD)) && echo iperf3); do
	command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh bench)"
done
make -s "$MUXD" build/tools/mrt_replay >/dev/null || fail "cannot build muxd and mrt_replay"

# ---------------------------------------------------------------- set-up

for ns in "$NS_I" "$NS_M" "$NS_V" "$NS_B"; do netns_add "$ns"; done
# link NS1 IF1 ADDR1 NS2 IF2 ADDR2 — a veth pair, addressed, up.
link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" ||
		fail "cannot create the veth pair $2–$5"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}
link "$NS_M" vnets0 10.202.0.1/24 "$NS_V" eth0 10.202.0.2/24
link "$NS_M" up-a 10.202.1.1/24 "$NS_I" eth0 10.202.1.2/24
link "$NS_B" eth0 10.202.3.1/24 "$NS_I" eth1 10.202.3.2/24
ip -n "$NS_I" addr add "$HOST/32" dev lo
ip -n "$NS_I" route add 10.202.0.0/24 via 10.202.1.1
ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1

# mux_json FILE FIB — one upstream (the ISP, passive: the feeder connects),
# its instance on vnets0.
mux_json() {
	cat >"$1" <<EOF
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "upstreams": [{"name": "isp", "id": 1, "passive": true,
   "peer": {"address": "10.202.1.2", "asn": $ISP_ASN}, "local_address": "10.202.1.1",
   "families": ["ipv4-unicast"],
   "instance": {"address": "10.202.0.11", "next_hop": "self"}}],
 "api": {"listen": "127.0.0.1:8179"},
 "dataplane": {"client_interface": "vnets0", "table_base": $TABLE_BASE, "fib": "$2"}}
EOF
}

# The feeder: mrt_replay in the ISP namespace, holding its session until
# SIGTERM (then Cease: the feeder goes away). FEED_T0 is when it sent its
# first UPDATE (its own clock line).
feed_start() {  # DEST BIND LOG
	ns_exec "$NS_I"
	spawn feeder "$3" "${NSX[@]}" "$FEEDER" --connect "$1" --bind "$2" --hold --quiet \
		--synthetic "$N" --asn "$ISP_ASN" --next-hop "$2"
	FEED_PID=$LAST_PID
	wait_until 60 "the feeder's first UPDATE" matches 'first UPDATE sent at' "$3"
	FEED_T0=$(sed -n 's/.*first UPDATE sent at \([0-9.]*\).*/\1/p' "$3" | head -n 1)
}
now() { echo "$EPOCHREALTIME"; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
# A full count of the kernel table, once, to confirm a watched figure.
kernel_count() { ip -n "$1" -4 route show table "$TABLE" | wc -l; }

# ---------------------------------------------------------- (a) bgpmux
# Each look's answer time goes to $T/lat-SYSTEM: how long the daemon's loop
# kept its control interface waiting while it installed.
mux_routes() {
	local a b
	a=$EPOCHREALTIME
	ip netns exec "$NS_M" curl -sf -o "$T/metrics.txt" -w '%{time_total}' "$API/metrics" \
		>"$T/curl-time"
	b=$EPOCHREALTIME
	echo "$a $b" >>"$T/lat-bgpmux"
	cat "$T/curl-time" >>"$T/api-bgpmux"
	echo >>"$T/api-bgpmux"
	awk -v t="$TABLE" '$1 ~ "^bgpmux_dataplane_routes\\{table=\"" t "\"" { print $2 }' "$T/metrics.txt"
}
mux_has() { [[ $(mux_routes) == "$1" ]]; }
mux_stat() {  # the route path's counters, once the table is complete
	ip netns exec "$NS_M" curl -sf "$API/metrics" | grep -E \
		'^bgpmux_dataplane_(route_errors_total|netlink_errors_total)' | tr '\n' ' '
}

bench_bgpmux() {
	local t1 t2 t3 count from
	mux_json "$T/full.json" full
	mux_start "$T/full.json"
	MUX_IDLE=$(idle_answer bgpmux mux_routes)
	from=$(looks bgpmux)
	feed_start 10.202.1.1 10.202.1.2 "$T/feeder-mux.log"
	_poll "$INSTALL_WAIT" mux_has "$N" || fail "muxd's table did not reach $N routes: $(mux_routes)"
	t1=$(now)
	MUX_LAT=$(slowest bgpmux "$from")
	MUX_API=$(tail -n +"$((from + 1))" "$T/api-bgpmux" |
		awk '{ if ($1 > m) m = $1 } END { printf "%.0f", m * 1000 }')
	idle_answer bgpmux mux_routes >/dev/null
	MUX_API_FULL=$(tail -n 5 "$T/api-bgpmux" | awk '{ printf "%.0f\n", $1 * 1000 }' | median)
	count=$(kernel_count "$NS_M")
	((count == N)) || fail "muxd: /metrics says $N routes, table $TABLE holds $count"
	t2=$(now)
	stop_pid "$FEED_PID" TERM 10
	_poll "$INSTALL_WAIT" mux_has 0 || fail "muxd's table did not empty: $(mux_routes)"
	t3=$(now)
	count=$(kernel_count "$NS_M")
	((count == 0)) || fail "muxd: /metrics says 0 routes, table $TABLE holds $count"
	MUX_CPU=$(ps -o cputime= -p "$MUX_PID" | tr -d ' ')
	say "bgpmux: $(mux_stat)cpu $MUX_CPU, peak RSS $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$MUX_PID/status")"
	MUX_IN=$(rate "$N" "$FEED_T0" "$t1")
	MUX_OUT=$(rate "$N" "$t2" "$t3")
	stop_pid "$MUX_PID" TERM 30
	say "bgpmux: install $MUX_IN routes/s ($N in $(awk -v a="$FEED_T0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s), withdraw $MUX_OUT routes/s"
}

# ------------------------------------------------------------ (a) BIRD
bird_exported() {
	local a b
	a=$EPOCHREALTIME
	birdc -s "$T/bird/ctl" show protocols all k1 >"$T/birdc.txt" 2>/dev/null
	b=$EPOCHREALTIME
	echo "$a $b" >>"$T/lat-bird"
	sed -n 's/.*Routes:.* \([0-9]*\) exported.*/\1/p' "$T/birdc.txt"
}
# The longest answer (ms) of the looks in $T/lat-SYSTEM since line $2.
slowest() {
	tail -n +"$(($2 + 1))" "$T/lat-$1" 2>/dev/null |
		awk '{ d = ($2 - $1) * 1000; if (d > m) m = d } END { printf "%.0f", m }'
}
# The median answer (ms) of 5 looks at SYSTEM now: the same look's cost on
# an idle daemon (the tools' own start, on this machine's load).
idle_answer() {
	local from i
	from=$(looks "$1")
	for ((i = 0; i < 5; i++)); do "$2" >/dev/null; done
	tail -n +"$((from + 1))" "$T/lat-$1" | awk '{ printf "%.0f\n", ($2 - $1) * 1000 }' | median
}
looks() { wc -l 2>/dev/null <"$T/lat-$1" || echo 0; }
bird_has() { [[ $(bird_exported) == "$1" ]]; }

bench_bird() {
	local t1 t2 t3 count pid from
	mkdir -p "$T/bird"
	# The kernel protocol exports every BGP route into the table; no scan
	# during a run (BIRD scans the kernel table every 60 s by default).
	cat >"$T/bird/bird.conf" <<EOF
router id 10.202.3.1;
log "$T/bird/bird.log" { warning, error, fatal };
protocol device {}
protocol kernel k1 {
	kernel table $TABLE;
	scan time 3600;
	ipv4 { import none; export all; };
}
protocol bgp isp {
	local 10.202.3.1 as 65000;
	neighbor 10.202.3.2 as $ISP_ASN;
	passive;
	direct;
	ipv4 { import all; export none; };
}
EOF
	ns_exec "$NS_B"
	spawn bird "$T/bird/stderr" "${NSX[@]}" bird -f -c "$T/bird/bird.conf" -s "$T/bird/ctl" -P "$T/bird/pid"
	pid=$LAST_PID
	wait_until 20 "BIRD to answer" _poll 1 bird_has 0
	BIRD_IDLE=$(idle_answer bird bird_exported)
	from=$(looks bird)
	feed_start 10.202.3.1 10.202.3.2 "$T/feeder-bird.log"
	_poll "$INSTALL_WAIT" bird_has "$N" || fail "BIRD's kernel protocol did not export $N routes: $(bird_exported)"
	t1=$(now)
	BIRD_LAT=$(slowest bird "$from")
	count=$(kernel_count "$NS_B")
	((count == N)) || fail "BIRD: exported $N routes, table $TABLE holds $count"
	t2=$(now)
	stop_pid "$FEED_PID" TERM 10
	_poll "$INSTALL_WAIT" bird_has 0 || fail "BIRD's kernel table did not empty: $(bird_exported)"
	t3=$(now)
	count=$(kernel_count "$NS_B")
	((count == 0)) || fail "BIRD: exported 0 routes, table $TABLE holds $count"
	say "bird: cpu $(ps -o cputime= -p "$pid" | tr -d ' ')"
	BIRD_IN=$(rate "$N" "$FEED_T0" "$t1")
	BIRD_OUT=$(rate "$N" "$t2" "$t3")
	stop_pid "$pid" TERM 30
	say "bird: install $BIRD_IN routes/s, withdraw $BIRD_OUT routes/s"
}

# ------------------------------------------------------------ (b) iperf3
# iperf_run — one run from the vnet to the ISP's host: its Gbit/s.
iperf_run() {
	ip netns exec "$NS_V" iperf3 -J -c "$HOST" -B 10.202.0.2 -t "$IPERF_SECS" -O 1 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# via ADDR — the vnet's route to the host.
via() { ip -n "$NS_V" route replace "$HOST/32" via "$1"; }
mux_default() { ip -n "$NS_M" route show table "$TABLE" | matches '^default via 10.202.1.2'; }

bench_iperf() {
	local i g mux=() plain=()
	mux_json "$T/default.json" default
	mux_start "$T/default.json"
	wait_until 30 "muxd's default route in table $TABLE" mux_default
	# Plain routing: the same path without muxd's macvlan, rule and table.
	ip -n "$NS_M" route add 203.0.113.0/24 via 10.202.1.2
	ns_exec "$NS_I"
	spawn iperf3 "$T/iperf3.log" "${NSX[@]}" iperf3 -s -B "$HOST"
	wait_until 10 "iperf3 to listen" listening "$HOST" 5201 "$NS_I"
	for ((i = 1; i <= IPERF_RUNS; i++)); do
		via 10.202.0.1
		g=$(iperf_run) || fail "iperf3 (plain routing) failed"
		plain+=("$g")
		via 10.202.0.11
		g=$(iperf_run) || fail "iperf3 (through the mux) failed"
		mux+=("$g")
	done
	ip netns exec "$NS_M" ip -s link show mux1 | awk 'NR == 4 { print "mux1 rx packets", $2 }' >&2
	PLAIN_G=$(printf '%s\n' "${plain[@]}" | median)
	MUX_G=$(printf '%s\n' "${mux[@]}" | median)
	say "iperf3 Gbit/s plain: ${plain[*]}; through the mux: ${mux[*]}"
	stop_pid "$MUX_PID" TERM 30
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

MUX_IN=- MUX_OUT=- BIRD_IN=- BIRD_OUT=- MUX_LAT=- BIRD_LAT=- MUX_IDLE=- BIRD_IDLE=- MUX_API=- MUX_API_FULL=-
PLAIN_G=- MUX_G=-
for s in $SYSTEMS; do "bench_$s"; done
((FORWARD)) && bench_iperf
cat <<EOF

Data plane, $(date -u +%F) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $N routes:
| | bgpmux | BIRD 2 | bgpmux / BIRD |
|---|---|---|---|
| install, routes/s | $MUX_IN | $BIRD_IN | $(ratio "$MUX_IN" "$BIRD_IN") |
| withdraw, routes/s | $MUX_OUT | $BIRD_OUT | $(ratio "$MUX_OUT" "$BIRD_OUT") |
| slowest control answer while installing, ms | $MUX_LAT | $BIRD_LAT | $(ratio "$MUX_LAT" "$BIRD_LAT") |
| the same look on the idle daemon (median), ms | $MUX_IDLE | $BIRD_IDLE | |
(muxd's /metrics as curl times it, without the tools' start: slowest while installing $MUX_API ms; median once the table is full $MUX_API_FULL ms)

| iperf3 vnet → ISP, median of $IPERF_RUNS × ${IPERF_SECS} s | Gbit/s |
|---|---|
| plain kernel routing | $PLAIN_G |
| through the mux (macvlan, rule, table) | $MUX_G |
| mux / plain | $(ratio "$MUX_G" "$PLAIN_G") |
EOF
