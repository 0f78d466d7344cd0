"""The address and route notifications the inet code sends (rtnl_notify to RTNLGRP_IPV4_IFADDR,
RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE), message by message in order,
against what a real kernel multicasts for the same `ip` commands in a fresh namespace. (The
model's netlink multicast itself is the notify work; here the messages are taken where the
kernel code hands them to rtnl_notify.)"""
import select
import socket
import struct

import pytest

import netkernel
from netkernel import iproute
from netkernel.net.ipv4 import devinet, fib_semantics
from netkernel.net.ipv6 import addrconf, route as route6

from tests import realkernel

GROUPS = {0x10: 5, 0x40: 7, 0x100: 9, 0x400: 11}     # RTMGRP_* bit → RTNLGRP_* number
STEPS = [
    "link add veth0 type veth peer name veth1",
    "link set veth0 address 02:00:00:00:00:01",
    "link set veth1 address 02:00:00:00:00:02",
    "addr add 10.0.0.1/24 dev veth0",             # down: the address and its local route
    "link set veth1 up",
    "link set veth0 up",                          # the prefix and broadcast routes (silently)
    "addr add 10.0.0.2/24 brd + dev veth0",       # a secondary
    "route add default via 10.0.0.254",
    "route del default",
    "addr del 10.0.0.1/24 dev veth0",             # the primary takes the secondary along
    "-6 addr add 2001:db8::1/64 dev veth0 nodad",
    "-6 route add 2001:db8:5::/48 dev veth0",
    "-6 addr del 2001:db8::1/64 dev veth0",
    "addr add 10.1.0.1/16 dev veth0",
    "-6 addr add 2001:db8:2::1/64 dev veth0 nodad",
    "link set veth0 down",                        # IPv4 routes go silently, IPv6 announced
    "link set veth0 up",
    "-6 addr add 2001:db8:3::1/64 dev veth0 nodad",
    "link del veth0",                             # both ends down, then both unregistered
]


def _attrs(payload: bytes, start: int) -> dict:
    d, off = {}, start
    while off + 4 <= len(payload):
        ln, t = struct.unpack_from("=HH", payload, off)
        d[t] = payload[off + 4:off + ln]
        off += (ln + 3) & ~3
    return d


def _view(msg: bytes):
    """(type, family, the address or destination, prefix length, rtm_table or ifa flags)."""
    ln, t = struct.unpack_from("=IH", msg, 0)
    p = msg[16:ln]
    fam = p[0]
    conv = (lambda r: socket.inet_ntop(socket.AF_INET if fam == 2 else socket.AF_INET6, r))
    if t in (20, 21):                                    # RTM_NEWADDR / RTM_DELADDR
        a = _attrs(p, 8)
        return (t, fam, conv(a.get(2, a.get(1))), p[1], struct.unpack_from("=I", a[8])[0])
    a = _attrs(p, 12)
    return (t, fam, conv(a[1]) if 1 in a else "default", p[1], p[4])


def _real_messages():
    with realkernel.RealNetns() as ns:
        with realkernel.in_netns(ns.name):
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
            s.bind((0, sum(GROUPS)))
            for key in ("default",):
                with open(f"/proc/sys/net/ipv6/conf/{key}/disable_ipv6", "w") as f:
                    f.write("0")
                with open(f"/proc/sys/net/ipv6/conf/{key}/addr_gen_mode", "w") as f:
                    f.write("1")
        out = []
        for step in STEPS:
            r = ns.ip(*step.split(), check=False)
            assert r.returncode == 0, (step, r.stderr)
            while select.select([s], [], [], 0.3)[0]:
                data = s.recv(65536)
                off = 0
                while off + 16 <= len(data):
                    ln = struct.unpack_from("=I", data, off)[0]
                    out.append(_view(data[off:off + ln]))
                    off += (ln + 3) & ~3
        s.close()
        return out


def _model_messages(monkeypatch):
    heard = []
    note = lambda net, msg, group: heard.append(_view(msg))       # noqa: E731
    for mod in (devinet, fib_semantics, addrconf, route6):
        monkeypatch.setattr(mod, "rtnl_notify", note)
    k = netkernel.Kernel()
    k.sysctl("net.ipv6.conf.all.disable_ipv6", 1)      # as the real namespace is made
    k.sysctl("net.ipv6.conf.default.disable_ipv6", 0)
    heard.clear()
    for step in STEPS:
        iproute.run(k, step.split())
    return heard


@pytest.mark.skipif(not realkernel.available()[0], reason="needs a real network namespace")
def test_notifications_match_the_real_kernel(monkeypatch):
    assert _model_messages(monkeypatch) == _real_messages()
