#!/usr/bin/env bash
# --check-config, SIGHUP and TCP-MD5 against BIRD 2:
#  - --check-config: 0 for a good file; 1 and one line per error, each
#    naming its JSON path, for a bad one;
#  - three BIRD peers, one of them signing with TCP-MD5 (and a fourth whose
#    key does not match, which must never come up);
#  - SIGHUP with one peer's hold time changed: only that session restarts
#    (BIRD sees Cease 6/6), the others keep their session;
#  - SIGHUP with a peer removed: it gets Cease / Peer De-configured (6/3);
#  - SIGHUP with a broken file: muxd says why, keeps running, nothing moves.
# Addresses: 127.0.40.0/24.
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.40.1
MUX_GTSM_ADDR=127.0.40.2    # GTSM neighbors get a listener of their own
CFG=$T/muxd.json

# bird_peer NAME ADDR ASN [PASSWORD] [gtsm] [MUXD_ADDR] — a BIRD with a
# static route that connects to muxd.
bird_peer() {
	local name=$1 addr=$2 asn=$3 d=$T/$1 pw="" ttl=""
	[[ -n ${4:-} ]] && pw="password \"$4\";"
	[[ ${5:-} == gtsm ]] && ttl="ttl security yes;"
	mkdir -p "$d"
	cat >"$d/bird.conf" <<EOF
router id $addr;
log "$d/bird.log" all;
ipv4 table t4;
protocol static s4 { ipv4 { table t4; }; route 10.40.${asn: -1}.0/24 via 192.0.2.1; }
protocol bgp mux {
	local $addr as $asn;
	neighbor ${6:-$MUX_ADDR} as $MUX_ASN;
	multihop 2; strict bind yes;
	$pw $ttl
	hold time 90; connect delay time 1; connect retry time 2;
	ipv4 { table t4; import none; export all; next hop keep; };
}
EOF
	spawn "bird $name" "$d/stderr" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 20 "BIRD $name to start" bash -c "birdc -s '$d/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"
}

# write_config SPEC... — SPEC is NAME:ADDR:ASN:HOLD[:PASSWORD[:gtsm]]
write_config() {
	python3 - "$CFG" "$MUX_ADDR" "$T/var" "$@" <<'PY'
import json, sys
out, local, state = sys.argv[1:4]
peers = []
for spec in sys.argv[4:]:
    f = spec.split(":")
    p = {"name": f[0], "peer": {"address": f[1], "asn": int(f[2])},
         "local_address": local, "passive": True, "hold_time": int(f[3])}
    if len(f) > 4 and f[4]:
        p["password"] = f[4]
    if len(f) > 5:
        p["ttl_security"] = f[5] == "gtsm"
        p["local_address"] = "127.0.40.2"
    peers.append(p)
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state,
           "peers": peers}, open(out, "w"), indent=1)
PY
}

# sessions NAME — muxd's count of peer NAME's sessions (BIRD's "since"
# time moves under load without a reset)
sessions() { mux_sessions "peer $1"; }
# established NAME — BIRD and muxd both hold the session Established
established() { birdc -s "$T/$1/ctl" show protocols mux | grep -q Established && mux_up "peer $1"; }
# bird_received NAME TEXT — BIRD logged a NOTIFICATION from muxd with TEXT.
bird_received() { grep -q "mux: Received: $2" "$T/$1/bird.log"; }

# --- --check-config -----------------------------------------------------
write_config a:127.0.40.11:65011:90
"${MUXD_CMD[@]}" --check-config "$CFG" || fail "--check-config rejected a good file"
cat >"$T/bad.json" <<'EOF'
{"asn": 65000, "router_id": "192.0.2.1",
 "peers": [{"name": "x", "peer": {"address": "127.0.40.300", "asn": 1}, "hold_tme": 5}]}
EOF
out=$("${MUXD_CMD[@]}" --check-config "$T/bad.json" 2>&1)
rc=$?
((rc == 1)) || fail "--check-config exit status $rc for a bad file, want 1"
grep -qxF "$T/bad.json: \$.peers[0].hold_tme: unknown key (check its spelling)" <<<"$out" ||
	fail "no line naming \$.peers[0].hold_tme in: $out"
