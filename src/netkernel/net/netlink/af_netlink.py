"""AF_NETLINK sockets (net/netlink/af_netlink.c), with the one protocol the model serves:
NETLINK_ROUTE, whose requests go to net/core/rtnetlink.py.

A socket is bound to a port id (nl_pid): the caller's choice, or on first use the task's pid
(netlink_autobind; when that is taken, negative ids from -4096 down). A request sent to the
kernel (nl_pid 0) is taken apart message by message (netlink_rcv_skb): each request with
NLM_F_REQUEST goes to rtnetlink_rcv, its replies are queued on the socket, then an NLMSG_ERROR
acknowledgement when the request failed or asked for one (NLM_F_ACK). Replies are datagrams
received in order (MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT; blocking on the socket's wait queue).

Multicast: a socket joins groups with bind()'s nl_groups (groups 1..32, replacing the earlier
ones in that range) or NETLINK_ADD_MEMBERSHIP (any group the protocol has: RTNLGRP_MAX for
NETLINK_ROUTE); netlink_broadcast hands a message to every member of the group in the
namespace but the sender (and to members elsewhere that asked for NETLINK_LISTEN_ALL_NSID and
have an id for this namespace), each a datagram of its own charged to the member's receive
buffer.
A member whose buffer is full (sk_rmem_alloc above sk_rcvbuf before the message, as 5.15 tests
it) or that is still congested from an earlier overrun misses it: netlink_overrun counts a drop
and, unless NETLINK_NO_ENOBUFS is on, sets sk_err = ENOBUFS once per congestion (the next
receive fails with it; the congestion ends when the queue has been read empty).

DIVERGENCE(#10): a dump is produced whole when requested (Linux fills one buffer at send time
and the next ones as the reader drains the queue) and its messages are packed into datagrams
of NLMSG_GOODSIZE bytes; the receive buffer does not limit dumps, nor messages between user
sockets (a sender never waits for room). Namespace ids are only those the kernel allocates
itself (a device moved away, a veth whose peer lives elsewhere): `ip netns set` is not
modelled. Only NETLINK_ROUTE exists (other protocols are EPROTONOSUPPORT, as on a kernel
built without them).
"""
from __future__ import annotations

LINUX_SOURCE = "net/netlink/af_netlink.c"
MODEL_HELPERS = ("nl_queue", "nl_skb")   # not kernel functions (netkernel.trace)

from netkernel.include.linux.filter import sk_filter
from netkernel.include.net.sock import skb_set_owner_r
from netkernel.include.linux.sockptr import copy_from_sockptr
from netkernel.kernel.capability import ns_capable
from netkernel.kernel.sched import current
from netkernel.net.core.datagram import datagram_poll, skb_recv_datagram
from netkernel.net.core.net_namespace import __peernet2id
from netkernel.include.linux.netlink import (NetlinkExtAck, netlink_ext_ack_begin,
                                             netlink_ext_ack_end)
from netkernel.net.core.rtnetlink import (nla_put, nlmsg_put, rtnetlink_bind, rtnetlink_init,
                                         rtnetlink_rcv)
from netkernel.net.core.scm import put_cmsg
from netkernel.net.core.skbuff import SkBuff, kfree_skb
from netkernel.net.core.sock import NetProtoFamily, ProtoOps, Sock, sk_data_ready, sk_error_report
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN, CAP_NET_BROADCAST
from netkernel.uapi.netlink import (MAX_LINKS, NETLINK_ADD_MEMBERSHIP, NETLINK_BROADCAST_ERROR,
                                    NETLINK_CAP_ACK, NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK,
                                    NETLINK_GET_STRICT_CHK, NETLINK_LIST_MEMBERSHIPS,
                                    NETLINK_LISTEN_ALL_NSID, NETLINK_NO_ENOBUFS, NETLINK_PKTINFO,
                                    NETLINK_ROUTE, NL_PKTINFO, NLM_F_ACK, NLM_F_ACK_TLVS,
                                    NLM_F_CAPPED, NLM_F_REQUEST, NLMSG_ALIGN, NLMSG_ERROR,
                                    NLMSG_HDRLEN, NLMSG_MIN_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_INT,
                                    NLMSGHDR, SOCKADDR_NL, SOCKADDR_NL_SIZE, SOL_NETLINK)
