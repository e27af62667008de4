#!/usr/bin/env python3
"""routegen.py — the route generator behind the integration tests.

One deterministic generator (seeded by the daemon and a "slot") makes a
table of IPv4 and IPv6 routes with varied origins, AS paths (AS_SETs where
the daemon can send them), MEDs, LOCAL_PREFs, standard, extended and large
communities and next hops.  From that one table:

  render   writes the routes in the daemon's own input format (BIRD static
           protocols, FRR route-maps + network statements, ExaBGP static
           routes, an MRT TABLE_DUMP_V2 file for `gobgp mrt inject`), by
           filling a template's @PLACEHOLDERS@ (fill: placeholders only);
  withdraw prints the subset the test withdraws ("AFI PREFIX" lines, or
           ExaBGP API commands);
  replace  prints ExaBGP API commands that re-announce a subset with new
           attributes;
  check    compares muxd's routes.json with what each daemon must have sent:
           the generated routes passed through the daemon's own export
           behaviour (PROFILES below), route by route and attribute by
           attribute.

The expectation never comes from muxd's output.  Python 3 stdlib only.
"""
import argparse
import collections
import ipaddress
import json
import random
import re
import struct
import sys
import time

MUX_ASN = 65000
WITHDRAW_REM = 3        # route i is withdrawn when i % withdraw_mod == 3
REPLACE_MOD = 25        # route i is re-announced with other attributes when
REPLACE_REM = 7         # i % 25 == 7 (daemons with replace=True)

# What each daemon does to a locally originated route it sends on eBGP, as
# observed on the wire (BIRD 2.0.12, FRR 8.4, GoBGP 3.10, ExaBGP 4.2):
#   prepend    the daemon puts its own AS first (ExaBGP does not: its
#              renderer writes the daemon AS into the configured path, so the
#              wire carries the same path as the others);
#   as_set     the daemon can originate an AS_SET from its input format;
#   generic_ext  it can originate an extended community other than rt/ro;
#   sort_*     it sorts that community list (numerically) before sending;
#   med_default  MED sent when the input sets none (FRR: 0 for `network`);
#   pool_max   at most so many distinct attribute sets per family (FRR
#              sets each with a route-map, and bgpd's load time grows much
#              faster than linearly with them: 80 take 1 s through vtysh,
#              1600 more than 100 s);
#   withdraw_mod  every so many routes is withdrawn in the test (GoBGP's
#              withdrawal is one CLI call per prefix, so fewer of them);
#   replace    the test re-announces some routes with new attributes (an
#              implicit withdrawal); ExaBGP, through its API;
#   LOCAL_PREF is never sent on eBGP (RFC 4271 5.1.5) by any of them.
PROFILES = {
    "bird": dict(as_set=False, generic_ext=True, sort_comm=True, sort_ext=True,
                 sort_large=True, med_default=None, pool_max=None, withdraw_mod=25,
                 replace=False),
    "frr": dict(as_set=False, generic_ext=False, sort_comm=True, sort_ext=True,
                sort_large=True, med_default=0, pool_max=40, withdraw_mod=25,
                replace=False),
    "gobgp": dict(as_set=True, generic_ext=True, sort_comm=False, sort_ext=False,
                  sort_large=False, med_default=None, pool_max=None, withdraw_mod=100,
                  replace=False),
    "exabgp": dict(as_set=True, generic_ext=True, sort_comm=False, sort_ext=False,
                   sort_large=False, med_default=None, pool_max=None, withdraw_mod=25,
                   replace=True),
}

ORIGINS = ["igp", "egp", "incomplete"]


# ---------------------------------------------------------------- generator

def pick_asn(rng, avoid):
    while True:
        kind = rng.random()
        if kind < 0.5:
            asn = rng.randint(1, 64495)
        elif kind < 0.65:
            asn = rng.randint(64512, 65534)
        elif kind < 0.9:
            asn = rng.randint(131072, 399999)
        else:
            asn = rng.randint(4200000000, 4294967294)
        if asn not in avoid and asn != 23456:
            return asn


def pick_u32(rng):
    return rng.choice([rng.randint(0, 1000), rng.randint(0, 0xFFFF),
                       rng.randint(0, 0xFFFFFFFF)])


