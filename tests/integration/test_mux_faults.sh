#!/usr/bin/env bash
# alone: 1,000,000 prefixes through muxd to a BIRD client and a sink take both cores
# Misbehaving mux clients are dealt with alone, on loopback:
#   upstream: build/tools/mrt_replay, a synthetic IPv4 table of N prefixes
#   (default 1,000,000: about 4.7 MB of UPDATEs, more than loopback's 4 MB TCP send buffer, so bytes must wait in muxd's queue for the stalled client) sent as fast as muxd reads, connecting to muxd
#   (127.0.50.129; the upstream is "passive" for muxd) from 127.0.50.140;
#   instance isp-f on 127.0.51.129; clients: BIRD 2 (127.0.51.140), a
#   bgp_sink (127.0.51.141), a client that stops reading (127.0.51.142,
#   tests/tools/mux_client.py stall) and one that sends a malformed UPDATE
#   (127.0.51.143, mux_client.py malformed).
# Asserts:
#   1. the stalled client is dropped alone, with a muxd log line and
#      NOTIFICATION Cease/Out of Resources (6/8) (in muxd's log and as the
#      last message on its socket), while the BIRD client and the sink get
#      every prefix (the sink: exactly N announced, none missing, complete),
#      their sessions and the upstream's never reset;
#   2. the malformed UPDATE (MP_REACH_NLRI whose next hop overruns the
#      attribute) resets that client alone with NOTIFICATION 3/9 (Optional
#      Attribute Error) whose data is the attribute (RFC 4271 6.3, RFC 4760
#      §7, RFC 7606 §7.3); the BIRD client and the upstream see nothing (same
#      TCP connections, same table, no change in BIRD's import counters).
N=${N:-1000000}
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.50.129
FEED=127.0.50.140
INST=127.0.51.129
BIRD_C=127.0.51.140 SINK_C=127.0.51.141 STALL_C=127.0.51.142 BAD_C=127.0.51.143

# A previous run's daemons may still be exiting.
for a in "$MUX_ADDR" "$INST"; do
	wait_until 30 "$a:179 to be free" eval "! listening $a 179"
done

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2],
       "upstreams": [{"name": "isp-f", "peer": {"address": "127.0.50.140", "asn": 65030},
                      "local_address": "127.0.50.129", "passive": True, "hold_time": 90,
                      "families": ["ipv4-unicast", "ipv6-unicast"],
                      "instance": {"address": "127.0.51.129", "port": 179}}],
       "clients": [{"name": n, "address": a, "asn": asn, "upstreams": ["isp-f"]}
                   for n, a, asn in (("bird", "127.0.51.140", 4200000301),
                                     ("sink", "127.0.51.141", 4200000302),
                                     ("stall", "127.0.51.142", 4200000303),
                                     ("bad", "127.0.51.143", 4200000304))]}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 30 "muxd to listen for the upstream" listening "$MUX_ADDR" 179
wait_until 30 "instance isp-f to listen" listening "$INST" 179

# ---------------------------------------------------------------- clients

CB=$T/cbird
client_bird_start "$CB" "$BIRD_C" 4200000301 "$INST"
cbirdc() { birdc -s "$CB/ctl" "$@"; }

spawn "bgp_sink" "$T/sink.out" "$ROOT/build/tools/bgp_sink" --connect "$INST:179" --bind "$SINK_C" \
	--asn 4200000302 --peer-as 65000 --expect "$N" --linger 1 --timeout 150 --name sink
SINK=$LAST_PID
spawn "stalled client" "$T/stall.out" python3 "$TOOLS/mux_client.py" stall --inst "$INST" \
	--src "$STALL_C" --asn 4200000303 --resume "$T/resume"
STALL=$LAST_PID

est() { grep -qE "instance isp-f client $1 [^:]*: .*-> Established" "$MUX_LOG"; }
for c in bird sink stall; do
	wait_until 30 "client $c to be Established at muxd" est "$c"
done
wait_until 10 "the BIRD client's session" bash -c "birdc -s '$CB/ctl' show protocols mux | grep -q Established"
grep -q established "$T/stall.out" || fail "the stalling client did not complete its OPEN exchange"

# conns ADDR... — the established TCP connections of these addresses.
conns() {
	local a f=""
	for a in "$@"; do f+="${f:+ or }src $a"; done
	ss -Htn state established "( $f )" | awk '{print $3 "-" $4}' | sort | paste -sd, -
}
bird_stats() {
	cbirdc show protocols all mux | awk '/Import updates:/ {u = $3} /Import withdraws:/ {w = $3} END {print u + 0, w + 0}'
}
count4() { cbirdc show route count table c4 | awk '/routes for/ {print $1}'; }

