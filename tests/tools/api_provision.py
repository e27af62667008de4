#!/usr/bin/env python3
"""api_provision.py — how long each provisioning call takes as the number of
clients grows.

    api_provision.py --api HOST:PORT --token TOKEN --count 10000
                     [--start 0] [--block 1000] [--upstream isp-a]
                     [--net 198.18.0.0/15] [--out times.json]

COUNT POST /api/v1/clients, one after the other on one keep-alive
connection (a new one if muxd closes it). Client i is "bench-i" at the i-th
address of NET (default 198.18.0.0/15, the benchmarking range of RFC 2544:
configured, never contacted). Each call is timed from its first byte sent
to the last byte of the answer. Prints one line per BLOCK calls and one
for the whole run:

    calls 1-1000: p50 0.91 ms, p99 2.40 ms, max 9.10 ms

then one JSON line {"count", "p50_ms", "p99_ms", "max_ms", "blocks": [...]}.
OUT, if given, gets every call's time in ms (a JSON list, in order). Exits
1 if any call is not answered 201.

Python 3 stdlib only.
"""
import argparse
import http.client
import ipaddress
import json
import sys
import time


def percentile(values, p):
    """The nearest-rank percentile p (0-100) of values."""
    s = sorted(values)
    if not s:
        return 0.0
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summary(times):
    return {"p50_ms": round(percentile(times, 50), 3), "p99_ms": round(percentile(times, 99), 3),
            "max_ms": round(max(times), 3) if times else 0.0}


class Api:
    def __init__(self, api, token):
        self.host, port = api.rsplit(":", 1)
        self.port = int(port)
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.conn = None

    def post(self, body):
        """POSTs body; (status, answer, seconds)."""
        data = json.dumps(body)
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.connect()
            t0 = time.perf_counter()
            try:
                self.conn.request("POST", "/api/v1/clients", data, self.headers)
                r = self.conn.getresponse()
                answer = r.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            took = time.perf_counter() - t0
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, answer, took
        raise RuntimeError("unreachable")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--block", type=int, default=1000)
    ap.add_argument("--upstream", default="isp-a")
    ap.add_argument("--net", default="198.18.0.0/15")
    ap.add_argument("--out")
    a = ap.parse_args()

    net = ipaddress.ip_network(a.net)
    api = Api(a.api, a.token)
    times, blocks = [], []
    for i in range(a.start, a.start + a.count):
        body = {"name": "bench-%d" % i, "address": str(net[1 + i]), "asn": 64512 + i % 1000,
                "upstreams": [a.upstream]}
        status, answer, took = api.post(body)
        if status != 201:
            print("call %d: HTTP %d: %s" % (i, status, answer[:300].decode("utf-8", "replace")),
                  file=sys.stderr)
            sys.exit(1)
        times.append(took * 1000)
        done = len(times)
        if done % a.block == 0 or done == a.count:
            first = (done - 1) // a.block * a.block
            s = summary(times[first:done])
            s["calls"] = [a.start + first + 1, a.start + done]
            blocks.append(s)
            print("calls %d-%d: p50 %.2f ms, p99 %.2f ms, max %.2f ms"
                  % (s["calls"][0], s["calls"][1], s["p50_ms"], s["p99_ms"], s["max_ms"]),
                  flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump([round(t, 3) for t in times], f)
    total = summary(times)
    total["count"] = len(times)
    total["blocks"] = blocks
    print(json.dumps(total), flush=True)


if __name__ == "__main__":
    main()
