#!/usr/bin/env bash
# muxd's HTTP JSON API against a running muxd with a real BIRD upstream and
# a real BIRD client:
#   - every endpoint answers with the documented shape, and what it says is
#     what the daemons see (path counts = BIRD's, sessions Established);
#   - a client provisioned with POST establishes a real BGP session at once
#     and receives the whole view; a session reset through the API reaches
#     the client as Cease/Administrative Reset; after DELETE the client gets
#     Cease/Peer De-configured and cannot come back;
#   - a provisioned client survives a muxd restart;
#   - bad JSON, unknown keys, no or a wrong token, a duplicate name, an
#     address outside every instance: each a clear 4xx, and nothing changes;
#   - a client with a lifetime goes away when it expires.
# Addresses: 127.0.60.0/24 (muxd and its API 127.0.60.1:8179, upstream BIRD
# 127.0.60.11) and 127.0.61.0/24 (instance 127.0.61.1, client BIRD 127.0.61.12).
V4=${V4:-200}
V6=${V6:-100}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api_lib.sh"

MUX_ADDR=127.0.60.1
INST_ADDR=127.0.61.1
CLIENT_ADDR=127.0.61.12
CLIENT_ASN=4200000999
UP=isp_a
API=http://$MUX_ADDR:8179
TOKEN_FILE=$T/token

claim_addrs 127.0.60.1 127.0.60.11 127.0.61.1 127.0.61.12
echo "t0ken-$RANDOM-$RANDOM" >"$TOKEN_FILE" && chmod 600 "$TOKEN_FILE"

# a client of the configuration file: never connects here
api_mux_start 127.0.60.11 12 '[{"name": "static-1", "address": "127.0.61.50", "asn": 65101, "upstreams": ["isp-a"]}]'
say "the upstream announces $up4 IPv4 and $up6 IPv6 routes"

# ------------------------------------------------------- the client BIRD

client_bird_start "$T/client" "$CLIENT_ADDR" "$CLIENT_ASN" "$INST_ADDR"
_cbirdc() { birdc -s "$T/client/ctl" "$@"; }
client_established() { _cbirdc show protocols mux | matches Established; }
client_has() {
	[[ $(route_count "$T/client/ctl" c4) == "$1" && $(route_count "$T/client/ctl" c6) == "$2" ]]
}

