#!/usr/bin/env bash
# Scale on one machine: M upstreams with a full table each, one client per
# instance, bgpmux beside BIRD 2 configured as PEERING runs it (one table
# per upstream, exported to that upstream's client); run by `make bench`.
#
# The curve: for M in SCALE_M (default 1 2 4 8) upstreams × SCALE_N
# (1,000,000) synthetic prefixes each. Feeder u is mrt_replay --synthetic
# with AS 64512+u and next hop 198.18.x.y of its own, so every upstream's
# paths differ (AS_PATH, communities, next hop) over the same prefixes.
# Then the IXP shape (SCALE_IXP, default 999x1000: 999 upstreams × 1,000
# paths; muxd numbers its upstreams 1..999 for the control communities, so
# 999 is as many as one muxd takes): one mrt_replay and one bgp_sink
# process per session (about 2,000 small processes; they start one after
# the other, over seconds, so the feeders wait, sessions up, and all send
# at once on a signal: mrt_replay --wait-go; the report says how far apart
# their first UPDATEs went out), the clients counting prefixes only (no recorded
# tables for a thousand feeds).
#
# Last the join storm (SCALE_JOIN, default 256 clients): one upstream
# with SCALE_JOIN_N (100,000) paths, loaded (its first client holds it),
# then SCALE_JOIN clients of its instance, started and waiting
# (bgp_sink --wait-go), connect at once on a signal, each checked
# against the recorded table; measured: seconds from the storm's start
# until the last holds the table, and the daemon's memory per client
# ((VmRSS after − VmRSS before) / clients). 100,000 paths, not a full
# table: a bgp_sink holds its table in ~64 bytes a route, so 256 clients of
# 1M paths would need 16 GiB on the client side alone.
#
# Every client is bgp_sink, connected and Established before the feeders
# start; it checks its table against its upstream's recorded one
# (--expect-table: every prefix, nothing extra, same attributes), so a run
# counts only when every client holds exactly what its upstream sent.
# Measured per run (daemon = muxd or bird):
#   seconds   first UPDATE a feeder sent → the last client holds its table
#   peak RSS  VmHWM of the daemon (/proc/PID/status)
#   bytes/path  (VmRSS at the end − VmRSS before the feed) / (M × N)
#   CPU s/M   the daemon's utime+stime during the feed per million paths
# Prints the table, writes it as Markdown to build/bench-scale.md and the
# plot (seconds and bytes per path against M) to docs/img/scale.svg.
#
# Knobs (environment): SCALE_M="1 2 4 8" (empty: no curve) SCALE_N=1000000
# SCALE_IXP=999x1000 (UPSTREAMSxPATHS; empty: skip)
# SCALE_JOIN=256 (0: skip) SCALE_JOIN_N=100000 SCALE_SYSTEMS="bgpmux bird"
# SCALE_MUXD=build/muxd SCALE_RUN_TIMEOUT=600 (seconds a run may take)
# SCALE_SVG=docs/img/scale.svg (empty: no plot)
# SCALE_ORDER=prefix (scattered: every feed's synthetic table in random
# order, mrt_replay --scatter, as BIRD and GoBGP send a table; its own
# recorded tables). Work files (configs,
# logs, each client's JSON line, the recorded tables) stay in
# build/bench-scale/.
# Functions below are called through variables and wait_until.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

SCALE_MS=${SCALE_M-1 2 4 8}
N=${SCALE_N:-1000000}
IXP=${SCALE_IXP-999x1000}
JOIN=${SCALE_JOIN-256}
JOIN_N=${SCALE_JOIN_N:-100000}
SYSTEMS=${SCALE_SYSTEMS:-bgpmux bird}
MUXD=${SCALE_MUXD:-build/muxd}
RUN_TIMEOUT=${SCALE_RUN_TIMEOUT:-600}
SVG=${SCALE_SVG-docs/img/scale.svg}
ORDER=${SCALE_ORDER:-prefix}
case $ORDER in
prefix) ORDER_ARG='' ORDER_TAG='' ;;
scattered) ORDER_ARG=--scatter ORDER_TAG=-scattered ;;
*) echo "bench-scale: SCALE_ORDER is prefix or scattered, not '$ORDER'" >&2; exit 2 ;;
esac
ESTABLISH_WAIT=120              # seconds for every client (feeder) to be up

