#!/usr/bin/env python3
"""Figures of scripts/bench-scale.sh: one JSON line per run in, the table
(text and Markdown) and the plot (an SVG written by hand) out.

  scale-report.py row DIR SYSTEM M PATHS [JOIN]   one run's JSON line
                                           (JOIN > 0: the join storm)
  scale-report.py line RESULTS.jsonl       the last run, one line of text
  scale-report.py render WORK MD SVG       the table; the plot ('' for none)
"""
import glob
import html
import json
import os
import re
import sys

from report_lib import load_json, load_rows, read_text

FEEDER_T0 = re.compile(r"first UPDATE sent at ([0-9]+\.[0-9]+)")
SYSTEMS = ("bgpmux", "bird")
COLOURS = {"bgpmux": "#1f6fb4", "bird": "#d95f02"}


def stats(path):
    out = {}
    for line in read_text(path).splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = float(parts[1])
    return out


def numbered(d, pattern):
    files = glob.glob(os.path.join(d, pattern))
    return sorted(files, key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))


def row(d, system, m, paths, join=0):
    m, paths, join = int(m), int(paths), int(join)
    if join:
        return join_row(d, system, paths, join)
    clients = [load_json(p, {}) for p in numbered(d, "client*.json")]
    done = [c for c in clients if c.get("complete")]
    sent = [float(x.group(1)) for p in numbered(d, "feeder*.err")
            for x in [FEEDER_T0.search(read_text(p))] if x]
    before, after = stats(os.path.join(d, "before.stats")), stats(os.path.join(d, "after.stats"))
    out = {"system": system, "m": m, "paths": paths,
           "unavailable": read_text(os.path.join(d, "unavailable")).strip(),
           "clients": m, "complete": len(done),
           "checked": "table" if any("expected" in c for c in clients) else "count",
           "missing": sum(c.get("missing", 0) for c in clients),
           "extra": sum(c.get("extra", 0) for c in clients),
           "attr_mismatch": sum(c.get("attr_mismatch", 0) for c in clients),
           "seconds": None, "rss_kb": after.get("rss_kb"),
           "bytes_per_path": None, "cpu_per_m": None}
    # the feeders start one after the other: how far apart their first
    # UPDATEs went out (in the seconds; large with 1,000 feeder processes)
    out["feeders_spread"] = max(sent) - min(sent) if sent else None
    if sent and len(done) == m and m:
        out["seconds"] = max(c["done_at"] for c in done) - min(sent)
    if "rss_now_kb" in after and "rss_now_kb" in before:
        out["bytes_per_path"] = (after["rss_now_kb"] - before["rss_now_kb"]) * 1024 / (m * paths)
    if "cpu_s" in after and "cpu_s" in before:
        out["cpu_per_m"] = (after["cpu_s"] - before["cpu_s"]) / (m * paths / 1e6)
    if not out["unavailable"] and len(done) < m:
        ends = sorted({c.get("end", "no report") for c in clients if not c.get("complete")})
        out["unavailable"] = f"{len(done)} of {m} clients held their table" + (
            f" ({ends[0]})" if ends else "")
    print(json.dumps(out))
    return 0


def join_row(d, system, paths, join):
    """The join storm: client 1 held the table before; clients 2.. are the
    storm, timed from its start (storm.t0) to the last one holding it."""
    clients = [load_json(p, {}) for p in numbered(d, "client*.json")]
    storm = clients[1:]
    done = [c for c in storm if c.get("complete")]
    before, after = stats(os.path.join(d, "before.stats")), stats(os.path.join(d, "after.stats"))
    t0 = read_text(os.path.join(d, "storm.t0")).strip()
    out = {"system": system, "m": 1, "paths": paths, "join": join,
           "unavailable": read_text(os.path.join(d, "unavailable")).strip(),
           "clients": join, "complete": len(done),
           "checked": "table" if any("expected" in c for c in storm) else "count",
           "missing": sum(c.get("missing", 0) for c in storm),
           "extra": sum(c.get("extra", 0) for c in storm),
           "attr_mismatch": sum(c.get("attr_mismatch", 0) for c in storm),
           "seconds": None, "rss_kb": after.get("rss_kb"), "kib_per_client": None,
           "cpu_s": None}
    # the clients are started one after the other: how far apart they came up
    up = [c["established_at"] for c in storm if c.get("established_at")]
    out["clients_spread"] = max(up) - min(up) if up else None
    if t0 and len(done) == join:
        out["seconds"] = max(c["done_at"] for c in done) - float(t0)
    if "rss_now_kb" in after and "rss_now_kb" in before:
        out["kib_per_client"] = (after["rss_now_kb"] - before["rss_now_kb"]) / join
    if "cpu_s" in after and "cpu_s" in before:
        out["cpu_s"] = after["cpu_s"] - before["cpu_s"]
    if not out["unavailable"] and len(done) < join:
        out["unavailable"] = f"{len(done)} of {join} clients held the table"
    print(json.dumps(out))
    return 0


