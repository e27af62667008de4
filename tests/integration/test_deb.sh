#!/usr/bin/env bash
# alone: dpkg -i/-r on the real root (user bgpmux, /etc/bgpmux), make deb in the shared tree
# The Debian package, installed on this machine and taken away again:
#   - make deb builds bgpmux_VERSION_amd64.deb from the tree's build, and
#     lintian finds no error in it (its warnings are listed);
#   - dpkg -i: muxd and muxctl report the package's version, the bgpmux
#     system user owns /var/lib/bgpmux, the sample /etc/bgpmux/muxd.json
#     passes muxd --check-config, the manuals and the bash completion are
#     in place;
#   - systemd-analyze verify finds nothing in the installed unit, and
#     systemd-analyze security --offline rates its exposure at most 2.0;
#   - the installed muxd, run as the unit runs it (user bgpmux, ambient
#     capabilities), binds port 179, keeps its store in /var/lib/bgpmux and
#     speaks systemd's notification protocol: READY=1 once its BGP listener
#     and API answer, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on
#     SIGTERM;
#   - dpkg -r leaves nothing of the package but /etc/bgpmux and
#     /var/lib/bgpmux; dpkg --purge takes those too.
# The machine is left as it was: the package purged, and the bgpmux user
# (which Debian's purge keeps, and so does this package's) deleted when
# this test's install created it. It refuses to run where bgpmux is
# installed, or its user, /etc/bgpmux or /var/lib/bgpmux exist already
# with no package.
# Addresses: 127.0.186.0/24 (the installed muxd 127.0.186.1, API :8186).
. "$(dirname "$0")/lib.sh"

MUX_ADDR=127.0.186.1
MAX_EXPOSURE=2.0
DEB_USER_CREATED=0

