#!/usr/bin/env python3
"""mux_tables.py — expected and received tables for the mux integration tests.

Every table is one canonical JSON object: prefix -> {origin, as_path (a
string, AS_SETs as "{a b}"), next_hop, med (absent when not sent),
communities, ext_communities (16 hex digits each), large_communities (each
absent when empty), in the order they were received}.

  expect   --daemon D --asn A --slot S --v4 N --v6 M [--after-withdraw]
           [--extra TAG]...   what an ISP announces (routegen.py's generator
           through the daemon's export profile), plus the extra routes
           announced later in the test (see EXTRA) under TAG
  extra    --tag TAG --format bird|gobgp   the extra routes in the ISP's
           input format (BIRD static protocols / gobgp CLI argument lines)
  bird     (stdin: `birdc show route all table T`)
  frr      (stdin: `show bgp ipvX unicast detail json`, one or more)
  exa      FILE NEIGHBOR   replay ExaBGP's JSON messages for one neighbor
  compare  NAME EXPECTED GOT [--unordered]   exit 1 on any difference

Python 3 stdlib only.  The expectation never comes from muxd's output.
"""
import ipaddress
import json
import os
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import routegen  # noqa: E402


def ext_hex(v):
    return "%016x" % v


def canon_expect(r):
    out = {"origin": r["origin"], "next_hop": r["next_hop"]}
    parts = []
    for x in r["as_path"]:
        parts.append("{%s}" % " ".join(map(str, x)) if isinstance(x, list) else str(x))
    out["as_path"] = " ".join(parts)
    if "med" in r:
        out["med"] = r["med"]
    if r.get("communities"):
        out["communities"] = list(r["communities"])
    if r.get("ext_communities"):
        out["ext_communities"] = [ext_hex(routegen.ext_key(e)) for e in r["ext_communities"]]
    if r.get("large_communities"):
        out["large_communities"] = list(r["large_communities"])
    return out


# Extra routes, announced during the test: a few per family and tag, with
# fixed attributes.  tag "a1": ISP A's first batch, etc.
def extra_routes(tag):
    h = zlib.crc32(tag.encode()) % 250
    routes = []
    for i in range(20):
        p = "198.18.%d.%d/32" % (h, i)
        routes.append((p, {"origin": "igp", "as_path": [64600 + i, 3356],
                           "next_hop": "192.0.2.%d" % (100 + i % 50), "med": 1000 + i,
                           "communities": ["65432:%d" % i], "ext_communities": ["rt:65001:%d" % i],
                           "large_communities": ["4200000000:1:%d" % i]}))
    for i in range(10):
        p = str(ipaddress.IPv6Network("2001:db8:f%03x:%x::/64" % (h, i)))
        routes.append((p, {"origin": "incomplete", "as_path": [174, 64700 + i],
                           "next_hop": "2001:db8:ffff::%x" % (0x100 + i), "med": 2000 + i,
                           "communities": ["65433:%d" % i], "ext_communities": ["rt:65002:%d" % i],
                           "large_communities": ["4200000000:2:%d" % i]}))
    return routes


def cmd_extra(args):
    tag, fmt = args.tag, args.format
    if fmt == "bird":
        for afi in (4, 6):
            print("protocol static x%d_%s {" % (afi, tag))
            print("  ipv%d { table t%d_%s; };" % (afi, afi, args.table))
            for p, a in extra_routes(tag):
                if (":" in p) == (afi == 6):
                    print("  route %s blackhole { %s };" % (p, routegen.bird_block(a)))
            print("}")
    else:
        for p, a in extra_routes(tag):
            afi = "ipv6" if ":" in p else "ipv4"
            print("-a %s %s origin %s aspath %s nexthop %s med %d community %s "
                  "large-community %s rt %s" % (
                      afi, p, a["origin"], ",".join(map(str, a["as_path"])), a["next_hop"],
                      a["med"], ",".join(a["communities"]), ",".join(a["large_communities"]),
                      ",".join(e[3:] for e in a["ext_communities"])))


def cmd_expect(args):
    out = {}
    for p, r in routegen.expected(args.daemon, args.asn, args.slot, args.v4, args.v6,
                                  args.after_withdraw).items():
        out[p] = canon_expect(r)
    for tag in args.extra or []:
        for p, a in extra_routes(tag):
            out[p] = canon_expect(routegen.expect_route(args.daemon, args.asn, p, a))
    json.dump(out, sys.stdout, sort_keys=True)


