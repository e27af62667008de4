#!/usr/bin/env bash
# The export sessions of a view host (docs/scaleout.md): muxd with an
# "export" of two instance hosts; GoBGP, configured as one of them with
# l3vpn-ipv4-unicast and l3vpn-ipv6-unicast, ADD-PATH and a TCP-MD5 key,
# peers with it over iBGP: Established with both VPN families, ADD-PATH
# both ways, an End-of-RIB for each; GET /api/v1/export shows it. A
# connection from an address no host has is refused (logged), and a
# speaker that offers no VPN family is refused in its OPEN with
# Unsupported Capability (2/7) naming the families. A second muxd, an
# instance host ("view_host"), holds its session to the view host, and
# its instance serves a client (an empty view for now). A reload adds
# and removes hosts without touching the others; a change of role waits
# for a restart.
# Addresses: 127.0.243.0/24 (the view host), 127.0.244.0/24 (GoBGP,
# strangers), 127.0.245.0/24 (the instance host).
. "$(dirname "$0")/lib.sh"

VH=127.0.243.1 GB=127.0.244.11 STRANGER=127.0.244.100 IH=127.0.245.1
EXPORT_PORT=1179
claim_addrs "$VH" "$GB" "$STRANGER" "$IH"

cat >"$T/viewhost.json" <<EOF || fail "cannot write the view host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.1", "state_dir": "$T/var",
  "api": { "listen": "$VH:8179" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "passive": true, "local_address": "$VH",
      "peer": { "address": "127.0.243.11", "asn": 65010 },
      "instance": { "address": "127.0.243.2" } }
  ],
  "export": {
    "listen": "$VH:$EXPORT_PORT",
    "hosts": [
      { "name": "ih-gobgp", "address": "$GB", "password": "export-secret" },
      { "name": "ih-muxd", "address": "$IH" }
    ]
  }
}
EOF
MUX_ADDR=$VH
mux_start "$T/viewhost.json"
wait_until 20 "the export listener on $VH:$EXPORT_PORT" listening "$VH" "$EXPORT_PORT"

# ---- GoBGP as an instance host: VPNv4 and VPNv6 with ADD-PATH, TCP-MD5
gobgp_vpn_start "$T/gobgp" "$GB" "$VH" "port=$EXPORT_PORT" password=export-secret send_max=8
gb() { gobgp -u "$GB" -p 50051 "$@"; }
gb_state() { gb neighbor "$VH" -j 2>/dev/null | python3 -c "
import json, sys
print(json.load(sys.stdin)['state'].get('session_state', 0))"; }
gb_established() { [[ $(gb_state) == 6 ]]; }

# While GoBGP makes its first connection (seconds: its own delay), the
# checks that need no GoBGP.
# ---- a stranger: refused at accept, as for an unknown peer
python3 - "$STRANGER" "$VH" "$EXPORT_PORT" <<'PY' >"$T/stranger.txt" || fail "the stranger's connection: $(cat "$T/stranger.txt")"
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.settimeout(10)
s.connect((sys.argv[2], int(sys.argv[3])))
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
# Cease (6) / Connection Rejected (5)
print(data.hex())
assert len(data) >= 21 and data[18] == 3 and data[19] == 6 and data[20] == 5, data.hex()
PY
mux_log_has "connection from $STRANGER port [0-9]+ to $VH refused: no instance host is configured with that address" ||
	fail "muxd did not log the stranger's refusal"
say "a connection from $STRANGER (no host has it) is refused with Cease / Connection Rejected"

# ---- an instance host that offers no VPN family: OPEN error 2/7
python3 - "$VH" "$EXPORT_PORT" "$IH" <<'PY' >"$T/novpn.txt" || fail "the speaker without VPN: $(cat "$T/novpn.txt")"
import socket, struct, sys
vh, port, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# OPEN: AS 65000, hold 90, id 192.0.2.77, capabilities MP ipv4-unicast and AS4
caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack("!I", 65000)
opt = bytes([2, len(caps)]) + caps
body = struct.pack("!BHH4sB", 4, 65000, 90, socket.inet_aton("192.0.2.77"), len(opt)) + opt
msg = b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 1) + body
s = socket.socket()
s.bind((me, 0))
s.settimeout(10)
s.connect((vh, port))
s.sendall(msg)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
# skip the view host's OPEN, find its NOTIFICATION
at, notif = 0, None
while at + 19 <= len(data):
    ln, typ = struct.unpack("!HB", data[at + 16:at + 19])
    if typ == 3:
        notif = data[at + 19:at + ln]
    at += ln
print(notif.hex() if notif else data.hex())
want = bytes([2, 7, 1, 4, 0, 1, 0, 128, 1, 4, 0, 2, 0, 128])
assert notif == want, (notif, want)
PY
say "a speaker offering no VPN family gets OPEN error 2/7 naming ipv4-vpn and ipv6-vpn"

