"""Interface ioctls on sockets (net/core/dev_ioctl.c): the SIOCGIF* requests, on a struct ifreq
the caller's socket syscall copied in (`ifr`, a bytearray of IFREQ_SIZE bytes, updated in place).

DIVERGENCE(#10): only SIOCGIFNAME and SIOCGIFINDEX (what CPython's socket module asks to turn
AF_PACKET addresses into tuples and back) are modelled; other requests answer ENOTTY.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev_ioctl.c"

from netkernel.net.core.dev import dev_get_by_name, netdev_get_name  # noqa: E402
from netkernel.uapi import errno as E  # noqa: E402
from netkernel.uapi.if_ import IFNAMSIZ, IFR_IFINDEX, IFR_NAME  # noqa: E402
from netkernel.uapi.ioctls import SIOCGIFINDEX, SIOCGIFNAME  # noqa: E402
from netkernel.uapi.socket import INT  # noqa: E402


def _ifr_name(ifr: bytearray) -> bytes:
    """ifr_name as a C string: cut at the first NUL (the last byte is always made NUL)."""
    ifr[IFR_NAME + IFNAMSIZ - 1] = 0
    name = bytes(ifr[IFR_NAME:IFR_NAME + IFNAMSIZ])
    return name[:name.index(0)]


def dev_ifname(net, ifr: bytearray) -> int:
    """dev_ifname: SIOCGIFNAME, the ifindex's device name into ifr_name."""
    ifr[IFR_NAME + IFNAMSIZ - 1] = 0
    name = netdev_get_name(net, INT.unpack_from(ifr, IFR_IFINDEX)[0])
    if type(name) is int:
        return name
    raw = name.encode("utf-8", "surrogateescape")
    ifr[IFR_NAME:IFR_NAME + IFNAMSIZ] = raw.ljust(IFNAMSIZ, b"\0")
    return 0


def dev_ifsioc_locked(net, ifr: bytearray, cmd: int, name: bytes) -> int:
    """dev_ifsioc_locked: the device named in ifr_name (ENODEV); SIOCGIFINDEX gives its ifindex."""
    dev = dev_get_by_name(net, name.decode("utf-8", "surrogateescape"))
    if dev is None:
        return -E.ENODEV
    if cmd == SIOCGIFINDEX:
        INT.pack_into(ifr, IFR_IFINDEX, dev.ifindex)
        return 0
    return -E.EINVAL


def dev_ioctl(net, cmd: int, ifr: bytearray) -> int:
    """dev_ioctl: SIOCGIFNAME by index; the other requests name the device in ifr_name, read
    only up to a ':' (an alias label); unknown requests are ENOTTY."""
    if cmd == SIOCGIFNAME:
        return dev_ifname(net, ifr)
    name = _ifr_name(ifr)
    colon = name.find(b":")
    if colon >= 0:
        name = name[:colon]
    if cmd == SIOCGIFINDEX:
        return dev_ifsioc_locked(net, ifr, cmd, name)
    return -E.ENOTTY
