"""IPv6 routes (net/ipv6/route.c): struct fib6_info, ip6_route_add/ip6_del_rt,
RTM_NEWROUTE/RTM_DELROUTE and the route message (rt6_fill_node), notifications
(inet6_rt_notify), what device events do to routes (rt6_sync_down_dev). The tables themselves
are net/ipv6/ip6_fib.py's.
DIVERGENCE(#10): one nexthop per route; a
gateway is not checked for reachability (ip6_validate_gw); no route cache, no expiry, no
RTA_METRICS/RTA_MULTIPATH/RTA_PREF input; no policy routing.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv6/route.c"
MODEL_HELPERS = ("Fib6Info", "ipv6_prefix", "rtm_to_fib6_config", "_src_scope",
                 "_common_prefix")

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.kernel.time.timer import jiffies
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import (NLA_BINARY, NLA_U32, nla_put, nlmsg_parse_deprecated,
                                          nlmsg_put, rtnl_notify, rtnl_register)
from netkernel.uapi import errno as E
from netkernel.net.ipv6.ip6_fib import fib6_add, fib6_del
from netkernel.uapi.netlink import NLM_F_CREATE, NLMSG_HDRLEN
from netkernel.uapi.rtnetlink import (RTA_CACHEINFO, RTA_CACHEINFO_S, RTA_DST, RTA_GATEWAY,
                                      RTA_IIF, RTA_MULTIPATH, RTA_OIF, RTA_PREF, RTA_PREFSRC,
                                      RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTM_DELROUTE,
                                      RTM_GETROUTE, RTM_NEWROUTE, RTMSG, RTMSG_SIZE,
                                      RTN_BLACKHOLE, RTN_MAX, RTN_PROHIBIT, RTN_UNICAST,
                                      RTN_UNREACHABLE, RT_TABLE_LOCAL,
                                      RTNLGRP_IPV6_ROUTE, RTNH_F_LINKDOWN, RTPROT_BOOT,
                                      RT_SCOPE_UNIVERSE, RT_TABLE_COMPAT, RT_TABLE_MAIN)
from netkernel.uapi.socket import AF_INET6
import struct as _struct

U32 = _struct.Struct("=I")
IP6_RT_PRIO_USER = 1024
IP6_RT_PRIO_ADDRCONF = 256
RTF_UP, RTF_GATEWAY, RTF_NONEXTHOP, RTF_LOCAL = 0x0001, 0x0002, 0x00200000, 0x80000000
RTF_ADDRCONF, RTF_CACHE = 0x00040000, 0x01000000
RTF_EXPIRES = 0x00400000
USER_HZ = 100                   # clock_t units of RTA_CACHEINFO's rta_expires

RTM_IPV6_POLICY = {RTA_DST: (NLA_BINARY, 16), RTA_OIF: (NLA_U32, 0),
                   RTA_GATEWAY: (NLA_BINARY, 16), RTA_PRIORITY: (NLA_U32, 0),
                   RTA_PREFSRC: (NLA_BINARY, 16), RTA_TABLE: (NLA_U32, 0)}


class Fib6Info:
    """struct fib6_info with its struct fib6_nh."""
    __slots__ = ("fib6_dst", "fib6_dst_len", "fib6_table", "fib6_metric", "fib6_protocol",
                 "fib6_type", "fib6_flags", "fib_nh_dev", "fib_nh_gw6", "expires",
                 "fib6_prefsrc")

    def __init__(self, dst: bytes, plen: int, table: int, metric: int, protocol: int,
                 rtype: int, flags: int, dev, gw: bytes = bytes(16), expires: int = 0):
        self.fib6_dst = dst
        self.fib6_dst_len = plen
        self.fib6_table = table
        self.fib6_metric = metric
        self.fib6_protocol = protocol
        self.fib6_type = rtype
        self.fib6_flags = flags
        self.fib_nh_dev = dev
        self.fib_nh_gw6 = gw
        self.expires = expires      # jiffies when RTF_EXPIRES is set
        self.fib6_prefsrc = None    # a preferred source address (RTA_PREFSRC), or None

    def same(self, o: "Fib6Info") -> bool:
        return (self.fib6_dst, self.fib6_dst_len, self.fib6_metric, self.fib_nh_dev,
                self.fib_nh_gw6) == (o.fib6_dst, o.fib6_dst_len, o.fib6_metric, o.fib_nh_dev,
                                     o.fib_nh_gw6)


def ipv6_prefix(addr: bytes, plen: int) -> bytes:
    """ipv6_addr_prefix: the first `plen` bits of the address."""
    v = int.from_bytes(addr, "big")
    mask = ((1 << 128) - 1) ^ ((1 << (128 - plen)) - 1) if plen else 0
    return (v & mask).to_bytes(16, "big")


def rt6_fill_node(rt: Fib6Info, event: int, portid: int, seq: int, flags: int,
                  dest: bytes | None = None, src: bytes | None = None,
                  prefsrc: bytes | None = None, dst_dev=None) -> bytes:
    """rt6_fill_node: struct rtmsg (scope universe), RTA_TABLE, RTA_DST (`dest` /128 for a
    looked-up destination, else the prefix when not 0), RTA_SRC (`src` /128, asked-for source
    of a lookup), RTA_PREFSRC (the source a lookup chose), RTA_PRIORITY, RTA_GATEWAY (with
    RTF_GATEWAY), RTA_OIF (the route's device, or `dst_dev` for a lookup: lo for a local
    route), RTA_CACHEINFO (no cache entry: only the time to expiry of an RTF_EXPIRES route, in
    clock ticks, negative once past), RTA_PREF (medium). RTNH_F_LINKDOWN for a non-local
    route whose device has no carrier."""
    dev = rt.fib_nh_dev
    rtm_flags = 0
    if dev is not None and not dev.carrier and not rt.fib6_flags & RTF_LOCAL:
        rtm_flags |= RTNH_F_LINKDOWN
    out = bytearray(RTMSG.pack(AF_INET6, 128 if dest is not None else rt.fib6_dst_len,
                               128 if src is not None else 0, 0,
                               rt.fib6_table if rt.fib6_table < 256 else RT_TABLE_COMPAT,
                               rt.fib6_protocol, RT_SCOPE_UNIVERSE, rt.fib6_type, rtm_flags))
    nla_put(out, RTA_TABLE, U32.pack(rt.fib6_table))
    if dest is not None:
        nla_put(out, RTA_DST, dest)
    elif rt.fib6_dst_len:
        nla_put(out, RTA_DST, rt.fib6_dst)
    if src is not None:
        nla_put(out, RTA_SRC, src)
    if prefsrc is not None:
        nla_put(out, RTA_PREFSRC, prefsrc)
    if rt.fib6_prefsrc is not None:
        nla_put(out, RTA_PREFSRC, rt.fib6_prefsrc)
    nla_put(out, RTA_PRIORITY, U32.pack(rt.fib6_metric))
    if rt.fib6_flags & RTF_GATEWAY:
        nla_put(out, RTA_GATEWAY, rt.fib_nh_gw6)
    if dst_dev is not None:
        nla_put(out, RTA_OIF, U32.pack(dst_dev.ifindex))
    elif dev is not None:
        nla_put(out, RTA_OIF, U32.pack(dev.ifindex))
    expires = 0
    if rt.fib6_flags & RTF_EXPIRES and dev is not None:
        core = dev.nd_net.core
        left = rt.expires - jiffies(core)
        expires = min(abs(left) * USER_HZ // core.sysctl["kernel.hz"], 0x7FFFFFFF)
        expires = expires if left > 0 else -expires
    nla_put(out, RTA_CACHEINFO, RTA_CACHEINFO_S.pack(0, 0, expires, 0, 0, 0, 0, 0))
    nla_put(out, RTA_PREF, b"\0")
    return nlmsg_put(event, portid, seq, flags, bytes(out))


def inet6_rt_notify(event: int, rt: Fib6Info, nlinfo=(0, 0), nlflags: int = 0) -> None:
    """inet6_rt_notify: announce the route to RTNLGRP_IPV6_ROUTE."""
    if rt.fib_nh_dev is None:
        return
    rtnl_notify(rt.fib_nh_dev.nd_net, rt6_fill_node(rt, event, nlinfo[0], nlinfo[1], nlflags),
                RTNLGRP_IPV6_ROUTE)


def ip6_del_rt(net, rt: Fib6Info, nlinfo=(0, 0)) -> None:
    """ip6_del_rt → fib6_del: remove one route, announced."""
    fib6_del(net, rt, nlinfo)


def ip6_route_add(net, rt: Fib6Info, nlflags: int = NLM_F_CREATE, nlinfo=(0, 0)) -> int:
    """ip6_route_add: insert an IPv6 route (fib6_add)."""
    return fib6_add(net, rt, nlflags, nlinfo)


def rt6_sync_down_dev(dev, silent: bool = False) -> None:
    """rt6_sync_down_dev / rt6_disable_ip: every route through the device goes."""
    net = dev.nd_net
    for table in net.ipv6.fib6_tables.values():
        for rt in [r for r in table if r.fib_nh_dev is dev]:
            table.remove(rt)
            if not silent:
                inet6_rt_notify(RTM_DELROUTE, rt)


def rtm_to_fib6_config(net, data, off: int, end: int):
    """rtm_to_fib6_config: struct rtmsg and attributes → (dst, plen, table, metric, protocol,
    type, oif, gateway); a type above RTN_MAX or a prefix longer than 128 is EINVAL;
    RTA_MULTIPATH is refused (EOPNOTSUPP, DIVERGENCE(#10))."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, RTMSG_SIZE, RTM_IPV6_POLICY)
    if type(tb) is int:
        return tb
    (_family, dst_len, _src_len, _tos, table, protocol, _scope, rtype,
     _flags) = RTMSG.unpack_from(data, off + NLMSG_HDRLEN)
    if rtype > RTN_MAX or dst_len > 128:
        return -E.EINVAL
    if RTA_MULTIPATH in tb:
        return -E.EOPNOTSUPP
    dst = bytes(tb[RTA_DST][:16]) if RTA_DST in tb else bytes(16)
    if RTA_TABLE in tb:
        table = U32.unpack(tb[RTA_TABLE][:4])[0]
    metric = U32.unpack(tb[RTA_PRIORITY][:4])[0] if RTA_PRIORITY in tb else 0
    oif = U32.unpack(tb[RTA_OIF][:4])[0] if RTA_OIF in tb else 0
    gw = bytes(tb[RTA_GATEWAY][:16]) if RTA_GATEWAY in tb else None
    prefsrc = bytes(tb[RTA_PREFSRC][:16]) if RTA_PREFSRC in tb else None
    return ipv6_prefix(dst, dst_len), dst_len, table or RT_TABLE_MAIN, metric, protocol, \
        rtype, oif, gw, prefsrc


def inet6_rtm_newroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int):
    """inet6_rtm_newroute → ip6_route_info_create: the device by RTA_OIF (ENODEV); without one,
    a gateway's device is the one of the route that reaches it directly (ip6_validate_gw: none
    is EHOSTUNREACH), and neither is ENODEV; the device must be up (ENETDOWN); the metric (0
    means 1024); then fib6_add."""
    cfg = rtm_to_fib6_config(net, data, off, end)
    if type(cfg) is int:
        return cfg
    dst, plen, table, metric, protocol, rtype, oif, gw, prefsrc = cfg
    has_gw = gw is not None and any(gw)
    dev = None
    if oif:
        dev = netdev.dev_get_by_index(net, oif)
        if dev is None:
            return -E.ENODEV
    elif has_gw:
        via = ip6_route_output(net, gw, 0)
        if type(via) is int or via.fib6_flags & RTF_GATEWAY or via.fib_nh_dev is None:
            return -E.EHOSTUNREACH
        dev = via.fib_nh_dev
    if dev is None or dev.ip6_ptr is None:
        return -E.ENODEV
    if not dev.flags & 0x1:             # fib6_nh_init: "Nexthop device is not up"
        return -E.ENETDOWN
    if prefsrc is not None and any(prefsrc):
        # ipv6_chk_addr: the source must be an address of the route's device
        if not any(ifa.addr == prefsrc for ifa in dev.ip6_ptr.addr_list):
            NL_SET_ERR_MSG("Invalid source address")
            return -E.EINVAL
    flags = RTF_UP | (RTF_GATEWAY if has_gw else 0)
    rt = Fib6Info(dst, plen, table, metric or IP6_RT_PRIO_USER, protocol or RTPROT_BOOT,
                  rtype or RTN_UNICAST, flags, dev, gw if gw else bytes(16))
    if prefsrc is not None and any(prefsrc):
        rt.fib6_prefsrc = prefsrc
    return ip6_route_add(net, rt, nlflags, (portid, seq))


def inet6_rtm_delroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int):
    """inet6_rtm_delroute → ip6_route_del: the first route of that prefix in that table matching
    the device, gateway and metric given; none is ESRCH."""
    cfg = rtm_to_fib6_config(net, data, off, end)
    if type(cfg) is int:
        return cfg
    dst, plen, table, metric, protocol, _rtype, oif, gw, _prefsrc = cfg
    for rt in list(net.ipv6.fib6_tables.get(table, [])):
        if rt.fib6_dst != dst or rt.fib6_dst_len != plen:
            continue
        if oif and (rt.fib_nh_dev is None or rt.fib_nh_dev.ifindex != oif):
            continue
        if gw and rt.fib_nh_gw6 != gw:
            continue
        if metric and rt.fib6_metric != metric:
            continue
        if protocol and rt.fib6_protocol != protocol:
            continue
        ip6_del_rt(net, rt, (portid, seq))
        return 0
    return -E.ESRCH