from netkernel.uapi.rtnetlink import RTNLGRP_MAX
from netkernel.uapi.socket import (AF_NETLINK, AF_UNSPEC, INT, MSG_DONTWAIT, MSG_OOB, MSG_PEEK,
                                   MSG_TRUNC, SOCK_DGRAM, SOCK_RAW)

# NLMSG_GOODSIZE on 4 KiB pages: SKB_WITH_OVERHEAD(PAGE_SIZE) capped at 8192
NLMSG_GOODSIZE = 3776
# nlk->flags (net/netlink/af_netlink.h)
NETLINK_F_RECV_PKTINFO = 0x2
NETLINK_F_BROADCAST_SEND_ERROR = 0x4
NETLINK_F_RECV_NO_ENOBUFS = 0x8
NETLINK_F_LISTEN_ALL_NSID = 0x10
NETLINK_F_CAP_ACK = 0x20
NETLINK_F_EXT_ACK = 0x40
NETLINK_F_STRICT_CHK = 0x80
# the options that set or clear one flag (netlink_setsockopt / netlink_getsockopt)
_FLAG_OPTS = {NETLINK_PKTINFO: NETLINK_F_RECV_PKTINFO,
              NETLINK_BROADCAST_ERROR: NETLINK_F_BROADCAST_SEND_ERROR,
              NETLINK_NO_ENOBUFS: NETLINK_F_RECV_NO_ENOBUFS,
              NETLINK_LISTEN_ALL_NSID: NETLINK_F_LISTEN_ALL_NSID,
              NETLINK_CAP_ACK: NETLINK_F_CAP_ACK, NETLINK_EXT_ACK: NETLINK_F_EXT_ACK,
              NETLINK_GET_STRICT_CHK: NETLINK_F_STRICT_CHK}

# struct netlink_kernel_cfg flags: what a protocol lets unprivileged sockets do
NL_CFG_F_NONROOT_RECV = 0x1
NL_CFG_F_NONROOT_SEND = 0x2


class NetlinkTable:
    """struct netlink_table: a protocol's number of groups, its NL_CFG_F_* flags and its bind
    hook (checks a group a socket joins), as the kernel socket's netlink_kernel_create set them."""
    __slots__ = ("groups", "flags", "bind")

    def __init__(self, groups: int, flags: int, bind=None):
        self.groups = max(groups, 32)       # netlink_kernel_create: at least 32
        self.flags = flags
        self.bind = bind


# rtnetlink_net_init's netlink_kernel_cfg: RTNLGRP_MAX groups, unprivileged listeners
NL_TABLE = {NETLINK_ROUTE: NetlinkTable(RTNLGRP_MAX, NL_CFG_F_NONROOT_RECV, rtnetlink_bind)}


class NetlinkSock(Sock):
    """struct netlink_sock: port id, destination, groups (an int used as a bitmap: bit n-1 is
    group n), the number of groups the bitmap covers (0 until the socket first deals with
    groups: netlink_realloc_groups), option flags, NETLINK_S_CONGESTED."""
    __slots__ = ("portid", "dst_portid", "dst_group", "groups", "ngroups", "flags", "bound",
                 "congested")

    def __init__(self, net, type: int, protocol: int, lock):
        super().__init__(net, AF_NETLINK, type, lock)
        self.sk_protocol = protocol
        self.portid = 0
        self.dst_portid = 0
        self.dst_group = 0
        self.groups = 0
        self.ngroups = 0
        self.flags = 0
        self.bound = False
        self.congested = False


def netlink_allowed(sock, flag: int) -> bool:
    """netlink_allowed: the protocol lets everyone do it, or the caller has CAP_NET_ADMIN."""
    return bool(NL_TABLE[sock.sk.sk_protocol].flags & flag) or ns_capable(CAP_NET_ADMIN)


def netlink_group_mask(group: int) -> int:
    """netlink_group_mask: group n as the nl_groups bit, 0 for none."""
    return 1 << (group - 1) if group else 0


