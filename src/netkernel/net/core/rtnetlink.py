"""Link management (net/core/rtnetlink.c): the one path every link change takes.

A request is an IfInfoMsg — struct ifinfomsg and its IFLA_* attributes, already parsed — handed to
rtnetlink_rcv_msg(task, RTM_NEWLINK | RTM_SETLINK | RTM_DELLINK, msg, nlmsg_flags) on the machine
(under its lock, with `task` current). The Python API (`k.link_add/link_set/link_del`, and
through it topology files and `netkernel ip`) builds the IfInfoMsg from keywords — type errors
and a malformed address string are its TypeError/ValueError, before any of this runs; a
NETLINK_ROUTE socket builds it from the message's attributes (IFLA_IFNAME → ifname, IFLA_MTU → mtu, IFLA_ADDRESS →
address, IFLA_NET_NS_FD/PID → net, IFLA_LINKINFO/IFLA_INFO_KIND → kind, IFLA_INFO_DATA → data,
veth's VETH_INFO_PEER → data["peer"], an IfInfoMsg of its own). An empty IFLA_IFNAME is absent.
The netlink layer keeps its own policy checks (an IFLA_IFNAME of IFNAMSIZ bytes or more is ERANGE
there, before these functions run); everything below is what rtnl_newlink/rtnl_setlink/
rtnl_dellink decide.

Validate first, commit second. Each handler checks everything — capability, names
(dev_valid_name, "%d" templates, names in use), kind, MTU against the device's min/max (a veth
peer's too), address length and class, the target namespace — before it changes anything, so a
rejected request leaves the machine as it was, its random source included. The checks run in
Linux's order, so the errno is Linux's when several things are wrong.
DIVERGENCE(#8): Linux finds some of these only after registering part of the request (a veth
peer is registered, then unregistered when the other name is taken); the unwound registration
uses up an ifindex and sends notifications there, not here.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/rtnetlink.c"
MODEL_HELPERS = ("eth_validate_linkmsg", "default_newlink")   # not kernel functions (netkernel.trace)

from netkernel.include.linux.etherdevice import eth_hw_addr_random, is_valid_ether_addr
from netkernel.kernel.capability import capable
from netkernel.net.core.dev import (NETREG_REGISTERED, NetDevice, dev_can_change_net_namespace,
                                    dev_change_flags, dev_change_net_namespace, dev_get_by_index,
                                    dev_get_by_name, dev_set_mac_address, dev_set_mtu,
                                    dev_validate_mac_address, dev_validate_mtu, register_netdevice,
                                    unregister_netdevice)
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.errno import EADDRNOTAVAIL, EEXIST, EINVAL, ENODEV, EOPNOTSUPP, EPERM
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.if_arp import ARPHRD_ETHER
from netkernel.uapi.netlink import NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE
from netkernel.uapi.rtnetlink import RTM_BASE, RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK

RTNL_KIND_GET = 2       # rtnetlink_rcv_msg: (type - RTM_BASE) & 3 — NEW 0, DEL 1, GET 2, SET 3


class IfInfoMsg:
    """One link request: struct ifinfomsg (ifi_index, ifi_flags, ifi_change) and its IFLA_*
    attributes. None means "attribute absent". `net` is the target namespace (a struct net);
    `data` the kind's IFLA_INFO_DATA as a dict (veth: {"peer": IfInfoMsg}; tap: host_ifname,
    host_netns; qemu: netdev)."""
    __slots__ = ("ifi_index", "ifi_flags", "ifi_change", "ifname", "kind", "mtu", "address",
                 "net", "data")

    def __init__(self, ifname: str | None = None, *, ifi_index: int = 0, ifi_flags: int = 0,
                 ifi_change: int = 0, kind: str | None = None, mtu: int | None = None,
                 address: bytes | None = None, net=None, data: dict | None = None):
        self.ifi_index = ifi_index
        self.ifi_flags = ifi_flags
        self.ifi_change = ifi_change
        self.ifname = ifname
        self.kind = kind
        self.mtu = mtu
        self.address = address
        self.net = net
        self.data = data

    def __repr__(self) -> str:
        attrs = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__
                          if getattr(self, k) not in (None, 0))
        return f"IfInfoMsg({attrs})"


class RtnlLinkOps:
    """struct rtnl_link_ops: what `ip link add type KIND` creates.
    `setup(dev)` fills a new device; `validate(msg, data)` checks the request's attributes before
    anything else (-errno); `newlink(src_net, dev, msg, data)` checks what is left and registers
    the device (and any partner, as veth does) in dev.nd_net — validating before it registers;
    `dellink(dev)` removes it. `policy`: the IFLA_INFO_DATA keys the kind takes.
    `live_addr_change`: IFF_LIVE_ADDR_CHANGE (the address may change while the device is up)."""
    __slots__ = ("kind", "setup", "validate", "newlink", "dellink", "policy", "live_addr_change")

    def __init__(self, kind: str, setup, newlink=None, dellink=None, validate=None,
                 policy: tuple = (), live_addr_change=False):
        self.kind = kind
        self.setup = setup
        self.validate = validate
        self.newlink = newlink or default_newlink
        self.dellink = dellink or unregister_netdevice
        self.policy = tuple(policy)
        self.live_addr_change = live_addr_change


def default_newlink(src_net, dev: NetDevice, msg: IfInfoMsg, data: dict) -> int:
    """No newlink of its own: register_netdevice (which checks the name first)."""
    return register_netdevice(dev.nd_net, dev, dev.ifindex)


# ---------------------------------------------------------------- kinds

def rtnl_link_register(core, ops: RtnlLinkOps) -> int:
    """rtnl_link_register: make a kind known to the machine; a kind registered twice is EEXIST."""
    if ops.kind in core.link_ops:
        return -EEXIST
    core.link_ops[ops.kind] = ops
    return 0


def rtnl_link_unregister(core, ops: RtnlLinkOps) -> None:
    """rtnl_link_unregister: delete every device of the kind, then forget the kind."""
    for net in list(core.nets):
        for dev in list(net.dev_by_index.values()):
            if dev.link_ops is ops and dev.reg_state == NETREG_REGISTERED:
                ops.dellink(dev)
    core.link_ops.pop(ops.kind, None)


def rtnl_link_ops_get(core, kind: str) -> RtnlLinkOps | None:
    return core.link_ops.get(kind)


# ---------------------------------------------------------------- shared steps

def rtnl_dev_get(net, msg: IfInfoMsg):
    """The device a request names: by ifi_index when positive, else by IFLA_IFNAME."""
    if msg.ifi_index > 0:
        return dev_get_by_index(net, msg.ifi_index)
    if msg.ifname:
        return dev_get_by_name(net, msg.ifname)
    return None


def validate_linkmsg(dev: NetDevice | None, msg: IfInfoMsg) -> int:
    """validate_linkmsg: an IFLA_ADDRESS for an existing device holds at least addr_len bytes."""
    if dev is not None and msg.address is not None and len(msg.address) < dev.addr_len:
        return -EINVAL
    return 0


def eth_validate_linkmsg(msg: IfInfoMsg) -> int:
    """The validate hook of Ethernet kinds (veth_validate, dummy_validate): IFLA_ADDRESS exactly
    ETH_ALEN bytes (EINVAL) and a unicast, non-zero address (EADDRNOTAVAIL)."""
    if msg.address is not None:
        if len(msg.address) != 6:
            return -EINVAL
        if not is_valid_ether_addr(msg.address):
            return -EADDRNOTAVAIL
    return 0


def rtnl_create_link(net, ifname: str, ops: RtnlLinkOps, msg: IfInfoMsg | None) -> NetDevice | int:
    """rtnl_create_link → alloc_netdev: a device set up by its kind, in `net`, not registered.
    Ethernet kinds get a random address from the machine's random source (eth_hw_addr_random in
    their setup/newlink); IFLA_MTU is checked against the device's range (dev_validate_mtu);
    IFLA_MTU and IFLA_ADDRESS are applied. Nothing is visible until the device is registered."""
    dev = NetDevice(ifname)
    dev.link_ops = ops
    ops.setup(dev)
    dev.nd_net = net                  # dev_net_set
    if dev.type == ARPHRD_ETHER and dev.addr_len:
        eth_hw_addr_random(dev, net.core.random)
    if msg is None:
        return dev
    if msg.mtu is not None:
        err = dev_validate_mtu(dev, msg.mtu)
        if err:
            return err
        dev.mtu = msg.mtu
    if msg.address is not None:
        if len(msg.address) < dev.addr_len:
            return -EINVAL
        if dev.type == ARPHRD_ETHER and not is_valid_ether_addr(msg.address):
            return -EADDRNOTAVAIL
        dev.dev_addr = bytes(msg.address[:dev.addr_len])
    if msg.ifi_index > 0:
        dev.ifindex = msg.ifi_index
    return dev


def rtnl_dev_combine_flags(dev: NetDevice, msg: IfInfoMsg) -> int:
    """rtnl_dev_combine_flags: the bits of ifi_change take ifi_flags' value, the rest stay
    (ifi_change 0: ifi_flags is the whole new set)."""
    flags = msg.ifi_flags
    if msg.ifi_change:
        flags = (flags & msg.ifi_change) | (dev.flags & ~msg.ifi_change)
    return flags


def rtnl_configure_link(dev: NetDevice, msg: IfInfoMsg | None) -> int:
    """rtnl_configure_link: apply the request's interface flags to a new device (IFF_UP opens)."""
    if msg is None or not (msg.ifi_flags or msg.ifi_change):
        return 0
    return dev_change_flags(dev, rtnl_dev_combine_flags(dev, msg))


