#!/usr/bin/env bash
# Every BGP message type the live stream shows, with includeRaw, over two
# sessions of a real upstream (BIRD 2, which connects to muxd):
#   - session 1: OPEN sent and received, KEEPALIVE, RIS_PEER_STATE
#     "connected", BIRD's UPDATEs; BIRD leaves: NOTIFICATION received
#     (Cease / Administrative Shutdown), "down";
#   - session 2: the same up to the UPDATEs; a reload changes the
#     upstream's hold time: NOTIFICATION sent (Cease / Other Configuration
#     Change), "down".
# Each message's "raw" is the whole BGP message (marker, length, type) and
# says what the JSON says (the OPEN's AS and hold time, the NOTIFICATION's
# code, the UPDATE's IPv4 NLRI); the KEEPALIVEs muxd sends and the
# messages of the instance's clients never show. An NDJSON and an SSE
# subscriber (which did not ask for raw) get the same messages, in the
# same order, with the same ids. With KEEP=1, $T/stream.norm keeps the
# stream without its timestamps, to compare two builds.
# Addresses: 127.0.172.0/24 (muxd 127.0.172.1, BIRD 127.0.172.12, API and
# stream 127.0.172.1:8172) and 127.0.173.1 (the instance).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.172.1
BIRD_ADDR=127.0.172.12
STREAM=127.0.172.1:8172
claim_addrs 127.0.172.1 127.0.172.12 127.0.173.1

mkdir -p "$T/bird"
cat >"$T/bird/bird.conf" <<CONF
router id $BIRD_ADDR;
log "$T/bird/bird.log" all;
protocol device {}
ipv4 table t4;
ipv6 table t6;
protocol static s4 {
  ipv4 { table t4; };
  route 10.172.0.0/16 blackhole { bgp_origin = ORIGIN_IGP; bgp_path.prepend(64701); bgp_next_hop = $BIRD_ADDR; };
  route 10.172.1.0/24 blackhole { bgp_origin = ORIGIN_IGP; bgp_path.prepend(64702); bgp_med = 5; bgp_next_hop = $BIRD_ADDR; };
}
protocol static s6 {
  ipv6 { table t6; };
  route 2001:db8:172::/48 blackhole { bgp_origin = ORIGIN_IGP; bgp_path.prepend(64703); bgp_next_hop = 2001:db8:172::12; };
}
protocol bgp mux {
  local $BIRD_ADDR as 65172;
  neighbor $MUX_ADDR as 65000;
  multihop; strict bind yes; disabled;
  hold time 240; connect delay time 1; connect retry time 1; error wait time 1, 2;
  ipv4 { table t4; import none; export all; next hop keep; };
  ipv6 { table t6; import none; export all; next hop keep; };
}
CONF
spawn bird "$T/bird/stderr" bird -f -c "$T/bird/bird.conf" -s "$T/bird/ctl" -P "$T/bird/pid"
bc() { birdc -s "$T/bird/ctl" "$@" >/dev/null || fail "birdc $* failed"; }
wait_until 20 "BIRD to answer" bash -c "birdc -s '$T/bird/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"

mux_json() {    # mux_json HOLD — muxd's configuration with the upstream's hold time
	cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.172", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$STREAM"},
 "upstreams": [{"name": "isp-r", "peer": {"address": "$BIRD_ADDR", "asn": 65172},
                "local_address": "$MUX_ADDR", "passive": true, "hold_time": $1,
                "families": ["ipv4-unicast", "ipv6-unicast"],
                "instance": {"address": "127.0.173.1", "port": 179}}]}
JSON
}
mux_json 240
mux_start "$T/muxd.json"
wait_until 10 "the stream to listen" listening 127.0.172.1 8172

# Both subscribers are in before the first session: they see its OPENs.
spawn "ndjson curl" "$T/ndjson.err" curl -sN -D "$T/ndjson.hdr" -o "$T/raw.ndjson" \
	"http://$STREAM/v1/stream/?format=json&includeRaw=true&client=raw"
spawn "sse curl" "$T/sse.err" curl -sN -D "$T/sse.hdr" -o "$T/plain.sse" \
	"http://$STREAM/v1/stream?client=plain"
wait_until 10 "the subscribers to be taken in" bash -c \
	"grep -qs '200 OK' '$T/ndjson.hdr' && grep -qs '200 OK' '$T/sse.hdr'"

has_states() {  # has_states N — the NDJSON subscriber has seen N state changes
	local n
	n=$(grep -c '"RIS_PEER_STATE"' "$T/raw.ndjson" 2>/dev/null)
	((${n:-0} >= $1))
}
updates_of() { grep -F '"UPDATE"' "$T/raw.ndjson" 2>/dev/null | matches -F "$1"; }

bc enable mux
wait_until 30 "session 1 up on the stream" has_states 1
wait_until 20 "session 1's UPDATEs" updates_of 2001:db8:172::/48
bc disable mux
wait_until 20 "session 1 down on the stream" has_states 2
n1=$(wc -l <"$T/raw.ndjson")
bc enable mux
wait_until 30 "session 2 up on the stream" has_states 3
wait_until 20 "session 2's UPDATEs" bash -c \
	"(( \$(grep -F '\"UPDATE\"' '$T/raw.ndjson' | grep -cF 2001:db8:172::/48) >= 2 ))"
