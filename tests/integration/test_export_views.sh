#!/usr/bin/env bash
# A view host sends every view on its export sessions (docs/scaleout.md):
# muxd with two upstreams, isp-a (IPv4, id 1) and isp-b (IPv6, id 2),
# each sending PREFIXES prefixes with two paths (ADD-PATH); GoBGP, an
# export host taking VPNv4 and VPNv6 with ADD-PATH, lists every path of
# each view under its distinguisher (65000:1, 65000:2) with its path id,
# label, next hop and AS path. isp-a withdrawing a prefix after the dump:
# gone at GoBGP; isp-b's session going down: its view's paths withdrawn
# at GoBGP, isp-a's kept, GoBGP's session up throughout. Another export
# host's ROUTE-REFRESH of ipv4-vpn gets isp-a's view again. A reload
# changes isp-a's id (1 to 3) and adds isp-c (id 4): GoBGP loses isp-a's
# paths under 65000:1, gets them under 65000:3, and gets isp-c's under
# 65000:4, its session up throughout.
# Addresses: 127.0.246.0/24 (the view host, its upstreams),
# 127.0.247.0/24 (GoBGP).
. "$(dirname "$0")/lib.sh"

VH=127.0.246.1 ISPA=127.0.246.11 ISPB=127.0.246.12 ISPC=127.0.246.13
GB=127.0.247.11 RH=127.0.247.12
EXPORT_PORT=1179 PREFIXES=5
claim_addrs "$VH" "$ISPA" "$ISPB" "$ISPC" "$GB" "$RH" 127.0.246.2 127.0.246.3 127.0.246.4

cat >"$T/viewhost.json" <<EOF || fail "cannot write the view host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.1", "state_dir": "$T/var",
  "api": { "listen": "$VH:8179" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "passive": true, "local_address": "$VH",
      "add_path": "receive", "families": ["ipv4-unicast"],
      "peer": { "address": "$ISPA", "asn": 65010 },
      "instance": { "address": "127.0.246.2" } },
    { "name": "isp-b", "id": 2, "passive": true, "local_address": "$VH",
      "add_path": "receive", "families": ["ipv6-unicast"],
      "peer": { "address": "$ISPB", "asn": 65020 },
      "instance": { "address": "127.0.246.3" } }
  ],
  "export": { "listen": "$VH:$EXPORT_PORT", "hosts": [ { "name": "ih-gobgp", "address": "$GB" },
                                                   { "name": "ih-refresh", "address": "$RH" } ] }
}
EOF
MUX_ADDR=$VH
mux_start "$T/viewhost.json"

upstream() {    # upstream NAME SRC ASN AFI
	spawn "$1" "$T/$1.log" python3 "$TOOLS/addpath_upstream.py" --src "$2" --mux "$VH" \
		--asn "$3" --mux-asn "$MUX_ASN" --afi "$4" --prefixes "$PREFIXES"
}
upstream isp-a "$ISPA" 65010 4
ISPA_PID=$LAST_PID
upstream isp-b "$ISPB" 65020 6
ISPB_PID=$LAST_PID
_view_full() {
	curl -fsS "http://$VH:8179/api/v1/views/$1" 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['route_count'] == $((PREFIXES * 2)), d" 2>/dev/null
}
wait_until 20 "isp-a's view to hold $((PREFIXES * 2)) paths" _view_full isp-a
wait_until 20 "isp-b's view to hold $((PREFIXES * 2)) paths" _view_full isp-b

gobgp_vpn_start "$T/gobgp" "$GB" "$VH" "port=$EXPORT_PORT"
G=(gobgp -u "$GB" -p 50051)

# adj_in FAMILY — GoBGP's Adj-RIB-In from the view host, one path a line:
# "ID RD:PREFIX [LABEL] NEXT_HOP AS AS".
adj_in() {
	"${G[@]}" neighbor "$VH" adj-in -a "$1" 2>/dev/null |
		awk 'NR > 1 { print $1, $2, $3, $4, $5, $6 }' | sort
}
# expected FAMILY FIRST — what the upstream of FAMILY sent, from its
# prefix FIRST on (each: path 1 "AS 64998", path 2 "AS 64999").
expected() {
	local i
	for ((i = $2; i < PREFIXES; i++)); do
		if [[ $1 == vpnv4 ]]; then
			echo "1 $MUX_ASN:1:10.246.$i.0/24 [17] 192.0.2.11 65010 64998"
			echo "2 $MUX_ASN:1:10.246.$i.0/24 [17] 192.0.2.11 65010 64999"
		else
			printf '1 %s:2:2001:db8:f6:%x::/64 [18] 2001:db8:ffff::12 65020 64998\n' "$MUX_ASN" "$i"
			printf '2 %s:2:2001:db8:f6:%x::/64 [18] 2001:db8:ffff::12 65020 64999\n' "$MUX_ASN" "$i"
		fi
	done | sed 's|2001:db8:f6:0::/64|2001:db8:f6::/64|' | sort
}
holds() { [[ $(adj_in "$1" | wc -l) -eq $2 ]]; }
same() {        # same FAMILY FIRST WHEN
	diff <(expected "$1" "$2") <(adj_in "$1") >"$T/$1.diff" ||
		fail "$3: GoBGP's $1 paths differ from the view's (< view, > GoBGP): $(head -6 "$T/$1.diff")"
}

