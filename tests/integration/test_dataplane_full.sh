#!/usr/bin/env bash
# alone: 100,000 routes through BIRD, muxd and the kernel take both cores; its sessions hold 9 s
# "fib": "full" end to end, and the clean-up at start. The namespaces of
# test_dataplane (dataplane_lib.sh): ISP A's BIRD announces DP_ROUTES
# (100,000) static /24s, ISP B's 203.0.113.0/24; muxd keeps each view in
# its table (table_base + id, protocol 113):
#   - ISP A's table holds exactly the view's routes: the same prefixes
#     and next hops in the kernel, in the view (the API, lowest path id
#     per prefix) and in what BIRD was told to announce, not just as many;
#     how long the install took is said;
#   - a prefix withdrawn at the ISP leaves the kernel (only it), a new one
#     comes in;
#   - ISP B removed by a reload: its route leaves its table, then mux2,
#     its address and its rules go; back by a reload, they return, and the
#     vnet's packets via instance B's address reach ISP B's host again;
#     ISP A's session and table are never disturbed;
#   - while it installs, neither BGP session resets (muxd's own counts of
#     transitions, with a 9 s hold time: a loop held longer would drop them);
#   - muxd killed (-9) and started with ISP B removed from its
#     configuration and instance A on B's old address (still on the killed
#     run's mux2): the killed run's routes, rules and both macvlans go
#     (ISP B's table is empty, its rule and mux2 gone), the operator's two
#     macvlans on the client interface stay (one with muxd's MAC prefix but
#     another name, one named like an instance but with another MAC), and
#     ISP A's table holds the view's routes exactly once again;
#     /api/v1/dataplane and /metrics count what the kernel holds, no error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dataplane_lib.sh"

N=${DP_ROUTES:-100000}
GONE=20.0.77.0/24          # withdrawn at ISP A
NEW=198.51.100.0/24        # announced by ISP A later
TA=$((TABLE_BASE + 1))
TB=$((TABLE_BASE + 2))
API=http://127.0.0.1:8179

dp_namespaces dpf-$$
# The operator's macvlans on the client interface, which muxd must leave.
ip -n "$NS_M" link add op0 link vnets0 address 02:62:6d:78:00:05 type macvlan ||
	fail "cannot create the operator's macvlan op0"
ip -n "$NS_M" link add mux9 link vnets0 address 02:00:5e:00:00:09 type macvlan ||
	fail "cannot create the operator's macvlan mux9"

# routes_file FILE [EXTRA-PREFIX] — ISP A's static routes: N /24s from
# 20.0.0.0, but GONE when FILE is the later one, plus EXTRA-PREFIX.
routes_file() {
	python3 - "$N" "$1" "${2:-}" "$GONE" <<'PY' || fail "cannot write $2"
import sys
n, out, extra, gone = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with open(out, "w") as f:
    for i in range(n):
        p = "%d.%d.%d.0/24" % (20 + (i >> 16), (i >> 8) & 255, i & 255)
        if not (extra and p == gone):
            f.write("route %s unreachable;\n" % p)
    if extra:
        f.write("route %s unreachable;\n" % extra)
PY
}
routes_file "$T/isp-a.routes"
ISP_HOLD=9
isp_start isp-a "$NS_A" 10.201.1.2 65010 "$T/isp-a.routes"
isp_start isp-b "$NS_B" 10.201.2.2 65020
# ISP B's host, which the vnet reaches from its own address through
# instance B (the way back: the mux's connected 10.201.0.0/24).
HOST=203.0.113.10
ip -n "$NS_B" addr add "$HOST/32" dev lo
ip -n "$NS_B" route add 10.201.0.0/24 via 10.201.2.1
answer_start "$NS_B" "$HOST" isp-b
ip -n "$NS_V" route add "$HOST/32" via 10.201.0.12
answers_b() { [[ $(fetch "$NS_V" "$HOST" 10.201.0.2) == isp-b ]]; }

# kernel_count TABLE — muxd's routes in TABLE.
kernel_count() { ip -n "$NS_M" route show table "$1" proto 113 | wc -l; }
has_n() { (($(kernel_count "$1") == $2)); }

