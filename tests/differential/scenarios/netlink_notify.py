"""RTNLGRP_LINK notifications (net/core/rtnetlink.c rtmsg_ifinfo, rtnetlink_event; net/core/dev.c
__dev_notify_flags, dev_close_many, unregister_netdevice_many; net/core/link_watch.c): a member
socket records what a sequence of link operations announces — how many messages, in which order,
and each one attribute by attribute (ifi_change, flags, operstate, carrier counters, ...).

On the real kernel the linkwatch worker announces carrier changes right after the request that
caused them; `collect` waits a moment for it. A veth end created shortly after another carrier
event gets its operational state only up to a second later, so scenarios that read an up device's
state after creating a pair settle first (b.settle()).
"""
from __future__ import annotations

import struct

from ._common import (AF_PACKET, SOL_PACKET, SOCK_RAW, ETH_P_ALL, MAC_A, MAC_B, htons, mac,
                      names_of)
from ._netlink import (RTNLGRP_IPV4_IFADDR, RTNLGRP_LINK, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                       NETLINK_DROP_MEMBERSHIP, NETLINK_PKTINFO, collect,
                       mask_random_addresses, nl_socket, sockaddr_nl,
                       u32, messages, msg_obs)

IFF_UP, IFF_NOARP, IFF_PROMISC = 0x1, 0x80, 0x100
SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFMTU, SIOCSIFTXQLEN = 0x8913, 0x8914, 0x8922, 0x8943
PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP = 1, 2
PACKET_MR_MULTICAST, PACKET_MR_PROMISC, PACKET_MR_ALLMULTI = 0, 1, 2
GROUP_LINK = 1 << (RTNLGRP_LINK - 1)


def _pair(b, settle=True, up=False):
    """veth0/veth1 with fixed addresses, settled (operstate known), optionally both up."""
    b.link_add("veth0", "veth", peer="veth1")
    b.link_set("veth0", address=MAC_A)
    b.link_set("veth1", address=MAC_B)
    if up:
        b.link_set("veth0", up=True)
        b.link_set("veth1", up=True)
    if settle:
        b.settle()
    names = names_of(b, "lo", "veth0", "veth1")
    return names


def _ifreq(name: str, data: bytes = b"") -> bytes:
    return name.encode().ljust(16, b"\0") + data.ljust(24, b"\0")


def _step(b, s, names, fn, *args, **kw):
    fn(*args, **kw)
    return collect(b, s, names)


def scenario_netlink_notify_veth_create(b):
    """`ip link add veth0 type veth peer name veth1`: the peer is announced first (ifi_change ~0,
    no carrier, IFLA_LINK 0: the ends are not linked yet), then veth0 (IFLA_LINK: veth1)."""
    s = nl_socket(b, GROUP_LINK)
    b.link_add("veth0", "veth", peer="veth1")
    return mask_random_addresses(collect(b, s, names_of(b, "lo", "veth0", "veth1")))


def scenario_netlink_notify_up_down_sequence(b):
    """Up one end (the peer is down: no carrier), then the other (carrier on both: the IFF_UP
    message shows LOWER_UP without RUNNING, then linkwatch announces each end, the opened one
    first), then down each."""
    names = _pair(b)
    s = nl_socket(b, GROUP_LINK)
    out = {}
    out["veth0_up"] = _step(b, s, names, b.link_set, "veth0", up=True)
    out["veth1_up"] = _step(b, s, names, b.link_set, "veth1", up=True)
    out["veth1_down"] = _step(b, s, names, b.link_set, "veth1", up=False)
    out["veth0_down"] = _step(b, s, names, b.link_set, "veth0", up=False)
    out["veth0_up_again"] = _step(b, s, names, b.link_set, "veth0", up=True)
    return out


