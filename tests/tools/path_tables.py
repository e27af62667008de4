#!/usr/bin/env python3
"""path_tables.py — tables with several paths per prefix (ADD-PATH), as
one canonical line a path, for tests that compare what clients hold with
what an upstream sends (test_scaleout.sh).

  isp   --asn A --v4 N --v6 M --bird FILE [--without AFI:PATH]...
        writes BIRD static protocols pAFI_PATH (tables t4, t6) giving each
        of N IPv4 and M IPv6 prefixes two paths with different attributes,
        and prints what BIRD, as AS A exporting them with "add paths tx",
        sends: one canonical line a path, sorted; without the paths of the
        protocols named (what it sends once `birdc disable p4_2`)
  bird  (stdin: `birdc show route all table T`, any number of tables)
  gobgp (stdin: `gobgp global rib -a ipvX -j`, one JSON document a line)
  sinks FILE...   bgp_sink --dump-table files: exit 1 unless all hold the
        same routes (prefix, path id, attribute fingerprint)

A canonical line: "PREFIX nh=NEXT_HOP path=AS... origin=O med=N|-
comm=A:B,...|- large=A:B:C,...|-", communities sorted. Python 3 stdlib only.
"""
import argparse
import ipaddress
import json
import re
import struct
import sys

PATHS = (1, 2)


