"""IPv4/IPv6 addresses and routes over NETLINK_ROUTE (net/ipv4/devinet.c, fib_frontend.c,
fib_trie.c; net/ipv6/addrconf.c, route.c): RTM_NEWADDR/DELADDR/GETADDR and
RTM_NEWROUTE/DELROUTE/GETROUTE on a real NETLINK_ROUTE socket, replies parsed attribute by
attribute; the routes the kernel installs for addresses; errors; SIOCGIFCONF, the address and
route ioctls, /proc/net/route. Both backends start a namespace with IPv6 off on all/default; an
IPv6 scenario turns it on for its device (addr_gen_mode 1: no link-local address)."""
import socket
import struct

from ._common import *  # noqa: F401,F403

AF_NETLINK, NETLINK_ROUTE, AF_INET, AF_INET6, AF_UNSPEC = 16, 0, 2, 10, 0
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_REPLACE = 1, 4, 0x200, 0x400, 0x100
NLM_F_DUMP = 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS = 1, 2, 3, 4, 6, 8
IFA_RT_PRIORITY = 9
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_TABLE = 1, 4, 5, 6, 7, 15
RTA_CACHEINFO, RTA_PREF = 12, 20
IFA_F_NODAD, IFA_F_NOPREFIXROUTE = 0x2, 0x200
SIOCGIFCONF, SIOCGIFADDR, SIOCSIFADDR = 0x8912, 0x8915, 0x8916
SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCGIFNETMASK, SIOCSIFNETMASK = 0x8919, 0x891A, 0x891B, 0x891C
SIOCGIFDSTADDR, SIOCSIFFLAGS, SIOCADDRT, SIOCDELRT = 0x8917, 0x8914, 0x890B, 0x890C
CAP_NET_ADMIN = 12
KERNEL = struct.pack("=HHII", AF_NETLINK, 0, 0, 0)
IN6 = lambda t: socket.inet_pton(socket.AF_INET6, t)  # noqa: E731
IN4 = socket.inet_aton


def nla(t, payload):
    return struct.pack("=HH", 4 + len(payload), t) + payload + b"\0" * (-len(payload) % 4)


def ifaddrmsg(family, plen, index, flags=0, scope=0, *attrs):
    return struct.pack("=BBBBI", family, plen, flags, scope, index) + b"".join(attrs)


def rtmsg(family, dst_len, table=254, protocol=3, scope=0, rtype=1, *attrs):
    return struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, table, protocol, scope, rtype,
                       0) + b"".join(attrs)


def _msgs(data):
    out, off = [], 0
    while off + 16 <= len(data):
        ln, t, f, s, p = struct.unpack_from("=IHHII", data, off)
        out.append((t, f, data[off + 16:off + ln]))
        off += (ln + 3) & ~3
    return out


def _attrs(payload, start):
    d, off = {}, start
    while off + 4 <= len(payload):
        ln, t = struct.unpack_from("=HH", payload, off)
        if ln < 4:
            break
        d[t & 0x3FFF] = payload[off + 4:off + ln]
        off += (ln + 3) & ~3
    return d


class Rtnl:
    """A NETLINK_ROUTE socket of a backend: request → list of (type, flags, payload)."""

    def __init__(self, b):
        self.b = b
        self.s = b.socket(AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        self.seq = 0

    def req(self, msgtype, flags, body):
        self.seq += 1
        msg = struct.pack("=IHHII", 16 + len(body), msgtype, flags | NLM_F_REQUEST, self.seq,
                          0) + body
        self.b.sys_sendto(self.s, msg, 0, KERNEL)
        out = []
        while True:
            try:
                _n, data, _a = self.b.sys_recvfrom(self.s, 65536, MSG_DONTWAIT)
            except OSError:
                return out
            for m in _msgs(data):
                out.append(m)
                if m[0] in (NLMSG_DONE, NLMSG_ERROR):
                    return out

    def ack(self, msgtype, flags, body):
        """The errno name of the request's NLMSG_ERROR (0 for success); with extended acks on,
        [errno name, NLMSGERR_ATTR_MSG text] when the kernel attached a message."""
        for t, f, p in self.req(msgtype, flags | NLM_F_ACK, body):
            if t == NLMSG_ERROR:
                err = -struct.unpack_from("=i", p, 0)[0]
                name = errname(OSError(err, "")) if err else 0
                if f & 0x200:                                   # NLM_F_ACK_TLVS
                    start = 4 + (16 if f & 0x100 else struct.unpack_from("=I", p, 4)[0])
                    a = _attrs(p, (start + 3) & ~3)
                    if 1 in a:                                  # NLMSGERR_ATTR_MSG
                        return [name, a[1].rstrip(b"\0").decode()]
                return name
        return "no-ack"

    def ext_ack(self):
        self.b.sys_setsockopt(self.s, 270, 11, struct.pack("=i", 1))    # NETLINK_EXT_ACK


def _ip(family, raw):
    return socket.inet_ntop(socket.AF_INET if family == AF_INET else socket.AF_INET6, raw)


def addr_view(b, idx, p, family_filter=None):
    fam, plen, flags, scope, index = struct.unpack_from("=BBBBI", p, 0)
    a = _attrs(p, 8)
    d = {"family": fam, "plen": plen, "flags": flags, "scope": scope, "dev": idx.get(index, index),
         "attrs": sorted(a)}
    for k, name in ((IFA_ADDRESS, "address"), (IFA_LOCAL, "local"), (IFA_BROADCAST, "brd")):
        if k in a:
            d[name] = _ip(fam, a[k])
    if IFA_LABEL in a:
        d["label"] = a[IFA_LABEL].rstrip(b"\0").decode()
    if IFA_FLAGS in a:
        d["ifa_flags"] = struct.unpack("=I", a[IFA_FLAGS])[0]
    if IFA_CACHEINFO in a:
        d["lft"] = list(struct.unpack("=II", a[IFA_CACHEINFO][:8]))
    if IFA_RT_PRIORITY in a:
        d["prio"] = struct.unpack("=I", a[IFA_RT_PRIORITY])[0]
    return d


def route_view(idx, p):
    fam, dl, sl, tos, table, proto, scope, rtype, flags = struct.unpack_from("=BBBBBBBBI", p, 0)
    a = _attrs(p, 12)
    d = {"family": fam, "dst_len": dl, "table": table, "proto": proto, "scope": scope,
         "type": rtype, "flags": flags, "attrs": sorted(a)}
    for k, name in ((RTA_DST, "dst"), (RTA_GATEWAY, "gw"), (RTA_PREFSRC, "src")):
        if k in a:
            d[name] = _ip(fam, a[k])
    if RTA_OIF in a:
        i = struct.unpack("=I", a[RTA_OIF])[0]
        d["oif"] = idx.get(i, i)
    if RTA_PRIORITY in a:
        d["metric"] = struct.unpack("=I", a[RTA_PRIORITY])[0]
    if RTA_TABLE in a:
        d["rta_table"] = struct.unpack("=I", a[RTA_TABLE])[0]
    if RTA_PREF in a:
        d["pref"] = a[RTA_PREF][0]
    return d


def _idx(b, names):
    return {b.if_nametoindex(n): n for n in names}


def dump_addrs(b, nl, family, names=("lo", "veth0", "veth1")):
    idx = _idx(b, [n for n in names])
    return [addr_view(b, idx, p) for t, _f, p in nl.req(RTM_GETADDR, NLM_F_DUMP,
                                                        ifaddrmsg(family, 0, 0))
            if t == RTM_NEWADDR]


def dump_routes(b, nl, family, names=("lo", "veth0", "veth1")):
    idx = _idx(b, names)
    return [route_view(idx, p) for t, _f, p in nl.req(RTM_GETROUTE, NLM_F_DUMP,
                                                      rtmsg(family, 0, 0, 0, 0, 0))
            if t == RTM_NEWROUTE]


def add4(b, nl, dev, addr, plen, *extra, flags=NLM_F_CREATE | NLM_F_EXCL):
    return nl.ack(RTM_NEWADDR, flags, ifaddrmsg(AF_INET, plen, b.if_nametoindex(dev), 0, 0,
                                                nla(IFA_LOCAL, IN4(addr)),
                                                nla(IFA_ADDRESS, IN4(addr)), *extra))


def del4(b, nl, dev, addr, plen):
    return nl.ack(RTM_DELADDR, 0, ifaddrmsg(AF_INET, plen, b.if_nametoindex(dev), 0, 0,
                                            nla(IFA_LOCAL, IN4(addr)),
                                            nla(IFA_ADDRESS, IN4(addr))))


def add6(b, nl, dev, addr, plen, flags6=IFA_F_NODAD, flags=NLM_F_CREATE | NLM_F_EXCL):
    return nl.ack(RTM_NEWADDR, flags, ifaddrmsg(AF_INET6, plen, b.if_nametoindex(dev), 0, 0,
                                                nla(IFA_LOCAL, IN6(addr)),
                                                nla(IFA_FLAGS, struct.pack("=I", flags6))))


def route4(b, nl, cmd, dst, plen, *attrs, flags=NLM_F_CREATE | NLM_F_EXCL, scope=0, rtype=1,
           proto=3):
    body = rtmsg(AF_INET, plen, 254, proto, scope, rtype,
                 *([nla(RTA_DST, IN4(dst))] if plen else []), *attrs)
    return nl.ack(cmd, flags if cmd == RTM_NEWROUTE else 0, body)


def _veth_down(b):
    b.link_add("veth0", "veth", "veth1")


def _up_with_address(b):
    """The veth pair up, 10.0.0.1/24 on veth0; the NETLINK_ROUTE socket used."""
    setup_veth(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    return nl


def _strip_lft(addrs):
    for a in addrs:
        a.pop("lft", None)
    return addrs


# ---------------------------------------------------------------- addresses

def scenario_inet_lo_dump(b):
    """A fresh namespace: lo has 127.0.0.1/8 (scope host, permanent, label lo)."""
    nl = Rtnl(b)
    return {"v4": dump_addrs(b, nl, AF_INET, ["lo"]), "all": dump_addrs(b, nl, AF_UNSPEC, ["lo"])}


def scenario_inet_add_dump(b):
    """Two primaries and a secondary on a veth that is down: list order, flags, attributes."""
    _veth_down(b)
    nl = Rtnl(b)
    r = [add4(b, nl, "veth0", "10.0.0.1", 24), add4(b, nl, "veth0", "10.1.0.1", 16),
         add4(b, nl, "veth0", "10.0.0.2", 24),
         add4(b, nl, "veth0", "10.2.0.1", 24, nla(IFA_LABEL, b"veth0:x\0"),
              nla(IFA_BROADCAST, IN4("10.2.0.255")))]
    return {"acks": r, "addrs": dump_addrs(b, nl, AF_INET)}


def scenario_inet_add_errors(b):
    """EEXIST (again, with NLM_F_EXCL), ENODEV (unknown index), EINVAL (no IFA_LOCAL, prefix 33,
    invalid lifetime), ERANGE (short IFA_LOCAL), replace of an existing address."""
    _veth_down(b)
    nl = Rtnl(b)
    i = b.if_nametoindex("veth0")
    out = {"first": add4(b, nl, "veth0", "10.0.0.1", 24),
           "again": add4(b, nl, "veth0", "10.0.0.1", 24),
           "again_noexcl": add4(b, nl, "veth0", "10.0.0.1", 24, flags=NLM_F_CREATE),
           "replace": add4(b, nl, "veth0", "10.0.0.1", 24, flags=NLM_F_CREATE | NLM_F_REPLACE),
           "other_plen": add4(b, nl, "veth0", "10.0.0.1", 16),
           "nodev": nl.ack(RTM_NEWADDR, NLM_F_CREATE, ifaddrmsg(AF_INET, 24, 999, 0, 0,
                                                               nla(IFA_LOCAL, IN4("1.2.3.4")))),
           "nolocal": nl.ack(RTM_NEWADDR, NLM_F_CREATE, ifaddrmsg(AF_INET, 24, i, 0, 0,
                                                                 nla(IFA_ADDRESS, IN4("1.2.3.4")))),
           "plen33": add4(b, nl, "veth0", "10.9.0.1", 33),
           "short": nl.ack(RTM_NEWADDR, NLM_F_CREATE, ifaddrmsg(AF_INET, 24, i, 0, 0,
                                                               nla(IFA_LOCAL, b"\1\2"))),
           "lifetime": add4(b, nl, "veth0", "10.8.0.1", 24,
                            nla(IFA_CACHEINFO, struct.pack("=IIII", 10, 5, 0, 0))),
           "zero_local": add4(b, nl, "veth0", "0.0.0.0", 24),
           "short_hdr": nl.ack(RTM_NEWADDR, NLM_F_CREATE, b"\2\0\0\0")}
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET))
    return out


