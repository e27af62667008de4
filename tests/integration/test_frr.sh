#!/usr/bin/env bash
# Core engine against FRR bgpd: muxd as the active and as the passive side, FRR bgpd's
# generated routes (V4 + V6 each) in routes.json attribute by attribute, a
# withdrawal, SIGTERM seen by FRR bgpd as Cease/Administrative Shutdown, and a
# clean tshark decode of everything on the wire. Addresses: 127.0.30.0/24.
. "$(dirname "$0")/lib.sh"
daemon_scenario frr 65030 30
