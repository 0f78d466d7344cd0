"""IPv4 addresses on devices (net/ipv4/devinet.c): struct in_device and struct in_ifaddr, the
RTM_NEWADDR/RTM_DELADDR/RTM_GETADDR handlers, the interface-address ioctls and SIOCGIFCONF's
entries.

Every device whose MTU is at least 68 gets an in_device when it registers (inetdev_event); the
loopback device gets 127.0.0.1/8 (scope host) each time it comes up. An in_device keeps its
addresses in one list: primaries first (ordered by scope), then secondaries — an address inside
the subnet of a primary with the same mask is its secondary. A device going down keeps its IPv4
addresses; unregistering it (also a move to another namespace) deletes them. The routes an
address needs are the FIB's business: every insertion and deletion runs `inetaddr_chain`
(NETDEV_UP / NETDEV_DOWN), to which net/ipv4/fib_frontend.py listens.

Addresses are held as host-order ints (ifa_local 0x7f000001 is 127.0.0.1); the wire form is
big-endian. `nlinfo` is (portid, seq) of the netlink request behind a change, for its
notification (rtmsg_ifa).

An address with lifetimes (IFA_CACHEINFO) is deprecated, then deleted, when they run out
(check_lifetime, on the machine's clock).
DIVERGENCE(#10): of the net.ipv4.conf sysctls only promote_secondaries is modelled;
IFA_F_MCAUTOJOIN does not join the group.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/devinet.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("in_addr", "in_ntoa", "register_inetaddr_notifier", "devinet_init",
                 "dump_ifaddrs", "inet_ifa_lifetimes", "devinet_sysctl",
                 "in_dev_promote_secondaries")

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.include.linux.uaccess import copy_to_user
from netkernel.kernel.sched import ns_capable
from netkernel.kernel.time.timer import TimerList, del_timer_sync, jiffies, mod_timer
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import (NLA_BINARY, NLA_S32, NLA_STRING, NLA_U32, NLA_U8,
                                          nla_put, nlmsg_parse_deprecated, nlmsg_put,
                                          rtnl_lock, rtnl_notify, rtnl_register, rtnl_unlock)
from netkernel.kernel.sysctl import proc_dointvec_value
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import (IFF_BROADCAST, IFF_LOOPBACK, IFF_POINTOPOINT, IFF_UP, IFNAMSIZ,
                                IFR_FLAGS, IFR_IFRU, IFR_NAME, IFR_SHORT, IFREQ_SIZE, ifr_name)
from netkernel.uapi.netlink import (NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE,
                                    NLMSG_HDRLEN)
from netkernel.uapi.rtnetlink import (IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_CACHEINFO_S,
                                      IFA_F_DADFAILED, IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR,
                                      IFA_F_NODAD, IFA_F_OPTIMISTIC, IFA_F_PERMANENT,
                                      IFA_F_SECONDARY, IFA_F_STABLE_PRIVACY, IFA_F_TENTATIVE,
                                      IFA_F_DEPRECATED, IFA_FLAGS, IFA_LABEL, IFA_LOCAL,
                                      IFA_RT_PRIORITY, IFA_TARGET_NETNSID, IFADDRMSG,
                                      IFADDRMSG_SIZE, INFINITY_LIFE_TIME, RT_SCOPE_HOST,
                                      RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, RTNLGRP_IPV4_IFADDR)
from netkernel.uapi.socket import AF_INET
from netkernel.uapi.sockios import (SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK,
                                    SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
                                    SIOCSIFNETMASK)
import struct as _struct

SOCKADDR_IN_SIZE = 16
SIN_FAMILY = 0              # struct sockaddr_in: sa_family_t sin_family
SIN_ADDR = 4                # struct in_addr sin_addr (network order)
IPV4_MIN_MTU = 68
INADDR_LOOPBACK = 0x7F000001
INADDR_BROADCAST = 0xFFFFFFFF
IPV6ONLY_FLAGS = (IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_DADFAILED | IFA_F_HOMEADDRESS |
                  IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR | IFA_F_STABLE_PRIVACY)
NETDEV_UP = netdev.NETDEV_UP
NETDEV_DOWN = netdev.NETDEV_DOWN
U32 = _struct.Struct("=I")

# ifa_ipv4_policy
IFA_IPV4_POLICY = {IFA_LOCAL: (NLA_U32, 0), IFA_ADDRESS: (NLA_U32, 0),
                   IFA_BROADCAST: (NLA_U32, 0), IFA_LABEL: (NLA_STRING, IFNAMSIZ - 1),
                   IFA_CACHEINFO: (NLA_BINARY, IFA_CACHEINFO_S.size), IFA_FLAGS: (NLA_U32, 0),
                   IFA_RT_PRIORITY: (NLA_U32, 0), IFA_TARGET_NETNSID: (NLA_S32, 0),
                   11: (NLA_U8, 0)}    # IFA_PROTO (6.1+)

# inetaddr_chain: fn(event, ifa) called after an address is inserted (NETDEV_UP) or removed
# (NETDEV_DOWN). Global as in Linux: the listeners are code, the state is per namespace.
inetaddr_chain: list = []


def register_inetaddr_notifier(fn) -> None:
    if fn not in inetaddr_chain:
        inetaddr_chain.append(fn)


def in_addr(raw: bytes) -> int:
    """A struct in_addr (network order) as a host-order int."""
    return int.from_bytes(raw[:4], "big")


def in_ntoa(addr: int) -> bytes:
    return addr.to_bytes(4, "big")


def inet_make_mask(logmask: int) -> int:
    """inet_make_mask: a prefix length as a netmask."""
    return (0xFFFFFFFF << (32 - logmask)) & 0xFFFFFFFF if logmask else 0


def inet_mask_len(mask: int) -> int:
    """inet_mask_len: the length of a contiguous netmask."""
    return bin(mask).count("1")


def bad_mask(mask: int, addr: int) -> bool:
    """bad_mask: `addr` has bits outside `mask`, or the mask is not contiguous ones."""
    if addr & ~mask & 0xFFFFFFFF:
        return True
    hmask = ~mask & 0xFFFFFFFF
    return bool(hmask & (hmask + 1))


class InDevice:
    """struct in_device: the IPv4 state of one device — its addresses (ifa_list: primaries,
    then secondaries), its configuration (cnf: net.ipv4.conf.DEV.*, copied from "default"),
    whether it is being destroyed, and the timer of its addresses' lifetimes (check_lifetime)."""
    __slots__ = ("dev", "ifa_list", "dead", "lifetime_timer", "cnf")

    def __init__(self, dev):
        self.dev = dev
        self.ifa_list: list = []
        self.dead = False
        self.lifetime_timer = None
        self.cnf = dict(dev.nd_net.ipv4.devconf_dflt)


