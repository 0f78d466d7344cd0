"""SO_REUSEPORT groups (net/core/sock_reuseport.c): what their programs' attach and detach answer.

DIVERGENCE(#11): reuseport groups are not modelled. Every socket answers as a hashed socket
without a group, which is what Linux answers for a packet socket (hashed on
net->packet.sklist from its creation, and never given a group). An unhashed socket with
SO_REUSEPORT set (an unbound netlink socket, say) would get a group from reuseport_alloc in Linux.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/sock_reuseport.c"

from netkernel.uapi import errno as E
from netkernel.uapi.socket import SO_REUSEPORT


def reuseport_attach_prog(sk, prog) -> int:
    """reuseport_attach_prog: a hashed socket without a reuseport group (sk_reuseport_cb) was not
    bound with SO_REUSEPORT: EINVAL."""
    return -E.EINVAL


def reuseport_detach_prog(sk) -> int:
    """reuseport_detach_prog: no group: ENOENT when SO_REUSEPORT is on, else EINVAL."""
    return -E.ENOENT if SO_REUSEPORT in sk.sk_flags else -E.EINVAL
