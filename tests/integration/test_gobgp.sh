#!/usr/bin/env bash
# Core engine against GoBGP: muxd as the active and as the passive side, GoBGP's
# generated routes (V4 + V6 each) in routes.json attribute by attribute, a
# withdrawal, SIGTERM seen by GoBGP as Cease/Administrative Shutdown, and a
# clean tshark decode of everything on the wire. Addresses: 127.0.20.0/24.
. "$(dirname "$0")/lib.sh"
daemon_scenario gobgp 65020 20
