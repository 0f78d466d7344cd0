"""The error queue (net/core/skbuff.c sock_queue_err_skb / __skb_tstamp_tx, net/core/sock.c
sock_recv_errqueue): what a transmit stamp charges and gives back, and when it is refused."""
import socket
import struct

import netkernel
from netkernel.uapi.socket import MSG_DONTWAIT, MSG_ERRQUEUE, SOL_SOCKET

SO_TIMESTAMPING = 37
TX_SW, SW, TX_SCHED, TSONLY = 0x2, 0x10, 0x100, 0x800
FRAME = b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + bytes(46)


def _sk(k, s):
    return k._task.files[s.fileno()].private_data.sk


def _sender(k, flags):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_SOCKET, SO_TIMESTAMPING, struct.pack("i", flags))
    return s


def _veth():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    return k


def test_records_charge_truesize_and_reading_gives_it_back():
    k = _veth()
    s = _sender(k, TX_SW | TX_SCHED)
    sk = _sk(k, s)
    s.sendto(FRAME, ("veth0", 0x88B5))
    assert len(sk.sk_error_queue) == 2
    clone = sk.sk_error_queue[0].truesize
    assert clone > 0 and sk.sk_rmem_alloc == 2 * clone
    s.recvmsg(2048, 256, MSG_ERRQUEUE | MSG_DONTWAIT)
    assert sk.sk_rmem_alloc == clone
    s.recvmsg(2048, 256, MSG_ERRQUEUE | MSG_DONTWAIT)
    assert sk.sk_rmem_alloc == 0 and sk.sk_err == 0


def test_tsonly_record_costs_an_empty_skb():
    """alloc_skb(0) on x86_64 5.15: a 512-byte kmalloc head (320 of shared info) + 256 = 768."""
    k = _veth()
    s = _sender(k, TX_SW | TSONLY)
    s.sendto(FRAME, ("veth0", 0x88B5))
    assert [r.truesize for r in _sk(k, s).sk_error_queue] == [768]


def test_a_refused_record_charges_nothing():
    """The test is rmem + truesize >= rcvbuf, before charging: with 2304 bytes two 768-byte
    records fit (1536 + 768 = 2304 refuses the third)."""
    k = _veth()
    s = _sender(k, TX_SW | TSONLY)
    s.setsockopt(SOL_SOCKET, socket.SO_RCVBUF, 0)
    for _ in range(4):
        s.sendto(FRAME, ("veth0", 0x88B5))
    sk = _sk(k, s)
    assert len(sk.sk_error_queue) == 2 and sk.sk_rmem_alloc == 1536


def test_close_frees_queued_records():
    k = _veth()
    s = _sender(k, TX_SW)
    sk = _sk(k, s)
    s.sendto(FRAME, ("veth0", 0x88B5))
    s.close()
    assert not sk.sk_error_queue and sk.sk_rmem_alloc == 0


def test_ftgmac100_takes_no_software_stamp():
    """5.15's ftgmac100_hard_start_xmit never calls skb_tx_timestamp: the scheduler stamp only."""
    from netkernel.cli import study_machine
    m, peer, peer_if, frame = study_machine()
    rx = peer.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    rx.bind((peer_if, 0))
    rx.settimeout(5)                                    # watchdog
    s = m.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_SOCKET, SO_TIMESTAMPING, struct.pack("i", TX_SW | TX_SCHED | TSONLY))
    s.sendto(frame, ("eth0", 0x88B5))
    assert rx.recv(2048) == frame                       # the driver did send it
    infos = [r.cb.ee_info for r in _sk(m, s).sk_error_queue]
    assert infos == [1]                                 # SCM_TSTAMP_SCHED only
