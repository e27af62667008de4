#!/usr/bin/env bash
# Graceful Restart (RFC 4724) toward an upstream, muxd as the receiving
# speaker, on loopback:
#   upstream isp-g: BIRD 2 (127.0.116.11, AS 65040, "graceful restart on",
#   restart time 8 s) announcing 40 IPv4 and 20 IPv6 routes to muxd
#   (127.0.116.1, "graceful_restart": true); instance 127.0.117.1 with a
#   BIRD 2 client (127.0.117.12); a BMP collector that counts routes
#   (tests/tools/bmp_sink.py --routes, 127.0.116.100).
# Asserts:
#   1. the capability is negotiated (muxd's log names the families the
#      upstream preserves) and muxd sends the upstream its End-of-RIB;
#   2. the upstream BIRD is killed (SIGKILL: the TCP session ends without a
#      NOTIFICATION): muxd keeps its 60 routes as stale (log, API,
#      /metrics), the client keeps all 60, receives no withdrawal, its
#      session stays;
#   3. the upstream comes back in graceful-restart recovery (bird -R) with 5
#      IPv4 routes fewer: after its End-of-RIB the client holds 55 routes
#      and has received exactly 5 withdrawals; nothing is stale any more;
#      the BMP collector, after the second Peer Up, got the 55 kept routes
#      again (announced minus withdrawn: 55);
#   4. the upstream restarts before muxd notices (its BIRD is stopped with
#      SIGSTOP, so its connection stays open, and a new BIRD on the same
#      address opens a session): muxd closes the old connection, keeps the
#      55 routes stale, and the client again sees no withdrawal;
#   5. a session ended by a NOTIFICATION (birdc disable: Cease) is not a
#      restart: the client loses every route at once; they come back;
#   6. killed again and not restarted: after its restart time (8 s) the
#      stale routes are withdrawn from the client (0 routes).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.116.1
UP=127.0.116.11
INST=127.0.117.1
CLIENT=127.0.117.12
BMP=127.0.116.100
API=http://$MUX_ADDR:8179/api/v1

for a in "$MUX_ADDR" "$INST"; do
	wait_until 30 "$a:179 to be free" eval "! listening $a 179"
done

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
       "api": {"listen": "127.0.116.1:8179"},
       "bmp": [{"address": "127.0.116.100", "port": 1790}],
       "upstreams": [{"name": "isp-g", "peer": {"address": "127.0.116.11", "asn": 65040},
                      "local_address": "127.0.116.1", "passive": True,
                      "families": ["ipv4-unicast", "ipv6-unicast"],
                      "graceful_restart": True,
                      "instance": {"address": "127.0.117.1", "port": 179}}],
       "clients": [{"name": "bird", "address": "127.0.117.12", "asn": 65101,
                    "upstreams": ["isp-g"]}]}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
spawn "bmp_sink" "$T/bmp.json" python3 "$TOOLS/bmp_sink.py" "$BMP" 1790 --routes
BMP_PID=$LAST_PID
wait_until 10 "the BMP collector to listen" listening "$BMP" 1790
mux_start "$T/muxd.json"
wait_until 30 "instance isp-g to listen" listening "$INST" 179

# ---------------------------------------------------------------- upstream

