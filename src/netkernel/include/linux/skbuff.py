"""sk_buff helpers defined inline in include/linux/skbuff.h (struct sk_buff: net/core/skbuff.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/skbuff.h"


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
