"""Netlink attributes (lib/nlattr.c)."""
from __future__ import annotations

LINUX_SOURCE = "lib/nlattr.c"

from netkernel.uapi.netlink import NLA_ALIGN, NLA_HDRLEN, NLATTR


def nla_put(out: bytearray, attrtype: int, payload: bytes) -> None:
    """nla_put: one attribute, its payload padded to NLA_ALIGNTO."""
    out += NLATTR.pack(NLA_HDRLEN + len(payload), attrtype)
    out += payload
    out += b"\0" * (NLA_ALIGN(len(payload)) - len(payload))