class InIfaddr:
    """struct in_ifaddr: one IPv4 address (host-order ints) of an in_device."""
    __slots__ = ("ifa_dev", "ifa_local", "ifa_address", "ifa_mask", "ifa_broadcast",
                 "ifa_prefixlen", "ifa_flags", "ifa_scope", "ifa_label", "ifa_rt_priority",
                 "ifa_valid_lft", "ifa_preferred_lft", "ifa_cstamp", "ifa_tstamp")

    def __init__(self, in_dev: InDevice):
        self.ifa_dev = in_dev
        self.ifa_local = 0
        self.ifa_address = 0
        self.ifa_mask = 0
        self.ifa_broadcast = 0
        self.ifa_prefixlen = 0
        self.ifa_flags = 0
        self.ifa_scope = 0
        self.ifa_label = in_dev.dev.name
        self.ifa_rt_priority = 0
        self.ifa_valid_lft = INFINITY_LIFE_TIME
        self.ifa_preferred_lft = INFINITY_LIFE_TIME
        self.ifa_cstamp = 0
        self.ifa_tstamp = 0

    def __repr__(self) -> str:
        a = ".".join(str(b) for b in in_ntoa(self.ifa_local))
        return f"<in_ifaddr {a}/{self.ifa_prefixlen} {self.ifa_label}>"


def inet_ifa_match(addr: int, ifa: InIfaddr) -> bool:
    """inet_ifa_match: `addr` lies in the address's subnet."""
    return not ((addr ^ ifa.ifa_address) & ifa.ifa_mask)


def inet_ifa_byprefix(in_dev: InDevice, prefix: int, mask: int) -> InIfaddr | None:
    """inet_ifa_byprefix: the primary address of that subnet."""
    for ifa in in_dev.ifa_list:
        if ifa.ifa_mask == mask and inet_ifa_match(prefix, ifa) and \
                not ifa.ifa_flags & IFA_F_SECONDARY:
            return ifa
    return None


def __in_dev_get_rtnl(dev) -> InDevice | None:
    return dev.ip_ptr


def inetdev_valid_mtu(mtu: int) -> bool:
    return mtu >= IPV4_MIN_MTU


# ---------------------------------------------------------------- lifetimes and messages

def set_ifa_lifetime(ifa: InIfaddr, valid_lft: int, prefered_lft: int) -> None:
    """set_ifa_lifetime: an infinite valid lifetime makes the address IFA_F_PERMANENT, a zero
    preferred one IFA_F_DEPRECATED; the timestamps are taken now (cstamp once)."""
    ifa.ifa_flags &= ~(IFA_F_PERMANENT | IFA_F_DEPRECATED)
    if valid_lft == INFINITY_LIFE_TIME:
        ifa.ifa_flags |= IFA_F_PERMANENT
    else:
        ifa.ifa_valid_lft = valid_lft
    if prefered_lft != INFINITY_LIFE_TIME:
        if prefered_lft == 0:
            ifa.ifa_flags |= IFA_F_DEPRECATED
        ifa.ifa_preferred_lft = prefered_lft
    else:
        ifa.ifa_preferred_lft = INFINITY_LIFE_TIME
    core = ifa.ifa_dev.dev.nd_net.core
    ifa.ifa_tstamp = jiffies(core)
    if not ifa.ifa_cstamp:
        ifa.ifa_cstamp = ifa.ifa_tstamp


ADDR_CHECK_FREQUENCY_S = 120       # check_lifetime runs at least this often (seconds)


