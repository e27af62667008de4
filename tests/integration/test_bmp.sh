#!/usr/bin/env bash
# BMP export (RFC 7854) to a real collector: pmacct's pmbmpd from Debian
# (127.0.72.100 port 1790, every message logged as JSON). BIRD 2 (AS 65072,
# 127.0.72.11) announces V4 IPv4 + V6 IPv6 generated routes (origins, MEDs,
# standard and large communities) to muxd's view isp-b. Asserts, from what
# pmbmpd logged:
#   1. Initiation with muxd's sysName and sysDescr; Peer Up for the upstream
#      (its address, AS, BGP ID; muxd's local address, remote port 179);
#   2. the routes replayed from its Route Monitoring messages equal, path by
#      path (prefix, AS path, origin, next hop, MED, standard and large
#      communities), what the upstream was told to announce (mux_tables.py
#      expect, never muxd) and what muxd holds (routes.json);
#   3. the same after the upstream withdraws a subset;
#   4. the upstream resets its session: Peer Down (the upstream's
#      NOTIFICATION, reason 3), Peer Up again, the same table;
#   5. the collector is killed (SIGKILL) and started again: muxd reconnects
#      and the new collector gets Initiation, Peer Up, the whole table and a
#      Statistics Report with the route counts (and the duplicate and
#      treat-as-withdraw counters, 0 here);
#   6. SIGTERM: Peer Down (reason 1, muxd's Cease) and Termination.
# Addresses: 127.0.72.0/24 (muxd 127.0.72.1, BIRD 127.0.72.11, pmbmpd
# 127.0.72.100), instance 127.0.73.1.
V4=${V4:-300}
V6=${V6:-200}
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.72.1
COLLECTOR=127.0.72.100
UP=isp_b
SLOT=15
BC=(python3 "$TOOLS/bmp_check.py")

command -v pmbmpd >/dev/null || fail "pmbmpd not installed (scripts/deps.sh installs pmacct)"
peer_add "$UP" bird 127.0.72.11 65072 "$SLOT" passive
claim_addrs 127.0.72.1 127.0.72.11 127.0.72.100 127.0.73.1
bird_start "$UP"
wait_until 30 "BIRD to listen" listening 127.0.72.11 179

# pm_start LOG — pmbmpd logging every BMP message to $T/LOG.
pm_start() {
	PM_LOG=$T/$1
	cat >"$T/pmbmpd.conf" <<EOF
daemonize: false
bmp_daemon_ip: $COLLECTOR
bmp_daemon_port: 1790
bmp_daemon_msglog_file: $PM_LOG
bmp_daemon_msglog_output: json
logfile: $T/pmbmpd.log
EOF
	spawn pmbmpd "$T/pmbmpd.out" pmbmpd -f "$T/pmbmpd.conf"
	PM_PID=$LAST_PID
	wait_until 20 "pmbmpd to listen" listening "$COLLECTOR" 1790
	say "pmbmpd started (pid $PM_PID), logging to $1"
}
pm_start bmp1.json

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2], "listen_port": 179,
           "upstreams": [{"name": "isp-b",
                          "peer": {"address": "127.0.72.11", "asn": 65072, "port": 179},
                          "local_address": "127.0.72.1",
                          "families": ["ipv4-unicast", "ipv6-unicast"],
                          "instance": {"address": "127.0.73.1", "port": 179}}],
           "bmp": [{"address": "127.0.72.100", "port": 1790}]}, open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 10 "muxd's BMP writer thread, named bmp" mux_thread "bmp"

# ------------------------------------------------------------ expectations

# want.json, want_wd.json: what the generator told BIRD to announce, before
# and after the withdrawal (mux_tables.py's expectation, never muxd's).
"${BC[@]}" expect "$T" --daemon bird --asn 65072 --slot "$SLOT" --v4 "$V4" --v6 "$V6" ||
	fail "cannot compute the expectations"
N_WD=$(grep -o '/' "$T/want_wd.json" | wc -l)

# msgs TYPE — pmbmpd's messages of that type so far (JSON lines).
msgs() { "${BC[@]}" msgs "$PM_LOG" "$1"; }
nmsgs() { grep -c "\"bmp_msg_type\": \"$1\"" "$PM_LOG"; }

# collector_has WANT — the collector's table equals $T/WANT.json (quietly).
collector_has() { "${BC[@]}" has "$PM_LOG" 127.0.72.11 "$T/$1.json"; }

