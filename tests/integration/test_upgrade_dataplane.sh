#!/usr/bin/env bash
# Upgrade in place with the data plane on: forwarding never stops. The
# namespaces of test_dataplane (dataplane_lib.sh), ISP A alone: its BIRD
# announces a few routes to muxd ("fib": "full"); the vnet's BIRD is a
# client of instance A and announces 184.164.224.0/24, which reaches ISP
# A through muxd; from the vnet's 184.164.224.1, a UDP datagram every 20 ms to ISP
# A's host 203.0.113.10, echoed, goes out through instance A (muxd's table of ISP
# A) and comes back through muxd's inbound table. Then SIGUSR2 twice:
#   - the flow loses no packet (the numbers missing among its echoes);
#   - muxd's kernel state is the same objects before and after each
#     upgrade: mux1's ifindex, the rules at priority 1000, the routes of
#     protocol 113 in ISP A's and the inbound table;
#   - the sessions (ISP A's, the vnet's) are the same TCP 4-tuples;
#   - a macvlan, a rule and a route of muxd's that the configuration does
#     not have (left for the first upgrade) are removed by the new muxd;
#   - the new muxd owns the tables: a route ISP A withdraws after the
#     upgrades leaves the kernel's table.
# On a muxd that refuses the upgrade with a data plane it fails at the
# first SIGUSR2 (no new muxd serves).
# Addresses: dataplane_lib.sh (namespaces upd-PID-*).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dataplane_lib.sh"

INST_A=10.201.0.11
HOST=203.0.113.10
GONE=198.51.100.0/24       # withdrawn by ISP A after the upgrades
TA=$((TABLE_BASE + 1))
TI=$((TABLE_BASE + 0))

dp_namespaces upd-$$
ip -n "$NS_A" addr add "$HOST/32" dev lo
ip -n "$NS_V" addr add 184.164.224.1/32 dev lo
ip -n "$NS_V" route add "$HOST/32" via "$INST_A" src 184.164.224.1

routes() {
	local p
	for p in 203.0.113.0/24 100.64.1.0/24 100.64.2.0/24 "$@"; do
		echo "route $p unreachable;"
	done >"$T/isp-a.routes"
}
routes "$GONE"
isp_start isp-a "$NS_A" 10.201.1.2 65010 "$T/isp-a.routes"

DP_UPSTREAMS=isp-a mux_json "$T/muxd.json" fib=full
mux_start "$T/muxd.json"
wait_until 30 "ISP A's session" established isp-a mux

mkdir -p "$T/vnet"
cat >"$T/vnet/bird.conf" <<EOF
router id 10.201.0.2;
log "$T/vnet/bird.log" all;
protocol device {}
protocol static { ipv4; route 184.164.224.0/24 unreachable; }
protocol bgp inst_a {
	local 10.201.0.2 as 65101;
	neighbor $INST_A as 65000;
	direct;
	strict bind yes;
	connect retry time 1;
	ipv4 { import all; export where source = RTS_STATIC; };
}
EOF
ns_exec "$NS_V"
spawn "bird vnet" "$T/vnet/stderr" "${NSX[@]}" bird -f -c "$T/vnet/bird.conf" -s "$T/vnet/ctl" -P "$T/vnet/pid"
wait_until 20 "the vnet's BIRD to answer" _up vnet
wait_until 30 "the vnet's session with instance A" established vnet inst_a

# kernel_state — what muxd holds in the mux namespace: its macvlan (with
# its ifindex), its rules, its routes in ISP A's and the inbound table.
kernel_state() {
	ip -n "$NS_M" -o -d link show type macvlan | awk '{ print $1, $2 }'
	ip -n "$NS_M" rule show | grep '^1000:'
	ip -n "$NS_M" -6 rule show | grep '^1000:'
	ip -n "$NS_M" route show table "$TA" proto 113
	ip -n "$NS_M" route show table "$TI" proto 113
}
# connections — the TCP 4-tuples of muxd's sessions.
connections() { ip netns exec "$NS_M" ss -Htn state established | awk '{ print $3, $4 }' | sort; }
full_tables() {
	(($(ip -n "$NS_M" route show table "$TA" proto 113 | wc -l) == 4)) &&
		ip -n "$NS_M" route show table "$TI" proto 113 | matches '^184.164.224.0/24 via 10.201.0.2'
}
wait_until 30 "ISP A's 4 routes and the vnet's inbound route in muxd's tables" full_tables
STATE=$(kernel_state)
CONNS=$(connections)
(($(wc -l <<<"$CONNS") == 2)) || fail "want 2 sessions (ISP A, the vnet), have: $CONNS"

