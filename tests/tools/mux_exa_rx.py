#!/usr/bin/env python3
"""mux_exa_rx.py FILE — an ExaBGP API process that appends every line ExaBGP
writes to it (JSON-encoded received UPDATEs and neighbor changes) to FILE,
flushed line by line.  Exits when ExaBGP closes its stdin."""
import sys

with open(sys.argv[1], "a", buffering=1) as out:
    for line in sys.stdin:
        out.write(line)
