#!/usr/bin/env bash
# The RIS Live-compatible live stream with a real upstream: BIRD 2
# announces and withdraws through muxd while RIS Live clients watch.
#   - Python's websockets clients (as a RIS Live user would write them)
#     subscribe with filters — prefix with moreSpecific, an AS path
#     pattern, require withdrawals with includeRaw, type OPEN and
#     RIS_PEER_STATE — and each receives exactly the messages an unfiltered
#     client got that match its filter (same ids, same order), in RIS
#     Live's format (type, host, peer, peer_asn as a string, path,
#     community, origin, med, announcements with next_hop/prefixes,
#     withdrawals, timestamp, raw);
#   - ris_subscribe_ok, ris_unsubscribe, request_rrc_list, ping/pong; a
#     bad subscription gets ris_error; the closing handshake; an unmasked
#     client frame is refused with close code 1002;
#   - SSE with curl (/v1/stream?prefix=…) and NDJSON (/v1/stream/?format=json);
#   - a subscriber that stops reading while BIRD sends BULK (20000) UPDATEs
#     in PARTS (4) bursts, each sent once the unfiltered client has the
#     last: the stopped one's queue (4 MiB, about two thirds of the BULK)
#     overflows, while a reading subscriber never has more than one part
#     (~1.3 MB) waiting — a third of the bound, so a reader off the cores
#     for a while (CI runs two tests on two shared cores; one burst of
#     20,000 lost a python reader 27 messages there) still loses nothing.
#     BIRD's session never resets, the unfiltered client gets every
#     UPDATE, and the slow one, once it reads again, gets a ris_error
#     telling how many it lost — received + lost = what the fast one got.
# The stream is served on the API's listener.
# Addresses: 127.0.75.0/24 (muxd 127.0.75.1, BIRD 127.0.75.11, API and
# stream 127.0.75.1:8075) and 127.0.76.0/24 (the instance, 127.0.76.1).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.75.1
BIRD_ADDR=127.0.75.11
STREAM=127.0.75.1:8075
BULK=${BULK:-20000}
PARTS=4
claim_addrs 127.0.75.1 127.0.75.11 127.0.76.1

# ---------------------------------------------------------------- BIRD

# Each route its own attributes, so BIRD sends each in its own UPDATE.
mkdir -p "$T/bird"
python3 - "$T/bird/bird.conf" "$T/bird" "$BULK" "$PARTS" <<'PY' || fail "cannot write bird.conf"
import sys
out, d, bulk, parts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
nh4, nh6 = "bgp_next_hop = 127.0.75.11;", "bgp_next_hop = 2001:db8:75::11;"
def route(p, path, extra, nh):
    pre = " ".join("bgp_path.prepend(%d);" % a for a in reversed(path))
    return "  route %s blackhole { bgp_origin = ORIGIN_IGP; %s %s %s };" % (p, pre, extra, nh)
def static(name, table, routes, disabled=False):
    return "protocol static %s {\n  %s\n  %s { table %s; };\n%s\n}\n" % (
        name, "disabled;" if disabled else "", "ipv" + table[1], table, "\n".join(routes))
conf = ["router id 127.0.75.11;", 'log "%s/bird.log" all;' % d,
        "ipv4 table t4;", "ipv6 table t6;", "protocol device {}"]
conf.append(static("base4", "t4", [
    route("10.75.0.0/16", [64501, 64502], "bgp_community.add((65010,1));", nh4),
    route("10.75.1.0/24", [64501, 64503], "bgp_community.add((65010,2)); bgp_med = 7;", nh4),
    route("10.99.0.0/16", [64600], "", nh4)]))
conf.append(static("base6", "t6", [route("2001:db8:75::/48", [64501], "", nh6)]))
conf.append(static("later4", "t4", [
    route("10.75.2.0/24", [64700, 64501, 64503], "", nh4),
    route("10.98.0.0/16", [64800], "bgp_med = 1;", nh4)], disabled=True))
