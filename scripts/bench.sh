#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other, all output shown.
#   scripts/bench-decode.sh   UPDATE decoding speed (when present)
#   scripts/bench-stream.sh   the live stream's cost per UPDATE
#   scripts/bench-fanout.sh   full-table fan-out: bgpmux, BIRD 2, loopback floor
#   scripts/bench-provision.sh  10,000 provisioning calls; routes while clients list
#   scripts/bench-dataplane.sh  1,000,000 routes into a kernel table, bgpmux and
#                               BIRD 2; iperf3 through the mux and without it
#   scripts/bench-scale.sh    M upstreams × 1M paths (M = 1 2 4 8), 999 × 1,000,
#                               a join storm of 256 clients: time, memory per
#                               path, CPU, bgpmux and BIRD 2
#   scripts/bench-upgrade.sh  upgrade in place with 1M paths and 16 clients:
#                               signal to serving, state bytes; a restart
#   scripts/bench-scaleout.sh  a view host and two instance hosts (network
#                               namespaces) beside one machine: 4 × 1M paths
#                               to 32 clients, time, CPU and memory per host
# A benchmark that fails is reported and the next one still runs; the exit
# status is 0 either way (figures, not a test).
cd "$(dirname "$0")/.." || exit 1

for bench in scripts/bench-decode.sh scripts/bench-stream.sh scripts/bench-fanout.sh \
    scripts/bench-provision.sh scripts/bench-dataplane.sh scripts/bench-scale.sh \
    scripts/bench-upgrade.sh scripts/bench-scaleout.sh; do
	if [ ! -x "$bench" ]; then
		[ -e "$bench" ] && echo "bench: $bench is not executable; skipped" >&2
		continue
	fi
	echo "==> $bench"
	"$bench" || echo "bench: $bench exited with status $?" >&2
	echo
done
exit 0