def scenario_netlink_notify_mtu_address(b):
    """An MTU change (NETDEV_CHANGEMTU) and an address change (NETDEV_CHANGEADDR) each announce
    the device once (ifi_change 0); setting the same MTU again announces nothing."""
    names = _pair(b, up=True)
    s = nl_socket(b, GROUP_LINK)
    out = {}
    out["mtu"] = _step(b, s, names, b.link_set, "veth0", mtu=1400)
    out["same_mtu"] = _step(b, s, names, b.link_set, "veth0", mtu=1400)
    out["address"] = _step(b, s, names, b.link_set, "veth1", address="02:00:00:00:00:42")
    out["down_mtu"] = _step(b, s, names, b.link_set, "veth1", up=False)
    out["mtu_of_down"] = _step(b, s, names, b.link_set, "veth1", mtu=9000)
    return out


def _no_header(obs):
    """A deletion's messages without their header's port and sequence: 6.1 stable kernels put
    the requester's there (5.15 and 6.18: 0)."""
    for m in obs:
        m.pop("pid", None)
        m.pop("seq", None)
    return obs


def scenario_netlink_notify_delete_up_pair(b):
    """Deleting an up pair: both ends announced down (ifi_change UP|RUNNING, IFLA_LINK 0: the
    ends were unlinked first), then both RTM_DELLINK (ifi_change ~0), in that order."""
    names = _pair(b, up=True)
    s = nl_socket(b, GROUP_LINK)
    return _no_header(_step(b, s, names, b.link_del, "veth0"))


def scenario_netlink_notify_delete_down_pair(b):
    """Deleting a pair that is down: only the two RTM_DELLINK, the deleted end first."""
    names = _pair(b, settle=False)
    s = nl_socket(b, GROUP_LINK)
    return _no_header(_step(b, s, names, b.link_del, "veth1"))


def scenario_netlink_notify_half_up_delete(b):
    """One end up without carrier: its down announcement, then both RTM_DELLINK."""
    names = _pair(b)
    b.link_set("veth1", up=True)
    s = nl_socket(b, GROUP_LINK)
    return _no_header(_step(b, s, names, b.link_del, "veth1"))


def scenario_netlink_notify_ioctl_flags(b):
    """SIOCSIFFLAGS: up (IFF_UP changed), NOARP (ifi_change IFF_NOARP, one message), PROMISC
    asked by user space (shown in the flags, ifi_change IFF_PROMISC), the same flags again
    (nothing), down."""
    names = _pair(b)
    s = nl_socket(b, GROUP_LINK)
    io = b.socket(AF_PACKET, SOCK_RAW, 0)
    base = struct.unpack_from("<h", b.ioctl(io, SIOCGIFFLAGS, _ifreq("veth0"))[1], 16)[0]
    out = {}
    for step, flags in (("up", base | IFF_UP), ("noarp", base | IFF_UP | IFF_NOARP),
                        ("promisc", base | IFF_UP | IFF_NOARP | IFF_PROMISC),
                        ("same", base | IFF_UP | IFF_NOARP | IFF_PROMISC),
                        ("down", base | IFF_NOARP)):
        out[step] = _step(b, s, names, b.ioctl, io, SIOCSIFFLAGS,
                          _ifreq("veth0", struct.pack("<h", flags & 0xFFFF)))
    return out


def scenario_netlink_notify_ioctl_mtu_txqlen(b):
    """SIOCSIFMTU and SIOCSIFTXQLEN announce the device (NETDEV_CHANGEMTU,
    NETDEV_CHANGE_TX_QUEUE_LEN); the same queue length again announces nothing."""
    names = _pair(b, settle=False)
    s = nl_socket(b, GROUP_LINK)
    io = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    out["mtu"] = _step(b, s, names, b.ioctl, io, SIOCSIFMTU,
                       _ifreq("veth0", struct.pack("<i", 1280)))
    out["txqlen"] = _step(b, s, names, b.ioctl, io, SIOCSIFTXQLEN,
                          _ifreq("veth0", struct.pack("<i", 42)))
    out["same_txqlen"] = _step(b, s, names, b.ioctl, io, SIOCSIFTXQLEN,
                               _ifreq("veth0", struct.pack("<i", 42)))
    return out


def _mreq(ifindex, mtype, addr=b""):
    return struct.pack("=iHH8s", ifindex, mtype, len(addr), addr)


