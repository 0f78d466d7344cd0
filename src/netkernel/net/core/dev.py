"""Devices and the packet core (net/core/dev.c, include/linux/netdevice.h).

Transmit: dev_queue_xmit → __dev_queue_xmit → qdisc or dev_hard_start_xmit → xmit_one →
dev_queue_xmit_nit (taps see PACKET_OUTGOING) → ndo_start_xmit.
Receive: netif_rx → backlog (netdev_max_backlog), NET_RX raised → do_softirq → net_rx_action
(NAPI polls, then process_backlog) → __netif_receive_skb_core → ptype_all taps, then
ptype_base/ptype_specific by protocol. net_dev_init registers net_rx_action as the machine's
NET_RX_SOFTIRQ handler (open_softirq, kernel/softirq.py).

Concurrency: everything here runs under the machine lock (NetCore.lock); what comes from another
machine or a backend thread arrives as an event on the machine's inbox (NetCore.cpu, hw/cpu.py)
and runs in this machine's context — see DESIGN.md "Execution model".
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("dev_addr_list_change", "dev_can_change_net_namespace",
                 "dev_validate_mac_address")

from collections import deque

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.include.linux.etherdevice import is_valid_ether_addr
from netkernel.include.linux.netdevice import (  # noqa: F401 (netdevice.h's helpers, re-exported)
    NET_RX_DROP, NET_RX_SUCCESS, NET_XMIT_CN, NET_XMIT_DROP, NET_XMIT_SUCCESS, NETDEV_CHANGE,
    NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_DOWN, NETDEV_GOING_DOWN, NETDEV_REGISTER,
    NETDEV_TX_BUSY, NETDEV_TX_OK, NETDEV_UNREGISTER, NETDEV_UP, NETDEV_CHANGE_TX_QUEUE_LEN,
    dev_change_net_namespace, netif_oper_up, netif_running,
    dev_direct_xmit, napi_complete, napi_schedule, napi_schedule_irqoff, netif_napi_del,
    netif_queue_stopped, netif_start_queue, netif_stop_queue, netif_tx_disable, netif_wake_queue,
    unregister_netdevice)
from netkernel.kernel.softirq import (NET_RX_SOFTIRQ, __raise_softirq_irqoff,  # noqa: F401
                                      do_softirq, open_softirq, softirq_init)
from netkernel.net.core.skbuff import (SkBuff, consume_skb, kfree_skb, skb_clone, skb_vlan_untag,
                                      __skb_tstamp_tx)
from netkernel.include.linux.skbuff import SKBTX_SCHED_TSTAMP
from netkernel.uapi.errqueue import SCM_TSTAMP_SCHED
from netkernel.net.sched.sch_generic import (  # noqa: F401 (sch_generic.c's, re-exported)
    TCQ_F_CAN_BYPASS, __qdisc_run, dev_activate, dev_shutdown, netif_carrier_off,
    netif_carrier_on, sch_direct_xmit)
from netkernel.uapi.errno import (EADDRNOTAVAIL, EBUSY, EEXIST, EINVAL, ENETDOWN, ENFILE,
                                  ENODEV, EOPNOTSUPP)
from netkernel.uapi.if_ import (IFF_ALLMULTI, IFF_AUTOMEDIA, IFF_DEBUG, IFF_DORMANT, IFF_DYNAMIC,
                                IFF_LOOPBACK, IFF_LOWER_UP, IFF_MULTICAST, IFF_NOARP,
                                IFF_NOTRAILERS, IFF_PORTSEL, IFF_PROMISC, IFF_RUNNING, IFF_UP,
                                IFF_VOLATILE, IF_LINK_MODE_DEFAULT, IF_OPER_UNKNOWN, IFNAMSIZ)
from netkernel.uapi.if_ether import (ETH_P_ALL, ETH_P_8021Q, ETH_P_8021AD, ETH_P_802_2, ETH_P_802_3,
                                     ETH_P_802_3_MIN, VLAN_HLEN, VLAN_VID_MASK)
from netkernel.uapi.if_packet import PACKET_HOST, PACKET_OUTGOING, PACKET_OTHERHOST
from netkernel.uapi.rtnetlink import RTM_DELLINK, RTM_NEWLINK


NETREG_UNINITIALIZED, NETREG_REGISTERED, NETREG_UNREGISTERED = 0, 1, 3
RTNL_LINK_INITIALIZED, RTNL_LINK_INITIALIZING = 0, 1   # enum rtnl_link_state
LINK_STATE_START = 1 << 0       # enum netdev_state_t: __LINK_STATE_START (bit 0)
NET_RX_PENDING = 1 << NET_RX_SOFTIRQ   # its bit in the pending mask (raised inline on hot paths)


class NetCore:
    """Machine-wide networking state: what Linux keeps in globals (ptype_all, ptype_base,
    netdev_chain, net_families, per-CPU softnet backlog, the softirq vectors) and the net.core
    sysctls. One per Kernel, so several machines can live in one process. `cpu` is the
    machine's CPU (netkernel.hw.cpu.Cpu): `lock` is its machine lock, and `cpu.post` is how
    another machine or a backend thread hands this machine work."""
    __slots__ = ("profile", "sysctl", "ptype_all", "ptype_base", "netdev_chain", "net_families",
                 "backlog", "backlog_dropped", "backlog_sched", "in_softirq", "clock",
                 "realtime_offset", "nets", "lock", "cpu", "poll_list", "fanout_next_id",
                 "flow_hashrnd", "link_ops", "pernet_list", "random", "timer_base", "softirq_vec",
                 "softirq_actions", "softirq_pending", "netstamp_needed", "netstamp_wanted",
                 "netstamp_needed_deferred", "rtnl_depth", "lweventlist", "fp_gen", "fp_routes",
                 "fp_hits")

    def __init__(self, profile, sysctl: dict, clock, cpu):
        self.profile = profile
        self.sysctl = sysctl
        self.ptype_all: list = []
        self.ptype_base: dict[int, list] = {}
        self.netdev_chain: list = []
        self.net_families: dict = {}
        self.backlog: deque = deque()
        self.backlog_dropped = 0
        self.backlog_sched = False    # the backlog's NAPI_STATE_SCHED: its poll is due
        self.in_softirq = False
        self.clock = clock
        self.realtime_offset = 0      # add to clock() for CLOCK_REALTIME (skb timestamps)
        self.nets: list = []
        self.cpu = cpu
        self.lock = cpu.lock
        self.poll_list: deque = deque()   # softnet_data.poll_list: NAPI instances scheduled
        self.fanout_next_id = 0           # af_packet.c fanout_next_id (global, not per netns)
        self.flow_hashrnd = 0             # flow_dissector.c hashrnd, drawn on first use
        self.link_ops: dict = {}          # rtnetlink.c link_ops: kind → rtnl_link_ops
        self.pernet_list: list = []       # net_namespace.c pernet_list: init(net) per new netns
        self.random = None                # get_random_bytes: the machine's seeded random.Random
        self.timer_base = None            # kernel/time/timer.c: armed timers (kernel/time/timer.py)
        self.rtnl_depth = 0               # rtnl_lock held (nesting count: rtnetlink.py rtnl_lock)
        self.lweventlist: list = []       # link_watch.c lweventlist: devices with pending events
        self.fp_gen = 0                   # configuration generation: bumped by every change
        self.fp_routes = 0                # fast-path routes computed (netkernel/fastpath.py)
        self.fp_hits = 0                  # calls the fast path served
        # netstamp_needed_key and its counters (global in Linux, one kernel = one machine here):
        # frames get a receive time only while some socket has asked for receive stamps
        self.netstamp_needed = False
        self.netstamp_wanted = 0
        self.netstamp_needed_deferred = 0
        softirq_init(self)
        net_dev_init(self)


class NetDeviceStats:
    """struct rtnl_link_stats64 (the part `ip -s link` shows)."""
    __slots__ = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
                 "rx_dropped", "tx_dropped", "multicast", "rx_length_errors", "rx_over_errors",
                 "rx_crc_errors", "rx_fifo_errors", "tx_fifo_errors")

    def __init__(self):
        for f in self.__slots__:
            setattr(self, f, 0)

    def as_dict(self) -> dict:
        return {f: getattr(self, f) for f in self.__slots__}


class NetDeviceOps:
    """struct net_device_ops: the driver's callbacks. Missing ones are None."""
    __slots__ = ("ndo_init", "ndo_open", "ndo_stop", "ndo_start_xmit", "ndo_uninit",
                 "ndo_get_iflink", "ndo_set_rx_mode")

    def __init__(self, ndo_start_xmit, ndo_open=None, ndo_stop=None, ndo_init=None, ndo_uninit=None,
                 ndo_get_iflink=None, ndo_set_rx_mode=None):
        self.ndo_start_xmit = ndo_start_xmit
        self.ndo_open = ndo_open
        self.ndo_stop = ndo_stop
        self.ndo_init = ndo_init
        self.ndo_uninit = ndo_uninit
        self.ndo_get_iflink = ndo_get_iflink
        self.ndo_set_rx_mode = ndo_set_rx_mode