def check_lifetime(in_dev: InDevice) -> None:
    """check_lifetime (the address-lifetime work, here per device): an address whose valid
    lifetime is over is deleted; one whose preferred lifetime is over becomes IFA_F_DEPRECATED
    (announced); then the work is due again at the next such moment (at most 120 s away).
    Ages are counted a little early (ADDRCONF_TIMER_FUZZ_MINUS: HZ/50), as Linux batches."""
    core = in_dev.dev.nd_net.core
    hz = core.sysctl["kernel.hz"]
    now = jiffies(core)
    fuzz = hz // 50 if hz > 50 else 1
    nxt = now + ADDR_CHECK_FREQUENCY_S * hz
    pending = False
    for ifa in list(in_dev.ifa_list):
        if ifa.ifa_flags & IFA_F_PERMANENT:
            continue
        age = (now - ifa.ifa_tstamp + fuzz) // hz
        if ifa.ifa_valid_lft != INFINITY_LIFE_TIME and age >= ifa.ifa_valid_lft:
            if ifa in in_dev.ifa_list:
                inet_del_ifa(in_dev, ifa)
            continue
        if ifa.ifa_preferred_lft == INFINITY_LIFE_TIME:
            continue
        pending = True
        if age >= ifa.ifa_preferred_lft:
            nxt = min(nxt, ifa.ifa_tstamp + ifa.ifa_valid_lft * hz)
            if not ifa.ifa_flags & IFA_F_DEPRECATED:
                ifa.ifa_flags |= IFA_F_DEPRECATED
                rtmsg_ifa(RTM_NEWADDR, ifa)
        else:
            nxt = min(nxt, ifa.ifa_tstamp + ifa.ifa_preferred_lft * hz)
    if in_dev.lifetime_timer is None:
        in_dev.lifetime_timer = TimerList(lambda _timer, d=in_dev: check_lifetime(d))
    if pending and not in_dev.dead:
        mod_timer(core, in_dev.lifetime_timer, nxt - fuzz)
    else:
        del_timer_sync(core, in_dev.lifetime_timer)


