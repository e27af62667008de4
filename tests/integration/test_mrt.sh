#!/usr/bin/env bash
# MRT archives (RFC 6396, RFC 8050) with a real upstream: BIRD 2 (AS 65070,
# 127.0.70.11) announces V4 IPv4 + V6 IPv6 generated routes (AS paths with
# AS_SETs, origins, MEDs, standard and large communities) to muxd's view
# isp-m, then withdraws a subset. muxd writes state_dir/mrt/ with
# rib_interval 4 s and updates_interval 3 s. Asserts, reading every file
# with Debian's `bgpdump -m`:
#   1. a bview taken with the full table equals, path by path (prefix, AS
#      path, origin, next hop, MED, communities), what the upstream was told
#      to announce (mux_tables.py expect: the generator, never muxd) and
#      what muxd holds (its SIGUSR1 routes.json);
#   2. the same after the withdrawal;
#   3. the updates files replayed in order end in that same table, every
#      route announced was announced in them, and they hold the session's
#      state changes (OpenConfirm -> Established, and Established -> Idle
#      at shutdown);
#   4. every file is complete: bgpdump reads it without a complaint, no
#      temporary file is left after SIGTERM, gzip files are gzip; after a
#      reload with "compress": "none" new files are plain MRT;
#   5. ADD-PATH (RFC 8050) from a plain peer, isp-p (a view with no
#      instance: the archive has its routes as it has an upstream's), a
#      BIRD (AS 65071, 127.0.70.12) that sends two paths for each of its
#      prefixes ("add paths tx"): its RIB records are
#      RIB_IPV4/IPV6_UNICAST_ADDPATH with both paths, after their own
#      PEER_INDEX_TABLE, its updates BGP4MP_MESSAGE_AS4_ADDPATH, its state
#      changes recorded; bgpdump shows both paths of each prefix.
# Addresses: 127.0.70.0/24 (muxd 127.0.70.1, BIRD 127.0.70.11 and .12),
# the instance 127.0.71.1.
V4=${V4:-300}
V6=${V6:-200}
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.70.1
UP=isp_m
SLOT=14
MT=(python3 "$TOOLS/mux_tables.py")
MC=(python3 "$TOOLS/mrt_check.py")
MRT=$T/var/mrt

peer_add "$UP" bird 127.0.70.11 65070 "$SLOT" passive
claim_addrs 127.0.70.1 127.0.70.11 127.0.70.12 127.0.71.1
bird_start "$UP"
wait_until 30 "BIRD to listen" listening 127.0.70.11 179

# The ADD-PATH plain peer: two static protocols give each prefix two paths
# (next hops .51 and .52, AS paths 64601 and 64602); "add paths tx" sends both.
AP=$T/isp_p
mkdir -p "$AP"
{
	echo "router id 127.0.70.12;"
	echo "log \"$AP/bird.log\" all;"
	echo "ipv4 table ap4; ipv6 table ap6; protocol device { }"
	for x in 1 2; do
		echo "protocol static pa4_$x { ipv4 { table ap4; };"
		for p in 203.0.113.0/24 203.0.113.128/25 198.51.100.0/24; do
			echo "  route $p blackhole { bgp_next_hop = 192.0.2.5$x; bgp_path.prepend(6460$x); };"
		done
		echo "}"
		echo "protocol static pa6_$x { ipv6 { table ap6; };"
		for p in 2001:db8:70::/48 2001:db8:71::/48; do
			echo "  route $p blackhole { bgp_next_hop = 2001:db8:ffff::5$x; bgp_path.prepend(6460$x); };"
		done
		echo "}"
	done
	echo "protocol bgp mux {"
	echo "	local 127.0.70.12 as 65071;"
	echo "	neighbor 127.0.70.1 port 179 as 65000;"
	echo "	multihop; strict bind yes; passive on; hold time 90;"
	echo "	ipv4 { table ap4; import none; export all; add paths tx; next hop keep; };"
	echo "	ipv6 { table ap6; import none; export all; add paths tx; next hop keep; };"
	echo "}"
} >"$AP/bird.conf"
spawn "bird isp_p" "$AP/stderr" bird -f -c "$AP/bird.conf" -s "$AP/ctl" -P "$AP/pid"
wait_until 30 "the ADD-PATH BIRD to listen" listening 127.0.70.12 179
# What it sends: every prefix with both paths (its AS in front).
for x in 1 2; do
	for p in 203.0.113.0/24 203.0.113.128/25 198.51.100.0/24; do echo "$p 192.0.2.5$x 65071 6460$x"; done
	for p in 2001:db8:70::/48 2001:db8:71::/48; do echo "$p 2001:db8:ffff::5$x 65071 6460$x"; done
done | sort >"$T/ap_want.txt"

