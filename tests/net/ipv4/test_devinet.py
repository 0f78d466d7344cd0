"""IPv4 addresses on devices (net/ipv4/devinet.py): the in_device of each device, lo's
127.0.0.1, insertion order and secondaries, RTM_NEWADDR/DELADDR and their notifications, the
address ioctls, unregistering."""
import socket
import struct

import pytest

import netkernel
from netkernel.net.ipv4 import devinet
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_RAW
from netkernel.uapi.rtnetlink import (IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL,
                                      IFA_LOCAL, IFA_F_PERMANENT, IFA_F_SECONDARY, RTM_DELADDR,
                                      RTM_NEWADDR, RTNLGRP_IPV4_IFADDR)
from netkernel.uapi.sockios import (SIOCGIFADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK, SIOCSIFADDR,
                                    SIOCSIFNETMASK)


@pytest.fixture
def k():
    k = netkernel.Kernel(clock="virtual")
    k.link_add("veth0", kind="veth", peer="veth1")
    return k


@pytest.fixture
def heard(monkeypatch):
    """The notifications devinet sends: (group, type, payload)."""
    out = []

    def rtnl_notify(net, msg, group):
        ln, t = struct.unpack_from("=IH", msg, 0)
        out.append((group, t, msg[16:ln]))
    monkeypatch.setattr(devinet, "rtnl_notify", rtnl_notify)
    return out


def _attrs(payload: bytes, start: int = 8) -> dict:
    d, off = {}, start
    while off + 4 <= len(payload):
        ln, t = struct.unpack_from("=HH", payload, off)
        d[t] = payload[off + 4:off + ln]
        off += (ln + 3) & ~3
    return d


def v4(k, dev=None):
    return [(a["ifname"], a["local"], a["prefixlen"], a["flags"], a["label"])
            for a in k.addrs(dev) if a["family"] == "inet"]


def test_lo_has_127_0_0_1_from_the_start_and_in_every_namespace(k):
    assert v4(k) == [("lo", "127.0.0.1", 8, IFA_F_PERMANENT, "lo")]
    ns = k.netns_add("a")
    assert v4(ns) == [("lo", "127.0.0.1", 8, IFA_F_PERMANENT, "lo")]


def test_lo_keeps_its_address_when_down_and_does_not_get_a_second_one(k):
    k.link_set("lo", up=False)
    assert v4(k, "lo") == [("lo", "127.0.0.1", 8, IFA_F_PERMANENT, "lo")]
    k.link_set("lo", up=True)
    assert len(v4(k, "lo")) == 1


def test_primaries_before_secondaries_and_labels(k):
    k.addr_add("veth0", "10.0.0.1/24")
    k.addr_add("veth0", "10.0.0.2/24")                   # same subnet: secondary
    k.addr_add("veth0", "10.1.0.1/16", label="veth0:x")  # another primary goes before it
    assert v4(k, "veth0") == [("veth0", "10.0.0.1", 24, IFA_F_PERMANENT, "veth0"),
                              ("veth0", "10.1.0.1", 16, IFA_F_PERMANENT, "veth0:x"),
                              ("veth0", "10.0.0.2", 24, IFA_F_PERMANENT | IFA_F_SECONDARY,
                               "veth0")]


def test_rejections_change_nothing(k):
    k.addr_add("veth0", "10.0.0.1/24")
    before = v4(k)
    with pytest.raises(FileExistsError):
        k.addr_add("veth0", "10.0.0.1/24")
    with pytest.raises(OSError) as e:
        k.addr_add("veth0", "10.0.0.9/33")
    assert e.value.errno == E.EINVAL
    with pytest.raises(OSError) as e:
        k.addr_del("veth0", "10.9.9.9/24")
    assert e.value.errno == E.EADDRNOTAVAIL
    p = k.process(caps={CAP_NET_RAW})
    with pytest.raises(PermissionError):
        p.addr_add("veth0", "10.0.0.7/24")
    assert v4(k) == before


def test_deleting_a_primary_deletes_its_secondaries(k, heard):
    k.addr_add("veth0", "10.0.0.1/24")
    k.addr_add("veth0", "10.0.0.2/24")
    k.addr_add("veth0", "10.1.0.1/16")
    heard.clear()
    k.addr_del("veth0", "10.0.0.1/24")
    assert [a[1] for a in v4(k, "veth0")] == ["10.1.0.1"]
    assert [(g, t, _attrs(p)[IFA_LOCAL]) for g, t, p in heard] == [
        (RTNLGRP_IPV4_IFADDR, RTM_DELADDR, bytes([10, 0, 0, 2])),
        (RTNLGRP_IPV4_IFADDR, RTM_DELADDR, bytes([10, 0, 0, 1]))]


def test_new_address_message_layout(k, heard):
    k.addr_add("veth0", "10.0.0.1/24", broadcast="10.0.0.255")
    (group, t, p), = heard
    assert (group, t) == (RTNLGRP_IPV4_IFADDR, RTM_NEWADDR)
    family, plen, flags, scope, index = struct.unpack_from("=BBBBI", p)
    assert (family, plen, flags, scope, index) == (2, 24, IFA_F_PERMANENT, 0,
                                                   k.if_nametoindex("veth0"))
    a = _attrs(p)
    assert list(a) == [IFA_ADDRESS, IFA_LOCAL, 4, IFA_LABEL, IFA_FLAGS, IFA_CACHEINFO]
    assert a[4] == bytes([10, 0, 0, 255]) and a[IFA_LABEL] == b"veth0\0"
    assert struct.unpack("=II", a[IFA_CACHEINFO][:8]) == (0xFFFFFFFF, 0xFFFFFFFF)