def cstamp_delta(core, stamp: int) -> int:
    """cstamp_delta: jiffies since boot as hundredths of a second (the u32 of IFA_CACHEINFO)."""
    return (stamp * 100 // core.sysctl["kernel.hz"]) & 0xFFFFFFFF


def put_cacheinfo(out: bytearray, core, cstamp: int, tstamp: int, preferred: int,
                  valid: int) -> None:
    """put_cacheinfo: IFA_CACHEINFO (preferred, valid, cstamp, tstamp)."""
    nla_put(out, IFA_CACHEINFO, IFA_CACHEINFO_S.pack(preferred, valid, cstamp_delta(core, cstamp),
                                                      cstamp_delta(core, tstamp)))


def inet_ifa_lifetimes(ifa: InIfaddr) -> tuple[int, int]:
    """What inet_fill_ifaddr reports as the remaining (preferred, valid) lifetimes, seconds
    (INFINITY_LIFE_TIME for a permanent address)."""
    if ifa.ifa_flags & IFA_F_PERMANENT:
        return INFINITY_LIFE_TIME, INFINITY_LIFE_TIME
    core = ifa.ifa_dev.dev.nd_net.core
    tval = (jiffies(core) - ifa.ifa_tstamp) // core.sysctl["kernel.hz"]
    preferred, valid = ifa.ifa_preferred_lft, ifa.ifa_valid_lft
    if preferred != INFINITY_LIFE_TIME:
        preferred = max(preferred - tval, 0)
    if valid != INFINITY_LIFE_TIME:
        valid = max(valid - tval, 0)
    return preferred, valid


def inet_fill_ifaddr(ifa: InIfaddr, event: int, portid: int, seq: int, flags: int) -> bytes:
    """inet_fill_ifaddr: struct ifaddrmsg (ifa_flags is the low byte of the flags), then
    IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST (each when non-zero), IFA_LABEL, IFA_FLAGS,
    IFA_RT_PRIORITY (when set), IFA_CACHEINFO (remaining lifetimes, in seconds)."""
    dev = ifa.ifa_dev.dev
    core = dev.nd_net.core
    out = bytearray(IFADDRMSG.pack(AF_INET, ifa.ifa_prefixlen, ifa.ifa_flags & 0xFF,
                                   ifa.ifa_scope, dev.ifindex))
    preferred, valid = inet_ifa_lifetimes(ifa)
    if ifa.ifa_address:
        nla_put(out, IFA_ADDRESS, in_ntoa(ifa.ifa_address))
    if ifa.ifa_local:
        nla_put(out, IFA_LOCAL, in_ntoa(ifa.ifa_local))
    if ifa.ifa_broadcast:
        nla_put(out, IFA_BROADCAST, in_ntoa(ifa.ifa_broadcast))
    if ifa.ifa_label:
        nla_put(out, IFA_LABEL, ifa.ifa_label.encode() + b"\0")
    nla_put(out, IFA_FLAGS, U32.pack(ifa.ifa_flags))
    if ifa.ifa_rt_priority:
        nla_put(out, IFA_RT_PRIORITY, U32.pack(ifa.ifa_rt_priority))
    put_cacheinfo(out, core, ifa.ifa_cstamp, ifa.ifa_tstamp, preferred, valid)
    return nlmsg_put(event, portid, seq, flags, bytes(out))


def rtmsg_ifa(event: int, ifa: InIfaddr, nlinfo=(0, 0)) -> None:
    """rtmsg_ifa: tell RTNLGRP_IPV4_IFADDR listeners (the requester's port id and sequence
    number in the header)."""
    portid, seq = nlinfo
    rtnl_notify(ifa.ifa_dev.dev.nd_net, inet_fill_ifaddr(ifa, event, portid, seq, 0),
                RTNLGRP_IPV4_IFADDR)


# ---------------------------------------------------------------- insert and delete

def __inet_insert_ifa(ifa: InIfaddr, nlinfo=(0, 0)) -> int:
    """__inet_insert_ifa: a zero local address is silently not added; the same local address in
    the same subnet is EEXIST, another address of that subnet with another scope EINVAL,
    otherwise it becomes that subnet's secondary. A primary goes after the last primary of
    scope no wider than its own, a secondary at the end. Then RTM_NEWADDR and inetaddr_chain
    NETDEV_UP (the routes)."""
    in_dev = ifa.ifa_dev
    if not ifa.ifa_local:
        return 0
    ifa.ifa_flags &= ~IFA_F_SECONDARY & ~IPV6ONLY_FLAGS
    last_primary = 0
    for i, ifa1 in enumerate(in_dev.ifa_list):
        if not ifa1.ifa_flags & IFA_F_SECONDARY and ifa.ifa_scope <= ifa1.ifa_scope:
            last_primary = i + 1
        if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
            if ifa1.ifa_local == ifa.ifa_local:
                return -E.EEXIST
            if ifa1.ifa_scope != ifa.ifa_scope:
                return -E.EINVAL
            ifa.ifa_flags |= IFA_F_SECONDARY
    if ifa.ifa_flags & IFA_F_SECONDARY:
        in_dev.ifa_list.append(ifa)
    else:
        in_dev.ifa_list.insert(last_primary, ifa)
    rtmsg_ifa(RTM_NEWADDR, ifa, nlinfo)
    for fn in list(inetaddr_chain):
        fn(NETDEV_UP, ifa)
    if not ifa.ifa_flags & IFA_F_PERMANENT:
        check_lifetime(in_dev)                  # queue_delayed_work(check_lifetime_work, 0)
    return 0


def inet_insert_ifa(ifa: InIfaddr) -> int:
    return __inet_insert_ifa(ifa)


# (fib_del_ifaddr, fib_add_ifaddr): what a promotion asks of the FIB (fib_frontend registers
# them; direct calls in Linux)
fib_promote_ops: list = []


def in_dev_promote_secondaries(in_dev: InDevice) -> bool:
    """IN_DEV_PROMOTE_SECONDARIES: the "all" setting or the device's."""
    conf_all = in_dev.dev.nd_net.ipv4.devconf_all
    return bool(conf_all["promote_secondaries"] or in_dev.cnf["promote_secondaries"])


def __inet_del_ifa(in_dev: InDevice, ifa1: InIfaddr, nlinfo=(0, 0)) -> None:
    """__inet_del_ifa: deleting a primary deletes its secondaries first, each announced —
    unless promote_secondaries is on: then the first of them is promoted (its routes and those
    of the later secondaries of the subnet are removed silently while the list is whole). Then
    the address is unlinked, RTM_DELADDR and inetaddr_chain NETDEV_DOWN (its routes); a promoted
    address moves after the last primary, loses IFA_F_SECONDARY, is announced (RTM_NEWADDR,
    NETDEV_UP) and the later secondaries of the subnet get their routes back with it as their
    preferred source. A dying in_device skips the secondaries step."""
    promote = prev_prom = None
    last_prim = None                    # the primary to put a promoted address after
    lst = in_dev.ifa_list
    if not in_dev.dead and not ifa1.ifa_flags & IFA_F_SECONDARY:
        do_promote = in_dev_promote_secondaries(in_dev)
        i = lst.index(ifa1) + 1
        while i < len(lst):
            ifa = lst[i]
            if not ifa.ifa_flags & IFA_F_SECONDARY and ifa1.ifa_scope <= ifa.ifa_scope:
                last_prim = ifa
            if not ifa.ifa_flags & IFA_F_SECONDARY or ifa1.ifa_mask != ifa.ifa_mask or \
                    not inet_ifa_match(ifa1.ifa_address, ifa):
                prev_prom = ifa
                i += 1
                continue
            if not do_promote:
                lst.remove(ifa)
                rtmsg_ifa(RTM_DELADDR, ifa, nlinfo)
                for fn in list(inetaddr_chain):
                    fn(NETDEV_DOWN, ifa)
                continue
            promote = ifa
            break
        if promote is not None and fib_promote_ops:
            fib_del_ifaddr, _add = fib_promote_ops
            for ifa in lst[lst.index(promote):]:
                if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
                    fib_del_ifaddr(ifa, ifa1)
    pos = lst.index(ifa1)
    lst.remove(ifa1)
    rtmsg_ifa(RTM_DELADDR, ifa1, nlinfo)
    for fn in list(inetaddr_chain):
        fn(NETDEV_DOWN, ifa1)
    if promote is not None:
        if prev_prom is not None:
            lst.remove(promote)
            lst.insert(pos if last_prim is None else lst.index(last_prim) + 1, promote)
        promote.ifa_flags &= ~IFA_F_SECONDARY
        rtmsg_ifa(RTM_NEWADDR, promote, nlinfo)
        for fn in list(inetaddr_chain):
            fn(NETDEV_UP, promote)
        if fib_promote_ops:
            _del, fib_add_ifaddr = fib_promote_ops
            for ifa in lst[lst.index(promote) + 1:]:
                if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
                    fib_add_ifaddr(ifa)


def inet_del_ifa(in_dev: InDevice, ifa: InIfaddr) -> None:
    __inet_del_ifa(in_dev, ifa)


# ---------------------------------------------------------------- in_device lifetime

IPV4_DEVCONF_DEFAULTS = {"promote_secondaries": 0}


def devinet_init_net(net) -> None:
    """devinet_init_net: the namespace's "all" and "default" IPv4 settings — a copy of the
    initial namespace's (devconf_inherit_init_net 0: IPv4 inherits), or the defaults there."""
    init = net.core.nets[0].ipv4 if net.core.nets else None
    net.ipv4.devconf_all = dict(init.devconf_all if init is not None else IPV4_DEVCONF_DEFAULTS)
    net.ipv4.devconf_dflt = dict(init.devconf_dflt if init is not None else
                                 IPV4_DEVCONF_DEFAULTS)


def devinet_sysctl(net, name: str, value=None):
    """net.ipv4.conf.{all,default,DEV}.promote_secondaries for this namespace: the value, or
    -errno (ENOENT for an unknown name or device, EINVAL for text that is not a number)."""
    parts = name.split(".")
    if len(parts) != 5 or parts[:3] != ["net", "ipv4", "conf"] or \
            parts[4] not in IPV4_DEVCONF_DEFAULTS:
        return -E.ENOENT
    which, key = parts[3], parts[4]
    if which == "all":
        cnf = net.ipv4.devconf_all
    elif which == "default":
        cnf = net.ipv4.devconf_dflt
    else:
        dev = net.dev_by_name.get(which)
        if dev is None or dev.ip_ptr is None:
            return -E.ENOENT
        cnf = dev.ip_ptr.cnf
    if value is None:
        return cnf[key]
    value = proc_dointvec_value(value)
    if value is None:
        return -E.EINVAL
    cnf[key] = value
    return value


def inetdev_init(dev) -> InDevice:
    """inetdev_init: hang a new in_device on the device."""
    in_dev = InDevice(dev)
    dev.ip_ptr = in_dev
    return in_dev


def inetdev_destroy(in_dev: InDevice) -> None:
    """inetdev_destroy: mark it dead, delete every address (announced), unhook it."""
    in_dev.dead = True
    while in_dev.ifa_list:
        inet_del_ifa(in_dev, in_dev.ifa_list[0])
    if in_dev.lifetime_timer is not None:
        del_timer_sync(in_dev.dev.nd_net.core, in_dev.lifetime_timer)
    in_dev.dev.ip_ptr = None


def inetdev_event(event: int, dev) -> None:
    """inetdev_event: REGISTER creates the in_device (MTU at least 68); UP gives the loopback
    device 127.0.0.1/8 (again each time: a second insert is EEXIST and changes nothing);
    CHANGEMTU below 68 or UNREGISTER destroys it; CHANGEMTU back to 68 or more re-creates it."""
    in_dev = dev.ip_ptr
    if in_dev is None:
        if event == netdev.NETDEV_REGISTER or (event == netdev.NETDEV_CHANGEMTU and
                                               inetdev_valid_mtu(dev.mtu)):
            if inetdev_valid_mtu(dev.mtu):
                inetdev_init(dev)
        return
    if event == NETDEV_UP:
        if not inetdev_valid_mtu(dev.mtu):
            return
        if dev.flags & IFF_LOOPBACK:
            ifa = InIfaddr(in_dev)
            ifa.ifa_local = ifa.ifa_address = INADDR_LOOPBACK
            ifa.ifa_prefixlen = 8
            ifa.ifa_mask = inet_make_mask(8)
            ifa.ifa_scope = RT_SCOPE_HOST
            set_ifa_lifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME)
            inet_insert_ifa(ifa)
    elif event == netdev.NETDEV_CHANGEMTU:
        if not inetdev_valid_mtu(dev.mtu):
            inetdev_destroy(in_dev)
    elif event == netdev.NETDEV_UNREGISTER:
        inetdev_destroy(in_dev)