def netlink_realloc_groups(sk: NetlinkSock) -> int:
    """netlink_realloc_groups: size the socket's bitmap to the protocol's groups."""
    sk.ngroups = NL_TABLE[sk.sk_protocol].groups
    return 0


def netlink_update_subscriptions(sk: NetlinkSock) -> None:
    """netlink_update_subscriptions: a socket with groups is on the protocol's mc_list."""
    members = sk.sk_net.nl_mc_list.setdefault(sk.sk_protocol, [])
    if sk.groups and sk not in members:
        members.insert(0, sk)           # sk_add_bind_node: at the head
    elif not sk.groups and sk in members:
        members.remove(sk)


def netlink_create(net, sock, protocol: int, kern: bool) -> int:
    """netlink_create: RAW or DGRAM (ESOCKTNOSUPPORT), a protocol below MAX_LINKS that the
    kernel has (EPROTONOSUPPORT)."""
    if sock.type not in (SOCK_RAW, SOCK_DGRAM):
        return -E.ESOCKTNOSUPPORT
    if protocol < 0 or protocol >= MAX_LINKS or protocol != NETLINK_ROUTE:
        return -E.EPROTONOSUPPORT
    sk = NetlinkSock(net, sock.type, protocol, net.core.lock)
    sk.sk_socket = sock
    sock.sk = sk
    sock.ops = NETLINK_OPS
    return 0


def netlink_release(sock) -> int:
    """netlink_release: leave the port table and the groups, drop what is queued, wake
    sleepers."""
    sk = sock.sk
    if sk is None:
        return 0
    if sk.bound:
        sk.sk_net.nl_table.pop((sk.sk_protocol, sk.portid), None)
    sk.groups = 0
    netlink_update_subscriptions(sk)
    q = sk.sk_receive_queue
    while q:
        kfree_skb(q.popleft())
    sk.sk_dead = True
    sk_error_report(sk)
    sock.sk = None
    return 0


def netlink_insert(sk: NetlinkSock, portid: int) -> int:
    """netlink_insert: take `portid` in the namespace's table (EADDRINUSE when another socket of
    the protocol has it; EBUSY when this one is bound already)."""
    table = sk.sk_net.nl_table
    if sk.bound:
        return -E.EBUSY
    key = (sk.sk_protocol, portid)
    if key in table:
        return -E.EADDRINUSE
    table[key] = sk
    sk.portid = portid
    sk.bound = True
    return 0


def netlink_autobind(sk: NetlinkSock) -> int:
    """netlink_autobind: the task's pid (task_tgid_vnr), else negative ids from -4096 down."""
    portid = current().pid
    rover = -4096
    while True:
        err = netlink_insert(sk, portid & 0xFFFFFFFF)
        if err != -E.EADDRINUSE:
            return err
        portid = rover
        rover -= 1


def netlink_bind(sock, uaddr: bytes, addr_len: int) -> int:
    """netlink_bind: a whole sockaddr_nl of family AF_NETLINK (EINVAL); nl_groups need
    NL_CFG_F_NONROOT_RECV or CAP_NET_ADMIN (EPERM) and pass the protocol's bind hook group by
    group; a bound socket keeps its port id (another one is EINVAL); nl_pid 0 autobinds. The
    groups then replace the socket's groups 1..32 (those joined by setsockopt included)."""
    if addr_len < SOCKADDR_NL_SIZE:
        return -E.EINVAL
    family, _pad, pid, groups = SOCKADDR_NL.unpack_from(uaddr, 0)
    if family != AF_NETLINK:
        return -E.EINVAL
    sk = sock.sk
    if groups:
        if not netlink_allowed(sock, NL_CFG_F_NONROOT_RECV):
            return -E.EPERM
        netlink_realloc_groups(sk)
    if sk.ngroups < 64:                 # BITS_PER_LONG
        groups &= (1 << sk.ngroups) - 1
    if sk.bound and pid != sk.portid:
        return -E.EINVAL
    bind = NL_TABLE[sk.sk_protocol].bind
    if bind is not None and groups:
        for group in range(32):
            if groups >> group & 1:
                err = bind(sk.sk_net, group + 1)
                if err:
                    return err
    if not sk.bound:
        err = netlink_insert(sk, pid) if pid else netlink_autobind(sk)
        if err:
            return err
    if not groups and not sk.groups & 0xFFFFFFFF:
        return 0
    sk.groups = (sk.groups & ~0xFFFFFFFF) | groups
    netlink_update_subscriptions(sk)
    return 0