class HeaderOps:
    """struct header_ops: build/parse the link-layer header."""
    __slots__ = ("create", "parse", "validate", "parse_protocol")

    def __init__(self, create, parse, validate=None, parse_protocol=None):
        self.create = create
        self.parse = parse
        self.validate = validate
        self.parse_protocol = parse_protocol


class NetDevice:
    """struct net_device. One class for every kind; drivers supply ops and `priv`."""
    __slots__ = ("name", "ifindex", "type", "flags", "mtu", "min_mtu", "max_mtu", "dev_addr",
                 "broadcast", "addr_len", "hard_header_len", "min_header_len", "needed_headroom",
                 "needed_tailroom", "header_ops", "netdev_ops", "link_ops", "qdisc", "ptype_all",
                 "ptype_specific", "nd_net", "priv", "stats", "carrier", "reg_state",
                 "tx_queue_len", "promiscuity", "allmulti", "no_queue", "queue_stopped",
                 "iflink", "supp_nofcs", "mc", "uc", "uc_promisc", "unicast_flt", "state",
                 # link state as user space reads it (operstate, ethtool, SIOCGIFMAP, sysfs)
                 "gflags", "operstate", "link_mode", "dormant", "ethtool_ops", "carrier_up_count",
                 "carrier_down_count", "mem_start", "mem_end", "base_addr", "irq", "dma",
                 "if_port", "rtnl_link_state", "linkwatch_pending", "qdisc_attached",
                 # protocol state hung on the device (dev->ip_ptr, dev->ip6_ptr)
                 "ip_ptr", "ip6_ptr")

    def __init__(self, name: str):
        self.name = name
        self.ifindex = 0
        self.type = 0
        self.flags = 0
        self.mtu = 1500
        self.min_mtu = 68
        self.max_mtu = 1500
        self.dev_addr = b""
        self.broadcast = b""
        self.addr_len = 0
        self.hard_header_len = 0
        self.min_header_len = 0
        self.needed_headroom = 0
        self.needed_tailroom = 0
        self.header_ops = None
        self.netdev_ops = None
        self.link_ops = None
        self.qdisc = None
        self.ptype_all: list = []
        self.ptype_specific: list = []
        self.nd_net = None
        self.priv = None
        self.stats = NetDeviceStats()
        self.carrier = True
        self.reg_state = NETREG_UNINITIALIZED
        self.tx_queue_len = 1000
        self.promiscuity = 0
        self.allmulti = 0
        self.no_queue = False
        self.queue_stopped = False
        self.iflink = 0
        self.state = 0              # netdev_state_t bits: __LINK_STATE_START (netif_running)
        self.supp_nofcs = False     # IFF_SUPP_NOFCS
        self.mc: dict = {}          # multicast address list → refcount
        self.uc: dict = {}          # secondary unicast address list → refcount
        self.uc_promisc = False     # promiscuous because of the unicast list (__dev_set_rx_mode)
        self.unicast_flt = False    # IFF_UNICAST_FLT: the device filters unicast itself
        self.gflags = 0             # PROMISC/ALLMULTI as user space asked (SIOCSIFFLAGS)
        self.operstate = IF_OPER_UNKNOWN    # RFC 2863 state, kept by linkwatch (link_watch.py)
        self.link_mode = IF_LINK_MODE_DEFAULT
        self.dormant = False        # __LINK_STATE_DORMANT (netif_dormant_on/off)
        self.ethtool_ops = None     # EthtoolOps of the driver (net/ethtool/ioctl.py), or None
        self.carrier_up_count = 0
        self.carrier_down_count = 0
        self.mem_start = 0          # struct ifmap as SIOCGIFMAP reports it
        self.mem_end = 0
        self.base_addr = 0
        self.irq = 0
        self.dma = 0
        self.if_port = 0
        self.rtnl_link_state = RTNL_LINK_INITIALIZED   # rtnl_create_link: INITIALIZING
        self.linkwatch_pending = False  # __LINK_STATE_LINKWATCH_PENDING
        self.qdisc_attached = False     # dev->qdisc is the real one (attach_default_qdiscs ran)
        self.ip_ptr = None          # struct in_device (net/ipv4/devinet.py)
        self.ip6_ptr = None         # struct inet6_dev (net/ipv6/addrconf.py)

    def __repr__(self) -> str:
        return f"<net_device {self.name} ifindex={self.ifindex}>"


