#!/usr/bin/env bash
# The view host's VPN encoding (muxd/rib/rib_vpn.h) read by a real VPN
# speaker: vpn_export sends 3 synthetic views (50 IPv4 + 50 IPv6 prefixes,
# 2 paths each) as VPNv4/VPNv6 routes with ADD-PATH to GoBGP, which must
# list every path under its view's distinguisher, with its path id, label,
# next hop and AS path; then view 1 is withdrawn and only it goes, the
# session staying up. Addresses: 127.0.240.0/24 (vpn_export .1, GoBGP .11).
. "$(dirname "$0")/lib.sh"

ADDR=127.0.240.11
SELF=127.0.240.1
ASN=$MUX_ASN
VIEWS=3 PREFIXES=50 PATHS=2
G=(gobgp -u "$ADDR" -p 50051)

gobgp_vpn_start "$T/gobgp" "$ADDR" "$SELF" passive

spawn vpn_export "$T/vpn_export.log" "$ROOT/build/tools/vpn_export" \
	--connect "$ADDR" --bind "$SELF" --asn "$ASN" \
	--views "$VIEWS" --prefixes "$PREFIXES" --paths "$PATHS"
EXPORTER=$LAST_PID

# adj_in FAMILY — GoBGP's Adj-RIB-In from us, one path a line:
# "ID RD:PREFIX [LABEL] NEXT_HOP AS AS".
adj_in() {
	"${G[@]}" neighbor "$SELF" adj-in -a "$1" 2>/dev/null |
		awk 'NR > 1 { print $1, $2, $3, $4, $5, $6 }' | sort
}
# expected FAMILY FIRST_VIEW — what vpn_export's views FIRST_VIEW..VIEWS hold.
expected() {
	local fam=$1 v i k net nh
	for ((v = $2; v <= VIEWS; v++)); do
		for ((i = 0; i < PREFIXES; i++)); do
			for ((k = 1; k <= PATHS; k++)); do
				if [[ $fam == vpnv4 ]]; then
					net=10.$v.$i.0/24 nh=192.0.2.$v
				else
					net=$(printf '2001:db8:%x:%x::/64' "$v" "$i") nh=2001:db8::$v
					((i == 0)) && net=$(printf '2001:db8:%x::/64' "$v")
				fi
				echo "$k $ASN:$v:$net [$((100 + v))] $nh $((64496 + v)) $((65000 + k))"
			done
		done
	done | sort
}
holds() { [[ $(adj_in "$1" | wc -l) -eq $2 ]]; }

all=$((VIEWS * PREFIXES * PATHS))
wait_until 30 "GoBGP to hold $all VPNv4 paths" holds vpnv4 "$all"
wait_until 30 "GoBGP to hold $all VPNv6 paths" holds vpnv6 "$all"
for fam in vpnv4 vpnv6; do
	diff <(expected "$fam" 1) <(adj_in "$fam") >"$T/$fam.diff" ||
		fail "GoBGP's $fam paths differ from the views' (< views, > GoBGP): $(head -5 "$T/$fam.diff")"
done
say "GoBGP lists all $all paths of each family under their distinguishers"

kill -USR1 "$EXPORTER"
left=$(((VIEWS - 1) * PREFIXES * PATHS))
wait_until 30 "view 1 to leave GoBGP's VPNv4 paths" holds vpnv4 "$left"
wait_until 30 "view 1 to leave GoBGP's VPNv6 paths" holds vpnv6 "$left"
for fam in vpnv4 vpnv6; do
	diff <(expected "$fam" 2) <(adj_in "$fam") >"$T/$fam.diff" ||
		fail "after view 1's withdrawal GoBGP's $fam paths differ: $(head -5 "$T/$fam.diff")"
done
running "$EXPORTER" || fail "vpn_export ended: $(cat "$T/vpn_export.log")"
matches -F 'Peer Down' "$T/gobgp/gobgpd.log" && fail "the session went down: $(grep 'Peer Down' "$T/gobgp/gobgpd.log")"
say "view 1's paths withdrawn, the others kept, the session up"
