"""IPv4 output route resolution for `ip route get` (net/ipv4/route.c): RTM_GETROUTE for one
destination (inet_rtm_getroute) — the FIB lookup, the source address the kernel would choose
(inet_select_addr), the device, and the cloned route's message (rt_fill_info).

Only what a lookup answers is modelled: no route cache entry is kept (each answer is made
afresh), so RTA_CACHEINFO reports no use and no age.
DIVERGENCE(#10): input routes (RTA_IIF), multicast forwarding, marks/uids in policy routing and
RTM_F_FIB_MATCH are not modelled (RTA_IIF is EOPNOTSUPP; RTM_F_FIB_MATCH answers the FIB entry
as rt_fill_info would not).
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/route.c"
MODEL_HELPERS = ("fib_lookup_full",)

from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import (NLA_U32, nla_put, nlmsg_parse_deprecated, nlmsg_put,
                                          rtnl_register)
from netkernel.net.ipv4.devinet import in_addr, in_ntoa, inet_ifa_match
from netkernel.net.ipv4.fib_semantics import FIB_PROPS, fib_dump_info
from netkernel.net.ipv4.fib_trie import fib_table_lookup
from netkernel.uapi import errno as E
from netkernel.uapi.if_ import IFF_LOOPBACK, IFF_UP
from netkernel.uapi.netlink import NLMSG_HDRLEN
from netkernel.uapi.rtnetlink import (RTA_CACHEINFO, RTA_CACHEINFO_S, RTA_DST, RTA_GATEWAY,
                                      RTA_IIF, RTA_MARK, RTA_OIF, RTA_PREFSRC, RTA_SRC,
                                      RTA_TABLE, RTA_UID, RTM_F_CLONED, RTM_F_FIB_MATCH,
                                      RTM_F_LOOKUP_TABLE, RTM_GETROUTE, RTM_NEWROUTE, RTMSG,
                                      RTMSG_SIZE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST,
                                      RTN_UNICAST, RTPROT_UNSPEC, RT_SCOPE_HOST, RT_SCOPE_LINK,
                                      RT_SCOPE_UNIVERSE, RT_TABLE_COMPAT, RT_TABLE_DEFAULT,
                                      RT_TABLE_LOCAL, RT_TABLE_MAIN)
from netkernel.uapi.socket import AF_INET
import struct as _struct

U32 = _struct.Struct("=I")
RTCF_LOCAL = 0x80000000
RTCF_BROADCAST = 0x10000000
RTCF_MULTICAST = 0x20000000
INADDR_LOOPBACK = 0x7F000001
LOCALNET_SCOPE = RT_SCOPE_HOST      # inet_select_addr: 127/8 addresses count as host scope

RTM_GETROUTE_POLICY = {RTA_DST: (NLA_U32, 0), RTA_SRC: (NLA_U32, 0), RTA_IIF: (NLA_U32, 0),
                       RTA_OIF: (NLA_U32, 0), RTA_MARK: (NLA_U32, 0), RTA_UID: (NLA_U32, 0)}


def _lbcast(a: int) -> bool:
    return a == 0xFFFFFFFF


def _multicast(a: int) -> bool:
    return a >> 28 == 0xE


class FibResult:
    """struct fib_result: the route chosen (alias and info), its prefix and table."""
    __slots__ = ("type", "fi", "prefix", "prefixlen", "table", "tos")

    def __init__(self):
        self.type = RTN_UNICAST
        self.fi = None
        self.prefix = 0
        self.prefixlen = 0
        self.table = 0
        self.tos = 0


def fib_lookup_full(net, daddr: int, oif: int, res: FibResult) -> int:
    """fib_lookup without custom rules (local and main, then default): fills `res`; a route of an
    error type answers its error (unreachable EHOSTUNREACH, prohibit EACCES, blackhole EINVAL);
    nothing is ENETUNREACH."""
    for tb_id in (RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT):
        tb = net.ipv4.fib_tables.get(tb_id)
        if tb is None:
            continue
        found = fib_table_lookup(tb, daddr, 0, oif)
        if found is None:
            continue
        fa, prefix, plen = found
        err = FIB_PROPS[fa.fa_type][1]
        if err:
            return err
        res.type, res.fi, res.prefix, res.prefixlen = fa.fa_type, fa.fa_info, prefix, plen
        # without custom rules the local table lives in main's trie (fib_trie's merged
        # tables): a hit in either is main's
        res.table = RT_TABLE_MAIN if tb_id == RT_TABLE_LOCAL else tb_id
        res.tos = fa.fa_tos
        return 0
    return -E.ENETUNREACH


def inet_select_addr(dev, dst: int, scope: int) -> int:
    """inet_select_addr: a primary address of the device within `scope` — the first in the
    subnet of `dst` if there is one, else the first; failing that, any address of scope below
    link on another device of the namespace."""
    addr = 0
    in_dev = dev.ip_ptr
    if in_dev is not None:
        for ifa in in_dev.ifa_list:
            if ifa.ifa_flags & 0x01:                 # IFA_F_SECONDARY
                continue
            if min(ifa.ifa_scope, LOCALNET_SCOPE if ifa.ifa_local >> 24 == 127 else
                   ifa.ifa_scope) > scope:
                continue
            if not dst or inet_ifa_match(dst, ifa):
                return ifa.ifa_local
            if not addr:
                addr = ifa.ifa_local
    if addr:
        return addr
    for other in dev.nd_net.dev_by_index.values():
        if other.ip_ptr is None:
            continue
        for ifa in other.ip_ptr.ifa_list:
            if not ifa.ifa_flags & 0x01 and ifa.ifa_scope != RT_SCOPE_LINK and \
                    ifa.ifa_scope <= scope:
                return ifa.ifa_local
    return 0


def fib_result_prefsrc(res: FibResult) -> int:
    """fib_result_prefsrc: the route's preferred source, else one chosen on its nexthop."""
    fi = res.fi
    if fi.fib_prefsrc:
        return fi.fib_prefsrc
    return inet_select_addr(fi.fib_nh_dev, fi.fib_nh_gw4, fi.fib_nh_scope)