# ------------------------------------------------------------------ parsers

def bird_ext(s):
    kind, a, b = [x.strip() for x in s.strip("()").split(",")]
    if kind == "generic":
        return ext_hex((int(a, 0) << 32) | int(b, 0))
    t = {"rt": 0x0002, "ro": 0x0003}[kind]
    return ext_hex((t << 48) | (int(a) << 32) | int(b))


def cmd_bird(args):
    # BIRD wraps long attribute values: continuation lines hold only "(...)".
    lines = []
    for line in sys.stdin:
        if re.match(r"^\s+\(", line) and lines and lines[-1].lstrip().startswith("BGP."):
            lines[-1] = lines[-1].rstrip("\n") + " " + line.strip() + "\n"
        else:
            lines.append(line)
    routes, cur = {}, None
    for line in lines:
        m = re.match(r"^([0-9a-f.:]+/\d+)\s", line)
        if m:
            cur = routes.setdefault(m.group(1), {})
            continue
        m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", line)
        if not m or cur is None:
            continue
        k, v = m.group(1), m.group(2).strip()
        if k == "origin":
            cur["origin"] = v.lower()
        elif k == "as_path":
            cur["as_path"] = " ".join(v.split())
        elif k == "next_hop":
            cur["next_hop"] = v.split()[0]
        elif k == "med":
            cur["med"] = int(v)
        elif k == "community":
            cur["communities"] = ["%s:%s" % tuple(x.split(","))
                                  for x in re.findall(r"\((\d+,\d+)\)", v.replace(" ", ""))]
        elif k == "ext_community":
            cur["ext_communities"] = [bird_ext(x) for x in re.findall(r"\([^)]*\)", v)]
        elif k == "large_community":
            cur["large_communities"] = [":".join(x.replace(" ", "").split(","))
                                        for x in re.findall(r"\(([^)]*)\)", v)]
    for r in routes.values():
        for k in ("communities", "ext_communities", "large_communities"):
            if k in r and not r[k]:
                del r[k]
    json.dump(routes, sys.stdout, sort_keys=True)


def frr_ext(s):
    out = []
    for tok in re.findall(r"UNK:\d+, \d+|\S+", s):
        if tok.startswith("UNK:"):
            # FRR 8.4 prints an extended community it does not know (here the
            # transitive opaque Color, 0x030b) as "UNK:<type>, <n>", without
            # its value: only its presence and position can be compared.
            out.append("opaque")
            continue
        m = re.match(r"^(RT|SoO):(\d+):(\d+)$", tok)
        if m:
            t = 0x0002 if m.group(1) == "RT" else 0x0003
            out.append(ext_hex((t << 48) | (int(m.group(2)) << 32) | int(m.group(3))))
        else:
            out.append("?" + tok)
    return out


def cmd_frr(args):
    text = sys.stdin.read()
    dec = json.JSONDecoder()
    routes = {}
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        doc, i = dec.raw_decode(text, i)
        for p, paths in doc.get("routes", {}).items():
            if isinstance(paths, dict):
                paths = paths.get("paths", [paths])
            for path in paths:
                if args.peer and path.get("peer", {}).get("peerId") != args.peer:
                    continue
                r = {"origin": path.get("origin", "").lower(),
                     "as_path": " ".join(str(path.get("aspath", {}).get("string", ""))
                                         .replace(",", " ").split())}
                if r["as_path"] == "Local":
                    r["as_path"] = ""
                nh = path.get("nexthops", [{}])[0]
                r["next_hop"] = nh.get("ip")
                if "med" in path:
                    r["med"] = path["med"]
                elif "metric" in path:
                    r["med"] = path["metric"]
                if path.get("community"):
                    r["communities"] = path["community"]["string"].split()
                if path.get("extendedCommunity"):
                    r["ext_communities"] = frr_ext(path["extendedCommunity"]["string"])
                if path.get("largeCommunity"):
                    r["large_communities"] = path["largeCommunity"]["string"].split()
                if p in routes:
                    r = {"error": "more than one path"}
                routes[p] = r
    json.dump(routes, sys.stdout, sort_keys=True)


