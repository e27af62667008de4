#!/usr/bin/env python3
"""Results of scripts/bench-fanout.sh: one JSON line per run, and the tables.

  fanout-report.py machine FIRSTTOUCH           this machine, as JSON (with
                                                bench-lib.sh's first-touch phrase)
  fanout-report.py feed RECORD.json FEED N      the recorded feed, checked
  fanout-report.py feedline FEED.json           one line about it, for people
  fanout-report.py row DIR FEED K SYSTEM REP    one run's figures, as JSON
  fanout-report.py line RESULTS.jsonl           the last run, one line
  fanout-report.py render WORKDIR OUT.md        the tables: stdout and Markdown

Times are CLOCK_REALTIME seconds from bgp_sink, bgp_blast and (when it
prints one) mrt_replay, so they compare across processes.
"""
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

from report_lib import load_json, load_rows, read_text

SYSTEMS = ("floor", "bird", "bgpmux", "bgpmux-mon", "bgpmux-base")
NAMES = {"floor": "loopback floor", "bird": "BIRD", "bgpmux": "bgpmux",
         "bgpmux-mon": "bgpmux + MRT/BMP/stream", "bgpmux-base": "bgpmux (base build)"}
FEED_NAMES = {"pch": "PCH full table (real)", "synthetic": "synthetic"}
# A feeder line such as "mrt_replay: first UPDATE sent at 1700000000.123456".
FEEDER_T0 = re.compile(r"first UPDATE (?:sent )?at ([0-9]+\.[0-9]+)")
TARGETS = {"speedup": 10.0, "floor": 3.0, "memory": 0.5, "monitors": 1.5}


# ---- machine and feeds ------------------------------------------------------

def cmd_output(args):
    try:
        return subprocess.run(args, capture_output=True, text=True,
                              timeout=10).stderr.strip() or ""
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(firsttouch=""):
    mem = re.search(r"MemTotal:\s+(\d+)", read_text("/proc/meminfo"))
    model = re.search(r"model name\s*:\s*(.+)", read_text("/proc/cpuinfo"))
    bird = cmd_output(["bird", "--version"])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.machine(),
        "mem_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "load": os.getloadavg()[0],
        "kernel": platform.release(),
        "bird": bird.splitlines()[0] if bird else "not installed",
        "firsttouch": firsttouch or None,
    }


def feed(record_path, name, expect):
    r = load_json(record_path)
    if not r or not r.get("updates"):
        print(f"{name}: the recording client got no UPDATE ({record_path})",
              file=sys.stderr)
        return 1
    out = {
        "feed": name, "updates": r["updates"], "bytes": r["bytes"],
        "prefixes": r["prefixes"], "distinct": r["distinct"],
        "announced": r["announced"], "withdrawn": r["withdrawn"],
        "treat_as_withdraw": r["treat_as_withdraw"],
        "expect": int(expect), "ok": r["prefixes"] == int(expect),
    }
    print(json.dumps(out))
    return 0


def feedline(path):
    f = load_json(path)
    note = "as the data promises" if f["ok"] else \
        f"EXPECTED {f['expect']:,}: check the feeder and tests/bench/README.md"
    print(f"bench-fanout: {f['feed']}: {f['updates']:,} UPDATEs, {f['bytes']:,} bytes; "
          f"final table {f['prefixes']:,} prefixes ({note}); {f['distinct']:,} distinct "
          f"announced, {f['withdrawn']:,} withdrawn or treated as withdrawn",
          file=sys.stderr)
    return 0


# ---- one run ----------------------------------------------------------------

def stats_file(path):
    out = {}
    for line in read_text(path).splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = float(parts[1])
    return out


def clients_of(d):
    files = sorted(glob.glob(os.path.join(d, "client*.json")),
                   key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))
    return [load_json(p, {}) for p in files]


