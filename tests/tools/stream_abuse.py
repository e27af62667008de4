#!/usr/bin/env python3
"""stream_abuse.py — live stream clients that misbehave, and one that checks
it is still served while they do (tests/integration/test_stream_limits.sh).

  stream_abuse.py flood HOST PORT SECONDS
      A hand-made WebSocket client with a 4 KiB receive buffer that never
      reads: for SECONDS it sends, as fast as TCP takes them, WebSocket
      PINGs (125-byte payload), {"type": "ping"} messages and ris_subscribe
      requests with acknowledge, each of which muxd answers. Prints how
      many it sent and whether muxd closed the connection.

  stream_abuse.py idle HOST PORT NAME
      Upgrades to WebSocket as client NAME, then neither sends nor answers
      anything; it only watches the socket. Exits 0 when muxd closes the
      connection, printing after how many seconds.

  stream_abuse.py pinger URL SECONDS MAX_RTT
      Python's websockets client (which answers muxd's PINGs, as every
      client library does) sends {"type": "ping"} every 0.2 s for SECONDS
      and waits for each pong; exits 1 if one takes more than MAX_RTT
      seconds or the connection drops. Prints the count and the worst
      round trip.

  stream_abuse.py quiet URL SECONDS
      Python's websockets client that subscribes to nothing in particular,
      never sends anything itself (no pings of its own) and only reads;
      exits 0 if the connection is still open after SECONDS: muxd's pings,
      answered by the library, keep a quiet client alive.
"""
import asyncio
import base64
import json
import os
import socket
import sys
import time


def handshake(host, port, name, rcvbuf=0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /v1/ws/?client=%s HTTP/1.1\r\nHost: %s:%s\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                  % (name, host, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = sock.recv(1)
        if not b:
            sys.exit("the server closed before the upgrade")
        head += b
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit("no upgrade: %r" % head)
    return sock


def frame(opcode, payload):
    """A masked client frame (mask 0: the payload goes as is)."""
    n = len(payload)
    if n < 126:
        hdr = bytes([0x80 | opcode, 0x80 | n])
    else:
        hdr = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    return hdr + b"\0\0\0\0" + payload


def flood_main(host, port, seconds):
    sock = handshake(host, port, "flood", 4096)
    sub = json.dumps({"type": "ris_subscribe", "data": {
        "prefix": "10.0.0.0/8", "socketOptions": {"acknowledge": True}}}).encode()
    batch = (frame(0x9, b"x" * 125) * 40 + frame(0x1, b'{"type": "ping"}') * 20
             + frame(0x1, sub) * 4)
    per_batch = 64
    sock.settimeout(0.5)
    sent, closed, end = 0, False, time.time() + seconds
    while time.time() < end:
        try:
            sock.sendall(batch)
            sent += per_batch
        except socket.timeout:
            pass            # TCP's window is shut: muxd reads no faster
        except OSError:
            closed = True
            break
    print("flood: %d frames sent in %.1f s; %s" % (
        sent, seconds, "muxd closed the connection" if closed else "still open"))


def idle_main(host, port, name):
    sock = handshake(host, port, name)
    t0 = time.time()
    sock.settimeout(None)
    try:
        while sock.recv(4096):
            pass            # a ping, then the close frame: never answered
    except OSError:
        pass
    print("idle: closed by muxd after %.1f s" % (time.time() - t0))


async def pinger_main(url, seconds, max_rtt):
    import websockets
    worst, n = 0.0, 0
    async with websockets.connect(url, ping_interval=None) as ws:
        end = time.time() + seconds
        while time.time() < end:
            t0 = time.time()
            await ws.send('{"type": "ping"}')
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), max_rtt))
                if msg["type"] == "pong":
                    break
            worst = max(worst, time.time() - t0)
            n += 1
            await asyncio.sleep(0.2)
    print("pinger: %d pongs, worst round trip %.3f s" % (n, worst))


async def quiet_main(url, seconds):
    import websockets
    async with websockets.connect(url, ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "ris_subscribe",
                                  "data": {"prefix": "192.0.2.0/24"}}))
        try:
            await asyncio.wait_for(ws.recv(), seconds)
        except asyncio.TimeoutError:
            print("quiet: still connected after %.0f s" % seconds)
            return
    sys.exit("quiet: muxd sent a frame or closed the connection")


def main():
    a = sys.argv[1:]
    if a and a[0] == "flood":
        flood_main(a[1], a[2], float(a[3]))
    elif a and a[0] == "idle":
        idle_main(a[1], a[2], a[3])
    elif a and a[0] == "pinger":
        try:
            asyncio.run(pinger_main(a[1], float(a[2]), float(a[3])))
        except Exception as e:      # a timeout or a dropped connection
            sys.exit("pinger: %s: %s" % (type(e).__name__, e))
    elif a and a[0] == "quiet":
        try:
            asyncio.run(quiet_main(a[1], float(a[2])))
        except Exception as e:
            sys.exit("quiet: %s: %s" % (type(e).__name__, e))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
