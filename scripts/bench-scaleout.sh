#!/usr/bin/env bash
# Scale-out (docs/scaleout.md) against one machine; run by `make bench`
# (as root: network namespaces).
#
# Each machine is a network namespace on one LAN (a bridge, 10.204.0.0/16
# inside the namespaces scb-*-PID, deleted at exit):
#   feed      SCALEOUT_M upstreams (default 4), each mrt_replay --synthetic
#             SCALEOUT_N (1,000,000) paths, AS 64512+u and next hop of its own
#             (as scripts/bench-scale.sh's feeders)
#   clients   2 × SCALEOUT_CLIENTS (16) bgp_sinks: client i on upstream
#             (i-1) % M + 1
# and two runs, one after the other:
#   split     viewhost (muxd with "export": the upstream sessions), ih1 and
#             ih2 (muxd with "view_host"), clients 1..C on ih1, C+1..2C on ih2
#   single    one muxd with the upstream sessions and every client
# Every client is Established, and in the split run both export sessions,
# before the feeders, each with its table made and waiting (--wait-go), all
# send at once. Measured per run: seconds from the first UPDATE a feeder
# sent until the last client holds its upstream's every path (bgp_sink
# --expect N; --expect-table when scripts/bench-scale.sh recorded that
# feed in build/bench-scale/feeds/: every prefix, attributes too); per
# host (its muxd): CPU seconds during the feed (utime + stime from
# /proc/PID/stat), peak RSS (VmHWM) and RSS at the end. Prints the table
# and writes it as Markdown to build/bench-scaleout.md.
#
# Knobs (environment): SCALEOUT_M=4 SCALEOUT_N=1000000 (paths per
# upstream; 100000 for a quick run) SCALEOUT_CLIENTS=16 (per instance
# host) SCALEOUT_RUNS="split single" SCALEOUT_MUXD=build/muxd
# SCALEOUT_RUN_TIMEOUT=900 (seconds a run may take). Work files (configs,
# logs, each client's JSON line, the hosts' figures) stay in
# build/bench-scaleout/.
# Functions below are called through variables and wait_until.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

M=${SCALEOUT_M:-4}
N=${SCALEOUT_N:-1000000}
C=${SCALEOUT_CLIENTS:-16}
RUNS=${SCALEOUT_RUNS:-split single}
MUXD=${SCALEOUT_MUXD:-build/muxd}
RUN_TIMEOUT=${SCALEOUT_RUN_TIMEOUT:-900}
ESTABLISH_WAIT=120

SINK=build/tools/bgp_sink
FEEDER=build/tools/mrt_replay
REPORT=tests/bench/scaleout-report.py
RECORDED=build/bench-scale/feeds      # bench-scale.sh's recorded tables
WORK=build/bench-scaleout
MD=build/bench-scaleout.md
MUX_ASN=65000 EXPORT_PORT=1179

# Addresses: feeder u 10.204.0.u; the view host 10.204.0.10 (its own
# instances .11-), ih1 .20 (instances .21-), ih2 .30 (.31-), the single
# machine .40 (.41-); client i 10.204.1.i.
NET=10.204
feeder_addr() { echo "$NET.0.$1"; }
host_addr() { echo "$NET.0.$((10 * $1))"; }          # host 1 view, 2-3 ih, 4 single
inst_addr() { echo "$NET.0.$((10 * $1 + $2))"; }     # HOST U
client_addr() { echo "$NET.1.$1"; }
client_up() { echo $((($1 - 1) % M + 1)); }

BENCH_NAME=bench-scaleout
# say, spawn, stop, wait_until, proc_stats...; the EXIT trap (cleanup).
. scripts/bench-lib.sh

# ---- machines ----------------------------------------------------------------

