"""IPv6 routing tables (net/ipv6/ip6_fib.c): the namespace's tables, insertion and deletion
(fib6_add, fib6_del), the RTM_GETROUTE dump (inet6_dump_fib) and /proc/net/ipv6_route.

A dump walks each table's tree in Linux's order: a prefix's more specific routes before it,
disjoint prefixes by address (post-order of the radix tree); the routes of one prefix by metric,
then age. Tables: main (254) before local (255); each ends with its root's null entry in
/proc/net/ipv6_route.
DIVERGENCE(#10): a table is a list kept in that order, not a radix tree.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv6/ip6_fib.c"
MODEL_HELPERS = ("fib6_order",)

from netkernel.uapi import errno as E
from netkernel.uapi.netlink import (NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI,
                                    NLM_F_REPLACE, NLMSG_HDRLEN)
from netkernel.uapi.rtnetlink import RTM_DELROUTE, RTM_F_PREFIX, RTM_NEWROUTE, RTMSG

RTF_EXPIRES = 0x00400000
from netkernel.uapi.socket import AF_INET6


def fib6_order(rt):
    """The fib6 tree's dump order (post-order: a prefix's longer prefixes first; disjoint ones
    by address), then metric."""
    last = int.from_bytes(rt.fib6_dst, "big") | ((1 << (128 - rt.fib6_dst_len)) - 1)
    return (last, -rt.fib6_dst_len, rt.fib6_metric)



def fib6_add(net, rt, nlflags: int, nlinfo=(0, 0)) -> int:
    """fib6_add (fib6_add_rt2node): an identical route (prefix, metric, nexthop) is EEXIST
    unless NLM_F_REPLACE without NLM_F_EXCL; NLM_F_REPLACE replaces the route of that prefix
    and metric (none: ENOENT without NLM_F_CREATE); a new route of a prefix goes after those of
    lower or equal metric. Announced (inet6_rt_notify)."""
    from netkernel.net.ipv6.route import inet6_rt_notify
    table = net.ipv6.fib6_tables.setdefault(rt.fib6_table, [])
    for old in table:
        if old.same(rt) and (nlflags & NLM_F_EXCL or not nlflags & NLM_F_REPLACE):
            return -E.EEXIST
    if nlflags & NLM_F_REPLACE:
        for i, old in enumerate(table):
            if (old.fib6_dst, old.fib6_dst_len, old.fib6_metric) == \
                    (rt.fib6_dst, rt.fib6_dst_len, rt.fib6_metric):
                table[i] = rt
                inet6_rt_notify(RTM_NEWROUTE, rt, nlinfo, NLM_F_REPLACE)
                if rt.fib6_flags & RTF_EXPIRES:
                    fib6_start_gc(net)
                return 0
        if not nlflags & NLM_F_CREATE:
            from netkernel.include.linux.netlink import NL_SET_ERR_MSG
            NL_SET_ERR_MSG("Can not replace route - no match found")
            return -E.ENOENT
    table.append(rt)
    table.sort(key=fib6_order)
    inet6_rt_notify(RTM_NEWROUTE, rt, nlinfo, NLM_F_CREATE)
    if rt.fib6_flags & RTF_EXPIRES:
        fib6_start_gc(net)
    return 0


IP6_RT_GC_INTERVAL_S = 30       # net.ipv6.route.gc_interval


def fib6_start_gc(net) -> None:
    """fib6_start_gc: a route that expires arms the namespace's garbage collection, which runs
    gc_interval (30 s) later unless it is armed already."""
    from netkernel.kernel.time.timer import TimerList, jiffies, mod_timer
    core = net.core
    timer = net.ipv6.gc_timer
    if timer is None:
        timer = net.ipv6.gc_timer = TimerList(lambda _t, net=net: fib6_run_gc(net))
    if not timer.pending:
        mod_timer(core, timer, jiffies(core) + IP6_RT_GC_INTERVAL_S * core.sysctl["kernel.hz"])


def fib6_run_gc(net) -> None:
    """fib6_run_gc (fib6_age): routes whose expiry has passed are deleted (announced); while
    expiring routes remain, the collection runs again gc_interval later."""
    from netkernel.kernel.time.timer import jiffies
    now = jiffies(net.core)
    more = False
    for table in list(net.ipv6.fib6_tables.values()):
        for rt in [r for r in table if r.fib6_flags & RTF_EXPIRES]:
            if rt.expires <= now:
                fib6_del(net, rt)
            else:
                more = True
    if more:
        fib6_start_gc(net)


def fib6_del(net, rt, nlinfo=(0, 0)) -> int:
    """fib6_del: take the route out of its table (ENOENT if it is not there), announced."""
    from netkernel.net.ipv6.route import inet6_rt_notify
    table = net.ipv6.fib6_tables.get(rt.fib6_table, [])
    if rt not in table:
        return -E.ENOENT
    table.remove(rt)
    inet6_rt_notify(RTM_DELROUTE, rt, nlinfo)
    return 0


def inet6_dump_fib(net, data, off: int, end: int, portid: int, seq: int, strict: bool = False):
    """inet6_dump_fib: every table's routes, main before local (rt6_dump_route each). With
    strict checking the request is validated and filters (ip_valid_fib_dump_req: one table —
    an unknown one is ENOENT "ipv6: FIB table does not exist" for an AF_INET6 request —, type,
    protocol, device); RTM_F_PREFIX keeps only prefix routes (none here: no router
    advertisements); RTM_F_CLONED only cached routes (none)."""
    from netkernel.include.linux.netlink import NL_SET_ERR_MSG
    from netkernel.net.ipv4.fib_frontend import FibDumpFilter, ip_valid_fib_dump_req
    from netkernel.net.ipv6.route import rt6_fill_node as rt6_dump_route
    f = FibDumpFilter()
    if strict:
        f = ip_valid_fib_dump_req(net, data, off, end)
        if type(f) is int:
            return f
    elif end - off >= NLMSG_HDRLEN + RTMSG.size and \
            RTMSG.unpack_from(data, off + NLMSG_HDRLEN)[8] & RTM_F_PREFIX:
        f.flags = RTM_F_PREFIX
    answer = NLM_F_DUMP_FILTERED if f.filter_set else 0
    tables = sorted(net.ipv6.fib6_tables, key=lambda t: (t & 0xFF, t))
    if f.table_id:
        if f.table_id not in net.ipv6.fib6_tables:
            if data[off + NLMSG_HDRLEN] != AF_INET6:
                return [], answer
            NL_SET_ERR_MSG("ipv6: FIB table does not exist")
            return -E.ENOENT, answer
        tables = [f.table_id]
    flags = NLM_F_MULTI
    if f.filter_set or not f.dump_routes or not f.dump_exceptions:
        flags |= NLM_F_DUMP_FILTERED
    out = []
    for tb_id in tables:
        for rt in sorted(net.ipv6.fib6_tables[tb_id], key=fib6_order):
            if f.flags & RTM_F_PREFIX or not f.dump_routes:
                continue                # no prefix (RA) routes, no cached routes
            if f.filter_set and ((f.rt_type and rt.fib6_type != f.rt_type) or
                                 (f.dev is not None and rt.fib_nh_dev is not f.dev) or
                                 (f.protocol and rt.fib6_protocol != f.protocol)):
                continue
            out.append(rt6_dump_route(rt, RTM_NEWROUTE, portid, seq, flags))
    return out, answer


def ipv6_route_native_seq_show(net) -> str:
    """ipv6_route_native_seq_show (/proc/net/ipv6_route): destination and its length, source
    and its length (none), next hop, metric, refcount, use, flags, device — every table.
    DIVERGENCE(#10): the refcount is always 1 (Linux counts the references of the address and
    of cached routes)."""
    out = []
    for tb_id in sorted(net.ipv6.fib6_tables, key=lambda t: (t & 0xFF, t)):
        for rt in sorted(net.ipv6.fib6_tables[tb_id], key=fib6_order):
            dev = rt.fib_nh_dev.name if rt.fib_nh_dev is not None else ""
            out.append("%s %02x %s %02x %s %08x %08x %08x %08x %8s\n" % (
                rt.fib6_dst.hex(), rt.fib6_dst_len, "0" * 32, 0, rt.fib_nh_gw6.hex(),
                rt.fib6_metric, 1, 0, rt.fib6_flags, dev))
        # the table's root holds the null entry (a reject route through lo), shown last
        lo = net.loopback_dev.name if net.loopback_dev is not None else "lo"
        out.append("%s 00 %s 00 %s ffffffff 00000001 00000000 00200200 %8s\n" % (
            "0" * 32, "0" * 32, "0" * 32, lo))
    return "".join(out)
