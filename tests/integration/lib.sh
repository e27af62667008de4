# tests/integration/lib.sh — shared helpers for the integration tests.
#
# A test sources this file, then calls the helpers. Everything a test starts
# is recorded by PID and stopped by PID when the test exits (trap EXIT), even
# on failure; its files live in one temporary folder, kept when it fails.
# Every wait polls a condition against a deadline.
#
# Environment:
#   MUXD      the daemon under test (default build/muxd; may be a command
#             line, e.g. "python3 tests/tools/fakemux.py" to prove the harness)
#   KEEP=1    keep the test's folder even when it passes
#   V4, V6    routes each daemon session announces (default 3000 and 2000)
#   BIG_ATTRS=1  one attribute set per family has every attribute longer than
#             255 bytes (extended length); daemon_scenario sets it
#
# Addresses: test X uses 127.0.X.0/24 only: muxd 127.0.X.1, the daemon that
# muxd connects to (the daemon is passive) 127.0.X.11, the daemon that
# connects to muxd 127.0.X.12, anything else 127.0.X.100 and up. Every test
# has its own /24, so that tests (and people) running at the same time do
# not meet; claim_addrs waits until nobody else uses them (scripts/
# run-integration.sh runs two tests at once; a test that must not have
# another beside it says "# alone: REASON" on a line of its own). In use:
#   127.0.10  test_bird        127.0.40  test_reload     127.0.80-81  test_mux_smoke
#   127.0.20  test_gobgp       127.0.44  test_exabgp     127.0.92-93  bench-fanout
#   127.0.30  test_frr         127.0.50-52 test_mux_isps
#   127.0.55  test_badinput    namespaces bgpmux-*: test_ipv6_direct
#   127.0.70-71 test_mrt       127.0.72-73 test_bmp     127.0.74 bench-fanout BMP sink
#   127.0.60-61 test_api       127.0.62-63 test_muxctl
#   127.0.64.1-2 test_store_crash   127.0.64.21-32 test_webui
#   (test_store_crash's 1,000 provisioned clients are configured at
#   127.0.60-63.x but never contacted: no socket uses those addresses)
#   127.0.100 test_multisession  127.0.101-102 test_mux_multisession
#   127.0.110-114 test_client_routes*  namespaces bgpmux5-*: test_client_routes_gobgp
#   127.0.75-79 test_stream (75-76 in use)
#   127.0.116-117 test_graceful_restart
#   127.0.220-221 test_gr_notification   127.0.222-224 test_gr_restart
#   127.0.120-121 test_api_hostile (122 reserved for it; namespace bgpmux120-*)
#   127.0.150-154 test_exabgp_multisession
#   127.0.130 test_stream_limits   127.0.131-132 test_fd_limits
#   127.0.133-134 test_open_timeout
#   127.0.160-161 test_client_refresh  127.0.162-164 reserved
#   127.0.90-91, 94-95 bench-fanout too (95.1: bgpmux-mon's API, the live stream)
#   127.0.140-141 test_ops   127.0.142-143 test_disk_full   127.0.144 test_max_prefixes
#   127.0.124 test_api_abuse   127.0.125 test_api_scale (its 2,000 provisioned
#   clients are configured at 198.18.x.x, RFC 2544's range, never contacted)
#   127.0.126 scripts/bench-provision.sh
#   127.0.172-173 test_stream_raw
#   namespaces dpt-PID-*: test_dataplane (10.201.0-2.0/24 inside them)
#   127.0.186 test_deb (the installed muxd)
#   127.0.200-216 scripts/bench-scale.sh (up to 1,000 upstreams: tests/bench/README.md)
#   namespaces dpf-PID-*: test_dataplane_full (the same, dataplane_lib.sh)
#   namespaces prv-PID-*: test_privileges (10.202.0-2.0/24 inside them)
#   namespaces dpb-PID-*: scripts/bench-dataplane.sh (10.202.0-3.0/24 inside them)
#   127.0.225-226 test_gr_frr
#   127.0.230-234 test_upgrade
#   127.0.235-237 scripts/bench-upgrade.sh (238-239 reserved for it)
#   127.0.240 test_vpn_gobgp (241 reserved for it)
#   127.0.243-245 test_export_session
#   namespaces upd-PID-*: test_upgrade_dataplane (10.201.0-1.0/24 inside them, dataplane_lib.sh)
#   127.0.248-249 test_export_import
#   127.0.165-167 test_export_clients
#   127.0.246-247 test_export_views
#   127.0.168-170 test_export_gr
#   namespaces sco-*-PID: test_scaleout (10.203.0.0/24 inside them)
#   namespaces scb-*-PID: scripts/bench-scaleout.sh (10.204.0.0/16 inside them)

set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=$ROOT/tests/tools
CONF=$ROOT/tests/integration/conf
ROUTEGEN=(python3 "$TOOLS/routegen.py")
PYTHON=$(command -v python3)
read -r -a MUXD_CMD <<<"${MUXD:-$ROOT/build/muxd}"
V4=${V4:-3000}
V6=${V6:-2000}
MUX_ASN=65000
MUX_PORT=179

TEST=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/bgpmux-$TEST.XXXXXX")
STARTED=$SECONDS

PIDS=()                    # everything we started, in order
NETNS=()                   # network namespaces we created
declare -A PID_NAME=()     # pid -> what it is
declare -A PEER_DAEMON=() PEER_ADDR=() PEER_ASN=() PEER_SLOT=() PEER_MODE=() PEER_HOLD=()
declare -A PEER_NS=()      # network namespace a peer's daemon runs in (default: none)

# matches GREP-ARGS... — grep's verdict on its whole input. Not grep -q at
# the end of a pipe: it exits at the first match, and under pipefail the
# writer's SIGPIPE then fails the pipe.
matches() { grep -c "$@" >/dev/null; }

