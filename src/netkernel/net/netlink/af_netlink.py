"""AF_NETLINK sockets (net/netlink/af_netlink.c), with the one protocol the model serves:
NETLINK_ROUTE, whose requests go to net/core/rtnetlink.py.

A socket is bound to a port id (nl_pid): the caller's choice, or on first use the task's pid
(netlink_autobind; when that is taken, negative ids from -4096 down). A request sent to the
kernel (nl_pid 0) is taken apart message by message (netlink_rcv_skb): each request with
NLM_F_REQUEST goes to rtnetlink_rcv, its replies are queued on the socket, then an NLMSG_ERROR
acknowledgement when the request failed or asked for one (NLM_F_ACK). Replies are datagrams
received in order (MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT; blocking on the socket's wait queue).

DIVERGENCE(#10): a dump is produced whole when requested (Linux fills one buffer at send time
and the next ones as the reader drains the queue) and its messages are packed into datagrams
of NLMSG_GOODSIZE bytes; the receive buffer does not limit replies (no ENOBUFS). Multicast
groups are accepted and reported but no notifications are sent. Only NETLINK_ROUTE exists
(other protocols are EPROTONOSUPPORT, as on a kernel built without them).
"""
from __future__ import annotations

LINUX_SOURCE = "net/netlink/af_netlink.c"
MODEL_HELPERS = ("nl_queue",)   # not kernel functions (netkernel.trace)

from netkernel.include.net.sock import skb_set_owner_r
from netkernel.kernel.sched import current
from netkernel.net.core.datagram import datagram_poll, skb_recv_datagram
from netkernel.include.linux.netlink import (NetlinkExtAck, netlink_ext_ack_begin,
                                             netlink_ext_ack_end)
from netkernel.net.core.rtnetlink import nla_put, nlmsg_put, rtnetlink_rcv
from netkernel.net.core.skbuff import SkBuff, kfree_skb
from netkernel.net.core.sock import NetProtoFamily, ProtoOps, Sock, sk_data_ready, sk_error_report
from netkernel.uapi import errno as E
from netkernel.uapi.netlink import (MAX_LINKS, NETLINK_ADD_MEMBERSHIP, NETLINK_BROADCAST_ERROR,
                                    NETLINK_CAP_ACK, NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK,
                                    NETLINK_GET_STRICT_CHK, NETLINK_LISTEN_ALL_NSID,
                                    NETLINK_NO_ENOBUFS, NETLINK_PKTINFO, NETLINK_ROUTE,
                                    NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_REQUEST,
                                    NLMSG_ALIGN, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_MIN_TYPE,
                                    NLMSGERR_ATTR_MSG, NLMSGERR_INT, NLMSGHDR, SOCKADDR_NL,
                                    SOCKADDR_NL_SIZE, SOL_NETLINK)
from netkernel.uapi.socket import (AF_NETLINK, AF_UNSPEC, INT, MSG_CMSG_COMPAT, MSG_DONTWAIT,
                                   MSG_ERRQUEUE, MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
                                   SOCK_DGRAM, SOCK_RAW)

# NLMSG_GOODSIZE on 4 KiB pages: SKB_WITH_OVERHEAD(PAGE_SIZE) capped at 8192
NLMSG_GOODSIZE = 3776
# option number → the flag it sets in nlk->flags
_FLAG_OPTS = {NETLINK_PKTINFO: 0x1, NETLINK_BROADCAST_ERROR: 0x2, NETLINK_NO_ENOBUFS: 0x4,
              NETLINK_LISTEN_ALL_NSID: 0x8, NETLINK_CAP_ACK: 0x10, NETLINK_EXT_ACK: 0x20,
              NETLINK_GET_STRICT_CHK: 0x40}
NETLINK_F_CAP_ACK = 0x10
NETLINK_F_EXT_ACK = 0x20


