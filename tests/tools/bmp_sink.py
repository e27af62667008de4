#!/usr/bin/env python3
"""bmp_sink.py — a BMP collector that only counts (for the fan-out
benchmark): listens on ADDR PORT, accepts connections one after the other,
reads as fast as it can, counts messages by type from the common header
(RFC 7854 §4.1) and bytes; on SIGTERM or SIGINT prints one JSON line:
{"connections", "bytes", "messages": {type name: count}} and exits.

  bmp_sink.py ADDR PORT
"""
import json
import signal
import socket
import struct
import sys

TYPES = {0: "route_monitoring", 1: "stats", 2: "peer_down", 3: "peer_up",
         4: "initiation", 5: "termination"}
stats = {"connections": 0, "bytes": 0, "messages": {}}


def done(*_):
    print(json.dumps(stats), flush=True)
    sys.exit(0)


def serve(conn):
    buf = b""
    while True:
        data = conn.recv(1 << 20)
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
            off += length
        buf = buf[off:]


def main():
    signal.signal(signal.SIGTERM, done)
    signal.signal(signal.SIGINT, done)
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
