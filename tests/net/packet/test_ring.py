"""Rings in the model (net/packet/ring.py): what the differential suite cannot pin down —
V3 retirement on a virtual clock, the timer's jiffies, the mapping's lifetime, tracing."""
import gc
import socket
import struct
import threading
import time

import pytest

import netkernel
from netkernel.uapi import (PACKET_RX_RING, PACKET_STATISTICS, PACKET_TX_RING, PACKET_VERSION,
                            SOL_PACKET, TP_STATUS_BLK_TMO, TP_STATUS_USER, TPACKET_V2,
                            TPACKET_V3)
from netkernel.uapi.if_packet import BD_BLOCK_STATUS, BD_NUM_PKTS, BD_SEQ_NUM

FRAME = bytes.fromhex("020000000002 020000000001 88b5") + bytes(46)
MS = 1_000_000


def machine(clock="virtual"):
    k = netkernel.Kernel(clock=clock)
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True, address="02:00:00:00:00:01")
    k.link_set("veth1", up=True, address="02:00:00:00:00:02")
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.bind(("veth0", 0))
    return k, tx


def v3_ring(k, tov, dev="veth1", bn=2):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    if dev is not None:
        s.bind((dev, 0))
    s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("7I", 4096, bn, 2048, 2 * bn, tov, 0, 0))
    return s, s.mmap(4096 * bn)


def status(m, blk=0):
    return struct.unpack_from("I", m, blk * 4096 + BD_BLOCK_STATUS)[0]


def test_v3_block_retires_when_the_timer_fires_on_the_virtual_clock():
    k, tx = machine()
    s, m = v3_ring(k, tov=10)          # 10 ms = 3 jiffies at HZ=250: fires at 12 ms
    tx.send(FRAME)
    k.advance(11 * MS)
    assert status(m) == 0 and k.poll([(s.fileno(), 1)], 0) == []
    k.advance(1 * MS)
    assert status(m) == TP_STATUS_USER | TP_STATUS_BLK_TMO
    assert struct.unpack_from("I", m, BD_NUM_PKTS)[0] == 1
    assert k.poll([(s.fileno(), 1)], 0) == [(s.fileno(), 1)]


def test_v3_empty_block_is_kept_and_the_timer_rearmed():
    k, tx = machine()
    s, m = v3_ring(k, tov=8)
    k.advance(100 * MS)
    assert status(m) == 0
    tx.send(FRAME)                     # the re-armed timer retires it one period later
    k.advance(8 * MS)
    assert status(m) == TP_STATUS_USER | TP_STATUS_BLK_TMO


def test_v3_default_timeout_from_link_speed():
    """prb_calc_retire_blk_tmo: veth reports 10 Gb/s → a 4 KiB block takes 1 ms (1 jiffy);
    unbound sockets get 8 ms (2 jiffies)."""
    k, tx = machine()
    s, m = v3_ring(k, tov=0)
    s2, m2 = v3_ring(k, tov=0, dev=None)
    tx.send(FRAME)
    k.advance(4 * MS)
    assert status(m) & TP_STATUS_BLK_TMO and status(m2) == 0
    k.advance(4 * MS)
    assert status(m2) & TP_STATUS_BLK_TMO


def test_v3_frozen_queue_is_reopened_by_the_timer():
    """Both blocks held by the user: the queue freezes; once block 0 comes back, the timer
    reopens it (a new sequence number) one timer period after it first sees the same active
    block, with no frame needed."""
    k, tx = machine()
    s, m = v3_ring(k, tov=8)
    big = FRAME[:14] + bytes(1500)
    for _ in range(6):
        tx.send(big)
    assert status(m, 0) & 1 and status(m, 1) & 1
    st = struct.unpack("3I", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12))
    assert st[2] == 1 and st[1] >= 1
    struct.pack_into("I", m, BD_BLOCK_STATUS, 0)
    k.advance(8 * MS)        # the active block changed since the last refresh: only re-armed
    assert struct.unpack_from("Q", m, BD_SEQ_NUM)[0] == 1
    k.advance(8 * MS)        # still frozen, the block is back: reopen it
    assert struct.unpack_from("Q", m, BD_SEQ_NUM)[0] == 3
    assert status(m, 0) == 0


