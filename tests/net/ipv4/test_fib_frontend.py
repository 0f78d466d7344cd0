"""IPv4 routes (net/ipv4/fib_frontend.py, fib_trie.py, fib_semantics.py): the routes the kernel
installs for addresses and what device events do to them, user routes and their errors,
notifications, /proc/net/route, SIOCADDRT."""
import ctypes
import socket
import struct

import pytest

import netkernel
from netkernel.net.ipv4 import fib_semantics
from netkernel.uapi import errno as E
from netkernel.uapi.rtnetlink import RTM_DELROUTE, RTM_NEWROUTE, RTNLGRP_IPV4_ROUTE
from netkernel.uapi.sockios import SIOCADDRT, SIOCDELRT


@pytest.fixture
def k():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    return k


def table(k, name=None):
    return [(r["type"], r["dst"], r.get("gateway"), r.get("dev"), r.get("prefsrc"),
             r.get("metric"), r["flags"])
            for r in k.routes(family=2) if name is None or r["table"] == name]


LO = [("local", "127.0.0.0/8", None, "lo", "127.0.0.1", None, []),
      ("local", "127.0.0.1", None, "lo", "127.0.0.1", None, []),
      ("broadcast", "127.255.255.255", None, "lo", "127.0.0.1", None, [])]


def test_a_fresh_machine_has_lo_routes_only(k):
    assert table(k, "main") == [] and table(k, "local") == LO


def test_routes_for_an_address_follow_the_device(k):
    k.addr_add("veth0", "10.0.0.1/24")              # down: only the local route
    assert table(k) == [("local", "10.0.0.1", None, "veth0", "10.0.0.1", None, [])] + LO
    k.link_set("veth0", up=True)                    # up, peer down: no carrier
    full = [("unicast", "10.0.0.0/24", None, "veth0", "10.0.0.1", None, ["linkdown"]),
            ("local", "10.0.0.1", None, "veth0", "10.0.0.1", None, []),
            ("broadcast", "10.0.0.255", None, "veth0", "10.0.0.1", None, ["linkdown"])] + LO
    assert table(k) == full
    k.link_set("veth1", up=True)
    assert table(k) == [(*r[:6], []) for r in full]
    k.link_set("veth0", up=False)
    assert table(k) == [("local", "10.0.0.1", None, "veth0", "10.0.0.1", None, [])] + LO
    k.link_set("veth0", up=True)
    k.addr_del("veth0", "10.0.0.1/24")
    assert table(k) == LO


def test_user_routes_and_their_errors(k):
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    k.addr_add("veth0", "10.0.0.1/24")
    k.route_add("default", via="10.0.0.254")
    k.route_add("192.168.1.0/24", dev="veth0", metric=20)
    with pytest.raises(FileExistsError):
        k.route_add("default", via="10.0.0.254")
    with pytest.raises(OSError) as e:
        k.route_add("172.16.0.0/16", via="172.31.0.1")
    assert (e.value.errno, e.value.extack) == (E.ENETUNREACH, "Nexthop has invalid gateway")
    with pytest.raises(OSError) as e:
        k.route_add("192.168.2.1/24", dev="veth0")
    assert e.value.errno == E.EINVAL
    with pytest.raises(OSError) as e:
        k.route_del("192.168.9.0/24")
    assert e.value.errno == E.ESRCH
    assert table(k, "main") == [
        ("unicast", "default", "10.0.0.254", "veth0", None, None, []),
        ("unicast", "10.0.0.0/24", None, "veth0", "10.0.0.1", None, []),
        ("unicast", "192.168.1.0/24", None, "veth0", None, 20, [])]
    k.link_set("veth0", up=False)                   # the device's routes die with it
    assert table(k, "main") == []


def test_route_notifications(k, monkeypatch):
    heard = []
    monkeypatch.setattr(fib_semantics, "rtnl_notify",
                        lambda net, msg, group: heard.append((group, msg[4:6])))
    k.link_set("veth0", up=True)
    k.addr_add("veth0", "10.0.0.1/24")
    kinds = [(g, struct.unpack("=H", t)[0]) for g, t in heard]
    assert kinds == [(RTNLGRP_IPV4_ROUTE, RTM_NEWROUTE)] * 3     # local, prefix, broadcast
    heard.clear()
    k.addr_del("veth0", "10.0.0.1/24")
    assert [(g, struct.unpack("=H", t)[0]) for g, t in heard] == \
        [(RTNLGRP_IPV4_ROUTE, RTM_DELROUTE)] * 3


