"""Control messages (net/core/scm.c)."""
from __future__ import annotations

LINUX_SOURCE = "net/core/scm.c"

from netkernel.uapi.socket import CMSGHDR, MSG_CTRUNC, cmsg_space


def put_cmsg(msg, level: int, type: int, data: bytes) -> None:
    """put_cmsg: append a control message; a caller's control buffer too small for the header
    gets nothing, one too small for the data gets it cut — both set MSG_CTRUNC."""
    room = msg.controllen - msg.control_used
    if room < CMSGHDR.size:
        msg.flags |= MSG_CTRUNC
        return
    if room < CMSGHDR.size + len(data):
        msg.flags |= MSG_CTRUNC
        data = data[:room - CMSGHDR.size]
    if msg.control is None:
        msg.control = []
    msg.control.append((level, type, data))
    msg.control_used += min(cmsg_space(len(data)), room)