# ---- a muxd instance host holds its session to the view host
cat >"$T/instancehost.json" <<EOF || fail "cannot write the instance host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.2", "state_dir": "$T/var-ih",
  "api": { "listen": "$IH:8179" },
  "view_host": { "address": "$VH", "port": $EXPORT_PORT, "local_address": "$IH" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "instance": { "address": "$IH", "port": 1790 } }
  ],
  "clients": [ { "name": "vnet-1", "address": "127.0.245.10", "asn": 65100,
                 "upstreams": ["isp-a"] } ]
}
EOF
mkdir -p "$T/var-ih"
spawn "muxd instance host" "$T/ih.log" "${MUXD_CMD[@]}" --config "$T/instancehost.json"
IH_PID=$LAST_PID
wait_until 30 "GoBGP's session with the view host to be Established" gb_established
say "GoBGP (an export host with TCP-MD5) is Established with the view host"

# Both VPN families negotiated, ADD-PATH both ways (GoBGP's own view).
gb neighbor "$VH" >"$T/gobgp/neighbor.txt" || fail "gobgp neighbor failed"
# (its lines are "FAMILY:<TAB>what")
sed -n '/^ *add-path:/,/^ *enhanced-route-refresh:/p' "$T/gobgp/neighbor.txt" >"$T/gobgp/addpath.txt"
for fam in l3vpn-ipv4-unicast l3vpn-ipv6-unicast; do
	grep -Eq "^ +$fam:[[:space:]]+advertised and received" "$T/gobgp/neighbor.txt" ||
		fail "GoBGP does not show $fam advertised and received: $(cat "$T/gobgp/neighbor.txt")"
	# Local and Remote: both send and receive paths
	(($(grep -Ec "^ +$fam:[[:space:]]+receive/send" "$T/gobgp/addpath.txt") == 2)) ||
		fail "GoBGP does not show ADD-PATH receive/send both ways for $fam: $(cat "$T/gobgp/neighbor.txt")"
done
mux_log_has "export host ih-gobgp $GB.*established: ADD-PATH ipv4-vpn both, ipv6-vpn both" ||
	fail "muxd did not negotiate ADD-PATH both ways on both VPN families"
say "both VPN families negotiated, ADD-PATH both ways on each"