grep -qxF "$T/bad.json: \$.peers[0].peer.address: \"127.0.40.300\" is not a numeric IPv4 or IPv6 address" <<<"$out" ||
	fail "no line naming \$.peers[0].peer.address in: $out"
[[ $(wc -l <<<"$out") == 2 ]] || fail "want exactly 2 error lines, got: $out"
say "--check-config: 0 for a good file, 1 with one line per error for a bad one"

# --- three peers, one with TCP-MD5, one with the wrong key ----------------------
bird_peer a 127.0.40.11 65011
bird_peer b 127.0.40.12 65012
bird_peer c 127.0.40.13 65013 "s3cret-md5"
bird_peer d 127.0.40.14 65014 "not-the-key"
bird_peer e 127.0.40.15 65015 "" gtsm "$MUX_GTSM_ADDR"
bird_peer f 127.0.40.16 65016 "" "" "$MUX_GTSM_ADDR"
write_config a:127.0.40.11:65011:90 b:127.0.40.12:65012:90 \
	c:127.0.40.13:65013:90:s3cret-md5 d:127.0.40.14:65014:90:wrong-key \
	e:127.0.40.15:65015:90::gtsm f:127.0.40.16:65016:90::gtsm
mux_start "$CFG"
for p in a b c e; do wait_until 30 "BIRD $p Established" established "$p"; done
established d && fail "peer d came up although its TCP-MD5 key differs"
established f && fail "peer f came up although it sends TTL < 254 to a GTSM session"
say "a, b, c (TCP-MD5) and e (GTSM, TTL 255) Established; d (wrong key) and f (TTL 64) are not"

# --- SIGHUP: b's hold time changes ------------------------------------------------
established f && fail "peer f came up later although it sends TTL < 254"
a0=$(sessions a) c0=$(sessions c) b0=$(sessions b)
write_config a:127.0.40.11:65011:90 b:127.0.40.12:65012:60 \
	c:127.0.40.13:65013:90:s3cret-md5 d:127.0.40.14:65014:90:wrong-key
kill -HUP "$MUX_PID"
b_restarted() { [[ $(sessions b) != "$b0" ]] && established b; }
wait_until 30 "b to restart after SIGHUP and be Established again" b_restarted
bird_received b "Other configuration change" || fail "BIRD b did not receive Cease 6/6"
[[ $(sessions a) == "$a0" && $(sessions c) == "$c0" ]] ||
	fail "a or c restarted on a reload that did not change them (muxd's counts: a $a0 -> $(sessions a), c $c0 -> $(sessions c))"
mux_log_has "peer b 127\.0\.40\.12: sent NOTIFICATION 6/6" || fail "no log line for b's 6/6"
say "SIGHUP: only b restarted (Cease 6/6), a and c kept their sessions"

# --- SIGHUP: c removed ----------------------------------------------------------------
write_config a:127.0.40.11:65011:90 b:127.0.40.12:65012:60
kill -HUP "$MUX_PID"
wait_until 20 "c to go down" bash -c "! birdc -s '$T/c/ctl' show protocols mux | grep -q Established"
wait_until 10 "BIRD c to log Cease 6/3" bird_received c "Peer de-configured"
[[ $(sessions a) == "$a0" ]] || fail "a restarted when c was removed ($a0 -> $(sessions a))"
say "SIGHUP: removed c got Cease 6/3, a untouched"

# --- SIGHUP: a broken file changes nothing ----------------------------------------------
echo '{"asn": "x"' >"$CFG"
kill -HUP "$MUX_PID"
wait_until 10 "muxd to report the broken file" mux_log_has "reload: keeping the running configuration"
mux_alive
_kept() { established a && established b && [[ $(sessions a) == "$a0" ]]; }
holds_for 2 "a and b up and unrestarted after a broken reload (a: $a0)" _kept
say "SIGHUP with a broken file: muxd kept running and its sessions"

peer_add a bird 127.0.40.11 65011 0 active
peer_add b bird 127.0.40.12 65012 0 active
mux_stop_clean a b