def unique(items):
    seen = []
    for i in items:
        if i not in seen:
            seen.append(i)
    return seen


def gen_attrs(rng, afi, prof, daemon_asn, big=False):
    """One attribute set; big: every attribute longer than 255 bytes, so
    each is sent with the extended length flag."""
    avoid = {MUX_ASN, daemon_asn}
    a = {"origin": rng.choice(ORIGINS)}
    n_path = 70 if big else rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
    path = [pick_asn(rng, avoid) for _ in range(n_path)]
    if prof["as_set"] and path and rng.random() < 0.15:
        path.append(sorted(unique(pick_asn(rng, avoid) for _ in range(rng.randint(2, 3)))))
    a["as_path"] = path
    if afi == 4:
        a["next_hop"] = "192.0.2.%d" % rng.randint(1, 254)
    else:
        a["next_hop"] = "2001:db8:ffff::%x" % rng.randint(1, 0xFFFF)
    if rng.random() < 0.7:
        a["med"] = pick_u32(rng)
    if rng.random() < 0.3:
        a["local_pref"] = pick_u32(rng)
    a["communities"] = unique("%d:%d" % (rng.randint(1, 65534), rng.randint(0, 65535))
                              for _ in range(70 if big else rng.choice([0, 0, 1, 2, 3, 5])))
    ext = []
    for _ in range(35 if big else rng.choice([0, 0, 1, 2, 3])):
        kind = rng.choice(["rt", "ro", "generic"] if prof["generic_ext"] else ["rt", "ro"])
        if kind == "generic":
            # Color (RFC 9012, transitive opaque 0x03/0x0b): flags 0, 32-bit color.
            ext.append("0x030b0000%08x" % pick_u32(rng))
        else:
            ext.append("%s:%d:%d" % (kind, rng.randint(1, 65534), pick_u32(rng)))
    a["ext_communities"] = unique(ext)
    a["large_communities"] = unique("%d:%d:%d" % (pick_asn(rng, ()), pick_u32(rng), pick_u32(rng))
                                    for _ in range(25 if big else rng.choice([0, 0, 1, 2, 3])))
    return a


def gen_prefixes(rng, afi, slot, n):
    out = []
    used = set()
    i = 0
    while len(out) < n:
        if afi == 4:
            base = int(ipaddress.IPv4Address("10.0.0.0")) + (slot << 20) + (i << 8)
            plen = rng.choice([24, 24, 24, 24, 25, 26, 28, 30, 32, 22, 20])
            net = ipaddress.IPv4Network((base, 32)).supernet(new_prefix=plen)
        else:
            base = int(ipaddress.IPv6Address("2001:db8::")) + (slot << 80) + (i << 64) + 1
            plen = rng.choice([64, 64, 64, 56, 60, 62, 63, 48, 128])
            net = ipaddress.IPv6Network((base, 128)).supernet(new_prefix=plen)
        i += 1
        if net not in used:
            used.add(net)
            out.append(str(net))
    return out


Route = collections.namedtuple("Route", "i afi prefix attrs pool withdrawn replacement")


