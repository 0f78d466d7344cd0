"""AF_NETLINK group membership and the SOL_NETLINK options (net/netlink/af_netlink.c
netlink_bind, netlink_setsockopt, netlink_getsockopt, netlink_getname), their errnos and value
sizes; receive-buffer overrun (netlink_overrun: ENOBUFS once per congestion, NETLINK_NO_ENOBUFS);
strict checking of link dumps (NETLINK_GET_STRICT_CHK) and the acks' options (CAP_ACK, EXT_ACK).
"""
from __future__ import annotations

import struct

from ._common import SOL_SOCKET, SO_RCVBUF, errname, kernel_differs, names_of
from ._netlink import (CAP_NET_ADMIN, CAP_NET_BROADCAST, FLAG_OPTIONS, KERNEL, NLM_F_ACK,
                       NLM_F_DUMP, NLM_F_REQUEST, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK,
                       NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK,
                       NETLINK_LIST_MEMBERSHIPS, NETLINK_LISTEN_ALL_NSID, NETLINK_NO_ENOBUFS,
                       NETLINK_RX_RING, NETLINK_TX_RING, RTM_GETLINK, RTM_NEWLINK,
                       RTNLGRP_IPV4_MROUTE_R, RTNLGRP_LINK, SOL_NETLINK, AF_NETLINK, SOCK_RAW_NL,
                       NETLINK_ROUTE, collect, getopt_attempt, i32, ifinfomsg, messages,
                       nl_socket, nla, portid, request, setint_attempt, sockaddr_nl, u32)

GROUP_LINK = 1 << (RTNLGRP_LINK - 1)
POLLIN, POLLERR = 0x1, 0x8
IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_EXT_MASK = 3, 4, 18, 1, 29


def _name(b, s):
    fam, _pad, _pid, groups = struct.unpack("=HHII", b.sys_getsockname(s))
    return {"family": fam, "groups": hex(groups)}


def _members(b, s, optlen=8):
    return getopt_attempt(b, s, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, optlen)


def _try(fn, *args):
    try:
        r = fn(*args)
        return "ok" if r is None or isinstance(r, int) else r
    except OSError as e:
        return errname(e)


def scenario_netlink_groups_bind_and_membership(b):
    """bind()'s nl_groups and NETLINK_ADD_MEMBERSHIP both show in getsockname (groups 1..32);
    a second bind() replaces groups 1..32 (those joined by setsockopt too) and keeps the port."""
    s = b.socket(AF_NETLINK, SOCK_RAW_NL, NETLINK_ROUTE)
    out = {"fresh": _name(b, s)}
    b.sys_bind(s, sockaddr_nl(0, 0b101))
    out["bound"] = _name(b, s)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(7))
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(32))
    out["joined"] = _name(b, s)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, u32(1))
    out["dropped"] = _name(b, s)
    pid = portid(b, s)
    b.sys_bind(s, sockaddr_nl(pid, 0b10))
    out["rebound"] = _name(b, s)
    b.sys_bind(s, sockaddr_nl(pid, 0))
    out["rebound_none"] = _name(b, s)
    out["rebind_other_pid"] = _try(b.sys_bind, s, sockaddr_nl(pid + 1, 0))
    return out


def scenario_netlink_groups_list_memberships(b):
    """NETLINK_LIST_MEMBERSHIPS: nothing (length 0) before the socket dealt with groups, then
    the bitmap; a 2-byte buffer gets none of it."""
    s = b.socket(AF_NETLINK, SOCK_RAW_NL, NETLINK_ROUTE)
    out = {"fresh": _members(b, s, 4)}
    b.sys_bind(s, sockaddr_nl(0, 0))
    out["bound_no_groups"] = _members(b, s, 4)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(3))
    out["joined_4"] = _members(b, s, 4)
    out["short_buffer"] = _members(b, s, 2)
    out["zero_buffer"] = _members(b, s, 0)
    out["negative"] = _members(b, s, -1)
    return out


@kernel_differs("NETLINK_LIST_MEMBERSHIPS reports ALIGN(BITS_TO_BYTES(ngroups), 4) since "
                "f4e4534850a9 (6.4; 5.15 rounds ngroups / 8 down: 34 groups report 4 bytes) "
                "and NETLINK_ROUTE has more groups (RTNLGRP_TUNNEL…, 6.0+)",
                "f4e4534850a9 net/netlink: fix NETLINK_LIST_MEMBERSHIPS length report",
                {"words": "05000000", "group_33": "ok", "group_35": "EINVAL"},
                since="6.0")