# ---------------------------------------------------------------- rtnetlink

def find_matching_ifa(ifa: InIfaddr) -> InIfaddr | None:
    """find_matching_ifa: an address of the device with the same mask, subnet and local
    address."""
    for ifa1 in ifa.ifa_dev.ifa_list:
        if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa) and \
                ifa1.ifa_local == ifa.ifa_local:
            return ifa1
    return None


def rtm_to_ifaddr(net, data, off: int, end: int):
    """rtm_to_ifaddr: parse (ERANGE/EINVAL from the policy), a prefix length above 32 or no
    IFA_LOCAL is EINVAL, the device by ifa_index ENODEV, a device without IPv4 ENOBUFS; then the
    address (IFA_ADDRESS defaults to IFA_LOCAL; IFA_FLAGS overrides ifa_flags; the label defaults
    to the device name). IFA_CACHEINFO with a zero valid lifetime or a preferred one above it is
    EINVAL. Returns (ifa, valid_lft, prefered_lft) or -errno."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV4_POLICY)
    if type(tb) is int:
        return tb
    _family, prefixlen, flags, scope, index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)
    if prefixlen > 32 or IFA_LOCAL not in tb:
        return -E.EINVAL
    dev = netdev.dev_get_by_index(net, index)
    if dev is None:
        return -E.ENODEV
    in_dev = __in_dev_get_rtnl(dev)
    if in_dev is None:
        return -E.ENOBUFS
    ifa = InIfaddr(in_dev)
    ifa.ifa_prefixlen = prefixlen
    ifa.ifa_mask = inet_make_mask(prefixlen)
    ifa.ifa_flags = U32.unpack(tb[IFA_FLAGS][:4])[0] if IFA_FLAGS in tb else flags
    ifa.ifa_scope = scope
    ifa.ifa_local = in_addr(tb[IFA_LOCAL])
    ifa.ifa_address = in_addr(tb.get(IFA_ADDRESS, tb[IFA_LOCAL]))
    if IFA_BROADCAST in tb:
        ifa.ifa_broadcast = in_addr(tb[IFA_BROADCAST])
    if IFA_LABEL in tb:
        ifa.ifa_label = bytes(tb[IFA_LABEL]).split(b"\0", 1)[0][:IFNAMSIZ - 1].decode(
            "utf-8", "surrogateescape")
    if IFA_RT_PRIORITY in tb:
        ifa.ifa_rt_priority = U32.unpack(tb[IFA_RT_PRIORITY][:4])[0]
    valid_lft = prefered_lft = INFINITY_LIFE_TIME
    if IFA_CACHEINFO in tb:
        prefered_lft, valid_lft, _c, _t = IFA_CACHEINFO_S.unpack(tb[IFA_CACHEINFO][:16])
        if not valid_lft or prefered_lft > valid_lft:
            return -E.EINVAL            # (no extack text in 5.15: added in 6.x)
    return ifa, valid_lft, prefered_lft


def inet_rtm_newaddr(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet_rtm_newaddr: a new address is inserted (NLM_F_CREATE is not required); an existing
    one (same local address, mask and subnet) is EEXIST unless NLM_F_REPLACE without
    NLM_F_EXCL, which updates its route priority and lifetimes and announces it again."""
    r = rtm_to_ifaddr(net, data, off, end)
    if type(r) is int:
        return r
    ifa, valid_lft, prefered_lft = r
    existing = find_matching_ifa(ifa)
    if existing is None:
        set_ifa_lifetime(ifa, valid_lft, prefered_lft)
        return __inet_insert_ifa(ifa, (portid, seq))
    if nlflags & NLM_F_EXCL or not nlflags & NLM_F_REPLACE:
        return -E.EEXIST
    if existing.ifa_rt_priority != ifa.ifa_rt_priority:
        for fn in list(inetaddr_modify_chain):
            fn(existing, ifa.ifa_rt_priority)
        existing.ifa_rt_priority = ifa.ifa_rt_priority
    set_ifa_lifetime(existing, valid_lft, prefered_lft)
    check_lifetime(existing.ifa_dev)
    rtmsg_ifa(RTM_NEWADDR, existing, (portid, seq))
    return 0