class PacketType:
    """struct packet_type: a protocol hook. `func(skb, dev, pt, orig_dev)`; `af_packet_priv` is
    the owning socket (used by skb_loop_sk to skip the sender's own taps)."""
    __slots__ = ("type", "dev", "func", "af_packet_priv", "ignore_outgoing", "id_match")

    def __init__(self, type: int, func, af_packet_priv=None):
        self.type = type
        self.dev = None
        self.func = func
        self.af_packet_priv = af_packet_priv
        self.ignore_outgoing = False
        self.id_match = None


# ---------------------------------------------------------------- device tables

def dev_get_by_index(net, ifindex: int):
    return net.dev_by_index.get(ifindex)


def dev_get_by_name(net, name: str):
    return net.dev_by_name.get(name)


def netdev_get_name(net, ifindex: int):
    """netdev_get_name: the name of the device with this ifindex (to copy out), or -ENODEV."""
    dev = dev_get_by_index(net, ifindex)
    if dev is None:
        return -ENODEV
    return dev.name


def call_netdevice_notifiers(event: int, dev: NetDevice) -> None:
    core = dev.nd_net.core
    core.fp_gen += 1                    # a device changed: fast-path routes are stale
    for fn in list(core.netdev_chain):
        fn(event, dev)


def register_netdevice_notifier(core: NetCore, fn) -> None:
    core.netdev_chain.append(fn)


# ---------------------------------------------------------------- names

_NAME_SPACES = b" \t\n\v\f\r\xa0"   # the kernel's isspace() (lib/ctype.c marks 0xA0 too)
MAX_NETDEVICES = 8 * 4096              # __dev_alloc_name's bitmap: one page of bits


def dev_valid_name(name: str) -> bool:
    """dev_valid_name (v5.15 net/core/dev.c): 1 to IFNAMSIZ-1 bytes, not "." or "..", and no
    '/', ':' or whitespace. A NUL cannot be part of a C string: it is refused too."""
    if not isinstance(name, str) or not name or "\0" in name:
        return False
    b = name.encode("utf-8", "surrogateescape")
    if len(b) >= IFNAMSIZ or name in (".", ".."):
        return False
    return not any(c in _NAME_SPACES or c in b"/:" for c in b)


def __dev_alloc_name(net, name: str, taken=()) -> str | int:
    """__dev_alloc_name: a template with one "%d" becomes the lowest unit number whose name is free
    in `net` (and not in `taken`: names a request is about to register); the result is cut to
    IFNAMSIZ-1 bytes as snprintf does. Any other '%' is EINVAL; no free number, ENFILE."""
    p = name.find("%")
    if name[p + 1:p + 2] != "d" or "%" in name[p + 2:]:
        return -EINVAL
    used = net.dev_by_name
    for i in range(MAX_NETDEVICES):
        cand = (name[:p] + str(i) + name[p + 2:]).encode()[:IFNAMSIZ - 1].decode("utf-8", "ignore")
        if cand not in used and cand not in taken:
            return cand
    return -ENFILE


def dev_get_valid_name(net, name: str, taken=()) -> str | int:
    """dev_get_valid_name: the name a device registered in `net` would get — EINVAL for an invalid
    name, a "%d" template expanded, EEXIST if it is in use (or in `taken`). Changes nothing."""
    if not dev_valid_name(name):
        return -EINVAL
    if "%" in name:
        return __dev_alloc_name(net, name, taken)
    if name in net.dev_by_name or name in taken:
        return -EEXIST
    return name


def register_netdevice(net, dev: NetDevice, ifindex: int = 0) -> int:
    """register_netdevice: check the name (dev_get_valid_name), give the device an index in `net`
    and announce it (NETDEV_REGISTER)."""
    name = dev_get_valid_name(net, dev.name)
    if type(name) is int:
        return name
    dev.name = name
    dev.nd_net = net
    if ifindex == 0:
        ifindex = net.dev_new_index()
    dev.ifindex = ifindex
    if dev.netdev_ops.ndo_init is not None:
        dev.netdev_ops.ndo_init(dev)
    net.dev_by_name[dev.name] = dev
    net.dev_by_index[dev.ifindex] = dev
    dev.reg_state = NETREG_REGISTERED
    link_watch.linkwatch_init_dev(dev)
    call_netdevice_notifiers(NETDEV_REGISTER, dev)
    # a device made by rtnl_newlink is announced by rtnl_configure_link, once it is set up
    if dev.link_ops is None or dev.rtnl_link_state == RTNL_LINK_INITIALIZED:
        _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, 0xFFFFFFFF)
    return 0


def unregister_netdevice_queue(dev: NetDevice, head=None) -> None:
    """unregister_netdevice_queue: with a list `head`, add the device to it (the caller then
    runs unregister_netdevice_many on the list); without, unregister it now."""
    if head is not None:
        head.append(dev)
    else:
        unregister_netdevice_many([dev])


def unregister_netdevice_many(devs: list) -> None:
    """unregister_netdevice_many: close the devices that are up (dev_close_many: every one
    announced down), then for each device in turn tell listeners (NETDEV_UNREGISTER), announce
    it gone (RTM_DELLINK — a device whose rtnl setup never finished is not announced) and
    unlink it."""
    dev_close_many([d for d in devs if d.flags & IFF_UP])
    for dev in devs:
        dev_shutdown(dev)
        call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
        if dev.link_ops is None or dev.rtnl_link_state == RTNL_LINK_INITIALIZED:
            msg = _rtnl.rtmsg_ifinfo_build_skb(RTM_DELLINK, dev, 0xFFFFFFFF)
            _rtnl.rtmsg_ifinfo_send(msg, dev)
        for pt in list(dev.ptype_all) + list(dev.ptype_specific):
            dev_remove_pack(pt)
        if dev.netdev_ops.ndo_uninit is not None:
            dev.netdev_ops.ndo_uninit(dev)
        net = dev.nd_net
        net.dev_by_name.pop(dev.name, None)
        net.dev_by_index.pop(dev.ifindex, None)
        dev.reg_state = NETREG_UNREGISTERED
        link_watch.linkwatch_forget_dev(dev)


def dev_can_change_net_namespace(dev: NetDevice, net) -> int:
    """The checks __dev_change_net_namespace makes before it touches anything: a device that must
    stay in its namespace (NETIF_F_NETNS_LOCAL: loopback) or is not registered is EINVAL; its name
    taken in the target namespace is EEXIST. Moving to its own namespace is a no-op (0)."""
    if dev.flags & IFF_LOOPBACK or dev.reg_state != NETREG_REGISTERED:
        return -EINVAL
    if dev.nd_net is not net and dev.name in net.dev_by_name:
        return -EEXIST
    return 0


