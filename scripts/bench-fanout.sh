#!/usr/bin/env bash
# Full-table fan-out benchmark: how fast bgpmux hands a full table to K
# clients, against BIRD and the loopback floor; run by `make bench`.
#
# For each feed — the real PCH full-table session (tests/data/pch-*.gz) and
# a synthetic table of 1,000,000 prefixes — and K = 1, 4, 16 clients, three
# fan-outs side by side on this machine:
#   floor   bgp_blast: the feeder's UPDATE bytes written straight to the K
#           clients (the loopback floor: kernel and clients, nothing else)
#   bird    BIRD 2 as a transparent route server (tests/bench/bird-fanout.conf.in)
#   bgpmux  build/muxd: one upstream, K clients on its instance
#           (tests/bench/muxd-fanout.json.in)
#   bgpmux-mon  the same with the monitors on: MRT archives
#           (gzip updates files; RIB dumps from a forked child every
#           BENCH_MON_RIB_INTERVAL s, default 7200)
#           and BMP export to a collector that reads and counts
#           (tests/tools/bmp_sink.py), and BENCH_STREAM_SUBS (default 10)
#           live-stream subscribers for the whole run, each reading the
#           unfiltered NDJSON stream (every message) from the API listener
#           and counting lines and bytes (tests/tools/stream_count.py, or
#           curl | wc -lc: BENCH_STREAM_READER); the report gives its time over
#           bgpmux's (the target is at most 1.5×) and what each
#           subscriber received and lost
#   bgpmux-base  another build of muxd (BENCH_MUXD_BASE=path, e.g. an older
#           commit's build/muxd) run exactly as bgpmux, interleaved with it
#           in every round, so that a before/after comparison shares the
#           machine's load; the report adds a table of bgpmux over
#           bgpmux-base (fastest, median, CPU seconds)
# The K clients (bgp_sink) connect first and reach Established; then the
# feeder (mrt_replay, as fast as the fan-out takes it) connects and sends.
# Measured per run:
#   seconds   first upstream UPDATE → every client holds every prefix
#   peak RSS  VmHWM of the fan-out process
#   CPU       its utime + stime, read from /proc before it is stopped
# Correctness is checked on the way: each client compares its table with
# the feed's own (recorded once per feed by a client talking straight to
# the feeder) — every prefix, nothing extra, same attributes.
#
# Prints the tables and writes them as Markdown to build/bench-fanout.md.
# Knobs (environment): BENCH_FEEDS="pch synthetic" BENCH_KS="1 4 16"
# BENCH_SYSTEMS="floor bird bgpmux bgpmux-mon" BENCH_MUXD=build/muxd
# BENCH_MUXD_BASE= (the bgpmux-base build; only with that system)
# BENCH_SYNTH_N=1000000 BENCH_REPEAT=2
# (runs of each case, interleaved; the tables show the fastest and the
# median and list all; a repeat starts only while the whole bench is under BENCH_BUDGET=480
# seconds; with bgpmux-base in BENCH_SYSTEMS every other round runs the
# systems in reverse order, so neither build always goes first)
# BENCH_RUN_TIMEOUT=90 (seconds a run may take). Work files
# (configs, logs, each client's JSON line) stay in build/bench-fanout/.
# Functions below are called through variables and wait_until.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

FEEDS=${BENCH_FEEDS:-pch synthetic}
KS=${BENCH_KS:-1 4 16}
SYSTEMS=${BENCH_SYSTEMS:-floor bird bgpmux bgpmux-mon}
SYNTH_N=${BENCH_SYNTH_N:-1000000}
REPEAT=${BENCH_REPEAT:-2}
BUDGET=${BENCH_BUDGET:-480}
RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-90}
ESTABLISH_WAIT=30               # seconds for K clients to reach Established
FIRST_UPDATE_WAIT=30            # seconds for a first UPDATE to reach a client
LINGER=1                        # seconds a client stays once it has it all

