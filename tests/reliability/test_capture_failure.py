"""A capture never disturbs delivery (issue 8, item 4): a capture whose file cannot be written
stops, and the frames still reach every socket; the sender's sendto succeeds, its buffer is
given back, later sends work, and the failure is reported when the capture is closed (OSError)."""
from __future__ import annotations

import socket
import struct

import pytest

import netkernel
from harness import (BCAST, DEV_VETH, ETH_P_NK, FailingFile, Guard, eth_frame, find_tag,
                     leftovers, run_bounded, socket_memory, tag)
from netkernel.uapi import ETH_P_ALL

FRAMES = 300


@pytest.mark.parametrize("dest", ["failing-file-object", "/dev/full"])
def test_a_capture_that_cannot_write_disturbs_no_one(dest):
    guard = Guard(f"capture to {dest}")

    def body():
        k = netkernel.Kernel(seed=3)
        k.link_add("a0", kind="veth", peer="b0")
        k.link_set("a0", up=True)
        k.link_set("b0", up=True)
        k.sysctl("net.core.rmem_max", 4 << 20)
        rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)     # room for every frame
        rx.bind(("b0", 0))
        rx.setblocking(False)
        tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("=qq", 0, 50000))
        failures = 0
        ok, cap = guard.call("capture", k.capture, ["a0", "b0"],
                             FailingFile(2000) if dest != "/dev/full" else dest)
        assert ok, cap
        for seq in range(FRAMES):
            f = eth_frame(BCAST, bytes.fromhex("020000000001"), tag(1, 0, DEV_VETH, 0, seq))
            ok, e = guard.call(f"sendto #{seq}", tx.sendto, f, ("a0", ETH_P_NK))
            if not ok:
                guard.violation(f"sendto #{seq} failed with {e!r} because of the capture",
                                kind=f"sendto failed: {e!r}")
                failures += 1
                if failures >= 3:
                    break
        got = []
        while True:
            ok, r = guard.call("recv", rx.recv, 2048)
            if not ok:
                break
            t = find_tag(r)
            got.append(t[4] if t else None)
        if got != list(range(FRAMES))[:len(got)] or len(got) < seq + 1:
            missing = sorted(set(range(FRAMES)) - set(got))
            guard.violation(f"the receiver read {len(got)} of {FRAMES} frames "
                            f"(missing {missing[:10]}...)", kind="frames lost")
        mem = socket_memory(k, tx.fileno())
        if mem != (0, 0, 0):
            guard.violation(f"the sender's (rmem, wmem, queued) = {mem} after all sends returned",
                            kind="sender buffer leaked")
        ok, e = guard.call("capture close", cap.close)
        if ok:
            guard.violation("closing a capture whose writes failed reported nothing (item 4: "
                            "an OSError on close)", kind="failure not reported")
        ok, e = guard.call("sendto after close", tx.sendto, eth_frame(BCAST, b"\2" * 6, b""),
                           ("a0", ETH_P_NK))
        if not ok:
            guard.violation(f"a send after the capture was closed failed: {e!r}")
        rx.close()
        tx.close()
        for what in leftovers(k):
            guard.violation(f"after closing everything: {what}")

    run_bounded(body, 20.0, f"capture to {dest}")
    guard.check()
