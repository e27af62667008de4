#!/usr/bin/env bash
# Client routes leave as the gateway's own, read at two BIRD 2
# upstream ISPs with `birdc show route all`:
#   - a BIRD client (private AS 65101) and an ExaBGP client (public AS 3130,
#     keep_asn) announce allocated and unallocated IPv4 and IPv6 prefixes
#     with private ASNs in the path, their own communities, MED and control
#     communities: each ISP holds exactly the expected prefixes, each with
#     the exact AS_PATH, NEXT_HOP = muxd's address on that session, no
#     community, no MED; steering (65000:2, 65000:1002) and prepending
#     (65000:3:1) as docs/client-routes.md's table says; nothing unallocated arrives;
#   - flap isolation: a client crashing and reconnecting 50 times within its
#     hold-down → the ISP receives exactly one UPDATE for its prefix and no
#     withdrawal; away past the hold-down → exactly one withdrawal;
#   - a burst of 100 announce/withdraw changes within min_interval → at most
#     2 UPDATEs at the ISP, and the final state;
#   - a client announcing 10,000 prefixes with max_prefixes 100 gets Cease /
#     Maximum Number of Prefixes Reached (6/1) with AFI 1, SAFI 1 and the
#     limit 100 as data (RFC 4486), while the other clients and both upstream
#     sessions stay up;
#   - restart: muxd stopped and started with no client running → each ISP
#     holds the same prefixes with the same attributes as before.
# Addresses: 127.0.110.0/24 (muxd 127.0.110.1, ISP A .11, ISP B .12),
# 127.0.111.0/24 (instance A .1, clients .12–.16), 127.0.112.0/24 (instance B .1).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.110.1
ISPA=127.0.110.11
ISPB=127.0.110.12
INSTA=127.0.111.1
INSTB=127.0.112.1
VNET=127.0.111.12
EXA=127.0.111.13
FLAPPER=127.0.111.14
BURSTER=127.0.111.15
FLOODER=127.0.111.16
claim_addrs "$MUX_ADDR" "$ISPA" "$ISPB" "$INSTA" "$INSTB" "$VNET" "$EXA" "$FLAPPER" \
	"$BURSTER" "$FLOODER"

# ---------------------------------------------------------------- set-up

# isp_start NAME ADDR ASN — a BIRD upstream that muxd connects to.
isp_start() {
	local d=$T/$1
	mkdir -p "$d"
	cat >"$d/bird.conf" <<EOF
router id $2;
log "$d/bird.log" all;
ipv4 table t4;
ipv6 table t6;
protocol device {}
protocol bgp mux {
	local $2 as $3;
	neighbor $MUX_ADDR as 65000;
	multihop;
	strict bind yes;
	passive;
	hold time 90;
	ipv4 { table t4; import all; export none; };
	ipv6 { table t6; import all; export none; };
}
EOF
	spawn "bird $1" "$d/stderr" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
}
_isp() { birdc -s "$T/$1/ctl" "${@:2}"; }
isp_established() { _isp "$1" show protocols mux | matches Established; }
# isp_stats NAME — "updates|withdraws" the ISP received from muxd.
isp_stats() {
	_isp "$1" show protocols all mux | awk '
		/Import updates:/ { upd += $3 }
		/Import withdraws:/ { wd += $3 }
		END { print "|" upd + 0 "|" wd + 0 }'
}
isp_updates() { isp_stats "$1" | cut -d'|' -f2; }
isp_withdraws() { isp_stats "$1" | cut -d'|' -f3; }

