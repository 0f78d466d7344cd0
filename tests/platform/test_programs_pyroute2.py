"""Unmodified pyroute2 (from PyPI) under `netkernel run`, compared with the real kernel: its
IPRoute speaks NETLINK_ROUTE, which the model serves (dumps, by index, set, add, del, errors)."""
import pytest
from programs import same_on_both, topology_with_addresses
from test_seccomp_run import WHY_NOT

pytest.importorskip("pyroute2")
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

# IFLA_NUM_TX/RX_QUEUES are left out: a veth gets num_possible_cpus() queues (veth.c
# veth_get_num_queues), the host's count on the real kernel, the model machine's one here
ATTRS = ("IFLA_IFNAME", "IFLA_ADDRESS", "IFLA_BROADCAST", "IFLA_MTU", "IFLA_OPERSTATE",
         "IFLA_TXQLEN", "IFLA_LINK", "IFLA_CARRIER", "IFLA_MIN_MTU", "IFLA_MAX_MTU",
         "IFLA_QDISC", "IFLA_GROUP", "IFLA_PROMISCUITY")


def test_get_links_set_add_del(tmp_path):
    out = same_on_both(tmp_path, f"""
import time
from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError
ATTRS = {ATTRS!r}
def show(link):
    info = link.get_attr("IFLA_LINKINFO")
    return (link["index"], link["ifi_type"], link["flags"],
            [link.get_attr(a) for a in ATTRS], info.get_attr("IFLA_INFO_KIND") if info else None)
with IPRoute() as ip:
    for link in ip.get_links():
        print(*show(link))
    print(ip.link_lookup(ifname="veth1"), [show(l)[3][0] for l in ip.get_links(2)])
    ip.link("set", index=3, mtu=1400)
    print(ip.get_links(3)[0].get_attr("IFLA_MTU"), open("/sys/class/net/veth0/mtu").read().strip())
    ip.link("add", ifname="v9", kind="veth", peer="v10")
    print(sorted(l.get_attr("IFLA_IFNAME") for l in ip.get_links()))
    ip.link("set", ifname="v9", state="up")
    for _ in range(200):          # the real kernel's linkwatch settles the operstate later
        v9 = show(ip.get_links(ifname="v9")[0])
        if v9[3][4] != "UNKNOWN":
            break
        time.sleep(0.01)
    print(v9[2], v9[3][:1] + v9[3][2:])           # its address is random
    ip.link("del", ifname="v9")
    for bad in (lambda: ip.link("del", ifname="nosuch"),
                lambda: ip.link("set", index=3, mtu=40),
                lambda: ip.link("add", ifname="veth0", kind="veth", peer="x")):
        try:
            bad()
        except NetlinkError as e:
            print("NetlinkError", e.code)
""")
    assert "veth0" in out and "02:00:00:00:00:01" in out and "NetlinkError 19" in out


def test_get_addr(tmp_path):
    """get_addr on the links (no address in this topology: nothing, on both)."""
    same_on_both(tmp_path, """
from pyroute2 import IPRoute
with IPRoute() as ip:
    print(ip.get_addr(index=2), ip.get_addr(index=3))
""", "() ()\n")


def test_get_addr_and_routes_as_on_the_real_kernel(tmp_path):
    """Needs the model's IPv4 addresses and routes (xfails until then)."""
    topo = topology_with_addresses(tmp_path)
    same_on_both(tmp_path, """
import socket
from pyroute2 import IPRoute
with IPRoute() as ip:
    for a in ip.get_addr(family=socket.AF_INET):
        print(a["index"], a["prefixlen"], a["scope"], a.get_attr("IFA_ADDRESS"),
              a.get_attr("IFA_LOCAL"), a.get_attr("IFA_LABEL"), a.get_attr("IFA_BROADCAST"))
    for r in ip.get_routes(family=socket.AF_INET, table=254):
        print(r["dst_len"], r["scope"], r["proto"], r["type"], r.get_attr("RTA_DST"),
              r.get_attr("RTA_OIF"), r.get_attr("RTA_PREFSRC"))
""", topology=topo)
