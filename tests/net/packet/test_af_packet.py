"""Packet sockets (net/packet/af_packet.c) through the syscall layer with raw struct bytes.
Rules cite /work/shared/spec/afpacket-semantics.md (§section.rule)."""
import socket

import pytest

import netkernel
from netkernel.uapi import errno as E
from netkernel.uapi.if_packet import (PACKET_AUXDATA, PACKET_IGNORE_OUTGOING, PACKET_STATISTICS,
                                      PACKET_VERSION, SOL_PACKET, TPACKET_AUXDATA, TPACKET_STATS,
                                      TPACKET_V3, sockaddr_ll_pack, sockaddr_ll_unpack)
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_DONTWAIT, MSG_TRUNC, SO_RCVBUF, SOCK_DGRAM,
                                   SOCK_PACKET, SOCK_RAW, SOCK_STREAM, SOL_SOCKET)

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")
ALL = socket.htons(3)


def _pair():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0)
    k.link_set("veth1", address=MAC1)
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    return k


def _sk(view, fd):
    return view._task.files[fd].private_data.sk


def _sll(k, ifname, proto=0, addr=b""):
    return sockaddr_ll_pack(proto, k.if_nametoindex(ifname) if ifname else 0, 0, 0, len(addr),
                            addr.ljust(8, b"\0"))


def _frame(n=60, ethertype=0x88B5, dst=MAC1, src=MAC0):
    return (dst + src + ethertype.to_bytes(2, "big")).ljust(n, b"\xa5")


def _sock(k, ifname=None, type=SOCK_RAW, proto=ALL):
    fd = k.sys_socket(AF_PACKET, type, proto)
    if ifname:
        k.sys_bind(fd, _sll(k, ifname))
    return fd


def _drain(k, fd):
    out = []
    while True:
        try:
            out.append(k.sys_recvfrom(fd, 65536, MSG_DONTWAIT))
        except BlockingIOError:
            return out


def _stats(k, fd):
    return TPACKET_STATS.unpack(k.sys_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, 8))


# ---------------------------------------------------------------- truesize / rcvbuf

@pytest.mark.parametrize("n, truesize", [(60, 768), (1514, 2304)])
def test_received_frame_charges_truesize_to_rmem(n, truesize):
    k = _pair()
    rx = _sock(k, "veth1")
    tx = _sock(k, "veth0", proto=0)
    assert k.sys_sendto(tx, _frame(n), 0, None) == n
    assert _sk(k, rx).sk_rmem_alloc == truesize
    _drain(k, rx)
    assert _sk(k, rx).sk_rmem_alloc == 0


def test_rcvbuf_2304_queues_three_60_byte_frames_and_counts_the_rest_as_drops():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_setsockopt(rx, SOL_SOCKET, SO_RCVBUF, INT.pack(1))
    assert INT.unpack(k.sys_getsockopt(rx, SOL_SOCKET, SO_RCVBUF, 4))[0] == 2304
    tx = _sock(k, "veth0", proto=0)
    for i in range(6):
        k.sys_sendto(tx, _frame(60), 0, None)
    assert len(_sk(k, rx).sk_receive_queue) == 3
    assert _sk(k, rx).sk_drops == 3
    assert _stats(k, rx) == (6, 3)          # tp_packets includes drops (§5.20)
    assert _stats(k, rx) == (0, 0)          # reset on read
    assert len(_drain(k, rx)) == 3


def test_sender_wmem_is_returned_after_a_successful_send():
    k = _pair()
    tx = _sock(k, "veth0", proto=0)
    k.sys_sendto(tx, _frame(), 0, None)
    assert _sk(k, tx).sk_wmem_alloc == 0


# ---------------------------------------------------------------- socket()

def test_socket_invalid_type_is_esocktnosupport():
    k = netkernel.Kernel()
    with pytest.raises(OSError) as e:
        k.sys_socket(AF_PACKET, SOCK_STREAM, 0)
    assert e.value.errno == E.ESOCKTNOSUPPORT
    assert k._task.files == {}


def test_socket_with_protocol_is_hooked_at_once():
    k = _pair()
    rx = _sock(k)          # unbound, ETH_P_ALL
    tx = _sock(k, "veth0", proto=0)
    k.sys_sendto(tx, _frame(), 0, None)
    pkttypes = [sockaddr_ll_unpack(a.ljust(20, b"\0"))[4] for _, _, a in _drain(k, rx)]
    assert pkttypes == [4, 0]   # OUTGOING on veth0, HOST on veth1


