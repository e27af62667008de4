#!/usr/bin/env bash
# alone: headless chromium takes both cores
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
# playwright-core is installed once per version of tests/webui/package.json,
# in the user's cache: under build/ every fresh build or `make clean` made
# the test fetch it again (60-70 s of the test when the registry is slow).
NODE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/bgpmux/webui-node-$(sha256sum <"$ROOT/tests/webui/package.json" | cut -c1-16)
claim_addrs 127.0.64.21 127.0.64.22 127.0.64.31 127.0.64.32
echo "ui-$RANDOM$RANDOM" >"$TOKEN_FILE" && chmod 600 "$TOKEN_FILE"

[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs it)"
command -v node >/dev/null || fail "node is missing (scripts/deps.sh installs nodejs)"
if [[ ! -f $NODE_DIR/node_modules/playwright-core/package.json ]]; then
	# installed beside it and renamed into place: a run in another tree
	# may install the same version at the same time
	rm -rf "$NODE_DIR"
	mkdir -p "$(dirname "$NODE_DIR")"
	node_tmp=$(mktemp -d "$NODE_DIR.XXXXXX")
	cp "$ROOT/tests/webui/package.json" "$node_tmp/"
	(cd "$node_tmp" && npm install --no-audit --no-fund --silent) >"$T/npm.log" 2>&1 ||
		{ rm -rf "$node_tmp"; fail "npm install playwright-core failed: $(tail -n 5 "$T/npm.log")"; }
	mv -T "$node_tmp" "$NODE_DIR" 2>/dev/null || rm -rf "$node_tmp"
fi
[[ -f $NODE_DIR/node_modules/playwright-core/package.json ]] || fail "no playwright-core in $NODE_DIR"

api_mux_start 127.0.64.31 14
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