def scenario_netlink_notify_packet_promisc_membership(b):
    """A packet socket's PACKET_MR_PROMISC membership raises the promiscuity counter: an
    RTM_NEWLINK with ifi_change IFF_PROMISC each time (the flags do not show PROMISC: user space
    did not ask for it), on join and on leave; ALLMULTI and multicast memberships announce
    nothing."""
    names = _pair(b)
    s = nl_socket(b, GROUP_LINK)
    p = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    ix = b.if_nametoindex("veth0")
    out = {}
    out["promisc_add"] = _step(b, s, names, b.sys_setsockopt, p, SOL_PACKET,
                               PACKET_ADD_MEMBERSHIP, _mreq(ix, PACKET_MR_PROMISC))
    out["promisc_add_2"] = _step(b, s, names, b.sys_setsockopt, p, SOL_PACKET,
                                 PACKET_ADD_MEMBERSHIP, _mreq(ix, PACKET_MR_PROMISC))
    out["allmulti_add"] = _step(b, s, names, b.sys_setsockopt, p, SOL_PACKET,
                                PACKET_ADD_MEMBERSHIP, _mreq(ix, PACKET_MR_ALLMULTI))
    out["mc_add"] = _step(b, s, names, b.sys_setsockopt, p, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                          _mreq(ix, PACKET_MR_MULTICAST, mac("01:00:5e:00:00:09")))
    out["promisc_drop"] = _step(b, s, names, b.sys_setsockopt, p, SOL_PACKET,
                                PACKET_DROP_MEMBERSHIP, _mreq(ix, PACKET_MR_PROMISC))
    return out


def scenario_netlink_notify_members_only(b):
    """Every member gets its own copy; a socket in another group, one that left the group and
    one never bound to a group get nothing."""
    names = _pair(b, settle=False)
    a = nl_socket(b, GROUP_LINK)
    c = nl_socket(b)
    b.sys_setsockopt(c, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(RTNLGRP_LINK))
    other = nl_socket(b, 1 << (RTNLGRP_IPV4_IFADDR - 1))
    left = nl_socket(b, GROUP_LINK)
    b.sys_setsockopt(left, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, u32(RTNLGRP_LINK))
    none = nl_socket(b)
    b.link_set("veth0", mtu=1300)
    return {"bind": collect(b, a, names), "setsockopt": collect(b, c, names),
            "other_group": collect(b, other, names), "left": collect(b, left, names),
            "no_group": collect(b, none, names)}


def scenario_netlink_notify_namespaces_apart(b):
    """A listener sees its own namespace's links only."""
    names = _pair(b, settle=False)
    ns = b.netns_add("nlns")
    here = nl_socket(b, GROUP_LINK)
    there = nl_socket(ns, GROUP_LINK)
    ns.link_add("vx0", "veth", peer="vx1")
    b.link_set("veth0", mtu=1400)
    return {"here": collect(b, here, names),
            "there": mask_random_addresses(collect(ns, there, names_of(ns, "lo", "vx0", "vx1")))}


def scenario_netlink_notify_source_address_and_pktinfo(b):
    """A notification comes from port 0 with nl_groups the group's bit; NETLINK_PKTINFO adds an
    nl_pktinfo control message (SOL_NETLINK) with the group; a unicast reply has group 0."""
    _pair(b, settle=False)
    s = nl_socket(b, GROUP_LINK)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_PKTINFO, u32(1))
    b.link_set("veth0", mtu=1400)
    out = {}
    ret, data, anc, flags, addr = b.sys_recvmsg(s, 65536, 64, 0)
    out["notification"] = {"addr": addr.hex(), "anc": [(lv, t, d.hex()) for lv, t, d in anc],
                           "flags": flags, "types": [m[1] for m in messages(data)]}
    from ._netlink import KERNEL, RTM_GETLINK, NLM_F_REQUEST, ifinfomsg, request
    b.sys_sendto(s, request(RTM_GETLINK, NLM_F_REQUEST, 7,
                            ifinfomsg(b.if_nametoindex("veth1"))), 0, KERNEL)
    ret, data, anc, flags, addr = b.sys_recvmsg(s, 65536, 64, 0)
    out["reply"] = {"addr": addr.hex(), "anc": [(lv, t, d.hex()) for lv, t, d in anc],
                    "types": [m[1] for m in messages(data)]}
    return out


