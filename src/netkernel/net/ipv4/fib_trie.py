"""IPv4 routing tables (net/ipv4/fib_trie.c): insert, delete, look up, dump, flush, and
/proc/net/route.

A table maps a prefix (dst, dst_len) to its aliases (struct fib_alias: tos, type, fib_info), in
the order the trie keeps them: tos descending, priority ascending, a new route before an equal
one unless NLM_F_APPEND. A dump walks the prefixes in key order — by network address, a longer
prefix before a shorter one with the same address (the trie's leaf order) — as Linux does.
DIVERGENCE(#10): tables are dicts, not an LC-trie (the order and the answers are the trie's);
the routing cache and fib notifiers (offload) are not modelled; flushed routes are not announced
(nor in Linux).
"""
from __future__ import annotations

LINUX_SOURCE = "net/ipv4/fib_trie.c"

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.net.ipv4.fib_semantics import FibConfig, FibInfo, fib_dump_info, rtmsg_fib
from netkernel.uapi import errno as E
from netkernel.uapi.netlink import (NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL,
                                    NLM_F_MULTI, NLM_F_REPLACE)
from netkernel.uapi.rtnetlink import (RTM_DELROUTE, RTM_NEWROUTE, RTN_BROADCAST, RTN_MULTICAST,
                                      RTNH_F_DEAD, RT_SCOPE_NOWHERE, RT_TABLE_MAIN)


class FibAlias:
    """struct fib_alias: one route of a prefix."""
    __slots__ = ("fa_tos", "fa_type", "fa_info", "tb_id")

    def __init__(self, tos: int, rtype: int, fi: FibInfo, tb_id: int):
        self.fa_tos = tos
        self.fa_type = rtype
        self.fa_info = fi
        self.tb_id = tb_id


class FibTable:
    """struct fib_table: id and the routes, (dst, dst_len) → [FibAlias]."""
    __slots__ = ("tb_id", "leaves")

    def __init__(self, tb_id: int):
        self.tb_id = tb_id
        self.leaves: dict = {}

    def ordered(self):
        """The prefixes in trie order: by address, then longer first."""
        return sorted(self.leaves.items(), key=lambda kv: (kv[0][0], -kv[0][1]))


def _mask(plen: int) -> int:
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0


def fib_valid_key_len(key: int, plen: int) -> bool:
    """fib_valid_key_len: a prefix length up to 32 ("Invalid prefix length") and no host bits
    ("Invalid prefix for given prefix length")."""
    if plen > 32:
        NL_SET_ERR_MSG("Invalid prefix length")
        return False
    if key & ~_mask(plen) & 0xFFFFFFFF:
        NL_SET_ERR_MSG("Invalid prefix for given prefix length")
        return False
    return True