# The upstream BIRD's files; a second one (step 4) gets its own.
UB=$T/upstream
mkdir -p "$UB"
LPORT=179       # where it listens
# upstream_conf N4: the upstream's config with its first N4 IPv4 routes
upstream_conf() {
	{
		echo "router id $UP;"
		echo "log \"$UB/bird.log\" all;"
		echo "protocol device {}"
		echo "protocol static s4 { ipv4;"
		for ((i = 0; i < $1; i++)); do echo "	route 10.116.$i.0/24 blackhole;"; done
		echo "}"
		echo "protocol static s6 { ipv6;"
		for ((i = 0; i < 20; i++)); do echo "	route 2001:db8:116:$i::/64 blackhole;"; done
		echo "}"
		cat <<EOF
protocol bgp mux {
	local $UP port $LPORT as 65040;
	neighbor $MUX_ADDR port 179 as 65000;
	multihop;
	strict bind yes;
	hold time 90;
	connect delay time 1;
	connect retry time 2;
	graceful restart on;
	graceful restart time 8;
	ipv4 { import none; export all; next hop address 192.0.2.116; };
	ipv6 { import none; export all; next hop address 2001:db8::116; };
}
EOF
	} >"$UB/bird.conf"
}
UP_PID=
upstream_start() {  # extra bird flags
	spawn "upstream bird" "$UB/stderr" bird -f "$@" -c "$UB/bird.conf" -s "$UB/ctl" -P "$UB/pid"
	UP_PID=$LAST_PID
	wait_until 20 "the upstream BIRD to answer" \
		bash -c "birdc -s '$UB/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"
}
upstream_kill() {
	kill -KILL "$UP_PID"
	wait "$UP_PID" 2>/dev/null
	rm -f "$UB/ctl"
}
ubirdc() { birdc -s "$UB/ctl" "$@"; }

# ---------------------------------------------------------------- client

CB=$T/client
client_bird_start "$CB" "$CLIENT" 65101 "$INST"
cbirdc() { birdc -s "$CB/ctl" "$@"; }

# client_routes: routes in the client's two tables
client_routes() {
	local n4 n6
	n4=$(cbirdc show route count table c4 | awk '/routes/ {print $1; exit}')
	n6=$(cbirdc show route count table c6 | awk '/routes/ {print $1; exit}')
	echo $((${n4:-0} + ${n6:-0}))
}
client_has() { [[ $(client_routes) == "$1" ]]; }
# client_withdraws: withdrawals the client received, both channels
client_withdraws() {
	cbirdc show protocols all mux | awk '/Import withdraws:/ {n += $3} END {print n + 0}'
}
# client_session: how many times the client's session came up and went
# down, by muxd's log (BIRD's "since" time jitters by a millisecond)
client_session() {
	printf '%s up, %s down' "$(grep -c "client bird $CLIENT: OpenConfirm -> Established" "$MUX_LOG")" \
		"$(grep -c "client bird $CLIENT: Established -> " "$MUX_LOG")"
}
stale_routes() {
	curl -sf "$API/views/isp-g" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["graceful_restart"]["stale_routes"])'
}
stale_is() { [[ $(stale_routes) == "$1" ]]; }
up_established() { ubirdc show protocols mux 2>/dev/null | grep -q Established; }

# ---------------------------------------------------------------- 1

upstream_conf 40
upstream_start
wait_until 30 "the upstream session" up_established
wait_until 30 "the client to hold 60 routes" client_has 60
wait_until 10 "muxd to log graceful restart negotiated" mux_log_has \
	"graceful restart negotiated.*families it preserves: ipv4-unicast.*ipv6-unicast"
ubirdc show protocols all mux >"$T/up-proto.txt"
grep -q "Neighbor graceful restart active" "$T/up-proto.txt" ||
	grep -qi "graceful restart" "$T/up-proto.txt" || fail "BIRD shows no graceful restart"
say "1. negotiated: $(grep -o 'families it preserves: .*' "$T/muxd.log" | tail -1)"
SESSION=$(client_session)
[[ $SESSION == "1 up, 0 down" ]] || fail "the client's session: $SESSION"
W0=$(client_withdraws)

# ---------------------------------------------------------------- 2

lines=$(mux_log_lines)
upstream_kill
wait_until 10 "muxd to keep the routes as stale" mux_log_since "$lines" \
	"graceful restart: keeping its 60 routes as stale for up to 8 s"
stale_is 60 || fail "API: $(stale_routes) stale routes, expected 60"
curl -sf "http://$MUX_ADDR:8179/metrics" | grep -qx 'bgpmux_view_stale_paths{view="isp-g"} 60' ||
	fail "/metrics: $(curl -sf "http://$MUX_ADDR:8179/metrics" | grep stale)"
_kept() { client_has 60 && [[ $(client_withdraws) == "$W0" ]]; }
holds_for 2 "the client holding its 60 routes with no withdrawal during the restart" _kept
say "2. upstream killed: 60 routes kept stale, the client holds 60 and got no withdrawal"

