#!/usr/bin/env bash
# Upgrade in place (SIGUSR2, `muxctl upgrade`): a new muxd, started from
# the binary path the old one was started from, takes over every listening
# socket and every Established session, with the views' tables, and the
# old one leaves without a word on any session; a new binary that cannot
# start leaves the old muxd serving.
#   - after each of five upgrades in a row (SIGUSR2, muxctl upgrade,
#     SIGUSR2, SIGUSR2 to another build — muxd-hooks —, SIGUSR2 back to
#     this one) the BGP listener, the instance's listener and the API's
#     are the very same sockets (same inodes), now the new process's; the
#     PID changed and /api/v1/status counts the generation (1 to 6);
#   - the sessions never went down, as the neighbors see them: the BIRD
#     upstream's, the BIRD client's, the FRR client's, both sessions of a
#     multisession client (tests/tools/ms_speaker, IETF dialect: one per
#     family) and a member of a client address range (ms_speaker, one
#     session) are the same TCP 4-tuples and socket inodes (a reconnect
#     makes a new socket), BIRD's own route change counters of the session are
#     unchanged (a reset or the table sent again would move them), FRR's
#     (sessions established, UPDATEs and NOTIFICATIONs received) and the
#     speakers' counts of sessions established and of routes held too,
#     every session stays Established, muxd logs each as "survived the
#     upgrade (handed over)" and the session history (/api/v1/events)
#     has a "handed over (upgrade)" row for each, none of a session down;
#     each client session counts one join in the process that serves it;
#   - the clients' tables (1,000 + 50 routes) are the same after as before
#     (counts and a digest of BIRD's `show route all`, of FRR's routes);
#   - a route the upstream announces during the last upgrade reaches both
#     clients once the new process serves;
#   - the binary replaced by a script that exits 1: SIGUSR2 logs why, the
#     same muxd goes on serving (same PID and generation), the session
#     is untouched (muxd's count of its session changes holds, BIRD stays
#     Established) and goes on (a withdrawal reaches the client), and the
#     listeners accept again;
#   - a client whose AS the new configuration changed is not taken over:
#     logged, its connection closes; the upstream's session goes on.
# Addresses: 127.0.230.0/24 (muxd 127.0.230.1, BIRD 127.0.230.11),
# 127.0.231.1 (the upstream's instance), 127.0.232.12 (the client),
# 127.0.232.14 (the FRR client), 127.0.233.13 (the multisession client),
# 127.0.234.0/24 (the range; its member 127.0.234.5).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.230.1
API=$MUX_ADDR:8230
INST=127.0.231.1
CLIENT=127.0.232.12
FRR_C=127.0.232.14
MS=127.0.233.13
MEMBER=127.0.234.5
SPEAKER=$ROOT/build/tools/ms_speaker
[[ -x $SPEAKER ]] || fail "$SPEAKER not built: run make"
V4=1000
V6=50
peer_add isp bird 127.0.230.11 65230 1 active
claim_addrs "$MUX_ADDR" 127.0.230.11 "$INST" "$CLIENT" "$FRR_C" "$MS" "$MEMBER"

# muxd runs from a copy, so the test can replace "the installed binary".
mkdir -p "$T/bin"
cp "${MUXD_CMD[0]}" "$T/bin/muxd"
cp "${MUXD_CMD[0]}" "$T/bin/muxd.plain"
MUXD_CMD=("$T/bin/muxd")
echo "upgrade-test-token-$$" >"$T/token"
chmod 600 "$T/token"
cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$API", "token_file": "$T/token"},
 "upstreams": [{"name": "isp", "peer": {"address": "127.0.230.11", "asn": 65230},
                "local_address": "$MUX_ADDR", "passive": true,
                "families": ["ipv4-unicast", "ipv6-unicast"],
                "instance": {"address": "$INST"}}],
 "clients": [{"name": "c1", "address": "$CLIENT", "asn": 65232, "upstreams": ["isp"]},
             {"name": "f1", "address": "$FRR_C", "asn": 65235, "upstreams": ["isp"]},
             {"name": "ms", "address": "$MS", "asn": 65233, "upstreams": ["isp"],
              "multisession": "ietf"},
             {"name": "r", "address": "127.0.234.0/24", "asn": 65234, "upstreams": ["isp"]}]}