SINK=build/tools/bgp_sink
BLAST=build/tools/bgp_blast
FEEDER=build/tools/mrt_replay
MUXD=${BENCH_MUXD:-build/muxd}     # another build of muxd to measure
MUXD_BASE=${BENCH_MUXD_BASE:-}     # bgpmux-base: the build to compare with
PCH=tests/data/pch-fulltable-session-bgp4mp_et.2015-10-23.gz
PCH_TABLE=577699                # its final table (tests/bench/README.md)
REPORT=tests/bench/fanout-report.py
WORK=build/bench-fanout
MD=build/bench-fanout.md

# Loopback addresses and AS numbers: tests/bench/README.md.
FEED_ADDR=127.0.90.1
UP_ADDR=127.0.90.2
INSTANCE=127.0.91.1
CLIENT_NET=127.0.92
FLOOR_ADDR=127.0.93.1
BMP_ADDR=127.0.74.1             # the BMP collector of bgpmux-mon
API_ADDR=127.0.95.1             # bgpmux-mon's API listener: the live stream
API_PORT=8179
# bgpmux-mon's stream subscribers, and the queue each may fill before it
# loses messages: large, so that a reader that keeps up (late only because
# the 2 cores are shared) loses nothing; the report shows what was dropped.
STREAM_SUBS=${BENCH_STREAM_SUBS:-10}
STREAM_MAX_QUEUE=${BENCH_STREAM_MAX_QUEUE:-268435456}
STREAM_READER=${BENCH_STREAM_READER:-count}
STREAM_DRAIN_WAIT=30            # seconds for the subscribers to catch up
# bgpmux-mon's RIB dump interval: the default (2 h, as RouteViews) puts no
# dump inside a run; BENCH_MON_RIB_INTERVAL=2 forks one every 2 s (a stress
# test of the dumps competing for the 2 cores).
MON_RIB_INTERVAL=${BENCH_MON_RIB_INTERVAL:-7200}
REC_ADDR=127.0.94.1
REC_FEED_ADDR=127.0.94.2
FEED_ASN=3856
FAN_ASN=4200001000
SYNTH_NH=198.51.100.1

BENCH_NAME=bench-fanout
# say, spawn, stop, wait_until, listening, proc_stats...; the EXIT trap.
. scripts/bench-lib.sh

all_established() { [ "$(count_files_with established "$1"/client*.err)" -ge "$2" ]; }
any_update() { [ "$(count_files_with 'first UPDATE with routes' "$1"/client*.err)" -ge 1 ]; }

# ---- feeds ----------------------------------------------------------------

feeder_args() {  # FEED: what mrt_replay sends
	case $1 in
	pch) echo "$PCH" ;;
	synthetic) echo "--synthetic $SYNTH_N --asn $FEED_ASN --next-hop $SYNTH_NH" ;;
	esac
}

# record FEED: a client straight on the feeder keeps the stream (for the
# floor) and the table (what every client must end up holding).
record() {
	local feed=$1 dir="$WORK/$1" spid
	mkdir -p "$dir"
	spawn "$dir/record.json" "$dir/record.err" "$SINK" --listen "$REC_ADDR" \
	    --asn "$FAN_ASN" --peer-as "$FEED_ASN" --timeout 120 --name record \
	    --save "$dir/feed.stream" --dump-table "$dir/feed.table"
	spid=$LAST_PID
	if ! wait_until 10 grep -qs listening "$dir/record.err"; then
		say "$feed: the recording client does not listen: $(tail -1 "$dir/record.err")"
		return 1
	fi
	# shellcheck disable=SC2046
	"$FEEDER" --quiet --connect "$REC_ADDR" --bind "$REC_FEED_ADDR" \
	    $(feeder_args "$feed") 2>"$dir/record-feeder.err"
	wait_until 20 all_gone "$spid"
	stop "$spid"
	python3 "$REPORT" feed "$dir/record.json" "$feed" "$(feed_expect "$feed")" \
	    >"$dir/feed.json" || return 1
}

feed_expect() {  # FEED: the table size the data promises
	case $1 in
	pch) echo "$PCH_TABLE" ;;
	synthetic) echo "$SYNTH_N" ;;
	esac
}

# ---- the fan-outs ---------------------------------------------------------

DPID=                           # the fan-out process of the current run
UNAVAILABLE=                    # why it could not run, if it could not