isp_start ispa "$ISPA" 65010
isp_start ispb "$ISPB" 65020
wait_until 30 "the ISPs to listen" bash -c "ss -Hltn | grep -q '$ISPA:179' && ss -Hltn | grep -q '$ISPB:179'"

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state = sys.argv[1:3]
def upstream(name, uid, addr, asn, inst, nh6):
    return {"name": name, "id": uid, "peer": {"address": addr, "asn": asn},
            "local_address": "127.0.110.1", "families": ["ipv4-unicast", "ipv6-unicast"],
            "next_hop_ipv6": nh6, "instance": {"address": inst, "client_to_client": uid == 1}}
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
       "api": {"listen": "127.0.110.1:8179"},
       "upstreams": [upstream("isp-a", 1, "127.0.110.11", 65010, "127.0.111.1", "2001:db8:110::1"),
                     upstream("isp-b", 2, "127.0.110.12", 65020, "127.0.112.1", "2001:db8:110::2")],
       "clients": [
           {"name": "vnet", "address": "127.0.111.12", "asn": 65101, "upstreams": ["isp-a"],
            "prefixes": ["184.164.224.0/23", "2001:db8:100::/44"]},
           {"name": "exa", "address": "127.0.111.13", "asn": 3130, "keep_asn": True,
            "upstreams": ["isp-a"], "prefixes": ["198.51.100.0/24", "2001:db8:200::/48"]},
           {"name": "flapper", "address": "127.0.111.14", "asn": 65102, "upstreams": ["isp-a"],
            "prefixes": ["100.64.10.0/24"], "hold_down": 8, "min_interval": 2},
           {"name": "burster", "address": "127.0.111.15", "asn": 65103, "upstreams": ["isp-a"],
            "prefixes": ["100.64.20.0/24"], "min_interval": 4},
           {"name": "flooder", "address": "127.0.111.16", "asn": 65104, "upstreams": ["isp-a"],
            "prefixes": ["44.0.0.0/10"], "max_prefixes": 100, "hold_down": 0,
            "min_interval": 0}]}
json.dump(cfg, open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 60 "both upstream sessions" bash -c "birdc -s '$T/ispa/ctl' show protocols mux | grep -q Established && birdc -s '$T/ispb/ctl' show protocols mux | grep -q Established"

# The BIRD client: private AS 65101 (BIRD puts it first in the path), one
# more private ASN, its own standard and large community, MED 99; one route
# steered to upstream 2 only; a /25 (longer than max_length) and prefixes
# outside its allocation.
mkdir -p "$T/vnet"
cat >"$T/vnet/bird.conf" <<EOF
router id $VNET;
log "$T/vnet/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol static s4 {
	ipv4 { table c4; };
	route 184.164.224.0/24 unreachable;
	route 184.164.225.0/24 unreachable;
	route 184.164.224.0/25 unreachable;
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
	if net = 184.164.225.0/24 then bgp_community.add((65000, 2));
	accept;
}
protocol bgp mux {
	local $VNET as 65101;
	neighbor $INSTA as 65000;
	multihop;
	strict bind yes;
	connect delay time 1;
	connect retry time 2;
	ipv4 { table c4; import all; export filter to_mux; };
	ipv6 { table c6; import all; export filter to_mux; next hop address 2001:db8::12; };
}
EOF
spawn "bird vnet" "$T/vnet/stderr" bird -f -c "$T/vnet/bird.conf" -s "$T/vnet/ctl" -P "$T/vnet/pid"
VNET_PID=$LAST_PID

# The ExaBGP client: public AS 3130 with keep_asn; a private ASN after it,
# its community, MED, an extended community; prepend once toward upstream 1;
# announce to 1 and 2 but never to 2; an unallocated prefix.
mkdir -p "$T/exa"
cat >"$T/exa/exabgp.conf" <<EOF
neighbor $INSTA {
	router-id $EXA;
	local-address $EXA;
	local-as 3130;
	peer-as 65000;
	hold-time 90;
	family { ipv4 unicast; ipv6 unicast; }
	static {
		route 198.51.100.0/24 next-hop $EXA as-path [ 3130 64600 ] med 10 community [ 3130:5 ] extended-community [ target:3130:1 ] large-community [ 65000:3:1 3130:9:9 ];
		route 2001:db8:200::/48 next-hop 2001:db8::13 as-path [ 3130 64600 ] med 10 community [ 65000:1 65000:2 65000:1002 3130:6 ];
		route 203.0.113.0/24 next-hop $EXA as-path [ 3130 ];
	}
}
EOF
spawn "exabgp exa" "$T/exa/exabgp.log" env \
	exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
	exabgp.api.cli=false exabgp.tcp.bind="" exabgp.tcp.port=179 \
	exabgp.log.destination=stdout exabgp.log.level=INFO \
	exabgp "$T/exa/exabgp.conf"
