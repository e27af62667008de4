#!/usr/bin/env bash
# The mux on loopback, end to end: BIRD 2 as the upstream ISP (a few hundred
# generated IPv4 and IPv6 routes with AS paths, MEDs, standard, extended and
# large communities), muxd with one upstream and its instance, BIRD 2 as a
# client of that instance.
#   - the client's table equals the upstream's, attribute by attribute
#     (`birdc show route all` on both sides);
#   - a withdrawal at the upstream reaches the client;
#   - the client flapping 10 times sends nothing to the upstream: its session
#     never resets and it receives no UPDATE at all (BIRD's route change
#     stats at the upstream stay at zero);
#   - SIGHUP without the client: it gets Cease/Peer De-configured, the
#     upstream session stays up.
# Addresses: 127.0.80.0/24 (muxd 127.0.80.1, upstream BIRD 127.0.80.11) and
# 127.0.81.0/24 (instance 127.0.81.1, client BIRD 127.0.81.12).
V4=${V4:-300}
V6=${V6:-200}
. "$(dirname "$0")/lib.sh"

# The client's AS must not be in any generated path (a client drops routes
# with its own AS in the path: loop detection).
CLIENT_ASN=4200000999
MUX_ADDR=127.0.80.1
INST_ADDR=127.0.81.1
CLIENT_ADDR=127.0.81.12
UP=isp_a

# ---------------------------------------------------------------- set-up

peer_add "$UP" bird 127.0.80.11 65010 8 passive
bird_start "$UP"
! grep -q "prepend($CLIENT_ASN)" "$T/$UP/bird.conf" || fail "AS $CLIENT_ASN is in a generated path"
wait_until 30 "the upstream BIRD to listen" listening 127.0.80.11 179

# mux_json FILE WITH-CLIENT — muxd's configuration: one upstream, its
# instance, and (if WITH-CLIENT is 1) the client.
mux_json() {
	python3 - "$1" "$2" "$T/var" "$CLIENT_ASN" <<'PY' || fail "cannot write $1"
import json, sys
out, with_client, state, client_asn = sys.argv[1], sys.argv[2] == "1", sys.argv[3], int(sys.argv[4])
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
       "upstreams": [{"name": "isp-a",
                      "peer": {"address": "127.0.80.11", "asn": 65010, "port": 179},
                      "local_address": "127.0.80.1", "hold_time": 90,
                      "families": ["ipv4-unicast", "ipv6-unicast"],
                      "instance": {"address": "127.0.81.1", "port": 179}}],
       "clients": []}
if with_client:
    cfg["clients"].append({"name": "vnet-1", "address": "127.0.81.12", "asn": client_asn,
                           "upstreams": ["isp-a"]})
with open(out, "w") as f:
    json.dump(cfg, f, indent=2)
PY
}

mux_json "$T/muxd.json" 1
mux_start "$T/muxd.json"

mkdir -p "$T/client"
cat >"$T/client/bird.conf" <<EOF
router id $CLIENT_ADDR;
log "$T/client/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol bgp mux {
	local $CLIENT_ADDR as $CLIENT_ASN;
	neighbor $INST_ADDR port 179 as 65000;
	multihop;
	strict bind yes;
	hold time 90;
	connect delay time 1;
	connect retry time 2;
	error wait time 1, 2;
	ipv4 { table c4; import all; export none; };
	ipv6 { table c6; import all; export none; };
}
EOF
spawn "bird client" "$T/client/stderr" bird -f -c "$T/client/bird.conf" -s "$T/client/ctl" \
	-P "$T/client/pid"
_cbirdc() { birdc -s "$T/client/ctl" "$@"; }
client_established() { _cbirdc show protocols mux | grep -q Established; }
wait_until 30 "the client BIRD to answer" bash -c "birdc -s '$T/client/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"

wait_until 60 "the upstream session" bird_established "$UP"
wait_until 60 "the client session" client_established

# ---------------------------------------------------------------- compare

# show_routes CTL TABLE — `show route all` as JSON: prefix → {BGP.* attribute:
# value}, communities as sorted lists (BIRD sorts them when it sends).
show_routes() {
	birdc -s "$1" show route all table "$2" | python3 -c '
import json, re, sys
routes, cur = {}, None
for line in sys.stdin:
    m = re.match(r"^([0-9a-f.:]+/\d+)\s", line)
    if m:
        cur = routes.setdefault(m.group(1), {})
        continue
    m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", line)
    if m and cur is not None:
        k, v = m.group(1), m.group(2).strip()
        if k.endswith("community"):
            v = sorted(re.findall(r"\([^)]*\)", v))
        cur[k] = v
print(json.dumps(routes, sort_keys=True))'
}

