"""IPv4 route information (net/ipv4/fib_semantics.c): struct fib_info with its one nexthop,
fib_create_info's checks, the RTM_NEWROUTE message of a route (fib_dump_info), and the
nexthop bookkeeping of device events (fib_sync_down_dev, fib_sync_down_addr).

A route's nexthop is a device (fib_nh_dev) and optionally a gateway; its scope says how far the
nexthop is (RT_SCOPE_NOWHERE for a local route's, RT_SCOPE_HOST for a directly connected one,
the scope of the route that reaches the gateway otherwise). RTNH_F_LINKDOWN is not stored: it is
what the nexthop's device carrier says when the route is shown (Linux sets and clears the flag
on every carrier change, with the same result).
DIVERGENCE(#10): one nexthop per route (no RTA_MULTIPATH, no nexthop objects), no metrics
(RTA_METRICS is ignored), no RTA_FLOW/encapsulation.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/fib_semantics.c"

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.net.core.rtnetlink import nla_put, nlmsg_put, rtnl_notify
from netkernel.uapi import errno as E
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.rtnetlink import (RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY,
                                      RTA_TABLE, RTMSG, RTN_ANYCAST, RTN_BLACKHOLE,
                                      RTN_BROADCAST, RTN_LOCAL, RTN_MAX, RTN_MULTICAST, RTN_NAT,
                                      RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE,
                                      RTN_UNSPEC, RTN_XRESOLVE, RT_SCOPE_HOST, RT_SCOPE_LINK,
                                      RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_COMPAT,
                                      RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_ONLINK,
                                      RTNLGRP_IPV4_ROUTE, RT_TABLE_LOCAL, RT_TABLE_MAIN)
from netkernel.uapi.socket import AF_INET
import struct as _struct

U32 = _struct.Struct("=I")

# fib_props[type]: (the narrowest scope a route of that type may have, its error or 0)
FIB_PROPS = {RTN_UNSPEC: (RT_SCOPE_UNIVERSE, 0), RTN_UNICAST: (RT_SCOPE_UNIVERSE, 0),
             RTN_LOCAL: (RT_SCOPE_HOST, 0), RTN_BROADCAST: (RT_SCOPE_LINK, 0),
             RTN_ANYCAST: (RT_SCOPE_LINK, 0), RTN_MULTICAST: (RT_SCOPE_UNIVERSE, 0),
             RTN_BLACKHOLE: (RT_SCOPE_UNIVERSE, -E.EINVAL),
             RTN_UNREACHABLE: (RT_SCOPE_UNIVERSE, -E.EHOSTUNREACH),
             RTN_PROHIBIT: (RT_SCOPE_UNIVERSE, -E.EACCES),
             RTN_THROW: (RT_SCOPE_UNIVERSE, -E.EAGAIN),
             RTN_NAT: (RT_SCOPE_NOWHERE, -E.EINVAL), RTN_XRESOLVE: (RT_SCOPE_NOWHERE, -E.EINVAL)}


class FibConfig:
    """struct fib_config: a route request (addresses as host-order ints)."""
    __slots__ = ("fc_dst", "fc_dst_len", "fc_tos", "fc_table", "fc_protocol", "fc_scope",
                 "fc_type", "fc_flags", "fc_nlflags", "fc_oif", "fc_gw4", "fc_priority",
                 "fc_prefsrc", "nlinfo")

    def __init__(self, **kw):
        for f in self.__slots__:
            setattr(self, f, 0)
        self.nlinfo = (0, 0)
        for k, v in kw.items():
            setattr(self, k, v)


class FibInfo:
    """struct fib_info with its single struct fib_nh."""
    __slots__ = ("fib_protocol", "fib_scope", "fib_priority", "fib_prefsrc", "fib_flags",
                 "fib_nh_dev", "fib_nh_oif", "fib_nh_gw4", "fib_nh_scope", "fib_nh_flags")

    def __init__(self):
        self.fib_protocol = 0
        self.fib_scope = 0
        self.fib_priority = 0
        self.fib_prefsrc = 0
        self.fib_flags = 0
        self.fib_nh_dev = None
        self.fib_nh_oif = 0
        self.fib_nh_gw4 = 0
        self.fib_nh_scope = 0
        self.fib_nh_flags = 0

    def same(self, other: "FibInfo") -> bool:
        """fib_find_info: the same protocol, scope, priority, prefsrc and nexthop (Linux shares
        one fib_info between such routes)."""
        return (self.fib_protocol, self.fib_scope, self.fib_priority, self.fib_prefsrc,
                self.fib_nh_dev, self.fib_nh_gw4) == (
                other.fib_protocol, other.fib_scope, other.fib_priority, other.fib_prefsrc,
                other.fib_nh_dev, other.fib_nh_gw4)


def fib_check_nh(net, cfg: FibConfig, fi: FibInfo, lookup, addr_type) -> int:
    """fib_check_nh: with an onlink gateway, a route scope below link ("Nexthop has invalid
    scope"), the device (ENODEV "Nexthop device required for onlink"), up (ENETDOWN), and a
    gateway that is a unicast address there (EINVAL); with another gateway
    (fib_check_nh_v4_gw), the gateway must be reached by a
    route of link or host scope (`lookup(net, daddr, scope, oif)` -> (type, scope, dev) or
    None), whose type is unicast or local (else EINVAL), through a device that is up
    (ENETDOWN); without (fib_check_nh_nongw), the device must have IPv4 (ENODEV) and be up
    (ENETDOWN)."""
    from netkernel.net.core.dev import dev_get_by_index
    if fi.fib_nh_gw4 and fi.fib_nh_flags & RTNH_F_ONLINK:
        # onlink: the gateway is taken to be on the device's link, unchecked by routes
        if cfg.fc_scope >= RT_SCOPE_LINK:
            NL_SET_ERR_MSG("Nexthop has invalid scope")
            return -E.EINVAL
        dev = dev_get_by_index(net, fi.fib_nh_oif) if fi.fib_nh_oif else None
        if dev is None:
            NL_SET_ERR_MSG("Nexthop device required for onlink")
            return -E.ENODEV
        if not dev.flags & IFF_UP:
            NL_SET_ERR_MSG("Nexthop device is not up")
            return -E.ENETDOWN
        if addr_type(net, fi.fib_nh_gw4, RT_TABLE_LOCAL) != RTN_UNICAST:
            NL_SET_ERR_MSG("Nexthop has invalid gateway")
            return -E.EINVAL
        fi.fib_nh_dev = dev
        fi.fib_nh_scope = RT_SCOPE_LINK
        return 0
    if fi.fib_nh_gw4:
        scope = max(cfg.fc_scope + 1, RT_SCOPE_LINK)
        res = lookup(net, fi.fib_nh_gw4, scope, fi.fib_nh_oif)
        if res is None:
            NL_SET_ERR_MSG("Nexthop has invalid gateway")
            return -E.ENETUNREACH
        rtype, rscope, dev = res
        if rtype not in (RTN_UNICAST, RTN_LOCAL):
            NL_SET_ERR_MSG("Nexthop has invalid gateway")
            return -E.EINVAL
        fi.fib_nh_scope = rscope
        fi.fib_nh_dev = dev
        fi.fib_nh_oif = dev.ifindex
        return 0 if dev.flags & IFF_UP else -E.ENETDOWN
    if fi.fib_nh_flags & (RTNH_F_DEAD | RTNH_F_ONLINK):
        NL_SET_ERR_MSG("Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
        return -E.EINVAL
    dev = dev_get_by_index(net, fi.fib_nh_oif) if fi.fib_nh_oif else None
    if dev is None or dev.ip_ptr is None:
        return -E.ENODEV
    if not dev.flags & IFF_UP:
        NL_SET_ERR_MSG("Device for nexthop is not up")
        return -E.ENETDOWN
    fi.fib_nh_dev = dev
    fi.fib_nh_scope = RT_SCOPE_HOST
    return 0


def fib_create_info(net, cfg: FibConfig, lookup, addr_type):
    """fib_create_info (`lookup`: fib_lookup for the gateway; `addr_type`:
    inet_addr_type_table for the prefsrc): a type above RTN_MAX EINVAL; a scope narrower than
    the type allows
    ("Invalid scope"); DEAD/LINKDOWN in rtm_flags EINVAL; an error type (unreachable,
    prohibit, blackhole...) takes no gateway or device; a scope above host EINVAL; a host-scope
    route has no gateway and needs its device (ENODEV); others check their nexthop
    (fib_check_nh); a prefsrc must be a local address (EINVAL). FibInfo or -errno."""
    if cfg.fc_type > RTN_MAX:
        return -E.EINVAL
    if FIB_PROPS[cfg.fc_type][0] > cfg.fc_scope:
        NL_SET_ERR_MSG("Invalid scope")
        return -E.EINVAL
    if cfg.fc_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN):
        NL_SET_ERR_MSG("Invalid rtm_flags - can not contain DEAD or LINKDOWN")
        return -E.EINVAL
    fi = FibInfo()
    fi.fib_protocol = cfg.fc_protocol
    fi.fib_scope = cfg.fc_scope
    fi.fib_priority = cfg.fc_priority
    fi.fib_prefsrc = cfg.fc_prefsrc
    fi.fib_nh_oif = cfg.fc_oif
    fi.fib_nh_gw4 = cfg.fc_gw4
    fi.fib_nh_flags = cfg.fc_flags & RTNH_F_ONLINK
    if FIB_PROPS[cfg.fc_type][1]:
        if cfg.fc_gw4 or cfg.fc_oif:
            NL_SET_ERR_MSG("Gateway, device and multipath can not be specified for this "
                           "route type")
            return -E.EINVAL
        return fi
    if cfg.fc_type not in (RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_ANYCAST, RTN_MULTICAST):
        NL_SET_ERR_MSG("Invalid route type")
        return -E.EINVAL
    if cfg.fc_scope > RT_SCOPE_HOST:
        NL_SET_ERR_MSG("Invalid scope")
        return -E.EINVAL
    if cfg.fc_scope == RT_SCOPE_HOST:
        if cfg.fc_gw4:
            NL_SET_ERR_MSG("Route with host scope can not have a gateway")
            return -E.EINVAL
        from netkernel.net.core.dev import dev_get_by_index
        fi.fib_nh_scope = RT_SCOPE_NOWHERE
        fi.fib_nh_dev = dev_get_by_index(net, cfg.fc_oif) if cfg.fc_oif else None
        if fi.fib_nh_dev is None:
            return -E.ENODEV
    else:
        err = fib_check_nh(net, cfg, fi, lookup, addr_type)
        if err:
            return err
    if fi.fib_prefsrc and not fib_valid_prefsrc(net, cfg, fi.fib_prefsrc, addr_type):
        NL_SET_ERR_MSG("Invalid prefsrc address")
        return -E.EINVAL
    return fi


def rtmsg_fib(event: int, key: int, fa, dst_len: int, tb_id: int, nlinfo,
              nlm_flags: int) -> None:
    """rtmsg_fib: announce a route to RTNLGRP_IPV4_ROUTE."""
    portid, seq = nlinfo
    dev = fa.fa_info.fib_nh_dev
    if dev is None:
        return
    rtnl_notify(dev.nd_net, fib_dump_info(key, dst_len, fa.fa_tos, fa.fa_type, tb_id,
                                          fa.fa_info, event, portid, seq, nlm_flags),
                RTNLGRP_IPV4_ROUTE)


def fib_valid_prefsrc(net, cfg: FibConfig, prefsrc: int, addr_type) -> bool:
    """fib_valid_prefsrc: a preferred source must be a local address (`addr_type(net, addr,
    table)`, looked up in the route's table — main means local — then in local), unless the
    route is the local route of that very address."""
    if cfg.fc_type != RTN_LOCAL or not cfg.fc_dst or prefsrc != cfg.fc_dst:
        tb_id = RT_TABLE_LOCAL if cfg.fc_table in (RT_TABLE_MAIN, 0) else cfg.fc_table
        rc = addr_type(net, prefsrc, tb_id)
        if rc != RTN_LOCAL and tb_id != RT_TABLE_LOCAL:
            rc = addr_type(net, prefsrc, RT_TABLE_LOCAL)
        if rc != RTN_LOCAL:
            return False
    return True


def fib_nh_linkdown(fi: FibInfo) -> bool:
    """RTNH_F_LINKDOWN: the nexthop's device has no carrier (local routes' nexthops, of scope
    RT_SCOPE_NOWHERE, never are)."""
    dev = fi.fib_nh_dev
    return dev is not None and fi.fib_nh_scope != RT_SCOPE_NOWHERE and not dev.carrier


def fib_dump_info(dst: int, dst_len: int, tos: int, rtype: int, tb_id: int, fi: FibInfo,
                  event: int, portid: int, seq: int, flags: int) -> bytes:
    """fib_dump_info: struct rtmsg (the table id, or RT_TABLE_COMPAT above 255), then
    RTA_TABLE, RTA_DST (when the prefix is not 0), RTA_PRIORITY (when set), RTA_PREFSRC (when
    set), RTA_GATEWAY, RTA_OIF; rtm_flags are the nexthop's (RTNH_F_LINKDOWN, ONLINK)."""
    rtm_flags = fi.fib_nh_flags & RTNH_F_ONLINK
    if fib_nh_linkdown(fi):
        rtm_flags |= RTNH_F_LINKDOWN
    out = bytearray(RTMSG.pack(AF_INET, dst_len, 0, tos, tb_id if tb_id < 256 else RT_TABLE_COMPAT,
                               fi.fib_protocol, fi.fib_scope, rtype, rtm_flags))
    nla_put(out, RTA_TABLE, U32.pack(tb_id))
    if dst_len:
        nla_put(out, RTA_DST, dst.to_bytes(4, "big"))
    if fi.fib_priority:
        nla_put(out, RTA_PRIORITY, U32.pack(fi.fib_priority))
    if fi.fib_prefsrc:
        nla_put(out, RTA_PREFSRC, fi.fib_prefsrc.to_bytes(4, "big"))
    if fi.fib_nh_gw4:
        nla_put(out, RTA_GATEWAY, fi.fib_nh_gw4.to_bytes(4, "big"))
    if fi.fib_nh_dev is not None:
        nla_put(out, RTA_OIF, U32.pack(fi.fib_nh_dev.ifindex))
    return nlmsg_put(event, portid, seq, flags, bytes(out))


def fib_sync_down_dev(dev, event: int, force: bool) -> bool:
    """fib_sync_down_dev: routes whose nexthop is on `dev` die (RTNH_F_DEAD) on NETDEV_DOWN and
    NETDEV_UNREGISTER — except, unless `force`, those of scope RT_SCOPE_NOWHERE (local routes).
    Returns whether any died (then fib_flush removes them)."""
    from netkernel.net.core.dev import NETDEV_DOWN, NETDEV_UNREGISTER
    if event not in (NETDEV_DOWN, NETDEV_UNREGISTER):
        return False
    ipv4 = dev.nd_net.ipv4
    ret = False
    for tb in ipv4.fib_tables.values():
        for aliases in tb.leaves.values():
            for fa in aliases:
                fi = fa.fa_info
                if fi.fib_nh_dev is dev and (force or fi.fib_nh_scope != RT_SCOPE_NOWHERE):
                    fi.fib_flags |= RTNH_F_DEAD
                    ret = True
    return ret


def fib_sync_down_addr(dev, local: int) -> bool:
    """fib_sync_down_addr: routes of the namespace whose prefsrc is `local` die."""
    ret = False
    for tb in dev.nd_net.ipv4.fib_tables.values():
        for aliases in tb.leaves.values():
            for fa in aliases:
                if fa.fa_info.fib_prefsrc == local:
                    fa.fa_info.fib_flags |= RTNH_F_DEAD
                    ret = True
    return ret
