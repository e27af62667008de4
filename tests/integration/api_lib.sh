# tests/integration/api_lib.sh — helpers for the tests of muxd's HTTP API
# (sourced after lib.sh). Set API (http://ADDR:PORT) and TOKEN_FILE first.

# The system's python3: a pyenv shim in PATH costs a second per call, and
# these tests call it often (stdlib only).
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

# api METHOD PATH [BODY] [TOKEN] — one request; API_STATUS gets the HTTP
# status, API_BODY the file holding the answer. TOKEN "-" sends none.
api() {
	local method=$1 path=$2 body=${3:-} token=${4:-}
	local args=(-s -o "$T/api.body" -w '%{http_code}' -X "$method" --max-time 20)
	[[ -z $token && -n ${TOKEN_FILE:-} ]] && token=$(head -n 1 "$TOKEN_FILE")
	[[ $token != - && -n $token ]] && args+=(-H "Authorization: Bearer $token")
	[[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	API_STATUS=$(curl "${args[@]}" "$API$path") || API_STATUS=000
	API_BODY=$T/api.body
}

# api_ok METHOD PATH [BODY] — api, and fail unless the answer is 2xx.
api_ok() {
	api "$@"
	[[ $API_STATUS == 2* ]] || fail "$1 $2: HTTP $API_STATUS: $(cat "$API_BODY")"
}

# api_expect STATUS METHOD PATH [BODY] [TOKEN] — the answer has STATUS and
# is a JSON error {"error": non-empty, "field": ...}.
api_expect() {
	local want=$1
	shift
	api "$@"
	[[ $API_STATUS == "$want" ]] || fail "$1 $2: HTTP $API_STATUS, want $want: $(cat "$API_BODY")"
	"$PY" - "$API_BODY" <<'PY' || fail "$1 $2: the $want answer is not a JSON error: $(cat "$API_BODY")"
import json, sys
e = json.load(open(sys.argv[1]))
assert isinstance(e["error"], str) and e["error"], e
assert "field" in e, e
PY
}

# api_json PATH PYTHON — GET PATH (2xx) and run PYTHON with `d` the answer.
api_json() {
	api_ok GET "$1"
	"$PY" -c "import json, sys
d = json.load(open(sys.argv[1]))
$2" "$API_BODY" || fail "GET $1: the answer does not hold: $2 (answer: $(head -c 600 "$API_BODY"))"
}

# api_up — the API answers /api/v1/status.
api_up() { curl -s -o /dev/null --max-time 2 "$API/api/v1/status"; }

route_count() { birdc -s "$1" show route count table "$2" | awk '/routes for/ {print $1}'; }

# api_mux_start UP_ADDR SLOT [EXTRA_CLIENTS_JSON] — the set-up the API
# tests share: the upstream BIRD (peer $UP, slot SLOT) at UP_ADDR, muxd at
# $MUX_ADDR with its API there and the instance at $INST_ADDR, both up;
# up4/up6 get the upstream's route counts.
api_mux_start() {
	local up_addr=$1 slot=$2 clients=${3:-[]}
	peer_add "$UP" bird "$up_addr" 65010 "$slot" passive
	bird_start "$UP"
	wait_until 30 "the upstream BIRD to listen" listening "$up_addr" 179
	"$PY" - "$T/muxd.json" "$T/var" "$TOKEN_FILE" "$MUX_ADDR" "$up_addr" "$INST_ADDR" \
		"$clients" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, token, mux, up, inst, clients = sys.argv[1:8]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": mux + ":8179", "token_file": token},
           "upstreams": [{"name": "isp-a", "peer": {"address": up, "asn": 65010, "port": 179},
                          "local_address": mux, "hold_time": 90,
                          "families": ["ipv4-unicast", "ipv6-unicast"],
                          "instance": {"address": inst, "port": 179}}],
           "clients": json.loads(clients)}, open(out, "w"), indent=2)
PY
	mux_start "$T/muxd.json"
	wait_until 10 "the API to answer" api_up
	wait_until 60 "the upstream session" bird_established "$UP"
	up4=$(route_count "$T/$UP/ctl" "t4_$UP")
	up6=$(route_count "$T/$UP/ctl" "t6_$UP")
}