def test_socket_with_protocol_zero_receives_nothing():
    k = _pair()
    rx = _sock(k, proto=0)
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    assert _drain(k, rx) == []


# ---------------------------------------------------------------- bind / getsockname

def test_getsockname_before_bind_is_12_bytes_with_socket_protocol():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, socket.htons(0x88B5))
    assert k.sys_getsockname(fd) == bytes.fromhex("1100" "88b5" "00000000" "0000" "00" "00")


def test_getsockname_after_bind_is_18_bytes_with_device_address():
    k = _pair()
    fd = _sock(k, "veth1")
    idx = k.if_nametoindex("veth1")
    assert k.sys_getsockname(fd) == sockaddr_ll_pack(3, idx, 1, 0, 6, MAC1)
    assert len(k.sys_getsockname(fd)) == 18


def test_bind_short_address_is_einval():
    k = _pair()
    fd = _sock(k)
    with pytest.raises(OSError) as e:
        k.sys_bind(fd, _sll(k, "veth1")[:19])
    assert e.value.errno == E.EINVAL


def test_bind_bad_family_is_einval_and_changes_nothing():
    k = _pair()
    fd = _sock(k, "veth1")
    before = k.sys_getsockname(fd)
    sk = _sk(k, fd)
    v1 = k.init_net.dev_by_name["veth1"]
    assert sk.prot_hook in v1.ptype_all
    bad = b"\x02\x00" + _sll(k, "veth0", 0x0800)[2:]
    with pytest.raises(OSError) as e:
        k.sys_bind(fd, bad)
    assert e.value.errno == E.EINVAL
    assert k.sys_getsockname(fd) == before
    assert sk.prot_hook in v1.ptype_all and sk.running
    assert sk.prot_hook.type == 3 and sk.prot_hook.dev is v1


def test_bind_unknown_ifindex_is_enodev_and_changes_nothing():
    k = _pair()
    fd = _sock(k, "veth1")
    before = k.sys_getsockname(fd)
    with pytest.raises(OSError) as e:
        k.sys_bind(fd, sockaddr_ll_pack(0x0800, 99, 0, 0, 0, bytes(8)))
    assert e.value.errno == E.ENODEV
    assert k.sys_getsockname(fd) == before
    assert _sk(k, fd).prot_hook in k.init_net.dev_by_name["veth1"].ptype_all


def test_bind_protocol_zero_keeps_current_protocol():
    k = _pair()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, socket.htons(0x88B5))
    k.sys_bind(fd, _sll(k, "veth1", 0))
    assert sockaddr_ll_unpack(k.sys_getsockname(fd).ljust(20, b"\0"))[1] == 0x88B5


def test_bind_to_down_device_sets_enetdown_once_and_up_hooks_it():
    k = _pair()
    k.link_set("veth1", up=False)
    fd = _sock(k)
    k.sys_bind(fd, _sll(k, "veth1"))
    assert not _sk(k, fd).running
    with pytest.raises(OSError) as e:
        k.sys_recvfrom(fd, 100, MSG_DONTWAIT)
    assert e.value.errno == E.ENETDOWN
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, MSG_DONTWAIT)
    k.link_set("veth1", up=True)
    assert _sk(k, fd).running


def test_unregister_leaves_ifindex_minus_one_and_12_byte_name():
    k = _pair()
    fd = _sock(k, "veth1")
    k.link_del("veth0")
    assert k.sys_getsockname(fd) == sockaddr_ll_pack(3, -1, 0, 0, 0, b"")
    with pytest.raises(OSError) as e:
        k.sys_sendto(fd, _frame(), 0, None)
    assert e.value.errno in (E.ENETDOWN, E.ENXIO)   # pending ENETDOWN reported first
    with pytest.raises(OSError) as e:
        k.sys_sendto(fd, _frame(), 0, None)
    assert e.value.errno == E.ENXIO


# ---------------------------------------------------------------- send

def test_send_unbound_without_address_is_enxio():
    k = _pair()
    with pytest.raises(OSError) as e:
        k.sys_sendto(_sock(k), _frame(), 0, None)
    assert e.value.errno == E.ENXIO


def test_sendto_short_sockaddr_ll_is_einval():
    k = _pair()
    with pytest.raises(OSError) as e:
        k.sys_sendto(_sock(k), _frame(), 0, _sll(k, "veth0")[:19])
    assert e.value.errno == E.EINVAL


