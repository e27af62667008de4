#!/usr/bin/env bash
# muxctl against a running muxd (BIRD upstream, BIRD client provisioned by
# muxctl itself):
#   - not running: exit 3 and a clear message; usage errors: exit 2;
#   - show views|sessions|instances|clients|events|route|status: aligned
#     tables (cells under their headers) whose values are what BIRD and the
#     API say (a route's extended and large communities too); -j prints
#     the API's JSON;
#   - client add / session reset / client del work end to end at the wire
#     (the BIRD client comes up, is reset with 6/4, is de-configured);
#     error answers (no token, duplicate, unknown) exit 1 with muxd's error.
# Addresses: 127.0.62.0/24 (muxd and API 127.0.62.1:8179, upstream BIRD
# 127.0.62.11), 127.0.63.0/24 (instance 127.0.63.1, client BIRD 127.0.63.12).
V4=${V4:-100}
V6=${V6:-50}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.62.1
INST_ADDR=127.0.63.1
CLIENT_ADDR=127.0.63.12
CLIENT_ASN=4200000998
UP=isp_a
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token
CTL=("$ROOT/build/muxctl" -s "$MUX_ADDR:8179")
claim_addrs 127.0.62.1 127.0.62.11 127.0.63.1 127.0.63.12
echo "ctl-$RANDOM$RANDOM" >"$TOKEN_FILE" && chmod 600 "$TOKEN_FILE"

# ctl ARGS... — run muxctl; CTL_RC, CTL_OUT and CTL_ERR (files) hold the result.
ctl() {
	"${CTL[@]}" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	CTL_RC=$?
	CTL_OUT=$T/ctl.out
	CTL_ERR=$T/ctl.err
}
# ctl_expect RC ARGS... — muxctl exits with RC.
ctl_expect() {
	local want=$1
	shift
	ctl "$@"
	((CTL_RC == want)) || fail "muxctl $*: exit $CTL_RC, want $want; stdout: $(cat "$CTL_OUT"); stderr: $(cat "$CTL_ERR")"
}
# ctl_table PYTHON ARGS... — muxctl ARGS (exit 0) read as a table `t` (list
# of {header: cell}); PYTHON must hold.
ctl_table() {
	local check=$1
	shift
	ctl_expect 0 "$@"
	"$PY" "$TOOLS/ctl_table.py" <"$CTL_OUT" >"$T/table.json" || fail "muxctl $*: not an aligned table: $(cat "$CTL_OUT")"
	"$PY" -c "import json, sys
t = json.load(open(sys.argv[1]))
$check" "$T/table.json" || fail "muxctl $*: the table does not hold: $check
$(cat "$CTL_OUT")"
}

# ------------------------------------------------------ muxd not running

ctl_expect 3 show sessions
grep -q "muxd is not running" "$CTL_ERR" || fail "no clear message when muxd is not running: $(cat "$CTL_ERR")"
not_running=$(head -n 1 "$CTL_ERR")
ctl_expect 2
ctl_expect 2 show nothing
ctl_expect 2 client add vnet-1 asn
ctl_expect 2 session reset
say "muxd not running: exit 3 with '$not_running'; usage errors: exit 2"

# ------------------------------------------------------------------ set-up

api_mux_start 127.0.62.11 13
client_bird_start "$T/client" "$CLIENT_ADDR" "$CLIENT_ASN" "$INST_ADDR"
client_established() { birdc -s "$T/client/ctl" show protocols mux | matches Established; }

# ------------------------------------------------------------------ show

wait_until 20 "the view to hold $up4 + $up6 paths" bash -c \
	"'$ROOT/build/muxctl' -s $MUX_ADDR:8179 show views | grep -Eq '^isp-a +Established .* $up4 +$up6 '"
ctl_table "
assert len(t) == 1, t
v = t[0]
assert v == {'Name': 'isp-a', 'State': 'Established', 'Neighbor': '127.0.62.11', 'AS': '65010',
             'IPv4 paths': '$up4', 'IPv6 paths': '$up6', 'Updates': v['Updates'], 'Upd/s': v['Upd/s'],
             'Flaps': '0'}, v
assert int(v['Updates']) > 0, v" show views
head -n 1 "$CTL_OUT" | matches -E '^Name +State +Neighbor +AS +IPv4 paths +IPv6 paths +Updates +Upd/s +Flaps$' ||
	fail "show views header: $(head -n 1 "$CTL_OUT")"
ctl_expect 0 -j show views
"$PY" - "$CTL_OUT" <<'PY' || fail "-j show views is not the API's JSON: $(cat "$CTL_OUT")"
import json, sys, urllib.request
mine = json.load(open(sys.argv[1]))
api = json.load(urllib.request.urlopen("http://127.0.62.1:8179/api/v1/views"))
def strip(x):
    """without what changes from one second to the next"""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("update_rate", "uptime")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
