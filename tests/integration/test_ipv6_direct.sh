#!/usr/bin/env bash
# IPv6 transport and link-local next hops: muxd and two BIRDs in two network
# namespaces joined by a veth pair, each session over IPv6 and direct (not
# multihop), one with muxd as the active side and one with muxd passive.
# On a direct IPv6 session BIRD sends its own global address and its
# link-local address as next hop (MP_REACH next hop length 32); routes.json
# must carry both ("next_hop", "next_hop_ll") on every route, the rest
# attribute by attribute as generated. Then a withdrawal, SIGTERM with
# Cease/Administrative Shutdown seen by BIRD, and a clean tshark decode.
# Addresses (inside the test's own namespaces only): 2001:db8:60::/64 —
# muxd ::1, BIRD ::11 (muxd connects) and ::12 (connects to muxd).
. "$(dirname "$0")/lib.sh"

V4=0
V6=1500
NS_M=bgpmux-m$$
NS_B=bgpmux-b$$
MUX_ADDR=2001:db8:60::1
MUX_NS=$NS_M

for ns in "$NS_M" "$NS_B"; do
	netns_add "$ns"
	# No duplicate address detection: addresses are usable at once.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip -n "$NS_M" link add veth-m type veth peer name veth-b netns "$NS_B" ||
	fail "cannot create the veth pair"
ip -n "$NS_M" addr add "$MUX_ADDR/64" dev veth-m nodad
ip -n "$NS_B" addr add 2001:db8:60::11/64 dev veth-b nodad
ip -n "$NS_B" addr add 2001:db8:60::12/64 dev veth-b nodad
ip -n "$NS_M" link set veth-m up
ip -n "$NS_B" link set veth-b up

link_local() { ip -n "$NS_B" -6 -o addr show dev veth-b scope link | awk '{print $4}' | cut -d/ -f1; }
wait_until 10 "BIRD's side of the veth to have a link-local address" test -n "$(link_local)"
LL=$(link_local)
link_up() { ip -n "$1" -o link show "$2" | matches 'state UP'; }
wait_until 10 "the veth link to be up" eval 'link_up "$NS_M" veth-m && link_up "$NS_B" veth-b'

peer_add bird6-act bird 2001:db8:60::11 65060 12 passive
peer_add bird6-pas bird 2001:db8:60::12 65060 13 active
for name in bird6-act bird6-pas; do
	PEER_NS[$name]=$NS_B
	PEER_DIRECT[$name]=1
done

CAP_NS=$NS_M CAP_IF=veth-m capture_start "$MUX_ADDR"
bird_start bird6-act
bird_start bird6-pas
wait_until 30 "BIRD to listen on [2001:db8:60::11]:179" listening "[2001:db8:60::11]" 179 "$NS_B"
mux_config "$T/muxd.json" "$MUX_ADDR" bird6-act bird6-pas
mux_start "$T/muxd.json"

# check6 [OPTIONS] NAME — the check with BIRD's own next hops for NAME.
check6() {
	local name=${*: -1}
	CHECK_OPTS=(--next-hop6 "${PEER_ADDR[$name]}" --next-hop-ll6 "$LL")
	check_routes "$@"
}

wait_routes 60 bird6-act bird6-pas
check6 bird6-act
check6 bird6-pas
say "every route carries next hop ${PEER_ADDR[bird6-act]} / ${PEER_ADDR[bird6-pas]} and link-local $LL"

both bird_withdraw bird6-act bird6-pas
wait_routes 60 --after-withdraw bird6-act bird6-pas
check6 --after-withdraw bird6-act
check6 --after-withdraw bird6-pas

mux_stop_clean bird6-act bird6-pas
for name in bird6-act bird6-pas; do
	wait_until 15 "$name to report Cease/Administrative Shutdown from muxd" bird_saw_cease "$name"
done
wire_cease_to bird6-act bird6-pas
capture_stop
capture_check
