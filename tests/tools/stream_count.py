#!/usr/bin/env python3
"""stream_count.py — a live-stream subscriber that only counts (for the
fan-out benchmark): GETs URL (http://ADDR:PORT/PATH) with HTTP/1.1, then
reads the body as fast as it can until the server closes it or SIGTERM,
and prints "LINES BYTES CPU" to OUT: the body's lines and bytes (as
`wc -lc` would) and the CPU seconds reading the body took (the benchmark
counts what its readers cost the machine; Python's start is left out).

One process reading the socket straight into large buffers: `curl | wc`
copies every byte twice more, through a pipe, in two processes, and on a
2-core benchmark machine that copying competed with the fan-out itself.

  stream_count.py URL OUT
"""
import os
import signal
import socket
import sys
from urllib.parse import urlsplit

lines = 0
nbytes = 0
cpu0 = None             # CPU seconds used when the body began


def cpu_now():
    t = os.times()
    return t.user + t.system


def done(*_):
    with open(sys.argv[2], "w") as f:
        cpu = cpu_now() - cpu0 if cpu0 is not None else 0.0
        f.write(f"{lines} {nbytes} {cpu:.3f}\n")
    sys.exit(0)


def main():
    global lines, nbytes, cpu0
    signal.signal(signal.SIGTERM, done)
    signal.signal(signal.SIGINT, done)
    u = urlsplit(sys.argv[1])
    path = u.path + ("?" + u.query if u.query else "")
    s = socket.create_connection((u.hostname, u.port or 80))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
              "Connection: close\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        data = s.recv(4096)
        if not data:
            done()
        head += data
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        print(f"stream_count: {status.decode(errors='replace')}", file=sys.stderr)
        sys.exit(1)
    cpu0 = cpu_now()
    body = head.split(b"\r\n\r\n", 1)[1]
    lines, nbytes = body.count(b"\n"), len(body)
    buf = bytearray(1 << 20)
    while True:
        n = s.recv_into(buf)
        if n == 0:
            break
        lines += buf.count(b"\n", 0, n)
        nbytes += n
    done()


if __name__ == "__main__":
    main()
