"""The one link-management path (net/core/rtnetlink.py): rtnl_newlink/rtnl_setlink/rtnl_dellink
behind rtnetlink_rcv_msg. Every rejection leaves the machine exactly as it was; errnos are Linux's
(checked against the real kernel's rtnetlink in a fresh network namespace where possible)."""
import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

import netkernel
from netkernel.net.core import rtnetlink
from netkernel.net.core.dev import dev_valid_name
from netkernel.net.core.rtnetlink import IfInfoMsg, RtnlLinkOps, rtnetlink_rcv_msg
from netkernel.drivers.net.dummy import dummy_setup
from netkernel.uapi.capability import CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.netlink import NLM_F_CREATE, NLM_F_EXCL
from netkernel.uapi.rtnetlink import RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK

MAC0 = "02:00:00:00:00:01"


def _machine():
    k = netkernel.Kernel(seed=7)
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    ns = k.netns_add("a")
    ns.link_add("veth0", kind="veth", peer="other")
    return k


def _state(k):
    """Everything a link request could change: each namespace's links (flags, MTU, addresses,
    peers, counters), the ifindex allocators, the random source, the namespaces."""
    views = [k] + [k.netns(n) for n in sorted(k._nets)]
    return ([v.links() for v in views], [n.ifindex for n in k.core.nets], len(k.core.nets),
            k.core.random.getstate())


def _errno(fn, *args, **kw):
    with pytest.raises(OSError) as e:
        fn(*args, **kw)
    return e.value.errno


# ---------------------------------------------------------------- rejections change nothing