# End-of-RIB for each family: GoBGP counts the two UPDATEs it got, and
# holds no route.
gb_updates() { gb neighbor "$VH" -j | python3 -c "
import json, sys
print(json.load(sys.stdin)['state']['messages']['received'].get('update', 0))"; }
_two_eors() { [[ $(gb_updates) == 2 ]]; }
wait_until 15 "GoBGP to receive the two End-of-RIB UPDATEs" _two_eors
for a in vpnv4 vpnv6; do
	[[ $(gb global rib -a $a 2>&1) == *"Network not in table"* ]] ||
		fail "GoBGP holds $a routes from the view host: $(gb global rib -a $a)"
done
say "the view host sent End-of-RIB for both families and no route"

# The API: both hosts, ih-gobgp Established with its counters.
_api_export() { curl -fsS "http://$VH:8179/api/v1/export" >"$T/export.json"; }
wait_until 10 "GET /api/v1/export" _api_export
python3 - "$T/export.json" "$GB" <<'PY' || fail "GET /api/v1/export: $(cat "$T/export.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["role"] == "view-host", d
hosts = {h["name"]: h for h in d["hosts"]}
assert set(hosts) == {"ih-gobgp", "ih-muxd"}, hosts
g = hosts["ih-gobgp"]
assert g["address"] == sys.argv[2] and g["state"] == "Established", g
assert g["uptime"] >= 0 and g["established"] == 1 and g["end_of_rib_sent"] == 2, g
assert sorted(g["families"]) == ["ipv4-vpn", "ipv6-vpn"], g
assert g["add_path"] == {"ipv4-vpn": "both", "ipv6-vpn": "both"}, g
assert "password" not in json.dumps(d) and "export-secret" not in json.dumps(d)
PY
say "GET /api/v1/export shows both hosts, ih-gobgp Established, no password"

# A VPN route from the instance host's side (client routes travel that way
# later): taken and counted, the session stays up.
gb global rib -a vpnv4 add 10.1.0.0/24 label 100 rd 65000:1 rt 65000:1 nexthop 192.0.2.11 \
	>/dev/null || fail "gobgp cannot add a vpnv4 route"
gb global rib -a vpnv6 add 2001:db8:1::/48 label 100 rd 65000:1 rt 65000:1 nexthop 2001:db8::11 \
	>/dev/null || fail "gobgp cannot add a vpnv6 route"
_vpn_received() {
	curl -fsS "http://$VH:8179/api/v1/export" | python3 -c "
import json, sys
g = {h['name']: h for h in json.load(sys.stdin)['hosts']}['ih-gobgp']
assert g['updates_received'] >= 2 and g['state'] == 'Established' and g['established'] == 1, g"
}
wait_until 15 "the view host to count GoBGP's two VPN UPDATEs" _vpn_received
say "GoBGP's vpnv4 and vpnv6 UPDATEs are taken (counted, not yet used); the session stays up"

# Both sides at once, in one look: the instance host's /export and
# /status, the view host's /export.
_ih_up() {
	running "$IH_PID" || fail "the instance host muxd is gone: $(tail -n 5 "$T/ih.log")"
	python3 - "$IH" "$VH" <<'PY' 2>/dev/null
import json, sys, urllib.request
get = lambda host, path: json.load(urllib.request.urlopen(f"http://{host}:8179/api/v1/{path}", timeout=5))
ih, vh = sys.argv[1:3]
d = get(ih, "export")
assert d["role"] == "instance-host" and d["hosts"][0]["state"] == "Established", d
st = get(ih, "status")
assert st["role"] == "instance-host" and st["view_host"]["state"] == "Established", st
h = {h["name"]: h for h in get(vh, "export")["hosts"]}["ih-muxd"]
assert h["state"] == "Established" and h["end_of_rib_sent"] == 2, h
PY
}
wait_until 30 "the instance host's session to the view host to be Established, on both sides and in its status" _ih_up
listening "$IH" 1790 || fail "the instance host's instance does not listen on $IH:1790"
# Its instance serves a client: the (empty) view, then End-of-RIB.
"$ROOT/build/tools/bgp_sink" --connect "$IH:1790" --bind 127.0.245.10 --asn 65100 \
	--peer-as "$MUX_ASN" --until-eor --timeout 15 --quiet >"$T/client.json" 2>"$T/client.err" ||
	fail "the instance host's client session: $(cat "$T/client.err")"
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['eor_ipv4'] and d['complete'] and d['prefixes'] == 0, d" "$T/client.json" ||
	fail "the instance host's client did not get an empty table and End-of-RIB: $(cat "$T/client.json")"
say "a muxd instance host holds its session to the view host; its instance serves a client the empty view and End-of-RIB"

# ---- muxctl
"$ROOT/build/muxctl" -s "$VH:8179" show export >"$T/muxctl.txt" || fail "muxctl show export failed"
grep -Eq "^ih-gobgp +$GB +Established +[0-9]+s +ipv4-vpn both, ipv6-vpn both +1 +2 " "$T/muxctl.txt" ||
	fail "muxctl show export: $(cat "$T/muxctl.txt")"
say "muxctl show export shows ih-gobgp Established with its ADD-PATH and counters"

# ---- a reload: ih-muxd removed leaves with Cease / Peer De-configured,
# ih-gobgp's session stays up; a change of role is refused
python3 - "$T/viewhost.json" <<'PY' || fail "cannot edit the view host's configuration"
import json, sys
c = json.load(open(sys.argv[1]))
c["export"]["hosts"] = [h for h in c["export"]["hosts"] if h["name"] != "ih-muxd"]
json.dump(c, open(sys.argv[1], "w"))
PY
kill -HUP "$MUX_PID"
# 6/3, sent as Hard Reset (RFC 8538: the session negotiated N).
_ih_deconfigured() { grep -Eq "session to view-host $VH: received NOTIFICATION 6/9 .*: for 6/3" "$T/ih.log"; }
wait_until 15 "the instance host to get Cease / Peer De-configured" _ih_deconfigured
_one_host() {
	curl -fsS "http://$VH:8179/api/v1/export" | python3 -c "
import json, sys
h = json.load(sys.stdin)['hosts']
assert [x['name'] for x in h] == ['ih-gobgp'] and h[0]['state'] == 'Established' and h[0]['established'] == 1, h"
}
wait_until 10 "GET /api/v1/export to list ih-gobgp alone" _one_host
_ih_refused() { mux_log_has "connection from $IH port [0-9]+ to $VH refused: no instance host"; }
wait_until 15 "the view host to refuse the removed instance host" _ih_refused
python3 - "$T/viewhost.json" <<'PY' || fail "cannot edit the view host's configuration"
import json, sys
c = json.load(open(sys.argv[1]))
del c["export"]
json.dump(c, open(sys.argv[1], "w"))
PY
kill -HUP "$MUX_PID"
_role_kept() { mux_log_has 'reload: "export" or "view_host" changed: .* keeps the running one'; }
wait_until 15 "the view host to refuse a change of role at reload" _role_kept
_one_host || fail "ih-gobgp's session did not stay up through the reloads"
[[ $(gb neighbor "$VH" -j | python3 -c "import json,sys; print(json.load(sys.stdin)['state'].get('flops', 0))") == 0 ]] ||
	fail "GoBGP's session went down during the reloads"
say "reload: a removed host leaves with 6/3 and is refused after; a change of role is refused; ih-gobgp stays up"

stop_pid "$IH_PID" TERM 10 || fail "the instance host muxd did not stop on SIGTERM"
mux_stop_clean
mux_log_has "export host ih-gobgp $GB: sent NOTIFICATION 6/2" ||
	fail "the view host did not send ih-gobgp Cease / Administrative Shutdown at SIGTERM"
say "PASS"
