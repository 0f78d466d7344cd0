"""struct net (include/net/net_namespace.h) and namespace creation (net/core/net_namespace.c)."""
from __future__ import annotations

LINUX_SOURCE = "net/core/net_namespace.c"

import itertools

from netkernel.kernel.capability import capable
from netkernel.uapi.capability import CAP_SYS_ADMIN
from netkernel.uapi.errno import EPERM

_net_cookie = itertools.count(1)   # net_cookie: one increasing 64-bit counter for all namespaces


class Net:
    """struct net: devices by name and index, the ifindex allocator, the loopback device."""
    __slots__ = ("name", "core", "dev_by_name", "dev_by_index", "ifindex", "loopback_dev",
                 "packet_sklist", "packet_fanouts", "nl_table",
                 "net_cookie", "ipv4", "ipv6")

    def __init__(self, core, name: str):
        self.name = name
        self.core = core              # NetCore: machine-wide lists (ptype_all, notifiers, sysctls)
        self.dev_by_name: dict = {}
        self.dev_by_index: dict = {}
        self.ifindex = 0              # last ifindex handed out (dev_new_index)
        self.loopback_dev = None
        self.packet_sklist: list = []  # net->packet.sklist
        self.packet_fanouts: dict = {}  # af_packet.c fanout_list entries of this netns, by id
        self.nl_table: dict = {}      # af_netlink.c nl_table: (protocol, portid) → bound socket
        self.net_cookie = next(_net_cookie)   # preinit_net: gen_cookie_next(&net_cookie)
        self.ipv4 = None              # struct netns_ipv4 (net/ipv4/fib_frontend.py: fib tables)
        self.ipv6 = None              # struct netns_ipv6 (net/ipv6/addrconf.py: devconf, fib6)

    def dev_new_index(self) -> int:
        """dev_new_index (net/core/dev.c): the next free index after the last one handed out."""
        while True:
            self.ifindex += 1
            if self.ifindex <= 0:
                self.ifindex = 1
            if self.ifindex not in self.dev_by_index:
                return self.ifindex

    def __repr__(self) -> str:
        return f"<net {self.name}>"


def register_pernet_device(core, init) -> None:
    """register_pernet_device: `init(net)` runs for every namespace created from now on (the
    loopback device's loopback_net_init is one)."""
    core.pernet_list.append(init)


def setup_net(core, name: str) -> Net:
    """setup_net: a new struct net, with every pernet init run on it in registration order."""
    net = Net(core, name)
    for init in core.pernet_list:
        init(net)
    core.nets.append(net)
    return net


def copy_net_ns(task, name: str) -> Net | int:
    """unshare(CLONE_NEWNET) → unshare_nsproxy_namespaces → copy_net_ns: creating a network
    namespace needs CAP_SYS_ADMIN (EPERM), then setup_net builds it. The caller is not moved into
    it: the model names the namespace, as `ip netns add NAME` pins it at /run/netns/NAME."""
    if not capable(CAP_SYS_ADMIN):
        return -EPERM
    return setup_net(task.net.core, name)
