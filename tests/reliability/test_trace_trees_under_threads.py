"""The tracer under threads (issue 8 item 1: "the tracer's per-thread state is thread-safe").
Found by the random run: while a trace is on, syscalls that sleep (a blocking recv releases the
machine lock) on several threads record their calls into each other's trees."""
from __future__ import annotations

import socket
import struct
import threading
import time

import netkernel
from harness import run_bounded
from netkernel.uapi import ETH_P_ALL
from netkernel.uapi.socket import SO_RCVTIMEO, SOL_SOCKET

FRAME = bytes.fromhex("ffffffffffff020000000001 88b5") + bytes(46)


def test_each_syscall_tree_holds_only_its_own_task():
    def body():
        k = netkernel.Kernel()
        k.link_add("a", kind="veth", peer="b")
        k.link_set("a", up=True)
        k.link_set("b", up=True)
        readers = []
        for i in range(3):
            r = k.process().socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            r.bind(("b", 0))
            r.setsockopt(SOL_SOCKET, SO_RCVTIMEO, struct.pack("=qq", 0, 20000 + 7000 * i))
            readers.append(r)
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        stop = time.monotonic() + 0.5

        def read(r):
            while time.monotonic() < stop:
                try:
                    r.recv(2048)
                except OSError:
                    pass

        with k.trace() as t:
            threads = [threading.Thread(target=read, args=(r,), daemon=True) for r in readers]
            for th in threads:
                th.start()
            while time.monotonic() < stop:
                s.sendto(FRAME, ("a", 0))
                time.sleep(0.003)
            for th in threads:
                th.join(5)
        return [(root.function, root.pid, n.function, n.pid, n.depth)
                for root in t.roots for n in root.walk()
                if n.pid != root.pid or any(c.depth != n.depth + 1 for c in n.children)]

    bad = run_bounded(body, 20.0, "trace with blocking syscalls on several threads")
    assert not bad, (f"{len(bad)} traced calls sit in another task's syscall tree, e.g. "
                     f"{bad[:3]} (root function, root pid, function, pid, depth)")
