#!/usr/bin/env python3
"""addpath_upstream.py — an upstream that sends two paths per prefix with
ADD-PATH, scripted by signals, for tests of what muxd passes on.

    addpath_upstream.py --src ADDR --mux ADDR --asn N --mux-asn N
                        --afi 4|6 --prefixes K

connects from --src to --mux port 179, opens with the family of --afi
(IPv4 unicast, or IPv6 unicast by MP_REACH), 4-octet AS and ADD-PATH
send for it, and announces K prefixes (10.<third octet of --src>.i.0/24,
or 2001:db8:<third octet>:i::/64), each with two paths: path id 1 with
AS_PATH "asn 64998", path id 2 with AS_PATH "asn 64999"; next hop
192.0.2.<last octet of --src> (IPv6: 2001:db8:ffff::<the same>), not a
loopback address, which VPN speakers such as GoBGP refuse. Then End-of-RIB, and KEEPALIVEs
until:

  SIGUSR1  it withdraws both paths of the first prefix
  SIGTERM  it sends Cease / Administrative Shutdown (6/2) and closes

One line per event ("established", "eor sent", "withdrawn", "closed").
Python 3 stdlib only.
"""
import argparse
import ipaddress
import select
import signal
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(kind, body):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def open_msg(asn, ident, afi):
    afi = 1 if afi == 4 else 2
    caps = (bytes([1, 4, 0, afi, 0, 1])                    # the family
            + bytes([65, 4]) + struct.pack("!I", asn)      # 4-octet AS
            + bytes([69, 4, 0, afi, 1, 2]))                # ADD-PATH: send
    params = bytes([2, len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, 90,
                              socket.inet_aton(ident), len(params)) + params)


def nlri(path_id, net):
    plen = net.prefixlen
    return struct.pack("!IB", path_id, plen) + net.network_address.packed[:(plen + 7) // 8]


def update(a, announce, withdraw, path_id, as_path, nh):
    """One UPDATE of path path_id for the networks of announce (or
    withdraw), IPv4 in the body, IPv6 by MP_REACH/MP_UNREACH."""
    ann = b"".join(nlri(path_id, n) for n in announce)
    wd = b"".join(nlri(path_id, n) for n in withdraw)
    if a.afi == 6:
        attrs = b""
        if wd:
            attrs += attr(0x80, 15, struct.pack("!HB", 2, 1) + wd)
        if ann:
            attrs += attr(0x40, 1, b"\x00")
            attrs += attr(0x40, 2, bytes([2, len(as_path)]) +
                          b"".join(struct.pack("!I", x) for x in as_path))
            attrs += attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + ann)
        return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs)
    attrs = b""
    if ann:
        attrs = (attr(0x40, 1, b"\x00")
                 + attr(0x40, 2, bytes([2, len(as_path)]) +
                        b"".join(struct.pack("!I", x) for x in as_path))
                 + attr(0x40, 3, nh))
    return msg(2, struct.pack("!H", len(wd)) + wd + struct.pack("!H", len(attrs)) + attrs + ann)


def eor(afi):
    if afi == 4:
        return msg(2, b"\x00\x00\x00\x00")
    unreach = attr(0x80, 15, struct.pack("!HB", 2, 1))
    return msg(2, struct.pack("!HH", 0, len(unreach)) + unreach)


def networks(a):
    third = int(a.src.split(".")[2])
    if a.afi == 4:
        return [ipaddress.ip_network(f"10.{third}.{i}.0/24") for i in range(a.prefixes)]
    return [ipaddress.ip_network(f"2001:db8:{third:x}:{i:x}::/64") for i in range(a.prefixes)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--mux", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--mux-asn", type=int, required=True)
    ap.add_argument("--afi", type=int, choices=(4, 6), default=4)
    ap.add_argument("--prefixes", type=int, default=4)
    a = ap.parse_args()
    nets = networks(a)
    nh = (socket.inet_aton("192.0.2." + a.src.split(".")[3]) if a.afi == 4 else
          ipaddress.ip_address(f"2001:db8:ffff::{a.src.split('.')[3]}").packed)
    todo = []
    signal.signal(signal.SIGUSR1, lambda *_: todo.append("withdraw"))
    signal.signal(signal.SIGTERM, lambda *_: todo.append("stop"))

    s = None
    for _ in range(100):
        try:
            s = socket.socket()
            s.bind((a.src, 0))
            s.connect((a.mux, 179))
            break
        except OSError:
            s.close()
            s = None
            time.sleep(0.1)
    if s is None:
        sys.exit("cannot connect to muxd")
    s.sendall(open_msg(a.asn, a.src, a.afi) + msg(4, b""))
    got_open = False
    buf = b""
    last_ka = time.time()
    while True:
        while todo:
            what = todo.pop(0)
            if what == "withdraw":
                s.sendall(update(a, [], nets[:1], 1, [], nh) + update(a, [], nets[:1], 2, [], nh))
                print("withdrawn", flush=True)
            else:
                s.sendall(msg(3, bytes([6, 2])))
                s.close()
                print("closed", flush=True)
                return
        try:
            r, _, _ = select.select([s], [], [], 1.0)
        except InterruptedError:
            continue
        if time.time() - last_ka > 20:
            s.sendall(msg(4, b""))
            last_ka = time.time()
        if not r:
            continue
        chunk = s.recv(65536)
        if not chunk:
            print("closed", flush=True)
            return
        buf += chunk
        while len(buf) >= 19:
            length, kind = struct.unpack("!HB", buf[16:19])
            if len(buf) < length:
                break
            buf = buf[length:]
            if kind == 3:
                print("received NOTIFICATION", flush=True)
                return
            if kind == 4 and not got_open:
                got_open = True
                print("established", flush=True)
                s.sendall(update(a, nets, [], 1, [a.asn, 64998], nh) +
                          update(a, nets, [], 2, [a.asn, 64999], nh) + eor(a.afi))
                print("eor sent", flush=True)


if __name__ == "__main__":
    main()
