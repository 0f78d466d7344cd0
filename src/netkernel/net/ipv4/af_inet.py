"""The AF_INET socket layer (net/ipv4/af_inet.c): inet_ioctl, which packet_ioctl hands the IPv4
interface and routing requests to, and inet_init, which sets IPv4 up on a machine (addresses,
routing tables, /proc/net/route). AF_INET sockets themselves are not modelled."""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/af_inet.c"

from netkernel.kernel.sched import ns_capable
from netkernel.kernel.uaccess import get_user_arg, put_user_arg
from netkernel.net.core.net_procfs import proc_create_net
from netkernel.net.ipv4.devinet import devinet_init, devinet_ioctl
from netkernel.net.ipv4.fib_frontend import ip_fib_init, ip_rt_ioctl
from netkernel.net.ipv4.fib_trie import fib_route_seq_show
from netkernel.net.ipv4.route import ip_rt_init
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import IFREQ_SIZE
from netkernel.uapi.sockios import RTENTRY_SIZE
from netkernel.uapi.sockios import (SIOCADDRT, SIOCDARP, SIOCDELRT, SIOCGARP, SIOCGIFADDR,
                                    SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK, SIOCSARP,
                                    SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
                                    SIOCSIFNETMASK)

_DEVINET = frozenset({SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCGIFDSTADDR, SIOCSIFADDR,
                      SIOCSIFBRDADDR, SIOCSIFNETMASK, SIOCSIFDSTADDR, SIOCSIFFLAGS})


def inet_ioctl(sock, cmd: int, arg) -> int:
    """inet_ioctl: interface-address requests copy the ifreq in (EFAULT), run devinet_ioctl and
    copy it back on success; SIOCADDRT/SIOCDELRT copy the struct rtentry in (EFAULT) and run
    ip_rt_ioctl; ARP requests need CAP_NET_ADMIN (EPERM).
    DIVERGENCE(#10): the ARP table is not modelled (EOPNOTSUPP once permitted)."""
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
    if cmd in (SIOCADDRT, SIOCDELRT):
        raw = get_user_arg(arg, RTENTRY_SIZE)
        if isinstance(raw, int):
            return raw
        return ip_rt_ioctl(net, cmd, raw)
    if cmd in (SIOCDARP, SIOCSARP):
        if not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        return -E.EOPNOTSUPP
    if cmd == SIOCGARP:
        return -E.EOPNOTSUPP
    return -E.ENOIOCTLCMD


def inet_init(core) -> None:
    """inet_init: IPv4 on the machine — ip_rt_init, which sets up devinet (addresses) and then
    the FIB — and /proc/net/route."""
    ip_rt_init(core)
    devinet_init(core)
    ip_fib_init(core)
    proc_create_net("route", fib_route_seq_show)
