"""sk_buff helpers defined inline in include/linux/skbuff.h (struct sk_buff: net/core/skbuff.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/skbuff.h"


NET_IP_ALIGN = 2    # the generic value (x86 defines 0); its one caller here is the armv7 AST2500

# skb_shinfo(skb)->tx_flags: which transmit timestamps the frame asks for
SKBTX_HW_TSTAMP = 1 << 0
SKBTX_SW_TSTAMP = 1 << 1
SKBTX_IN_PROGRESS = 1 << 2          # a driver is taking a hardware stamp
SKBTX_WIFI_STATUS = 1 << 4
SKBTX_SCHED_TSTAMP = 1 << 6
SKBTX_ANY_SW_TSTAMP = SKBTX_SW_TSTAMP | SKBTX_SCHED_TSTAMP
SKBTX_ANY_TSTAMP = SKBTX_HW_TSTAMP | SKBTX_ANY_SW_TSTAMP


def alloc_skb(profile, size: int, data_len: int = 0):
    """alloc_skb: __alloc_skb for the machine's profile (one linear head of `size` bytes)."""
    return _skbuff.__alloc_skb(profile, size, data_len)


def skb_reserve(skb, n: int) -> None:
    """skb_reserve: move data and tail `n` bytes on (headroom for the headers pushed later)."""
    skb.data += n
    skb.tail += n


def pskb_trim(skb, length: int) -> int:
    """pskb_trim: cut a longer frame to `length` bytes (__skb_trim: the model's frames are all
    linear, so ___pskb_trim is never needed and the trim cannot fail); a frame no longer than
    `length` is left alone."""
    if length < skb.tail - skb.data:
        skb.tail = skb.data + length
    return 0


def skb_orphan(skb) -> None:
    """Run and clear the owner's destructor (returns charged memory to the socket)."""
    d = skb.destructor
    if d is not None:
        skb.destructor = None
        d(skb)
    skb.sk = None


def netdev_alloc_skb_ip_align(netdev, length: int):
    """netdev_alloc_skb_ip_align: __netdev_alloc_skb's NET_SKB_PAD of headroom, plus NET_IP_ALIGN
    (so the IP header after the 14-byte Ethernet header is 4-byte aligned)."""
    skb = _skbuff.__netdev_alloc_skb(netdev, length + NET_IP_ALIGN)
    skb_reserve(skb, NET_IP_ALIGN)
    return skb


def skb_tx_timestamp(skb) -> None:
    """skb_tx_timestamp: a driver's transmit point. No PHY time stamping in the model
    (skb_clone_tx_timestamp does nothing); a frame that asked for a software stamp gets one."""
    if skb.tx_flags & SKBTX_SW_TSTAMP:
        _skbuff.skb_tstamp_tx(skb, None)


def skb_get_hash(skb, core) -> int:
    """skb_get_hash: the frame's flow hash (the symmetric one: the model keeps no skb->hash)."""
    return _flow.__skb_get_hash_symmetric(skb, core)


def skb_copy_datagram_msg(skb, offset: int, msg, size: int, head: bytes = b"") -> int:
    """skb_copy_datagram_msg: skb_copy_datagram_iter into the message's iterator (after `head`,
    what the caller memcpy_to_msg'd just before, e.g. a vnet header)."""
    return _skbuff._datagram.skb_copy_datagram_iter(skb, offset, msg, size, head)


# net/core/skbuff.c re-exports these inlines and they allocate through it: bound last, as a
# module, so either side may be imported first.
from netkernel.net.core import flow_dissector as _flow  # noqa: E402
from netkernel.net.core import skbuff as _skbuff  # noqa: E402