# The flow: a UDP datagram every 20 ms from the vnet's 184.164.224.1 to
# ISP A's host, which echoes it; the sender writes the number of each
# one that comes back.
ns_exec "$NS_A"
spawn echo "$T/echo.log" "${NSX[@]}" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 8081))
while True:
    d, a = s.recvfrom(64)
    s.sendto(d, a)
' "$HOST"
ns_exec "$NS_V"
spawn flow "$T/flow.log" "${NSX[@]}" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("184.164.224.1", 0))
s.setblocking(False)
seq, due = 0, time.monotonic()
while True:
    seq += 1
    s.sendto(b"%d" % seq, (sys.argv[1], 8081))
    due += 0.02
    while time.monotonic() < due:
        try:
            print(int(s.recv(64)), flush=True)
        except BlockingIOError:
            time.sleep(0.002)
' "$HOST"
FLOW_PID=$LAST_PID
replies() { wc -l <"$T/flow.log"; }
more_replies() { (($(replies) >= $1)); }
wait_until 30 "the flow's first 25 echoes through muxd" more_replies 25

# upgrade GENERATION — SIGUSR2; the new muxd serves, has swept its tables
# and holds the same kernel state and connections.
upgrade() {
	local gen=$1 old=$MUX_PID line
	kill -USR2 "$MUX_PID"
	wait_until 20 "muxd $old to hand over and leave" eval '! running "$old"'
	line=$(grep -oE "upgrade: the new muxd \(pid [0-9]+, generation $gen\) serves" "$MUX_LOG" | tail -n 1)
	[[ -n $line ]] || fail "no log line naming generation $gen serving"
	MUX_PID=$(grep -oE '[0-9]+' <<<"${line#*pid }" | head -n 1)
	PIDS+=("$MUX_PID")
	PID_NAME[$MUX_PID]="muxd generation $gen"
	wait_until 10 "generation $gen to sweep its tables" eval \
		'(($(grep -c "dataplane: takeover: [0-9]* route(s) of muxd" "$MUX_LOG") == gen - 1))'
	[[ $(kernel_state) == "$STATE" ]] ||
		fail "generation $gen: muxd's kernel state changed: before:"$'\n'"$STATE"$'\n'"now:"$'\n'"$(kernel_state)"
	[[ $(connections) == "$CONNS" ]] ||
		fail "generation $gen: the sessions changed: before $CONNS, now $(connections)"
	say "generation $gen (pid $MUX_PID): the same macvlan, rules, routes and sessions"
}
# What a run with an upstream of id 5 would have left, which the
# configuration no longer has: the new muxd removes it (and keeps the rest).
ip -n "$NS_M" link add mux5 link vnets0 address 02:62:6d:78:00:05 type macvlan ||
	fail "cannot create mux5"
ip -n "$NS_M" rule add iif mux5 lookup $((TABLE_BASE + 5)) priority 1000
ip -n "$NS_M" route add 192.0.2.0/24 via 10.201.1.2 table "$TA" proto 113
upgrade 2
mux_log_has "takeover: kept 1 link\(s\) and 4 rule\(s\) of the previous muxd, removed 1 link\(s\) and 1 rule\(s\)" ||
	fail "generation 2 did not keep mux1 and its rules and remove mux5 and its rule"
mux_log_has "takeover: 6 route\(s\) of muxd's in the tables, 1 the previous muxd left and this one does not want removed" ||
	fail "generation 2 did not sweep the route it does not want"
say "generation 2 removed mux5, its rule and a route of table $TA it does not want"
upgrade 3
n=$(replies)
wait_until 10 "25 more replies after the upgrades" more_replies $((n + 25))
stop_pid "$FLOW_PID" TERM 5
# lost: the echoes missing from the first to the last one back (before
# the first the path was being made; after the last some were under way)
lost=$(sort -n "$T/flow.log" | awk 'NR == 1 { first = $1 } { n++; last = $1 }
	END { print last - first + 1 - n }')
((lost == 0)) || fail "the flow lost $lost datagram(s) of $(replies) during the upgrades"
say "the flow: $(replies) echoes at 20 ms, none lost through two upgrades"

routes
_bc isp-a configure >/dev/null || fail "ISP A's BIRD does not take its new routes"
gone() { ! ip -n "$NS_M" route show table "$TA" proto 113 | matches "^${GONE%/*}"; }
wait_until 10 "$GONE withdrawn by ISP A to leave muxd's table $TA" gone
(($(ip -n "$NS_M" route show table "$TA" proto 113 | wc -l) == 3)) ||
	fail "table $TA: $(ip -n "$NS_M" route show table "$TA" proto 113)"
say "$GONE withdrawn after the upgrades: gone from table $TA (the new muxd owns it)"