def netlink_connect(sock, uaddr: bytes, addr_len: int) -> int:
    """netlink_connect: AF_UNSPEC disconnects; else a whole sockaddr_nl of AF_NETLINK (EINVAL);
    a peer port or group needs NL_CFG_F_NONROOT_SEND or CAP_NET_ADMIN (EPERM); then set the
    default destination (autobinding)."""
    sk = sock.sk
    if addr_len < 2:
        return -E.EINVAL
    family = SOCKADDR_NL.unpack_from(uaddr.ljust(SOCKADDR_NL_SIZE, b"\0"), 0)[0]
    if family == AF_UNSPEC:
        sk.dst_portid = sk.dst_group = 0
        return 0
    if family != AF_NETLINK or addr_len < SOCKADDR_NL_SIZE:
        return -E.EINVAL
    _f, _pad, pid, groups = SOCKADDR_NL.unpack_from(uaddr, 0)
    if (groups or pid) and not netlink_allowed(sock, NL_CFG_F_NONROOT_SEND):
        return -E.EPERM
    if not sk.bound:
        err = netlink_autobind(sk)
        if err:
            return err
    sk.dst_portid = pid
    sk.dst_group = (groups & -groups).bit_length()
    return 0


def netlink_getname(sock, peer: bool) -> bytes:
    """netlink_getname: family, port id and groups 1..32 (the peer: the default destination)."""
    sk = sock.sk
    if peer:
        return SOCKADDR_NL.pack(AF_NETLINK, 0, sk.dst_portid, netlink_group_mask(sk.dst_group))
    return SOCKADDR_NL.pack(AF_NETLINK, 0, sk.portid, sk.groups & 0xFFFFFFFF)


def nl_skb(sk_net, data: bytes, portid: int, dst_group: int, size: int | None = None) -> SkBuff:
    """A netlink skb holding `data`, allocated for `size` bytes (default: the data's length),
    its NETLINK_CB: the sender's port id and the destination group."""
    skb = SkBuff(bytearray(data), sk_net.core.profile.head_truesize(
        len(data) if size is None else size))
    skb.tail = len(data)
    skb.cb = (portid, dst_group)
    return skb


def nl_queue(sk: NetlinkSock, data: bytes, portid: int = 0) -> None:
    """Queue one datagram for the socket's reader (__netlink_sendskb) and wake it."""
    skb = nl_skb(sk.sk_net, data, portid, 0)
    skb_set_owner_r(skb, sk)
    sk.sk_receive_queue.append(skb)
    sk_data_ready(sk)


def netlink_overrun(sk: NetlinkSock) -> None:
    """netlink_overrun: a message lost for want of room; unless NETLINK_NO_ENOBUFS, the first
    loss of a congestion sets sk_err = ENOBUFS. The drop is counted either way."""
    if not sk.flags & NETLINK_F_RECV_NO_ENOBUFS:
        if not sk.congested:
            sk.congested = True
            sk.sk_err = E.ENOBUFS
            sk_error_report(sk)
    sk.sk_drops += 1


def netlink_rcv_wake(sk: NetlinkSock) -> None:
    """netlink_rcv_wake: a reader that emptied the queue ends the congestion."""
    if not sk.sk_receive_queue:
        sk.congested = False


def netlink_unicast_kernel_reply(sk: NetlinkSock, data: bytes) -> None:
    """netlink_unicast from the kernel socket (netlink_attachskb without waiting): a reply to a
    receiver whose buffer is over its limit, or congested, is dropped (netlink_overrun)."""
    if sk.sk_rmem_alloc > sk.sk_rcvbuf or sk.congested:
        netlink_overrun(sk)
        return
    nl_queue(sk, data)


