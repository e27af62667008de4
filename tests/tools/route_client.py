#!/usr/bin/env python3
"""route_client.py — a scripted mux client that announces routes, for
test_client_routes.sh (client routes: flaps, bursts, floods).

    route_client.py flap  --inst A --src S --asn N --prefix P [--times 50]
        50 times: connect, OPEN, announce P, wait --up-ms, close the TCP
        connection (no NOTIFICATION: a crash); prints one JSON line.
    route_client.py burst --inst A --src S --asn N --prefix P [--count 100]
        connect, announce P, then --count changes alternating withdraw /
        announce (the last one an announcement when count is even), then
        stay connected sending KEEPALIVEs until killed.
    route_client.py hold  --inst A --src S --asn N --prefix P [--more Q]...
        connect, announce P and each Q, then stay connected sending
        KEEPALIVEs until killed (the socket closes: a crash).
    route_client.py flood --inst A --src S --asn N --base 44.0.0.0 [--count 10000]
        connect, announce --count /24s from --base (packed 500 per UPDATE),
        read until muxd closes, print the NOTIFICATION it sent as JSON.

Every announcement carries AS_PATH [asn, 64512], MED 50 and the community
asn:1 besides --community/--large ones (A:B, A:B:C). Python 3 stdlib only.
"""
import argparse
import ipaddress
import json
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(t, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), t) + body


def open_msg(asn, bgp_id):
    caps = struct.pack("!BBHBB", 1, 4, 1, 0, 1) + struct.pack("!BBHBB", 1, 4, 2, 0, 1)
    caps += struct.pack("!BBI", 65, 4, asn)
    opt = struct.pack("!BB", 2, len(caps)) + caps
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, 90,
                              socket.inet_aton(bgp_id), len(opt)) + opt)


def messages(buf):
    out = []
    while len(buf) >= 19:
        n = struct.unpack("!H", buf[16:18])[0]
        if n < 19 or len(buf) < n:
            break
        out.append((buf[18], buf[19:n]))
        buf = buf[n:]
    return out, buf


def attr(flags, t, v):
    if len(v) > 255:
        return struct.pack("!BBH", flags | 0x10, t, len(v)) + v
    return struct.pack("!BBB", flags, t, len(v)) + v


def nlri(net):
    n = (net.prefixlen + 7) // 8
    return bytes([net.prefixlen]) + net.network_address.packed[:n]


def path_attrs(a, nh4):
    path = struct.pack("!BB", 2, 2) + struct.pack("!II", a.asn, 64512)
    comms = [(a.asn & 0xffff, 1)] + [tuple(int(x) for x in c.split(":")) for c in a.community]
    larges = [tuple(int(x) for x in c.split(":")) for c in a.large]
    out = attr(0x40, 1, b"\x00") + attr(0x40, 2, path)
    if nh4:
        out += attr(0x40, 3, socket.inet_aton(a.src))
    out += attr(0x80, 4, struct.pack("!I", 50))
    out += attr(0xc0, 8, b"".join(struct.pack("!HH", *c) for c in comms))
    if larges:
        out += attr(0xc0, 32, b"".join(struct.pack("!III", *c) for c in larges))
    return out


def announce(a, nets):
    if nets[0].version == 4:
        attrs = path_attrs(a, True)
        return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs +
                   b"".join(nlri(n) for n in nets))
    nh = ipaddress.IPv6Address("::ffff:" + a.src).packed
    mp = struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + b"".join(nlri(n) for n in nets)
    attrs = attr(0x80, 14, mp) + path_attrs(a, False)
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs)


def withdraw(nets):
    if nets[0].version == 4:
        w = b"".join(nlri(n) for n in nets)
        return msg(2, struct.pack("!H", len(w)) + w + struct.pack("!H", 0))
    mp = struct.pack("!HB", 2, 1) + b"".join(nlri(n) for n in nets)
    attrs = attr(0x80, 15, mp)
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs)


def connect(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, 0))
    s.settimeout(30)
    s.connect((a.inst, 179))
    s.sendall(open_msg(a.asn, a.src))
    buf, seen = b"", []
    while 4 not in seen:           # muxd's OPEN, then its KEEPALIVE
        data = s.recv(65536)
        if not data:
            sys.exit("closed before Established: %r" % seen)
        buf += data
        ms, buf = messages(buf)
        for t, body in ms:
            seen.append(t)
            if t == 1:
                s.sendall(msg(4))
            if t == 3:
                sys.exit("NOTIFICATION %d/%d before Established" % (body[0], body[1]))
    return s


def read_notification(s, limit):
    s.settimeout(limit)
    buf, last = b"", None
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            buf += data
            ms, buf = messages(buf)
            for t, body in ms:
                if t == 3:
                    last = {"code": body[0], "subcode": body[1], "data": body[2:].hex()}
    except (socket.timeout, ConnectionResetError) as e:
        return {"error": str(e), "notification": last}
    return {"closed": True, "notification": last}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["flap", "burst", "hold", "flood"])
    ap.add_argument("--inst", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--prefix")
    ap.add_argument("--base")
    ap.add_argument("--times", type=int, default=50)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--up-ms", type=int, default=50)
    ap.add_argument("--community", action="append", default=[])
    ap.add_argument("--large", action="append", default=[])
    ap.add_argument("--more", action="append", default=[])
    a = ap.parse_args()
    if a.cmd == "flap":
        net = [ipaddress.ip_network(a.prefix)]
        for i in range(a.times):
            s = connect(a)
            s.sendall(announce(a, net))
            time.sleep(a.up_ms / 1000)
            s.close()
            time.sleep(0.05)
        print(json.dumps({"flaps": a.times}), flush=True)
    elif a.cmd == "burst":
        net = [ipaddress.ip_network(a.prefix)]
        s = connect(a)
        s.sendall(announce(a, net))
        for i in range(a.count):
            s.sendall(withdraw(net) if i % 2 == 0 else announce(a, net))
        print(json.dumps({"changes": a.count + 1}), flush=True)
        while True:
            time.sleep(5)
            s.sendall(msg(4))
    elif a.cmd == "hold":
        s = connect(a)
        for p in [a.prefix] + a.more:
            s.sendall(announce(a, [ipaddress.ip_network(p)]))
        print(json.dumps({"announced": 1 + len(a.more)}), flush=True)
        while True:
            time.sleep(5)
            s.sendall(msg(4))
    else:
        base = int(ipaddress.IPv4Address(a.base))
        nets = [ipaddress.ip_network((base + (i << 8), 24)) for i in range(a.count)]
        s = connect(a)
        try:
            for i in range(0, len(nets), 500):
                s.sendall(announce(a, nets[i:i + 500]))
        except (BrokenPipeError, ConnectionResetError):
            pass
        print(json.dumps(read_notification(s, 30)), flush=True)


if __name__ == "__main__":
    main()