# tables_equal — the client holds exactly what the upstream exports: the
# upstream's own routes with its AS in front of the path; LOCAL_PREF never
# crosses eBGP (the client sets its default).
tables_equal() {
	local t
	for t in 4 6; do
		show_routes "$T/$UP/ctl" "t${t}_$UP" >"$T/up$t.json" || return 1
		show_routes "$T/client/ctl" "c$t" >"$T/client$t.json" || return 1
		python3 - "$T/up$t.json" "$T/client$t.json" "$t" <<'PY' || return 1
import json, sys
up, cl = (json.load(open(p)) for p in sys.argv[1:3])
problems = []
for p, a in up.items():
    want = dict(a)
    want.pop("local_pref", None)
    want["as_path"] = ("65010 " + want.get("as_path", "")).strip()
    have = dict(cl.get(p, {}))
    have.pop("local_pref", None)
    if not have:
        problems.append("%s: missing at the client" % p)
    elif have != want:
        problems.append("%s: client has %s, want %s" % (p, json.dumps(have), json.dumps(want)))
for p in cl:
    if p not in up:
        problems.append("%s: at the client only" % p)
if problems:
    print("IPv%s: %d differences, e.g.:" % (sys.argv[3], len(problems)), *problems[:5], sep="\n  ",
          file=sys.stderr)
    sys.exit(1)
print("IPv%s: %d routes equal, attribute by attribute" % (sys.argv[3], len(up)), file=sys.stderr)
PY
	done
}

route_count() { birdc -s "$1" show route count table "$2" | awk '/routes for/ {print $1}'; }
client_has() {
	[[ $(route_count "$T/client/ctl" c4) == "$1" && $(route_count "$T/client/ctl" c6) == "$2" ]]
}

up4=$(route_count "$T/$UP/ctl" "t4_$UP")
up6=$(route_count "$T/$UP/ctl" "t6_$UP")
say "the upstream has $up4 IPv4 and $up6 IPv6 routes"
wait_until 60 "the client to hold $up4 + $up6 routes" client_has "$up4" "$up6"
tables_equal || fail "the client's table differs from the upstream's"

# ------------------------------------------------------ what the upstream saw

# upstream_stats — muxd's count of the upstream's sessions (a counter: BIRD's
# "since" time moves under load) and what the upstream received from muxd.
upstream_stats() {
	printf '%s, ' "$(mux_sessions "view isp-a peer")"
	_birdc "$UP" show protocols all mux | awk '
		/Import updates:/ { upd += $3 }
		/Import withdraws:/ { wd += $3 }
		END { print upd + 0, wd + 0 }'
}
before=$(upstream_stats)
say "upstream session: muxd's session count, received updates, received withdraws: $before"
[[ $before == *" 0 0" ]] || fail "the upstream received routes from muxd: $before"

# ------------------------------------------------------------- withdrawal

bird_withdraw "$UP"
w4=$(route_count "$T/$UP/ctl" "t4_$UP")
w6=$(route_count "$T/$UP/ctl" "t6_$UP")
((w4 < up4 && w6 < up6)) || fail "the upstream did not withdraw anything ($w4, $w6)"
wait_until 60 "the client to hold $w4 + $w6 routes after the withdrawal" client_has "$w4" "$w6"
tables_equal || fail "after the withdrawal, the client's table differs from the upstream's"

# ------------------------------------------------------------------- flaps

for i in $(seq 1 10); do
	_cbirdc disable mux >/dev/null
	wait_until 10 "the client to go down (flap $i)" bash -c "! birdc -s '$T/client/ctl' show protocols mux | grep -q Established"
	_cbirdc enable mux >/dev/null
	wait_until 30 "the client to come back (flap $i)" client_established
done
wait_until 60 "the client to hold $w4 + $w6 routes after 10 flaps" client_has "$w4" "$w6"
tables_equal || fail "after the flaps, the client's table differs from the upstream's"
after=$(upstream_stats)
[[ $after == "$before" ]] ||
	fail "the upstream saw the flaps: before '$before', after '$after' (sessions, updates, withdraws)"
bird_established "$UP" || fail "the upstream session is not Established"
n=$(grep -c "instance isp-a client vnet-1 $CLIENT_ADDR: .* -> Established" "$MUX_LOG")
((n >= 11)) || fail "muxd logged $n client Established lines, want 11"
say "10 client flaps: the upstream session stayed up and received no UPDATE"

# ---------------------------------------------------- dump and reload

mux_dump
python3 - "$ROUTES_JSON" "$w4" "$w6" <<'PY' || fail "routes.json does not show the view and the instance"
import json, sys
d = json.load(open(sys.argv[1]))
v = next(v for v in d["views"] if v["name"] == "isp-a")
assert v["state"] == "Established", v["state"]
assert len(v["routes"]) == int(sys.argv[2]) + int(sys.argv[3]), len(v["routes"])
i = next(i for i in d["instances"] if i["name"] == "isp-a")
c = next(c for c in i["clients"] if c["name"] == "vnet-1")
assert c["state"] == "Established" and c["phase"] == "steady", c
assert c["joins"] == 11 and c["flaps"] == 10 and c["drops"] == 0, c
PY

mux_json "$T/muxd.json" 0
kill -HUP "$MUX_PID"
wait_until 15 "the client to be told Peer De-configured" bash -c \
	"birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'de-configured'"
[[ $(upstream_stats) == "$before" ]] || fail "the reload disturbed the upstream session"
bird_established "$UP" || fail "the upstream session is not Established after the reload"
say "SIGHUP without the client: Cease/Peer De-configured to it, the upstream untouched"

mux_stop_clean
say "PASS"