def netlink_broadcast_deliver(sk: NetlinkSock, skb: SkBuff) -> int:
    """netlink_broadcast_deliver: room is judged before the message is charged (5.15: up to one
    message beyond sk_rcvbuf fits); a congested socket takes nothing. Returns 1 when the
    receiver is now more than half full, 0, or -1 when the message did not fit."""
    if sk.sk_rmem_alloc <= sk.sk_rcvbuf and not sk.congested:
        skb_set_owner_r(skb, sk)
        sk.sk_receive_queue.append(skb)
        sk_data_ready(sk)
        return 1 if sk.sk_rmem_alloc > sk.sk_rcvbuf >> 1 else 0
    return -1


def netlink_broadcast(ssk, net, data: bytes, portid: int, group: int, protocol: int = NETLINK_ROUTE,
                      size: int | None = None, sender_portid: int = 0) -> int:
    """netlink_broadcast (do_one_broadcast per member): every socket of the protocol in `net`
    that is in `group`, but the sending socket `ssk` and the one bound to `portid`, gets its own
    copy (allocated for `size` bytes) — and so does a member in another namespace that set
    NETLINK_LISTEN_ALL_NSID, when its namespace has an id for `net` (the copy carries it).
    Returns 0 when someone got it, -ESRCH when nobody is listening, -ENOBUFS when a member with
    NETLINK_BROADCAST_ERROR missed it."""
    delivered = failure = False
    members = list(net.nl_mc_list.get(protocol, ()))
    for other in net.core.nets:
        if other is not net:
            members += [sk for sk in other.nl_mc_list.get(protocol, ())
                        if sk.flags & NETLINK_F_LISTEN_ALL_NSID]
    for sk in members:
        if sk is ssk or sk.portid == portid or group - 1 >= sk.ngroups:
            continue
        if not sk.groups >> (group - 1) & 1:
            continue
        nsid = __peernet2id(sk.sk_net, net)
        if sk.sk_net is not net and nsid < 0:       # peernet_has_id
            continue
        skb = nl_skb(net, data, sender_portid, group, size)
        if nsid >= 0:
            skb.cb = (sender_portid, group, nsid)   # NETLINK_CB(skb).nsid_is_set
        if sk.sk_filter is not None and sk_filter(sk, skb):
            continue
        if netlink_broadcast_deliver(sk, skb) < 0:
            netlink_overrun(sk)
            if sk.flags & NETLINK_F_BROADCAST_SEND_ERROR:
                failure = True
        else:
            delivered = True
    if failure:
        return -E.ENOBUFS
    return 0 if delivered else -E.ESRCH


def netlink_ack(sk: NetlinkSock, data, off: int, err: int, extack: NetlinkExtAck) -> bytes:
    """netlink_ack: an NLMSG_ERROR carrying the error and the request's header — and, for an
    error without NETLINK_CAP_ACK, the request's payload too (else NLM_F_CAPPED); with
    NETLINK_EXT_ACK on, the handler's message as NLMSGERR_ATTR_MSG (NLM_F_ACK_TLVS).
    DIVERGENCE(#10): no NLMSGERR_ATTR_OFFS (the offending attribute) is given."""
    length = NLMSGHDR.unpack_from(data, off)[0]
    flags = 0
    if err and not sk.flags & NETLINK_F_CAP_ACK:
        echo = bytes(data[off:off + length])
    else:
        echo = bytes(data[off:off + NLMSG_HDRLEN])
        flags |= NLM_F_CAPPED
    tlvs = bytearray()
    if sk.flags & NETLINK_F_EXT_ACK and extack._msg:
        nla_put(tlvs, NLMSGERR_ATTR_MSG, extack._msg.encode() + b"\0")
        flags |= NLM_F_ACK_TLVS
    seq = NLMSGHDR.unpack_from(data, off)[3]
    return nlmsg_put(NLMSG_ERROR, sk.portid, seq, flags,
                     NLMSGERR_INT.pack(err) + echo + bytes(tlvs))