# ------------------------------------------------- the feed, and the stall

t0=$SECONDS
spawn "mrt_replay" "$T/replay.out" "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" \
	--bind "$FEED" --asn 65030 --synthetic "$N" --next-hop 192.0.2.7 --eor --hold --sync-wait 0
FEEDER=$LAST_PID
wait_until 30 "the upstream session" bash -c "grep -qE 'view isp-f peer [^:]*: .*-> Established' '$MUX_LOG'"
up_conn=$(conns "$FEED")
[[ -n $up_conn ]] || fail "no upstream TCP connection"

wait_until 120 "the sink to hold every prefix" eval "! running $SINK"
wait "$SINK"
sink_rc=$?
say "sink: $(cat "$T/sink.out")"
((sink_rc == 0)) || fail "bgp_sink exited with $sink_rc"
python3 - "$T/sink.out" "$N" <<'PY' || fail "the sink did not get every prefix exactly once"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = int(sys.argv[2])
assert r["complete"] and r["prefixes"] == n, r
assert r["announced"] == n and r["withdrawn"] == 0, r   # no gap, no duplicate
PY
wait_until 120 "the BIRD client to hold $N prefixes" eval '[[ $(count4) == "$N" ]]'
say "the BIRD client and the sink hold all $N prefixes ($((SECONDS - t0))s after the feed started)"

wait_until 60 "muxd to drop the stalled client" mux_log_has "client stall [^:]*: cannot keep up"
mux_log_has "client stall [^:]*: sent NOTIFICATION 6/8" ||
	fail "muxd's log has no 'client stall ...: sent NOTIFICATION 6/8' line: $(grep 'client stall' "$MUX_LOG" | tail -3)"
say "muxd: $(grep -m1 'client stall [^:]*: cannot keep up' "$MUX_LOG" | cut -c1-220)"
touch "$T/resume"
wait_until 45 "the stalled client to read to the close" eval "! running $STALL"
python3 - "$T/stall.out" <<'PY' || fail "the stalled client's socket did not end with NOTIFICATION 6/8: $(tail -1 "$T/stall.out")"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r.get("closed") and r["last"]["type"] == 3 and (r["last"]["code"], r["last"]["subcode"]) == (6, 8), r
PY
say "the stalled client: $(tail -1 "$T/stall.out")"
running "$FEEDER" || fail "the upstream feeder is gone"
[[ $(conns "$FEED") == "$up_conn" ]] || fail "the upstream's TCP connection changed"
! grep -qE "view isp-f .*(-> Idle|NOTIFICATION)" "$MUX_LOG" || fail "the upstream session was disturbed: $(grep -E 'view isp-f .*(-> Idle|NOTIFICATION)' "$MUX_LOG" | head -2)"
n=$(grep -cE "instance isp-f client bird [^:]*: .*-> Established" "$MUX_LOG")
((n == 1)) || fail "the BIRD client's session was re-established ($n times Established)"
say "the stalled client was dropped alone; the upstream and the other clients were not disturbed"

# ------------------------------------------------------- malformed UPDATE

bird_conn=$(conns "$BIRD_C")
before=$(bird_stats)
python3 "$TOOLS/mux_client.py" malformed --inst "$INST" --src "$BAD_C" --asn 4200000304 \
	>"$T/bad.out" 2>&1 || fail "mux_client.py malformed: $(cat "$T/bad.out")"
say "the malformed client: $(tail -1 "$T/bad.out")"
python3 - "$T/bad.out" <<'PY' || fail "the malformed UPDATE was not answered with 3/9 carrying the attribute"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
last = r["last"]
assert r.get("closed") and last and last["type"] == 3, r
assert (last["code"], last["subcode"]) == (3, 9), r
assert last["data"] == r["sent_attribute"], r
PY
wait_until 10 "muxd's log line for the bad client" mux_log_has "client bad [^:]*: sent NOTIFICATION 3/9"
[[ $(conns "$BIRD_C") == "$bird_conn" ]] || fail "the BIRD client's TCP connection changed"
[[ $(conns "$FEED") == "$up_conn" ]] || fail "the upstream's TCP connection changed"
[[ $(bird_stats) == "$before" ]] || fail "the BIRD client received something: before '$before', after '$(bird_stats)'"
[[ $(count4) == "$N" ]] || fail "the BIRD client no longer holds $N prefixes"
! grep -qE "view isp-f .*(-> Idle|NOTIFICATION)" "$MUX_LOG" || fail "the upstream session was disturbed"
say "the malformed client was reset alone with 3/9; the BIRD client and the upstream saw nothing"

mux_stop_clean
say "PASS in $((SECONDS - STARTED))s"
