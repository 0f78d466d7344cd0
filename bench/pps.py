#!/usr/bin/env python3
"""Frames per second over a veth pair: netkernel vs. the real kernel, same run, same frame, same loop.

Cases:
  send       one SOCK_RAW socket bound to veth0 sends a 64-byte frame, COUNT times.
  send+recv  the same sender, plus a receiver bound to veth1; each iteration sends one frame and
             receives it on the receiver (blocking recv, SO_RCVTIMEO 2 s as a safety net).

Sides:
  netkernel  netkernel.Kernel() with veth0/veth1, sockets from k.socket() (the Python-socket API).
  real       Python's socket module on a real veth pair in a fresh network namespace (ip netns add;
             the sockets are created inside it with setns(2); the netns is deleted at the end).
             Needs root and iproute2; otherwise skipped with the reason printed.

Usage: python3 bench/pps.py [--count N] [--json]
The ratio printed is the rate ratio netkernel/real (> 1 means netkernel is faster).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in (os.path.join(_ROOT, "src"), os.path.join(_ROOT, "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import netkernel  # noqa: E402
import realkernel  # noqa: E402

ETH_P_BENCH = 0x88B5          # IEEE 802 local experimental EtherType: nothing else listens to it
MAC0 = "02:00:00:00:00:01"    # veth0
MAC1 = "02:00:00:00:00:02"    # veth1
TARGET_SECONDS = 1.5          # default duration of one case when --count is not given
CALIBRATE = 300               # iterations used to estimate the rate before choosing a count
SO_RCVTIMEO_2S = struct.pack("@ll", 2, 0)


def frame() -> bytes:
    """The 64-byte frame both sides send: veth0 -> veth1, EtherType ETH_P_BENCH."""
    dst = bytes.fromhex(MAC1.replace(":", ""))
    src = bytes.fromhex(MAC0.replace(":", ""))
    hdr = dst + src + struct.pack("!H", ETH_P_BENCH)
    return hdr + bytes(range(64 - len(hdr)))


# ---------------------------------------------------------------- sides

class NetkernelSide:
    name = "netkernel"

    def __init__(self):
        self.k = netkernel.Kernel()
        # Same buffer limits as the host, so the observer of the send case behaves the same.
        for name, value in realkernel.host_net_core_sysctls().items():
            self.k.sysctl(name, value)
        self.k.link_add("veth0", kind="veth", peer="veth1")
        self.k.link_set("veth0", up=True, address=MAC0)
        self.k.link_set("veth1", up=True, address=MAC1)

    def socket(self, proto: int):
        return self.k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))

    def close(self):
        pass


class RealSide:
    name = "real"

    def __init__(self):
        self.ns = realkernel.RealNetns()
        try:
            self.ns.add_veth("veth0", "veth1")
            self.ns.link_set("veth0", up=True, address=MAC0)
            self.ns.link_set("veth1", up=True, address=MAC1)
            self.ns.wait_operstate(["veth0", "veth1"])
        except BaseException:
            self.ns.close()
            raise

    def socket(self, proto: int):
        return self.ns.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))

    def close(self):
        self.ns.close()


def _sender(side):
    s = side.socket(0)                  # protocol 0: no receive hook, a pure sender
    s.bind(("veth0", 0))
    return s


def _receiver(side):
    r = side.socket(ETH_P_BENCH)
    r.bind(("veth1", ETH_P_BENCH))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, SO_RCVTIMEO_2S)
    return r


# ---------------------------------------------------------------- the measured loops

def _loop_send(s, data: bytes, count: int) -> int:
    send = s.send
    for _ in range(count):
        send(data)
    return count


def _loop_send_recv(s, r, data: bytes, count: int) -> int:
    send, recv = s.send, r.recv
    got = 0
    for _ in range(count):
        send(data)
        if recv(2048) == data:
            got += 1
    return got


def _timed(fn, *args):
    t0 = time.perf_counter()
    n = fn(*args)
    return n, time.perf_counter() - t0


def _count_for(fn, args, count: int | None) -> int:
    if count is not None:
        return count
    n, dt = _timed(fn, *args, CALIBRATE)
    return max(CALIBRATE, int(TARGET_SECONDS * n / max(dt, 1e-9)))


def measure_send(side, count: int | None = None) -> dict:
    """Send-only: returns {"sent", "received", "seconds", "fps", "us_per_frame"}. `received` is the
    number of frames that reached an ETH_P_BENCH socket on veth1 (PACKET_STATISTICS tp_packets,
    which includes frames it dropped for lack of receive buffer), read after the timed loop."""
    data = frame()
    s = _sender(side)
    try:
        n = _count_for(_loop_send, (s, data), count)
        obs = _receiver(side)        # opened now so the calibration frames are not counted
        obs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
        try:
            sent, dt = _timed(_loop_send, s, data, n)
            packets, drops = struct.unpack("II", obs.getsockopt(263, 6, 8))  # PACKET_STATISTICS
        finally:
            obs.close()
    finally:
        s.close()
    return {"sent": sent, "received": packets, "dropped_at_observer": drops, "seconds": dt,
            "fps": sent / dt, "us_per_frame": dt / sent * 1e6}


def measure_send_recv(side, count: int | None = None) -> dict:
    """Send one frame on veth0, receive it on veth1, COUNT times."""
    data = frame()
    s = _sender(side)
    r = _receiver(side)
    try:
        n = _count_for(_loop_send_recv, (s, r, data), count)
        got, dt = _timed(_loop_send_recv, s, r, data, n)
    finally:
        s.close()
        r.close()
    return {"sent": n, "received": got, "seconds": dt, "fps": n / dt, "us_per_frame": dt / n * 1e6}


CASES = {"send": measure_send, "send+recv": measure_send_recv}


def run(count: int | None = None, real: bool = True, cases: dict | None = None) -> dict:
    """All cases on both sides. Result: {"cases": {case: {"netkernel": {...}, "real": {...} | None,
    "ratio": float | None}}, "real_skipped": reason | None, "count": ...}. `cases` maps a name to
    `fn(side, count)` (default: this file's CASES; bench/rings.py passes its own)."""
    cases = CASES if cases is None else cases
    out = {"count": count, "frame_bytes": len(frame()), "real_skipped": None, "cases": {}}
    sides = [NetkernelSide()]
    if real:
        ok, why = realkernel.available()
        if ok:
            try:
                sides.append(RealSide())
            except Exception as e:  # noqa: BLE001
                out["real_skipped"] = f"real veth pair could not be set up: {e}"
        else:
            out["real_skipped"] = why
    else:
        out["real_skipped"] = "disabled by caller"
    try:
        for case, fn in cases.items():
            row = {"netkernel": None, "real": None, "ratio": None}
            for side in sides:
                row[side.name] = fn(side, count)
            if row["real"] is not None:
                row["ratio"] = row["netkernel"]["fps"] / row["real"]["fps"]
            out["cases"][case] = row
    finally:
        for side in sides:
            side.close()
    return out


def _fmt(res: dict | None) -> str:
    if res is None:
        return f"{'-':>12} {'-':>10} {'-':>9}"
    return f"{res['fps']:>12,.0f} {res['us_per_frame']:>10.2f} {res['sent']:>9}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=None,
                    help="frames per case and side (default: calibrated to ~%.1f s per case)"
                    % TARGET_SECONDS)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    if args.count is not None and args.count <= 0:
        ap.error("--count must be positive")
    res = run(args.count)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"64-byte frames over a veth pair (veth0 -> veth1), {os.uname().release}, "
          f"Python {sys.version.split()[0]}")
    print(f"{'case':<10} {'side':<10} {'frames/s':>12} {'us/frame':>10} {'frames':>9}")
    for case, row in res["cases"].items():
        print(f"{case:<10} {'netkernel':<10} {_fmt(row['netkernel'])}")
        print(f"{'':<10} {'real':<10} {_fmt(row['real'])}")
        if row["ratio"] is not None:
            print(f"{'':<10} {'ratio':<10} {row['ratio']:>12.3f}   (netkernel/real rate; >1 = "
                  f"netkernel faster)")
    if res["real_skipped"]:
        print(f"real kernel skipped: {res['real_skipped']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