SINK=build/tools/bgp_sink
FEEDER=build/tools/mrt_replay
REPORT=tests/bench/scale-report.py
WORK=build/bench-scale
MD=build/bench-scale.md

# Loopback addresses (tests/bench/README.md): each role has four /24s, so
# up to 1,000 upstreams; upstream u is host (u-1) % 250 + 1 of /24
# BASE + (u-1) / 250.
FEED_NET=200                    # feeder u
# The daemon's side of every upstream: one address, as at an IXP (muxd
# listens on at most 64 distinct local addresses; BIRD shares one socket).
UP_ADDR=127.0.204.1
INST_NET=208                    # instance u (the address client u connects to)
CLIENT_NET=212                  # client u
REC_ADDR=127.0.216.1            # the recording pass: a client on the feeder
REC_FEED_ADDR=127.0.216.2
MUX_ASN=4200001000              # client u is MUX_ASN + u; feeder u 64512 + u

BENCH_NAME=bench-scale
# say, spawn, stop, wait_until, listening, proc_stats...; the EXIT trap.
. scripts/bench-lib.sh

# client_up I M C: the upstream of client i (as muxd_config)
client_up() { if [ "$2" = "$3" ]; then echo "$1"; else echo 1; fi; }
addr() { echo "127.0.$(($1 + ($2 - 1) / 250)).$((($2 - 1) % 250 + 1))"; }
feed_asn() { echo $((64512 + $1)); }
feed_nh() { echo "198.18.$(($1 / 250)).$(($1 % 250 + 1))"; }
# End-of-RIB after the table, as peers send it: muxd finishes ordering the
# table then (what waits to be linked into its trie), so the CPU figures
# include it rather than leave it to the first walk after the run.
feeder_args() {  # U PATHS: what feeder u sends
	echo "--synthetic $2 --asn $(feed_asn "$1") --next-hop $(feed_nh "$1") --eor $ORDER_ARG"
}

# ---- the recorded tables --------------------------------------------------

# record U PATHS: feeder u's table as a client straight on it holds it,
# in $WORK/feeds/PATHS-U.table (kept between runs of the script: the feed
# is deterministic).
record() {
	local u=$1 paths=$2 t="$WORK/feeds/$2-$1$ORDER_TAG.table" spid
	[ -s "$t" ] && return 0
	mkdir -p "$WORK/feeds"
	spawn "$t.json" "$t.err" "$SINK" --listen "$REC_ADDR" --asn "$MUX_ASN" \
	    --peer-as "$(feed_asn "$u")" --expect "$paths" --timeout 300 --name "record$u" \
	    --dump-table "$t.tmp"
	spid=$LAST_PID
	if ! wait_until 10 grep -qs listening "$t.err"; then
		say "feed $u: the recording client does not listen: $(tail -1 "$t.err")"
		stop "$spid"
		return 1
	fi
	# shellcheck disable=SC2046
	"$FEEDER" --quiet --connect "$REC_ADDR" --bind "$REC_FEED_ADDR" \
	    $(feeder_args "$u" "$paths") 2>"$t.feeder.err"
	wait_until 60 all_gone "$spid"
	stop "$spid"
	if ! grep -q '"complete":true' "$t.json"; then
		say "feed $u: recording incomplete: $(cat "$t.json")"
		return 1
	fi
	mv "$t.tmp" "$t"
}

# ---- the daemons ------------------------------------------------------------

DPID=                           # the daemon of the current run
UNAVAILABLE=                    # why the run could not be measured

# DIR M C: M upstreams; C clients, client i on upstream i (C = M) or all
# on upstream 1 (the join storm)
muxd_config() {  # DIR M C
	python3 - "$1" "$2" "$3" "$MUX_ASN" "$FEED_NET" "$UP_ADDR" "$INST_NET" "$CLIENT_NET" <<'EOF'
import json, sys
d, m, c, asn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
feed, inst, client = (int(sys.argv[i]) for i in (5, 7, 8))
up = sys.argv[6]
def addr(base, u):
    return f"127.0.{base + (u - 1) // 250}.{(u - 1) % 250 + 1}"
ups, clients = [], []
for u in range(1, m + 1):
    ups.append({"name": f"isp{u}", "passive": True, "local_address": up,
                "peer": {"address": addr(feed, u), "asn": 64512 + u},
                "families": ["ipv4-unicast"],
                "instance": {"address": addr(inst, u), "port": 179}})
for i in range(1, c + 1):
    clients.append({"name": f"c{i}", "address": addr(client, i), "asn": asn + i,
                    "upstreams": [f"isp{i if c == m else 1}"]})
json.dump({"asn": asn, "router_id": "192.0.2.1", "state_dir": f"{d}/state",
           "upstreams": ups, "clients": clients}, sys.stdout, indent=1)
EOF
}