clients_bird() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '\tprotocol bgp c%d from sink { neighbor %s.%d as %d; }\n' \
		    "$i" "$CLIENT_NET" "$i" $((FAN_ASN + i))
	done
}

clients_muxd() {
	local i sep=,
	for ((i = 1; i <= $1; i++)); do
		[ "$i" -eq "$1" ] && sep=
		printf '    { "name": "c%d", "address": "%s.%d", "asn": %d, "upstreams": ["isp-a"] }%s\n' \
		    "$i" "$CLIENT_NET" "$i" $((FAN_ASN + i)) "$sep"
	done
}

# fill TEMPLATE DIR K CLIENTS_FN > FILE
fill() {
	local clients
	clients=$("$4" "$3")
	awk -v dir="$2" -v up_local="$UP_ADDR" -v up_peer="$FEED_ADDR" \
	    -v up_asn="$FEED_ASN" -v inst="$INSTANCE" -v asn="$FAN_ASN" -v clients="$clients" '
	    /@CLIENTS@/ { print clients; next }
	    { gsub(/@DIR@/, dir); gsub(/@UP_LOCAL@/, up_local); gsub(/@UP_PEER@/, up_peer);
	      gsub(/@UP_ASN@/, up_asn); gsub(/@INSTANCE@/, inst); gsub(/@ASN@/, asn); print }' "$1"
}

start_floor() {  # DIR FEED K
	spawn "$1/blast.json" "$1/blast.err" "$BLAST" --listen "$FLOOR_ADDR" \
	    --sessions "$3" --stream "$WORK/$2/feed.stream" --timeout "$RUN_TIMEOUT"
	DPID=$LAST_PID
	wait_until 10 grep -qs listening "$1/blast.err" ||
	    UNAVAILABLE="bgp_blast did not start: $(tail -1 "$1/blast.err")"
}

start_bird() {  # DIR FEED K
	local dir=$1
	if ! command -v bird >/dev/null; then
		UNAVAILABLE="bird not installed (scripts/deps.sh installs bird2)"
		return
	fi
	fill tests/bench/bird-fanout.conf.in "$(pwd)/$dir" "$3" clients_bird >"$dir/bird.conf"
	if ! bird -p -c "$dir/bird.conf" 2>"$dir/bird.err"; then
		UNAVAILABLE="BIRD rejects $dir/bird.conf: $(tail -1 "$dir/bird.err")"
		return
	fi
	spawn "$dir/bird.out" "$dir/bird.err" bird -f -c "$dir/bird.conf" \
	    -s "$dir/bird.ctl" -P "$dir/bird.pid"
	DPID=$LAST_PID
	wait_until 10 listening "$INSTANCE" 179 ||
	    UNAVAILABLE="BIRD does not listen on $INSTANCE:179: $(tail -1 "$dir/bird.err")"
}

start_muxd() {  # DIR FEED K
	local dir=$1
	if [ ! -x "$MUXD" ]; then
		UNAVAILABLE="$MUXD is not built"
		return
	fi
	mkdir -p "$dir/state"
	fill tests/bench/muxd-fanout.json.in "$(pwd)/$dir" "$3" clients_muxd >"$dir/muxd.json"
	if [ -n "${MUXD_EXTRA:-}" ]; then       # keys added (bgpmux-mon)
		python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))
c.update(json.loads(sys.argv[2])); json.dump(c, open(sys.argv[1], "w"), indent=2)' \
		    "$dir/muxd.json" "$MUXD_EXTRA"
	fi
	if ! "$MUXD" --check-config "$dir/muxd.json" 2>"$dir/muxd.err"; then
		UNAVAILABLE="--check-config: $(head -1 "$dir/muxd.err")"
		return
	fi
	spawn "$dir/muxd.out" "$dir/muxd.err" "$MUXD" --config "$dir/muxd.json"
	DPID=$LAST_PID
	if ! wait_until 10 listening "$INSTANCE" 179 || ! listening "$UP_ADDR" 179; then
		UNAVAILABLE="muxd does not listen on $INSTANCE:179 and $UP_ADDR:179"
		UNAVAILABLE+="${DPID:+ (log: $(tail -1 "$dir/muxd.err"))}"
	fi
}

