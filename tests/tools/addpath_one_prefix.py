#!/usr/bin/env python3
"""addpath_one_prefix.py — muxd's CPU time to take and to withdraw N
ADD-PATH paths of one prefix from an upstream (stdlib only).

    addpath_one_prefix.py --connect 127.0.140.1 --bind 127.0.140.11 \
        --asn 65140 --api 127.0.140.1:8179 --view isp-o --pid PID [--paths 300000]

It opens a session as muxd's upstream (IPv4 unicast, 4-octet AS, ADD-PATH
send), announces 192.0.2.0/24 with path ids 1..N (one attribute set), waits
until muxd's API shows N paths in the view, then withdraws them in ascending
path id order and waits for 0. Between each start and end it reads muxd's
user + system CPU time from /proc/PID/stat, and prints one JSON line:
{"paths": N, "announce_cpu_s": …, "withdraw_cpu_s": …, "withdraw_wall_s": …}.
"""
import argparse
import json
import os
import socket
import struct
import time
import urllib.request

MARKER = b"\xff" * 16
PREFIX = bytes([24, 192, 0, 2])


def msg(kind, body):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_msg(asn, ident):
    caps = (bytes([1, 4, 0, 1, 0, 1])                      # IPv4 unicast
            + bytes([65, 4]) + struct.pack("!I", asn)      # 4-octet AS
            + bytes([69, 4, 0, 1, 1, 2]))                  # ADD-PATH: send
    params = bytes([2, len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, 90,
                              socket.inet_aton(ident), len(params)) + params)


def read_msg(sock):
    head = b""
    while len(head) < 19:
        chunk = sock.recv(19 - len(head))
        if not chunk:
            raise SystemExit("muxd closed the session")
        head += chunk
    length, kind = struct.unpack("!HB", head[16:19])
    body = b""
    while len(body) < length - 19:
        body += sock.recv(length - 19 - len(body))
    return kind, body


def updates(ids, asn, nh, withdraw):
    """UPDATE messages of at most 4096 bytes for these path ids."""
    attrs = (bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", asn)
             + bytes([0x40, 3, 4]) + socket.inet_aton(nh))
    per = (4096 - 19 - 4 - (0 if withdraw else len(attrs))) // 8
    for i in range(0, len(ids), per):
        nlri = b"".join(struct.pack("!I", k) + PREFIX for k in ids[i:i + per])
        if withdraw:
            yield msg(2, struct.pack("!H", len(nlri)) + nlri + struct.pack("!H", 0))
        else:
            yield msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def view_paths(api, view):
    with urllib.request.urlopen(f"http://{api}/api/v1/views/{view}", timeout=10) as r:
        return json.load(r)["paths"]["ipv4"]


def wait_paths(args, want):
    while view_paths(args.api, args.view) != want:
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--port", type=int, default=179)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--view", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--paths", type=int, default=300000)
    args = ap.parse_args()

    sock = socket.create_connection((args.connect, args.port), source_address=(args.bind, 0))
    sock.sendall(open_msg(args.asn, args.bind))
    kind, _ = read_msg(sock)
    if kind != 1:
        raise SystemExit(f"expected OPEN, got type {kind}")
    sock.sendall(msg(4, b""))
    while read_msg(sock)[0] != 4:
        pass
    ids = list(range(1, args.paths + 1))
    t0 = cpu_s(args.pid)
    sock.sendall(b"".join(updates(ids, args.asn, args.bind, False)))
    wait_paths(args, args.paths)
    t1, w1 = cpu_s(args.pid), time.monotonic()
    sock.sendall(b"".join(updates(ids, args.asn, args.bind, True)))
    wait_paths(args, 0)
    t2, w2 = cpu_s(args.pid), time.monotonic()
    print(json.dumps({"paths": args.paths, "announce_cpu_s": round(t1 - t0, 2),
                      "withdraw_cpu_s": round(t2 - t1, 2),
                      "withdraw_wall_s": round(w2 - w1, 2)}))
    sock.sendall(msg(3, bytes([6, 2])))
    sock.close()


if __name__ == "__main__":
    main()