start_muxd() {  # DIR M C
	local dir=$1
	if [ ! -x "$MUXD" ]; then
		UNAVAILABLE="$MUXD is not built"
		return
	fi
	mkdir -p "$dir/state"
	muxd_config "$(pwd)/$dir" "$2" "$3" >"$dir/muxd.json"
	if ! "$MUXD" --check-config "$dir/muxd.json" 2>"$dir/muxd.err"; then
		UNAVAILABLE="--check-config: $(head -1 "$dir/muxd.err")"
		return
	fi
	spawn "$dir/muxd.out" "$dir/muxd.err" "$MUXD" --config "$dir/muxd.json"
	DPID=$LAST_PID
}

# BIRD as PEERING runs it: a table per upstream, the upstream imports into
# it, its client (rs client: no AS prepended, next hop kept) exports it.
# Next hops resolve in an empty table, so no route waits on a recursive
# lookup (as tests/bench/bird-fanout.conf.in).
bird_config() {  # DIR M C
	local u i
	printf 'router id 192.0.2.1;\nlog "%s/bird.log" { warning, error, fatal };\n' "$1"
	printf 'ipv4 table master4;\nipv4 table nexthop4;\n'
	for ((u = 1; u <= $2; u++)); do
		printf 'ipv4 table t%d;\n' "$u"
		printf 'protocol bgp up%d { local %s as %d; neighbor %s as %d; multihop; strict bind yes;\n' \
		    "$u" "$UP_ADDR" "$MUX_ASN" "$(addr "$FEED_NET" "$u")" "$(feed_asn "$u")"
		printf '\tpassive yes; hold time 240;\n'
		printf '\tipv4 { table t%d; import all; export none; igp table nexthop4; }; }\n' "$u"
	done
	for ((i = 1; i <= $3; i++)); do
		u=$(client_up "$i" "$2" "$3")
		printf 'protocol bgp c%d { local %s as %d; neighbor %s as %d; multihop; strict bind yes;\n' \
		    "$i" "$(addr "$INST_NET" "$u")" "$MUX_ASN" "$(addr "$CLIENT_NET" "$i")" $((MUX_ASN + i))
		printf '\tpassive yes; rs client; hold time 240;\n'
		printf '\tipv4 { table t%d; import none; export all; next hop keep; }; }\n' "$u"
	done
}

start_bird() {  # DIR M C
	local dir=$1
	if ! command -v bird >/dev/null; then
		UNAVAILABLE="bird not installed (scripts/deps.sh installs bird2)"
		return
	fi
	bird_config "$(pwd)/$dir" "$2" "$3" >"$dir/bird.conf"
	if ! bird -p -c "$dir/bird.conf" 2>"$dir/bird.err"; then
		UNAVAILABLE="BIRD rejects $dir/bird.conf: $(tail -1 "$dir/bird.err")"
		return
	fi
	spawn "$dir/bird.out" "$dir/bird.err" bird -f -c "$dir/bird.conf" \
	    -s "$dir/bird.ctl" -P "$dir/bird.pid"
	DPID=$LAST_PID
}

# Both daemons listen on the last instance and the upstream address
# once they have taken the whole configuration.
daemon_up() { listening "$(addr "$INST_NET" "$1")" 179 && listening "$UP_ADDR" 179; }

# ---- one run -----------------------------------------------------------------

SINK_PIDS=()
FEED_PIDS=()

# start_clients DIR FIRST LAST M C PATHS [OPTION...]: clients FIRST..LAST;
# client i's PID is SINK_PIDS[i-1].
start_clients() {
	local dir=$1 i u expect table extra=("${@:7}")
	for ((i = $2; i <= $3; i++)); do
		u=$(client_up "$i" "$4" "$5")
		# the recorded table when there is one (the curve), else a count
		table="$WORK/feeds/$6-$u$ORDER_TAG.table"
		expect=(--expect "$6")
		[ -s "$table" ] && expect=(--expect-table "$table")
		spawn "$dir/client$i.json" "$dir/client$i.err" "$SINK" \
		    --connect "$(addr "$INST_NET" "$u")" --bind "$(addr "$CLIENT_NET" "$i")" \
		    --asn $((MUX_ASN + i)) --peer-as "$MUX_ASN" "${expect[@]}" \
		    --linger "$RUN_TIMEOUT" --timeout $((RUN_TIMEOUT + 120)) \
		    --connect-wait 30 --name "c$i" "${extra[@]}"
		SINK_PIDS+=("$LAST_PID")
	done
}

