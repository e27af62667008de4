#!/usr/bin/env python3
"""gr_peer.py — an upstream that speaks Graceful Restart (RFC 4724) with
RFC 8538's N bit, scripted by signals, for tests of muxd as its helper.

    gr_peer.py --src ADDR --mux ADDR --asn N --mux-asn N --routes K
               [--hold S] [--no-n] [--restarted]

connects from --src to --mux port 179, opens with IPv4 unicast, 4-octet
AS and a Graceful Restart capability (restart time 120 s, N set unless
--no-n, IPv4 unicast listed with its F bit set; R set with --restarted),
announces 10.<third octet of --src>.i.0/24 for i < K (next hop --src),
then End-of-RIB, and keeps the session up with KEEPALIVEs until:

  SIGUSR1  it goes silent: no KEEPALIVE any more, the connection open,
           what muxd sends read and dropped (muxd's hold timer expires)
  SIGUSR2  it sends Cease / Hard Reset (6/9, standing for 6/4
           Administrative Reset) and closes

It prints one line per event ("established", "eor sent", "received
NOTIFICATION 4/0", "closed") and exits when the connection closes.
Python 3 stdlib only.
"""
import argparse
import select
import signal
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
GR_N, GR_R, GR_F = 0x4, 0x8, 0x80


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def cap(code, value):
    return struct.pack("!BB", code, len(value)) + value


def open_msg(args):
    flags = (0 if args.no_n else GR_N) | (GR_R if args.restarted else 0)
    caps = cap(1, struct.pack("!HBB", 1, 0, 1))                     # MP IPv4 unicast
    caps += cap(65, struct.pack("!I", args.asn))                    # 4-octet AS
    caps += cap(64, struct.pack("!HHBB", flags << 12 | 120, 1, 1, GR_F))
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = args.asn if args.asn < 65536 else 23456
    body = struct.pack("!BHH4sB", 4, my_as, args.hold, socket.inet_aton(args.src), len(opt))
    return msg(1, body + opt)


def update_msg(args, third, i):
    attrs = struct.pack("!BBBB", 0x40, 1, 1, 0)                      # ORIGIN IGP
    attrs += struct.pack("!BBBBBI", 0x40, 2, 6, 2, 1, args.asn)      # AS_PATH
    attrs += struct.pack("!BBB", 0x40, 3, 4) + socket.inet_aton(args.src)
    nlri = struct.pack("!BBBB", 24, 10, third, i)
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def read_msgs(buf):
    """Splits whole messages off buf: (list of (type, body), rest)."""
    out = []
    while len(buf) >= 19:
        length, mtype = struct.unpack("!HB", buf[16:19])
        if length < 19 or len(buf) < length:
            break
        out.append((mtype, buf[19:length]))
        buf = buf[length:]
    return out, buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--mux", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--mux-asn", type=int, required=True)
    ap.add_argument("--routes", type=int, default=10)
    ap.add_argument("--hold", type=int, default=3)
    ap.add_argument("--no-n", action="store_true")
    ap.add_argument("--restarted", action="store_true")
    args = ap.parse_args()
    want = {"silent": False, "hard": False}
    signal.signal(signal.SIGUSR1, lambda *_: want.update(silent=True))
    signal.signal(signal.SIGUSR2, lambda *_: want.update(hard=True))

    s = socket.socket()
    s.bind((args.src, 0))
    s.settimeout(10)
    s.connect((args.mux, 179))
    s.setblocking(False)
    s.sendall(open_msg(args))
    buf, up, next_ka = b"", False, float("inf")   # KEEPALIVEs after its OPEN
    third = int(args.src.split(".")[2])
    while True:
        try:
            r, _, _ = select.select([s], [], [], 0.2)
        except InterruptedError:
            r = []
        if want["hard"]:
            s.setblocking(True)
            s.sendall(msg(3, struct.pack("!BBBB", 6, 9, 6, 4)))
            print("sent Hard Reset", flush=True)
            s.close()
            return 0
        if r:
            data = s.recv(65536)
            if not data:
                print("closed", flush=True)
                return 0
            buf += data
            msgs, buf = read_msgs(buf)
            for mtype, body in msgs:
                if mtype == 3:
                    print("received NOTIFICATION %d/%d" % (body[0], body[1]), flush=True)
                elif mtype == 4 and not up:
                    up = True
                    print("established", flush=True)
                    for i in range(args.routes):
                        s.sendall(update_msg(args, third, i))
                    s.sendall(msg(2, b"\x00\x00\x00\x00"))            # End-of-RIB
                    print("eor sent", flush=True)
                elif mtype == 1:
                    s.sendall(msg(4))
                    next_ka = time.monotonic() + max(args.hold / 3.0, 0.5)
        now = time.monotonic()
        if not want["silent"] and now >= next_ka:
            s.sendall(msg(4))
            next_ka = now + max(args.hold / 3.0, 0.5)


if __name__ == "__main__":
    sys.exit(main())