# ---------------------------------------------------------------- 3

upstream_conf 35
upstream_start -R
wait_until 30 "the upstream session again" up_established
wait_until 30 "the client to hold 55 routes" client_has 55
wait_until 10 "nothing stale" stale_is 0
mux_log_since "$lines" "graceful restart of ipv4-unicast done: 5 stale routes" ||
	fail "no 'graceful restart … done' line for IPv4 in muxd's log"
[[ $(client_withdraws) == $((W0 + 5)) ]] ||
	fail "the client received $(($(client_withdraws) - W0)) withdrawals, expected 5"
[[ $(client_session) == "$SESSION" ]] ||
	fail "the client's session changed: $SESSION -> $(client_session)"
# bmp_has_55 — the collector's latest snapshot (SIGUSR1) holds the 55
# routes sent again after the restart's Peer Up.
bmp_has_55() {
	kill -USR1 "$BMP_PID"
	tail -n 1 "$T/bmp.json" 2>/dev/null | python3 -c '
import json, sys
e = json.loads(sys.stdin.read())["epochs"]
sys.exit(not (len(e) == 2 and e[1]["announced"] - e[1]["withdrawn"] == 55))' 2>/dev/null
}
wait_until 10 "the BMP collector to get the 55 routes again" bmp_has_55
stop_pid "$BMP_PID" TERM 5
python3 - "$T/bmp.json" <<'PY' || fail "BMP: $(tail -1 "$T/bmp.json")"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
e = s["epochs"]
assert s["messages"].get("peer_up") == 2 and len(e) == 2, s
assert e[0]["announced"] - e[0]["withdrawn"] == 60, e
assert e[1]["announced"] >= 55 and e[1]["announced"] - e[1]["withdrawn"] == 55, e
print("BMP after the restart:", e[1])
PY
say "3. upstream back: 5 withdrawals, 55 routes, the client's session unchanged; BMP got the kept routes again"

# ---------------------------------------------------------------- 4

lines=$(mux_log_lines)
W1=$(client_withdraws)
OLD_PID=$UP_PID
kill -STOP "$OLD_PID"
UB=$T/upstream2 LPORT=1179
mkdir -p "$UB"
upstream_conf 35
upstream_start -R
wait_until 30 "the new upstream session" up_established
wait_until 10 "muxd to close the old connection" mux_log_since "$lines" \
	"graceful restart: a new OPEN while session [0-9]+ is Established"
mux_log_since "$lines" "keeping its 55 routes as stale" ||
	fail "muxd did not keep the routes when the old connection was closed"
wait_until 10 "the restart to finish" mux_log_since "$lines" \
	"graceful restart of ipv4-unicast done: 0 stale routes"
client_has 55 || fail "the client holds $(client_routes) routes, expected 55"
[[ $(client_withdraws) == "$W1" ]] ||
	fail "the client received $(($(client_withdraws) - W1)) withdrawals"
kill -KILL "$OLD_PID"
say "4. restarted before muxd noticed: old connection closed, no withdrawal"

# ---------------------------------------------------------------- 5

lines=$(mux_log_lines)
ubirdc disable mux >/dev/null
wait_until 10 "the client to lose every route" client_has 0
mux_log_since "$lines" "keeping its" && fail "a Cease was taken for a restart"
ubirdc enable mux >/dev/null
wait_until 30 "the client to hold 55 routes again" client_has 55
say "5. a Cease withdraws at once; the routes come back"

# ---------------------------------------------------------------- 6

lines=$(mux_log_lines)
upstream_kill
wait_until 10 "muxd to keep the routes" mux_log_since "$lines" "keeping its 55 routes as stale"
client_has 55 || fail "the client holds $(client_routes) right after the kill, expected 55"
wait_until 20 "the restart time to run out" client_has 0
mux_log_since "$lines" "did not finish in time" ||
	fail "no 'did not finish in time' line in muxd's log"
stale_is 0 || fail "API: $(stale_routes) stale routes left"
[[ $(client_session) == "$SESSION" ]] ||
	fail "the client's session changed: $SESSION -> $(client_session)"
say "6. not back within 8 s: withdrawn; the client's session never reset"
