#!/usr/bin/env bash
# A view host's restart is a Graceful Restart for its instance hosts
# (docs/scaleout.md, "The instance host's views"): BIRD (the upstream
# isp-a, 127.0.168.11) → a view host muxd (127.0.168.1, export on port
# 1179) → an instance host muxd (127.0.169.1) → one ADD-PATH client
# (bgp_sink, 127.0.170.10, recording every UPDATE) of isp-a's instance
# (127.0.170.1). BIRD announces 10.168.1.0/24, 10.168.2.0/24 (MED 10)
# and 10.168.3.0/24.
#   1. The client holds the three; the instance host's views negotiated
#      Graceful Restart with the view host (both VPN families, F).
#   2. The view host is killed (SIGKILL: no NOTIFICATION, its restart
#      mark stays) and BIRD's session is disabled; BIRD now has
#      10.168.1.0/24 the same, 10.168.2.0/24 with MED 20 and
#      10.168.4.0/24 in place of 10.168.3.0/24. The view host starts
#      again on the same state_dir (R set); the instance host's session
#      comes back to it while its view is still empty: its End-of-RIB
#      waits for the upstream's. All that time the client receives no
#      UPDATE at all (its paths stay, stale).
#   3. BIRD's session is enabled: once the view host has BIRD's
#      End-of-RIB it sends its own, the instance host sweeps what was not
#      sent again, and the client has received, since the restart,
#      exactly the differences: 10.168.3.0/24 withdrawn,
#      10.168.2.0/24 (MED 20) and 10.168.4.0/24 announced, nothing for
#      10.168.1.0/24.
#   4. The view host stopped cleanly (SIGTERM: Cease / Administrative
#      Shutdown, a restart when N is negotiated) and started again, BIRD
#      sending the same: the views are kept and the client receives
#      nothing.
# Without Graceful Restart on the session the views are cleared at once:
# test_export_import (its view host, vpn_export, offers none).
# Addresses: 127.0.168.0/24 (upstream, view host), 127.0.169.0/24 (the
# instance host), 127.0.170.0/24 (its instance and client).
. "$(dirname "$0")/lib.sh"

VH=127.0.168.1 UP=127.0.168.11 IH=127.0.169.1 INST=127.0.170.1 CLIENT=127.0.170.10
EXPORT_PORT=1179
claim_addrs "$VH" "$UP" "$IH" "$INST" "$CLIENT"

mkdir -p "$T/vh/var" "$T/ih/var" "$T/up"
cat >"$T/vh/muxd.json" <<EOF || fail "cannot write the view host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.1", "state_dir": "$T/vh/var",
  "api": { "listen": "$VH:8179" },
  "export": { "listen": "$VH:$EXPORT_PORT", "hosts": [ { "name": "ih-1", "address": "$IH" } ] },
  "upstreams": [
    { "name": "isp-a", "id": 1, "peer": { "address": "$UP", "asn": 65168 },
      "local_address": "$VH", "passive": true, "families": ["ipv4-unicast"],
      "graceful_restart": true, "instance": { "address": "$VH", "port": 1180 } }
  ]
}
EOF
cat >"$T/ih/muxd.json" <<EOF || fail "cannot write the instance host's configuration"
{
  "asn": $MUX_ASN, "router_id": "192.0.2.2", "state_dir": "$T/ih/var",
  "api": { "listen": "$IH:8179" },
  "view_host": { "address": "$VH", "port": $EXPORT_PORT, "local_address": "$IH" },
  "upstreams": [
    { "name": "isp-a", "id": 1, "families": ["ipv4-unicast"],
      "instance": { "address": "$INST", "port": 179 } }
  ],
  "clients": [
    { "name": "c1", "address": "$CLIENT", "asn": 65170, "add_path": "send", "upstreams": ["isp-a"] }
  ]
}
EOF

# bird_conf before|after — BIRD's routes before (10.168.2.0/24 with MED
# 10, 10.168.3.0/24) or after (MED 20, 10.168.4.0/24) the view host's
# restart.
bird_conf() {
	local third=3 med=10
	[[ $1 == after ]] && third=4 med=20
	cat >"$T/up/bird.conf" <<EOF
router id $UP;
log "$T/up/bird.log" all;
protocol device {}
protocol static s4 {
	ipv4;
	route 10.168.1.0/24 blackhole; route 10.168.2.0/24 blackhole;
	route 10.168.$third.0/24 blackhole;
}
protocol bgp mux {
	local $UP as 65168;
	neighbor $VH port 179 as $MUX_ASN;
	multihop;
	strict bind yes;
	connect delay time 1;
	connect retry time 1;
	error wait time 1, 2;
	graceful restart on;
	ipv4 {
		import none;
		export filter {
			if proto != "s4" then reject;
			if net = 10.168.2.0/24 then bgp_med = $med;
			accept;
		};
	};
}
EOF
}

