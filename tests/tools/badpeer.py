#!/usr/bin/env python3
"""badpeer.py — one malformed BGP conversation with muxd, checked byte by byte.

    badpeer.py --mux ADDR --src ADDR --asn N CASE

connects from --src to --mux port 179, sends what CASE says, reads all muxd
sends until it closes the connection, and checks it against RFC 4271 6.1/6.2:
at most muxd's own OPEN, then exactly the NOTIFICATION below, then the close.
Prints one line saying what muxd did; exits 1 if that is not what RFC 4271
asks for.  --asn is the AS muxd expects from --src (its peer entry).

  case       sends                                   muxd must answer
  garbage    40 bytes that are no BGP header         1/1 Connection Not Synchronized
  marker     KEEPALIVE with one marker bit off       1/1
  truncated  10 bytes of an OPEN, then FIN           nothing (closes; no NOTIFICATION)
  overlong   header with length 4097 (> 4096)        1/2 Bad Message Length, data 0x1001
  short      header with length 18 (< 19)            1/2, data 0x0012
  type       header with type 42                     1/3 Bad Message Type, data 0x2a
  version    OPEN version 5                          2/1 Unsupported Version, data 0x0004
  peeras     OPEN from the wrong AS (asn - 1)        2/2 Bad Peer AS
  hold       OPEN hold time 1                        2/6 Unacceptable Hold Time
  bgpid      OPEN BGP identifier 0.0.0.0             2/3 Bad BGP Identifier

Python 3 stdlib only.
"""
import argparse
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body=b"", marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, mtype) + body


def open_msg(asn, version=4, hold=90, bgp_id="192.0.2.99"):
    caps = struct.pack("!BBHBB", 1, 4, 1, 0, 1)          # MP: IPv4 unicast
    caps += struct.pack("!BBI", 65, 4, asn)               # 4-octet AS
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH4sB", version, my_as, hold, socket.inet_aton(bgp_id), len(opt))
    return msg(1, body + opt)


def notification(code, sub, data=b""):
    return msg(3, bytes([code, sub]) + data)


def cases(asn):
    """name -> (bytes to send, half-close after?, expected NOTIFICATION or None)"""
    return {
        "garbage": (bytes(range(40)), False, notification(1, 1)),
        "marker": (msg(4, marker=b"\xff" * 15 + b"\xfe"), False, notification(1, 1)),
        "truncated": (open_msg(asn)[:10], True, None),
        "overlong": (msg(1, b"\x04" * 10, length=4097), False,
                     notification(1, 2, struct.pack("!H", 4097))),
        "short": (msg(4, length=18), False, notification(1, 2, struct.pack("!H", 18))),
        "type": (msg(42), False, notification(1, 3, bytes([42]))),
        "version": (open_msg(asn, version=5), False, notification(2, 1, struct.pack("!H", 4))),
        "peeras": (open_msg(asn - 1), False, notification(2, 2)),
        "hold": (open_msg(asn, hold=1), False, notification(2, 6)),
        "bgpid": (open_msg(asn, bgp_id="0.0.0.0"), False, notification(2, 3)),
    }


def describe(m):
    if len(m) < 19:
        return "%d stray bytes %s" % (len(m), m.hex())
    mtype = m[18]
    if mtype == 3 and len(m) >= 21:
        data = m[21:]
        return "NOTIFICATION %d/%d%s" % (m[19], m[20], " data 0x" + data.hex() if data else "")
    return {1: "OPEN", 2: "UPDATE", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}.get(mtype, "type %d" % mtype)


def split(stream):
    """Cuts muxd's byte stream into messages; a bad header ends the cut."""
    out = []
    while stream:
        if len(stream) < 19 or stream[:16] != MARKER:
            out.append(stream)
            break
        length = struct.unpack("!H", stream[16:18])[0]
        if length < 19 or length > len(stream):
            out.append(stream)
            break
        out.append(stream[:length])
        stream = stream[length:]
    return out


def converse(mux, src, payload, half_close, limit):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(limit)
    s.connect((mux, 179))
    s.sendall(payload)
    if half_close:
        s.shutdown(socket.SHUT_WR)
    got = b""
    deadline = time.monotonic() + limit
    closed = False
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        got += chunk
    s.close()
    return got, closed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mux", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("case")
    args = ap.parse_args()
    payload, half_close, want = cases(args.asn)[args.case]
    got, closed = converse(args.mux, args.src, payload, half_close, args.timeout)
    msgs = split(got)
    seen = ", ".join(describe(m) for m in msgs) or "nothing"
    problems = []
    rest = msgs[1:] if msgs and msgs[0][18:19] == b"\x01" else msgs   # muxd's own OPEN
    if want is None:
        if rest:
            problems.append("expected no message after its OPEN")
    elif rest != [want]:
        problems.append("expected exactly %s (%s)" % (describe(want), want.hex()))
    if not closed:
        problems.append("muxd did not close the connection within %gs" % args.timeout)
    print("%s from %s: muxd sent %s%s" % (args.case, args.src, seen,
                                        ", then closed" if closed else ", and kept it open"))
    if problems:
        print("%s: WRONG: %s; muxd's bytes: %s" % (args.case, "; ".join(problems), got.hex()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