# Not provisioned yet: the instance refuses it (its rejected counter grows).
instance_rejected() { api_ok GET /api/v1/instances; "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["rejected"])' "$API_BODY"; }
wait_until 15 "the instance to refuse the unprovisioned client" bash -c "(( \$(curl -s $API/api/v1/instances | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"rejected\"])') > 0 ))"
client_established && fail "the client is Established before it was provisioned"
say "before provisioning the instance refused the client ($(instance_rejected) connections)"

# ------------------------------------------------------ refused writes change nothing

snapshot() { api_ok GET /api/v1/clients; "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps(sorted([{k: c[k] for k in ("name", "address", "asn", "upstreams", "prefixes", "source")} for c in d], key=lambda c: c["name"])))' "$API_BODY"; }
before=$(snapshot)
good='{"name": "vnet-1", "address": "127.0.61.12", "asn": 4200000999, "upstreams": ["isp-a"], "prefixes": ["184.164.224.0/24"]}'
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": '
grep -q 'invalid JSON' "$API_BODY" || fail "bad JSON: $(cat "$API_BODY")"
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": "127.0.61.12", "asn": 4200000999, "upstreams": ["isp-a"], "colour": "red"}'
"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["field"] == "$.colour", e' "$API_BODY" || fail "unknown key: $(cat "$API_BODY")"
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": "127.0.61.12", "asn": "AS1", "upstreams": ["isp-a"]}'
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": "127.0.61.12", "asn": 1, "upstreams": ["isp-b"]}'
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": "2001:db8::12", "asn": 1, "upstreams": ["isp-a"]}'
"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["field"] == "$.address" and "outside instance isp-a" in e["error"], e' "$API_BODY" || fail "address outside: $(cat "$API_BODY")"
api_expect 401 POST /api/v1/clients "$good" -
api_expect 403 POST /api/v1/clients "$good" wrong-token
api_expect 409 POST /api/v1/clients '{"name": "static-1", "address": "127.0.61.12", "asn": 1, "upstreams": ["isp-a"]}'
api_expect 409 POST /api/v1/clients '{"name": "vnet-9", "address": "127.0.61.50", "asn": 1, "upstreams": ["isp-a"]}'
api_expect 400 POST /api/v1/clients '{"name": "vnet-1", "address": "127.0.61.12", "asn": 1, "upstreams": ["isp-a"], "lifetime": 0}'
api_expect 409 DELETE /api/v1/clients/static-1
api_expect 404 DELETE /api/v1/clients/nobody
api_expect 400 GET "/api/v1/events?limit=x"
api_expect 400 GET "/api/v1/events?limit=5&limit=6"
api_expect 400 GET "/api/v1/status?verbose=1"
api_expect 404 GET /api/v1/nothing
api_expect 405 DELETE /api/v1/views
[[ $(snapshot) == "$before" ]] || fail "a refused write changed the clients: $before -> $(snapshot)"
holds_for 2 "the client staying out after refused writes" eval '! client_established'
api_json "/api/v1/audit?limit=50" '
res = [a["result"] for a in d]
assert 401 not in res and 403 not in res and res.count(409) >= 3 and res.count(400) >= 6, res
assert all(a["who"].split()[0] == "token" for a in d), d'
curl -s "$API/metrics" >"$T/metrics.txt"
grep -q '^bgpmux_api_refused_writes_total{reason="no_token"} 1$' "$T/metrics.txt" &&
	grep -q '^bgpmux_api_refused_writes_total{reason="wrong_token"} 1$' "$T/metrics.txt" ||
	fail "refused writes not counted: $(grep refused "$T/metrics.txt")"
say "bad JSON, unknown key, bad ASN, unknown upstream, address outside the instance, no token, wrong token, duplicates: 4xx each, nothing changed; those with the token audited, the others counted in /metrics"

# ------------------------------------------------------------- provisioning

api_ok POST /api/v1/clients "$good"
[[ $API_STATUS == 201 ]] || fail "POST answered $API_STATUS, want 201"
"$PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert c["name"] == "vnet-1" and c["source"] == "api" and c["address"] == "127.0.61.12", c
assert c["prefixes"] == ["184.164.224.0/24"] and "password" not in c, c
assert [i["instance"] for i in c["instances"]] == ["isp-a"], c' "$API_BODY" || fail "POST answer: $(cat "$API_BODY")"
t0=$SECONDS
wait_until 30 "the provisioned client to be Established" client_established
wait_until 60 "the client to hold $up4 + $up6 routes" client_has "$up4" "$up6"
say "provisioned client Established after $((SECONDS - t0))s and holds the whole view ($up4 + $up6 routes)"

# ------------------------------------------------------------- every endpoint's shape

muxd_version=$("${MUXD_CMD[@]}" --version) || fail "muxd --version failed"
api_json /api/v1/status '
assert d["asn"] == 65000 and d["router_id"] == "192.0.2.1" and d["views"] == 1, d
assert d["instances"] == 1 and d["clients"] == 2 and d["clients_provisioned"] == 1, d
assert d["sessions"].get("Established") == 2 and d["writable"] is True, d
assert "muxd " + d["version"] == "'"$muxd_version"'" and d["version"] != "", d
assert d["role"] == "single" and "view_host" not in d, d'
api_json /api/v1/export 'assert d == {"role": "single", "hosts": []}, d'
api_json /api/v1/sessions '
by = {s["id"]: s for s in d}
assert set(by) == {"isp-a/1", "isp-a/vnet-1/1", "isp-a/static-1/1"}, by.keys()
for s in d:
    for k in ("kind", "name", "state", "uptime", "families", "multisession_id", "index", "multisession",
              "messages_received", "messages_sent", "last_error", "neighbor", "queue_bytes"):
        assert k in s, (k, s)
u, c = by["isp-a/1"], by["isp-a/vnet-1/1"]
assert u["kind"] == "upstream" and u["state"] == "Established" and u["remote_as"] == 65010, u
assert u["families"] == ["ipv4-unicast", "ipv6-unicast"] and u["multisession_id"] == 1 and u["index"] == 1, u
assert u["messages_received"]["update"] > 0 and u["messages_received"]["open"] == 1, u
assert u["multisession"] in ("off", "cisco", "ietf") and u["initiated"] == "local", u
assert c["kind"] == "client" and c["instance"] == "isp-a" and c["state"] == "Established", c
assert c["messages_sent"]["update"] > 0 and c["neighbor"] == "127.0.61.12", c
assert c["initiated"] == "remote" and c["remote_address"] == "127.0.61.12", c
assert by["isp-a/static-1/1"]["state"] in ("Idle", "Active"), by["isp-a/static-1/1"]'
api_json /api/v1/views "
assert len(d) == 1 and d[0]['name'] == 'isp-a' and d[0]['state'] == 'Established', d
assert d[0]['paths'] == {'ipv4': $up4, 'ipv6': $up6}, d[0]['paths']
assert d[0]['route_count'] == $up4 + $up6 and d[0]['updates'] > 0, d
assert isinstance(d[0]['update_rate'], float), d"
api_json /api/v1/views/isp-a '
assert d["name"] == "isp-a" and isinstance(d["rate_history"], list) and d["rate_interval"] == 10, d'
api_expect 404 GET /api/v1/views/isp-z

# The looking glass shows what BIRD announced: one prefix, exact, with its
# attributes; all of them with longer; the covering chain of a host address.
pfx=$(birdc -s "$T/$UP/ctl" show route table "t4_$UP" | awk '$1 ~ /\/[0-9]+$/ {print $1; exit}')
bird_path=$(birdc -s "$T/$UP/ctl" show route all table "t4_$UP" "$pfx" | awk '/BGP.as_path:/ {$1=""; print}' | xargs)
api_json "/api/v1/views/isp-a/routes?prefix=$pfx&match=exact" "
assert d['view'] == 'isp-a' and d['match'] == 'exact' and d['count'] == 1 and not d['truncated'], d
r = d['routes'][0]
assert r['prefix'] == '$pfx' and r['path_id'] == 0, r
want = [65010] + [int(a) for a in '$bird_path'.split()]
assert r['as_path'] == want, (r['as_path'], want)
assert 'origin' in r and 'next_hop' in r, r"
api_json "/api/v1/views/isp-a/routes?prefix=0.0.0.0/0&match=longer" "assert d['count'] == $up4, d['count']"
api_json "/api/v1/views/isp-a/routes?prefix=::/0&match=longer" "assert d['count'] == $up6, d['count']"
host=$("$PY" -c "import ipaddress; print(ipaddress.ip_network('$pfx')[1])")
api_json "/api/v1/views/isp-a/routes?prefix=$host/32&match=covering" "
assert d['count'] >= 1 and d['routes'][-1]['prefix'] == '$pfx', d"
api_expect 400 GET "/api/v1/views/isp-a/routes?prefix=300.0.0.0/8"
api_expect 400 GET "/api/v1/views/isp-a/routes?prefix=10.0.0.0/8&match=near"

api_json /api/v1/instances '
i = d[0]
assert i["name"] == "isp-a" and i["address"] == "127.0.61.1" and i["port"] == 179, i
c = {c["name"]: c for c in i["clients"]}
assert c["vnet-1"]["state"] == "Established" and c["vnet-1"]["phase"] == "steady", c'
api_json /api/v1/clients '
by = {c["name"]: c for c in d}
assert by["static-1"]["source"] == "config" and by["vnet-1"]["source"] == "api", by
assert by["vnet-1"]["instances"][0]["state"] == "Established", by
assert by["vnet-1"]["expires_at"] is None and by["vnet-1"]["created_at"] > 0, by'
api_json /api/v1/clients/vnet-1 'assert d["name"] == "vnet-1", d'
api_json "/api/v1/events?limit=1000" '
ev = d["events"]
assert all(k in e for e in ev for k in ("id", "time_ms", "peer", "session", "family", "old_state", "new_state", "reason", "notification")), ev[:2]
assert [e["id"] for e in ev] == sorted([e["id"] for e in ev], reverse=True), "not newest first"
assert any("client vnet-1" in e["peer"] and e["new_state"] == "Established" for e in ev), ev[:5]
assert any(e["peer"].startswith("view isp-a") and e["new_state"] == "Established" and e["family"] == "ipv4-unicast,ipv6-unicast" for e in ev), ev[:5]'
api_json "/api/v1/events?limit=2" '
assert len(d["events"]) == 2 and isinstance(d["next"], int), d'
nxt=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$API_BODY")
api_json "/api/v1/events?limit=2&before=$nxt" "assert all(e['id'] < $nxt for e in d['events']) and d['events'], d"

api_ok GET /metrics
"$PY" - "$API_BODY" "$up4" "$up6" <<'PY' || fail "/metrics: $(head -c 800 "$API_BODY")"
import re, sys
text = open(sys.argv[1]).read()
m, typed = {}, set()
for line in text.splitlines():
    if line.startswith("# TYPE"):
        name = line.split()[2]
        assert name not in typed, "family %s twice" % name
        typed.add(name)
        continue
    if line.startswith("#") or not line:
        continue
    k, v = line.rsplit(" ", 1)
    assert re.match(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})?$', k), k
    assert k.split("{")[0] in typed, "sample before its TYPE: " + k
    m[k] = float(v)
assert m['bgpmux_sessions{state="Established"}'] == 2, m
assert m['bgpmux_view_paths{view="isp-a",afi="ipv4"}'] == int(sys.argv[2]), m
assert m['bgpmux_view_paths{view="isp-a",afi="ipv6"}'] == int(sys.argv[3]), m
assert m['bgpmux_session_updates_received_total{session="isp-a/1",kind="upstream"}'] > 0, m
assert m['bgpmux_session_updates_sent_total{session="isp-a/vnet-1/1",kind="client"}'] > 0, m
assert 'bgpmux_session_queue_bytes{session="isp-a/vnet-1/1",kind="client"}' in m, m
assert m["bgpmux_store_commits_total"] > 0 and "bgpmux_store_commit_seconds_max" in m, m
PY

# The OpenAPI document names every endpoint, and every GET it names answers.
api_json /api/v1/openapi.json '
assert d["openapi"].startswith("3."), d["openapi"]
want = {"/api/v1/status", "/api/v1/sessions", "/api/v1/sessions/{id}/reset", "/api/v1/views",
        "/api/v1/views/{name}", "/api/v1/views/{name}/routes", "/api/v1/instances",
        "/api/v1/clients", "/api/v1/clients/{name}", "/api/v1/events", "/api/v1/audit",
        "/api/v1/openapi.json", "/api/v1/dataplane", "/api/v1/upgrade", "/api/v1/export",
        "/metrics"}
assert set(d["paths"]) == want, set(d["paths"]) ^ want
open(sys.argv[1] + ".gets", "w").write("\n".join(p for p, ops in d["paths"].items() if "get" in ops))'
while read -r p; do
	p=${p//\{name\}/isp-a}
	[[ $p == */routes ]] && p="$p?prefix=$pfx"
	[[ $p == /api/v1/clients/isp-a ]] && p=/api/v1/clients/vnet-1
	api_ok GET "$p"
done <"$API_BODY.gets"
# No "dataplane" key: the endpoint says so, and /metrics has none of it.
api_json /api/v1/dataplane 'assert d == {"enabled": False}, d'
curl -s "$API/metrics" | matches '^bgpmux_dataplane_' && fail "/metrics has data plane metrics without a data plane"
say "status, sessions, views, routes (exact, longer, covering), instances, clients, events (paged), dataplane (disabled), metrics, openapi: shapes and values as the daemons see them"

# ------------------------------------------------------------- session reset

api_ok POST /api/v1/sessions/isp-a/vnet-1/1/reset
wait_until 15 "the client to be told Administrative Reset" bash -c \
	"birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'administrative reset'"
wait_until 30 "the client to come back after the reset" client_established
api_expect 404 POST /api/v1/sessions/isp-a/nobody/1/reset
api_expect 409 POST /api/v1/sessions/isp-a/static-1/1/reset
bird_established "$UP" || fail "the client's reset touched the upstream"
say "POST sessions/isp-a/vnet-1/1/reset: the client got Cease/Administrative Reset and came back"

# ------------------------------------------------------------------ DELETE

rej=$(instance_rejected)
api_ok DELETE /api/v1/clients/vnet-1
wait_until 15 "the client to be told Peer De-configured" bash -c \
	"birdc -s '$T/client/ctl' show protocols all mux | grep -qi 'de-configured'"
wait_until 15 "the instance to refuse the deleted client again" bash -c "(( \$(curl -s $API/api/v1/instances | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"rejected\"])') > $rej ))"
client_established && fail "the deleted client is Established"
api_json "/api/v1/events?limit=1000" '
assert any("client vnet-1" in e["peer"] and e["old_state"] == "Established" and e["notification"] == {"code": 6, "subcode": 3} for e in d["events"]), [e for e in d["events"] if "vnet-1" in e["peer"]][:4]'
api_json /api/v1/clients 'assert [c["name"] for c in d] == ["static-1"], d'
say "DELETE: Cease/Peer De-configured (6/3) to the client, recorded in the events; it cannot come back"

# ------------------------------------------------------ survives a restart

api_ok POST /api/v1/clients "${good%\}}, \"lifetime\": 3600}"
wait_until 30 "the client to be Established again" client_established
exp=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["expires_at"])' "$API_BODY")
stop_pid "$MUX_PID" TERM 15 || fail "muxd did not stop on SIGTERM"
wait_until 15 "the client to see muxd go" bash -c "! birdc -s '$T/client/ctl' show protocols mux | grep -q Established"
mux_start "$T/muxd.json"
wait_until 10 "the API to answer after the restart" api_up
api_json /api/v1/clients/vnet-1 "assert d['source'] == 'api' and d['expires_at'] == $exp and d['lifetime'] == 3600, d"
wait_until 60 "the restarted muxd's upstream session" bird_established "$UP"
wait_until 60 "the provisioned client to be Established after the restart" client_established
wait_until 60 "the client to hold the whole view again" client_has "$up4" "$up6"
say "the provisioned client survived a muxd restart (lifetime kept) and got the view again"

# A reload keeps provisioned clients up: the client's session stays.
# (muxd's counters tell the session: BIRD's "since" time moves under load)
client_session() {
	api_ok GET /api/v1/clients/vnet-1
	"$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))["instances"][0]
print("%s, %d joins, %d flaps" % (c["state"], c["joins"], c["flaps"]))' "$API_BODY"
}
session=$(client_session)
[[ $session == "Established, 1 joins, 0 flaps" ]] || fail "the provisioned client after the restart: $session"
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "muxd to reload" mux_log_since "$mark" "reloaded "
holds_for 2 "the provisioned client's session through SIGHUP (was: $session)" \
	eval '[[ $(client_session) == "$session" ]]'
client_established || fail "the provisioned client is down after SIGHUP"
api_json /api/v1/clients/vnet-1 "assert d['source'] == 'api' and d['instances'][0]['state'] == 'Established', d"
say "SIGHUP: the provisioned client stays up"

# The file takes the provisioned client's name: after SIGHUP the file's
# client runs and the provisioned one does not; DELETE removes the stored
# one and leaves the file's alone.
cp "$T/muxd.json" "$T/muxd.json.orig"
"$PY" - "$T/muxd.json" <<'PY' || fail "cannot edit muxd.json"
import json, sys
c = json.load(open(sys.argv[1]))
c["clients"].append({"name": "vnet-1", "address": "127.0.61.77", "asn": 65177, "upstreams": ["isp-a"]})
json.dump(c, open(sys.argv[1], "w"))
PY
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "muxd to reload with the file's vnet-1" mux_log_since "$mark" "reloaded "
mux_log_since "$mark" "provisioned client vnet-1 is not started" || fail "no log line for the shadowed provisioned client"
api_json /api/v1/clients/vnet-1 "assert d['source'] == 'config' and d['address'] == '127.0.61.77', d"
api_ok DELETE /api/v1/clients/vnet-1
api_json /api/v1/clients/vnet-1 "assert d['source'] == 'config' and d['address'] == '127.0.61.77', d"
cp "$T/muxd.json.orig" "$T/muxd.json"
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "muxd to reload" mux_log_since "$mark" "reloaded "
api_expect 404 GET /api/v1/clients/vnet-1
say "a file client of the same name wins on reload; DELETE drops only the stored one"

# ------------------------------------------------------------ address range

# A client provisioned for a range: any address in it peers as a client of
# its own ("NAME@ADDRESS") and gets the view; one outside it is refused.
api_ok POST /api/v1/clients '{"name": "lab", "address": "127.0.61.32/28", "asn": 4200000998, "upstreams": ["isp-a"]}'
api_expect 409 POST /api/v1/clients '{"name": "lab2", "address": "127.0.61.40", "asn": 65001, "upstreams": ["isp-a"]}'
client_bird_start "$T/lab" 127.0.61.40 4200000998 "$INST_ADDR"
lab_has() {
	[[ $(route_count "$T/lab/ctl" c4) == "$up4" && $(route_count "$T/lab/ctl" c6) == "$up6" ]]
}
wait_until 30 "127.0.61.40 (in lab's range) to receive the view" lab_has
api_json /api/v1/instances 'c = [c for i in d for c in i["clients"] if c["name"] == "lab@127.0.61.40"]
assert len(c) == 1 and c[0]["state"] == "Established" and c[0]["range_of"] == "lab", c'
api_ok DELETE /api/v1/clients/lab
wait_until 15 "the range member to be closed" bash -c "! birdc -s '$T/lab/ctl' show protocols mux | grep -q Established"
say "a client provisioned for 127.0.61.32/28: 127.0.61.40 peers as lab@127.0.61.40 and gets the whole view; an address inside it cannot be provisioned again (409); DELETE closes the member"

# ------------------------------------------------------------ research monitor

# "role": "monitor" without upstreams: it may peer on any instance, gets
# every path, and what it announces (a static route here) goes nowhere.
api_ok POST /api/v1/clients '{"name": "mon", "address": "127.0.61.41", "asn": 4200000996, "role": "monitor"}'
mkdir -p "$T/mon"
cat >"$T/mon/bird.conf" <<EOF
router id 127.0.61.41;
log "$T/mon/bird.log" all;
ipv4 table c4;
ipv6 table c6;
protocol static s4 { ipv4 { table c4; }; route 10.99.0.0/24 blackhole; }
protocol bgp mux {
	local 127.0.61.41 as 4200000996;
	neighbor $INST_ADDR as 65000;
	multihop; strict bind yes;
	connect delay time 1; connect retry time 1;
	ipv4 { table c4; import all; export all; next hop self; };
	ipv6 { table c6; import all; export none; };
}
EOF
spawn "bird monitor" "$T/mon/stderr" bird -f -c "$T/mon/bird.conf" -s "$T/mon/ctl" -P "$T/mon/pid"
mon_has() {
	[[ $(route_count "$T/mon/ctl" c6) == "$up6" && $(route_count "$T/mon/ctl" c4) == $((up4 + 1)) ]]
}
wait_until 30 "the monitor to receive the whole view" mon_has
api_json /api/v1/instances 'c = [c for i in d for c in i["clients"] if c["name"] == "mon"]
assert len(c) == 1 and c[0]["role"] == "monitor" and c[0]["state"] == "Established", c
assert c[0]["updates_ignored"] >= 1, c'
mux_dump
"$PY" -c 'import json, sys
g = json.load(open(sys.argv[1]))["gateway"]
assert g["sent_announce"] == 0 and all(v == 0 for v in g["announced"].values()), g' "$ROUTES_JSON" ||
	fail "the monitor's announcement reached the gateway"
mux_log_has "client mon [^:]*: is a monitor: what it announces is ignored" ||
	fail "no log line for the monitor's ignored announcement"
api_ok DELETE /api/v1/clients/mon
say "a monitor provisioned without upstreams peers and gets the whole view; its announcement is ignored and counted, nothing goes upstream"

# ------------------------------------------------------------------ lifetime

api_ok POST /api/v1/clients '{"name": "brief", "address": "127.0.61.99", "asn": 65199, "upstreams": ["isp-a"], "lifetime": 2}'
wait_until 10 "the client with a 2 s lifetime to expire" bash -c "curl -s -o /dev/null -w '%{http_code}' $API/api/v1/clients/brief | grep -qx 404"
api_json "/api/v1/audit?limit=5" 'assert any(a["who"] == "lifetime" and a["path"].endswith("/brief") for a in d), d'
say "a client with \"lifetime\": 2 was removed when it expired"

mux_stop_clean
say "PASS"