say() { printf '%s %s +%ds: %s\n' "$(date +%T)" "$TEST" $((SECONDS - STARTED)) "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# ------------------------------------------------------------ processes

# spawn NAME LOG CMD... — start CMD in the background; its pid is LAST_PID.
spawn() {
	local name=$1 log=$2
	shift 2
	# Emptied here, before the child runs: a wait for a line in the log of
	# a daemon started again must not find the last run's (the child's own
	# redirection happens after the fork, whenever it is scheduled).
	: >"$log"
	"$@" >>"$log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
	PID_NAME[$LAST_PID]=$name
}

# running PID — true while PID exists and is not a zombie.
running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]
}

# stop_pid PID SIGNAL SECONDS — signal PID, wait for it to end, then reap it.
# Sets STOP_RC to its exit status; returns 1 if it had to be killed.
stop_pid() {
	local pid=$1 sig=$2 limit=$3 deadline
	deadline=$((SECONDS + limit))
	running "$pid" && kill "-$sig" "$pid" 2>/dev/null
	while running "$pid"; do
		if ((SECONDS >= deadline)); then
			say "${PID_NAME[$pid]:-$pid} (pid $pid) still running ${limit}s after SIG$sig: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			STOP_RC=137
			return 1
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	return 0
}

cleanup() {
	local rc=$? i pid ns
	trap - EXIT
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		running "$pid" && stop_pid "$pid" TERM 5
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || say "cannot delete network namespace $ns"
	done
	if ((rc != 0)) || [[ ${KEEP:-0} == 1 ]]; then
		say "files kept in $T"
		if ((rc != 0)) && [[ -s $T/muxd.log ]]; then
			say "last lines of $T/muxd.log:"
			tail -n 15 "$T/muxd.log" >&2
		fi
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS WHAT CMD... — poll CMD until it succeeds, or fail.
wait_until() {
	local limit=$1 what=$2
	shift 2
	_poll "$limit" "$@" || fail "timed out after ${limit}s waiting for $what"
}

# holds_for SECONDS WHAT CMD... — CMD stays true for SECONDS (looked at
# every 0.2 s, and once more at the end), or the test fails naming WHAT.
# For "nothing happens" (a session stays up, no UPDATE comes): a bare sleep
# and one look after it would miss what happened and undid itself.
holds_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((${EPOCHREALTIME/./} + secs * 1000000))
	while ((${EPOCHREALTIME/./} < end)); do
		"$@" || fail "$what stopped holding within ${secs}s"
		sleep 0.2
	done
	"$@" || fail "$what stopped holding within ${secs}s"
}

# quiet_for SECONDS WHAT FILE... — wait (up to 30 s) until none of the
# FILEs has changed size for SECONDS: what was on its way is written.
quiet_for() {
	local secs=$1 what=$2 sizes last="" since=${EPOCHREALTIME/./}
	shift 2
	local deadline=$((SECONDS + 30))
	while :; do
		sizes=$(stat -c %s "$@" 2>/dev/null | tr '\n' ' ')
		if [[ $sizes != "$last" ]]; then
			last=$sizes
			since=${EPOCHREALTIME/./}
		elif ((${EPOCHREALTIME/./} - since >= secs * 1000000)); then
			return 0
		fi
		((SECONDS >= deadline)) && fail "timed out after 30s waiting for $what to be quiet"
		sleep 0.2
	done
}

# next_second — wait for the clock's next whole second (at most 1 s): for
# files whose times have a one-second grain.
next_second() {
	local now
	now=$(date +%s)
	while [[ $(date +%s) == "$now" ]]; do sleep 0.05; done
}

# _poll SECONDS CMD... — like wait_until, but returns 1 at the deadline.
_poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.2
	done
}

# listening ADDR PORT [NETNS] — something accepts TCP on exactly ADDR:PORT
# (an IPv6 ADDR as ss prints it: [2001:db8::1]).
listening() {
	${3:+ip netns exec "$3"} ss -Hltn "sport = :$2" | awk '{print $4}' | matches -xF "$1:$2"
}