def __dev_change_net_namespace(dev: NetDevice, net) -> int:
    """__dev_change_net_namespace: down, unregister in the old namespace, keep the ifindex unless
    it is taken in the new one, register there (the device arrives down)."""
    err = dev_can_change_net_namespace(dev, net)
    if err or dev.nd_net is net:
        return err
    dev_close(dev)
    old = dev.nd_net
    old.dev_by_name.pop(dev.name, None)
    old.dev_by_index.pop(dev.ifindex, None)
    dev_shutdown(dev)
    call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
    new_nsid = peernet2id_alloc(old, net)
    ifindex = dev.ifindex if dev.ifindex not in net.dev_by_index else net.dev_new_index()
    _rtnl.rtmsg_ifinfo_newnet(RTM_DELLINK, dev, 0xFFFFFFFF, new_nsid, ifindex)
    dev.nd_net = net
    dev.ifindex = ifindex
    net.dev_by_name[dev.name] = dev
    net.dev_by_index[ifindex] = dev
    call_netdevice_notifiers(NETDEV_REGISTER, dev)
    _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, 0xFFFFFFFF)
    return 0


def __dev_open(dev: NetDevice) -> int:
    """__dev_open: mark the device running (netif_running) before ndo_open, so a driver sees
    itself running while it opens; then set IFF_UP and attach the qdisc. Announcing it is the
    caller's (dev_open, or __dev_notify_flags after a flags change)."""
    ops = dev.netdev_ops
    dev.state |= LINK_STATE_START
    if ops.ndo_open is not None:
        ret = ops.ndo_open(dev)
        if ret:
            dev.state &= ~LINK_STATE_START
            return ret
    dev.flags |= IFF_UP
    dev_set_rx_mode(dev)                # the address lists and flags waited for IFF_UP
    dev.qdisc_attached = True           # dev_activate: attach_default_qdiscs
    dev_activate(dev)
    return 0


def dev_open(dev: NetDevice) -> int:
    """dev_open: __dev_open, then RTM_NEWLINK (IFF_UP|IFF_RUNNING changed) and NETDEV_UP."""
    if dev.flags & IFF_UP:
        return 0
    ret = __dev_open(dev)
    if ret < 0:
        return ret
    _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING)
    call_netdevice_notifiers(NETDEV_UP, dev)
    return 0


def __dev_close(dev: NetDevice) -> None:
    """__dev_close_many for one device: NETDEV_GOING_DOWN, ndo_stop, clear IFF_UP, deactivate
    the qdisc. Announcing it is the caller's."""
    call_netdevice_notifiers(NETDEV_GOING_DOWN, dev)
    dev.state &= ~LINK_STATE_START      # netif_running() is false before ndo_stop runs
    dev.qdisc.deactivate()
    ops = dev.netdev_ops
    if ops.ndo_stop is not None:
        ops.ndo_stop(dev)
    dev.flags &= ~IFF_UP


def dev_close_many(devs: list) -> None:
    """dev_close_many: close every device that is up, then announce each: RTM_NEWLINK
    (IFF_UP|IFF_RUNNING changed) and NETDEV_DOWN."""
    devs = [d for d in devs if d.flags & IFF_UP]
    for dev in devs:
        __dev_close(dev)
    for dev in devs:
        _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING)
        call_netdevice_notifiers(NETDEV_DOWN, dev)


def dev_close(dev: NetDevice) -> None:
    """dev_close: dev_close_many of the one device (nothing when it is down)."""
    dev_close_many([dev])


# the flags __dev_change_flags takes from the caller; the others are the kernel's to keep
IFF_USER_SETTABLE = (IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST
                     | IFF_PORTSEL | IFF_AUTOMEDIA)


def __dev_change_flags(dev: NetDevice, flags: int) -> int:
    """__dev_change_flags: take the user-settable flags from `flags` and keep UP, the volatile
    ones and the promiscuity/allmulti state; then IFF_UP opens or closes the device; PROMISC and
    ALLMULTI asked for by user space (gflags) each hold one reference on the counters. `flags`
    is an unsigned int (SIOCSIFFLAGS passes the short ifr_flags sign-extended)."""
    flags &= 0xFFFFFFFF
    old_flags = dev.flags
    dev.flags = (flags & IFF_USER_SETTABLE) | (
        dev.flags & (IFF_UP | IFF_VOLATILE | IFF_PROMISC | IFF_ALLMULTI))
    dev_set_rx_mode(dev)                # the filters follow the new flags (a running device)
    ret = 0
    if (old_flags ^ flags) & IFF_UP:
        if old_flags & IFF_UP:
            __dev_close(dev)
        else:
            ret = __dev_open(dev)
    if (flags ^ dev.gflags) & IFF_PROMISC:
        dev.gflags ^= IFF_PROMISC
        before = dev.flags
        if __dev_set_promiscuity(dev, 1 if flags & IFF_PROMISC else -1) >= 0 and dev.flags != before:
            dev_set_rx_mode(dev)
    if (flags ^ dev.gflags) & IFF_ALLMULTI:
        dev.gflags ^= IFF_ALLMULTI
        __dev_set_allmulti(dev, 1 if flags & IFF_ALLMULTI else -1)
    return ret


def dev_change_flags(dev: NetDevice, flags: int) -> int:
    """dev_change_flags: __dev_change_flags, then __dev_notify_flags with every flag that
    changed, those user space asked for (gflags) included."""
    old_flags, old_gflags = dev.flags, dev.gflags
    ret = __dev_change_flags(dev, flags)
    if ret < 0:
        return ret
    __dev_notify_flags(dev, old_flags, (old_flags ^ dev.flags) | (old_gflags ^ dev.gflags))
    return ret


def __dev_notify_flags(dev: NetDevice, old_flags: int, gchanges: int) -> None:
    """__dev_notify_flags: RTM_NEWLINK with ifi_change = `gchanges` when there are any; then
    NETDEV_UP or NETDEV_DOWN when IFF_UP changed, and NETDEV_CHANGE when an up device changed
    another flag than UP/PROMISC/ALLMULTI/the volatile ones."""
    changes = dev.flags ^ old_flags
    if gchanges:
        _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, gchanges)
    if changes & IFF_UP:
        call_netdevice_notifiers(NETDEV_UP if dev.flags & IFF_UP else NETDEV_DOWN, dev)
    if dev.flags & IFF_UP and changes & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE):
        call_netdevice_notifiers(NETDEV_CHANGE, dev)


def netdev_state_change(dev: NetDevice) -> None:
    """netdev_state_change: an up device's state changed (linkwatch: the carrier) —
    NETDEV_CHANGE, then RTM_NEWLINK."""
    if dev.flags & IFF_UP:
        call_netdevice_notifiers(NETDEV_CHANGE, dev)
        _rtnl.rtmsg_ifinfo(RTM_NEWLINK, dev, 0)


INT_MAX = 0x7FFFFFFF


def dev_validate_mtu(dev: NetDevice, mtu: int) -> int:
    """dev_validate_mtu: EINVAL below the device's min_mtu or above its max_mtu (0: no maximum).
    The MTU arrives as a u32 (IFLA_MTU) read into an int: above INT_MAX it is negative."""
    if mtu < 0 or mtu > INT_MAX or mtu < dev.min_mtu:
        NL_SET_ERR_MSG("mtu less than device minimum")
        return -EINVAL
    if dev.max_mtu > 0 and mtu > dev.max_mtu:
        NL_SET_ERR_MSG("mtu greater than device maximum")
        return -EINVAL
    return 0


