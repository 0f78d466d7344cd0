"""The AF_INET6 family's setup (net/ipv6/af_inet6.c): inet6_init brings up addrconf, the IPv6
routes and their /proc/net files. AF_INET6 sockets themselves are not modelled."""
from __future__ import annotations

LINUX_SOURCE = "net/ipv6/af_inet6.c"

from netkernel.net.core.net_procfs import proc_create_net
from netkernel.net.ipv6.addrconf import addrconf_init, if6_seq_show
from netkernel.net.ipv6.ip6_fib import ipv6_route_native_seq_show
from netkernel.net.ipv6.route import ip6_route_init


def inet6_init(core) -> None:
    """inet6_init: ip6_route_init, addrconf_init, /proc/net/if_inet6 and /proc/net/ipv6_route."""
    ip6_route_init(core)
    addrconf_init(core)
    proc_create_net("if_inet6", if6_seq_show)
    proc_create_net("ipv6_route", ipv6_route_native_seq_show)
