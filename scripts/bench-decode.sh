#!/usr/bin/env bash
# UPDATE decoding speed: builds tests/tools/bench_decode and runs it on one
# core (1,000,000 IPv4 prefixes in ~10,000 realistic UPDATEs, full attribute
# decode and every prefix walked, 5 rounds; best and median reported).
# Extra arguments go to the tool: -n PREFIXES, -r ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/tools/bench_decode
pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c "$(( $(nproc) - 1 ))")
fi
exec "${pin[@]}" build/tools/bench_decode "$@"
