#!/usr/bin/env python3
"""capcheck.py CAPTURE [DISPLAY-FILTER] — does tshark decode the capture cleanly?

Fails (exit 1, one line per finding) when tshark marks a packet malformed or
raises an expert info of severity warning or error in any layer but TCP.

TCP's own expert infos are transport events, not BGP faults, and on loopback
under load they come and go with timing: "Connection reset (RST)" when a side
closes with unread data after a NOTIFICATION (RFC 4271 lets a speaker close
the connection at once), "D-SACK Sequence", "Window full", "Zero window",
retransmissions. They are listed (stderr) but do not fail the check.
Everything BGP (and IP) reports counts.

The optional DISPLAY-FILTER restricts the check to matching frames (e.g. the
frames muxd sent).  Python 3 stdlib only; runs tshark.
"""
import json
import subprocess
import sys

WARNING = 0x00600000  # _ws.expert.severity of "Warning"; "Error" is higher


def walk(node, layer, found):
    """Collects (layer, expert dict) for every expert info under node."""
    if isinstance(node, dict):
        for key, val in node.items():
            if key == "_ws.expert":
                for e in val if isinstance(val, list) else [val]:
                    found.append((layer, e))
            else:
                walk(val, layer, found)
    elif isinstance(node, list):
        for val in node:
            walk(val, layer, found)


def main():
    cap = sys.argv[1]
    scope = sys.argv[2] if len(sys.argv) > 2 else ""
    filt = "_ws.malformed || _ws.expert.severity >= %d" % WARNING
    if scope:
        filt = "(%s) && (%s)" % (scope, filt)
    out = subprocess.run(["tshark", "-r", cap, "-Y", filt, "-T", "json", "--no-duplicate-keys"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    frames = json.loads(out or b"[]")
    bad, waived = [], []
    for f in frames:
        layers = f["_source"]["layers"]
        num = layers.get("frame", {}).get("frame.number", "?")
        ip = layers.get("ip", {}) or {}
        ip6 = layers.get("ipv6", {}) or {}
        where = "frame %s %s -> %s" % (num, ip.get("ip.src", ip6.get("ipv6.src", "?")),
                                       ip.get("ip.dst", ip6.get("ipv6.dst", "?")))
        for name, tree in layers.items():
            if name.startswith("_ws.malformed"):
                bad.append("%s: malformed packet (%s)" % (where, json.dumps(tree)[:200]))
                continue
            found = []
            walk(tree, name, found)
            for layer, e in found:
                sev = int(e.get("_ws.expert.severity", 0))
                if sev < WARNING:
                    continue
                msg = "%s: %s expert: %s" % (where, layer, e.get("_ws.expert.message"))
                (waived if layer == "tcp" else bad).append(msg)
    for line in waived[:3]:
        print("capcheck: waived (TCP transport event): %s" % line, file=sys.stderr)
    if len(waived) > 3:
        print("capcheck: ... %d TCP expert infos waived in all" % len(waived), file=sys.stderr)
    for line in bad[:20]:
        print("capcheck: %s" % line)
    if bad:
        print("capcheck: %d finding(s) in %s" % (len(bad), cap))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
