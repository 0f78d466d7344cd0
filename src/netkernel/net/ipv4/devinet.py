"""IPv4 interface addresses (net/ipv4/devinet.c): the parts the interface ioctls reach.

DIVERGENCE(#10): IPv4 addresses are not modelled (no in_device): every device has none, so the
address getters answer EADDRNOTAVAIL and SIOCGIFCONF lists nothing — Linux gives lo 127.0.0.1 as
soon as lo comes up.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/devinet.c"

from netkernel.kernel.sched import ns_capable
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import rtnl_lock, rtnl_unlock
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import IFNAMSIZ, IFR_FLAGS, IFR_IFRU, IFR_NAME, IFR_SHORT, ifr_name
from netkernel.uapi.socket import AF_INET
from netkernel.uapi.sockios import (SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK,
                                    SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
                                    SIOCSIFNETMASK)

SOCKADDR_IN_SIZE = 16


def inet_gifconf(dev, buf: int, length: int, size: int) -> int:
    """inet_gifconf: one ifreq per IPv4 address of the device; bytes written (none here)."""
    return 0


def devinet_ioctl(net, cmd: int, ifr: bytearray) -> int:
    """devinet_ioctl: cut the name at IFNAMSIZ-1 and at an alias ':'; getters answer with an
    AF_INET sockaddr, setters need CAP_NET_ADMIN (EPERM) and an AF_INET address (EINVAL), both
    before the device lookup (ENODEV). SIOCSIFFLAGS on the device itself is dev_change_flags; on
    an alias label it would act on that address (none: EADDRNOTAVAIL). Other requests EINVAL."""
    ifr[IFNAMSIZ - 1] = 0
    sin_family = int.from_bytes(ifr[IFR_IFRU:IFR_IFRU + 2], "little")
    nul = ifr.find(b"\0", IFR_NAME, IFR_NAME + IFNAMSIZ)
    colon = ifr.find(b":", IFR_NAME, nul)
    if colon >= 0:
        ifr[colon] = 0
    if cmd in (SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK):
        ifr[IFR_IFRU:IFR_IFRU + SOCKADDR_IN_SIZE] = AF_INET.to_bytes(2, "little") + bytes(14)
    elif cmd == SIOCSIFFLAGS:
        if not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
    elif cmd in (SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFNETMASK):
        if not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        if sin_family != AF_INET:
            return -E.EINVAL
    else:
        return -E.EINVAL
    dev = net.dev_by_name.get(ifr_name(ifr))
    if colon >= 0:
        ifr[colon] = ord(":")
    if dev is None:
        return -E.ENODEV
    if cmd == SIOCSIFFLAGS:
        if colon >= 0:
            return -E.EADDRNOTAVAIL
        rtnl_lock(net.core)     # devinet_ioctl holds the rtnl lock for the change
        try:
            return netdev.dev_change_flags(dev, IFR_SHORT.unpack_from(ifr, IFR_FLAGS)[0])
        finally:
            rtnl_unlock(net.core)
    if cmd == SIOCSIFADDR:
        return -E.EOPNOTSUPP    # DIVERGENCE(#10): assigning IPv4 addresses is not modelled
    return -E.EADDRNOTAVAIL
