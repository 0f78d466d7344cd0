"""IPv6 addresses on devices (net/ipv6/addrconf.c): struct inet6_dev and struct inet6_ifaddr,
RTM_NEWADDR/RTM_DELADDR/RTM_GETADDR for AF_INET6, what device events do to them, the
net.ipv6.conf.{all,default,DEV}.disable_ipv6 switch, and /proc/net/if_inet6.

A device with an MTU of at least 1280 gets an inet6_dev when it registers (its disable_ipv6 from
"default"). When the loopback device comes up it gets ::1/128 (scope host); when any other
device is up with carrier, the multicast route ff00::/8 (local table). An address added by hand
gets its local route (local table) and its prefix route (main, metric 256, unless noprefixroute).
It is IFA_F_TENTATIVE until duplicate address detection ends: at once with nodad, on lo and on
NOARP devices; on others 1-2 s after the device is up with carrier (a random delay below 1 s,
then one probe's 1 s), on the machine's clock. A device going down loses all its
IPv6 addresses and routes (keep_addr_on_down is 0), as does one whose IPv6 gets disabled.
DIVERGENCE(#10): no link-local address is generated (as with addr_gen_mode 1, "none") and no
IPv6 frame is ever sent: duplicate address detection waits as Linux does but sends no Neighbour
Solicitation (so it always succeeds), and no MLD report or Router Solicitation goes out;
temporary (privacy) addresses are not made.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv6/addrconf.c"
MODEL_HELPERS = ("NetnsIpv6", "addrconf_sysctl", "extract_addr", "ipv6_addr_scope",
                 "ipv6_addr_src_scope", "addrconf_notify_up_then_pending",
                 "inet6_ifa_lifetimes")

from netkernel.kernel.time.timer import (TimerList, del_timer_sync, jiffies, mod_timer,
                                         msecs_to_jiffies)
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import (NLA_BINARY, NLA_S32, NLA_U32, NLA_U8, nla_put,
                                          nlmsg_parse_deprecated, nlmsg_put, rtnl_notify,
                                          rtnl_register)
from netkernel.net.ipv6.ip6_fib import fib6_add
from netkernel.net.ipv6.route import (IP6_RT_PRIO_ADDRCONF, RTF_EXPIRES, RTF_LOCAL,
                                      RTF_NONEXTHOP, RTF_UP,
                                      Fib6Info, ip6_del_rt, ipv6_prefix, rt6_sync_down_dev)
from netkernel.kernel.sysctl import proc_dointvec_value
from netkernel.uapi import errno as E
from netkernel.uapi.if_ import IFF_LOOPBACK, IFF_NOARP, IFF_UP
from netkernel.net.ipv4.devinet import dump_ifaddrs
from netkernel.uapi.netlink import NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLMSG_HDRLEN
from netkernel.uapi.rtnetlink import (IFA_ADDRESS, IFA_CACHEINFO, IFA_CACHEINFO_S, IFA_F_DADFAILED,
                                      IFA_F_DEPRECATED, IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR,
                                      IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE,
                                      IFA_F_OPTIMISTIC, IFA_F_PERMANENT, IFA_F_TENTATIVE,
                                      IFA_FLAGS, IFA_LOCAL, IFA_RT_PRIORITY, IFA_TARGET_NETNSID,
                                      IFADDRMSG, IFADDRMSG_SIZE, INFINITY_LIFE_TIME,
                                      RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, RTN_LOCAL,
                                      RTN_MULTICAST, RTN_UNICAST, RTNLGRP_IPV6_IFADDR,
                                      RTPROT_KERNEL, RT_SCOPE_HOST, RT_SCOPE_LINK,
                                      RT_SCOPE_SITE, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL,
                                      RT_TABLE_MAIN)
from netkernel.uapi.socket import AF_INET6
import struct as _struct

U32 = _struct.Struct("=I")
IPV6_MIN_MTU = 1280
DAD_TRANSMITS = 1               # net.ipv6.conf.*.dad_transmits: one probe
IN6ADDR_LOOPBACK = bytes(15) + b"\x01"
# ifa->scope values (IFA_HOST etc. in include/net/addrconf.h) and rt_scope() for messages
IFA_GLOBAL, IFA_HOST, IFA_LINK, IFA_SITE = 0x00, 0x10, 0x20, 0x40
DEVCONF_DEFAULTS = {"disable_ipv6": 0, "addr_gen_mode": 0, "keep_addr_on_down": 0,
                    "accept_dad": 1}

IFA_IPV6_POLICY = {IFA_ADDRESS: (NLA_BINARY, 16), IFA_LOCAL: (NLA_BINARY, 16),
                   IFA_CACHEINFO: (NLA_BINARY, IFA_CACHEINFO_S.size), IFA_FLAGS: (NLA_U32, 0),
                   IFA_RT_PRIORITY: (NLA_U32, 0), IFA_TARGET_NETNSID: (NLA_S32, 0),
                   11: (NLA_U8, 0)}


class NetnsIpv6:
    """struct netns_ipv6: devconf_all, devconf_dflt and the fib6 tables (id → [Fib6Info]).
    `linkwatch_pending`: carrier changes heard while another device was opening (see
    addrconf_notify)."""
    __slots__ = ("devconf_all", "devconf_dflt", "fib6_tables", "linkwatch_pending", "gc_timer",
                 "verify_timer")

    def __init__(self):
        self.devconf_all = dict(DEVCONF_DEFAULTS)
        self.devconf_dflt = dict(DEVCONF_DEFAULTS)
        self.fib6_tables: dict = {RT_TABLE_MAIN: [], RT_TABLE_LOCAL: []}
        self.linkwatch_pending: list = []
        self.gc_timer = None            # ip6_fib_timer: expired routes' collection
        self.verify_timer = None        # addr_chk_work: address lifetimes (addrconf_verify)


class Inet6Dev:
    """struct inet6_dev: the device's IPv6 addresses (newest first... see ipv6_link_dev_addr)
    and configuration."""
    __slots__ = ("dev", "addr_list", "cnf", "dead")

    def __init__(self, dev, cnf: dict):
        self.dev = dev
        self.addr_list: list = []
        self.cnf = dict(cnf)
        self.dead = False


class Inet6Ifaddr:
    """struct inet6_ifaddr."""
    __slots__ = ("addr", "prefix_len", "flags", "scope", "rt_priority", "valid_lft",
                 "prefered_lft", "cstamp", "tstamp", "idev", "rt", "dad_timer")

    def __init__(self, idev: Inet6Dev, addr: bytes, plen: int):
        self.idev = idev
        self.addr = addr
        self.prefix_len = plen
        self.flags = 0
        self.scope = 0
        self.rt_priority = 0
        self.valid_lft = INFINITY_LIFE_TIME
        self.prefered_lft = INFINITY_LIFE_TIME
        self.cstamp = self.tstamp = 0
        self.rt = None
        self.dad_timer = None       # TimerList of the running DAD (addrconf_dad_kick)


def addrconf_net_init(net) -> None:
    net.ipv6 = NetnsIpv6()


def ipv6_addr_scope(addr: bytes) -> int:
    """__ipv6_addr_type's scope: loopback host, fe80::/10 link, fec0::/10 site, else global
    (multicast by its scope nibble)."""
    if addr == IN6ADDR_LOOPBACK:
        return IFA_HOST
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0x80:
        return IFA_LINK
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0xC0:
        return IFA_SITE
    return IFA_GLOBAL


def ipv6_addr_src_scope(addr: bytes) -> int:
    """ipv6_addr_src_scope: IPV6_ADDR_SCOPE_* — node-local 1 (::1), link-local 2, site-local 5,
    global 0xe; a multicast address's own scope nibble."""
    if addr[0] == 0xFF:
        return addr[1] & 0x0F
    if addr == IN6ADDR_LOOPBACK:
        return 0x1
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0x80:
        return 0x2
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0xC0:
        return 0x5
    return 0xE