RTM_GETROUTE6_POLICY = {RTA_SRC: (NLA_BINARY, 0), RTA_DST: (NLA_BINARY, 0),
                        RTA_IIF: (NLA_U32, 0), RTA_OIF: (NLA_U32, 0)}
# RFC 6724 source address selection: IPV6_ADDR_SCOPE_* of an address (ipv6_addr_src_scope)


def _src_scope(addr: bytes) -> int:
    if addr[0] == 0xFF:
        return addr[1] & 0x0F
    if addr == bytes(15) + b"\x01":
        return 0x1
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0x80:
        return 0x2
    if addr[0] == 0xFE and addr[1] & 0xC0 == 0xC0:
        return 0x5
    return 0xE


def _common_prefix(a: bytes, b: bytes) -> int:
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return 128 - x.bit_length()


def ipv6_dev_get_saddr(net, dst_dev, daddr: bytes):
    """ipv6_dev_get_saddr: the source address for `daddr` by RFC 6724's rules as Linux applies
    them — the destination itself, then an appropriate scope (the smallest not narrower than
    the destination's, else the widest), not deprecated, on the outgoing device, the longest
    prefix shared with the destination (up to the address's prefix length); tentative addresses
    are not candidates. Only the outgoing device's addresses compete for a link-local or
    multicast destination. None when there is no candidate (EADDRNOTAVAIL).
    DIVERGENCE(#10): the policy-table labels (rule 6) and home/temporary preferences are not
    applied."""
    dst_scope = _src_scope(daddr)
    use_oif = dst_dev is not None and (daddr[0] == 0xFF or dst_scope <= 0x2)
    devs = [dst_dev] if use_oif else [d for _, d in sorted(net.dev_by_index.items())]
    best, best_key = None, None
    for dev in devs:
        idev = dev.ip6_ptr
        if idev is None or not dev.flags & 0x1:
            continue
        for ifa in idev.addr_list:
            if ifa.flags & 0x40:                  # IFA_F_TENTATIVE
                continue
            sc = _src_scope(ifa.addr)
            key = (ifa.addr == daddr,
                   (1, -sc) if sc >= dst_scope else (0, sc),
                   not ifa.flags & 0x20,           # IFA_F_DEPRECATED
                   dev is dst_dev,
                   min(_common_prefix(ifa.addr, daddr), ifa.prefix_len))
            if best_key is None or key > best_key:
                best, best_key = ifa.addr, key
    return best


