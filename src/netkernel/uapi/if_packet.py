"""Packet-socket ABI: include/uapi/linux/if_packet.h (x86_64 layouts)."""
import struct

SOL_PACKET = 263

PACKET_HOST = 0
PACKET_BROADCAST = 1
PACKET_MULTICAST = 2
PACKET_OTHERHOST = 3
PACKET_OUTGOING = 4
PACKET_LOOPBACK = 5
PACKET_USER = 6
PACKET_KERNEL = 7

PACKET_ADD_MEMBERSHIP = 1
PACKET_DROP_MEMBERSHIP = 2
PACKET_RECV_OUTPUT = 3
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_COPY_THRESH = 7
PACKET_AUXDATA = 8
PACKET_ORIGDEV = 9
PACKET_VERSION = 10
PACKET_HDRLEN = 11
PACKET_RESERVE = 12
PACKET_TX_RING = 13
PACKET_LOSS = 14
PACKET_VNET_HDR = 15
PACKET_TX_TIMESTAMP = 16
PACKET_TIMESTAMP = 17
PACKET_FANOUT = 18
PACKET_TX_HAS_OFF = 19
PACKET_QDISC_BYPASS = 20
PACKET_ROLLOVER_STATS = 21
PACKET_FANOUT_DATA = 22
PACKET_IGNORE_OUTGOING = 23

TPACKET_V1 = 0
TPACKET_V2 = 1
TPACKET_V3 = 2

# tp_status of an RX frame / V3 block
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 0x1
TP_STATUS_COPY = 0x2
TP_STATUS_LOSING = 0x4
TP_STATUS_CSUMNOTREADY = 0x8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_BLK_TMO = 0x20
TP_STATUS_VLAN_TPID_VALID = 0x40
TP_STATUS_CSUM_VALID = 0x80
# tp_status of a TX frame
TP_STATUS_AVAILABLE = 0
TP_STATUS_SEND_REQUEST = 0x1
TP_STATUS_SENDING = 0x2
TP_STATUS_WRONG_FORMAT = 0x4
# where the timestamp came from (RX, and TX after transmission)
TP_STATUS_TS_SOFTWARE = 1 << 29
TP_STATUS_TS_SYS_HARDWARE = 1 << 30
TP_STATUS_TS_RAW_HARDWARE = 1 << 31
# tpacket_req3.tp_feature_req_word
TP_FT_REQ_FILL_RXHASH = 0x1

TPACKET_ALIGNMENT = 16


def TPACKET_ALIGN(x: int) -> int:
    """TPACKET_ALIGN: round up to TPACKET_ALIGNMENT."""
    return (x + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1)


# struct tpacket_req (V1/V2 rings, and the first 16 bytes of tpacket_req3):
# tp_block_size, tp_block_nr, tp_frame_size, tp_frame_nr (u32 each)
TPACKET_REQ = struct.Struct("=IIII")
TPACKET_REQ_SIZE = 16
# struct tpacket_req3: + tp_retire_blk_tov, tp_sizeof_priv, tp_feature_req_word
TPACKET_REQ3 = struct.Struct("=IIIIIII")
TPACKET_REQ3_SIZE = 28

# struct tpacket_hdr (TPACKET_V1): tp_status is an unsigned long (8 bytes on x86_64)
TPACKET_HDR = struct.Struct("=QIIHHII4x")     # status, len, snaplen, mac, net, sec, usec
TPACKET_HDR_SIZE = 32
TP1_STATUS, TP1_LEN, TP1_SNAPLEN, TP1_MAC, TP1_NET, TP1_SEC, TP1_USEC = 0, 8, 12, 16, 18, 20, 24
TP1_STATUS_FMT = struct.Struct("=Q")

# struct tpacket2_hdr (TPACKET_V2)
TPACKET2_HDR = struct.Struct("=IIIHHIIHH4x")  # status, len, snaplen, mac, net, sec, nsec, tci, tpid
TPACKET2_HDR_SIZE = 32
(TP2_STATUS, TP2_LEN, TP2_SNAPLEN, TP2_MAC, TP2_NET, TP2_SEC, TP2_NSEC, TP2_VLAN_TCI,
 TP2_VLAN_TPID, TP2_PADDING) = 0, 4, 8, 12, 14, 16, 20, 24, 26, 28

