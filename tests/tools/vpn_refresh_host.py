#!/usr/bin/env python3
"""vpn_refresh_host.py — an export host that asks a view host for a route
refresh, for tests of what the view host sends again (stdlib only).

    vpn_refresh_host.py --src ADDR --vh ADDR --port N --asn N [--plain]

connects from --src to the view host, opens iBGP with ipv4-vpn and
ipv6-vpn, ADD-PATH both ways on each, route refresh and (unless --plain)
enhanced route refresh (RFC 7313); counts the VPN routes announced until
End-of-RIB of both families, then sends a ROUTE-REFRESH for ipv4-vpn and
counts again until EoRR (or, with --plain, until nothing comes for 2 s).
Prints one JSON line: {"dump": {"1": N4, "2": N6}, "eor": [afis],
"refresh": N, "borr": bool, "eorr": bool}.
"""
import argparse
import json
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(kind, body):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_msg(asn, ident, enhanced):
    caps = b""
    for afi in (1, 2):
        caps += bytes([1, 4, 0, afi, 0, 128])
    caps += bytes([65, 4]) + struct.pack("!I", asn)
    caps += bytes([69, 8, 0, 1, 128, 3, 0, 2, 128, 3])     # ADD-PATH both
    caps += bytes([2, 0])                                  # route refresh
    if enhanced:
        caps += bytes([70, 0])
    params = bytes([2, len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, asn, 90, socket.inet_aton(ident),
                              len(params)) + params)


def read_msg(sock):
    def need(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise SystemExit("the view host closed the session")
            data += chunk
        return data
    head = need(19)
    length, kind = struct.unpack("!HB", head[16:19])
    return kind, need(length - 19)


def vpn_routes(body):
    """(afi, routes announced, End-of-RIB?) of an UPDATE with ADD-PATH."""
    wlen = struct.unpack("!H", body[:2])[0]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    attrs = body[4 + wlen:4 + wlen + alen]
    at, afi, n, eor = 0, 0, 0, alen == 0
    while at < len(attrs):
        flags, code = attrs[at], attrs[at + 1]
        if flags & 0x10:
            ln = struct.unpack("!H", attrs[at + 2:at + 4])[0]
            val = attrs[at + 4:at + 4 + ln]
            at += 4 + ln
        else:
            ln = attrs[at + 2]
            val = attrs[at + 3:at + 3 + ln]
            at += 3 + ln
        if code == 15 and len(val) == 3:
            afi, eor = struct.unpack("!H", val[:2])[0], True
        elif code == 14:
            afi = struct.unpack("!H", val[:2])[0]
            nhl = val[3]
            nlri = val[5 + nhl:]
            i = 0
            while i < len(nlri):
                bits = nlri[i + 4]
                i += 5 + (bits + 7) // 8
                n += 1
    return afi, n, eor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--vh", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--plain", action="store_true")
    a = ap.parse_args()
    s = socket.socket()
    s.bind((a.src, 0))
    s.settimeout(20)
    s.connect((a.vh, a.port))
    s.sendall(open_msg(a.asn, a.src, not a.plain) + msg(4, b""))
    out = {"dump": {"1": 0, "2": 0}, "eor": [], "refresh": 0, "borr": False, "eorr": False}
    while len(out["eor"]) < 2:
        kind, body = read_msg(s)
        if kind == 3:
            sys.exit(f"NOTIFICATION {body[:2].hex()}")
        if kind != 2:
            continue
        afi, n, eor = vpn_routes(body)
        if eor:
            out["eor"].append(afi)
        elif afi:
            out["dump"][str(afi)] += n
    s.sendall(msg(5, struct.pack("!HBB", 1, 0, 128)))
    if a.plain:
        s.settimeout(2)
    while True:
        try:
            kind, body = read_msg(s)
        except socket.timeout:
            break
        if kind == 5:
            subtype = body[2]
            out["borr"] |= subtype == 1
            if subtype == 2:
                out["eorr"] = True
                break
        elif kind == 2:
            out["refresh"] += vpn_routes(body)[1]
    s.sendall(msg(3, bytes([6, 2])))
    s.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
