#!/usr/bin/env bash
# demo.sh — muxd learns a real Internet full table.
#
# Starts build/muxd on scripts/demo-config.json (one passive peer,
# "pch-replay"), replays a whole recorded eBGP session into it with
# build/tools/mrt_replay (PCH, 2015-10-23: 577,737 IPv4 prefixes; see
# tests/data/SOURCES.md), asks muxd for its routes (SIGUSR1 writes
# <state_dir>/routes.json) and prints what it learned. Everything runs on
# loopback addresses, in a temporary directory that is removed at the end
# (KEEP=1 keeps it). `make demo` runs it after building.
#
# Environment: BUILD (default build), DEMO_PORT (default: a free port).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
MUXD=$BUILD/muxd
REPLAY=$BUILD/tools/mrt_replay
CONFIG=$ROOT/scripts/demo-config.json
DATA=$ROOT/tests/data/pch-fulltable-session-bgp4mp_et.2015-10-23.gz
MUX_ADDR=127.0.0.100            # muxd's side of the session
PEER_ADDR=127.0.0.101           # the replayed PCH router's side
WAIT_LISTEN=10 WAIT_REPLAY=600 WAIT_EOR=120 WAIT_DUMP=300

PROG=demo
. "$ROOT/scripts/demo-lib.sh"
die() { echo "demo: $*" >&2; exit 1; }

for f in "$MUXD" "$REPLAY"; do
	[ -x "$f" ] || die "$f is missing: run 'make' first"
done
[ -r "$DATA" ] || die "$DATA is missing: the replay data comes with the repository"
command -v python3 >/dev/null || die "python3 is needed for the summary (apt-get install python3)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpmux-demo.XXXXXX")
MUXD_PID= REPLAY_PID=

# Stop what we started, by PID, and leave nothing behind.
cleanup() {
	stop_pid "$REPLAY_PID"
	stop_pid "$MUXD_PID"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "demo: files kept in $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket,sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$MUX_ADDR"
}

# The config with this run's state_dir and port (the JSON stays muxd's format).
write_config() {
	python3 - "$CONFIG" "$TMP/muxd.json" "$TMP/var" "$1" <<'EOF'
import json, sys
src, dst, state_dir, port = sys.argv[1:]
cfg = json.load(open(src))
cfg["state_dir"] = state_dir
cfg["listen_port"] = int(port)
json.dump(cfg, open(dst, "w"), indent=2)
EOF
}

PORT=${DEMO_PORT:-$(free_port)}
mkdir -p "$TMP/var"
write_config "$PORT"
"$MUXD" --check-config "$TMP/muxd.json" || die "muxd rejects $TMP/muxd.json (from $CONFIG)"

echo "== muxd: AS64496 on $MUX_ADDR port $PORT, one passive peer pch-replay ($PEER_ADDR, AS3856)"
"$MUXD" --config "$TMP/muxd.json" 2>"$TMP/muxd.log" &
MUXD_PID=$!
wait_for "$TMP/muxd.log" "listening on $MUX_ADDR" $WAIT_LISTEN "$MUXD_PID" muxd

echo "== replaying the PCH session (tests/data/$(basename "$DATA")) from $PEER_ADDR"
# --hold keeps the session up while muxd dumps; muxd answers the final
# ROUTE-REFRESH with BoRR/EoRR, and --sync-wait 5 bounds that wait.
"$REPLAY" --connect "$MUX_ADDR:$PORT" --bind "$PEER_ADDR" --eor --hold \
	--sync-wait 5 "$DATA" 2>"$TMP/replay.log" &
REPLAY_PID=$!
wait_for "$TMP/replay.log" "prefixes/s" $WAIT_REPLAY "$REPLAY_PID" mrt_replay
# The replay's End-of-RIB for IPv6 comes last: once muxd has logged it,
# every UPDATE before it is in.
wait_for "$TMP/muxd.log" "End-of-RIB for ipv6-unicast from the peer" $WAIT_EOR "$MUXD_PID" muxd ||
	echo "demo: going on without muxd's End-of-RIB line" >&2

echo "== SIGUSR1 to muxd (PID $MUXD_PID): routes.json"
kill -USR1 "$MUXD_PID"
# muxd writes a temporary file and renames it: once the name is there,
# the file is whole (and state_dir is new, so no older dump can be).
for i in $(seq 1 $((WAIT_DUMP * 10))); do
	[ -s "$TMP/var/routes.json" ] && break
	kill -0 "$MUXD_PID" 2>/dev/null || { tail -20 "$TMP/muxd.log" >&2; die "muxd exited before writing routes.json"; }
	sleep 0.1
done
[ -s "$TMP/var/routes.json" ] || die "no $TMP/var/routes.json within $WAIT_DUMP s of SIGUSR1"

stop_pid "$REPLAY_PID"          # Cease from the replay side first
REPLAY_PID=

