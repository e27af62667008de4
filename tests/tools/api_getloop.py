#!/usr/bin/env python3
"""api_getloop.py — GET one URL of muxd's API over and over, as a busy
dashboard would, until killed (SIGTERM) or --count answers.

    api_getloop.py URL [--count N]

One keep-alive connection (a new one if muxd closes it); every answer is
read to its end, following no Link. On exit prints one JSON line:
{"gets", "bytes", "p50_ms", "max_ms", "errors"}.

Python 3 stdlib only.
"""
import argparse
import http.client
import json
import signal
import sys
import time
import urllib.parse

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    u = urllib.parse.urlsplit(a.url)
    path = u.path + ("?" + u.query if u.query else "")
    conn, took, size, errors = None, [], 0, 0
    while not stop and (a.count == 0 or len(took) < a.count):
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            t0 = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            size += len(r.read())
            took.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            if conn:
                conn.close()
            conn = None
            time.sleep(0.1)
    took.sort()
    print(json.dumps({"gets": len(took), "bytes": size,
                      "p50_ms": round(took[len(took) // 2], 3) if took else 0.0,
                      "max_ms": round(took[-1], 3) if took else 0.0, "errors": errors}),
          flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