vh_start() {
	spawn "view host muxd" "$T/vh/muxd.log" "${MUXD_CMD[@]}" --config "$T/vh/muxd.json"
	VH_PID=$LAST_PID
	wait_until 20 "the view host to listen on $VH:$EXPORT_PORT" listening "$VH" "$EXPORT_PORT"
}
vh_start
spawn "instance host muxd" "$T/ih/muxd.log" "${MUXD_CMD[@]}" --config "$T/ih/muxd.json"
MUX_PID=$LAST_PID
MUX_LOG=$T/ih/muxd.log
wait_until 20 "the instance of isp-a to listen" listening "$INST" 179
bird_conf before
spawn "upstream bird" "$T/up/stderr" bird -f -c "$T/up/bird.conf" -s "$T/up/ctl" -P "$T/up/pid"
ubirdc() { birdc -s "$T/up/ctl" "$@" >/dev/null 2>&1; }

spawn "client c1" "$T/c1.err" sh -c 'exec "$0" "$@" >"'"$T/c1.json"'"' \
	"$ROOT/build/tools/bgp_sink" --connect "$INST:179" --bind "$CLIENT" --asn 65170 \
	--peer-as "$MUX_ASN" --addpath --name c1 --timeout 120 --save "$T/c1.stream"
C1_PID=$LAST_PID

# c1_status — "UPDATES PREFIXES EOR" from a fresh status line of the client.
c1_status() {
	local n
	n=$(grep -c "status:" "$T/c1.err")
	kill -USR2 "$C1_PID" 2>/dev/null || return 1
	_poll 5 eval '(($(grep -c "status:" "$T/c1.err") > n))' || return 1
	grep "status:" "$T/c1.err" | tail -n 1 |
		sed -E 's/.*status: ([0-9]+) UPDATEs, [0-9]+ bytes, ([0-9]+) prefixes, End-of-RIB (yes|no).*/\1 \2 \3/'
}
# SIGUSR2 before bgp_sink's handler is set would end it: it is once the
# session is up.
_c1_up() { grep -q "established" "$T/c1.err"; }
wait_until 30 "the client to be Established" _c1_up
_c1_whole() { [[ $(c1_status | cut -d' ' -f2-) == "3 yes" ]]; }
wait_until 30 "the client to hold BIRD's 3 prefixes and End-of-RIB" _c1_whole
mux_log_has "view isp-a: graceful restart negotiated: the upstream's restart time is 120 s.*families it preserves: ipv4-unicast \(forwarding state kept\)" ||
	fail "the instance host's view did not negotiate Graceful Restart with the view host: $(grep 'graceful' "$MUX_LOG")"
say "1. the client holds 3 prefixes; the instance host's view has the view host's Graceful Restart (ipv4, F)"

read -r UPDATES0 _ <<<"$(c1_status)"
# Killed first: BIRD's session ending first would withdraw its paths.
kill -KILL "$VH_PID"
wait "$VH_PID" 2>/dev/null
wait_until 10 "the instance host to keep the views as stale" mux_log_has \
	"session to view-host [0-9.]+: down: .*graceful restart: the views keep their paths as stale for up to 120 s"
bird_conf after
ubirdc configure || fail "birdc configure failed"
# After configure, which may restart the protocol with its new filter.
ubirdc disable mux || fail "birdc disable mux failed"
mv "$T/vh/muxd.log" "$T/vh/muxd-1.log"
vh_start
_ih_back() { grep -q "established: .*sending every view" "$T/vh/muxd.log"; }
wait_until 20 "the instance host's session to the restarted view host" _ih_back
_eor_held() { grep -q "every view of ipv4-vpn sent; its End-of-RIB waits for 1 views' upstreams" "$T/vh/muxd.log"; }
wait_until 10 "the view host to hold its End-of-RIB for isp-a's" _eor_held
mux_log_has "view isp-a: graceful restart negotiated: .*it has just restarted" ||
	fail "the restarted view host did not set R: $(grep 'graceful' "$MUX_LOG")"
