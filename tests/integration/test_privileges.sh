#!/usr/bin/env bash
# alone: creates and deletes the user bgpmuxtest (/etc/passwd, as test_deb's dpkg does)
# Least privilege and the seccomp filter (docs/security.md). muxd (the test
# build, build/muxd-hooks) starts as root with "user" and "dataplane" in a
# network namespace of its own, with an upstream BIRD in another:
#   - a user that does not exist is refused at start, naming $.user;
#   - /proc/PID/status: the user's uid and gid, CapEff = CapPrm = CapBnd =
#     CAP_NET_BIND_SERVICE + CAP_NET_ADMIN, nothing inheritable or ambient,
#     NoNewPrivs 1, Seccomp 2 (filter);
#   - after the drop: the upstream session comes up and its routes arrive
#     (routes.json, written by a forked child), the data plane installs its
#     default route (CAP_NET_ADMIN), MRT writes update and RIB files as the
#     user, the API answers, and a reload that adds a peer with a new local
#     address listens on port 179 (CAP_NET_BIND_SERVICE) and adds an
#     upstream with an instance: its macvlan mux2 with its address, rule,
#     default route and IPv4 settings (arp_ignore, arp_announce, rp_filter:
#     netlink, as the user cannot write /proc/sys);
#   - SIGWINCH (the test hook) makes muxd call execve: the filter kills it
#     with SIGSYS (wait status 128+31), and the kernel's audit line names
#     the call when the kernel log can be read.
# Addresses (inside the test's own namespaces only): 10.202.0.0/24 the
# client-facing link (a veth pair) (instances .11 and, from the reload,
# .12), 10.202.1.0/24 mux–isp (mux .1, isp .2; .3 the reload's upstream,
# which never answers), 10.202.2.1 the reload's new local address.
V4=${V4:-200}
V6=${V6:-0}
. "$(dirname "$0")/lib.sh"

TAG=prv-$$
NS_M=$TAG-mux
NS_I=$TAG-isp
MUX_NS=$NS_M
MUX_ADDR=10.202.1.1
MUXD_CMD=("${MUXD_HOOKS:-$ROOT/build/muxd-hooks}")
[[ -x ${MUXD_CMD[0]} ]] || fail "no ${MUXD_CMD[0]} (make builds it)"
# The user muxd becomes; made for the test when missing, and then removed.
PRIV_USER=bgpmuxtest
MADE_USER=0

priv_cleanup() {
	local rc=$?
	[[ -n ${MUX_PID:-} ]] && running "$MUX_PID" && stop_pid "$MUX_PID" TERM 5
	((MADE_USER)) && { userdel "$PRIV_USER" || say "cannot remove user $PRIV_USER"; }
	(exit "$rc")
	cleanup
}
trap priv_cleanup EXIT

if ! id -u "$PRIV_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$PRIV_USER" ||
		fail "cannot create the user $PRIV_USER"
	MADE_USER=1
fi
PRIV_UID=$(id -u "$PRIV_USER")
PRIV_GID=$(id -g "$PRIV_USER")
chmod 755 "$T"          # the user reaches its state_dir and reads the config

# ---------------------------------------------------------------- set-up
netns_add "$NS_M"
netns_add "$NS_I"
ip -n "$NS_M" link add up-isp type veth peer name eth0 netns "$NS_I" ||
	fail "cannot create the veth pair"
ip -n "$NS_M" addr add 10.202.1.1/24 dev up-isp
ip -n "$NS_I" addr add 10.202.1.2/24 dev eth0
ip -n "$NS_M" link add vnets0 type veth peer name vnets0-far || fail "cannot create vnets0"
ip -n "$NS_M" addr add 10.202.0.1/24 dev vnets0
ip -n "$NS_M" addr add 10.202.2.1/32 dev lo
for l in up-isp vnets0 vnets0-far; do ip -n "$NS_M" link set "$l" up; done
ip -n "$NS_I" link set eth0 up
ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1

peer_add isp bird 10.202.1.2 65010 1 passive
PEER_NS[isp]=$NS_I
PEER_DIRECT[isp]=1
bird_start isp