def generate(daemon, slot, n4, n6, daemon_asn, big=False):
    """The routes the daemon originates, as Route tuples: index, family (4 or
    6), prefix, attribute set, its index in the family's pool of attribute
    sets (with big: the first set of each pool is a big one), whether the test
    withdraws the route, and the attributes it is re-announced with (or
    None)."""
    prof = PROFILES[daemon]
    rng = random.Random("bgpmux-%s-%d" % (daemon, slot))
    later = random.Random("bgpmux-%s-%d-replace" % (daemon, slot))
    routes = []
    for afi, n in ((4, n4), (6, n6)):
        size = max(1, min(n // 3, prof["pool_max"] or n))
        pool = [gen_attrs(rng, afi, prof, daemon_asn, big=(big and j == 0)) for j in range(size)]
        for p in gen_prefixes(rng, afi, slot, n):
            i = len(routes)
            k = rng.randrange(len(pool))
            new = None
            if prof["replace"] and i % REPLACE_MOD == REPLACE_REM:
                new = gen_attrs(later, afi, prof, daemon_asn)
            routes.append(Route(i, afi, p, pool[k], k, i % prof["withdraw_mod"] == WITHDRAW_REM,
                                new))
    return routes


# -------------------------------------------------------------- expectation

def ext_key(e):
    if e.startswith("0x"):
        return int(e, 16)
    kind, a, b = e.split(":")
    return ((0x0002 if kind == "rt" else 0x0003) << 48) | (int(a) << 32) | int(b)


def expect_route(daemon, daemon_asn, prefix, a):
    prof = PROFILES[daemon]
    r = {"prefix": prefix, "path_id": 0, "origin": a["origin"],
         "as_path": [daemon_asn] + a["as_path"], "next_hop": a["next_hop"]}
    med = a.get("med", prof["med_default"])
    if med is not None:
        r["med"] = med
    comm, ext, large = a["communities"], a["ext_communities"], a["large_communities"]
    if prof["sort_comm"]:
        comm = sorted(comm, key=lambda c: tuple(int(x) for x in c.split(":")))
    if prof["sort_ext"]:
        ext = sorted(ext, key=ext_key)
    if prof["sort_large"]:
        large = sorted(large, key=lambda c: tuple(int(x) for x in c.split(":")))
    for key, val in (("communities", comm), ("ext_communities", ext),
                     ("large_communities", large)):
        if val:
            r[key] = val
    return r


def expected(daemon, asn, slot, n4, n6, after_withdraw, replaced=False, big=False):
    out = {}
    for r in generate(daemon, slot, n4, n6, asn, big):
        if not (after_withdraw and r.withdrawn):
            a = r.replacement if replaced and r.replacement else r.attrs
            out[r.prefix] = expect_route(daemon, asn, r.prefix, a)
    return out


def expected_count(daemon, n4, n6, after_withdraw):
    """len(expected(...)) without generating anything."""
    n = n4 + n6
    if after_withdraw:
        mod = PROFILES[daemon]["withdraw_mod"]
        n -= len(range(WITHDRAW_REM, n, mod))
    return n


# ---------------------------------------------------------------- renderers

def bird_block(a):
    s = ["bgp_origin = ORIGIN_%s;" % a["origin"].upper()]
    for asn in reversed(a["as_path"]):
        s.append("bgp_path.prepend(%d);" % asn)
    if "med" in a:
        s.append("bgp_med = %d;" % a["med"])
    if "local_pref" in a:
        s.append("bgp_local_pref = %d;" % a["local_pref"])
    for c in a["communities"]:
        s.append("bgp_community.add((%s,%s));" % tuple(c.split(":")))
    for e in a["ext_communities"]:
        if e.startswith("0x"):
            s.append("bgp_ext_community.add((generic, 0x%s, 0x%s));" % (e[2:10], e[10:]))
        else:
            s.append("bgp_ext_community.add((%s, %s, %s));" % tuple(e.split(":")))
    for c in a["large_communities"]:
        s.append("bgp_large_community.add((%s, %s, %s));" % tuple(c.split(":")))
    s.append("bgp_next_hop = %s;" % a["next_hop"])
    return " ".join(s)


def render_bird(routes, name):
    """Tables t4_NAME/t6_NAME fed by static protocols; the withdrawal subset
    lives in its own static protocols (sw4_NAME, sw6_NAME) so that
    `birdc disable` withdraws exactly it."""
    out = ["ipv4 table t4_%s;" % name, "ipv6 table t6_%s;" % name]
    for afi in (4, 6):
        for proto, sel in (("s", False), ("sw", True)):
            out.append("protocol static %s%d_%s {" % (proto, afi, name))
            out.append("  ipv%d { table t%d_%s; };" % (afi, afi, name))
            for r in routes:
                if r.afi == afi and r.withdrawn == sel:
                    out.append("  route %s blackhole { %s };" % (r.prefix, bird_block(r.attrs)))
            out.append("}")
    return {"ROUTES": "\n".join(out)}


def frr_routemap(name, a):
    s = ["route-map %s permit 10" % name, " set origin %s" % a["origin"]]
    if a["as_path"]:
        s.append(" set as-path prepend %s" % " ".join(map(str, a["as_path"])))
    if "med" in a:
        s.append(" set metric %d" % a["med"])
    if "local_pref" in a:
        s.append(" set local-preference %d" % a["local_pref"])
    if a["communities"]:
        s.append(" set community %s" % " ".join(a["communities"]))
    rt = [e[3:] for e in a["ext_communities"] if e.startswith("rt:")]
    ro = [e[3:] for e in a["ext_communities"] if e.startswith("ro:")]
    if rt:
        s.append(" set extcommunity rt %s" % " ".join(rt))
    if ro:
        s.append(" set extcommunity soo %s" % " ".join(ro))
    if a["large_communities"]:
        s.append(" set large-community %s" % " ".join(a["large_communities"]))
    if ":" in a["next_hop"]:
        s.append(" set ipv6 next-hop global %s" % a["next_hop"])
    else:
        s.append(" set ip next-hop %s" % a["next_hop"])
    return "\n".join(s)


def render_frr(routes, name):
    maps = {}
    nets = {4: [], 6: []}
    for r in routes:
        rm = "RM%d_%d" % (r.afi, r.pool)
        if rm not in maps:
            maps[rm] = frr_routemap(rm, r.attrs)
        nets[r.afi].append("  network %s route-map %s" % (r.prefix, rm))
    return {"ROUTEMAPS": "\n!\n".join(maps.values()),
            "NETWORKS4": "\n".join(nets[4]), "NETWORKS6": "\n".join(nets[6])}


def exa_route(p, a, asn):
    s = ["route %s next-hop %s origin %s" % (p, a["next_hop"], a["origin"])]
    path = " ".join("( %s )" % " ".join(map(str, x)) if isinstance(x, list) else str(x)
                    for x in [asn] + a["as_path"])
    s.append("as-path [ %s ]" % path)
    if "med" in a:
        s.append("med %d" % a["med"])
    if "local_pref" in a:
        s.append("local-preference %d" % a["local_pref"])
    if a["communities"]:
        s.append("community [ %s ]" % " ".join(a["communities"]))
    if a["ext_communities"]:
        ext = []
        for e in a["ext_communities"]:
            if e.startswith("rt:"):
                ext.append("target:" + e[3:])
            elif e.startswith("ro:"):
                ext.append("origin:" + e[3:])
            else:
                ext.append(e)
        s.append("extended-community [ %s ]" % " ".join(ext))
    if a["large_communities"]:
        s.append("large-community [ %s ]" % " ".join(a["large_communities"]))
    return " ".join(s)


def render_exabgp(routes, name, asn):
    return {"ROUTES": "\n".join("    %s;" % exa_route(r.prefix, r.attrs, asn) for r in routes)}


# MRT TABLE_DUMP_V2 (RFC 6396) for `gobgp mrt inject global`.

def mrt_record(subtype, body):
    return struct.pack("!IHHI", int(time.time()), 13, subtype, len(body)) + body


def attr(flags, atype, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, atype, len(value)) + value
    return struct.pack("!BBB", flags, atype, len(value)) + value


def encode_attrs(a, afi):
    out = attr(0x40, 1, bytes([ORIGINS.index(a["origin"])]))
    segs = b""
    run = []
    for x in a["as_path"] + [None]:
        if isinstance(x, int):
            run.append(x)
            continue
        if run:
            segs += struct.pack("!BB%dI" % len(run), 2, len(run), *run)
            run = []
        if x is not None:
            segs += struct.pack("!BB%dI" % len(x), 1, len(x), *x)
    out += attr(0x40, 2, segs)
    if afi == 4:
        out += attr(0x40, 3, ipaddress.IPv4Address(a["next_hop"]).packed)
    else:
        # RFC 6396 4.3.4 abbreviates MP_REACH_NLRI to the next hop length and
        # next hop, but `gobgp mrt inject` (3.10) reads the full RFC 4760 form:
        # AFI, SAFI, next hop, reserved byte, (here empty) NLRI.
        nh = ipaddress.IPv6Address(a["next_hop"]).packed
        out += attr(0x80, 14, struct.pack("!HBB", 2, 1, len(nh)) + nh + b"\0")
    if "med" in a:
        out += attr(0x80, 4, struct.pack("!I", a["med"]))
    if "local_pref" in a:
        out += attr(0x40, 5, struct.pack("!I", a["local_pref"]))
    if a["communities"]:
        out += attr(0xC0, 8, b"".join(struct.pack("!HH", *map(int, c.split(":")))
                                      for c in a["communities"]))
    if a["ext_communities"]:
        out += attr(0xC0, 16, b"".join(struct.pack("!Q", ext_key(e))
                                       for e in a["ext_communities"]))
    if a["large_communities"]:
        out += attr(0xC0, 32, b"".join(struct.pack("!III", *map(int, c.split(":")))
                                       for c in a["large_communities"]))
    return out


def render_mrt(routes, path):
    # The one peer of the PEER_INDEX_TABLE is all zeros (BGP ID, address, AS):
    # GoBGP then files the injected paths as its own, like `global rib add`,
    # so `gobgp global rib del` can withdraw them; with any other peer the
    # delete finds "no matching path".
    peer = struct.pack("!B4s4sI", 0x02, bytes(4), bytes(4), 0)
    data = mrt_record(1, bytes(4) + struct.pack("!H", 0) + struct.pack("!H", 1) + peer)
    for seq, r in enumerate(routes):
        net = ipaddress.ip_network(r.prefix)
        pfx = bytes([net.prefixlen]) + net.network_address.packed[:(net.prefixlen + 7) // 8]
        attrs = encode_attrs(r.attrs, r.afi)
        entry = struct.pack("!HIH", 0, int(time.time()), len(attrs)) + attrs
        data += mrt_record(2 if r.afi == 4 else 4, struct.pack("!I", seq) + pfx +
                           struct.pack("!H", 1) + entry)
    with open(path, "wb") as f:
        f.write(data)


# ------------------------------------------------------------------ compare

def route_key(r):
    return r.get("prefix"), r.get("path_id", 0)


def check_peer(doc, spec, args):
    """Compares one peer of routes.json (doc) with its expectation; returns
    a list of problems (empty: all good)."""
    name, daemon, asn, slot = spec.split(":")
    asn, slot = int(asn), int(slot)
    peer = next((p for p in doc.get("peers", []) if p.get("name") == name), None)
    if peer is None:
        return ["no peer named %r in %s" % (name, args.routes)]
    got = {}
    problems = []
    for r in peer.get("routes", []):
        if route_key(r) in got:
            problems.append("%s path_id %s listed twice" % route_key(r))
        got[route_key(r)] = r
    if peer.get("state") != "Established":
        problems.append("state is %r, want 'Established'" % peer.get("state"))
    if args.count_only:
        want = expected_count(daemon, args.v4, args.v6, args.after_withdraw)
        if args.verbose:
            print("%s: state %s, %d routes, want %d" % (name, peer.get("state"), len(got), want))
        if len(got) != want:
            problems.append("%d routes, want %d" % (len(got), want))
        return problems
    if peer.get("asn") != asn:
        problems.append("asn is %r, want %d" % (peer.get("asn"), asn))
    exp = expected(daemon, asn, slot, args.v4, args.v6, args.after_withdraw, args.replaced,
                   args.big_attrs)
    for p, r in exp.items():
        if ":" in p and args.next_hop6:
            r["next_hop"] = args.next_hop6
            if args.next_hop_ll6:
                r["next_hop_ll"] = args.next_hop_ll6
    extra_keys = set()
    for p, want in sorted(exp.items()):
        have = got.pop((p, 0), None)
        if have is None:
            problems.append("%s: missing (want %s)" % (p, json.dumps(want)))
            continue
        for k in sorted(set(want) | set(have)):
            if k not in want and k not in ROUTE_KEYS:
                extra_keys.add(k)
            elif want.get(k) != have.get(k):
                problems.append("%s: %s is %s, want %s" % (p, k, json.dumps(have.get(k)),
                                                           json.dumps(want.get(k))))
    for key, r in sorted(got.items(), key=str):
        problems.append("%s path_id %s: unexpected route %s" % (key[0], key[1], json.dumps(r)))
    if extra_keys:
        print("check %s: note: routes carry keys outside the contract: %s"
              % (name, ", ".join(sorted(extra_keys))))
    if not problems:
        print("check %s: %d routes match attribute by attribute" % (name, len(exp)))
    return problems


def check(args):
    with open(args.routes) as f:
        doc = json.load(f)
    failed = 0
    for spec in args.peers:
        problems = check_peer(doc, spec, args)
        if problems:
            failed += 1
            if not args.count_only or args.verbose:
                print("check %s: %d problems, first %d:" % (spec.split(":")[0], len(problems),
                                                           min(len(problems), 15)))
                for line in problems[:15]:
                    print("  " + line)
    return 1 if failed else 0


ROUTE_KEYS = {"prefix", "path_id", "origin", "as_path", "next_hop", "next_hop_ll", "med",
              "local_pref", "communities", "ext_communities", "large_communities"}


# --------------------------------------------------------------------- main

def fill(template, out, values):
    with open(template) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = sorted(set(re.findall(r"@[A-Z0-9_]+@", text)))
    if left:
        sys.exit("routegen: %s: no value for %s" % (template, " ".join(left)))
    with open(out, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    gen = argparse.ArgumentParser(add_help=False)
    gen.add_argument("--daemon", required=True, choices=sorted(PROFILES))
    gen.add_argument("--asn", type=int, required=True, help="the daemon's AS")
    gen.add_argument("--slot", type=int, required=True, help="0..15: prefixes and seed")
    size = argparse.ArgumentParser(add_help=False)
    size.add_argument("--v4", type=int, default=3000)
    size.add_argument("--v6", type=int, default=2000)
    size.add_argument("--big-attrs", action="store_true",
                      help="one attribute set per family with every attribute over 255 bytes")
    tmpl = argparse.ArgumentParser(add_help=False)
    tmpl.add_argument("--template", help="template with @PLACEHOLDERS@")
    tmpl.add_argument("--out", required=True, help="output file")
    tmpl.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    r = sub.add_parser("render", parents=[gen, size, tmpl],
                       help="the daemon's routes into a template (GoBGP: an MRT file)")
    r.add_argument("--name", default="x", help="suffix of BIRD table/protocol names")
    sub.add_parser("fill", parents=[tmpl], help="fill a template's placeholders")
    sub.add_parser("withdraw", parents=[gen, size],
                   help="the withdrawal subset: 'AFI PREFIX' lines (ExaBGP: API commands)")
    sub.add_parser("replace", parents=[gen, size],
                   help="ExaBGP API commands re-announcing the replacement subset")
    c = sub.add_parser("check", parents=[size], help="routes.json against the expectation")
    c.add_argument("--routes", required=True, help="muxd's routes.json")
    c.add_argument("--after-withdraw", action="store_true")
    c.add_argument("--replaced", action="store_true",
                   help="the replacement subset has its new attributes")
    c.add_argument("--count-only", action="store_true",
                   help="only: Established with the expected number of routes")
    c.add_argument("--verbose", action="store_true")
    c.add_argument("--next-hop6", help="the IPv6 next hop the daemon sets (next hop self)")
    c.add_argument("--next-hop-ll6", help="... and the link-local one it adds")
    c.add_argument("peers", nargs="+", metavar="NAME:DAEMON:ASN:SLOT")
    args = ap.parse_args()

    values = dict(kv.split("=", 1) for kv in getattr(args, "set", []))
    if args.cmd == "fill":
        fill(args.template, args.out, values)
    elif args.cmd == "check":
        sys.exit(check(args))
    elif args.cmd == "withdraw":
        for r in generate(args.daemon, args.slot, args.v4, args.v6, args.asn, args.big_attrs):
            if r.withdrawn and args.daemon == "exabgp":
                print("withdraw route %s next-hop %s" % (r.prefix, r.attrs["next_hop"]))
            elif r.withdrawn:
                print("%d %s" % (r.afi, r.prefix))
    elif args.cmd == "replace":
        if args.daemon != "exabgp":
            sys.exit("routegen: replace is only for exabgp")
        for r in generate(args.daemon, args.slot, args.v4, args.v6, args.asn, args.big_attrs):
            if r.replacement:
                print("announce " + exa_route(r.prefix, r.replacement, args.asn))
    elif args.cmd == "render":
        routes = generate(args.daemon, args.slot, args.v4, args.v6, args.asn, args.big_attrs)
        if args.daemon == "gobgp":
            render_mrt(routes, args.out)
            return
        if args.daemon == "bird":
            values.update(render_bird(routes, args.name))
        elif args.daemon == "frr":
            values.update(render_frr(routes, args.name))
        else:
            values.update(render_exabgp(routes, args.name, args.asn))
        fill(args.template, args.out, values)


if __name__ == "__main__":
    main()