def scenario_netlink_groups_beyond_32(b):
    """Groups above 32 only through setsockopt: up to the protocol's count (5.15:
    RTNLGRP_MAX 34), beyond is EINVAL; the bitmap as LIST_MEMBERSHIPS reports it."""
    s = nl_socket(b, 0b101)
    return {"group_33": setint_attempt(b, s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(33)),
            "group_35": setint_attempt(b, s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(35)),
            "words": _members(b, s, 8)}


def scenario_netlink_membership_bad_values(b):
    """ADD/DROP_MEMBERSHIP: group 0, beyond the protocol's groups, negative (a huge unsigned),
    and a value shorter than an int (read as 0) are EINVAL; dropping a group never joined is
    fine; a longer value reads its first int."""
    s = nl_socket(b)
    out = {}
    for opt, oname in ((NETLINK_ADD_MEMBERSHIP, "add"), (NETLINK_DROP_MEMBERSHIP, "drop")):
        for label, val in (("0", u32(0)), ("1000", u32(1000)), ("-1", i32(-1)),
                           ("short", b"\x01\x00"), ("empty", b""), ("long", u32(2) + u32(9)),
                           ("1", u32(1))):
            out[f"{oname}_{label}"] = setint_attempt(b, s, SOL_NETLINK, opt, val)
    out["name"] = _name(b, s)
    return out


READABLE = {k: v for k, v in FLAG_OPTIONS.items() if v != NETLINK_LISTEN_ALL_NSID}


def scenario_netlink_flag_options_roundtrip(b):
    """The flag options: 1 and any non-zero value set, 0 clears, a value shorter than an int
    counts as 0 (no error); getsockopt answers 0/1 as an int."""
    s = nl_socket(b)
    out = {}
    for name, opt in READABLE.items():
        row = {"default": getopt_attempt(b, s, SOL_NETLINK, opt, 4)}
        for label, val in (("1", u32(1)), ("7", u32(7)), ("0", u32(0)), ("neg", i32(-5)),
                           ("short_one", b"\x01"), ("long", u32(1) + u32(0))):
            row[label] = [setint_attempt(b, s, SOL_NETLINK, opt, val),
                          getopt_attempt(b, s, SOL_NETLINK, opt, 4)]
        out[name] = row
    return out


def scenario_netlink_getsockopt_lengths(b):
    """getsockopt of a flag option: a buffer shorter than an int (0..3) is EINVAL, a longer one
    gets 4 bytes; a negative length is EINVAL."""
    s = nl_socket(b)
    out = {}
    for name, opt in READABLE.items():
        out[name] = {str(n): getopt_attempt(b, s, SOL_NETLINK, opt, n) for n in (0, 1, 3, 4, 8)}
    return out


@kernel_differs("getsockopt(NETLINK_LISTEN_ALL_NSID) is ENOPROTOOPT on 5.15: the option can be "
                "set but not read back until 6.9",
                "net/netlink: Add getsockopt support for NETLINK_LISTEN_ALL_NSID (6.9)",
                {"set_1": "ok", "get": "ENOPROTOOPT", "get_short": "ENOPROTOOPT",
                 "set_short": "ok", "set_0": "ok"}, since="6.9")
def scenario_netlink_listen_all_nsid(b):
    """NETLINK_LISTEN_ALL_NSID: set like the other flags (root has CAP_NET_BROADCAST); reading
    it back is what changed."""
    s = nl_socket(b)
    return {"set_1": setint_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, u32(1)),
            "get": getopt_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 4),
            "get_short": getopt_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 2),
            "set_short": setint_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, b"\x01"),
            "set_0": setint_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, u32(0))}


def scenario_netlink_unknown_options(b):
    """Options 5.15 does not know at SOL_NETLINK (the removed mmap rings, 0, 13, 99) and
    LIST_MEMBERSHIPS on set are ENOPROTOOPT, as is any option at another level (not
    SOL_SOCKET)."""
    s = nl_socket(b)
    out = {}
    for opt in (0, NETLINK_RX_RING, NETLINK_TX_RING, NETLINK_LIST_MEMBERSHIPS, 13, 99):
        out[f"set_{opt}"] = setint_attempt(b, s, SOL_NETLINK, opt, u32(1))
        out[f"get_{opt}"] = getopt_attempt(b, s, SOL_NETLINK, opt, 4)
    for level in (0, 6, 263, 271):
        out[f"level_{level}_set"] = setint_attempt(b, s, level, NETLINK_ADD_MEMBERSHIP, u32(1))
        out[f"level_{level}_get"] = getopt_attempt(b, s, level, NETLINK_CAP_ACK, 4)
    return out


