#!/usr/bin/env bash
# muxd's API against a client without the token, from outside:
#   - 5,000 POSTs without a token and 1,000 with a wrong one are refused
#     (401/403), write no audit row and leave the database as it was; they
#     are counted in /metrics and logged once per source, not once each;
#   - a write with the token that fails (bad JSON) is still audited;
#   - a request whose headers trickle in (a line every 0.5 s) is closed at
#     api.header_timeout, one whose body trickles in at api.body_timeout,
#     each counted; an idle kept-alive connection ends there too, uncounted;
#   - a live-stream subscriber, which evhttp hands over, is not cut off by
#     those deadlines; the API answers throughout.
# Addresses: 127.0.124.0/24: muxd and its API 127.0.124.1:8179, the instance
# 127.0.124.2, the upstream 127.0.124.11 (never started), the intruders
# 127.0.124.100-104.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.124.1
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token
ABUSE=("$PY" "$TOOLS/api_abuse.py" --api "$MUX_ADDR:8179")
claim_addrs 127.0.124.1 127.0.124.2 127.0.124.100 127.0.124.101 127.0.124.102 \
	127.0.124.103 127.0.124.104
echo "abuse-$RANDOM$RANDOM" >"$TOKEN_FILE"
chmod 600 "$TOKEN_FILE"

"$PY" - "$T/muxd.json" "$T/var" "$TOKEN_FILE" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, token = sys.argv[1:4]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": "127.0.124.1:8179", "token_file": token,
                   "header_timeout": 2, "body_timeout": 3},
           "upstreams": [{"name": "isp-a", "peer": {"address": "127.0.124.11", "asn": 65010},
                          "local_address": "127.0.124.1", "connect_retry": 600,
                          "instance": {"address": "127.0.124.2", "port": 179}}]},
          open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 10 "the API to answer" api_up

db_bytes() { cat "$T/var/bgpmux.db" "$T/var/bgpmux.db-wal" 2>/dev/null | wc -c; }
metric() { curl -s "$API/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# ------------------------------------------------ writes without the token

before=$(db_bytes)
mark=$(mux_log_lines)
flood=$("${ABUSE[@]}" flood --src 127.0.124.100 --count 5000) || fail "flood failed"
[[ $flood == *'"status": {"401": 5000}'* ]] || fail "5,000 POSTs without a token: $flood"
wrong=$("${ABUSE[@]}" flood --src 127.0.124.101 --count 1000 --token not-it) || fail "flood failed"
[[ $wrong == *'"status": {"403": 1000}'* ]] || fail "1,000 POSTs with a wrong token: $wrong"
grown=$(($(db_bytes) - before))
say "5,000 POSTs without a token: $flood; 1,000 with a wrong one: $wrong; the database grew by $grown bytes"
((grown < 256 * 1024)) || fail "refused writes grew the database by $grown bytes"
api_json /api/v1/audit 'assert d == [], d'
[[ $(metric 'bgpmux_api_refused_writes_total{reason="no_token"}') == 5000 ]] ||
	fail "no_token refusals: $(metric 'bgpmux_api_refused_writes_total{reason="no_token"}'), want 5000"
[[ $(metric 'bgpmux_api_refused_writes_total{reason="wrong_token"}') == 1000 ]] ||
	fail "wrong_token refusals: $(metric 'bgpmux_api_refused_writes_total{reason="wrong_token"}'), want 1000"
lines100=$(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c '127\.0\.124\.100')
lines101=$(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c '127\.0\.124\.101')
((lines100 >= 1 && lines100 <= 2 && lines101 >= 1 && lines101 <= 2)) ||
	fail "log lines per source: $lines100 for .100, $lines101 for .101 (want 1, or 2 after a minute)"
say "no audit row, counted in /metrics, $lines100 + $lines101 log lines for the two sources"

api_expect 400 POST /api/v1/clients '{"name": '
api_json /api/v1/audit 'assert len(d) == 1 and d[0]["result"] == 400 and d[0]["who"].startswith("token "), d'
say "a write with the token that fails is audited"

# ------------------------------------------------------ slow requests

{ curl -s -N -o "$T/stream.out" --max-time 7 "$API/v1/stream?format=json"; echo $? >"$T/stream.rc"; } &
stream_pid=$!
"${ABUSE[@]}" slow-headers --src 127.0.124.102 --limit 20 >"$T/headers.json" &
headers_pid=$!
"${ABUSE[@]}" slow-body --src 127.0.124.103 --limit 20 >"$T/body.json" &
body_pid=$!
"${ABUSE[@]}" idle --src 127.0.124.104 --limit 20 >"$T/idle.json" &
idle_pid=$!
for _ in 1 2 3 4 5; do api_up || fail "the API stopped answering during the slow requests"; sleep 0.5; done
wait "$headers_pid" "$body_pid" "$idle_pid" "$stream_pid"
say "trickled headers: $(cat "$T/headers.json"); trickled body: $(cat "$T/body.json"); idle: $(cat "$T/idle.json")"
"$PY" - "$T/headers.json" "$T/body.json" "$T/idle.json" <<'PY' || fail "a slow request was not closed at its deadline"
import json, sys
h, b, i = (json.load(open(f)) for f in sys.argv[1:4])
assert h["closed_after"] is not None and 1.5 <= h["closed_after"] <= 6 and h["sent"] >= 2, h
assert b["closed_after"] is not None and 2.5 <= b["closed_after"] <= 7 and b["sent"] >= 4, b
assert i["closed_after"] is not None and i["closed_after"] <= 6, i
PY
[[ $(cat "$T/stream.rc") == 28 ]] ||
	fail "the stream subscriber ended early (curl status $(cat "$T/stream.rc"), want 28: still connected at 7 s)"
[[ $(metric 'bgpmux_api_request_timeouts_total{phase="headers"}') == 1 &&
	$(metric 'bgpmux_api_request_timeouts_total{phase="body"}') == 1 ]] ||
	fail "timeouts counted: $(curl -s "$API/metrics" | grep timeouts_total)"
api_json /api/v1/status 'assert d["writable"] is True, d'
say "slow headers closed at 2 s, a slow body at 3 s, each counted; the idle connection closed uncounted; the stream subscriber stayed"
mux_stop_clean
say "PASS"
