#!/usr/bin/env python3
"""refresh_check.py CAPTURE SPEAKER RECEIVER AFI:COUNT... — an enhanced route
refresh (RFC 7313) on the wire, as tshark decodes it.

Reads the BGP messages SPEAKER sent to RECEIVER, in order, from the first
ROUTE-REFRESH request (subtype 0) RECEIVER sent to SPEAKER. For each family
AFI that RECEIVER asked for, SPEAKER must have sent a BoRR (subtype 1), then
UPDATEs announcing COUNT distinct prefixes of the family, then an EoRR
(subtype 2) — nothing of the family's refresh outside BoRR..EoRR, no EoRR
without a BoRR before it. Prints one line per family; exit 1 (with the
reason) otherwise. Python 3 stdlib only; runs tshark.
"""
import json
import subprocess
import sys

PREFIX_KEYS = {1: ("bgp.nlri_prefix", "bgp.mp_reach_nlri_ipv4_prefix"),
               2: ("bgp.mp_reach_nlri_ipv6_prefix",)}


def collect(node, keys, out):
    """Every value under node whose key is in keys."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys:
                out.extend(v if isinstance(v, list) else [v])
            else:
                collect(v, keys, out)
    elif isinstance(node, list):
        for v in node:
            collect(v, keys, out)


def messages(cap, src, dst):
    """(frame, message dict) for each BGP message src sent to dst, in order."""
    filt = "ip.src == %s && ip.dst == %s && bgp" % (src, dst)
    out = subprocess.run(["tshark", "-r", cap, "-Y", filt, "-T", "json", "--no-duplicate-keys"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    for f in json.loads(out or b"[]"):
        layers = f["_source"]["layers"]
        num = int(layers["frame"]["frame.number"])
        bgp = layers.get("bgp", [])
        for m in bgp if isinstance(bgp, list) else [bgp]:
            yield num, m


def first(msg, key):
    v = msg.get(key)
    return v[0] if isinstance(v, list) else v


def main():
    cap, speaker, receiver = sys.argv[1:4]
    want = {int(a): int(n) for a, n in (x.split(":") for x in sys.argv[4:])}
    asked = {}
    for num, m in messages(cap, receiver, speaker):
        if first(m, "bgp.type") == "5" and first(m, "bgp.route_refresh.subtype") == "0":
            asked.setdefault(int(first(m, "bgp.route_refresh.afi")), num)
    if not asked:
        sys.exit("no ROUTE-REFRESH request from %s to %s" % (receiver, speaker))
    start = min(asked.values())
    state = {afi: "asked" for afi in asked}     # asked -> open -> done
    prefixes = {afi: set() for afi in want}
    for num, m in messages(cap, speaker, receiver):
        if num < start:
            continue
        kind = first(m, "bgp.type")
        if kind == "5":
            afi = int(first(m, "bgp.route_refresh.afi"))
            sub = first(m, "bgp.route_refresh.subtype")
            if sub == "1":
                if state.get(afi) not in ("asked", "open"):
                    sys.exit("frame %d: BoRR for AFI %d that was not asked for" % (num, afi))
                state[afi] = "open"
                prefixes[afi] = set()       # a new BoRR starts the refresh again
            elif sub == "2":
                if state.get(afi) != "open":
                    sys.exit("frame %d: EoRR for AFI %d without a BoRR before it" % (num, afi))
                state[afi] = "done"
                print("AFI %d: BoRR, UPDATEs with %d prefixes, EoRR (frame %d)" %
                      (afi, len(prefixes.get(afi, ())), num))
        elif kind == "2":
            for afi, keys in PREFIX_KEYS.items():
                got = []
                collect(m, keys, got)
                if got and state.get(afi) == "open":
                    prefixes[afi].update(got)
                elif got and state.get(afi) == "asked":
                    sys.exit("frame %d: UPDATE for AFI %d after the request, before its BoRR"
                             % (num, afi))
    for afi, n in want.items():
        if state.get(afi) != "done":
            sys.exit("AFI %d: %s" % (afi, {None: "never asked for", "asked": "no BoRR",
                                           "open": "BoRR but no EoRR"}[state.get(afi)]))
        if len(prefixes[afi]) != n:
            sys.exit("AFI %d: %d prefixes between BoRR and EoRR, want %d"
                     % (afi, len(prefixes[afi]), n))


if __name__ == "__main__":
    main()