def scenario_netlink_notify_pktinfo_short_control_buffer(b):
    """A control buffer too small for the nl_pktinfo: MSG_CTRUNC, no control message."""
    _pair(b, settle=False)
    s = nl_socket(b, GROUP_LINK)
    b.sys_setsockopt(s, SOL_NETLINK, NETLINK_PKTINFO, u32(1))
    b.link_set("veth0", mtu=1400)
    _ret, _data, anc, flags, _addr = b.sys_recvmsg(s, 65536, 8, 0)
    return {"anc": [(lv, t, d.hex()) for lv, t, d in anc], "ctrunc": bool(flags & 0x8)}


def scenario_netlink_notify_namespace_move(b):
    """Moving veth1 to another namespace: the old one announces it down (if up) and gone —
    RTM_DELLINK with the id the old namespace gives the new one (IFLA_NEW_NETNSID) and the
    index it gets there (IFLA_NEW_IFINDEX); the new one announces it (ifi_change ~0)."""
    names = _pair(b)
    b.link_set("veth1", up=True)
    b.settle()
    ns = b.netns_add("mv")
    here = nl_socket(b, GROUP_LINK)
    there = nl_socket(ns, GROUP_LINK)
    b.link_set("veth1", netns="mv")
    names_there = {ns.if_nametoindex("veth1"): "veth1", 1: "lo"}
    here_obs = [m for m in collect(b, here, names)
                if m.get("link", {}).get("index") != "veth0"]
    return {"here": here_obs, "there": collect(ns, there, names_there)}


def scenario_netlink_notify_user_multicast(b):
    """A privileged socket sending to nl_groups: every other member of the group gets it, from
    the sender's port and with the group's bit; the sender does not; the kernel (port 0) also
    takes it as a request and answers the sender."""
    names = _pair(b, settle=False)
    member = nl_socket(b, GROUP_LINK)
    sender = nl_socket(b, GROUP_LINK)
    from ._netlink import RTM_GETLINK, NLM_F_REQUEST, ifinfomsg, request, portid
    req = request(RTM_GETLINK, NLM_F_REQUEST, 11, ifinfomsg(b.if_nametoindex("veth0")))
    b.sys_sendto(sender, req, 0, sockaddr_nl(0, GROUP_LINK))
    ret, data, addr = b.sys_recvfrom(member, 65536, 0x40)
    sp = portid(b, sender)
    src = struct.unpack("=HHII", addr)
    out = {"member": {"len": ret, "same_bytes": data == req, "src_is_sender": src[2] == sp,
                      "groups": src[3]},
           "sender": [msg_obs(m, names, sp) for m in
                      messages(b.sys_recvfrom(sender, 65536, 0x40)[1])]}
    try:
        b.sys_recvfrom(sender, 65536, 0x40)
        out["sender_more"] = True
    except BlockingIOError:
        out["sender_more"] = False
    return out


def scenario_netlink_notify_setlink_txqlen(b):
    """RTM_SETLINK with IFLA_TXQLEN from a NETLINK_ROUTE socket: applied and announced once
    (NETDEV_CHANGE_TX_QUEUE_LEN); the same length again announces nothing; IFLA_TXQLEN with
    IFLA_MTU and up in one request: the MTU, the flags, then the queue length announced in that
    order."""
    from ._netlink import KERNEL, NLM_F_ACK, NLM_F_REQUEST, ifinfomsg, nla, request
    names = _pair(b, settle=False)
    s = nl_socket(b, GROUP_LINK)
    req = nl_socket(b)
    ix = b.if_nametoindex("veth0")
    out = {}
    for label, body in (("txqlen", ifinfomsg(ix) + nla(13, u32(77))),
                        ("same", ifinfomsg(ix) + nla(13, u32(77))),
                        ("all", ifinfomsg(ix, IFF_UP, IFF_UP) + nla(13, u32(5)) +
                         nla(4, u32(1280)))):
        b.sys_sendto(req, request(19, NLM_F_REQUEST | NLM_F_ACK, 1, body), 0, KERNEL)
        ack = messages(b.sys_recvfrom(req, 65536, 0)[1])[0]
        out[label] = {"ack": struct.unpack_from("=i", ack[5])[0], "events": collect(b, s, names)}
    return out