def netlink_dump_done_extack(done: bytes, text: str) -> bytes:
    """netlink_dump: the NLMSG_DONE of a failed dump carries the handler's message
    (NLMSGERR_ATTR_MSG, NLM_F_ACK_TLVS) when NETLINK_EXT_ACK is on."""
    length, msgtype, flags, seq, portid = NLMSGHDR.unpack_from(done, 0)
    payload = bytearray(done[NLMSG_HDRLEN:length])
    nla_put(payload, NLMSGERR_ATTR_MSG, text.encode() + b"\0")
    return nlmsg_put(msgtype, portid, seq, flags | NLM_F_ACK_TLVS, bytes(payload))


def netlink_rcv_skb(sk: NetlinkSock, data) -> None:
    """netlink_rcv_skb: walk the messages of one datagram; a header that does not fit ends the
    walk silently. Requests of a data type go to rtnetlink; replies are queued in datagrams of
    at most NLMSG_GOODSIZE bytes, then the ack (on error or NLM_F_ACK; none after a dump)."""
    task = current()
    off, total = 0, len(data)
    while total - off >= NLMSG_HDRLEN:
        length, msgtype, flags, _seq, _pid = NLMSGHDR.unpack_from(data, off)
        if length < NLMSG_HDRLEN or length > total - off:
            return
        err = 0
        extack = netlink_ext_ack_begin()
        if flags & NLM_F_REQUEST and msgtype >= NLMSG_MIN_TYPE:
            try:
                err, replies = rtnetlink_rcv(task, sk.sk_net, data, off, off + length, sk.portid,
                                             strict=bool(sk.flags & NETLINK_F_STRICT_CHK))
            finally:
                netlink_ext_ack_end()
            if err == -E.EINTR:         # a dump: its buffers, as netlink_dump fills them
                if sk.flags & NETLINK_F_EXT_ACK and extack._msg:
                    replies[-1] = netlink_dump_done_extack(replies[-1], extack._msg)
                batch = b""
                for m in replies:
                    if batch and len(batch) + len(m) > NLMSG_GOODSIZE:
                        nl_queue(sk, batch)
                        batch = b""
                    batch += m
                if batch:
                    nl_queue(sk, batch)
            else:
                for m in replies:
                    netlink_unicast_kernel_reply(sk, m)
        if err != -E.EINTR and (flags & NLM_F_ACK or err):
            netlink_unicast_kernel_reply(sk, netlink_ack(sk, data, off, err, extack))
        off += min(NLMSG_ALIGN(length), total - off)


def netlink_sendmsg(sock, msg, len: int) -> int:
    """netlink_sendmsg: MSG_OOB is EOPNOTSUPP; an address must be a whole sockaddr_nl of
    AF_NETLINK (EINVAL), and a peer port or group needs NL_CFG_F_NONROOT_SEND or CAP_NET_ADMIN
    (EPERM); autobind; a message beyond sk_sndbuf - 32 is EMSGSIZE. A destination group gets it
    first (netlink_broadcast: every member but the sender and the unicast destination), then
    the kernel (port 0) or the user socket bound to the port (ECONNREFUSED when none)."""
    sk = sock.sk
    if msg.flags & MSG_OOB:
        return -E.EOPNOTSUPP
    if msg.name is not None and msg.namelen:
        if msg.namelen < SOCKADDR_NL_SIZE:
            return -E.EINVAL
        family, _pad, dst_portid, groups = SOCKADDR_NL.unpack_from(msg.name, 0)
        if family != AF_NETLINK:
            return -E.EINVAL
        dst_group = (groups & -groups).bit_length()
        if (dst_group or dst_portid) and not netlink_allowed(sock, NL_CFG_F_NONROOT_SEND):
            return -E.EPERM
    else:
        dst_portid, dst_group = sk.dst_portid, sk.dst_group
    if not sk.bound:
        err = netlink_autobind(sk)
        if err:
            return err
    if len > sk.sk_sndbuf - 32:
        return -E.EMSGSIZE
    data = bytes(msg.data[:len])
    if dst_group:
        netlink_broadcast(sk, sk.sk_net, data, dst_portid, dst_group, sk.sk_protocol,
                          sender_portid=sk.portid)
    if dst_portid:
        peer = sk.sk_net.nl_table.get((sk.sk_protocol, dst_portid))
        if peer is None:
            return -E.ECONNREFUSED
        nl_queue(peer, data, sk.portid)
        return len
    netlink_rcv_skb(sk, data)
    return len