# bgpmux-base: the other build, with everything else as bgpmux.
start_muxd-base() {  # DIR FEED K
	if [ -z "$MUXD_BASE" ]; then
		UNAVAILABLE="BENCH_MUXD_BASE is not set (the build to compare with)"
		return
	fi
	MUXD=$MUXD_BASE start_muxd "$@"
}

# bgpmux with MRT and BMP on: a counting BMP collector first, then muxd
# with "mrt" and "bmp" added to its configuration.
BMP_PID=
start_muxd-mon() {  # DIR FEED K
	local dir=$1
	spawn "$dir/bmp_sink.json" "$dir/bmp_sink.err" python3 tests/tools/bmp_sink.py "$BMP_ADDR" 1790
	BMP_PID=$LAST_PID
	if ! wait_until 10 grep -qs listening "$dir/bmp_sink.err"; then
		UNAVAILABLE="bmp_sink did not start: $(tail -1 "$dir/bmp_sink.err")"
		return
	fi
	MUXD_EXTRA='{"mrt": {"rib_interval": '$MON_RIB_INTERVAL', "updates_interval": 60,
	    "compress": "gzip"}, "bmp": [{"address": "'$BMP_ADDR'", "port": 1790}],
	    "api": {"listen": "'$API_ADDR:$API_PORT'"},
	    "stream": {"max_queue": '$STREAM_MAX_QUEUE'}}' start_muxd "$@"
	[ -z "$UNAVAILABLE" ] && start_subscribers "$dir"
}

# The live stream's subscribers: tests/tools/stream_count.py on the
# unfiltered NDJSON stream (one line per message), counting lines and bytes
# into subI.count (as `wc -lc`) when the stream ends. BENCH_STREAM_READER=curl
# reads with `curl -sN | wc -lc` instead, as before: three copies of every
# byte in two processes, which on 2 cores take CPU from the fan-out.
SUB_PIDS=()
api_conns() { ss -Htn state established src "$API_ADDR:$API_PORT" 2>/dev/null | wc -l; }
subscribers_in() { [ "$(api_conns)" -ge "$1" ]; }
start_subscribers() {  # DIR
	local dir=$1 i url
	SUB_PIDS=()
	if ! wait_until 10 listening "$API_ADDR" "$API_PORT"; then
		UNAVAILABLE="muxd's API does not listen on $API_ADDR:$API_PORT"
		return
	fi
	for ((i = 1; i <= STREAM_SUBS; i++)); do
		url="http://$API_ADDR:$API_PORT/v1/stream?format=json&client=bench$i"
		if [ "$STREAM_READER" = curl ]; then
			# (its CPU is not measured: null)
			curl -sSN "$url" 2>"$dir/sub$i.err" > >(wc -lc | sed 's/$/ null/' >"$dir/sub$i.count") &
		else
			python3 tests/tools/stream_count.py "$url" "$dir/sub$i.count" \
			    2>"$dir/sub$i.err" &
		fi
		SUB_PIDS+=("$!")
		PIDS+=("$!")
	done
	# the stream has them once their connections are in (no request is
	# left half-read: the readers send it whole at once)
	wait_until 10 subscribers_in "$STREAM_SUBS" ||
	    UNAVAILABLE="$(api_conns) of $STREAM_SUBS stream subscribers connected"
	sleep 0.2
}

# Every subscriber has read all that muxd queued: nothing in either side's
# socket buffers, twice in a row (muxd refills a socket from its queue as
# soon as there is room, so empty sockets mean an empty queue).
streams_idle() {
	local busy
	busy=$(ss -Htn state established "( sport = :$API_PORT or dport = :$API_PORT )" \
	    2>/dev/null | awk -v a="$API_ADDR" 'index($0, a) && ($1 + $2) > 0' | wc -l)
	[ "$busy" -eq 0 ]
}
streams_drained() { streams_idle && sleep 0.3 && streams_idle; }

