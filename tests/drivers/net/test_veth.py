"""Virtual Ethernet pairs (drivers/net/veth.c) and dummy/loopback devices, through the stack."""
import socket

import pytest

import netkernel
from netkernel.uapi.socket import AF_PACKET, MSG_DONTWAIT, SOCK_RAW
from netkernel.uapi.if_packet import sockaddr_ll_pack, sockaddr_ll_unpack

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")
ALL = socket.htons(3)


def _pair(up=True):
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0)
    k.link_set("veth1", address=MAC1)
    if up:
        k.link_set("veth0", up=True)
        k.link_set("veth1", up=True)
    return k


def _dev(k, name):
    return k.init_net.dev_by_name[name]


def _frame(n=60, dst=MAC1):
    return (dst + MAC0 + b"\x88\xb5").ljust(n, b"\x5a")


def _bound(k, name, proto=ALL):
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, proto)
    k.sys_bind(fd, sockaddr_ll_pack(0, k.if_nametoindex(name), 0, 0, 0, bytes(8)))
    return fd


def _drain(k, fd):
    out = []
    while True:
        try:
            out.append(k.sys_recvfrom(fd, 65536, MSG_DONTWAIT))
        except BlockingIOError:
            return out


def test_peer_is_registered_first_and_gets_the_lower_ifindex():
    k = _pair()
    assert (k.if_nametoindex("veth1"), k.if_nametoindex("veth0")) == (2, 3)
    assert {l["name"]: l["peer"] for l in k.links()}["veth0"] == "veth1"


def test_carrier_only_when_both_ends_are_up():
    k = _pair(up=False)
    k.link_set("veth0", up=True)
    assert not _dev(k, "veth0").carrier
    k.link_set("veth1", up=True)
    assert _dev(k, "veth0").carrier and _dev(k, "veth1").carrier
    k.link_set("veth1", up=False)
    assert not _dev(k, "veth0").carrier


def test_frame_crosses_and_counts_tx_and_rx():
    k = _pair()
    rx = _bound(k, "veth1")
    tx = _bound(k, "veth0", proto=0)
    k.sys_sendto(tx, _frame(), 0, None)
    (ret, data, addr), = _drain(k, rx)
    assert data == _frame()
    s0, s1 = _dev(k, "veth0").stats, _dev(k, "veth1").stats
    assert (s0.tx_packets, s0.tx_bytes, s1.rx_packets, s1.rx_bytes) == (1, 60, 1, 60)


@pytest.mark.parametrize("dst, pkttype", [(MAC1, 0), (b"\xff" * 6, 1), (b"\x01\x00\x5e\x00\x00\x01", 2),
                                          (b"\x02\x99\x99\x99\x99\x99", 3)])
def test_receiver_pkttype_from_destination_mac(dst, pkttype):
    k = _pair()
    rx = _bound(k, "veth1")
    k.sys_sendto(_bound(k, "veth0", 0), _frame(dst=dst), 0, None)
    (_, _, addr), = _drain(k, rx)
    assert sockaddr_ll_unpack(addr)[4] == pkttype


def test_frame_larger_than_peer_mtu_is_dropped_and_counted_on_both_ends():
    k = _pair()
    k.link_set("veth0", mtu=9000)
    rx = _bound(k, "veth1")
    tap = _bound(k, "veth0")
    tx = _bound(k, "veth0", 0)
    assert k.sys_sendto(tx, _frame(2000), 0, None) == 2000
    assert _drain(k, rx) == []
    assert len(_drain(k, tap)) == 1             # the OUTGOING copy was still seen
    assert _dev(k, "veth1").stats.rx_dropped == 1
    assert _dev(k, "veth0").stats.tx_dropped == 1
    assert _dev(k, "veth0").stats.tx_packets == 0


def test_peer_accepts_mtu_plus_header_plus_vlan():
    k = _pair()
    k.link_set("veth0", mtu=1504)
    rx = _bound(k, "veth1")
    k.sys_sendto(_bound(k, "veth0", 0), _frame(1518), 0, None)   # 1500 + 14 + 4
    assert len(_drain(k, rx)) == 1


def test_send_to_down_peer_is_silently_dropped_by_the_noop_qdisc():
    k = _pair()
    k.link_set("veth1", up=False)
    tx = _bound(k, "veth0", 0)
    assert k.sys_sendto(tx, _frame(), 0, None) == 60      # NET_XMIT_CN counts as success
    assert _dev(k, "veth0").stats.tx_packets == 0
    assert _dev(k, "veth0").qdisc.drops == 1


def test_link_del_of_one_end_removes_both():
    k = _pair()
    k.link_del("veth1")
    assert [l["name"] for l in k.links()] == ["lo"]


def test_mac_change_while_up_is_allowed_and_used_as_source():
    k = _pair()
    k.link_set("veth0", address="02:00:00:00:00:09")
    rx = _bound(k, "veth1")
    tx = _bound(k, "veth0", 0)
    assert sockaddr_ll_unpack(k.sys_getsockname(tx).ljust(20, b"\0"))[6][:6] == bytes.fromhex("020000000009")
    k.sys_sendto(tx, _frame(), 0, None)
    assert len(_drain(k, rx)) == 1


def test_dummy_swallows_frames_and_counts_them():
    k = netkernel.Kernel()
    k.link_add("d0", kind="dummy")
    k.link_set("d0", up=True)
    tap = _bound(k, "d0")
    k.sys_sendto(_bound(k, "d0", 0), _frame(), 0, None)
    assert [sockaddr_ll_unpack(a)[4] for _, _, a in _drain(k, tap)] == [4]   # OUTGOING only
    assert k.init_net.dev_by_name["d0"].stats.tx_packets == 1


def test_loopback_frame_is_seen_outgoing_then_incoming_by_another_tap():
    k = netkernel.Kernel()
    tap = _bound(k, "lo")
    tx = _bound(k, "lo", 0)
    k.sys_sendto(tx, (bytes(6) + bytes(6) + b"\x88\xb5").ljust(60, b"\0"), 0, None)
    assert [sockaddr_ll_unpack(a)[4] for _, _, a in _drain(k, tap)] == [4, 0]
    lo = k.init_net.loopback_dev.stats
    assert (lo.tx_packets, lo.rx_packets) == (1, 1)
