#!/usr/bin/env python3
"""Frame rates through the ways out: the TAP bridge (both directions) and a QEMU stream socket.

    sudo PYTHONPATH=src python3 bench/ways_out.py [--frames N] [--size BYTES]

- TAP, netkernel → real: a netkernel packet socket sends N frames through tap0; a real AF_PACKET
  socket on the real TAP, in a second process inside a fresh real netns, counts them.
- TAP, real → netkernel: the real socket sends N frames into the real TAP; a netkernel socket counts.
- stream: machine A sends N frames over `-netdev stream` (TCP on 127.0.0.1) to machine B in a
  second process, whose netkernel socket counts them.
Rates are frames delivered per second, from the first send to the last frame counted (both
processes read CLOCK_MONOTONIC). The real kernel's own figure is printed beside each: a real
AF_PACKET socket sending over a real veth pair in the same netns, counted by a real socket.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

ETHERTYPE = 0x88B5
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))


def frame(dst: bytes, src: bytes, size: int) -> bytes:
    return (dst + src + ETHERTYPE.to_bytes(2, "big")).ljust(size, b"\x5a")


# ---------------------------------------------------------------- helpers run in other processes

def real_rx(ifname: str, n: int) -> None:
    """Count frames of ETHERTYPE on a real interface; print 'count t_last'."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.bind((ifname, ETHERTYPE))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    print("ready", flush=True)
    _count_frames(s, n, 2.0)


def _count_frames(s, n: int, timeout: float) -> None:
    """Receive up to n frames (giving up after `timeout` seconds of silence); print 'count t_last'."""
    s.settimeout(timeout)
    count, last = 0, 0.0
    while count < n:
        try:
            s.recv(4096)
        except TimeoutError:
            break
        count += 1
        last = time.monotonic()
    print(count, last, flush=True)


def real_tx(ifname: str, n: int, size: int) -> None:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((ifname, 0))
    f = frame(b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02", size)
    print("start", time.monotonic(), flush=True)
    for _ in range(n):
        s.send(f)
    print("done", flush=True)


def stream_rx(netdev: str, n: int) -> None:
    import netkernel
    k = netkernel.Kernel()
    k.link_add("eth0", kind="qemu", netdev=netdev)
    k.link_set("eth0", up=True)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.bind(("eth0", ETHERTYPE))
    k.sysctl("net.core.rmem_max", 64 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    print("ready", flush=True)
    _count_frames(s, n, 3.0)


# ---------------------------------------------------------------- measurements

def _spawn(args, ns: str | None = None):
    cmd = [sys.executable, os.path.abspath(__file__)] + args
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)


def _result(p, n: int, t0: float) -> tuple[int, float]:
    count, last = p.stdout.readline().split()
    p.wait(30)
    count, last = int(count), float(last)
    return count, (count / (last - t0) if count and last > t0 else 0.0)


def tap_rates(n: int, size: int) -> dict:
    import netkernel
    ns = f"nkbench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in (["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                    ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]):
            subprocess.run(["ip", "netns", "exec", ns] + cmd, check=True)
        k = netkernel.Kernel()
        k.link_add("tap0", kind="tap", host_ifname="nktap0", host_netns=ns)
        k.link_set("tap0", address="02:00:00:00:00:01", up=True)
        ip = ["ip", "-n", ns]
        subprocess.run(ip + ["link", "set", "nktap0", "up"], check=True)
        subprocess.run(ip + ["link", "set", "nktap0", "txqueuelen", "10000"], check=True)
        subprocess.run(ip + ["link", "add", "rv0", "type", "veth", "peer", "name", "rv1"], check=True)
        subprocess.run(ip + ["link", "set", "rv0", "up"], check=True)
        subprocess.run(ip + ["link", "set", "rv1", "up"], check=True)
        out = {}

        # netkernel → real
        p = _spawn(["--real-rx", "nktap0", str(n)], ns)
        assert p.stdout.readline().strip() == "ready"
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.bind(("tap0", 0))
        f = frame(b"\x02\x00\x00\x00\x00\x02", b"\x02\x00\x00\x00\x00\x01", size)
        t0 = time.monotonic()
        for _ in range(n):
            s.send(f)
        out["tap netkernel->real"] = _result(p, n, t0)

        # real → netkernel
        r = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
        r.bind(("tap0", ETHERTYPE))
        k.sysctl("net.core.rmem_max", 64 << 20)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        r.settimeout(2.0)
        p = _spawn(["--real-tx", "nktap0", str(n), str(size)], ns)
        t0 = float(p.stdout.readline().split()[1])
        count, last = 0, 0.0
        while count < n:
            try:
                r.recv(4096)
            except TimeoutError:
                break
            count += 1
            last = time.monotonic()
        p.wait(30)
        out["tap real->netkernel"] = (count, count / (last - t0) if count else 0.0)

        # the real kernel alone: real socket → real veth → real socket
        p = _spawn(["--real-rx", "rv1", str(n)], ns)
        assert p.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        tx = _spawn(["--real-tx", "rv0", str(n), str(size)], ns)
        tx.stdout.read()
        tx.wait(30)
        out["real kernel veth (reference)"] = _result(p, n, t0)
        k.link_del("tap0")
        return out
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def stream_rate(n: int, size: int) -> dict:
    import netkernel
    k = netkernel.Kernel()
    k.link_add("eth0", kind="qemu",
               netdev="stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    k.link_set("eth0", address="02:00:00:00:00:01", up=True)
    port = k.net.dev_by_name["eth0"].priv.port.backend.address[1]
    p = _spawn(["--stream-rx", f"stream,addr.type=inet,addr.host=127.0.0.1,addr.port={port}",
                str(n)])
    assert p.stdout.readline().strip() == "ready"
    while not k.net.dev_by_name["eth0"].carrier:
        time.sleep(0.01)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind(("eth0", 0))
    f = frame(b"\x02\x00\x00\x00\x00\x02", b"\x02\x00\x00\x00\x00\x01", size)
    t0 = time.monotonic()
    for _ in range(n):
        s.send(f)
    res = _result(p, n, t0)
    k.link_del("eth0")
    return {"stream 127.0.0.1 netkernel->netkernel (2 processes)": res}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=50000)
    ap.add_argument("--size", type=int, default=60)
    ap.add_argument("--real-rx", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--real-tx", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--stream-rx", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.real_rx:
        real_rx(args.real_rx[0], int(args.real_rx[1]))
        return 0
    if args.real_tx:
        real_tx(args.real_tx[0], int(args.real_tx[1]), int(args.real_tx[2]))
        return 0
    if args.stream_rx:
        stream_rx(args.stream_rx[0], int(args.stream_rx[1]))
        return 0
    results = {}
    if os.geteuid() == 0 and os.path.exists("/dev/net/tun"):
        results.update(tap_rates(args.frames, args.size))
    else:
        print("TAP: skipped (needs root and /dev/net/tun)")
    results.update(stream_rate(args.frames, args.size))
    print(f"{args.frames} frames of {args.size} bytes each")
    for name, (count, rate) in results.items():
        print(f"  {name:<52} {rate:>10,.0f} frames/s  ({count}/{args.frames} delivered)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