# mux_json FILE USER [PEER] — one upstream with the data plane, MRT, API;
# PEER adds a plain peer whose local address is 10.202.2.1 and a second
# upstream (id 2, instance 10.202.0.12) with no one at its address.
mux_json() {
	python3 - "$@" "$T/var" <<'PY' || fail "cannot write $1"
import json, sys
out, user, peer, state = sys.argv[1], sys.argv[2], len(sys.argv) > 4, sys.argv[-1]
cfg = {"asn": 65000, "router_id": "192.0.2.1", "state_dir": state, "listen_port": 179,
       "user": user,
       "upstreams": [{"name": "isp", "id": 1, "families": ["ipv4-unicast"],
                      "peer": {"address": "10.202.1.2", "asn": 65010},
                      "local_address": "10.202.1.1",
                      "instance": {"address": "10.202.0.11", "next_hop": "self"}}],
       "peers": [], "api": {"listen": "127.0.0.1:8179"},
       "mrt": {"rib_interval": 2, "updates_interval": 2, "compress": "none"},
       "dataplane": {"client_interface": "vnets0"}}
if peer:
    cfg["peers"].append({"name": "late", "peer": {"address": "10.202.2.2", "asn": 65020},
                         "local_address": "10.202.2.1", "passive": True})
    cfg["upstreams"].append({"name": "isp2", "id": 2, "families": ["ipv4-unicast"],
                             "peer": {"address": "10.202.1.3", "asn": 65030},
                             "local_address": "10.202.1.1", "passive": True,
                             "instance": {"address": "10.202.0.12", "next_hop": "self"}})
json.dump(cfg, open(out, "w"), indent=2)
PY
}

# ------------------------------------------------------- a missing user
mkdir -p "$T/var"
mux_json "$T/nouser.json" "nosuchuser$$"
ns_exec "$NS_M"
"${NSX[@]}" timeout 20 "${MUXD_CMD[@]}" --config "$T/nouser.json" >"$T/nouser.log" 2>&1 &&
	fail "muxd started with a user that does not exist"
grep -q "\$\.user: no user \"nosuchuser$$\"" "$T/nouser.log" ||
	{ cat "$T/nouser.log" >&2; fail "no error naming \$.user for a missing user"; }
