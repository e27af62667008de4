#!/usr/bin/env bash
# Hostile requests against muxd's API and live stream, with a real BIRD
# upstream session up:
#   - paths with octets that are not UTF-8 (%FF, %C3%28, a surrogate), %00,
#     an overlong path, a header with control characters, ?client= and
#     client names with a newline: each gets a well-formed 4xx with a JSON
#     error; muxd runs on and BIRD's session is the same one throughout
#     (muxd's connection counters: the view's session count, the session's
#     local port, its flaps);
#   - no log line is forged: text after an injected newline never starts a
#     line of muxd's log;
#   - a Shutdown Communication whose text the session history cuts
#     mid-character (BIRD's `disable "…"`) still shows in /api/v1/events;
#   - api.token_file readable by others: a SIGHUP keeps the running
#     configuration, saying why; a muxd started so refuses to start; an API
#     beyond loopback without a token file warns (in a network namespace).
# Addresses: 127.0.120.0/24 (muxd and its API 127.0.120.1, upstream BIRD
# 127.0.120.11, a second muxd 127.0.120.2) and 127.0.121.1 (the instance).
V4=${V4:-50}
V6=${V6:-20}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.120.1
INST_ADDR=127.0.121.1
UP=isp_a
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token
FORGED='2026-01-01T00:00:00.000Z error FORGED'

claim_addrs 127.0.120.1 127.0.120.2 127.0.120.11 127.0.121.1
echo "hostile-$RANDOM$RANDOM" >"$TOKEN_FILE" && chmod 600 "$TOKEN_FILE"
api_mux_start 127.0.120.11 120

# identity: "VIEW_SESSIONS LOCAL_PORT FLAPS" as muxd counts them
identity() {
	curl -s --max-time 5 "$API/api/v1/sessions" | "$PY" -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["kind"] == "upstream"][0]
assert s["state"] == "Established", s["state"]
print(s["local_port"], s["flaps"], end=" ")' &&
	curl -s --max-time 5 "$API/api/v1/views/isp-a" | "$PY" -c '
import json, sys; print(json.load(sys.stdin)["sessions"])'
}
before=$(identity) || fail "cannot read the upstream session's counters"
say "BIRD's session as muxd counts it (local port, flaps, view sessions): $before"

# hostile STATUS PATH [CURL-ARGS...] — the answer has STATUS and is a JSON
# error; muxd still runs.
hostile() {
	local want=$1 path=$2
	shift 2
	API_STATUS=$(curl -s --path-as-is -o "$T/api.body" -w '%{http_code}' --max-time 10 \
		"$@" "$API$path") || API_STATUS=000
	mux_alive
	[[ $API_STATUS == "$want" ]] ||
		fail "GET ${path:0:80}: HTTP $API_STATUS, want $want: $(head -c 300 "$T/api.body")"
	"$PY" -c 'import json, sys; e = json.load(open(sys.argv[1])); assert e["error"], e' \
		"$T/api.body" || fail "GET ${path:0:80}: not a JSON error: $(head -c 300 "$T/api.body")"
}

hostile 404 '/%FF'
hostile 404 '/api/v1/views/%FF'
hostile 404 '/api/v1/clients/%C3%28'
hostile 404 '/ui/%FF'
hostile 404 '/api/v1/views/%ED%A0%80/routes?prefix=10.0.0.0/8'
hostile 400 '/api/v1/views/isp-a/routes?prefix=%FF%0A'"${FORGED// /%20}"
hostile 400 '/api/v1/status?%FF=1'
hostile 400 '/api/v1/views/a%00b'
hostile 404 "/api/v1/clients/$(printf 'x%.0s' {1..3000})"
status=$(curl -s -o "$T/api.body" -w '%{http_code}' --max-time 10 \
	-H $'X-Evil: a\x01\x1b[31mred\x7f' -H $'User-Agent: \xff\xfe' "$API/api/v1/status")
[[ $status == 200 ]] || fail "GET /api/v1/status with control characters in headers: HTTP $status"
hostile 404 '/%FF' -H $'X-Evil: a\x01\x1b[31mred\x7f'
"$PY" -c 'import json, sys; e = json.load(open(sys.argv[1]))
assert e["error"].startswith("no such endpoint: /\ufffd"), e' "$T/api.body" ||
	fail "the 404 does not name the path with U+FFFD: $(cat "$T/api.body")"
# the stream: ?client= with a newline, and a query key that is HTML
hostile 400 "/v1/stream?format=json&client=a%0A${FORGED// /%20}"
hostile 400 "/v1/ws/?client=a%0A${FORGED// /%20}" -H 'Upgrade: websocket' \
	-H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' \
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
hostile 400 '/v1/stream?%3Cscript%3Ealert(1)%3C/script%3E=1'
# a name that is too long or holds a newline: 400 naming $.name
for name in '""' "\"a\\n$FORGED\"" "\"$(printf 'n%.0s' {1..3000})\"" '"vnet 1"'; do
	api_expect 400 POST /api/v1/clients "{\"name\": $name, \"address\": \"127.0.121.50\", \
\"asn\": 65101, \"upstreams\": [\"isp-a\"]}"
	"$PY" -c 'import json, sys; e = json.load(open(sys.argv[1])); assert e["field"] == "$.name", e' \
		"$API_BODY" || fail "a bad name is not refused as \$.name: $(head -c 300 "$API_BODY")"
