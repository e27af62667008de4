#!/usr/bin/env python3
"""mrt_check.py — tables out of `bgpdump -m` output and out of muxd's
routes.json, in mux_tables.py's canonical form restricted to what bgpdump
prints: prefix -> {origin, as_path, next_hop, med, communities,
large_communities}. The test diffs them with `mux_tables.py compare`.

  rib FILE.txt                  a TABLE_DUMP2 dump (bgpdump -m of a bview)
  updates FILE.txt              replay BGP4MP announcements and withdrawals
                                in order; prints the final table
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


def route_of(f):
    # f: fields after the peer AS: prefix, path, origin, next hop, lp, med, comm
    return f[0], canon(f[2], bgpdump_path(f[1]), f[3], f[5], f[6].split())


def cmd_rib(path):
    table = {}
    for line in open(path):
        f = line.rstrip("\n").split("|")
        if f[0] != "TABLE_DUMP2":
            continue
        p, r = route_of(f[5:])
        if p in table:
            sys.exit("%s: %s twice in the dump" % (path, p))
        table[p] = r
    return table


def cmd_updates(path):
    table = {}
    for line in open(path):
        f = line.rstrip("\n").split("|")
        if f[0] != "BGP4MP":
            continue
        if f[2] == "A":
            p, r = route_of(f[5:])
            table[p] = r
        elif f[2] == "W":
            table.pop(f[5], None)
    return table


def cmd_states(path):
    for line in open(path):
        f = line.rstrip("\n").split("|")
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


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "states":
        cmd_states(*args)
        return
    fn = {"rib": cmd_rib, "updates": cmd_updates, "routes": cmd_routes,
          "project": cmd_project}[cmd]
    print(json.dumps(fn(*args), sort_keys=True))


if __name__ == "__main__":
    main()
