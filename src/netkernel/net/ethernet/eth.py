"""Ethernet link layer (net/ethernet/eth.c): header build/parse and eth_type_trans."""
from __future__ import annotations

LINUX_SOURCE = "net/ethernet/eth.c"

from netkernel.net.core.dev import HeaderOps, NetDevice
from netkernel.net.core.skbuff import SkBuff, skb_push
from netkernel.uapi.if_ import IFF_BROADCAST, IFF_MULTICAST, IFF_LOOPBACK, IFF_NOARP
from netkernel.uapi.if_arp import ARPHRD_ETHER
from netkernel.uapi.if_ether import (ETH_ALEN, ETH_DATA_LEN, ETH_HLEN, ETH_H_DEST, ETH_H_PROTO,
                                     ETH_H_SOURCE, ETH_P_802_2, ETH_P_802_3, ETH_P_802_3_MIN)
from netkernel.uapi.if_packet import PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST

BROADCAST = b"\xff" * ETH_ALEN


def eth_header(skb: SkBuff, dev: NetDevice, type: int, daddr: bytes | None, saddr: bytes | None,
               len: int) -> int:
    """eth_header: push dst/src/type; 802.3 and 802.2 get the payload length in the type field.
    Without a destination the header is incomplete (-ETH_HLEN), except on loopback/noarp devices
    where the destination is zeroed."""
    off = skb_push(skb, ETH_HLEN)
    buf = skb.buf
    proto = type if type != ETH_P_802_3 and type != ETH_P_802_2 else len
    buf[off + ETH_H_PROTO:off + ETH_HLEN] = (proto & 0xFFFF).to_bytes(2, "big")
    src = saddr[:ETH_ALEN] if saddr else dev.dev_addr
    buf[off + ETH_H_SOURCE:off + ETH_H_SOURCE + ETH_ALEN] = src
    if daddr is not None:
        buf[off + ETH_H_DEST:off + ETH_H_DEST + ETH_ALEN] = daddr[:ETH_ALEN]
        return ETH_HLEN
    if dev.flags & (IFF_LOOPBACK | IFF_NOARP):
        buf[off + ETH_H_DEST:off + ETH_H_DEST + ETH_ALEN] = bytes(ETH_ALEN)
        return ETH_HLEN
    return -ETH_HLEN


def eth_header_parse(skb: SkBuff) -> bytes:
    """eth_header_parse: the source MAC of the frame at the MAC header."""
    m = skb.mac_header
    return bytes(skb.buf[m + ETH_H_SOURCE:m + ETH_H_SOURCE + ETH_ALEN])


def eth_header_parse_protocol(skb: SkBuff) -> int:
    m = skb.mac_header
    return (skb.buf[m + ETH_H_PROTO] << 8) | skb.buf[m + ETH_H_PROTO + 1]


def eth_type_trans(skb: SkBuff, dev: NetDevice) -> int:
    """eth_type_trans: set pkt_type from the destination MAC (broadcast = the device's broadcast
    address, which is all-zero on lo), pull the header, return the
    protocol (EtherType, or 802.3/802.2 for length-field frames).

    The caller guarantees ETH_HLEN bytes: v5.15 pulls the header unchecked (skb->len would wrap),
    so every receive path drops shorter frames first, with its own counters (ftgmac100_rx_packet:
    RUNT; tun: rx_length_errors; the packet-socket send paths refuse them)."""
    skb.dev = dev
    d = skb.data
    skb.mac_header = d
    buf = skb.buf
    skb.data = d + ETH_HLEN
    if buf[d + ETH_H_DEST] & 1:
        if buf[d + ETH_H_DEST:d + ETH_H_DEST + ETH_ALEN] == dev.broadcast:
            skb.pkt_type = PACKET_BROADCAST
        else:
            skb.pkt_type = PACKET_MULTICAST
    elif buf[d + ETH_H_DEST:d + ETH_H_DEST + ETH_ALEN] != dev.dev_addr:
        skb.pkt_type = PACKET_OTHERHOST
    proto = (buf[d + ETH_H_PROTO] << 8) | buf[d + ETH_H_PROTO + 1]
    if proto >= ETH_P_802_3_MIN:
        return proto
    p = d + ETH_HLEN        # a raw 802.3 payload (IPX) starts with 0xFFFF where LLC would be
    if skb.tail - p >= 2 and buf[p] == 0xFF and buf[p + 1] == 0xFF:
        return ETH_P_802_3
    return ETH_P_802_2


ETH_HEADER_OPS = HeaderOps(create=eth_header, parse=eth_header_parse,
                           parse_protocol=eth_header_parse_protocol)


def ether_setup(dev: NetDevice) -> None:
    """ether_setup: an Ethernet device's link-layer defaults."""
    dev.header_ops = ETH_HEADER_OPS
    dev.type = ARPHRD_ETHER
    dev.hard_header_len = ETH_HLEN
    dev.min_header_len = ETH_HLEN
    dev.mtu = ETH_DATA_LEN
    dev.min_mtu = 68
    dev.max_mtu = ETH_DATA_LEN
    dev.addr_len = ETH_ALEN
    dev.tx_queue_len = 1000
    dev.flags = IFF_BROADCAST | IFF_MULTICAST
    dev.broadcast = BROADCAST
    dev.dev_addr = bytes(ETH_ALEN)
