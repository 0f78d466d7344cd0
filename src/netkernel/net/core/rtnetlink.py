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
MODEL_HELPERS = ("eth_validate_linkmsg", "default_newlink", "rtnl_nlmsg_to_ifinfo",
                 "_nla_string", "_nla_u32", "_dump_done",
                 # (not kernel functions: see netkernel.trace) and of the per-family handlers
                 "nlmsg_parse_deprecated", "rtnl_request", "rtnl_get_link")

from netkernel.include.linux.etherdevice import eth_hw_addr_random, is_valid_ether_addr
from netkernel.kernel.capability import capable
from netkernel.include.net.netlink import nlmsg_put  # noqa: F401 (re-exported)
from netkernel.lib.nlattr import nla_put  # noqa: F401 (re-exported)
from netkernel.net.core import link_watch
from netkernel.net.core.net_namespace import (peernet2id_alloc, register_pernet_device,
                                              rtnl_net_getid)
from netkernel.net.core.dev import (NETREG_REGISTERED, RTNL_LINK_INITIALIZED,
                                    RTNL_LINK_INITIALIZING, NetDevice, __dev_change_flags,
                                    __dev_notify_flags, register_netdevice_notifier,
                                    dev_can_change_net_namespace,
                                    dev_change_flags, dev_change_net_namespace, dev_get_by_index,
                                    dev_change_tx_queue_len, dev_get_flags, dev_get_iflink,
                                    dev_get_by_name, dev_set_mac_address, dev_set_mtu,
                                    dev_validate_mac_address, dev_validate_mtu, register_netdevice,
                                    unregister_netdevice)
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.include.linux.netdevice import (NETDEV_CHANGE_TX_QUEUE_LEN, NETDEV_CHANGEADDR,
                                               NETDEV_CHANGEMTU, netif_running)
from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.uapi.errno import (EADDRNOTAVAIL, EEXIST, EINTR, EINVAL, ENODEV, EOPNOTSUPP, EPERM,
                                  ERANGE)
from netkernel.uapi.if_ import IF_OPER_DOWN, IFF_UP, IFNAMSIZ
from netkernel.uapi.if_arp import ARPHRD_ETHER
from netkernel.uapi.netlink import (NLA_ALIGN, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLATTR,
                                    NLM_F_CREATE, NLM_F_DUMP, NLM_F_DUMP_FILTERED, NLM_F_EXCL,
                                    NLM_F_MULTI,
                                    NLM_F_REPLACE, NLMSG_ALIGN, NLMSG_DONE, NLMSG_HDRLEN,
                                    NLMSGERR_INT, NLMSGHDR)
from netkernel.uapi.rtnetlink import (IFINFOMSG, IFINFOMSG_PAD, IFINFOMSG_SIZE, IFLA_ADDRESS,
                                      IFLA_BROADCAST,
                                      IFLA_CARRIER, IFLA_CARRIER_CHANGES, IFLA_CARRIER_DOWN_COUNT,
                                      IFLA_CARRIER_UP_COUNT, IFLA_GROUP, IFLA_IFNAME,
                                      IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO,
                                      IFLA_LINKMODE, IFLA_MAP, IFLA_MAX_MTU, IFLA_MIN_MTU,
                                      IFLA_MTU, IFLA_NET_NS_FD, IFLA_NET_NS_PID,
                                      IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES, IFLA_OPERSTATE,
                                      IFLA_PROMISCUITY, IFLA_QDISC, IFLA_STATS, IFLA_STATS64,
                                      IFLA_TXQLEN, MAX_ADDR_LEN, RTGENMSG_SIZE, RTM_BASE,
                                      IFLA_EXT_MASK, IFLA_LINK_NETNSID, IFLA_MASTER,
                                      IFLA_NEW_IFINDEX,
                                      IFLA_NEW_NETNSID, IFLA_TARGET_NETNSID, RTNLGRP_IPV4_MROUTE_R,
                                      RTNLGRP_IPV6_MROUTE_R, RTNLGRP_LINK, RTM_GETNSID,
                                      RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE,
                                      RTM_MAX, RTM_NEWLINK, RTM_SETLINK, RTNL_LINK_IFMAP,
                                      RTNL_LINK_STATS, RTNL_LINK_STATS64, RTNL_LINK_STATS_FIELDS,
                                      VETH_INFO_PEER)
from netkernel.uapi.socket import AF_PACKET, AF_UNSPEC
import struct as _struct
U32 = _struct.Struct("=I")

