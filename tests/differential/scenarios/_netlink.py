"""Shared helpers for the AF_NETLINK scenarios (netlink_*.py): NETLINK_ROUTE sockets, requests,
and notifications parsed attribute by attribute into comparable observations.

Volatile fields are normalised: ifindexes become device names (the scenario names its devices),
the statistics are left out, header port ids are "0", "self" (the receiving socket) or "other",
and attributes only newer kernels send are ignored (the observation lists the attributes 5.15
sends that the model has, and compares their values).
"""
from __future__ import annotations

import struct

from ._common import errname

AF_NETLINK, NETLINK_ROUTE, SOL_NETLINK = 16, 0, 270
SOCK_RAW_NL = 3
NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, NETLINK_PKTINFO = 1, 2, 3
NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_RX_RING, NETLINK_TX_RING = 4, 5, 6, 7
NETLINK_LISTEN_ALL_NSID, NETLINK_LIST_MEMBERSHIPS, NETLINK_CAP_ACK = 8, 9, 10
NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK = 11, 12
FLAG_OPTIONS = {"PKTINFO": 3, "BROADCAST_ERROR": 4, "NO_ENOBUFS": 5, "LISTEN_ALL_NSID": 8,
                "CAP_ACK": 10, "EXT_ACK": 11, "GET_STRICT_CHK": 12}
RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE = 1, 5, 7
RTNLGRP_IPV4_MROUTE_R, RTNLGRP_IPV6_MROUTE_R = 30, 31
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
CAP_NET_ADMIN, CAP_NET_BROADCAST = 12, 11

IFLA_NAMES = {1: "address", 2: "broadcast", 3: "ifname", 4: "mtu", 5: "link", 6: "qdisc",
              13: "txqlen", 16: "operstate", 17: "linkmode", 18: "linkinfo", 27: "group",
              30: "promiscuity", 33: "carrier", 35: "carrier_changes", 37: "link_netnsid",
              45: "new_netnsid",
              47: "carrier_up_count", 48: "carrier_down_count", 49: "new_ifindex",
              50: "min_mtu", 51: "max_mtu"}
U32_ATTRS = {4, 13, 27, 30, 35, 47, 48, 50, 51}
S32_ATTRS = {37, 45, 49}
U8_ATTRS = {16, 17, 33}
STR_ATTRS = {3, 6}


def sockaddr_nl(pid=0, groups=0, family=AF_NETLINK) -> bytes:
    return struct.pack("=HHII", family, 0, pid & 0xFFFFFFFF, groups & 0xFFFFFFFF)


KERNEL = sockaddr_nl()


def u32(v: int) -> bytes:
    return struct.pack("=I", v & 0xFFFFFFFF)


def i32(v: int) -> bytes:
    return struct.pack("=i", v)


def nl_socket(b, groups=0, pid=0):
    """A bound NETLINK_ROUTE socket (groups: the nl_groups mask)."""
    s = b.socket(AF_NETLINK, SOCK_RAW_NL, NETLINK_ROUTE)
    b.sys_bind(s, sockaddr_nl(pid, groups))
    return s


def portid(b, s) -> int:
    return struct.unpack_from("=I", b.sys_getsockname(s), 4)[0]


def nla(t: int, payload: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(payload), t) + payload + b"\0" * (-len(payload) % 4)


def ifinfomsg(index=0, flags=0, change=0, ifi_type=0, pad=0, family=0) -> bytes:
    return struct.pack("=BBHiII", family, pad, ifi_type, index, flags, change)


def request(msgtype: int, flags: int, seq: int, body: bytes) -> bytes:
    return struct.pack("=IHHII", 16 + len(body), msgtype, flags, seq, 0) + body