def stalled_clients(d, clients):
    """Clients that said a read cost them seconds of CPU, or that used far
    more CPU than their peers (they all do the same work)."""
    said = sum("stalled" in read_text(p) for p in glob.glob(os.path.join(d, "client*.err")))
    cpu = sorted(c["cpu_s"] for c in clients if c.get("cpu_s") is not None)
    if not cpu:
        return said
    median = cpu[len(cpu) // 2]
    return max(said, sum(1 for x in cpu if x > max(5.0, 5 * median)))


def stream_of(d):
    """bgpmux-mon's live-stream subscribers: how many, the fewest messages
    one received, the most muxd queued to one, and the drops in total."""
    subs = load_json(os.path.join(d, "stream.json"), [])
    got = [s for s in subs if "received" in s]
    drain = read_text(os.path.join(d, "stream-drain.s")).strip()
    return {"subscribers": len(subs), "reported": len(got),
            "received_min": min((s["received"] for s in got), default=None),
            "sent_max": max((s["sent"] for s in got), default=None),
            "bytes_min": min((s.get("bytes", 0) for s in got), default=None),
            "dropped": sum(s["dropped"] for s in got),
            "drain_s": int(drain) if drain.isdigit() else None,
            "cpu_s": sum_known(s.get("cpu_s") for s in got) if got else None}


def sum_known(xs):
    """The sum, or None when any is unknown: a partial sum would pass for
    the whole."""
    xs = list(xs)
    return None if any(x is None for x in xs) else sum(xs)


def readers_cpu(d, stream):
    """bgpmux-mon's readers (stream subscribers and the BMP collector):
    the CPU seconds they said they used, or None."""
    lines = read_text(os.path.join(d, "bmp_sink.json")).strip().splitlines()
    try:
        bmp = json.loads(lines[-1]).get("cpu_s") if lines else None
    except ValueError:
        bmp = None
    return sum_known([stream.get("cpu_s"), bmp])


def row(d, feed_name, k, system, rep):
    k = int(k)
    clients = clients_of(d)
    done = [c for c in clients if c.get("complete")]
    out = {"feed": feed_name, "k": k, "system": system, "rep": int(rep),
           "unavailable": read_text(os.path.join(d, "unavailable")).strip(),
           "clients": k, "complete": len(done),
           "missing": sum(c.get("missing", 0) for c in clients),
           "extra": sum(c.get("extra", 0) for c in clients),
           "attr_mismatch": sum(c.get("attr_mismatch", 0) for c in clients),
           "expected": clients[0].get("expected") if clients else None,
           "stalls": stalled_clients(d, clients),
           "clients_cpu_s": sum_known(c.get("cpu_window_s") for c in clients)
           if clients else None}
    firsts = [c["first_update_at"] for c in clients if c.get("first_update_at")]
    out["t0_sink"] = min(firsts) if firsts else None
    out["done_last"] = max(c["done_at"] for c in done) if done else None
    if system == "floor":
        b = load_json(os.path.join(d, "blast.json"), {})
        out["t0_feeder"] = b.get("first_update_at")
        out["rss_kb"] = b.get("maxrss_kb")
        out["cpu_s"] = b.get("cpu_s")
    else:
        m = FEEDER_T0.search(read_text(os.path.join(d, "feeder.err")))
        out["t0_feeder"] = float(m.group(1)) if m else None
        s = stats_file(os.path.join(d, "daemon.stats"))
        out["rss_kb"] = s.get("rss_kb")
        out["cpu_s"] = s.get("cpu_s")
        out["threads_cpu_s"] = {k.split(":", 1)[1]: v for k, v in s.items()
                                if k.startswith("thread_cpu_s:")}
    if system == "bgpmux-mon":
        out["stream"] = stream_of(d)
        out["readers_cpu_s"] = readers_cpu(d, out["stream"])
    if not out["unavailable"] and len(done) < k:
        ends = sorted({c.get("end", "no report") for c in clients if not c.get("complete")})
        out["unavailable"] = (f"{len(done)} of {k} clients held every prefix"
                              + (f" ({ends[0]})" if ends else ""))
    print(json.dumps(out))
    return 0


def t0_method(rows):
    ok = [r for r in rows if not r["unavailable"]]
    daemons = [r for r in ok if r["system"] != "floor"]
    if daemons and all(r["t0_feeder"] for r in daemons):
        return "feeder"
    return "sink"


def seconds(r, method):
    if r["unavailable"] or not r["done_last"]:
        return None
    t0 = r["t0_feeder"] if method == "feeder" else r["t0_sink"]
    return r["done_last"] - t0 if t0 else None


def line(path):
    rows = load_rows(path)
    if not rows:
        return 0
    r = rows[-1]
    head = f"bench-fanout: {r['feed']} K={r['k']} {NAMES[r['system']]} (run {r.get('rep', 1)}):"
    if r["unavailable"]:
        print(f"{head} {'not available' if r['system'] == 'bgpmux' else 'failed'} "
              f"({r['unavailable']})", file=sys.stderr)
        return 0
    s = seconds(r, "sink")
    print(f"{head} {s:.2f} s from the first UPDATE a client saw, "
          f"{fmt_mib(r['rss_kb'])} MiB peak, {fmt(r['cpu_s'])} CPU s; "
          f"{check_text(r)}{'; ' + stream_text(r) if r.get('stream') else ''}",
          file=sys.stderr)
    return 0


# ---- tables -----------------------------------------------------------------

def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def fmt_mib(kb):
    return "–" if kb is None else f"{kb / 1024:.0f}"


def ratio(a, b, digits=1):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.{digits}f}×"