start_feeders() {  # DIR M PATHS
	local dir=$1 u
	FEED_PIDS=()
	for ((u = 1; u <= $2; u++)); do
		# shellcheck disable=SC2046
		spawn /dev/null "$dir/feeder$u.err" "$FEEDER" --quiet --hold --wait-go \
		    --connect "$UP_ADDR" --bind "$(addr "$FEED_NET" "$u")" \
		    $(feeder_args "$u" "$3")
		FEED_PIDS+=("$LAST_PID")
	done
}

feeders_ready() { [ "$(count_files_with ': ready' "$1"/feeder*.err)" -ge "$2" ]; }
clients_ready() { [ "$(count_files_with ': ready' "$1"/client*.err)" -ge "$2" ]; }

# Every feeder has its session up and its table made (--wait-go): then
# they all send at once, however long starting them one by one took.
go_feeders() {  # DIR M
	if ! wait_until "$ESTABLISH_WAIT" feeders_ready "$1" "$2"; then
		UNAVAILABLE="$(count_files_with ': ready' "$1"/feeder*.err) of $2 feeders ready within ${ESTABLISH_WAIT} s"
		return 1
	fi
	kill -USR1 "${FEED_PIDS[@]}"
}

all_established() { [ "$(count_files_with established "$1"/client*.err)" -ge "$2" ]; }
# A client says "done:" once it holds its whole table; a client that gave
# up has left: either way there is nothing more to wait for.
all_settled() {  # DIR FIRST LAST
	local i
	for ((i = $2; i <= $3; i++)); do
		grep -qs ': done: ' "$1/client$i.err" || ! alive "${SINK_PIDS[i - 1]}" || return 1
	done
}

# The daemon's figures before the feed and once every client holds its
# table, before anything stops.
measure() {  # DIR M PATHS
	local dir=$1
	if ! wait_until "$ESTABLISH_WAIT" all_established "$dir" "$2"; then
		UNAVAILABLE="$(count_files_with established "$dir"/client*.err) of $2 clients Established within ${ESTABLISH_WAIT} s"
		return
	fi
	start_feeders "$@"
	go_feeders "$dir" "$2" || return
	proc_stats "$DPID" >"$dir/before.stats"
	wait_until "$RUN_TIMEOUT" all_settled "$dir" 1 "$2" ||
	    UNAVAILABLE="not every client held its table within ${RUN_TIMEOUT} s"
	proc_stats "$DPID" >"$dir/after.stats" || UNAVAILABLE="the daemon died (see $dir)"
}

stop_all() {  # PID...: SIGTERM to all first, then wait for each
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do stop "$pid"; done
}

run() {  # SYSTEM M PATHS
	local sys=$1 m=$2 paths=$3 dir="$WORK/$1-$2x$3"
	rm -rf "$dir"
	mkdir -p "$dir"
	DPID=
	UNAVAILABLE=
	SINK_PIDS=()
	FEED_PIDS=()
	"start_${sys/bgpmux/muxd}" "$dir" "$m" "$m"
	if [ -z "$UNAVAILABLE" ] && ! wait_until 60 daemon_up "$m"; then
		UNAVAILABLE="$sys does not listen on its last instance and upstream addresses"
	fi
	if [ -z "$UNAVAILABLE" ]; then
		start_clients "$dir" 1 "$m" "$m" "$m" "$paths"
		measure "$dir" "$m" "$paths"
	fi
	finish "$dir" "$sys" "$m" "$paths" 0
}

finish() {  # DIR SYSTEM M PATHS JOIN: stop the run, report it
	stop_all "${SINK_PIDS[@]}"
	stop_all "${FEED_PIDS[@]}"
	stop "$DPID"
	printf '%s\n' "$UNAVAILABLE" >"$1/unavailable"
	python3 "$REPORT" row "${@:1:5}" >>"$WORK/results.jsonl"
	python3 "$REPORT" line "$WORK/results.jsonl" >&2
}