# ---------------------------------------------------------------- RTM_NEWLINK

def rtnl_newlink(net, msg: IfInfoMsg, nlflags: int = NLM_F_CREATE | NLM_F_EXCL) -> int:
    """rtnl_newlink (__rtnl_newlink), in its order: the named device (if any) and
    validate_linkmsg; the kind and its validate hook; an existing device is EEXIST with
    NLM_F_EXCL, else the request is a setlink; without NLM_F_CREATE, ENODEV; an unknown kind
    EOPNOTSUPP (no module to load); rtnl_create_link (MTU, address); the kind's newlink (names);
    rtnl_configure_link (flags — a failure there deletes the new device, as Linux unwinds).
    A missing IFLA_IFNAME names the device "KIND%d"."""
    core = net.core
    dev = rtnl_dev_get(net, msg)
    err = validate_linkmsg(dev, msg)
    if err:
        return err
    ops = rtnl_link_ops_get(core, msg.kind) if msg.kind else None
    data = msg.data or {}
    if ops is not None:
        # DIVERGENCE(#8): IFLA_INFO_DATA is parsed strictly: a key the kind does not take is
        # EINVAL (5.15 ignores data for kinds without a policy).
        if any(k not in ops.policy for k in data):
            return -EINVAL
        if ops.validate is not None:
            err = ops.validate(msg, data)
            if err:
                return err
    if dev is not None:
        if nlflags & NLM_F_EXCL:
            return -EEXIST
        if nlflags & NLM_F_REPLACE or data:
            return -EOPNOTSUPP          # no kind here has a changelink
        return do_setlink(dev, msg)
    if not nlflags & NLM_F_CREATE:
        return -ENODEV
    if ops is None:
        return -EOPNOTSUPP              # "Unknown device type" (request_module found nothing)
    rng = core.random
    state = rng.getstate()
    dev = rtnl_create_link(msg.net or net, msg.ifname if msg.ifname is not None else f"{ops.kind}%d",
                           ops, msg)
    if type(dev) is int:
        rng.setstate(state)
        return dev
    try:
        err = ops.newlink(net, dev, msg, data)
    except BaseException:               # a backend that cannot open (tap, qemu) raises
        rng.setstate(state)
        raise
    if err:
        rng.setstate(state)
        return err
    err = rtnl_configure_link(dev, msg)
    if err:
        ops.dellink(dev)
    return err