def stream_text(r):
    st = r.get("stream") or {}
    if not st.get("subscribers"):
        return "no stream subscriber"
    text = (f"{st['subscribers']} stream subscribers: each received "
            f"≥ {st['received_min'] or 0:,} messages ({(st.get('bytes_min') or 0) / 2**20:.1f} MiB), "
            f"{st['dropped']:,} dropped")
    if st["reported"] < st["subscribers"]:
        text += f" ({st['subscribers'] - st['reported']} without counts: see stream.json)"
    return text


def check_text(r):
    if r["unavailable"]:
        return r["unavailable"]
    bad = []
    if r["missing"]:
        bad.append(f"{r['missing']} missing")
    if r["extra"]:
        bad.append(f"{r['extra']} extra")
    if r["attr_mismatch"]:
        bad.append(f"{r['attr_mismatch']} with other attributes")
    text = "every client: every prefix, same attributes" if not bad else \
        "DIFFERS: " + ", ".join(bad)
    if r.get("stalls"):
        text += f"; {r['stalls']} client(s) stalled: suspect"
    return text


def best_of(rows, method):
    """One row per (feed, K, system): the fastest complete run, with the
    seconds of every run in "runs"; the last run when none completed."""
    groups = {}
    for r in rows:
        groups.setdefault((r["feed"], r["k"], r["system"]), []).append(r)
    out = []
    for runs in groups.values():
        timed = [(seconds(r, method), r) for r in runs]
        ok = [(t, r) for t, r in timed if t is not None]
        best = dict(min(ok, key=lambda x: x[0])[1] if ok else runs[-1])
        best["runs"] = [t for t, _ in timed]
        best["median"] = median([t for t, _ in ok])
        cpus = [r["cpu_s"] for t, r in ok if r.get("cpu_s") is not None]
        best["cpu_min"] = min(cpus) if cpus else None
        best["cpu_median"] = median(cpus)
        # a bgpmux-mon row stands for every run: the worst of their streams
        streams = [r["stream"] for r in runs if r.get("stream")]
        if streams:
            best["stream"] = worst_stream(streams)
        out.append(best)
    return out


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def worst_stream(streams):
    recv = [s["received_min"] for s in streams if s.get("received_min") is not None]
    drains = [s["drain_s"] for s in streams if s.get("drain_s") is not None]
    return {"subscribers": min(s["subscribers"] for s in streams),
            "reported": min(s["reported"] for s in streams),
            "received_min": min(recv) if recv else None,
            "sent_max": max((s["sent_max"] or 0) for s in streams),
            "dropped": sum(s["dropped"] for s in streams),
            "drain_s": max(drains) if drains else None}


def index(rows):
    return {(r["feed"], r["k"], r["system"]): r for r in rows}


