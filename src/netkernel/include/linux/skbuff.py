"""sk_buff helpers defined inline in include/linux/skbuff.h (struct sk_buff: net/core/skbuff.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/skbuff.h"

from netkernel.uapi import errno as E

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


def skb_orphan(skb) -> None:
    """Run and clear the owner's destructor (returns charged memory to the socket)."""
    d = skb.destructor
    if d is not None:
        skb.destructor = None
        d(skb)
    skb.sk = None


def netdev_alloc_skb_ip_align(netdev, length: int):
    """netdev_alloc_skb_ip_align: NET_SKB_PAD + NET_IP_ALIGN of headroom before `length` bytes."""
    profile = netdev.nd_net.core.profile
    headroom = max(32, profile.cache_line) + NET_IP_ALIGN   # NET_SKB_PAD: max(32, L1_CACHE_BYTES)
    skb = _skbuff.alloc_skb(profile, headroom + length)
    skb_reserve(skb, headroom)
    skb.dev = netdev
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
    """skb_copy_datagram_msg: `size` bytes of the frame at `offset` for the reader (after `head`,
    what the caller memcpy_to_msg'd just before, e.g. a vnet header): msg.data, and when the
    reader handed its own buffers (msg.iov) they are written now — -EFAULT when one lies in a
    page that cannot be written (the bytes before it are)."""
    start = skb.data + offset
    data = head + bytes(skb.buf[start:start + size])
    msg.data = data
    if msg.iov is None:
        return 0
    msg.iov_done = True
    return 0 if _iov._copy_to_iter(data, msg.iov) == len(data) else -E.EFAULT


# net/core/skbuff.c re-exports these inlines and they allocate through it: bound last, as a
# module, so either side may be imported first.
from netkernel.net.core import flow_dissector as _flow  # noqa: E402
from netkernel.net.core import skbuff as _skbuff  # noqa: E402
from netkernel.lib import iov_iter as _iov  # noqa: E402
