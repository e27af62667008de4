#!/usr/bin/env bash
# max_prefixes of upstreams and plain peers, each fed 3,000 routes by
# build/tools/mrt_replay over a limit of 1,000:
#   - "teardown" (upstream isp-t, warning at 50 %, restart 10 s): the
#     warning, then Cease/Maximum Number of Prefixes Reached (6/1) on the
#     wire with RFC 4486's data (AFI 1, SAFI 1, limit 1000), its routes
#     gone; a connection during the next 10 s is refused; after them the
#     upstream is accepted again (under the limit this time) and stays up;
#   - "warn" (upstream isp-w): a line at 90 % (the default warning), one
#     over the limit, and the session and all 3,000 routes stay;
#   - a plain peer with "max_prefixes": 1000 (teardown by default) gets 6/1;
#   - /metrics shows each view's memory (paths, attribute sets);
#   - the API lists the plain peer as a peer (session "p/1", kind "peer"),
#     and the live stream has its UPDATEs.
# Addresses: 127.0.144.0/24 (muxd .1, its API .1:8179; the upstreams .11,
# .12, the plain peer .13; the instances .21, .22).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.144.1
claim_addrs 127.0.144.1 127.0.144.11 127.0.144.12 127.0.144.13 127.0.144.21 127.0.144.22

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state = sys.argv[1:3]
def up(name, last, asn, limit):
    return {"name": name, "peer": {"address": "127.0.144.%d" % last, "asn": asn},
            "local_address": "127.0.144.1", "passive": True, "max_prefixes": limit,
            "instance": {"address": "127.0.144.%d" % (last + 10), "port": 179}}
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": "127.0.144.1:8179"},
           "upstreams": [up("isp-t", 11, 65144, {"limit": 1000, "warning": 50,
                                                 "action": "teardown", "restart": 10}),
                         up("isp-w", 12, 65145, {"limit": 1000, "action": "warn"})],
           "peers": [{"name": "p", "peer": {"address": "127.0.144.13", "asn": 65146},
                      "local_address": "127.0.144.1", "passive": True, "max_prefixes": 1000}]},
          open(out, "w"), indent=2)
PY
capture_start 127.0.144.11 127.0.144.13
mux_start "$T/muxd.json"
# The live stream, as NDJSON, of the plain peer's messages (subscribed
# before any neighbor connects).
api_up() { curl -s -o /dev/null --max-time 3 "http://$MUX_ADDR:8179/api/v1/status"; }
wait_until 10 "the API to answer" api_up
spawn "stream curl" "$T/stream.err" curl -sN -o "$T/stream.txt" \
	"http://$MUX_ADDR:8179/v1/stream/?format=json&peer=127.0.144.13"
stream_connected() { ss -Htn state established "( dport = :8179 )" | matches .; }
wait_until 10 "the stream's subscriber to connect" stream_connected

# feed NAME ADDR ASN COUNT — mrt_replay from ADDR, its output in $T/NAME.out.
feed() {
	spawn "mrt_replay $1" "$T/$1.out" "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" \
		--bind "$2" --asn "$3" --synthetic "$4" --eor --hold --sync-wait 0
}
feed t 127.0.144.11 65144 3000
feed w 127.0.144.12 65145 3000
feed p 127.0.144.13 65146 3000

# ------------------------------------------------- teardown

wait_until 30 "isp-t to be torn down" mux_log_has "view isp-t peer [^:]*: [0-9]+ paths, over its max_prefixes of 1000: closing the session with Cease/Maximum Number of Prefixes Reached \(6/1\); it stays down for 10 s"
t_down=$SECONDS
mux_log_has "view isp-t peer [^:]*: [0-9]+ paths, past 50 % of its max_prefixes of 1000 \(action teardown over it\)" ||
	fail "no warning at 50 % for isp-t"
wait_until 10 "mrt_replay to see the NOTIFICATION" matches "sent NOTIFICATION 6/1" "$T/t.out"
wait_until 10 "isp-t's routes to go" mux_log_has "view isp-t: upstream session down .*: withdrew its [0-9]+ routes"
say "isp-t: warned at 50 %, then closed with 6/1 over 1000 paths, its routes withdrawn"

# Within the 10 s the upstream's new connection is refused (it gets no OPEN).
rc=0
timeout 10 "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" --bind 127.0.144.11 \
	--asn 65144 --synthetic 10 --sync-wait 0 >"$T/t2.out" 2>&1 || rc=$?
((SECONDS - t_down < 10)) || say "(the refused attempt came $((SECONDS - t_down)) s after the teardown)"
((rc != 0)) || fail "isp-t could connect again during its hold-down: $(cat "$T/t2.out")"
mux_log_has "view isp-t peer [^:]*: incoming connection refused: held down for [0-9]+ s more after it broke max_prefixes" ||
	fail "no log line for the refused connection"
