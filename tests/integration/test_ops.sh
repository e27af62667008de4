#!/usr/bin/env bash
# Operating a running muxd (the upstream: build/tools/mrt_replay with a
# synthetic table of N IPv4 routes):
#   - SIGUSR1, then 30 more while that dump's writer is held (SIGSTOP):
#     exactly two route dumps run, one after the other; routes.json is
#     valid JSON holding every route; no temporary file is left;
#   - a second muxd on the same state_dir exits 1 at once, naming the PID
#     of the first, which runs on with its session up;
#   - SIGHUP with a new api.listen: the API answers there and no longer at
#     the old address; an address that cannot be bound leaves the API where
#     it is; a new state_dir is logged as needing a restart and not used.
# Addresses: 127.0.140.0/24 (muxd 127.0.140.1, its API 127.0.140.1:8179
# then 127.0.140.2:8179, the upstream 127.0.140.11), 127.0.141.1 (the
# instance).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.140.1
FEED=127.0.140.11
N=${N:-20000}
claim_addrs 127.0.140.1 127.0.140.2 127.0.140.11 127.0.141.1

# write_config STATE_DIR API_LISTEN
write_config() {
	python3 - "$T/muxd.json" "$1" "$2" "$MUX_ADDR" "$FEED" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, api, mux, feed = sys.argv[1:6]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": api},
           "upstreams": [{"name": "isp-o", "peer": {"address": feed, "asn": 65140},
                          "local_address": mux, "passive": True,
                          "instance": {"address": "127.0.141.1", "port": 179}}]},
          open(out, "w"), indent=2)
PY
}

write_config "$T/var" "$MUX_ADDR:8179"
mux_start "$T/muxd.json"
spawn mrt_replay "$T/replay.out" "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" \
	--bind "$FEED" --asn 65140 --synthetic "$N" --eor --hold --sync-wait 0
wait_until 60 "the upstream's End-of-RIB" mux_log_has "view isp-o: End-of-RIB for ipv4-unicast from the upstream: $N IPv4"
say "the view holds the upstream's $N routes"

# ------------------------------------------------- SIGUSR1 in a burst

# A dump's writer is held (SIGSTOP) while 30 more SIGUSR1 arrive: they
# must make exactly one more dump, after it.
dumps_started() { grep -c "route dump [0-9]*: writing" "$MUX_LOG"; }
dumps_ended() { grep -cE "route dump [0-9]+ (done|failed) after" "$MUX_LOG"; }
dumps_settled() { mux_alive; (($(dumps_started) > 0 && $(dumps_started) == $(dumps_ended))); }
# hold_writer K — SIGUSR1, and SIGSTOP to dump K's writer as soon as the
# log names it; false if it had ended already (a small table is quick).
hold_writer() {
	local i pid=
	kill -USR1 "$MUX_PID"
	for i in $(seq 500); do
		pid=$(sed -n "s/.*route dump $1: writing .* (writer pid \([0-9]*\)).*/\1/p" "$MUX_LOG")
		[[ -n $pid ]] && break
		sleep 0.01
	done
	[[ -n $pid ]] || fail "route dump $1 did not start within 5 s of SIGUSR1"
	kill -STOP "$pid" 2>/dev/null && ! mux_log_has "route dump $1 (done|failed) after" && writer=$pid
}
writer=
for k in 1 2 3 4 5; do
	hold_writer "$k" && break
	wait_until 30 "route dump $k to end" dumps_settled
done
[[ -n $writer ]] || fail "could not hold a route dump's writer in 5 tries"
first=$k
for _ in $(seq 30); do kill -USR1 "$MUX_PID"; sleep 0.01; done
wait_until 10 "muxd to note the requests" mux_log_has "route dump $first still running: one more follows it"
kill -CONT "$writer"
# settled, and not just between dump $first's end and the next one's start
_next_done() { mux_alive; (($(dumps_ended) > first && $(dumps_started) == $(dumps_ended))); }
wait_until 60 "the route dumps to end" _next_done
holds_for 2 "no further route dump starting" eval '(($(dumps_started) == first + 1))'
started=$(($(dumps_started) - first + 1))
((started == 2)) || fail "$started route dumps ran for SIGUSR1 + a burst of 30 during it, want 2"
next=$((first + 1))
grep -E "route dump ($first|$next)( done after|: writing)" "$MUX_LOG" | sed 's/^[^ ]* *[a-z]* *//' |
	matches -xzP "route dump $first: writing [^\\n]*\\nroute dump $first done after [^\\n]*\\nroute dump $next: writing [^\\n]*\\nroute dump $next done after [^\\n]*\\n" ||
	fail "the dumps did not run one after the other: $(grep 'route dump' "$MUX_LOG")"