# netns_add NAME — a network namespace (with lo up), deleted at exit.
netns_add() {
	ip netns add "$1" || fail "cannot create network namespace $1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# lan_add NETNS — a network namespace (netns_add) holding bridge br0: the
# switch of a LAN that lan_join plugs machines into.
lan_add() {
	netns_add "$1"
	ip -n "$1" link add br0 type bridge && ip -n "$1" link set br0 up ||
		fail "cannot create the bridge in $1"
}

# lan_join LAN NETNS ADDR/LEN... — NETNS (created) on the LAN: its eth0 a
# veth whose other end is a port of LAN's bridge, with the addresses (an
# IPv6 one without duplicate address detection, usable at once).
lan_join() {
	local lan=$1 ns=$2 port=p$((${#NETNS[@]})) a
	shift 2
	netns_add "$ns"
	ip -n "$lan" link add "$port" type veth peer name eth0 netns "$ns" &&
		ip -n "$lan" link set "$port" master br0 up && ip -n "$ns" link set eth0 up ||
		fail "cannot plug $ns into the bridge of $lan"
	for a; do
		ip -n "$ns" addr add "$a" dev eth0 $([[ $a == *:* ]] && echo nodad) ||
			fail "cannot give $ns the address $a"
	done
}

# claim_addrs ADDR... — wait (up to 60 s) until no TCP socket on this
# machine listens on, or talks from or to, any of these addresses: another
# test (or another person's run of this one) may still be using them.
claim_addrs() {
	local re
	re=$(printf '%s|' "$@" | sed 's/\./\\./g; s/|$//')
	if ! _poll 60 _addrs_free "$re"; then
		ss -Htanp state listening state established state syn-sent | grep -E "($re):" >&2
		fail "addresses $* are in use by another process (above) for more than 60s"
	fi
}
_addrs_free() {
	! ss -Htan state listening state established state syn-sent state syn-recv |
		awk '{print $4; print $5}' | matches -E "^($1):"
}

# ns_exec NETNS — sets NSX to what runs a command inside NETNS (nothing when
# NETNS is empty). `ip netns exec` execs the command: same PID, so spawn
# records the daemon's own PID.
ns_exec() {
	NSX=()
	[[ -n $1 ]] && NSX=(ip netns exec "$1")
	return 0
}

# ---------------------------------------------------------------- tshark

# capture_start ADDR... — capture BGP to and from these addresses on lo
# (on CAP_IF in network namespace CAP_NS, if set).
# dumpcap is the capture engine `tshark -i` runs; started directly it is
# capturing within a fraction of a second, where tshark first loads every
# dissector (seconds on a busy machine). tshark reads the file afterwards.
capture_start() {
	local hosts="" a
	for a in "$@"; do hosts+="${hosts:+ or }host $a"; done
	CAP=$T/bgp.pcapng
	ns_exec "${CAP_NS:-}"
	spawn dumpcap "$T/dumpcap.log" "${NSX[@]}" \
		dumpcap -i "${CAP_IF:-lo}" -B 64 -f "tcp port 179 and ($hosts)" -w "$CAP" -q
	CAP_PID=$LAST_PID
	wait_until 30 "dumpcap to start capturing" grep -qs "^File: " "$T/dumpcap.log"
}

capture_stop() {
	local dropped
	stop_pid "$CAP_PID" INT 15 || fail "dumpcap did not stop"
	# A capture that lost packets cannot vouch for the bytes on the wire.
	dropped=$(sed -n 's|^Packets received/dropped on interface.*: [0-9]*/\([0-9]*\) .*|\1|p' "$T/dumpcap.log")
	[[ $dropped == 0 ]] || fail "dumpcap dropped packets: $(tail -n 1 "$T/dumpcap.log")"
}

# capture_check [DISPLAY-FILTER] — fail if the capture (restricted to the
# filter, if given) holds a malformed packet or a warning/error expert info
# from any layer but TCP (tests/tools/capcheck.py says why TCP's are waived).
capture_check() {
	python3 "$TOOLS/capcheck.py" "$CAP" "${1:-}" >&2 ||
		fail "tshark does not decode the capture cleanly${1:+ (frames: $1)}"
	say "capture: nothing malformed, no expert warning from BGP${1:+ (frames: $1)}"
}

# ------------------------------------------------------------------- muxd

# peer_add NAME DAEMON ADDR ASN SLOT MODE [HOLD] — declare a session; MODE
# is the daemon's side: "passive" (muxd connects to it) or "active" (it
# connects to muxd); HOLD the hold time both sides configure (default 90).
peer_add() {
	PEER_DAEMON[$1]=$2
	PEER_ADDR[$1]=$3
	PEER_ASN[$1]=$4
	PEER_SLOT[$1]=$5
	PEER_MODE[$1]=$6
	PEER_HOLD[$1]=${7:-90}
}

# mux_config FILE LOCAL-ADDR NAME... — muxd's JSON for the declared peers.
mux_config() {
	local file=$1 local_addr=$2 name specs=()
	shift 2
	for name in "$@"; do
		specs+=("$name,${PEER_ADDR[$name]},${PEER_ASN[$name]},${PEER_MODE[$name]},${PEER_HOLD[$name]}")
	done
	python3 - "$file" "$local_addr" "$T/var" "$MUX_ASN" "$MUX_PORT" "${specs[@]}" <<'PY' ||
import json, sys
out, local, state, asn, port = sys.argv[1:6]
peers = []
for spec in sys.argv[6:]:
    name, addr, pasn, mode, hold = spec.split(",")
    peers.append({"name": name,
                  "peer": {"address": addr, "asn": int(pasn), "port": 179},
                  "local_address": local,
                  # the daemon's side is "active": it connects and muxd waits
                  "passive": mode == "active",
                  "hold_time": int(hold),
                  "families": ["ipv4-unicast", "ipv6-unicast"]})
with open(out, "w") as f:
    json.dump({"asn": int(asn), "router_id": "192.0.2.1", "state_dir": state,
               "listen_port": int(port), "peers": peers}, f, indent=2)
PY
		fail "cannot write $file"
}

# mux_start CONFIG — run muxd in the foreground (MUX_PID), log in $T/muxd.log.
mux_start() {
	MUX_LOG=$T/muxd.log
	ROUTES_JSON=$T/var/routes.json
	mkdir -p "$T/var"
	ns_exec "${MUX_NS:-}"
	spawn muxd "$MUX_LOG" "${NSX[@]}" "${MUXD_CMD[@]}" --config "$1"
	MUX_PID=$LAST_PID
	# Listening means started: from then on it has its signal handlers too.
	local addr=$MUX_ADDR
	[[ $addr == *:* ]] && addr="[$addr]"
	wait_until 20 "muxd to listen on $addr:$MUX_PORT" _mux_listening "$addr"
	say "muxd started (pid $MUX_PID): ${MUXD_CMD[*]} --config $1"
}
_mux_listening() { mux_alive && listening "$1" "$MUX_PORT" "${MUX_NS:-}"; }

mux_alive() {
	running "$MUX_PID" || fail "muxd (pid $MUX_PID) is gone; see $MUX_LOG"
}

# mux_thread NAME: muxd runs a thread of that name (its writer threads are
# named after what they write, for ps -L, top -H and the benches).
mux_thread() { grep -qxF "$1" /proc/"$MUX_PID"/task/*/comm 2>/dev/null; }

_file_id() { stat -c '%i %y' "$1" 2>/dev/null; }

# mux_dump — SIGUSR1, then wait until routes.json is a new file.
mux_dump() {
	local before
	mux_alive
	before=$(_file_id "$ROUTES_JSON")
	kill -USR1 "$MUX_PID"
	wait_until 15 "muxd to rewrite routes.json after SIGUSR1" _file_changed "$before"
}
_file_changed() { local now; now=$(_file_id "$ROUTES_JSON") && [[ $now != "$1" ]]; }

# _routegen_peer CMD NAME ARGS... — routegen.py render/withdraw for a peer.
_routegen_peer() {
	local cmd=$1 name=$2
	shift 2
	"${ROUTEGEN[@]}" "$cmd" --daemon "${PEER_DAEMON[$name]}" --asn "${PEER_ASN[$name]}" \
		--slot "${PEER_SLOT[$name]}" --v4 "$V4" --v6 "$V6" ${BIG_ATTRS:+--big-attrs} "$@"
}

# _check [OPTIONS] NAME... — routegen.py check of the last routes.json;
# CHECK_OPTS holds options for every check of a test.
CHECK_OPTS=()
_check() {
	local opts=("${CHECK_OPTS[@]}") name
	while [[ $1 == --* ]]; do opts+=("$1"); shift; done
	for name in "$@"; do
		opts+=("$name:${PEER_DAEMON[$name]}:${PEER_ASN[$name]}:${PEER_SLOT[$name]}")
	done
	"${ROUTEGEN[@]}" check --v4 "$V4" --v6 "$V6" ${BIG_ATTRS:+--big-attrs} --routes "$ROUTES_JSON" "${opts[@]}"
}

# wait_routes SECONDS [--after-withdraw] NAME... — until muxd holds, from
# every peer, Established, the expected number of routes (one SIGUSR1 dump
# per poll).
wait_routes() {
	local limit=$1 t0=$SECONDS deadline
	shift
	deadline=$((SECONDS + limit))
	until mux_dump && _check --count-only "$@"; do
		if ((SECONDS >= deadline)); then
			_check --count-only --verbose "$@" >&2
			fail "muxd did not get the expected routes within ${limit}s"
		fi
		sleep 0.3
	done
	say "muxd holds the expected number of routes from ${*/--after-withdraw/(after withdrawal)} after $((SECONDS - t0))s"
}

# wait_routes_match SECONDS [OPTIONS] NAME... — until the full check passes
# (for changes that keep the number of routes, like a re-announcement).
wait_routes_match() {
	local limit=$1 t0=$SECONDS
	shift
	_poll "$limit" _dump_and_check "$@" || check_routes "$@"
	check_routes "$@"
	say "muxd's routes match ($*) after $((SECONDS - t0))s"
}
_dump_and_check() { mux_dump && _check "$@" >/dev/null; }

# check_routes [--after-withdraw] NAME... — the last routes.json against the
# generator, route by route and attribute by attribute.
check_routes() {
	_check "$@" >&2 || fail "routes at muxd differ from what the daemons announced"
}

# mux_log_has REGEX — muxd's log has a line matching (extended regex).
mux_log_has() { grep -Eq -- "$1" "$MUX_LOG"; }
# mux_log_lines — how many lines muxd has logged (a mark for mux_log_since).
mux_log_lines() { wc -l <"$MUX_LOG"; }
# mux_log_since MARK REGEX — a line logged after MARK matches.
mux_log_since() { tail -n +"$(($1 + 1))" "$MUX_LOG" | matches -E -- "$2"; }

# mux_sessions LABEL — muxd's own count of a neighbor's sessions, "U up, D
# down": the transitions into and out of Established muxd logged for the
# neighbor whose log label is LABEL and an address ("peer NAME", "view NAME
# peer", "instance INSTANCE client NAME"). Any reset changes it; unlike a
# neighbor's "since" time (which BIRD derives from two clocks and moves
# under load) it holds no timestamp.
mux_sessions() {
	printf '%s up, %s down' \
		"$(grep -cE -- "(^| )$1 [^ ]+: OpenConfirm -> Established" "$MUX_LOG")" \
		"$(grep -cE -- "(^| )$1 [^ ]+: Established -> " "$MUX_LOG")"
}

# mux_up LABEL — muxd holds that neighbor's session Established (by the
# same count: more transitions into Established than out of it).
mux_up() {
	local up down
	read -r up _ down _ <<<"$(mux_sessions "$1" | tr -d ,)"
	((up > down))
}

# mux_stop_clean NAME... — SIGTERM; muxd must exit 0 within 15 s after
# logging a Cease/Administrative Shutdown NOTIFICATION to every peer.
mux_stop_clean() {
	local name
	mux_alive
	stop_pid "$MUX_PID" TERM 15 || fail "muxd did not exit within 15s of SIGTERM"
	((STOP_RC == 0)) || fail "muxd exited with status $STOP_RC after SIGTERM, want 0"
	for name in "$@"; do
		mux_log_has "peer[^:]*(${name}|${PEER_ADDR[$name]//./\\.})[^:]*: sent NOTIFICATION 6/2" ||
			fail "muxd's log has no 'peer $name ...: sent NOTIFICATION 6/2' line"
	done
	say "muxd exited 0 on SIGTERM and logged NOTIFICATION 6/2 to: $*"
}

# wire_cease_to NAME... — the capture shows muxd sending Cease/Administrative
# Shutdown (6/2) to each peer. Call it before capture_stop: dumpcap hands the
# kernel's packets over in blocks, and stopping it at once can lose the last
# fraction of a second, so this polls the file until the NOTIFICATIONs are in.
wire_cease_to() {
	if ! _poll 20 _wire_ceased "$@"; then
		fail "no NOTIFICATION 6/2 from muxd to each of $* on the wire; muxd sent: $(_wire_notifications | tr '\n' ' ')"
	fi
}
_wire_notifications() {
	local ip=ip
	[[ $MUX_ADDR == *:* ]] && ip=ipv6
	tshark -r "$CAP" -Y "$ip.src == $MUX_ADDR && bgp.type == 3" \
		-T fields -e "$ip.dst" -e bgp.notify.major_error -e bgp.notify.minor_error_cease 2>/dev/null
}
_wire_ceased() {
	local name seen
	seen=$(_wire_notifications)
	for name in "$@"; do
		grep -qP "^\Q${PEER_ADDR[$name]}\E\t6\t2\$" <<<"$seen" || return 1
	done
}

# ------------------------------------------------------------------ BIRD

# bird_start NAME — BIRD for a declared peer; MODE passive adds "passive on".
# A session on loopback is multihop for BIRD and keeps the generated next
# hops; with PEER_DIRECT[NAME]=1 (a shared link, e.g. a veth between network
# namespaces) it is direct and BIRD sends its own next hop (for IPv6 its
# global and its link-local address).
declare -A PEER_DIRECT=()
bird_start() {
	local name=$1 d=$T/$1 passive="" multihop="multihop;" next_hop="next hop keep;"
	local router_id=${PEER_ADDR[$name]}
	mkdir -p "$d"
	# An IPv6 session still needs a 32-bit router ID.
	[[ $router_id == *:* ]] && router_id=192.0.2.$((100 + PEER_SLOT[$name]))
	[[ ${PEER_MODE[$name]} == passive ]] && passive="passive on;"
	if [[ ${PEER_DIRECT[$name]:-0} == 1 ]]; then
		multihop="direct;"
		next_hop="next hop self;"
	fi
	_routegen_peer render "$name" --name "${name//[^a-zA-Z0-9]/_}" \
		--template "$CONF/bird.conf.in" --out "$d/bird.conf" \
		--set "ADDR=${PEER_ADDR[$name]}" --set "ASN=${PEER_ASN[$name]}" --set "DIR=$d" \
		--set "NAME=${name//[^a-zA-Z0-9]/_}" --set "PASSIVE=$passive" --set "HOLD=${PEER_HOLD[$name]}" \
		--set "MULTIHOP=$multihop" --set "NEXT_HOP=$next_hop" --set "ROUTER_ID=$router_id" \
		--set "MUX_ADDR=$MUX_ADDR" --set "MUX_PORT=$MUX_PORT" --set "MUX_ASN=$MUX_ASN" ||
		fail "cannot render $d/bird.conf"
	ns_exec "${PEER_NS[$name]:-}"
	spawn "bird $name" "$d/stderr" "${NSX[@]}" \
		bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 20 "BIRD $name to answer on its control socket" \
		_bird_up "$name"
}
# client_bird_start DIR ADDR ASN INSTANCE-ADDR [NETNS [CHANNEL-OPTIONS]] — a
# BIRD client of an instance (ctl socket DIR/ctl), tables c4 and c6,
# retrying every second; in NETNS if given, with CHANNEL-OPTIONS in both
# channels (e.g. "add paths rx;").
client_bird_start() {
	local d=$1 addr=$2 asn=$3 inst=$4 ns=${5:-} chan=${6:-}
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
	ipv4 { table c4; import all; export none; $chan };
	ipv6 { table c6; import all; export none; $chan };
}
EOC
	ns_exec "$ns"
	spawn "bird client $addr" "$d/stderr" "${NSX[@]}" bird -f -c "$d/bird.conf" -s "$d/ctl" -P "$d/pid"
	wait_until 30 "the client BIRD $addr to answer" bash -c \
		"birdc -s '$d/ctl' show status 2>/dev/null | grep -q 'Daemon is up'"
}

_birdc() { birdc -s "$T/$1/ctl" "${@:2}"; }
_bird_up() { _birdc "$1" show status 2>/dev/null | matches 'Daemon is up'; }
bird_established() { _birdc "$1" show protocols mux | matches Established; }
# *_session_id NAME — a count that changes whenever the session to muxd
# goes down and up: the daemon's own where it keeps one, never a time.
# BIRD keeps none (its "since" moves under load): muxd's for peer NAME.
bird_session_id() { mux_sessions "peer $1"; }
bird_withdraw() {
	local n=${1//[^a-zA-Z0-9]/_}
	_birdc "$1" disable "sw4_$n" >/dev/null && _birdc "$1" disable "sw6_$n" >/dev/null ||
		fail "birdc disable failed for $1"
}
bird_restart() { _birdc "$1" restart mux >/dev/null || fail "birdc restart mux failed for $1"; }
bird_saw_cease() {
	_birdc "$1" show protocols all mux | matches "Received: Administrative shutdown"
}

# ----------------------------------------------------------------- GoBGP

# gobgp_vpn_start DIR ADDR PEER [passive|port=N] [password=S] [send_max=N]
# — gobgpd (API on ADDR:50051, log in DIR) as an internal VPN speaker (AS
# $MUX_ASN) with one neighbor PEER: VPNv4 and VPNv6, ADD-PATH received
# (and sent, up to send_max paths, when given); passive (listening on
# ADDR:179) or connecting to PEER's port N, TCP-MD5 with a password.
gobgp_vpn_start() {
	local dir=$1 addr=$2 peer=$3 arg listen=-1 transport auth="" addpath fam
	transport="    remote-port = 179"
	addpath="      receive = true"
	shift 3
	for arg; do
		case $arg in
		passive) listen=179 transport="    passive-mode = true" ;;
		port=*) transport="    remote-port = ${arg#port=}" ;;
		password=*) auth="    auth-password = \"${arg#password=}\"" ;;
		send_max=*) addpath+=$'\n'"      send-max = ${arg#send_max=}" ;;
		*) fail "gobgp_vpn_start: unknown option $arg" ;;
		esac
	done
	mkdir -p "$dir"
	{
		printf '[global.config]\n  as = %s\n  router-id = "%s"\n  port = %s\n' \
			"$MUX_ASN" "$addr" "$listen"
		[[ $listen == -1 ]] || printf '  local-address-list = ["%s"]\n' "$addr"
		printf '[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "%s"\n' "$peer"
		printf '    peer-as = %s\n' "$MUX_ASN"
		[[ -z $auth ]] || printf '%s\n' "$auth"
		printf '  [neighbors.transport.config]\n    local-address = "%s"\n%s\n' \
			"$addr" "$transport"
		printf '  [neighbors.timers.config]\n    connect-retry = 1\n'
		for fam in l3vpn-ipv4-unicast l3vpn-ipv6-unicast; do
			printf '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n'
			printf '      afi-safi-name = "%s"\n' "$fam"
			printf '    [neighbors.afi-safis.add-paths.config]\n%s\n' "$addpath"
		done
	} >"$dir/gobgpd.toml"
	spawn gobgpd "$dir/gobgpd.log" gobgpd -f "$dir/gobgpd.toml" \
		--api-hosts "$addr:50051" --pprof-disable
	wait_until 20 "gobgpd on $addr to answer its API" \
		eval 'gobgp -u "$addr" -p 50051 global >/dev/null 2>&1'
}