def netlink_recvmsg(sock, msg, len: int, flags: int) -> int:
    """netlink_recvmsg: one datagram (MSG_OOB: EOPNOTSUPP; a pending ENOBUFS first); a short
    buffer gets the start and MSG_TRUNC, and MSG_TRUNC in `flags` returns the whole length; the
    sender's sockaddr_nl (port id — the kernel's is 0 — and the group it was sent to); with
    NETLINK_PKTINFO, an nl_pktinfo control message carrying that group; with
    NETLINK_LISTEN_ALL_NSID, the id of the namespace a broadcast came from when this one has
    one for it (netlink_cmsg_listen_all_nsid). Reading the queue empty ends a congestion
    (netlink_rcv_wake)."""
    if flags & MSG_OOB:
        return -E.EOPNOTSUPP
    sk = sock.sk
    skb = skb_recv_datagram(sk, flags, bool(flags & MSG_DONTWAIT))
    if isinstance(skb, int):
        netlink_rcv_wake(sk)
        return skb
    full = skb.len
    copied = full
    if len < copied:
        msg.flags |= MSG_TRUNC
        copied = len
    msg.data = bytes(skb.buf[skb.data:skb.data + copied])
    portid, group = skb.cb[:2] if skb.cb else (0, 0)
    if msg.want_name:
        msg.name = SOCKADDR_NL.pack(AF_NETLINK, 0, portid, netlink_group_mask(group))
    if sk.flags & NETLINK_F_RECV_PKTINFO:
        put_cmsg(msg, SOL_NETLINK, NETLINK_PKTINFO, NL_PKTINFO.pack(group))
    if sk.flags & NETLINK_F_LISTEN_ALL_NSID and skb.cb and skb.cb[2:]:
        put_cmsg(msg, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, INT.pack(skb.cb[2]))
    if not flags & MSG_PEEK:
        kfree_skb(skb)
    netlink_rcv_wake(sk)
    return full if flags & MSG_TRUNC else copied


def netlink_poll(sock) -> int:
    return datagram_poll(sock.sk)


def netlink_setsockopt(sock, level: int, optname: int, optval, optlen: int) -> int:
    """netlink_setsockopt: SOL_NETLINK only (ENOPROTOOPT). The value is an int copied only when
    optlen holds one (a fault: EFAULT) — a shorter value counts as 0, it is not an error.
    Memberships need NL_CFG_F_NONROOT_RECV or CAP_NET_ADMIN (EPERM), a group from 1 to the
    protocol's count (EINVAL) that the protocol's bind hook accepts; NETLINK_LISTEN_ALL_NSID
    needs CAP_NET_BROADCAST (EPERM); NETLINK_NO_ENOBUFS on ends a congestion; the other flag
    options set or clear their flag. Unknown options (the removed rings among them):
    ENOPROTOOPT."""
    if level != SOL_NETLINK:
        return -E.ENOPROTOOPT
    # the int is copied only when optlen holds one (a fault: EFAULT); else there is no value
    optval = copy_from_sockptr(optval, INT.size) if optlen >= INT.size else b""
    if isinstance(optval, int):
        return optval
    sk = sock.sk
    val = INT.unpack_from(optval, 0)[0] & 0xFFFFFFFF if len(optval) >= INT.size else 0
    if optname in (NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP):
        if not netlink_allowed(sock, NL_CFG_F_NONROOT_RECV):
            return -E.EPERM
        netlink_realloc_groups(sk)
        if not val or val - 1 >= sk.ngroups:
            return -E.EINVAL
        bind = NL_TABLE[sk.sk_protocol].bind
        if optname == NETLINK_ADD_MEMBERSHIP:
            if bind is not None:
                err = bind(sk.sk_net, val)
                if err:
                    return err
            sk.groups |= 1 << (val - 1)
        else:
            sk.groups &= ~(1 << (val - 1))
        netlink_update_subscriptions(sk)
        return 0
    flag = _FLAG_OPTS.get(optname)
    if flag is None:
        return -E.ENOPROTOOPT
    if optname == NETLINK_LISTEN_ALL_NSID and not ns_capable(CAP_NET_BROADCAST):
        return -E.EPERM
    if val:
        sk.flags |= flag
        if optname == NETLINK_NO_ENOBUFS:
            sk.congested = False
            sk_data_ready(sk)
    else:
        sk.flags &= ~flag
    return 0