def scenario_inet_del(b):
    """Delete: a missing address is EADDRNOTAVAIL, unknown device ENODEV; deleting a primary
    takes its secondaries along (promote_secondaries off)."""
    _veth_down(b)
    nl = Rtnl(b)
    for a in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        add4(b, nl, "veth0", a, 24)
    out = {"missing": del4(b, nl, "veth0", "10.5.0.1", 24),
           "nodev": nl.ack(RTM_DELADDR, 0, ifaddrmsg(AF_INET, 24, 999, 0, 0)),
           "sec": del4(b, nl, "veth0", "10.0.0.3", 24),
           "after_sec": [a["local"] for a in dump_addrs(b, nl, AF_INET)]}
    return out


def scenario_inet_lifetime(b):
    """A finite lifetime: no IFA_F_PERMANENT, IFA_CACHEINFO counting down."""
    _veth_down(b)
    nl = Rtnl(b)
    r = add4(b, nl, "veth0", "10.0.0.1", 24, nla(IFA_CACHEINFO, struct.pack("=IIII", 100, 200,
                                                                            0, 0)))
    a = [x for x in dump_addrs(b, nl, AF_INET) if x["dev"] == "veth0"][0]
    lft = a.pop("lft")
    return {"ack": r, "addr": a, "lft_ok": 90 <= lft[0] <= 100 and 190 <= lft[1] <= 200}


# ---------------------------------------------------------------- routes

def scenario_inet_routes_for_addr_down(b):
    """An address on a down device: only its local route."""
    _veth_down(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    return dump_routes(b, nl, AF_INET)


def scenario_inet_routes_for_addr_up(b):
    """Up: prefix route (main), local and subnet broadcast (local); down again: only local;
    up again: all back; address deleted: all gone."""
    nl = _up_with_address(b)
    out = {"up": dump_routes(b, nl, AF_INET)}
    b.link_set("veth0", up=False)
    out["down"] = dump_routes(b, nl, AF_INET)
    b.link_set("veth0", up=True)
    out["up_again"] = dump_routes(b, nl, AF_INET)
    out["del"] = del4(b, nl, "veth0", "10.0.0.1", 24)
    out["gone"] = dump_routes(b, nl, AF_INET)
    return out


def scenario_inet_routes_secondary_and_flags(b):
    """A secondary shares its primary's prefsrc; noprefixroute; /32 and /31; metric."""
    nl = _up_with_address(b)
    add4(b, nl, "veth0", "10.0.0.9", 24)
    add4(b, nl, "veth0", "10.1.0.1", 16, nla(IFA_FLAGS, struct.pack("=I", IFA_F_NOPREFIXROUTE)))
    add4(b, nl, "veth0", "10.2.0.1", 32)
    add4(b, nl, "veth0", "10.3.0.0", 31)
    add4(b, nl, "veth0", "10.4.0.1", 24, nla(IFA_RT_PRIORITY, struct.pack("=I", 77)))
    return {"routes": dump_routes(b, nl, AF_INET), "addrs": _strip_lft(dump_addrs(b, nl, AF_INET))}


def scenario_inet_route_add_del(b):
    """User routes: a default route via a gateway on the subnet, a route by device, their
    dump; EEXIST again; ENETUNREACH for an unreachable gateway; ESRCH for a missing one;
    EINVAL for host bits; ENODEV without device or gateway; deletes."""
    nl = _up_with_address(b)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))
    out = {"default": route4(b, nl, RTM_NEWROUTE, "0.0.0.0", 0,
                             nla(RTA_GATEWAY, IN4("10.0.0.254"))),
           "bydev": route4(b, nl, RTM_NEWROUTE, "192.168.5.0", 24, oif, scope=253),
           "metric": route4(b, nl, RTM_NEWROUTE, "192.168.6.0", 24, oif,
                            nla(RTA_PRIORITY, struct.pack("=I", 50)), scope=253),
           "again": route4(b, nl, RTM_NEWROUTE, "192.168.5.0", 24, oif, scope=253),
           "unreach_gw": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16,
                                nla(RTA_GATEWAY, IN4("172.31.0.1"))),
           "hostbits": route4(b, nl, RTM_NEWROUTE, "192.168.7.1", 24, oif, scope=253),
           "nodev": route4(b, nl, RTM_NEWROUTE, "192.168.8.0", 24),
           "badtype": route4(b, nl, RTM_NEWROUTE, "192.168.9.0", 24, oif, rtype=99)}
    out["dump"] = dump_routes(b, nl, AF_INET)
    out["del_missing"] = route4(b, nl, RTM_DELROUTE, "192.168.99.0", 24, scope=255, proto=0)
    out["del_default"] = route4(b, nl, RTM_DELROUTE, "0.0.0.0", 0, scope=255, proto=0)
    out["del_bydev"] = route4(b, nl, RTM_DELROUTE, "192.168.5.0", 24, scope=255, proto=0)
    out["after"] = dump_routes(b, nl, AF_INET)
    return out


