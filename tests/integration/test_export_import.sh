#!/usr/bin/env bash
# An instance host rebuilds its views from the view host's VPN routes
# (docs/scaleout.md, "The instance host's views"). vpn_export plays the
# view host: three views (RDs 65000:1 to 65000:3), each 100 IPv4 and 100
# IPv6 prefixes with two paths apiece, sent with ADD-PATH, then
# End-of-RIB; no upstream has id 3. A muxd instance host with upstreams isp-a (id 1) and isp-b
# (id 2) serves each view on its instance; an ADD-PATH client of each
# gets the view's table path by path (path ids and attributes: the table
# vpn_export wrote, bgp_sink --expect-table), and so does a monitor client
# ("role": "monitor", on any instance); a multisession client (IETF, one
# session per family) holds a path per prefix of its view. vpn_export withdraws view 1:
# a client of isp-a still connected loses every path; isp-b keeps its.
# The session's end clears the views (vpn_export offers no Graceful
# Restart: test_export_gr has the session that does).
# Addresses: 127.0.248.0/24 (the view host), 127.0.249.0/24 (the
# instance host, its instances and clients).
. "$(dirname "$0")/lib.sh"

VH=127.0.248.1 IH=127.0.249.1 INST_A=127.0.249.2 INST_B=127.0.249.3
CA=127.0.249.10 CW=127.0.249.11 CB=127.0.249.12 CE=127.0.249.13 CM=127.0.249.14 CMS=127.0.249.15
EXPORT_PORT=1179 PREFIXES=100 PATHS=2
claim_addrs "$VH" "$IH" "$INST_A" "$INST_B" "$CA" "$CW" "$CB" "$CE" "$CM" "$CMS"
PER_VIEW=$((2 * PREFIXES * PATHS))

cat >"$T/instancehost.json" <<EOF || fail "cannot write the instance host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.2", "state_dir": "$T/var",
  "api": { "listen": "$IH:8179" },
  "view_host": { "address": "$VH", "port": $EXPORT_PORT, "local_address": "$IH" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "families": ["ipv4-unicast", "ipv6-unicast"],
      "instance": { "address": "$INST_A", "port": 179 } },
    { "name": "isp-b", "id": 2, "families": ["ipv4-unicast", "ipv6-unicast"],
      "instance": { "address": "$INST_B", "port": 179 } }
  ],
  "clients": [
    { "name": "ca", "address": "$CA", "asn": 65100, "add_path": "send", "upstreams": ["isp-a"] },
    { "name": "cw", "address": "$CW", "asn": 65101, "add_path": "send", "upstreams": ["isp-a"] },
    { "name": "cb", "address": "$CB", "asn": 65102, "add_path": "send", "upstreams": ["isp-b"] },
    { "name": "ce", "address": "$CE", "asn": 65103, "add_path": "send", "upstreams": ["isp-b"] },
    { "name": "mon", "address": "$CM", "asn": 65104, "add_path": "send", "role": "monitor" },
    { "name": "ms", "address": "$CMS", "asn": 65105, "multisession": "ietf", "upstreams": ["isp-b"] }
  ]
}
EOF
mkdir -p "$T/var"
spawn "muxd instance host" "$T/muxd.log" "${MUXD_CMD[@]}" --config "$T/instancehost.json"
MUX_PID=$LAST_PID
MUX_LOG=$T/muxd.log
wait_until 20 "the instance of isp-a to listen" listening "$INST_A" 179
wait_until 20 "the instance of isp-b to listen" listening "$INST_B" 179

# A client there before the view host: its End-of-RIB waits for the view
# host's, so it comes after every path.
spawn "client ce" "$T/ce.err" sh -c 'exec "$0" "$@" >"'"$T/ce.json"'"' \
	"$ROOT/build/tools/bgp_sink" --connect "$INST_B:179" --bind "$CE" --asn 65103 \
	--peer-as "$MUX_ASN" --addpath --until-eor --timeout 40
CE_PID=$LAST_PID
_ce_up() { grep -q "established" "$T/ce.err"; }
wait_until 10 "client ce to be Established" _ce_up
holds_for 1 "client ce to get no End-of-RIB before the view host's" running "$CE_PID"

spawn vpn_export "$T/vpn_export.log" "$ROOT/build/tools/vpn_export" --listen "$VH:$EXPORT_PORT" \
	--asn "$MUX_ASN" --views 3 --prefixes "$PREFIXES" --paths "$PATHS" --dump-tables "$T/view"
VX_PID=$LAST_PID
wait_until 20 "vpn_export to listen on $VH:$EXPORT_PORT" listening "$VH" "$EXPORT_PORT"

