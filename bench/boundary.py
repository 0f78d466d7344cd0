#!/usr/bin/env python3
"""The cost of the syscall boundary (`netkernel run`, seccomp user notification).

Per call, in µs, the same Python loop each time:
  sendto      send(64-byte frame) on a SOCK_RAW packet socket bound to an interface (no receiver)
  getsockopt  getsockopt(SOL_SOCKET, SO_RCVBUF)
  getppid     a syscall the filter lets through (os.getppid)

Sides:
  boundary   a real process under `netkernel run` (veth0 of examples/veth.topology): every call
             is a notification round trip to the Python supervisor, which runs the model
  in-process netkernel.Kernel in this process, the same calls on k.socket()
  real       the host kernel (the same process loop on `lo` in `unshare -n`, needs root); its
             getppid line is the cost of an allowed syscall without the filter

Usage: python3 bench/boundary.py [--count N] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(_ROOT, "src") not in sys.path:
    sys.path.insert(0, os.path.join(_ROOT, "src"))

import netkernel  # noqa: E402
from netkernel import iproute  # noqa: E402

TOPOLOGY = os.path.join(_ROOT, "examples", "veth.topology")
FRAME = bytes.fromhex("ffffffffffff 020000000001 88b5") + bytes(50)

# the loop both real processes run (the boundary's child and the real kernel's)
CHILD = r'''
import json, os, socket, sys, time
dev, n = sys.argv[1], int(sys.argv[2])
frame = bytes.fromhex(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.bind((dev, 0))
def per_call(fn):
    fn(); t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6
print(json.dumps({"sendto": per_call(lambda: s.send(frame)),
                  "getsockopt": per_call(lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)),
                  "getppid": per_call(os.getppid)}))
'''


def in_process(n: int) -> dict:
    k = netkernel.Kernel()
    iproute.load_topology(k, TOPOLOGY)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind(("veth0", 0))

    def per_call(fn):
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n * 1e6
    return {"sendto": per_call(lambda: s.send(FRAME)),
            "getsockopt": per_call(lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)),
            "getppid": None}


def _child(argv: list[str]) -> dict | str:
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=os.path.join(_ROOT, "src")))
    if r.returncode != 0:
        return (r.stderr.strip().splitlines() or ["failed"])[-1]
    return json.loads(r.stdout.strip().splitlines()[-1])


def boundary(n: int, prog: str) -> dict | str:
    return _child([sys.executable, "-m", "netkernel", "run", "--topology", TOPOLOGY, "--",
                   sys.executable, prog, "veth0", str(n), FRAME.hex()])


def real(n: int, prog: str) -> dict | str:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs root, unshare(1) and ip(8)"
    return _child(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                   sys.executable, prog, "lo", str(n), FRAME.hex()])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(CHILD)
    try:
        results = {"boundary": boundary(args.count, f.name), "in-process": in_process(args.count),
                   "real": real(args.count, f.name)}
    finally:
        os.unlink(f.name)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"µs per call ({args.count} calls each)")
    print(f"{'':12}{'boundary':>10}{'in-process':>12}{'real':>8}")
    for call in ("sendto", "getsockopt", "getppid"):
        row = []
        for side in ("boundary", "in-process", "real"):
            r = results[side]
            v = r.get(call) if isinstance(r, dict) else None
            row.append("-" if v is None else f"{v:.2f}")
        print(f"{call:12}{row[0]:>10}{row[1]:>12}{row[2]:>8}")
    for side, r in results.items():
        if isinstance(r, str):
            print(f"{side}: skipped ({r})")
    b, p = results["boundary"], results["in-process"]
    if isinstance(b, dict):
        print(f"boundary overhead per notified call: sendto {b['sendto'] - p['sendto']:.2f} µs, "
              f"getsockopt {b['getsockopt'] - p['getsockopt']:.2f} µs")
        if isinstance(results["real"], dict):
            print(f"filter cost on an allowed syscall: "
                  f"{(b['getppid'] - results['real']['getppid']) * 1000:.0f} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