EXA_PID=$LAST_PID

# ------------------------------------------------------- tables at the ISPs

# isp_table NAME — the ISP's routes as JSON: prefix → {BGP.* attribute: value}.
isp_table() {
	{ _isp "$1" show route all table t4; _isp "$1" show route all table t6; } | python3 -c '
import json, re, sys
routes, cur = {}, None
for line in sys.stdin:
    m = re.match(r"^([0-9a-f.:]+/\d+)\s", line)
    if m:
        cur = routes.setdefault(m.group(1), {})
        continue
    m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", line)
    if m and cur is not None:
        cur[m.group(1)] = m.group(2).strip()
print(json.dumps(routes, sort_keys=True))'
}

# isp_exactly NAME JSON — the ISP holds exactly these prefixes (of the
# clients' space: 44/8 and 100.64/16 belong to later phases and are
# ignored) with exactly these attributes.
isp_exactly() {
	isp_table "$1" >"$T/$1.table.json" || return 1
	python3 - "$T/$1.table.json" "$2" ${3:+"$3"} <<'PY'
import json, sys
have = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
have = {p: a for p, a in have.items() if not p.startswith(("44.", "100.64."))}
for a in have.values():
    a.pop("local_pref", None)
if have != want:
    if len(sys.argv) > 3:
        print("have:", json.dumps(have, sort_keys=True), file=sys.stderr)
        print("want:", json.dumps(want, sort_keys=True), file=sys.stderr)
    sys.exit(1)
PY
}
# wait_exactly SECONDS NAME JSON — until isp_exactly holds; the difference when not.
wait_exactly() {
	_poll "$1" isp_exactly "$2" "$3" && return 0
	isp_exactly "$2" "$3" verbose
	fail "ISP $2 does not hold exactly the expected client routes after $1 s"
}

R() {   # R ORIGIN PATH NEXT-HOP — one route's BGP attributes as BIRD prints them
	printf '{"origin": "%s", "as_path": "%s", "next_hop": "%s"}' "$1" "$2" "$3"
}
NH4=$MUX_ADDR
NH6A=2001:db8:110::1           # next_hop_ipv6 of each upstream: the sessions are IPv4
NH6B=2001:db8:110::2
WANT_A="{\"184.164.224.0/24\": $(R IGP 65000 $NH4),
  \"2001:db8:100::/48\": $(R IGP 65000 $NH6A),
  \"198.51.100.0/24\": $(R IGP '65000 65000 3130' $NH4),
  \"2001:db8:200::/48\": $(R IGP '65000 3130' $NH6A)}"
WANT_B="{\"184.164.225.0/24\": $(R IGP 65000 $NH4)}"

wait_exactly 60 ispa "$WANT_A"
wait_exactly 30 ispb "$WANT_B"
say "ISP A: 4 client routes with AS_PATH 65000 (+3130 with keep_asn, +65000 prepended), next hop $MUX_ADDR, no community, no MED"
say "ISP B: only the route steered to it with 65000:2"