def scenario_inet_route_link_down_flush(b):
    """A default route via a gateway goes when its device goes down."""
    nl = _up_with_address(b)
    route4(b, nl, RTM_NEWROUTE, "0.0.0.0", 0, nla(RTA_GATEWAY, IN4("10.0.0.254")))
    b.link_set("veth0", up=False)
    out = {"down": dump_routes(b, nl, AF_INET)}
    b.link_set("veth0", up=True)
    out["up"] = dump_routes(b, nl, AF_INET)
    return out


def scenario_inet_route_linkdown_flag(b):
    """A veth up whose peer is down: its routes carry RTNH_F_LINKDOWN (not the local one)."""
    b.link_add("veth0", "veth", "veth1")
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    return dump_routes(b, nl, AF_INET)


def scenario_inet_proc_net_route(b):
    """/proc/net/route: the main table's unicast routes in its fixed-width format."""
    nl = _up_with_address(b)
    route4(b, nl, RTM_NEWROUTE, "0.0.0.0", 0, nla(RTA_GATEWAY, IN4("10.0.0.254")))
    return b.read_procfs("net/route")


# ---------------------------------------------------------------- ioctls

def _ifreq(name, payload=b""):
    return name.encode().ljust(16, b"\0") + bytes(payload).ljust(24, b"\0")[:24]


def _sin(addr):
    return struct.pack("<H", AF_INET) + b"\0\0" + IN4(addr) + bytes(8)


def _io(b, s, req, arg, **kw):
    try:
        ret, out = b.ioctl(s, req, arg, **kw)
    except OSError as e:
        return ["err", errname(e)]
    return ["ok", ret, out[16:24].hex() if out is not None and len(out) >= 24 else None]


def scenario_inet_ioctl_get(b):
    """SIOCGIFADDR/BRDADDR/NETMASK/DSTADDR after an address is added; alias labels."""
    _veth_down(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24, nla(IFA_BROADCAST, IN4("10.0.0.255")))
    add4(b, nl, "veth0", "10.7.0.1", 16, nla(IFA_LABEL, b"veth0:a\0"))
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for name in ("veth0", "veth0:a", "veth0:zz", "lo"):
        for req, key in ((SIOCGIFADDR, "addr"), (0x8919, "brd"), (SIOCGIFNETMASK, "mask"),
                         (SIOCGIFDSTADDR, "dst")):
            out[f"{name}/{key}"] = _io(b, s, req, _ifreq(name))
    return out


def scenario_inet_ioctl_set(b):
    """SIOCSIFADDR (classful mask, broadcast), SIOCSIFNETMASK (bad mask EINVAL),
    SIOCSIFBRDADDR, an alias by label, unprivileged EPERM; the resulting addresses."""
    _veth_down(b)
    nl = Rtnl(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"set": _io(b, s, SIOCSIFADDR, _ifreq("veth0", _sin("10.20.30.40"))),
           "set_b": _io(b, s, SIOCSIFADDR, _ifreq("veth0:b", _sin("172.16.1.1"))),
           "mask": _io(b, s, SIOCSIFNETMASK, _ifreq("veth0", _sin("255.255.255.0"))),
           "badmask": _io(b, s, SIOCSIFNETMASK, _ifreq("veth0", _sin("255.0.255.0"))),
           "brd": _io(b, s, SIOCSIFBRDADDR, _ifreq("veth0:b", _sin("172.16.255.254"))),
           "mcast": _io(b, s, SIOCSIFADDR, _ifreq("veth0", _sin("224.0.0.1"))),
           "eperm": _io(b, s, SIOCSIFADDR, _ifreq("veth0", _sin("10.0.0.9")),
                        drop_caps=(CAP_NET_ADMIN,)),
           "nodev": _io(b, s, SIOCSIFADDR, _ifreq("nosuch", _sin("10.0.0.9")))}
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET))
    out["down_alias"] = _io(b, s, SIOCSIFFLAGS, _ifreq("veth0:b", struct.pack("<h", 0)))
    out["after"] = [a["local"] for a in dump_addrs(b, nl, AF_INET)]
    return out


def scenario_inet_ifconf(b):
    """SIOCGIFCONF: the count with a NULL buffer, then the entries (label, AF_INET, address);
    a buffer with room for one entry gets one."""
    import ctypes
    _veth_down(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    add4(b, nl, "veth0", "10.0.0.2", 24, nla(IFA_LABEL, b"veth0:1\0"))
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = b.ioctl(s, SIOCGIFCONF, struct.pack("<i4xQ", 0, 0))
    count = struct.unpack_from("<i", r[1], 0)[0]
    out = {"count": count}
    for room in (count, 40):
        buf = ctypes.create_string_buffer(max(room, 1))
        r = b.ioctl(s, SIOCGIFCONF, struct.pack("<i4xQ", room, ctypes.addressof(buf)))
        n = struct.unpack_from("<i", r[1], 0)[0]
        raw = buf.raw[:n]
        out[f"room{room}"] = [(raw[i:i + 16].rstrip(b"\0").decode(),
                               struct.unpack_from("<H", raw, i + 16)[0],
                               socket.inet_ntoa(raw[i + 20:i + 24])) for i in range(0, n, 40)]
    return out


def scenario_inet_siocaddrt(b):
    """SIOCADDRT/SIOCDELRT with struct rtentry: a gateway route, a device route, RTF_GATEWAY
    without gateway (EINVAL), a bad mask (EINVAL), a missing delete (ESRCH), EPERM."""
    import ctypes
    nl = _up_with_address(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    devname = ctypes.create_string_buffer(b"veth0\0")

    def rtentry(dst, mask, gw=None, flags=0x1, dev=False, metric=0):
        raw = bytearray(120)
        raw[8:24] = _sin(dst)
        if gw:
            raw[24:40] = _sin(gw)
        raw[40:56] = _sin(mask)
        struct.pack_into("<H", raw, 56, flags)
        struct.pack_into("<h", raw, 80, metric)
        if dev:
            struct.pack_into("<Q", raw, 88, ctypes.addressof(devname))
        return bytes(raw)

    def call(req, arg, **kw):
        try:
            return b.ioctl(s, req, arg, **kw)[0]
        except OSError as e:
            return errname(e)
    out = {"gw": call(SIOCADDRT, rtentry("0.0.0.0", "0.0.0.0", "10.0.0.254", 0x3)),
           "dev": call(SIOCADDRT, rtentry("192.168.1.0", "255.255.255.0", dev=True, metric=5)),
           "gw_flag_nogw": call(SIOCADDRT, rtentry("192.168.2.0", "255.255.255.0", flags=0x3)),
           "badmask": call(SIOCADDRT, rtentry("192.168.3.0", "255.0.255.0", dev=True)),
           "eperm": call(SIOCADDRT, rtentry("192.168.4.0", "255.255.255.0", dev=True),
                         drop_caps=(CAP_NET_ADMIN,)),
           "short": call(SIOCADDRT, bytes(60))}
    out["routes"] = dump_routes(b, nl, AF_INET)
    out["del"] = call(SIOCDELRT, rtentry("192.168.1.0", "255.255.255.0", dev=True))
    out["del_missing"] = call(SIOCDELRT, rtentry("192.168.1.0", "255.255.255.0", dev=True))
    out["proc"] = b.read_procfs("net/route")
    return out


# ---------------------------------------------------------------- IPv6

def _v6_on(b, dev):
    b.sysctl(f"net.ipv6.conf.{dev}.addr_gen_mode", 1)
    b.sysctl(f"net.ipv6.conf.{dev}.disable_ipv6", 0)


def scenario_inet6_disabled(b):
    """IPv6 off on the device: adding an address is EACCES; the lo of a namespace made with
    IPv6 off has no ::1."""
    _veth_down(b)
    nl = Rtnl(b)
    return {"add": add6(b, nl, "veth0", "2001:db8::1", 64),
            "v6": dump_addrs(b, nl, AF_INET6)}


def scenario_inet6_addr_down(b):
    """IPv6 on, device down: a nodad address and one with DAD (tentative), their flags, the
    prefix routes and the multicast route (none while down)."""
    _veth_down(b)
    _v6_on(b, "veth0")
    nl = Rtnl(b)
    out = {"nodad": add6(b, nl, "veth0", "2001:db8::1", 64),
           "dad": add6(b, nl, "veth0", "2001:db8:1::1", 64, flags6=0),
           "again": add6(b, nl, "veth0", "2001:db8::1", 64),
           "mcast": add6(b, nl, "veth0", "ff02::5", 64),
           "any": add6(b, nl, "veth0", "::", 64),
           "loop": add6(b, nl, "veth0", "::1", 128),
           "plen": add6(b, nl, "veth0", "2001:db8:2::1", 129)}
    b.settle()      # Linux finishes a nodad address from its DAD work, a moment later
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET6))
    out["routes"] = dump_routes(b, nl, AF_INET6)
    out["del_missing"] = nl.ack(RTM_DELADDR, 0, ifaddrmsg(AF_INET6, 64, b.if_nametoindex("veth0"),
                                                          0, 0, nla(IFA_LOCAL, IN6("2001:db8::9"))))
    out["del"] = nl.ack(RTM_DELADDR, 0, ifaddrmsg(AF_INET6, 64, b.if_nametoindex("veth0"), 0, 0,
                                                  nla(IFA_LOCAL, IN6("2001:db8::1"))))
    out["after"] = [a["address"] for a in dump_addrs(b, nl, AF_INET6)]
    return out


