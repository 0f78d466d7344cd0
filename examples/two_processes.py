#!/usr/bin/env python3
"""Two netkernel machines in two OS processes, joined by a QEMU-style `-netdev stream` socket.

    PYTHONPATH=src python3 examples/two_processes.py [--count N] [--unix PATH]

This process is machine A: its eth0 is a stream server on 127.0.0.1 (or a unix socket). It starts
machine B as a second Python process whose eth0 connects as the stream client. On each machine a
plain packet socket bound to eth0 does the work: A sends N numbered frames to B's MAC address, B's
program sends each one back with the addresses swapped, and A checks that every frame came back,
in order, and reports the round-trip rate. Any QEMU VM with `-netdev stream,...` could stand in
for either side: the bytes on the socket are QEMU's framing.
"""
from __future__ import annotations

import argparse
import os
import socket
import struct
import subprocess
import sys
import time

import netkernel
from netkernel.uapi.if_ether import ETH_P_ALL

ETHERTYPE = 0x88B5                      # IEEE local experimental
MAC_A = bytes.fromhex("0200000000aa")
MAC_B = bytes.fromhex("0200000000bb")
SEQ = struct.Struct("!I")
HEAD = MAC_B + MAC_A + struct.pack("!H", ETHERTYPE)   # A → B


def machine(netdev: str, mac: bytes):
    """A netkernel machine whose eth0 travels over `netdev`, and a packet socket bound to it."""
    k = netkernel.Kernel()
    k.link_add("eth0", kind="qemu", netdev=netdev)
    k.link_set("eth0", address=mac, up=True)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.bind(("eth0", ETHERTYPE))
    return k, s


def wait_for_carrier(k, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not next(x for x in k.links() if x["name"] == "eth0")["carrier"]:
        if time.monotonic() > deadline:
            raise TimeoutError("eth0 never got a peer")
        time.sleep(0.01)


def run_b(netdev: str) -> int:
    """Machine B: echo every frame back to its sender until the cable goes away."""
    k, s = machine(netdev, MAC_B)
    wait_for_carrier(k)
    s.settimeout(1.0)
    echoed = 0
    while True:
        try:
            frame = s.recv(4096)
        except TimeoutError:
            if not next(x for x in k.links() if x["name"] == "eth0")["carrier"]:
                break
            continue
        if frame[14:18] == b"STOP":
            break
        s.send(frame[6:12] + MAC_B + frame[12:])
        echoed += 1
    print(f"[B pid {os.getpid()}] echoed {echoed} frames", flush=True)
    return 0


def run_a(count: int, unix: str | None, window: int) -> int:
    """Machine A: start B, send `count` numbered frames (at most `window` unanswered), check the
    echoes."""
    if unix:
        server = f"stream,id=n0,server=on,addr.type=unix,addr.path={unix}"
        client = f"stream,id=n0,server=off,addr.type=unix,addr.path={unix}"
    else:
        server = "stream,id=n0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0"
    k, s = machine(server, MAC_A)
    if not unix:
        port = k.net.dev_by_name["eth0"].priv.port.backend.address[1]
        client = f"stream,id=n0,addr.type=inet,addr.host=127.0.0.1,addr.port={port}"
    print(f"[A pid {os.getpid()}] eth0 is -netdev {server}", flush=True)
    b = subprocess.Popen([sys.executable, __file__, "--role", "b", "--netdev", client])
    try:
        wait_for_carrier(k)
        print(f"[A] machine B connected: -netdev {client}", flush=True)
        s.settimeout(5.0)
        t0 = time.perf_counter()
        sent = received = 0
        while received < count:
            while sent < count and sent - received < window:
                s.send(HEAD + SEQ.pack(sent) + bytes(42))
                sent += 1
            frame = s.recv(4096)
            (seq,) = SEQ.unpack_from(frame, 14)
            if frame[:6] != MAC_A or frame[6:12] != MAC_B or seq != received:
                print(f"[A] unexpected frame {frame[:18].hex()}", file=sys.stderr)
                return 1
            received += 1
        dt = time.perf_counter() - t0
        s.send(HEAD + b"STOP" + bytes(42))
        print(f"[A] {received}/{count} frames came back in order: {received / dt:,.0f} "
              f"round trips/s ({2 * received / dt:,.0f} frames/s over the socket)", flush=True)
    finally:
        try:
            b.wait(10)
        except subprocess.TimeoutExpired:
            b.kill()
    return 0 if b.returncode == 0 else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10000, help="frames to send (default 10000)")
    ap.add_argument("--window", type=int, default=64, help="unanswered frames in flight")
    ap.add_argument("--unix", help="use this unix socket path instead of TCP on 127.0.0.1")
    ap.add_argument("--role", choices=["a", "b"], default="a", help=argparse.SUPPRESS)
    ap.add_argument("--netdev", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.role == "b":
        return run_b(args.netdev)
    return run_a(args.count, args.unix, args.window)


if __name__ == "__main__":
    sys.exit(main())
