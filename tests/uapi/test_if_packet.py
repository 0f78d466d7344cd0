"""Golden bytes for the packet-socket uapi (include/uapi/linux/if_packet.h, x86_64 layouts;
spec afpacket-semantics.md §9)."""
import socket

import pytest

from netkernel.uapi.if_packet import (SOCKADDR_LL_ADDR_OFFSET, SOCKADDR_LL_SIZE, TPACKET_AUXDATA,
                                      TPACKET_STATS, proto_from_user, sockaddr_ll_pack,
                                      sockaddr_ll_unpack)
from netkernel.uapi.socket import CMSGHDR, TIMEVAL, cmsg_align, cmsg_space

MAC = bytes.fromhex("020000000001")


def test_sockaddr_ll_size_and_addr_offset():
    assert SOCKADDR_LL_SIZE == 20
    assert SOCKADDR_LL_ADDR_OFFSET == 12


def test_sockaddr_ll_pack_golden_bytes_protocol_big_endian():
    b = sockaddr_ll_pack(0x88B5, 2, 1, 4, 6, MAC + b"\0\0")
    assert b == bytes.fromhex("1100" "88b5" "02000000" "0100" "04" "06" "020000000001" "0000")


def test_sockaddr_ll_pack_eth_p_all_is_0003_on_the_wire():
    assert sockaddr_ll_pack(3, 0, 0, 0, 0, bytes(8))[2:4] == b"\x00\x03"


def test_sockaddr_ll_pack_negative_ifindex_is_signed():
    assert sockaddr_ll_pack(0, -1, 0, 0, 0, b"")[4:8] == b"\xff\xff\xff\xff"


def test_sockaddr_ll_pack_head_only_is_12_bytes():
    # getsockname writes 12 + halen bytes: nothing is padded by the helper
    assert sockaddr_ll_pack(0x0800, 1, 772, 0, 6, bytes(6)) == bytes.fromhex(
        "1100" "0800" "01000000" "0403" "00" "06" "000000000000")


def test_sockaddr_ll_pack_other_family():
    assert sockaddr_ll_pack(0, 0, 0, 0, 0, b"", family=2)[:2] == b"\x02\x00"


def test_sockaddr_ll_unpack_golden_bytes():
    raw = bytes.fromhex("1100" "86dd" "feffffff" "0100" "03" "06" "aabbccddeeff" "1122")
    assert sockaddr_ll_unpack(raw) == (17, 0x86DD, -2, 1, 3, 6, bytes.fromhex("aabbccddeeff1122"))


def test_sockaddr_ll_unpack_ignores_bytes_past_20():
    raw = sockaddr_ll_pack(0x0806, 7, 1, 0, 6, MAC + b"\0\0") + b"\xee" * 108
    assert sockaddr_ll_unpack(raw) == (17, 0x0806, 7, 1, 0, 6, MAC + b"\0\0")


def test_sockaddr_ll_pack_unpack_roundtrip():
    for args in [(0, 0, 0, 0, 0, bytes(8)), (0xFFFF, 0x7FFFFFFF, 0xFFFF, 255, 255, b"\xff" * 8)]:
        assert sockaddr_ll_unpack(sockaddr_ll_pack(*args)) == (17,) + args


@pytest.mark.parametrize("user, ethertype", [
    (socket.htons(0x0003), 0x0003),
    (socket.htons(0x88B5), 0x88B5),
    (0x0008, 0x0800),
    (0, 0),
    (0x10300, 0x0003),        # bits above 16 are discarded
    (0xFFFF0008, 0x0800),
])
def test_proto_from_user_swaps_the_be16(user, ethertype):
    assert proto_from_user(user) == ethertype


def test_tpacket_stats_golden_bytes():
    assert TPACKET_STATS.size == 8
    assert TPACKET_STATS.pack(5, 2) == bytes.fromhex("05000000" "02000000")
    assert TPACKET_STATS.unpack(bytes.fromhex("0a000000" "01000000")) == (10, 1)


def test_tpacket_auxdata_golden_bytes():
    assert TPACKET_AUXDATA.size == 20
    b = TPACKET_AUXDATA.pack(0x11, 1514, 60, 0, 14, 0x0123, 0x8100)
    assert b == bytes.fromhex("11000000" "ea050000" "3c000000" "0000" "0e00" "2301" "0081")
    assert TPACKET_AUXDATA.unpack(b) == (0x11, 1514, 60, 0, 14, 0x0123, 0x8100)


def test_cmsghdr_and_cmsg_space_x86_64():
    assert CMSGHDR.size == 16
    assert CMSGHDR.pack(36, 263, 8) == bytes.fromhex("2400000000000000" "07010000" "08000000")
    assert cmsg_align(20) == 24
    assert cmsg_space(20) == 40
    assert cmsg_space(0) == 16


def test_timeval_is_16_bytes():
    assert TIMEVAL.size == 16
    assert TIMEVAL.pack(1, 500000) == bytes.fromhex("0100000000000000" "20a1070000000000")


def test_sockaddr_pkt_offsets_and_size():
    from netkernel.uapi.if_packet import (SOCKADDR_PKT_SIZE, SPKT_DEVICE_OFFSET, SPKT_DEVICE_SIZE,
                                          SPKT_PROTOCOL_OFFSET)
    assert (SPKT_DEVICE_OFFSET, SPKT_DEVICE_SIZE, SPKT_PROTOCOL_OFFSET, SOCKADDR_PKT_SIZE) == (
        2, 14, 16, 18)


def test_sockaddr_pkt_construct_device_padded_protocol_big_endian():
    from netkernel.uapi.if_packet import sockaddr_pkt_pack
    assert sockaddr_pkt_pack(1, b"eth0", 0x88B5) == bytes.fromhex(
        "0100" "65746830" + "00" * 10 + "88b5")


def test_sockaddr_pkt_deconstruct():
    from netkernel.uapi.if_packet import sockaddr_pkt_unpack
    assert sockaddr_pkt_unpack(bytes.fromhex("1100" "6c6f" + "00" * 12 + "0003")) == (
        17, b"lo" + bytes(12), 3)
