#!/usr/bin/env bash
# timeout: 600
# Multisession BGP between two muxd (plain peers) and against
# tests/tools/ms_speaker (the project's codec playing a Cisco router or an
# IETF-draft speaker), each scenario checked on the wire: TCP sessions with
# ss, messages in muxd's per-session counters, NOTIFICATIONs in the logs and
# a capture that tshark decodes.
#   1. both single-session: one TCP session;
#   2. Cisco multisession against single-session: no session, 2/7 and a
#      clear log line (both directions);
#   3. both multisession (Cisco, and IETF) with IPv4 and IPv6: two TCP
#      sessions, ids 1 and 2;
#   4. a third family enabled on both: session 3 comes up; sessions 1 and 2
#      keep their TCP connection and uptime and exchange only keepalives;
#   5. single-session with IPv4 up, IPv6 enabled: exactly one hard reset;
#   6. IPv6 reset alone (a malformed UPDATE on it, then a reset by the
#      neighbor): IPv4 untouched;
#   7. redirect honoured (muxd to muxd), and ignored → Redirect Required;
#   8. IETF against a neighbor without capability 68: one ordinary session.
# Addresses: 127.0.100.0/24 (scenario N: muxd A 127.0.100.N1, B .N2).
. "$(dirname "$0")/lib.sh"

SPEAKER=$ROOT/build/tools/ms_speaker
[[ -x $SPEAKER ]] || fail "$SPEAKER not built: run make"
declare -A PID_OF=()

# ms_conf NAME ADDR ASN PEER_ADDR PEER_ASN PASSIVE MODE FAMILIES [FAMILY_PORTS_JSON]
ms_conf() {
	local name=$1
	mkdir -p "$T/$name/var"
	python3 - "$T/$name/muxd.json" "$T/$name/var" "${@:2}" <<'PY' || fail "cannot write $name's config"
import json, os, sys
out, state, addr, asn, paddr, pasn, passive, mode, fams = sys.argv[1:10]
peer = {"name": "n", "peer": {"address": paddr, "asn": int(pasn)}, "local_address": addr,
        "passive": passive == "passive", "hold_time": 30, "connect_retry": 2,
        "multisession": mode, "families": fams.split(",")}
if len(sys.argv) > 10:
    peer["family_ports"] = json.loads(sys.argv[10])
# every muxd its own API address (the default, 127.0.0.1:8179, is one)
cfg = {"asn": int(asn), "router_id": addr, "state_dir": state, "peers": [peer],
       "api": {"listen": addr + ":8179", "token_file": state + "/token"}}
open(state + "/token", "w").write("ms-test-token\n")
os.chmod(state + "/token", 0o600)
json.dump(cfg, open(out, "w"), indent=1)
PY
}

# ms_start NAME — muxd with $T/NAME/muxd.json; its pid in PID_OF[NAME].
ms_start() {
	spawn "muxd $1" "$T/$1/muxd.log" "${MUXD_CMD[@]}" --config "$T/$1/muxd.json"
	PID_OF[$1]=$LAST_PID
	wait_until 10 "muxd $1 to listen" grep -q "bgpmux running" "$T/$1/muxd.log"
}
ms_stop() { stop_pid "${PID_OF[$1]}" TERM 10 || fail "muxd $1 did not stop"; }
ms_reload() { kill -HUP "${PID_OF[$1]}"; wait_until 10 "muxd $1 to reload" grep -q "reloaded" "$T/$1/muxd.log"; }

# ms_status NAME — the peer's status (routes.json after SIGUSR1) as JSON.
ms_status() {
	local f=$T/$1/var/routes.json
	rm -f "$f"
	kill -USR1 "${PID_OF[$1]}"
	_poll 10 test -s "$f" || fail "muxd $1 wrote no routes.json"
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["peers"][0]; p.pop("routes"); print(json.dumps(p))' "$f"
}
# ms_q NAME PYEXPR — evaluate PYEXPR on the status (p = the peer object).
ms_q() { ms_status "$1" | python3 -c "import json,sys; p=json.load(sys.stdin); print($2)"; }
ms_established() { [[ $(ms_q "$1" 'sum(s["state"] == "Established" for s in p["peer"]["sessions"])') == "$2" ]]; }

# tcp_count A B — established TCP connections from A to B (any ports).
tcp_count() { ss -Htn state established "( src $1 and dst $2 )" | wc -l; }
logged() { grep -c -E -- "$2" "$T/$1/muxd.log" || true; }