assert strip(mine) == strip(api), (mine, api)
PY
ctl_table "
assert [(r['Name'], r['Address'], r['Port'], r['Local AS'], r['Next hop'], r['Clients']) for r in t] == \
    [('isp-a', '127.0.63.1', '179', '65000', 'unchanged', '0')], t" show instances

# ------------------------------------------------------------- client add

ctl_expect 1 client add vnet-1 address "$CLIENT_ADDR" asn "$CLIENT_ASN" upstreams isp-a
grep -q "401: writes need the header" "$CTL_ERR" || fail "no token: $(cat "$CTL_ERR")"
ctl_expect 0 -t "$TOKEN_FILE" client add vnet-1 address "$CLIENT_ADDR" asn "$CLIENT_ASN" \
	upstreams isp-a prefixes 184.164.224.0/24,184.164.225.0/24 lifetime 3600
grep -qx "client vnet-1 provisioned" "$CTL_OUT" || fail "client add said: $(cat "$CTL_OUT")"
ctl_expect 1 -t "$TOKEN_FILE" client add vnet-1 address 127.0.63.13 asn 1 upstreams isp-a
grep -q "409: \$.name: a client named \"vnet-1\" exists already" "$CTL_ERR" || fail "duplicate: $(cat "$CTL_ERR")"
ctl_expect 1 -t "$TOKEN_FILE" client add vnet-2 address 127.0.63.13 asn 1 upstreams isp-a colour red
grep -q "400: \$.colour: unknown key" "$CTL_ERR" || fail "unknown key: $(cat "$CTL_ERR")"
wait_until 30 "the client muxctl provisioned to be Established" client_established
say "muxctl client add: the BIRD client is Established"

wait_until 20 "show clients to show the client Established" bash -c \
	"'$ROOT/build/muxctl' -s $MUX_ADDR:8179 show clients | grep -q 'isp-a:Established'"
ctl_table "
assert len(t) == 1, t
c = t[0]
assert (c['Name'], c['Source'], c['Address'], c['AS'], c['Upstreams'], c['Prefixes'], c['State']) == \
    ('vnet-1', 'api', '$CLIENT_ADDR', '$CLIENT_ASN', 'isp-a', '184.164.224.0/24,184.164.225.0/24', 'isp-a:Established'), c
h, m, s = map(int, c['Expires in'].split(':'))
assert 3500 < h * 3600 + m * 60 + s <= 3600, c" show clients
ctl_table "
by = {r['Id']: r for r in t}
assert set(by) == {'isp-a/1', 'isp-a/vnet-1/1'}, by
u, c = by['isp-a/1'], by['isp-a/vnet-1/1']
assert (u['Kind'], u['State'], u['Neighbor'], u['AS']) == ('upstream', 'Established', '127.0.62.11', '65010'), u
assert (c['Kind'], c['State'], c['Neighbor'], c['AS']) == ('client', 'Established', '$CLIENT_ADDR', '$CLIENT_ASN'), c
assert int(u['Rx upd']) > 0 and int(c['Tx upd']) > 0 and u['Info'] == '-', by
assert len(u['Uptime'].split(':')) == 3, u" show sessions
ctl_table "
assert [(r['Name'], r['Clients'], r['Established']) for r in t] == [('isp-a', '1', '1')], t" show instances

# The route BIRD announced, as BIRD shows it.
pfx=$(birdc -s "$T/$UP/ctl" show route table "t4_$UP" | awk '$1 ~ /\/[0-9]+$/ {print $1; exit}')
bird_path=$(birdc -s "$T/$UP/ctl" show route all table "t4_$UP" "$pfx" | awk '/BGP.as_path:/ {$1=""; print}' | xargs)
ctl_table "
assert len(t) == 1, t
r = t[0]
assert (r['View'], r['Prefix'], r['Path id'], r['AS path']) == ('isp-a', '$pfx', '0', ' '.join(['65010'] + '$bird_path'.split())), r" \
	show route "$pfx"
# A route with extended and large communities: muxctl shows both, the
# extended ones as the API renders them, the large ones as BIRD holds them.
api_ok GET "/api/v1/views/isp-a/routes?prefix=0.0.0.0/0&match=longer"
"$PY" - "$API_BODY" >"$T/comm.txt" <<'PY' || fail "no IPv4 route of the upstream has extended and large communities"
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["routes"]
     if r.get("ext_communities") and r.get("large_communities")][0]
