#!/usr/bin/env bash
# test_doc_links.sh — no relative link or #anchor of the documentation
# (README.md, docs/, the manuals' sources, tests' READMEs) dangles, and the
# check itself catches a planted missing file and a planted missing anchor.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$ROOT/tests/scripts/doc_links.py
T=$(mktemp -d /tmp/test_doc_links.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL test_doc_links: $*" >&2; exit 1; }

cd "$ROOT" || fail "no $ROOT"
python3 "$CHECK" README.md docs/*.md docs/man/*.md tests/bench/README.md \
	tests/data/SOURCES.md >"$T/out" || fail "dangling links:
$(cat "$T/out")"

# plant TEXT EXPECTED-REGEX — a page holding TEXT must fail with that line.
plant() {
	mkdir -p "$T/docs" && echo "# A page" >"$T/docs/target.md"
	printf '# Planted\n\n%s\n' "$1" >"$T/docs/planted.md"
	if python3 "$CHECK" "$T/docs/planted.md" >"$T/out"; then
		fail "planted '$1': the check passed"
	fi
	grep -Eq "$2" "$T/out" || fail "planted '$1': no line like /$2/ in: $(cat "$T/out")"
}
plant 'See [it](missing.md).' 'planted\.md:3: missing\.md: no such file'
plant 'See [it](target.md#no-such-heading).' 'no heading with anchor #no-such-heading'
plant 'See [it](#planted-too).' 'no heading with anchor #planted-too'
printf '# A page\n\nSee [it](target.md#a-page), `[code](missing.md)`, [up](#a-page).\n' >"$T/docs/ok.md"
python3 "$CHECK" "$T/docs/ok.md" >"$T/out" || fail "a good page fails: $(cat "$T/out")"
echo "test_doc_links: every relative link and anchor resolves"
