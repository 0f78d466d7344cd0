"""IPv6 addresses (net/ipv6/addrconf.py) and routes (route.py, ip6_fib.py): ::1 on lo, the
disable_ipv6 switch, DAD's tentative state, a device going down, notifications, /proc files."""
import struct

import pytest

import netkernel
from netkernel.net.ipv6 import addrconf, route
from netkernel.uapi import errno as E
from netkernel.uapi.rtnetlink import (IFA_F_NODAD, IFA_F_PERMANENT, IFA_F_TENTATIVE,
                                      RTM_DELADDR, RTM_NEWADDR, RTM_NEWROUTE,
                                      RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE)


@pytest.fixture
def k():
    k = netkernel.Kernel(clock="virtual")
    k.link_add("veth0", kind="veth", peer="veth1")
    return k


def v6(k, dev=None):
    return [(a["ifname"], a["local"], a["prefixlen"], a["flags"])
            for a in k.addrs(dev) if a["family"] == "inet6"]


def routes6(k):
    return [(r["type"], r["dst"], r.get("dev"), r["table"], r["metric"])
            for r in k.routes(family=10)]


def test_lo_gets_loopback_address_and_its_local_route(k):
    assert v6(k) == [("lo", "::1", 128, IFA_F_PERMANENT)]
    assert routes6(k) == [("local", "::1", "lo", "local", 0)]
    assert k.procfs("net/if_inet6") == "00000000000000000000000000000001 01 80 10 80       lo\n"


def test_disable_ipv6_takes_everything_and_refuses_addresses(k):
    k.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
    assert v6(k) == [] and routes6(k) == []
    with pytest.raises(PermissionError) as e:
        k.addr_add("veth0", "2001:db8::1/64")
    assert e.value.errno == E.EACCES
    assert k.sysctl("net.ipv6.conf.default.disable_ipv6") == 1
    k.sysctl("net.ipv6.conf.lo.disable_ipv6", 0)       # lo is up: configured again
    assert v6(k) == [("lo", "::1", 128, IFA_F_PERMANENT)]
    with pytest.raises(FileNotFoundError):
        k.sysctl("net.ipv6.conf.nosuch.disable_ipv6")


def test_tentative_until_the_device_is_up_with_carrier(k):
    k.addr_add("veth0", "2001:db8::1/64")
    k.addr_add("veth0", "2001:db8:1::1/64", nodad=True)
    assert v6(k, "veth0") == [("veth0", "2001:db8:1::1", 64, IFA_F_PERMANENT | IFA_F_NODAD),
                              ("veth0", "2001:db8::1", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE)]
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    assert ("local", "2001:db8::1", "veth0", "local", 0) not in routes6(k)
    k.advance(999_000_000)              # DAD: a random delay below 1 s, then 1 s for the probe
    assert v6(k, "veth0")[1][3] == IFA_F_PERMANENT | IFA_F_TENTATIVE
    k.advance(1_001_000_000)
    assert [a[3] for a in v6(k, "veth0")] == [IFA_F_PERMANENT | IFA_F_NODAD, IFA_F_PERMANENT]
    assert ("local", "2001:db8::1", "veth0", "local", 0) in routes6(k)
    assert ("unicast", "2001:db8::/64", "veth0", "main", 256) in routes6(k)
    assert ("multicast", "ff00::/8", "veth0", "local", 256) in routes6(k)


def test_dad_on_a_ready_device_and_an_address_deleted_meanwhile(k):
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    k.addr_add("veth0", "2001:db8::1/64")
    k.addr_add("veth0", "2001:db8::2/64")
    assert {a[3] for a in v6(k, "veth0")} == {IFA_F_PERMANENT | IFA_F_TENTATIVE}
    k.addr_del("veth0", "2001:db8::2/64")
    k.advance(2_000_000_000)
    assert v6(k, "veth0") == [("veth0", "2001:db8::1", 64, IFA_F_PERMANENT)]


def test_down_drops_addresses_and_routes(k):
    k.link_set("veth0", up=True)
    k.addr_add("veth0", "2001:db8::1/64", nodad=True)
    k.link_set("veth0", up=False)
    assert v6(k, "veth0") == []
    assert [r for r in routes6(k) if r[2] == "veth0"] == []


def test_errors(k):
    k.sysctl("net.ipv6.conf.veth0.disable_ipv6", 0)
    for text, err in (("::/64", E.EADDRNOTAVAIL), ("ff02::1/64", E.EADDRNOTAVAIL),
                      ("::1/128", E.EADDRNOTAVAIL), ("2001:db8::1/129", E.EINVAL)):
        with pytest.raises(OSError) as e:
            k.addr_add("veth0", text)
        assert e.value.errno == err, text
    with pytest.raises(OSError) as e:
        k.addr_del("veth0", "2001:db8::1/64")
    assert e.value.errno == E.EADDRNOTAVAIL
    with pytest.raises(OSError) as e:
        k.route_add("2001:db8:5::/48", dev="veth0")    # down: "Nexthop device is not up"
    assert e.value.errno == E.ENETDOWN


def test_notifications(k, monkeypatch):
    heard = []
    note = lambda net, msg, group: heard.append((group, struct.unpack_from("=H", msg, 4)[0]))  # noqa
    monkeypatch.setattr(addrconf, "rtnl_notify", note)
    monkeypatch.setattr(route, "rtnl_notify", note)
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    heard.clear()
    k.addr_add("veth0", "2001:db8::1/64", nodad=True)
    assert heard == [(RTNLGRP_IPV6_ROUTE, RTM_NEWROUTE), (RTNLGRP_IPV6_IFADDR, RTM_NEWADDR),
                     (RTNLGRP_IPV6_ROUTE, RTM_NEWROUTE)]     # prefix, address, local route
    heard.clear()
    k.addr_del("veth0", "2001:db8::1/64")
    assert (RTNLGRP_IPV6_IFADDR, RTM_DELADDR) in heard


def test_proc_net_ipv6_route(k):
    lines = k.procfs("net/ipv6_route").splitlines()
    assert [line.split()[-2:] for line in lines] == [["00200200", "lo"], ["80200001", "lo"],
                                                      ["00200200", "lo"]]


def test_lifetimes_deprecate_delete_and_the_route_expires(k):
    """An address with lifetimes (preferred 2 s, valid 4 s): its prefix route expires with it;
    deprecated at 2 s, deleted at 4 s; the expired route goes at the next route garbage
    collection (30 s after the route came)."""
    from netkernel.uapi.rtnetlink import IFA_F_DEPRECATED
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    k.addr_add("veth0", "2001:db8::1/64", nodad=True, valid_lft=4, preferred_lft=2)
    assert v6(k, "veth0") == [("veth0", "2001:db8::1", 64, IFA_F_NODAD)]
    prefix = [r for r in k.routes(10) if r["dst"] == "2001:db8::/64"]
    assert [r["expires"] for r in prefix] == [4]          # 4 s left (the clock stands still)
    k.advance(2_100_000_000)
    assert v6(k, "veth0")[0][3] == IFA_F_NODAD | IFA_F_DEPRECATED
    k.advance(2_000_000_000)
    assert v6(k, "veth0") == []
    assert [r["dst"] for r in k.routes(10) if r.get("dev") == "veth0" and
            r["table"] == "main"] == ["2001:db8::/64"]    # expired, not yet collected
    k.advance(26_000_000_000)
    assert [r["dst"] for r in k.routes(10) if r.get("dev") == "veth0" and
            r["table"] == "main"] == []