print(r["prefix"])
print(" ".join(r["ext_communities"]))
PY
cpfx=$(sed -n 1p "$T/comm.txt")
cext=$(sed -n 2p "$T/comm.txt")
clarge=$(birdc -s "$T/$UP/ctl" show route all table "t4_$UP" "$cpfx" |
	awk '/BGP.large_community:/ {$1=""; print}' | "$PY" -c '
import re, sys
print(" ".join(sorted(":".join(m) for m in re.findall(r"\((\d+), (\d+), (\d+)\)", sys.stdin.read()))))')
[[ -n $clarge ]] || fail "BIRD shows no large community for $cpfx"
ctl_table "
assert len(t) == 1, t
r = t[0]
assert r['Ext communities'] == '$cext', (r, '$cext')
assert ' '.join(sorted(r['Large communities'].split())) == '$clarge', (r, '$clarge')" show route "$cpfx"
head -n 1 "$CTL_OUT" | matches -E ' +Communities +Ext communities +Large communities$' ||
	fail "show route header: $(head -n 1 "$CTL_OUT")"
host=$("$PY" -c "import ipaddress; print(ipaddress.ip_network('$pfx')[1])")
ctl_table "assert t and t[-1]['Prefix'] == '$pfx', t" show route "$host/32" isp-a covering
ctl_table "assert len(t) == $up6, len(t)" show route ::/0 longer
ctl_expect 1 show route "$pfx" isp-z
grep -q "404: no view is named" "$CTL_ERR" || fail "unknown view: $(cat "$CTL_ERR")"
ctl_table "
assert len(t) == 5, t
assert all(' -> ' in r['Change'] and r['Time'][:2] == '20' for r in t), t" show events 5
ctl_table "
assert any(r['Peer'] == 'instance isp-a client vnet-1 $CLIENT_ADDR' and r['Change'] == 'OpenConfirm -> Established' for r in t), t
assert any(r['Peer'] == 'view isp-a peer 127.0.62.11' and r['Change'] == 'OpenConfirm -> Established' for r in t), t" show events 100
ctl_expect 0 -j show events 3
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["events"]) == 3' "$CTL_OUT" || fail "-j show events: $(cat "$CTL_OUT")"
ctl_table "
assert len(t) == 1, t
s = t[0]
assert (s['AS'], s['Router id'], s['Peers'], s['Views'], s['Instances'], s['Clients'],
        s['Provisioned'], s['Sessions'], s['Writes'], s['Store'], s['Generation'], s['Upgraded']) == \
    ('65000', '192.0.2.1', '0', '1', '1', '1', '1', 'Established 2', 'yes', 'yes', '1', 'never'), s
assert len(s['Uptime'].split(':')) == 3, s" show status
head -n 1 "$CTL_OUT" | matches -E '^AS +Router id +Uptime +Peers +Views +Instances +Clients +Provisioned +Sessions +Writes +Store +Generation +Upgraded$' ||
	fail "show status header: $(head -n 1 "$CTL_OUT")"
ctl_expect 0 -j show status
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["asn"] == 65000 and d["sessions"]["Established"] == 2, d' "$CTL_OUT" ||
	fail "-j show status: $(cat "$CTL_OUT")"
say "show views|instances|clients|sessions|route (with extended and large communities)|events|status: aligned tables matching BIRD and the API; -j is the API's JSON"

# --------------------------------------------------- session reset, client del

ctl_expect 0 -t "$TOKEN_FILE" session reset isp-a/vnet-1/1
grep -qx "session isp-a/vnet-1/1 reset (6/4 Cease, Administrative Reset)" "$CTL_OUT" || fail "reset said: $(cat "$CTL_OUT")"
wait_until 15 "the client to be told Administrative Reset" bash -c \
	"birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'administrative reset'"
wait_until 30 "the client to come back" client_established
ctl_expect 1 -t "$TOKEN_FILE" session reset isp-a/nobody/1
ctl_expect 0 -t "$TOKEN_FILE" client del vnet-1
grep -qx "client vnet-1 removed" "$CTL_OUT" || fail "client del said: $(cat "$CTL_OUT")"
wait_until 15 "the client to be told Peer De-configured" bash -c \
	"birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'de-configured'"
ctl_expect 1 -t "$TOKEN_FILE" client del vnet-1
grep -q '404: no client is named "vnet-1"' "$CTL_ERR" || fail "second del: $(cat "$CTL_ERR")"
ctl_table "assert t == [], t" show clients
say "muxctl session reset (6/4 at the client) and client del (6/3 at the client)"

# Without api.token_file (after a reload) the API is read-only.
"$PY" - "$T/muxd.json" <<'PY' || fail "cannot edit muxd.json"
import json, sys
c = json.load(open(sys.argv[1]))
del c["api"]["token_file"]
json.dump(c, open(sys.argv[1], "w"))
PY
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "muxd to reload" mux_log_since "$mark" "reloaded "
ctl_expect 1 -t "$TOKEN_FILE" client add vnet-3 address 127.0.63.14 asn 1 upstreams isp-a
grep -q "403: the API is read-only" "$CTL_ERR" || fail "read-only API: $(cat "$CTL_ERR")"
ctl_expect 0 show views
say "without api.token_file: writes get 403 (read-only), reads work"

mux_stop_clean
ctl_expect 3 show status
say "PASS"
