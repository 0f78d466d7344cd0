"""Unit tests for packet fanout (net/packet/fanout.py) and the flow hash it uses."""
import socket
import struct

import pytest

import netkernel
from netkernel.net.core.flow_dissector import __skb_get_hash_symmetric, skb_flow_dissect_symmetric
from netkernel.net.core.skbuff import SkBuff
from netkernel.net.packet.fanout import PacketFanout, fanout_find_new_id
from netkernel.uapi.if_packet import PACKET_FANOUT, SOL_PACKET

ETH_P_EX = 0x88B5


def _sock(k, proto=ETH_P_EX):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind(("lo", proto))
    return s


def _join(s, id, type_flags):
    s.setsockopt(SOL_PACKET, PACKET_FANOUT, struct.pack("<HH", id, type_flags))


def _ipv4_skb(src, dst, sport, dport):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes(src), bytes(dst))
    buf = bytearray(ip + struct.pack("!HHHH", sport, dport, 8, 0))
    skb = SkBuff(buf, 1024)
    skb.tail = len(buf)
    skb.network_header = 0
    skb.protocol = 0x0800
    return skb


def test_flow_keys_are_symmetric():
    a = skb_flow_dissect_symmetric(_ipv4_skb((10, 0, 0, 1), (10, 0, 0, 2), 1000, 2000))
    b = skb_flow_dissect_symmetric(_ipv4_skb((10, 0, 0, 2), (10, 0, 0, 1), 2000, 1000))
    c = skb_flow_dissect_symmetric(_ipv4_skb((10, 0, 0, 1), (10, 0, 0, 2), 1001, 2000))
    assert a == b and a != c


def test_flow_hash_never_zero_and_stable_per_machine():
    k = netkernel.Kernel()
    core = k.net.core
    skb = _ipv4_skb((1, 2, 3, 4), (5, 6, 7, 8), 1, 2)
    h = __skb_get_hash_symmetric(skb, core)
    assert h and h == __skb_get_hash_symmetric(skb, core)


def test_groups_are_per_netns_and_per_machine():
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    a = _sock(k1)
    _join(a, 7, 1)
    b = _sock(k2)
    _join(b, 7, 0)          # another machine: no group 7 there, so another mode is fine
    k1.netns_add("x")
    c = _sock(k1.netns("x"))
    _join(c, 7, 2)          # another netns of the same machine: likewise


def test_uniqueid_exhaustion_is_enomem():
    k = netkernel.Kernel()
    s = _sock(k)
    net = k.net
    for i in range(1 << 16):
        net.packet_fanouts[i] = object()
    assert fanout_find_new_id(net) == -1
    with pytest.raises(OSError) as e:
        _join(s, 0, 0x2000)
    assert e.value.errno == 12


def test_member_leaves_group_at_close_and_group_hook_goes():
    k = netkernel.Kernel()
    a, b = _sock(k), _sock(k)
    _join(a, 1, 1)
    _join(b, 1, 1)
    a.close()
    b.close()
    c = _sock(k)
    _join(c, 1, 0)          # the id is free again: a new group with another mode
    assert isinstance(PacketFanout, type)