def dev_set_mtu(dev: NetDevice, mtu: int) -> int:
    """dev_set_mtu_ext: the same MTU again is a no-op; else validate, set, NETDEV_CHANGEMTU."""
    if mtu == dev.mtu:
        return 0
    err = dev_validate_mtu(dev, mtu)
    if err:
        return err
    dev.mtu = mtu
    call_netdevice_notifiers(NETDEV_CHANGEMTU, dev)
    return 0


def dev_validate_mac_address(dev: NetDevice, addr: bytes, running: bool) -> int:
    """What dev_set_mac_address and eth_mac_addr's eth_prepare_mac_addr_change check before the
    address changes: fewer bytes than addr_len EINVAL (validate_linkmsg; extra bytes are ignored,
    as do_setlink copies addr_len); a `running` device without IFF_LIVE_ADDR_CHANGE EBUSY; a group
    or all-zero address EADDRNOTAVAIL. Loopback and every kind here set addresses with
    eth_mac_addr (lo and veth/dummy/tap/qemu change them live); the FTGMAC100 model has no
    ndo_set_mac_address yet (EOPNOTSUPP)."""
    loopback = dev.flags & IFF_LOOPBACK
    if dev.link_ops is None and not loopback:
        return -EOPNOTSUPP
    if len(addr) < dev.addr_len:
        return -EINVAL
    if running and not (loopback or dev.link_ops.live_addr_change):
        return -EBUSY
    if not is_valid_ether_addr(addr):
        return -EADDRNOTAVAIL
    return 0


def dev_set_mac_address(dev: NetDevice, addr: bytes) -> int:
    """dev_set_mac_address: validate (dev_validate_mac_address), set, NETDEV_CHANGEADDR."""
    err = dev_validate_mac_address(dev, addr, bool(dev.flags & IFF_UP))
    if err:
        return err
    dev.dev_addr = bytes(addr[:dev.addr_len])
    call_netdevice_notifiers(NETDEV_CHANGEADDR, dev)
    return 0


def dev_get_flags(dev: NetDevice) -> int:
    """dev_get_flags: the flags user space sees. PROMISC/ALLMULTI show only when user space asked
    for them (gflags: the counters raised by packet memberships never show); a running
    device adds RUNNING when its operstate says it can pass frames (netif_oper_up: UP or
    UNKNOWN), LOWER_UP with carrier, DORMANT while dormant."""
    user = IFF_PROMISC | IFF_ALLMULTI
    flags = (dev.flags & ~user) | (dev.gflags & user)
    if flags & IFF_UP:
        if netif_oper_up(dev):
            flags |= IFF_RUNNING
        if dev.carrier:
            flags |= IFF_LOWER_UP
        if dev.dormant:
            flags |= IFF_DORMANT
    return flags


def dev_get_iflink(dev: NetDevice) -> int:
    """dev_get_iflink: the driver's ndo_get_iflink (a veth names its peer), else the device's
    own ifindex."""
    get = dev.netdev_ops.ndo_get_iflink if dev.netdev_ops is not None else None
    return get(dev) if get is not None else dev.ifindex


def dev_change_tx_queue_len(dev: NetDevice, new_len: int) -> int:
    """dev_change_tx_queue_len: a length that does not fit an unsigned int is ERANGE; a change
    is announced (NETDEV_CHANGE_TX_QUEUE_LEN). The queueing disciplines here do not bound their
    length by it (DIVERGENCE(#10): pfifo_fast keeps its own limit)."""
    if new_len < 0 or new_len > 0xFFFFFFFF:
        return -34  # ERANGE
    if new_len != dev.tx_queue_len:
        dev.tx_queue_len = new_len
        call_netdevice_notifiers(NETDEV_CHANGE_TX_QUEUE_LEN, dev)
    return 0


def _flags_then_rx_mode(dev: NetDevice, change, inc: int, *args) -> int:
    """Count a promiscuity/allmulti reference; if that changed the flags, the filters follow."""
    before = dev.flags
    err = change(dev, inc, *args)
    if err >= 0 and dev.flags != before:
        dev_set_rx_mode(dev)
    return err


def dev_set_promiscuity(dev: NetDevice, inc: int) -> int:
    """dev_set_promiscuity: __dev_set_promiscuity with its announcement, then the device's
    filters when IFF_PROMISC changed."""
    return _flags_then_rx_mode(dev, __dev_set_promiscuity, inc, True)


def __dev_set_promiscuity(dev: NetDevice, inc: int, notify: bool = False) -> int:
    """__dev_set_promiscuity: count up/down; IFF_PROMISC while the count is non-zero. With
    `notify` (dev_set_promiscuity: a packet membership, not a flags change or the unicast
    list, which announce themselves or nothing), __dev_notify_flags with IFF_PROMISC — an
    RTM_NEWLINK each time, the flags changed or not."""
    old_flags = dev.flags
    n = dev.promiscuity + inc
    if n < 0:
        n = 0
    if n > 0xFFFFFFFF:
        return -75  # EOVERFLOW
    dev.promiscuity = n
    if n:
        dev.flags |= IFF_PROMISC
    else:
        dev.flags &= ~IFF_PROMISC
    if notify:
        __dev_notify_flags(dev, old_flags, IFF_PROMISC)
    return 0


def dev_set_allmulti(dev: NetDevice, inc: int) -> int:
    """dev_set_allmulti: __dev_set_allmulti, then the device's filters when IFF_ALLMULTI
    changed."""
    return _flags_then_rx_mode(dev, __dev_set_allmulti, inc)


def __dev_set_allmulti(dev: NetDevice, inc: int) -> int:
    """__dev_set_allmulti: as promiscuity, for IFF_ALLMULTI."""
    n = dev.allmulti + inc
    if n < 0:
        n = 0
    if n > 0xFFFFFFFF:
        return -75
    dev.allmulti = n
    if n:
        dev.flags |= IFF_ALLMULTI
    else:
        dev.flags &= ~IFF_ALLMULTI
    return 0


def __dev_set_rx_mode(dev: NetDevice) -> None:
    """__dev_set_rx_mode: only while up. A device without IFF_UNICAST_FLT cannot filter the
    secondary unicast addresses, so it is made promiscuous (one reference, uc_promisc) while
    its unicast list is non-empty, and released when the list empties. Then the driver
    programs its filters (ndo_set_rx_mode: the multicast list, IFF_PROMISC, IFF_ALLMULTI)."""
    if not dev.flags & IFF_UP:
        return
    if not dev.unicast_flt:
        if dev.uc and not dev.uc_promisc:
            __dev_set_promiscuity(dev, 1)
            dev.uc_promisc = True
        elif not dev.uc and dev.uc_promisc:
            __dev_set_promiscuity(dev, -1)
            dev.uc_promisc = False
    ops = dev.netdev_ops
    if ops is not None and ops.ndo_set_rx_mode is not None:
        ops.ndo_set_rx_mode(dev)


