#!/usr/bin/env python3
"""exa_ctl.py FIFO REPLIES — an ExaBGP API process for the integration tests.

ExaBGP runs it (conf/exabgp.conf.in) and reads commands from its stdout.
Every line a test writes to FIFO ("withdraw route ...") is passed on; what
ExaBGP answers on our stdin ("done", "error") is appended to REPLIES so the
test can wait for it.  Exits when ExaBGP closes our stdin.
"""
import os
import select
import sys


def main():
    fifo, replies = sys.argv[1], sys.argv[2]
    # O_RDWR: the FIFO never reads as end-of-file between two writers.
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    pending = b""
    with open(replies, "ab", buffering=0) as out:
        while True:
            ready, _, _ = select.select([fd, 0], [], [])
            if 0 in ready:
                data = os.read(0, 65536)
                if not data:
                    return
                out.write(data)
            if fd in ready:
                pending += os.read(fd, 65536)
                lines, _, pending = pending.rpartition(b"\n")
                if lines:
                    sys.stdout.buffer.write(lines + b"\n")
                    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