class NetlinkSock(Sock):
    """struct netlink_sock: port id, destination, groups, option flags."""
    __slots__ = ("portid", "dst_portid", "dst_group", "groups", "flags", "bound")

    def __init__(self, net, type: int, protocol: int, lock):
        super().__init__(net, AF_NETLINK, type, lock)
        self.sk_protocol = protocol
        self.portid = 0
        self.dst_portid = 0
        self.dst_group = 0
        self.groups = 0
        self.flags = 0
        self.bound = False


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
    """netlink_release: leave the port table, drop what is queued, wake sleepers."""
    sk = sock.sk
    if sk is None:
        return 0
    if sk.bound:
        sk.sk_net.nl_table.pop((sk.sk_protocol, sk.portid), None)
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
    """netlink_bind: a whole sockaddr_nl of family AF_NETLINK (EINVAL); a bound socket keeps
    its port id (another one is EINVAL); nl_pid 0 autobinds."""
    if addr_len < SOCKADDR_NL_SIZE:
        return -E.EINVAL
    family, _pad, pid, groups = SOCKADDR_NL.unpack_from(uaddr, 0)
    if family != AF_NETLINK:
        return -E.EINVAL
    sk = sock.sk
    if sk.bound and pid != sk.portid:
        return -E.EINVAL
    if not sk.bound:
        err = netlink_insert(sk, pid) if pid else netlink_autobind(sk)
        if err:
            return err
    sk.groups = groups
    return 0


def netlink_connect(sock, uaddr: bytes, addr_len: int) -> int:
    """netlink_connect: AF_UNSPEC disconnects; else set the default destination (autobinding)."""
    sk = sock.sk
    if addr_len < 2:
        return -E.EINVAL
    family = SOCKADDR_NL.unpack_from(uaddr, 0)[0]
    if family == AF_UNSPEC:
        sk.dst_portid = sk.dst_group = 0
        return 0
    if family != AF_NETLINK or addr_len < SOCKADDR_NL_SIZE:
        return -E.EINVAL
    _f, _pad, pid, groups = SOCKADDR_NL.unpack_from(uaddr, 0)
    if not sk.bound:
        err = netlink_autobind(sk)
        if err:
            return err
    sk.dst_portid = pid
    sk.dst_group = (groups & -groups).bit_length()
    return 0


def netlink_getname(sock, peer: bool) -> bytes:
    """netlink_getname: family, port id and groups (the peer: the default destination)."""
    sk = sock.sk
    if peer:
        return SOCKADDR_NL.pack(AF_NETLINK, 0, sk.dst_portid,
                                (1 << (sk.dst_group - 1)) if sk.dst_group else 0)
    return SOCKADDR_NL.pack(AF_NETLINK, 0, sk.portid, sk.groups)


def nl_queue(sk: NetlinkSock, data: bytes) -> None:
    """Queue one datagram for the socket's reader (__netlink_sendskb) and wake it."""
    skb = SkBuff(bytearray(data), sk.sk_net.core.profile.head_truesize(len(data)))
    skb.tail = len(data)
    skb_set_owner_r(skb, sk)
    sk.sk_receive_queue.append(skb)
    sk_data_ready(sk)


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
                strict = bool(sk.flags & _FLAG_OPTS[NETLINK_GET_STRICT_CHK])
                err, replies = rtnetlink_rcv(task, sk.sk_net, data, off, off + length, sk.portid,
                                             strict=strict)
            finally:
                netlink_ext_ack_end()
            batch = b""
            for m in replies:
                if batch and len(batch) + len(m) > NLMSG_GOODSIZE:
                    nl_queue(sk, batch)
                    batch = b""
                batch += m
            if batch:
                nl_queue(sk, batch)
        if err != -E.EINTR and (flags & NLM_F_ACK or err):
            nl_queue(sk, netlink_ack(sk, data, off, err, extack))
        off += min(NLMSG_ALIGN(length), total - off)


