#!/usr/bin/env python3
"""What tracing costs: off (the syscall entry's single tracer test, against an entry without it)
and on (per syscall, with the profile hook recording the call tree).

    python bench/trace_overhead.py [--frames N] [--repeat R] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import netkernel  # noqa: E402
from netkernel import api  # noqa: E402
from netkernel.kernel.sched import _tls  # noqa: E402
from netkernel.net import socket as nksys  # noqa: E402

FRAME = bytes.fromhex("020000000002020000000001") + b"\x88\xb5" + bytes(50)


def _call_without_tracer_test(self, fn, *args):
    """The syscall entry as it would be with no tracing support at all (the baseline): keep it
    the same as netkernel.api._View._call minus the tracer test."""
    k = self._kernel
    task = self._task
    tls = _tls
    with k._lock:
        prev = getattr(tls, "task", None)
        tls.task = task
        try:
            ret = fn(task, *args)
        finally:
            if getattr(tls, "fput", None):
                nksys.syscall_exit()
            tls.task = prev
    if type(ret) is int and ret < 0:
        return nksys.raise_on_error(ret)
    return ret


def machine():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.bind(("veth0", 0))
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    rx.bind(("veth1", 0))
    return k, tx, rx


def loop(tx, rx, n: int) -> float:
    send, recv = tx.send, rx.recv
    t = time.perf_counter()
    for _ in range(n):
        send(FRAME)
        recv(2048)
    return time.perf_counter() - t


def measure(frames: int, repeat: int) -> dict:
    k, tx, rx = machine()
    loop(tx, rx, 200)
    real_call = api._View._call
    on, off = [], []
    for _ in range(repeat):       # interleave, keep the best of each
        on.append(loop(tx, rx, frames))
        api._View._call = _call_without_tracer_test
        try:
            off.append(loop(tx, rx, frames))
        finally:
            api._View._call = real_call
    with_check, baseline = min(on), min(off)
    n_tr = max(200, frames // 20)
    with k.trace() as t:
        traced = loop(tx, rx, n_tr)
    nodes = sum(1 for r in t.roots for _ in r.walk())
    return {
        "frames": frames,
        "us_per_frame_baseline": baseline / frames * 1e6,
        "us_per_frame_tracing_off": with_check / frames * 1e6,
        "tracing_off_overhead_pct": (with_check / baseline - 1) * 100,
        "us_per_syscall_tracing_on": traced / (2 * n_tr) * 1e6,
        "us_per_syscall_tracing_off": with_check / (2 * frames) * 1e6,
        "traced_nodes_per_syscall": nodes / (2 * n_tr),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = measure(a.frames, a.repeat)
    if a.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"send+recv over veth, {r['frames']} frames, best of {a.repeat}")
    print(f"  syscall entry without tracing support : {r['us_per_frame_baseline']:7.2f} µs/frame")
    print(f"  tracing off (as shipped)              : {r['us_per_frame_tracing_off']:7.2f} µs/frame"
          f"  overhead {r['tracing_off_overhead_pct']:+.2f} %")
    print(f"  tracing on                            : {r['us_per_syscall_tracing_on']:7.2f} µs/syscall"
          f" (off: {r['us_per_syscall_tracing_off']:.2f}), {r['traced_nodes_per_syscall']:.1f} "
          f"kernel functions recorded per syscall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
