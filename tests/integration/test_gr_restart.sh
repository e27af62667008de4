#!/usr/bin/env bash
# muxd as the restarting speaker of Graceful Restart (RFC 4724), on
# loopback:
#   upstream isp-r: BIRD 2 (127.0.222.11, AS 65222, "graceful restart on":
#   a helper) announcing 5 routes, and muxd (127.0.222.1, top-level
#   "graceful_restart": {"restart_time": 30}, the upstream's
#   "graceful_restart": true); instance 127.0.223.1 with a BIRD 2 client
#   (127.0.223.12, "graceful restart on", the client's "graceful_restart":
#   true) announcing its allocation 10.223.0.0/24 as a client route.
# Asserts:
#   1. the upstream holds the client prefix, and muxd's capability lists
#      restart time 30 and IPv4 unicast with its forwarding state (BIRD:
#      "AF preserved: ipv4");
#   2. muxd is killed (SIGKILL: no NOTIFICATION, its mark stays in
#      state_dir) and started again: it logs the graceful restart, sends the
#      gateway's own route (from sqlite) before its End-of-RIB, and the
#      upstream never loses the prefix (looked at every 0.1 s from the kill
#      to the end), receives no withdrawal, and accepts no UPDATE: what muxd
#      sends again is identical (BIRD counts it ignored); the client keeps
#      the view's 5 routes throughout, receives no withdrawal and accepts
#      none of them anew: its End-of-RIB waits for the upstream's;
#   3. a clean stop (SIGTERM) removes the mark: the next start is no
#      graceful restart.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.222.1
UP=127.0.222.11
INST=127.0.223.1
CLIENT=127.0.223.12
PFX=10.223.0.0/24

for a in "$MUX_ADDR" "$INST"; do
	wait_until 30 "$a:179 to be free" eval "! listening $a 179"
done

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
       "api": {"listen": "127.0.222.1:8179"},
       "graceful_restart": {"restart_time": 30},
       "upstreams": [{"name": "isp-r", "peer": {"address": "127.0.222.11", "asn": 65222},
                      "local_address": "127.0.222.1", "passive": True,
                      "families": ["ipv4-unicast"], "graceful_restart": True,
                      "instance": {"address": "127.0.223.1", "port": 179}}],
       "clients": [{"name": "vnet", "address": "127.0.223.12", "asn": 65101,
                    "upstreams": ["isp-r"], "prefixes": ["10.223.0.0/24"],
                    "graceful_restart": True}]}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 30 "instance isp-r to listen" listening "$INST" 179

# ---------------------------------------------------------------- daemons

mkdir -p "$T/up" "$T/vnet"
cat >"$T/up/bird.conf" <<EOF
router id $UP;
log "$T/up/bird.log" all;
protocol device {}
protocol bgp mux {
	local $UP as 65222;
	neighbor $MUX_ADDR port 179 as 65000;
	multihop;
	strict bind yes;
	hold time 90;
	connect delay time 1;
	connect retry time 1;
	graceful restart on;
	ipv4 { import all; export where proto = "s4"; };
}
protocol static s4 {
	ipv4;
	route 10.222.0.0/24 blackhole; route 10.222.1.0/24 blackhole;
	route 10.222.2.0/24 blackhole; route 10.222.3.0/24 blackhole;
	route 10.222.4.0/24 blackhole;
}
EOF
spawn "upstream bird" "$T/up/stderr" bird -f -c "$T/up/bird.conf" -s "$T/up/ctl" -P "$T/up/pid"
UP_PID=$LAST_PID
cat >"$T/vnet/bird.conf" <<EOF
router id $CLIENT;
log "$T/vnet/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route $PFX unreachable; }
protocol bgp mux {
	local $CLIENT as 65101;
	neighbor $INST port 179 as 65000;
	multihop;
	strict bind yes;
	connect delay time 1;
	connect retry time 1;
	error wait time 1, 2;
	graceful restart on;
	ipv4 { import all; export where net = $PFX; };
}
EOF
spawn "client bird" "$T/vnet/stderr" bird -f -c "$T/vnet/bird.conf" -s "$T/vnet/ctl" -P "$T/vnet/pid"

ubirdc() { birdc -s "$T/up/ctl" "$@"; }
up_has_prefix() { ubirdc show route "$PFX" protocol mux 2>/dev/null | matches -F "$PFX"; }
up_established() { ubirdc show protocols mux 2>/dev/null | matches Established; }
cbirdc() { birdc -s "$T/vnet/ctl" "$@"; }
client_has_view() { [[ $(cbirdc show route count protocol mux 2>/dev/null | awk '/routes/ {print $1; exit}') == 5 ]]; }
# up_stats, client_stats — "received accepted withdraws" of the mux channel
up_stats() { _stats ubirdc; }
client_stats() { _stats cbirdc; }
_stats() {
	"$1" show protocols all mux | awk '
		/Import updates:/ { r = $3; a = $7 }
		/Import withdraws:/ { w = $3 }
		END { print r + 0, a + 0, w + 0 }'
}