JSON
mux_start "$T/muxd.json"
# the FRR client: bgpd without zebra (-Z, lab-notes.md); the instance
# sends the upstream's paths unchanged (AS path, next hop), so no
# enforce-first-as. It starts first: it connects once the instance listens.
CF=$T/cfrr
mkdir -p "$CF"
cat >"$CF/bgpd.conf" <<EOC
frr defaults traditional
hostname upgrade-frr
log file $CF/bgpd.log errors
router bgp 65235
 bgp router-id $FRR_C
 no bgp ebgp-requires-policy
 no bgp enforce-first-as
 no bgp network import-check
 neighbor $INST remote-as 65000
 neighbor $INST update-source $FRR_C
 neighbor $INST ebgp-multihop 2
 neighbor $INST timers connect 1
 address-family ipv4 unicast
  neighbor $INST activate
 exit-address-family
 address-family ipv6 unicast
  neighbor $INST activate
 exit-address-family
EOC
spawn "bgpd client" "$CF/stderr" "$FRR_BGPD" -f "$CF/bgpd.conf" -i "$CF/bgpd.pid" \
	--vty_socket "$CF" -Z -S -l "$FRR_C" -p 179 -P 0
cvtysh() { timeout -k 2 30 vtysh --vty_socket "$CF" "$@"; }
bird_start isp
# one route more, announced (enabled) only after the upgrades
cat >>"$T/isp/bird.conf" <<EOC
protocol static late4 { disabled; ipv4 { table t4_isp; };
	route 198.51.100.0/24 blackhole { bgp_next_hop = 192.0.2.99; }; }
