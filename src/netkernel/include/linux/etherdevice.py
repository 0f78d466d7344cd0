"""Ethernet helpers Linux 5.15 defines inline in include/linux/etherdevice.h."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/etherdevice.h"

from netkernel.uapi.if_ether import ETH_ZLEN


def eth_skb_pad(skb) -> int:
    """eth_skb_pad: zero-pad a frame shorter than ETH_ZLEN (the MAC does not pad)."""
    n = skb.tail - skb.data
    if n < ETH_ZLEN:
        pad = ETH_ZLEN - n
        if skb.end - skb.tail < pad:
            skb.buf = bytearray(skb.buf) + bytearray(pad)   # pskb_expand_head
            skb.end = len(skb.buf)
        else:
            skb.buf = bytearray(skb.buf)    # the data may be shared with clones: unshare first
        skb.buf[skb.tail:skb.tail + pad] = bytes(pad)
        skb.tail += pad
    return 0
