#!/usr/bin/env bash
# Provisioning and listing at scale: one muxd (one upstream, one instance),
# COUNT clients (default 10,000) provisioned one after the other through
# POST /api/v1/clients, p50/p99 per block of 1,000 calls
# (tests/tools/api_provision.py); then the time of a route from the
# upstream to a client (tests/tools/propagation.py, 200 routes 50 ms
# apart), alone and while LOOPS (default 4) clients list
# GET /api/v1/clients in a loop (tests/tools/api_getloop.py).
#
#   scripts/bench-provision.sh            (root: the instance listens on 179)
#   COUNT=4000 LOOPS=8 scripts/bench-provision.sh
#
# Addresses: 127.0.126.0/24 (muxd 127.0.126.1 with its API on 8179, the
# instance 127.0.126.2, the upstream 127.0.126.11 and a client 127.0.126.12,
# both played by propagation.py); the clients are configured at 198.18.x.x
# and never contacted.
cd "$(dirname "$0")/.." || exit 1
COUNT=${COUNT:-10000}
LOOPS=${LOOPS:-4}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
API=127.0.126.1:8179
T=$(mktemp -d /tmp/bgpmux-bench-provision.XXXXXX)
pids=()
finish() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap finish EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-provision: needs root (the instance and the upstream use port 179)" >&2
	exit 1
fi
make -s build/muxd || exit 1
echo "bench-$RANDOM$RANDOM" >"$T/token"
chmod 600 "$T/token"
cat >"$T/muxd.json" <<EOF
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "$T/var", "listen_port": 179,
 "api": {"listen": "$API", "token_file": "$T/token"},
 "upstreams": [{"name": "isp-a", "peer": {"address": "127.0.126.11", "asn": 65010},
   "local_address": "127.0.126.1", "connect_retry": 1,
   "instance": {"address": "127.0.126.2", "port": 179}}]}
EOF
mkdir -p "$T/var"
build/muxd --config "$T/muxd.json" >"$T/muxd.log" 2>&1 &
mux=$!
pids+=("$mux")
for _ in $(seq 100); do curl -s -o /dev/null "http://$API/api/v1/status" && break; sleep 0.1; done

echo "== $COUNT POST /api/v1/clients, one after the other (ms per call)"
"$PY" tests/tools/api_provision.py --api "$API" --token "$(cat "$T/token")" \
	--count "$COUNT" --block 1000 | sed '$d' || exit 1
curl -s -o /dev/null -w "GET /api/v1/clients (first page of 1,000): %{time_total} s, %{size_download} bytes\n" \
	"http://$API/api/v1/clients"

curl -s -o /dev/null -H "Authorization: Bearer $(cat "$T/token")" \
	-d '{"name": "probe", "address": "127.0.126.12", "asn": 65099, "upstreams": ["isp-a"]}' \
	"http://$API/api/v1/clients"
# propagation LOOPS — one run of propagation.py with LOOPS listing loops
propagation() {
	rm -f "$T/ready" "$T/go" "$T"/loop.*
	"$PY" tests/tools/propagation.py --up 127.0.126.11 --up-asn 65010 --inst 127.0.126.2 \
		--src 127.0.126.12 --asn 65099 --count 200 --gap-ms 50 --ready "$T/ready" \
		--go "$T/go" >"$T/prop.out" &
	local prop=$! loops=() i
	for _ in $(seq 600); do [ -e "$T/ready" ] && break; sleep 0.1; done
	for i in $(seq "$1"); do
		"$PY" tests/tools/api_getloop.py "http://$API/api/v1/clients" >"$T/loop.$i" &
		loops+=($!)
	done
	sleep 1
	touch "$T/go"
	wait "$prop"
	[ ${#loops[@]} -gt 0 ] && kill -TERM "${loops[@]}" && wait "${loops[@]}"
	echo "route upstream -> client with $1 listing loops: $(cat "$T/prop.out")"
	[ "$1" -gt 0 ] && echo "  listings: $(cat "$T"/loop.* | "$PY" -c 'import json, sys
r = [json.loads(l) for l in sys.stdin]
print("%d pages of 1,000 clients, p50 %.0f ms each" % (sum(x["gets"] for x in r),
      sorted(x["p50_ms"] for x in r)[len(r) // 2]))')"
	return 0
}
echo "== route propagation"
propagation 0
propagation "$LOOPS"