mark=$(mux_log_lines)
mux_json 239
kill -HUP "$MUX_PID"
wait_until 10 "muxd to reload" mux_log_since "$mark" "reloaded "
wait_until 20 "session 2 down on the stream" has_states 4
# BIRD comes back by itself: what the stream shows from here is not checked
bc disable mux
wait_until 10 "the SSE subscriber to catch up" bash -c \
	"(( \$(grep -c '\"RIS_PEER_STATE\"' '$T/plain.sse') >= 4 ))"
say "session 1: $n1 messages on the stream; both sessions: $(wc -l <"$T/raw.ndjson")"

python3 - "$T" "$BIRD_ADDR" "$MUX_ADDR" <<'PY' || fail "the stream's raw messages are not what they should be"
import ipaddress, json, sys
T, bird, mux = sys.argv[1:4]
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
raw = [json.loads(l) for l in open(T + "/raw.ndjson") if l.strip()]
check(all(f["type"] == "ris_message" for f in raw), "only ris_message frames")
msgs = [f["data"] for f in raw]
# up to the fourth state change: the two sessions
ends = [i for i, m in enumerate(msgs) if m["type"] == "RIS_PEER_STATE"]
check(len(ends) >= 4, "four state changes: %d" % len(ends))
msgs = msgs[:ends[3] + 1]
with open(T + "/stream.norm", "w") as out:
    for m in msgs:
        out.write(json.dumps({k: v for k, v in m.items() if k != "timestamp"}) + "\n")

TYPES = {"OPEN": 1, "UPDATE": 2, "NOTIFICATION": 3, "KEEPALIVE": 4}
def decoded(m):
    b = bytes.fromhex(m["raw"])
    check(b[:16] == b"\xff" * 16 and int.from_bytes(b[16:18], "big") == len(b) and
          b[18] == TYPES[m["type"]], "raw is the whole %s: %s" % (m["type"], m["raw"][:80]))
    return b[19:]
def nlri4(body):
    wl = int.from_bytes(body[:2], "big")
    al = int.from_bytes(body[2 + wl:4 + wl], "big")
    nl, out = body[4 + wl + al:], []
    while nl:
        n = nl[0]
        o = (n + 7) // 8
        out.append(str(ipaddress.ip_network((nl[1:1 + o] + bytes(4 - o), n))))
        nl = nl[1 + o:]
    return out

def summary(m):
    t = m["type"]
    if t == "RIS_PEER_STATE":
        check("raw" not in m, "RIS_PEER_STATE has no raw")
        return "STATE " + m["state"]
    check(m["host"] == "isp-r" and m["peer"] == bird and m["peer_asn"] == "65172", "peer %s" % m)
    body = decoded(m)
    if t == "OPEN":
        asn = int.from_bytes(body[1:3], "big")
        hold = int.from_bytes(body[3:5], "big")
        check(asn == m["asn"] and hold == m["hold_time"], "OPEN raw %s/%s vs %s" % (asn, hold, m))
        check(asn == (65000 if m["direction"] == "sent" else 65172), "OPEN %s from %s" % (m["direction"], asn))
        return "OPEN " + m["direction"]
    if t == "NOTIFICATION":
        check([body[0], body[1]] == [m["notification"]["code"], m["notification"]["subcode"]],
              "NOTIFICATION raw %s vs %s" % (body[:2].hex(), m))
        return "NOTIFICATION %s %d/%d" % (m["direction"], body[0], body[1])
    if t == "UPDATE":
        ann = [p for a in m.get("announcements", []) for p in a["prefixes"] if ":" not in p]
        check(nlri4(body) == ann, "UPDATE raw NLRI %s vs %s" % (nlri4(body), ann))
        return "UPDATE"
    check(t == "KEEPALIVE" and len(body) == 0, "KEEPALIVE %s" % m)
    return "KEEPALIVE"

seen = [summary(m) for m in msgs]
# collapse each run of UPDATEs
shape = [s for i, s in enumerate(seen) if s != "UPDATE" or i == 0 or seen[i - 1] != "UPDATE"]
session = ["OPEN sent", "OPEN received", "KEEPALIVE", "STATE connected", "UPDATE"]
want = session + ["NOTIFICATION received 6/2", "STATE down"] + session + \
    ["NOTIFICATION sent 6/6", "STATE down"]
# OPEN sent and received may come either way round
norm = lambda s: sorted(s[:2]) + s[2:7] + sorted(s[7:9]) + s[9:]
check(norm(shape) == norm(want), "message sequence:\n  %s\nwant\n  %s" % (shape, want))
ups = [m for m in msgs if m["type"] == "UPDATE"]
pfx = sorted(p for m in ups for a in m.get("announcements", []) for p in a["prefixes"])
check(pfx == sorted(["10.172.0.0/16", "10.172.1.0/24", "2001:db8:172::/48"] * 2), "prefixes %s" % pfx)

sse = [json.loads(l[6:])["data"] for l in open(T + "/plain.sse") if l.startswith("data: ")]
check([m["id"] for m in sse[:len(msgs)]] == [m["id"] for m in msgs], "SSE: the same messages")
check(all("raw" not in m for m in sse), "SSE without includeRaw has no raw")
print("%d messages: %s" % (len(msgs), " | ".join(shape)), file=sys.stderr)
PY
say "every message type both ways with its raw bytes; the subscriber without includeRaw got the same messages"
mux_stop_clean
say "PASS"