def fib_table_insert(net, tb: FibTable, cfg: FibConfig, create_info) -> int:
    """fib_table_insert: a prefix longer than 32 or with host bits set is EINVAL
    (fib_valid_key_len); the route's
    info (create_info, fib_create_info's checks); an equal route (same tos and priority) is
    EEXIST with NLM_F_EXCL; NLM_F_REPLACE replaces the first of them; an identical one (type
    and nexthop) is EEXIST; without NLM_F_CREATE, ENOENT. Announced (RTM_NEWROUTE)."""
    key, plen = cfg.fc_dst, cfg.fc_dst_len
    if not fib_valid_key_len(key, plen):
        return -E.EINVAL
    fi = create_info(net, cfg)
    if type(fi) is int:
        return fi
    aliases = tb.leaves.get((key, plen), [])
    tos = cfg.fc_tos
    pos = len(aliases)
    for i, fa in enumerate(aliases):
        if fa.fa_tos > tos:
            continue
        if fa.fa_info.fib_priority >= fi.fib_priority or fa.fa_tos < tos:
            pos = i
            break
    nlflags = cfg.fc_nlflags
    if pos < len(aliases) and aliases[pos].fa_tos == tos and \
            aliases[pos].fa_info.fib_priority == fi.fib_priority:
        if nlflags & NLM_F_EXCL:
            return -E.EEXIST
        first = pos
        match = None
        j = pos
        while j < len(aliases):
            fa = aliases[j]
            if fa.fa_tos != tos or fa.fa_info.fib_priority != fi.fib_priority:
                break
            if fa.fa_type == cfg.fc_type and fa.fa_info.same(fi):
                match = j
                break
            j += 1
        if nlflags & NLM_F_REPLACE:
            if match is not None:
                return 0 if match == first else -E.EEXIST
            new = FibAlias(tos, cfg.fc_type, fi, tb.tb_id)
            aliases[first] = new
            rtmsg_fib(RTM_NEWROUTE, key, new, plen, tb.tb_id, cfg.nlinfo, NLM_F_REPLACE)
            return 0
        if match is not None:
            return -E.EEXIST
        pos = j if nlflags & NLM_F_APPEND else first
    if not nlflags & NLM_F_CREATE:
        return -E.ENOENT
    new = FibAlias(tos, cfg.fc_type, fi, tb.tb_id)
    aliases.insert(pos, new)
    tb.leaves[(key, plen)] = aliases
    rtmsg_fib(RTM_NEWROUTE, key, new, plen, tb.tb_id, cfg.nlinfo,
              NLM_F_CREATE | (nlflags & (NLM_F_APPEND | NLM_F_EXCL)))
    return 0


def fib_table_delete(net, tb: FibTable, cfg: FibConfig) -> int:
    """fib_table_delete: host bits set is EINVAL; the first route of the prefix with that tos
    matching every field given (type, scope unless RT_SCOPE_NOWHERE, prefsrc, protocol,
    priority, device, gateway — fib_nh_match); none is ESRCH. Announced (RTM_DELROUTE)."""
    key, plen = cfg.fc_dst, cfg.fc_dst_len
    if not fib_valid_key_len(key, plen):
        return -E.EINVAL
    aliases = tb.leaves.get((key, plen))
    if not aliases:
        return -E.ESRCH
    for fa in aliases:
        fi = fa.fa_info
        if fa.fa_tos != cfg.fc_tos:
            continue
        if cfg.fc_type and fa.fa_type != cfg.fc_type:
            continue
        if cfg.fc_scope != RT_SCOPE_NOWHERE and fi.fib_scope != cfg.fc_scope:
            continue
        if cfg.fc_prefsrc and fi.fib_prefsrc != cfg.fc_prefsrc:
            continue
        if cfg.fc_protocol and fi.fib_protocol != cfg.fc_protocol:
            continue
        if cfg.fc_priority and cfg.fc_priority != fi.fib_priority:
            continue
        if cfg.fc_oif and (fi.fib_nh_dev is None or cfg.fc_oif != fi.fib_nh_dev.ifindex):
            continue
        if cfg.fc_gw4 and cfg.fc_gw4 != fi.fib_nh_gw4:
            continue
        rtmsg_fib(RTM_DELROUTE, key, fa, plen, tb.tb_id, cfg.nlinfo, 0)
        aliases.remove(fa)
        if not aliases:
            del tb.leaves[(key, plen)]
        return 0
    return -E.ESRCH


def fib_table_flush(net, tb: FibTable, flush_all: bool = False) -> int:
    """fib_table_flush: remove the routes whose info died (RTNH_F_DEAD), silently."""
    found = 0
    for k in list(tb.leaves):
        keep = [fa for fa in tb.leaves[k] if not (flush_all or fa.fa_info.fib_flags & RTNH_F_DEAD)]
        found += len(tb.leaves[k]) - len(keep)
        if keep:
            tb.leaves[k] = keep
        else:
            del tb.leaves[k]
    return found