# check_tables NAME WANT — the collector's table against the upstream's
# announcements and against muxd's view, path by path, loudly.
check_tables() {
	mux_dump
	"${BC[@]}" verify "$1" "$PM_LOG" 127.0.72.11 "$T/$2.json" "$ROUTES_JSON" isp-b ||
		fail "$1: the collector's routes differ (above)"
}

# check_peer_up — the last Peer Up describes the upstream session.
check_peer_up() {
	msgs peer_up | tail -n 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
want = {"peer_ip": "127.0.72.11", "peer_asn": 65072, "bgp_id": "127.0.72.11",
        "local_ip": "127.0.72.1", "remote_port": 179, "is_post": 0}
bad = {k: (v, m.get(k)) for k, v in want.items() if m.get(k) != v}
sys.exit("Peer Up differs (want, got): %s" % bad if bad else 0)' || fail "wrong Peer Up"
}

# ------------------------------------------------------------ 1, 2: the table

wait_until 60 "the collector to hold every route of the upstream" collector_has want
msgs init | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["bmp_init_info_sysname"] and "bgpmux" in m["bmp_init_info_sysdescr"], m' ||
	fail "Initiation without sysName or sysDescr"
check_peer_up
check_tables full want
say "collector: Initiation, Peer Up and the upstream's routes"

# ------------------------------------------------------------ 3: withdrawal

bird_withdraw "$UP"
wait_until 60 "the collector to see the withdrawals" collector_has want_wd
check_tables withdrawn want_wd

# ------------------------------------------------------- 4: a session reset

ups=$(nmsgs peer_up)
bird_restart "$UP"
wait_until 30 "a Peer Down at the collector" eval '(( $(nmsgs peer_down) >= 1 ))'
msgs peer_down | tail -n 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
sys.exit(0 if m["reason_type"] == 3 and m["peer_ip"] == "127.0.72.11" else "Peer Down: %s" % m)' ||
	fail "the Peer Down does not carry the upstream's NOTIFICATION (reason 3)"
wait_until 30 "a new Peer Up" eval "(( \$(nmsgs peer_up) > $ups ))"
check_peer_up
wait_until 60 "the collector to hold the table again" collector_has want_wd
# the collector's log keeps the routes of before the reset; muxd's view must
# have the whole table again before the two are compared
view_has_all() {
	mux_dump
	[[ $(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(v["route_count"] for v in d["views"] if v["name"] == "isp-b"))' "$ROUTES_JSON") == "$N_WD" ]]
}
wait_until 60 "muxd's view to hold the table again" view_has_all
check_tables reset want_wd
say "session reset: Peer Down (reason 3), Peer Up, the table again"

# --------------------------------------------- 5: the collector goes away

stop_pid "$PM_PID" KILL 5
say "pmbmpd killed"
mark=$(mux_log_lines)
pm_start bmp2.json
wait_until 60 "muxd to reconnect to the collector" mux_log_since "$mark" "bmp collector .*: connected"
wait_until 60 "the new collector to hold the whole table" collector_has want_wd
((${#PM_LOG} > 0 && $(nmsgs init) == 1 && $(nmsgs peer_up) == 1)) ||
	fail "the new collector got $(nmsgs init) Initiation and $(nmsgs peer_up) Peer Up, want 1 each"
check_peer_up
check_tables resync want_wd
n_wd=$N_WD
wait_until 30 "a Statistics Report" eval '(( $(nmsgs stats) >= 1 ))'
msgs stats | python3 -c '
import json, sys
n = int(sys.argv[1])
seen = {(m["counter_type"], m.get("afi")): m["counter_value"] for m in map(json.loads, sys.stdin)}
assert seen.get((7, None)) == n, seen
assert seen.get((9, 1), 0) + seen.get((9, 2), 0) == n, seen
# duplicates and treat-as-withdraw (BIRD sends none of either)
assert all(seen.get((t, None)) == 0 for t in (1, 2, 11, 12)), seen' "$n_wd" ||
	fail "the Statistics Report does not count $n_wd routes: $(msgs stats | head -3)"
say "collector restarted: Initiation, Peer Up, the whole table, Statistics Report ($n_wd routes)"

# ---------------------------------------------------------- 6: shutdown

mux_stop_clean
wait_until 10 "Termination at the collector" eval '(( $(nmsgs term) == 1 ))'
msgs peer_down | tail -n 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
sys.exit(0 if m["reason_type"] == 1 else "Peer Down: %s" % m)' ||
	fail "no Peer Down with muxd's NOTIFICATION (reason 1) at shutdown"
say "SIGTERM: Peer Down (reason 1) and Termination"
stop_pid "$PM_PID" INT 5 || true   # pmbmpd ends on SIGINT, not SIGTERM
say "PASS"
