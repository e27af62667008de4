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

# client_bird_start DIR ADDR ASN INSTANCE-ADDR — a BIRD client of an
# instance (ctl socket DIR/ctl), tables c4 and c6, retrying every second.
client_bird_start() {
	local d=$1 addr=$2 asn=$3 inst=$4
	mkdir -p "$d"
	cat >"$d/bird.conf" <<EOC
router id $addr;
log "$d/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol bgp mux {
	local $addr as $asn;
	neighbor $inst port 179 as 65000;
	multihop;
	strict bind yes;
	hold time 90;
	connect delay time 1;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { table c4; import all; export none; };
	ipv6 { table c6; import all; export none; };
}
EOC
	spawn "bird client $addr" "$d/stderr" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 30 "the client BIRD $addr to answer" bash -c \
		"birdc -s '$d/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"
}