# ---------------------------------------------------------------- RTM_SETLINK

def do_setlink(dev: NetDevice, msg: IfInfoMsg) -> int:
    """do_setlink: checks every attribute first, then applies them in Linux's order — namespace
    (the device arrives down), address, MTU, flags. The address is checked as it will be set:
    after a namespace move the device is down, so EBUSY cannot apply. Renaming is not modelled."""
    target = msg.net
    moving = target is not None and target is not dev.nd_net
    if target is not None:
        err = dev_can_change_net_namespace(dev, target)
        if err:
            return err
    if msg.address is not None:
        err = dev_validate_mac_address(dev, msg.address, bool(dev.flags & IFF_UP) and not moving)
        if err:
            return err
    if msg.mtu is not None and msg.mtu != dev.mtu:
        err = dev_validate_mtu(dev, msg.mtu)
        if err:
            return err
    if msg.ifi_index > 0 and msg.ifname and msg.ifname != dev.name:
        return -EOPNOTSUPP              # DIVERGENCE(#8): dev_change_name is not modelled
    # commit
    if moving:
        dev_change_net_namespace(dev, target)
    if msg.address is not None:
        dev_set_mac_address(dev, msg.address)
    if msg.mtu is not None:
        dev_set_mtu(dev, msg.mtu)
    if msg.ifi_flags or msg.ifi_change:
        return dev_change_flags(dev, rtnl_dev_combine_flags(dev, msg))
    return 0


