#!/usr/bin/env python3
"""Figures of scripts/bench-scaleout.sh: one JSON line per run in, the
table (text and Markdown) out.

  scaleout-report.py row DIR RUN M PATHS CLIENTS   one run's JSON line
  scaleout-report.py line RESULTS.jsonl            the last run, one line
  scaleout-report.py render RESULTS.jsonl MD       the table
"""
import glob
import importlib.util
import json
import os
import re
import sys

from report_lib import load_json, load_rows, read_text

FEEDER_T0 = re.compile(r"first UPDATE sent at ([0-9]+\.[0-9]+)")
HOSTS = {"split": ("viewhost", "ih1", "ih2"), "single": ("single",)}

# The table layout bench-scale's report uses.
_spec = importlib.util.spec_from_file_location(
    "scale_report", os.path.join(os.path.dirname(os.path.abspath(__file__)), "scale-report.py"))
scale_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale_report)
fmt, mib = scale_report.fmt, scale_report.mib


def stats(path):
    return {k: float(v) for k, v in (l.split() for l in read_text(path).splitlines() if len(l.split()) == 2)}


def row(d, run, m, paths, clients):
    m, paths, clients = int(m), int(paths), int(clients)
    got = [load_json(p, {}) for p in glob.glob(os.path.join(d, "client*.json"))]
    done = [c for c in got if c.get("complete")]
    sent = [float(x.group(1)) for p in glob.glob(os.path.join(d, "feeder*.err"))
            for x in [FEEDER_T0.search(read_text(p))] if x]
    out = {"run": run, "m": m, "paths": paths, "clients": clients, "complete": len(done),
           "checked": "table" if any("expected" in c for c in got) else "count",
           "unavailable": read_text(os.path.join(d, "unavailable")).strip(),
           "seconds": None, "hosts": {}}
    # an instance host's session to its view host Established more than
    # once: it went down (the view host closes one whose queue is full) and
    # its clients lost the views meanwhile
    out["export_resets"] = sum(
        max(0, len(re.findall(r"session to view-host .*-> Established",
                              read_text(os.path.join(d, h, "muxd.err")))) - 1)
        for h in ("ih1", "ih2") if run == "split")
    if sent and len(done) == clients:
        out["seconds"] = max(c["done_at"] for c in done) - min(sent)
    for h in HOSTS[run]:
        before, after = stats(os.path.join(d, h + ".before")), stats(os.path.join(d, h + ".after"))
        cpu = after["cpu_s"] - before["cpu_s"] if "cpu_s" in after and "cpu_s" in before else None
        out["hosts"][h] = {"cpu_s": cpu, "rss_kb": after.get("rss_kb"), "rss_now_kb": after.get("rss_now_kb")}
    if not out["unavailable"] and len(done) < clients:
        out["unavailable"] = f"{len(done)} of {clients} clients held their table"
    print(json.dumps(out))
    return 0


def check_text(r):
    if r["unavailable"]:
        return "no run: " + r["unavailable"]
    what = "tables equal, attributes too" if r["checked"] == "table" else "counts"
    resets = f", export sessions reset {r['export_resets']} times" if r.get("export_resets") else ""
    return f"{r['complete']}/{r['clients']} clients, {what}{resets}"


def line(path):
    rows = load_rows(path)
    if rows:
        r = rows[-1]
        hosts = ", ".join(f"{h} {fmt(v['cpu_s'], 2)} CPU s peak {mib(v['rss_kb'])}"
                          for h, v in r["hosts"].items())
        print(f"bench-scaleout: {r['run']}, {r['m']} × {r['paths']:,} paths to {r['clients']} clients: "
              f"{fmt(r['seconds'], 2)} s; {hosts}; {check_text(r)}")
    return 0


HEAD = ["run", "upstreams × paths", "clients", "seconds", "host", "CPU s", "peak RSS", "RSS at end", "checked"]


def table_rows(rows):
    body = []
    for r in rows:
        for i, (h, v) in enumerate(r["hosts"].items()):
            first = i == 0
            body.append([r["run"] if first else "", scale_report.shape(r["m"], r["paths"]) if first else "",
                         str(r["clients"]) if first else "", fmt(r["seconds"], 2) if first else "",
                         h, fmt(v["cpu_s"], 2), mib(v["rss_kb"]), mib(v["rss_now_kb"]),
                         check_text(r) if first else ""])
    return body


def render(path, md):
    body = table_rows(load_rows(path))
    print(scale_report.text_table(HEAD, body))
    with open(md, "w") as f:
        f.write(scale_report.md_table(HEAD, body) + "\n")
    return 0


def main(argv):
    if len(argv) == 7 and argv[1] == "row":
        return row(*argv[2:])
    if len(argv) == 3 and argv[1] == "line":
        return line(argv[2])
    if len(argv) == 4 and argv[1] == "render":
        return render(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
