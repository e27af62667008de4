#!/usr/bin/env python3
"""bmp_check.py — what pmacct's pmbmpd logged (bmp_daemon_msglog_output:
json, one object per line), in mux_tables.py's canonical table form
without extended communities (pmbmpd prints some of them as "?"):
prefix -> {origin, as_path, next_hop, med (when sent), communities,
large_communities}.

  table LOG PEER            replay PEER's route_monitor updates/withdrawals
  has LOG PEER WANT.json    exit 0 if that table equals WANT.json (a poll)
  verify NAME LOG PEER WANT.json ROUTES.json VIEW
                            that table against WANT.json (the upstream's
                            routes) and against muxd's view, path by path;
                            prints the first differences, exit 1 on any
  expect OUT-DIR ARGS...    mux_tables.py expect ARGS, projected, into
                            OUT-DIR/want.json and (--after-withdraw)
                            OUT-DIR/want_wd.json, in one process
  routes ROUTES.json VIEW   muxd's view VIEW from its SIGUSR1 dump
  project FILE.json         a mux_tables.py expectation, restricted
  msgs LOG [TYPE]           the log's messages of bmp_msg_type TYPE (all
                            when omitted), one JSON object per line

Python 3 stdlib only.
"""
import json
import sys

ORIGINS = {"i": "igp", "e": "egp", "u": "incomplete", "?": "incomplete"}


def canon(origin, as_path, next_hop, med, comms, large):
    out = {"origin": origin, "as_path": as_path, "next_hop": next_hop}
    if med is not None:
        out["med"] = int(med)
    if comms:
        out["communities"] = list(comms)
    if large:
        out["large_communities"] = list(large)
    return out


def log_lines(path):
    for line in open(path):
        line = line.strip()
        if line:
            yield json.loads(line)


def cmd_table(path, peer):
    table = {}
    for m in log_lines(path):
        if m.get("bmp_msg_type") != "route_monitor" or m.get("peer_ip") != peer:
            continue
        p = m["ip_prefix"]
        if m.get("log_type") == "withdraw":
            table.pop(p, None)
            continue
        path_text = m.get("as_path", "").replace(",", " ")
        table[p] = canon(ORIGINS[m["origin"]], path_text, m["bgp_nexthop"], m.get("med"),
                         m.get("comms", "").split(), m.get("lcomms", "").split())
    return table


def as_path_text(path):
    return " ".join("{%s}" % " ".join(map(str, x)) if isinstance(x, list) else str(x)
                    for x in path)


def cmd_routes(path, view):
    v = next(v for v in json.load(open(path))["views"] if v["name"] == view)
    return {r["prefix"]: canon(r["origin"], as_path_text(r["as_path"]), r["next_hop"],
                               r.get("med"), r.get("communities", []),
                               r.get("large_communities", []))
            for r in v["routes"]}


def cmd_project(path):
    return {p: canon(r["origin"], r["as_path"], r["next_hop"], r.get("med"),
                     r.get("communities", []), r.get("large_communities", []))
            for p, r in json.load(open(path)).items()}


def diff(name, want, got):
    problems = []
    for p, a in want.items():
        if p not in got:
            problems.append("%s: missing" % p)
        elif got[p] != a:
            problems.append("%s: want %s, got %s" % (p, json.dumps(a), json.dumps(got[p])))
    problems += ["%s: not expected" % p for p in got if p not in want]
    if problems:
        print("%s: %d differences, e.g.:" % (name, len(problems)), *problems[:6],
              sep="\n  ", file=sys.stderr)
        return False
    print("%s: %d routes equal, path by path" % (name, len(want)), file=sys.stderr)
    return True


def cmd_verify(name, log, peer, want, routes, view):
    got = cmd_table(log, peer)
    ok = diff(name + ": collector vs the upstream's announcements", json.load(open(want)), got)
    ok &= diff(name + ": collector vs muxd's view", cmd_routes(routes, view), got)
    sys.exit(0 if ok else 1)


def cmd_expect(out_dir, *args):
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import mux_tables
    import routegen
    a = dict(zip(args[::2], args[1::2]))
    for name, wd in (("want", False), ("want_wd", True)):
        exp = routegen.expected(a["--daemon"], int(a["--asn"]), int(a["--slot"]),
                                int(a["--v4"]), int(a["--v6"]), wd)
        table = {}
        for p, r in exp.items():
            c = mux_tables.canon_expect(r)
            table[p] = canon(c["origin"], c["as_path"], c["next_hop"], c.get("med"),
                             c.get("communities", []), c.get("large_communities", []))
        json.dump(table, open(os.path.join(out_dir, name + ".json"), "w"), sort_keys=True)


def cmd_project_canon(path):
    # WANT.json is already canonical (written by project): load it as is.
    return json.load(open(path))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "msgs":
        for m in log_lines(args[0]):
            if m.get("event_type") == "log" and (len(args) < 2 or
                                                 m.get("bmp_msg_type") == args[1]):
                print(json.dumps(m, sort_keys=True))
        return
    if cmd == "verify":
        cmd_verify(*args)
    if cmd == "expect":
        cmd_expect(*args)
        return
    if cmd == "has":
        sys.exit(0 if cmd_table(args[0], args[1]) == cmd_project_canon(args[2]) else 1)
    fn = {"table": cmd_table, "routes": cmd_routes, "project": cmd_project}[cmd]
    print(json.dumps(fn(*args), sort_keys=True))


if __name__ == "__main__":
    main()