class Rtable:
    """struct rtable as rt_fill_info reads it."""
    __slots__ = ("rt_type", "rt_flags", "dev", "rt_gw4", "rt_uses_gateway")

    def __init__(self, rt_type: int, rt_flags: int, dev, gw: int):
        self.rt_type = rt_type
        self.rt_flags = rt_flags
        self.dev = dev
        self.rt_gw4 = gw
        self.rt_uses_gateway = bool(gw)


def __mkroute_output(res: FibResult, fl4: dict, dev_out, flags: int):
    """__mkroute_output: a loopback source off lo EINVAL; the limited broadcast and multicast
    destinations make broadcast/multicast routes, 0.0.0.0/8 is EINVAL; a gateway is used when
    the nexthop has one (of link scope)."""
    if dev_out.ip_ptr is None:
        return -E.EINVAL
    if fl4["saddr"] >> 24 == 127 and not dev_out.flags & IFF_LOOPBACK:
        return -E.EINVAL
    rtype = res.type
    daddr = fl4["daddr"]
    if _lbcast(daddr):
        rtype = RTN_BROADCAST
    elif _multicast(daddr):
        rtype = RTN_MULTICAST
    elif daddr >> 24 == 0:
        return -E.EINVAL
    if dev_out.flags & IFF_LOOPBACK:
        flags |= RTCF_LOCAL
    fi = res.fi
    if rtype == RTN_BROADCAST:
        flags |= RTCF_BROADCAST | RTCF_LOCAL
        fi = None
    elif rtype == RTN_MULTICAST:
        flags |= RTCF_MULTICAST              # not a group this host joined: not local
        if fi is not None and res.prefixlen < 4:
            fi = None
    gw = fi.fib_nh_gw4 if fi is not None and fi.fib_nh_scope == RT_SCOPE_LINK else 0
    return Rtable(rtype, flags, dev_out, gw)


def ip_route_output_key_hash_rcu(net, fl4: dict, res: FibResult):
    """ip_route_output_key_hash_rcu: the output route to fl4["daddr"] — a given source must be
    a local address (ENETUNREACH; multicast/broadcast/zero EINVAL); a given device must exist
    (ENODEV) and be up with IPv4 (ENETUNREACH); no destination means the source (else
    127.0.0.1) through lo; a local destination goes through lo with the route's prefsrc; else
    the nexthop's device and source. Rtable or -errno."""
    saddr, daddr, oif = fl4["saddr"], fl4["daddr"], fl4["oif"]
    dev_out = None
    flags = 0
    if saddr:
        if _multicast(saddr) or _lbcast(saddr) or saddr >> 24 == 0:
            return -E.EINVAL
        if not any(d.ip_ptr is not None and any(i.ifa_local == saddr for i in d.ip_ptr.ifa_list)
                   for d in net.dev_by_index.values()):
            return -E.ENETUNREACH
    if oif:
        dev_out = netdev.dev_get_by_index(net, oif)
        if dev_out is None:
            return -E.ENODEV
        if not dev_out.flags & IFF_UP or dev_out.ip_ptr is None:
            return -E.ENETUNREACH
        if _lbcast(daddr) or (daddr >> 8) == 0xE00000:      # local multicast 224.0.0.0/24
            if not saddr:
                fl4["saddr"] = inet_select_addr(dev_out, 0, RT_SCOPE_LINK)
            return __mkroute_output(res, fl4, dev_out, flags)
        if not saddr and not daddr:
            fl4["saddr"] = inet_select_addr(dev_out, 0, RT_SCOPE_HOST)
    if not daddr:
        fl4["daddr"] = fl4["saddr"] or INADDR_LOOPBACK
        fl4["saddr"] = fl4["daddr"]
        res.type = RTN_LOCAL
        return __mkroute_output(res, fl4, net.loopback_dev, flags | RTCF_LOCAL)
    err = fib_lookup_full(net, daddr, oif, res)
    if err:
        if oif and err == -E.ENETUNREACH:
            # a destination on the given device, assumed on link
            if not fl4["saddr"]:
                fl4["saddr"] = inet_select_addr(dev_out, 0, RT_SCOPE_LINK)
            res.type = RTN_UNICAST
            res.fi = None
            return __mkroute_output(res, fl4, dev_out, flags)
        return err
    if res.type == RTN_LOCAL:
        if not fl4["saddr"]:
            fl4["saddr"] = res.fi.fib_prefsrc or daddr
        fl4["oif"] = net.loopback_dev.ifindex
        return __mkroute_output(res, fl4, net.loopback_dev, flags | RTCF_LOCAL)
    if not fl4["saddr"]:
        fl4["saddr"] = fib_result_prefsrc(res)
    return __mkroute_output(res, fl4, res.fi.fib_nh_dev, flags)


