#!/usr/bin/env python3
"""fakemux.py — a stand-in for build/muxd that proves the integration harness.

It speaks just enough BGP (RFC 4271 + 4760 + 6793, no ADD-PATH) to honour the
muxd contract the integration tests rely on: `--config FILE` in the
foreground, logs naming the peer on stderr, SIGUSR1 writes
<state_dir>/routes.json atomically, SIGTERM closes every session with
NOTIFICATION 6/2 and exits 0, and header/OPEN errors are answered with the
RFC 4271 NOTIFICATION.  It is not muxd and never ships: it lets the harness be
run and debugged against the real daemons before (and beside) muxd:

    MUXD="python3 tests/tools/fakemux.py" scripts/run-integration.sh

Python 3 standard library only.
"""
import ipaddress
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

MARKER = b"\xff" * 16
FAMILIES = {"ipv4-unicast": (1, 1), "ipv6-unicast": (2, 1)}
ORIGINS = {0: "igp", 1: "egp", 2: "incomplete"}
CEASE_NAMES = {2: "Administrative Shutdown", 7: "Connection Collision Resolution"}

lock = threading.RLock()


def log(msg):
    with lock:
        sys.stderr.write("%s fakemux: %s\n" % (time.strftime("%H:%M:%S"), msg))
        sys.stderr.flush()


class PeerError(Exception):
    """A fault the peer caused: answer with this NOTIFICATION and close."""

    def __init__(self, code, sub, data=b"", why=""):
        super().__init__(why)
        self.code, self.sub, self.data, self.why = code, sub, data, why


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


class Peer:
    def __init__(self, cfg, glob):
        self.name = cfg["name"]
        self.addr = cfg["peer"]["address"]
        self.asn = cfg["peer"]["asn"]
        self.port = cfg["peer"].get("port", 179)
        self.local = cfg["local_address"]
        self.passive = cfg.get("passive", False)
        self.hold = cfg.get("hold_time", 90)
        self.families = [FAMILIES[f] for f in cfg.get("families", ["ipv4-unicast"])]
        self.glob = glob
        self.state = "Idle"
        self.sock = None
        self.routes = {}  # (afi, prefix) -> route dict

    def tag(self):
        return "peer %s %s" % (self.name, self.addr)

    def set_state(self, new):
        if new != self.state:
            log("%s: %s -> %s" % (self.tag(), self.state, new))
            self.state = new


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_msg(sock):
    hdr = read_exact(sock, 19)
    if hdr[:16] != MARKER:
        raise PeerError(1, 1, b"", "marker is not all ones")
    length, mtype = struct.unpack("!HB", hdr[16:])
    if length < 19 or length > 4096:
        raise PeerError(1, 2, hdr[16:18], "bad message length %d" % length)
    if mtype not in (1, 2, 3, 4, 5):
        raise PeerError(1, 3, bytes([mtype]), "unknown message type %d" % mtype)
    minlen = {1: 29, 2: 23, 3: 21, 4: 19, 5: 23}[mtype]
    if length < minlen or (mtype == 4 and length != 19):
        raise PeerError(1, 2, hdr[16:18], "bad length %d for type %d" % (length, mtype))
    return mtype, read_exact(sock, length - 19)


def build_open(glob, peer):
    caps = b""
    for afi, safi in peer.families:
        caps += struct.pack("!BBHBB", 1, 4, afi, 0, safi)
    caps += struct.pack("!BB", 2, 0)
    caps += struct.pack("!BBI", 65, 4, glob["asn"])
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = glob["asn"] if glob["asn"] < 65536 else 23456
    rid = socket.inet_aton(glob["router_id"])
    return msg(1, struct.pack("!BHH4sB", 4, my_as, peer.hold, rid, len(opt)) + opt)


def check_open(body, peer):
    version, my_as, hold, rid, optlen = struct.unpack("!BHH4sB", body[:10])
    if version != 4:
        raise PeerError(2, 1, struct.pack("!H", 4), "unsupported version %d" % version)
    asn4 = None
    opts = body[10:10 + optlen]
    while len(opts) >= 2:
        ptype, plen = opts[0], opts[1]
        val, opts = opts[2:2 + plen], opts[2 + plen:]
        while ptype == 2 and len(val) >= 2:
            code, clen = val[0], val[1]
            if code == 65 and clen == 4:
                asn4 = struct.unpack("!I", val[2:6])[0]
            val = val[2 + clen:]
    asn = asn4 if asn4 is not None else my_as
    if asn != peer.asn:
        raise PeerError(2, 2, b"", "peer AS %d, expected %d" % (asn, peer.asn))
    if hold in (1, 2):
        raise PeerError(2, 6, b"", "unacceptable hold time %d" % hold)
    if rid == b"\0\0\0\0":
        raise PeerError(2, 3, b"", "BGP identifier 0.0.0.0")
    return min(hold, peer.hold)