# fib_modify_prefix_metric(ifa, new_metric), registered by fib_frontend (a direct call in Linux)
inetaddr_modify_chain: list = []


def inet_rtm_deladdr(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet_rtm_deladdr: the device's in_device by ifa_index (ENODEV), then the first address
    matching every attribute given (IFA_LOCAL, IFA_LABEL, IFA_ADDRESS with the prefix length);
    none is EADDRNOTAVAIL. No attribute at all deletes the first address."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV4_POLICY)
    if type(tb) is int:
        return tb
    _family, prefixlen, _flags, _scope, index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)
    dev = netdev.dev_get_by_index(net, index)
    in_dev = dev.ip_ptr if dev is not None else None
    if in_dev is None:
        return -E.ENODEV
    label = None
    if IFA_LABEL in tb:
        label = bytes(tb[IFA_LABEL]).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    for ifa in list(in_dev.ifa_list):
        if IFA_LOCAL in tb and ifa.ifa_local != in_addr(tb[IFA_LOCAL]):
            continue
        if label is not None and ifa.ifa_label != label:
            continue
        if IFA_ADDRESS in tb and (prefixlen != ifa.ifa_prefixlen or
                                  not inet_ifa_match(in_addr(tb[IFA_ADDRESS]), ifa)):
            continue
        __inet_del_ifa(in_dev, ifa, (portid, seq))
        return 0
    return -E.EADDRNOTAVAIL


def inet_valid_dump_ifaddr_req(data, off: int, end: int, prefix: str = "ipv4: "):
    """inet_valid_dump_ifaddr_req (strict checking): a whole ifaddrmsg with zero prefix length,
    flags and scope (EINVAL, "Invalid header/values ... for address dump request"); ifa_index
    filters by device; no attribute but IFA_TARGET_NETNSID (DIVERGENCE(#10): refused too, with
    "Invalid target network namespace id": the model has no namespace ids). Returns the
    ifindex (0: all) or -errno."""
    if end - off < NLMSG_HDRLEN + IFADDRMSG_SIZE:
        NL_SET_ERR_MSG(prefix + "Invalid header for address dump request")
        return -E.EINVAL
    _family, prefixlen, flags, scope, index = IFADDRMSG.unpack_from(data, off + NLMSG_HDRLEN)
    if prefixlen or flags or scope:
        NL_SET_ERR_MSG(prefix + "Invalid values in header for address dump request")
        return -E.EINVAL
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, IFADDRMSG_SIZE, IFA_IPV4_POLICY)
    if type(tb) is int:
        return tb
    for t in tb:
        if t == IFA_TARGET_NETNSID:
            NL_SET_ERR_MSG(prefix + "Invalid target network namespace id")
            return -E.EINVAL
        NL_SET_ERR_MSG(prefix + "Unsupported attribute in dump request")
        return -E.EINVAL
    return index