# sink NAME INSTANCE BIND ASN TABLE LINGER — an ADD-PATH client expecting TABLE.
sink() {
	spawn "client $1" "$T/$1.err" sh -c 'exec "$0" "$@" >"'"$T/$1.json"'"' \
		"$ROOT/build/tools/bgp_sink" --connect "$2:179" --bind "$3" --asn "$4" \
		--peer-as "$MUX_ASN" --addpath --name "$1" --expect-table "$5" --linger "$6" \
		--timeout 40 --dump-table "$T/$1.table"
}
sink ca "$INST_A" "$CA" 65100 "$T/view.1" 0.5
CA_PID=$LAST_PID
sink cw "$INST_A" "$CW" 65101 "$T/view.1" 60
CW_PID=$LAST_PID
sink cb "$INST_B" "$CB" 65102 "$T/view.2" 0.5
CB_PID=$LAST_PID
sink mon "$INST_B" "$CM" 65104 "$T/view.2" 0.5      # a monitor, on any instance
MON_PID=$LAST_PID
# a multisession client (one session per family, no ADD-PATH: a path per prefix)
spawn "multisession client" "$T/ms.log" "$ROOT/build/tools/ms_speaker" --local "$CMS" \
	--remote "$INST_B" --asn 65105 --peer-as "$MUX_ASN" --id "$CMS" --dialect ietf \
	--family ipv4-unicast --family ipv6-unicast --hold 30 --status "$T/ms.json" --quiet

_ended() { ! running "$1"; }
wait_until 30 "client ca to get view 1" _ended "$CA_PID"
wait_until 30 "client cb to get view 2" _ended "$CB_PID"
wait_until 30 "the monitor client to get view 2" _ended "$MON_PID"
# report NAME PREFIXES — its table is exactly the expected one, path by path.
report() {
	python3 - "$T/$1.json" "$2" "$PER_VIEW" <<'PY' || fail "client $1's table: $(cat "$T/$1.json" "$T/$1.err")"
import json, sys
d = json.load(open(sys.argv[1]))
want, expected = int(sys.argv[2]), int(sys.argv[3])
assert d["complete"] and d["expected"] == expected, d
assert d["prefixes"] == want and d["extra"] == 0 and d["attr_mismatch"] == 0, d
assert d["missing"] == expected - want, d
PY
}
wait_until 10 "client ce to get End-of-RIB" _ended "$CE_PID"
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['eor_ipv4'] and d['prefixes'] == int(sys.argv[2]), d" "$T/ce.json" "$PER_VIEW" ||
	fail "client ce's End-of-RIB came before the view's paths: $(cat "$T/ce.json")"
say "a client there before the view host gets End-of-RIB after the view's every path"
report ca "$PER_VIEW"
report cb "$PER_VIEW"
report mon "$PER_VIEW"
say "each instance's ADD-PATH client, and a monitor client, hold its view's $PER_VIEW paths: path ids and attributes as the view host sent them"
_ms_whole() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = sum(s["state"] == "Established" for s in d["sessions"]) == 2
sys.exit(not (ok and d["ipv4_routes"] == d["ipv6_routes"] == int(sys.argv[2])))' "$T/ms.json" "$PREFIXES" 2>/dev/null
}
wait_until 20 "the multisession client to hold view 2's $PREFIXES IPv4 and $PREFIXES IPv6 prefixes on two sessions" _ms_whole
say "a multisession client of the instance host holds view 2 on one session per family"

_cw_done() { grep -q "done:" "$T/cw.err"; }
wait_until 20 "client cw to get view 1" _cw_done
kill -USR1 "$VX_PID"
_cw_empty() {
	kill -USR2 "$CW_PID" 2>/dev/null
	tail -n 1 "$T/cw.err" | grep -q "status: .* 0 prefixes"
}
wait_until 20 "client cw to lose view 1's paths" _cw_empty
stop_pid "$CW_PID" TERM 5 || fail "client cw did not stop"
report cw 0
_view_counts() {
	curl -fsS "http://$IH:8179/api/v1/views" | python3 -c "
import json, sys
d = json.load(sys.stdin)
v = {x['name']: x['route_count'] for x in (d['views'] if isinstance(d, dict) else d)}
assert v == {'isp-a': 0, 'isp-b': $PER_VIEW}, v"
}
wait_until 10 "GET /api/v1/views to count isp-a's paths 0 and isp-b's $PER_VIEW" _view_counts
say "vpn_export's withdrawal of view 1 reaches isp-a's connected client: every path gone"

# View 3's distinguisher names no upstream: its routes are ignored, logged once.
[[ $(grep -c "distinguisher 65000:3 name no upstream" "$MUX_LOG") == 1 ]] ||
	fail "view 3's routes (no upstream has id 3) were not logged once: $(grep distinguisher "$MUX_LOG")"
grep "distinguisher" "$MUX_LOG" | grep -qv "65000:3 " && fail "a configured upstream's distinguisher was taken for unknown"
say "view 3 (65000:3, no upstream with id 3) is ignored, logged once"
# The session to the view host ends (no Graceful Restart on it): the
# views are cleared at once.
stop_pid "$VX_PID" TERM 5 || fail "vpn_export did not stop"
_views_empty() {
	curl -fsS "http://$IH:8179/api/v1/views" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert all(x['route_count'] == 0 for x in (d['views'] if isinstance(d, dict) else d)), d"
}
wait_until 10 "the views to be empty once the view host's session is down" _views_empty
mux_log_has "session to view-host [0-9.]+: down: .*; the views are cleared \(no graceful restart negotiated\)" ||
	fail "the session's end did not say the views are cleared for want of Graceful Restart: $(grep 'down:' "$MUX_LOG")"
say "the view host's session down (no Graceful Restart negotiated): every view cleared"
stop_pid "$MUX_PID" TERM 10 || fail "the instance host did not stop on SIGTERM"
say "ok"