# gobgp_start NAME — gobgpd (API on ADDR:50051) loaded with the routes.
gobgp_start() {
	local name=$1 d=$T/$1 passive=false
	mkdir -p "$d"
	[[ ${PEER_MODE[$name]} == passive ]] && passive=true
	"${ROUTEGEN[@]}" fill --template "$CONF/gobgpd.toml.in" --out "$d/gobgpd.toml" \
		--set "ADDR=${PEER_ADDR[$name]}" --set "ASN=${PEER_ASN[$name]}" \
		--set "PASSIVE=$passive" --set "MUX_ADDR=$MUX_ADDR" --set "MUX_PORT=$MUX_PORT" \
		--set "MUX_ASN=$MUX_ASN" || fail "cannot render $d/gobgpd.toml"
	_routegen_peer render "$name" --out "$d/routes.mrt" || fail "cannot write $d/routes.mrt"
	spawn "gobgpd $name" "$d/gobgpd.log" gobgpd -f "$d/gobgpd.toml" \
		--api-hosts "${PEER_ADDR[$name]}:50051" --pprof-disable
	wait_until 20 "gobgpd $name to answer its API" _gobgp "$name" global
	_gobgp_inject "$name"
}
_gobgp() { gobgp -u "${PEER_ADDR[$1]}" -p 50051 "${@:2}" >/dev/null 2>&1; }
_gobgp_out() { gobgp -u "${PEER_ADDR[$1]}" -p 50051 "${@:2}"; }