EOC
_birdc isp configure >/dev/null || fail "birdc configure failed for the upstream"
wait_until 30 "the upstream session" mux_up "view isp peer"
CB=$T/client
client_bird_start "$CB" "$CLIENT" 65232 "$INST"
cbirdc() { birdc -s "$CB/ctl" "$@"; }
client_count() {
	local t n
	for t in c4 c6; do
		n=$(cbirdc show route count table "$t" | awk '/routes/ { print $1; exit }')
		printf '%s ' "${n:-0}"
	done
}
client_has() { [[ $(client_count) == "$1 " ]]; }
# frr_state — FRR's session to the instance as FRR counts it (its JSON,
# a key a line, in FRR's order; read without python, which costs a second
# a call here): state, UPDATEs and NOTIFICATIONs received, IPv4 and IPv6
# routes held, sessions established
frr_state() {
	cvtysh -c "show bgp neighbors $INST json" 2>/dev/null | grep -oE \
		'"(bgpState|updatesRecv|notificationsRecv|acceptedPrefixCounter|connectionsEstablished)":[^,]*' |
		tr -d '"' | tr '\n' ' '
}
# frr_has "IPV4 IPV6" — Established once, never told a NOTIFICATION, holding those routes
frr_has() {
	local n4=${1% *} n6=${1#* }
	[[ $(frr_state) == "bgpState:Established notificationsRecv:0 updatesRecv:"*" acceptedPrefixCounter:$n4 acceptedPrefixCounter:$n6 connectionsEstablished:1 " ]]
}
# (without the paths' lastUpdate: FRR derives it from its uptime, and it
# moves by a second with no change; a path received again changes its
# version)
frr_digest() {
	cvtysh -c "show bgp ipv4 unicast json detail" -c "show bgp ipv6 unicast json detail" |
		sed -E 's/"lastUpdate":\{[^}]*\},?//g' | sha256sum
}
# the speakers: ms (a session per family) and r's member (one session)
speaker() {
	spawn "speaker $1" "$T/$1.log" "$SPEAKER" --local "$2" --remote "$INST" --asn "$3" \
		--peer-as 65000 --id "$2" --dialect "$4" --family ipv4-unicast \
		--family ipv6-unicast --hold 30 --status "$T/$1.json"
}
speaker ms "$MS" 65233 ietf
speaker member "$MEMBER" 65234 none
# speakers — per speaker "NAME IPv4 IPv6 routes, sessions Established,
# times any was established" (one python for both: it starts slowly)
speakers() {
	python3 -c 'import json, sys
def state(name):
    d = json.load(open("%s/%s.json" % (sys.argv[1], name)))
    s = d["sessions"]
    return "%s %d %d %d %d" % (name, d["ipv4_routes"], d["ipv6_routes"],
                               sum(x["state"] == "Established" for x in s),
                               sum(x["established"] for x in s))
print("; ".join(state(n) for n in ("ms", "member")))' "$T" 2>/dev/null
}
SPEAKERS_WANT="ms 1000 50 2 2; member 1000 50 1 1"
# both ends' sessions as the neighbors' kernels and BIRD see them
connections() {
	ss -Htne state established "( src 127.0.230.11 or src $CLIENT or src $FRR_C or src $MS or src $MEMBER )" |
		awk '{ match($0, /ino:[0-9]+/); print $3, $4, substr($0, RSTART, RLENGTH) }' | sort
}
bird_stats() {
	{ _birdc isp show protocols all mux; cbirdc show protocols all mux; } |
		grep -E "BGP state|Import (updates|withdraws)|Export (updates|withdraws)"
}
# (without BIRD's import times: it derives them from two clocks, and they
# move under load; its import counters tell a route sent again)
client_digest() {
	{ cbirdc show route all table c4; cbirdc show route all table c6; } |
		sed -E 's/ [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? / /' | sha256sum
}
wait_until 30 "the client to hold the view (1000 + 50 routes)" client_has "1000 50"
wait_until 10 "the client to be steady" mux_log_has "client c1 .*sent the whole view"
wait_until 30 "the speakers to hold the view" eval '[[ $(speakers) == "$SPEAKERS_WANT" ]]'
wait_until 30 "the FRR client to hold the view" frr_has "1000 50"
# only a client that had the whole view is handed over: wait for them all
wait_until 10 "every client session to be steady" eval \
	'(($(grep -cE "client (ms|r@127\.0\.234\.5|f1) .*sent the whole view" "$MUX_LOG") == 4))'
CONNS=$(connections)
(($(wc -l <<<"$CONNS") == 6)) ||
	fail "want 6 connections (upstream, 2 clients, ms's two, the member), have: $CONNS"
STATS=$(bird_stats)
[[ $(grep -c "BGP state: *Established" <<<"$STATS") == 2 && $(grep -c "Import updates" <<<"$STATS") -ge 4 ]] ||
	fail "BIRD's statistics lack the sessions' lines: $STATS"
DIGEST=$(client_digest)
FRR_STATE=$(frr_state)
FRR_DIGEST=$(frr_digest)
frr_has "1000 50" && [[ $FRR_DIGEST != "$(sha256sum </dev/null)" ]] ||
	fail "FRR's session or table unreadable: $FRR_STATE"

# status_is PID GENERATION — /api/v1/status names that process and generation.
status_is() {
	curl -s -m 5 "http://$API/api/v1/status" | python3 -c '
import json, sys
d = json.load(sys.stdin)
pid, gen = int(sys.argv[1]), int(sys.argv[2])
ok = d["pid"] == pid and d["generation"] == gen and (d["upgraded_at"] is None) == (gen == 1)
sys.exit(0 if ok else 1)' "$1" "$2"
}
# sockets — "ADDR:PORT inode pid" of each listening socket of ours.
sockets() {
	ss -Htlnpe "( src $MUX_ADDR or src 127.0.231.1 )" |
		awk '{ match($0, /pid=[0-9]+/); p = substr($0, RSTART + 4, RLENGTH - 4);
		       match($0, /ino:[0-9]+/); i = substr($0, RSTART + 4, RLENGTH - 4);
		       print $4, i, p }' | sort
}
inodes() { sockets | awk '{ print $1, $2 }'; }
owners() { sockets | awk '{ print $3 }' | sort -u; }

status_is "$MUX_PID" 1 || fail "status: not pid $MUX_PID, generation 1"
INODES=$(inodes)
(($(wc -l <<<"$INODES") == 3)) || fail "want 3 listeners (BGP, instance, API), have: $INODES"

# upgraded_to GENERATION — the old muxd left, a new one serves the same
# sockets: NEW_PID.
upgraded_to() {
	local gen=$1 old=$MUX_PID line
	wait_until 20 "muxd $old to hand over and leave" eval '! running "$old"'
	line=$(grep -oE "upgrade: the new muxd \(pid [0-9]+, generation $gen\) serves" "$MUX_LOG" | tail -n 1)
	[[ -n $line ]] || fail "no log line naming generation $gen serving"
	NEW_PID=$(grep -oE '[0-9]+' <<<"${line#*pid }" | head -n 1)
	PIDS+=("$NEW_PID")
	PID_NAME[$NEW_PID]="muxd generation $gen"
	running "$NEW_PID" || fail "the new muxd (pid $NEW_PID) is not running"
	[[ $(inodes) == "$INODES" ]] || fail "listeners changed: before $INODES, now $(inodes)"
	[[ $(owners) == "$NEW_PID" ]] || fail "listeners held by $(owners | tr '\n' ' '), not $NEW_PID"
	wait_until 10 "the status to name pid $NEW_PID, generation $gen" status_is "$NEW_PID" "$gen"
	MUX_PID=$NEW_PID
}