REJECTED = [
    # (call, args, kwargs, errno)
    ("link_add", ("veth2",), dict(kind="veth", peer="lo"), errno.EEXIST),
    ("link_add", ("lo",), dict(kind="veth", peer="veth2"), errno.EEXIST),
    ("link_add", ("v2",), dict(kind="veth", peer="v2"), errno.EEXIST),
    ("link_add", ("veth2",), dict(kind="veth"), None),                    # placeholder, see below
    ("link_add", ("v/2",), dict(kind="veth", peer="lo"), errno.EEXIST),    # the peer is checked first
    ("link_add", ("v/2",), dict(kind="veth", peer="v3"), errno.EINVAL),
    ("link_add", ("v2",), dict(kind="veth", peer="v:3"), errno.EINVAL),
    ("link_add", ("a b",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("a\tb",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", (".",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("..",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("x" * 16,), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("\u00e0",), dict(kind="dummy"), errno.EINVAL),  # UTF-8 C3 A0: isspace(0xA0)
    ("link_add", ("d%s",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("d%d%d",), dict(kind="dummy"), errno.EINVAL),
    ("link_add", ("x",), dict(kind="nosuch"), errno.EOPNOTSUPP),
    ("link_add", ("lo",), dict(kind="nosuch"), errno.EEXIST),              # existence before kind
    ("link_add", ("v2",), dict(kind="veth", peer="v3", mtu=67), errno.EINVAL),
    ("link_add", ("v2",), dict(kind="veth", peer="v3", mtu=65536), errno.EINVAL),
    ("link_add", ("d",), dict(kind="dummy", mtu=-1), errno.EINVAL),
    ("link_add", ("d",), dict(kind="dummy", mtu=2 ** 31), errno.EINVAL),   # a u32 read as int
    ("link_add", ("d",), dict(kind="dummy", address="01:00:00:00:00:01"), errno.EADDRNOTAVAIL),
    ("link_add", ("d",), dict(kind="dummy", address="00:00:00:00:00:00"), errno.EADDRNOTAVAIL),
    ("link_add", ("d",), dict(kind="dummy", address="02:00:00:00:00"), errno.EINVAL),
    ("link_add", ("d",), dict(kind="dummy", netns="nope"), errno.ENOENT),
    ("link_add", ("v2",), dict(kind="veth", peer="v3", peer_netns="nope"), errno.ENOENT),
    ("link_add", ("v2",), dict(kind="veth", peer="veth0", peer_netns="a"), errno.EEXIST),
    ("link_set", ("veth0",), dict(mtu=9000, address="01:00:00:00:00:01"), errno.EADDRNOTAVAIL),
    ("link_set", ("veth0",), dict(mtu=9000, address="02:00:00:00"), errno.EINVAL),
    ("link_set", ("veth0",), dict(mtu=70000, up=False), errno.EINVAL),
    ("link_set", ("veth0",), dict(mtu=67), errno.EINVAL),
    ("link_set", ("veth0",), dict(mtu=2 ** 32 - 1), errno.EINVAL),
    ("link_set", ("veth0",), dict(netns="a", up=False), errno.EEXIST),     # a has its veth0
    ("link_set", ("veth1",), dict(netns="nope", mtu=9000), errno.ENOENT),
    ("link_set", ("lo",), dict(netns="a"), errno.EINVAL),
    ("link_set", ("lo",), dict(address="01:00:00:00:00:01"), errno.EADDRNOTAVAIL),
    ("link_set", ("nope",), dict(up=True), errno.ENODEV),
    ("link_del", ("nope",), {}, errno.ENODEV),
    ("link_del", ("lo",), {}, errno.EOPNOTSUPP),
]
REJECTED[3] = ("link_add", ("veth0",), dict(kind="veth"), errno.EEXIST)  # peer "veth%d" takes veth0


@pytest.mark.parametrize("call,args,kw,err", REJECTED,
                         ids=[f"{c}{a}{kw}" for c, a, kw, _ in REJECTED])
def test_a_rejected_request_changes_nothing(call, args, kw, err):
    k = _machine()
    before = _state(k)
    assert _errno(getattr(k, call), *args, **kw) == err
    assert _state(k) == before


@pytest.mark.parametrize("kw", [dict(peer="x"), dict(host_ifname="x"), dict(netdev="dgram")])
def test_a_keyword_the_kind_does_not_take_is_typeerror(kw):
    k = _machine()
    before = _state(k)
    with pytest.raises(TypeError, match="unexpected keyword"):
        k.link_add("d", kind="dummy", **kw)
    assert _state(k) == before


def test_info_data_the_kind_does_not_take_is_einval_through_rtnetlink():
    """The same request as a netlink message (IFLA_INFO_DATA): EINVAL, strictly."""
    k = _machine()
    msg = IfInfoMsg("d", kind="dummy", data={"peer": IfInfoMsg("x")})
    assert _errno(k._call, rtnetlink_rcv_msg, RTM_NEWLINK, msg, NLM_F_CREATE | NLM_F_EXCL) \
        == errno.EINVAL


@pytest.mark.parametrize("kw,exc", [
    (dict(mtu=9000, address="zz"), ValueError),
    (dict(mtu=9000, address="02:00:00:00:00:0g"), ValueError),
    (dict(mtu=9000, address=5), TypeError),
    (dict(mtu="9000"), TypeError),
    (dict(mtu=True), TypeError),
    (dict(up=1, mtu=9000), TypeError),
    (dict(up="yes"), TypeError),
])
def test_python_argument_errors_raise_before_anything_changes(kw, exc):
    """A malformed address string is the Python edge's ValueError (like int("zz")): the kernel
    never sees it, so nothing (not the MTU given alongside) changes."""
    k = _machine()
    before = _state(k)
    with pytest.raises(exc):
        k.link_set("veth0", **kw)
    assert _state(k) == before


def test_mtu_and_bad_address_together_leave_the_mtu():
    """The reported bug: link_set(mtu=…, address=bad) changed the MTU, then raised."""
    k = _machine()
    with pytest.raises(OSError):
        k.link_set("veth0", mtu=9000, address="02:00")
    assert next(li for li in k.links() if li["name"] == "veth0")["mtu"] == 1500


def test_errors_carry_linux_strerror():
    k = _machine()
    with pytest.raises(FileExistsError, match=r"\[Errno 17\] File exists"):
        k.link_add("veth0", kind="veth", peer="x")
    with pytest.raises(OSError, match="Operation not supported"):
        k.link_add("x", kind="nosuch")


def test_a_failed_request_does_not_use_up_random_addresses():
    k1 = netkernel.Kernel(seed=3)
    with pytest.raises(OSError):
        k1.link_add("v0", kind="veth", peer="lo")      # created both devices before rejecting
    k1.link_add("v0", kind="veth", peer="v1")
    k2 = netkernel.Kernel(seed=3)
    k2.link_add("v0", kind="veth", peer="v1")
    assert k1.links() == k2.links()


# ---------------------------------------------------------------- what succeeds

def test_names_at_the_limits():
    k = netkernel.Kernel()
    k.link_add("x" * 15, kind="dummy")
    k.link_add("a-b_c.d@e+f", kind="dummy")
    assert dev_valid_name("x" * 15) and not dev_valid_name("x" * 16)
    assert not dev_valid_name("a\0b") and not dev_valid_name("a\nb") and not dev_valid_name("a/b")


def test_percent_d_takes_the_lowest_free_number():
    k = netkernel.Kernel()
    k.link_add("dum%d", kind="dummy")
    k.link_add("dum%d", kind="dummy")
    k.link_del("dum0")
    k.link_add("dum%d", kind="dummy")
    k.link_add("v%dx", kind="veth", peer="p%d")
    assert [n for _, n in k.if_nameindex()] == ["lo", "dum1", "dum0", "p0", "v0x"]


def test_veth_without_peer_name_takes_veth_n_and_the_requests_mtu():
    """veth_newlink without VETH_INFO_PEER: the peer is "veth%d" and uses the request's own
    attributes (MTU), with its own random address."""
    k = netkernel.Kernel()
    k.link_add("a", kind="veth", mtu=9000)
    links = {li["name"]: li for li in k.links()}
    assert links["veth0"]["peer"] == "a" and links["veth0"]["mtu"] == links["a"]["mtu"] == 9000
    assert links["veth0"]["address"] != links["a"]["address"]


def test_link_add_with_attributes_and_namespaces():
    k = netkernel.Kernel()
    k.netns_add("a")
    k.netns_add("b")
    k.link_add("v0", kind="veth", peer="v1", peer_netns="a", mtu=9000, address=MAC0, up=True)
    k.link_add("d0", kind="dummy", netns="b", mtu=0)
    v0 = next(li for li in k.links() if li["name"] == "v0")
    assert (v0["mtu"], v0["address"], v0["up"]) == (9000, MAC0, True)
    v1 = next(li for li in k.netns("a").links() if li["name"] == "v1")
    assert v1["peer"] == "v0" and v1["mtu"] == 1500 and not v1["up"]
    assert [li["name"] for li in k.netns("b").links()] == ["lo", "d0"]
    assert k.netns("b").links()[1]["mtu"] == 0          # dummy's min_mtu is 0


def test_setlink_moves_first_then_address_mtu_and_up():
    """do_setlink's order: the device arrives in the namespace down, then address, MTU, flags."""
    k = netkernel.Kernel()
    k.netns_add("a")
    k.link_add("v0", kind="veth", peer="v1", up=True)
    k.link_set("v0", netns="a", address=MAC0, mtu=4000, up=True)
    v0 = k.netns("a").links()[1]
    assert (v0["name"], v0["address"], v0["mtu"], v0["up"]) == ("v0", MAC0, 4000, True)
    assert [li["name"] for li in k.links()] == ["lo", "v1"]


def test_setting_the_same_mtu_again_is_no_check():
    """dev_set_mtu_ext returns before validating when the MTU does not change (lo: 65536)."""
    k = netkernel.Kernel()
    k.link_set("lo", mtu=65536)


def _kind(live: bool) -> RtnlLinkOps:
    return RtnlLinkOps("fixed", dummy_setup, live_addr_change=live)


def test_address_of_an_up_device_without_live_change_is_ebusy_unless_it_moves():
    k = netkernel.Kernel()
    k.netns_add("a")
    assert rtnetlink.rtnl_link_register(k.core, _kind(False)) == 0
    k.link_add("f0", kind="fixed", up=True)
    before = _state(k)
    assert _errno(k.link_set, "f0", address=MAC0) == errno.EBUSY
    assert _state(k) == before
    # do_setlink sets the address before the flags: bringing it down in the same call is too late
    assert _errno(k.link_set, "f0", up=False, address=MAC0) == errno.EBUSY
    assert _state(k) == before
    # ...but a namespace move comes first, and the device arrives down
    k.link_set("f0", netns="a", address=MAC0)
    f0 = k.netns("a").links()[1]
    assert (f0["address"], f0["up"]) == (MAC0, False)


def test_rtnl_link_register_and_unregister():
    k = netkernel.Kernel()
    ops = _kind(True)
    assert rtnetlink.rtnl_link_register(k.core, ops) == 0
    assert rtnetlink.rtnl_link_register(k.core, _kind(True)) == -errno.EEXIST
    k.link_add("f0", kind="fixed")
    rtnetlink.rtnl_link_unregister(k.core, ops)
    assert [n for _, n in k.if_nameindex()] == ["lo"]
    assert _errno(k.link_add, "f1", kind="fixed") == errno.EOPNOTSUPP


# ---------------------------------------------------------------- the entry, as netlink will use it

def test_newlink_flags_create_excl_and_update():
    k = netkernel.Kernel()
    call = k._call
    assert _errno(call, rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg("d0", kind="dummy"), 0) \
        == errno.ENODEV                                    # no NLM_F_CREATE
    call(rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg("d0", kind="dummy"), NLM_F_CREATE)
    # an existing device without NLM_F_EXCL: the request is a setlink
    call(rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg("d0", mtu=9000, ifi_flags=IFF_UP,
                                                   ifi_change=IFF_UP), NLM_F_CREATE)
    d0 = k.links()[1]
    assert (d0["mtu"], d0["up"]) == (9000, True)
    assert _errno(call, rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg("d0", kind="dummy"),
                  NLM_F_CREATE | NLM_F_EXCL) == errno.EEXIST


def test_requests_by_index_and_without_a_name():
    k = netkernel.Kernel()
    call = k._call
    call(rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg(kind="dummy"), NLM_F_CREATE | NLM_F_EXCL)
    assert k.if_nameindex() == [(1, "lo"), (2, "dummy0")]      # no IFLA_IFNAME: "KIND%d"
    call(rtnetlink_rcv_msg, RTM_NEWLINK, IfInfoMsg("d5", kind="dummy", ifi_index=5),
         NLM_F_CREATE | NLM_F_EXCL)
    assert k.if_nametoindex("d5") == 5
    call(rtnetlink_rcv_msg, RTM_SETLINK, IfInfoMsg(ifi_index=5, mtu=1000))
    assert k.links()[2]["mtu"] == 1000
    assert _errno(call, rtnetlink_rcv_msg, RTM_SETLINK, IfInfoMsg(mtu=1000)) == errno.EINVAL
    assert _errno(call, rtnetlink_rcv_msg, RTM_DELLINK, IfInfoMsg(ifi_index=9)) == errno.ENODEV
    call(rtnetlink_rcv_msg, RTM_DELLINK, IfInfoMsg(ifi_index=5))
    assert _errno(call, rtnetlink_rcv_msg, RTM_GETLINK, IfInfoMsg("lo")) == errno.EOPNOTSUPP


# ---------------------------------------------------------------- capabilities

def test_link_changes_need_cap_net_admin_and_are_refused_first():
    k = _machine()
    p = k.process(caps={CAP_NET_RAW})
    before = _state(k)
    assert _errno(p.link_add, "d0", kind="dummy") == errno.EPERM
    assert _errno(p.link_add, "veth0", kind="veth") == errno.EPERM      # not EEXIST
    assert _errno(p.link_set, "veth0", mtu=9000) == errno.EPERM
    assert _errno(p.link_set, "nope", up=True) == errno.EPERM           # not ENODEV
    assert _errno(p.link_set, "veth1", netns="a") == errno.EPERM
    assert _errno(p.link_del, "veth0") == errno.EPERM
    assert _errno(p.netns_add, "b") == errno.EPERM                      # CAP_SYS_ADMIN
    assert _state(k) == before
    admin = k.process(caps={CAP_NET_ADMIN})
    admin.link_add("d0", kind="dummy")
    admin.link_set("d0", up=True, mtu=9000)
    admin.link_del("d0")
    assert _errno(admin.netns_add, "b") == errno.EPERM
    k.process(caps={CAP_SYS_ADMIN}).netns_add("b")
    assert k.netns("b").if_nameindex() == [(1, "lo")]


def test_capture_needs_cap_net_raw(tmp_path):
    k = _machine()
    p = k.process(caps={CAP_NET_ADMIN})
    assert _errno(p.capture, "veth0", tmp_path / "x.pcapng") == errno.EPERM
    assert not (tmp_path / "x.pcapng").exists()
    raw = k.process(caps={CAP_NET_RAW})
    assert _errno(raw.capture, "nope", tmp_path / "y.pcapng") == errno.ENODEV
    raw.capture("veth0", tmp_path / "z.pcapng").close()


# ---------------------------------------------------------------- against the real kernel

_NL_CLIENT = r'''
import json, socket, struct, sys
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO = 1, 3, 4, 18
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + bytes(-n % 4)
def ifinfo(m):
    b = struct.pack("=BxHiII", 0, 0, m.get("index", 0), m.get("flags", 0), m.get("change", 0))
    if m.get("ifname") is not None:
        b += attr(IFLA_IFNAME, m["ifname"].encode() + b"\0")
    if m.get("mtu") is not None:
        b += attr(IFLA_MTU, struct.pack("=I", m["mtu"]))
    if m.get("address") is not None:
        b += attr(IFLA_ADDRESS, bytes.fromhex(m["address"]))
    if m.get("kind") is not None:
        info = attr(IFLA_INFO_KIND, m["kind"].encode())
        if m.get("peer") is not None:
            info += attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, ifinfo(m["peer"])))
        b += attr(IFLA_LINKINFO, info)
    return b
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
out = []
for seq, (mtype, flags, m) in enumerate(json.load(sys.stdin), 1):
    body = ifinfo(m)
    s.send(struct.pack("=IHHII", 16 + len(body), mtype, flags | 0x5, seq, 0) + body)
    while True:
        r = s.recv(65536)
        if struct.unpack_from("=H", r, 4)[0] == 2:
            err = -struct.unpack_from("=i", r, 16)[0]
            break
    out.append([err, sorted(n for _, n in socket.if_nameindex())])
print(json.dumps(out))
'''

_C, _CX = NLM_F_CREATE, NLM_F_CREATE | NLM_F_EXCL
DIFF_CASES = [
    (RTM_NEWLINK, _CX, {"ifname": "v0", "kind": "veth", "peer": {"ifname": "v1"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v0", "kind": "veth", "peer": {"ifname": "v2"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v2", "kind": "veth", "peer": {"ifname": "lo"}}),
    (RTM_NEWLINK, _CX, {"ifname": "lo", "kind": "veth", "peer": {"ifname": "v2"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v/2", "kind": "veth", "peer": {"ifname": "lo"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v/2", "kind": "veth", "peer": {"ifname": "v3"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v2", "kind": "veth", "peer": {"ifname": "v:3"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v2", "kind": "veth", "peer": {"ifname": "v2"}}),
    (RTM_NEWLINK, _CX, {"ifname": ".", "kind": "veth", "peer": {"ifname": "v3"}}),
    (RTM_NEWLINK, _CX, {"ifname": "a b", "kind": "veth", "peer": {"ifname": "v3"}}),
    (RTM_NEWLINK, _CX, {"ifname": "\u00e0", "kind": "veth", "peer": {"ifname": "v3"}}),
    (RTM_NEWLINK, _CX, {"ifname": "veth0", "kind": "veth"}),
    (RTM_NEWLINK, _CX, {"ifname": "w", "kind": "veth"}),
    (RTM_NEWLINK, _CX, {"ifname": "x%d", "kind": "veth", "peer": {"ifname": "y%d"}}),
    (RTM_NEWLINK, _CX, {"ifname": "x%s", "kind": "veth", "peer": {"ifname": "z"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "mtu": 67, "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "mtu": 65536, "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "peer": {"ifname": "v5", "mtu": 67}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "mtu": 0xFFFFFFFF,
                        "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "address": "010000000001",
                        "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "address": "0200000000",
                        "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth",
                        "peer": {"ifname": "v5", "address": "000000000000"}}),
    (RTM_NEWLINK, _CX, {"ifname": "v4", "kind": "veth", "mtu": 68, "peer": {"ifname": "v5"}}),
    (RTM_NEWLINK, _CX, {"ifname": "n0", "kind": "nosuchkind"}),
    (RTM_NEWLINK, _CX, {"ifname": "lo", "kind": "nosuchkind"}),
    (RTM_NEWLINK, 0, {"ifname": "n0", "kind": "veth"}),
    (RTM_NEWLINK, _C, {"ifname": "v0", "mtu": 9000}),
    (RTM_SETLINK, 0, {"ifname": "v0", "mtu": 67}),
    (RTM_SETLINK, 0, {"ifname": "v0", "mtu": 65535}),
    (RTM_SETLINK, 0, {"ifname": "v0", "address": "010000000001"}),
    (RTM_SETLINK, 0, {"ifname": "v0", "address": "0200000000"}),
    (RTM_SETLINK, 0, {"ifname": "v0", "address": "020000000001", "flags": 1, "change": 1}),
    (RTM_SETLINK, 0, {"ifname": "lo", "address": "020000000001"}),
    (RTM_SETLINK, 0, {"ifname": "nope", "mtu": 1500}),
    (RTM_SETLINK, 0, {"mtu": 1500}),
    (RTM_DELLINK, 0, {"ifname": "nope"}),
    (RTM_DELLINK, 0, {"ifname": "lo"}),
    (RTM_DELLINK, 0, {"ifname": "v1"}),
    (RTM_DELLINK, 0, {}),
]


def _model_msg(m):
    if m is None:
        return None
    return IfInfoMsg(m.get("ifname"), ifi_index=m.get("index", 0), ifi_flags=m.get("flags", 0),
                     ifi_change=m.get("change", 0), kind=m.get("kind"), mtu=m.get("mtu"),
                     address=bytes.fromhex(m["address"]) if "address" in m else None,
                     data={"peer": _model_msg(m["peer"])} if "peer" in m else None)


def _model_run(cases, caps=None):
    k = netkernel.Kernel()
    k.link_set("lo", up=False)        # a fresh namespace's lo is down
    v = k if caps is None else k.process(caps=caps)
    out = []
    for mtype, flags, m in cases:
        try:
            v._call(rtnetlink_rcv_msg, mtype, _model_msg(m), flags)
            err = 0
        except OSError as e:
            err = e.errno
        out.append([err, sorted(n for _, n in k.if_nameindex())])
    return out


def _linux_run(cases, drop: str | None = None):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a fresh network namespace")
    cmd = ["unshare", "-n", sys.executable, "-c", _NL_CLIENT]
    if drop is not None:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv(1) to drop a capability")
        cmd[2:2] = ["setpriv", "--bounding-set", f"-{drop}"]
    r = subprocess.run(cmd,
                       input=json.dumps(cases), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        pytest.skip(f"no fresh netns here: {r.stderr.strip()[:200]}")
    return json.loads(r.stdout)


def test_rtnetlink_requests_match_the_real_kernel():
    """The same RTM_NEWLINK/SETLINK/DELLINK requests, on the real kernel's rtnetlink in a fresh
    netns and on the model: the same errno and the same devices after each."""
    linux = _linux_run(DIFF_CASES)
    model = _model_run(DIFF_CASES)
    diffs = [(i, DIFF_CASES[i], lx, md) for i, (lx, md) in enumerate(zip(linux, model)) if lx != md]
    assert not diffs, "\n".join(map(repr, diffs))


def test_a_kind_whose_backend_raises_changes_nothing():
    k = _machine()
    before = _state(k)
    with pytest.raises(ValueError):
        k.link_add("q0", kind="qemu")               # no netdev=
    assert _state(k) == before


UNPRIVILEGED_CASES = [
    (RTM_NEWLINK, _CX, {"ifname": "v0", "kind": "veth", "peer": {"ifname": "v1"}}),
    (RTM_NEWLINK, _CX, {"ifname": "lo", "kind": "veth"}),
    (RTM_NEWLINK, _CX, {"ifname": "n0", "kind": "nosuchkind"}),
    (RTM_SETLINK, 0, {"ifname": "lo", "mtu": 1500}),
    (RTM_SETLINK, 0, {"ifname": "nope", "mtu": 1500}),
    (RTM_SETLINK, 0, {"mtu": 1500}),
    (RTM_DELLINK, 0, {"ifname": "lo"}),
    (RTM_DELLINK, 0, {"ifname": "nope"}),
]


def test_without_cap_net_admin_every_change_is_eperm_first_like_the_real_kernel():
    from netkernel.uapi.capability import ALL_CAPS
    linux = _linux_run(UNPRIVILEGED_CASES, drop="net_admin")
    model = _model_run(UNPRIVILEGED_CASES, caps=ALL_CAPS - {CAP_NET_ADMIN})
    assert linux == model
    assert {err for err, _ in model} == {errno.EPERM}


DUMMY_CASES = [
    (RTM_NEWLINK, _CX, {"ifname": "d0", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "d0", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "x" * 15, "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "a b", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "..", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "d:1", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "\u00e0", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "dum%d", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "dum%d", "kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"kind": "dummy"}),
    (RTM_NEWLINK, _CX, {"ifname": "d1", "kind": "dummy", "mtu": 0}),
    (RTM_NEWLINK, _CX, {"ifname": "d2", "kind": "dummy", "mtu": 65536}),
    (RTM_NEWLINK, _CX, {"ifname": "d2", "kind": "dummy", "address": "330000000001"}),
    (RTM_NEWLINK, _CX, {"ifname": "d2", "kind": "dummy", "address": "0200000000"}),
    (RTM_NEWLINK, _CX, {"ifname": "d2", "kind": "dummy", "address": "02000000000102"}),
    (RTM_NEWLINK, _CX, {"ifname": "d2", "kind": "dummy", "address": "020000000002",
                        "flags": 1, "change": 1}),
    (RTM_SETLINK, 0, {"ifname": "d2", "address": "02000000000302"}),   # longer: cut to 6
    (RTM_SETLINK, 0, {"ifname": "d2", "mtu": 65535}),
    (RTM_SETLINK, 0, {"ifname": "d2", "mtu": 65536}),
    (RTM_DELLINK, 0, {"ifname": "d0"}),
    (RTM_NEWLINK, _CX, {"ifname": "d0", "kind": "dummy"}),
]


def test_dummy_requests_match_the_real_kernel_where_it_has_dummy():
    """The host here has no dummy module (EOPNOTSUPP); Debian 6.1 under `make oracle` has."""
    linux = _linux_run(DUMMY_CASES)
    if linux[0][0] == errno.EOPNOTSUPP:
        pytest.skip("the real kernel here has no dummy device (no module)")
    model = _model_run(DUMMY_CASES)
    diffs = [(i, DUMMY_CASES[i], lx, md) for i, (lx, md) in enumerate(zip(linux, model)) if lx != md]
    assert not diffs, "\n".join(map(repr, diffs))


def test_netns_can_be_a_view_so_a_device_can_come_back_to_init_net():
    k = netkernel.Kernel()
    a = k.netns_add("a")
    k.link_add("v0", kind="veth", peer="v1", peer_netns=a)
    a.link_set("v1", netns=k)
    assert k.if_nameindex() == [(1, "lo"), (2, "v0"), (3, "v1")]   # 2 taken: a new index
    with pytest.raises(ValueError):
        k.link_set("v1", netns=netkernel.Kernel())
    with pytest.raises(TypeError):
        k.link_set("v1", netns=1)