# `gobgp mrt inject` (3.10) exits as soon as it has read its file and loses
# the paths still in flight (the tail of the file, a different number each
# run). So it reads from a FIFO that stays open until gobgpd's RIB holds every
# route; only then does it see end-of-file. The whole file is in the FIFO
# before gobgp opens it (its buffer made big enough): gobgp's MRT reader
# takes a short read from a pipe for a whole record and misparses the rest
# ("failed to parse: unsupported type"), which a busy machine provoked.
_gobgp_inject() {
	local name=$1 d=$T/$1 fd inject size
	mkfifo "$d/inject.fifo"
	exec {fd}<>"$d/inject.fifo"
	size=$(stat -c %s "$d/routes.mrt")
	python3 -c 'import fcntl, sys
fd = open(sys.argv[1], "rb", buffering=0)           # the same pipe, reopened
fcntl.fcntl(fd, 1031, int(sys.argv[2]))             # F_SETPIPE_SZ' \
		"/proc/$$/fd/$fd" "$((size + 65536))" || fail "cannot size the FIFO for $size bytes"
	timeout 60 cat "$d/routes.mrt" >&"$fd" || fail "cannot feed the MRT file to gobgp"
	# spawn's bookkeeping, with the FIFO's writing end closed in gobgp
	gobgp -u "${PEER_ADDR[$name]}" -p 50051 mrt inject global "$d/inject.fifo" \
		>"$d/inject.log" 2>&1 {fd}>&- &
	inject=$!
	PIDS+=("$inject")
	PID_NAME[$inject]="gobgp mrt inject $name"
	wait_until 60 "gobgpd $name to hold $V4 + $V6 routes" _gobgp_has_routes "$name" "$V4" "$V6"
	exec {fd}>&-
	wait_until 10 "gobgp mrt inject to see end-of-file and exit" eval "! running $inject"
	wait "$inject" 2>/dev/null
}
_gobgp_has_routes() {
	[[ $(_gobgp_out "$1" global rib summary -a ipv4 2>/dev/null) == *"Destination: $2,"* ]] &&
		[[ $(_gobgp_out "$1" global rib summary -a ipv6 2>/dev/null) == *"Destination: $3,"* ]]
}
_gobgp_neighbor() {
	_gobgp_out "$1" neighbor "$MUX_ADDR" -j 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(d['state'].get('session_state', 0), d['state'].get('flops', 0))"
}
gobgp_established() { [[ $(_gobgp_neighbor "$1") == "6 "* ]]; }
# flops: the times GoBGP's session left Established
gobgp_session_id() { _gobgp_neighbor "$1" | cut -d' ' -f2; }
gobgp_withdraw() {
	local name=$1 afi p
	_routegen_peer withdraw "$name" | while read -r afi p; do
		echo "-a ipv$afi $p"
	done | xargs -P 4 -L 1 gobgp -u "${PEER_ADDR[$name]}" -p 50051 global rib del ||
		fail "gobgp global rib del failed for $name"
}
gobgp_saw_cease() {
	grep -q '"Reason":"notification-received code 6(cease) subcode 2(administrative shutdown)"' \
		"$T/$1/gobgpd.log"
}

