"""The AF_INET socket layer (net/ipv4/af_inet.c): only inet_ioctl, which packet_ioctl hands the
IPv4 interface and routing requests to. AF_INET sockets themselves are not modelled."""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/af_inet.c"

from netkernel.kernel.sched import ns_capable
from netkernel.kernel.uaccess import get_user_arg, put_user_arg
from netkernel.net.ipv4.devinet import devinet_ioctl
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import IFREQ_SIZE
from netkernel.uapi.sockios import (SIOCADDRT, SIOCDARP, SIOCDELRT, SIOCGARP, SIOCGIFADDR,
                                    SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK, SIOCSARP,
                                    SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
                                    SIOCSIFNETMASK)

_DEVINET = frozenset({SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCGIFDSTADDR, SIOCSIFADDR,
                      SIOCSIFBRDADDR, SIOCSIFNETMASK, SIOCSIFDSTADDR, SIOCSIFFLAGS})


def inet_ioctl(sock, cmd: int, arg) -> int:
    """inet_ioctl: interface-address requests copy the ifreq in (EFAULT), run devinet_ioctl and
    copy it back on success; route and ARP requests need CAP_NET_ADMIN (EPERM).
    DIVERGENCE(#10): routes and the ARP table are not modelled (EOPNOTSUPP once permitted)."""
    net = sock.sk.sk_net
    if cmd in _DEVINET:
        raw = get_user_arg(arg, IFREQ_SIZE)
        if isinstance(raw, int):
            return raw
        ifr = bytearray(raw)
        err = devinet_ioctl(net, cmd, ifr)
        if not err:
            err = put_user_arg(arg, bytes(ifr))
        return err
    if cmd in (SIOCADDRT, SIOCDELRT, SIOCDARP, SIOCSARP):
        if not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        return -E.EOPNOTSUPP
    if cmd == SIOCGARP:
        return -E.EOPNOTSUPP
    return -E.ENOIOCTLCMD
