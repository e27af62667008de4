#!/usr/bin/env python3
"""propagation.py — how long a route takes from an upstream, through muxd,
to a client.

    propagation.py --up ADDR --up-asn N --inst ADDR --src ADDR --asn N
                   [--count 200] [--gap-ms 50] [--ready FILE] [--go FILE]
                   [--table N]

Plays both ends: listens on UP:179 as the upstream muxd connects to (AS
UP_ASN), and connects from SRC to the instance at INST:179 as a client (AS
N). Once both sessions are Established (and the client has its End-of-RIB),
the upstream announces TABLE /24s from 20.0.0.0 (500 per UPDATE; default
none: something for a looking glass to list) and waits until the client has
them all; then it touches READY (if given) and waits for GO to exist (if given); then it
announces COUNT new IPv4 /24s from 100.64.0.0/10, one every GAP_MS, each in
its own UPDATE, and times each from the moment it is written to the
upstream session to the moment the client receives it. Prints one JSON
line: {"count", "p50_ms", "p99_ms", "max_ms", "lost"} (lost: not received
within 10 s).

Python 3 stdlib only; the BGP messages come from route_client.py.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from route_client import announce, messages, msg, open_msg  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    if not s:
        return 0.0
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


class Session:
    """One BGP session: a socket, a receive buffer, what was seen."""

    def __init__(self, sock, asn, bgp_id):
        self.s = sock
        self.buf = b""
        self.s.sendall(open_msg(asn, bgp_id))
        self.up = False

    def read(self):
        """The messages that arrived; exits on close or NOTIFICATION."""
        data = self.s.recv(1 << 20)
        if not data:
            sys.exit("muxd closed a session")
        self.buf += data
        out, self.buf = messages(self.buf)
        for t, body in out:
            if t == 1:
                self.s.sendall(msg(4))
            elif t == 4:
                self.up = True
            elif t == 3:
                sys.exit("NOTIFICATION %d/%d" % (body[0], body[1]))
        return out


def nlri_of(body):
    """The IPv4 prefixes announced in an UPDATE body (NLRI field)."""
    wlen = struct.unpack("!H", body[:2])[0]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    rest, out = body[4 + wlen + alen:], []
    while rest:
        n, size = rest[0], (rest[0] + 7) // 8
        addr = int.from_bytes((rest[1:1 + size] + b"\0" * 4)[:4], "big")
        out.append(str(ipaddress.ip_network((addr, n))))
        rest = rest[1 + size:]
    return out


def establish(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.up, 179))
    ls.listen(4)
    cs = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cs.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cs.bind((a.src, 0))
    cs.settimeout(30)
    cs.connect((a.inst, 179))
    client = Session(cs, a.asn, a.src)
    deadline = time.time() + 120
    up = None
    client_eor = False
    while not (up and up.up and client.up and client_eor):
        if time.time() > deadline:
            sys.exit("sessions not Established within 120 s")
        socks = [ls, cs] + ([up.s] if up else [])
        ready, _, _ = select.select(socks, [], [], 1)
        if ls in ready:
            s, _ = ls.accept()
            up = Session(s, a.up_asn, a.up)
        if cs in ready:
            for t, body in client.read():
                client_eor |= t == 2 and body == b"\0\0\0\0"
        if up and up.s in ready:
            was_up = up.up
            up.read()
            if up.up and not was_up:   # an End-of-RIB: the view is complete
                up.s.sendall(msg(2, b"\0\0\0\0"))
    return up, client


def load_table(a, up, client):
    """TABLE /24s from 20.0.0.0 through muxd, until the client has them."""
    speaker = SimpleNamespace(asn=a.up_asn, src=a.up, community=[], large=[])
    base = int(ipaddress.IPv4Address("20.0.0.0"))
    nets = [ipaddress.ip_network((base + (i << 8), 24)) for i in range(a.table)]
    for i in range(0, len(nets), 500):
        up.s.sendall(announce(speaker, nets[i:i + 500]))
    got, deadline = 0, time.time() + 120
    while got < a.table:
        if time.time() > deadline:
            sys.exit("the client got %d of the %d table routes in 120 s" % (got, a.table))
        for s in select.select([up.s, client.s], [], [], 1)[0]:
            if s is up.s:
                up.read()
                continue
            got += sum(len(nlri_of(body)) for t, body in client.read() if t == 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--up", required=True)
    ap.add_argument("--up-asn", type=int, required=True)
    ap.add_argument("--inst", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--gap-ms", type=int, default=50)
    ap.add_argument("--ready")
    ap.add_argument("--go")
    ap.add_argument("--table", type=int, default=0)
    a = ap.parse_args()

    up, client = establish(a)
    if a.table:
        load_table(a, up, client)
    if a.ready:
        open(a.ready, "w").close()
    while a.go and not os.path.exists(a.go):
        for s in select.select([up.s, client.s], [], [], 0.2)[0]:
            (up if s is up.s else client).read()
    speaker = SimpleNamespace(asn=a.up_asn, src=a.up, community=[], large=[])
    base = int(ipaddress.IPv4Address("100.64.0.0"))
    sent, took = {}, []
    next_send, i = time.perf_counter(), 0
    end = None
    while True:
        now = time.perf_counter()
        if i < a.count and now >= next_send:
            net = ipaddress.ip_network((base + (i << 8), 24))
            up.s.sendall(announce(speaker, [net]))
            sent[str(net)] = time.perf_counter()
            i += 1
            next_send += a.gap_ms / 1000.0
            if i == a.count:
                end = time.perf_counter() + 10
        if end and (not sent or time.perf_counter() > end):
            break
        wait = max(0.0, min(next_send - time.perf_counter(), 0.2)) if i < a.count else 0.2
        for s in select.select([up.s, client.s], [], [], wait)[0]:
            if s is up.s:
                up.read()
                continue
            got = time.perf_counter()
            for t, body in client.read():
                if t != 2:
                    continue
                for p in nlri_of(body):
                    if p in sent:
                        took.append((got - sent.pop(p)) * 1000)
    print(json.dumps({"count": a.count, "p50_ms": round(percentile(took, 50), 3),
                      "p99_ms": round(percentile(took, 99), 3),
                      "max_ms": round(max(took), 3) if took else 0.0, "lost": len(sent)}),
          flush=True)
    sys.exit(1 if sent else 0)


if __name__ == "__main__":
    main()