# After the run: each subscriber's line count (what it received) and
# muxd's own count from its log (queued to it, dropped), as stream.json.
stream_report() {  # DIR
	local dir=$1 i
	for ((i = 1; i <= STREAM_SUBS; i++)); do
		wait_until 5 test -s "$dir/sub$i.count"
		printf '%s %s ' "bench$i" "$(cat "$dir/sub$i.count" 2>/dev/null || echo - - -)"
		grep -o "subscriber bench$i left ([^)]*): [0-9]* messages sent, [0-9]* dropped" \
		    "$dir/muxd.err" | tail -1 | sed 's/.*: \([0-9]*\) messages sent, \([0-9]*\) dropped/\1 \2/'
		echo
	done | awk 'NF == 6 { printf "%s{\"client\": \"%s\", \"received\": %s, \"bytes\": %s, \"cpu_s\": %s, \"sent\": %s, \"dropped\": %s}", \
	    n++ ? ", " : "[", $1, $2, $3, $4, $5, $6 } NF > 0 && NF != 6 { printf "%s{\"client\": \"%s\", \"incomplete\": \"%s\"}", \
	    n++ ? ", " : "[", $1, $0 } END { print n ? "]" : "[]" }' >"$dir/stream.json"
}

# ---- one run ---------------------------------------------------------------

SINK_PIDS=()

start_clients() {  # DIR FEED K SYSTEM
	local dir=$1 k=$3 target=$INSTANCE peer_as=$FAN_ASN i
	if [ "$4" = floor ]; then
		target=$FLOOR_ADDR
		peer_as=$FEED_ASN
	fi
	SINK_PIDS=()
	for ((i = 1; i <= k; i++)); do
		spawn "$dir/client$i.json" "$dir/client$i.err" "$SINK" --connect "$target" \
		    --bind "$CLIENT_NET.$i" --asn $((FAN_ASN + i)) --peer-as "$peer_as" \
		    --expect-table "$WORK/$2/feed.table" --linger "$LINGER" \
		    --timeout "$RUN_TIMEOUT" --connect-wait 20 --name "c$i"
		SINK_PIDS+=("$LAST_PID")
	done
}

# The fan-out runs; the clients wait for it all. Sets UNAVAILABLE when the
# run could not be measured.
measure() {  # DIR FEED K SYSTEM
	local dir=$1 fpid=
	if ! wait_until "$ESTABLISH_WAIT" all_established "$dir" "$3"; then
		UNAVAILABLE="$(count_files_with established "$dir"/client*.err) of $3 clients Established within ${ESTABLISH_WAIT} s"
		return
	fi
	if [ "$4" != floor ]; then
		# shellcheck disable=SC2046
		spawn "$dir/feeder.out" "$dir/feeder.err" "$FEEDER" --connect "$UP_ADDR" \
		    --bind "$FEED_ADDR" --hold $(feeder_args "$2")
		fpid=$LAST_PID
	fi
	if ! wait_until "$FIRST_UPDATE_WAIT" any_update "$dir"; then
		UNAVAILABLE="no UPDATE reached a client within ${FIRST_UPDATE_WAIT} s"
		[ -n "$fpid" ] && UNAVAILABLE+=" (feeder: $(tail -1 "$dir/feeder.err"))"
	else
		wait_until $((RUN_TIMEOUT + 10)) all_gone "${SINK_PIDS[@]}"
	fi
	# bgpmux-mon: the subscribers catch up first, so that muxd's CPU
	# includes writing them all it queued.
	if [ "$4" = bgpmux-mon ] && [ -z "$UNAVAILABLE" ]; then
		local t=$SECONDS
		wait_until "$STREAM_DRAIN_WAIT" streams_drained ||
		    say "$2 K=$3: the stream subscribers did not catch up in ${STREAM_DRAIN_WAIT} s"
		echo $((SECONDS - t)) >"$dir/stream-drain.s"
	fi
	# Figures before anything stops; the floor's come from bgp_blast itself.
	[ "$4" != floor ] && proc_stats "$DPID" >"$dir/daemon.stats"
	stop "$fpid"
}

