"""`ip addr` and `ip route` on netkernel — `netkernel ip` (iproute.py) and the real iproute2 under
`netkernel run` — against the real ip on a real namespace after the same steps."""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from netkernel import Kernel, iproute

from tests import realkernel

ROOT = Path(__file__).resolve().parent.parent
TOPO = ROOT / "tests" / "data" / "inet.topology"
TOPO6 = ROOT / "tests" / "data" / "inet6.topology"

STEPS = [
    "link add veth0 type veth peer name veth1",
    "link set veth0 address 02:00:00:00:00:01",
    "link set veth1 address 02:00:00:00:00:02",
    "addr add 10.0.0.1/24 dev veth0",                 # down: only the local route
    "link set veth0 up",
    "link set veth1 up",
    "addr add 10.0.0.9/24 dev veth0",                 # a secondary
    "addr add 10.1.0.1/16 dev veth0 noprefixroute label veth0:x",
    "addr add 10.2.0.1/24 brd + dev veth1",
    "addr add 10.3.0.1/24 brd 10.3.0.77 dev veth1",
    "-6 addr add 2001:db8::1/64 dev veth0 nodad",
    "-6 addr add 2001:db8:1::1/64 dev veth1 nodad",
    "route add default via 10.0.0.254",
    "route add 192.168.7.0/24 dev veth1 metric 20",
    "route add 192.168.8.0/24 via 10.2.0.7 table 100",
    "route add 192.168.9.0/24 via 172.30.0.1 dev veth0 onlink",
    "-6 route add 2001:db8:5::/48 dev veth0",
    "-6 route add 2001:db8:6::/48 via 2001:db8::2 dev veth0 metric 7",
    "route del 192.168.7.0/24",
    "link set veth1 down",
    "link set veth1 up",
    "addr del 10.0.0.1/24 dev veth0",                 # the primary and its secondary
    "link set lo down",
    "link set lo up",
]
SHOW = ["addr show", "-j addr show", "-4 addr show", "addr show dev veth0", "route show",
        "route show table all", "-j route show table all", "-6 route show table all",
        "-6 route show", "route get 10.2.0.9", "route get 8.8.8.8", "route get 127.0.0.1",
        "-j route get 10.2.0.9", "-j route get 127.0.0.1", "-6 route get 2001:db8::9",
        "-6 route get 2001:db8:6::1", "-6 route get ::1"]


def _real_available():
    return os.geteuid() == 0 and shutil.which("ip") is not None


