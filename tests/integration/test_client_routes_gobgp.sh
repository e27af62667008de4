#!/usr/bin/env bash
# Client routes at a GoBGP upstream. GoBGP refuses 127/8 next
# hops, so everything runs in one network namespace of the test's own
# (bgpmux5-*) with documentation addresses on its loopback: muxd 192.0.2.1,
# GoBGP ISP 192.0.2.11 (upstream id 1), BIRD ISP 192.0.2.12 (id 2),
# instance 192.0.2.21, BIRD client 192.0.2.31 (private AS 65101), a
# scripted flapping client 192.0.2.32.
#   - GoBGP's RIB (`gobgp global rib -j`) holds exactly the allocated
#     prefixes meant for it: AS_PATH [65000] (or [65000 65000] for the one
#     with the prepend community 65000:3:1), NEXT_HOP 192.0.2.1 (IPv6:
#     next_hop_ipv6 2001:db8:5::1), ORIGIN kept, and no MED, no community,
#     no large community: the attribute types are exactly ORIGIN, AS_PATH,
#     NEXT_HOP / MP_REACH; the route steered with 65000:2 is at the BIRD ISP
#     only; nothing unallocated anywhere;
#   - 50 flaps of a client within its hold-down: GoBGP counts exactly one
#     UPDATE received from muxd (state.messages.received.update).
. "$(dirname "$0")/lib.sh"

NS=bgpmux5-g$$
MUX_ADDR=192.0.2.1
MUX_NS=$NS
GOBGP=192.0.2.11
BISP=192.0.2.12
INST=192.0.2.21
CLIENT=192.0.2.31
FLAPPER=192.0.2.32

netns_add "$NS"
for a in $MUX_ADDR $GOBGP $BISP $INST $CLIENT $FLAPPER; do
	ip -n "$NS" addr add "$a/32" dev lo || fail "cannot add $a to lo in $NS"
done
ip -n "$NS" addr add 2001:db8:5::1/128 dev lo nodad
ns_exec "$NS"

# ------------------------------------------------------------ the ISPs

mkdir -p "$T/gobgp" "$T/bisp"
cat >"$T/gobgp/gobgpd.toml" <<EOF
[global.config]
  as = 65030
  router-id = "$GOBGP"
  port = 179
  local-address-list = ["$GOBGP"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$MUX_ADDR"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "$GOBGP"
    passive-mode = true
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
EOF
spawn gobgpd "$T/gobgp/gobgpd.log" "${NSX[@]}" gobgpd -f "$T/gobgp/gobgpd.toml" \
	--api-hosts "$GOBGP:50051" --pprof-disable
_gb() { "${NSX[@]}" gobgp -u "$GOBGP" -p 50051 "$@"; }
wait_until 20 "gobgpd to answer its API" bash -c "ip netns exec $NS gobgp -u $GOBGP -p 50051 global >/dev/null 2>&1"

cat >"$T/bisp/bird.conf" <<EOF
router id $BISP;
log "$T/bisp/bird.log" all;
ipv4 table t4;
ipv6 table t6;
protocol device {}
protocol bgp mux {
	local $BISP as 65040;
	neighbor $MUX_ADDR as 65000;
	multihop;
	strict bind yes;
	passive;
	ipv4 { table t4; import all; export none; };
	ipv6 { table t6; import all; export none; };
}
EOF
spawn "bird isp" "$T/bisp/stderr" "${NSX[@]}" bird -f -c "$T/bisp/bird.conf" -s "$T/bisp/ctl" -P "$T/bisp/pid"
wait_until 20 "the ISPs to listen" eval "listening $GOBGP 179 $NS && listening $BISP 179 $NS"

# ----------------------------------------------------------------- muxd

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state = sys.argv[1:3]
def up(name, uid, addr, asn):
    return {"name": name, "id": uid, "peer": {"address": addr, "asn": asn},
            "local_address": "192.0.2.1", "families": ["ipv4-unicast", "ipv6-unicast"],
            "add_path": "off", "next_hop_ipv6": "2001:db8:5::1",
            "instance": {"address": "192.0.2.21" if uid == 1 else "192.0.2.22"}}
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state,
       "upstreams": [up("gobgp", 1, "192.0.2.11", 65030), up("bird", 2, "192.0.2.12", 65040)],
       "clients": [{"name": "vnet", "address": "192.0.2.31", "asn": 65101,
                    "upstreams": ["gobgp"], "prefixes": ["184.164.224.0/22", "2001:db8:100::/44"]},
                   {"name": "flapper", "address": "192.0.2.32", "asn": 65102,
                    "upstreams": ["gobgp"], "prefixes": ["100.64.10.0/24"], "hold_down": 30}]}