def nlri_decode(data, afi):
    out = []
    i = 0
    width = 4 if afi == 1 else 16
    while i < len(data):
        plen = data[i]
        nbytes = (plen + 7) // 8
        raw = data[i + 1:i + 1 + nbytes] + b"\0" * (width - nbytes)
        i += 1 + nbytes
        if afi == 1:
            out.append(str(ipaddress.IPv4Network((raw, plen))))
        else:
            out.append(str(ipaddress.IPv6Network((raw, plen))))
    return out


def ext_comm(raw):
    t, s = raw[0], raw[1]
    if t == 0x00 and s in (0x02, 0x03):
        asn, val = struct.unpack("!HI", raw[2:8])
        return "%s:%d:%d" % ("rt" if s == 2 else "ro", asn, val)
    return "0x" + raw.hex()


def update_decode(body):
    wlen = struct.unpack("!H", body[:2])[0]
    withdrawn = [(1, p) for p in nlri_decode(body[2:2 + wlen], 1)]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    attrs = body[4 + wlen:4 + wlen + alen]
    nlri = body[4 + wlen + alen:]
    r = {}
    announced = []
    i = 0
    while i < len(attrs):
        flags, atype = attrs[i], attrs[i + 1]
        if flags & 0x10:
            alen2 = struct.unpack("!H", attrs[i + 2:i + 4])[0]
            i += 4
        else:
            alen2 = attrs[i + 2]
            i += 3
        v = attrs[i:i + alen2]
        i += alen2
        if atype == 1:
            r["origin"] = ORIGINS[v[0]]
        elif atype == 2:
            path = []
            j = 0
            while j < len(v):
                stype, n = v[j], v[j + 1]
                asns = list(struct.unpack("!%dI" % n, v[j + 2:j + 2 + 4 * n]))
                j += 2 + 4 * n
                if stype == 1:
                    path.append(asns)
                else:
                    path.extend(asns)
            r["as_path"] = path
        elif atype == 3:
            r["next_hop"] = socket.inet_ntoa(v)
        elif atype == 4:
            r["med"] = struct.unpack("!I", v)[0]
        elif atype == 5:
            r["local_pref"] = struct.unpack("!I", v)[0]
        elif atype == 8:
            r["communities"] = ["%d:%d" % struct.unpack("!HH", v[k:k + 4])
                                for k in range(0, len(v), 4)]
        elif atype == 16:
            r["ext_communities"] = [ext_comm(v[k:k + 8]) for k in range(0, len(v), 8)]
        elif atype == 32:
            r["large_communities"] = ["%d:%d:%d" % struct.unpack("!III", v[k:k + 12])
                                      for k in range(0, len(v), 12)]
        elif atype == 14:
            afi, safi, nhl = struct.unpack("!HBB", v[:4])
            nh = v[4:4 + nhl]
            if afi == 2:
                r["next_hop"] = str(ipaddress.IPv6Address(nh[:16]))
                if nhl == 32:
                    r["next_hop_ll"] = str(ipaddress.IPv6Address(nh[16:]))
            else:
                r["next_hop"] = socket.inet_ntoa(nh[:4])
            announced += [(afi, p) for p in nlri_decode(v[5 + nhl:], afi)]
        elif atype == 15:
            afi = struct.unpack("!H", v[:2])[0]
            withdrawn += [(afi, p) for p in nlri_decode(v[3:], afi)]
    announced += [(1, p) for p in nlri_decode(nlri, 1)]
    return withdrawn, announced, r


def send_notification(peer, sock, code, sub, data=b"", name=None):
    what = name or (peer.tag() if peer else "unknown peer")
    log("%s: sent NOTIFICATION %d/%d%s" % (what, code, sub,
        " (Cease, %s)" % CEASE_NAMES.get(sub, "") if code == 6 else ""))
    try:
        sock.sendall(msg(3, bytes([code, sub]) + data))
    except OSError:
        pass