@kernel_differs("addresses gained IFA_PROTO (attribute 11) after 5.15, and the kernel marks the "
                "::1 it makes with IFAPROT_KERNEL_LO, so every dump of lo carries it",
                "net: Add new protocol attribute to IP addresses (IFA_PROTO, 5.18); "
                "IFAPROT_KERNEL_LO/RA/LL for kernel-made IPv6 addresses (present in 6.1)",
                {"addrs": [{"family": 10, "plen": 128, "flags": 128, "scope": 254, "dev": "lo", "attrs": [1, 6, 8], "address": "::1", "ifa_flags": 128}], "routes": [{"family": 10, "dst_len": 128, "table": 255, "proto": 2, "scope": 0, "type": 2, "flags": 0, "attrs": [1, 4, 6, 12, 15, 20], "dst": "::1", "oif": "lo", "metric": 0, "rta_table": 255, "pref": 0}], "if_inet6": "00000000000000000000000000000001 01 80 10 80       lo\n"}, since="6.1")
def scenario_inet6_lo(b):
    """IPv6 turned on for lo, lo bounced: ::1/128 scope host, its local route."""
    _v6_on(b, "lo")
    b.link_set("lo", up=False)
    b.link_set("lo", up=True)
    nl = Rtnl(b)
    return {"addrs": _strip_lft(dump_addrs(b, nl, AF_INET6, ["lo"])),
            "routes": dump_routes(b, nl, AF_INET6, ["lo"]),
            "if_inet6": b.read_procfs("net/if_inet6")}


def scenario_inet6_down_drops_addresses(b):
    """A device going down loses its IPv6 addresses and routes (keep_addr_on_down 0) but keeps
    its IPv4 ones."""
    _veth_down(b)
    _v6_on(b, "veth0")
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    b.link_set("veth0", up=True)
    b.link_set("veth0", up=False)
    return {"v6": dump_addrs(b, nl, AF_INET6), "v4": len(dump_addrs(b, nl, AF_INET)),
            "routes6": dump_routes(b, nl, AF_INET6)}


# ---------------------------------------------------------------- more addresses

def scenario_inet_del_primary(b):
    """Deleting a primary address takes the secondaries of its subnet along (promote_secondaries
    is off in a new namespace), not the addresses of other subnets."""
    _veth_down(b)
    nl = Rtnl(b)
    for a, plen in (("10.0.0.1", 24), ("10.0.0.2", 24), ("10.0.0.3", 24), ("10.9.0.1", 16)):
        add4(b, nl, "veth0", a, plen)
    return {"del": del4(b, nl, "veth0", "10.0.0.1", 24),
            "left": [a["local"] for a in dump_addrs(b, nl, AF_INET)],
            "routes": dump_routes(b, nl, AF_INET)}


def scenario_inet_addr_replace_metric(b):
    """NLM_F_REPLACE on an existing address with another IFA_RT_PRIORITY moves its prefix route
    to that metric; a replace of a new address creates it."""
    setup_veth(b)
    nl = Rtnl(b)
    prio = lambda n: nla(IFA_RT_PRIORITY, struct.pack("=I", n))   # noqa: E731
    out = {"add": add4(b, nl, "veth0", "10.0.0.1", 24, prio(10)),
           "replace": add4(b, nl, "veth0", "10.0.0.1", 24, prio(20),
                           flags=NLM_F_CREATE | NLM_F_REPLACE),
           "replace_new": add4(b, nl, "veth0", "10.5.0.1", 24, flags=NLM_F_REPLACE)}
    out["routes"] = [r for r in dump_routes(b, nl, AF_INET) if r["table"] == 254]
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET))
    return out


def scenario_inet_link_delete(b):
    """Deleting a device removes its addresses and every route through it."""
    nl = _up_with_address(b)
    add4(b, nl, "veth1", "10.0.0.2", 24)
    route4(b, nl, RTM_NEWROUTE, "0.0.0.0", 0, nla(RTA_GATEWAY, IN4("10.0.0.254")))
    b.link_del("veth0")
    return {"addrs": [a["local"] for a in dump_addrs(b, nl, AF_INET, ["lo"])],
            "routes": dump_routes(b, nl, AF_INET, ["lo"])}


def scenario_inet_netns_move(b):
    """A device moved to another namespace arrives without its addresses and routes."""
    ns = b.netns_add("other")
    setup_veth(b)
    nl = Rtnl(b)
    add4(b, nl, "veth1", "10.0.0.2", 24)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    b.link_set("veth1", netns="other")
    nl2 = Rtnl(ns)
    return {"here": [a["local"] for a in dump_addrs(b, nl, AF_INET, ["lo", "veth0"])],
            "there": [a["local"] for a in dump_addrs(ns, nl2, AF_INET, ["lo"])],
            "routes_there": dump_routes(ns, nl2, AF_INET, ["lo"])}


def scenario_inet_lo_bounce(b):
    """lo down keeps 127.0.0.1 and its local routes but drops the broadcast one; lo up brings
    everything back."""
    nl = Rtnl(b)
    b.link_set("lo", up=False)
    out = {"down_addrs": [a["local"] for a in dump_addrs(b, nl, AF_INET, ["lo"])],
           "down_routes": dump_routes(b, nl, AF_INET, ["lo"])}
    b.link_set("lo", up=True)
    out["up_routes"] = dump_routes(b, nl, AF_INET, ["lo"])
    return out


def scenario_inet_dump_families(b):
    """RTM_GETADDR dumps by family: AF_INET, AF_INET6 (IPv6 on for veth0), AF_UNSPEC (all), and
    a family without a handler (AF_PACKET: falls back to all)."""
    _veth_down(b)
    _v6_on(b, "veth0")
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    b.settle()
    fam = lambda f: [(a["family"], a.get("address")) for a in dump_addrs(b, nl, f)]  # noqa: E731
    return {"inet": fam(AF_INET), "inet6": fam(AF_INET6), "unspec": fam(AF_UNSPEC),
            "packet": fam(17)}


@kernel_differs("6.x devinet names what is wrong with an address (\"ipv4: address lifetime "
                "invalid\", \"ipv4: Address already assigned\"); 5.15 (and 6.1) give the errno "
                "alone", "ipv4 extack messages in devinet.c (after 6.1: its devinet.c has "
                "neither; commit not pinned down)",
                {"lifetime": "EINVAL", "exists": "EEXIST"}, since="6.2")
