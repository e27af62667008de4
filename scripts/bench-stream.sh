#!/usr/bin/env bash
# The live stream's cost per UPDATE on one core (tests/tools/bench_stream.c):
# decode alone, then decode + RIS Live view + 10 subscriptions matched +
# the JSON rendered once; three runs.
cd "$(dirname "$0")/.." || exit 1
make -s build/tools/bench_stream || exit 1
for i in 1 2 3; do build/tools/bench_stream -n 500000 -s 10; done