# ---------------------------------------------------------------- 1

wait_until 30 "the upstream to hold the client prefix" up_has_prefix
wait_until 30 "the client to hold the view's 5 routes" client_has_view
ubirdc show protocols all mux >"$T/up-proto-1.txt"
sed -n '/Neighbor capabilities/,/Session:/p' "$T/up-proto-1.txt" >"$T/up-caps.txt"
matches -F "Restart time: 30" "$T/up-caps.txt" && matches -F "AF preserved: ipv4" "$T/up-caps.txt" ||
	fail "BIRD does not see muxd's restart time and preserved family: $(cat "$T/up-caps.txt")"
read -r R0 A0 W0 <<<"$(up_stats)"
read -r CR0 CA0 CW0 <<<"$(client_stats)"
say "1. the upstream holds $PFX; muxd's capability: restart time 30, IPv4 preserved (F)"

# ---------------------------------------------------------------- 2

# gaps: every 0.1 s from here on, a line for each look that missed the prefix
watch_prefix() {
	while :; do
		up_has_prefix || echo "upstream: $PFX missing at $(date +%T.%N)"
		client_has_view || echo "client: view incomplete at $(date +%T.%N)"
		sleep 0.1
	done
}
spawn "prefix watcher" "$T/gaps" bash -c "$(declare -f ubirdc cbirdc up_has_prefix client_has_view \
	matches watch_prefix);
	T='$T' PFX='$PFX' watch_prefix"
WATCH_PID=$LAST_PID
kill -KILL "$MUX_PID"
wait "$MUX_PID" 2>/dev/null
[[ -e $T/var/muxd.running ]] || fail "no muxd.running left in state_dir after kill -9"
wait_until 10 "the upstream to see the session go" eval "! up_established"
mv "$T/muxd.log" "$T/muxd-1.log"
# The upstream stays stopped until the client has its walk: the view is
# still empty then, and the client's End-of-RIB must wait for the
# upstream's. (Stopped, BIRD keeps the prefix it already holds.)
kill -STOP "$UP_PID"
mux_start "$T/muxd.json"
wait_until 20 "the client's walk of the empty view" mux_log_has \
	"client vnet [0-9.]+: sent the whole view \(0 routes\) and End-of-RIB \(of some families only after the upstream's"
kill -CONT "$UP_PID"
mux_log_has "graceful restart: the previous muxd on .* did not stop cleanly" ||
	fail "muxd did not take its start for a graceful restart"
wait_until 30 "the upstream session again" up_established
wait_until 10 "muxd to send its own route again" mux_log_has \
	"announcing the gateway's own 1 routes upstream: 1 sent"
_settled() { ubirdc show protocols all mux | awk '/Import updates:/ { exit !($3 > '"$R0"') }'; }
wait_until 10 "the upstream to receive the route again" _settled
wait_until 10 "the client's End-of-RIB after the upstream's" mux_log_has \
	"graceful restart: ipv4-unicast End-of-RIB sent to 1 clients \(after the upstream's\)"
_both_hold() { up_has_prefix && client_has_view; }
holds_for 2 "the upstream holding $PFX and the client the view after the restart" _both_hold
stop_pid "$WATCH_PID" TERM 5
[[ ! -s $T/gaps ]] || fail "lost during the restart: $(head -3 "$T/gaps")"
read -r R1 A1 W1 <<<"$(up_stats)"
((W1 == W0)) || fail "the upstream received $((W1 - W0)) withdrawals"
((A1 == A0)) || fail "the upstream accepted $((A1 - A0)) UPDATEs (received $((R1 - R0)))"
read -r CR1 CA1 CW1 <<<"$(client_stats)"
((CW1 == CW0)) || fail "the client received $((CW1 - CW0)) withdrawals"
# Accepted, not ignored, would mean the client had dropped them (an early
# End-of-RIB flushes its stale routes without any withdrawal on the wire).
((CA1 == CA0)) || fail "the client accepted $((CA1 - CA0)) routes again: it had dropped them"
say "2. kill -9 and restart: $PFX never left the upstream; $((R1 - R0)) UPDATE received again, 0 accepted (identical), 0 withdrawals"
say "   the client kept the view's 5 routes: $((CR1 - CR0)) received again, 0 accepted, 0 withdrawals; its End-of-RIB after the upstream's"

# ---------------------------------------------------------------- 3

mux_stop_clean
[[ ! -e $T/var/muxd.running ]] || fail "muxd.running left after a clean stop"
mv "$T/muxd.log" "$T/muxd-2.log"
mux_start "$T/muxd.json"
mux_log_has "did not stop cleanly" && fail "a start after a clean stop was taken for a restart"
say "3. after a clean stop the next start is no graceful restart"