run() {  # FEED K SYSTEM REP
	local feed=$1 k=$2 sys=$3 dir="$WORK/$1-k$2-$3-r$4" pid
	rm -rf "$dir"
	mkdir -p "$dir"
	DPID=
	UNAVAILABLE=
	SINK_PIDS=()
	SUB_PIDS=()
	BMP_PID=
	"start_${sys/bgpmux/muxd}" "$dir" "$feed" "$k"
	if [ -z "$UNAVAILABLE" ]; then
		start_clients "$dir" "$feed" "$k" "$sys"
		measure "$dir" "$feed" "$k" "$sys"
	fi
	for pid in "${SINK_PIDS[@]}"; do stop "$pid"; done
	if [ "$sys" = floor ]; then
		wait_until 10 all_gone "$DPID"
	fi
	stop "$DPID"
	if [ ${#SUB_PIDS[@]} -gt 0 ]; then     # muxd's end closed their streams
		for pid in "${SUB_PIDS[@]}"; do stop "$pid"; done
		stream_report "$dir"
		say "$feed K=$k $sys: stream subscribers (received, sent, dropped): $(cat "$dir/stream.json")"
	fi
	if [ -n "$BMP_PID" ]; then       # the collector prints its counts on SIGTERM
		stop "$BMP_PID"
		say "$feed K=$k $sys: BMP collector got $(tail -1 "$dir/bmp_sink.json"); MRT: $(ls "$dir/state/mrt" 2>/dev/null | tr '\n' ' ')"
	fi
	printf '%s\n' "$UNAVAILABLE" >"$dir/unavailable"
	python3 "$REPORT" row "$dir" "$feed" "$k" "$sys" "$4" >>"$WORK/results.jsonl"
	python3 "$REPORT" line "$WORK/results.jsonl" >&2
}

# ---- main ------------------------------------------------------------------

check_tools() {
	local t missing=()
	make -s build/tools/bgp_sink build/tools/bgp_blast build/tools/mrt_replay \
	    build/tools/bench_firsttouch >/dev/null 2>&1 || true
	for t in "$SINK" "$BLAST" "$FEEDER"; do
		[ -x "$t" ] || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "cannot run: ${missing[*]} not built (make all)"
		return 1
	fi
	command -v python3 >/dev/null || { say "cannot run: python3 missing"; return 1; }
}

main() {
	local feed k sys rep start feeds=() order
	check_tools || return 0
	mkdir -p "$WORK"
	exec 9>"$WORK.lock"
	if ! flock -w 900 9; then
		say "another bench-fanout holds $WORK.lock; giving up"
		return 0
	fi
	rm -rf "${WORK:?}"/*
	rm -f "$WORK/results.jsonl"
	# the machine as the bench starts: its first-touch cost too (bench-lib.sh)
	python3 "$REPORT" machine "$(machine_firsttouch)" >"$WORK/machine.json"
	start=$SECONDS
	for feed in $FEEDS; do
		say "$feed: recording the feed once, straight from the feeder"
		if ! record "$feed"; then
			say "$feed: recording failed (see $WORK/$feed/); skipping this feed"
			continue
		fi
		python3 "$REPORT" feedline "$WORK/$feed/feed.json" >&2
		feeds+=("$feed")
	done
	for ((rep = 1; rep <= REPEAT; rep++)); do
		if [ "$rep" -gt 1 ] && [ $((SECONDS - start)) -gt "$BUDGET" ]; then
			say "$((SECONDS - start)) s spent (budget ${BUDGET} s): no run $rep"
			break
		fi
		order=$SYSTEMS
		if [ $((rep % 2)) -eq 0 ] && [[ " $SYSTEMS " == *" bgpmux-base "* ]]; then
			# shellcheck disable=SC2086 # word splitting wanted: one system a line
			order=$(printf '%s\n' $SYSTEMS | tac | tr '\n' ' ')
		fi
		for feed in "${feeds[@]}"; do
			for k in $KS; do
				for sys in $order; do
					run "$feed" "$k" "$sys" "$rep"
				done
			done
		done
	done
	say "done in $((SECONDS - start)) s"
	python3 "$REPORT" render "$WORK" "$MD"
}

main "$@"
exit 0