def fmt(v, digits=1):
    return "–" if v is None else f"{v:,.{digits}f}"


def mib(kb):
    return "–" if kb is None else f"{kb / 1024:,.0f} MiB"


def shape(m, paths):
    def short(n):
        return f"{n // 1000000}M" if n % 1000000 == 0 else f"{n:,}"
    return f"{m:,} × {short(paths)}"


def check_text(r):
    if r["unavailable"]:
        return "no run: " + r["unavailable"]
    what = "tables equal, attributes too" if r["checked"] == "table" else "counts"
    bad = r["missing"] + r["extra"] + r["attr_mismatch"]
    return (f"{r['complete']}/{r['clients']} clients, {what}" if not bad else
            f"{r['missing']} missing, {r['extra']} extra, {r['attr_mismatch']} changed")


def line(path):
    rows = load_rows(path)
    if rows and rows[-1].get("join"):
        r = rows[-1]
        print(f"bench-scale: join storm, {r['join']} clients × {r['paths']:,} paths, "
              f"{r['system']}: {fmt(r['seconds'], 2)} s, {fmt(r['kib_per_client'], 0)} KiB "
              f"per client, peak {mib(r['rss_kb'])}, {fmt(r['cpu_s'], 2)} CPU s, clients up "
              f"within {fmt(r.get('clients_spread'), 2)} s; {check_text(r)}")
    elif rows:
        r = rows[-1]
        print(f"bench-scale: {shape(r['m'], r['paths'])} {r['system']}: "
              f"{fmt(r['seconds'], 2)} s, peak {mib(r['rss_kb'])}, "
              f"{fmt(r['bytes_per_path'], 0)} bytes/path, "
              f"{fmt(r['cpu_per_m'], 2)} CPU s per M paths, feeders started "
              f"within {fmt(r.get('feeders_spread'), 2)} s; {check_text(r)}")
    return 0


def checks(runs):
    """What the clients of each system's run held; once when alike."""
    texts = {s: check_text(runs[s]) for s in SYSTEMS if s in runs}
    if len(texts) == 2 and len(set(texts.values())) == 1:
        return "both: " + texts["bgpmux"]
    return "; ".join(f"{s}: {t}" for s, t in texts.items())


HEAD = ["upstreams × paths", "bgpmux s", "BIRD s", "bgpmux RSS", "bytes/path",
        "BIRD RSS", "BIRD bytes/path", "bgpmux CPU s/M", "BIRD CPU s/M", "checked"]


def table_rows(rows):
    by = {}
    for r in (r for r in rows if not r.get("join")):
        by.setdefault((r["paths"] < 100000, r["m"], r["paths"]), {})[r["system"]] = r
    body = []
    for key in sorted(by):
        mux, bird = by[key].get("bgpmux", {}), by[key].get("bird", {})
        body.append([shape(key[1], key[2]), fmt(mux.get("seconds"), 2), fmt(bird.get("seconds"), 2),
                     mib(mux.get("rss_kb")), fmt(mux.get("bytes_per_path"), 0),
                     mib(bird.get("rss_kb")), fmt(bird.get("bytes_per_path"), 0),
                     fmt(mux.get("cpu_per_m"), 2), fmt(bird.get("cpu_per_m"), 2), checks(by[key])])
    return body


JOIN_HEAD = ["clients × paths", "bgpmux s", "BIRD s", "bgpmux KiB/client",
             "BIRD KiB/client", "bgpmux CPU s", "BIRD CPU s", "checked"]


def join_rows(rows):
    by = {}
    for r in (r for r in rows if r.get("join")):
        by.setdefault((r["join"], r["paths"]), {})[r["system"]] = r
    body = []
    for key in sorted(by):
        mux, bird = by[key].get("bgpmux", {}), by[key].get("bird", {})
        body.append([f"{key[0]} × {key[1]:,}", fmt(mux.get("seconds"), 2), fmt(bird.get("seconds"), 2),
                     fmt(mux.get("kib_per_client"), 0), fmt(bird.get("kib_per_client"), 0),
                     fmt(mux.get("cpu_s"), 2), fmt(bird.get("cpu_s"), 2), checks(by[key])])
    return body


def text_table(head, body):
    width = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    out = ["  ".join(str(x).ljust(w) for x, w in zip(r, width)).rstrip()
           for r in [head] + body]
    out.insert(1, "  ".join("-" * w for w in width))
    return "\n".join(out)


def md_table(head, body):
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 2) + "---|"]
    out += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(out)