# pair N MODE_A FAMS_A MODE_B FAMS_B [B_FAMILY_PORTS] — A (active) and B
# (passive) of scenario N, started; A=127.0.100.N1, B=127.0.100.N2.
pair() {
	local n=$1
	A=127.0.100.${n}1 B=127.0.100.${n}2
	ms_conf "a$n" "$A" 65001 "$B" 65002 active "$2" "$3"
	ms_conf "b$n" "$B" 65002 "$A" 65001 passive "$4" "$5" ${6:+"$6"}
	ms_start "b$n"
	ms_start "a$n"
}

capture_start 127.0.100.21 127.0.100.22 127.0.100.31 127.0.100.32 127.0.100.71 127.0.100.72
# ms ports too (dumpcap's filter in lib.sh is port 179 only): a second capture
spawn dumpcap "$T/dumpcap2.log" dumpcap -i lo -B 64 -f "tcp port 1790 and host 127.0.100.72" \
	-w "$T/redirect.pcapng" -q
CAP2_PID=$LAST_PID
wait_until 30 "the second capture to start" grep -qs "^File: " "$T/dumpcap2.log"

# ------------------------------------------------ 1. single against single
pair 1 off ipv4-unicast,ipv6-unicast off ipv4-unicast,ipv6-unicast
wait_until 20 "scenario 1 to establish" ms_established a1 1
holds_for 2 "1: one TCP session" eval '[[ $(tcp_count "$A" "$B") == 1 ]]'
[[ $(ms_q a1 'p["peer"]["summary"]') == "single session (established)" ]] || fail "1: $(ms_q a1 'p["peer"]["summary"]')"
[[ $(ms_q a1 '",".join(p["peer"]["sessions"][0]["families"])') == ipv4-unicast,ipv6-unicast ]] ||
	fail "1: the one session does not carry both families"
say "1: single against single: one TCP session carrying IPv4 and IPv6"
ms_stop a1; ms_stop b1

# ------------------------------------------------ 2. Cisco against single
pair 2 cisco ipv4-unicast,ipv6-unicast off ipv4-unicast,ipv6-unicast
wait_until 20 "A to refuse B with 2/7" grep -q "sent NOTIFICATION 2/7" "$T/a2/muxd.log"
grep -q 'no Cisco multisession capability (131).*refusing with Unsupported Capability (2/7)' "$T/a2/muxd.log" ||
	fail "2: A's log does not say why it refuses"
wait_until 10 "B to see 2/7" grep -q "received NOTIFICATION 2/7" "$T/b2/muxd.log"
holds_for 3 "2: no session coming up" ms_established a2 0
ms_stop a2; ms_stop b2
# and the other way round: the passive side is the Cisco one
pair 2 off ipv4-unicast,ipv6-unicast cisco ipv4-unicast,ipv6-unicast
wait_until 20 "B to refuse A with 2/7" grep -q "sent NOTIFICATION 2/7" "$T/b2/muxd.log"
wait_until 10 "A to see 2/7" grep -q "received NOTIFICATION 2/7" "$T/a2/muxd.log"
ms_established b2 0 || fail "2: a session came up (reverse)"
say "2: Cisco multisession against single-session: no session, 2/7, a clear log line, both ways"
ms_stop a2; ms_stop b2

# ------------------------------------------------ 3 and 4. both multisession
for dialect in cisco ietf; do
	pair 3 "$dialect" ipv4-unicast,ipv6-unicast auto ipv4-unicast,ipv6-unicast
	wait_until 20 "scenario 3 ($dialect): two sessions" ms_established a3 2
	[[ $(tcp_count "$A" "$B") == 2 ]] || fail "3: want two TCP sessions, have $(tcp_count "$A" "$B")"
	ids=$(ms_q a3 '" ".join("%d:%s" % (s["id"], s["families"][0]) for s in sorted(p["peer"]["sessions"], key=lambda s: s["id"]))')
	[[ $ids == "1:ipv4-unicast 2:ipv6-unicast" ]] || fail "3: session ids/families: $ids"
	[[ $(ms_q a3 'p["peer"]["summary"]') == "multisession with 2 sessions (2 established)" ]] ||
		fail "3: summary: $(ms_q a3 'p["peer"]["summary"]')"
	[[ $(ms_q a3 'p["peer"]["sessions"][0]["multisession"]') == "$dialect" ]] || fail "3: dialect"
	say "3: $dialect multisession: two TCP sessions, ids 1 and 2"
	[[ $dialect == ietf ]] && break
	ms_stop a3; ms_stop b3
