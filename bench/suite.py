#!/usr/bin/env python3
"""`make bench`: every figure of issue 13, netkernel and the real kernel measured in the same run.

Each rate figure runs the same Python loop on both sides (netkernel: `k.socket()`; real: Python's
socket module in a fresh network namespace, root needed) REPEAT times, alternating sides, and
reports the median; the ratio is netkernel/real (> 1: netkernel is faster). Memory and scale
figures report bytes and seconds (ratio: netkernel/real, < 1: netkernel uses less). Results go to
bench/results.json and a table on stdout.

    python3 bench/suite.py [--quick] [--repeat N] [--only NAME,...] [--no-real] [--json PATH]

Figures (see bench/README.md): veth send and send+recv (RAW and DGRAM), loopback send+recv,
broadcast to 100 ETH_P_ALL sockets, a tcpdump-compiled BPF filter on receive, TX_RING and
RX_RING V3, fanout HASH over 8 members, a call through `netkernel run`'s boundary, tracing
(off: the overhead of the tracer test over an entry without tracing support; on: µs per
syscall), memory per idle socket and per queued frame, and scale (1,000 and 10,000 namespaces,
each with a veth end and a bound socket: time and RSS).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
for _p in (os.path.join(_ROOT, "src"), os.path.join(_ROOT, "tests"), _HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import netkernel  # noqa: E402
import realkernel  # noqa: E402
import pps  # noqa: E402
import rings  # noqa: E402

ETH_P_BENCH = pps.ETH_P_BENCH
MAC0 = bytes.fromhex(pps.MAC0.replace(":", ""))
MAC1 = bytes.fromhex(pps.MAC1.replace(":", ""))
SOL_PACKET = 263
PACKET_FANOUT = 18
PACKET_FANOUT_HASH = 0
SO_ATTACH_FILTER = 26
RESULTS = os.path.join(_HERE, "results.json")

# `tcpdump -dd 'ether proto 0x88b5 and ether[14] = 0x45'`-style programs are what libpcap loads;
# this one is `tcpdump -dd 'udp dst port 9'` (IPv4 and IPv6 branches, fragment check), stored so
# the bench needs no tcpdump; tcpdump_program() recompiles it when tcpdump is installed.
UDP_DST_9 = [(0x28, 0, 0, 0x0000000c), (0x15, 0, 4, 0x000086dd), (0x30, 0, 0, 0x00000014),
             (0x15, 0, 11, 0x00000011), (0x28, 0, 0, 0x00000038), (0x15, 8, 9, 0x00000009),
             (0x15, 0, 8, 0x00000800), (0x30, 0, 0, 0x00000017), (0x15, 0, 6, 0x00000011),
             (0x28, 0, 0, 0x00000014), (0x45, 4, 0, 0x00001fff), (0xb1, 0, 0, 0x0000000e),
             (0x48, 0, 0, 0x00000010), (0x15, 0, 1, 0x00000009), (0x6, 0, 0, 0x00040000),
             (0x6, 0, 0, 0x00000000)]
FILTER_EXPR = "udp dst port 9"


def tcpdump_program(expr: str = FILTER_EXPR):
    """The classic BPF program tcpdump compiles for `expr` (tcpdump -dd), or the stored one."""
    try:
        out = subprocess.run(["tcpdump", "-dd", expr], capture_output=True, text=True,
                             timeout=20).stdout
        prog = [tuple(int(x, 0) for x in line.strip(" {},").split(","))
                for line in out.splitlines() if line.strip().startswith("{")]
        return prog or UDP_DST_9
    except (OSError, subprocess.SubprocessError, ValueError):
        return UDP_DST_9


def udp_frame(dport: int = 9, sport: int = 4000, size: int = 64, dst: bytes = MAC1) -> bytes:
    """An Ethernet/IPv4/UDP frame veth0 → veth1."""
    payload_len = size - 14 - 20 - 8
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + payload_len, 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", sport, dport, 8 + payload_len, 0)
    return dst + MAC0 + b"\x08\x00" + ip + udp + bytes(payload_len)


# ---------------------------------------------------------------- sides

def _sock(side, type: int, proto: int):
    if isinstance(side, pps.RealSide):
        return side.ns.socket(socket.AF_PACKET, type, socket.htons(proto))
    return side.k.socket(socket.AF_PACKET, type, socket.htons(proto))


def _attach_filter(side, s, prog) -> None:
    """SO_ATTACH_FILTER with a struct sock_fprog pointing at the instructions (in-process,
    netkernel's user memory is this process's memory, as for the real kernel)."""
    import ctypes
    insns = b"".join(struct.pack("HBBI", *i) for i in prog)
    buf = ctypes.create_string_buffer(insns, len(insns))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                 struct.pack("HL", len(prog), ctypes.addressof(buf)))
    _KEEP.append(buf)                       # the program's memory stays valid


_KEEP: list = []


def _timed_loop(fn, count: int | None, target: float) -> tuple[int, float]:
    """Run fn(n) with n calibrated to about `target` seconds (or `count`); (n, seconds)."""
    if count is None:
        n = 200
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        count = max(200, int(target * n / max(dt, 1e-9)))
    t0 = time.perf_counter()
    fn(count)
    return count, time.perf_counter() - t0


# ---------------------------------------------------------------- rate figures
# Each takes (side, count, target) and returns {"value": rate, "unit": "frames/s", ...} with a
# delivery check ("ok": every frame arrived where it should).

def _veth_pair_socks(side, type: int):
    if type == socket.SOCK_RAW:
        s = pps._sender(side)
    else:
        s = _sock(side, socket.SOCK_DGRAM, ETH_P_BENCH)
    r = _sock(side, type, ETH_P_BENCH)
    r.bind(("veth1", ETH_P_BENCH))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, pps.SO_RCVTIMEO_2S)
    return s, r


def _rate(n, dt, ok):
    return {"value": n / dt, "unit": "frames/s", "frames": n, "seconds": dt, "ok": ok}


def _send_recv_rate(s, r, data: bytes, count, target):
    """The timed loop of a send+recv figure: send `data` on s, read it back on r; both closed
    after. The rate counts only if every frame came back whole."""
    got = [0]
    try:
        def loop(n):
            send, recv = s.send, r.recv
            for _ in range(n):
                send(data)
                if recv(2048) == data:
                    got[0] += 1
        n, dt = _timed_loop(loop, count, target)
        total = got[0]
    finally:
        s.close()
        r.close()
    return _rate(n, dt, total >= n)


def fig_veth_send_raw(side, count, target):
    old = pps.TARGET_SECONDS
    pps.TARGET_SECONDS = target
    try:
        r = pps.measure_send(side, count)
    finally:
        pps.TARGET_SECONDS = old
    return _rate(r["sent"], r["seconds"], r["received"] == r["sent"])


def fig_veth_send_recv_raw(side, count, target):
    old = pps.TARGET_SECONDS
    pps.TARGET_SECONDS = target
    try:
        r = pps.measure_send_recv(side, count)
    finally:
        pps.TARGET_SECONDS = old
    return _rate(r["sent"], r["seconds"], r["received"] == r["sent"])


def fig_veth_send_recv_raw_distinct(side, count, target):
    """send+recv with a new bytes object each time (256 frames that differ in their last bytes,
    taken in turn): what a program building each frame sees (no last-object memo)."""
    s, r = _veth_pair_socks(side, socket.SOCK_RAW)
    base = pps.frame()
    frames = [base[:-2] + i.to_bytes(2, "big") for i in range(256)]
    got = [0]
    try:
        def loop(n):
            send, recv = s.send, r.recv
            for i in range(n):
                f = frames[i & 255]
                send(f)
                if recv(2048) == f:
                    got[0] += 1
        n, dt = _timed_loop(loop, count, target)
        total = got[0]
    finally:
        s.close()
        r.close()
    return _rate(n, dt, total >= n)


def fig_veth_send_dgram(side, count, target):
    s = _sock(side, socket.SOCK_DGRAM, ETH_P_BENCH)
    payload = pps.frame()[14:]
    addr = ("veth0", ETH_P_BENCH, 0, 0, MAC1)
    try:
        def loop(n):
            sendto = s.sendto
            for _ in range(n):
                sendto(payload, addr)
        n, dt = _timed_loop(loop, count, target)
    finally:
        s.close()
    return _rate(n, dt, True)


def fig_veth_send_recv_dgram(side, count, target):
    s, r = _veth_pair_socks(side, socket.SOCK_DGRAM)
    payload = pps.frame()[14:]
    addr = ("veth0", ETH_P_BENCH, 0, 0, MAC1)
    got = [0]
    try:
        def loop(n):
            sendto, recv = s.sendto, r.recv
            for _ in range(n):
                sendto(payload, addr)
                if recv(2048) == payload:
                    got[0] += 1
        n, dt = _timed_loop(loop, count, target)
        total = got[0]
    finally:
        s.close()
        r.close()
    return _rate(n, dt, total >= n)


def fig_loopback_send_recv(side, count, target):
    s = _sock(side, socket.SOCK_RAW, 0)
    s.bind(("lo", 0))
    r = _sock(side, socket.SOCK_RAW, ETH_P_BENCH)
    r.bind(("lo", ETH_P_BENCH))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, pps.SO_RCVTIMEO_2S)
    data = bytes(12) + ETH_P_BENCH.to_bytes(2, "big") + bytes(50)
    return _send_recv_rate(s, r, data, count, target)


def fig_broadcast_100(side, count, target):
    s = pps._sender(side)
    rs = []
    for _ in range(100):
        r = _sock(side, socket.SOCK_RAW, 3)         # ETH_P_ALL
        r.bind(("veth1", 3))
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, pps.SO_RCVTIMEO_2S)
        rs.append(r)
    data = pps.frame()
    data = b"\xff" * 6 + data[6:]
    got = [0]
    try:
        def loop(n):
            send = s.send
            recvs = [r.recv for r in rs]
            for _ in range(n):
                send(data)
                for recv in recvs:
                    if recv(2048) == data:
                        got[0] += 1
        n, dt = _timed_loop(loop, count if count is None else max(1, count // 20), target)
        total = got[0]
    finally:
        s.close()
        for r in rs:
            r.close()
    return _rate(n, dt, total >= 100 * n)


def fig_bpf_filter_recv(side, count, target):
    s = pps._sender(side)
    r = _sock(side, socket.SOCK_RAW, 3)
    r.bind(("veth1", 3))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, pps.SO_RCVTIMEO_2S)
    _attach_filter(side, r, tcpdump_program())
    return _send_recv_rate(s, r, udp_frame(), count, target)


def fig_fanout_hash_8(side, count, target):
    """8 members of a PACKET_FANOUT_HASH group on veth1; frames of 64 flows; after each batch of
    64 frames every member is drained."""
    s = pps._sender(side)
    members = []
    for _ in range(8):
        m = _sock(side, socket.SOCK_RAW, 3)
        m.bind(("veth1", 3))
        m.setsockopt(SOL_PACKET, PACKET_FANOUT, struct.pack("i", 77 | PACKET_FANOUT_HASH << 16))
        m.setblocking(False)
        members.append(m)
    frames = [udp_frame(sport=4000 + i) for i in range(64)]
    got = [0]
    try:
        def loop(n):
            send = s.send
            batches = max(1, n // 64)
            for _ in range(batches):
                for f in frames:
                    send(f)
                for m in members:
                    while True:
                        try:
                            m.recv(2048)
                        except BlockingIOError:
                            break
                        got[0] += 1
        n, dt = _timed_loop(loop, count, target)
        n = max(1, n // 64) * 64
        total = got[0]
    finally:
        s.close()
        for m in members:
            m.close()
    return _rate(n, dt, total >= n)


def _rings_fig(name):
    def fig(side, count, target):
        r = rings.CASES[name](side, count if count is not None else int(target * 60000))
        return _rate(r["sent"], r["seconds"], r["received"] == r["sent"])
    return fig


RATE_FIGURES = {
    "veth send (RAW)": fig_veth_send_raw,
    "veth send+recv (RAW)": fig_veth_send_recv_raw,
    "veth send+recv (RAW, 256 frames)": fig_veth_send_recv_raw_distinct,
    "veth send (DGRAM)": fig_veth_send_dgram,
    "veth send+recv (DGRAM)": fig_veth_send_recv_dgram,
    "loopback send+recv": fig_loopback_send_recv,
    "broadcast to 100 ETH_P_ALL": fig_broadcast_100,
    "BPF-filtered recv (tcpdump)": fig_bpf_filter_recv,
    "TX_RING (V2)": _rings_fig("tx_ring"),
    "RX_RING (V3)": _rings_fig("rx_ring_v3"),
    "fanout HASH over 8": fig_fanout_hash_8,
}


# ---------------------------------------------------------------- boundary, tracing

def fig_boundary(count: int) -> dict:
    """One send through `netkernel run`'s seccomp boundary vs the same send on the real kernel."""
    import boundary
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(boundary.CHILD)
    try:
        b = boundary.boundary(count, f.name)
        real = boundary.real(count, f.name)
        inproc = boundary.in_process(count)
    finally:
        os.unlink(f.name)
    out = {}
    for call in ("sendto", "getsockopt"):
        nk = b.get(call) if isinstance(b, dict) else None
        rv = real.get(call) if isinstance(real, dict) else None
        out[call] = {"netkernel": nk, "real": rv, "in_process": inproc.get(call),
                     "unit": "µs/call", "ratio": (rv / nk) if nk and rv else None,
                     "skipped": None if isinstance(b, dict) else b}
    return out