NSS=()
ns() { echo "scb-$1-$$"; }
# Commands run in machine NAME by `ip netns exec "$(ns NAME)"`, which execs
# them: the same PID, so spawn's LAST_PID is the command's own (signals,
# /proc).
bench_cleanup() {
	local n
	cleanup
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap bench_cleanup EXIT

# machine NAME ADDR... — a namespace on the LAN's bridge (eth0) with the
# addresses (/16).
machine() {
	local n=$1 a
	shift
	ip netns add "$(ns "$n")" && NSS+=("$(ns "$n")") || return 1
	ip -n "$(ns "$n")" link set lo up
	ip -n "$(ns lan)" link add "p${#NSS[@]}" type veth peer name eth0 netns "$(ns "$n")" &&
		ip -n "$(ns lan)" link set "p${#NSS[@]}" master br0 up &&
		ip -n "$(ns "$n")" link set eth0 up || return 1
	for a; do ip -n "$(ns "$n")" addr add "$a/16" dev eth0 || return 1; done
}

machines() {
	local h u i addrs
	ip netns add "$(ns lan)" && NSS+=("$(ns lan)") || return 1
	ip -n "$(ns lan)" link add br0 type bridge && ip -n "$(ns lan)" link set br0 up || return 1
	addrs=()
	for ((u = 1; u <= M; u++)); do addrs+=("$(feeder_addr "$u")"); done
	machine feed "${addrs[@]}" || return 1
	for h in 1 2 3 4; do
		addrs=("$(host_addr "$h")")
		for ((u = 1; u <= M; u++)); do addrs+=("$(inst_addr "$h" "$u")"); done
		machine "$(host_name "$h")" "${addrs[@]}" || return 1
	done
	addrs=()
	for ((i = 1; i <= 2 * C; i++)); do addrs+=("$(client_addr "$i")"); done
	machine clients "${addrs[@]}"
}
host_name() { case $1 in 1) echo viewhost ;; 2) echo ih1 ;; 3) echo ih2 ;; 4) echo single ;; esac; }

# ---- muxd -------------------------------------------------------------------

# host_json HOST: the configuration of host 1 (view host), 2-3 (instance
# hosts, clients (h-2)*C+1 .. (h-1)*C) or 4 (single machine, every client).
host_json() {
	python3 - "$1" "$RUN_DIR/$(host_name "$1")" "$M" "$C" "$MUX_ASN" "$NET" "$EXPORT_PORT" <<'EOF'
import json, sys
h, d, m, c, asn, net, port = int(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:6]), *sys.argv[6:8]
me = f"{net}.0.{10 * h}"
ups = []
for u in range(1, m + 1):
    up = {"name": f"isp{u}", "id": u, "families": ["ipv4-unicast"],
          "instance": {"address": f"{net}.0.{10 * h + u}", "port": 179}}
    if h in (1, 4):
        up.update(passive=True, local_address=me, peer={"address": f"{net}.0.{u}", "asn": 64512 + u})
    ups.append(up)
first, last = {1: (1, 0), 2: (1, c), 3: (c + 1, 2 * c), 4: (1, 2 * c)}[h]
clients = [{"name": f"c{i}", "address": f"{net}.1.{i}", "asn": 4200000000 + i,
            "upstreams": [f"isp{(i - 1) % m + 1}"]} for i in range(first, last + 1)]
conf = {"asn": asn, "router_id": me, "state_dir": f"{d}/state", "upstreams": ups, "clients": clients}
if h == 1:
    conf["export"] = {"listen": f"{me}:{port}", "hosts": [{"name": "ih1", "address": f"{net}.0.20"},
                                                         {"name": "ih2", "address": f"{net}.0.30"}]}
elif h in (2, 3):
    conf["view_host"] = {"address": f"{net}.0.10", "port": int(port), "local_address": me}
json.dump(conf, sys.stdout, indent=1)
EOF
}

declare -A HOST_PID=()
UNAVAILABLE=
RUN_DIR=

start_host() {  # HOST
	local name dir
	name=$(host_name "$1")
	dir=$RUN_DIR/$name
	mkdir -p "$dir/state"
	host_json "$1" >"$dir/muxd.json"
	if ! "$MUXD" --check-config "$dir/muxd.json" 2>"$dir/muxd.err"; then
		UNAVAILABLE="$name: --check-config: $(head -1 "$dir/muxd.err")"
		return 1
	fi
	spawn "$dir/muxd.out" "$dir/muxd.err" ip netns exec "$(ns "$name")" "$MUXD" --config "$dir/muxd.json"
	HOST_PID[$name]=$LAST_PID
	wait_until 60 host_listens "$1" || { UNAVAILABLE="$name does not listen"; return 1; }
}
host_listens() { ip netns exec "$(ns "$(host_name "$1")")" ss -Hltn src "$(inst_addr "$1" "$M"):179" | grep -q .; }

# ---- one run -------------------------------------------------------------------

SINK_PIDS=() FEED_PIDS=()

start_clients() {  # DIR FIRST LAST HOST (0: ih1 for 1..C, ih2 after)
	local dir=$1 i u h=$4 expect table
	for ((i = $2; i <= $3; i++)); do
		u=$(client_up "$i")
		((h == 0)) && h=$((i <= C ? 2 : 3))
		table="$RECORDED/$N-$u.table"
		expect=(--expect "$N")
		[ -s "$table" ] && expect=(--expect-table "$table")
		spawn "$dir/client$i.json" "$dir/client$i.err" ip netns exec "$(ns clients)" "$SINK" \
		    --connect "$(inst_addr "$h" "$u")" --bind "$(client_addr "$i")" \
		    --asn $((4200000000 + i)) --peer-as "$MUX_ASN" "${expect[@]}" \
		    --linger "$RUN_TIMEOUT" --timeout $((RUN_TIMEOUT + 120)) \
		    --connect-wait 60 --name "c$i"
		SINK_PIDS+=("$LAST_PID")
		h=$4
	done
}