wait_until 30 "GoBGP to hold isp-a's $((PREFIXES * 2)) VPNv4 paths" holds vpnv4 $((PREFIXES * 2))
wait_until 30 "GoBGP to hold isp-b's $((PREFIXES * 2)) VPNv6 paths" holds vpnv6 $((PREFIXES * 2))
same vpnv4 0 "after the dump"
same vpnv6 0 "after the dump"
say "GoBGP lists every path of both views under 65000:1 and 65000:2 with path ids, labels, next hops and AS paths"

_api_counts() {
	curl -fsS "http://$VH:8179/api/v1/export" | python3 -c "
import json, sys
g = {h['name']: h for h in json.load(sys.stdin)['hosts']}['ih-gobgp']
assert g['views_sent'] == 2 and g['routes_sent'] >= $((PREFIXES * 4)) and g['end_of_rib_sent'] == 2, g"
}
wait_until 10 "GET /api/v1/export to count 2 views and their routes sent" _api_counts
say "GET /api/v1/export counts the views, the routes and the End-of-RIB markers sent"

# A withdrawal after the dump: gone at GoBGP.
kill -USR1 "$ISPA_PID"
wait_until 20 "isp-a's first prefix to leave GoBGP" holds vpnv4 $(((PREFIXES - 1) * 2))
same vpnv4 1 "after isp-a's withdrawal"
say "isp-a's withdrawal of 10.246.0.0/24 (both paths) reaches GoBGP"

# isp-b's session goes down: its view's paths go, isp-a's stay.
stop_pid "$ISPB_PID" TERM 10 || fail "isp-b did not stop"
wait_until 20 "isp-b's paths to leave GoBGP" holds vpnv6 0
same vpnv4 1 "after isp-b's session went down"
[[ $("${G[@]}" neighbor "$VH" -j | python3 -c "import json,sys; print(json.load(sys.stdin)['state'].get('flops', 0))") == 0 ]] ||
	fail "GoBGP's session went down: $(grep -i 'peer down' "$T/gobgp/gobgpd.log")"
say "isp-b's session down: its view's paths withdrawn at GoBGP, isp-a's kept, the session up"

# A second host asks for a ROUTE-REFRESH of ipv4-vpn, enhanced then
# plain: isp-a's view again (between BoRR and EoRR when enhanced).
for mode in enhanced plain; do
	python3 "$TOOLS/vpn_refresh_host.py" --src "$RH" --vh "$VH" --port "$EXPORT_PORT" \
		--asn "$MUX_ASN" $([[ $mode == plain ]] && echo --plain) >"$T/refresh.json" ||
		fail "the $mode refresh host: $(cat "$T/refresh.json")"
	python3 - "$T/refresh.json" "$mode" $(((PREFIXES - 1) * 2)) <<'PY' ||
import json, sys
d, enhanced, n = json.load(open(sys.argv[1])), sys.argv[2] == "enhanced", int(sys.argv[3])
assert d["dump"] == {"1": n, "2": 0} and sorted(d["eor"]) == [1, 2], d
assert d["refresh"] == n and d["borr"] == enhanced and d["eorr"] == enhanced, d
PY
		fail "the $mode route refresh: $(cat "$T/refresh.json")"
done
say "a ROUTE-REFRESH of ipv4-vpn (enhanced, and plain) gets isp-a's view again"

# A reload: isp-a's id changes, its view moves from 65000:1 (label 17)
# to 65000:3 (label 19); isp-c is added (65000:4, label 20); the export
# session stays up.
python3 - "$T/viewhost.json" "$VH" "$ISPC" <<'PY' || fail "cannot edit the view host's configuration"
import json, sys
c = json.load(open(sys.argv[1]))
c["upstreams"][0]["id"] = 3
c["upstreams"].append({"name": "isp-c", "id": 4, "passive": True, "local_address": sys.argv[2],
    "add_path": "receive", "families": ["ipv4-unicast"],
    "peer": {"address": sys.argv[3], "asn": 65030}, "instance": {"address": "127.0.246.4"}})
json.dump(c, open(sys.argv[1], "w"))
PY
kill -HUP "$MUX_PID"
upstream isp-c "$ISPC" 65030 4
ISPC_PID=$LAST_PID
_moved() {
	diff <({ expected vpnv4 1 | sed "s/ $MUX_ASN:1:/ $MUX_ASN:3:/; s/\[17\]/[19]/"
		 expected vpnv4 0 | sed "s/ $MUX_ASN:1:/ $MUX_ASN:4:/; s/\[17\]/[20]/; s/192.0.2.11 65010/192.0.2.13 65030/"
	       } | sort) <(adj_in vpnv4) >"$T/moved.diff"
}
wait_until 20 "isp-a's paths under $MUX_ASN:3 and isp-c's under $MUX_ASN:4 at GoBGP" _moved
[[ $("${G[@]}" neighbor "$VH" -j | python3 -c "import json,sys; print(json.load(sys.stdin)['state'].get('flops', 0))") == 0 ]] ||
	fail "GoBGP's session went down at the reload"
say "a reload: isp-a's paths withdrawn under $MUX_ASN:1, sent under $MUX_ASN:3; isp-c's added under $MUX_ASN:4"

stop_pid "$ISPC_PID" TERM 10 || true
stop_pid "$ISPA_PID" TERM 10 || true
mux_stop_clean
say "PASS"