# ------------------------------------------------------------------- FRR

FRR_BGPD=/usr/lib/frr/bgpd

# frr_start NAME — bgpd without zebra (-Z), listening on its own address;
# the routes are loaded into the running bgpd with `vtysh -f`. FRR_EXTRA:
# more lines for its `router bgp` block (default none).
frr_start() {
	local name=$1 d=$T/$1 passive="" fill
	mkdir -p "$d"
	[[ ${PEER_MODE[$name]} == passive ]] && passive="neighbor $MUX_ADDR passive"
	fill=(--set "ADDR=${PEER_ADDR[$name]}" --set "ASN=${PEER_ASN[$name]}" --set "DIR=$d"
		--set "NAME=$name" --set "PASSIVE=$passive" --set "EXTRA=${FRR_EXTRA:-}" --set "MUX_ADDR=$MUX_ADDR"
		--set "MUX_PORT=$MUX_PORT" --set "MUX_ASN=$MUX_ASN")
	"${ROUTEGEN[@]}" fill --template "$CONF/frr.conf.in" --out "$d/bgpd.conf" "${fill[@]}" &&
		_routegen_peer render "$name" --template "$CONF/frr-routes.conf.in" \
			--out "$d/routes.conf" "${fill[@]}" || fail "cannot render $d/*.conf"
	# -S: stay root (no frr user/group needed); -P 0: no TCP vty.
	spawn "bgpd $name" "$d/stderr" "$FRR_BGPD" -f "$d/bgpd.conf" -i "$d/bgpd.pid" \
		--vty_socket "$d" -Z -S -l "${PEER_ADDR[$name]}" -p 179 -P 0
	wait_until 30 "FRR $name to answer vtysh" _vtysh "$name" -c "show bgp summary"
	_vtysh_out "$name" 120 -f "$d/routes.conf" >"$d/routes.log" 2>&1 &&
		! grep -q . "$d/routes.log" ||
		fail "vtysh -f routes.conf for $name: $(head -3 "$d/routes.log")"
	wait_until 30 "FRR $name to hold its routes" _frr_has_routes "$name"
}
# vtysh waits forever for a bgpd that is busy: always with a time limit.
_vtysh_out() { timeout -k 2 "$2" vtysh --vty_socket "$T/$1" "${@:3}"; }
_vtysh() { _vtysh_out "$1" 10 "${@:2}" >/dev/null 2>&1; }
_frr_has_routes() {
	_vtysh_out "$1" 10 -c "show bgp ipv4 unicast statistics json" \
		-c "show bgp ipv6 unicast statistics json" 2>/dev/null |
		tr -d ' \n' | matches "\"totalPrefixes\":$V4,.*\"totalPrefixes\":$V6,"
}
_frr_neighbor() {
	_vtysh_out "$1" 10 -c "show bgp neighbors $MUX_ADDR json" 2>/dev/null |
		python3 -c "
import json, sys
n = json.load(sys.stdin).get('$MUX_ADDR', {})
print(n.get('bgpState'), n.get('connectionsEstablished', 0), n.get('lastNotificationReason', ''), '|', n.get('lastResetDueTo', ''))"
}
frr_established() { [[ $(_frr_neighbor "$1") == "Established "* ]]; }
# connectionsEstablished: a count (FRR's "established epoch" is derived
# from the uptime at each query and moves by a second without a restart)
frr_session_id() { _frr_neighbor "$1" | cut -d' ' -f2; }
frr_withdraw() {
	local name=$1 afi p args=(-c "configure terminal" -c "router bgp ${PEER_ASN[$1]}")
	while read -r afi p; do
		args+=(-c "address-family ipv$afi unicast" -c "no network $p" -c "exit-address-family")
	done < <(_routegen_peer withdraw "$name")
	_vtysh_out "$name" 60 "${args[@]}" >"$T/$name/withdraw.log" 2>&1 &&
		! grep -q . "$T/$name/withdraw.log" ||
		fail "vtysh 'no network' failed for $name: $(head -3 "$T/$name/withdraw.log")"
}
frr_restart() {
	_vtysh_out "$1" 10 -c "clear bgp $MUX_ADDR" >/dev/null 2>&1 || fail "vtysh 'clear bgp' failed for $1"
}
frr_saw_cease() {
	[[ $(_frr_neighbor "$1") == *" Cease/Administrative Shutdown | BGP Notification received" ]]
}