def scenario_inet_extack_address(b):
    """Extended acks for address requests: an invalid lifetime, an address already there."""
    _veth_down(b)
    nl = Rtnl(b)
    nl.ext_ack()
    add4(b, nl, "veth0", "10.0.0.1", 24)
    return {"lifetime": add4(b, nl, "veth0", "10.8.0.1", 24,
                             nla(IFA_CACHEINFO, struct.pack("=IIII", 10, 5, 0, 0))),
            "exists": add4(b, nl, "veth0", "10.0.0.1", 24)}


def scenario_inet_extack(b):
    """Extended acks: the kernel's words for a gateway it cannot reach, host bits in a route
    prefix, a prefix longer than 32, an invalid route type, a host route with a gateway."""
    setup_veth(b)
    nl = Rtnl(b)
    nl.ext_ack()
    add4(b, nl, "veth0", "10.0.0.1", 24)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))
    return {"gateway": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16,
                              nla(RTA_GATEWAY, IN4("172.31.0.1"))),
            "hostbits": route4(b, nl, RTM_NEWROUTE, "192.168.7.1", 24, oif, scope=253),
            "plen33": route4(b, nl, RTM_NEWROUTE, "192.168.7.0", 33, oif, scope=253),
            "type": route4(b, nl, RTM_NEWROUTE, "192.168.9.0", 24, oif, rtype=99),
            "host_gw": route4(b, nl, RTM_NEWROUTE, "192.168.10.0", 24,
                              nla(RTA_GATEWAY, IN4("10.0.0.254")), scope=254),
            "scope": route4(b, nl, RTM_NEWROUTE, "192.168.11.0", 24, oif, scope=254, rtype=3)}


# ---------------------------------------------------------------- more routes

def scenario_inet_route_replace_append(b):
    """Routes of one prefix: EEXIST for the same one, NLM_F_APPEND adds another nexthop's route
    after it, NLM_F_REPLACE replaces the first, no NLM_F_CREATE is ENOENT for a new prefix;
    another metric is another route."""
    nl = _up_with_address(b)
    gw = lambda a: nla(RTA_GATEWAY, IN4(a))   # noqa: E731
    out = {"first": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16, gw("10.0.0.2")),
           "same": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16, gw("10.0.0.2"),
                          flags=NLM_F_CREATE),
           "append": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16, gw("10.0.0.3"),
                            flags=NLM_F_CREATE | 0x800),
           "metric": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16, gw("10.0.0.4"),
                            nla(RTA_PRIORITY, struct.pack("=I", 5))),
           "replace": route4(b, nl, RTM_NEWROUTE, "172.16.0.0", 16, gw("10.0.0.5"),
                             flags=NLM_F_CREATE | NLM_F_REPLACE),
           "nocreate": route4(b, nl, RTM_NEWROUTE, "172.17.0.0", 16, gw("10.0.0.2"), flags=0)}
    out["routes"] = [r for r in dump_routes(b, nl, AF_INET) if r["table"] == 254]
    return out


def scenario_inet_route_tables_and_types(b):
    """RTA_TABLE 100 (rtm_table 100), its dump order (main, then 100... by id modulo 256), a
    delete in a table that does not exist (ESRCH); unreachable/blackhole/prohibit routes take no
    device (EINVAL with one); a local route by hand."""
    nl = _up_with_address(b)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))
    t100 = nla(RTA_TABLE, struct.pack("=I", 100))
    out = {"t100": route4(b, nl, RTM_NEWROUTE, "192.168.1.0", 24, oif, t100, scope=253),
           "unreach": route4(b, nl, RTM_NEWROUTE, "192.168.2.0", 24, rtype=7),
           "blackhole": route4(b, nl, RTM_NEWROUTE, "192.168.3.0", 24, rtype=6),
           "prohibit": route4(b, nl, RTM_NEWROUTE, "192.168.4.0", 24, rtype=8),
           "unreach_dev": route4(b, nl, RTM_NEWROUTE, "192.168.5.0", 24, oif, rtype=7),
           "local": route4(b, nl, RTM_NEWROUTE, "192.168.6.1", 32, oif, scope=254, rtype=2),
           "del_t200": route4(b, nl, RTM_DELROUTE, "192.168.1.0", 24,
                              nla(RTA_TABLE, struct.pack("=I", 200)), scope=255, proto=0)}
    out["routes"] = dump_routes(b, nl, AF_INET)
    out["proc"] = b.read_procfs("net/route")
    return out


def scenario_inet_route_prefsrc(b):
    """RTA_PREFSRC must be a local address (EINVAL otherwise); a route's preferred source dies
    with its address."""
    nl = _up_with_address(b)
    add4(b, nl, "veth0", "10.0.1.1", 24)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))
    out = {"ok": route4(b, nl, RTM_NEWROUTE, "192.168.1.0", 24, oif,
                        nla(RTA_PREFSRC, IN4("10.0.1.1")), scope=253),
           "bad": route4(b, nl, RTM_NEWROUTE, "192.168.2.0", 24, oif,
                         nla(RTA_PREFSRC, IN4("10.9.9.9")), scope=253)}
    out["before"] = [r.get("dst") for r in dump_routes(b, nl, AF_INET) if r["table"] == 254]
    del4(b, nl, "veth0", "10.0.1.1", 24)
    out["after"] = [r.get("dst") for r in dump_routes(b, nl, AF_INET) if r["table"] == 254]
    return out


def scenario_inet_route_dev_down(b):
    """A route through a device that is down is ENETDOWN; through one without address ENODEV
    ... (a device without IPv4 has none here: every device has an in_device)."""
    _veth_down(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))
    return {"down": route4(b, nl, RTM_NEWROUTE, "192.168.1.0", 24, oif, scope=253),
            "bad_oif": route4(b, nl, RTM_NEWROUTE, "192.168.1.0", 24,
                              nla(RTA_OIF, struct.pack("=I", 999)), scope=253)}


# ---------------------------------------------------------------- more IPv6

def scenario_inet6_routes_user(b):
    """IPv6 routes by hand on an up veth (IPv6 on, nodad address): through the device, via a
    gateway, EEXIST again, ENODEV for a bad device, delete and ESRCH; /proc/net/ipv6_route."""
    b.link_add("veth0", "veth", "veth1")
    for d in ("veth0", "veth1"):
        _v6_on(b, d)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    i = b.if_nametoindex("veth0")
    oif = nla(RTA_OIF, struct.pack("=I", i))

    def r6(cmd, dst, plen, *attrs, flags=NLM_F_CREATE | NLM_F_EXCL):
        body = rtmsg(AF_INET6, plen, 254, 3 if cmd == RTM_NEWROUTE else 0, 0,
                     1 if cmd == RTM_NEWROUTE else 0, nla(RTA_DST, IN6(dst)), *attrs)
        return nl.ack(cmd, flags if cmd == RTM_NEWROUTE else 0, body)
    out = {"dev": r6(RTM_NEWROUTE, "2001:db8:5::", 48, oif),
           "again": r6(RTM_NEWROUTE, "2001:db8:5::", 48, oif),
           "via": r6(RTM_NEWROUTE, "2001:db8:6::", 48, oif, nla(RTA_GATEWAY, IN6("2001:db8::2"))),
           "metric": r6(RTM_NEWROUTE, "2001:db8:5::", 48, oif,
                        nla(RTA_PRIORITY, struct.pack("=I", 7))),
           "nodev": r6(RTM_NEWROUTE, "2001:db8:7::", 48, nla(RTA_OIF, struct.pack("=I", 999)))}
    b.settle()
    out["routes"] = dump_routes(b, nl, AF_INET6)
    # the refcount column counts references that traffic and caches take: not compared
    out["proc"] = [" ".join(f[:6] + ["-"] + f[7:]) for f in
                   (line.split() for line in b.read_procfs("net/ipv6_route").splitlines())]
    out["del"] = r6(RTM_DELROUTE, "2001:db8:6::", 48)
    out["del_missing"] = r6(RTM_DELROUTE, "2001:db8:6::", 48)
    out["after"] = [r.get("dst") for r in dump_routes(b, nl, AF_INET6)]
    return out