def summary_rows(rows, method):
    by = index(rows)
    out = []
    feeds = list(dict.fromkeys(r["feed"] for r in rows))
    ks = sorted({r["k"] for r in rows})
    for f in feeds:
        for k in ks:
            got = {s: by.get((f, k, s)) for s in SYSTEMS}
            if not any(got.values()):
                continue
            sec = {s: seconds(got[s], method) if got[s] else None for s in SYSTEMS}
            mem = {s: got[s]["rss_kb"] if got[s] and not got[s]["unavailable"] else None
                   for s in SYSTEMS}
            cpu = {s: got[s]["cpu_s"] if got[s] and not got[s]["unavailable"] else None
                   for s in SYSTEMS}
            out.append((f, k, got, sec, mem, cpu))
    return out


def summary_table(rows, method):
    head = ["feed", "K", "floor s", "BIRD s", "bgpmux s", "BIRD/bgpmux time",
            "bgpmux/floor time", "BIRD MiB", "bgpmux MiB", "bgpmux/BIRD memory",
            "BIRD CPU s", "bgpmux CPU s"]
    body = []
    for f, k, got, sec, mem, cpu in summary_rows(rows, method):
        mux = "n/a" if got["bgpmux"] and got["bgpmux"]["unavailable"] else None
        body.append([FEED_NAMES.get(f, f), str(k), fmt(sec["floor"]), fmt(sec["bird"]),
                     mux or fmt(sec["bgpmux"]), ratio(sec["bird"], sec["bgpmux"]),
                     ratio(sec["bgpmux"], sec["floor"]), fmt_mib(mem["bird"]),
                     mux or fmt_mib(mem["bgpmux"]), ratio(mem["bgpmux"], mem["bird"], 2),
                     fmt(cpu["bird"]), mux or fmt(cpu["bgpmux"])])
    return head, body


def monitors_table(rows, method):
    """bgpmux with MRT, BMP and the stream subscribers on against bgpmux
    alone (the target: within 1.5×): fastest and median runs."""
    head = ["feed", "K", "bgpmux s", "with monitors s", "ratio", "bgpmux median s",
            "with monitors median s", "median ratio", "bgpmux CPU s",
            "with monitors CPU s", "bgpmux MiB", "with monitors MiB",
            "stream msgs/subscriber", "dropped"]
    body = []
    for f, k, got, sec, mem, cpu in summary_rows(rows, method):
        mon = got.get("bgpmux-mon")
        if not mon:
            continue
        mux_med = got["bgpmux"].get("median") if got.get("bgpmux") else None
        mon_med = mon.get("median")
        st = mon.get("stream") or {}
        subs = st.get("subscribers") or 0
        recv = "–" if not subs or st.get("received_min") is None else \
            f"{subs} × {st['received_min']:,}"
        body.append([FEED_NAMES.get(f, f), str(k), fmt(sec["bgpmux"]), fmt(sec["bgpmux-mon"]),
                     ratio(sec["bgpmux-mon"], sec["bgpmux"], 2), fmt(mux_med), fmt(mon_med),
                     ratio(mon_med, mux_med, 2), fmt(cpu["bgpmux"]),
                     fmt(cpu["bgpmux-mon"]), fmt_mib(mem["bgpmux"]),
                     fmt_mib(mem["bgpmux-mon"]), recv,
                     "–" if not subs else f"{st['dropped']:,}"])
    return head, body


def base_table(rows, method):
    """bgpmux (this build) over bgpmux-base (BENCH_MUXD_BASE), measured
    interleaved in the same rounds: wall seconds fastest and median, CPU
    seconds fewest and median, and BIRD over each."""
    head = ["feed", "K", "base s", "new s", "new/base", "base median s",
            "new median s", "median new/base", "base CPU s", "new CPU s",
            "CPU new/base", "base median CPU s", "new median CPU s",
            "median CPU new/base", "BIRD/base time", "BIRD/new time"]
    body = []
    for f, k, got, sec, mem, cpu in summary_rows(rows, method):
        base, new = got.get("bgpmux-base"), got.get("bgpmux")
        if not base or not new:
            continue

        def pick(r, key):
            return r.get(key) if r and not r["unavailable"] else None
        bm, nm = pick(base, "median"), pick(new, "median")
        bc, nc = pick(base, "cpu_min"), pick(new, "cpu_min")
        bcm, ncm = pick(base, "cpu_median"), pick(new, "cpu_median")
        body.append([FEED_NAMES.get(f, f), str(k), fmt(sec["bgpmux-base"]),
                     fmt(sec["bgpmux"]), ratio(sec["bgpmux"], sec["bgpmux-base"], 3),
                     fmt(bm), fmt(nm), ratio(nm, bm, 3), fmt(bc), fmt(nc),
                     ratio(nc, bc, 3), fmt(bcm), fmt(ncm), ratio(ncm, bcm, 3),
                     ratio(sec["bird"], sec["bgpmux-base"]),
                     ratio(sec["bird"], sec["bgpmux"])])
    return head, body


