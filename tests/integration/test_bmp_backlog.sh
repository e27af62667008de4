#!/usr/bin/env bash
# BMP to a collector that falls behind, through the BMP writer thread
# (muxd/lib/sockwriter.h) and the dump's pause and resume
# (monitors/bmp_conn.c: the dump waits above 4 MB unread and goes on when
# the writer says the queue drained to half that).
#   1. An upstream (build/tools/mrt_replay, 127.0.155.11) loads a
#      2,000,000-prefix synthetic table (~10 MB of Route Monitoring) into
#      the view isp-k, with no collector listening yet.
#   2. A collector that reads at most 4 MiB a second from a socket whose
#      receive buffer is small (tests/tools/bmp_sink.py --routes --kbps,
#      127.0.155.100) starts; muxd connects on its next retry and dumps the
#      whole table: more than the sockets hold, so muxd's own queue for it
#      passes 4 MB and the dump pauses and resumes.
#   3. The collector ends with every prefix of the table (its count of
#      announced prefixes after the Peer Up) and muxd logs "every view
#      sent"; the upstream session never reset (one Established).
# Addresses: 127.0.155.0/24 (muxd .1, the upstream .11, the collector
# .100), the instance 127.0.156.1.
# timeout: 180
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.155.1
UP_ADDR=127.0.155.11
BMP=127.0.155.100
N=2000000
claim_addrs "$MUX_ADDR" "$UP_ADDR" "$BMP" 127.0.156.1

python3 - "$T/muxd.json" "$T/var" <<'PY' || fail "cannot write muxd.json"
import json, sys
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": sys.argv[2], "listen_port": 179,
           "upstreams": [{"name": "isp-k",
                          "peer": {"address": "127.0.155.11", "asn": 65155},
                          "local_address": "127.0.155.1", "passive": True,
                          "instance": {"address": "127.0.156.1", "port": 179}}],
           "bmp": [{"address": "127.0.155.100", "port": 1790}]},
          open(sys.argv[1], "w"), indent=2)
PY
mux_start "$T/muxd.json"

spawn "mrt_replay" "$T/feed.out" "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" \
	--bind "$UP_ADDR" --asn 65155 --synthetic "$N" --eor --hold --sync-wait 0
wait_until 60 "the view to hold the table" \
	mux_log_has "view isp-k: End-of-RIB for ipv4-unicast from the upstream: $N IPv4"
say "1. the view holds $N prefixes; no collector yet"

spawn "bmp_sink" "$T/bmp.json" python3 "$TOOLS/bmp_sink.py" "$BMP" 1790 --routes --kbps 4096
BMP_PID=$LAST_PID
wait_until 10 "the collector to listen" listening "$BMP" 1790
wait_until 90 "muxd to connect to the collector" mux_log_has "bmp collector $BMP port 1790: connected"
mark=$(mux_log_lines)
say "2. the collector is up, reading 4 MiB a second: muxd dumps the table to it"

# has_all — the collector's latest snapshot (SIGUSR1) holds the whole table.
has_all() {
	kill -USR1 "$BMP_PID"
	tail -n 1 "$T/bmp.json" 2>/dev/null | python3 -c '
import json, sys
e = json.loads(sys.stdin.read())["epochs"]
sys.exit(not (e and e[-1]["announced"] == int(sys.argv[1])))' "$N" 2>/dev/null
}
wait_until 90 "the collector to get every prefix" has_all
wait_until 10 "muxd to finish the dump" mux_log_has "bmp collector $BMP port 1790: every view sent"
[[ $(mux_sessions "view isp-k peer") == "1 up, 0 down" ]] ||
	fail "the upstream session reset: $(mux_sessions "view isp-k peer")"
! mux_log_since "$mark" "bmp collector .*(dropping|reconnecting)" ||
	fail "the collector was dropped: $(grep 'bmp collector' "$MUX_LOG" | tail -3)"
say "3. the collector got all $N prefixes; the dump went on as it read; no reset, no drop"