def netlink_getsockopt(sock, level: int, optname: int, optlen: int, optval: bytes = b""):
    """netlink_getsockopt: SOL_NETLINK only (ENOPROTOOPT); a negative optlen is EINVAL. The
    flag options answer an int (a shorter buffer is EINVAL) — but NETLINK_LISTEN_ALL_NSID,
    which 5.15 only sets (ENOPROTOOPT; readable since 6.9). NETLINK_LIST_MEMBERSHIPS writes
    the group bitmap as u32 words while they fit and reports ALIGN(ngroups / 8, 4) bytes
    (5.15 rounds the bit count down: 34 groups report 4 bytes)."""
    if level != SOL_NETLINK:
        return -E.ENOPROTOOPT
    if optlen < 0:
        return -E.EINVAL
    sk = sock.sk
    if optname == NETLINK_LIST_MEMBERSHIPS:
        out = bytearray(optval[:optlen].ljust(optlen, b"\0"))
        pos = 0
        while pos * 8 < sk.ngroups and optlen - pos >= 4:
            out[pos:pos + 4] = (sk.groups >> (pos * 8) & 0xFFFFFFFF).to_bytes(4, "little")
            pos += 4
        reported = (sk.ngroups // 8 + 3) & ~3
        # DIVERGENCE(#10): a reported length beyond the caller's buffer is cut to the buffer
        return bytes(out[:min(reported, optlen)])
    flag = _FLAG_OPTS.get(optname)
    if flag is None or optname == NETLINK_LISTEN_ALL_NSID:     # 5.15 cannot read that one back
        return -E.ENOPROTOOPT
    if optlen < INT.size:
        return -E.EINVAL
    return INT.pack(1 if sk.flags & flag else 0)


def _no_op(err: int):
    def op(*args, **kwargs):
        return -err
    return op


NETLINK_OPS = ProtoOps(
    family=AF_NETLINK, release=netlink_release, bind=netlink_bind, connect=netlink_connect,
    socketpair=_no_op(E.EOPNOTSUPP), accept=_no_op(E.EOPNOTSUPP), getname=netlink_getname,
    poll=netlink_poll, ioctl=None, gettstamp=None, listen=_no_op(E.EOPNOTSUPP),
    shutdown=_no_op(E.EOPNOTSUPP), setsockopt=netlink_setsockopt,
    getsockopt=netlink_getsockopt, sendmsg=netlink_sendmsg, recvmsg=netlink_recvmsg,
    mmap=_no_op(E.ENODEV))

NETLINK_FAMILY_OPS = NetProtoFamily(AF_NETLINK, netlink_create)


class NetlinkKernelSock:
    """A protocol's kernel socket in one namespace (netlink_kernel_create): the port-0 end that
    requests go to and that multicasts the kernel's notifications."""
    __slots__ = ("net", "protocol")

    def __init__(self, net, protocol: int):
        self.net = net
        self.protocol = protocol

    def broadcast(self, data: bytes, portid: int, group: int) -> int:
        """nlmsg_multicast from this socket: netlink_broadcast, -ESRCH (nobody listens) is 0."""
        err = netlink_broadcast(None, self.net, data, portid, group, self.protocol)
        return 0 if err == -E.ESRCH else err


def netlink_kernel_create(net, protocol: int = NETLINK_ROUTE) -> NetlinkKernelSock:
    return NetlinkKernelSock(net, protocol)


def netlink_proto_init(core) -> None:
    """netlink_proto_init: register the family, then rtnetlink_init (NETLINK_ROUTE's kernel
    socket in every namespace, its netdevice notifier)."""
    core.net_families[AF_NETLINK] = NETLINK_FAMILY_OPS
    rtnetlink_init(core, netlink_kernel_create)