def ip6_route_output(net, daddr: bytes, oif: int):
    """ip6_route_output (fib6_rule_lookup with the default rules: local, then main): the
    longest prefix holding `daddr`, lowest metric first, on device `oif` when one is given.
    An error route answers its error (unreachable/blackhole/prohibit), none ENETUNREACH."""
    for tb_id in (RT_TABLE_LOCAL, RT_TABLE_MAIN):
        best = None
        for rt in net.ipv6.fib6_tables.get(tb_id, []):
            if ipv6_prefix(daddr, rt.fib6_dst_len) != rt.fib6_dst:
                continue
            if oif and (rt.fib_nh_dev is None or rt.fib_nh_dev.ifindex != oif):
                continue
            if best is None or rt.fib6_dst_len > best.fib6_dst_len or \
                    (rt.fib6_dst_len == best.fib6_dst_len and rt.fib6_metric < best.fib6_metric):
                best = rt
        if best is not None:
            err = {RTN_UNREACHABLE: -E.EHOSTUNREACH, RTN_BLACKHOLE: -E.EINVAL,
                   RTN_PROHIBIT: -E.EACCES}.get(best.fib6_type)
            return err if err else best
    return -E.ENETUNREACH


def inet6_rtm_getroute(net, data, off: int, end: int, nlflags: int, portid: int, seq: int):
    """inet6_rtm_getroute: RTA_SRC/RTA_DST shorter than an address are EINVAL; RTA_IIF (input
    routes) is not modelled (EOPNOTSUPP); the output route (ip6_route_output); the answer is
    the route as rt6_fill_node writes it for that destination — RTA_DST and RTA_SRC (:: when
    none was asked for) /128, the chosen source as RTA_PREFSRC, the device (lo for a local
    route)."""
    tb = nlmsg_parse_deprecated(data, off + NLMSG_HDRLEN, end, RTMSG_SIZE, RTM_GETROUTE6_POLICY)
    if type(tb) is int:
        return tb
    src = dst = bytes(16)
    if RTA_SRC in tb:
        if len(tb[RTA_SRC]) < 16:
            return -E.EINVAL
        src = bytes(tb[RTA_SRC][:16])
    if RTA_DST in tb:
        if len(tb[RTA_DST]) < 16:
            return -E.EINVAL
        dst = bytes(tb[RTA_DST][:16])
    if RTA_IIF in tb and U32.unpack(tb[RTA_IIF][:4])[0]:
        return -E.EOPNOTSUPP
    oif = U32.unpack(tb[RTA_OIF][:4])[0] if RTA_OIF in tb else 0
    rt = ip6_route_output(net, dst, oif)
    if type(rt) is int:
        return rt
    dev_out = net.loopback_dev if rt.fib6_flags & RTF_LOCAL else rt.fib_nh_dev
    # ip6_route_get_saddr: the route's own preferred source, else RFC 6724's choice
    prefsrc = rt.fib6_prefsrc or ipv6_dev_get_saddr(net, rt.fib_nh_dev, dst)
    return [rt6_fill_node(rt, RTM_NEWROUTE, portid, seq, 0, dest=dst, src=src,
                          prefsrc=prefsrc, dst_dev=dev_out)]


def ip6_route_init(core) -> None:
    rtnl_register(AF_INET6, RTM_NEWROUTE, inet6_rtm_newroute, None)
    rtnl_register(AF_INET6, RTM_DELROUTE, inet6_rtm_delroute, None)
    from netkernel.net.ipv6.ip6_fib import inet6_dump_fib
    rtnl_register(AF_INET6, RTM_GETROUTE, inet6_rtm_getroute, inet6_dump_fib)