_c1_unchanged() { [[ $(c1_status) == "$UPDATES0 3 yes" ]]; }
holds_for 2 "the client receiving nothing while the view host's views are empty" _c1_unchanged
say "2. view host killed and back (R), its view empty: End-of-RIB held, the client received no UPDATE"

ubirdc enable mux || fail "birdc enable mux failed"
wait_until 30 "the instance host to end the stale period at the view host's End-of-RIB" mux_log_has \
	"view isp-a: graceful restart of ipv4-unicast done: 1 stale routes"
# The three changes in two or three UPDATEs (a withdrawal may share one).
_c1_settled() {
	local st
	st=$(c1_status)
	[[ $st == "$((UPDATES0 + 3)) 3 yes" || $st == "$((UPDATES0 + 2)) 3 yes" ]]
}
wait_until 10 "the client to get the differences" _c1_settled
holds_for 1 "the client getting nothing more" _c1_settled
say "3. at the view host's End-of-RIB the instance host swept 1 stale path; the client got 2 or 3 UPDATEs"

# 4. A clean stop (SIGTERM: Cease / Administrative Shutdown, a restart
# with N) and start, BIRD sending the same: the client gets nothing.
read -r UPDATES1 _ <<<"$(c1_status)"
stop_pid "$VH_PID" TERM 10 || fail "the view host did not stop on SIGTERM"
wait_until 10 "the instance host to keep the views through a clean stop" mux_log_has \
	"session to view-host [0-9.]+: down: received NOTIFICATION 6/2 .*graceful restart: the views keep"
mv "$T/vh/muxd.log" "$T/vh/muxd-2.log"
vh_start
wait_until 30 "the view host's End-of-RIB after its clean restart" mux_log_has \
	"view isp-a: graceful restart of ipv4-unicast done: 0 stale routes"
_c1_same() { [[ $(c1_status) == "$UPDATES1 3 yes" ]]; }
holds_for 1 "the client receiving nothing through a clean restart" _c1_same
say "4. view host stopped cleanly and back, BIRD the same: the client received no UPDATE"
stop_pid "$C1_PID" TERM 5 || fail "the client did not stop"

# Every route event of the recording after the UPDATES0 UPDATEs the
# client had before the restart.
python3 - "$T/c1.stream" "$UPDATES0" <<'PY' || fail "the client did not receive exactly the differences (above)"
import ipaddress, struct, sys
data = open(sys.argv[1], "rb").read()[24:]
events, seen, off = [], 0, 0

def prefixes(b):
    out, i = [], 0
    while i < len(b):
        plen = b[i + 4]
        n = (plen + 7) // 8
        net = ipaddress.IPv4Network((bytes(b[i + 5:i + 5 + n]) + bytes(4 - n), plen))
        out.append(str(net))
        i += 5 + n
    return out

while off < len(data):
    mlen = struct.unpack("!H", data[off + 16:off + 18])[0]
    body = data[off + 19:off + mlen]
    off += mlen
    seen += 1
    if seen <= int(sys.argv[2]):
        continue
    wl = struct.unpack("!H", body[:2])[0]
    withdrawn = prefixes(body[2:2 + wl])
    al = struct.unpack("!H", body[2 + wl:4 + wl])[0]
    attrs, nlri = body[4 + wl:4 + wl + al], prefixes(body[4 + wl + al:])
    med, i = None, 0
    while i < len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        hl = 4 if flags & 0x10 else 3
        alen = struct.unpack("!H", attrs[i + 2:i + 4])[0] if flags & 0x10 else attrs[i + 2]
        if code == 4:
            med = struct.unpack("!I", attrs[i + hl:i + hl + 4])[0]
        i += hl + alen
    events += [("withdraw", p, None) for p in withdrawn]
    events += [("announce", p, med) for p in nlri]
want = sorted([("withdraw", "10.168.3.0/24", None), ("announce", "10.168.2.0/24", 20),
               ("announce", "10.168.4.0/24", None)], key=str)
got = sorted(events, key=str)
if got != want:
    print("after the restart the client got %s, not %s" % (got, want), file=sys.stderr)
    sys.exit(1)
PY
say "3-4. since the first restart the client got exactly the differences: 10.168.3.0/24 withdrawn, 10.168.2.0/24 (MED 20) and 10.168.4.0/24 announced, nothing for 10.168.1.0/24"
stop_pid "$MUX_PID" TERM 10 || fail "the instance host did not stop on SIGTERM"
say "ok"
