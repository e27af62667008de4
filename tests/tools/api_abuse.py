#!/usr/bin/env python3
"""api_abuse.py — what an attacker without the token does to muxd's API.

  api_abuse.py flood --api HOST:PORT --src ADDR --count N [--token T]
      N POST /api/v1/clients over keep-alive connections from ADDR, without
      a token (or with the wrong token T); prints
      {"count", "seconds", "per_second", "status": {code: n}}.
  api_abuse.py slow-headers --api HOST:PORT --src ADDR [--gap S] [--limit S]
      sends a request line, then one header line every S seconds (0.5);
      prints {"closed_after": seconds, "sent": header lines} when muxd
      closes the connection, or {"closed_after": null} after LIMIT (60) s.
  api_abuse.py slow-body --api HOST:PORT --src ADDR [--gap S] [--limit S]
      sends a POST's whole headers (Content-Length: 1000), then one body
      byte every S seconds; prints the same, timed from the end of the
      headers.
  api_abuse.py idle --api HOST:PORT --src ADDR [--limit S]
      one GET /api/v1/status on a kept-alive connection, then silence;
      prints {"closed_after": seconds after the answer}.

Python 3 stdlib only.
"""
import argparse
import http.client
import json
import socket
import time


def connect(a):
    host, port = a.api.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.src, 0))
    s.connect((host, int(port)))
    return s


class BoundConnection(http.client.HTTPConnection):
    """An HTTPConnection from a given source address."""

    def __init__(self, api, src):
        host, port = api.rsplit(":", 1)
        super().__init__(host, int(port), timeout=30, source_address=(src, 0))


def flood(a):
    headers = {"Content-Type": "application/json"}
    if a.token:
        headers["Authorization"] = "Bearer " + a.token
    conn, status = None, {}
    t0 = time.perf_counter()
    for i in range(a.count):
        body = json.dumps({"name": "intruder-%d" % i, "address": "198.18.0.%d" % (i % 250 + 1),
                           "asn": 64512, "upstreams": ["isp-a"]})
        for attempt in (0, 1):
            try:
                if conn is None:
                    conn = BoundConnection(a.api, a.src)
                conn.request("POST", "/api/v1/clients", body, headers)
                r = conn.getresponse()
                r.read()
                status[r.status] = status.get(r.status, 0) + 1
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                if attempt:
                    status["error"] = status.get("error", 0) + 1
    took = time.perf_counter() - t0
    print(json.dumps({"count": a.count, "seconds": round(took, 2),
                      "per_second": round(a.count / took), "status": status}))


def closed(s, wait):
    """True if the peer closed s within wait seconds (reading what comes)."""
    s.settimeout(wait)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def trickle(a, first, piece):
    s = connect(a)
    s.sendall(first)
    t0, sent = time.monotonic(), 0
    while time.monotonic() - t0 < a.limit:
        if closed(s, a.gap):
            break
        try:
            s.sendall(piece(sent))
            sent += 1
        except OSError:
            break
    else:
        print(json.dumps({"closed_after": None, "sent": sent}))
        return
    print(json.dumps({"closed_after": round(time.monotonic() - t0, 2), "sent": sent}))


def idle(a):
    s = connect(a)
    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: mux\r\n\r\n")
    s.settimeout(10)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, _, body = buf.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        body += s.recv(4096)
    t0 = time.monotonic()
    gone = closed(s, a.limit)
    print(json.dumps({"closed_after": round(time.monotonic() - t0, 2) if gone else None}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["flood", "slow-headers", "slow-body", "idle"])
    ap.add_argument("--api", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--token")
    ap.add_argument("--gap", type=float, default=0.5)
    ap.add_argument("--limit", type=float, default=60)
    a = ap.parse_args()
    if a.cmd == "flood":
        flood(a)
    elif a.cmd == "slow-headers":
        trickle(a, b"GET /api/v1/status HTTP/1.1\r\nHost: mux\r\n",
                lambda i: b"X-Slow-%d: 1\r\n" % i)
    elif a.cmd == "slow-body":
        trickle(a, b"POST /api/v1/clients HTTP/1.1\r\nHost: mux\r\nContent-Type: "
                b"application/json\r\nContent-Length: 1000\r\n\r\n", lambda i: b" ")
    else:
        idle(a)


if __name__ == "__main__":
    main()