def dump_ifaddrs(net, data, off: int, end: int, strict: bool, prefix: str, fill):
    """The body of inet_dump_ifaddr and inet6_dump_addr: with strict checking the request is
    validated (messages prefixed `prefix`) and its ifa_index selects one device (ENODEV; its
    messages and the end NLM_F_DUMP_FILTERED); then `fill(dev, flags)` gives each device's
    messages, devices by ifindex. ([messages] | -errno, answer_flags) or -errno."""
    ifindex, flags = 0, NLM_F_MULTI
    if strict:
        ifindex = inet_valid_dump_ifaddr_req(data, off, end, prefix)
        if ifindex < 0:
            return ifindex
        if ifindex:
            flags |= NLM_F_DUMP_FILTERED
            if netdev.dev_get_by_index(net, ifindex) is None:
                return -E.ENODEV, NLM_F_DUMP_FILTERED
    out = []
    for i, dev in sorted(net.dev_by_index.items()):
        if not ifindex or i == ifindex:
            out += fill(dev, flags)
    return out, flags & NLM_F_DUMP_FILTERED


def inet_dump_ifaddr(net, data, off: int, end: int, portid: int, seq: int,
                     strict: bool = False):
    """inet_dump_ifaddr: one RTM_NEWADDR (NLM_F_MULTI) per address, devices by ifindex, each
    device's addresses in list order (strict checking: dump_ifaddrs)."""
    def fill(dev, flags):
        in_dev = dev.ip_ptr
        return [] if in_dev is None else [inet_fill_ifaddr(ifa, RTM_NEWADDR, portid, seq, flags)
                                          for ifa in in_dev.ifa_list]
    return dump_ifaddrs(net, data, off, end, strict, "ipv4: ", fill)


# ---------------------------------------------------------------- ioctls

def inet_gifconf(dev, buf: int, length: int, size: int) -> int:
    """inet_gifconf: one ifreq per IPv4 address of the device (the label as its name, an
    AF_INET sockaddr with the local address) while `length` has room for one; with a NULL
    buffer only the bytes that would be written are counted. -EFAULT if a copy faults."""
    in_dev = dev.ip_ptr
    done = 0
    if in_dev is None:
        return 0
    for ifa in list(in_dev.ifa_list):
        if not buf:
            done += size
            continue
        if length < size:
            break
        ifr = bytearray(IFREQ_SIZE)
        raw = ifa.ifa_label.encode("utf-8", "surrogateescape")[:IFNAMSIZ - 1]
        ifr[IFR_NAME:IFR_NAME + len(raw)] = raw
        ifr[IFR_IFRU + SIN_FAMILY:IFR_IFRU + SIN_FAMILY + 2] = AF_INET.to_bytes(2, "little")
        ifr[IFR_IFRU + SIN_ADDR:IFR_IFRU + SIN_ADDR + 4] = in_ntoa(ifa.ifa_local)
        if copy_to_user(buf + done, bytes(ifr[:size])):
            return -E.EFAULT
        length -= size
        done += size
    return done


def _put_sin(ifr: bytearray, addr: int) -> None:
    ifr[IFR_IFRU:IFR_IFRU + SOCKADDR_IN_SIZE] = (AF_INET.to_bytes(2, "little") + bytes(2) +
                                                in_ntoa(addr) + bytes(8))