wait_until 20 "the hold-down to end" mux_log_has "view isp-t peer [^:]*: its max_prefixes hold-down is over: it may connect again"
((SECONDS - t_down >= 7)) || fail "the hold-down ended $((SECONDS - t_down)) s after the teardown was seen, want about 10"
mark=$(mux_log_lines)
feed t3 127.0.144.11 65144 800
wait_until 30 "isp-t back with 800 routes" mux_log_since "$mark" "view isp-t: End-of-RIB for ipv4-unicast from the upstream: 800 IPv4"
say "isp-t: a connection during the hold-down refused; after 10 s it is back with 800 routes"

# ------------------------------------------------- warn, and the plain peer

wait_until 30 "isp-w's End-of-RIB" mux_log_has "view isp-w: End-of-RIB for ipv4-unicast from the upstream: 3000 IPv4"
grep "view isp-w peer [^:]*: .*max_prefixes" "$MUX_LOG" | sed 's/^[^ ]* *[a-z]* *//' |
	matches -xzP "view isp-w peer [^:]*: \\d+ paths, past 90 % of its max_prefixes of 1000 \\(action warn over it\\)\\nview isp-w peer [^:]*: \\d+ paths, over its max_prefixes of 1000: keeping them \\(action warn\\)\\n" ||
	fail "isp-w (action warn) should log the warning at 90 %, then 'keeping them', once each: $(grep 'view isp-w peer.*max_prefixes' "$MUX_LOG")"
mux_log_has "view isp-w peer [^:]*: .*Established -> " && fail "isp-w's session went down"
wait_until 30 "the plain peer to be torn down" mux_log_has "peer p [^:]*: [0-9]+ paths, over its max_prefixes of 1000: closing the session"
say "isp-w keeps its 3000 routes, logging the 90 % warning and the limit once each; the plain peer is closed with 6/1 too"

# ------------------------------------------------- the wire and /metrics

metrics=$(curl -s --max-time 10 "http://$MUX_ADDR:8179/metrics") || fail "GET /metrics failed"
for v in isp-t isp-w; do
	for part in paths attributes; do
		grep -qE "^bgpmux_view_memory_bytes\{view=\"$v\",part=\"$part\"\} [1-9][0-9]*$" <<<"$metrics" ||
			fail "/metrics has no non-zero bgpmux_view_memory_bytes for $v $part"
	done
done
say "/metrics: $(grep '^bgpmux_view_memory_bytes' <<<"$metrics" | tr '\n' ' ')"
# The API lists the plain peer as a peer, not a view: its session "p/1"
# of kind "peer", /api/v1/status counts it among the peers.
api_get() { curl -sf --max-time 10 "http://$MUX_ADDR:8179/api/v1/$1"; }
python3 - "$(api_get sessions)" "$(api_get status)" "$(api_get views)" <<'PY' ||
import json, sys
sessions, status, views = (json.loads(a) for a in sys.argv[1:4])
p = [s for s in sessions if s["name"] == "p"]
assert [(s["id"], s["kind"]) for s in p] == [("p/1", "peer")], p
assert p[0]["peer"].startswith("peer p 127.0.144.13"), p[0]["peer"]
assert sorted(s["kind"] for s in sessions) == ["peer", "upstream", "upstream"], sessions
assert (status["peers"], status["views"]) == (1, 2), status
assert sorted(v["name"] for v in views) == ["isp-t", "isp-w"], views
PY
	fail "the API does not show the plain peer as before (a peer, session p/1)"
python3 - "$T/stream.txt" <<'PY' || fail "the live stream has no UPDATE of the plain peer's"
import json, sys
msgs = [json.loads(l)["data"] for l in open(sys.argv[1]) if l.strip()]
ups = [m for m in msgs if m.get("type") == "UPDATE"]
assert ups and all(m["host"] == "p" and m["peer"] == "127.0.144.13" for m in ups), msgs[:3]
print("live stream: %d UPDATEs of the plain peer p" % len(ups), file=sys.stderr)
PY
say "API: the plain peer's session is p/1 of kind peer; status counts 1 peer and 2 views"

capture_stop
# 6/1 from muxd to isp-t and to the plain peer, data = AFI 1, SAFI 1, 1000
for addr in 127.0.144.11 127.0.144.13; do
	tshark -r "$CAP" -Y "ip.src == $MUX_ADDR && ip.dst == $addr && bgp.type == 3" -T fields \
		-e bgp.notify.major_error -e bgp.notify.minor_error_cease -e bgp.notify.minor_data 2>/dev/null |
		matches -xF "6	1	000101000003e8" ||
		fail "no NOTIFICATION 6/1 with data AFI 1, SAFI 1, 1000 to $addr on the wire: $(tshark -r "$CAP" -Y "bgp.type == 3" -T fields -e ip.dst -e bgp.notify.major_error -e bgp.notify.minor_error_cease -e bgp.notify.minor_data 2>/dev/null | tr '\n' ' ')"
done
capture_check
say "the wire: 6/1 with AFI 1, SAFI 1, limit 1000 to isp-t and to the plain peer"
mux_stop_clean
