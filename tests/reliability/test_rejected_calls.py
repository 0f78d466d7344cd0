"""A rejected call changes nothing and says why (issue 8, items 2-3): Python arguments checked as
CPython's socket module checks them (differentially: the same call on a real socket.socket),
before anything is consumed; link and sysctl changes validated first, committed second; listings
that never race with link deletion."""
from __future__ import annotations

import math
import socket
import threading
import time

import pytest

import netkernel
from harness import Guard, join_all, run_bounded
from netkernel.uapi import ETH_P_ALL
from netkernel.uapi.socket import SO_RCVBUF, SOL_SOCKET

FRAME = bytes.fromhex("ffffffffffff020000000001 88b5") + bytes(46)

# (method, args) pairs whose Python arguments CPython refuses (TypeError/ValueError/OverflowError)
BAD_CALLS = [
    ("recv", (1.5,)), ("recv", ("16",)), ("recv", (None,)), ("recv", (-1,)), ("recv", (2 ** 64,)),
    ("recv", (16, 1.5)), ("recvfrom", (1.5,)), ("recvfrom", (-1,)), ("recvmsg", (1.5,)),
    ("recvmsg", (16, -1)), ("recvmsg", (16, 1.5)), ("recv_into", (bytearray(16), 1.5)),
    ("recv_into", (bytearray(16), -1)), ("recv_into", (b"immutable",)),
    ("recvfrom_into", (bytearray(16), 1.5)), ("settimeout", (math.nan,)),
    ("settimeout", (math.inf,)), ("settimeout", (-1,)), ("settimeout", ("1",)),
    ("settimeout", (1e300,)), ("setsockopt", (SOL_SOCKET, SO_RCVBUF, 2 ** 40)),
    ("setsockopt", (SOL_SOCKET, SO_RCVBUF, 1.5)), ("setsockopt", (SOL_SOCKET, SO_RCVBUF, "x")),
    ("getsockopt", (SOL_SOCKET, SO_RCVBUF, 1.5)),
    ("send", ("text",)), ("send", (FRAME, 1.5)), ("setblocking", ("x",)),
]


