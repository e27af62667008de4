#!/usr/bin/env bash
# test_man_keys.sh — muxd.json(5) documents exactly the keys the
# configuration parser accepts, object by object, and every manual
# renders without a warning.
#
#   tests/scripts/test_man_keys.sh MUXD MUXD_JSON_5_MD PAGE...
#
# The parser's side: `muxd --dump-config-keys FILE` prints each object it
# checks with the keys it accepts ("$.upstreams[].instance address port
# ..."), over configurations that hold every kind of object (the golden
# cases, the package's sample, man_keys.json). The manual's side: each
# "## `PATH`..." heading of the Markdown source names the objects whose
# keys follow, one "`key`" (or "`key`, `key`") per definition line.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MUXD=$1
DOC=$2
shift 2
T=$(mktemp -d /tmp/test_man_keys.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL test_man_keys: $*" >&2; exit 1; }

for f in "$ROOT"/tests/config/*.json "$ROOT"/packaging/muxd.json \
	"$ROOT"/tests/scripts/man_keys.json; do
	"$MUXD" --dump-config-keys "$f" >>"$T/parser" 2>"$T/err" ||
		fail "muxd --dump-config-keys $f: $(cat "$T/err")"
done
python3 - "$T/parser" "$DOC" <<'PY' || exit 1
import re, sys
parser = {}
for line in open(sys.argv[1]):
    path, *keys = line.split()
    parser.setdefault(path, set()).update(keys)
doc, paths = {}, []
for line in open(sys.argv[2]):
    if line.startswith("#"):
        paths = re.findall(r"`(\$[^`]*)`", line) if line.startswith("## ") else []
        for p in paths:
            doc.setdefault(p, set())
    elif paths and line.startswith("`"):
        head = re.match(r"((?:`[a-z0-9_]+`(?:, )?)+)", line)
        for p in paths:
            doc[p].update(re.findall(r"`([a-z0-9_]+)`", head.group(1)) if head else [])
bad = []
for p in sorted(set(parser) | set(doc)):
    if p not in doc:
        bad.append(f"{p}: the parser checks this object; muxd.json(5) has no section for it")
    elif p not in parser:
        bad.append(f"{p}: muxd.json(5) documents it; no configuration of the test has one (add it to tests/scripts/man_keys.json)")
    else:
        bad += [f"{p}.{k}: accepted by the parser, missing from muxd.json(5)" for k in sorted(parser[p] - doc[p])]
        bad += [f"{p}.{k}: in muxd.json(5), refused by the parser" for k in sorted(doc[p] - parser[p])]
for b in bad:
    print("FAIL test_man_keys:", b, file=sys.stderr)
n = sum(len(k) for k in parser.values())
if not bad:
    print(f"keys: {n} keys of {len(parser)} objects, the same in the parser and muxd.json(5)")
sys.exit(1 if bad else 0)
PY

for page in "$@"; do
	out=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null) || fail "man -l $page failed: $out"
	[[ -z $out ]] || fail "man -l $page warns: $out"
	[[ $(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l) -gt 10 ]] || fail "man -l $page renders almost nothing"
done
echo "PASS test_man_keys ($# pages render without a warning)"
