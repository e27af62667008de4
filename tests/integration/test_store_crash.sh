#!/usr/bin/env bash
# The store keeps its promises: 1,000 provisioning calls to muxd's API from
# four threads (one in ten invalid on purpose), muxd killed with SIGKILL in
# the middle, then started again. Every call that got a 2xx answer is there
# (name and address), none that was refused or never reached muxd is; the
# calls in flight at the kill (at most one per thread) may go either way.
# The database passes sqlite's integrity check, and every kept client is
# running again (its instance knows it).
# Addresses: 127.0.64.0/24 (muxd 127.0.64.1 with its API on port 8179; the
# upstream 127.0.64.11 is never started; instance 127.0.64.2). The clients
# are configured at 127.0.60-63.x and never contacted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.64.1
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token
COUNT=${COUNT:-1000}
claim_addrs 127.0.64.1 127.0.64.2
echo "crash-$RANDOM$RANDOM" >"$TOKEN_FILE" && chmod 600 "$TOKEN_FILE"

"$PY" - "$T/muxd.json" "$T/var" "$TOKEN_FILE" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, token = sys.argv[1:4]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": "127.0.64.1:8179", "token_file": token},
           "upstreams": [{"name": "isp-a", "peer": {"address": "127.0.64.11", "asn": 65010},
                          "local_address": "127.0.64.1", "connect_retry": 30,
                          "instance": {"address": "127.0.64.2", "port": 179}}]},
          open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
wait_until 10 "the API to answer" api_up

t0=$SECONDS
summary=$("$PY" "$TOOLS/api_crash.py" --api "$MUX_ADDR:8179" --token "$(head -n 1 "$TOKEN_FILE")" \
	--pid "$MUX_PID" --count "$COUNT" --kill-after $((COUNT * 2 / 5)) --out "$T/results.json") ||
	fail "api_crash.py failed"
say "fired $COUNT calls in $((SECONDS - t0))s: $summary"
wait_until 10 "muxd to be gone after SIGKILL" eval "! running $MUX_PID"
wait "$MUX_PID" 2>/dev/null
[[ $summary == *'"killed": true'* ]] || fail "muxd was not killed during the calls"

"$PY" - "$T/var/bgpmux.db" <<'PY' || fail "bgpmux.db is damaged after SIGKILL"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
PY

mux_start "$T/muxd.json"
wait_until 30 "the API to answer after the restart" api_up
api_ok GET /api/v1/clients
"$PY" - "$T/results.json" "$API_BODY" <<'PY' || fail "the store broke a promise (above)"
import json, sys
results = json.load(open(sys.argv[1]))
clients = {c["name"]: c for c in json.load(open(sys.argv[2]))}
by = {}
for r in results:
    by.setdefault(r["outcome"], []).append(r)
lost = [r["name"] for r in by.get("ok", []) if r["name"] not in clients]
wrong = [r["name"] for r in by.get("ok", []) if r["name"] in clients and clients[r["name"]]["address"] != r["address"]]
late = [r for r in by.get("unknown", []) if r["after_kill"]]
ghosts = [r["name"] for r in by.get("refused", []) + by.get("unreached", []) + late if r["name"] in clients]
unknown = [r for r in by.get("unknown", []) if not r["after_kill"]]
unknown_kept = sum(1 for r in unknown if r["name"] in clients)
print("2xx: %d, all kept: %s; refused: %d, unreached: %d, cut off after the kill: %d, none kept: %s; "
      "in flight at the kill: %d (%d kept)"
      % (len(by.get("ok", [])), not lost, len(by.get("refused", [])), len(by.get("unreached", [])),
         len(late), not ghosts, len(unknown), unknown_kept), file=sys.stderr)
assert not lost, "answered 2xx but missing after the restart: %s" % lost[:10]
assert not wrong, "kept with another address: %s" % wrong[:10]
assert not ghosts, "refused or never sent, yet stored: %s" % ghosts[:10]
assert len(unknown) <= 4, "more calls in flight than threads: %d" % len(unknown)
assert all(r["status"] == 400 for r in by.get("refused", [])), "a valid call was refused"
assert len(by.get("ok", [])) >= 400, "too few calls before the kill"
extra = set(clients) - {r["name"] for r in results}
assert not extra, "clients nobody asked for: %s" % sorted(extra)[:10]
PY
api_json /api/v1/instances 'assert d[0]["name"] == "isp-a", d'
ninst=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))[0]["clients"]))' "$API_BODY")
api_ok GET /api/v1/clients
nkept=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$API_BODY")
((ninst == nkept)) || fail "the instance runs $ninst clients, the store kept $nkept"
say "after SIGKILL and a restart: every 2xx kept, nothing refused kept, $nkept clients running again"
mux_stop_clean
say "PASS"