def fig_tracing(frames: int) -> dict:
    import trace_overhead
    k_env = os.environ.get("NETKERNEL_FASTPATH")
    # the tracer test lives in the structured entry: measure it there
    os.environ["NETKERNEL_FASTPATH"] = "off"
    try:
        r = trace_overhead.measure(frames=frames, repeat=9)   # noisy: ± a few % here
    finally:
        if k_env is None:
            os.environ.pop("NETKERNEL_FASTPATH", None)
        else:
            os.environ["NETKERNEL_FASTPATH"] = k_env
    return r


# ---------------------------------------------------------------- memory

def _slab_kib() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("Slab:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_netkernel(n_socks: int = 1000, n_frames: int = 5000) -> dict:
    side = pps.NetkernelSide()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    socks = [side.socket(ETH_P_BENCH) for _ in range(n_socks)]
    for s in socks:
        s.bind(("veth1", ETH_P_BENCH))
    per_sock = (tracemalloc.get_traced_memory()[0] - base) / n_socks
    for s in socks:
        s.close()
    del socks
    gc.collect()
    s = pps._sender(side)
    r = side.socket(ETH_P_BENCH)
    r.bind(("veth1", ETH_P_BENCH))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    side.k.sysctl("net.core.rmem_max", 1 << 30)
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 29)
    frames = [pps.frame()[:-4] + i.to_bytes(4, "big") for i in range(n_frames)]  # distinct bytes
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    for f in frames:
        s.send(f)
    per_frame = (tracemalloc.get_traced_memory()[0] - base) / n_frames
    # the same frames once the structured path has turned the records into sk_buffs
    base2 = tracemalloc.get_traced_memory()[0]
    with side.k._lock:
        sk = side.k._task.files[r.fileno()].private_data.sk
        queued = len(sk.sk_receive_queue)
    per_skb = per_frame + (tracemalloc.get_traced_memory()[0] - base2) / max(1, n_frames)
    tracemalloc.stop()
    return {"per_idle_socket": per_sock, "per_queued_frame": per_frame,
            "per_queued_frame_as_skb": per_skb, "queued": queued}