say "refused at start: $(grep -o '\$\.user: no user "[^"]*" on this system' "$T/nouser.log")"

# ---------------------------------------------------------------- muxd
mux_json "$T/muxd.json" "$PRIV_USER"
mux_start "$T/muxd.json"
wait_until 20 "muxd to drop its privileges" mux_log_has "user: running as $PRIV_USER"

status_field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$MUX_PID/status"; }
# CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12)
want_caps=0000000000001400
[[ $(status_field Uid) == "$PRIV_UID $PRIV_UID $PRIV_UID $PRIV_UID" ]] ||
	fail "Uid is $(status_field Uid), not $PRIV_UID everywhere"
[[ $(status_field Gid) == "$PRIV_GID $PRIV_GID $PRIV_GID $PRIV_GID" ]] ||
	fail "Gid is $(status_field Gid), not $PRIV_GID everywhere"
for f in CapEff CapPrm CapBnd; do
	[[ $(status_field $f) == "$want_caps" ]] ||
		fail "$f is $(status_field $f) ($(capsh --decode="$(status_field $f)")), not $want_caps"
done
for f in CapInh CapAmb; do
	[[ $(status_field $f) == 0000000000000000 ]] || fail "$f is $(status_field $f), not empty"
done
[[ $(status_field NoNewPrivs) == 1 ]] || fail "NoNewPrivs is $(status_field NoNewPrivs)"
[[ $(status_field Seccomp) == 2 ]] || fail "Seccomp is $(status_field Seccomp), not 2 (filter)"
say "muxd runs as $PRIV_USER ($PRIV_UID:$PRIV_GID) with $(capsh --decode=$want_caps | cut -d= -f2), no_new_privs, seccomp filter"

# --------------------------------------------- what muxd does after the drop
wait_until 60 "the upstream session" \
	mux_log_has "view isp peer 10\.202\.1\.2: OpenConfirm -> Established"
# view_holds N — routes.json (a forked child's, after SIGUSR1) has N
# routes in the view isp.
view_holds() {
	mux_dump && python3 -c '
import json, sys
views = json.load(open(sys.argv[1]))["views"]
sys.exit(0 if [v["route_count"] for v in views if v["name"] == "isp"] == [int(sys.argv[2])] else 1)
' "$ROUTES_JSON" "$1"
}
wait_until 60 "the view to hold the upstream's $V4 routes" view_holds "$V4"
default_route() {
	ip -n "$NS_M" route show table 20001 proto 113 | matches "^default via 10.202.1.2"
}
wait_until 20 "the data plane's default route in table 20001" default_route
api_status() { ip netns exec "$NS_M" curl -sf --max-time 5 http://127.0.0.1:8179/api/v1/status; }
api_status | matches '"asn":65000' || fail "the API does not answer"
mrt_written() {
	local f
	for f in "$T"/var/mrt/"$1".*; do
		[[ -s $f && $(stat -c %u "$f") == "$PRIV_UID" ]] && return 0
	done
	return 1
}
wait_until 20 "an MRT updates file written by $PRIV_USER" mrt_written updates
wait_until 20 "an MRT RIB file written by $PRIV_USER" mrt_written bview
# Every file, the first updates file too (its records came before any
# rotation), is the user's: none was made as root before the drop.
others=$(find "$T/var/mrt" -mindepth 1 ! -uid "$PRIV_UID" -printf '%f (uid %U) ')
[[ -z $others ]] || fail "files in mrt/ not owned by $PRIV_USER: $others"
say "after the drop: session up, $V4 routes, default route in table 20001, API, MRT files"

mux_json "$T/muxd.json" "$PRIV_USER" peer
mark=$(mux_log_lines)
kill -HUP "$MUX_PID"
wait_until 20 "muxd to reload" mux_log_since "$mark" "reloaded "
wait_until 10 "muxd to listen on 10.202.2.1:179 after the reload" listening 10.202.2.1 179 "$NS_M"
! mux_log_since "$mark" "cannot|Permission denied" || fail "the reload logged an error: $(tail -n +"$((mark + 1))" "$MUX_LOG" | grep -E 'cannot|Permission denied')"
# mux2_ready — the reload's instance: macvlan, address, rule, default
# route, and the IPv4 settings muxd set through netlink as $PRIV_USER.
mux2_ready() {
	ip -n "$NS_M" -o link show mux2 2>/dev/null | matches 'link/ether 02:62:6d:78:00:02 ' &&
		ip -n "$NS_M" -o addr show dev mux2 | matches ' 10\.202\.0\.12/32 ' &&
		ip -n "$NS_M" rule show | matches '^1000:.* iif mux2 lookup 20002' &&
		ip -n "$NS_M" route show table 20002 proto 113 | matches '^default via 10\.202\.1\.3'
}
wait_until 10 "the reload's upstream to get mux2, its address, rule and default route" mux2_ready
conf=$(ip netns exec "$NS_M" sh -c 'cd /proc/sys/net/ipv4/conf/mux2 && cat arp_ignore arp_announce rp_filter' | tr '\n' ' ')
[[ $conf == "1 2 2 " ]] || fail "mux2's arp_ignore, arp_announce, rp_filter are $conf, not 1 2 2"
! mux_log_since "$mark" "refused" || fail "the reload's data plane logged a refusal: $(tail -n +"$((mark + 1))" "$MUX_LOG" | grep refused)"
say "reload: a new listener on 10.202.2.1:179; upstream isp2's mux2 with 10.202.0.12, its rule, default route and arp_ignore/arp_announce/rp_filter $conf(netlink, as $PRIV_USER)"

# ------------------------------------------------------- a forbidden call
kill -WINCH "$MUX_PID"
wait_until 10 "muxd to die of its forbidden call" eval '! running "$MUX_PID"'
wait "$MUX_PID"
rc=$?
((rc == 128 + 31)) || fail "muxd ended with status $rc, not $((128 + 31)) (SIGSYS)"
if dmesg >/dev/null 2>&1; then
	line=$(dmesg | grep -E "audit: type=1326 .* pid=$MUX_PID .* sig=31 .* syscall=59 " | tail -n 1)
	[[ -n $line ]] || fail "the kernel logged no seccomp kill of pid $MUX_PID (execve, syscall 59)"
	say "kernel: ${line#*audit: }"
else
	say "the kernel log cannot be read here (dmesg refused): the wait status alone shows SIGSYS"
fi
say "SIGWINCH: muxd called execve and the filter killed it (wait status $rc: SIGSYS)"
MUX_PID=