done

# 4: a third family on both, on the IETF pair still running
# the same session: the same TCP connection, no OPEN, UPDATE or NOTIFICATION
# since (counters; an uptime is a clock)
before=$(ms_q a3 'json.dumps({s["id"]: [s["local_port"], s["messages_received"], s["messages_sent"]] for s in p["peer"]["sessions"]})')
for side in b3 a3; do
	ms_conf "$side" "$([[ $side == a3 ]] && echo "$A" || echo "$B")" "$([[ $side == a3 ]] && echo 65001 || echo 65002)" \
		"$([[ $side == a3 ]] && echo "$B" || echo "$A")" "$([[ $side == a3 ]] && echo 65002 || echo 65001)" \
		"$([[ $side == a3 ]] && echo active || echo passive)" "$([[ $side == a3 ]] && echo ietf || echo auto)" \
		ipv4-unicast,ipv6-unicast,ipv4-vpn
	ms_reload "$side"
done
wait_until 20 "session 3" ms_established a3 3
[[ $(tcp_count "$A" "$B") == 3 ]] || fail "4: want three TCP sessions"
after=$(ms_q a3 'json.dumps({s["id"]: [s["local_port"], s["messages_received"], s["messages_sent"], s["families"]] for s in p["peer"]["sessions"]})')
python3 - "$before" "$after" <<'PY' || fail "4: sessions 1 and 2 were disturbed"
import json, sys
b, a = (json.loads(x) for x in sys.argv[1:3])
assert a["3"][3] == ["ipv4-vpn"], "session 3 carries %s" % a["3"][3]
for sid in ("1", "2"):
    port_b, rx_b, tx_b = b[sid]
    port_a, rx_a, tx_a, _ = a[sid]
    assert port_a == port_b, "session %s: TCP connection changed" % sid
    for k in ("open", "update", "notification", "route_refresh"):
        assert rx_a[k] == rx_b[k] and tx_a[k] == tx_b[k], "session %s: %s exchanged" % (sid, k)
print("sessions 1 and 2: same connections, only keepalives")
PY
say "4: a third family: session 3 Up, sessions 1 and 2 untouched"
# what an operator sees: the API and muxctl, per neighbor and per session
curl -sf "http://$A:8179/api/v1/sessions" | python3 -c '
import json, sys
s = sorted(json.load(sys.stdin), key=lambda e: e["id"])
assert [(e["id"], e["families"], e["state"]) for e in s] == [
    ("n/1", ["ipv4-unicast"], "Established"), ("n/2", ["ipv6-unicast"], "Established"),
    ("n/3", ["ipv4-vpn"], "Established")], s
assert {e["neighbor_summary"] for e in s} == {"multisession with 3 sessions (3 established)"}, s
assert all(e["remote_port"] == 179 and e["local_port"] > 1024 for e in s), s' ||
	fail "4: the API does not show the three sessions as expected"
"$ROOT/build/muxctl" -s "$A:8179" show sessions >"$T/muxctl4.out" || fail "muxctl show sessions failed"
python3 "$TOOLS/ctl_table.py" <"$T/muxctl4.out" | python3 -c '
import json, sys
t = {r["Id"]: r for r in json.load(sys.stdin)}
assert {k: (r["Families"], r["State"], r["Ports"].endswith(">179")) for k, r in t.items()} == {
    "n/1": ("ipv4-unicast", "Established", True), "n/2": ("ipv6-unicast", "Established", True),
    "n/3": ("ipv4-vpn", "Established", True)}, t' || fail "4: muxctl show sessions: $(cat "$T/muxctl4.out")"
say "4: the API and 'muxctl show sessions' show 'multisession with 3 sessions (3 established)', one row per family with its ports"
ms_stop a3; ms_stop b3

# ------------------------------------------------ 5. single, IPv6 enabled
pair 5 off ipv4-unicast,ipv6-unicast off ipv4-unicast
wait_until 20 "scenario 5 (IPv4 only)" ms_established a5 1
[[ $(ms_q a5 '",".join(p["peer"]["sessions"][0]["families"])') == ipv4-unicast ]] || fail "5: families"
ms_conf b5 "$B" 65002 "$A" 65001 passive off ipv4-unicast,ipv6-unicast
ms_reload b5
wait_until 20 "scenario 5 with both families" bash -c \
	"grep -c 'OpenConfirm -> Established' '$T/a5/muxd.log' | grep -qx 2"