done
api_ok POST /api/v1/clients '{"name": "vnet-ok@x:1", "address": "127.0.121.51", "asn": 65101, "upstreams": ["isp-a"]}'
api_ok DELETE /api/v1/clients/vnet-ok@x:1
say "hostile paths, headers, queries and names: each a well-formed 4xx with a JSON error"

after=$(identity) || fail "the upstream session is not Established after the requests"
[[ $after == "$before" ]] || fail "BIRD's session was reset: $before, now $after"
bird_established "$UP" || fail "BIRD's session is not Established"
if mux_log_has "^${FORGED}"; then
	fail "a log line was forged: $(grep -n "^${FORGED}" "$MUX_LOG" | head -3)"
fi
say "muxd runs, BIRD's session is the same ($after), no forged log line"

# ------------------------------------------------------------ the token file

chmod 644 "$TOKEN_FILE"
lines=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "muxd to refuse the reload" mux_log_since "$lines" \
	"token_file: $TOKEN_FILE: permissions 0644 are too open.*chmod 600 $TOKEN_FILE"
mux_log_since "$lines" "keeping the running configuration" ||
	fail "the reload with a 0644 token file was not refused"
mux_alive
api_ok POST /api/v1/clients '{"name": "after-reload", "address": "127.0.121.52", "asn": 65101, "upstreams": ["isp-a"]}'
say "SIGHUP with a 0644 token file: refused, the running configuration stays"

"$PY" - "$T/second.json" "$T/var2" "$TOKEN_FILE" <<'PY' || fail "cannot write second.json"
import json, sys
out, state, token = sys.argv[1:4]
json.dump({"asn": 65000, "router_id": "192.0.2.2", "state_dir": state, "listen_port": 0,
           "api": {"listen": "127.0.120.2:8179", "token_file": token}}, open(out, "w"))
PY
rc=0
timeout 10 "${MUXD_CMD[@]}" --config "$T/second.json" >"$T/second.log" 2>&1 || rc=$?
((rc != 0 && rc != 124)) || fail "muxd started with a 0644 token file (exit $rc)"
grep -q "permissions 0644 are too open.*chmod 600" "$T/second.log" ||
	fail "muxd did not say why it refused: $(cat "$T/second.log")"
say "muxd with a 0644 token file refuses to start (exit $rc): $(head -n 1 "$T/second.log")"
chmod 600 "$TOKEN_FILE"

# beyond loopback (in a namespace of its own), without a token file: a warning
NS=bgpmux120-$$
netns_add "$NS"
"$PY" - "$T/exposed.json" "$T/var3" <<'PY' || fail "cannot write exposed.json"
import json, sys
json.dump({"asn": 65000, "router_id": "192.0.2.3", "state_dir": sys.argv[2], "listen_port": 0,
           "api": {"listen": "0.0.0.0:8179"}}, open(sys.argv[1], "w"))
PY
spawn "exposed muxd" "$T/exposed.log" ip netns exec "$NS" "${MUXD_CMD[@]}" --config "$T/exposed.json"
EXPOSED_PID=$LAST_PID
wait_until 10 "the exposed muxd to listen" grep -q "api: listening on" "$T/exposed.log"
grep -q "beyond loopback, without api.token_file" "$T/exposed.log" ||
	fail "no warning for an API on 0.0.0.0 without a token file: $(cat "$T/exposed.log")"
mux_log_has "beyond loopback" && fail "the loopback API was warned about"
stop_pid "$EXPOSED_PID" TERM 5
say "an API on 0.0.0.0 without a token file warns at start; on 127.0.120.1 it does not"

# --------------------------------------- a Shutdown Communication cut mid-character

# The session history keeps 199 octets of a reason. Enough "x" before 45
# "€" (3 octets each) that the 199th octet is the first of a "€", whatever
# the length of the reason's text before the message.
lead='received NOTIFICATION 6/2 (Cease, Administrative Shutdown): shutdown communication "'
nx=$(( 4 + (199 - ${#lead} - 4 - 1) % 3 ))
msg="$(printf 'x%.0s' $(seq "$nx"))$(printf '€%.0s' {1..45})"
_birdc "$UP" disable mux "\"$msg\"" >/dev/null || fail "birdc disable failed"
wait_until 20 "muxd to log BIRD's Shutdown Communication" mux_log_has "Administrative Shutdown.*xxxx€€€"
mux_alive
api_json '/api/v1/events?limit=20' 'assert any("xxxx€€€" in e["reason"] and e["reason"].endswith("\ufffd") for e in d["events"]), [e["reason"] for e in d["events"]]'
api_ok GET /api/v1/sessions
mux_alive
say "a Shutdown Communication cut mid-character shows in /api/v1/events, repaired; muxd runs"
mux_stop_clean