start_feeders() {  # DIR HOST
	local u
	for ((u = 1; u <= M; u++)); do
		spawn /dev/null "$1/feeder$u.err" ip netns exec "$(ns feed)" "$FEEDER" --quiet --hold --wait-go \
		    --connect "$(host_addr "$2")" --bind "$(feeder_addr "$u")" --synthetic "$N" \
		    --asn $((64512 + u)) --next-hop "198.18.0.$u"
		FEED_PIDS+=("$LAST_PID")
	done
}

count_with() { count_files_with "$1" "${@:2}"; }
clients_up() { [ "$(count_with established "$1"/client*.err)" -ge $((2 * C)) ]; }
feeders_ready() { [ "$(count_with ': ready' "$1"/feeder*.err)" -ge "$M" ]; }
exports_up() {
	grep -qs "session to view-host .*-> Established" "$RUN_DIR/ih1/muxd.err" &&
		grep -qs "session to view-host .*-> Established" "$RUN_DIR/ih2/muxd.err"
}
all_settled() {
	local i
	for ((i = 1; i <= 2 * C; i++)); do
		grep -qs ': done: ' "$1/client$i.err" || ! alive "${SINK_PIDS[i - 1]}" || return 1
	done
}

# host_stats DIR WHEN: every running host's figures in DIR/NAME.WHEN
host_stats() {
	local name
	for name in "${!HOST_PID[@]}"; do
		proc_stats "${HOST_PID[$name]}" >"$1/$name.$2" || UNAVAILABLE="muxd $name died"
	done
}

feed_and_wait() {  # DIR HOST-OF-THE-FEED
	local dir=$1
	wait_until "$ESTABLISH_WAIT" clients_up "$dir" ||
	    { UNAVAILABLE="$(count_with established "$dir"/client*.err) of $((2 * C)) clients up"; return; }
	start_feeders "$dir" "$2"
	wait_until "$ESTABLISH_WAIT" feeders_ready "$dir" ||
	    { UNAVAILABLE="$(count_with ': ready' "$dir"/feeder*.err) of $M feeders ready"; return; }
	host_stats "$dir" before
	kill -USR1 "${FEED_PIDS[@]}"
	wait_until "$RUN_TIMEOUT" all_settled "$dir" ||
	    UNAVAILABLE="not every client held its table within $RUN_TIMEOUT s"
	host_stats "$dir" after
}

run() {  # split|single
	local dir=$WORK/$1 pid h
	RUN_DIR=$dir            # each host's configuration and log: RUN_DIR/HOST/
	rm -rf "$dir"
	mkdir -p "$dir"
	HOST_PID=() SINK_PIDS=() FEED_PIDS=() UNAVAILABLE=
	if [ "$1" = split ]; then
		start_host 1 && start_host 2 && start_host 3 &&
		    { wait_until 60 exports_up || UNAVAILABLE="the export sessions are not up"; }
		h=0
	else
		start_host 4
		h=4
	fi
	if [ -z "$UNAVAILABLE" ]; then
		start_clients "$dir" 1 $((2 * C)) "$h"
		feed_and_wait "$dir" "$([ "$1" = split ] && echo 1 || echo 4)"
	fi
	for pid in "${SINK_PIDS[@]}" "${FEED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${SINK_PIDS[@]}" "${FEED_PIDS[@]}" "${HOST_PID[@]}"; do stop "$pid"; done
	printf '%s\n' "$UNAVAILABLE" >"$dir/unavailable"
	python3 "$REPORT" row "$dir" "$1" "$M" "$N" "$((2 * C))" >>"$WORK/results.jsonl"
	python3 "$REPORT" line "$WORK/results.jsonl" >&2
}

main() {
	local r
	if [ "$(id -u)" -ne 0 ]; then
		say "cannot run: needs root (network namespaces)"
		return 0
	fi
	make -s "$SINK" "$FEEDER" "$MUXD" >/dev/null 2>&1 || true
	for r in "$SINK" "$FEEDER" "$MUXD"; do
		[ -x "$r" ] || { say "cannot run: $r not built (make all)"; return 0; }
	done
	rm -rf "$WORK"
	mkdir -p "$WORK"
	machines || { say "cannot make the network namespaces"; return 0; }
	say "$M upstreams × $N paths, $((2 * C)) clients; runs: $RUNS"
	for r in $RUNS; do run "$r"; done
	python3 "$REPORT" render "$WORK/results.jsonl" "$MD"
}

main "$@"
exit 0