def test_sendto_halen_beyond_namelen_is_einval():
    k = _pair()
    addr = sockaddr_ll_pack(0, k.if_nametoindex("veth0"), 0, 0, 9, bytes(8))
    with pytest.raises(OSError) as e:
        k.sys_sendto(_sock(k), _frame(), 0, addr)
    assert e.value.errno == E.EINVAL


def test_sendto_down_device_is_enetdown():
    k = _pair()
    k.link_set("veth0", up=False)
    with pytest.raises(OSError) as e:
        k.sys_sendto(_sock(k, proto=0), _frame(), 0, _sll(k, "veth0"))
    assert e.value.errno == E.ENETDOWN


def test_raw_frame_shorter_than_link_header_is_einval():
    k = _pair()
    with pytest.raises(OSError) as e:
        k.sys_sendto(_sock(k, "veth0", proto=0), _frame(13)[:13], 0, None)
    assert e.value.errno == E.EINVAL


@pytest.mark.parametrize("n", [1515, 1519])   # late check (after alloc) and early check
def test_send_emsgsize_leaves_no_frame_on_any_tap_and_no_wmem(n):
    k = _pair()
    taps = [_sock(k), _sock(k, "veth0"), _sock(k, "veth1")]
    tx = _sock(k, "veth0", proto=0)
    v0 = k.init_net.dev_by_name["veth0"]
    stats_before = v0.stats.as_dict()
    with pytest.raises(OSError) as e:
        k.sys_sendto(tx, _frame(n), 0, None)
    assert e.value.errno == E.EMSGSIZE
    assert [_drain(k, t) for t in taps] == [[], [], []]
    assert _sk(k, tx).sk_wmem_alloc == 0
    assert v0.stats.as_dict() == stats_before


def test_raw_send_max_is_mtu_plus_14_or_plus_18_when_8021q_tagged():
    k = _pair()
    tx = _sock(k, "veth0", proto=0)
    assert k.sys_sendto(tx, _frame(1514), 0, None) == 1514
    assert k.sys_sendto(tx, _frame(1518, ethertype=0x8100), 0, None) == 1518
    with pytest.raises(OSError) as e:
        k.sys_sendto(tx, _frame(1518, ethertype=0x88A8), 0, None)
    assert e.value.errno == E.EMSGSIZE


def test_dgram_send_builds_ethernet_header_from_sll_addr():
    k = _pair()
    rx = _sock(k, "veth1")
    tx = k.sys_socket(AF_PACKET, SOCK_DGRAM, 0)
    assert k.sys_sendto(tx, b"x" * 46, 0, _sll(k, "veth0", 0x88B5, MAC1)) == 46
    (ret, data, addr), = _drain(k, rx)
    assert data == MAC1 + MAC0 + b"\x88\xb5" + b"x" * 46


def test_dgram_bound_send_without_address_on_veth_is_einval():
    k = _pair()
    tx = k.sys_socket(AF_PACKET, SOCK_DGRAM, socket.htons(0x88B5))
    k.sys_bind(tx, _sll(k, "veth0"))
    with pytest.raises(OSError) as e:
        k.sys_sendto(tx, b"x" * 46, 0, None)
    assert e.value.errno == E.EINVAL
    assert _sk(k, tx).sk_wmem_alloc == 0


def test_sender_does_not_see_its_own_frame_but_another_tap_does():
    k = _pair()
    tx = _sock(k, "veth0")
    other = _sock(k, "veth0")
    k.sys_sendto(tx, _frame(), 0, None)
    assert _drain(k, tx) == []
    assert len(_drain(k, other)) == 1


def test_raw_send_with_protocol_zero_reports_parsed_ethertype():
    k = _pair()
    rx = _sock(k, "veth0")
    k.sys_sendto(_sock(k, proto=0), _frame(ethertype=0x0806), 0, _sll(k, "veth0", 0))
    (_, _, addr), = _drain(k, rx)
    assert sockaddr_ll_unpack(addr)[1] == 0x0806


def test_ignore_outgoing_hides_sent_frames():
    k = _pair()
    rx = _sock(k, "veth0")
    k.sys_setsockopt(rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, INT.pack(1))
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    assert _drain(k, rx) == []


# ---------------------------------------------------------------- receive

def test_recvfrom_address_is_20_bytes_with_source_mac():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    (ret, data, addr), = _drain(k, rx)
    assert ret == 60 and data == _frame()
    assert addr == sockaddr_ll_pack(0x88B5, k.if_nametoindex("veth1"), 1, 0, 6, MAC0 + b"\0\0")


def test_dgram_receiver_sees_data_from_network_header():
    k = _pair()
    rx = _sock(k, "veth1", type=SOCK_DGRAM)
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    (ret, data, _), = _drain(k, rx)
    assert data == _frame()[14:]