# mux_json COMPRESS — one upstream with its instance, one plain peer
# (ADD-PATH), MRT on.
mux_json() {
	python3 - "$T/muxd.json" "$T/var" "$1" <<'PY' || fail "cannot write muxd.json"
import json, sys
out, state, compress = sys.argv[1:4]
json.dump({"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
           "upstreams": [{"name": "isp-m",
                          "peer": {"address": "127.0.70.11", "asn": 65070, "port": 179},
                          "local_address": "127.0.70.1",
                          "families": ["ipv4-unicast", "ipv6-unicast"],
                          "instance": {"address": "127.0.71.1", "port": 179}}],
           "peers": [{"name": "isp-p",
                      "peer": {"address": "127.0.70.12", "asn": 65071, "port": 179},
                      "local_address": "127.0.70.1", "add_path": "receive",
                      "families": ["ipv4-unicast", "ipv6-unicast"]}],
           "mrt": {"rib_interval": 4, "updates_interval": 3, "compress": compress}},
          open(out, "w"), indent=2)
PY
}
mux_json gzip
mux_start "$T/muxd.json"
wait_until 10 "muxd's MRT writer thread, named mrt" mux_thread "mrt"

# ------------------------------------------------------------ expectations

expect() {  # OUT [--after-withdraw]
	"${MT[@]}" expect --daemon bird --asn 65070 --slot "$SLOT" --v4 "$V4" --v6 "$V6" "${@:2}" \
		>"$T/$1.gen.json" && "${MC[@]}" project "$T/$1.gen.json" >"$T/$1.json" ||
		fail "cannot compute the expectation $1"
}
expect want
expect want_wd --after-withdraw
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }
N_FULL=$(count "$T/want.json")
N_WD=$(count "$T/want_wd.json")
((N_WD < N_FULL)) || fail "the generator withdraws nothing ($N_WD of $N_FULL)"

view_has() {  # N — muxd's view holds N routes
	mux_dump && python3 - "$ROUTES_JSON" "$1" <<'PY'
import json, sys
v = next(v for v in json.load(open(sys.argv[1]))["views"] if v["name"] == "isp-m")
sys.exit(0 if len(v["routes"]) == int(sys.argv[2]) else 1)
PY
}

# bgpdump_file FILE OUT — bgpdump -m FILE > OUT; fail on any complaint.
bgpdump_file() {
	bgpdump -q -m "$1" >"$2" 2>"$2.err" || fail "bgpdump exits $? on $1: $(head -3 "$2.err")"
	! grep -qiE "error|warn|corrupt|unknown|unsupported" "$2.err" ||
		fail "bgpdump complains about $1: $(head -3 "$2.err")"
}

# bview_with N — a bview file, newer than the mark file, whose dump holds
# N routes; its bgpdump -m text in $BVIEW_TXT.
bview_with() {
	local f
	f=$(find "$MRT" -maxdepth 1 -name 'bview.*' -newer "$T/mark" -printf '%T@ %p\n' |
		sort -n | tail -n 1 | cut -d' ' -f2)
	[[ -n $f ]] || return 1
	BVIEW_FILE=$f
	BVIEW_TXT=$T/$(basename "$f").txt
	bgpdump_file "$f" "$BVIEW_TXT"
	(($(grep -c '^TABLE_DUMP2|[0-9]*|B|127\.0\.70\.11|' "$BVIEW_TXT") == $1)) &&
		(($(grep -c '^TABLE_DUMP2_AP|[0-9]*|B|127\.0\.70\.12|' "$BVIEW_TXT") == 10))
}

# compare_all NAME WANT TXT — the dump against the upstream's routes and
# against muxd's view, path by path.
compare_rib() {
	"${MC[@]}" rib "$3" 127.0.70.11 >"$T/$1.mrt.json" || fail "cannot read $3"
	"${MC[@]}" routes "$ROUTES_JSON" isp-m >"$T/$1.mux.json" || fail "cannot read routes.json"
	"${MT[@]}" compare "$1: bview vs the upstream's announcements" "$T/$2.json" "$T/$1.mrt.json" ||
		fail "$1: the RIB dump differs from what the upstream announced"
	"${MT[@]}" compare "$1: bview vs muxd's view" "$T/$1.mux.json" "$T/$1.mrt.json" ||
		fail "$1: the RIB dump differs from muxd's view"
}

# ------------------------------------------------------------- full table

wait_until 60 "muxd's view to hold $N_FULL routes" view_has "$N_FULL"
next_second      # a dump started in the same second as the mark is not newer
touch "$T/mark"
wait_until 30 "a RIB dump with $N_FULL routes" bview_with "$N_FULL"
say "RIB dump $(basename "$BVIEW_TXT" .txt): $N_FULL routes"
mux_dump
compare_rib full want "$BVIEW_TXT"
grep -q "^TABLE_DUMP2|[0-9]*|B|127.0.70.11|65070|" "$BVIEW_TXT" ||
	fail "the dump does not name the peer 127.0.70.11 AS 65070"
# ADD-PATH view: both paths of every prefix, in _ADDPATH records.
"${MC[@]}" paths "$BVIEW_TXT" 127.0.70.12 >"$T/ap_rib.txt"
diff "$T/ap_want.txt" "$T/ap_rib.txt" >&2 ||
	fail "the RIB dump's paths of the ADD-PATH plain peer differ from what it sent (above)"