# sessions_untouched GENERATION — every session went on through the
# upgrade: same connections, BIRD's, FRR's and the speakers' counters, the
# clients' tables.
sessions_untouched() {
	local n
	n=$(grep -c "survived the upgrade (handed over)" "$MUX_LOG")
	((n == 6 * ($1 - 1))) || fail "generation $1: $n sessions logged as handed over, want $((6 * ($1 - 1)))"
	[[ $(connections) == "$CONNS" ]] || fail "connections changed: before $CONNS, now $(connections)"
	[[ $(speakers) == "$SPEAKERS_WANT" ]] || fail "the speakers: $(speakers), want $SPEAKERS_WANT"
	[[ $(bird_stats) == "$STATS" ]] || fail "BIRD's session counters moved: before $STATS, now $(bird_stats)"
	[[ $(mux_sessions "view isp peer") == "1 up, 0 down" ]] ||
		fail "muxd's upstream session changes: $(mux_sessions "view isp peer")"
	client_has "1000 50" || fail "the client holds $(client_count)after the upgrade"
	[[ $(client_digest) == "$DIGEST" ]] || fail "the client's table changed"
	[[ $(frr_state) == "$FRR_STATE" ]] || fail "FRR's session: before $FRR_STATE, now $(frr_state)"
	[[ $(frr_digest) == "$FRR_DIGEST" ]] || fail "the FRR client's table changed"
	say "generation $1: pid $MUX_PID holds the same 3 listening sockets and all 6 sessions (same connections, BIRD's, FRR's and the speakers' counters, the clients' tables)"
}

# events — the session history (/api/v1/events): "handed over" rows, and
# rows of a session leaving Established
events() {
	curl -s -m 5 "http://$API/api/v1/events?limit=1000" | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
print(sum(e["reason"] == "handed over (upgrade)" and e["old_state"] == e["new_state"] == "Established"
          for e in ev), sum(e["old_state"] == "Established" and e["new_state"] != "Established" for e in ev))'
}
wait_until 5 "the session history of the start" eval '[[ $(events) == "0 "* ]]'
EVENTS0=$(events)

t0=${EPOCHREALTIME/./}
kill -USR2 "$MUX_PID"
upgraded_to 2
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
sessions_untouched 2
grep -E "upgrade: handed [0-9]+ listening sockets, [0-9]+ sessions" "$MUX_LOG" | tail -n 1 >&2
say "SIGUSR2 to generation 2 serving (and checked): $ms ms"

"$ROOT/build/muxctl" -s "$API" -t "$T/token" upgrade >"$T/ctl.out" ||
	fail "muxctl upgrade: $(cat "$T/ctl.out")"
upgraded_to 3
sessions_untouched 3
say "muxctl upgrade: $(cat "$T/ctl.out")"
kill -USR2 "$MUX_PID"
upgraded_to 4
sessions_untouched 4

# another build of muxd (the one with test hooks) takes over, then this
# one again from it
install_muxd() { cp "$1" "$T/bin/muxd.new" && mv "$T/bin/muxd.new" "$T/bin/muxd"; }
install_muxd "${MUXD_HOOKS:-$ROOT/build/muxd-hooks}"
kill -USR2 "$MUX_PID"
upgraded_to 5
sessions_untouched 5
install_muxd "$T/bin/muxd.plain"

# a route the upstream announces during the upgrade (its bytes wait while
# the sessions are frozen) reaches the clients through generation 6
kill -USR2 "$MUX_PID"
_birdc isp enable late4 >/dev/null || fail "birdc enable late4 failed"
upgraded_to 6
t0=${EPOCHREALTIME/./}
wait_until 5 "the route announced during the upgrade at the client" client_has "1001 50"
wait_until 5 "the route announced during the upgrade at the FRR client" frr_has "1001 50"
say "the route announced during the upgrade reached both clients $(((${EPOCHREALTIME/./} - t0) / 1000)) ms after generation 6 served"
[[ $(connections) == "$CONNS" ]] || fail "connections changed: before $CONNS, now $(connections)"
(($(grep -c "survived the upgrade (handed over)" "$MUX_LOG") == 30)) ||
	fail "not 6 sessions logged as handed over per upgrade"