def test_recv_truncation_returns_copied_or_full_length_with_msg_trunc():
    k = _pair()
    rx = _sock(k, "veth1")
    tx = _sock(k, "veth0", proto=0)
    k.sys_sendto(tx, _frame(), 0, None)
    k.sys_sendto(tx, _frame(), 0, None)
    ret, data, anc, flags, _ = k.sys_recvmsg(rx, 10, 0, 0)
    assert (ret, data, flags & MSG_TRUNC) == (10, _frame()[:10], MSG_TRUNC)
    ret, data, _ = k.sys_recvfrom(rx, 10, MSG_TRUNC)
    assert (ret, data) == (60, _frame()[:10])


def test_recv_unsupported_flag_is_einval_before_dequeue():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    with pytest.raises(OSError) as e:
        k.sys_recvfrom(rx, 100, 0x100)   # MSG_WAITALL
    assert e.value.errno == E.EINVAL
    assert len(_drain(k, rx)) == 1


def test_auxdata_on_raw_receive():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_setsockopt(rx, SOL_PACKET, PACKET_AUXDATA, INT.pack(1))
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    ret, data, anc, flags, addr = k.sys_recvmsg(rx, 100, 64, 0)
    assert [(lvl, t) for lvl, t, _ in anc] == [(SOL_PACKET, PACKET_AUXDATA)]
    assert TPACKET_AUXDATA.unpack(anc[0][2]) == (1, 60, 60, 0, 14, 0, 0)


def test_auxdata_reports_vlan_tag_stripped_on_receive():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_setsockopt(rx, SOL_PACKET, PACKET_AUXDATA, INT.pack(1))
    tagged = MAC1 + MAC0 + b"\x81\x00\x00\x07\x88\xb5" + bytes(46)
    k.sys_sendto(_sock(k, "veth0", proto=0), tagged, 0, None)
    ret, data, anc, flags, addr = k.sys_recvmsg(rx, 100, 64, 0)
    assert data == MAC1 + MAC0 + b"\x88\xb5" + bytes(46)
    status, tp_len, snap, mac, net, tci, tpid = TPACKET_AUXDATA.unpack(anc[0][2])
    assert (status, tci, tpid) == (0x51, 7, 0x8100)
    assert sockaddr_ll_unpack(addr)[1] == 0x88B5


def test_statistics_v3_is_12_bytes():
    k = netkernel.Kernel()
    fd = _sock(k)
    k.sys_setsockopt(fd, SOL_PACKET, PACKET_VERSION, INT.pack(TPACKET_V3))
    assert k.sys_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, 100) == bytes(12)


def test_other_namespace_frames_are_not_counted():
    k = _pair()
    ns = k.netns_add("a")
    rx = ns.sys_socket(AF_PACKET, SOCK_RAW, ALL)
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    assert TPACKET_STATS.unpack(ns.sys_getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, 8)) == (0, 0)


# ---------------------------------------------------------------- SOCK_PACKET

def test_sock_packet_bind_and_getsockname_by_name():
    k = _pair()
    fd = k.sys_socket(AF_PACKET, SOCK_PACKET, ALL)
    with pytest.raises(OSError) as e:
        k.sys_bind(fd, b"\x11\x00veth1".ljust(17, b"\0"))
    assert e.value.errno == E.EINVAL
    k.sys_bind(fd, b"\x11\x00veth1".ljust(16, b"\0"))
    assert k.sys_getsockname(fd) == b"\x11\x00veth1".ljust(16, b"\0")


def test_sock_packet_receive_address_is_sockaddr_pkt():
    k = _pair()
    fd = k.sys_socket(AF_PACKET, SOCK_PACKET, ALL)
    k.sys_bind(fd, b"\x11\x00veth1".ljust(16, b"\0"))
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    (ret, data, addr), = _drain(k, fd)
    assert data == _frame()
    assert addr == b"\x01\x00" + b"veth1".ljust(14, b"\0") + b"\x88\xb5"


def test_pending_enetdown_after_bounce_is_reported_once_by_send():
    k = _pair()
    fd = _sock(k, "veth0")
    k.link_set("veth1", up=False)     # veth0 stays up: no error for fd
    k.link_set("veth0", up=False)
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    assert _sk(k, fd).running          # NETDEV_UP re-hooked it
    with pytest.raises(OSError) as e:
        k.sys_sendto(fd, _frame(), 0, None)
    assert e.value.errno == E.ENETDOWN
    assert k.sys_sendto(fd, _frame(), 0, None) == 60


