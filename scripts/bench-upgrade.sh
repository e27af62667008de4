#!/usr/bin/env bash
# Upgrade in place under load: one upstream with a full table
# (UPGRADE_PATHS, 1,000,000 synthetic paths: mrt_replay --synthetic) and
# UPGRADE_CLIENTS (16) clients holding it (bgp_sink), then SIGUSR2
# UPGRADE_COUNT (5) times; run by `make bench`.
#
# Per upgrade, from muxd's log (tests/bench/upgrade-report.py): the signal
# to the new process serving (ms), the bytes of state handed over, how long
# the old process kept the sessions frozen (flushing, then writing the
# state), the new process's time to exec and read the state and to take
# over; the peak RSS (VmHWM) of the old process (sampled until it leaves)
# and of the new one once it serves. On the wire, after every upgrade:
# the same TCP connections (4-tuples, from ss), every client and the
# feeder still running (a NOTIFICATION or a closed session ends a
# bgp_sink), and at the end each client's counters (bgp_sink's SIGUSR2
# status line) as they were before the first upgrade: no UPDATE.
#
# Then the comparison, a restart (SIGTERM, start again, the upstream and
# the clients connect again): seconds from SIGTERM until every client
# holds the whole table again. BIRD has no upgrade in place: its
# equivalent is this restart (not measured here: bench-scale.sh has
# BIRD's time to take and pass on a full table).
#
# Knobs (environment): UPGRADE_PATHS=1000000 UPGRADE_CLIENTS=16
# UPGRADE_COUNT=5 UPGRADE_RESTART=1 (0: no restart) UPGRADE_MUXD=build/muxd
# UPGRADE_TIMEOUT=600 (seconds for the table to reach every client)
# UPGRADE_PERF=FILE (perf record -a -g of the first upgrade, both
# processes: `perf report -i FILE --comm muxd`).
# Work files (config, logs, each client's output) stay in
# build/bench-upgrade/; the table goes to build/bench-upgrade.md.
# Addresses: muxd's upstream side 127.0.235.1, the feeder 127.0.235.2,
# the instance 127.0.236.1, client i 127.0.237.i.
# Functions below are called through variables and wait_until.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

PATHS=${UPGRADE_PATHS:-1000000}
CLIENTS=${UPGRADE_CLIENTS:-16}
COUNT=${UPGRADE_COUNT:-5}
RESTART=${UPGRADE_RESTART:-1}
MUXD=${UPGRADE_MUXD:-build/muxd}
TIMEOUT=${UPGRADE_TIMEOUT:-600}
PERF_OUT=${UPGRADE_PERF:-}

SINK=build/tools/bgp_sink
FEEDER=build/tools/mrt_replay
REPORT=tests/bench/upgrade-report.py
WORK=build/bench-upgrade
MD=build/bench-upgrade.md
UP_ADDR=127.0.235.1
FEED_ADDR=127.0.235.2
INST_ADDR=127.0.236.1
CLIENT_NET=127.0.237
MUX_ASN=4200001000              # client i is MUX_ASN + i
FEED_ASN=64513

BENCH_NAME=bench-upgrade
# say, spawn, stop, wait_until, listening, proc_stats...; the EXIT trap.
. scripts/bench-lib.sh

MUX_PID=
UPDATES_VERDICT=
SINK_PIDS=()
FEED_PID=
LOG=$WORK/muxd.err

muxd_config() {  # DIR
	python3 - "$1" "$CLIENTS" "$MUX_ASN" "$UP_ADDR" "$FEED_ADDR" "$FEED_ASN" \
	    "$INST_ADDR" "$CLIENT_NET" <<'EOF'
import json, sys
d, n, asn, up, feed, feed_asn, inst, net = sys.argv[1:]
clients = [{"name": f"c{i}", "address": f"{net}.{i}", "asn": int(asn) + i,
            "upstreams": ["isp1"]} for i in range(1, int(n) + 1)]
json.dump({"asn": int(asn), "router_id": "192.0.2.1", "state_dir": f"{d}/state",
           "upstreams": [{"name": "isp1", "passive": True, "local_address": up,
                          "peer": {"address": feed, "asn": int(feed_asn)},
                          "families": ["ipv4-unicast"],
                          "instance": {"address": inst, "port": 179}}],
           "clients": clients}, sys.stdout, indent=1)
EOF
}

muxd_up() { listening "$INST_ADDR" 179 && listening "$UP_ADDR" 179; }

start_muxd() {
	spawn "$WORK/muxd.out" "$LOG" "$MUXD" --config "$WORK/muxd.json"
	MUX_PID=$LAST_PID
	wait_until 60 muxd_up || { say "muxd does not listen (see $LOG)"; return 1; }
}