# struct tpacket3_hdr (TPACKET_V3), with its hv1 union member (struct tpacket_hdr_variant1)
TPACKET3_HDR = struct.Struct("=IIIIIIHHIIHH8x")  # next_offset, sec, nsec, snaplen, len, status,
#                                                  mac, net, rxhash, vlan_tci, vlan_tpid, pad
TPACKET3_HDR_SIZE = 48
(TP3_NEXT_OFFSET, TP3_SEC, TP3_NSEC, TP3_SNAPLEN, TP3_LEN, TP3_STATUS, TP3_MAC, TP3_NET,
 TP3_RXHASH, TP3_VLAN_TCI, TP3_VLAN_TPID, TP3_HV1_PADDING, TP3_PADDING) = (
    0, 4, 8, 12, 16, 20, 24, 26, 28, 32, 36, 38, 40)

# TPACKET_HDRLEN / TPACKET2_HDRLEN / TPACKET3_HDRLEN: the aligned header plus a sockaddr_ll
TPACKET_HDRLEN = 52
TPACKET2_HDRLEN = 52
TPACKET3_HDRLEN = 68

# struct tpacket_block_desc: version, offset_to_priv, then struct tpacket_hdr_v1 (bh1):
# block_status, num_pkts, offset_to_first_pkt, blk_len, seq_num (u64), ts_first_pkt, ts_last_pkt
TPACKET_BLOCK_DESC = struct.Struct("=IIIIIIQIIII")
TPACKET_BLOCK_DESC_SIZE = 48
(BD_VERSION, BD_OFFSET_TO_PRIV, BD_BLOCK_STATUS, BD_NUM_PKTS, BD_OFFSET_TO_FIRST_PKT,
 BD_BLK_LEN, BD_SEQ_NUM, BD_TS_FIRST_SEC, BD_TS_FIRST_NSEC, BD_TS_LAST_SEC,
 BD_TS_LAST_NSEC) = 0, 4, 8, 12, 16, 20, 24, 32, 36, 40, 44

# struct tpacket_stats_v3: tp_packets, tp_drops, tp_freeze_q_cnt
TPACKET_STATS_V3 = struct.Struct("=III")
TPACKET_STATS_V3_SIZE = 12

# struct sockaddr_ll: family u16, protocol __be16, ifindex s32, hatype u16, pkttype u8, halen u8, addr[8]
SOCKADDR_LL_SIZE = 20
SOCKADDR_LL_ADDR_OFFSET = 12
_SLL_HEAD = struct.Struct("<H2siHBB")  # the first 12 bytes; protocol kept as its 2 wire bytes


def sockaddr_ll_pack(protocol: int, ifindex: int, hatype: int, pkttype: int, halen: int,
                     addr: bytes, family: int = 17) -> bytes:
    """struct sockaddr_ll head (12 bytes) + addr; `protocol` is the EtherType value (host order)."""
    return _SLL_HEAD.pack(family, protocol.to_bytes(2, "big"), ifindex, hatype, pkttype, halen) + addr


# struct packet_skb_cb (net/packet/internal.h → af_packet.c): a union of sockaddr_pkt and
# {unsigned int origlen; struct sockaddr_ll ll;} — origlen shares its four bytes with
# sll_family (@0) and sll_protocol (@2).
PACKET_SKB_CB_ORIGLEN = struct.Struct("<I")     # at offset 0 of the union


def packet_cb_origlen_alias(protocol: int, family: int = 17) -> int:
    """The u32 origlen reads once sll_family and sll_protocol (host-order EtherType, stored
    big-endian) were written over it."""
    return PACKET_SKB_CB_ORIGLEN.unpack_from(
        _SLL_HEAD.pack(family, protocol.to_bytes(2, "big"), 0, 0, 0, 0), 0)[0]