for n in range(parts):          # bulk4_0 … : the BULK routes in PARTS protocols
    conf.append(static("bulk4_%d" % n, "t4", [
        route("10.200.%d.%d/32" % (i // 256, i % 256), [64900], "bgp_med = %d;" % i, nh4)
        for i in range(n * bulk // parts, (n + 1) * bulk // parts)], disabled=True))
conf.append("""filter to_mux { if defined(bgp_med) then bgp_med = bgp_med; accept; }
protocol bgp mux {
  local 127.0.75.11 as 65010;
  neighbor 127.0.75.1 as 65000;
  multihop; strict bind yes; passive on; disabled;
  hold time 90; connect delay time 1; connect retry time 2;
  ipv4 { table t4; import none; export filter to_mux; next hop keep; };
  ipv6 { table t6; import none; export filter to_mux; next hop keep; };
}""")
open(out, "w").write("\n".join(conf) + "\n")
PY
spawn bird "$T/bird/stderr" bird -f -c "$T/bird/bird.conf" -s "$T/bird/ctl" -P "$T/bird/pid"
bc() { birdc -s "$T/bird/ctl" "$@"; }
wait_until 20 "BIRD to answer" bash -c "birdc -s '$T/bird/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"

# ---------------------------------------------------------------- muxd

cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$STREAM"}, "stream": {"max_queue": 4194304},
 "upstreams": [{"name": "isp-s", "peer": {"address": "$BIRD_ADDR", "asn": 65010},
                "local_address": "$MUX_ADDR", "hold_time": 90, "connect_retry": 1,
                "families": ["ipv4-unicast", "ipv6-unicast"],
                "instance": {"address": "127.0.76.1", "port": 179}}]}
JSON
mux_start "$T/muxd.json"
wait_until 10 "the stream to listen" listening 127.0.75.1 8075
wait_until 10 "the stream's writer thread, named live stream" mux_thread "live stream"

# --------------------------------------------------------- subscribers

URL="ws://$STREAM/v1/ws/?client=bgpmux-test"
# Debian's python3 with python3-websockets (a pyenv python3 may come first
# in PATH without it).
DEBPY=/usr/bin/python3
$DEBPY -c 'import websockets' || fail "python3-websockets is missing: run scripts/deps.sh"
client() {      # client NAME ARGS... — a websockets client writing $T/NAME.jsonl
	local name=$1
	shift
	spawn "client $name" "$T/$name.err" $DEBPY "$TOOLS/ris_client.py" ws "$URL" "$T/$name.jsonl" "$@"
}
client all --sub '{}'
client pfx --sub '{"prefix": "10.75.0.0/16", "moreSpecific": true, "socketOptions": {"acknowledge": true}}'
client path --sub '{"path": "64501,64503$", "type": "UPDATE"}'
client wd --sub '{"require": "withdrawals", "socketOptions": {"includeRaw": true}}'
client ctl --sub '{"type": "OPEN", "host": "isp-s"}' --sub '{"type": "RIS_PEER_STATE"}' \
	--sub '{"type": "UPDATE"}' \
	--send '{"type": "ris_unsubscribe", "data": {"type": "UPDATE"}}' \
	--send '{"type": "request_rrc_list"}' --send '{"type": "ping"}' \
	--send '{"type": "ris_subscribe", "data": {"prefix": "10.0.0.1/8"}}' \
	--send '{"type": "ris_subscribe", "data": {"colour": "blue"}}'
spawn "sse curl" "$T/sse.err" curl -sN -o "$T/sse.txt" "http://$STREAM/v1/stream?prefix=2001:db8::/32&type=UPDATE"
spawn "ndjson curl" "$T/ndjson.err" curl -sN -o "$T/ndjson.txt" "http://$STREAM/v1/stream/?format=json&require=announcements&peer=$BIRD_ADDR"
spawn "slow client" "$T/slow.err" python3 "$TOOLS/ris_client.py" slow 127.0.75.1 8075 "$T/slow.jsonl" "$T/slow.go"
SLOW_PID=$LAST_PID
code=$(curl -s -o "$T/bad.txt" -w '%{http_code}' "http://$STREAM/v1/stream?prefix=2001:db8:75::/40")
[[ $code == 400 ]] && matches "host bits" "$T/bad.txt" ||
	fail "a prefix with host bits: HTTP $code, want 400 saying why"

subscribed() {  # the WebSocket clients have their subscriptions in place
	[[ -s $T/pfx.jsonl ]] && grep -q ris_rrc_list "$T/ctl.jsonl" 2>/dev/null &&
		grep -q slow_ready "$T/slow.jsonl" 2>/dev/null
}
wait_until 15 "the subscribers to connect" subscribed
$DEBPY "$TOOLS/ris_client.py" close "$URL" || fail "the WebSocket closing handshake failed"
$DEBPY "$TOOLS/ris_client.py" bad 127.0.75.1 8075 || fail "an unmasked frame was not refused with 1002"
say "WebSocket: closing handshake answered; an unmasked client frame closed with 1002"
# the other clients' subscriptions are on their way too
_no_frames() { [[ $(cat "$T/all.jsonl" 2>/dev/null | wc -l) == 0 ]]; }
holds_for 1 "the unfiltered client getting no frame before anything happened" _no_frames

# ------------------------------------------------------- BGP, then checks

bc enable mux >/dev/null
wait_until 30 "the session" bash -c "birdc -s '$T/bird/ctl' show protocols mux | grep -q Established"
wait_until 20 "the base routes on the stream" bash -c "grep -q '2001:db8:75::/48' '$T/all.jsonl'"
bc enable later4 >/dev/null
wait_until 20 "10.75.2.0/24 announced" bash -c "grep -q '10.75.2.0/24' '$T/all.jsonl'"
bc disable later4 >/dev/null
wait_until 20 "10.75.2.0/24 withdrawn" bash -c "grep -q '\"withdrawals\":\[[^]]*10.75.2.0/24' '$T/all.jsonl'"
session_before=$(mux_sessions "view isp-s peer")    # a count, not BIRD's "since" time

say "bulk: $BULK UPDATEs in $PARTS parts while the slow subscriber does not read"
t0=$SECONDS
for ((n = 0; n < PARTS; n++)); do
	want=$(((n + 1) * BULK / PARTS))
	bc enable "bulk4_$n" >/dev/null
	wait_until 60 "the unfiltered client to get $want bulk UPDATEs" bash -c \
		"(( \$(grep -c '10\.200\.' '$T/all.jsonl') >= $want ))"
done
say "the unfiltered client got $BULK UPDATEs in $((SECONDS - t0)) s"
touch "$T/slow.go"
# told once its queue is half drained; what follows is no longer dropped
wait_until 20 "the slow client to be told it lost messages" matches dropped_total "$T/slow.jsonl"
bc enable later4 >/dev/null      # more messages after the slow one's queue drained
wait_until 20 "the slow client to finish" bash -c "! kill -0 $SLOW_PID 2>/dev/null"
session_after=$(mux_sessions "view isp-s peer")
[[ $session_before == "$session_after" ]] ||
	fail "BIRD's session changed during the bulk: '$session_before' → '$session_after'"
bc show protocols mux | matches Established || fail "BIRD's session is not Established"
quiet_for 1 "the subscribers' files" "$T"/*.jsonl "$T/sse.txt" "$T/ndjson.txt"

python3 - "$T" "$BIRD_ADDR" <<'PY' || fail "the stream's messages are not what they should be"
import ipaddress, json, sys
T, bird = sys.argv[1], sys.argv[2]
def load(name):
    return [json.loads(l) for l in open("%s/%s.jsonl" % (T, name)) if l.strip()]
def msgs(frames):
    return [f["data"] for f in frames if f["type"] == "ris_message"]
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
def prefixes(m):
    ps = [p for a in m.get("announcements", []) for p in a["prefixes"]]
    return ps + m.get("withdrawals", [])
def seq(m):
    return int(m["id"].rsplit("-", 1)[1], 16)

allm = msgs(load("all"))
ids = [m["id"] for m in allm]
check(len(ids) == len(set(ids)), "ids are unique")
check([seq(m) for m in allm] == sorted(seq(m) for m in allm), "ids in order")
types = {m["type"] for m in allm}
check({"OPEN", "KEEPALIVE", "UPDATE", "RIS_PEER_STATE"} <= types, "message types: %s" % types)
for m in allm:
    check(m["host"] == "isp-s" and m["peer"] == bird and m["peer_asn"] == "65010",
          "host/peer/peer_asn: %s" % m)
    check(isinstance(m["timestamp"], float) and m["timestamp"] > 1.6e9, "timestamp %s" % m)
    check("raw" not in m, "raw without includeRaw")

# one UPDATE as RIS Live shows it
u = [m for m in allm if m["type"] == "UPDATE" and "10.75.1.0/24" in prefixes(m)][0]
want = {"path": [65010, 64501, 64503], "community": [[65010, 2]], "origin": "igp", "med": 7,
        "announcements": [{"next_hop": "127.0.75.11", "prefixes": ["10.75.1.0/24"]}]}
for k, v in want.items():
    check(u.get(k) == v, "10.75.1.0/24: %s is %r, want %r" % (k, u.get(k), v))
check(list(u)[:6] == ["timestamp", "peer", "peer_asn", "id", "host", "type"], "key order %s" % list(u))
u6 = [m for m in allm if "2001:db8:75::/48" in prefixes(m)][0]
check(u6["announcements"][0]["next_hop"] == "2001:db8:75::11", "IPv6 next hop %s" % u6)
opens = [m for m in allm if m["type"] == "OPEN"]
check(sorted(o["direction"] for o in opens) == ["received", "sent"], "OPEN both ways")
rcv = [o for o in opens if o["direction"] == "received"][0]
check(rcv["asn"] == 65010 and rcv["router_id"] == "127.0.75.11" and rcv["hold_time"] == 90
      and rcv["capabilities"]["65"]["asn"] == 65010, "OPEN received: %s" % rcv)
check([m["state"] for m in allm if m["type"] == "RIS_PEER_STATE"] == ["connected"], "peer state")

def within(p, net):
    a, b = ipaddress.ip_network(p), ipaddress.ip_network(net)
    return a.version == b.version and a.subnet_of(b)
def expect(name, pred, at_least):
    got = [m["id"] for m in msgs(load(name))]
    want = [m["id"] for m in allm if pred(m)]
    check(got == want, "%s: got %d messages, want %d: extra %s, missing %s" % (
        name, len(got), len(want), sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5]))
    check(len(got) >= at_least, "%s: only %d messages" % (name, len(got)))
    print("%s: %d messages, exactly the matching ones" % (name, len(got)), file=sys.stderr)

expect("pfx", lambda m: any(within(p, "10.75.0.0/16") for p in prefixes(m)), 4)
def path_ends(m):
    p = m.get("path", [])
    return m["type"] == "UPDATE" and p[-2:] == [64501, 64503]
expect("path", path_ends, 2)
expect("wd", lambda m: bool(m.get("withdrawals")), 1)
expect("ctl", lambda m: m["type"] in ("OPEN", "RIS_PEER_STATE"), 3)

for m in msgs(load("wd")):
    raw = bytes.fromhex(m["raw"])
    check(raw[:16] == b"\xff" * 16 and raw[18] == 2 and int.from_bytes(raw[16:18], "big") == len(raw),
          "raw is the whole UPDATE: %s" % m["raw"][:60])
pf = load("pfx")
check(pf[0]["type"] == "ris_subscribe_ok" and pf[0]["data"]["subscription"]["prefix"] == "10.75.0.0/16",
      "ris_subscribe_ok first: %s" % pf[0])
ctl = load("ctl")
check({"type": "ris_rrc_list", "data": ["isp-s"]} in ctl, "ris_rrc_list")
check(any(f["type"] == "pong" for f in ctl), "pong")
errs = [f["data"]["message"] for f in ctl if f["type"] == "ris_error"]
check(len(errs) == 2 and "prefix" in errs[0] and "colour" in errs[1], "ris_error for bad subscriptions: %s" % errs)

# SSE and NDJSON
sse = [json.loads(l[6:])["data"] for l in open(T + "/sse.txt") if l.startswith("data: ")]
check([m["id"] for m in sse] == [m["id"] for m in allm if m["type"] == "UPDATE" and
      any(within(p, "2001:db8::/32") for p in prefixes(m))] and len(sse) == 1, "SSE: %s" % sse)
nd = [json.loads(l)["data"] for l in open(T + "/ndjson.txt") if l.strip()]
check([m["id"] for m in nd] == [m["id"] for m in allm if m.get("announcements")], "NDJSON")
print("SSE: %d messages, NDJSON: %d messages, as filtered" % (len(sse), len(nd)), file=sys.stderr)

# the slow subscriber
slow = load("slow")[1:]
got = msgs(slow)
notes = [f["data"] for f in slow if f["type"] == "ris_error"]
check(notes and all("dropped" in n for n in notes), "the slow client was told: %s" % notes)
lost = notes[-1]["dropped_total"]
check(sum(n["dropped"] for n in notes) == lost, "dropped counts add up")
last = max(seq(m) for m in got)
fast = [m for m in allm if seq(m) <= last]
check(len(got) + lost == len(fast), "slow: %d received + %d lost != %d sent" % (len(got), lost, len(fast)))
check(lost > 0 and len(got) > 0, "slow: nothing lost")
check(not set(m["id"] for m in got) - set(ids), "slow: ids it got were sent")
print("slow subscriber: received %d, told it lost %d, of %d" % (len(got), lost, len(fast)), file=sys.stderr)
PY
say "the stream's messages are RIS Live's, filtered exactly; the slow subscriber lost messages and was told how many"
mux_stop_clean
say "PASS"