def test_pending_error_comes_before_queued_frames_on_recv():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    k.link_set("veth1", up=False)
    with pytest.raises(OSError) as e:
        k.sys_recvfrom(rx, 100, MSG_DONTWAIT)
    assert e.value.errno == E.ENETDOWN
    assert len(_drain(k, rx)) == 1     # the queued frame survived the error


def test_msg_peek_leaves_the_frame_queued():
    k = _pair()
    rx = _sock(k, "veth1")
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    assert k.sys_recvfrom(rx, 100, MSG_DONTWAIT | 0x2)[1] == _frame()
    assert k.sys_recvfrom(rx, 100, MSG_DONTWAIT)[1] == _frame()
    assert _drain(k, rx) == []
    assert _sk(k, rx).sk_rmem_alloc == 0


def test_dgram_tap_sees_outgoing_frame_from_network_header_with_auxdata_net_0():
    k = _pair()
    rx = _sock(k, "veth0", type=SOCK_DGRAM)
    k.sys_setsockopt(rx, SOL_PACKET, PACKET_AUXDATA, INT.pack(1))
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    ret, data, anc, flags, addr = k.sys_recvmsg(rx, 100, 64, MSG_DONTWAIT)
    assert data == _frame()[14:]
    assert sockaddr_ll_unpack(addr)[4] == 4
    assert TPACKET_AUXDATA.unpack(anc[0][2]) == (1, 46, 46, 0, 0, 0, 0)


def test_close_drops_queued_frames_and_returns_rmem():
    k = _pair()
    rx = _sock(k, "veth1")
    sk = _sk(k, rx)
    k.sys_sendto(_sock(k, "veth0", proto=0), _frame(), 0, None)
    assert sk.sk_rmem_alloc == 768
    k.sys_close(rx)
    assert sk.sk_rmem_alloc == 0 and not sk.sk_receive_queue
    assert sk.prot_hook not in k.init_net.dev_by_name["veth1"].ptype_all


def test_auxdata_reports_csum_valid_for_a_frame_the_nic_checked():
    """packet_recvmsg's auxdata, like tpacket_rcv's ring status, sets TP_STATUS_CSUM_VALID for an
    incoming frame its driver marked CHECKSUM_UNNECESSARY or CHECKSUM_COMPLETE (a NIC's RX
    checksum offload; handed to the stack by hand here, as no modelled NIC reports one), not
    for CHECKSUM_NONE, and CSUMNOTREADY for CHECKSUM_PARTIAL."""
    import socket as _socket
    import struct as _struct
    from netkernel.net.core.dev import netif_receive_skb
    from netkernel.net.core.skbuff import (CHECKSUM_COMPLETE, CHECKSUM_NONE, CHECKSUM_PARTIAL,
                                          CHECKSUM_UNNECESSARY, alloc_skb, skb_put)
    from netkernel.net.ethernet.eth import eth_type_trans
    from netkernel.uapi.if_packet import (PACKET_AUXDATA, SOL_PACKET, TP_STATUS_CSUM_VALID,
                                          TP_STATUS_CSUMNOTREADY, TP_STATUS_USER)
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    rx = k.socket(_socket.AF_PACKET, _socket.SOCK_RAW, _socket.htons(0x0003))
    rx.bind(("veth1", 0))
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    dev = k.net.dev_by_name["veth1"]
    frame = bytes(dev.dev_addr) + bytes.fromhex("020000000a0a88b5") + bytes(46)
    for ip_summed in (CHECKSUM_UNNECESSARY, CHECKSUM_COMPLETE, CHECKSUM_NONE, CHECKSUM_PARTIAL):
        with k._lock:
            skb = alloc_skb(k.net.core.profile, len(frame))
            off = skb_put(skb, len(frame))
            skb.buf[off:off + len(frame)] = frame
            skb.dev = dev
            skb.protocol = eth_type_trans(skb, dev)
            skb.ip_summed = ip_summed
            netif_receive_skb(skb)
    statuses = []
    for _ in range(4):
        data, anc, flags, addr = rx.recvmsg(2048, 64, _socket.MSG_DONTWAIT)
        statuses.append(_struct.unpack_from("<I", anc[0][2])[0])
    assert statuses == [TP_STATUS_USER | TP_STATUS_CSUM_VALID, TP_STATUS_USER | TP_STATUS_CSUM_VALID,
                        TP_STATUS_USER, TP_STATUS_USER | TP_STATUS_CSUMNOTREADY]
