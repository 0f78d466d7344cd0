"""AF_NETLINK / NETLINK_ROUTE (net/netlink/af_netlink.py, net/core/rtnetlink.py): the socket
calls, RTM_GETLINK dumps and lookups attribute by attribute, acks and errors — and the same
dump of a veth pair taken from the real kernel in a fresh namespace."""
import errno
import socket
import struct

import pytest

import netkernel
from netkernel.uapi.netlink import (NLM_F_ACK, NLM_F_CAPPED, NLM_F_CREATE, NLM_F_DUMP,
                                    NLM_F_EXCL, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE,
                                    NLMSG_ERROR, NLMSGHDR, SOCKADDR_NL)
from netkernel.uapi.rtnetlink import (IFINFOMSG, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_CARRIER,
                                      IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK,
                                      IFLA_LINKINFO, IFLA_LINKMODE, IFLA_MAX_MTU, IFLA_MIN_MTU,
                                      IFLA_MTU, IFLA_OPERSTATE, IFLA_PROMISCUITY, IFLA_QDISC,
                                      IFLA_STATS64, IFLA_TXQLEN, IFLA_GROUP, RTM_DELLINK,
                                      RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK,
                                      VETH_INFO_PEER)
from tests import realkernel

AF_NETLINK, NETLINK_ROUTE = 16, 0
KERNEL = SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 0)


def nla(t: int, payload: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(payload), t) + payload + b"\0" * (-len(payload) % 4)


def request(msgtype: int, flags: int, seq: int, body: bytes) -> bytes:
    return NLMSGHDR.pack(16 + len(body), msgtype, flags, seq, 0) + body


def ifinfo(index=0, flags=0, change=0, *attrs) -> bytes:
    return IFINFOMSG.pack(0, 0, index, flags, change) + b"".join(attrs)