def rtnl_setlink(net, msg: IfInfoMsg, nlflags: int = 0) -> int:
    """rtnl_setlink: the device by index or name (neither given: EINVAL; not found: ENODEV),
    validate_linkmsg, then do_setlink."""
    if msg.ifi_index <= 0 and not msg.ifname:
        return -EINVAL
    dev = rtnl_dev_get(net, msg)
    if dev is None:
        return -ENODEV
    err = validate_linkmsg(dev, msg)
    if err:
        return err
    return do_setlink(dev, msg)


# ---------------------------------------------------------------- RTM_DELLINK

def rtnl_dellink(net, msg: IfInfoMsg, nlflags: int = 0) -> int:
    """rtnl_dellink: the device by index or name (neither: EINVAL; not found: ENODEV); a device
    no kind created (lo, a MAC's probe) is EOPNOTSUPP; else the kind's dellink."""
    if msg.ifi_index <= 0 and not msg.ifname:
        return -EINVAL
    dev = rtnl_dev_get(net, msg)
    if dev is None:
        return -ENODEV
    ops = dev.link_ops
    if ops is None:
        return -EOPNOTSUPP
    ops.dellink(dev)
    return 0


# ---------------------------------------------------------------- entry

rtnl_msg_handlers = {RTM_NEWLINK: rtnl_newlink, RTM_SETLINK: rtnl_setlink,
                     RTM_DELLINK: rtnl_dellink}


def rtnetlink_rcv_msg(task, msgtype: int, msg: IfInfoMsg, nlflags: int = 0) -> int:
    """rtnetlink_rcv_msg: every request but a GET needs CAP_NET_ADMIN (EPERM, checked before
    anything else); then the type's handler runs in the requester's namespace. An unknown type
    is EOPNOTSUPP."""
    handler = rtnl_msg_handlers.get(msgtype)
    if handler is None:
        return -EOPNOTSUPP
    if (msgtype - RTM_BASE) & 3 != RTNL_KIND_GET and not capable(CAP_NET_ADMIN):
        return -EPERM
    return handler(task.net, msg, nlflags)