RTNL_KIND_GET = 2       # rtnetlink_rcv_msg: (type - RTM_BASE) & 3 — NEW 0, DEL 1, GET 2, SET 3


class IfInfoMsg:
    """One link request: struct ifinfomsg (ifi_index, ifi_flags, ifi_change) and its IFLA_*
    attributes. None means "attribute absent". `net` is the target namespace (a struct net);
    `data` the kind's IFLA_INFO_DATA as a dict (veth: {"peer": IfInfoMsg}; tap: host_ifname,
    host_netns; qemu: netdev)."""
    __slots__ = ("ifi_index", "ifi_flags", "ifi_change", "ifname", "kind", "mtu", "address",
                 "net", "data", "txqlen")

    def __init__(self, ifname: str | None = None, *, ifi_index: int = 0, ifi_flags: int = 0,
                 ifi_change: int = 0, kind: str | None = None, mtu: int | None = None,
                 address: bytes | None = None, net=None, data: dict | None = None,
                 txqlen: int | None = None):
        self.ifi_index = ifi_index
        self.ifi_flags = ifi_flags
        self.ifi_change = ifi_change
        self.ifname = ifname
        self.kind = kind
        self.mtu = mtu
        self.address = address
        self.net = net
        self.data = data
        self.txqlen = txqlen

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
    `live_addr_change`: IFF_LIVE_ADDR_CHANGE (the address may change while the device is up).
    `get_link_net(dev)`: the namespace of the device it is stacked on (a veth's peer), or None."""
    __slots__ = ("kind", "setup", "validate", "newlink", "dellink", "policy", "live_addr_change",
                 "get_link_net")

    def __init__(self, kind: str, setup, newlink=None, dellink=None, validate=None,
                 policy: tuple = (), live_addr_change=False, get_link_net=None):
        self.kind = kind
        self.setup = setup
        self.validate = validate
        self.newlink = newlink or default_newlink
        self.dellink = dellink or unregister_netdevice
        self.policy = tuple(policy)
        self.live_addr_change = live_addr_change
        self.get_link_net = get_link_net


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
    dev.rtnl_link_state = RTNL_LINK_INITIALIZING
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
    if msg.txqlen is not None:
        dev.tx_queue_len = msg.txqlen
    if msg.ifi_index > 0:
        dev.ifindex = msg.ifi_index
    return dev


def rtnl_dev_combine_flags(dev: NetDevice, msg: IfInfoMsg) -> int:
    """rtnl_dev_combine_flags: the bits of ifi_change take ifi_flags' value, the rest stay as
    rtnl_get_flags (dev_get_flags) reports them — PROMISC/ALLMULTI only when user space asked
    for them (ifi_change 0: ifi_flags is the whole new set)."""
    flags = msg.ifi_flags
    if msg.ifi_change:
        flags = (flags & msg.ifi_change) | (dev_get_flags(dev) & ~msg.ifi_change)
    return flags


def rtnl_configure_link(dev: NetDevice, msg: IfInfoMsg | None) -> int:
    """rtnl_configure_link: apply the request's interface flags to a new device (IFF_UP opens),
    then announce it: the first time with every flag marked changed (RTM_NEWLINK, ifi_change
    ~0 — the device's first announcement), later only with what changed."""
    old_flags = dev.flags
    if msg is not None and (msg.ifi_flags or msg.ifi_change):
        err = __dev_change_flags(dev, rtnl_dev_combine_flags(dev, msg))
        if err < 0:
            return err
    if dev.rtnl_link_state == RTNL_LINK_INITIALIZED:
        __dev_notify_flags(dev, old_flags, 0)
    else:
        dev.rtnl_link_state = RTNL_LINK_INITIALIZED
        __dev_notify_flags(dev, old_flags, 0xFFFFFFFF)
    return 0


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
        NL_SET_ERR_MSG("Unknown device type")   # request_module found nothing
        return -EOPNOTSUPP
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
        err = dev_change_flags(dev, rtnl_dev_combine_flags(dev, msg))
        if err:
            return err
    if msg.txqlen is not None:
        dev_change_tx_queue_len(dev, msg.txqlen)
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


def rtnetlink_rcv_msg(task, msgtype: int, msg: IfInfoMsg, nlflags: int = 0, net=None) -> int:
    """rtnetlink_rcv_msg: every request but a GET needs CAP_NET_ADMIN (EPERM, checked before
    anything else); then the type's handler runs in the requester's namespace (`net`: a netlink
    socket's, else the task's), under the rtnl lock. An unknown type is EOPNOTSUPP."""
    handler = rtnl_msg_handlers.get(msgtype)
    if handler is None:
        return -EOPNOTSUPP
    if (msgtype - RTM_BASE) & 3 != RTNL_KIND_GET and not capable(CAP_NET_ADMIN):
        return -EPERM
    net = net if net is not None else task.net
    rtnl_lock(net.core)
    try:
        return handler(net, msg, nlflags)
    finally:
        rtnl_unlock(net.core)


def rtnl_lock(core) -> None:
    """rtnl_lock: the machine lock is already held; this marks a link request in progress, so
    the linkwatch events it causes wait until it is done (link_watch.py)."""
    core.rtnl_depth += 1


def rtnl_unlock(core) -> None:
    """rtnl_unlock: the request is done; the linkwatch work it queued runs now (in Linux, the
    work item that was waiting for the lock)."""
    core.rtnl_depth -= 1
    if not core.rtnl_depth:
        link_watch.linkwatch_run_queue(core)


# ---------------------------------------------------------------- notifications

def rtnetlink_bind(net, group: int) -> int:
    """rtnetlink_bind: the multicast-routing report groups need CAP_NET_ADMIN (EPERM)."""
    if group in (RTNLGRP_IPV4_MROUTE_R, RTNLGRP_IPV6_MROUTE_R) and not capable(CAP_NET_ADMIN):
        return -EPERM
    return 0


def rtnl_notify(net, msg: bytes, group: int, pid: int = 0) -> None:
    """rtnl_notify → nlmsg_notify: multicast `msg` (one whole netlink message) to the members of
    `group` in `net` through its NETLINK_ROUTE kernel socket (none before netlink exists);
    `pid`, when given, is a port that does not get it (the requester, told otherwise)."""
    rtnl = net.rtnl
    if rtnl is not None:
        rtnl.broadcast(msg, pid, group)


def rtmsg_ifinfo_build_skb(msgtype: int, dev: NetDevice, change: int, new_nsid=None,
                           new_ifindex: int = 0) -> bytes:
    """rtmsg_ifinfo_build_skb: the link message a notification carries (port 0, seq 0)."""
    return rtnl_fill_ifinfo(dev, msgtype, 0, 0, 0, change=change, new_nsid=new_nsid,
                            new_ifindex=new_ifindex)


def rtmsg_ifinfo_send(msg: bytes, dev: NetDevice) -> None:
    """rtmsg_ifinfo_send: to RTNLGRP_LINK in the device's namespace."""
    rtnl_notify(dev.nd_net, msg, RTNLGRP_LINK)


def rtmsg_ifinfo_event(msgtype: int, dev: NetDevice, change: int, new_nsid=None,
                       new_ifindex: int = 0) -> None:
    """rtmsg_ifinfo_event: announce a registered device (no event attribute: none of the
    events modelled here carries one)."""
    if dev.reg_state != NETREG_REGISTERED:
        return
    rtmsg_ifinfo_send(rtmsg_ifinfo_build_skb(msgtype, dev, change, new_nsid, new_ifindex), dev)


def rtmsg_ifinfo(msgtype: int, dev: NetDevice, change: int) -> None:
    """rtmsg_ifinfo: RTM_NEWLINK/RTM_DELLINK for `dev`, ifi_change = `change`."""
    rtmsg_ifinfo_event(msgtype, dev, change)


def rtmsg_ifinfo_newnet(msgtype: int, dev: NetDevice, change: int, new_nsid: int,
                        new_ifindex: int) -> None:
    """rtmsg_ifinfo_newnet: the announcement of a device leaving for another namespace, with
    the id this namespace knows it by (IFLA_NEW_NETNSID) and the device's index there
    (IFLA_NEW_IFINDEX)."""
    rtmsg_ifinfo_event(msgtype, dev, change, new_nsid, new_ifindex)


RTNETLINK_EVENTS = frozenset((NETDEV_CHANGEMTU, NETDEV_CHANGEADDR, NETDEV_CHANGE_TX_QUEUE_LEN))


def rtnetlink_event(event: int, dev: NetDevice) -> None:
    """rtnetlink_event (the rtnetlink_dev_notifier block): the netdevice events that announce
    the device as it now is — MTU, address, queue length (of those 5.15 lists, the ones the
    model raises). Registration, up/down and carrier changes are announced by dev.c itself."""
    if event in RTNETLINK_EVENTS:
        rtmsg_ifinfo_event(RTM_NEWLINK, dev, 0)


def rtnetlink_init(core, kernel_create) -> None:
    """rtnetlink_init: every namespace gets its NETLINK_ROUTE kernel socket
    (rtnetlink_net_init: `kernel_create(net)`, af_netlink's netlink_kernel_create), and the
    netdevice notifier chain gets rtnetlink_event."""
    def rtnetlink_net_init(net):
        net.rtnl = kernel_create(net)
    register_pernet_device(core, rtnetlink_net_init)
    register_netdevice_notifier(core, rtnetlink_event)


# ---------------------------------------------------------------- NETLINK_ROUTE messages
#
# What a NETLINK_ROUTE socket hands in (net/netlink/af_netlink.py calls rtnetlink_rcv with each
# request) and the messages that answer it. Replies are built as bytes in Linux's layout
# (uapi.netlink / uapi.rtnetlink); the socket layer queues them.

def nla_parse(data, start: int, end: int) -> dict:
    """nla_parse (deprecated, non-strict): type → payload bytes of each well-formed attribute,
    the last one of a type winning; trailing bytes that do not make an attribute are ignored
    (Linux only warns)."""
    attrs = {}
    off = start
    while off + NLA_HDRLEN <= end:
        nla_len, nla_type = NLATTR.unpack_from(data, off)
        if nla_len < NLA_HDRLEN or off + nla_len > end:
            break
        attrs[nla_type & NLA_TYPE_MASK] = bytes(data[off + NLA_HDRLEN:off + nla_len])
        off += NLA_ALIGN(nla_len)
    return attrs


# attribute policy kinds (include/net/netlink.h NLA_*)
NLA_U8, NLA_U16, NLA_U32, NLA_S32 = "u8", "u16", "u32", "s32"
NLA_STRING, NLA_BINARY = "string", "bin"
_NLA_MINLEN = {NLA_U8: 1, NLA_U16: 2, NLA_U32: 4, NLA_S32: 4}


def nlmsg_parse_deprecated(data, off: int, end: int, hdrlen: int, policy: dict):
    """nlmsg_parse_deprecated: the fixed header (`hdrlen` bytes at `off`; a shorter message is
    EINVAL), then its attributes checked against `policy` (type → (kind, len)) as validate_nla
    does in non-strict mode: an integer shorter than its size, a string longer than `len`, or a
    binary attribute shorter than `len` is ERANGE; unknown types are ignored. Returns
    {type: payload} or a negative errno."""
    if end - off < hdrlen:
        return -EINVAL
    attrs = nla_parse(data, off + NLMSG_ALIGN(hdrlen), end)
    for t, payload in attrs.items():
        rule = policy.get(t)
        if rule is None:
            continue
        kind, ln = rule
        if kind in _NLA_MINLEN:
            if len(payload) < _NLA_MINLEN[kind]:
                return -ERANGE
        elif kind == NLA_STRING:
            if ln and _nla_string(payload, ln) == -ERANGE:
                return -ERANGE
        elif ln and len(payload) < ln:
            return -ERANGE
    return attrs


def _nla_string(payload: bytes, maxlen: int | None):
    """An NLA_STRING: one trailing NUL is not counted; longer than `maxlen` is ERANGE."""
    n = len(payload)
    if n and payload[-1] == 0:
        n -= 1
    if maxlen is not None and n > maxlen:
        return -ERANGE
    return bytes(payload[:n]).split(b"\0", 1)[0].decode("utf-8", "replace")


def _nla_u32(payload: bytes):
    return -ERANGE if len(payload) < 4 else U32.unpack_from(payload, 0)[0]


def rtnl_nlmsg_to_ifinfo(data, off: int, end: int):
    """The ifinfomsg at `off` and its attributes (up to `end`) as an IfInfoMsg, checked against
    ifla_policy as validate_nla does (a short u32 or an over-long name/address: ERANGE); a
    message shorter than an ifinfomsg is EINVAL (nlmsg_parse). A veth peer's
    VETH_INFO_PEER holds an ifinfomsg and attributes of its own.
    DIVERGENCE(#10): IFLA_NET_NS_PID/FD (a namespace by pid or descriptor) are refused with
    EOPNOTSUPP: the model has no such handles for a netlink caller."""
    if end - off < IFINFOMSG_SIZE:
        return -EINVAL
    _family, _type, index, flags, change = IFINFOMSG.unpack_from(data, off)
    attrs = nla_parse(data, off + IFINFOMSG_SIZE, end)
    msg = IfInfoMsg(ifi_index=index, ifi_flags=flags, ifi_change=change)
    if IFLA_IFNAME in attrs:
        name = _nla_string(attrs[IFLA_IFNAME], IFNAMSIZ - 1)
        if type(name) is int:
            return name
        msg.ifname = name or None
    if IFLA_MTU in attrs:
        mtu = _nla_u32(attrs[IFLA_MTU])
        if mtu < 0:
            return mtu
        msg.mtu = mtu
    if IFLA_ADDRESS in attrs:
        if len(attrs[IFLA_ADDRESS]) > MAX_ADDR_LEN:
            return -ERANGE
        msg.address = attrs[IFLA_ADDRESS]
    if IFLA_TXQLEN in attrs:
        txqlen = _nla_u32(attrs[IFLA_TXQLEN])
        if txqlen < 0:
            return txqlen
        msg.txqlen = txqlen
    if IFLA_NET_NS_PID in attrs or IFLA_NET_NS_FD in attrs:
        return -EOPNOTSUPP
    if IFLA_LINKINFO in attrs:
        li = attrs[IFLA_LINKINFO]
        info = nla_parse(li, 0, len(li))
        if IFLA_INFO_KIND in info:
            kind = _nla_string(info[IFLA_INFO_KIND], None)
            msg.kind = kind or None
        if IFLA_INFO_DATA in info and msg.kind == "veth":
            d = info[IFLA_INFO_DATA]
            peer_attrs = nla_parse(d, 0, len(d))
            if VETH_INFO_PEER in peer_attrs:
                p = peer_attrs[VETH_INFO_PEER]
                peer = rtnl_nlmsg_to_ifinfo(p, 0, len(p))
                if type(peer) is int:
                    return peer
                msg.data = {"peer": peer}
    return msg


def rtnl_fill_ifinfo(dev: NetDevice, msgtype: int, portid: int, seq: int, flags: int, *,
                     change: int = 0, new_nsid=None, new_ifindex: int = 0) -> bytes:
    """rtnl_fill_ifinfo: one RTM_NEWLINK message for `dev`: the ifinfomsg (type, index, the
    flags as dev_get_flags reports them, ifi_change: `change`, 0 in a reply) and the attributes
    in Linux's order. IFLA_LINK only when the device names another (a veth's peer). The
    operstate of a device that is not running is DOWN. IFLA_QDISC is noop until the device is
    first opened (its qdisc is attached then, and kept until it is unregistered or moved). A
    device leaving for another namespace adds IFLA_NEW_NETNSID and IFLA_NEW_IFINDEX.
    A device stacked on one in another namespace names it (IFLA_LINK_NETNSID).
    DIVERGENCE(#10): the queue counts are 1 (a 5.15 veth has one per possible CPU);
    IFLA_XDP, IFLA_AF_SPEC, IFLA_PROTO_DOWN, IFLA_GSO_* and the alternative names are not
    sent."""
    out = bytearray(IFINFOMSG.pack(0, dev.type, dev.ifindex, dev_get_flags(dev), change))
    running = netif_running(dev)
    nla_put(out, IFLA_IFNAME, dev.name.encode() + b"\0")
    nla_put(out, IFLA_TXQLEN, U32.pack(dev.tx_queue_len))
    nla_put(out, IFLA_OPERSTATE, bytes([dev.operstate if running else IF_OPER_DOWN]))
    nla_put(out, IFLA_LINKMODE, bytes([dev.link_mode]))
    nla_put(out, IFLA_MTU, U32.pack(dev.mtu))
    nla_put(out, IFLA_MIN_MTU, U32.pack(dev.min_mtu))
    nla_put(out, IFLA_MAX_MTU, U32.pack(dev.max_mtu))
    nla_put(out, IFLA_GROUP, U32.pack(0))
    nla_put(out, IFLA_PROMISCUITY, U32.pack(dev.promiscuity))
    nla_put(out, IFLA_NUM_TX_QUEUES, U32.pack(1))
    nla_put(out, IFLA_NUM_RX_QUEUES, U32.pack(1))
    nla_put(out, IFLA_CARRIER, bytes([1 if dev.carrier else 0]))
    nla_put(out, IFLA_CARRIER_CHANGES, U32.pack(dev.carrier_up_count + dev.carrier_down_count))
    nla_put(out, IFLA_CARRIER_UP_COUNT, U32.pack(dev.carrier_up_count))
    nla_put(out, IFLA_CARRIER_DOWN_COUNT, U32.pack(dev.carrier_down_count))
    iflink = dev_get_iflink(dev)
    if iflink != dev.ifindex:
        nla_put(out, IFLA_LINK, U32.pack(iflink))
    qdisc = dev.qdisc.id if dev.qdisc is not None and dev.qdisc_attached else "noop"
    nla_put(out, IFLA_QDISC, qdisc.encode() + b"\0")
    nla_put(out, IFLA_MAP, RTNL_LINK_IFMAP.pack(dev.mem_start, dev.mem_end, dev.base_addr,
                                                 dev.irq, dev.dma, dev.if_port))
    if dev.addr_len:
        nla_put(out, IFLA_ADDRESS, bytes(dev.dev_addr[:dev.addr_len]))
        nla_put(out, IFLA_BROADCAST, bytes(dev.broadcast[:dev.addr_len]))
    stats = dev.stats
    values = [getattr(stats, f, 0) for f in RTNL_LINK_STATS_FIELDS]
    nla_put(out, IFLA_STATS64, RTNL_LINK_STATS64.pack(*values))
    nla_put(out, IFLA_STATS, RTNL_LINK_STATS.pack(*(v & 0xFFFFFFFF for v in values)))
    if dev.link_ops is not None:
        info = bytearray()
        nla_put(info, IFLA_INFO_KIND, dev.link_ops.kind.encode() + b"\0")
        nla_put(out, IFLA_LINKINFO | NLA_F_NESTED, bytes(info))
    rtnl_fill_link_netnsid(out, dev)
    if new_nsid is not None:
        nla_put(out, IFLA_NEW_NETNSID, U32.pack(new_nsid & 0xFFFFFFFF))
    if new_ifindex:
        nla_put(out, IFLA_NEW_IFINDEX, U32.pack(new_ifindex))
    return nlmsg_put(msgtype, portid, seq, flags, bytes(out))


# the attributes a link dump request may carry (rtnl_dump_ifinfo)
LINK_DUMP_ATTRS = frozenset((IFLA_TARGET_NETNSID, IFLA_EXT_MASK, IFLA_MASTER, IFLA_LINKINFO))


def rtnl_valid_dump_ifinfo_req(data, off: int, end: int, strict: bool):
    """rtnl_valid_dump_ifinfo_req: with strict checking (NETLINK_GET_STRICT_CHK), a whole
    ifinfomsg with nothing in type, flags and change (EINVAL) and no index (EINVAL: no filter
    by index in a dump); its attributes. Without, the header is an ifinfomsg, or an rtgenmsg
    when the request is shorter (old iproute2). Returns the attributes or a negative errno."""
    if strict:
        if end - off < IFINFOMSG_SIZE:
            NL_SET_ERR_MSG("Invalid header for link dump")
            return -EINVAL
        _family, ifi_type, index, flags, change = IFINFOMSG.unpack_from(data, off)
        if data[off + IFINFOMSG_PAD] or ifi_type or flags or change:
            NL_SET_ERR_MSG("Invalid values in header for link dump request")
            return -EINVAL
        if index:
            NL_SET_ERR_MSG("Filter by device index not supported for link dumps")
            return -EINVAL
        return nla_parse(data, off + IFINFOMSG_SIZE, end)
    hdrlen = RTGENMSG_SIZE if end - off < IFINFOMSG_SIZE else IFINFOMSG_SIZE
    return nla_parse(data, off + hdrlen, end)


def rtnl_fill_link_netnsid(out: bytearray, dev: NetDevice) -> None:
    """rtnl_fill_link_netnsid: a device stacked on one in another namespace (a veth whose peer
    was moved) names that namespace by the id this one gives it (allocated on first use)."""
    ops = dev.link_ops
    if ops is None or ops.get_link_net is None:
        return
    link_net = ops.get_link_net(dev)
    if link_net is not None and link_net is not dev.nd_net:
        nla_put(out, IFLA_LINK_NETNSID, U32.pack(peernet2id_alloc(dev.nd_net, link_net)))


def rtnl_dump_ifinfo(net, portid: int, seq: int, data=b"", off: int = 0, end: int = 0,
                     strict: bool = False):
    """rtnl_dump_ifinfo: one RTM_NEWLINK (NLM_F_MULTI) per device of the namespace, by
    ifindex. Filters: IFLA_LINKINFO's kind (a kind the machine knows) and IFLA_MASTER (no
    device here has a master: a non-zero one leaves nothing) — the messages of a filtered dump
    carry NLM_F_DUMP_FILTERED. With strict checking any other attribute is EINVAL; without,
    it is ignored. Returns the messages or a negative errno (the dump's NLMSG_DONE carries it).
    DIVERGENCE(#10): IFLA_TARGET_NETNSID is accepted and ignored (no namespace ids)."""
    attrs = rtnl_valid_dump_ifinfo_req(data, off, end, strict)
    kind_ops = master = None
    if type(attrs) is int:
        if strict:
            return attrs
        attrs = {}
    for t, payload in attrs.items():
        if t == IFLA_MASTER:
            master = _nla_u32(payload)
        elif t == IFLA_LINKINFO:
            info = nla_parse(payload, 0, len(payload))
            if IFLA_INFO_KIND in info:
                kind = _nla_string(info[IFLA_INFO_KIND], None)
                kind_ops = rtnl_link_ops_get(net.core, kind) if type(kind) is str else None
        elif t not in LINK_DUMP_ATTRS and strict:
            NL_SET_ERR_MSG("Unsupported attribute in link dump request")
            return -EINVAL
    flags = NLM_F_MULTI
    if master or kind_ops is not None:
        flags |= NLM_F_DUMP_FILTERED
    return [rtnl_fill_ifinfo(dev, RTM_NEWLINK, portid, seq, flags)
            for _, dev in sorted(net.dev_by_index.items())
            if not master and (kind_ops is None or dev.link_ops is kind_ops)]


def _dump_done(portid: int, seq: int, err: int = 0, answer_flags: int = 0) -> bytes:
    """The NLMSG_DONE that ends a dump, carrying the dump's result (and cb->answer_flags:
    NLM_F_DUMP_FILTERED)."""
    return nlmsg_put(NLMSG_DONE, portid, seq, NLM_F_MULTI | answer_flags, NLMSGERR_INT.pack(err))


def rtnl_getlink(net, data, off: int, end: int, portid: int, seq: int):
    """rtnl_getlink: the device by ifi_index, else by IFLA_IFNAME (neither: EINVAL; not found:
    ENODEV); one RTM_NEWLINK back. Returns [message] or a negative errno."""
    msg = rtnl_nlmsg_to_ifinfo(data, off, end)
    if type(msg) is int:
        return msg
    if msg.ifi_index > 0:
        dev = dev_get_by_index(net, msg.ifi_index)
    elif msg.ifname:
        dev = dev_get_by_name(net, msg.ifname)
    else:
        return -EINVAL
    if dev is None:
        return -ENODEV
    return [rtnl_fill_ifinfo(dev, RTM_NEWLINK, portid, seq, 0)]


def rtnetlink_rcv(task, net, data, off: int, end: int, portid: int, strict: bool = False):
    """rtnetlink_rcv_msg for one request (data[off:end] is the whole nlmsghdr and payload) from
    the socket `portid` in `net`. Returns (err, replies): err is what netlink_rcv_skb acks
    (-EINTR: a dump was started, no ack); replies are whole messages to queue before any ack.
    Order as Linux: a type beyond RTM_MAX is EOPNOTSUPP; a message too short for an rtgenmsg
    is ignored (0); everything but a GET needs CAP_NET_ADMIN (EPERM); then the handler — a
    GET with NLM_F_DUMP runs the dump (its messages, then NLMSG_DONE), an unknown type is
    EOPNOTSUPP. NEW/SET/DELLINK go through rtnetlink_rcv_msg, the same path as the Python API.
    Address and route messages go to the handler their family registered (rtnl_register:
    net/ipv4/devinet.py, fib_frontend.py, route.py, net/ipv6/addrconf.py, route.py); a family
    without one falls back to PF_UNSPEC's (rtnl_dump_all for address and route dumps)."""
    length, msgtype, flags, seq, _pid = NLMSGHDR.unpack_from(data, off)
    end = min(end, off + length)
    if msgtype > RTM_MAX:
        return -EOPNOTSUPP, []
    body = off + NLMSG_HDRLEN
    if length < NLMSG_HDRLEN + RTGENMSG_SIZE:
        return 0, []
    kind = (msgtype - RTM_BASE) & 3
    if kind != RTNL_KIND_GET and not capable(CAP_NET_ADMIN):
        return -EPERM, []
    family = data[body]
    if kind == RTNL_KIND_GET and flags & NLM_F_DUMP == NLM_F_DUMP:
        if msgtype == RTM_GETLINK:
            replies = rtnl_dump_ifinfo(net, portid, seq, data, body, end, strict)
            if type(replies) is int:
                return -EINTR, [_dump_done(portid, seq, replies)]
            answer_flags = 0
        else:
            link = rtnl_get_link(family, msgtype, dump=True)
            if link is None:
                return -EOPNOTSUPP, []
            r = link[1](net, data, off, end, portid, seq, strict)
            if type(r) is int:
                r = (r, 0)
            replies, answer_flags = r
            if type(replies) is int:    # refused when it started: NLMSG_DONE carries the errno
                return -EINTR, [_dump_done(portid, seq, replies, answer_flags)]
        return -EINTR, replies + [_dump_done(portid, seq, 0, answer_flags)]
    if msgtype == RTM_GETNSID:
        replies = rtnl_net_getid(net, nla_parse(data, body + NLMSG_ALIGN(RTGENMSG_SIZE), end),
                                 portid, seq)
        if type(replies) is int:
            return replies, []
        return 0, replies
    if msgtype not in rtnl_msg_handlers and msgtype != RTM_GETLINK:
        link = rtnl_get_link(family, msgtype, dump=False)
        if link is None:
            return -EOPNOTSUPP, []
        err = link[0](net, data, off, end, flags, portid, seq)
        if type(err) is list:           # a GET answered with messages
            return 0, err
        return err, []
    if msgtype == RTM_GETLINK:
        replies = rtnl_getlink(net, data, body, end, portid, seq)
        if type(replies) is int:
            return replies, []
        return 0, replies
    if msgtype not in rtnl_msg_handlers:
        return -EOPNOTSUPP, []
    msg = rtnl_nlmsg_to_ifinfo(data, body, end)
    if type(msg) is int:
        return msg, []
    return rtnetlink_rcv_msg(task, msgtype, msg, flags, net), []


# ---------------------------------------------------------------- per-family handlers

# rtnl_msg_handlers of the address families: (family, msgtype) → (doit, dumpit). Global as in
# Linux (the handlers are code; what they act on is the request's namespace).
# doit(net, data, off, end, nlflags, portid, seq) -> 0 | -errno | [reply messages];
# dumpit(net, data, off, end, portid, seq, strict) -> ([messages] | -errno, answer_flags) |
# -errno:
# `strict` is the requester's NETLINK_GET_STRICT_CHK (header checks and filters), answer_flags
# what the NLMSG_DONE carries besides NLM_F_MULTI (cb->answer_flags: NLM_F_DUMP_FILTERED).
# data[off:end] is the whole request, netlink header included.
rtnl_af_handlers: dict = {}


def rtnl_register(family: int, msgtype: int, doit, dumpit) -> None:
    """rtnl_register: `family`'s handlers for `msgtype`; a None keeps what an earlier
    registration gave (route.c registers the RTM_GETROUTE doit, fib_frontend.c its dumpit)."""
    old_doit, old_dumpit = rtnl_af_handlers.get((family, msgtype), (None, None))
    rtnl_af_handlers[(family, msgtype)] = (doit or old_doit, dumpit or old_dumpit)


def rtnl_get_link(family: int, msgtype: int, dump: bool):
    """rtnl_get_link with rtnetlink_rcv_msg's fallback: the family's handler pair if it has the
    function wanted (dumpit or doit), else PF_UNSPEC's, else None."""
    i = 1 if dump else 0
    link = rtnl_af_handlers.get((family, msgtype))
    if link is None or link[i] is None:
        link = rtnl_af_handlers.get((AF_UNSPEC, msgtype))
        if link is None or link[i] is None:
            return None
    return link


def rtnl_dump_all(net, data, off: int, end: int, portid: int, seq: int, strict: bool = False):
    """rtnl_dump_all: every family's dump for this message type, by family number (PF_PACKET
    skipped); the first refusal ends it."""
    msgtype = NLMSGHDR.unpack_from(data, off)[1]
    out, answer_flags = [], 0
    for (family, t), (_doit, dumpit) in sorted(rtnl_af_handlers.items(),
                                                key=lambda kv: kv[0]):
        if t != msgtype or family in (AF_UNSPEC, AF_PACKET) or dumpit is None:
            continue
        r = dumpit(net, data, off, end, portid, seq, strict)
        if type(r) is int:
            r = (r, 0)
        answer_flags |= r[1]
        if type(r[0]) is int:
            return r[0], answer_flags
        out += r[0]
    return out, answer_flags


rtnl_register(AF_UNSPEC, RTM_GETADDR, None, rtnl_dump_all)
rtnl_register(AF_UNSPEC, RTM_GETROUTE, None, rtnl_dump_all)


def rtnl_request(task, net, request: bytes):
    """One rtnetlink request handed in by the kernel's own users (the Python API, topology
    files, `netkernel ip`): the same checks and handlers as a request from a NETLINK_ROUTE
    socket (port id 0). Returns -errno, or the reply messages (a GET's answer; [] for a
    change)."""
    err, replies = rtnetlink_rcv(task, net, request, 0, len(request), 0)
    if err and err != -EINTR:
        return err
    return replies
