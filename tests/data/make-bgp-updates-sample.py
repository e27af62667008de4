#!/usr/bin/env python3
"""Rebuild bgp-updates-sample.mrt and bgp-updates-sample.bgpdump.

Picks about 500 whole BGP4MP / BGP4MP_ET UPDATE records from the real MRT
files in /work/shared/data (see SOURCES.md here), covering every attribute
type, both AS number sizes, IPv4 and IPv6, withdrawals and End-of-RIB
markers, and copies them unchanged. Then runs `bgpdump -m` on a subset of
small records, one record at a time, for test_bgp_mrt.c to compare with.

    python3 tests/data/make-bgp-updates-sample.py /work/shared/data
"""
import collections
import gzip
import struct
import subprocess
import sys
import tempfile

SOURCES = [  # file, how many records at most
    ('csu-updates-20130101-arch0.mrt', 170),
    ('ris-updates.20160811.1600.gz', 150),
    ('ris-rrc15-updates.20100227.1600.gz', 60),
    ('pch-fulltable-session-bgp4mp_et.2015-10-23.gz', 80),
]
# Offsets in the uncompressed PCH file of UPDATEs with AS 0 (RFC 7607).
PCH_AS0 = {6330542, 8001599, 8001773, 13235498}


def records(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    i = 0
    while i + 12 <= len(data):
        _, typ, sub, ln = struct.unpack('>IHHI', data[i:i + 12])
        yield i, typ, sub, data[i + 12:i + 12 + ln], data[i:i + 12 + ln]
        i += 12 + ln


def features(typ, sub, body):
    """What an UPDATE record shows: attribute types, families, fields."""
    off = 4 if typ == 17 else 0
    asl = 4 if sub == 4 else 2
    p = off + 2 * asl + 2
    afi = struct.unpack('>H', body[p:p + 2])[0]
    msg = body[p + 2 + (8 if afi == 1 else 32):]
    if msg[18] != 2:
        return None
    wl = struct.unpack('>H', msg[19:21])[0]
    q = 21 + wl
    tl = struct.unpack('>H', msg[q:q + 2])[0]
    q += 2
    end = q + tl
    fs = {'as%d' % asl, 'afi%d' % afi}
    while q < end:
        flags, t = msg[q], msg[q + 1]
        if flags & 0x10:
            ln = struct.unpack('>H', msg[q + 2:q + 4])[0]
            q += 4
        else:
            ln = msg[q + 2]
            q += 3
        fs.add('t%d' % t)
        q += ln
    nl = len(msg) - end
    if wl:
        fs.add('wd')
    if nl:
        fs.add('nlri')
    if nl > 60:
        fs.add('bignlri')
    if tl == 0:
        fs.add('noattr')
    return fs


def pick(path, cap, is_pch):
    seen = collections.Counter()
    chosen = []
    for off, typ, sub, body, raw in records(path):
        if typ not in (16, 17) or sub not in (1, 4) or len(raw) > 1500:
            continue
        fs = features(typ, sub, body)
        if fs is None:
            continue
        forced = (is_pch and off in PCH_AS0) or 't18' in fs or \
            ('t17' in fs and seen['t17'] < 40)
        wanted = any(seen[x] < max(3, cap // 6) for x in fs)
        if forced or (wanted and len(chosen) < cap):
            chosen.append((raw, is_pch and off in PCH_AS0))
            seen.update(fs)
    return chosen


def bgpdump_lines(raw):
    with tempfile.NamedTemporaryFile(suffix='.mrt') as f:
        f.write(raw)
        f.flush()
        out = subprocess.run(['bgpdump', '-m', f.name], capture_output=True,
                             check=True, text=True).stdout
    return out.splitlines()


def main(src):
    recs = []
    for name, cap in SOURCES:
        recs += pick(src + '/' + name, cap, name.startswith('pch'))
    with open('tests/data/bgp-updates-sample.mrt', 'wb') as f:
        f.write(b''.join(raw for raw, _ in recs))
    # Cross-check subset: every third record that bgpdump prints in at
    # most 6 lines, AS 0 records left out (bgpmux withdraws them).
    idx, lines = [], []
    for i, (raw, as0) in enumerate(recs):
        if i % 3 or as0:
            continue
        got = bgpdump_lines(raw)
        if 0 < len(got) <= 6:
            idx.append(i)
            lines += got
    with open('tests/data/bgp-updates-sample.bgpdump', 'w') as f:
        f.write('# bgpdump -m, one record at a time, of records: %s\n'
                % ' '.join(map(str, idx)))
        f.write('\n'.join(lines) + '\n')
    print(len(recs), 'records;', len(idx), 'cross-checked in', len(lines),
          'lines')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '/work/shared/data')
