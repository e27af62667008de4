#!/usr/bin/env bash
# Core engine against ExaBGP: muxd as the active and as the passive side, ExaBGP's
# generated routes (V4 + V6 each) in routes.json attribute by attribute, a
# withdrawal, SIGTERM seen by ExaBGP as Cease/Administrative Shutdown, and a
# clean tshark decode of everything on the wire. Addresses: 127.0.44.0/24.
. "$(dirname "$0")/lib.sh"
daemon_scenario exabgp 65040 44