# the history goes on: a "handed over" row per session and upgrade, no
# session went down
wait_until 5 "the session history to hold 30 handed-over rows" eval \
	'[[ $(events) == "30 ${EVENTS0#* }" ]]'
# the client sessions as generation 6 counts them: each handed over, one
# join each (a process counts its own joins)
mux_dump
joins=$(python3 -c 'import json, sys
i = json.load(open(sys.argv[1]))["instances"][0]
print(" ".join(sorted("%s:%d:%d" % (c["name"], c["session_id"], c["joins"]) for c in i["clients"]
                      if c["state"] == "Established")))' "$ROUTES_JSON")
[[ $joins == "c1:1:1 f1:1:1 ms:1:1 ms:2:1 r@127.0.234.5:1:1" ]] || fail "the client sessions at generation 6: $joins"

# ---- the failure path: the new binary exits at once
printf '#!/bin/sh\nexit 1\n' >"$T/bin/muxd.new"
chmod +x "$T/bin/muxd.new"
mv "$T/bin/muxd.new" "$T/bin/muxd"
before=$(mux_sessions "view isp peer")
mark=$(mux_log_lines)
kill -USR2 "$MUX_PID"
wait_until 10 "muxd to log the failed upgrade" mux_log_since "$mark" \
	"upgrade failed: the new muxd \(pid [0-9]+\) exited with status 1.*goes on serving"
tail -n +"$((mark + 1))" "$MUX_LOG" | grep "upgrade failed" >&2
running "$MUX_PID" || fail "muxd $MUX_PID is gone after a failed upgrade"
status_is "$MUX_PID" 6 || fail "status after the failed upgrade: not pid $MUX_PID, generation 6"
[[ $(inodes) == "$INODES" && $(owners) == "$MUX_PID" ]] ||
	fail "listeners after the failed upgrade: $(sockets | tr '\n' ' ')"
_session_same() { [[ $(mux_sessions "view isp peer") == "$before" ]] && bird_established isp; }
holds_for 3 "the upstream session, untouched" _session_same
# the listeners accept again: a new connection to the API is answered
status_is "$MUX_PID" 6 || fail "the API does not answer after the failed upgrade"
# thawed, the sessions read and write again: a withdrawal reaches the client
_birdc isp disable late4 >/dev/null || fail "birdc disable late4 failed"
wait_until 10 "the upstream's withdrawal at the client after the failed upgrade" client_has "1000 50"
wait_until 10 "the upstream's withdrawal at the FRR client after the failed upgrade" frr_has "1000 50"
say "failed upgrade: pid $MUX_PID, generation 6 goes on serving; session untouched ($before)"

# ---- a session the new configuration no longer matches is not taken over
# (the client's AS changed): it closes and its neighbor connects again; the
# upstream's goes on
install_muxd "$T/bin/muxd.plain"
sed -i 's/"asn": 65232/"asn": 65299/' "$T/muxd.json"
upstream_conn() { connections | grep -F "127.0.230.11:"; }
UPSTREAM_CONN=$(upstream_conn)
kill -USR2 "$MUX_PID"
upgraded_to 7
mux_log_has "the session of c1 on instance isp is not taken over \(the neighbor's OPEN no longer matches" ||
	fail "no log line refusing the client's session"
(($(grep -c "survived the upgrade (handed over)" "$MUX_LOG") == 35)) ||
	fail "not the upstream's session, FRR's and the speakers' alone handed over to generation 7"
[[ $(upstream_conn) == "$UPSTREAM_CONN" ]] || fail "the upstream's connection changed: $(upstream_conn)"
wait_until 10 "the client BIRD to lose its session" eval '! cbirdc show protocols mux | matches Established'
# told so: Cease / Other Configuration Change (RFC 4486), not a bare close
# (BIRD's log: its "show protocols" gives only the last error, and BIRD
# connects again within a second, to be told Bad Peer AS)
wait_until 10 "the client BIRD to be told Cease, Other configuration change" \
	matches "Received: Other configuration change" "$CB/bird.log"
say "generation 7: the client whose AS changed was not taken over (told Cease 6/6, it reconnects); the upstream's session went on"
