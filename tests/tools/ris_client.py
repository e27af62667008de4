#!/usr/bin/env python3
"""ris_client.py — a RIS Live client for the live stream tests.

  ris_client.py ws URL OUT [--sub JSON]... [--send JSON]...
      Python's websockets library (as a RIS Live user would use it): sends
      each --sub as a ris_subscribe, each --send as is, then writes every
      frame received to OUT, one JSON per line, flushed every 20 ms and
      when SIGTERM ends it.

  ris_client.py close URL
      Subscribes with acknowledge, waits for ris_subscribe_ok, then closes
      with the closing handshake; exits 0 if the server answered it (1000).

  ris_client.py bad HOST PORT
      Sends an unmasked frame (RFC 6455 §5.1 forbids it from a client);
      exits 0 if the server answers with a close frame of code 1002 and
      then closes the connection.

  ris_client.py slow HOST PORT OUT PAUSE_FILE [--sub JSON]
      A hand-made WebSocket client with a 4 KiB receive buffer that
      subscribes, then stops reading until PAUSE_FILE exists; then reads
      everything, writing frames to OUT, and exits after 3 s of silence.
"""
import asyncio
import base64
import json
import os
import signal
import socket
import sys
import time


def arg_list(args, flag):
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


async def flush_often(f):
    """The file flushed every 20 ms: a waiting test sees each frame within
    that, and a burst of frames costs no write per frame."""
    while True:
        await asyncio.sleep(0.02)
        f.flush()


async def ws_main(url, out, subs, sends):
    import websockets
    # max_queue=None: frames are taken off the socket as they come, however
    # slowly this loop writes them out (with the library's default of 16,
    # a burst of 10,000 UPDATEs backed up into the server, which dropped
    # what overflowed its queue for this client: a fast subscriber that
    # lost messages).
    async with websockets.connect(url, max_size=None, max_queue=None,
                                  ping_interval=5) as ws:
        for s in subs:
            await ws.send(json.dumps({"type": "ris_subscribe", "data": json.loads(s)}))
        for s in sends:
            await ws.send(s)
        with open(out, "a") as f:
            signal.signal(signal.SIGTERM, lambda *_: (f.flush(), os._exit(0)))
            flusher = asyncio.ensure_future(flush_often(f))
            try:
                async for msg in ws:
                    f.write(msg + "\n")
            finally:
                flusher.cancel()
                f.flush()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_frame(sock):
    h = recv_exact(sock, 2)
    op, ln = h[0] & 15, h[1] & 127
    if h[1] & 128:
        raise ValueError("the server masked a frame")
    if ln == 126:
        ln = int.from_bytes(recv_exact(sock, 2), "big")
    elif ln == 127:
        ln = int.from_bytes(recv_exact(sock, 8), "big")
    return op, recv_exact(sock, ln)


def send_text(sock, text):
    data, mask = text.encode(), os.urandom(4)
    hdr = bytes([0x81, 0x80 | len(data)]) if len(data) < 126 else \
        bytes([0x81, 0x80 | 126]) + len(data).to_bytes(2, "big")
    sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


async def close_main(url):
    import websockets
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "ris_subscribe",
                                  "data": {"socketOptions": {"acknowledge": True}}}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if reply["type"] != "ris_subscribe_ok":
            sys.exit("no ris_subscribe_ok: %s" % reply)
        await asyncio.wait_for(ws.close(), 5)
        if ws.close_code != 1000:
            sys.exit("closing handshake: code %s" % ws.close_code)


def bad_main(host, port):
    sock = handshake(host, port, 0)
    sock.settimeout(5)
    sock.sendall(bytes([0x81, 2]) + b"{}")         # not masked
    op, payload = read_frame(sock)
    if op != 8 or payload[:2] != (1002).to_bytes(2, "big"):
        sys.exit("want a close frame with 1002, got opcode %d %r" % (op, payload))
    if sock.recv(1) != b"":
        sys.exit("the server did not close the connection")


def handshake(host, port, rcvbuf):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /v1/ws/?client=slow HTTP/1.1\r\nHost: %s:%s\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                  % (host, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(sock, 1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit("no upgrade: %r" % head)
    return sock


def slow_main(host, port, out, pause_file, subs):
    sock = handshake(host, port, 4096)
    for s in subs or ["{}"]:
        send_text(sock, json.dumps({"type": "ris_subscribe", "data": json.loads(s)}))
    with open(out, "a") as f:
        f.write(json.dumps({"type": "slow_ready"}) + "\n")
        f.flush()
        while not os.path.exists(pause_file):
            time.sleep(0.1)
        # read at full speed now: a 4 KiB window makes TCP crawl
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.settimeout(3)
        try:
            while True:
                op, payload = read_frame(sock)
                if op == 1:
                    f.write(payload.decode() + "\n")
                    f.flush()
        except (socket.timeout, EOFError):
            pass


def main():
    a = sys.argv[1:]
    if a[0] == "ws":
        try:
            asyncio.run(ws_main(a[1], a[2], arg_list(a, "--sub"), arg_list(a, "--send")))
        except KeyboardInterrupt:
            pass
    elif a[0] == "close":
        asyncio.run(close_main(a[1]))
    elif a[0] == "bad":
        bad_main(a[1], a[2])
    elif a[0] == "slow":
        slow_main(a[1], a[2], a[3], a[4], arg_list(a, "--sub"))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
