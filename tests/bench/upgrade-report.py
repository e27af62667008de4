#!/usr/bin/env python3
"""Figures of scripts/bench-upgrade.sh from muxd's log.

  upgrade-report.py upgrade LOG FROM_LINE T0 OLD_RSS_KB NEW_RSS_KB WIRE
      one JSON line: the upgrade whose log starts after line FROM_LINE,
      signalled at T0 (CLOCK_REALTIME seconds); WIRE is what the script
      saw on the sessions
  upgrade-report.py render RESULTS.jsonl MD
      the Markdown table of every upgrade and the restart, to MD and stdout

The times come from muxd's log stamps (UTC, milliseconds) and the
script's clock at the signal: both CLOCK_REALTIME on one machine.
"""
import datetime
import json
import re
import sys

STAMP = r"^(\S+Z) \S+\s+"
LINES = {
    "begun": STAMP + r"upgrade: handing over to a new muxd",
    "handed": STAMP + r"upgrade: handed (\d+) listening sockets, (\d+) sessions, "
              r"(\d+) views and (\d+) bytes of state to the launcher "
              r"\(frozen (\d+) ms: flush (\d+) ms, state (\d+) ms\)",
    "taking": STAMP + r"upgrade: taking over from muxd pid",
    "serves": STAMP + r"upgrade: the new muxd \(pid (\d+), generation (\d+)\) serves",
    "failed": STAMP + r"upgrade failed: (.*)",
}


def stamp(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def upgrade(log, from_line, t0, old_rss, new_rss, wire):
    seen = {}
    with open(log, errors="replace") as f:
        for i, line in enumerate(f):
            if i < from_line:
                continue
            for key, rx in LINES.items():
                m = re.match(rx, line)
                if m and key not in seen:
                    seen[key] = (stamp(m.group(1)),) + m.groups()[1:]
    row = {"kind": "upgrade", "old_rss_kb": old_rss, "new_rss_kb": new_rss, "wire": wire}
    if "failed" in seen or "serves" not in seen or "handed" not in seen:
        row["error"] = seen.get("failed", (0, "no 'serves' or 'handed' line"))[1]
        return row
    ms = lambda a, b: round((b - a) * 1000)
    h = seen["handed"]
    row.update({
        "pid": int(seen["serves"][1]), "generation": int(seen["serves"][2]),
        "serving_ms": ms(t0, seen["serves"][0]),
        "sessions": int(h[2]), "state_bytes": int(h[4]),
        "frozen_ms": int(h[5]), "flush_ms": int(h[6]), "state_ms": int(h[7]),
        # the new process: from the state handed over until it has read it,
        # then until it serves (views filled, sessions taken over)
        "exec_read_ms": ms(h[0], seen["taking"][0]) if "taking" in seen else None,
        "takeover_ms": ms(seen["taking"][0], seen["serves"][0]) if "taking" in seen else None,
    })
    return row


def mib(kb):
    return f"{int(kb) / 1024:.0f} MiB" if kb else "?"


def render(results, md):
    rows = [json.loads(line) for line in open(results) if line.strip()]
    out = ["| run | signal → serving | state handed over | frozen (flush + state) "
           "| new process: exec + read, take over | peak RSS old / new | on the wire |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["kind"] == "restart":
            out.append(f"| restart (SIGTERM + start) | {r['seconds']:.1f} s until the "
                       f"{r['clients']} clients hold the table again | — | — | — "
                       f"| — / {mib(r.get('new_rss_kb'))} | {r['wire']} |")
        elif "error" in r:
            out.append(f"| upgrade | failed: {r['error']} | | | | | {r.get('wire', '')} |")
        else:
            out.append(
                f"| upgrade to generation {r['generation']} | {r['serving_ms']} ms "
                f"| {r['state_bytes'] / 1e6:.1f} MB ({r['state_bytes']:,} bytes) "
                f"| {r['frozen_ms']} ms ({r['flush_ms']} + {r['state_ms']}) "
                f"| {r['exec_read_ms']} ms, {r['takeover_ms']} ms "
                f"| {mib(r['old_rss_kb'])} / {mib(r['new_rss_kb'])} | {r['wire']} |")
    text = "\n".join(out) + "\n"
    with open(md, "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "upgrade":
        a = sys.argv[2:]
        print(json.dumps(upgrade(a[0], int(a[1]), float(a[2]), int(a[3] or 0),
                                 int(a[4] or 0), a[5])))
    elif len(sys.argv) == 4 and sys.argv[1] == "render":
        render(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
