"""Between struct virtio_net_hdr and the sk_buff (include/linux/virtio_net.h): what a
PACKET_VNET_HDR socket's header asks of a frame it sends, and reports of one it receives."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/virtio_net.h"

from netkernel.net.core.skbuff import CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY
from netkernel.uapi import errno as E
from netkernel.uapi.virtio_net import (VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_F_NEEDS_CSUM,
                                       VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_NONE,
                                       VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6,
                                       VIRTIO_NET_HDR_GSO_UDP, VIRTIO_NET_HDR_SIZE,
                                       virtio_net_hdr_pack)

_GSO_THLEN = {VIRTIO_NET_HDR_GSO_TCPV4: 20, VIRTIO_NET_HDR_GSO_TCPV6: 20, VIRTIO_NET_HDR_GSO_UDP: 8}


def virtio_net_hdr_to_skb(skb, hdr, headlen: int) -> int:
    """virtio_net_hdr_to_skb: a known GSO type needs a gso_size; a checksum request must lie
    inside the linear data (it makes the skb CHECKSUM_PARTIAL)."""
    flags, gso_type, _, gso_size, start, off = hdr
    thlen = 0
    if gso_type != VIRTIO_NET_HDR_GSO_NONE:
        thlen = _GSO_THLEN.get(gso_type & ~VIRTIO_NET_HDR_GSO_ECN)
        if thlen is None or gso_size == 0:
            return -E.EINVAL
    # DIVERGENCE(#2): GSO frames are accepted but not segmented, and a GSO frame without a
    # checksum request is not dissected (5.15 checks its transport header).
    if flags & VIRTIO_NET_HDR_F_NEEDS_CSUM:
        n = skb.tail - skb.data
        if start + max(thlen, off + 2) > n:
            return -E.EINVAL
        if start + off + 2 > headlen or (skb.data - skb.head) + start > 0xFFFF:
            return -E.EINVAL
        if start + thlen > n:
            return -E.EINVAL
        skb.ip_summed = CHECKSUM_PARTIAL
        skb.csum_start = skb.data + start
        skb.csum_offset = off
    return 0


def virtio_net_hdr_from_skb(skb) -> bytes:
    """virtio_net_hdr_from_skb: no GSO; a CHECKSUM_PARTIAL frame reports where to checksum."""
    if skb.ip_summed == CHECKSUM_PARTIAL:
        return virtio_net_hdr_pack(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 0, 0,
                                   skb.csum_start - skb.data, skb.csum_offset)
    if skb.ip_summed == CHECKSUM_UNNECESSARY:
        return virtio_net_hdr_pack(VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0)
    return bytes(VIRTIO_NET_HDR_SIZE)