def detail_table(rows, method):
    head = ["feed", "K", "fan-out", "seconds", "every run s", "prefixes/s per client",
            "peak RSS MiB", "CPU s", "clients' CPU s", "check"]
    body = []
    for r in rows:
        s = seconds(r, method)
        rate = f"{r['expected'] / s:,.0f}" if s and r.get("expected") else "–"
        status = check_text(r)
        if r["unavailable"]:
            status = ("not available: " if r["system"] == "bgpmux" else "failed: ") + status
        runs = ", ".join(fmt(t) for t in r.get("runs", []))
        body.append([FEED_NAMES.get(r["feed"], r["feed"]), str(r["k"]), NAMES[r["system"]],
                     fmt(s), runs, rate, fmt_mib(r["rss_kb"]) if not r["unavailable"] else "–",
                     fmt(r["cpu_s"]) if not r["unavailable"] else "–",
                     apparatus_cpu_text(r), status])
    return head, body


def apparatus_cpu_text(r):
    """What the run's clients used of the machine from their first UPDATE
    to their table (bgp_sink's cpu_window_s), and bgpmux-mon's readers
    reading the stream and BMP: on two cores their CPU is part of every
    fan-out's seconds."""
    text = fmt(r.get("clients_cpu_s"))
    if r["system"] == "bgpmux-mon":
        text += f" + readers {fmt(r.get('readers_cpu_s'))}"
    return text


def floor_bound(sec):
    """The loopback floor (the same clients fed from memory) slower than a
    tenth of BIRD: no fan-out through these clients can be 10× BIRD here."""
    if not sec["floor"] or not sec["bird"] or sec["bird"] / sec["floor"] >= TARGETS["speedup"]:
        return None
    return (f"the loopback floor itself is only {sec['bird'] / sec['floor']:.1f}× faster than "
            f"BIRD: 10× BIRD would be {sec['bird'] / TARGETS['speedup']:.2f} s, under the "
            f"floor's {sec['floor']:.2f} s (the clients' own work): not reachable with these "
            "clients on this machine")


# muxd's threads that write the monitors' output, by name (proc_stats):
# the live stream's writer, BMP's, the MRT archive's (its compression).
MONITOR_THREADS = ("live_stream", "bmp", "mrt")


def monitor_threads_cpu(r):
    """The CPU seconds of muxd's monitor writer threads in run r, and the
    figure of each; None when the run did not report them."""
    threads = r.get("threads_cpu_s") or {}
    each = {n: threads[n] for n in MONITOR_THREADS if n in threads}
    return (sum(each.values()), each) if each else (None, {})