"${MC[@]}" subtypes "$BVIEW_FILE" >"$T/subtypes.txt"
grep -qx "13 1 2" "$T/subtypes.txt" || fail "want 2 PEER_INDEX_TABLEs (one per view): $(tr '\n' ';' <"$T/subtypes.txt")"
grep -qx "13 8 3" "$T/subtypes.txt" && grep -qx "13 10 2" "$T/subtypes.txt" ||
	fail "want 3 RIB_IPV4_UNICAST_ADDPATH and 2 RIB_IPV6_UNICAST_ADDPATH records: $(tr '\n' ';' <"$T/subtypes.txt")"
say "ADD-PATH plain peer in the dump: 10 paths of 5 prefixes in RIB_*_ADDPATH records, 2 PEER_INDEX_TABLEs"

# -------------------------------------------------------------- withdrawal

bird_withdraw "$UP"
wait_until 60 "muxd's view to hold $N_WD routes after the withdrawal" view_has "$N_WD"
next_second
touch "$T/mark"
wait_until 30 "a RIB dump with $N_WD routes" bview_with "$N_WD"
mux_dump
compare_rib withdrawn want_wd "$BVIEW_TXT"

# ----------------------------------------------- reload: uncompressed files

mark=$(mux_log_lines)
mux_json none
kill -HUP "$MUX_PID"
wait_until 15 "muxd to restart its MRT writer" mux_log_since "$mark" "mrt: writing .* \(uncompressed\)"
touch "$T/mark"
wait_until 20 "an uncompressed updates file" bash -c \
	"find '$MRT' -maxdepth 1 -regex '.*/updates\.[0-9.]*' -newer '$T/mark' | grep -q ."

# ------------------------------------------------------------ stop, replay

mux_stop_clean
! find "$MRT" -name '.*' -type f | grep . && say "no temporary file left in $MRT" ||
	fail "temporary files left after SIGTERM (above)"
plain=0
gz=0
: >"$T/updates.txt"
for f in $(find "$MRT" -maxdepth 1 -type f -name 'updates.*' | sort); do
	if [[ $f == *.gz ]]; then
		gzip -t "$f" 2>/dev/null || fail "$f is not a whole gzip file"
		gz=$((gz + 1))
	else
		[[ $(head -c 2 "$f" | od -An -tx1 | tr -d ' ') != 1f8b ]] || fail "$f is gzip without .gz"
		plain=$((plain + 1))
	fi
	bgpdump_file "$f" "$T/u.txt"
	cat "$T/u.txt" >>"$T/updates.txt"
done
for f in $(find "$MRT" -maxdepth 1 -type f -name 'bview.*'); do
	bgpdump_file "$f" "$T/b.txt"
done
((gz > 0 && plain > 0)) || fail "want both gzip and plain updates files, got $gz and $plain"
say "bgpdump read every file: $gz gzip and $plain plain updates files, $(find "$MRT" -name 'bview.*' | wc -l) RIB dumps"

"${MC[@]}" updates "$T/updates.txt" 127.0.70.11 >"$T/replay.json" || fail "cannot replay the updates"
"${MT[@]}" compare "updates replayed vs the upstream after withdrawal" "$T/want_wd.json" \
	"$T/replay.json" || fail "the updates files do not replay to the upstream's table"
# Every route of the full table was announced in them (withdrawals ignored).
grep -v '|W|' "$T/updates.txt" >"$T/announced.txt"
"${MC[@]}" updates "$T/announced.txt" 127.0.70.11 >"$T/announced.json"
"${MT[@]}" compare "updates: every announcement" "$T/want.json" "$T/announced.json" ||
	fail "the updates files miss announcements of the full table"
"${MC[@]}" states "$T/updates.txt" >"$T/states.txt"
for peer in 127.0.70.11 127.0.70.12; do
	grep -qx "$peer 5 6" "$T/states.txt" || fail "no state change OpenConfirm -> Established for $peer: $(cat "$T/states.txt")"
	[[ $(grep "^$peer " "$T/states.txt" | tail -n 1) == "$peer 6 1" ]] ||
		fail "$peer's last state change is not Established -> Idle: $(cat "$T/states.txt")"
done
"${MC[@]}" paths "$T/updates.txt" 127.0.70.12 >"$T/ap_upd.txt"
diff "$T/ap_want.txt" "$T/ap_upd.txt" >&2 ||
	fail "the updates of the ADD-PATH plain peer differ from what it sent (above)"
n9=$("${MC[@]}" subtypes $(find "$MRT" -maxdepth 1 -type f -name 'updates.*') |
	awk '$1 == 16 && $2 == 9 {print $3}')
((${n9:-0} > 0)) || fail "no BGP4MP_MESSAGE_AS4_ADDPATH record in the updates files"
say "ADD-PATH plain peer: $n9 BGP4MP_MESSAGE_AS4_ADDPATH records, both paths of every prefix"
say "state changes recorded: $(tr '\n' ';' <"$T/states.txt")"
say "PASS"