def memory_real(n_socks: int = 1000, n_frames: int = 5000) -> dict | str:
    ok, why = realkernel.available()
    if not ok:
        return why
    side = pps.RealSide()
    try:
        before = _slab_kib()
        socks = [side.socket(ETH_P_BENCH) for _ in range(n_socks)]
        for s in socks:
            s.bind(("veth1", ETH_P_BENCH))
        after = _slab_kib()
        per_sock = (after - before) * 1024 / n_socks if before is not None else None
        for s in socks:
            s.close()
        s = pps._sender(side)
        r = side.socket(ETH_P_BENCH)
        r.bind(("veth1", ETH_P_BENCH))
        r.setsockopt(socket.SOL_SOCKET, 33, 1 << 28)           # SO_RCVBUFFORCE
        for _ in range(n_frames):
            s.send(pps.frame())
        # the kernel's own charge for the queued frames: sk_rmem_alloc (SO_MEMINFO's first word)
        rmem = struct.unpack("9I", r.getsockopt(socket.SOL_SOCKET, 55, 36))[0]
        per_frame = rmem / n_frames
        s.close()
        r.close()
        return {"per_idle_socket": per_sock, "per_queued_frame": per_frame}
    finally:
        side.close()


# ---------------------------------------------------------------- scale

def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scale_netkernel(n: int) -> dict:
    """n namespaces, each with one end of a veth pair (the other in init_net) and a socket bound
    to it; time to build, RSS added, and one frame sent into each namespace."""
    gc.collect()
    rss0 = _rss_kib()
    t0 = time.perf_counter()
    k = netkernel.Kernel()
    socks = []
    for i in range(n):
        name = f"ns{i}"
        ns = k.netns_add(name)
        k.link_add(f"h{i}", kind="veth", peer="eth0", peer_netns=name, up=True)
        ns.link_set("eth0", up=True)
        s = ns.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_BENCH))
        s.bind(("eth0", ETH_P_BENCH))
        socks.append(s)
    build = time.perf_counter() - t0
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    frame = pps.frame()
    t1 = time.perf_counter()
    for i in range(n):
        tx.sendto(frame, (f"h{i}", 0))
    send = time.perf_counter() - t1
    got = sum(1 for s in socks if s.recv(2048, socket.MSG_DONTWAIT) == frame)
    rss = _rss_kib() - rss0
    return {"namespaces": n, "build_seconds": build, "send_one_each_seconds": send,
            "rss_kib": rss, "received": got, "ok": got == n}


