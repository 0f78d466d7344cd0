"""Netlink message builders (include/net/netlink.h)."""
from __future__ import annotations

LINUX_SOURCE = "include/net/netlink.h"

from netkernel.uapi.netlink import NLMSG_ALIGN, NLMSG_HDRLEN, NLMSGHDR


def nlmsg_put(msgtype: int, portid: int, seq: int, flags: int, payload: bytes) -> bytes:
    """nlmsg_put: a netlink header in front of `payload` (padded to NLMSG_ALIGNTO)."""
    body = bytes(payload) + b"\0" * (NLMSG_ALIGN(len(payload)) - len(payload))
    return NLMSGHDR.pack(NLMSG_HDRLEN + len(payload), msgtype, flags, seq, portid) + body