def scenario_inet6_if_inet6_and_errors(b):
    """/proc/net/if_inet6 lines; delete errors: EINVAL (no address / prefix 129), ENODEV,
    EADDRNOTAVAIL (wrong prefix length); IFA_F_NODAD|IFA_F_OPTIMISTIC..."""
    _veth_down(b)
    _v6_on(b, "veth0")
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add6(b, nl, "veth0", "fe80::1", 64)
    i = b.if_nametoindex("veth0")
    d6 = lambda plen, *a, idx=i: nl.ack(  # noqa: E731
        RTM_DELADDR, 0, ifaddrmsg(AF_INET6, plen, idx, 0, 0, *a))
    out = {"noaddr": d6(64), "plen129": d6(129, nla(IFA_LOCAL, IN6("2001:db8::1"))),
           "nodev": d6(64, nla(IFA_LOCAL, IN6("2001:db8::1")), idx=999),
           "wrong_plen": d6(48, nla(IFA_LOCAL, IN6("2001:db8::1"))),
           "nodad_optimistic": add6(b, nl, "veth0", "2001:db8::9", 64, flags6=0x6)}
    b.settle()
    out["if_inet6"] = sorted(b.read_procfs("net/if_inet6").splitlines())
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET6))
    return out


# ---------------------------------------------------------------- ip route get

RTM_F_LOOKUP_TABLE = 0x1000
RTA_SRC, RTA_UID = 2, 25


def _get(b, nl, dst, *attrs, flags=0, names=("lo", "veth0", "veth1")):
    """One RTM_GETROUTE for `dst`: the reply parsed (RTA_CACHEINFO: present or not — its
    counters are the route cache's), or the errno name."""
    idx = _idx(b, names)
    body = struct.pack("=BBBBBBBBI", AF_INET, 32 if dst else 0, 0, 0, 0, 0, 0, 0, flags) + \
        (nla(RTA_DST, IN4(dst)) if dst else b"") + b"".join(attrs)
    for t, _f, p in nl.req(RTM_GETROUTE, NLM_F_ACK, body):
        if t == NLMSG_ERROR:
            err = -struct.unpack_from("=i", p, 0)[0]
            if err:
                return errname(OSError(err, ""))
        elif t == RTM_NEWROUTE:
            d = route_view(idx, p)
            a = _attrs(p, 12)
            if RTA_UID in a:
                d["uid"] = struct.unpack("=I", a[RTA_UID])[0]
            return d
    return "no-reply"


def scenario_inet_route_get(b):
    """RTM_GETROUTE for one destination (`ip route get`): on-link, via the default gateway, a
    local address, 127.0.0.1, the subnet broadcast, 255.255.255.255, a given source, a given
    device, RTM_F_LOOKUP_TABLE; errors: no route (ENETUNREACH), unreachable route
    (EHOSTUNREACH), a source that is not local, an unknown device."""
    nl = _up_with_address(b)
    add4(b, nl, "veth1", "10.1.0.1", 24)
    out = {"noroute": _get(b, nl, "8.8.8.8")}
    route4(b, nl, RTM_NEWROUTE, "0.0.0.0", 0, nla(RTA_GATEWAY, IN4("10.0.0.254")))
    route4(b, nl, RTM_NEWROUTE, "192.168.66.0", 24, rtype=7)
    oif1 = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth1")))
    out.update({
        "onlink": _get(b, nl, "10.0.0.5"), "via": _get(b, nl, "8.8.8.8"),
        "local": _get(b, nl, "10.0.0.1"), "local_table": _get(b, nl, "10.0.0.1",
                                                               flags=RTM_F_LOOKUP_TABLE),
        "loopback": _get(b, nl, "127.0.0.1"), "subnet_brd": _get(b, nl, "10.0.0.255"),
        "lbcast": _get(b, nl, "255.255.255.255"),
        "from": _get(b, nl, "10.0.0.5", nla(RTA_SRC, IN4("10.1.0.1"))),
        "from_foreign": _get(b, nl, "10.0.0.5", nla(RTA_SRC, IN4("10.9.9.9"))),
        "oif": _get(b, nl, "10.0.0.5", oif1),
        "oif_bad": _get(b, nl, "10.0.0.5", nla(RTA_OIF, struct.pack("=I", 999))),
        "unreachable": _get(b, nl, "192.168.66.7"),
        "uid": _get(b, nl, "10.0.0.5", nla(RTA_UID, struct.pack("=I", 1234))),
        "nodst": _get(b, nl, None)})
    return out


# ---------------------------------------------------------------- strict dumps

def _dump_flags(b, nl, msgtype, body, names=("lo", "veth0", "veth1")):
    """A dump on a strict-checking socket: (the flags and a short view of each message, the
    NLMSG_DONE's flags and errno) — or the errno name of a refusal."""
    idx = _idx(b, names)
    out = []
    for t, f, p in nl.req(msgtype, NLM_F_DUMP, body):
        if t == NLMSG_DONE:
            err = -struct.unpack_from("=i", p, 0)[0]
            return {"msgs": out, "done_flags": f, "done": errname(OSError(err, "")) if err else 0}
        if t == NLMSG_ERROR:
            err = -struct.unpack_from("=i", p, 0)[0]
            return errname(OSError(err, ""))
        if t == RTM_NEWROUTE:
            r = route_view(idx, p)
            out.append([f, r["table"], r["type"], r.get("dst"), r.get("oif")])
        elif t == RTM_NEWADDR:
            a = addr_view(b, idx, p)
            out.append([f, a["dev"], a.get("address")])
    return "no-done"


def scenario_inet_strict_dumps(b):
    """NETLINK_GET_STRICT_CHK: route dumps filtered by RTA_TABLE (local, main, an unknown one:
    ENOENT for AF_INET, nothing for AF_UNSPEC), by rtm_type, by protocol and RTA_OIF (ENODEV for
    a bad one), bad header values and flags (EINVAL), RTM_F_PREFIX; address dumps by
    ifa_index (ENODEV), bad header values; NLM_F_DUMP_FILTERED where Linux sets it."""
    nl = _up_with_address(b)
    add4(b, nl, "veth1", "10.1.0.1", 24)
    nl.b.sys_setsockopt(nl.s, 270, 12, struct.pack("=i", 1))      # NETLINK_GET_STRICT_CHK
    table = lambda t: nla(RTA_TABLE, struct.pack("=I", t))          # noqa: E731
    oif = lambda n: nla(RTA_OIF, struct.pack("=I", n))              # noqa: E731
    r = lambda *a, fam=AF_INET, **kw: _dump_flags(b, nl, RTM_GETROUTE,   # noqa: E731
                                                  rtmsg(fam, 0, kw.get("tb", 0),
                                                        kw.get("proto", 0), kw.get("scope", 0),
                                                        kw.get("type", 0), *a))
    out = {"plain": r(), "local": r(table(255)), "main": r(table(254)),
           "unknown": r(table(77)), "unknown_unspec": r(table(77), fam=AF_UNSPEC),
           "hdr_table": r(tb=255), "broadcast": r(type=3), "kernel": r(proto=2),
           "oif": r(oif(b.if_nametoindex("veth1"))), "oif_bad": r(oif(999)),
           "scope": r(scope=253), "gateway_attr": r(nla(RTA_GATEWAY, IN4("1.2.3.4")))}
    body = struct.pack("=BBBBBBBBI", AF_INET, 0, 0, 0, 0, 0, 0, 0, 0x800)
    out["prefix"] = _dump_flags(b, nl, RTM_GETROUTE, body)
    body = struct.pack("=BBBBBBBBI", AF_INET, 0, 0, 0, 0, 0, 0, 0, 0x100)
    out["notify_flag"] = _dump_flags(b, nl, RTM_GETROUTE, body)
    a = lambda *x, **kw: _dump_flags(b, nl, RTM_GETADDR, ifaddrmsg(   # noqa: E731
        kw.get("fam", AF_INET), kw.get("plen", 0), kw.get("index", 0), 0, 0, *x))
    out.update({"addr_all": a(), "addr_veth1": a(index=b.if_nametoindex("veth1")),
                "addr_bad_index": a(index=999), "addr_plen": a(plen=24),
                "addr_attr": a(nla(IFA_LOCAL, IN4("10.0.0.1"))),
                "addr_unspec_veth0": a(index=b.if_nametoindex("veth0"), fam=AF_UNSPEC)})
    return out