def scenario_netlink_unprivileged(b):
    """Without CAP_NET_ADMIN a NETLINK_ROUTE socket may still listen (NL_CFG_F_NONROOT_RECV)
    but not to the multicast-routing report groups (rtnetlink_bind: EPERM), nor send to a
    group or a port (EPERM); NETLINK_LISTEN_ALL_NSID needs CAP_NET_BROADCAST."""
    s = b.socket(AF_NETLINK, SOCK_RAW_NL, NETLINK_ROUTE)
    out = {}
    caps = (CAP_NET_ADMIN,)
    out["bind_mroute_r"] = _try(b.unprivileged, caps, s, "sys_bind",
                                sockaddr_nl(0, 1 << (RTNLGRP_IPV4_MROUTE_R - 1)))
    out["bind_link"] = _try(b.unprivileged, caps, s, "sys_bind", sockaddr_nl(0, GROUP_LINK))
    out["join_mroute_r"] = _try(b.unprivileged, caps, s, "sys_setsockopt", SOL_NETLINK,
                                NETLINK_ADD_MEMBERSHIP, u32(RTNLGRP_IPV4_MROUTE_R))
    out["join_ipv6_mroute_r"] = _try(b.unprivileged, caps, s, "sys_setsockopt", SOL_NETLINK,
                                     NETLINK_ADD_MEMBERSHIP, u32(31))
    out["join_3"] = _try(b.unprivileged, caps, s, "sys_setsockopt", SOL_NETLINK,
                         NETLINK_ADD_MEMBERSHIP, u32(3))
    msg = request(RTM_GETLINK, NLM_F_REQUEST, 1, ifinfomsg(1))
    out["send_group"] = _try(b.unprivileged, caps, s, "sys_sendto", msg, 0,
                             sockaddr_nl(0, GROUP_LINK))
    out["send_port"] = _try(b.unprivileged, caps, s, "sys_sendto", msg, 0, sockaddr_nl(4242, 0))
    out["send_kernel"] = _try(b.unprivileged, caps, s, "sys_sendto", msg, 0, KERNEL)
    out["listen_all_nsid"] = _try(b.unprivileged, (CAP_NET_BROADCAST,), s, "sys_setsockopt",
                                  SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, u32(1))
    out["listen_all_nsid_root"] = setint_attempt(b, s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID,
                                                 u32(1))
    out["name"] = _name(b, s)
    return out


def _events(b, n, start=1300):
    for i in range(n):
        b.link_set("veth0", mtu=start + i)


def _overrun_setup(b, no_enobufs=False):
    b.link_add("veth0", "veth", peer="veth1")
    s = nl_socket(b, GROUP_LINK)
    b.sys_setsockopt(s, SOL_SOCKET, SO_RCVBUF, u32(1))
    if no_enobufs:
        b.sys_setsockopt(s, SOL_NETLINK, NETLINK_NO_ENOBUFS, u32(1))
    return s, names_of(b, "lo", "veth0", "veth1")


def _drain_count(b, s):
    """(the receive results in order, errors by name and messages counted in runs)."""
    out = []
    for _ in range(50):
        try:
            _ret, data, _addr = b.sys_recvfrom(s, 65536, 0x40)
        except BlockingIOError:
            break
        except OSError as e:
            out.append(errname(e))
            continue
        n = len(messages(data))
        if out and isinstance(out[-1], int):
            out[-1] += n
        else:
            out.append(n)
    return out


def _at_least_one(seq):
    """Message counts as "messages" (how many fit depends on the kernel's admission rule)."""
    return ["messages" if isinstance(x, int) and x > 0 else x for x in seq]


def scenario_netlink_overrun_enobufs(b):
    """More notifications than the receive buffer holds: the next receive fails with ENOBUFS
    (once), then what was queued comes, then nothing; poll shows POLLERR meanwhile."""
    s, _ = _overrun_setup(b)
    _events(b, 8)
    out = {"poll": b.poll(s, POLLIN)}
    out["reads"] = _at_least_one(_drain_count(b, s))
    out["poll_after"] = b.poll(s, POLLIN)
    return out


