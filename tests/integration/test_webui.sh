#!/usr/bin/env bash
# The web UI in a real browser: Debian's headless chromium driven by
# playwright-core (npm, version pinned in tests/webui/package.json) against
# a running muxd with a BIRD upstream and a BIRD client:
#   - the dashboard shows the upstream session Established and the view's
#     path counts as BIRD has them, with the update-rate chart;
#   - the looking glass shows the path BIRD announced (AS path included);
#   - a client provisioned through the form comes up at the wire (its BIRD
#     is Established) and the Delete button removes it (Peer De-configured).
# Screenshots are kept in build/integration/webui/.
# Addresses: 127.0.64.21 (muxd and API port 8179), .31 (upstream BIRD),
# .22 (instance), .32 (client BIRD) — test_store_crash uses .1 and .2.
V4=${V4:-60}
V6=${V6:-30}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.64.21
INST_ADDR=127.0.64.22
CLIENT_ADDR=127.0.64.32
CLIENT_ASN=4200000997
UP=isp_a
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token
SHOTS=$ROOT/build/integration/webui
NODE_DIR=$ROOT/build/webui-node
claim_addrs 127.0.64.21 127.0.64.22 127.0.64.31 127.0.64.32
echo "ui-$RANDOM$RANDOM" >"$TOKEN_FILE"

[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs it)"
command -v node >/dev/null || fail "node is missing (scripts/deps.sh installs nodejs)"
if [[ ! -f $NODE_DIR/node_modules/playwright-core/package.json ]]; then
	mkdir -p "$NODE_DIR"
	cp "$ROOT/tests/webui/package.json" "$NODE_DIR/"
	(cd "$NODE_DIR" && npm install --no-audit --no-fund --silent) >"$T/npm.log" 2>&1 ||
		fail "npm install playwright-core failed: $(tail -n 5 "$T/npm.log")"
fi

peer_add "$UP" bird 127.0.64.31 65010 14 passive
bird_start "$UP"
wait_until 30 "the upstream BIRD to listen" listening 127.0.64.31 179
"$PY" - "$T/muxd.json" "$T/var" "$TOKEN_FILE" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, token = sys.argv[1:4]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": "127.0.64.21:8179", "token_file": token},
           "upstreams": [{"name": "isp-a",
                          "peer": {"address": "127.0.64.31", "asn": 65010, "port": 179},
                          "local_address": "127.0.64.21",
                          "families": ["ipv4-unicast", "ipv6-unicast"],
                          "instance": {"address": "127.0.64.22", "port": 179}}]},
          open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 10 "the API to answer" api_up
wait_until 60 "the upstream session" bird_established "$UP"
route_count() { birdc -s "$1" show route count table "$2" | awk '/routes for/ {print $1}'; }
up4=$(route_count "$T/$UP/ctl" "t4_$UP")
up6=$(route_count "$T/$UP/ctl" "t6_$UP")
client_bird_start "$T/client" "$CLIENT_ADDR" "$CLIENT_ASN" "$INST_ADDR"
client_established() { birdc -s "$T/client/ctl" show protocols mux | matches Established; }

# A prefix whose AS path at BIRD is not empty, and that path.
read -r pfx bird_path < <(birdc -s "$T/$UP/ctl" show route all table "t4_$UP" | awk '
	$1 ~ /\/[0-9]+$/ { p = $1 }
	/BGP.as_path:/ && NF > 1 { $1 = ""; print p, $0; exit }')
[[ -n $pfx && -n $bird_path ]] || fail "BIRD has no route with a non-empty AS path"
"$PY" - "$T/expect.json" <<PY || fail "cannot write expect.json"
import json, sys
json.dump({"url": "$API/", "v4": $up4, "v6": $up6, "prefix": "$pfx",
           "as_path": " ".join(["65010"] + "$bird_path".split()),
           "token": open("$TOKEN_FILE").readline().strip(),
           "client": {"name": "vnet-ui", "address": "$CLIENT_ADDR", "asn": $CLIENT_ASN}},
          open(sys.argv[1], "w"))
PY

# The client BIRD comes up only once the form has provisioned it; watch
# for both its Established and its de-configuration in the background.
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
(
	_poll 60 client_established && echo established >>"$T/client.seen"
	_poll 60 bash -c "birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'de-configured'" &&
		echo deconfigured >>"$T/client.seen"
) &
watcher=$!
NODE_PATH=$NODE_DIR/node_modules timeout 150 node "$ROOT/tests/webui/webui_check.js" "$T/expect.json" "$SHOTS" \
	>"$T/webui.log" 2>&1 || { cat "$T/webui.log" >&2; fail "the browser check failed (screenshots in $SHOTS)"; }
sed 's/^/    /' "$T/webui.log" >&2
wait "$watcher"
grep -qx established "$T/client.seen" 2>/dev/null || fail "the client provisioned through the form never was Established at its BIRD"
grep -qx deconfigured "$T/client.seen" || fail "the client deleted through the UI was not told Peer De-configured"
api_json /api/v1/clients 'assert d == [], d'
ls "$SHOTS"/*.png >/dev/null || fail "no screenshots"
say "the browser saw the real states, counts and paths; the form's client came up at BIRD and was de-configured by Delete; screenshots: $(cd "$SHOTS" && echo *.png)"
mux_stop_clean
say "PASS"