holds_for 3 "5: one hard reset, no second" eval '[[ $(logged a5 "OpenConfirm -> Established") == 2 ]]'
wait_until 10 "the session back" ms_established a5 1
[[ $(ms_q a5 '",".join(p["peer"]["sessions"][0]["families"])') == ipv4-unicast,ipv6-unicast ]] || fail "5: families after"
[[ $(logged b5 'capability changed') == 1 && $(logged a5 ': received NOTIFICATION 6/6') == 1 &&
	$(logged a5 'OpenConfirm -> Established') == 2 ]] || fail "5: not exactly one hard reset"
say "5: single session, IPv6 enabled: exactly one hard reset (capability changed), then both families"
ms_stop a5; ms_stop b5

# ------------------------------------------------ 6. IPv6 reset alone
A=127.0.100.61 B=127.0.100.62
ms_conf b6 "$B" 65002 "$A" 65001 passive auto ipv4-unicast,ipv6-unicast
ms_start b6
mkfifo "$T/ctl6"
spawn "speaker 6" "$T/speaker6.log" "$SPEAKER" --local "$A" --remote "$B" --asn 65001 \
	--peer-as 65002 --id "$A" --dialect cisco --family ipv4-unicast=20 --family ipv6-unicast=10 \
	--hold 30 --status "$T/speaker6.json" --control "$T/ctl6"