# same_as_view TABLE VIEW NEXT-HOP [WITHOUT] [WITH] — the kernel's table,
# the view's routes (GET /api/v1/views/VIEW/routes, page by page, the
# lowest path id of each prefix) and what ISP A announces (the N /24s via
# NEXT-HOP, WITHOUT withdrawn, WITH added) are the same set of (prefix,
# next hop), each route once in the kernel; prints the count.
same_as_view() {
	ip netns exec "$NS_M" python3 - "$@" "$N" "$API" <<'PY'
import json, subprocess, sys, urllib.parse, urllib.request
n, api = sys.argv[-2:]
table, view, nh, without, extra = (sys.argv[1:-2] + ["", ""])[:5]
# the kernel's table is read while the API answers (each takes seconds)
ip = subprocess.Popen(["ip", "route", "show", "table", table, "proto", "113"],
                      stdout=subprocess.PIPE, text=True)
v, after = {}, None
while True:
    q = {"prefix": "0.0.0.0/0", "match": "longer", "limit": "10000"}
    if after:
        q["after"] = after
    page = json.load(urllib.request.urlopen("%s/api/v1/views/%s/routes?%s" %
                                            (api, view, urllib.parse.urlencode(q))))
    for r in page["routes"]:
        if r["prefix"] not in v or r["path_id"] < v[r["prefix"]][0]:
            v[r["prefix"]] = (r["path_id"], r["next_hop"])
    after = page["next"]
    if not after:
        break
v = {p: hop for p, (_, hop) in v.items()}
k = {}
for line in ip.stdout:          # "20.0.0.0/24 via 10.201.1.2 dev up-a proto 113 ..."
    w = line.split()
    assert w[0] not in k, "route %s twice in table %s" % (w[0], table)
    k[w[0]] = w[2] if w[1] == "via" else None
assert ip.wait() == 0, "ip route show table %s failed" % table
want = {"%d.%d.%d.0/24" % (20 + (i >> 16), (i >> 8) & 255, i & 255): nh
        for i in range(int(n))}
want.pop(without, None)
if extra:
    want[extra] = nh
for name, got in (("kernel", k), ("view", v)):
    if got != want:
        more = sorted(set(got.items()) - set(want.items()))[:3]
        less = sorted(set(want.items()) - set(got.items()))[:3]
        sys.exit("%s table %s: %d routes, want %d; extra %s, missing %s" %
                 (name, table, len(got), len(want), more, less))
print(len(k))
PY
}

# dp_status TABLE ROUTES — /api/v1/dataplane and /metrics count ROUTES in
# TABLE, nothing pending, no refusal, no netlink error.
dp_status() {
	ip netns exec "$NS_M" python3 - "$1" "$2" "$API" <<'PY'
import json, sys, urllib.request
table, routes, api = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
d = json.load(urllib.request.urlopen(api + "/api/v1/dataplane"))
t = [x for x in d["tables"] if x["table"] == table]
assert len(t) == 1, "no table %d in %s" % (table, d)
t = t[0]
assert (t["routes"], t["pending"], t["errors"]) == (routes, 0, 0), t
m = urllib.request.urlopen(api + "/metrics").read().decode().splitlines()
want = 'bgpmux_dataplane_routes{table="%d",upstream="%s"} %d' % (table, t["upstream"], routes)
assert want in m, [l for l in m if "dataplane" in l]
assert "bgpmux_dataplane_netlink_errors_total 0" in m, [l for l in m if "netlink" in l]
PY
}

# ------------------------------------------------------ the full table
mux_json "$T/muxd.json" fib=full
mux_start "$T/muxd.json"
wait_until 60 "muxd's sessions with both ISPs" \
	eval 'mux_up "view isp-a peer" && mux_up "view isp-b peer"'
