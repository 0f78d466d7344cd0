"""The IPv4 FIB's front end (net/ipv4/fib_frontend.c): a namespace's tables, the routes the
kernel installs for addresses (fib_add_ifaddr / fib_del_ifaddr), what device events do to routes,
RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE dumps, and the SIOCADDRT/SIOCDELRT ioctls.

For an address A/P on device D (primary address S of its subnet as preferred source):
- local table: `local A` (scope host), always — also while D is down;
- while D is up: `broadcast B` for an explicit broadcast other than 255.255.255.255; for a
  primary address outside 0.0.0.0/8 (and not a /32 equal to its network), `P-network dev D
  proto kernel scope link src A` in main (on lo: a local route in the local table; none with
  noprefixroute) and, for prefixes shorter than 31, `broadcast <last address>`.
A device going down loses every route through it but the local ones; unregistering (or losing
its last address) loses all of them. `nlinfo` is (portid, seq) of the request behind a change.
DIVERGENCE(#10): one table set per namespace with the default rules only (local, main, default:
no `ip rule`); l3mdev (VRF) tables are not modelled; RTA_METRICS, RTA_MULTIPATH, RTA_VIA,
RTA_ENCAP and nexthop ids are ignored or refused.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/fib_frontend.c"
MODEL_HELPERS = ("NetnsIpv4", "fib_lookup_res", "_create_info", "FibDumpFilter")

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.include.linux.uaccess import copy_from_user
from netkernel.kernel.sched import ns_capable
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import (NLA_BINARY, NLA_U32, nlmsg_parse_deprecated,
                                          rtnl_register)
from netkernel.net.ipv4 import devinet
from netkernel.net.ipv4.devinet import (bad_mask, in_addr, inet_ifa_byprefix, inet_ifa_match,
                                        inet_mask_len)
from netkernel.net.ipv4.fib_semantics import (FibConfig, fib_create_info, fib_sync_down_addr,
                                              fib_sync_down_dev)
from netkernel.net.ipv4.fib_trie import (FibTable, fib_table_delete, fib_table_dump,
                                         fib_table_flush, fib_table_insert, fib_table_lookup)
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import IFF_LOOPBACK, IFF_UP, IFNAMSIZ
from netkernel.uapi.netlink import NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLMSG_HDRLEN
from netkernel.uapi.rtnetlink import (IFA_F_NOPREFIXROUTE, IFA_F_SECONDARY, RTA_DST,
                                      RTA_GATEWAY, RTA_MULTIPATH, RTA_NH_ID, RTA_OIF,
                                      RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE, RTA_VIA, RTM_DELROUTE,
                                      RTM_F_CLONED, RTM_F_PREFIX,
                                      RTM_GETROUTE, RTM_NEWROUTE, RTMSG, RTMSG_SIZE,
                                      RTN_BROADCAST, RTN_LOCAL, RTN_MAX, RTN_UNICAST,
                                      RTN_UNREACHABLE, RTPROT_BOOT, RTPROT_KERNEL,
                                      RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE,
                                      RT_SCOPE_UNIVERSE, RT_TABLE_DEFAULT, RT_TABLE_LOCAL,
                                      RT_TABLE_MAIN, RT_TABLE_UNSPEC)
from netkernel.uapi.socket import AF_INET
from netkernel.uapi.sockios import (RTENTRY_DEV, RTENTRY_DST, RTENTRY_FLAGS, RTENTRY_GATEWAY,
                                    RTENTRY_GENMASK, RTENTRY_METRIC, RTF_GATEWAY, RTF_HOST,
                                    RTF_REJECT, SIOCDELRT)
import struct as _struct

_U16 = _struct.Struct("<H")
_S16 = _struct.Struct("<h")
_PTR = _struct.Struct("<Q")

# rtm_ipv4_policy (the attributes this model reads)
RTM_IPV4_POLICY = {RTA_DST: (NLA_U32, 0), RTA_OIF: (NLA_U32, 0), RTA_GATEWAY: (NLA_U32, 0),
                   RTA_PRIORITY: (NLA_U32, 0), RTA_PREFSRC: (NLA_U32, 0),
                   RTA_TABLE: (NLA_U32, 0), RTA_MULTIPATH: (NLA_BINARY, 0)}


class NetnsIpv4:
    """struct netns_ipv4: the namespace's routing tables by id, and its "all" and "default"
    interface settings (devinet's)."""
    __slots__ = ("fib_tables", "devconf_all", "devconf_dflt")

    def __init__(self):
        self.fib_tables: dict = {}
        self.devconf_all: dict = {}
        self.devconf_dflt: dict = {}


def fib_net_init(net) -> None:
    """fib_net_init → ip_fib_net_init: the local and main tables exist from the start."""
    net.ipv4 = NetnsIpv4()
    devinet.devinet_init_net(net)
    fib_new_table(net, RT_TABLE_MAIN)
    fib_new_table(net, RT_TABLE_LOCAL)


def fib_new_table(net, tb_id: int) -> FibTable:
    """fib_new_table: the table, created on first use (id 0 means main)."""
    if tb_id == RT_TABLE_UNSPEC:
        tb_id = RT_TABLE_MAIN
    tb = net.ipv4.fib_tables.get(tb_id)
    if tb is None:
        tb = net.ipv4.fib_tables[tb_id] = FibTable(tb_id)
    return tb


def fib_get_table(net, tb_id: int) -> FibTable | None:
    if tb_id == RT_TABLE_UNSPEC:
        tb_id = RT_TABLE_MAIN
    return net.ipv4.fib_tables.get(tb_id)


def fib_lookup_res(net, daddr: int, scope: int, oif: int = 0):
    """fib_lookup under the default rules (local, then main, then default): (type, scope,
    device) of the route chosen for `daddr` among those of scope at least `scope`, or None
    (ENETUNREACH)."""
    for tb_id in (RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT):
        tb = net.ipv4.fib_tables.get(tb_id)
        if tb is None:
            continue
        res = fib_table_lookup(tb, daddr, scope, oif)
        if res is not None:
            fa = res[0]
            return fa.fa_type, fa.fa_info.fib_scope, fa.fa_info.fib_nh_dev
    return None


def inet_addr_type_table(net, addr: int, tb_id: int) -> int:
    """inet_addr_type_table: what the table says `addr` is (RTN_LOCAL, RTN_BROADCAST,
    RTN_UNICAST...; RTN_UNICAST when no route covers it)."""
    tb = fib_get_table(net, tb_id) if tb_id else fib_get_table(net, RT_TABLE_LOCAL)
    if addr == 0xFFFFFFFF or addr >> 28 == 0xE:
        return RTN_BROADCAST if addr == 0xFFFFFFFF else 5
    if tb is None:
        return RTN_UNICAST
    res = fib_table_lookup(tb, addr, 0)
    return res[0].fa_type if res is not None else RTN_UNICAST


def _create_info(net, cfg: FibConfig):
    return fib_create_info(net, cfg, fib_lookup_res, inet_addr_type_table)


def fib_flush(net) -> None:
    """fib_flush: every table drops its dead routes."""
    for tb in list(net.ipv4.fib_tables.values()):
        fib_table_flush(net, tb)


# ---------------------------------------------------------------- routes for addresses

def fib_magic(cmd: int, rtype: int, dst: int, dst_len: int, ifa, rt_priority: int) -> None:
    """fib_magic: a kernel route for address `ifa` (its local address as prefsrc, its device as
    nexthop; main table for unicast, local otherwise; scope host for local routes, link for the
    rest). Adding one that exists, or deleting one that does not, does nothing."""
    dev = ifa.ifa_dev.dev
    net = dev.nd_net
    tb_id = RT_TABLE_MAIN if rtype == RTN_UNICAST else RT_TABLE_LOCAL
    tb = fib_new_table(net, tb_id)
    cfg = FibConfig(fc_protocol=RTPROT_KERNEL, fc_type=rtype, fc_dst=dst, fc_dst_len=dst_len,
                    fc_priority=rt_priority, fc_prefsrc=ifa.ifa_local, fc_oif=dev.ifindex,
                    fc_nlflags=NLM_F_CREATE | NLM_F_APPEND, fc_table=tb_id,
                    fc_scope=RT_SCOPE_HOST if rtype == RTN_LOCAL else RT_SCOPE_LINK)
    if cmd == RTM_NEWROUTE:
        fib_table_insert(net, tb, cfg, _create_info)
    else:
        fib_table_delete(net, tb, cfg)


def fib_add_ifaddr(ifa) -> None:
    """fib_add_ifaddr: the local route; then, only while the device is up, the explicit
    broadcast route, the prefix route and the subnet broadcast route (module docstring)."""
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim = ifa
    mask = ifa.ifa_mask
    addr = ifa.ifa_local
    prefix = ifa.ifa_address & mask
    if ifa.ifa_flags & IFA_F_SECONDARY:
        prim = inet_ifa_byprefix(in_dev, prefix, mask)
        if prim is None:
            return
    fib_magic(RTM_NEWROUTE, RTN_LOCAL, addr, 32, prim, 0)
    if not dev.flags & IFF_UP:
        return
    if ifa.ifa_broadcast and ifa.ifa_broadcast != 0xFFFFFFFF:
        fib_magic(RTM_NEWROUTE, RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
    if prefix >> 24 and not ifa.ifa_flags & IFA_F_SECONDARY and \
            (prefix != addr or ifa.ifa_prefixlen < 32):
        if not ifa.ifa_flags & IFA_F_NOPREFIXROUTE:
            fib_magic(RTM_NEWROUTE, RTN_LOCAL if dev.flags & IFF_LOOPBACK else RTN_UNICAST,
                      prefix, ifa.ifa_prefixlen, prim, ifa.ifa_rt_priority)
        if ifa.ifa_prefixlen < 31:
            fib_magic(RTM_NEWROUTE, RTN_BROADCAST, prefix | (~mask & 0xFFFFFFFF), 32, prim, 0)


def fib_modify_prefix_metric(ifa, new_metric: int) -> None:
    """fib_modify_prefix_metric: a primary address's prefix route moves to the new metric."""
    prefix = ifa.ifa_address & ifa.ifa_mask
    dev = ifa.ifa_dev.dev
    if not dev.flags & IFF_UP or ifa.ifa_flags & (IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE) or \
            not prefix >> 24 or (prefix == ifa.ifa_local and ifa.ifa_prefixlen == 32):
        return
    fib_magic(RTM_NEWROUTE, RTN_UNICAST, prefix, ifa.ifa_prefixlen, ifa, new_metric)
    fib_magic(RTM_DELROUTE, RTN_UNICAST, prefix, ifa.ifa_prefixlen, ifa, ifa.ifa_rt_priority)


def fib_del_ifaddr(ifa, iprim=None) -> None:
    """fib_del_ifaddr: remove the routes of a removed address — the prefix route of a primary,
    and the broadcast and local routes unless another address of the device with the same
    preferred source still needs them; when the local address is gone from the device, routes
    using it as preferred source die too."""
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim = ifa
    prim1 = None
    brd = ifa.ifa_address | (~ifa.ifa_mask & 0xFFFFFFFF)
    any_ = ifa.ifa_address & ifa.ifa_mask
    LOCAL_OK, BRD_OK, BRD0_OK, BRD1_OK = 1, 2, 4, 8
    ok = 0
    subnet = False
    gone = True
    same_prefsrc = False
    if ifa.ifa_flags & IFA_F_SECONDARY:
        prim = inet_ifa_byprefix(in_dev, any_, ifa.ifa_mask)
        if prim is None or (iprim is not None and iprim is not prim):
            return
    elif any_ >> 24 and (any_ != ifa.ifa_local or ifa.ifa_prefixlen < 32):
        if not ifa.ifa_flags & IFA_F_NOPREFIXROUTE:
            fib_magic(RTM_DELROUTE, RTN_LOCAL if dev.flags & IFF_LOOPBACK else RTN_UNICAST,
                      any_, ifa.ifa_prefixlen, prim, 0)
        subnet = True
    if not in_dev.dead:
        for ifa1 in in_dev.ifa_list:
            if ifa1 is ifa:
                gone = False
                continue
            if iprim is not None and ifa1.ifa_mask == iprim.ifa_mask and \
                    inet_ifa_match(ifa1.ifa_address, iprim):
                continue
            if ifa1.ifa_flags & IFA_F_SECONDARY:
                if ifa1.ifa_mask == prim.ifa_mask and inet_ifa_match(ifa1.ifa_address, prim):
                    prim1 = prim
                else:
                    if not same_prefsrc:
                        continue
                    if prim1 is None or ifa1.ifa_mask != prim1.ifa_mask or \
                            not inet_ifa_match(ifa1.ifa_address, prim1):
                        prim1 = inet_ifa_byprefix(in_dev, ifa1.ifa_address, ifa1.ifa_mask)
                    if prim1 is None or prim1.ifa_local != prim.ifa_local:
                        continue
            else:
                if prim.ifa_local != ifa1.ifa_local:
                    continue
                prim1 = ifa1
                if prim is not prim1:
                    same_prefsrc = True
            if ifa.ifa_local == ifa1.ifa_local:
                ok |= LOCAL_OK
            if ifa.ifa_broadcast == ifa1.ifa_broadcast:
                ok |= BRD_OK
            if brd == ifa1.ifa_broadcast:
                ok |= BRD1_OK
            if any_ == ifa1.ifa_broadcast:
                ok |= BRD0_OK
            if prim1 is ifa1 and ifa1.ifa_prefixlen < 31:
                brd1 = ifa1.ifa_address | (~ifa1.ifa_mask & 0xFFFFFFFF)
                any1 = ifa1.ifa_address & ifa1.ifa_mask
                if any1 >> 24:
                    if ifa.ifa_broadcast in (brd1, any1):
                        ok |= BRD_OK
                    if brd in (brd1, any1):
                        ok |= BRD1_OK
                    if any_ in (brd1, any1):
                        ok |= BRD0_OK
    if not ok & BRD_OK:
        fib_magic(RTM_DELROUTE, RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
    if subnet and ifa.ifa_prefixlen < 31:
        if not ok & BRD1_OK:
            fib_magic(RTM_DELROUTE, RTN_BROADCAST, brd, 32, prim, 0)
        if not ok & BRD0_OK:
            fib_magic(RTM_DELROUTE, RTN_BROADCAST, any_, 32, prim, 0)
    if not ok & LOCAL_OK:
        fib_magic(RTM_DELROUTE, RTN_LOCAL, ifa.ifa_local, 32, prim, 0)
        if gone and inet_addr_type_table(dev.nd_net, ifa.ifa_local, RT_TABLE_LOCAL) != RTN_LOCAL:
            if fib_sync_down_addr(dev, ifa.ifa_local):
                fib_flush(dev.nd_net)


def fib_disable_ip(dev, event: int, force: bool) -> None:
    """fib_disable_ip: the device's routes die (fib_sync_down_dev) and are flushed."""
    if fib_sync_down_dev(dev, event, force):
        fib_flush(dev.nd_net)


def fib_inetaddr_event(event: int, ifa) -> None:
    """fib_inetaddr_event: an address came (fib_add_ifaddr) or went (fib_del_ifaddr; the last
    address of a device takes every route through it along)."""
    if event == netdev.NETDEV_UP:
        fib_add_ifaddr(ifa)
    elif event == netdev.NETDEV_DOWN:
        fib_del_ifaddr(ifa, None)
        if not ifa.ifa_dev.ifa_list:
            fib_disable_ip(ifa.ifa_dev.dev, event, True)


def fib_netdev_event(event: int, dev) -> None:
    """fib_netdev_event: UNREGISTER kills every route through the device; UP adds each address's
    routes again; DOWN kills all but the local ones. (Carrier changes only change what
    RTNH_F_LINKDOWN shows.)"""
    if event == netdev.NETDEV_UNREGISTER:
        fib_disable_ip(dev, event, True)
        return
    in_dev = dev.ip_ptr
    if in_dev is None:
        return
    if event == netdev.NETDEV_UP:
        for ifa in list(in_dev.ifa_list):
            fib_add_ifaddr(ifa)
    elif event == netdev.NETDEV_DOWN:
        fib_disable_ip(dev, event, False)


# ---------------------------------------------------------------- rtnetlink

def rtm_to_fib_config(net, data, off: int, end: int, nlflags: int, nlinfo):
    """rtm_to_fib_config: struct rtmsg and its attributes (policy errors first; a type above
    RTN_MAX is EINVAL "Invalid route type"). RTA_MULTIPATH, RTA_VIA and RTA_NH_ID are refused
    (EOPNOTSUPP, DIVERGENCE(#10)). FibConfig or -errno."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, RTMSG_SIZE, RTM_IPV4_POLICY)
    if type(tb) is int:
        return tb
    (_family, dst_len, _src_len, tos, table, protocol, scope, rtype,
     flags) = RTMSG.unpack_from(data, off + NLMSG_HDRLEN)
    cfg = FibConfig(fc_dst_len=dst_len, fc_tos=tos, fc_table=table, fc_protocol=protocol,
                    fc_scope=scope, fc_type=rtype, fc_flags=flags, fc_nlflags=nlflags)
    cfg.nlinfo = nlinfo
    if rtype > RTN_MAX:
        NL_SET_ERR_MSG("Invalid route type")
        return -E.EINVAL
    if RTA_MULTIPATH in tb or RTA_VIA in tb or RTA_NH_ID in tb:
        return -E.EOPNOTSUPP
    if RTA_DST in tb:
        cfg.fc_dst = in_addr(tb[RTA_DST])
    if RTA_OIF in tb:
        cfg.fc_oif = _struct.unpack("=I", tb[RTA_OIF][:4])[0]
    if RTA_GATEWAY in tb:
        cfg.fc_gw4 = in_addr(tb[RTA_GATEWAY])
    if RTA_PRIORITY in tb:
        cfg.fc_priority = _struct.unpack("=I", tb[RTA_PRIORITY][:4])[0]
    if RTA_PREFSRC in tb:
        cfg.fc_prefsrc = in_addr(tb[RTA_PREFSRC])
    if RTA_TABLE in tb:
        cfg.fc_table = _struct.unpack("=I", tb[RTA_TABLE][:4])[0]
    return cfg


def inet_rtm_newroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet_rtm_newroute: rtm_to_fib_config, the table (created on first use), fib_table_insert."""
    cfg = rtm_to_fib_config(net, data, off, end, nlflags, (portid, seq))
    if type(cfg) is int:
        return cfg
    return fib_table_insert(net, fib_new_table(net, cfg.fc_table), cfg, _create_info)


def inet_rtm_delroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int) -> int:
    """inet_rtm_delroute: rtm_to_fib_config, the table (none: ESRCH "FIB table does not
    exist"), fib_table_delete."""
    cfg = rtm_to_fib_config(net, data, off, end, nlflags, (portid, seq))
    if type(cfg) is int:
        return cfg
    tb = fib_get_table(net, cfg.fc_table)
    if tb is None:
        NL_SET_ERR_MSG("FIB table does not exist")
        return -E.ESRCH
    return fib_table_delete(net, tb, cfg)


class FibDumpFilter:
    """struct fib_dump_filter: what a strict dump request asks for."""
    __slots__ = ("table_id", "protocol", "rt_type", "flags", "dev", "filter_set",
                 "dump_routes", "dump_exceptions")

    def __init__(self):
        self.table_id = self.protocol = self.rt_type = self.flags = 0
        self.dev = None
        self.filter_set = False
        self.dump_routes = self.dump_exceptions = True


def ip_valid_fib_dump_req(net, data, off: int, end: int):
    """ip_valid_fib_dump_req (strict checking, IPv4 and IPv6): a whole rtmsg (EINVAL "Invalid
    header for FIB dump request") with zero lengths, tos and scope ("Invalid values in header
    for FIB dump request"), no flags but RTM_F_CLONED/RTM_F_PREFIX ("Invalid flags for FIB dump
    request"; RTM_F_CLONED asks for cached routes only: none here); rtm_protocol, rtm_type,
    rtm_table, RTA_TABLE and RTA_OIF (ENODEV) filter; any other attribute is EINVAL
    ("Unsupported attribute in dump request"). A FibDumpFilter or -errno."""
    if end - off < NLMSG_HDRLEN + RTMSG_SIZE:
        NL_SET_ERR_MSG("Invalid header for FIB dump request")
        return -E.EINVAL
    (_family, dst_len, src_len, tos, table, protocol, scope, rtype,
     flags) = RTMSG.unpack_from(data, off + NLMSG_HDRLEN)
    if dst_len or src_len or tos or scope:
        NL_SET_ERR_MSG("Invalid values in header for FIB dump request")
        return -E.EINVAL
    if flags & ~(RTM_F_CLONED | RTM_F_PREFIX):
        NL_SET_ERR_MSG("Invalid flags for FIB dump request")
        return -E.EINVAL
    f = FibDumpFilter()
    if flags & RTM_F_CLONED:
        f.dump_routes = False
    else:
        f.dump_exceptions = False
    f.flags, f.protocol, f.rt_type, f.table_id = flags, protocol, rtype, table
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, RTMSG_SIZE, RTM_IPV4_POLICY)
    if type(tb) is int:
        return tb
    for t in sorted(tb):
        if t == RTA_TABLE:
            f.table_id = _struct.unpack("=I", tb[t][:4])[0]
        elif t == RTA_OIF:
            f.dev = netdev.dev_get_by_index(net, _struct.unpack("=I", tb[t][:4])[0])
            if f.dev is None:
                return -E.ENODEV
        else:
            NL_SET_ERR_MSG("Unsupported attribute in dump request")
            return -E.EINVAL
    f.filter_set = bool(f.flags or f.protocol or f.rt_type or f.table_id or f.dev)
    return f


def inet_dump_fib(net, data, off: int, end: int, portid: int, seq: int, strict: bool = False):
    """inet_dump_fib: every table's routes, tables in hash order (id modulo 256: main 254
    before local 255). With strict checking the request's filter applies (one table: an
    unknown one is ENOENT "ipv4: FIB table does not exist" for an AF_INET request, nothing for
    AF_UNSPEC); RTM_F_PREFIX answers nothing (IPv4 has no prefix routes)."""
    f = FibDumpFilter()
    if strict:
        f = ip_valid_fib_dump_req(net, data, off, end)
        if type(f) is int:
            return f
    elif end - off >= NLMSG_HDRLEN + RTMSG_SIZE:
        f.flags = RTMSG.unpack_from(data, off + NLMSG_HDRLEN)[8] & (RTM_F_PREFIX | RTM_F_CLONED)
    answer = NLM_F_DUMP_FILTERED if f.filter_set else 0
    if f.flags & RTM_F_PREFIX:
        return [], answer
    if f.table_id:
        tb = fib_get_table(net, f.table_id)
        if tb is None:
            if data[off + NLMSG_HDRLEN] != AF_INET:
                return [], answer
            NL_SET_ERR_MSG("ipv4: FIB table does not exist")
            return -E.ENOENT, answer
        return fib_table_dump(tb, portid, seq, f), answer
    out = []
    for tb_id in sorted(net.ipv4.fib_tables, key=lambda t: (t & 0xFF, t)):
        out += fib_table_dump(net.ipv4.fib_tables[tb_id], portid, seq, f)
    return out, answer


# ---------------------------------------------------------------- SIOCADDRT / SIOCDELRT

def rtentry_to_fib_config(net, cmd: int, rt: bytes):
    """rtentry_to_fib_config: struct rtentry → a route request. rt_dst must be AF_INET
    (EAFNOSUPPORT); without RTF_HOST, rt_genmask (AF_INET, or all zero) must be a contiguous
    mask the destination fits (EINVAL); rt_metric N is priority N-1; RTF_REJECT makes an
    unreachable route; rt_dev names the device (EFAULT, ENODEV; "dev:label" takes that
    address as preferred source); an AF_INET gateway with RTF_GATEWAY that is not local makes
    the route universe-scoped; RTF_GATEWAY without a gateway is EINVAL. FibConfig or -errno."""
    fam = lambda off: _U16.unpack_from(rt, off)[0]                      # noqa: E731
    addr_at = lambda off: in_addr(rt[off + 4:off + 8])                  # noqa: E731
    if fam(RTENTRY_DST) != AF_INET:
        return -E.EAFNOSUPPORT
    flags = _U16.unpack_from(rt, RTENTRY_FLAGS)[0]
    plen = 32
    addr = addr_at(RTENTRY_DST)
    if not flags & RTF_HOST:
        mask = addr_at(RTENTRY_GENMASK)
        if fam(RTENTRY_GENMASK) != AF_INET and (mask or fam(RTENTRY_GENMASK)):
            return -E.EAFNOSUPPORT
        if bad_mask(mask, addr):
            return -E.EINVAL
        plen = inet_mask_len(mask)
    cfg = FibConfig(fc_dst_len=plen, fc_dst=addr)
    if cmd != SIOCDELRT:
        cfg.fc_nlflags = NLM_F_CREATE
        cfg.fc_protocol = RTPROT_BOOT
    metric = _S16.unpack_from(rt, RTENTRY_METRIC)[0]
    if metric:
        cfg.fc_priority = (metric - 1) & 0xFFFFFFFF
    if flags & RTF_REJECT:
        cfg.fc_scope = RT_SCOPE_HOST
        cfg.fc_type = RTN_UNREACHABLE
        cfg.fc_table = RT_TABLE_MAIN
        return cfg
    cfg.fc_scope = RT_SCOPE_NOWHERE
    cfg.fc_type = RTN_UNICAST
    devp = _PTR.unpack_from(rt, RTENTRY_DEV)[0]
    if devp:
        raw = copy_from_user(devp, IFNAMSIZ - 1)
        if type(raw) is int:
            return raw
        name = raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        dev = netdev.dev_get_by_name(net, name.split(":", 1)[0])
        if dev is None:
            return -E.ENODEV
        cfg.fc_oif = dev.ifindex
        if ":" in name:
            if dev.ip_ptr is None:
                return -E.ENODEV
            ifa = next((i for i in dev.ip_ptr.ifa_list if i.ifa_label == name), None)
            if ifa is None:
                return -E.ENODEV
            cfg.fc_prefsrc = ifa.ifa_local
    gw = addr_at(RTENTRY_GATEWAY)
    if fam(RTENTRY_GATEWAY) == AF_INET and gw:
        cfg.fc_gw4 = gw
        if flags & RTF_GATEWAY and inet_addr_type_table(net, gw, 0) == RTN_UNICAST:
            cfg.fc_scope = RT_SCOPE_UNIVERSE
    cfg.fc_table = RT_TABLE_MAIN
    if cmd == SIOCDELRT:
        return cfg
    if flags & RTF_GATEWAY and not cfg.fc_gw4:
        return -E.EINVAL
    if cfg.fc_scope == RT_SCOPE_NOWHERE:
        cfg.fc_scope = RT_SCOPE_LINK
    return cfg


def ip_rt_ioctl(net, cmd: int, rt: bytes) -> int:
    """ip_rt_ioctl (SIOCADDRT/SIOCDELRT): CAP_NET_ADMIN (EPERM), rtentry_to_fib_config, then
    insert into or delete from the main table."""
    if not ns_capable(CAP_NET_ADMIN):
        return -E.EPERM
    cfg = rtentry_to_fib_config(net, cmd, rt)
    if type(cfg) is int:
        return cfg
    if cmd == SIOCDELRT:
        tb = fib_get_table(net, cfg.fc_table)
        return fib_table_delete(net, tb, cfg) if tb is not None else -E.ESRCH
    return fib_table_insert(net, fib_new_table(net, cfg.fc_table), cfg, _create_info)


def ip_fib_init(core) -> None:
    """ip_fib_init: the per-namespace tables, the device and address notifiers, the PF_INET
    route handlers."""
    from netkernel.net.core.net_namespace import register_pernet_device
    register_pernet_device(core, fib_net_init)
    netdev.register_netdevice_notifier(core, fib_netdev_event)
    devinet.register_inetaddr_notifier(fib_inetaddr_event)
    if fib_modify_prefix_metric not in devinet.inetaddr_modify_chain:
        devinet.inetaddr_modify_chain.append(fib_modify_prefix_metric)
    devinet.fib_promote_ops[:] = [fib_del_ifaddr, fib_add_ifaddr]
    rtnl_register(AF_INET, RTM_NEWROUTE, inet_rtm_newroute, None)
    rtnl_register(AF_INET, RTM_DELROUTE, inet_rtm_delroute, None)
    rtnl_register(AF_INET, RTM_GETROUTE, None, inet_dump_fib)
