#!/usr/bin/env python3
"""Ring rates over a veth pair: netkernel vs. the real kernel, same run, same frames, same loops.

Cases:
  tx_ring     a TPACKET_V2 TX ring on veth0 (256 slots): fill a batch of slots with a 64-byte
              frame, mark them SEND_REQUEST, send(b"") (blocking: returns when the device is done
              with them); repeat. An ETH_P_BENCH socket on veth1 counts what arrived.
  rx_ring_v3  a TPACKET_V3 RX ring on veth1 (8 blocks of 64 KiB, retire timeout 2 ms); a plain
              socket on veth0 sends a batch of 64-byte frames, then the reader walks and hands
              back every block the kernel closed (libpcap's loop); at the end it waits for the
              last block's timeout. Rate = frames read from the ring per second.

Sides as in bench/pps.py (netkernel.Kernel(), or a fresh real namespace; the real side needs root
and iproute2). Usage: python3 bench/rings.py [--count N] [--json]
The ratio printed is the rate ratio netkernel/real (> 1 means netkernel is faster).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import mmap
import os
import select
import socket
import struct
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("pps", os.path.join(_HERE, "pps.py"))
pps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pps)

SOL_PACKET, PACKET_RX_RING, PACKET_VERSION, PACKET_TX_RING, PACKET_STATISTICS = 263, 5, 10, 13, 6
TPACKET_V2, TPACKET_V3 = 1, 2
TX_BLOCK, TX_BLOCKS, TX_FRAME = 1 << 16, 8, 2048          # 256 slots
RX_BLOCK, RX_BLOCKS, RX_TOV_MS = 1 << 16, 8, 2
BATCH = 64
TARGET_SECONDS = 1.5


def _mmap(side, s, length: int):
    if side.name == "netkernel":
        return s.mmap(length)
    return mmap.mmap(s.fileno(), length)


def _observer(side):
    obs = side.socket(pps.ETH_P_BENCH)
    obs.bind(("veth1", pps.ETH_P_BENCH))
    obs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    return obs


def measure_tx_ring(side, count: int | None = None) -> dict:
    """Frames sent through a V2 TX ring, BATCH slots per send(b"")."""
    data = pps.frame()
    s = side.socket(0)
    s.bind(("veth0", 0))
    s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
    s.setsockopt(SOL_PACKET, PACKET_TX_RING, struct.pack("=4I", TX_BLOCK, TX_BLOCKS, TX_FRAME,
                                                          TX_BLOCK // TX_FRAME * TX_BLOCKS))
    ring = _mmap(side, s, TX_BLOCK * TX_BLOCKS)
    slots = TX_BLOCK // TX_FRAME * TX_BLOCKS
    for i in range(slots):                       # the frame is written once; sends only flip status
        off = i * TX_FRAME
        ring[off + 32:off + 32 + len(data)] = data
        struct.pack_into("=I", ring, off + 4, len(data))
    pack_into = struct.pack_into
    send = s.send

    def loop(n: int) -> int:
        head = sent = 0
        while sent < n:
            k = min(BATCH, n - sent)
            for _ in range(k):
                pack_into("=I", ring, head * TX_FRAME, 1)      # TP_STATUS_SEND_REQUEST
                head = head + 1 if head + 1 < slots else 0
            send(b"")
            sent += k
        return sent
    try:
        if count is None:
            t0 = time.perf_counter()
            loop(BATCH * 4)
            dt = time.perf_counter() - t0
            count = max(BATCH * 4, int(TARGET_SECONDS * BATCH * 4 / max(dt, 1e-9)))
        obs = _observer(side)
        try:
            t0 = time.perf_counter()
            sent = loop(count)
            dt = time.perf_counter() - t0
            packets, _ = struct.unpack("II", obs.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        finally:
            obs.close()
    finally:
        ring.close()
        s.close()
    return {"sent": sent, "received": packets, "seconds": dt, "fps": sent / dt,
            "us_per_frame": dt / sent * 1e6}


def measure_rx_ring_v3(side, count: int | None = None) -> dict:
    """Frames read from a V3 RX ring, BATCH frames sent between two walks of the ring."""
    data = pps.frame()
    r = side.socket(pps.ETH_P_BENCH)
    r.bind(("veth1", pps.ETH_P_BENCH))
    r.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
    r.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("=7I", RX_BLOCK, RX_BLOCKS, 2048,
                                                          RX_BLOCK // 2048 * RX_BLOCKS, RX_TOV_MS,
                                                          0, 0))
    ring = _mmap(side, r, RX_BLOCK * RX_BLOCKS)
    s = pps._sender(side)
    state = {"block": 0}
    unpack_from, pack_into = struct.unpack_from, struct.pack_into

    def drain() -> int:
        got = 0
        b = state["block"]
        while True:
            base = b * RX_BLOCK
            status, num = unpack_from("=II", ring, base + 8)
            if not status & 1:
                break
            got += num
            pack_into("=I", ring, base + 8, 0)
            b = b + 1 if b + 1 < RX_BLOCKS else 0
        state["block"] = b
        return got

    def loop(n: int) -> int:
        send = s.send
        sent = got = 0
        while sent < n:
            for _ in range(min(BATCH, n - sent)):
                send(data)
            sent += min(BATCH, n - sent)
            got += drain()
        p = select.poll()
        p.register(r.fileno() if side.name == "real" else r, select.POLLIN)
        deadline = time.monotonic() + 2
        while got < sent and time.monotonic() < deadline:
            if side.name == "real":
                p.poll(50)
            else:
                side.k.poll([(r.fileno(), 1)], 50)
            got += drain()
        return got

    try:
        if count is None:
            t0 = time.perf_counter()
            loop(BATCH * 4)
            dt = time.perf_counter() - t0
            count = max(BATCH * 4, int(TARGET_SECONDS * BATCH * 4 / max(dt, 1e-9)))
        r.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12)          # reset the counters
        t0 = time.perf_counter()
        got = loop(count)
        dt = time.perf_counter() - t0
        stats = r.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12)
        packets, drops, freezes = struct.unpack("3I", stats)
    finally:
        ring.close()
        s.close()
        r.close()
    return {"sent": count, "received": got, "dropped": drops, "freezes": freezes, "seconds": dt,
            "fps": got / dt, "us_per_frame": dt / max(got, 1) * 1e6}


CASES = {"tx_ring": measure_tx_ring, "rx_ring_v3": measure_rx_ring_v3}


def run(count: int | None = None, real: bool = True) -> dict:
    """The ring cases, measured as bench/pps.py measures its own (same sides, same rows)."""
    return pps.run(count, real, CASES)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=None, help="frames per case and side")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run(args.count)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"64-byte frames through packet rings over a veth pair, {os.uname().release}, "
          f"Python {sys.version.split()[0]}")
    print(f"{'case':<11} {'side':<10} {'frames/s':>12} {'us/frame':>10} {'frames':>9}")
    for case, row in res["cases"].items():
        for name in ("netkernel", "real"):
            r = row[name]
            cols = (f"{r['fps']:>12,.0f} {r['us_per_frame']:>10.2f} {r['received']:>9}"
                    if r else f"{'-':>12} {'-':>10} {'-':>9}")
            print(f"{case if name == 'netkernel' else '':<11} {name:<10} {cols}")
        if row["ratio"] is not None:
            print(f"{'':<11} {'ratio':<10} {row['ratio']:>12.3f}   (netkernel/real rate)")
    if res["real_skipped"]:
        print(f"real kernel skipped: {res['real_skipped']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