def _in_fresh_process(fn, *args):
    """fn(*args) in a new interpreter (this file's module), so its RSS growth is its own."""
    paths = [_HERE, os.path.join(_ROOT, "src"), os.path.join(_ROOT, "tests")]
    code = (f"import json, sys; sys.path[:0] = {paths!r}; import suite; "
            f"print(json.dumps(suite.{fn.__name__}(*{args!r})))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip()[-500:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def scale_real(n: int) -> dict | str:
    """The same on the real kernel: `ip -batch` builds the namespaces and veth pairs, a socket is
    bound in each (setns), one frame is sent into each; kernel memory is the Slab growth."""
    ok, why = realkernel.available()
    if not ok:
        return why
    tag = f"nkb{os.getpid()}"
    slab0 = _slab_kib()
    t0 = time.perf_counter()
    lines = []
    for i in range(n):
        lines += [f"netns add {tag}-{i}",
                  f"link add {tag}h{i} type veth peer name eth0 netns {tag}-{i}",
                  f"link set {tag}h{i} up"]
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        r = subprocess.run(["ip", "-batch", f.name], capture_output=True, text=True,
                           timeout=1800)
        if r.returncode != 0:
            return f"ip -batch failed: {r.stderr.strip()[:200]}"
        socks = []
        import fcntl
        for i in range(n):
            with realkernel.in_netns(f"{tag}-{i}"):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_BENCH))
            ifr = struct.pack("16sH22x", b"eth0", 0)
            flags = struct.unpack_from("H", fcntl.ioctl(s, 0x8913, ifr), 16)[0]  # SIOCGIFFLAGS
            fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"eth0", flags | 1))    # IFF_UP
            s.bind(("eth0", ETH_P_BENCH))
            socks.append(s)
        build = time.perf_counter() - t0
        slab = _slab_kib() - slab0 if slab0 is not None else None
        for s in socks:
            s.close()
        return {"namespaces": n, "build_seconds": build, "slab_kib": slab}
    finally:
        os.unlink(f.name)
        dl = [f"netns del {tag}-{i}" for i in range(n)]
        with tempfile.NamedTemporaryFile("w", delete=False) as f2:
            f2.write("\n".join(dl) + "\n")
        subprocess.run(["ip", "-force", "-batch", f2.name], capture_output=True, timeout=1800)
        os.unlink(f2.name)