def dev_set_rx_mode(dev: NetDevice) -> None:
    """dev_set_rx_mode: __dev_set_rx_mode under the address-list lock (the machine lock here)."""
    __dev_set_rx_mode(dev)


def dev_addr_list_change(lst: dict, addr: bytes, inc: int) -> int:
    """dev_mc_add/dev_mc_del, dev_uc_add/dev_uc_del: reference-counted address lists."""
    n = lst.get(addr, 0) + inc
    if n < 0:
        return -2  # ENOENT
    if n:
        lst[addr] = n
    else:
        lst.pop(addr, None)
    return 0


# ---------------------------------------------------------------- protocol hooks

def dev_add_pack(pt: PacketType, core: NetCore) -> None:
    """dev_add_pack: ETH_P_ALL hooks go on the all-protocol list (global or the device's), the
    others on the protocol hash (global) or the device's specific list. New hooks go first."""
    if pt.type == ETH_P_ALL:
        lst = pt.dev.ptype_all if pt.dev is not None else core.ptype_all
    elif pt.dev is not None:
        lst = pt.dev.ptype_specific
    else:
        lst = core.ptype_base.setdefault(pt.type, [])
    lst.insert(0, pt)
    _fp_invalidate(pt, core)


def dev_remove_pack(pt: PacketType, core: NetCore | None = None) -> None:
    """dev_remove_pack: __dev_remove_pack, then synchronize_net (nothing to wait for here: no
    other CPU can be inside a hook)."""
    __dev_remove_pack(pt, core)


def __dev_remove_pack(pt: PacketType, core: NetCore | None = None) -> None:
    """__dev_remove_pack: take the hook off the list dev_add_pack put it on (callers that hold
    their own lock and synchronize themselves: af_packet's unregister, fanout)."""
    if pt.type == ETH_P_ALL:
        lst = pt.dev.ptype_all if pt.dev is not None else core.ptype_all
    elif pt.dev is not None:
        lst = pt.dev.ptype_specific
    else:
        lst = core.ptype_base.get(pt.type, [])
    try:
        lst.remove(pt)
    except ValueError:
        pass
    _fp_invalidate(pt, core)


def _fp_invalidate(pt: PacketType, core: NetCore | None) -> None:
    """A hook was added or removed: fast-path routes are stale (netkernel/fastpath.py)."""
    if core is None:
        core = pt.dev.nd_net.core if pt.dev is not None and pt.dev.nd_net is not None else None
    if core is not None:
        core.fp_gen += 1


# ---------------------------------------------------------------- transmit

def skb_loop_sk(pt: PacketType, skb: SkBuff) -> bool:
    """skb_loop_sk: a tap never sees what its own socket sent."""
    if pt.af_packet_priv is None or skb.sk is None:
        return False
    if pt.af_packet_priv is skb.sk:
        return True
    if pt.id_match is not None and pt.id_match(pt, skb.sk):
        return True
    return False


# ---------------------------------------------------------------- receive timestamps

def netstamp_clear(core: NetCore) -> None:
    """netstamp_clear (netstamp_work): fold the deferred enables and disables into
    netstamp_wanted and turn the receive stamping key on while it is positive, off otherwise."""
    deferred = core.netstamp_needed_deferred
    core.netstamp_needed_deferred = 0
    core.netstamp_wanted += deferred
    core.netstamp_needed = core.netstamp_wanted > 0


def net_enable_timestamp(core: NetCore) -> None:
    """net_enable_timestamp: one more user of receive stamps. While the key is already on this
    only counts; the first user's enable is deferred to netstamp_work (static keys cannot be
    switched from atomic context). DIVERGENCE(#11): the work runs at once, so the frames
    that Linux leaves unstamped until the worker runs are stamped here."""
    wanted = core.netstamp_wanted
    if wanted > 0:
        core.netstamp_wanted = wanted + 1
        return
    core.netstamp_needed_deferred += 1
    netstamp_clear(core)                    # schedule_work(&netstamp_work)


def net_disable_timestamp(core: NetCore) -> None:
    """net_disable_timestamp: one user fewer; the last one's disable is deferred to
    netstamp_work like the first enable (DIVERGENCE(#11): run at once, as there)."""
    wanted = core.netstamp_wanted
    if wanted > 1:
        core.netstamp_wanted = wanted - 1
        return
    core.netstamp_needed_deferred -= 1
    netstamp_clear(core)                    # schedule_work(&netstamp_work)


def dev_queue_xmit_nit(skb: SkBuff, dev: NetDevice) -> None:
    """dev_queue_xmit_nit: give each ETH_P_ALL tap (global, then the device's) a clone of the
    outgoing frame marked PACKET_OUTGOING, except taps ignoring outgoing and the sender's own."""
    core = dev.nd_net.core
    for lst in (core.ptype_all, dev.ptype_all):
        for pt in list(lst):
            if pt.ignore_outgoing or skb_loop_sk(pt, skb):
                continue
            skb2 = skb_clone(skb)
            skb2.tstamp = core.clock() if core.netstamp_needed else 0      # net_timestamp_set
            skb2.mac_header = skb2.data
            if skb2.network_header < skb2.data or skb2.network_header > skb2.tail:
                skb2.network_header = skb2.data
            skb2.pkt_type = PACKET_OUTGOING
            pt.func(skb2, dev, pt, dev)


def xmit_one(skb: SkBuff, dev: NetDevice) -> int:
    if dev.ptype_all or dev.nd_net.core.ptype_all:
        dev_queue_xmit_nit(skb, dev)
    return dev.netdev_ops.ndo_start_xmit(skb, dev)


def dev_hard_start_xmit(skb: SkBuff, dev: NetDevice) -> int:
    """dev_hard_start_xmit: hand the frame to the driver (through xmit_one)."""
    return xmit_one(skb, dev)


def dev_queue_xmit(skb: SkBuff) -> int:
    """dev_queue_xmit: queue the frame on its device for transmission."""
    return __dev_queue_xmit(skb, None)


def __dev_queue_xmit(skb: SkBuff, sb_dev) -> int:
    """__dev_queue_xmit: through the qdisc if the device has one, else straight to the driver
    (noqueue: a down device gives -ENETDOWN). Softirqs raised meanwhile run before returning."""
    dev = skb.dev
    core = dev.nd_net.core
    skb.mac_header = skb.data
    if skb.tx_flags & SKBTX_SCHED_TSTAMP:
        __skb_tstamp_tx(skb, None, None, skb.sk, SCM_TSTAMP_SCHED)
    bh = core.in_softirq
    core.in_softirq = True      # rcu_read_lock_bh: softirqs raised meanwhile wait until the end
    try:
        rc = _dev_queue_xmit_body(skb, dev, core)
    finally:
        core.in_softirq = bh
    if core.softirq_pending and not bh:
        do_softirq(core)       # rcu_read_unlock_bh → local_bh_enable
    return rc


