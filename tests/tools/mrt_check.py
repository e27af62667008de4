#!/usr/bin/env python3
"""mrt_check.py — tables out of `bgpdump -m` output and out of muxd's
routes.json, in mux_tables.py's canonical form restricted to what bgpdump
prints: prefix -> {origin, as_path, next_hop, med, communities,
large_communities}. The test diffs them with `mux_tables.py compare`.

  rib FILE.txt [PEER]           a TABLE_DUMP2 dump (bgpdump -m of a bview),
                                PEER's entries only if given
  updates FILE.txt [PEER]       replay BGP4MP announcements and withdrawals
                                in order; prints the final table
  paths FILE.txt PEER           "PREFIX NEXT-HOP AS-PATH" lines of PEER's
                                entries or announcements, sorted (ADD-PATH:
                                several per prefix)
  subtypes FILE...              "TYPE SUBTYPE COUNT" of the MRT files' records
  states FILE.txt               the BGP4MP state changes: "PEER OLD NEW" lines
  routes ROUTES.json VIEW       muxd's view VIEW from its SIGUSR1 dump
  project FILE.json             a mux_tables.py expectation, restricted

bgpdump prints a missing MED as 0 and no large communities (1.6.2): the
canonical form here does the same on every side (med 0 when absent, only
standard communities).

Python 3 stdlib only.
"""
import json
import sys


def canon(origin, as_path, next_hop, med, comms):
    out = {"origin": origin.lower(), "as_path": as_path, "next_hop": next_hop,
           "med": int(med or 0)}
    std = [c for c in comms if c.count(":") == 1]
    if std:
        out["communities"] = std
    return out


def bgpdump_path(s):
    # "1 2 {3,4}" -> "1 2 {3 4}" (mux_tables.py's AS_SET form)
    return s.replace(",", " ").strip()


def fields(line):
    """bgpdump -m fields; the ADD-PATH forms (TABLE_DUMP2_AP, BGP4MP_AP)
    carry the path id after the prefix: taken out, so every kind has the
    same layout (type without _AP)."""
    f = line.rstrip("\n").split("|")
    if f[0].endswith("_AP"):
        f[0] = f[0][:-3]
        if len(f) > 6 and f[2] in ("A", "B", "W"):
            del f[6]
    return f


def route_of(f):
    # f: fields after the peer AS: prefix, path, origin, next hop, lp, med, comm
    return f[0], canon(f[2], bgpdump_path(f[1]), f[3], f[5], f[6].split())


def cmd_rib(path, peer=None):
    table = {}
    for line in open(path):
        f = fields(line)
        if f[0] != "TABLE_DUMP2" or (peer and f[3] != peer):
            continue
        p, r = route_of(f[5:])
        if p in table:
            sys.exit("%s: %s twice in the dump" % (path, p))
        table[p] = r
    return table


def cmd_updates(path, peer=None):
    table = {}
    for line in open(path):
        f = fields(line)
        if f[0] != "BGP4MP" or (peer and f[3] != peer):
            continue
        if f[2] == "A":
            p, r = route_of(f[5:])
            table[p] = r
        elif f[2] == "W":
            table.pop(f[5], None)
    return table


def cmd_states(path):
    for line in open(path):
        f = fields(line)
        if f[0] == "BGP4MP" and f[2] == "STATE":
            print(f[3], f[5], f[6])


def as_path_text(path):
    parts = []
    for x in path:
        if isinstance(x, list):
            parts.append("{%s}" % " ".join(map(str, x)))
        else:
            parts.append(str(x))
    return " ".join(parts)


def cmd_routes(path, view):
    doc = json.load(open(path))
    v = next(v for v in doc["views"] if v["name"] == view)
    table = {}
    for r in v["routes"]:
        table[r["prefix"]] = canon(r["origin"], as_path_text(r["as_path"]), r["next_hop"],
                                   r.get("med"), r.get("communities", []) +
                                   r.get("large_communities", []))
    return table


def cmd_project(path):
    table = {}
    for p, r in json.load(open(path)).items():
        table[p] = canon(r["origin"], r["as_path"], r["next_hop"], r.get("med"),
                         r.get("communities", []) + r.get("large_communities", []))
    return table


def cmd_paths(path, peer):
    out = set()
    for line in open(path):
        f = fields(line)
        if f[0] in ("TABLE_DUMP2", "BGP4MP") and f[2] in ("B", "A") and f[3] == peer:
            out.add("%s %s %s" % (f[5], f[8], f[6]))
    for x in sorted(out):
        print(x)


def cmd_subtypes(*paths):
    import gzip
    import struct
    counts = {}
    for path in paths:
        data = open(path, "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        off = 0
        while off + 12 <= len(data):
            _, t, sub, n = struct.unpack_from(">IHHI", data, off)
            counts[(t, sub)] = counts.get((t, sub), 0) + 1
            off += 12 + n
    for (t, sub), n in sorted(counts.items()):
        print(t, sub, n)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("states", "paths", "subtypes"):
        {"states": cmd_states, "paths": cmd_paths, "subtypes": cmd_subtypes}[cmd](*args)
        return
    fn = {"rib": cmd_rib, "updates": cmd_updates, "routes": cmd_routes,
          "project": cmd_project}[cmd]
    print(json.dumps(fn(*args), sort_keys=True))


if __name__ == "__main__":
    main()
