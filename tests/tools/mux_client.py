#!/usr/bin/env python3
"""mux_client.py — a misbehaving mux client, for test_mux_faults.sh.

    mux_client.py stall --inst ADDR --src ADDR --asn N --resume FILE
        completes OPEN/KEEPALIVE with a tiny receive buffer, then stops
        reading (it keeps sending a KEEPALIVE every 5 s, so only its reading
        is at fault); once FILE exists it reads everything up to the close
        and prints what the last message was (JSON).
    mux_client.py malformed --inst ADDR --src ADDR --asn N
        completes OPEN/KEEPALIVE, sends one UPDATE whose MP_REACH_NLRI is
        truncated (next hop length 16, 2 bytes of next hop: RFC 7606 §7.3 /
        RFC 4760 §7: session reset, 3/9 Optional Attribute Error, data the
        attribute), reads to the close and prints the NOTIFICATION (JSON).

Python 3 stdlib only.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
BAD_ATTR = bytes([0x80, 14, 6]) + struct.pack("!HBB", 1, 1, 16) + b"\xc0\x00"


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


def connect(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.cmd == "stall":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((a.src, 0))
    s.settimeout(30)
    s.connect((a.inst, 179))
    s.sendall(open_msg(a.asn, a.src))
    buf, seen = b"", []
    while 4 not in seen:           # muxd's OPEN, then its KEEPALIVE
        data = s.recv(4096 if a.cmd == "stall" else 65536)
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
    return s, buf


def read_to_close(s, buf, limit):
    s.settimeout(limit)
    total = len(buf)
    last = None
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            total += len(data)
            buf += data
            ms, buf = messages(buf)
            if ms:
                last = ms[-1]
    except (socket.timeout, ConnectionResetError) as e:
        return {"error": str(e), "bytes": total, "last": describe(last)}
    return {"closed": True, "bytes": total, "last": describe(last)}


def describe(m):
    if m is None:
        return None
    t, body = m
    d = {"type": t}
    if t == 3:
        d.update(code=body[0], subcode=body[1], data=body[2:].hex())
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["stall", "malformed"])
    ap.add_argument("--inst", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--resume")
    a = ap.parse_args()
    s, buf = connect(a)
    print(json.dumps({"established": True}), flush=True)
    if a.cmd == "stall":
        while not os.path.exists(a.resume):
            s.sendall(msg(4))
            time.sleep(0.2 if os.path.exists(a.resume) else 0.5)
        r = read_to_close(s, buf, 30)
    else:
        s.sendall(msg(2, struct.pack("!H", 0) + struct.pack("!H", len(BAD_ATTR)) + BAD_ATTR))
        r = read_to_close(s, buf, 30)
        r["sent_attribute"] = BAD_ATTR.hex()
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
