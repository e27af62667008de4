#!/usr/bin/env bash
# Core engine against BIRD 2: muxd as the active and as the passive side, BIRD 2's
# generated routes (V4 + V6 each) in routes.json attribute by attribute, a
# withdrawal, SIGTERM seen by BIRD 2 as Cease/Administrative Shutdown, and a
# clean tshark decode of everything on the wire. Addresses: 127.0.10.0/24.
. "$(dirname "$0")/lib.sh"
daemon_scenario bird 65010 10