@pytest.fixture
def real_netns():
    """A fresh real netns as a new namespace starts, but with link-local generation off for new
    devices (the model makes no link-local addresses) and lo up as on a netkernel machine."""
    if not _real_available():
        pytest.skip("needs root and iproute2 for a real network namespace")
    name = f"nkinet-{uuid.uuid4().hex[:8]}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode != 0:
        pytest.skip("`ip netns add` failed")
    try:
        subprocess.run(["ip", "netns", "exec", name, "sysctl", "-qw",
                        "net.ipv6.conf.default.addr_gen_mode=1"], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _real(ns, words):
    r = subprocess.run(["ip", "-n", ns, *words], capture_output=True, text=True, timeout=30)
    return r


def _model(k, words):
    try:
        return 0, iproute.run(k, words)
    except iproute.IpError as e:
        return e.status, str(e)


RANDOM_MAC = re.compile(r"(?!02:00:00:00:00:|ff:ff:ff:ff:ff:ff|00:00:00:00:00:00)"
                        r"\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b")


def _normalize(text: str) -> str:
    """Outside this test's subject (see tests/test_iproute.py): the random address of a device
    before a step sets it, and the `noop` qdisc of a device never opened."""
    text = text.replace("qdisc noop ", "qdisc noqueue ").replace('"qdisc":"noop"',
                                                                  '"qdisc":"noqueue"')
    return RANDOM_MAC.sub("<random>", text)


def test_addr_and_route_views_match_the_real_ip(real_netns):
    """After every step, every view: `ip addr`, `ip -j addr`, `ip route [show table all]`,
    `ip -j route show table all`, `ip -6 route ...` print the same on both."""
    ns = real_netns
    k = Kernel()
    k.sysctl("net.ipv6.conf.default.addr_gen_mode", 1)
    for step in STEPS:
        real = _real(ns, step.split())
        status, text = _model(k, step.split())
        assert (status, text.strip()) == (real.returncode, real.stderr.strip()), step
        for view in SHOW:
            want = None
            deadline = time.monotonic() + 3.0
            while True:           # linkwatch applies carrier changes a moment later on Linux
                r = _real(ns, view.split())
                want = (r.returncode, _normalize(r.stdout if r.returncode == 0 else
                                                 r.stderr.strip()))
                status, text = _model(k, view.split())
                got = (status, _normalize(text.strip() if status else text))
                if got == want or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert got == want, f"after `ip {step}`: `ip {view}`"


# 6.x kernels add an extack text to EEXIST (5.15 and 6.1: the errno alone)
NEWER_WORDS = {"addr add 10.0.0.1/24 dev veth0": ("Error: ipv4: Address already assigned.",
                                                 "RTNETLINK answers: File exists"),
               "addr del 10.9.9.9/24 dev veth0": ("Error: ipv4: Address not found.",
                                                 "RTNETLINK answers: Cannot assign requested "
                                                 "address")}
REFUSALS = [
    "addr add 10.0.0.1/24 dev veth0",                 # again: EEXIST
    "addr del 10.9.9.9/24 dev veth0",                 # EADDRNOTAVAIL
    "addr add 10.0.0.1/24 dev nosuch0",               # ip's own lookup
    "route add 172.16.0.0/16 via 172.31.0.1",         # extack: invalid gateway
    "route add 10.5.0.1/24 dev veth0",                # extack: host bits
    "route del 172.20.0.0/16",                        # ESRCH
    "route add default via 10.0.0.254",               # EEXIST
]


def test_refusals_match_the_real_ip(real_netns):
    ns = real_netns
    k = Kernel()
    for step in ["link add veth0 type veth peer name veth1", "link set veth0 up",
                 "link set veth1 up", "addr add 10.0.0.1/24 dev veth0",
                 "route add default via 10.0.0.254"]:
        _real(ns, step.split())
        iproute.run(k, step.split())
    for step in REFUSALS:
        real = _real(ns, step.split())
        status, text = _model(k, step.split())
        newer, words_515 = NEWER_WORDS.get(step, (None, None))
        if real.stderr.strip() == newer:
            assert (status, text.strip()) == (2, words_515), step
            continue
        assert (status, text.strip()) == (real.returncode, real.stderr.strip()), step


def test_topology_file_addresses_and_routes():
    """A topology file's `ip addr add` and `ip route add` lines build the machine."""
    k = Kernel()
    iproute.load_topology(k, str(TOPO))
    assert [(a["ifname"], a["local"], a["label"]) for a in k.addrs() if a["family"] == "inet"] \
        == [("lo", "127.0.0.1", "lo"), ("veth1", "10.0.0.2", "veth1:b"),
            ("veth0", "10.0.0.1", "veth0"), ("veth0", "10.0.0.9", "veth0")]
    routes = [(r["type"], r["dst"], r.get("gateway"), r.get("dev"), r.get("metric"))
              for r in k.routes(family=2) if r["table"] == "main"]
    assert routes == [("unicast", "default", "10.0.0.254", "veth0", None),
                      ("unicast", "10.0.0.0/24", None, "veth0", None),
                      ("unicast", "10.0.0.0/24", None, "veth1", None),
                      ("unicast", "192.168.7.0/24", None, "veth1", 20)]


def _nk(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "netkernel", *args], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
@pytest.mark.parametrize("argv", [["ip", "-4", "addr"], ["ip", "-4", "-j", "addr"],
                                  ["ip", "route"], ["ip", "-4", "route", "show", "table", "all"],
                                  ["ip", "-4", "-j", "route", "show", "table", "all"],
                                  ["ip", "addr", "show", "dev", "lo"],
                                  ["ip", "route", "get", "10.0.0.5"],
                                  ["ip", "route", "get", "8.8.8.8"],
                                  ["ip", "route", "get", "10.0.0.255"],
                                  ["ip", "route", "get", "127.0.0.1"]])
def test_real_ip_under_netkernel_run_matches_the_real_kernel(argv):
    """The real iproute2 under `netkernel run` reads addresses and routes over the model's
    NETLINK_ROUTE (RTM_GETADDR/RTM_GETROUTE dumps) and prints what it prints on the real
    kernel for the same topology (IPv6: only lo's ::1, as the model makes no link-local
    addresses)."""
    r = _nk("run", "--topology", str(TOPO), "--", *argv)
    if r.returncode != 0 and "seccomp" in r.stderr:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    assert "127.0.0.1" in r.stdout or "::1" in r.stdout or "10.0.0" in r.stdout
    real = realkernel.run_in_topology(TOPO, ["sh", "-c", "ip link set lo up && " +
                                             " ".join(argv)], prefix="nkinet")
    if real is None:
        return
    assert real.returncode == 0, real.stderr
    assert r.stdout == real.stdout


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
@pytest.mark.parametrize("dst", ["2001:db8::5", "2001:db8::1", "2001:db8:7::1", "::1",
                                 "fd00::9", "2001:db8:9::1"])
def test_real_ip6_route_get_under_netkernel_run(dst):
    """`ip -6 route get` over the model's RTM_GETROUTE: route, device and the source address
    chosen, as on the real kernel (whose link-local addresses never win for these)."""
    argv = ["ip", "-6", "route", "get", dst]
    r = _nk("run", "--topology", str(TOPO6), "--", *argv)
    if r.returncode != 0 and "seccomp" in r.stderr:
        pytest.skip(r.stderr.strip())
    real = realkernel.run_in_topology(TOPO6, ["sh", "-c", "ip link set lo up && " +
                                              " ".join(argv)], prefix="nkinet")
    if real is None:
        return
    assert (r.returncode, r.stdout, r.stderr) == (real.returncode, real.stdout, real.stderr)


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_ip_monitor_address_route_under_netkernel_run():
    """`ip monitor address route` hears the address and route notifications (multicast of
    RTNLGRP_IPV4_IFADDR/ROUTE) of an add, a route via it and its deletion: the same lines as on
    the real kernel."""
    cmd = ("ip monitor address route & sleep 0.5; ip addr add 10.9.0.1/24 dev veth0; "
           "ip route add 192.168.77.0/24 via 10.9.0.254; ip addr del 10.9.0.1/24 dev veth0; "
           "sleep 0.5; kill $!")
    r = _nk("run", "--topology", str(TOPO), "--", "sh", "-c", cmd)
    if r.returncode != 0 and "seccomp" in r.stderr:
        pytest.skip(r.stderr.strip())
    assert "Deleted local 10.9.0.1" in r.stdout
    real = realkernel.run_in_topology(TOPO, ["sh", "-c", "ip link set lo up; " + cmd],
                                      disable_ipv6=True, prefix="nkinet")
    if real is None:
        return
    assert r.stdout == real.stdout