# client_to_client on instance A: the BIRD client gets the ExaBGP client's
# IPv4 route as ISP A is sent it (next hop: the instance), never its own.
# (Its IPv6 routes come with the IPv4-mapped next hop of the IPv4 session,
# which BIRD refuses: not checked.)
vnet_got() {
	birdc -s "$T/vnet/ctl" show route all table c4 protocol mux | python3 -c '
import json, re, sys
routes, cur = {}, None
for line in sys.stdin:
    m = re.match(r"^([0-9a-f.:]+/\d+)\s", line)
    if m:
        cur = routes.setdefault(m.group(1), {})
        continue
    m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", line)
    if m and cur is not None and m.group(1) != "local_pref":
        cur[m.group(1)] = m.group(2).strip()
want = {"198.51.100.0/24": {"origin": "IGP", "as_path": "65000 65000 3130", "next_hop": "127.0.111.1"}}
sys.exit(0 if routes == want else 1)'
}
wait_until 30 "the BIRD client to get exactly the ExaBGP client's route (client_to_client)" vnet_got
say "client_to_client: the BIRD client holds the ExaBGP client's route as ISP A has it, next hop the instance, and none of its own"
# Prefixes outside a client's allocation: counted per client (the API),
# logged in aggregate with the client's name — the first one at once.
rejected() {
	curl -sf "http://$MUX_ADDR:8179/api/v1/clients/$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["instances"][0]["rejected_prefixes"])'
}
rejected_are() { [[ $(rejected vnet) == 3 && $(rejected exa) == 1 ]]; }
wait_until 10 "muxd to count 3 rejected prefixes of vnet, 1 of exa" rejected_are
(($(grep -c "client vnet: announced" "$MUX_LOG") == 1)) ||
	fail "muxd logged the BIRD client's rejected prefixes one by one: $(grep "client vnet: announced" "$MUX_LOG")"
mux_log_has "client vnet: announced (10\.66\.0\.0/24, outside its allocation|184\.164\.224\.0/25, more specific than its max_length|2001:db8:ffff::/48, outside its allocation): treated as withdrawn \(1 so far" ||
	fail "muxd did not log a rejected prefix with the client's name: $(grep "client vnet: announced" "$MUX_LOG")"
mux_log_has "client exa: announced 203\.0\.113\.0/24, outside its allocation" ||
	fail "muxd did not log ExaBGP's unallocated prefix"

# ----------------------------------------------------------- flap isolation

CLIENT=(python3 "$TOOLS/route_client.py")
u0=$(isp_updates ispa)
w0=$(isp_withdraws ispa)
s0=$(mux_sessions "view isp-a peer")
"${CLIENT[@]}" flap --inst "$INSTA" --src "$FLAPPER" --asn 65102 --prefix 100.64.10.0/24 \
	--times 50 >"$T/flap.out" 2>&1 || fail "the flapping client failed: $(cat "$T/flap.out")"
flap_end=$SECONDS
n=$(grep -c "client flapper .*-> Established" "$MUX_LOG")
((n == 50)) || fail "muxd saw the flapper Established $n times, want 50"
wait_until 10 "ISP A to receive the flapper's prefix" bash -c "birdc -s '$T/ispa/ctl' show route 100.64.10.0/24 table t4 | grep -q 100.64.10.0"
u1=$(isp_updates ispa)
w1=$(isp_withdraws ispa)
((u1 - u0 == 1 && w1 == w0)) ||
	fail "50 flaps within the hold-down: ISP A received $((u1 - u0)) updates and $((w1 - w0)) withdrawals, want 1 and 0"
[[ $(mux_sessions "view isp-a peer") == "$s0" ]] ||
	fail "ISP A's session restarted during the flaps: $s0 -> $(mux_sessions "view isp-a peer")"
say "50 client flaps within the 8 s hold-down: ISP A received exactly 1 UPDATE, no withdrawal"
wait_until 20 "the hold-down to end and ISP A to lose the prefix" bash -c "! birdc -s '$T/ispa/ctl' show route 100.64.10.0/24 table t4 | grep -q 100.64.10.0"
((SECONDS - flap_end >= 6)) || fail "the prefix went after $((SECONDS - flap_end)) s, before the 8 s hold-down"
_one_withdrawal() { (($(isp_updates ispa) == u1 && $(isp_withdraws ispa) - w1 == 1)); }
holds_for 2 "past the hold-down, ISP A having received exactly 1 withdrawal and no update" _one_withdrawal
u2=$(isp_updates ispa)
w2=$(isp_withdraws ispa)
say "away past the hold-down: exactly 1 withdrawal"

# ------------------------------------------------------------------- burst

spawn burster "$T/burst.out" "${CLIENT[@]}" burst --inst "$INSTA" --src "$BURSTER" --asn 65103 \
	--prefix 100.64.20.0/24 --count 100
