"""Ethernet address helpers (include/linux/etherdevice.h): address classes and random addresses."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/etherdevice.h"

from netkernel.uapi.if_ether import ETH_ALEN, ETH_ZLEN


def is_zero_ether_addr(addr: bytes) -> bool:
    return not any(addr[:ETH_ALEN])


def is_multicast_ether_addr(addr: bytes) -> bool:
    """The group bit: the least significant bit of the first octet (broadcast included)."""
    return bool(addr[0] & 0x01)


def is_valid_ether_addr(addr: bytes) -> bool:
    """is_valid_ether_addr: a station may use it — neither multicast/broadcast nor all zero."""
    return len(addr) >= ETH_ALEN and not is_multicast_ether_addr(addr) and not is_zero_ether_addr(addr)


def eth_random_addr(rng) -> bytes:
    """eth_random_addr: random bytes with the group bit cleared and the locally-administered bit
    set. `rng` is the machine's random source (get_random_bytes), so addresses are reproducible."""
    b = bytearray(rng.getrandbits(8) for _ in range(ETH_ALEN))
    b[0] = (b[0] & 0xFE) | 0x02
    return bytes(b)


def eth_hw_addr_random(dev, rng) -> None:
    """eth_hw_addr_random: give the device a random address (NET_ADDR_RANDOM)."""
    dev.dev_addr = eth_random_addr(rng)


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