def v4_prefix(i):
    return "100.%d.%d.0/24" % (64 + i // 256 % 64, i % 256)


def v6_prefix(i):
    return str(ipaddress.IPv6Network("2001:db8:1:%x::/64" % i))


def isp_path(afi, i, x, asn):
    """Path x (1 or 2) of prefix i: its attributes as the ISP sends them."""
    nh = "192.0.2.5%d" % x if afi == 4 else "2001:db8:ffff::5%d" % x
    if x == 1:
        return {"nh": nh, "path": [asn, 64601], "origin": "igp", "med": 100 + i,
                "comm": ["65070:%d" % (i % 100), "65070:1000"], "large": []}
    return {"nh": nh, "path": [asn, 64602, 64700 + i % 7], "origin": "incomplete",
            "med": None, "comm": [], "large": ["65070:2:%d" % i]}


def line(prefix, a):
    comm = sorted(a["comm"], key=lambda c: tuple(map(int, c.split(":"))))
    large = sorted(a["large"], key=lambda c: tuple(map(int, c.split(":"))))
    return "%s nh=%s path=%s origin=%s med=%s comm=%s large=%s" % (
        prefix, a["nh"], " ".join(map(str, a["path"])) or "-", a["origin"],
        "-" if a["med"] is None else a["med"], ",".join(comm) or "-", ",".join(large) or "-")


def bird_route(prefix, a):
    parts = ["bgp_next_hop = %s;" % a["nh"], "bgp_origin = ORIGIN_%s;" % a["origin"].upper()]
    parts += ["bgp_path.prepend(%d);" % n for n in reversed(a["path"][1:])]
    if a["med"] is not None:
        parts.append("bgp_med = %d;" % a["med"])
    parts += ["bgp_community.add((%s));" % c.replace(":", ",") for c in a["comm"]]
    parts += ["bgp_large_community.add((%s));" % c.replace(":", ",") for c in a["large"]]
    return "  route %s blackhole { %s };" % (prefix, " ".join(parts))


def cmd_isp(args):
    lines = []
    with open(args.bird, "w") as f:
        for x in PATHS:
            for afi, n, pfx in ((4, args.v4, v4_prefix), (6, args.v6, v6_prefix)):
                f.write("protocol static p%d_%d { ipv%d { table t%d; };\n" % (afi, x, afi, afi))
                for i in range(n):
                    a = isp_path(afi, i, x, args.asn)
                    f.write(bird_route(pfx(i), a) + "\n")
                    if "%d:%d" % (afi, x) not in args.without:
                        lines.append(line(pfx(i), a))
                f.write("}\n")
    print("\n".join(sorted(lines)))


ROUTE_HEAD = re.compile(r"^([0-9a-f.:]+/\d+)?\s+(unicast|unreachable|blackhole|prohibit)\b")


def cmd_bird(_args):
    out, prefix, cur = [], None, None

    def flush():
        if cur is not None:
            out.append(line(prefix, cur))

    for raw in sys.stdin:
        m = ROUTE_HEAD.match(raw)
        if m:
            flush()
            prefix = m.group(1) or prefix
            cur = {"nh": "-", "path": [], "origin": "-", "med": None, "comm": [], "large": []}
            continue
        m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", raw)
        if not m or cur is None:
            continue
        k, v = m.group(1), m.group(2).strip()
        if k == "origin":
            cur["origin"] = v.lower()
        elif k == "as_path":
            cur["path"] = [int(n) for n in v.split()]
        elif k == "next_hop":
            cur["nh"] = v.split()[0]
        elif k == "med":
            cur["med"] = int(v)
        elif k == "community":
            cur["comm"] = [c.replace(",", ":") for c in re.findall(r"\((\d+,\d+)\)", v.replace(" ", ""))]
        elif k == "large_community":
            cur["large"] = [c.replace(",", ":") for c in re.findall(r"\((\d+,\d+,\d+)\)", v.replace(" ", ""))]
    flush()
    print("\n".join(sorted(out)))


ORIGINS = {0: "igp", 1: "egp", 2: "incomplete"}


def gobgp_path(attrs):
    a = {"nh": "-", "path": [], "origin": "-", "med": None, "comm": [], "large": []}
    for at in attrs:
        t = at.get("type")
        if t == 1:
            a["origin"] = ORIGINS.get(at["value"], str(at["value"]))
        elif t == 2:
            for seg in at.get("as_paths", []):
                a["path"] += seg.get("asns", [])
        elif t in (3, 14):
            a["nh"] = at.get("nexthop", a["nh"])
        elif t == 4:
            a["med"] = at["metric"]
        elif t == 8:
            a["comm"] = ["%d:%d" % (c >> 16, c & 0xFFFF) for c in at["communities"]]
        elif t == 32:
            a["large"] = ["%d:%d:%d" % (v["ASN"], v["LocalData1"], v["LocalData2"]) for v in at["value"]]
    return a


def cmd_gobgp(_args):
    out = []
    for doc in sys.stdin:
        if not doc.strip():
            continue
        for prefix, paths in json.loads(doc).items():
            for p in paths:
                out.append(line(str(ipaddress.ip_network(prefix)), gobgp_path(p["attrs"])))
    print("\n".join(sorted(out)))


def sink_routes(path):
    data = open(path, "rb").read()
    if data[:8] != b"BGPTBL01" or (len(data) - 16) % 28:
        sys.exit("%s: not a bgp_sink table" % path)
    n = struct.unpack("!Q", data[8:16])[0]
    recs = sorted(data[16 + 28 * i:16 + 28 * (i + 1)] for i in range(n))
    if len(recs) * 28 != len(data) - 16:
        sys.exit("%s: %d routes counted, %d stored" % (path, n, (len(data) - 16) // 28))
    return recs


def cmd_sinks(args):
    first = sink_routes(args.files[0])
    for f in args.files[1:]:
        other = sink_routes(f)
        if other != first:
            a, b = set(first), set(other)
            sys.exit("%s (%d routes) differs from %s (%d routes): %d only in the first, %d only in the other"
                     % (f, len(other), args.files[0], len(first), len(a - b), len(b - a)))
    print("%d tables equal: %d routes each (prefix, path id, attributes)"
          % (len(args.files), len(first)), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("isp")
    i.add_argument("--asn", type=int, required=True)
    i.add_argument("--v4", type=int, required=True)
    i.add_argument("--v6", type=int, required=True)
    i.add_argument("--bird", required=True)
    i.add_argument("--without", action="append", default=[], metavar="AFI:PATH")
    sub.add_parser("bird")
    sub.add_parser("gobgp")
    s = sub.add_parser("sinks")
    s.add_argument("files", nargs="+")
    args = ap.parse_args()
    {"isp": cmd_isp, "bird": cmd_bird, "gobgp": cmd_gobgp, "sinks": cmd_sinks}[args.cmd](args)


if __name__ == "__main__":
    main()
