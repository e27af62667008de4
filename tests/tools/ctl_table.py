#!/usr/bin/env python3
"""Reads an aligned table as muxctl prints it (stdin) and prints it as JSON:
a list of {header: cell}. Columns are found from the header line (two or
more spaces apart); each row is cut at the header's column starts, so a
table whose cells do not line up under their headers reads wrong."""
import json
import re
import sys

lines = [l.rstrip("\n") for l in sys.stdin if l.strip()]
if not lines:
    sys.exit("empty table")
head = lines[0]
starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", head)]
names = [head[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
rows = []
for line in lines[1:]:
    cells = [line[s:e].strip() if e else line[s:].strip() for s, e in zip(starts, starts[1:] + [None])]
    # a cell never starts in the middle of a word: the char before a column
    # start is a space (or the line is shorter)
    for s in starts[1:]:
        if s < len(line) and line[s - 1] != " ":
            sys.exit("misaligned row: %r" % line)
    rows.append(dict(zip(names, cells)))
json.dump(rows, sys.stdout)