def parse_attrs(buf: bytes, off: int) -> dict:
    out = {}
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        out[t & 0x3FFF] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def messages(data: bytes):
    """(len, type, flags, seq, pid, payload) of each message of a datagram."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, t, f, seq, pid = struct.unpack_from("=IHHII", data, off)
        out.append((ln, t, f, seq, pid, data[off + 16:off + ln]))
        if ln < 16:
            break
        off += (ln + 3) & ~3
    return out


def link_obs(payload: bytes, names: dict) -> dict:
    """An ifinfomsg and its attributes as comparable values (ifindexes by name)."""
    fam, ifi_type, index, flags, change = struct.unpack_from("=BxHiII", payload, 0)
    a = parse_attrs(payload, 16)
    o = {"family": fam, "ifi_type": ifi_type, "index": names.get(index, index),
         "flags": hex(flags), "change": hex(change)}
    for t, name in IFLA_NAMES.items():
        if t not in a:
            continue
        v = a[t]
        if t in U32_ATTRS:
            v = struct.unpack_from("=I", v)[0]
        elif t in S32_ATTRS:
            v = struct.unpack_from("=i", v)[0]
            if t == 49:
                v = names.get(v, v)
        elif t in U8_ATTRS:
            v = v[0]
        elif t in STR_ATTRS:
            v = v.split(b"\0")[0].decode()
        elif t == 5:
            ix = struct.unpack_from("=i", v)[0]
            v = names.get(ix, ix)
        elif t == 18:
            v = {"kind": parse_attrs(v, 0).get(1, b"").split(b"\0")[0].decode()}
        else:
            v = v.hex()
        o[name] = v
    return o


def msg_obs(m, names: dict, me: int | None = None) -> dict:
    ln, t, f, seq, pid, payload = m
    o = {"type": t, "flags": hex(f), "seq": seq,
         "pid": "0" if pid == 0 else ("self" if pid == me else "other")}
    if t in (RTM_NEWLINK, RTM_DELLINK):
        o["link"] = link_obs(payload, names)
    elif t in (NLMSG_ERROR, NLMSG_DONE):
        o["error"] = struct.unpack_from("=i", payload)[0] if len(payload) >= 4 else None
        if t == NLMSG_DONE and f & 0x200:
            o["ext_ack"] = _ext_ack(payload[4:])
        elif t == NLMSG_ERROR and len(payload) >= 20:
            echo_len = struct.unpack_from("=I", payload, 4)[0]
            o["echo_len"] = echo_len if not f & 0x100 else 16
            if f & 0x200:
                o["ext_ack"] = _ext_ack(payload[4 + (16 if f & 0x100 else echo_len):])
    return o


def _ext_ack(tlvs: bytes):
    a = parse_attrs(tlvs, 0)
    return a[1].split(b"\0")[0].decode() if 1 in a else None


def collect(b, s, names: dict, me: int | None = None, size: int = 65536, limit: int = 200):
    """Everything queued on `s` (waiting a moment for the real kernel's deferred work), as
    message observations; an error is recorded as {"err": NAME}."""
    grace = getattr(b, "async_grace", 0.0)
    out = []
    for _ in range(limit):
        try:
            _ret, data, _addr = b.sys_recvfrom(s, size, 0x40)
        except BlockingIOError:
            if grace and b.wait_readable(s, grace):
                continue
            break
        except OSError as e:
            out.append({"err": errname(e)})
            continue
        out += [msg_obs(m, names, me) for m in messages(data)]
    return out


def link_events(b, s, names: dict):
    """The link notifications queued on `s`: per message its type, the device and the fields
    that changed meaning (flags, change mask, operstate, carrier, mtu, link, ...)."""
    return [m.get("link", m) | {"msg": m.get("type")} if "link" in m else m
            for m in collect(b, s, names)]


def setint_attempt(b, s, level, name, optval):
    try:
        b.sys_setsockopt(s, level, name, optval)
        return "ok"
    except OSError as e:
        return errname(e)


def getopt_attempt(b, s, level, name, optlen):
    try:
        return b.sys_getsockopt(s, level, name, optlen).hex()
    except OSError as e:
        return errname(e)


def mask_random_addresses(obs):
    """Random device addresses (veth ends created without one) as their kind only."""
    for m in obs:
        link = m.get("link") if isinstance(m, dict) else None
        if link and "address" in link:
            a = bytes.fromhex(link["address"])
            link["address"] = "random local unicast" if a and a[0] & 3 == 2 else a.hex()
    return obs