def rt_scope(ifa_scope: int) -> int:
    """rt_scope: an address scope as rtnetlink reports it."""
    return {IFA_HOST: RT_SCOPE_HOST, IFA_LINK: RT_SCOPE_LINK,
            IFA_SITE: RT_SCOPE_SITE}.get(ifa_scope, RT_SCOPE_UNIVERSE)


# ---------------------------------------------------------------- messages

def inet6_ifa_lifetimes(ifa: Inet6Ifaddr) -> tuple[int, int]:
    """What inet6_fill_ifaddr reports as the remaining (preferred, valid) lifetimes."""
    if ifa.flags & IFA_F_PERMANENT and ifa.prefered_lft == INFINITY_LIFE_TIME:
        return INFINITY_LIFE_TIME, INFINITY_LIFE_TIME
    preferred, valid = ifa.prefered_lft, ifa.valid_lft
    if preferred != INFINITY_LIFE_TIME:
        core = ifa.idev.dev.nd_net.core
        tval = (jiffies(core) - ifa.tstamp) // core.sysctl["kernel.hz"]
        preferred = max(preferred - tval, 0)
        if valid != INFINITY_LIFE_TIME:
            valid = max(valid - tval, 0)
    return preferred, valid


def inet6_fill_ifaddr(ifa: Inet6Ifaddr, event: int, portid: int, seq: int, flags: int) -> bytes:
    """inet6_fill_ifaddr: struct ifaddrmsg (flags' low byte, rt_scope), IFA_ADDRESS,
    IFA_RT_PRIORITY (when set), IFA_CACHEINFO, IFA_FLAGS."""
    dev = ifa.idev.dev
    core = dev.nd_net.core
    hz = core.sysctl["kernel.hz"]
    out = bytearray(IFADDRMSG.pack(AF_INET6, ifa.prefix_len, ifa.flags & 0xFF,
                                   rt_scope(ifa.scope), dev.ifindex))
    preferred, valid = inet6_ifa_lifetimes(ifa)
    nla_put(out, IFA_ADDRESS, ifa.addr)
    if ifa.rt_priority:
        nla_put(out, IFA_RT_PRIORITY, U32.pack(ifa.rt_priority))
    nla_put(out, IFA_CACHEINFO, IFA_CACHEINFO_S.pack(
        preferred, valid, (ifa.cstamp * 100 // hz) & 0xFFFFFFFF,
        (ifa.tstamp * 100 // hz) & 0xFFFFFFFF))
    nla_put(out, IFA_FLAGS, U32.pack(ifa.flags))
    return nlmsg_put(event, portid, seq, flags, bytes(out))


def ipv6_ifa_notify(event: int, ifa: Inet6Ifaddr, nlinfo=(0, 0)) -> None:
    """ipv6_ifa_notify → __ipv6_ifa_notify: RTNLGRP_IPV6_IFADDR hears of the address first (an
    event 0 is announced as RTM_NEWADDR and goes no further); then RTM_NEWADDR puts its local
    route in the table (once; also while the device is down: the route ignores the device
    state), RTM_DELADDR takes it out."""
    net = ifa.idev.dev.nd_net
    rtnl_notify(net, inet6_fill_ifaddr(ifa, event or RTM_NEWADDR, nlinfo[0], nlinfo[1], 0),
                RTNLGRP_IPV6_IFADDR)
    if event == RTM_NEWADDR and ifa.rt is not None and \
            ifa.rt not in net.ipv6.fib6_tables.setdefault(RT_TABLE_LOCAL, []):
        fib6_add(net, ifa.rt, NLM_F_CREATE)
    elif event == RTM_DELADDR and ifa.rt is not None:
        ip6_del_rt(net, ifa.rt)


# ---------------------------------------------------------------- the device

def ipv6_add_dev(dev) -> Inet6Dev | int:
    """ipv6_add_dev: a new inet6_dev (MTU below 1280: EINVAL), configured from "default"."""
    if dev.mtu < IPV6_MIN_MTU:
        return -E.EINVAL
    idev = Inet6Dev(dev, dev.nd_net.ipv6.devconf_dflt)
    dev.ip6_ptr = idev
    return idev


def ipv6_find_idev(dev):
    idev = dev.ip6_ptr
    if idev is None:
        idev = ipv6_add_dev(dev)
    return idev


def addrconf_link_ready(dev) -> bool:
    """addrconf_link_ready: the device is up and has carrier (and is not dormant)."""
    return bool(dev.flags & IFF_UP) and dev.carrier and not dev.dormant


def addrconf_add_mroute(dev) -> None:
    """addrconf_add_mroute: multicast ff00::/8 through the device, local table, metric 256
    (refused while the device is down: "Nexthop device is not up")."""
    if not dev.flags & IFF_UP:
        return
    fib6_add(dev.nd_net, Fib6Info(b"\xff" + bytes(15), 8, RT_TABLE_LOCAL, IP6_RT_PRIO_ADDRCONF,
                                  RTPROT_KERNEL, RTN_MULTICAST, RTF_UP, dev), NLM_F_CREATE)


def addrconf_prefix_route(ifa: Inet6Ifaddr, expires: int = 0) -> None:
    """addrconf_prefix_route: the address's prefix through its device, main table, metric 256
    (or the address's route priority), expiring at `expires` (jiffies; 0: never); refused
    while the device is down."""
    dev = ifa.idev.dev
    if not dev.flags & IFF_UP:
        return
    fib6_add(dev.nd_net, Fib6Info(ipv6_prefix(ifa.addr, ifa.prefix_len), ifa.prefix_len,
                                  RT_TABLE_MAIN, ifa.rt_priority or IP6_RT_PRIO_ADDRCONF,
                                  RTPROT_KERNEL, RTN_UNICAST,
                                  RTF_UP | (RTF_EXPIRES if expires else 0), dev,
                                  expires=expires), NLM_F_CREATE)


def addrconf_dad_completed(ifa: Inet6Ifaddr, nlinfo=(0, 0)) -> None:
    """addrconf_dad_completed: the address is usable — RTM_NEWADDR and its local route. (The
    Router Solicitation and MLD reports Linux may send now are not: no IPv6 frame leaves.)"""
    ipv6_ifa_notify(RTM_NEWADDR, ifa, nlinfo)


def addrconf_dad_work(ifa: Inet6Ifaddr) -> None:
    """addrconf_dad_work once the probes are spent, none answered: a tentative address still on
    its device becomes usable."""
    if ifa.flags & IFA_F_TENTATIVE and ifa in ifa.idev.addr_list and not ifa.idev.dead:
        ifa.flags &= ~(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC)
        addrconf_dad_completed(ifa)


def addrconf_dad_kick(ifa: Inet6Ifaddr) -> None:
    """addrconf_dad_kick: DAD starts after a random delay below rtr_solicit_delay (1 s), then
    waits retrans_time (1 s) per probe (dad_transmits: 1).
    DIVERGENCE(#10): the probes (Neighbour Solicitations for the address, and the MLD report
    for its solicited-node group) are not sent, so nothing can answer them: DAD always
    succeeds, at the time it would on a quiet link."""
    core = ifa.idev.dev.nd_net.core
    hz = core.sysctl["kernel.hz"]
    delay = core.random.randrange(hz) + msecs_to_jiffies(core, 1000) * DAD_TRANSMITS
    if ifa.dad_timer is None:
        ifa.dad_timer = TimerList(lambda _timer, ifa=ifa: addrconf_dad_work(ifa))
    mod_timer(core, ifa.dad_timer, jiffies(core) + delay)


def addrconf_dad_begin(ifa: Inet6Ifaddr, nlinfo=(0, 0)) -> None:
    """addrconf_dad_start/addrconf_dad_begin: on lo, on a NOARP device, with accept_dad 0, with
    IFA_F_NODAD or for an address no longer tentative, the address is usable at once (also on a
    device that is down); otherwise nothing while the device is not ready (it stays tentative),
    and DAD runs when it is (addrconf_dad_kick)."""
    dev = ifa.idev.dev
    conf_all = dev.nd_net.ipv6.devconf_all
    if dev.flags & (IFF_NOARP | IFF_LOOPBACK) or \
            (conf_all["accept_dad"] < 1 and ifa.idev.cnf["accept_dad"] < 1) or \
            not ifa.flags & IFA_F_TENTATIVE or ifa.flags & IFA_F_NODAD:
        ifa.flags &= ~(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED)
        addrconf_dad_completed(ifa, nlinfo)
        return
    if not addrconf_link_ready(dev):
        return
    addrconf_dad_kick(ifa)


def ipv6_add_addr(idev: Inet6Dev, addr: bytes, plen: int, flags: int, scope: int,
                  rt_priority: int = 0, valid_lft: int = INFINITY_LIFE_TIME,
                  prefered_lft: int = INFINITY_LIFE_TIME):
    """ipv6_add_addr: the unspecified address, multicast, and ::1 anywhere but lo are
    EADDRNOTAVAIL; a dying device ENODEV; disabled IPv6 EACCES; the same address on the device
    EEXIST (ipv6_add_addr_hash). The address starts tentative unless nodad; it joins the head of
    the device's list (ipv6_link_dev_addr: by scope... the newest first)."""
    if addr == bytes(16) or addr[0] == 0xFF or \
            (not idev.dev.flags & IFF_LOOPBACK and addr == IN6ADDR_LOOPBACK):
        return -E.EADDRNOTAVAIL
    if idev.dead:
        return -E.ENODEV
    if idev.cnf["disable_ipv6"]:
        return -E.EACCES
    if any(i.addr == addr for i in idev.addr_list):
        return -E.EEXIST
    ifa = Inet6Ifaddr(idev, addr, plen)
    ifa.scope = scope
    ifa.rt_priority = rt_priority
    ifa.flags = flags | (0 if flags & IFA_F_NODAD else IFA_F_TENTATIVE)
    ifa.valid_lft = valid_lft
    ifa.prefered_lft = prefered_lft
    ifa.cstamp = ifa.tstamp = jiffies(idev.dev.nd_net.core)
    ifa.rt = Fib6Info(addr, 128, RT_TABLE_LOCAL, 0, RTPROT_KERNEL, RTN_LOCAL,
                      RTF_UP | RTF_NONEXTHOP | RTF_LOCAL, idev.dev)
    # ipv6_link_dev_addr: the list is ordered by scope, widest first; an address goes before
    # the first of a scope no wider than its own
    pos = len(idev.addr_list)
    for i, other in enumerate(idev.addr_list):
        if ipv6_addr_src_scope(addr) >= ipv6_addr_src_scope(other.addr):
            pos = i
            break
    idev.addr_list.insert(pos, ifa)
    return ifa


def addrconf_dad_stop(ifa: Inet6Ifaddr) -> None:
    """The address goes: its DAD stops (cancel_delayed_work of dad_work)."""
    if ifa.dad_timer is not None:
        del_timer_sync(ifa.idev.dev.nd_net.core, ifa.dad_timer)


def check_cleanup_prefix_route(ifa: Inet6Ifaddr):
    """check_cleanup_prefix_route: what becomes of the prefix route of a permanent address that
    goes — kept if another address of the prefix is permanent or has noprefixroute; made to
    expire with the last of the others (their valid lifetimes) if there are some; deleted
    otherwise. ("nop" | "expire" | "del", expires in jiffies)."""
    core = ifa.idev.dev.nd_net.core
    hz = core.sysctl["kernel.hz"]
    action, expires = "del", jiffies(core)
    prefix = ipv6_prefix(ifa.addr, ifa.prefix_len)
    for other in ifa.idev.addr_list:
        if other is ifa or other.prefix_len != ifa.prefix_len or \
                ipv6_prefix(other.addr, other.prefix_len) != prefix:
            continue
        if other.flags & (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE):
            return "nop", 0
        action = "expire"
        expires = max(expires, other.tstamp + other.valid_lft * hz)
    return action, expires


def ipv6_del_addr(ifa: Inet6Ifaddr, nlinfo=(0, 0)) -> None:
    """ipv6_del_addr: unlink it, RTM_DELADDR (its local route goes); for a permanent address
    with a prefix route, check_cleanup_prefix_route decides that route's fate (an address with
    lifetimes leaves its route to expire on its own)."""
    idev = ifa.idev
    idev.addr_list.remove(ifa)
    addrconf_dad_stop(ifa)
    action = "nop"
    if ifa.flags & IFA_F_PERMANENT and not ifa.flags & IFA_F_NOPREFIXROUTE:
        action, expires = check_cleanup_prefix_route(ifa)
    ipv6_ifa_notify(RTM_DELADDR, ifa, nlinfo)
    if action == "nop":
        return
    prefix = ipv6_prefix(ifa.addr, ifa.prefix_len)
    net = idev.dev.nd_net
    for rt in list(net.ipv6.fib6_tables.get(RT_TABLE_MAIN, [])):
        if rt.fib6_dst == prefix and rt.fib6_dst_len == ifa.prefix_len and \
                rt.fib_nh_dev is idev.dev and rt.fib6_protocol == RTPROT_KERNEL:
            if action == "del":
                ip6_del_rt(net, rt, nlinfo)
            elif not rt.fib6_flags & RTF_EXPIRES:
                rt.fib6_flags |= RTF_EXPIRES
                rt.expires = expires
            break


ADDRCONF_TIMER_FUZZ_MINUS_DIV = 50


def addrconf_verify(net) -> None:
    """addrconf_verify_rtnl: an address whose valid lifetime is over is deleted; one whose
    preferred lifetime is over becomes IFA_F_DEPRECATED (announced); then the check is due
    again at the next such moment (at most ADDR_CHECK_FREQUENCY, 120 s, away)."""
    core = net.core
    hz = core.sysctl["kernel.hz"]
    now = jiffies(core)
    fuzz = hz // ADDRCONF_TIMER_FUZZ_MINUS_DIV if hz > ADDRCONF_TIMER_FUZZ_MINUS_DIV else 1
    nxt = now + 120 * hz
    pending = False
    for dev in list(net.dev_by_index.values()):
        idev = dev.ip6_ptr
        if idev is None:
            continue
        for ifa in list(idev.addr_list):
            if ifa.flags & IFA_F_PERMANENT:
                continue
            age = (now - ifa.tstamp + fuzz) // hz
            if ifa.valid_lft != INFINITY_LIFE_TIME and age >= ifa.valid_lft:
                if ifa in idev.addr_list:
                    ipv6_del_addr(ifa)
                continue
            if ifa.prefered_lft == INFINITY_LIFE_TIME:
                continue
            pending = True
            if ifa.prefered_lft <= age:
                nxt = min(nxt, ifa.tstamp + ifa.valid_lft * hz)
                if not ifa.flags & IFA_F_DEPRECATED:
                    ifa.flags |= IFA_F_DEPRECATED
                    ipv6_ifa_notify(0, ifa)
            else:
                nxt = min(nxt, ifa.tstamp + ifa.prefered_lft * hz)
    timer = net.ipv6.verify_timer
    if timer is None:
        timer = net.ipv6.verify_timer = TimerList(lambda _t, net=net: addrconf_verify(net))
    if pending:
        mod_timer(core, timer, nxt - fuzz)
    else:
        del_timer_sync(core, timer)


def addrconf_ifdown(dev, unregister: bool) -> None:
    """addrconf_ifdown: every route through the device goes, then every address (announced) —
    except, when the device only goes down and keep_addr_on_down is set (on "all" or the
    device), its permanent addresses that are not link-local or loopback: they stay, silently,
    tentative again unless nodad (their routes come back, and DAD runs, when it is up again).
    Unregistering also drops the inet6_dev."""
    idev = dev.ip6_ptr
    if idev is None:
        return
    keep = False
    if not unregister and not idev.cnf["disable_ipv6"]:
        keep = (dev.nd_net.ipv6.devconf_all["keep_addr_on_down"] or
                idev.cnf["keep_addr_on_down"]) > 0
    rt6_sync_down_dev(dev)
    for ifa in list(idev.addr_list):
        addrconf_dad_stop(ifa)
        if keep and ifa.flags & IFA_F_PERMANENT and ipv6_addr_src_scope(ifa.addr) > 0x2:
            if not ifa.flags & IFA_F_NODAD:
                ifa.flags |= IFA_F_TENTATIVE
            continue
        idev.addr_list.remove(ifa)
        rtnl_notify(dev.nd_net, inet6_fill_ifaddr(ifa, RTM_DELADDR, 0, 0, 0),
                    RTNLGRP_IPV6_IFADDR)
    if unregister:
        idev.dead = True
        dev.ip6_ptr = None


def init_loopback(dev) -> None:
    """init_loopback: ::1/128, scope host, permanent, not tentative."""
    idev = ipv6_find_idev(dev)
    if type(idev) is int:
        return
    ifa = ipv6_add_addr(idev, IN6ADDR_LOOPBACK, 128, IFA_F_PERMANENT, IFA_HOST)
    if type(ifa) is int:
        return
    ifa.flags &= ~IFA_F_TENTATIVE
    ipv6_ifa_notify(RTM_NEWADDR, ifa)


def addrconf_dev_config(dev) -> None:
    """addrconf_dev_config: the multicast route; then the link-local address as addr_gen_mode
    says — DIVERGENCE(#10): none is generated."""
    idev = ipv6_find_idev(dev)
    if type(idev) is int or idev.cnf["disable_ipv6"]:
        return
    addrconf_add_mroute(dev)


def addrconf_notify_up_then_pending(dev) -> None:
    """NETDEV_UP of the device whose open raised carrier changes, then those changes."""
    pending = dev.nd_net.ipv6.linkwatch_pending
    addrconf_notify_pending = list(pending)
    pending.clear()
    addrconf_notify(netdev.NETDEV_UP, dev)
    for other in addrconf_notify_pending:
        if other.reg_state == netdev.NETREG_REGISTERED:
            addrconf_notify(netdev.NETDEV_CHANGE, other)


def addrconf_notify(event: int, dev) -> None:
    """addrconf_notify: REGISTER creates the inet6_dev; UP (and a carrier change that makes the
    device ready) configures it — ::1 on lo, the multicast route elsewhere — and finishes the
    tentative addresses' DAD; DOWN and UNREGISTER take everything away (addrconf_ifdown)."""
    idev = dev.ip6_ptr
    net = dev.nd_net
    if event == netdev.NETDEV_CHANGE and any(
            d.state & netdev.LINK_STATE_START and not d.flags & IFF_UP
            for d in net.dev_by_index.values()):
        # The carrier came with another device's open (a veth's peer). Linux hears of it from
        # the linkwatch worker, after that device's NETDEV_UP: keep the same order.
        if dev not in net.ipv6.linkwatch_pending:
            net.ipv6.linkwatch_pending.append(dev)
        return
    if event == netdev.NETDEV_UP and net.ipv6.linkwatch_pending:
        addrconf_notify_up_then_pending(dev)
        return
    if event == netdev.NETDEV_REGISTER:
        if idev is None and dev.mtu >= IPV6_MIN_MTU:
            ipv6_add_dev(dev)
    elif event in (netdev.NETDEV_UP, netdev.NETDEV_CHANGE):
        if idev is not None and idev.cnf["disable_ipv6"]:
            return
        if event == netdev.NETDEV_UP:
            # restore the routes of permanent addresses (addrconf_permanent_addr)
            if idev is not None:
                for ifa in list(idev.addr_list):
                    if not ifa.flags & IFA_F_NOPREFIXROUTE:
                        addrconf_prefix_route(ifa)
                    if not ifa.flags & IFA_F_TENTATIVE and ifa.rt is not None and \
                            ifa.rt not in dev.nd_net.ipv6.fib6_tables[RT_TABLE_LOCAL]:
                        fib6_add(dev.nd_net, ifa.rt, NLM_F_CREATE)
        if dev.flags & IFF_LOOPBACK:
            if event == netdev.NETDEV_UP:
                init_loopback(dev)
            return
        if not addrconf_link_ready(dev):
            return
        addrconf_dev_config(dev)
        idev = dev.ip6_ptr
        if idev is not None:                        # addrconf_dad_run
            for ifa in list(idev.addr_list):
                if ifa.flags & IFA_F_TENTATIVE:
                    addrconf_dad_begin(ifa)
    elif event == netdev.NETDEV_DOWN:
        addrconf_ifdown(dev, False)
    elif event == netdev.NETDEV_UNREGISTER:
        addrconf_ifdown(dev, True)
    elif event == netdev.NETDEV_CHANGEMTU:
        if idev is None and dev.mtu >= IPV6_MIN_MTU:
            ipv6_add_dev(dev)
        elif idev is not None and dev.mtu < IPV6_MIN_MTU:
            addrconf_ifdown(dev, True)


# ---------------------------------------------------------------- rtnetlink

def extract_addr(tb: dict):
    """extract_addr: IFA_LOCAL if given (IFA_ADDRESS is then the peer), else IFA_ADDRESS."""
    if IFA_LOCAL in tb:
        return bytes(tb[IFA_LOCAL][:16])
    if IFA_ADDRESS in tb:
        return bytes(tb[IFA_ADDRESS][:16])
    return None


def inet6_rtm_newaddr(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet6_rtm_newaddr: parse; no address is EINVAL; the device by index (ENODEV); only
    NODAD, HOMEADDRESS, MANAGETEMPADDR, NOPREFIXROUTE, MCAUTOJOIN, OPTIMISTIC are taken from
    the flags (OPTIMISTIC dropped: optimistic DAD is off); an existing address is EEXIST unless
    NLM_F_REPLACE; then inet6_addr_add: prefix longer than 128 EINVAL, a zero valid lifetime or
    a preferred one above it EINVAL, MANAGETEMPADDR needs /64 (EINVAL); the multicast route;
    ipv6_add_addr; the prefix route; DAD."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV6_POLICY)
    if type(tb) is int:
        return tb
    _family, plen, ifm_flags, _scope, index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)
    pfx = extract_addr(tb)
    if pfx is None:
        return -E.EINVAL
    rt_priority = U32.unpack(tb[IFA_RT_PRIORITY][:4])[0] if IFA_RT_PRIORITY in tb else 0
    valid_lft = prefered_lft = INFINITY_LIFE_TIME
    if IFA_CACHEINFO in tb:
        prefered_lft, valid_lft, _c, _t = IFA_CACHEINFO_S.unpack(tb[IFA_CACHEINFO][:16])
    dev = netdev.dev_get_by_index(net, index)
    if dev is None:
        return -E.ENODEV
    flags = U32.unpack(tb[IFA_FLAGS][:4])[0] if IFA_FLAGS in tb else ifm_flags
    flags &= (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE |
              IFA_F_MCAUTOJOIN | IFA_F_OPTIMISTIC)
    idev = ipv6_find_idev(dev)
    if type(idev) is int:
        return idev
    flags &= ~IFA_F_OPTIMISTIC
    existing = next((i for i in idev.addr_list if i.addr == pfx), None)
    if existing is not None:
        if nlflags & NLM_F_EXCL or not nlflags & NLM_F_REPLACE:
            return -E.EEXIST
        existing.rt_priority = rt_priority
        existing.valid_lft, existing.prefered_lft = valid_lft, prefered_lft
        existing.tstamp = jiffies(net.core)
        if valid_lft == INFINITY_LIFE_TIME:
            existing.flags |= IFA_F_PERMANENT
        else:
            existing.flags &= ~IFA_F_PERMANENT
        ipv6_ifa_notify(RTM_NEWADDR, existing, (portid, seq))
        addrconf_verify(net)
        return 0
    # inet6_addr_add
    if plen > 128:
        return -E.EINVAL
    if not valid_lft or prefered_lft > valid_lft:
        return -E.EINVAL
    if flags & IFA_F_MANAGETEMPADDR and plen != 64:
        return -E.EINVAL
    if idev.cnf["disable_ipv6"]:
        return -E.EACCES
    if not dev.flags & IFF_LOOPBACK:
        addrconf_add_mroute(dev)
    if valid_lft == INFINITY_LIFE_TIME:
        flags |= IFA_F_PERMANENT
    if prefered_lft == 0:
        flags |= IFA_F_DEPRECATED
    ifa = ipv6_add_addr(idev, pfx, plen, flags, ipv6_addr_scope(pfx), rt_priority, valid_lft,
                        prefered_lft)
    if type(ifa) is int:
        return ifa
    if not flags & IFA_F_NOPREFIXROUTE:
        addrconf_prefix_route(ifa, 0 if valid_lft == INFINITY_LIFE_TIME else
                              ifa.tstamp + valid_lft * net.core.sysctl["kernel.hz"])
    if not ifa.flags & (IFA_F_OPTIMISTIC | IFA_F_NODAD):
        ipv6_ifa_notify(0, ifa, (portid, seq))      # announced tentative, without its route
    addrconf_dad_begin(ifa, (portid, seq))          # addrconf_dad_start
    if valid_lft != INFINITY_LIFE_TIME:
        addrconf_verify(net)
    return 0


def inet6_rtm_deladdr(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet6_rtm_deladdr → inet6_addr_del: no address EINVAL, prefix longer than 128 EINVAL,
    the device (ENODEV) and its inet6_dev (ENXIO), the address with that prefix length
    (EADDRNOTAVAIL)."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV6_POLICY)
    if type(tb) is int:
        return tb
    _family, plen, _flags, _scope, index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)
    pfx = extract_addr(tb)
    if pfx is None:
        return -E.EINVAL
    if plen > 128:
        return -E.EINVAL
    dev = netdev.dev_get_by_index(net, index)
    if dev is None:
        return -E.ENODEV
    idev = dev.ip6_ptr
    if idev is None:
        return -E.ENXIO
    for ifa in idev.addr_list:
        if ifa.prefix_len == plen and ifa.addr == pfx:
            ipv6_del_addr(ifa, (portid, seq))
            return 0
    return -E.EADDRNOTAVAIL


def inet6_rtm_getaddr(net, data, off: int, end: int, nlflags: int, portid: int, seq: int):
    """inet6_rtm_getaddr: one address by IFA_LOCAL/IFA_ADDRESS (none: EINVAL), on the device
    ifa_index names when it exists (an unknown index means any device); not found is
    EADDRNOTAVAIL; the answer is its RTM_NEWADDR. (A message shorter than an ifaddrmsg is
    EINVAL; strict checking's header rules are not applied.)"""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV6_POLICY)
    if type(tb) is int:
        return tb
    addr = extract_addr(tb)
    if addr is None:
        return -E.EINVAL
    index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)[4]
    dev = netdev.dev_get_by_index(net, index) if index else None
    for _, d in sorted(net.dev_by_index.items()):
        if d.ip6_ptr is None or (dev is not None and d is not dev):
            continue
        for ifa in d.ip6_ptr.addr_list:
            if ifa.addr == addr:
                return [inet6_fill_ifaddr(ifa, RTM_NEWADDR, portid, seq, 0)]
    return -E.EADDRNOTAVAIL


def inet6_dump_ifaddr(net, data, off: int, end: int, portid: int, seq: int,
                      strict: bool = False):
    """inet6_dump_addr: the addresses of each device by ifindex, in list order. Strict
    checking as inet6_valid_dump_ifaddr_req: the IPv4 rules with "ipv6: " messages
    (dump_ifaddrs)."""
    def fill(dev, flags):
        idev = dev.ip6_ptr
        return [] if idev is None else [inet6_fill_ifaddr(ifa, RTM_NEWADDR, portid, seq, flags)
                                        for ifa in idev.addr_list]
    return dump_ifaddrs(net, data, off, end, strict, "ipv6: ", fill)


def if6_seq_show(net) -> str:
    """/proc/net/if_inet6 (if6_seq_show): address, ifindex, prefix length, scope, flags' low
    byte, device — devices by ifindex... (Linux walks its address hash)."""
    out = []
    for _, dev in sorted(net.dev_by_index.items()):
        idev = dev.ip6_ptr
        if idev is None:
            continue
        for ifa in idev.addr_list:
            out.append("%s %02x %02x %02x %02x %8s\n" % (ifa.addr.hex(), dev.ifindex,
                                                        ifa.prefix_len, ifa.scope,
                                                        ifa.flags & 0xFF, dev.name))
    return "".join(out)


# ---------------------------------------------------------------- sysctl

def addrconf_sysctl(net, name: str, value=None):
    """net.ipv6.conf.{all,default,DEV}.KEY (KEY: disable_ipv6, addr_gen_mode,
    keep_addr_on_down, accept_dad) for this namespace: the value, or -errno (ENOENT for an
    unknown name or device, EINVAL for a value out of range). Writing disable_ipv6 to "all"
    sets it on "default" and every device; disabling a device takes its addresses and routes
    away, enabling an up one configures it (addrconf_disable_ipv6)."""
    parts = name.split(".")
    if len(parts) != 5 or parts[:3] != ["net", "ipv6", "conf"] or parts[4] not in DEVCONF_DEFAULTS:
        return -E.ENOENT
    which, key = parts[3], parts[4]
    ipv6 = net.ipv6
    if which == "all":
        cnf = ipv6.devconf_all
    elif which == "default":
        cnf = ipv6.devconf_dflt
    else:
        dev = net.dev_by_name.get(which)
        if dev is None or dev.ip6_ptr is None:
            return -E.ENOENT
        cnf = dev.ip6_ptr.cnf
    if value is None:
        return cnf[key]
    value = proc_dointvec_value(value)
    if value is None or key == "addr_gen_mode" and not 0 <= value <= 3:
        return -E.EINVAL
    if key != "disable_ipv6":
        cnf[key] = value
        if which == "all" and key == "addr_gen_mode":
            ipv6.devconf_dflt[key] = value
            for dev in net.dev_by_index.values():
                if dev.ip6_ptr is not None:
                    dev.ip6_ptr.cnf[key] = value
        return value
    value = 1 if value else 0
    if which == "default":
        cnf[key] = value
        return value
    targets = [dev.ip6_ptr for dev in net.dev_by_index.values() if dev.ip6_ptr is not None] \
        if which == "all" else [cnf and net.dev_by_name[which].ip6_ptr]
    if which == "all":
        ipv6.devconf_all[key] = value
        ipv6.devconf_dflt[key] = value
    for idev in targets:
        old = idev.cnf[key]
        idev.cnf[key] = value
        if old == value:
            continue
        dev = idev.dev
        if value:
            addrconf_ifdown(dev, False)
        elif dev.flags & IFF_UP:
            addrconf_notify(netdev.NETDEV_UP, dev)
    return value


def addrconf_init(core) -> None:
    """addrconf_init: the per-namespace state, the netdevice notifier, the PF_INET6 address
    handlers."""
    from netkernel.net.core.net_namespace import register_pernet_device
    register_pernet_device(core, addrconf_net_init)
    netdev.register_netdevice_notifier(core, addrconf_notify)
    rtnl_register(AF_INET6, RTM_NEWADDR, inet6_rtm_newaddr, None)
    rtnl_register(AF_INET6, RTM_DELADDR, inet6_rtm_deladdr, None)
    rtnl_register(AF_INET6, RTM_GETADDR, inet6_rtm_getaddr, inet6_dump_ifaddr)