def scenario_inet6_strict_dumps(b):
    """Strict IPv6 dumps: RTA_TABLE local/main/unknown (ENOENT for AF_INET6), RTM_F_PREFIX (no
    prefix routes without router advertisements), an address dump of one device."""
    b.link_add("veth0", "veth", "veth1")
    _v6_on(b, "veth0")
    b.link_set("veth0", up=True)
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    b.settle()
    nl.b.sys_setsockopt(nl.s, 270, 12, struct.pack("=i", 1))      # NETLINK_GET_STRICT_CHK
    table = lambda t: nla(RTA_TABLE, struct.pack("=I", t))          # noqa: E731
    r = lambda *a, flags=0: _dump_flags(b, nl, RTM_GETROUTE, struct.pack(  # noqa: E731
        "=BBBBBBBBI", AF_INET6, 0, 0, 0, 0, 0, 0, 0, flags) + b"".join(a))
    return {"local": r(table(255)), "main": r(table(254)), "unknown": r(table(77)),
            "prefix": r(flags=0x800), "cloned": r(flags=0x200),
            "addr_veth0": _dump_flags(b, nl, RTM_GETADDR, ifaddrmsg(
                AF_INET6, 0, b.if_nametoindex("veth0"), 0, 0))}


def scenario_inet6_dad(b):
    """DAD on a veth with carrier: the address is tentative at first, with its prefix route but
    not yet its local route; about 1-2 s later (a random delay below 1 s, then one probe's
    second) it is usable and its local route is there."""
    import time
    b.link_add("veth0", "veth", "veth1")
    for d in ("veth0", "veth1"):
        _v6_on(b, d)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    view = lambda: ([(a["address"], a["flags"]) for a in dump_addrs(b, nl, AF_INET6)],  # noqa
                    [(r["type"], r.get("dst")) for r in dump_routes(b, nl, AF_INET6)
                     if r.get("oif") == "veth0"])
    out = {"add": add6(b, nl, "veth0", "2001:db8::1", 64, flags6=0), "at_once": view()}
    time.sleep(2.5)
    out["later"] = view()
    return out


def scenario_inet_lifetimes_run_out(b):
    """An address with a preferred lifetime of 1 s and a valid one of 2 s: deprecated after its
    preferred lifetime (flags and the remaining lifetimes), deleted after its valid one."""
    import time
    _veth_down(b)
    nl = Rtnl(b)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    out = {"add": add4(b, nl, "veth0", "10.0.0.2", 24,
                       nla(IFA_CACHEINFO, struct.pack("=IIII", 1, 2, 0, 0)))}
    v = lambda: [(a["local"], a["flags"], a.get("ifa_flags"), a["lft"]) for a in  # noqa: E731
                 dump_addrs(b, nl, AF_INET) if a["dev"] == "veth0"]
    out["at_once"] = v()
    time.sleep(1.5)
    out["deprecated"] = v()
    time.sleep(1.2)
    out["expired"] = v()
    return out


def scenario_inet6_lifetimes_run_out(b):
    """An IPv6 address with lifetimes (preferred 1 s, valid 2 s) on an up veth: not permanent,
    its prefix route expires (RTA_CACHEINFO's rta_expires); deprecated after 1 s; deleted after
    2 s, while the expired prefix route stays until the route garbage collection."""
    import time
    b.link_add("veth0", "veth", "veth1")
    for d in ("veth0", "veth1"):
        _v6_on(b, d)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    i = b.if_nametoindex("veth0")
    add = nl.ack(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifaddrmsg(
        AF_INET6, 64, i, 0, 0, nla(IFA_LOCAL, IN6("2001:db8::1")),
        nla(IFA_FLAGS, struct.pack("=I", IFA_F_NODAD)),
        nla(IFA_CACHEINFO, struct.pack("=IIII", 1, 2, 0, 0))))

    def view():
        addrs = [(a["address"], a["flags"], a["lft"]) for a in dump_addrs(b, nl, AF_INET6)]
        routes = []
        for t, _f, p in nl.req(RTM_GETROUTE, NLM_F_DUMP, rtmsg(AF_INET6, 0, 0, 0, 0, 0)):
            if t == RTM_NEWROUTE:
                r = route_view(_idx(b, ["lo", "veth0", "veth1"]), p)
                if r.get("oif") == "veth0" and r["table"] == 254:
                    ci = struct.unpack("=IIiIIIII", _attrs(p, 12)[RTA_CACHEINFO])
                    # rta_expires counts down in clock ticks: whether it has run out
                    routes.append((r.get("dst"), "left" if ci[2] > 0 else "run out"))
        return addrs, routes
    out = {"add": add, "at_once": view()}
    time.sleep(1.4)
    out["deprecated"] = view()
    time.sleep(1.2)
    out["expired"] = view()
    return out


def _get6(b, nl, dst, *attrs, names=("lo", "veth0", "veth1")):
    idx = _idx(b, names)
    body = rtmsg(AF_INET6, 128 if dst else 0, 0, 0, 0, 0,
                 *([nla(RTA_DST, IN6(dst))] if dst else []), *attrs)
    for t, _f, p in nl.req(RTM_GETROUTE, NLM_F_ACK, body):
        if t == NLMSG_ERROR:
            err = -struct.unpack_from("=i", p, 0)[0]
            if err:
                return errname(OSError(err, ""))
        elif t == RTM_NEWROUTE:
            d = route_view(idx, p)
            a = _attrs(p, 12)
            if 2 in a:                                  # RTA_SRC
                d["from"] = _ip(AF_INET6, a[2])
            return d
    return "no-reply"


def scenario_inet6_route_get(b):
    """RTM_GETROUTE for one IPv6 destination (`ip -6 route get`): on-link, via a gateway (whose
    device the kernel found), a local address, ::1, the source chosen among several (the
    longest shared prefix, the outgoing device), no route (ENETUNREACH), an unknown device,
    a short RTA_DST (EINVAL)."""
    b.link_add("veth0", "veth", "veth1")
    for d in ("lo", "veth0", "veth1"):
        _v6_on(b, d)
    b.link_set("lo", up=False)
    b.link_set("lo", up=True)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add6(b, nl, "veth1", "2001:db8:1::1", 64)
    add6(b, nl, "veth1", "fd00::1", 64)
    gw = nl.ack(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rtmsg(
        AF_INET6, 48, 254, 3, 0, 1, nla(RTA_DST, IN6("2001:db8:7::")),
        nla(RTA_GATEWAY, IN6("2001:db8::2"))))
    bad_gw = nl.ack(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rtmsg(
        AF_INET6, 48, 254, 3, 0, 1, nla(RTA_DST, IN6("2001:db8:8::")),
        nla(RTA_GATEWAY, IN6("2001:db8:99::2"))))
    b.settle()
    return {"gw_route": gw, "bad_gw": bad_gw,
            "onlink": _get6(b, nl, "2001:db8::5"), "local": _get6(b, nl, "2001:db8::1"),
            "via": _get6(b, nl, "2001:db8:7::1"), "loopback": _get6(b, nl, "::1"),
            "ula": _get6(b, nl, "fd00::9"), "none": _get6(b, nl, "2001:db8:9::1"),
            "oif_bad": _get6(b, nl, "2001:db8::5", nla(RTA_OIF, struct.pack("=I", 999))),
            "short_dst": _get6(b, nl, None, nla(RTA_DST, b"\x20\x01"))}


def scenario_inet_addr_shapes(b):
    """Addresses of other shapes and their routes: a second address on lo (a local prefix
    route), a point-to-point peer (IFA_ADDRESS other than IFA_LOCAL), a /31, an explicit
    broadcast other than the subnet's, 255.255.255.255 as broadcast (no route), scope link."""
    setup_veth(b)
    nl = Rtnl(b)
    out = {"lo": add4(b, nl, "lo", "10.9.9.9", 32),
           "lo24": add4(b, nl, "lo", "10.8.8.1", 24),
           "peer": nl.ack(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifaddrmsg(
               AF_INET, 32, b.if_nametoindex("veth0"), 0, 0, nla(IFA_LOCAL, IN4("10.0.0.1")),
               nla(IFA_ADDRESS, IN4("10.0.0.2")))),
           "slash31": add4(b, nl, "veth1", "10.3.0.0", 31),
           "brd": add4(b, nl, "veth1", "10.4.0.1", 24, nla(IFA_BROADCAST, IN4("10.4.0.77"))),
           "lbcast": add4(b, nl, "veth1", "10.5.0.1", 24,
                          nla(IFA_BROADCAST, IN4("255.255.255.255"))),
           "scope_link": nl.ack(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifaddrmsg(
               AF_INET, 16, b.if_nametoindex("veth1"), 0, 253,
               nla(IFA_LOCAL, IN4("169.254.1.1"))))}
    out["addrs"] = _strip_lft(dump_addrs(b, nl, AF_INET))
    out["routes"] = dump_routes(b, nl, AF_INET)
    out["proc"] = b.read_procfs("net/route")
    return out