def devinet_ioctl(net, cmd: int, ifr: bytearray) -> int:
    """devinet_ioctl: the name is cut at IFNAMSIZ-1 and at an alias ':' for the device lookup;
    the full name (an alias label included) selects the address. Getters answer with a zeroed
    AF_INET sockaddr; setters need CAP_NET_ADMIN (EPERM) and an AF_INET address (EINVAL), both
    before the device lookup (ENODEV). A getter given an AF_INET address first looks for the
    address with that label and local address (4.4BSD style), then for the first with that
    label; none is EADDRNOTAVAIL (SIOCSIFADDR creates one). SIOCSIFFLAGS on an alias label
    without IFF_UP deletes that address; on the device itself it is dev_change_flags."""
    ifr[IFNAMSIZ - 1] = 0
    sin_family = int.from_bytes(ifr[IFR_IFRU:IFR_IFRU + 2], "little")
    sin_addr = in_addr(bytes(ifr[IFR_IFRU + SIN_ADDR:IFR_IFRU + SIN_ADDR + 4]))
    nul = ifr.find(b"\0", IFR_NAME, IFR_NAME + IFNAMSIZ)
    full_name = ifr_name(ifr)
    colon = ifr.find(b":", IFR_NAME, nul)
    if colon >= 0:
        ifr[colon] = 0
    tryaddrmatch = False
    if cmd in (SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK):
        tryaddrmatch = sin_family == AF_INET
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
    in_dev = dev.ip_ptr
    ifa = None
    if in_dev is not None:
        if tryaddrmatch:
            ifa = next((i for i in in_dev.ifa_list
                        if i.ifa_label == full_name and i.ifa_local == sin_addr), None)
        if ifa is None:
            ifa = next((i for i in in_dev.ifa_list if i.ifa_label == full_name), None)
    if ifa is None and cmd not in (SIOCSIFADDR, SIOCSIFFLAGS):
        return -E.EADDRNOTAVAIL
    if cmd == SIOCGIFADDR:
        _put_sin(ifr, ifa.ifa_local)
    elif cmd == SIOCGIFBRDADDR:
        _put_sin(ifr, ifa.ifa_broadcast)
    elif cmd == SIOCGIFDSTADDR:
        _put_sin(ifr, ifa.ifa_address)
    elif cmd == SIOCGIFNETMASK:
        _put_sin(ifr, ifa.ifa_mask)
    elif cmd == SIOCSIFFLAGS:
        flags = IFR_SHORT.unpack_from(ifr, IFR_FLAGS)[0]
        if colon >= 0:
            if ifa is None:
                return -E.EADDRNOTAVAIL
            if not flags & IFF_UP:
                inet_del_ifa(in_dev, ifa)
            return 0
        rtnl_lock(net.core)     # devinet_ioctl holds the rtnl lock for the change
        try:
            return netdev.dev_change_flags(dev, flags)
        finally:
            rtnl_unlock(net.core)
    elif cmd == SIOCSIFADDR:
        return devinet_set_addr(dev, in_dev, ifa, full_name if colon >= 0 else dev.name,
                                sin_addr)
    elif cmd == SIOCSIFBRDADDR:
        if ifa.ifa_broadcast != sin_addr:
            inet_del_ifa(in_dev, ifa)
            ifa.ifa_broadcast = sin_addr
            inet_insert_ifa(ifa)
    elif cmd == SIOCSIFDSTADDR:
        if ifa.ifa_address != sin_addr:
            if inet_abc_len(sin_addr) < 0:
                return -E.EINVAL
            inet_del_ifa(in_dev, ifa)
            ifa.ifa_address = sin_addr
            inet_insert_ifa(ifa)
    elif cmd == SIOCSIFNETMASK:
        if bad_mask(sin_addr, 0):
            return -E.EINVAL
        if ifa.ifa_mask != sin_addr:
            old_mask = ifa.ifa_mask
            inet_del_ifa(in_dev, ifa)
            ifa.ifa_mask = sin_addr
            ifa.ifa_prefixlen = inet_mask_len(sin_addr)
            # a broadcast that was the old subnet's follows the new mask
            if dev.flags & IFF_BROADCAST and ifa.ifa_prefixlen < 31 and \
                    ifa.ifa_broadcast == (ifa.ifa_local | ~old_mask & 0xFFFFFFFF):
                ifa.ifa_broadcast = (ifa.ifa_local | ~sin_addr) & 0xFFFFFFFF
            inet_insert_ifa(ifa)
    return 0


def inet_abc_len(addr: int) -> int:
    """inet_abc_len: the classful prefix length of an address: 0 for 0.0.0.0/8 and the limited
    broadcast, 8/16/24 for classes A/B/C, 32 for class E, -1 (multicast) otherwise."""
    if addr >> 24 == 0 or addr == INADDR_BROADCAST:
        return 0
    if addr >> 31 == 0:
        return 8
    if addr >> 30 == 0b10:
        return 16
    if addr >> 29 == 0b110:
        return 24
    if addr >> 28 == 0b1111:
        return 32
    return -1


def devinet_set_addr(dev, in_dev, ifa, label: str, addr: int) -> int:
    """SIOCSIFADDR: a multicast address is EINVAL; without an address of that label one is
    created (ENOBUFS without IPv4 on the device), else the same local address changes nothing
    and another replaces it (deleted, then inserted again). The mask is the classful one; the
    broadcast the subnet's when the device broadcasts and the prefix is shorter than 31; a
    loopback address has host scope (inet_set_ifa)."""
    length = inet_abc_len(addr)
    if length < 0:
        return -E.EINVAL
    if ifa is None:
        if in_dev is None:
            return -E.ENOBUFS
        ifa = InIfaddr(in_dev)
        ifa.ifa_label = label
    else:
        if ifa.ifa_local == addr:
            return 0
        inet_del_ifa(in_dev, ifa)
        ifa.ifa_broadcast = 0
        ifa.ifa_scope = 0
    ifa.ifa_address = ifa.ifa_local = addr
    if not dev.flags & IFF_POINTOPOINT:
        ifa.ifa_prefixlen = length
        ifa.ifa_mask = inet_make_mask(length)
        if dev.flags & IFF_BROADCAST and ifa.ifa_prefixlen < 31:
            ifa.ifa_broadcast = ifa.ifa_address | (~ifa.ifa_mask & 0xFFFFFFFF)
    else:
        ifa.ifa_prefixlen = 32
        ifa.ifa_mask = inet_make_mask(32)
    set_ifa_lifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME)
    if addr >> 24 == 127:
        ifa.ifa_scope = RT_SCOPE_HOST
    return inet_insert_ifa(ifa)


def devinet_init(core) -> None:
    """devinet_init: the netdevice notifier and the PF_INET address handlers."""
    netdev.register_netdevice_notifier(core, inetdev_event)
    rtnl_register(AF_INET, RTM_NEWADDR, inet_rtm_newaddr, None)
    rtnl_register(AF_INET, RTM_DELADDR, inet_rtm_deladdr, None)
    rtnl_register(AF_INET, RTM_GETADDR, None, inet_dump_ifaddr)