BURST_PID=$LAST_PID
wait_until 10 "the burst to be sent" grep -q changes "$T/burst.out"
_burst_announced() { _isp ispa show route 100.64.20.0/24 table t4 | matches 100.64.20.0; }
wait_until 15 "ISP A to hold the burst's final state (announced)" _burst_announced
# min_interval is 4 s: a further change would come within 5 s
_burst_few() { (($(isp_updates ispa) - u2 + $(isp_withdraws ispa) - w2 <= 2)) && _burst_announced; }
holds_for 5 "ISP A receiving at most 2 UPDATEs in all for a burst of 100 changes, ending announced" _burst_few
burst_updates=$(($(isp_updates ispa) - u2))
burst_wd=$(($(isp_withdraws ispa) - w2))
say "a burst of 101 changes within min_interval: ISP A received $burst_updates UPDATE(s), $burst_wd withdrawal(s), ends announced"

# ------------------------------------------------------------ max_prefixes

"${CLIENT[@]}" flood --inst "$INSTA" --src "$FLOODER" --asn 65104 --base 44.0.0.0 \
	--count 10000 >"$T/flood.out" 2>&1 || fail "the flooding client failed: $(cat "$T/flood.out")"
python3 - "$T/flood.out" <<'PY' || fail "the flooder was not closed with 6/1 and its data: $(cat "$T/flood.out")"
import json, sys
n = json.loads(open(sys.argv[1]).read().splitlines()[-1])["notification"]
assert n == {"code": 6, "subcode": 1, "data": "00010100000064"}, n
PY
say "10,000 prefixes with max_prefixes 100: Cease 6/1, data AFI 1 SAFI 1 limit 100 (RFC 4486)"
! mux_log_has "view isp-[ab] peer [0-9.]+: Established -> " ||
	fail "an upstream session went down during the test"
isp_established ispa && isp_established ispb || fail "an upstream session is down after the flood"
_isp ispa show route 44.0.0.0/8 all table t4 >/dev/null
wait_until 10 "ISP A to drop the flooder's routes (hold_down 0)" bash -c "! birdc -s '$T/ispa/ctl' show route table t4 | grep -q '^44\.'"
birdc -s "$T/vnet/ctl" show protocols mux | matches Established || fail "the BIRD client went down"
! mux_log_has "client (vnet|exa) [0-9.]+: Established -> " ||
	fail "the BIRD or the ExaBGP client lost its session during the test"
isp_exactly ispa "$WANT_A" || fail "ISP A's client routes changed during the flood"
say "the other clients and both upstream sessions carried on"

# ----------------------------------------------------------------- restart

stop_pid "$BURST_PID" TERM 5
stop_pid "$VNET_PID" TERM 5
stop_pid "$EXA_PID" TERM 5
isp_table ispa >"$T/before.a.json"
isp_table ispb >"$T/before.b.json"
count_routes() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }
na=$(count_routes "$T/before.a.json")
nb=$(count_routes "$T/before.b.json")
((na == 5 && nb == 1)) || fail "before the restart ISP A holds $na routes and ISP B $nb, want 5 and 1"
say "before the restart: ISP A holds $na client routes (the burster's too), ISP B $nb"
mux_stop_clean
[[ -s $T/var/bgpmux.db ]] || fail "no $T/var/bgpmux.db after the stop"
wait_until 20 "ISP A to lose its routes with the session" bash -c "[ -z \"\$(birdc -s '$T/ispa/ctl' show route table t4 | grep '/')\" ]"
mux_start "$T/muxd.json"
same_tables() {
	isp_table ispa >"$T/after.a.json" && isp_table ispb >"$T/after.b.json" &&
		cmp -s "$T/before.a.json" "$T/after.a.json" && cmp -s "$T/before.b.json" "$T/after.b.json"
}
wait_until 60 "both ISPs to hold again exactly what they held before the restart" same_tables
! mux_log_has "client [a-z]+ [0-9.]+: .*-> Established" || fail "a client connected after the restart"
mux_log_has "gateway: restored 6 announced client routes" ||
	fail "muxd did not log restoring the 6 announced routes"
say "restart with no client running: both ISPs hold the same routes, attribute by attribute"

mux_stop_clean
say "PASS"