def netlink_sendmsg(sock, msg, len: int) -> int:
    """netlink_sendmsg: MSG_OOB is EOPNOTSUPP; an address must be a whole sockaddr_nl of
    AF_NETLINK (EINVAL); autobind; a message beyond sk_sndbuf - 32 is EMSGSIZE; then to the
    kernel (port 0) or the user socket bound to the port (ECONNREFUSED when none)."""
    sk = sock.sk
    if msg.flags & MSG_OOB:
        return -E.EOPNOTSUPP
    if msg.name is not None and msg.namelen:
        if msg.namelen < SOCKADDR_NL_SIZE:
            return -E.EINVAL
        family, _pad, dst_portid, _groups = SOCKADDR_NL.unpack_from(msg.name, 0)
        if family != AF_NETLINK:
            return -E.EINVAL
    else:
        dst_portid = sk.dst_portid
    if not sk.bound:
        err = netlink_autobind(sk)
        if err:
            return err
    if len > sk.sk_sndbuf - 32:
        return -E.EMSGSIZE
    data = bytes(msg.data[:len])
    if dst_portid:
        peer = sk.sk_net.nl_table.get((sk.sk_protocol, dst_portid))
        if peer is None:
            return -E.ECONNREFUSED
        nl_queue(peer, data)
        return len
    netlink_rcv_skb(sk, data)
    return len


def netlink_recvmsg(sock, msg, len: int, flags: int) -> int:
    """netlink_recvmsg: one datagram (MSG_OOB: EOPNOTSUPP); a short buffer gets the start and
    MSG_TRUNC, and MSG_TRUNC in `flags` returns the whole length; the sender's sockaddr_nl
    (the kernel: port 0)."""
    if flags & MSG_OOB:
        return -E.EOPNOTSUPP
    sk = sock.sk
    skb = skb_recv_datagram(sk, flags, bool(flags & MSG_DONTWAIT))
    if isinstance(skb, int):
        return skb
    full = skb.len
    copied = full
    if len < copied:
        msg.flags |= MSG_TRUNC
        copied = len
    msg.data = bytes(skb.buf[skb.data:skb.data + copied])
    if msg.want_name:
        msg.name = SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 0)
    if not flags & MSG_PEEK:
        kfree_skb(skb)
    return full if flags & MSG_TRUNC else copied


def netlink_poll(sock) -> int:
    return datagram_poll(sock.sk)


def netlink_setsockopt(sock, level: int, optname: int, optval: bytes) -> int:
    """netlink_setsockopt: SOL_NETLINK only (ENOPROTOOPT); an int at least (EINVAL); the flag
    options set or clear their flag; memberships are recorded (no notifications are sent)."""
    if level != SOL_NETLINK:
        return -E.ENOPROTOOPT
    sk = sock.sk
    if optname in _FLAG_OPTS or optname in (NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP):
        if len(optval) < INT.size:
            return -E.EINVAL
        val = INT.unpack_from(optval, 0)[0]
        if optname in _FLAG_OPTS:
            if val:
                sk.flags |= _FLAG_OPTS[optname]
            else:
                sk.flags &= ~_FLAG_OPTS[optname]
        elif 0 < val <= 32:
            bit = 1 << (val - 1)
            sk.groups = sk.groups | bit if optname == NETLINK_ADD_MEMBERSHIP else sk.groups & ~bit
        return 0
    return -E.ENOPROTOOPT


def netlink_getsockopt(sock, level: int, optname: int, optlen: int, optval: bytes = b""):
    """netlink_getsockopt: the flag options as an int (a shorter buffer is EINVAL)."""
    if level != SOL_NETLINK:
        return -E.ENOPROTOOPT
    if optname not in _FLAG_OPTS:
        return -E.ENOPROTOOPT
    if optlen < INT.size:
        return -E.EINVAL
    return INT.pack(1 if sock.sk.flags & _FLAG_OPTS[optname] else 0)


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


def netlink_proto_init(core) -> None:
    """netlink_proto_init: register the family."""
    core.net_families[AF_NETLINK] = NETLINK_FAMILY_OPS