@kernel_differs("a broadcast is admitted while sk_rmem_alloc <= sk_rcvbuf before it is charged "
                "(5.15: one message beyond the buffer fits); since ae8f160e7eb2 the charged "
                "total must fit (or the queue be empty)",
                "ae8f160e7eb2 netlink: Fix wraparounds of sk->sk_rmem_alloc",
                {"reads": ["ENOBUFS", 2], "drops_seen": True}, since="6.16",
                backported={"6.1": "6.1.192 (Debian's 6.1 has it; first 6.1.y not pinned)"})
def scenario_netlink_overrun_count(b):
    """How many link notifications (2304 bytes of truesize each on x86_64) the minimum receive
    buffer (2304) takes before the rest is dropped."""
    s, _ = _overrun_setup(b)
    _events(b, 6)
    return {"reads": _drain_count(b, s), "drops_seen": True}


def scenario_netlink_overrun_no_enobufs(b):
    """NETLINK_NO_ENOBUFS: the same overrun loses the same messages but reports no error."""
    s, _ = _overrun_setup(b, no_enobufs=True)
    _events(b, 8)
    return {"poll": b.poll(s, POLLIN), "reads": _at_least_one(_drain_count(b, s))}


def scenario_netlink_overrun_congestion(b):
    """After an overrun the socket stays congested until its queue is read empty: more
    notifications meanwhile are lost without a second ENOBUFS; once read empty, a new overrun
    reports ENOBUFS again. Turning NETLINK_NO_ENOBUFS on afterwards ends the congestion but
    leaves the error already pending."""
    s, _ = _overrun_setup(b)
    _events(b, 6)
    out = {}
    try:
        b.sys_recvfrom(s, 65536, 0x40)
        out["first"] = "data"
    except OSError as e:
        out["first"] = errname(e)
    _events(b, 3, start=1400)          # queue not empty yet: still congested
    out["while_congested"] = _at_least_one(_drain_count(b, s))
    _events(b, 6, start=1500)
    out["second_overrun"] = _at_least_one(_drain_count(b, s))
    _events(b, 6, start=1600)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_NO_ENOBUFS, u32(1))
    out["no_enobufs_after"] = _at_least_one(_drain_count(b, s))
    return out


def scenario_netlink_poll_on_notification(b):
    """A member socket polls readable when a notification arrives, not before."""
    b.link_add("veth0", "veth", peer="veth1")
    s = nl_socket(b, GROUP_LINK)
    before = b.poll(s, POLLIN)
    b.link_set("veth0", mtu=1400)
    after = b.poll(s, POLLIN, 1000)
    return {"before": before, "after": after}


def _dump(b, s, body, flags=NLM_F_REQUEST | NLM_F_DUMP):
    b.sys_sendto(s, request(RTM_GETLINK, flags, 5, body), 0, KERNEL)
    names = names_of(b, "lo", "veth0", "veth1")
    msgs = collect(b, s, names, portid(b, s))
    return [{"type": m["type"], "flags": m["flags"],
             "dev": m.get("link", {}).get("index"), "error": m.get("error"),
             "ext_ack": m.get("ext_ack")} for m in msgs]


def scenario_netlink_strict_link_dump(b):
    """NETLINK_GET_STRICT_CHK: a link dump request must be a clean ifinfomsg (no type, flags,
    change or index) with only the dump's attributes — else the dump ends at once in an
    NLMSG_DONE carrying -EINVAL (and, with NETLINK_EXT_ACK, the reason). Without strict
    checking the same requests dump everything."""
    b.link_add("veth0", "veth", peer="veth1")
    s = nl_socket(b)
    bad = {"index": ifinfomsg(index=1), "flags": ifinfomsg(flags=1),
           "change": ifinfomsg(change=1), "type": ifinfomsg(ifi_type=1),
           "pad": ifinfomsg(pad=1), "family_packet": ifinfomsg(family=17),
           "rtgenmsg": b"\0\0\0\0", "attr_mtu": ifinfomsg() + nla(IFLA_MTU, u32(1500)),
           "attr_ifname": ifinfomsg() + nla(IFLA_IFNAME, b"lo\0")}
    out = {"loose": {k: _dump(b, s, v) for k, v in bad.items()}}
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_GET_STRICT_CHK, u32(1))
    out["strict"] = {k: _dump(b, s, v) for k, v in bad.items()}
    out["strict_ok"] = _dump(b, s, ifinfomsg() + nla(IFLA_EXT_MASK, u32(1)))
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, u32(1))
    out["strict_ext_ack"] = {k: _dump(b, s, bad[k]) for k in ("index", "flags", "attr_mtu")}
    return out