def rt_fill_info(dst: int, src: int, rt: Rtable, table_id: int, fl4: dict, portid: int,
                 seq: int) -> bytes:
    """rt_fill_info: a /32 RTM_NEWROUTE (RTM_F_CLONED and the route's RTCF flags, protocol
    unspec, scope universe), RTA_TABLE, RTA_DST, RTA_SRC (when asked for), RTA_OIF,
    RTA_PREFSRC (the chosen source, when not the one asked for), RTA_GATEWAY, RTA_UID,
    RTA_CACHEINFO."""
    out = bytearray(RTMSG.pack(AF_INET, 32, 32 if src else 0, 0,
                               table_id if table_id < 256 else RT_TABLE_COMPAT, RTPROT_UNSPEC,
                               RT_SCOPE_UNIVERSE, rt.rt_type,
                               (rt.rt_flags & ~0xFFFF) | RTM_F_CLONED))
    nla_put(out, RTA_TABLE, U32.pack(table_id))
    nla_put(out, RTA_DST, in_ntoa(dst))
    if src:
        nla_put(out, RTA_SRC, in_ntoa(src))
    if rt.dev is not None:
        nla_put(out, RTA_OIF, U32.pack(rt.dev.ifindex))
    if fl4["saddr"] != src:
        nla_put(out, RTA_PREFSRC, in_ntoa(fl4["saddr"]))
    if rt.rt_uses_gateway:
        nla_put(out, RTA_GATEWAY, in_ntoa(rt.rt_gw4))
    nla_put(out, RTA_UID, U32.pack(fl4["uid"]))
    nla_put(out, RTA_CACHEINFO, RTA_CACHEINFO_S.pack(0, 0, 0, 0, 0, 0, 0, 0))
    return nlmsg_put(RTM_NEWROUTE, portid, seq, 0, bytes(out))


def inet_rtm_getroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int):
    """inet_rtm_getroute: parse (policy errors); RTA_IIF (input routes) is not modelled
    (EOPNOTSUPP); resolve the output route (its errno otherwise); answer rt_fill_info — table
    main unless RTM_F_LOOKUP_TABLE asks for the one that matched; RTM_F_FIB_MATCH answers the
    FIB entry (fib_dump_info). Returns [reply] or -errno."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, RTMSG_SIZE, RTM_GETROUTE_POLICY)
    if type(tb) is int:
        return tb
    rtm_flags = RTMSG.unpack_from(data, off + NLMSG_HDRLEN)[8]
    if RTA_IIF in tb and U32.unpack(tb[RTA_IIF][:4])[0]:
        return -E.EOPNOTSUPP
    src = in_addr(tb[RTA_SRC]) if RTA_SRC in tb else 0
    dst = in_addr(tb[RTA_DST]) if RTA_DST in tb else 0
    uid = U32.unpack(tb[RTA_UID][:4])[0] if RTA_UID in tb else 0
    fl4 = {"daddr": dst, "saddr": src, "uid": uid,
           "oif": U32.unpack(tb[RTA_OIF][:4])[0] if RTA_OIF in tb else 0}
    res = FibResult()
    rt = ip_route_output_key_hash_rcu(net, fl4, res)
    if type(rt) is int:
        return rt
    table_id = RT_TABLE_MAIN
    if rtm_flags & RTM_F_LOOKUP_TABLE:
        table_id = res.table
    if rtm_flags & RTM_F_FIB_MATCH:
        if res.fi is None:
            return FIB_PROPS[res.type][1] or -E.EHOSTUNREACH
        return [fib_dump_info(res.prefix, res.prefixlen, res.tos, rt.rt_type, table_id, res.fi,
                              RTM_NEWROUTE, portid, seq, 0)]
    return [rt_fill_info(dst, src, rt, table_id, fl4, portid, seq)]


def ip_rt_init(core) -> None:
    """ip_rt_init: the PF_INET RTM_GETROUTE doit (the dump is fib_frontend's)."""
    rtnl_register(AF_INET, RTM_GETROUTE, inet_rtm_getroute, None)