# The join storm: client 1 sees the view loaded, then clients 2..J+1,
# started one by one and waiting (--wait-go), connect at once.
join_storm() {  # DIR J PATHS
	local dir=$1 c=$(($2 + 1))
	start_clients "$dir" 1 1 1 "$c" "$3"
	if ! wait_until "$ESTABLISH_WAIT" all_established "$dir" 1; then
		UNAVAILABLE="the first client is not Established within ${ESTABLISH_WAIT} s"
		return
	fi
	start_feeders "$dir" 1 "$3"
	go_feeders "$dir" 1 || return
	if ! wait_until "$RUN_TIMEOUT" all_settled "$dir" 1 1; then
		UNAVAILABLE="the first client did not hold the table within ${RUN_TIMEOUT} s"
		return
	fi
	start_clients "$dir" 2 "$c" 1 "$c" "$3" --wait-go
	if ! wait_until "$ESTABLISH_WAIT" clients_ready "$dir" "$2"; then
		UNAVAILABLE="$(count_files_with ': ready' "$dir"/client*.err) of $2 clients ready within ${ESTABLISH_WAIT} s"
		return
	fi
	proc_stats "$DPID" >"$dir/before.stats"
	date +%s.%N >"$dir/storm.t0"
	kill -USR1 "${SINK_PIDS[@]:1}"
	wait_until "$RUN_TIMEOUT" all_settled "$dir" 2 "$c" ||
	    UNAVAILABLE="not every client held the table within ${RUN_TIMEOUT} s"
	proc_stats "$DPID" >"$dir/after.stats" || UNAVAILABLE="the daemon died (see $dir)"
}

join_run() {  # SYSTEM J PATHS
	local sys=$1 dir="$WORK/$1-join$2x$3"
	rm -rf "$dir"
	mkdir -p "$dir"
	DPID=
	UNAVAILABLE=
	SINK_PIDS=()
	FEED_PIDS=()
	"start_${sys/bgpmux/muxd}" "$dir" 1 $(($2 + 1))
	if [ -z "$UNAVAILABLE" ] && ! wait_until 60 daemon_up 1; then
		UNAVAILABLE="$sys does not listen on its instance and upstream addresses"
	fi
	[ -z "$UNAVAILABLE" ] && join_storm "$dir" "$2" "$3"
	finish "$dir" "$sys" 1 "$3" "$2"
}

# ---- main ----------------------------------------------------------------------

check_tools() {
	local t
	make -s "$SINK" "$FEEDER" build/tools/bench_firsttouch >/dev/null 2>&1 || true
	for t in "$SINK" "$FEEDER"; do
		[ -x "$t" ] || { say "cannot run: $t not built (make all)"; return 1; }
	done
	command -v python3 >/dev/null || { say "cannot run: python3 missing"; return 1; }
}

main() {
	local m u sys max=0 start
	check_tools || return 0
	# 999 upstreams: two sessions and two listeners each in one daemon
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	mkdir -p "$WORK"
	exec 9>"$WORK.lock"
	if ! flock -w 900 9; then
		say "another bench-scale holds $WORK.lock; giving up"
		return 0
	fi
	find "$WORK" -mindepth 1 -maxdepth 1 ! -name feeds -exec rm -rf {} +
	# the machine as the bench starts: its first-touch cost too (bench-lib.sh)
	python3 tests/bench/fanout-report.py machine "$(machine_firsttouch)" >"$WORK/machine.json"
	start=$SECONDS
	for m in $SCALE_MS; do [ "$m" -gt "$max" ] && max=$m; done
	say "recording $max feeds of $N paths, $ORDER order (once; kept in $WORK/feeds)"
	for ((u = 1; u <= max; u++)); do
		record "$u" "$N" || { say "cannot record feed $u; no scale curve"; SCALE_MS=; break; }
	done
	for m in $SCALE_MS; do
		for sys in $SYSTEMS; do run "$sys" "$m" "$N"; done
	done
	if [[ "$IXP" =~ ^([0-9]+)x([0-9]+)$ ]]; then
		for sys in $SYSTEMS; do run "$sys" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; done
	fi
	if [ "${JOIN:-0}" -gt 0 ] && record 1 "$JOIN_N"; then
		for sys in $SYSTEMS; do join_run "$sys" "$JOIN" "$JOIN_N"; done
	fi
	say "done in $((SECONDS - start)) s"
	python3 "$REPORT" render "$WORK" "$MD" "$SVG"
}

main "$@"
exit 0