def sockaddr_ll_unpack(buf: bytes) -> tuple[int, int, int, int, int, int, bytes]:
    """(family, protocol, ifindex, hatype, pkttype, halen, addr[8]) from a 20-byte sockaddr_ll;
    protocol is returned as the EtherType value (host order)."""
    fam, proto, ifindex, hatype, pkttype, halen = _SLL_HEAD.unpack_from(buf, 0)
    return fam, int.from_bytes(proto, "big"), ifindex, hatype, pkttype, halen, bytes(buf[12:20])


# struct sockaddr_pkt (SOCK_PACKET): family, the device's name, the protocol (__be16)
SPKT_DEVICE_OFFSET = 2
SPKT_DEVICE_SIZE = 14
SPKT_PROTOCOL_OFFSET = 16
SOCKADDR_PKT_SIZE = 18
_SPKT = struct.Struct("<H14s2s")


def sockaddr_pkt_pack(family: int, device: bytes, protocol: int) -> bytes:
    """struct sockaddr_pkt; `device` is NUL-padded to 14 bytes, `protocol` goes big-endian."""
    return _SPKT.pack(family, device, protocol.to_bytes(2, "big"))


def sockaddr_pkt_unpack(buf) -> tuple[int, bytes, int]:
    """(spkt_family, spkt_device[14], spkt_protocol as a host-order value)."""
    fam, dev, proto = _SPKT.unpack_from(buf)
    return fam, dev, int.from_bytes(proto, "big")


def proto_from_user(protocol: int) -> int:
    """The EtherType a little-endian caller means by a __be16 `protocol` argument (low 16 bits)."""
    p = protocol & 0xFFFF
    return ((p & 0xFF) << 8) | (p >> 8)


PACKET_MR_MULTICAST = 0
PACKET_MR_PROMISC = 1
PACKET_MR_ALLMULTI = 2
PACKET_MR_UNICAST = 3

# struct packet_mreq: mr_ifindex s32, mr_type u16, mr_alen u16, mr_address[8]; the kernel reads
# up to struct packet_mreq_max (32-byte address, 40 bytes in all).
PACKET_MREQ = struct.Struct("=iHH")
PACKET_MREQ_SIZE = 16
PACKET_MREQ_MAX_SIZE = 40
PACKET_MREQ_ADDR_OFFSET = 8

TPACKET_HDR_SIZES = {0: 32, 1: 32, 2: 48}   # sizeof tpacket_hdr / tpacket2_hdr / tpacket3_hdr

# struct virtio_net_hdr lives in netkernel.uapi.virtio_net (include/uapi/linux/virtio_net.h)
from netkernel.uapi.virtio_net import (  # noqa: E402,F401
                                       VIRTIO_NET_HDR, VIRTIO_NET_HDR_F_DATA_VALID,
                                       VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_ECN,
                                       VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_TCPV4,
                                       VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_HDR_GSO_UDP,
                                       VIRTIO_NET_HDR_SIZE)

# struct tpacket_stats / tpacket_auxdata
TPACKET_STATS = struct.Struct("=II")
TPACKET_AUXDATA = struct.Struct("=IIIHHHH")

# PACKET_FANOUT modes and flags (the flags sit in the high byte of the 16-bit type_flags)
PACKET_FANOUT_HASH = 0
PACKET_FANOUT_LB = 1
PACKET_FANOUT_CPU = 2
PACKET_FANOUT_ROLLOVER = 3
PACKET_FANOUT_RND = 4
PACKET_FANOUT_QM = 5
PACKET_FANOUT_CBPF = 6
PACKET_FANOUT_EBPF = 7
PACKET_FANOUT_FLAG_ROLLOVER = 0x1000
PACKET_FANOUT_FLAG_UNIQUEID = 0x2000
PACKET_FANOUT_FLAG_DEFRAG = 0x8000
PACKET_FANOUT_MAX = 1 << 16

# struct fanout_args: id u16, type_flags u16, max_num_members u32 (the legacy form is one int:
# id in bits 0-15, type_flags in bits 16-31, which is the same first 4 bytes)
FANOUT_ARGS = struct.Struct("<HHI")
FANOUT_ARGS_SIZE = 8

# struct tpacket_rollover_stats: tp_all, tp_huge, tp_failed (u64 each)
TPACKET_ROLLOVER_STATS = struct.Struct("=QQQ")
