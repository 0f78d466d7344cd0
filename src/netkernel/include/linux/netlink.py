"""The extended ack of a netlink request (include/linux/netlink.h: struct netlink_ext_ack,
NL_SET_ERR_MSG).

Functions on the link-management path name what was wrong with NL_SET_ERR_MSG, as in Linux;
the text reaches user space only when the request came from a netlink socket (af_netlink sets
up an ext_ack for the request's duration: netlink_ext_ack_begin/end), else it goes nowhere.
"""
from __future__ import annotations

import threading

LINUX_SOURCE = "include/linux/netlink.h"
MODEL_HELPERS = ("netlink_ext_ack_begin", "netlink_ext_ack_end")

_tls = threading.local()


class NetlinkExtAck:
    """struct netlink_ext_ack: the message (None: no message)."""
    __slots__ = ("_msg",)

    def __init__(self):
        self._msg = None


def NL_SET_ERR_MSG(msg: str) -> None:
    """Record `msg` for the running netlink request, if there is one (the last one wins)."""
    ext = getattr(_tls, "extack", None)
    if ext is not None:
        ext._msg = msg


def netlink_ext_ack_begin() -> NetlinkExtAck:
    ext = _tls.extack = NetlinkExtAck()
    return ext


def netlink_ext_ack_end() -> None:
    _tls.extack = None