# ---------------------------------------------------------------- the suite

def run(repeat: int = 5, target: float = 0.3, count: int | None = None, real: bool = True,
        only: set | None = None, scale=(1000, 10000), real_scale=(1000,),
        memory=(1000, 5000)) -> dict:
    out = {"host": os.uname().release, "python": sys.version.split()[0], "repeat": repeat,
           "real_skipped": None, "figures": {}}
    sides = [pps.NetkernelSide()]
    if real:
        ok, why = realkernel.available()
        if ok:
            try:
                sides.append(pps.RealSide())
            except Exception as e:  # noqa: BLE001
                out["real_skipped"] = f"real veth pair could not be set up: {e}"
        else:
            out["real_skipped"] = why
    else:
        out["real_skipped"] = "disabled"
    want = (lambda name: True) if not only else (lambda name: name in only)
    try:
        for name, fn in RATE_FIGURES.items():
            if not want(name):
                continue
            runs = {s.name: [] for s in sides}
            oks = {s.name: True for s in sides}
            for _ in range(repeat):
                for s in sides:
                    r = fn(s, count, target)
                    runs[s.name].append(r["value"])
                    oks[s.name] = oks[s.name] and r["ok"]
            row = {"unit": "frames/s", "runs": runs, "ok": oks}
            for s in ("netkernel", "real"):
                row[s] = statistics.median(runs[s]) if runs.get(s) else None
            row["ratio"] = row["netkernel"] / row["real"] if row["real"] else None
            out["figures"][name] = row
    finally:
        for s in sides:
            s.close()
    has_real = out["real_skipped"] is None
    if want("boundary"):
        b = fig_boundary(count or 5000)
        for call, row in b.items():
            out["figures"][f"netkernel run boundary: {call}"] = row
    if want("tracing"):
        t = fig_tracing(count or 10000)
        out["figures"]["tracing off: overhead over an entry without it"] = {
            "unit": "%", "netkernel": t["tracing_off_overhead_pct"], "real": None, "ratio": None,
            "target": "< 3 %"}
        out["figures"]["tracing on: per syscall"] = {
            "unit": "µs/syscall", "netkernel": t["us_per_syscall_tracing_on"], "real": None,
            "ratio": None, "nodes_per_syscall": t["traced_nodes_per_syscall"]}
    if want("memory"):
        m = memory_netkernel(*memory)
        mr = memory_real(*memory) if has_real else out["real_skipped"]
        for key, label in (("per_idle_socket", "memory per idle socket"),
                           ("per_queued_frame", "memory per queued frame")):
            rv = mr.get(key) if isinstance(mr, dict) else None
            out["figures"][label] = {"unit": "bytes", "netkernel": m[key], "real": rv,
                                     "ratio": m[key] / rv if rv else None}
        out["figures"]["memory per queued frame"]["netkernel_as_skb"] = m["per_queued_frame_as_skb"]
    if want("scale"):
        for n in scale:
            nk = _in_fresh_process(scale_netkernel, n)
            rv = scale_real(n) if has_real and n in real_scale else (
                out["real_skipped"] or "not measured on the real kernel at this size")
            rt = rv.get("build_seconds") if isinstance(rv, dict) else None
            out["figures"][f"scale {n} netns: build time"] = {
                "unit": "s", "netkernel": nk["build_seconds"], "real": rt,
                "ratio": nk["build_seconds"] / rt if rt else None, "ok": nk["ok"],
                "real_note": None if isinstance(rv, dict) else rv}
            rs = rv.get("slab_kib") if isinstance(rv, dict) else None
            out["figures"][f"scale {n} netns: memory"] = {
                "unit": "KiB", "netkernel": nk["rss_kib"], "real": rs,
                "ratio": nk["rss_kib"] / rs if rs else None,
                "note": "netkernel: RSS growth; real: kernel Slab growth"}
    return out