def monitors_check(got, sec, cpu, ncpus):
    """bgpmux-mon within 1.5× of bgpmux alone, and when not, the CPU the
    run takes even if the event loop paid nothing for the monitors
    (bgpmux alone's, the clients', the readers', the monitors' writer
    threads') against what ncpus give in 1.5× bgpmux alone's seconds: an
    estimate (the readers' and the threads' figures include what was read
    and written after the last client was done; muxd's its start)."""
    mon = got.get("bgpmux-mon")
    if not mon or mon["unavailable"] or not sec["bgpmux"] or not sec["bgpmux-mon"]:
        return None
    v = sec["bgpmux-mon"] / sec["bgpmux"]
    text = (f"with the monitors {v:.2f}× bgpmux alone (target ≤ {TARGETS['monitors']}×: "
            f"{'met' if v <= TARGETS['monitors'] else 'NOT met'})")
    threads, each = monitor_threads_cpu(mon)
    parts = [cpu["bgpmux"], mon.get("clients_cpu_s"), mon.get("readers_cpu_s")]
    if v > TARGETS["monitors"] and ncpus and None not in parts:
        need, have = sum(parts) + (threads or 0), ncpus * TARGETS["monitors"] * sec["bgpmux"]
        text += (f"; even if the event loop paid nothing for the monitors, the run takes "
                 f"about {need:.2f} CPU s (bgpmux alone's {parts[0]:.2f}, the clients' "
                 f"{parts[1]:.2f}, the readers' {parts[2]:.2f}")
        if threads is not None:
            named = ", ".join(f"{n.replace('_', ' ')} {t:.2f}" for n, t in each.items())
            text += f", muxd's monitor writer threads' {threads:.2f}: {named}"
        text += (f"), and {ncpus} CPUs give {have:.2f} in 1.5× bgpmux alone's "
                 f"{sec['bgpmux']:.2f} s")
        if need > have:
            text += ": more than this machine has"
    return text


def fanout_checks(got, sec, mem):
    """The K = 16 targets: against BIRD (and whether the floor allows
    it), the loopback floor, BIRD's memory."""
    if got["bgpmux"] is None or got["bgpmux"]["unavailable"]:
        return ("bgpmux not available "
                f"({got['bgpmux']['unavailable'] if got['bgpmux'] else 'not run'})")
    checks = []
    if sec["bird"] and sec["bgpmux"]:
        v = sec["bird"] / sec["bgpmux"]
        checks.append(f"{v:.1f}× faster than BIRD (target ≥ {TARGETS['speedup']:.0f}×: "
                      f"{'met' if v >= TARGETS['speedup'] else 'NOT met'})")
        if v < TARGETS["speedup"] and floor_bound(sec):
            checks.append(floor_bound(sec))
    if sec["floor"] and sec["bgpmux"]:
        v = sec["bgpmux"] / sec["floor"]
        checks.append(f"{v:.1f}× the loopback floor (target ≤ {TARGETS['floor']:.0f}×: "
                      f"{'met' if v <= TARGETS['floor'] else 'NOT met'})")
    if mem["bird"] and mem["bgpmux"]:
        v = mem["bgpmux"] / mem["bird"]
        checks.append(f"{v:.2f}× BIRD's peak memory (target ≤ {TARGETS['memory']}: "
                      f"{'met' if v <= TARGETS['memory'] else 'NOT met'})")
    return "; ".join(checks)


def targets(rows, method, ncpus):
    out = []
    for f, k, got, sec, mem, cpu in summary_rows(rows, method):
        name = f"{FEED_NAMES.get(f, f)}, K = {k}: "
        if k == 16:
            out.append(name + fanout_checks(got, sec, mem))
        mon = monitors_check(got, sec, cpu, ncpus)
        if mon:
            out.append(name + mon)
    return out


