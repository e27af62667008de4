#!/usr/bin/env bash
# Installs what building and testing bgpmux needs, from Debian's packages.
# Idempotent: installs only what is missing. Needs root (CI is root).
set -euo pipefail

BUILD_PKGS=(build-essential pkg-config clang libclang-rt-14-dev
            libevent-dev libjansson-dev libsqlite3-dev zlib1g-dev check
            nettle-dev    # nettle: SHA-1 + base64 for the WebSocket handshake
            libmnl-dev    # libmnl: rtnetlink for the data plane (muxd/kernel/)
            pandoc        # pandoc: the manuals from docs/man/*.md (make man)
            debhelper     # debhelper: the Debian package (make deb, debian/)
            libcap-dev    # libcap: muxd keeps only the capabilities it needs (muxd/privdrop.c)
            libseccomp-dev)  # libseccomp: muxd's system call filter (muxd/sandbox.c)
# pmacct: its pmbmpd is the real BMP collector of test_bmp.
# curl: the API tests talk HTTP to muxd; chromium, nodejs, npm: the web UI
# test drives Debian's headless chromium with playwright-core from npm;
# python3-websockets: RIS Live clients of the live stream (test_stream)
# lintian: test_deb checks the package with Debian's own checker; man-db:
# test_man_keys renders each manual with man -l.
TEST_PKGS=(bird2 gobgpd frr exabgp tshark iproute2 python3 procps bgpdump curl
           chromium nodejs npm pmacct python3-websockets
           lintian
           man-db)
# `scripts/deps.sh bench` (make bench): the test packages and iperf3, the
# data plane benchmark's traffic (scripts/bench-dataplane.sh).
BENCH_PKGS=(iperf3)
if [ "${1:-}" = bench ]; then
	set -- "${TEST_PKGS[@]}" "${BENCH_PKGS[@]}"
fi

# Node.js may come from elsewhere (nodesource's nodejs bundles npm and
# conflicts with Debian's npm): a working npm is enough.
have_elsewhere() {
	case $1 in
	nodejs | npm) command -v npm >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

want=()
for p in "${BUILD_PKGS[@]}" "${@:-${TEST_PKGS[@]}}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		have_elsewhere "$p" || want+=("$p")
done
[ ${#want[@]} -eq 0 ] && exit 0

echo "deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages and not root: run 'sudo scripts/deps.sh'" >&2
	exit 1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
# The daemons' own services must not hold port 179 or run behind our backs.
for s in bird frr exabgp gobgpd pmacctd nfacctd sfacctd pmbmpd pmbgpd; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
	service "$s" stop >/dev/null 2>&1 || true
done
