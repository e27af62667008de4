#!/usr/bin/env python3
"""notify_sink.py SOCKET LOG — systemd's side of sd_notify(3) for tests:
binds a datagram socket at SOCKET and appends each notification to LOG,
one datagram per line (its newlines shown as ';')."""
import os
import socket
import sys

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)   # muxd may run as another user
with open(log, "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        out.write(msg.replace("\n", ";") + "\n")
