#!/usr/bin/env bash
# RFC 8538 (Notification support for Graceful Restart, the N bit) toward an
# upstream, muxd as the helper, on loopback:
#   upstream isp-n: tests/tools/gr_peer.py (127.0.220.11, AS 65220, hold
#   time 3 s, Graceful Restart with N, IPv4 unicast with F) announcing 20
#   routes to muxd (127.0.220.1, "graceful_restart": true); instance
#   127.0.221.1 with a BIRD 2 client (127.0.221.12).
# Asserts:
#   1. muxd offers N and logs that NOTIFICATIONs but Hard Reset keep the
#      upstream's routes;
#   2. the upstream goes silent: muxd's hold timer expires (it sends 4/0),
#      and the 20 routes stay, as stale: the client holds 20 and receives
#      no withdrawal (without N this withdrew them all);
#   3. the upstream comes back (R and F set), sends the 20 again and its
#      End-of-RIB: nothing stale, still no withdrawal;
#   4. the upstream sends Cease / Hard Reset: the client loses every route
#      at once, nothing kept stale.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.220.1
UP=127.0.220.11
INST=127.0.221.1
CLIENT=127.0.221.12
API=http://$MUX_ADDR:8179/api/v1

for a in "$MUX_ADDR" "$INST"; do
	wait_until 30 "$a:179 to be free" eval "! listening $a 179"
done

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
       "api": {"listen": "127.0.220.1:8179"},
       "upstreams": [{"name": "isp-n", "peer": {"address": "127.0.220.11", "asn": 65220},
                      "local_address": "127.0.220.1", "passive": True,
                      "families": ["ipv4-unicast"], "graceful_restart": True,
                      "instance": {"address": "127.0.221.1", "port": 179}}],
       "clients": [{"name": "bird", "address": "127.0.221.12", "asn": 65101,
                    "upstreams": ["isp-n"]}]}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 30 "instance isp-n to listen" listening "$INST" 179

CB=$T/client
client_bird_start "$CB" "$CLIENT" 65101 "$INST"
cbirdc() { birdc -s "$CB/ctl" "$@"; }
client_routes() { cbirdc show route count table c4 | awk '/routes/ {print $1; exit}'; }
client_has() { [[ $(client_routes) == "$1" ]]; }
client_withdraws() {
	cbirdc show protocols all mux | awk '/Import withdraws:/ {n += $3} END {print n + 0}'
}
stale_is() {
	[[ $(curl -sf "$API/views/isp-n" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["graceful_restart"]["stale_routes"])') == "$1" ]]
}

N=0
# upstream_start [FLAGS] — a new gr_peer.py session; its lines in up-N.log
upstream_start() {
	N=$((N + 1))
	UPLOG=$T/up-$N.log
	spawn "gr_peer $N" "$UPLOG" python3 "$TOOLS/gr_peer.py" --src "$UP" --mux "$MUX_ADDR" \
		--asn 65220 --mux-asn 65000 --routes 20 --hold 3 "$@"
	UP_PID=$LAST_PID
	wait_until 20 "upstream session $N to send its End-of-RIB" grep -q "eor sent" "$UPLOG"
}

# ---------------------------------------------------------------- 1

upstream_start
wait_until 30 "the client to hold 20 routes" client_has 20
wait_until 10 "muxd to log N negotiated" mux_log_has \
	"graceful restart negotiated.*NOTIFICATIONs but Hard Reset keep its routes"
W0=$(client_withdraws)
say "1. N negotiated; the client holds 20 routes"

# ---------------------------------------------------------------- 2

lines=$(mux_log_lines)
kill -USR1 "$UP_PID"
wait_until 15 "muxd's hold timer to expire" grep -q "received NOTIFICATION 4/0" "$UPLOG"
wait_until 10 "muxd to keep the routes as stale" mux_log_since "$lines" \
	"graceful restart: keeping its 20 routes as stale"
stale_is 20 || fail "the API does not show 20 stale routes"
_kept() { client_has 20 && [[ $(client_withdraws) == "$W0" ]]; }
holds_for 2 "the client holding its 20 routes with no withdrawal" _kept
say "2. hold timer expired (4/0 sent): 20 routes kept stale, no withdrawal"

# ---------------------------------------------------------------- 3

wait "$UP_PID" 2>/dev/null
upstream_start --restarted
wait_until 10 "nothing stale" stale_is 0
mux_log_since "$lines" "graceful restart of ipv4-unicast done: 0 stale routes" ||
	fail "no 'graceful restart … done' line in muxd's log"
_kept || fail "the client holds $(client_routes) routes, $(($(client_withdraws) - W0)) withdrawals"
say "3. upstream back: nothing stale, the client never saw a withdrawal"

# ---------------------------------------------------------------- 4

lines=$(mux_log_lines)
kill -USR2 "$UP_PID"
wait_until 10 "the client to lose every route" client_has 0
mux_log_since "$lines" "received NOTIFICATION 6/9 \(Cease, Hard Reset\): for 6/4" ||
	fail "muxd's log does not name the Hard Reset"
mux_log_since "$lines" "keeping its" && fail "a Hard Reset was taken for a restart"
stale_is 0 || fail "routes kept stale after a Hard Reset"
say "4. Hard Reset: the client lost the 20 routes at once"
