"""Link kinds (struct rtnl_link_ops, net/core/rtnetlink.c): what `ip link add type KIND` creates."""
from __future__ import annotations

LINUX_SOURCE = "net/core/rtnetlink.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("default_newlink",)

from netkernel.net.core.dev import NetDevice, register_netdevice


class RtnlLinkOps:
    """struct rtnl_link_ops: `setup(dev)` fills a new device; `newlink(net, dev, **kw)` registers it
    (and any partner, as veth does). `live_addr_change`: IFF_LIVE_ADDR_CHANGE."""
    __slots__ = ("kind", "setup", "newlink", "dellink", "live_addr_change")

    def __init__(self, kind: str, setup, newlink=None, dellink=None, live_addr_change=False):
        self.kind = kind
        self.setup = setup
        self.newlink = newlink or default_newlink
        self.dellink = dellink
        self.live_addr_change = live_addr_change


def default_newlink(net, dev: NetDevice, **kw) -> int:
    return register_netdevice(net, dev)


def rtnl_create_link(ops: RtnlLinkOps, name: str) -> NetDevice:
    """rtnl_create_link → alloc_netdev: a device set up by its kind."""
    dev = NetDevice(name)
    dev.link_ops = ops
    ops.setup(dev)
    return dev