def test_unregistering_deletes_the_addresses_with_notifications(k, heard):
    k.addr_add("veth0", "10.0.0.1/24")
    heard.clear()
    k.link_del("veth0")
    assert [(g, t) for g, t, _ in heard] == [(RTNLGRP_IPV4_IFADDR, RTM_DELADDR)]
    assert v4(k) == [("lo", "127.0.0.1", 8, IFA_F_PERMANENT, "lo")]


def test_moving_to_another_namespace_drops_the_addresses(k):
    k.netns_add("b")
    k.addr_add("veth1", "10.0.0.2/24")
    k.link_set("veth1", netns="b")
    assert v4(k.netns("b"), "veth1") == []


def _ifreq(name: str, addr: str | None = None) -> bytes:
    sin = b"" if addr is None else struct.pack("<H", 2) + b"\0\0" + socket.inet_aton(addr)
    return name.encode().ljust(16, b"\0") + sin.ljust(24, b"\0")


def test_address_ioctls(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OSError) as e:
        k.ioctl(s.fileno(), SIOCGIFADDR, _ifreq("veth0"))
    assert e.value.errno == E.EADDRNOTAVAIL
    k.ioctl(s.fileno(), SIOCSIFADDR, _ifreq("veth0", "172.16.5.1"))      # class B: /16
    got = lambda req: socket.inet_ntoa(k.ioctl(s.fileno(), req, _ifreq("veth0"))[20:24])  # noqa
    assert (got(SIOCGIFADDR), got(SIOCGIFNETMASK), got(SIOCGIFBRDADDR)) == \
        ("172.16.5.1", "255.255.0.0", "172.16.255.255")
    k.ioctl(s.fileno(), SIOCSIFNETMASK, _ifreq("veth0", "255.255.255.0"))
    assert (got(SIOCGIFNETMASK), got(SIOCGIFBRDADDR)) == ("255.255.255.0", "172.16.5.255")
    with pytest.raises(OSError) as e:
        k.ioctl(s.fileno(), SIOCSIFNETMASK, _ifreq("veth0", "255.0.255.0"))
    assert e.value.errno == E.EINVAL


def test_api_argument_errors(k):
    with pytest.raises(ValueError):
        k.addr_add("veth0", "10.0.0.300/24")
    with pytest.raises(TypeError):
        k.addr_add("veth0", 167772161)
    with pytest.raises(OSError) as e:
        k.addr_add("nosuch", "10.0.0.1/24")
    assert e.value.errno == E.ENODEV


def test_lifetimes_deprecate_then_delete(k, heard):
    """An address with a preferred lifetime of 2 s and a valid one of 4 s: deprecated (and
    announced) after 2 s, deleted after 4 s (check_lifetime), on the machine's clock."""
    from netkernel.uapi.rtnetlink import IFA_F_DEPRECATED
    k.addr_add("veth0", "10.0.0.1/24")
    k.addr_add("veth0", "10.0.0.2/24")
    msg = struct.pack("=IIII", 2, 4, 0, 0)
    ifindex = k.if_nametoindex("veth0")
    from netkernel.net.core.rtnetlink import nla_put
    body = bytearray(struct.pack("=BBBBI", 2, 24, 0, 0, ifindex))
    nla_put(body, IFA_LOCAL, bytes([10, 0, 0, 2]))
    nla_put(body, IFA_CACHEINFO, msg)
    k._rtnl(RTM_NEWADDR, 0x100, bytes(body))       # NLM_F_REPLACE: new lifetimes
    assert [a[3] for a in v4(k, "veth0")] == [IFA_F_PERMANENT, IFA_F_SECONDARY]
    heard.clear()
    k.advance(1_900_000_000)
    assert [a[3] for a in v4(k, "veth0")] == [IFA_F_PERMANENT, IFA_F_SECONDARY]
    k.advance(200_000_000)
    assert [a[3] for a in v4(k, "veth0")] == [IFA_F_PERMANENT,
                                              IFA_F_SECONDARY | IFA_F_DEPRECATED]
    assert [(g, t) for g, t, _ in heard] == [(RTNLGRP_IPV4_IFADDR, RTM_NEWADDR)]
    k.advance(2_000_000_000)
    assert [a[1] for a in v4(k, "veth0")] == ["10.0.0.1"]


def test_promote_secondaries_per_namespace(k):
    """net.ipv4.conf.*.promote_secondaries: a namespace made later starts from the initial
    namespace's settings; with it on, a deleted primary's first secondary takes its place."""
    assert k.sysctl("net.ipv4.conf.all.promote_secondaries") == 0
    k.sysctl("net.ipv4.conf.veth0.promote_secondaries", 1)
    assert k.netns_add("later").sysctl("net.ipv4.conf.all.promote_secondaries") == 0
    k.addr_add("veth0", "10.0.0.1/24")
    k.addr_add("veth0", "10.0.0.2/24")
    k.addr_del("veth0", "10.0.0.1/24")
    assert v4(k, "veth0") == [("veth0", "10.0.0.2", 24, IFA_F_PERMANENT, "veth0")]
    k.sysctl("net.ipv4.conf.all.promote_secondaries", 1)
    assert k.netns_add("after").sysctl("net.ipv4.conf.all.promote_secondaries") == 1
    with pytest.raises(FileNotFoundError):
        k.sysctl("net.ipv4.conf.nosuch0.promote_secondaries")