def test_real_clock_timer_thread_retires_and_ends():
    k, tx = machine(clock="real")
    s, m = v3_ring(k, tov=5)
    tx.send(FRAME)
    assert k.poll([(s.fileno(), 1)], 2000) == [(s.fileno(), 1)]
    assert status(m) == TP_STATUS_USER | TP_STATUS_BLK_TMO
    m.close()
    s.close()
    base = k.core.timer_base
    deadline = time.monotonic() + 2
    while base.thread is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert base.thread is None


def test_mapping_close_gc_and_socket_lifetime():
    k, tx = machine()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind(("veth1", 0))
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 4096, 1, 2048, 2))
    m = s.mmap(4096)
    with pytest.raises(OSError) as e:
        s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 0, 0, 0, 0))
    assert e.value.errno == 16                                  # EBUSY while mapped
    del m
    gc.collect()                                                # dropping it is munmap
    deadline = time.monotonic() + 2
    while s._view._task.files[s.fileno()].private_data.sk.mapped and time.monotonic() < deadline:
        time.sleep(0.001)
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 0, 0, 0, 0))
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 4096, 1, 2048, 2))
    with s.mmap(4096) as m:
        s.close()                                               # the mapping holds the socket
        assert len(k.init_net.packet_sklist) == 2
        tx.send(FRAME)
        assert m[0] & TP_STATUS_USER
    assert len(k.init_net.packet_sklist) == 1                # munmap released it


def test_mmap_raw_syscall_errors_and_sock_packet():
    k, _ = machine()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    for args, err in (((s.fileno(), 4096, 3, 1, 0), 22), ((99, 4096, 3, 1, 0), 9),
                      ((s.fileno(), 0, 3, 1, 0), 22), ((s.fileno(), 4096, 3, 1, 1), 22)):
        with pytest.raises(OSError) as e:
            k.sys_mmap(*args)
        assert e.value.errno == err, args
    p = k.socket(socket.AF_PACKET, 10, socket.htons(3))
    with pytest.raises(OSError) as e:
        p.mmap(4096)
    assert e.value.errno == 19


def test_tx_ring_frames_become_available_and_reach_the_peer():
    k, tx = machine()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    rx.bind(("veth1", 0))
    tx.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
    tx.setsockopt(SOL_PACKET, PACKET_TX_RING, struct.pack("4I", 4096, 1, 2048, 2))
    m = tx.mmap(4096)
    m[32:32 + len(FRAME)] = FRAME
    struct.pack_into("I", m, 4, len(FRAME))
    struct.pack_into("I", m, 0, 1)
    assert tx.send(b"") == len(FRAME)
    assert struct.unpack_from("I", m, 0)[0] == 0
    assert rx.recv(100) == FRAME


def test_ring_functions_are_traced_with_their_kernel_file():
    k, tx = machine()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind(("veth1", 0))
    with k.trace() as t:
        s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 4096, 1, 2048, 2))
        m = s.mmap(4096)
        tx.send(FRAME)
    text = t.render("function_graph")
    for fn in ("packet_set_ring", "alloc_pg_vec", "sys_mmap", "packet_mmap", "tpacket_rcv"):
        assert fn in text
    found = {}

    def walk(nodes):
        for n in nodes:
            found[n["function"]] = n["source"]
            walk(n["children"])
    walk(t.to_json())
    assert found["tpacket_rcv"] == "net/packet/af_packet.c"
    assert found["packet_set_ring"] == "net/packet/af_packet.c"
    m.close()


def test_concurrent_senders_and_ring_reader_do_not_deadlock():
    k, tx = machine(clock="real")
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    s.bind(("veth1", 0))
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack("4I", 4096, 4, 2048, 8))
    m = s.mmap(4 * 4096)
    got = []

    def reader():
        head = 0
        while len(got) < 200:
            if not k.poll([(s.fileno(), 1)], 1000):
                return
            off = (head // 2) * 4096 + (head % 2) * 2048
            while m[off] & 1:
                got.append(struct.unpack_from("I", m, off + 8)[0])
                struct.pack_into("Q", m, off, 0)
                head = (head + 1) % 8
                off = (head // 2) * 4096 + (head % 2) * 2048
    t = threading.Thread(target=reader)
    t.start()
    for _ in range(200):
        tx.send(FRAME)
    t.join(10)
    assert not t.is_alive()
    st = struct.unpack("2I", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    assert len(got) + st[1] == 200 and st[0] == 200
