#!/usr/bin/env bash
# A full disk under state_dir (a small tmpfs mounted for the test, filled
# up): every writer that fails removes its temporary file at once —
# routes.json (SIGUSR1), the MRT updates files (a new one every second
# here) and RIB dumps (every 2 s) — so at most the updates file being
# written is there; the previous routes.json stays whole; muxd and its
# session stay up; once space is back, dumps and archives work again and
# a clean stop leaves no temporary file.
# Addresses: 127.0.142.0/24 (muxd 127.0.142.1, the upstream mrt_replay
# 127.0.142.11), 127.0.143.1 (the instance).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.142.1
FEED=127.0.142.11
N=${N:-5000}
VAR=$T/var
claim_addrs 127.0.142.1 127.0.142.11 127.0.143.1

mkdir -p "$VAR"
mount -t tmpfs -o size=8m bgpmux-test-disk-full "$VAR" || fail "cannot mount a tmpfs on $VAR"
# muxd (and a dump child it may have) goes before the tmpfs, and the tmpfs
# before lib.sh's cleanup removes $T.
unmount_var() {
	local rc=$?
	[[ -n ${MUX_PID:-} ]] && running "$MUX_PID" && stop_pid "$MUX_PID" TERM 10
	umount "$VAR" 2>/dev/null || umount -l "$VAR" || say "cannot unmount $VAR"
	(exit "$rc")
	cleanup
}
trap unmount_var EXIT

python3 - "$T/muxd.json" "$VAR" "$MUX_ADDR" "$FEED" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, mux, feed = sys.argv[1:5]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "api": {"listen": mux + ":8179"},
           "mrt": {"updates_interval": 1, "rib_interval": 2},
           "upstreams": [{"name": "isp-d", "peer": {"address": feed, "asn": 65142},
                          "local_address": mux, "passive": True,
                          "instance": {"address": "127.0.143.1", "port": 179}}]},
          open(out, "w"), indent=2)
PY
mux_start "$T/muxd.json"
spawn mrt_replay "$T/replay.out" "$ROOT/build/tools/mrt_replay" --connect "$MUX_ADDR:179" \
	--bind "$FEED" --asn 65142 --synthetic "$N" --eor --hold --sync-wait 0
wait_until 60 "the upstream's End-of-RIB" mux_log_has "view isp-d: End-of-RIB for ipv4-unicast from the upstream: $N IPv4"
mux_dump
routes_ok() {
	python3 - "$ROUTES_JSON" "$N" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["views"][0]["routes"]) == int(sys.argv[2])
PY
}
routes_ok || fail "routes.json does not hold the $N routes"
before=$(_file_id "$ROUTES_JSON")
say "the view holds $N routes; routes.json written; MRT files: $(ls "$VAR/mrt" | wc -l)"

# ------------------------------------------------------- the disk fills up

dd if=/dev/zero of="$VAR/filler" bs=4k 2>/dev/null
say "the tmpfs is full: $(df -h --output=size,used,avail "$VAR" | tail -1)"
mark=$(mux_log_lines)
kill -USR1 "$MUX_PID"
wait_until 30 "routes.json's dump to fail" mux_log_since "$mark" "cannot write $VAR/routes.json: No space left on device"
# a few intervals of updates files and a RIB dump fail meanwhile
updates_failed() { (($(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c "mrt: cannot complete .*/updates\.") >= 3)); }
wait_until 30 "three updates files to fail" updates_failed
wait_until 30 "a RIB dump to fail" mux_log_since "$mark" "mrt: cannot write .*/bview\."
mux_alive
[[ $(_file_id "$ROUTES_JSON") == "$before" ]] || fail "routes.json changed although its dump failed"
routes_ok || fail "the previous routes.json is no longer whole"

temps() { find "$VAR" -name '.routes.json.*' -o -name '*.tmp' | sort; }
stale=$(temps | grep -v '/\.updates\.' || true)
[[ -z $stale ]] || fail "temporary files left after failed writes: $stale"
open_updates=$(temps | grep -c '/\.updates\.' || true)
((open_updates <= 1)) || fail "$open_updates updates temporary files, want at most the one being written: $(temps)"
mux_log_since "$mark" "route dump [0-9]+ failed after" ||
	fail "no log line saying the route dump failed"
mux_log_since "$mark" "cannot write $VAR/routes.json: .*: the temporary file is removed, the previous routes.json stays" ||
	fail "the log does not say routes.json's temporary file is removed"
mux_log_has "view isp-d peer [^:]*: .*Established -> " && fail "the upstream session went down"
say "disk full: routes.json, $(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -c 'mrt: cannot') MRT files failed; temporary files left: $(temps | wc -l) (the updates file being written)"

# ------------------------------------------------------- space again

rm -f "$VAR/filler"
mark=$(mux_log_lines)
mux_dump
routes_ok || fail "routes.json after the disk has space again does not hold the $N routes"
new_updates() { find "$VAR/mrt" -name 'updates.*' -newer "$T/freed" | matches .; }
touch "$T/freed"
wait_until 15 "an updates file completed after the disk has space again" new_updates
stop_pid "$MUX_PID" TERM 15 || fail "muxd did not stop"
((STOP_RC == 0)) || fail "muxd exited with $STOP_RC"
[[ -z $(temps) ]] || fail "temporary files left after a clean stop: $(temps)"
say "space again: routes.json and MRT files written; a clean stop leaves no temporary file"