def scenario_netlink_notify_peer_in_other_namespace(b):
    """After veth1 moves away, veth0's messages name its peer's namespace by the id this one
    gives it (IFLA_LINK_NETNSID, the same id the move's RTM_DELLINK announced) and its peer by
    its index there; veth1 in its new namespace names veth0's."""
    names = _pair(b, settle=False)
    ns = b.netns_add("peerns")
    b.link_set("veth1", netns="peerns")
    here = nl_socket(b, GROUP_LINK)
    there = nl_socket(ns, GROUP_LINK)
    b.link_set("veth0", mtu=1400)
    ns.link_set("veth1", mtu=1300)
    return {"here": collect(b, here, names),
            "there": collect(ns, there, {ns.if_nametoindex("veth1"): "veth1", 1: "lo"})}


def scenario_netlink_notify_listen_all_nsid(b):
    """NETLINK_LISTEN_ALL_NSID: a member also gets the group's messages from another namespace
    once its own namespace has an id for it (here: given when veth1 moved there), each with a
    control message carrying that id; its own namespace's come without one; a member without
    the option sees its namespace only."""
    from ._netlink import NETLINK_LISTEN_ALL_NSID
    names = _pair(b, settle=False)
    ns = b.netns_add("allns")
    s_all = nl_socket(b, GROUP_LINK)
    b.sys_setsockopt(s_all, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, u32(1))
    s_own = nl_socket(b, GROUP_LINK)
    unrelated = b.netns_add("noid")
    unrelated.link_add("u0", "veth", peer="u1")       # no id for this one: nothing arrives
    b.link_set("veth1", netns="allns")
    collect(b, s_own, names)
    out = {}
    for label, view, dev in (("there", ns, "veth1"), ("here", b, "veth0")):
        view.link_set(dev, mtu=1280)
        got = []
        for _ in range(8):
            try:
                ret, data, anc, flags, addr = b.sys_recvmsg(s_all, 65536, 64, 0x40)
            except BlockingIOError:
                break
            got.append({"types": [m[1] for m in messages(data)],
                        "anc": [(lv, t, d.hex()) for lv, t, d in anc]})
        out[label] = got
    out["own_only"] = [m.get("link", {}).get("index") for m in collect(b, s_own, names)]
    return out


def scenario_netlink_notify_nsid_given(b):
    """A namespace that first needs an id for another (a device leaving for it, a veth whose
    peer lives there) gives one and announces it to RTNLGRP_NSID: RTM_NEWNSID with NETNSA_NSID;
    once given, it is not announced again."""
    from ._netlink import parse_attrs
    _pair(b, settle=False)
    ns = b.netns_add("idns")
    grp = 1 << (28 - 1)                                  # RTNLGRP_NSID
    here, there = nl_socket(b, grp), nl_socket(ns, grp)

    def nsids(view, s):
        out = []
        for _ in range(8):
            try:
                data = view.sys_recvfrom(s, 65536, 0x40)[1]
            except BlockingIOError:
                break
            out += [(m[1], m[2], {k: v.hex() for k, v in parse_attrs(m[5], 4).items()})
                    for m in messages(data)]
        return out
    b.link_set("veth1", netns="idns")
    first = {"here": nsids(b, here), "there": nsids(ns, there)}
    ns.link_set("veth1", mtu=1300)
    b.link_set("veth0", mtu=1300)
    return {"move": first, "later": {"here": nsids(b, here), "there": nsids(ns, there)}}