def fib_table_lookup(tb: FibTable, daddr: int, scope: int, oif: int = 0):
    """fib_table_lookup: the longest prefix containing `daddr` with a live route of scope at
    least `scope` (and on device `oif` when given): (FibAlias, prefix, plen) or None."""
    best = None
    for (dst, plen), aliases in tb.leaves.items():
        if (daddr ^ dst) & _mask(plen):
            continue
        if best is not None and plen <= best[2]:
            continue
        for fa in aliases:
            fi = fa.fa_info
            if fi.fib_flags & RTNH_F_DEAD or fi.fib_scope < scope:
                continue
            if fa.fa_tos:
                continue
            if oif and (fi.fib_nh_dev is None or fi.fib_nh_dev.ifindex != oif):
                continue
            best = (fa, dst, plen)
            break
    return best


def fib_table_dump(tb: FibTable, portid: int, seq: int, f=None) -> list:
    """fib_table_dump (fn_trie_dump_leaf): one RTM_NEWROUTE (NLM_F_MULTI) per route, in trie
    order; a filter (`f`: FibDumpFilter) keeps the routes of its type, protocol and device, and
    marks the messages NLM_F_DUMP_FILTERED; a request for cached routes only gets none."""
    flags = NLM_F_MULTI
    if f is not None and (f.filter_set or not f.dump_exceptions or not f.dump_routes):
        flags |= NLM_F_DUMP_FILTERED
    out = []
    for (dst, plen), aliases in tb.ordered():
        for fa in aliases:
            fi = fa.fa_info
            if f is not None:
                if f.filter_set and ((f.rt_type and fa.fa_type != f.rt_type) or
                                     (f.protocol and fi.fib_protocol != f.protocol) or
                                     (f.dev is not None and fi.fib_nh_dev is not f.dev)):
                    continue
                if not f.dump_routes:
                    continue
            out.append(fib_dump_info(dst, plen, fa.fa_tos, fa.fa_type, tb.tb_id, fi,
                                     RTM_NEWROUTE, portid, seq, flags))
    return out


# /proc/net/route: RTF_* flags as the route file shows them
_RTF_UP, _RTF_GATEWAY, _RTF_HOST, _RTF_REJECT = 0x1, 0x2, 0x4, 0x200


def fib_flag_trans(rtype: int, mask: int, fi: FibInfo) -> int:
    """fib_flag_trans: RTF_REJECT for unreachable/prohibit, RTF_GATEWAY with a gateway, RTF_UP
    unless the nexthop is dead... (a host route: RTF_HOST)."""
    flags = _RTF_REJECT if rtype in (7, 8) else 0
    if fi.fib_nh_gw4:
        flags |= _RTF_GATEWAY
    if mask == 0xFFFFFFFF:
        flags |= _RTF_HOST
    flags |= _RTF_UP
    return flags


def fib_route_seq_show(net) -> str:
    """fib_route_seq_show (/proc/net/route): the main table's unicast routes, each a line of
    127 characters padded with spaces: device, destination, gateway, flags, refcnt, use,
    metric, mask (hex in network byte order as stored: little-endian on x86), MTU, window,
    IRTT."""
    lines = ["%-127s\n" % ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
                            "Mask\t\tMTU\tWindow\tIRTT")]
    tb = net.ipv4.fib_tables.get(RT_TABLE_MAIN)
    if tb is not None:
        for (dst, plen), aliases in tb.ordered():
            for fa in aliases:
                if fa.fa_type in (RTN_BROADCAST, RTN_MULTICAST):
                    continue
                fi = fa.fa_info
                mask = _mask(plen)
                le = lambda v: int.from_bytes(v.to_bytes(4, "big"), "little")  # noqa: E731
                dev = fi.fib_nh_dev.name if fi.fib_nh_dev is not None else "*"
                line = ("%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u" % (
                    dev, le(dst), le(fi.fib_nh_gw4), fib_flag_trans(fa.fa_type, mask, fi), 0, 0,
                    fi.fib_priority, le(mask), 0, 0, 0))
                lines.append("%-127s\n" % line)
    return "".join(lines)