json.dump(cfg, open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
gobgp_up() { _gb neighbor "$MUX_ADDR" -j 2>/dev/null | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["state"]["session_state"] != 6)'; }
wait_until 60 "the GoBGP session" gobgp_up
wait_until 60 "the BIRD ISP session" bash -c "ip netns exec $NS birdc -s '$T/bisp/ctl' show protocols mux | grep -q Established"

# ---------------------------------------------------------------- client

mkdir -p "$T/vnet"
cat >"$T/vnet/bird.conf" <<EOF
router id $CLIENT;
log "$T/vnet/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol static s4 {
	ipv4 { table c4; };
	route 184.164.224.0/24 unreachable;
	route 184.164.225.0/24 unreachable;
	route 184.164.226.0/24 unreachable;
	route 10.66.0.0/24 unreachable;
}
protocol static s6 {
	ipv6 { table c6; };
	route 2001:db8:100::/48 unreachable;
	route 2001:db8:ffff::/48 unreachable;
}
filter to_mux {
	bgp_path.prepend(64513);
	bgp_community.add((65101, 7));
	bgp_large_community.add((65101, 1, 1));
	bgp_med = 99;
	if net = 184.164.225.0/24 then bgp_large_community.add((65000, 3, 1));
	if net = 184.164.226.0/24 then bgp_community.add((65000, 2));
	accept;
}
protocol bgp mux {
	local $CLIENT as 65101;
	neighbor $INST as 65000;
	multihop;
	strict bind yes;
	connect delay time 1;
	ipv4 { table c4; import none; export filter to_mux; };
	ipv6 { table c6; import none; export filter to_mux; next hop address 2001:db8:5::31; };
}
EOF
spawn "bird client" "$T/vnet/stderr" "${NSX[@]}" bird -f -c "$T/vnet/bird.conf" -s "$T/vnet/ctl" -P "$T/vnet/pid"

# gobgp_table — GoBGP's RIB as prefix → {"types": [attribute types],
# "as_path": "…", "next_hop": "…", "origin": N}.
gobgp_table() {
	{ _gb global rib -a ipv4 -j; echo; _gb global rib -a ipv6 -j; echo; } | python3 -c '
import json, sys
out = {}
for line in sys.stdin:
    line = line.strip()
    if not line or line == "null":
        continue
    for prefix, paths in json.loads(line).items():
        for p in paths:
            r = {"types": sorted(a["type"] for a in p["attrs"])}
            for a in p["attrs"]:
                if a["type"] == 1:
                    r["origin"] = a["value"]
                if a["type"] == 2:
                    r["as_path"] = " ".join(str(x) for s in a.get("as_paths", []) for x in s["asns"])
                if a["type"] == 3 or a["type"] == 14:
                    r["next_hop"] = a.get("nexthop")
            out[prefix] = r
print(json.dumps(out, sort_keys=True))'
}

WANT_G='{"184.164.224.0/24": {"as_path": "65000", "next_hop": "192.0.2.1", "origin": 0, "types": [1, 2, 3]},
 "184.164.225.0/24": {"as_path": "65000 65000", "next_hop": "192.0.2.1", "origin": 0, "types": [1, 2, 3]},
 "2001:db8:100::/48": {"as_path": "65000", "next_hop": "2001:db8:5::1", "origin": 0, "types": [1, 2, 14]}}'
gobgp_exactly() {
	gobgp_table >"$T/gobgp.table.json" && python3 - "$T/gobgp.table.json" "$WANT_G" ${1:+"$1"} <<'PY'
import json, sys
have, want = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
have = {p: r for p, r in have.items() if not p.startswith("100.64.")}
if have != want:
    if len(sys.argv) > 3:
        print("have:", json.dumps(have, sort_keys=True), "\nwant:", json.dumps(want, sort_keys=True), file=sys.stderr)
    sys.exit(1)
PY
}
_poll 60 gobgp_exactly || { gobgp_exactly verbose; fail "GoBGP does not hold exactly the expected client routes"; }
say "GoBGP: 3 client routes, AS_PATH 65000 (65000 65000 with 65000:3:1), next hop $MUX_ADDR / 2001:db8:5::1, attributes ORIGIN, AS_PATH, NEXT_HOP only"

bisp_routes() { "${NSX[@]}" birdc -s "$T/bisp/ctl" show route table t4 | awk '/\//{print $1}'; "${NSX[@]}" birdc -s "$T/bisp/ctl" show route table t6 | awk '/\//{print $1}'; }
wait_until 20 "the BIRD ISP to hold the steered route" bash -c "ip netns exec $NS birdc -s '$T/bisp/ctl' show route table t4 | grep -q 184.164.226.0/24"
routes=$(bisp_routes | tr '\n' ' ')
[[ $routes == "184.164.226.0/24 " ]] || fail "the BIRD ISP holds '$routes', want only 184.164.226.0/24"
say "the BIRD ISP (id 2): only the route with 65000:2"

# ---------------------------------------------------------------- flaps

gobgp_updates() {
	_gb neighbor "$MUX_ADDR" -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["messages"]["received"]["update"])'
}
u0=$(gobgp_updates)
"${NSX[@]}" python3 "$TOOLS/route_client.py" flap --inst "$INST" --src "$FLAPPER" --asn 65102 \
	--prefix 100.64.10.0/24 --times 50 >"$T/flap.out" 2>&1 || fail "the flapping client failed: $(cat "$T/flap.out")"
has_flapper() { _gb global rib -a ipv4 100.64.10.0/24 2>/dev/null | matches 100.64.10.0; }
wait_until 10 "GoBGP to receive the flapper's prefix" has_flapper
_one_update() { (($(gobgp_updates) - u0 == 1)); }
holds_for 2 "50 flaps within the hold-down making exactly 1 UPDATE at GoBGP" _one_update
say "50 client flaps within the hold-down: GoBGP received exactly 1 UPDATE"

mux_stop_clean
say "PASS"