def _dev_queue_xmit_body(skb: SkBuff, dev: NetDevice, core: NetCore) -> int:
    q = dev.qdisc
    if not q.active:
        # the device's queue is still the noop qdisc (no carrier yet, or lost): drop
        q.drops += 1
        kfree_skb(skb)
        rc = NET_XMIT_CN
    elif q.enqueue is not None:
        rc = __dev_xmit_skb(skb, q, dev)
    elif dev.flags & IFF_UP:
        if dev.queue_stopped:
            dev.stats.tx_dropped += 1
            kfree_skb(skb)
            rc = -ENETDOWN
        else:
            rc = dev_hard_start_xmit(skb, dev)
            if rc == NETDEV_TX_BUSY:
                kfree_skb(skb)
                rc = -ENETDOWN
    else:
        kfree_skb(skb)
        rc = -ENETDOWN
    return rc


def __dev_xmit_skb(skb: SkBuff, q, dev: NetDevice) -> int:
    """__dev_xmit_skb (a lockless qdisc, TCQ_F_NOLOCK: pfifo_fast): a qdisc that may be bypassed
    (TCQ_F_CAN_BYPASS), holds nothing and is not running sends the frame straight through
    sch_direct_xmit — NET_XMIT_SUCCESS even when the driver pushes it back (it is requeued) —
    and runs the queue if something arrived meanwhile; otherwise enqueue, then qdisc_run."""
    if q.flags & TCQ_F_CAN_BYPASS and not q.q and not q.running:
        q.running = True                    # qdisc_run_begin
        try:
            if sch_direct_xmit(skb, q, dev) and q.q:
                __qdisc_run(q, dev)
        finally:
            q.running = False               # qdisc_run_end
        return NET_XMIT_SUCCESS
    rc = q.enqueue(skb, q)
    q.run(dev)
    return rc


def __dev_direct_xmit(skb: SkBuff, queue_id: int) -> int:
    """__dev_direct_xmit: straight to the driver, past the qdisc and the taps (PACKET_QDISC_BYPASS);
    a device that is down or without carrier drops the frame (NET_XMIT_DROP, tx_dropped)."""
    dev = skb.dev
    core = dev.nd_net.core
    if not dev.flags & IFF_UP or not dev.carrier:
        dev.stats.tx_dropped += 1
        kfree_skb(skb)
        return NET_XMIT_DROP
    skb.mac_header = skb.data
    bh = core.in_softirq
    core.in_softirq = True
    try:
        if dev.queue_stopped:
            ret = NETDEV_TX_BUSY
        else:
            ret = dev.netdev_ops.ndo_start_xmit(skb, dev)
        if ret == NETDEV_TX_BUSY:
            kfree_skb(skb)
    finally:
        core.in_softirq = bh
    if not bh:
        do_softirq(core)
    return ret


# ---------------------------------------------------------------- receive

def net_dev_init(core: NetCore) -> None:
    """net_dev_init: the receive softirq of the machine's CPU. (NET_TX_SOFTIRQ is not opened:
    a stopped qdisc is run again at once by netif_wake_queue here.)"""
    open_softirq(core, NET_RX_SOFTIRQ, net_rx_action)


def is_skb_forwardable(dev: NetDevice, skb: SkBuff) -> bool:
    """is_skb_forwardable: the receiving device must be up and the frame fit its MTU (+ a tag)."""
    if not dev.flags & IFF_UP:
        return False
    return skb.tail - skb.data <= dev.mtu + dev.hard_header_len + VLAN_HLEN


def __dev_forward_skb(dev: NetDevice, skb: SkBuff) -> int:
    """__dev_forward_skb: scrub the frame for its new device and classify it (eth_type_trans)."""
    if not is_skb_forwardable(dev, skb):
        dev.stats.rx_dropped += 1
        kfree_skb(skb)
        return 1
    skb.pkt_type = PACKET_HOST
    skb.tstamp = 0
    skb.priority = 0
    if skb.dev.nd_net is not dev.nd_net:
        skb.mark = 0
    skb.protocol = _eth.eth_type_trans(skb, dev)
    return 0


def netif_rx(skb: SkBuff) -> int:
    """netif_rx → enqueue_to_backlog: queue for softirq processing, or drop when the backlog
    already holds more than net.core.netdev_max_backlog frames. The first frame schedules the
    backlog's poll (NET_RX raised); later ones join it until process_backlog empties it."""
    core = skb.dev.nd_net.core
    if len(core.backlog) > core.sysctl["net.core.netdev_max_backlog"]:
        core.backlog_dropped += 1
        skb.dev.stats.rx_dropped += 1
        kfree_skb(skb)
        return NET_RX_DROP
    core.backlog.append(skb)
    if not core.backlog_sched:
        core.backlog_sched = True
        core.softirq_pending |= NET_RX_PENDING      # __raise_softirq_irqoff(NET_RX_SOFTIRQ)
    return NET_RX_SUCCESS


def process_backlog(core: NetCore) -> None:
    """process_backlog: deliver the backlog's frames (__netif_receive_skb), including those
    queued meanwhile, then mark its poll done.
    DIVERGENCE(#8): Linux polls the backlog from the poll list with a quota (dev_rx_weight) within
    netdev_budget; the model empties it in one poll, after the devices' NAPI polls."""
    backlog = core.backlog
    while backlog:
        __netif_receive_skb(backlog.popleft())
    core.backlog_sched = False


# ---------------------------------------------------------------- NAPI

NAPI_STATE_SCHED = 1 << 0
NAPI_STATE_DISABLE = 1 << 1
NAPI_POLL_WEIGHT = 64


class NapiStruct:
    """struct napi_struct: a device's poll function, its weight, and whether it is scheduled."""
    __slots__ = ("dev", "poll", "weight", "state", "core")

    def __init__(self):
        self.dev = None
        self.poll = None
        self.weight = NAPI_POLL_WEIGHT
        self.state = NAPI_STATE_DISABLE
        self.core = None


def netif_napi_add(dev: NetDevice, napi: NapiStruct, poll, weight: int = NAPI_POLL_WEIGHT) -> None:
    """netif_napi_add: attach a poll function; the instance starts disabled."""
    napi.dev = dev
    napi.poll = poll
    napi.weight = weight
    napi.state = NAPI_STATE_DISABLE
    napi.core = dev.nd_net.core


def napi_enable(napi: NapiStruct) -> None:
    napi.state &= ~(NAPI_STATE_SCHED | NAPI_STATE_DISABLE)