def messages(data: bytes):
    """(type, flags, seq, pid, payload) of each message in a datagram."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, t, f, s, p = NLMSGHDR.unpack_from(data, off)
        out.append((t, f, s, p, data[off + 16:off + ln]))
        off += (ln + 3) & ~3
    return out


def attrs(payload: bytes, start: int) -> dict:
    d, off = {}, start
    while off + 4 <= len(payload):
        ln, t = struct.unpack_from("=HH", payload, off)
        d[t & 0x3FFF] = payload[off + 4:off + ln]
        off += (ln + 3) & ~3
    return d


def link(payload: bytes) -> dict:
    """A RTM_NEWLINK payload as comparable fields."""
    _f, ifi_type, index, flags, _change = IFINFOMSG.unpack_from(payload, 0)
    a = attrs(payload, IFINFOMSG.size)
    u32 = lambda t: struct.unpack("=I", a[t])[0]
    info = attrs(a[IFLA_LINKINFO], 0) if IFLA_LINKINFO in a else {}
    return {"type": ifi_type, "index": index, "flags": flags,
            "name": a[IFLA_IFNAME], "mtu": u32(IFLA_MTU), "min_mtu": u32(IFLA_MIN_MTU),
            "max_mtu": u32(IFLA_MAX_MTU), "txqlen": u32(IFLA_TXQLEN),
            "operstate": a[IFLA_OPERSTATE], "linkmode": a[IFLA_LINKMODE],
            "carrier": a[IFLA_CARRIER], "address": a.get(IFLA_ADDRESS),
            "broadcast": a.get(IFLA_BROADCAST), "link": a.get(IFLA_LINK), "qdisc": a[IFLA_QDISC],
            "promiscuity": u32(IFLA_PROMISCUITY), "group": u32(IFLA_GROUP),
            "kind": info.get(IFLA_INFO_KIND), "stats64": a[IFLA_STATS64][:192]}


def recv_all(recv) -> list:
    """Datagrams until NLMSG_DONE or NLMSG_ERROR, as messages."""
    out = []
    while True:
        msgs = messages(recv())
        out += msgs
        if msgs[-1][0] in (NLMSG_DONE, NLMSG_ERROR):
            return out


def _machine():
    k = netkernel.Kernel(seed=3)
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address="02:00:00:00:00:01", up=True)
    k.link_set("veth1", address="02:00:00:00:00:02", up=True)
    return k


def _nl(k):
    fd = k.sys_socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    k.sys_bind(fd, SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 0))
    return fd


def test_socket_types_and_protocols():
    k = netkernel.Kernel()
    for typ, proto, err in ((socket.SOCK_STREAM, 0, errno.ESOCKTNOSUPPORT),
                            (socket.SOCK_RAW, 16, errno.EPROTONOSUPPORT),
                            (socket.SOCK_RAW, 32, errno.EPROTONOSUPPORT)):
        with pytest.raises(OSError) as e:
            k.sys_socket(AF_NETLINK, typ, proto)
        assert e.value.errno == err
    assert k.sys_socket(AF_NETLINK, socket.SOCK_DGRAM, NETLINK_ROUTE) >= 0


def test_autobind_gives_the_pid_then_negative_ids():
    k = netkernel.Kernel()
    a, b = _nl(k), _nl(k)
    pa = SOCKADDR_NL.unpack(k.sys_getsockname(a))[2]
    pb = SOCKADDR_NL.unpack(k.sys_getsockname(b))[2]
    assert pa == k._task.pid == 1                     # task_tgid_vnr of the first socket
    assert pb == (-4096) & 0xFFFFFFFF
    with pytest.raises(OSError) as e:                # bound: another port id is EINVAL
        k.sys_bind(a, SOCKADDR_NL.pack(AF_NETLINK, 0, 77, 0))
    assert e.value.errno == errno.EINVAL
    c = k.sys_socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    with pytest.raises(OSError) as e:                # taken
        k.sys_bind(c, SOCKADDR_NL.pack(AF_NETLINK, 0, pa, 0))
    assert e.value.errno == errno.EADDRINUSE
    with pytest.raises(OSError) as e:
        k.sys_bind(c, SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 0)[:8])
    assert e.value.errno == errno.EINVAL


def test_getlink_dump_attribute_by_attribute():
    k = _machine()
    fd = _nl(k)
    portid = SOCKADDR_NL.unpack(k.sys_getsockname(fd))[2]
    k.sys_sendto(fd, request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 9, ifinfo()), 0, KERNEL)
    msgs = recv_all(lambda: k.sys_recvfrom(fd, 32768, 0)[1])
    assert [(t, f, s, p) for t, f, s, p, _ in msgs] == \
        [(RTM_NEWLINK, NLM_F_MULTI, 9, portid)] * 3 + [(NLMSG_DONE, NLM_F_MULTI, 9, portid)]
    lo, v1, v0 = (link(m[4]) for m in msgs[:3])
    assert (lo["index"], lo["name"], lo["mtu"], lo["qdisc"], lo["link"], lo["kind"]) == \
        (1, b"lo\0", 65536, b"noqueue\0", None, None)
    assert v0["name"] == b"veth0\0" and v0["address"] == bytes.fromhex("020000000001")
    assert v0["broadcast"] == b"\xff" * 6 and v0["kind"] == b"veth\0"
    assert struct.unpack("=I", v0["link"])[0] == v1["index"] == 2
    assert v0["operstate"] == b"\x06" and v0["carrier"] == b"\x01"
    assert (v0["min_mtu"], v0["max_mtu"], v0["txqlen"]) == (68, 65535, 1000)


def test_getlink_by_name_index_and_errors():
    k = _machine()
    fd = _nl(k)
    k.sys_sendto(fd, request(RTM_GETLINK, NLM_F_REQUEST, 1, ifinfo(0, 0, 0,
                 nla(IFLA_IFNAME, b"veth1\0"))), 0, KERNEL)
    (t, f, s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert (t, f, s, link(payload)["index"]) == (RTM_NEWLINK, 0, 1, 2)
    for body, err in ((ifinfo(9), -errno.ENODEV), (ifinfo(), -errno.EINVAL),
                      (ifinfo()[:8], -errno.EINVAL),
                      (ifinfo(0, 0, 0, nla(IFLA_IFNAME, b"x" * 16)), -errno.ERANGE)):
        req = request(RTM_GETLINK, NLM_F_REQUEST, 2, body)
        k.sys_sendto(fd, req, 0, KERNEL)
        (t, f, s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
        assert (t, f, s) == (NLMSG_ERROR, 0, 2)
        assert struct.unpack_from("=i", payload)[0] == err
        assert payload[4:] == req                       # the whole request comes back
    # unknown type in range: EOPNOTSUPP; a non-request is ignored; a short header ends the walk
    k.sys_sendto(fd, request(99, NLM_F_REQUEST, 3, ifinfo()), 0, KERNEL)
    assert struct.unpack_from("=i", messages(k.sys_recvfrom(fd, 8192, 0)[1])[0][4])[0] == \
        -errno.EOPNOTSUPP
    k.sys_sendto(fd, request(RTM_GETLINK, 0, 4, ifinfo(1)) + b"\0" * 8, 0, KERNEL)
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 8192, socket.MSG_DONTWAIT)


def test_newlink_dellink_ack_through_the_one_path():
    k = netkernel.Kernel()
    fd = _nl(k)
    peer = nla(VETH_INFO_PEER, ifinfo() + nla(IFLA_IFNAME, b"b1\0"))
    li = nla(IFLA_LINKINFO, nla(IFLA_INFO_KIND, b"veth\0") + nla(IFLA_INFO_DATA, peer))
    req = request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 5,
                  ifinfo(0, 0, 0, nla(IFLA_IFNAME, b"a1\0"), nla(IFLA_MTU, struct.pack("=I", 9000)), li))
    k.sys_sendto(fd, req, 0, KERNEL)
    (t, f, s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert (t, f, s, payload) == (NLMSG_ERROR, NLM_F_CAPPED, 5, struct.pack("=i", 0) + req[:16])
    assert [n for _, n in k.if_nameindex()] == ["lo", "b1", "a1"]
    assert [(d["name"], d["mtu"], d["peer"]) for d in k.links()[1:]] == \
        [("b1", 1500, "a1"), ("a1", 9000, "b1")]
    k.sys_sendto(fd, req, 0, KERNEL)                  # again: EEXIST, nothing changes
    payload = messages(k.sys_recvfrom(fd, 8192, 0)[1])[0][4]
    assert struct.unpack_from("=i", payload)[0] == -errno.EEXIST
    k.sys_sendto(fd, request(RTM_DELLINK, NLM_F_REQUEST, 6, ifinfo(0, 0, 0,
                 nla(IFLA_IFNAME, b"a1\0"))), 0, KERNEL)  # no ACK asked, success: silence
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 8192, socket.MSG_DONTWAIT)
    assert [n for _, n in k.if_nameindex()] == ["lo"]


def test_recv_peek_trunc_and_getaddr_dump():
    """An RTM_GETADDR dump (AF_UNSPEC: every family) of a fresh machine: lo's 127.0.0.1 and ::1
    then NLMSG_DONE in one datagram; MSG_PEEK|MSG_TRUNC tells its length, a short read
    truncates and consumes it."""
    k = _machine()
    fd = _nl(k)
    k.sys_sendto(fd, request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 8, b"\0\0\0\0"), 0, KERNEL)
    n, data, addr = k.sys_recvfrom(fd, 0, socket.MSG_PEEK | socket.MSG_TRUNC)
    assert (data, addr) == (b"", KERNEL)
    full = k.sys_recvfrom(fd, 8192, socket.MSG_PEEK)[1]
    assert len(full) == n
    msgs = messages(full)
    assert [(m[0], m[4][:2]) for m in msgs[:-1]] == [(RTM_NEWADDR, bytes([2, 8])),
                                                     (RTM_NEWADDR, bytes([10, 128]))]
    assert msgs[-1][0] == NLMSG_DONE
    n2, data, _ = k.sys_recvfrom(fd, 4, 0)            # truncated, and consumed
    assert (n2, data) == (4, struct.pack("=I", 16 + len(msgs[0][4])))   # nlmsg_len
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 8192, socket.MSG_DONTWAIT)


@pytest.mark.skipif(not realkernel.available()[0], reason="needs a real network namespace")
def test_getlink_dump_matches_the_real_kernel():
    """The RTM_GETLINK dump of an up veth pair with set addresses: the same links with the same
    attributes (those the model has) as Linux's, in a fresh namespace."""
    k = _machine()
    fd = _nl(k)
    req = request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, ifinfo())
    k.sys_sendto(fd, req, 0, KERNEL)
    model = [link(m[4]) for m in recv_all(lambda: k.sys_recvfrom(fd, 32768, 0)[1])[:-1]]
    with realkernel.RealNetns() as ns:
        ns.ip("link", "set", "lo", "up")
        ns.add_veth("veth0", "veth1")
        ns.link_set("veth0", address="02:00:00:00:00:01")
        ns.link_set("veth1", address="02:00:00:00:00:02")
        ns.link_set("veth0", up=True)
        ns.link_set("veth1", up=True)
        ns.wait_operstate(["veth0", "veth1"])
        s = ns.socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        s.sendto(req, (0, 0))
        real = [link(m[4]) for m in recv_all(lambda: s.recv(32768)) if m[0] == RTM_NEWLINK]
    for d in model + real:            # the real pair counts IPv6 chatter; lo's counters are 0
        d.pop("stats64")
    assert model == real