def cpython_error(method, args):
    """The exception type CPython's socket raises for this call (on an AF_UNIX datagram socket,
    whose argument checks are the ones every family shares), or None if it accepts it."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        b.send(b"x" * 60)
        a.settimeout(0.01)
        try:
            getattr(a, method)(*args)
        except (TypeError, ValueError, OverflowError) as e:
            return type(e)
        except OSError:
            return None
        return None
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("method,args", BAD_CALLS, ids=[f"{m}{a!r}"[:40] for m, a in BAD_CALLS])
def test_python_arguments_checked_like_cpython_before_anything_is_consumed(method, args):
    want = cpython_error(method, args)
    if want is None:
        pytest.skip("CPython accepts this call here")

    def body():
        k = netkernel.Kernel()
        k.link_add("a0", kind="veth", peer="b0")
        k.link_set("a0", up=True)
        k.link_set("b0", up=True)
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind(("b0", 0))
        s.settimeout(0.01)
        k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).sendto(FRAME, ("a0", 0))
        before = (s.gettimeout(), s.getsockopt(SOL_SOCKET, SO_RCVBUF))
        try:
            getattr(s, method)(*args)
            got = None
        except Exception as e:           # noqa: BLE001 - compared with CPython's
            got = e
        after = (s.gettimeout(), s.getsockopt(SOL_SOCKET, SO_RCVBUF))
        s.settimeout(0.0)
        try:
            still = s.recv(2048) == FRAME
        except BlockingIOError:
            still = False
        return got, before, after, still

    got, before, after, still = run_bounded(body, 10.0, f"{method}{args!r}")
    assert type(got) is want, f"{method}{args!r}: CPython raises {want.__name__}, got {got!r}"
    assert still, f"{method}{args!r} consumed the queued frame before raising"
    assert before == after, f"{method}{args!r} changed the socket before raising"


def snapshot(k):
    return [(li["name"], li["mtu"], li["address"], li["up"]) for li in k.links()]


@pytest.mark.parametrize("name", ["", "a" * 16, ".", "..", "a/b", "a:b", "a b", "a\tb", "a\nb"])
def test_link_add_rejects_names_linux_rejects(name):
    """dev_valid_name: empty, IFNAMSIZ or longer, "." and "..", '/', ':' or whitespace: EINVAL."""
    k = netkernel.Kernel()
    before = snapshot(k)
    with pytest.raises(OSError) as e:
        k.link_add(name, kind="dummy")
    assert e.value.errno == 22
    assert snapshot(k) == before


def test_duplicate_link_is_eexist_with_its_name():
    k = netkernel.Kernel()
    k.link_add("d0", kind="dummy")
    with pytest.raises(OSError) as e:
        k.link_add("d0", kind="dummy")
    assert e.value.errno == 17 and e.value.strerror == "File exists"


@pytest.mark.parametrize("kw", [
    {"mtu": 9000, "address": "zz"}, {"mtu": 9000, "address": "02:00"},
    {"mtu": 9000, "address": "01:00:5e:00:00:01"}, {"up": True, "mtu": 0},
    {"mtu": 1400, "up": True, "netns": "nowhere"}, {"mtu": 70000}, {"mtu": 67},
    {"address": "02:00:00:00:00:01", "mtu": -1},
])
def test_link_set_validates_everything_before_changing_anything(kw):
    k = netkernel.Kernel()
    k.link_add("a0", kind="veth", peer="b0")
    before = snapshot(k)
    with pytest.raises((OSError, ValueError)):
        k.link_set("a0", **kw)
    assert snapshot(k) == before, f"link_set(**{kw}) failed but changed the device"


@pytest.mark.parametrize("name,value", [
    ("net.core.rmem_max", -1), ("net.core.wmem_max", -5), ("net.core.rmem_default", -1),
    ("net.core.wmem_default", -1), ("kernel.hz", 0), ("no.such.sysctl", 1),
    ("no.such.sysctl", None),
])
def test_sysctl_rejects_bad_names_and_values_and_keeps_the_old_value(name, value):
    """Linux's proc handlers: EINVAL for a value out of range, the old value kept; a name that
    does not exist is ENOENT (no such file under /proc/sys). Either way an OSError."""
    k = netkernel.Kernel()
    old = None if name.startswith("no.") else k.sysctl(name)
    with pytest.raises(OSError):
        k.sysctl(name, value)
    if old is not None:
        assert k.sysctl(name) == old
    # the machine still works: a receive with a timeout uses kernel.hz
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_SOCKET, 20, bytes(8) + (10000).to_bytes(8, "little"))   # SO_RCVTIMEO 10 ms
    with pytest.raises(BlockingIOError):
        run_bounded(lambda: s.recv(2048), 5.0, "recv with SO_RCVTIMEO")


def test_listings_never_race_with_link_changes():
    """links(), if_nameindex() and if_nametoindex() while another thread adds and deletes links:
    only results or OSError, never KeyError/RuntimeError."""
    k = netkernel.Kernel()
    guard = Guard("listings vs link changes")
    stop = time.monotonic() + 1.5

    def churn():
        i = 0
        while time.monotonic() < stop:
            guard.call("link_add", k.link_add, f"c{i % 8}", kind="veth", peer=f"p{i % 8}")
            guard.call("link_del", k.link_del, f"c{(i + 3) % 8}")
            i += 1

    def lister():
        while time.monotonic() < stop:
            guard.call("links", k.links)
            guard.call("if_nameindex", k.if_nameindex)
            guard.call("if_nametoindex", k.if_nametoindex, "c1")

    threads = [threading.Thread(target=f, daemon=True) for f in (churn, lister, lister)]
    for t in threads:
        t.start()
    join_all(threads, stop + 15, "listings vs link changes")
    guard.check()