# ---------------------------------------------------------------- ExaBGP

# exabgp_start NAME — ExaBGP with static routes and an API process (exa_ctl).
exabgp_start() {
	local name=$1 d=$T/$1 passive="" bind=""
	mkdir -p "$d"
	if [[ ${PEER_MODE[$name]} == passive ]]; then
		passive="passive true;"
		bind=${PEER_ADDR[$name]}
	fi
	mkfifo "$d/ctl.fifo"
	: >"$d/ctl.replies"
	_routegen_peer render "$name" --template "$CONF/exabgp.conf.in" --out "$d/exabgp.conf" \
		--set "ADDR=${PEER_ADDR[$name]}" --set "ASN=${PEER_ASN[$name]}" --set "DIR=$d" \
		--set "PASSIVE=$passive" --set "PYTHON=$PYTHON" --set "TOOLS=$TOOLS" \
		--set "MUX_ADDR=$MUX_ADDR" --set "MUX_PORT=$MUX_PORT" --set "MUX_ASN=$MUX_ASN" ||
		fail "cannot render $d/exabgp.conf"
	spawn "exabgp $name" "$d/exabgp.log" env \
		exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
		exabgp.api.cli=false exabgp.tcp.bind="$bind" exabgp.tcp.port=179 \
		exabgp.log.destination=stdout exabgp.log.level=INFO \
		exabgp "$d/exabgp.conf"
	EXA_PID[$name]=$LAST_PID
	wait_until 30 "ExaBGP $name to load its configuration" _exa_loaded "$name"
}
declare -A EXA_PID=()
_exa_loaded() {
	running "${EXA_PID[$1]}" || fail "ExaBGP $1 exited: $(grep -A3 'error' "$T/$1/exabgp.log" | head -5)"
	grep -q "loaded new configuration successfully" "$T/$1/exabgp.log"
}
exabgp_withdraw() { _exa_api "$1" withdraw; }
exabgp_replace() { _exa_api "$1" replace; }
# _exa_api NAME withdraw|replace — routegen's API commands through ctl.fifo;
# waits for ExaBGP's "done" to each.
_exa_api() {
	local name=$1 d=$T/$1 n base
	base=$(grep -c '^done' "$d/ctl.replies")
	n=$(_routegen_peer "$2" "$name" | tee "$d/$2.cmds" | wc -l)
	cat "$d/$2.cmds" >"$d/ctl.fifo"
	wait_until 60 "ExaBGP $name to acknowledge $n API commands ($2)" _exa_acks "$d" $((base + n))
	! grep -q '^error' "$d/ctl.replies" || fail "ExaBGP $name answered 'error' to an API command ($2)"
}
_exa_acks() { (($(grep -c '^done' "$1/ctl.replies") >= $2)); }
# ExaBGP's neighbor-changes lines: "neighbor A connected|up|down - reason".
_exa_last_change() { grep -E "^neighbor $MUX_ADDR (connected|up|down)" "$T/$1/ctl.replies" | tail -n 1; }
exabgp_established() { [[ $(_exa_last_change "$1") == "neighbor $MUX_ADDR up" ]]; }
exabgp_session_id() { grep -c "^neighbor $MUX_ADDR up" "$T/$1/ctl.replies"; }
exabgp_saw_cease() {
	[[ $(_exa_last_change "$1") == *"notification received (6,2)] error[Cease / Administrative Shutdown]"* ]]
}

