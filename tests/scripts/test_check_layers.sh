#!/usr/bin/env bash
# test_check_layers.sh — scripts/check-layers.sh passes on the tree and
# fails on planted violations, naming each (file, line, what it includes).
#
# The tree's rooms are copied to a temporary folder; each case plants one
# violation in the copy, runs the script there and checks its verdict and
# its line; the copy is restored before the next case.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/test_check_layers.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL test_check_layers: $*" >&2; exit 1; }

mkdir -p "$T/tree/scripts"
cp -r "$ROOT"/{muxd,views,instances,monitors,dataplane,web,muxctl} "$T/tree/"
cp "$ROOT/scripts/check-layers.sh" "$T/tree/scripts/"
[[ -f $ROOT/scripts/check-layers.known ]] && cp "$ROOT/scripts/check-layers.known" "$T/tree/scripts/"
find "$T/tree" -name '*.o' -delete
cp -r "$T/tree" "$T/clean"

check() { (cd "$T/tree" && scripts/check-layers.sh .) >"$T/out" 2>&1; }

check || fail "the tree itself does not pass: $(cat "$T/out")"

# plant FILE LINE-TO-ADD EXPECTED-REGEX — the line goes after FILE's first
# #include; the check must fail with a line matching the regex.
plant() {
	local file=$1 add=$2 want=$3
	rm -rf "$T/tree" && cp -r "$T/clean" "$T/tree"
	[[ -f $T/tree/$file ]] || fail "no $file in the tree to plant into"
	awk -v add="$add" '{print} !done && /^#include/ {print add; done = 1}' \
		"$T/tree/$file" >"$T/x" && mv "$T/x" "$T/tree/$file"
	if check; then
		fail "planted '$add' in $file: the check passed"
	fi
	grep -Eq "$want" "$T/out" || fail "planted '$add' in $file: no line like /$want/ in: $(cat "$T/out")"
	echo "ok: '$add' in $file: $(grep -E "$want" "$T/out" | head -1)"
}

plant muxd/bgp/bgp_msg.c '#include "web/api.h"' '^muxd/bgp/bgp_msg\.c:[0-9]+: bgp includes web/api\.h'
plant muxd/bgp/bgp_msg.c '#include <event2/event.h>' '^muxd/bgp/bgp_msg\.c:[0-9]+: bgp includes <event2/event\.h>'
plant muxd/bgp/bgp_msg.c '#include "muxd/lib/log.h"' '^muxd/bgp/bgp_msg\.c:[0-9]+: bgp includes muxd/lib/log\.h'
plant muxd/engine/fsm.c '#include "views/feed.h"' '^muxd/engine/fsm\.c:[0-9]+: engine includes views/feed\.h'
plant muxd/rib/adjrib.c '#include "muxd/engine/session.h"' '^muxd/rib/adjrib\.c:[0-9]+: rib includes muxd/engine/session\.h'
plant muxd/kernel/knl.c '#include "muxd/engine/session.h"' '^muxd/kernel/knl\.c:[0-9]+: kernel includes muxd/engine/session\.h'
plant muxd/kernel/kmsg.c '#include <event2/event.h>' '^muxd/kernel/kmsg\.c:[0-9]+: kernel includes <event2/event\.h>'
plant views/view.c '#include "muxd/kernel/knl.h"' '^views/view\.c:[0-9]+: views includes muxd/kernel/knl\.h'
plant views/feed.c '#include "instances/instance.h"' '^views/feed\.c:[0-9]+: feed includes instances/instance\.h'
plant instances/walk.c '#include "views/view.h"' '^instances/walk\.c:[0-9]+: instances includes views/view\.h'
plant monitors/bmp.c '#include "web/api.h"' '^monitors/bmp\.c:[0-9]+: monitors includes web/api\.h'
plant dataplane/dp_fib.c '#include "muxd/kernel/knl.h"' '^dataplane/dp_fib\.c:[0-9]+: dataplane includes muxd/kernel/knl\.h'
plant dataplane/dp_fib.c '#include "views/view.h"' '^dataplane/dp_fib\.c:[0-9]+: dataplane includes views/view\.h'
plant dataplane/dp_fib.c '#include "instances/instance_int.h"' '^dataplane/dp_fib\.c:[0-9]+: dataplane includes instances/instance_int\.h \(private to the instances room\)'
plant dataplane/dp_queue.c '#include <libmnl/libmnl.h>' '^dataplane/dp_queue\.c:[0-9]+: dataplane includes <libmnl/libmnl\.h>'
plant instances/gateway.c '#include "dataplane/dataplane.h"' '^instances/gateway\.c:[0-9]+: instances includes dataplane/dataplane\.h'
plant web/ws.c '#include "muxd/daemon.h"' '^web/ws\.c:[0-9]+: web includes muxd/daemon\.h'
plant web/instance_json.c '#include "instances/client_int.h"' '^web/instance_json\.c:[0-9]+: web includes instances/client_int\.h \(private to the instances room\)'
plant muxctl/table.c '#include "muxd/lib/log.h"' '^muxctl/table\.c:[0-9]+: cli includes muxd/lib/log\.h'

# A file in no room, and a known violation that is fixed, fail too.
rm -rf "$T/tree" && cp -r "$T/clean" "$T/tree"
mkdir -p "$T/tree/muxd/newroom" && echo '/* x */' >"$T/tree/muxd/newroom/x.c"
check && fail "a file in no room passed"
grep -q "muxd/newroom/x.c: in no room" "$T/out" || fail "no line for a file in no room: $(cat "$T/out")"
echo "ok: a file in no room"
rm -rf "$T/tree" && cp -r "$T/clean" "$T/tree"
echo 'muxd/bgp/bgp.c includes web/api.h' >>"$T/tree/scripts/check-layers.known"
check && fail "a fixed known violation passed"
grep -q 'is fixed: remove it' "$T/out" || fail "no line for a fixed known violation: $(cat "$T/out")"
echo "ok: a known violation that is gone"
echo "PASS test_check_layers"