wait_until 20 "scenario 6: two sessions" ms_established b6 2
routes6() { ms_status b6 >/dev/null; python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["peers"][0]["routes"]; print(sum(":" not in x["prefix"] for x in r), sum(":" in x["prefix"] for x in r))' "$T/b6/var/routes.json"; }
_poll 10 eval '[[ $(routes6) == "20 10" ]]' || fail "6: B has $(routes6) routes, want 20 10"
v4_before=$(ms_q b6 '[s for s in p["peer"]["sessions"] if s["families"] == ["ipv4-unicast"]][0]["remote_port"]')
echo "malformed ipv6-unicast" >"$T/ctl6"
wait_until 10 "B to reset the IPv6 session with 3/1" grep -q "sent NOTIFICATION 3/1" "$T/b6/muxd.log"
_poll 5 eval '[[ $(routes6) == "20 0" ]]' || fail "6: after the malformed UPDATE B has $(routes6), want 20 0"
wait_until 20 "the IPv6 session back" ms_established b6 2
echo "reset ipv6-unicast" >"$T/ctl6"
wait_until 10 "B to see the reset" grep -q "received NOTIFICATION 6/4" "$T/b6/muxd.log"
wait_until 20 "the IPv6 session back again" ms_established b6 2
# and from muxd's side, by family, as an operator would
"$ROOT/build/muxctl" -s "$B:8179" -t "$T/b6/var/token" session reset n ipv6-unicast >"$T/muxctl6.out" ||
	fail "muxctl session reset n ipv6-unicast failed: $(cat "$T/muxctl6.out")"
grep -q "session n/2 reset" "$T/muxctl6.out" || fail "muxctl: $(cat "$T/muxctl6.out")"
wait_until 10 "B to send the reset" grep -q "sent NOTIFICATION 6/4" "$T/b6/muxd.log"
wait_until 20 "the IPv6 session back after muxctl's reset" ms_established b6 2
[[ $(python3 -c 'import json,sys; print(" ".join(s["notification"] for s in json.load(open(sys.argv[1]))["sessions"]))' "$T/speaker6.json") == " 6/4" ]] ||
	fail "6: the speaker saw: $(cat "$T/speaker6.json")"
_poll 10 eval '[[ $(routes6) == "20 10" ]]' || fail "6: B has $(routes6) routes at the end"
v4_after=$(ms_q b6 '[s for s in p["peer"]["sessions"] if s["families"] == ["ipv4-unicast"]][0]["remote_port"]')
[[ $v4_before == "$v4_after" ]] || fail "6: the IPv4 session was reset too"
[[ $(ms_q b6 '[s for s in p["peer"]["sessions"] if s["families"] == ["ipv4-unicast"]][0]["messages_received"]["open"]') == 1 ]] ||
	fail "6: the IPv4 session saw another OPEN"
say "6: a malformed UPDATE, a reset by the neighbor and 'muxctl session reset n ipv6-unicast' reset only IPv6; IPv4 kept its session and its 20 routes"

# ------------------------------------------------ 7. redirect
pair 7 ietf ipv4-unicast,ipv6-unicast auto ipv4-unicast,ipv6-unicast '{"ipv6-unicast": 1790}'
wait_until 20 "scenario 7: two sessions" ms_established a7 2
grep -q "redirects this session to port 1790: closing with Redirecting Now" "$T/a7/muxd.log" ||
	fail "7: A did not log following the redirect"
[[ $(ms_q a7 '[s for s in p["peer"]["sessions"] if s["families"] == ["ipv6-unicast"]][0]["remote_port"]') == 1790 ]] ||
	fail "7: A's IPv6 session is not on port 1790"
[[ $(ss -Htn state established "( src $A and dst $B and dport = :1790 )" | wc -l) == 1 ]] ||
	fail "7: no TCP session to port 1790"
say "7: redirect honoured: the IPv6 session moved to port 1790"
mkfifo "$T/ctl7"
spawn "speaker 7" "$T/speaker7.log" "$SPEAKER" --local 127.0.100.73 --remote "$B" --asn 65003 \
	--peer-as 65002 --id 127.0.100.73 --dialect ietf --family ipv6-unicast --ignore-redirect \
	--hold 30 --status "$T/speaker7.json"
ms_conf b7 "$B" 65002 127.0.100.73 65003 passive auto ipv4-unicast,ipv6-unicast '{"ipv6-unicast": 1790}'
ms_reload b7
wait_until 20 "B to send Redirect Required" grep -q "did not follow our redirect to port 1790: closing with Redirect Required" "$T/b7/muxd.log"
wait_until 10 "the speaker to receive 2/0" bash -c "grep -q '\"notification\": \"2/0\"' '$T/speaker7.json'"
say "7: redirect ignored: Redirect Required (2/0)"
ms_stop a7; ms_stop b7

# ------------------------------------------------ 8. IETF against no multisession
pair 8 ietf ipv4-unicast,ipv6-unicast off ipv4-unicast,ipv6-unicast
wait_until 20 "scenario 8" ms_established a8 1
holds_for 2 "8: one TCP session" eval '[[ $(tcp_count "$A" "$B") == 1 ]]'
[[ $(ms_q a8 'p["peer"]["summary"]') == "single session (established)" ]] || fail "8: summary"
[[ $(ms_q a8 '",".join(p["peer"]["sessions"][0]["families"])') == ipv4-unicast,ipv6-unicast ]] || fail "8: families"
say "8: IETF against a neighbor without capability 68: one ordinary session with both families"
ms_stop a8; ms_stop b8

# ------------------------------------------------ the bytes
stop_pid "$CAP2_PID" INT 15 || fail "the second dumpcap did not stop"
capture_stop
capture_check
# the redirected sessions (port 1790) decode as BGP too, nothing malformed
tshark -r "$T/redirect.pcapng" -d tcp.port==1790,bgp -Y bgp 2>/dev/null | matches "OPEN Message" ||
	fail "no OPEN on the redirected connection"
[[ $(tshark -r "$T/redirect.pcapng" -d tcp.port==1790,bgp -Y "_ws.malformed || _ws.expert.severity >= warning && !tcp.analysis" 2>/dev/null | wc -l) == 0 ]] ||
	fail "tshark finds malformed or warned frames on the redirected connection"
tshark -r "$CAP" -V -Y "bgp.type == 1" 2>/dev/null >"$T/opens.txt"
grep -q "Type: Multisession BGP Capability (Cisco) (131)" "$T/opens.txt" ||
	fail "tshark shows no Multisession (Cisco) capability"
grep -q "Type: Multisession BGP Capability (68)" "$T/opens.txt" ||
	fail "tshark shows no Multisession BGP capability (68)"
# B's answer with R and port 1790: flags 0x40, port 0x06fe
tshark -r "$CAP" -V -Y "bgp.type == 1 && ip.src == 127.0.100.72" 2>/dev/null |
	grep -A2 "Type: Multisession BGP Capability (68)" | matches "4006fe" ||
	fail "no capability 68 with the redirect flag and port 1790 from B"
# the refusal, byte for byte what a Cisco router sends (vectors.md V3)
v3=ffffffffffffffffffffffffffffffff0015030207
tshark -r "$CAP" -Y "bgp.type == 3 && ip.src == 127.0.100.21" -T fields -e tcp.payload 2>/dev/null |
	tr -d ':' | matches -x "$v3" || fail "A's 2/7 NOTIFICATION is not V3's 21 bytes"
say "tshark: 'Multisession BGP Capability (Cisco)' (131) and 'Multisession BGP Capability' (68, with R and port 1790 in B's redirect), the 2/7 refusal as V3's bytes, nothing malformed"