def text_table(head, body):
    """Words to the left, figures to the right."""
    w = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(head)]
    left = {i for i, h in enumerate(head) if h in WORD_COLUMNS}
    lines = ["  ".join(h.ljust(w[i]) for i, h in enumerate(head)).rstrip(),
             "  ".join("-" * x for x in w)]
    for r in body:
        lines.append("  ".join(c.ljust(w[i]) if i in left else c.rjust(w[i])
                               for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


WORD_COLUMNS = ("feed", "fan-out", "check")


def md_table(head, body):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if h in WORD_COLUMNS else "---:" for h in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def method_text(method):
    if method == "feeder":
        return ("from the moment the feeder sent its first UPDATE (mrt_replay's "
                "timestamp; bgp_blast's for the floor)")
    return ("from the first UPDATE any client received (an approximation: "
            "mrt_replay does not print when it sent its first UPDATE, so the "
            "fan-out's own delay before its first UPDATE out is not counted)")


def feeds_text(work):
    out = []
    for p in sorted(glob.glob(os.path.join(work, "*", "feed.json"))):
        f = load_json(p)
        if f:
            out.append(f"{FEED_NAMES.get(f['feed'], f['feed'])}: {f['updates']:,} UPDATEs, "
                       f"{f['bytes']:,} bytes, final table {f['prefixes']:,} prefixes"
                       f"{'' if f['ok'] else ' (EXPECTED ' + format(f['expect'], ',') + ')'}")
    return out


def render(work, md_path):
    rows = load_rows(os.path.join(work, "results.jsonl"))
    m = load_json(os.path.join(work, "machine.json"), {})
    method = t0_method(rows)
    reps = max([r.get("rep", 1) for r in rows] or [1])
    rows = best_of(rows, method)
    sh, sb = summary_table(rows, method)
    dh, db = detail_table(rows, method)
    mh, mb = monitors_table(rows, method)
    bh, bb = base_table(rows, method)
    tg = targets(rows, method, m.get("cpus"))
    feeds = feeds_text(work)
    busy = m.get("load", 0) > 0.5 * (m.get("cpus") or 1)
    machine_line = (f"{m.get('date')}; {m.get('cpus')} CPUs ({m.get('cpu')}), "
                    f"{m.get('mem_gib')} GiB, Linux {m.get('kernel')}; {m.get('bird')}; "
                    f"load average {m.get('load', 0):.2f} at the start"
                    + (f"; {m['firsttouch']}" if m.get("firsttouch") else "")
                    + (" — the machine was busy: figures are noisy" if busy else ""))
    print()
    best = f"fastest of {reps} runs" if reps > 1 else "one run"
    print("Full-table fan-out: seconds " + method_text(method) +
          f" until every client holds every prefix ({best}); peak RSS and CPU of "
          "the fan-out process in that run.")
    print(machine_line)
    for f in feeds:
        print("  " + f)
    print()
    print(text_table(sh, sb))
    if mb:
        print()
        print("bgpmux with the monitors on (MRT archives, BMP export, live-stream "
              "subscribers; the fewest messages one subscriber received, drops in all runs):")
        print(text_table(mh, mb))
    if bb:
        print()
        print(BASE_TEXT)
        print(text_table(bh, bb))
    print()
    print(text_table(dh, db))
    if tg:
        print()
        for t in tg:
            print(t)
    with open(md_path, "w") as out:
        out.write("### Full-table fan-out (`make bench`)\n\n")
        out.write(f"Seconds {method_text(method)} until every client holds every "
                  "prefix (each client checks its whole table, attributes too, "
                  f"against the feed), {best} of each; peak RSS (VmHWM) and CPU "
                  "seconds of the fan-out process in that run. The loopback floor is the feeder's UPDATE "
                  "bytes written straight to the clients by `bgp_blast`. "
                  "BIRD runs as a transparent route server "
                  "(`tests/bench/bird-fanout.conf.in`).\n\n")
        out.write(f"Machine: {machine_line}.\n\n")
        for f in feeds:
            out.write(f"- {f}\n")
        out.write("\n" + md_table(sh, sb) + "\n\n")
        if mb:
            out.write("With the monitors on (MRT archives, BMP export, live-stream "
                      "subscribers reading every message; the fewest messages one "
                      "subscriber received, and the drops in all runs):\n\n")
            out.write(md_table(mh, mb) + "\n\n")
        if bb:
            out.write(BASE_TEXT + "\n\n" + md_table(bh, bb) + "\n\n")
        out.write(md_table(dh, db) + "\n")
        if tg:
            out.write("\n" + "\n".join(f"- {t}" for t in tg) + "\n")
    print(f"\n(Markdown in {md_path})")
    return 0


BASE_TEXT = ("This build (new) against bgpmux-base (BENCH_MUXD_BASE), interleaved "
             "in the same rounds: wall seconds fastest and median, the fan-out's CPU "
             "seconds fewest and median, BIRD's fastest over each build's fastest.")


def main(argv):
    cmds = {
        "machine": (1, lambda ft: print(json.dumps(machine(ft))) or 0),
        "feed": (3, lambda a, b, c: feed(a, b, c)),
        "feedline": (1, feedline),
        "row": (5, row),
        "line": (1, line),
        "render": (2, render),
    }
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][0]:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return cmds[argv[1]][1](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