def session(peer, sock, outgoing):
    """Runs one connection to its end, in its own thread."""
    with lock:
        busy = peer.sock is not None
        if not busy:
            peer.sock = sock
    if busy:
        send_notification(peer, sock, 6, 7)
        sock.close()
        return
    try:
        peer.set_state("OpenSent")
        sock.sendall(build_open(peer.glob, peer))
        mtype, body = read_msg(sock)
        if mtype == 3:
            raise EOFError("received NOTIFICATION %d/%d" % (body[0], body[1]))
        if mtype != 1:
            raise PeerError(5, 1, b"", "expected OPEN, got type %d" % mtype)
        hold = check_open(body, peer)
        peer.set_state("OpenConfirm")
        sock.sendall(msg(4))
        sock.settimeout(hold or None)
        mtype, body = read_msg(sock)
        if mtype != 4:
            raise PeerError(5, 2, b"", "expected KEEPALIVE, got type %d" % mtype)
        peer.set_state("Established")
        if hold:
            threading.Thread(target=keepalives, args=(peer, sock, hold // 3),
                             daemon=True).start()
        while True:
            mtype, body = read_msg(sock)
            if mtype == 2:
                withdrawn, announced, attrs = update_decode(body)
                with lock:
                    for key in withdrawn:
                        peer.routes.pop(key, None)
                    for afi, p in announced:
                        peer.routes[(afi, p)] = dict(attrs, prefix=p, path_id=0)
            elif mtype == 3:
                log("%s: received NOTIFICATION %d/%d" % (peer.tag(), body[0], body[1]))
                break
    except PeerError as e:
        log("%s: %s" % (peer.tag(), e.why))
        send_notification(peer, sock, e.code, e.sub, e.data)
    except (EOFError, OSError, socket.timeout) as e:
        log("%s: connection ended: %s" % (peer.tag(), e))
    finally:
        with lock:
            if peer.sock is sock:
                peer.sock = None
                peer.routes.clear()
                peer.set_state("Idle")
        sock.close()


def keepalives(peer, sock, every):
    while peer.sock is sock:
        try:
            sock.sendall(msg(4))
        except OSError:
            return
        time.sleep(every)


def listener(addr, port, peers):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    log("listening on %s port %d" % (addr, port))
    while True:
        s, src = ls.accept()
        peer = next((p for p in peers if p.addr == src[0]), None)
        if peer is None:
            log("connection from unknown %s refused" % src[0])
            s.close()
            continue
        threading.Thread(target=session, args=(peer, s, False), daemon=True).start()


def connector(peer):
    while True:
        if peer.sock is None:
            fam = socket.AF_INET6 if ":" in peer.addr else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.bind((peer.local, 0))
                s.settimeout(3)
                s.connect((peer.addr, peer.port))
                s.settimeout(None)
                session(peer, s, True)
            except OSError as e:
                s.close()
                log("%s: connect failed: %s" % (peer.tag(), e))
        time.sleep(1)


def route_json(r):
    order = ["prefix", "path_id", "origin", "as_path", "next_hop", "next_hop_ll", "med",
             "local_pref", "communities", "ext_communities", "large_communities"]
    return {k: r[k] for k in order if k in r}


def dump(glob, peers):
    out = {"peers": []}
    with lock:
        for p in peers:
            out["peers"].append({"name": p.name, "address": p.addr, "asn": p.asn,
                                 "state": p.state,
                                 "routes": [route_json(r) for r in p.routes.values()]})
    path = os.path.join(glob["state_dir"], "routes.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, path)
    log("wrote %s" % path)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--config", "--check-config"):
        sys.exit("usage: fakemux.py --config FILE")
    with open(sys.argv[2]) as f:
        glob = json.load(f)
    if sys.argv[1] == "--check-config":
        return
    os.makedirs(glob["state_dir"], exist_ok=True)
    peers = [Peer(p, glob) for p in glob["peers"]]
    port = glob.get("listen_port", 179)
    for addr in sorted({p.local for p in peers}):
        threading.Thread(target=listener, args=(addr, port, peers), daemon=True).start()
    for p in peers:
        if not p.passive:
            threading.Thread(target=connector, args=(p,), daemon=True).start()
    flags = {"dump": False, "stop": False}
    signal.signal(signal.SIGUSR1, lambda *_: flags.__setitem__("dump", True))
    signal.signal(signal.SIGTERM, lambda *_: flags.__setitem__("stop", True))
    while not flags["stop"]:
        time.sleep(0.05)
        if flags["dump"]:
            flags["dump"] = False
            dump(glob, peers)
    with lock:
        for p in peers:
            if p.sock is not None:
                send_notification(p, p.sock, 6, 2)
                p.sock.shutdown(socket.SHUT_WR)
    log("stopped")


if __name__ == "__main__":
    main()