wait_until 120 "table $TA to hold $N routes" has_n "$TA" "$N"
FULL_MS=$(date +%s%3N)
# log_ms REGEX — when muxd logged the first line matching, in ms.
log_ms() { date -d "$(grep -m 1 -E -- "$1" "$MUX_LOG" | cut -d' ' -f1)" +%s%3N; }
UP_MS=$(log_ms 'view isp-a peer [^ ]+: OpenConfirm -> Established')
EOR_MS=$(log_ms 'view isp-a: End-of-RIB')
say "install: ISP A's $N routes in muxd $((EOR_MS - UP_MS)) ms after the session came up (End-of-RIB), all in table $TA $((FULL_MS - UP_MS)) ms after it (polled, a read of the table takes about a second)"
wait_until 20 "table $TB to hold ISP B's route" has_n "$TB" 1
got=$(same_as_view "$TA" isp-a 10.201.1.2) || fail "table $TA is not the view"
[[ $(ip -n "$NS_M" route show table "$TB" proto 113) == "203.0.113.0/24 via 10.201.2.2 "* ]] ||
	fail "table $TB is not ISP B's 203.0.113.0/24: $(ip -n "$NS_M" route show table "$TB")"
dp_status "$TA" "$N" || fail "the status of table $TA"
say "table $TA: the kernel, the view and ISP A's announcements are the same $got routes; table $TB: ISP B's"

# ------------------------------------------------- withdraw, announce
routes_file "$T/isp-a.routes" "$NEW"
_bc isp-a configure >/dev/null || fail "birdc configure failed"
# changed — one read of the table: NEW in it, GONE not.
changed() {
	local r
	r=$(ip -n "$NS_M" route show table "$TA" proto 113)
	[[ $r == *$'\n'"${NEW%/*}/24 "* && $r != *$'\n'"${GONE%/*}/24 "* ]]
}
wait_until 30 "$GONE to leave table $TA and $NEW to come" changed
same_as_view "$TA" isp-a 10.201.1.2 "$GONE" "$NEW" >/dev/null ||
	fail "table $TA is not the view after the withdrawal"
dp_status "$TA" "$N" || fail "the status of table $TA after the withdrawal"
s="1 up, 0 down"
[[ $(mux_sessions "view isp-a peer") == "$s" && $(mux_sessions "view isp-b peer") == "$s" ]] ||
	fail "a session reset: A $(mux_sessions "view isp-a peer"), B $(mux_sessions "view isp-b peer")"
say "$GONE withdrawn at ISP A left table $TA, $NEW came; both sessions stayed up ($s)"

# ------------------------------------- ISP B removed by a reload, back
# A removed upstream's routes leave its table with its view, then its
# identity goes; back, it returns and its view fills the table again.
# identity_b — mux2 with its MAC and address, its rule to table TB.
identity_b() {
	ip -n "$NS_M" -o link show mux2 2>/dev/null | matches 'link/ether 02:62:6d:78:00:02 ' &&
		ip -n "$NS_M" -o addr show dev mux2 | matches ' 10\.201\.0\.12/32 ' &&
		ip -n "$NS_M" rule show | matches "^1000:.* iif mux2 lookup $TB"
}
no_identity_b() {
	! ip -n "$NS_M" link show mux2 >/dev/null 2>&1 &&
		! ip -n "$NS_M" -o addr show | matches ' 10\.201\.0\.12/32 ' &&
		! ip -n "$NS_M" rule show | matches -E "mux2|lookup $TB\b"
}
wait_until 15 "the vnet's packets via instance B to reach ISP B's host" answers_b
cp "$T/muxd.json" "$T/both.json"
DP_UPSTREAMS=isp-a mux_json "$T/muxd.json" fib=full
kill -HUP "$MUX_PID"
wait_until 20 "table $TB to empty after ISP B left by a reload" has_n "$TB" 0
wait_until 10 "mux2, its address and its rule to go after its routes" no_identity_b
answers_b && fail "the vnet's packets via instance B still reach ISP B after it left"
cp "$T/both.json" "$T/muxd.json"
kill -HUP "$MUX_PID"
wait_until 10 "mux2, its address and its rule back" identity_b
wait_until 30 "table $TB to hold ISP B's route again" has_n "$TB" 1
[[ $(ip -n "$NS_M" route show table "$TB" proto 113) == "203.0.113.0/24 via 10.201.2.2 "* ]] ||
	fail "table $TB is not ISP B's 203.0.113.0/24: $(ip -n "$NS_M" route show table "$TB")"