def machine_parts(work):
    """The machine line in two parts (the plot draws them as two lines):
    the machine, and how it stood at the start (load, first-touch cost)."""
    m = load_json(os.path.join(work, "machine.json"), {})
    start = f"load {fmt(m.get('load'), 2)} at the start"
    if m.get("firsttouch"):
        start += f", {m['firsttouch']}"
    return (f"{m.get('date', '?')}: {m.get('cpus', '?')} × {m.get('cpu', '?')}, "
            f"{m.get('mem_gib', '?')} GiB, kernel {m.get('kernel', '?')}, "
            f"{m.get('bird', 'BIRD ?')}", start)


def machine_text(work):
    machine, start = machine_parts(work)
    return f"{machine}, {start}"


def render(work, md_path, svg_path):
    rows = load_rows(os.path.join(work, "results.jsonl"))
    body, join = table_rows(rows), join_rows(rows)
    print(text_table(HEAD, body))
    if join:
        print("\njoin storm: clients connecting at once to one instance\n"
              + text_table(JOIN_HEAD, join))
    print(machine_text(work))
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(md_table(HEAD, body) + "\n\n")
        if join:
            f.write("Join storm:\n\n" + md_table(JOIN_HEAD, join) + "\n\n")
        f.write(machine_text(work) + "\n")
    if svg_path:
        curve = [r for r in rows if r["paths"] >= 100000 and not r.get("join")]
        os.makedirs(os.path.dirname(svg_path) or ".", exist_ok=True)
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(svg(curve, machine_parts(work)))
        print(f"plot: {svg_path}")
    return 0


# ---- the plot: two panels, seconds and bytes per path against M --------------

W, H, PAD = 360, 240, 48


def panel(x0, rows, key, title):
    pts = {s: sorted((r["m"], r[key]) for r in rows if r["system"] == s and r[key] is not None)
           for s in SYSTEMS}
    ms = sorted({m for p in pts.values() for m, _ in p}) or [1]
    top = max([v for p in pts.values() for _, v in p] + [1]) * 1.1
    sx = lambda m: x0 + PAD + (m - 0) * (W - PAD - 10) / max(ms)  # noqa: E731
    sy = lambda v: 20 + (H - 20 - PAD) * (1 - v / top)  # noqa: E731
    out = [f'<text x="{x0 + W / 2}" y="14" text-anchor="middle">{title}</text>',
           f'<path d="M{x0 + PAD},20 V{H - PAD} H{x0 + W - 10}" stroke="#444" fill="none"/>']
    for m in ms:
        out.append(f'<text x="{sx(m):.1f}" y="{H - PAD + 14}" text-anchor="middle">{m}</text>')
    for i in range(5):
        v = top * i / 4
        out.append(f'<text x="{x0 + PAD - 4}" y="{sy(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
        out.append(f'<path d="M{x0 + PAD},{sy(v):.1f} H{x0 + W - 10}" stroke="#ddd"/>')
    out.append(f'<text x="{x0 + W / 2}" y="{H - PAD + 30}" text-anchor="middle">'
               'upstreams (M) × 1M paths</text>')
    for s, p in pts.items():
        if p:
            d = " ".join(f"{'M' if i == 0 else 'L'}{sx(m):.1f},{sy(v):.1f}" for i, (m, v) in enumerate(p))
            out.append(f'<path d="{d}" stroke="{COLOURS[s]}" stroke-width="2" fill="none"/>')
            out += [f'<circle cx="{sx(m):.1f}" cy="{sy(v):.1f}" r="3" fill="{COLOURS[s]}"/>' for m, v in p]
    return out


def svg(rows, caption):
    """caption: lines of small text under the legend."""
    body = panel(0, rows, "seconds", "seconds until every client holds its table")
    body += panel(W + 20, rows, "bytes_per_path", "daemon memory: bytes per path")
    for i, s in enumerate(SYSTEMS):
        y = H + 4 + 14 * i
        body.append(f'<rect x="{PAD}" y="{y - 9}" width="10" height="10" fill="{COLOURS[s]}"/>')
        body.append(f'<text x="{PAD + 14}" y="{y}">{"bgpmux" if s == "bgpmux" else "BIRD 2"}</text>')
    for i, text in enumerate(caption):
        body.append(f'<text x="{PAD}" y="{H + 36 + 12 * i}" font-size="9">{html.escape(text)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W + 20}" '
            f'height="{H + 32 + 12 * len(caption)}" '
            'font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n'
            + "\n".join(body) + "\n</svg>\n")


def main(argv):
    if len(argv) in (6, 7) and argv[1] == "row":
        return row(*argv[2:])
    if len(argv) == 3 and argv[1] == "line":
        return line(argv[2])
    if len(argv) == 5 and argv[1] == "render":
        return render(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
