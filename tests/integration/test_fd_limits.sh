#!/usr/bin/env bash
# Out of file descriptors, muxd neither spins nor floods its log, and it
# recovers. muxd runs with RLIMIT_NOFILE 64 (soft) / 160 (hard):
#   - it raises the soft limit to the hard one at start and says so;
#   - the API's listener keeps at most a quarter of the descriptors (40):
#     of 100 silent HTTP connections the rest are closed at once;
#   - silent connections to two instances (from a client range) and the
#     API exhaust the descriptors: in 5 s muxd uses under 0.5 s of CPU
#     (before: a busy loop, 62-100 %) and logs under 100 lines about it
#     (before: 79,000 "Too many open files" a second);
#   - once they close, a real upstream (BIRD) is accepted and Established,
#     and the API answers.
# Addresses: 127.0.131.0/24 (muxd 127.0.131.1 and its API :8131, BIRD
# 127.0.131.11, an upstream that never comes 127.0.131.12, API clients
# 127.0.131.100-104) and 127.0.132.0/24 (instances 127.0.132.1-2, the
# client range 127.0.132.128/25, silent sources 127.0.132.130-139).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.131.1
API=$MUX_ADDR:8131
V4=20
V6=10
SOFT=64
HARD=160
peer_add isp bird 127.0.131.11 65131 1 active
claim_addrs "$MUX_ADDR" 127.0.131.11 127.0.132.1 127.0.132.2

cat >"$T/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$API"}, "open_timeout": 120,
 "upstreams": [
   {"name": "isp", "peer": {"address": "127.0.131.11", "asn": 65131},
    "local_address": "$MUX_ADDR", "passive": true, "families": ["ipv4-unicast", "ipv6-unicast"],
    "instance": {"address": "127.0.132.1"}},
   {"name": "isp2", "peer": {"address": "127.0.131.12", "asn": 65132},
    "local_address": "$MUX_ADDR", "passive": true, "instance": {"address": "127.0.132.2"}}],
 "clients": [{"name": "r", "address": "127.0.132.128/25", "asn": 65100,
              "upstreams": ["isp", "isp2"]}]}
JSON
# muxd raises the soft limit to the hard one itself: set both
MUXD_CMD=(prlimit "--nofile=$SOFT:$HARD" "${MUXD_CMD[@]}")
mux_start "$T/muxd.json"
mux_log_has "file descriptors: at most $HARD \(RLIMIT_NOFILE, raised from $SOFT\)" ||
	fail "muxd did not raise RLIMIT_NOFILE to the hard limit ($HARD), or did not say so"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$MUX_PID/stat"; }
api_up() { [[ $(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$API/api/v1/status") == 200 ]]; }
srcs() { local p=$1 first=$2 n=$3 i; for ((i = first; i < first + n; i++)); do printf -- '--src %s.%d ' "$p" "$i"; done; }
silent() {      # silent NAME DST SOURCES... — silent connections, held until stopped
	local name=$1 dst=$2
	shift 2
	spawn "silent $name" "$T/$name.out" python3 "$TOOLS/silent_conns.py" --dst "$dst" \
		--hold 120 --status "$T/$name.status" "$@"
}

# ---------------------------------------------------- the API's share

python3 "$TOOLS/silent_conns.py" --dst "$API" $(srcs 127.0.131 100 5) --per-source 20 \
	--hold 3 >"$T/api_share.out" || fail "silent_conns failed"
tail -n 1 "$T/api_share.out" >&2
python3 - "$T/api_share.out" $((HARD / 4)) <<'PY' || fail "the API kept more connections than its share"
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(r["opened"] - r["closed_by_server"] > int(sys.argv[2]))
PY
wait_until 10 "the API to answer again" api_up

# ---------------------------------------------------- out of descriptors

lines0=$(mux_log_lines)
silent inst1 127.0.132.1:179 $(srcs 127.0.132 130 10) --per-source 8
silent inst2 127.0.132.2:179 $(srcs 127.0.132 130 10) --per-source 8
silent api "$API" $(srcs 127.0.131 100 4) --per-source 10
for n in inst1 inst2 api; do
	wait_until 60 "the silent connections ($n) to be tried" test -s "$T/$n.status"
	say "silent connections to $n: $(cat "$T/$n.status")"
done
wait_until 10 "muxd to run out of descriptors" mux_log_has "Too many open files"
t0=$(cpu_ticks)
sleep 5         # measuring: muxd's CPU over 5 s while out of descriptors
cpu=$(($(cpu_ticks) - t0))
fd_lines=$(tail -n +"$((lines0 + 1))" "$MUX_LOG" |
	grep -cE 'Too many open files|accept\(|accept failed|refusing connections|in the last [0-9]+ s')
say "out of descriptors: muxd used $cpu ticks of CPU in 5 s; $fd_lines log lines about it"
((cpu < 50)) || fail "muxd used $cpu CPU ticks in 5 s out of descriptors (spinning?)"
((fd_lines < 100)) || fail "$fd_lines log lines about running out of descriptors"
mux_alive

# ---------------------------------------------------- descriptors back

for pid in "${PIDS[@]}"; do
	[[ ${PID_NAME[$pid]} == silent* ]] && stop_pid "$pid" TERM 10
done
wait_until 10 "the API to answer" api_up
t0=$SECONDS
bird_start isp
wait_until 30 "BIRD (the upstream) to be Established" bird_established isp
say "BIRD Established $((SECONDS - t0)) s after it started; the API answers"
say "PASS: no spin, $fd_lines log lines, recovered"