def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "frames/s":
        return f"{v:,.0f}"
    if unit in ("bytes", "KiB"):
        return f"{v:,.0f}"
    return f"{v:.3g}" if unit == "%" else f"{v:.2f}"


def print_table(res: dict) -> None:
    print(f"netkernel vs the real kernel ({res['host']}), Python {res['python']}, median of "
          f"{res['repeat']} runs")
    print(f"{'figure':<48} {'unit':<11} {'netkernel':>13} {'real':>13} {'ratio':>7}")
    for name, row in res["figures"].items():
        ratio = "-" if row.get("ratio") is None else f"{row['ratio']:.2f}"
        bad = ""
        if row.get("ok") is not None and not (all(row["ok"].values()) if isinstance(row["ok"], dict)
                                               else row["ok"]):
            bad = "  (frames missing!)"
        print(f"{name:<48} {row['unit']:<11} {_fmt(row.get('netkernel'), row['unit']):>13} "
              f"{_fmt(row.get('real'), row['unit']):>13} {ratio:>7}{bad}")
    if res["real_skipped"]:
        print(f"real kernel skipped: {res['real_skipped']}")
    print("ratio: netkernel/real for rates (> 1: netkernel faster); for boundary calls real/"
          "netkernel; for memory and scale netkernel/real (< 1: netkernel smaller/faster)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.3, help="seconds per rate measurement")
    ap.add_argument("--quick", action="store_true", help="short runs, scale 1,000 only")
    ap.add_argument("--only", default="", help="comma-separated figure names (or: boundary, "
                    "tracing, memory, scale)")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--json", default=RESULTS, help="where to write the results")
    a = ap.parse_args(argv)
    only = {x.strip() for x in a.only.split(",") if x.strip()} or None
    kw = {}
    if a.quick:
        kw = {"target": 0.1, "scale": (1000,)}
    res = run(repeat=a.repeat, real=not a.no_real, only=only, **({"target": a.target} | kw))
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1, default=str)
    print_table(res)
    print(f"written: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