def exa_attrs(a, nh):
    r = {"origin": a.get("origin"), "next_hop": nh}
    path = a.get("as-path", [])
    if isinstance(path, dict):   # ExaBGP 4.2 with AS_SETs: {"0": {"element": ..., "value": [...]}}
        parts = []
        for k in sorted(path, key=int):
            seg = path[k]
            vals = " ".join(map(str, seg.get("value", [])))
            parts.append("{%s}" % vals if "set" in seg.get("element", "") else vals)
        r["as_path"] = " ".join(x for x in parts if x)
    else:
        r["as_path"] = " ".join(map(str, path))
    if a.get("as-set"):
        r["as_path"] = (r["as_path"] + " {%s}" % " ".join(map(str, a["as-set"]))).strip()
    if "med" in a:
        r["med"] = a["med"]
    if a.get("community"):
        r["communities"] = ["%d:%d" % tuple(c) for c in a["community"]]
    if a.get("extended-community"):
        r["ext_communities"] = [ext_hex(e["value"]) for e in a["extended-community"]]
    if a.get("large-community"):
        r["large_communities"] = ["%d:%d:%d" % tuple(c) for c in a["large-community"]]
    return r


def cmd_exa(args):
    routes = {}
    with open(args.file) as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("type") != "update":
                continue
            nb = m.get("neighbor", {})
            if nb.get("address", {}).get("peer") != args.neighbor:
                continue
            u = nb.get("message", {}).get("update", {})
            for fam, items in u.get("withdraw", {}).items():
                for it in items:
                    routes.pop(it["nlri"] if isinstance(it, dict) else it, None)
            attrs = u.get("attribute", {})
            for fam, by_nh in u.get("announce", {}).items():
                for nh, items in by_nh.items():
                    for it in items:
                        p = it["nlri"] if isinstance(it, dict) else it
                        routes[p] = exa_attrs(attrs, nh)
    json.dump(routes, sys.stdout, sort_keys=True)


def cmd_compare(args):
    want = json.load(open(args.expected))
    got = json.load(open(args.got))
    problems = []
    for p, a in want.items():
        g = got.get(p)
        if g is None:
            problems.append("%s: missing" % p)
            continue
        g = dict(g)
        if args.frr_opaque and "ext_communities" in a:
            a = dict(a, ext_communities=[e if e[:4] in ("0002", "0003") else "opaque"
                                         for e in a["ext_communities"]])
        if args.unordered:
            for k in ("communities", "ext_communities", "large_communities"):
                if k in g:
                    g[k] = sorted(g[k])
                if k in a:
                    a = dict(a, **{k: sorted(a[k])})
        if g != a:
            diff = {k: (a.get(k), g.get(k)) for k in set(a) | set(g) if a.get(k) != g.get(k)}
            problems.append("%s: (want, got) %s" % (p, json.dumps(diff, sort_keys=True)))
    for p in got:
        if p not in want:
            problems.append("%s: not announced by the ISP" % p)
    if problems:
        print("%s: %d differences, e.g.:" % (args.name, len(problems)), *problems[:6],
              sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print("%s: %d routes equal, attribute by attribute" % (args.name, len(want)), file=sys.stderr)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("expect")
    e.add_argument("--daemon", required=True)
    e.add_argument("--asn", type=int, required=True)
    e.add_argument("--slot", type=int, required=True)
    e.add_argument("--v4", type=int, required=True)
    e.add_argument("--v6", type=int, required=True)
    e.add_argument("--after-withdraw", action="store_true")
    e.add_argument("--extra", action="append")
    x = sub.add_parser("extra")
    x.add_argument("--tag", required=True)
    x.add_argument("--format", choices=["bird", "gobgp"], required=True)
    x.add_argument("--table", default="")
    sub.add_parser("bird")
    f = sub.add_parser("frr")
    f.add_argument("--peer", help="only paths learned from this neighbor")
    r = sub.add_parser("exa")
    r.add_argument("file")
    r.add_argument("neighbor")
    c = sub.add_parser("compare")
    c.add_argument("name")
    c.add_argument("expected")
    c.add_argument("got")
    c.add_argument("--unordered", action="store_true")
    c.add_argument("--frr-opaque", action="store_true",
                   help="FRR shows opaque extended communities without their value")
    args = ap.parse_args()
    {"expect": cmd_expect, "extra": cmd_extra, "bird": cmd_bird, "frr": cmd_frr,
     "exa": cmd_exa, "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    main()
