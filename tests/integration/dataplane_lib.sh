# tests/integration/dataplane_lib.sh — what the data plane's tests share
# (test_dataplane, test_dataplane_full), sourced after lib.sh: the veth
# links between their namespaces, the ISPs' BIRD, muxd's configuration and
# the check that muxd left nothing of its own. The namespaces are $NS_A,
# $NS_B (the ISPs), $NS_M (muxd) and $NS_V (the vnet); addresses inside
# them, the hosts that answer and how they are asked (answer_start,
# fetch): 10.201.0.0/24 vnet–mux (mux .1, vnet .2, instances .11 and .12),
# 10.201.1.0/24 isp-a–mux and 10.201.2.0/24 isp-b–mux (mux .1, ISP .2).

TABLE_BASE=20000

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2 — a veth pair, addressed, up.
link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" ||
		fail "cannot create the veth pair $2–$5"
	[[ -n $3 ]] && ip -n "$1" addr add "$3" dev "$2"
	[[ -n $6 ]] && ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# dp_namespaces TAG — the four namespaces (NS_A, NS_B, NS_M, NS_V, named
# TAG-isp-a...), joined by veth pairs: vnets0 in the mux is the client
# interface; forwarding on in the mux.
dp_namespaces() {
	NS_A=$1-isp-a NS_B=$1-isp-b NS_M=$1-mux NS_V=$1-vnet
	MUX_NS=$NS_M MUX_ADDR=10.201.1.1
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_M" "$NS_V"; do netns_add "$ns"; done
	link "$NS_M" vnets0 10.201.0.1/24 "$NS_V" eth0 10.201.0.2/24
	link "$NS_M" up-a 10.201.1.1/24 "$NS_A" eth0 10.201.1.2/24
	link "$NS_M" up-b 10.201.2.1/24 "$NS_B" eth0 10.201.2.2/24
	ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1
}

# isp_start NAME NS ADDR ASN [STATIC-FILE] — a BIRD upstream: its static
# routes to muxd (203.0.113.0/24, or those STATIC-FILE holds, re-read by
# `_bc NAME configure`), what muxd sends into its kernel table. ISP_HOLD:
# the session's hold time (90 s by default).
isp_start() {
	local d=$T/$1 routes="route 203.0.113.0/24 unreachable;"
	# BIRD reads "include" only at the start of a line
	[[ -n ${5:-} ]] && printf -v routes '\ninclude "%s";\n' "$5"
	mkdir -p "$d"
	cat >"$d/bird.conf" <<EOC
router id $3;
log "$d/bird.log" all;
protocol device {}
protocol direct { ipv4; interface "eth0"; }
protocol static { ipv4; $routes }
protocol kernel {
	ipv4 { import none; export where source = RTS_BGP; };
}
protocol bgp mux {
	local $3 as $4;
	neighbor ${3%.2}.1 as 65000;
	direct;
	strict bind yes;
	passive;
	hold time ${ISP_HOLD:-90};
	ipv4 { import all; export where source = RTS_STATIC; };
}
EOC
	ns_exec "$2"
	spawn "bird $1" "$d/stderr" "${NSX[@]}" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 20 "BIRD $1 to answer" _up "$1"
}
_bc() { birdc -s "$T/$1/ctl" "${@:2}"; }
_up() { _bc "$1" show status 2>/dev/null | matches 'Daemon is up'; }
established() { _bc "$1" show protocols "$2" | matches Established; }

# mux_json FILE [KEY=VALUE...] — muxd's configuration; the optional
# dataplane keys replace the defaults (client_interface=none: no key).
# DP_UPSTREAMS: the upstreams configured ("isp-a isp-b" by default).
mux_json() {
	python3 - "$@" "$T/var" "${DP_UPSTREAMS:-isp-a isp-b}" <<'PY' || fail "cannot write $1"
import json, sys
out, extra, state, names = sys.argv[1], sys.argv[2:-2], sys.argv[-2], sys.argv[-1].split()
dp = {"client_interface": "vnets0", "table_base": 20000, "fib": "default"}
for kv in extra:
    k, v = kv.split("=", 1)
    dp[k] = v
def upstream(name, uid, peer, asn, inst):
    return {"name": name, "id": uid, "peer": {"address": peer, "asn": asn},
            "local_address": peer.rsplit(".", 1)[0] + ".1", "families": ["ipv4-unicast"],
            "instance": {"address": inst, "next_hop": "self"}}
ups = [upstream("isp-a", 1, "10.201.1.2", 65010, "10.201.0.11"),
       upstream("isp-b", 2, "10.201.2.2", 65020, "10.201.0.12")]
ups = [u for u in ups if u["name"] in names]
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
       "upstreams": ups,
       "clients": [{"name": "vnet", "address": "10.201.0.2", "asn": 65101,
                    "upstreams": [u["name"] for u in ups], "prefixes": ["184.164.224.0/24"],
                    "hold_down": 3, "min_interval": 0}],
       "api": {"listen": "127.0.0.1:8179"},
       "dataplane": dp}
json.dump(cfg, open(out, "w"), indent=2)
PY
}

# answer_start NS ADDR NAME — a host at ADDR:8080 answering NAME.
answer_start() {
	ns_exec "$1"
	spawn "host $3" "$T/host-$3.log" "${NSX[@]}" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall((sys.argv[2] + "\n").encode())
    c.close()
' "$2" "$3"
	wait_until 10 "$3's host to listen" listening "$2" 8080 "$1"
}

# fetch NS DST SRC — what DST:8080 answers NS's SRC.
fetch() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8080), timeout=2, source_address=(sys.argv[2], 0))
print(s.recv(64).decode().strip())
' "$2" "$3" 2>/dev/null
}

# nothing_left WHEN — no route of protocol 113, no rule at priority 1000,
# no macvlan in the mux namespace.
nothing_left() {
	local r
	r=$(ip -n "$NS_M" route show table all proto 113)
	[[ -z $r ]] || fail "routes of muxd left $1: $r"
	r=$(ip -n "$NS_M" rule show | grep '^1000:' || true)
	[[ -z $r ]] || fail "rules of muxd left $1: $r"
	r=$(ip -n "$NS_M" -6 rule show | grep '^1000:' || true)
	[[ -z $r ]] || fail "IPv6 rules of muxd left $1: $r"
	r=$(ip -n "$NS_M" -o link show type macvlan)
	[[ -z $r ]] || fail "macvlans left $1: $r"
}