def scenario_netlink_link_dump_kind_filter(b):
    """A link dump filtered by IFLA_LINKINFO/IFLA_INFO_KIND: only that kind's devices, each
    message marked NLM_F_DUMP_FILTERED; an unknown kind does not filter."""
    b.link_add("veth0", "veth", peer="veth1")
    s = nl_socket(b)
    kind = lambda k: ifinfomsg() + nla(IFLA_LINKINFO, nla(IFLA_INFO_KIND, k + b"\0"))  # noqa
    return {"veth": _dump(b, s, kind(b"veth")), "unknown": _dump(b, s, kind(b"nosuchkind"))}


def scenario_netlink_cap_ack_and_ext_ack(b):
    """Error acks: the whole request is echoed unless NETLINK_CAP_ACK (then the header only,
    NLM_F_CAPPED); a success ack is always capped; NETLINK_EXT_ACK adds the reason."""
    b.link_add("veth0", "veth", peer="veth1")
    s = nl_socket(b)
    me = portid(b, s)
    bad = request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 3,
                  ifinfomsg() + nla(IFLA_IFNAME, b"veth0\0") + nla(IFLA_MTU, u32(70000)))
    good = request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 4, ifinfomsg(1))
    names = names_of(b, "lo", "veth0", "veth1")
    out = {}
    for label, opts in (("plain", ()), ("cap", (NETLINK_CAP_ACK,)),
                        ("ext", (NETLINK_EXT_ACK,)), ("both", (NETLINK_CAP_ACK, NETLINK_EXT_ACK))):
        for o in (NETLINK_CAP_ACK, NETLINK_EXT_ACK):
            b.sys_setsockopt(s, SOL_NETLINK, o, u32(1 if o in opts else 0))
        row = {}
        for rname, req in (("error", bad), ("success", good)):
            b.sys_sendto(s, req, 0, KERNEL)
            row[rname] = [{k: v for k, v in m.items() if k != "link"} for m in
                          collect(b, s, names, me)]
        out[label] = row
    return out


def scenario_netlink_options_unreadable_value(b):
    """A NULL value that claims an int or more is EFAULT for every option that reads one (the
    membership checks come after the copy); unknown options too (the copy comes first). A NULL
    value shorter than an int is never read: a flag option takes 0, a membership is EINVAL."""
    s = nl_socket(b)
    out = {}
    for name, opt in list(FLAG_OPTIONS.items()) + [("ADD_MEMBERSHIP", NETLINK_ADD_MEMBERSHIP),
                                                   ("DROP_MEMBERSHIP", NETLINK_DROP_MEMBERSHIP),
                                                   ("unknown_99", 99)]:
        out[name] = {str(n): _try(b.sys_setsockopt, s, SOL_NETLINK, opt, None, n)
                     for n in (0, 2, 4, 8)}
    return out


@kernel_differs("a kernel reply is admitted while sk_rmem_alloc <= sk_rcvbuf before it is "
                "charged (5.15): after a 2304-byte reply fills the minimum buffer the ack still "
                "fits; since ae8f160e7eb2 the charged total must fit, so the ack is lost "
                "(ENOBUFS)", "ae8f160e7eb2 netlink: Fix wraparounds of sk->sk_rmem_alloc",
                {"congested": ["ENOBUFS", "messages"], "after": [16, 2]}, since="6.16",
                backported={"6.1": "6.1.192 (Debian's 6.1 has it; first 6.1.y not pinned)"})
def scenario_netlink_reply_to_a_congested_socket(b):
    """The kernel's answer to a request from a congested socket is lost like a notification
    (netlink_attachskb does not wait for the kernel): ENOBUFS, the queued notifications, and no
    reply; once read empty, the same request is answered — reply and ack, as far as the
    minimum receive buffer takes them."""
    s, _ = _overrun_setup(b)
    _events(b, 6)
    req = request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 9, ifinfomsg(1))
    b.sys_sendto(s, req, 0, KERNEL)
    out = {"congested": _at_least_one(_drain_count(b, s))}
    b.sys_sendto(s, req, 0, KERNEL)
    out["after"] = [m.get("type", m.get("err")) for m in collect(b, s, {})]
    return out
