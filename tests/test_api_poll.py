"""k.poll: select.poll().poll() over netkernel descriptors (DESIGN "Rings")."""
import socket
import struct
import time

import netkernel

FRAME = bytes.fromhex("020000000002 020000000001 88b5") + bytes(46)


def test_poll_reports_only_ready_descriptors_and_pollnval():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True, address="02:00:00:00:00:01")
    k.link_set("veth1", up=True, address="02:00:00:00:00:02")
    a = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    b = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    a.bind(("veth1", 0))
    b.bind(("veth0", 0))
    b.send(FRAME)
    assert k.poll([(a.fileno(), 1), (b.fileno(), 1)], 0) == [(a.fileno(), 1)]
    assert k.poll([(b.fileno(), 1)], 50) == []
    assert k.poll([(b.fileno(), 4)], 0) == [(b.fileno(), 4)]
    fd = b.fileno()
    b.close()
    assert k.poll([(fd, 1)], 0) == [(fd, 0x20)]


def test_poll_wakes_when_a_frame_lands_in_a_v2_ring():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    r = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    r.bind(("veth1", 0))
    r.setsockopt(263, 10, 1)
    r.setsockopt(263, 5, struct.pack("4I", 4096, 1, 2048, 2))
    m = r.mmap(4096)
    t = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    t.bind(("veth0", 0))
    import threading
    threading.Timer(0.05, t.send, (FRAME,)).start()
    t0 = time.monotonic()
    assert k.poll([(r.fileno(), 1)], 2000) == [(r.fileno(), 1)]
    assert time.monotonic() - t0 < 1.5
    assert struct.unpack_from("I", m, 0)[0] & 1
    m.close()