deb_installed() { dpkg-query -W -f='${Status}' bgpmux 2>/dev/null | matches 'installed'; }
deb_known() { dpkg-query -W -f='${Status}' bgpmux >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' bgpmux | matches 'not-installed'; }

# Puts the machine back, whatever happened: the package purged, our user gone.
deb_restore() {
	if deb_known; then
		dpkg --purge bgpmux >>"$T/dpkg.log" 2>&1 || say "cannot purge bgpmux (see $T/dpkg.log)"
	fi
	if ((DEB_USER_CREATED)) && getent passwd bgpmux >/dev/null; then
		userdel bgpmux 2>/dev/null || say "cannot delete the user bgpmux"
		getent group bgpmux >/dev/null && groupdel bgpmux 2>/dev/null
	fi
}
trap 'rc=$?; deb_restore; (exit $rc); cleanup' EXIT

deb_known && fail "bgpmux is installed on this machine: this test installs and purges its own"
for p in /etc/bgpmux /var/lib/bgpmux; do
	[[ -e $p ]] && fail "$p exists with no package: this test would remove it"
done
getent passwd bgpmux >/dev/null || DEB_USER_CREATED=1

# ------------------------------------------------------------------ build

t0=$SECONDS
make -C "$ROOT" deb >"$T/make-deb.log" 2>&1 || { tail -20 "$T/make-deb.log" >&2; fail "make deb failed"; }
deb_secs=$((SECONDS - t0))
version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
DEB=$ROOT/build/bgpmux_${version}_amd64.deb
[[ -f $DEB ]] || fail "make deb made no $DEB: $(ls "$ROOT"/build/*.deb 2>&1)"
say "make deb: $(basename "$DEB") in ${deb_secs}s"

lintian --no-tag-display-limit "$DEB" >"$T/lintian.log" 2>&1
matches '^E: ' <"$T/lintian.log" && fail "lintian errors: $(grep '^E: ' "$T/lintian.log")"
say "lintian: no error; warnings: $(grep -c '^W: ' "$T/lintian.log")$(grep '^W: ' "$T/lintian.log" | sed 's/^/; /' | tr -d '\n')"

# What the package holds that this machine does not have yet: all of it
# must go with dpkg -r, but the configuration and the state directory.
dpkg-deb --fsys-tarfile "$DEB" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^$' >"$T/contents"
while read -r p; do [[ -e $p ]] || echo "$p"; done <"$T/contents" >"$T/new"

# ---------------------------------------------------------------- install

dpkg -i "$DEB" >>"$T/dpkg.log" 2>&1 || fail "dpkg -i failed: $(tail -5 "$T/dpkg.log")"
deb_installed || fail "dpkg says bgpmux is not installed after dpkg -i"
[[ $(/usr/sbin/muxd --version) == "muxd $version" ]] || fail "muxd --version: $(/usr/sbin/muxd --version)"
[[ $(/usr/sbin/muxctl --version) == "muxctl $version" ]] || fail "muxctl --version: $(/usr/sbin/muxctl --version)"
uid=$(id -u bgpmux) || fail "no bgpmux user after dpkg -i"
((uid < 1000)) || fail "bgpmux is not a system user (uid $uid)"
[[ $(stat -c '%U:%G %a' /var/lib/bgpmux) == "bgpmux:bgpmux 750" ]] ||
	fail "/var/lib/bgpmux: $(stat -c '%U:%G %a' /var/lib/bgpmux)"
[[ $(stat -c '%U:%G %a' /etc/bgpmux/muxd.json) == "root:bgpmux 640" ]] ||
	fail "/etc/bgpmux/muxd.json: $(stat -c '%U:%G %a' /etc/bgpmux/muxd.json)"
dpkg-query -W -f='${Conffiles}' bgpmux | matches ' /etc/bgpmux/muxd.json ' ||
	fail "/etc/bgpmux/muxd.json is not a conffile"
/usr/sbin/muxd --check-config /etc/bgpmux/muxd.json >"$T/check.log" 2>&1 ||
	fail "muxd --check-config /etc/bgpmux/muxd.json: $(cat "$T/check.log")"
for page in man8/muxd.8 man8/muxctl.8 man5/muxd.json.5; do
	out=$(MANWIDTH=80 man -l "/usr/share/man/$page.gz" 2>&1 >/dev/null)
	[[ -z $out ]] || fail "man -l $page: $out"
done
[[ -f /usr/share/bash-completion/completions/muxctl ]] || fail "no bash completion for muxctl"
bash -c '. /usr/share/bash-completion/completions/muxctl' 2>/dev/null ||
	fail "the bash completion does not load"
say "installed: muxd $version, user bgpmux (uid $uid) owns /var/lib/bgpmux, the sample configuration passes --check-config, 3 manuals render"

# ------------------------------------------------------------------- unit

UNIT=/lib/systemd/system/bgpmux.service
out=$(systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify: $out"
[[ -z $out ]] || fail "systemd-analyze verify says: $out"
systemd-analyze security --offline=true "$UNIT" >"$T/security.log" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for bgpmux.service: \([0-9.]*\).*/\1/p' "$T/security.log")
[[ -n $exposure ]] || fail "no exposure in systemd-analyze security: $(tail -3 "$T/security.log")"
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
	fail "exposure $exposure > $MAX_EXPOSURE: $(grep '✗' "$T/security.log")"
say "unit: systemd-analyze verify clean; exposure $exposure (at most $MAX_EXPOSURE)"

# ------------------------------------------------------ the installed muxd

# As the unit runs it: user bgpmux with the unit's ambient capabilities,
# its state in /var/lib/bgpmux (what dpkg -r must then leave).
claim_addrs "$MUX_ADDR"
chmod 711 "$T"
mkdir -m 755 "$T/run"
cat >"$T/run/muxd.json" <<JSON
{"asn": 65000, "router_id": "192.0.2.1", "state_dir": "/var/lib/bgpmux",
 "api": {"listen": "$MUX_ADDR:8186"},
 "peers": [{"name": "p", "peer": {"address": "127.0.186.11", "asn": 65186},
            "local_address": "$MUX_ADDR", "passive": true}]}
JSON
chmod 644 "$T/run/muxd.json"
spawn notify "$T/notify.out" python3 "$TOOLS/notify_sink.py" "$T/run/notify" "$T/notify.log"
wait_until 10 "the notification socket" test -S "$T/run/notify"
api_answers() { curl -s -o /dev/null --max-time 2 "http://$MUX_ADDR:8186/api/v1/status"; }
notified() { [[ $(grep -c -- "$1" "$T/notify.log" 2>/dev/null) -ge $2 ]]; }
# READY=1 must not come before the listeners: check them the moment it does
ready_and_listening() {
	notified READY=1 1 || return 1
	listening "$MUX_ADDR" 179 && api_answers || echo early >"$T/early"
	return 0
}
caps=+net_bind_service,+net_admin
NOTIFY_SOCKET=$T/run/notify spawn muxd "$T/muxd.log" setpriv --reuid bgpmux --regid bgpmux \
	--init-groups --inh-caps "$caps" --ambient-caps "$caps" \
	/usr/sbin/muxd --config "$T/run/muxd.json"
MUX_PID=$LAST_PID
wait_until 30 "READY=1 from the installed muxd" ready_and_listening
[[ -e $T/early ]] && fail "READY=1 came before muxd listened on $MUX_ADDR:179 and its API answered"
[[ $(ps -o user= -p "$MUX_PID") == bgpmux ]] || fail "muxd runs as $(ps -o user= -p "$MUX_PID")"
# Without a data plane muxd keeps CAP_NET_BIND_SERVICE (bit 10) alone of
# what the unit gave it, and passes nothing on (ambient, inheritable empty).
for f in CapEff:0000000000000400 CapPrm:0000000000000400 CapInh:0000000000000000 \
    CapAmb:0000000000000000 NoNewPrivs:1 Seccomp:2; do
	grep -qx "${f%%:*}:[[:space:]]*${f#*:}" "/proc/$MUX_PID/status" ||
		fail "muxd as bgpmux: want ${f%%:*} ${f#*:}: $(grep "^${f%%:*}:" "/proc/$MUX_PID/status")"
done
kill -HUP "$MUX_PID"
wait_until 20 "RELOADING=1 then READY=1 after SIGHUP" notified READY=1 2
sed -n 2,3p "$T/notify.log" | tr '\n' ' ' | matches -x 'RELOADING=1 READY=1 ' ||
	fail "reload notifications: $(cat "$T/notify.log")"
stop_pid "$MUX_PID" TERM 15 || fail "muxd did not stop on SIGTERM"
notified STOPPING=1 1 || fail "no STOPPING=1: $(cat "$T/notify.log")"
[[ $(stat -c %U /var/lib/bgpmux/bgpmux.db) == bgpmux ]] || fail "no store of bgpmux's in /var/lib/bgpmux"
say "sd_notify from muxd as bgpmux (port 179 by its ambient capability): $(tr '\n' ' ' <"$T/notify.log")"

# ----------------------------------------------------- remove, then purge

dpkg -r bgpmux >>"$T/dpkg.log" 2>&1 || fail "dpkg -r failed: $(tail -5 "$T/dpkg.log")"
left=$(while read -r p; do [[ -e $p ]] && echo "$p"; done <"$T/new" |
	grep -vx -e /etc/bgpmux -e /etc/bgpmux/muxd.json -e /var/lib/bgpmux)
[[ -z $left ]] || fail "dpkg -r left: $left"
[[ -f /etc/bgpmux/muxd.json && -f /var/lib/bgpmux/bgpmux.db ]] ||
	fail "dpkg -r removed the configuration or muxd's state"
dpkg --purge bgpmux >>"$T/dpkg.log" 2>&1 || fail "dpkg --purge failed: $(tail -5 "$T/dpkg.log")"
for p in /etc/bgpmux /var/lib/bgpmux; do
	[[ -e $p ]] && fail "dpkg --purge left $p"
done
deb_known && fail "dpkg still knows bgpmux after --purge"
say "dpkg -r left only /etc/bgpmux and /var/lib/bgpmux of its $(wc -l <"$T/new") new paths; --purge took them"
say "PASS"