# ----------------------------------------------------------- the scenario

# _same_session DAEMON NAME ID — the session is Established and still ID.
_same_session() { "$1_established" "$2" && [[ $("$1_session_id" "$2") == "$3" ]]; }

# both CMD NAME1 NAME2 — CMD NAME1 and CMD NAME2 at the same time.
both() {
	local p1 p2
	"$1" "$2" &
	p1=$!
	"$1" "$3" &
	p2=$!
	wait "$p1" && wait "$p2" || fail "$1 failed for $2 or $3"
}

# daemon_scenario DAEMON ASN X — the core-engine test against one daemon:
# one session where muxd is the active side and one where it is passive, each
# with V4 + V6 generated routes; routes.json compared with the generator;
# a re-announcement with new attributes (if DAEMON_replace exists); a
# withdrawal; a session reset by the daemon (if DAEMON_restart exists); no
# other session restart; SIGTERM with Cease/Administrative Shutdown seen by
# the daemon; and a capture tshark decodes without a malformed packet.
daemon_scenario() {
	local d=$1 asn=$2 x=$3 act pas name
	MUX_ADDR=127.0.$x.1
	BIG_ATTRS=1
	act=$d-act
	pas=$d-pas
	# "-act": muxd is the active side (the daemon listens); "-pas": muxd waits.
	peer_add "$act" "$d" "127.0.$x.11" "$asn" $((x / 5)) passive
	peer_add "$pas" "$d" "127.0.$x.12" "$asn" $((x / 5 + 1)) active
	claim_addrs "$MUX_ADDR" "${PEER_ADDR[$act]}" "${PEER_ADDR[$pas]}"
	capture_start "$MUX_ADDR"

	# Both daemons first, the one that connects to muxd first of all (GoBGP
	# waits 5-10 s before its first attempt: let that run while the other
	# starts); it retries until muxd listens.
	"${d}_start" "$pas"
	"${d}_start" "$act"
	wait_until 30 "$act to listen on ${PEER_ADDR[$act]}:179" listening "${PEER_ADDR[$act]}" 179
	mux_config "$T/muxd.json" "$MUX_ADDR" "$act" "$pas"
	mux_start "$T/muxd.json"

	wait_routes 90 "$act" "$pas"
	local -A session=()
	for name in "$act" "$pas"; do
		wait_until 10 "$name to report its session Established" "${d}_established" "$name"
		session[$name]=$("${d}_session_id" "$name")
	done
	check_routes "$act" "$pas"

	local replaced=()
	if declare -F "${d}_replace" >/dev/null; then
		both "${d}_replace" "$act" "$pas"
		say "$d re-announced its replacement subset with new attributes"
		wait_routes_match 60 --replaced "$act" "$pas"
		replaced=(--replaced)
	fi

	both "${d}_withdraw" "$act" "$pas"
	say "$d withdrew its test subset on both sessions"
	wait_routes 60 --after-withdraw "$act" "$pas"
	check_routes --after-withdraw "${replaced[@]}" "$act" "$pas"

	if declare -F "${d}_restart" >/dev/null; then
		# The daemon resets both sessions: muxd must drop their routes, take
		# the new sessions (connecting again itself on the active side) and
		# learn the routes again.
		local mark
		mark=$(mux_log_lines)
		both "${d}_restart" "$act" "$pas"
		for name in "$act" "$pas"; do
			wait_until 30 "muxd to log $name's session going down" \
				mux_log_since "$mark" "peer[^:]*$name[^:]*: Established -> "
		done
		say "$d reset both sessions"
		wait_routes 60 --after-withdraw "$act" "$pas"
		check_routes --after-withdraw "${replaced[@]}" "$act" "$pas"
		for name in "$act" "$pas"; do
			wait_until 10 "$name to report its new session Established" "${d}_established" "$name"
			session[$name]=$("${d}_session_id" "$name")
		done
	fi

	# No session went down and up again while the routes came and went. (A
	# poll: a daemon's CLI can miss one question when the machine is busy.)
	for name in "$act" "$pas"; do
		_poll 10 _same_session "$d" "$name" "${session[$name]}" ||
			fail "$name's session restarted during the test (was ${session[$name]}, now $("${d}_session_id" "$name"))"
	done

	mux_stop_clean "$act" "$pas"
	for name in "$act" "$pas"; do
		wait_until 15 "$name to report Cease/Administrative Shutdown from muxd" "${d}_saw_cease" "$name"
	done
	say "both $d sessions saw NOTIFICATION Cease/Administrative Shutdown"

	wire_cease_to "$act" "$pas"
	capture_stop
	capture_check
}