# start_clients TAG: one bgp_sink per client, waiting for the whole table
# and staying (--linger) until told to stop.
start_clients() {
	local i
	SINK_PIDS=()
	for ((i = 1; i <= CLIENTS; i++)); do
		spawn "$WORK/$1-c$i.json" "$WORK/$1-c$i.err" "$SINK" --connect "$INST_ADDR" \
		    --bind "$CLIENT_NET.$i" --asn $((MUX_ASN + i)) --peer-as "$MUX_ASN" \
		    --expect "$PATHS" --linger 100000 --timeout 100000 --connect-wait 60 \
		    --name "c$i"
		SINK_PIDS+=("$LAST_PID")
	done
}

start_feeder() {
	spawn /dev/null "$WORK/$1-feeder.err" "$FEEDER" --quiet --hold --eor \
	    --connect "$UP_ADDR" --bind "$FEED_ADDR" --synthetic "$PATHS" --asn "$FEED_ASN" \
	    --next-hop 198.18.0.2
	FEED_PID=$LAST_PID
}

count_lines() { grep -hc -- "$1" "${@:2}" 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'; }
all_established() { [ "$(count_files_with established "$WORK/$1"-c*.err)" -ge "$CLIENTS" ]; }
all_hold() { [ "$(count_files_with ': done: ' "$WORK/$1"-c*.err)" -ge "$CLIENTS" ]; }
statuses_at() { [ "$(count_lines ': status: ' "$WORK/$1"-c*.err)" -ge "$2" ]; }

# Each client's last status line (bgp_sink answers SIGUSR2 with one).
client_counters() {  # TAG
	local i
	for ((i = 1; i <= CLIENTS; i++)); do
		printf 'c%d %s\n' "$i" "$(grep ': status: ' "$WORK/$1-c$i.err" | tail -1 | sed 's/.*status: //')"
	done
}

# status TAG: every client's counters now (a status line each); counted
# from the lines already there, so it holds in a subshell too.
status() {
	local n
	n=$(count_lines ': status: ' "$WORK/$1"-c*.err)
	kill -USR2 "${SINK_PIDS[@]}"
	wait_until 30 statuses_at "$1" $((n + CLIENTS)) || say "not every client answered SIGUSR2"
	client_counters "$1"
}

# settled TAG: the clients' counters, once two readings a second apart
# agree (an End-of-RIB may follow the last route): what they hold before
# the first upgrade.
settled() {
	local a b i
	a=$(status "$1")
	for ((i = 0; i < 30; i++)); do
		sleep 1
		b=$(status "$1")
		[ "$a" = "$b" ] && break
		a=$b
	done
	printf '%s\n' "$b"
}

# Running, not a zombie: the first muxd and the clients are this
# shell's children, and a child that left answers kill -0 until it is waited for.
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
gone() { ! running "$1"; }
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Every TCP connection of the feeder and the clients, as their kernel
# sees it (the 4-tuple): a session that was made again has a new port.
connections() {
	ss -Htn state established "( src $FEED_ADDR or src $CLIENT_NET.0/24 )" |
	    awk '{ print $3, $4 }' | sort
}

# wire_check BASELINE: the same connections, every client and the feeder
# still running; prints what differs, nothing when all is as it was.
wire_check() {
	local pid gone=0
	for pid in "${SINK_PIDS[@]}"; do running "$pid" || gone=$((gone + 1)); done
	((gone)) && echo "$gone clients ended"
	running "$FEED_PID" || echo "the feeder ended"
	[ "$(connections)" = "$1" ] || echo "connections differ"
}

# The new process's PID from the "serves" line after line MARK.
serving_pid() {
	tail -n +"$(($1 + 1))" "$LOG" | grep -oE 'the new muxd \(pid [0-9]+' | head -1 | grep -oE '[0-9]+$'
}

upgrade_ended() {  # MARK OLD_PID
	[ -n "$(serving_pid "$1")" ] && ! running "$2" && return 0
	tail -n +"$(($1 + 1))" "$LOG" | grep -q 'upgrade failed'
}

# The whole machine (the new process is the launcher's child, started
# after the signal), once: the first upgrade.
PERF_PID=
perf_start() {
	[ -n "$PERF_OUT" ] || return 0
	spawn /dev/null "$WORK/perf.err" perf record -a -g -o "$PERF_OUT"
	PERF_PID=$LAST_PID
	# it writes its file's header once it records
	wait_until 10 test -s "$PERF_OUT" || say "perf has not started: $(cat "$WORK/perf.err")"
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"
	wait "$PERF_PID"
	PERF_PID=
	PERF_OUT=
}

# upgrade_once BASELINE_CONNS: one SIGUSR2, its figures in results.jsonl
upgrade_once() {
	local mark old=$MUX_PID t0 hwm=0 h new wire deadline=$((SECONDS + TIMEOUT))
	mark=$(wc -l <"$LOG")
	hwm=$(peak_kb "$old")
	perf_start
	t0=$EPOCHREALTIME
	kill -USR2 "$old"
	# the old process's peak: VmHWM only grows, so the last one read
	# before it leaves is its peak (within the 50 ms between reads)
	while ! upgrade_ended "$mark" "$old" && ((SECONDS < deadline)); do
		h=$(peak_kb "$old") && [ -n "$h" ] && hwm=$h
		sleep 0.05
	done
	perf_stop
	new=$(serving_pid "$mark")
	if [ -n "$new" ]; then
		MUX_PID=$new
		PIDS+=("$new")
	fi
	wire=$(wire_check "$1")
	python3 "$REPORT" upgrade "$LOG" "$mark" "$t0" "$hwm" "$(peak_kb "$MUX_PID")" \
	    "${wire:-same connections, no session ended}" >>"$WORK/results.jsonl"
	tail -1 "$WORK/results.jsonl" >&2
	[ -n "$new" ] && [ -z "$wire" ]
}

# The comparison: SIGTERM, start again; until every client holds the
# table again.
restart() {
	local t0 tag=restart old=$MUX_PID
	t0=$EPOCHREALTIME
	kill -TERM "$old"
	wait_until 60 gone "$old" || { say "muxd $old does not stop"; return 1; }
	stop_all "${SINK_PIDS[@]}" "$FEED_PID"
	LOG=$WORK/muxd-restart.err
	start_muxd || return 1
	start_clients "$tag"
	start_feeder "$tag"
	wait_until "$TIMEOUT" all_hold "$tag" || say "not every client held the table again"
	python3 - "$t0" "$EPOCHREALTIME" "$CLIENTS" "$(count_files_with ': done: ' "$WORK/$tag"-c*.err)" \
	    "$(proc_stats "$MUX_PID" | awk '$1 == "rss_kb" { print $2 }')" >>"$WORK/results.jsonl" <<'EOF'
import json, sys
t0, t1, n, held, rss = sys.argv[1:]
print(json.dumps({"kind": "restart", "seconds": float(t1) - float(t0), "clients": int(n),
                  "new_rss_kb": int(rss or 0),
                  "wire": f"{held} of {n} clients hold the table again (new sessions: "
                          "OPEN, the whole table sent again)"}))
EOF
	tail -1 "$WORK/results.jsonl" >&2
}

stop_all() {  # PID...: SIGTERM to all first, then wait for each
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do stop "$pid"; done
}

load() {
	local t0
	start_muxd || return 1
	start_clients load
	wait_until 60 all_established load || { say "not every client is Established"; return 1; }
	t0=$EPOCHREALTIME
	start_feeder load
	wait_until "$TIMEOUT" all_hold load || { say "not every client holds the table"; return 1; }
	say "$CLIENTS clients hold $PATHS paths: $(python3 -c "print(round($EPOCHREALTIME - $t0, 1))") s after the feed began"
}

check_tools() {
	local t
	make -s "$SINK" "$FEEDER" "$MUXD" >/dev/null 2>&1 || true
	for t in "$SINK" "$FEEDER" "$MUXD"; do
		[ -x "$t" ] || { say "cannot run: $t not built (make all)"; return 1; }
	done
	command -v python3 >/dev/null || { say "cannot run: python3 missing"; return 1; }
}

main() {
	local conns before after n
	check_tools || return 0
	mkdir -p "$WORK"
	exec 9>"$WORK.lock"
	flock -w 900 9 || { say "another bench-upgrade holds $WORK.lock; giving up"; return 0; }
	rm -rf "${WORK:?}"/* && mkdir -p "$WORK/state"
	muxd_config "$(pwd)/$WORK" >"$WORK/muxd.json"
	"$MUXD" --check-config "$WORK/muxd.json" 2>"$WORK/check.err" ||
	    { say "--check-config: $(head -1 "$WORK/check.err")"; return 0; }
	load || return 0
	conns=$(connections)
	say "$(wc -l <<<"$conns") connections; the clients' counters before the upgrades:"
	before=$(settled load)
	printf '%s\n' "$before" | head -3 >&2
	for ((n = 1; n <= COUNT; n++)); do
		upgrade_once "$conns" || { say "upgrade $n failed (see $LOG)"; break; }
	done
	after=$(status load)
	if [ "$before" = "$after" ]; then
		UPDATES_VERDICT="No UPDATE reached any of the $CLIENTS clients across the upgrades (bgp_sink's counters unchanged)."
	else
		UPDATES_VERDICT="The clients' counters changed across the upgrades: $(diff <(echo "$before") <(echo "$after") | grep '^>' | head -3)"
	fi
	say "$UPDATES_VERDICT"
	[ "$RESTART" = 1 ] && restart
	python3 "$REPORT" render "$WORK/results.jsonl" "$MD"
	echo "$UPDATES_VERDICT" | tee -a "$MD"
}

main "$@"
exit 0
