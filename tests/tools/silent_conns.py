#!/usr/bin/env python3
"""silent_conns.py — TCP connections that never send a byte, to see what a
server does with them (tests/integration/test_open_timeout.sh,
test_fd_limits.sh).

  silent_conns.py --dst ADDR:PORT --src ADDR [--src ADDR]... --per-source N
                  [--hold SECONDS] [--status FILE]

Opens N connections from each source address (in turn: one from each, then
the next round), never sends anything, and reads (discarding) whatever the
server sends, noting when the server closes each one. A connection that
cannot be opened (refused, timed out) is counted. Once all are tried it
writes to FILE (if given) and stdout one JSON line:
  {"opened": N, "failed": N}
then waits until every opened connection is closed by the server, or
--hold seconds (default 60) have passed, or SIGTERM, and prints:
  {"opened": N, "failed": N, "closed_by_server": N,
   "first_close_s": S, "last_close_s": S}
(seconds since all were opened; null when none closed).
"""
import argparse
import json
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--per-source", type=int, default=1)
    ap.add_argument("--hold", type=float, default=60)
    ap.add_argument("--status")
    a = ap.parse_args()
    host, port = a.dst.rsplit(":", 1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    sel = selectors.DefaultSelector()
    opened = failed = 0
    for _ in range(a.per_source):
        for src in a.src:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(3)
            try:
                s.bind((src, 0))
                s.connect((host, int(port)))
            except OSError:
                failed += 1
                s.close()
                continue
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            opened += 1
    line = json.dumps({"opened": opened, "failed": failed})
    print(line, flush=True)
    if a.status:
        with open(a.status, "w") as f:
            f.write(line + "\n")

    t0 = time.time()
    closes = []
    while len(closes) < opened and not stop and time.time() - t0 < a.hold:
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                closes.append(time.time() - t0)
                sel.unregister(key.fileobj)
                key.fileobj.close()
    print(json.dumps({"opened": opened, "failed": failed,
                      "closed_by_server": len(closes),
                      "first_close_s": round(min(closes), 2) if closes else None,
                      "last_close_s": round(max(closes), 2) if closes else None}),
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
