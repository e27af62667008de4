#!/usr/bin/env python3
"""bmp_sink.py — a BMP collector that only counts (for the fan-out
benchmark): listens on ADDR PORT, accepts connections one after the other,
reads as fast as it can, counts messages by type from the common header
(RFC 7854 §4.1) and bytes; on SIGTERM or SIGINT prints one JSON line:
{"connections", "bytes", "messages": {type name: count}, "cpu_s": the CPU
seconds it used} and exits.
With --routes it also counts the prefixes Route Monitoring announces and
withdraws (IPv4 NLRI, MP_REACH/MP_UNREACH; no ADD-PATH), per "epoch": a
new epoch starts at every Peer Up, so what a collector was sent after a
session came back is "epochs"[-1]. SIGUSR1 prints the same line and goes on
(a test polls what the collector has so far). With --kbps N it reads at
most N KiB a second through a 256 KiB receive buffer (a collector that
falls behind: the exporter's queue for it grows, as a slow collector's
would).

  bmp_sink.py ADDR PORT [--routes] [--kbps N]
"""
import json
import os
import signal
import socket
import struct
import sys
import time

TYPES = {0: "route_monitoring", 1: "stats", 2: "peer_down", 3: "peer_up",
         4: "initiation", 5: "termination"}
stats = {"connections": 0, "bytes": 0, "messages": {}}
ROUTES = "--routes" in sys.argv[3:]
KBPS = (int(sys.argv[sys.argv.index("--kbps") + 1])
        if "--kbps" in sys.argv[3:] else 0)
if ROUTES:
    stats["epochs"] = [{"announced": 0, "withdrawn": 0}]


def prefixes(data, off, end):
    """How many prefixes (length octet + address bytes) lie in data[off:end]."""
    n = 0
    while off < end:
        off += 1 + (data[off] + 7) // 8
        n += 1
    return n


def count_routes(msg):
    """A Route Monitoring message: its UPDATE's prefixes into the epoch."""
    epoch = stats["epochs"][-1]
    bgp = msg[6 + 42:]
    if len(bgp) < 23 or bgp[18] != 2:
        return
    wlen = struct.unpack_from(">H", bgp, 19)[0]
    epoch["withdrawn"] += prefixes(bgp, 21, 21 + wlen)
    alen = struct.unpack_from(">H", bgp, 21 + wlen)[0]
    a, aend = 23 + wlen, 23 + wlen + alen
    epoch["announced"] += prefixes(bgp, aend, len(bgp))
    while a < aend:
        flags, code = bgp[a], bgp[a + 1]
        if flags & 0x10:
            ln, a = struct.unpack_from(">H", bgp, a + 2)[0], a + 4
        else:
            ln, a = bgp[a + 2], a + 3
        if code == 14:          # AFI, SAFI, next hop, reserved, NLRI
            nh = bgp[a + 3]
            epoch["announced"] += prefixes(bgp, a + 5 + nh, a + ln)
        elif code == 15:        # AFI, SAFI, withdrawn NLRI
            epoch["withdrawn"] += prefixes(bgp, a + 3, a + ln)
        a += ln


def done(*_):
    t = os.times()
    stats["cpu_s"] = round(t.user + t.system, 3)
    print(json.dumps(stats), flush=True)
    sys.exit(0)


def snapshot(*_):
    print(json.dumps(stats), flush=True)


def serve(conn):
    buf = b""
    while True:
        if KBPS:                # 64 KiB at a time, paced
            time.sleep(64 / KBPS)
        data = conn.recv(64 << 10 if KBPS else 1 << 20)
        if not data:
            return
        stats["bytes"] += len(data)
        buf += data
        off = 0
        while len(buf) - off >= 6:
            _, length, kind = struct.unpack_from(">BIB", buf, off)
            if length < 6 or len(buf) - off < length:
                break
            name = TYPES.get(kind, str(kind))
            stats["messages"][name] = stats["messages"].get(name, 0) + 1
            if ROUTES and kind == 3 and stats["messages"][name] > 1:
                stats["epochs"].append({"announced": 0, "withdrawn": 0})
            if ROUTES and kind == 0:
                count_routes(buf[off:off + length])
            off += length
        buf = buf[off:]


def main():
    signal.signal(signal.SIGTERM, done)
    signal.signal(signal.SIGINT, done)
    signal.signal(signal.SIGUSR1, snapshot)
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if KBPS:                    # a small window: the backlog stays the sender's
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(4)
    print("listening", file=sys.stderr, flush=True)
    while True:
        conn, _ = s.accept()
        stats["connections"] += 1
        serve(conn)
        conn.close()


if __name__ == "__main__":
    main()