def napi_disable(napi: NapiStruct) -> None:
    """napi_disable: no more polls; a scheduled instance leaves the poll list."""
    napi.state = NAPI_STATE_DISABLE
    try:
        napi.core.poll_list.remove(napi)
    except (ValueError, AttributeError):
        pass


def napi_schedule_prep(napi: NapiStruct) -> bool:
    """napi_schedule_prep: claim the instance (NAPI_STATE_SCHED) for a poll; False when it is
    being disabled or is scheduled already (Linux then marks NAPI_STATE_MISSED for the running
    poll; the model's polls never overlap an interrupt)."""
    if napi.state & (NAPI_STATE_SCHED | NAPI_STATE_DISABLE):
        return False
    napi.state |= NAPI_STATE_SCHED
    return True


def ____napi_schedule(napi: NapiStruct) -> None:
    """____napi_schedule: on the CPU's poll list, and NET_RX raised."""
    core = napi.core
    core.poll_list.append(napi)
    __raise_softirq_irqoff(core, NET_RX_SOFTIRQ)


def __napi_schedule(napi: NapiStruct) -> None:
    """__napi_schedule: ____napi_schedule with interrupts saved and disabled around it."""
    ____napi_schedule(napi)


def __napi_schedule_irqoff(napi: NapiStruct) -> None:
    """__napi_schedule_irqoff: ____napi_schedule, interrupts being off already."""
    ____napi_schedule(napi)


def napi_complete_done(napi: NapiStruct, work_done: int) -> bool:
    """napi_complete_done: the poll is finished; the instance may be scheduled again."""
    napi.state &= ~NAPI_STATE_SCHED
    return True


def napi_gro_receive(napi: NapiStruct, skb: SkBuff) -> int:
    """napi_gro_receive: DIVERGENCE(#4): no GRO merging; the frame goes up as it is."""
    return netif_receive_skb(skb)


def __napi_poll(n: NapiStruct) -> tuple[int, bool]:
    """__napi_poll: run the instance's poll with its weight → (work done, repoll): an instance
    that used its whole weight and is still scheduled goes back on the list for another round
    (a driver that completed instead is left alone). No GRO lists to flush: DIVERGENCE(#4)."""
    work = n.poll(n, n.weight)
    return work, work >= n.weight and bool(n.state & NAPI_STATE_SCHED)


def net_rx_action(core: NetCore) -> None:
    """net_rx_action (the NET_RX_SOFTIRQ handler): poll each scheduled instance with its weight
    within netdev_budget; one that used its whole weight (still has work) is polled again; what
    is left raises NET_RX again and waits for the next softirq run (ksoftirqd in Linux). Then
    the backlog, if its poll is due (process_backlog)."""
    poll_list = core.poll_list
    if poll_list:
        budget = core.sysctl.get("net.core.netdev_budget", 300)
        while poll_list and budget > 0:
            n = poll_list.popleft()             # napi_poll: off the list, maybe back on
            if not n.state & NAPI_STATE_SCHED or n.poll is None:
                continue
            work, repoll = __napi_poll(n)
            budget -= work if work else 1
            if repoll:
                poll_list.append(n)
        if poll_list:
            __raise_softirq_irqoff(core, NET_RX_SOFTIRQ)
    if core.backlog_sched:
        process_backlog(core)


# ---------------------------------------------------------------- TX queue state

def netif_receive_skb(skb: SkBuff) -> int:
    """netif_receive_skb: process a received frame now (NAPI drivers)."""
    return __netif_receive_skb(skb)


def __netif_receive_skb(skb: SkBuff) -> int:
    return __netif_receive_skb_core(skb)


def __netif_receive_skb_core(skb: SkBuff) -> int:
    """__netif_receive_skb_core: untag VLAN, deliver to every ETH_P_ALL hook (global, then the
    device's), then to hooks of skb->protocol (global hash, then the device's specific list)."""
    dev = skb.dev
    core = dev.nd_net.core
    skb.network_header = skb.data
    skb.skb_iif = dev.ifindex
    if skb.tstamp == 0 and core.netstamp_needed:                       # net_timestamp_check
        skb.tstamp = core.clock()
    if skb.protocol in (ETH_P_8021Q, ETH_P_8021AD):
        skb.buf = bytearray(skb.buf)  # untagging rewrites the buffer: take a private copy
        if not skb_vlan_untag(skb):
            return NET_RX_DROP
        skb.network_header = skb.data
    delivered = False
    if core.ptype_all:                  # (no list copies for empty lists)
        for pt in list(core.ptype_all):
            pt.func(skb_clone(skb), dev, pt, dev)
            delivered = True
    if dev.ptype_all:
        for pt in list(dev.ptype_all):
            pt.func(skb_clone(skb), dev, pt, dev)
            delivered = True
    if skb.vlan_tci >= 0:
        # vlan_do_receive finds no VLAN device (none are modelled); check_vlan_id: a VID makes
        # the frame another host's; a priority tag (VID 0) over another VLAN header has that
        # one taken off too and checked the same way; then the tag is forgotten
        while True:
            if skb.vlan_tci & VLAN_VID_MASK:
                skb.pkt_type = PACKET_OTHERHOST
            elif skb.protocol in (ETH_P_8021Q, ETH_P_8021AD):
                skb.vlan_tci = -1                       # __vlan_hwaccel_clear_tag
                skb.buf = bytearray(skb.buf)            # the taps' clones keep the old bytes
                if not skb_vlan_untag(skb):
                    return NET_RX_DROP
                skb.network_header = skb.data
                continue
            break
        skb.vlan_tci = -1
    ptype = skb.protocol
    hooks = core.ptype_base.get(ptype)
    if hooks:
        for pt in list(hooks):
            pt.func(skb_clone(skb), dev, pt, dev)
            delivered = True
    if dev.ptype_specific:
        for pt in list(dev.ptype_specific):
            if pt.type == ptype:
                pt.func(skb_clone(skb), dev, pt, dev)
                delivered = True
    if not delivered:
        kfree_skb(skb)
        dev.stats.rx_dropped += 1       # no handler took it: the core's rx_dropped counter
        return NET_RX_DROP
    consume_skb(skb)                    # each handler has its own clone (packet_rcv's consume)
    return NET_RX_SUCCESS


# net/core/dev.c calls eth_type_trans (net/ethernet/eth.c), which builds on this module: bound
# last, as a module, so that either side may be imported first.
from netkernel.net.ethernet import eth as _eth  # noqa: E402
# link_watch.c sits beside dev.c and calls back into it: imported the same way. So does
# rtnetlink.c, whose rtmsg_ifinfo dev.c calls to announce a device's changes.
from netkernel.net.core import link_watch  # noqa: E402
from netkernel.net.core import rtnetlink as _rtnl  # noqa: E402
from netkernel.net.core.net_namespace import peernet2id_alloc  # noqa: E402