wait_until 15 "the vnet's packets via instance B to reach ISP B's host again" answers_b
has_n "$TA" "$N" || fail "table $TA changed while ISP B left and came back"
[[ $(mux_sessions "view isp-a peer") == "1 up, 0 down" ]] ||
	fail "ISP A's session was disturbed by the reloads: $(mux_sessions "view isp-a peer")"
dp_status "$TA" "$N" || fail "the status of table $TA after the reloads"
mux_log_has 'refused' && fail "a refusal in muxd's log: $(grep refused "$MUX_LOG" | head -n 3)"
say "ISP B removed by a reload: its route left table $TB, then mux2, its address and rule; back by a reload: all of them, and the vnet reaches ISP B's host through instance B again; ISP A's session (1 up, 0 down) and its $N routes untouched"

# --------------------------------------- killed, started without ISP B
stop_pid "$MUX_PID" KILL 10
[[ $(kernel_count "$TB") == 1 ]] && ip -n "$NS_M" link show mux2 >/dev/null 2>&1 ||
	fail "muxd killed: ISP B's route and mux2 are not there to clean"
DP_UPSTREAMS=isp-a mux_json "$T/a-only.json" fib=full
# ... and instance A takes B's address, which the killed run left on mux2.
python3 - "$T/a-only.json" <<'PY' || fail "cannot edit a-only.json"
import json, sys
c = json.load(open(sys.argv[1]))
c["upstreams"][0]["instance"]["address"] = "10.201.0.12"
json.dump(c, open(sys.argv[1], "w"))
PY
mux_start "$T/a-only.json"
wait_until 20 "muxd to clean what the killed run left" mux_log_has 'dataplane: start: removed'
mux_log_has "dataplane: start: removed $((N + 1)) route\(s\), 6 rule\(s\), 2 link\(s\)" ||
	fail "not the killed run's $((N + 1)) routes, 6 rules, 2 links: $(grep 'start: removed' "$MUX_LOG")"
[[ $(ip -n "$NS_M" route show table "$TB") == "" ]] || fail "table $TB is not empty"
ip -n "$NS_M" rule show | matches -E "mux2|lookup $TB" && fail "a rule of mux2 is left"
ip -n "$NS_M" link show mux2 >/dev/null 2>&1 && fail "mux2 is left"
ip -n "$NS_M" -o addr show dev mux1 | matches ' 10\.201\.0\.12/32 ' ||
	fail "mux1 does not have instance A's new address 10.201.0.12"
for l in op0 mux9; do
	ip -n "$NS_M" link show "$l" >/dev/null 2>&1 || fail "the operator's macvlan $l is gone"
done
wait_until 60 "muxd's session with ISP A" mux_up "view isp-a peer"
wait_until 120 "table $TA to hold $N routes again" has_n "$TA" "$N"
same_as_view "$TA" isp-a 10.201.1.2 "$GONE" "$NEW" >/dev/null ||
	fail "table $TA is not the view after the restart"
dp_status "$TA" "$N" || fail "the status of table $TA after the restart"
[[ $(ip -n "$NS_M" rule show | grep -c '^1000:') == 2 ]] ||
	fail "not exactly 2 rules at priority 1000: $(ip -n "$NS_M" rule show)"
mux_log_has 'refused' && fail "a refusal in muxd's log: $(grep refused "$MUX_LOG" | head -n 3)"
say "muxd killed and started without ISP B, instance A on B's old address: the $((N + 1)) routes, 6 rules, mux1 and mux2 the killed run left are gone, the operator's op0 and mux9 stay, table $TA holds the view's $N routes once"

# ---------------------------------------------------------------- stop
stop_pid "$MUX_PID" TERM 20 || fail "muxd did not stop on SIGTERM"
((STOP_RC == 0)) || fail "muxd exited with $STOP_RC"
ip -n "$NS_M" link del op0
ip -n "$NS_M" link del mux9
nothing_left "after muxd stopped"
say "muxd stopped: nothing of its own is left"