python3 - "$TMP/muxd.log" "$TMP/replay.log" "$TMP/var/routes.json" <<'EOF'
"""Summaries of what muxd logged and learned (Python stdlib only)."""
import collections, json, re, sys

log_path, replay_path, routes_path = sys.argv[1:]
STAMP = re.compile(r"^\S+\s+")          # muxd's leading timestamp


def show_log(path):
    """Each distinct line once, in order, with how often it came."""
    first, count = {}, collections.Counter()
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        key = STAMP.sub("", line)
        count[key] += 1
        first.setdefault(key, line)
    print("== muxd log (%d lines, %d distinct)" % (sum(count.values()), len(first)))
    for key, line in first.items():
        extra = "   [x%d]" % count[key] if count[key] > 1 else ""
        print("  " + line + extra)


def stamp_seconds(line):
    m = re.match(r"^\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d(?:\.\d+)?)", line)
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else None


def muxd_ingest(path, prefixes):
    """Established to the last End-of-RIB, by muxd's own clock."""
    up = end = None
    for line in open(path, errors="replace"):
        if "-> Established" in line and up is None:
            up = stamp_seconds(line)
        elif "End-of-RIB" in line:
            end = stamp_seconds(line)
    if up is not None and end is not None and end > up:
        print("  muxd, by its log: Established to the last End-of-RIB in %.2f s"
              " (%d prefixes/s)" % (end - up, prefixes / (end - up)))


def path_asns(path):
    """AS numbers of a path for length and origin: a set counts once."""
    return [seg if isinstance(seg, int) else tuple(seg) for seg in path]


def path_text(path):
    """"9498 55644x41 59165": prepending shown as a count, sets in braces."""
    out = []
    for a in path:
        text = str(a) if isinstance(a, int) else "{" + ",".join(map(str, a)) + "}"
        if out and out[-1][0] == text:
            out[-1][1] += 1
        else:
            out.append([text, 1])
    return " ".join(t if n == 1 else "%sx%d" % (t, n) for t, n in out)


def show_peer(peer):
    routes = peer.get("routes", [])
    v6 = sum(1 for r in routes if ":" in r["prefix"])
    print("== what muxd learned from %s (%s, AS%s), state %s" % (
        peer.get("name"), peer.get("address"), peer.get("asn"), peer.get("state")))
    print("  %d routes: %d IPv4, %d IPv6" % (len(routes), len(routes) - v6, v6))
    if not routes:
        return
    origins = collections.Counter()
    paths = set()
    with_comm = 0
    for r in routes:
        asns = path_asns(r.get("as_path", []))
        paths.add(tuple(asns))
        if asns:
            origins[asns[-1]] += 1
        with_comm += bool(r.get("communities"))
    print("  %d distinct AS paths; %d routes carry communities" % (len(paths), with_comm))
    print("  10 most frequent origin ASes:")
    for asn, n in origins.most_common(10):
        print("    AS%-8s %7d routes" % (asn if isinstance(asn, int) else set(asn), n))
    longest = sorted(routes, key=lambda r: (-len(path_asns(r.get("as_path", []))), r["prefix"]))
    print("  longest AS paths:")
    for r in longest[:5]:
        print("    %-20s %2d ASNs: %s" % (r["prefix"], len(r["as_path"]), path_text(r["as_path"])))
    print("  sample routes:")
    wanted = ["8.8.8.0/24", "193.0.0.0/21", "1.1.1.0/24", "204.61.216.0/23"]
    by_prefix = {r["prefix"]: r for r in routes}
    picks = [by_prefix[p] for p in wanted if p in by_prefix]
    picks += [routes[i] for i in range(0, len(routes), max(1, len(routes) // 3))][:6 - len(picks)]
    for r in picks:
        print("    %-18s path %-28s next hop %-15s communities %s" % (
            r["prefix"], path_text(r.get("as_path", [])), r.get("next_hop", "-"),
            " ".join(r.get("communities", [])) or "-"))


show_log(log_path)
data = json.load(open(routes_path))
total = 0
for peer in data.get("peers", []):
    show_peer(peer)
    total += len(peer.get("routes", []))
print("== replay throughput")
for line in open(replay_path, errors="replace"):
    if "prefixes/s" in line or "did not answer" in line:
        print("  " + line.rstrip("\n"))
muxd_ingest(log_path, total)
print("  (the recorded session itself took 19.99 s from its first UPDATE,"
      " about 28,900 prefixes/s: PCH's collector, 2015)")
EOF

echo "== stopping muxd (SIGTERM to PID $MUXD_PID)"
stop_pid "$MUXD_PID"
MUXD_PID=
tail -n 2 "$TMP/muxd.log" | sed 's/^/  /'
echo "== demo done. Data: Packet Clearing House (PCH), route-collector.summary.pch.net, 2015-10-23."