def scenario_inet_route_onlink(b):
    """RTNH_F_ONLINK: a gateway no route reaches is accepted on the named device (rtm_flags
    carry ONLINK); without the flag ENETUNREACH; errors: no device (ENODEV), host scope
    (EINVAL), a gateway that is a local or broadcast address (EINVAL), a device that is down
    (ENETDOWN)."""
    setup_veth(b)
    b.link_add("veth2", "veth", "veth3")
    nl = Rtnl(b)
    nl.ext_ack()
    add4(b, nl, "veth0", "10.0.0.1", 24)
    oif = lambda n: nla(RTA_OIF, struct.pack("=I", b.if_nametoindex(n)))   # noqa: E731
    gw = lambda a: nla(RTA_GATEWAY, IN4(a))                               # noqa: E731
    r = lambda dst, *a, flags=4, scope=0: nl.ack(                         # noqa: E731
        RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
        struct.pack("=BBBBBBBBI", AF_INET, 24, 0, 0, 254, 3, scope, 1, flags) +
        nla(RTA_DST, IN4(dst)) + b"".join(a))
    out = {"onlink": r("192.168.50.0", gw("172.30.0.1"), oif("veth0")),
           "plain": r("192.168.51.0", gw("172.30.0.1"), oif("veth0"), flags=0),
           "nodev": r("192.168.52.0", gw("172.30.0.1")),
           "host_scope": r("192.168.53.0", gw("172.30.0.1"), oif("veth0"), scope=253),
           "local_gw": r("192.168.54.0", gw("10.0.0.1"), oif("veth0")),
           "brd_gw": r("192.168.55.0", gw("10.0.0.255"), oif("veth0")),
           "down": r("192.168.56.0", gw("172.30.0.1"), oif("veth2"))}
    out["routes"] = [x for x in dump_routes(b, nl, AF_INET, ["lo", "veth0", "veth1", "veth2"])
                     if x["table"] == 254]
    return out


def scenario_inet6_keep_addr_on_down(b):
    """keep_addr_on_down on the device: a bounce keeps its permanent global addresses (not a
    link-local one, not one with lifetimes); they come back with their routes (and DAD) when it
    is up again."""
    import time
    b.link_add("veth0", "veth", "veth1")
    for d in ("veth0", "veth1"):
        _v6_on(b, d)
    b.sysctl("net.ipv6.conf.veth0.keep_addr_on_down", 1)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add6(b, nl, "veth0", "2001:db8:1::1", 64, flags6=0)
    add6(b, nl, "veth0", "fe80::1", 64)
    time.sleep(2.5)                                  # DAD of the second one
    view = lambda: ([(a["address"], a["flags"]) for a in dump_addrs(b, nl, AF_INET6)],  # noqa
                    [(r["type"], r.get("dst")) for r in dump_routes(b, nl, AF_INET6)
                     if r.get("oif") == "veth0"])
    out = {"before": view()}
    b.link_set("veth0", up=False)
    out["down"] = view()
    b.link_set("veth0", up=True)
    time.sleep(2.5)                                  # DAD again for the one without nodad
    out["up"] = view()
    return out


def scenario_inet6_getaddr_one(b):
    """RTM_GETADDR without NLM_F_DUMP: IPv6 answers one address (by IFA_ADDRESS or IFA_LOCAL,
    on the named device or any), EADDRNOTAVAIL for another device's or a missing one, EINVAL
    without an address; IPv4 has no such request (EOPNOTSUPP)."""
    _veth_down(b)
    _v6_on(b, "veth0")
    nl = Rtnl(b)
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add4(b, nl, "veth0", "10.0.0.1", 24)
    idx = _idx(b, ["lo", "veth0", "veth1"])

    def get(fam, index, *a):
        for t, _f, p in nl.req(RTM_GETADDR, NLM_F_ACK, ifaddrmsg(fam, 0, index, 0, 0, *a)):
            if t == NLMSG_ERROR:
                err = -struct.unpack_from("=i", p, 0)[0]
                if err:
                    return errname(OSError(err, ""))
            elif t == RTM_NEWADDR:
                return addr_view(b, idx, p)
        return "no-reply"
    v0, v1 = b.if_nametoindex("veth0"), b.if_nametoindex("veth1")
    return {"by_address": _strip_lft([get(AF_INET6, v0, nla(IFA_ADDRESS, IN6("2001:db8::1")))]),
            "by_local_any": _strip_lft([get(AF_INET6, 0, nla(IFA_LOCAL, IN6("2001:db8::1")))]),
            "other_dev": get(AF_INET6, v1, nla(IFA_ADDRESS, IN6("2001:db8::1"))),
            "bad_index": _strip_lft([get(AF_INET6, 999, nla(IFA_ADDRESS, IN6("2001:db8::1")))]),
            "missing": get(AF_INET6, v0, nla(IFA_ADDRESS, IN6("2001:db8::9"))),
            "no_addr": get(AF_INET6, v0), "inet": get(AF_INET, v0, nla(IFA_LOCAL, IN4("10.0.0.1")))}


def scenario_inet6_route_replace_prefsrc(b):
    """IPv6 routes: NLM_F_REPLACE replaces the route of that prefix and metric (ENOENT without
    NLM_F_CREATE when there is none); RTA_PREFSRC must be an address of the device ("Invalid
    source address") and shows in dumps and in `ip -6 route get`."""
    b.link_add("veth0", "veth", "veth1")
    for d in ("veth0", "veth1"):
        _v6_on(b, d)
    b.link_set("veth1", up=True)
    b.link_set("veth0", up=True)
    b.settle()
    nl = Rtnl(b)
    nl.ext_ack()
    add6(b, nl, "veth0", "2001:db8::1", 64)
    add6(b, nl, "veth0", "2001:db8::7", 64)
    oif = nla(RTA_OIF, struct.pack("=I", b.if_nametoindex("veth0")))

    def r6(dst, plen, *attrs, flags=NLM_F_CREATE | NLM_F_EXCL):
        return nl.ack(RTM_NEWROUTE, flags, rtmsg(AF_INET6, plen, 254, 3, 0, 1,
                                                 nla(RTA_DST, IN6(dst)), *attrs))
    out = {"add": r6("2001:db8:5::", 48, oif),
           "replace": r6("2001:db8:5::", 48, oif, nla(RTA_GATEWAY, IN6("2001:db8::2")),
                         flags=NLM_F_REPLACE | NLM_F_CREATE),
           "replace_nocreate": r6("2001:db8:6::", 48, oif, flags=NLM_F_REPLACE),
           "prefsrc": r6("2001:db8:8::", 48, oif, nla(RTA_PREFSRC, IN6("2001:db8::7"))),
           "prefsrc_bad": r6("2001:db8:9::", 48, oif, nla(RTA_PREFSRC, IN6("2001:db8::99")))}
    out["routes"] = [r for r in dump_routes(b, nl, AF_INET6) if r["table"] == 254]
    out["get"] = _get6(b, nl, "2001:db8:8::1")
    return out


def scenario_inet_promote_secondaries(b):
    """promote_secondaries on: deleting a primary promotes its first secondary (moved among
    the primaries, no longer secondary, announced) and the subnet's routes take it as their
    preferred source; the other secondaries stay."""
    b.sysctl("net.ipv4.conf.all.promote_secondaries", 1)
    nl = _up_with_address(b)
    for a, plen in (("10.1.0.1", 16), ("10.0.0.2", 24), ("10.0.0.3", 24)):
        add4(b, nl, "veth0", a, plen)
    out = {"del": del4(b, nl, "veth0", "10.0.0.1", 24),
           "addrs": [(a["local"], a["flags"]) for a in dump_addrs(b, nl, AF_INET)],
           "routes": dump_routes(b, nl, AF_INET)}
    out["del_promoted"] = del4(b, nl, "veth0", "10.0.0.2", 24)
    out["after"] = [(a["local"], a["flags"]) for a in dump_addrs(b, nl, AF_INET)]
    return out
