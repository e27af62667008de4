#!/usr/bin/env python3
"""Fires provisioning calls at muxd's API and kills muxd in the middle.

    api_crash.py --api HOST:PORT --token TOKEN --pid MUXD_PID --count 1000
                 --kill-after 400 --out results.json

COUNT POST /api/v1/clients from a few threads; one call in ten is invalid on
purpose (a bad ASN, an unknown upstream) and must be refused. Once
KILL_AFTER calls have got a 2xx answer, muxd gets SIGKILL while the others
are in flight; the calls still to come find nobody listening. Each call's
outcome goes to OUT:
  ok        2xx: muxd promised the client is stored
  refused   an error answer (4xx/5xx): nothing may have changed
  unreached the connection was refused: the call never reached muxd
  unknown   sent, but muxd died before answering: either outcome is right
            if the call started before the kill; "after_kill" says if it
            started once SIGKILL had been sent (muxd could run no more code
            then, so it must not be kept)
"""
import argparse
import http.client
import json
import os
import queue
import signal
import threading


def client_body(i):
    body = {"name": "c%04d" % i,
            "address": "127.0.%d.%d" % (60 + i // 250, 2 + i % 250),
            "asn": 64512 + i, "upstreams": ["isp-a"],
            "prefixes": ["10.%d.%d.0/24" % (i // 256, i % 256)]}
    if i % 20 == 9:
        body["asn"] = "not-a-number"        # 400
    elif i % 20 == 19:
        body["upstreams"] = ["isp-nowhere"]  # 400
    return body


def call(api, token, i):
    host, port = api.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.connect()
    except ConnectionRefusedError:
        return "unreached", None
    try:
        conn.request("POST", "/api/v1/clients", json.dumps(client_body(i)),
                     {"Authorization": "Bearer " + token,
                      "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return ("ok" if 200 <= r.status < 300 else "refused"), r.status
    except (ConnectionError, http.client.HTTPException, OSError):
        return "unknown", None
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--kill-after", type=int, default=400)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    jobs = queue.Queue()
    for i in range(a.count):
        jobs.put(i)
    results = {}
    lock = threading.Lock()
    killed = threading.Event()

    def worker():
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                return
            after_kill = killed.is_set()
            outcome, status = call(a.api, a.token, i)
            with lock:
                results[i] = {"name": client_body(i)["name"], "outcome": outcome,
                              "status": status, "address": client_body(i)["address"],
                              "after_kill": after_kill}
                oks = sum(1 for r in results.values() if r["outcome"] == "ok")
                if oks >= a.kill_after and not killed.is_set():
                    # the signal first: a call that sees the flag set
                    # starts after SIGKILL was sent
                    os.kill(a.pid, signal.SIGKILL)
                    killed.set()

    threads = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(a.out, "w") as f:
        json.dump([results[i] for i in sorted(results)], f)
    counts = {}
    for r in results.values():
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    print(json.dumps({"killed": killed.is_set(), "counts": counts}))


if __name__ == "__main__":
    main()