def test_extended_ack_message_only_when_asked():
    """NETLINK_EXT_ACK on: the error carries NLMSGERR_ATTR_MSG after the echoed request
    (NLM_F_ACK_TLVS); off: no attributes."""
    from netkernel.uapi.netlink import NETLINK_EXT_ACK, NLM_F_ACK_TLVS, SOL_NETLINK
    k = _machine()
    fd = _nl(k)
    req = request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 4, ifinfo(
        0, 0, 0, nla(IFLA_IFNAME, b"veth0\0"), nla(IFLA_MTU, struct.pack("=I", 70000))))
    k.sys_sendto(fd, req, 0, KERNEL)
    (t, f, _s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert (t, f, payload) == (NLMSG_ERROR, 0, struct.pack("=i", -errno.EINVAL) + req)
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, struct.pack("=i", 1))
    assert k.sys_getsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 4) == struct.pack("=i", 1)
    k.sys_sendto(fd, req, 0, KERNEL)
    (t, f, _s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert f == NLM_F_ACK_TLVS and payload[4:4 + len(req)] == req
    assert attrs(payload, 4 + len(req)) == {1: b"mtu greater than device maximum\0"}
    assert k.links()[2]["mtu"] == 1500


# ---------------------------------------------------------------- multicast and notifications

def _member(k, groups=1):
    fd = k.sys_socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    k.sys_bind(fd, SOCKADDR_NL.pack(AF_NETLINK, 0, 0, groups))
    return fd


def _queued(k, fd):
    out = []
    while True:
        try:
            out += messages(k.sys_recvfrom(fd, 65536, socket.MSG_DONTWAIT)[1])
        except BlockingIOError:
            return out


def test_link_changes_reach_rtnlgrp_link_members_only():
    """RTM_NEWLINK (ifi_change as the change) for an MTU change, the up/down of a device and the
    carrier it gives its peer; RTM_DELLINK on deletion; nothing for a socket outside the
    group."""
    k = _machine()
    member, outsider = _member(k), _member(k, 0)
    k.link_set("veth0", mtu=1400)
    k.link_set("veth1", up=False)
    k.link_del("veth0")
    got = [(t, IFINFOMSG.unpack_from(p)[2], IFINFOMSG.unpack_from(p)[4])
           for t, _f, _s, _p, p in _queued(k, member)]
    assert got == [(RTM_NEWLINK, 3, 0), (RTM_NEWLINK, 2, 1), (RTM_NEWLINK, 3, 0),
                   (RTM_NEWLINK, 3, 0x41), (RTM_DELLINK, 3, 0xFFFFFFFF),
                   (RTM_DELLINK, 2, 0xFFFFFFFF)]
    assert _queued(k, outsider) == []


def test_a_blocked_receive_is_woken_by_a_notification():
    """A member blocked in recv (SO_RCVTIMEO as a watchdog) wakes with the notification a link
    change on another thread sends."""
    import threading
    k = _machine()
    fd = _member(k)
    k.sys_setsockopt(fd, socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("=qq", 10, 0))
    got = []
    t = threading.Thread(target=lambda: got.append(k.sys_recvfrom(fd, 65536, 0)[1]))
    t.start()
    k.link_set("veth0", mtu=1300)
    t.join(15)
    assert not t.is_alive()
    (t_, _f, _s, _p, payload), = messages(got[0])
    assert t_ == RTM_NEWLINK and attrs(payload, IFINFOMSG.size)[4] == struct.pack("=I", 1300)


def test_overrun_reports_enobufs_once_per_congestion():
    """A full receive buffer: the next receive fails with ENOBUFS, the queued messages follow,
    and poll shows POLLERR meanwhile; with NETLINK_NO_ENOBUFS the loss is silent."""
    from netkernel.uapi.netlink import NETLINK_NO_ENOBUFS, SOL_NETLINK
    k = _machine()
    quiet = _member(k)
    loud = _member(k)
    for fd in (quiet, loud):
        k.sys_setsockopt(fd, socket.SOL_SOCKET, socket.SO_RCVBUF, struct.pack("=i", 1))
    k.sys_setsockopt(quiet, SOL_NETLINK, NETLINK_NO_ENOBUFS, struct.pack("=i", 1))
    for mtu in range(1300, 1306):
        k.link_set("veth0", mtu=mtu)
    assert k.poll([(loud, 1)], 0) == [(loud, 1 | 8)]
    with pytest.raises(OSError) as e:
        k.sys_recvfrom(loud, 65536, socket.MSG_DONTWAIT)
    assert e.value.errno == errno.ENOBUFS
    assert len(_queued(k, loud)) == len(_queued(k, quiet)) == 2   # 5.15: one beyond the buffer


def test_setsockopt_values_as_5_15_reads_them():
    """A value shorter than an int is 0 (no error): a flag is cleared, a membership is EINVAL;
    LIST_MEMBERSHIPS reports ALIGN(34 / 8, 4) bytes; LISTEN_ALL_NSID cannot be read back."""
    from netkernel.uapi.netlink import (NETLINK_ADD_MEMBERSHIP, NETLINK_LIST_MEMBERSHIPS,
                                        NETLINK_LISTEN_ALL_NSID, NETLINK_PKTINFO, SOL_NETLINK)
    k = netkernel.Kernel()
    fd = _nl(k)
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, struct.pack("=i", 1))
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, b"\x01")
    assert k.sys_getsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, 4) == struct.pack("=i", 0)
    assert k.sys_getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 8) == b""  # no groups yet
    with pytest.raises(OSError) as e:
        k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, b"\x01")
    assert e.value.errno == errno.EINVAL
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, struct.pack("=i", 34))
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, struct.pack("=i", 2))
    assert k.sys_getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 8) == struct.pack("=I", 2)
    k.sys_setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, struct.pack("=i", 1))
    with pytest.raises(OSError) as e:
        k.sys_getsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 4)
    assert e.value.errno == errno.ENOPROTOOPT