def test_proc_net_route(k):
    k.link_set("veth0", up=True)
    k.addr_add("veth0", "10.0.0.1/24")
    k.route_add("default", via="10.0.0.254")
    lines = k.procfs("net/route").splitlines()
    assert all(len(line) == 127 for line in lines)
    assert [line.split() for line in lines[1:]] == [
        ["veth0", "00000000", "FE00000A", "0003", "0", "0", "0", "00000000", "0", "0", "0"],
        ["veth0", "0000000A", "00000000", "0001", "0", "0", "0", "00FFFFFF", "0", "0", "0"]]


def _rtentry(dst, mask, gw=None, flags=0x1, dev=None):
    raw = bytearray(120)
    sin = lambda a: struct.pack("<H", 2) + b"\0\0" + socket.inet_aton(a) + bytes(8)  # noqa
    raw[8:24] = sin(dst)
    if gw:
        raw[24:40] = sin(gw)
    raw[40:56] = sin(mask)
    struct.pack_into("<H", raw, 56, flags)
    if dev is not None:
        struct.pack_into("<Q", raw, 88, ctypes.addressof(dev))
    return bytes(raw)


def test_siocaddrt_and_siocdelrt(k):
    k.link_set("veth0", up=True)
    k.addr_add("veth0", "10.0.0.1/24")
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    name = ctypes.create_string_buffer(b"veth0")
    k.ioctl(s.fileno(), SIOCADDRT, _rtentry("0.0.0.0", "0.0.0.0", "10.0.0.254", 0x3))
    k.ioctl(s.fileno(), SIOCADDRT, _rtentry("192.168.1.0", "255.255.255.0", dev=name))
    assert [r[:4] for r in table(k, "main")] == [
        ("unicast", "default", "10.0.0.254", "veth0"),
        ("unicast", "10.0.0.0/24", None, "veth0"), ("unicast", "192.168.1.0/24", None, "veth0")]
    assert [r["protocol"] for r in k.routes(2) if r["table"] == "main"] == \
        ["boot", "kernel", "boot"]
    with pytest.raises(OSError) as e:
        k.ioctl(s.fileno(), SIOCADDRT, _rtentry("192.168.2.0", "255.255.255.0", flags=0x3))
    assert e.value.errno == E.EINVAL                # RTF_GATEWAY without a gateway
    k.ioctl(s.fileno(), SIOCDELRT, _rtentry("192.168.1.0", "255.255.255.0", dev=name))
    with pytest.raises(OSError) as e:
        k.ioctl(s.fileno(), SIOCDELRT, _rtentry("192.168.1.0", "255.255.255.0", dev=name))
    assert e.value.errno == E.ESRCH


def test_route_get(k):
    """`ip route get`: the route, device and source the kernel would use (net/ipv4/route.py)."""
    with pytest.raises(OSError) as e:
        k.route_get("10.0.0.5")
    assert e.value.errno == E.ENETUNREACH
    k.link_set("veth0", up=True)
    k.addr_add("veth0", "10.0.0.1/24")
    k.route_add("default", via="10.0.0.254")
    assert k.route_get("10.0.0.5") == {"type": "unicast", "dst": "10.0.0.5", "dev": "veth0",
                                       "prefsrc": "10.0.0.1", "uid": 0, "cache": []}
    assert k.route_get("8.8.8.8")["gateway"] == "10.0.0.254"
    assert k.route_get("10.0.0.1") == {"type": "local", "dst": "10.0.0.1", "dev": "lo",
                                       "prefsrc": "10.0.0.1", "uid": 0, "cache": ["local"]}
    assert k.route_get("10.0.0.255")["cache"] == ["local", "brd"]
    with pytest.raises(OSError) as e:
        k.route_get("10.0.0.5", src="10.9.9.9")
    assert e.value.errno == E.ENETUNREACH