mux_log_has "route dump [0-9]+ failed" && fail "a route dump failed: $(grep 'route dump' "$MUX_LOG" | tail -3)"
python3 - "$ROUTES_JSON" "$N" <<'PY' || fail "routes.json is not valid JSON with every route"
import json, sys
d = json.load(open(sys.argv[1]))
views = {v["name"]: v for v in d["views"]}
routes = views["isp-o"]["routes"]
n = int(sys.argv[2])
assert views["isp-o"]["route_count"] == n, views["isp-o"]["route_count"]
assert len(routes) == n and len({r["prefix"] for r in routes}) == n, len(routes)
assert all(r["as_path"] and r["next_hop"] for r in routes)
assert set(d) == {"peers", "views", "instances", "gateway"}, list(d)
PY
leftovers=$(find "$T/var" -maxdepth 1 -name '.routes.json.*' -o -maxdepth 1 -name '*.tmp')
[[ -z $leftovers ]] || fail "temporary files left in state_dir: $leftovers"
say "SIGUSR1, then 30 during that dump: $started dumps, one after the other; routes.json holds all $N routes; no temporary file left"

# ------------------------------------------------- a second muxd on the same state_dir

rc=0
timeout 10 "${MUXD_CMD[@]}" --config "$T/muxd.json" >"$T/second.log" 2>&1 || rc=$?
((rc == 1)) || fail "a second muxd on the same state_dir exited with $rc, want 1 (124: it kept running): $(tail -3 "$T/second.log")"
matches -F "is in use by another muxd (pid $MUX_PID holds $T/var/muxd.lock)" <"$T/second.log" ||
	fail "the second muxd does not name the lock's holder: $(cat "$T/second.log")"
mux_alive
[[ $(cat "$T/var/muxd.lock") == "$MUX_PID" ]] || fail "muxd.lock holds '$(cat "$T/var/muxd.lock")', want $MUX_PID"
mux_log_has "view isp-o peer [^:]*: .*Established -> " && fail "the upstream session went down"
say "a second muxd on the same state_dir exits 1: $(tail -1 "$T/second.log" | sed 's/^[^ ]* //')"

# ------------------------------------------------- SIGHUP: api.listen and state_dir

api_answers() { curl -s -o /dev/null --max-time 3 "http://$1/api/v1/status"; }
wait_until 10 "the API at $MUX_ADDR:8179" api_answers "$MUX_ADDR:8179"
write_config "$T/var2" 127.0.140.2:8179
kill -HUP "$MUX_PID"
wait_until 10 "the API at 127.0.140.2:8179 after SIGHUP" api_answers 127.0.140.2:8179
wait_until 10 "the API to leave $MUX_ADDR:8179" eval "! listening $MUX_ADDR 8179"
mux_log_has "state_dir changed from $T/var to $T/var2: a new state_dir needs a restart" ||
	fail "no log line saying the new state_dir needs a restart"
[[ -e $T/var2 ]] && fail "muxd created the new state_dir $T/var2 without a restart"
mark=$(mux_log_lines)
kill -USR1 "$MUX_PID"
wait_until 30 "a route dump after the reload" mux_log_since "$mark" "route dump [0-9]+ done after"
mux_log_since "$mark" "wrote $N routes of every peer and view to $T/var/routes.json" ||
	fail "the dump after the reload did not go to the running state_dir"
say "SIGHUP: the API moved to 127.0.140.2:8179; the new state_dir is logged as needing a restart and unused"

write_config "$T/var" 192.0.2.140:8179          # not an address of this machine
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 10 "the reload" mux_log_since "$mark" "reloaded "
mux_log_since "$mark" "api.listen: cannot listen on 192.0.2.140:8179: .*; the API stays on 127.0.140.2:8179" ||
	fail "no log line saying the API stays where it is: $(tail -n +"$((mark + 1))" "$MUX_LOG")"
api_answers 127.0.140.2:8179 || fail "the API stopped answering at 127.0.140.2:8179"
say "SIGHUP with an api.listen that cannot be bound: the API stays at 127.0.140.2:8179"

mux_stop_clean