def test_getnsid_answers_not_assigned_for_a_descriptor():
    """RTM_GETNSID by NETNSA_FD: RTM_NEWNSID with NETNSA_NSID -1 (no id); without a reference,
    EINVAL."""
    k = netkernel.Kernel()
    fd = _nl(k)
    k.sys_sendto(fd, request(90, NLM_F_REQUEST, 3, b"\0\0\0\0" + nla(3, struct.pack("=I", 7))),
                 0, KERNEL)
    (t, _f, s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert (t, s, attrs(payload, 4)) == (88, 3, {1: struct.pack("=i", -1)})
    k.sys_sendto(fd, request(90, NLM_F_REQUEST, 4, b"\0\0\0\0"), 0, KERNEL)
    (t, _f, _s, _p, payload), = messages(k.sys_recvfrom(fd, 8192, 0)[1])
    assert (t, struct.unpack_from("=i", payload)[0]) == (NLMSG_ERROR, -errno.EINVAL)


def test_a_socket_filter_drops_notifications_it_rejects():
    """do_one_broadcast runs the member's socket filter: a filter returning 0 keeps every
    notification out, the member next to it still gets them."""
    k = _machine()
    filtered, plain = _member(k), _member(k)
    prog = struct.pack("=HBBI", 0x06, 0, 0, 0)          # ret #0
    import ctypes
    buf = ctypes.create_string_buffer(prog)
    fprog = struct.pack("=HxxxxxxQ", 1, ctypes.addressof(buf))
    k.sys_setsockopt(filtered, socket.SOL_SOCKET, 26, fprog)       # SO_ATTACH_FILTER
    k.link_set("veth0", mtu=1400)
    assert _queued(k, filtered) == []
    assert [m[0] for m in _queued(k, plain)] == [RTM_NEWLINK]


def test_rtnl_notify_multicasts_one_message_to_a_group():
    """rtnl_notify(net, msg, group) — what address and route events call — reaches that
    group's members in that namespace only, as a datagram from port 0 with the group's bit."""
    from netkernel.net.core.rtnetlink import rtnl_notify
    k = netkernel.Kernel()
    k.netns_add("other")
    v4 = _member(k, 1 << (5 - 1))                    # RTNLGRP_IPV4_IFADDR
    link = _member(k)
    elsewhere = k.netns("other").sys_socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    k.netns("other").sys_bind(elsewhere, SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 1 << (5 - 1)))
    msg = request(20, 0, 0, b"\x02\x18\x00\x00" + struct.pack("=i", 1))
    with k._lock:
        rtnl_notify(k.init_net, msg, 5)
    n, data, addr = k.sys_recvfrom(v4, 8192, socket.MSG_DONTWAIT)
    assert (data, SOCKADDR_NL.unpack(addr)) == (msg, (AF_NETLINK, 0, 0, 1 << 4))
    assert _queued(k, link) == []
    assert _queued(k.netns("other"), elsewhere) == []
