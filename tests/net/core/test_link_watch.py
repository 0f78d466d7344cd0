"""Operational state (net/core/link_watch.py) and the flags built from it (dev_get_flags)."""
import netkernel
from netkernel.net.core import dev as netdev
from netkernel.uapi.if_ import (IF_OPER_DOWN, IF_OPER_DORMANT, IF_OPER_LOWERLAYERDOWN,
                                IF_OPER_UNKNOWN, IF_OPER_UP, IF_LINK_MODE_DORMANT, IFF_LOWER_UP,
                                IFF_RUNNING, IFF_UP)


def _dev(k, name):
    return k.net.dev_by_name[name]


def test_lo_and_dummy_never_leave_unknown():
    k = netkernel.Kernel()
    k.link_add("d0", "dummy")
    k.link_set("d0", up=True)
    for n in ("lo", "d0"):
        d = _dev(k, n)
        assert d.operstate == IF_OPER_UNKNOWN
        assert netdev.dev_get_flags(d) & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP) == IFF_UP | IFF_RUNNING | IFF_LOWER_UP


def test_veth_states_follow_the_carrier():
    k = netkernel.Kernel()
    k.link_add("a", "veth", peer="b")
    a, b = _dev(k, "a"), _dev(k, "b")
    assert a.operstate == b.operstate == IF_OPER_LOWERLAYERDOWN      # no carrier, stacked on the peer
    assert (a.carrier_down_count, a.carrier_up_count) == (1, 0)
    k.link_set("a", up=True)
    assert netdev.dev_get_flags(a) & (IFF_RUNNING | IFF_LOWER_UP) == 0
    k.link_set("b", up=True)
    assert a.operstate == b.operstate == IF_OPER_UP
    assert netdev.dev_get_flags(a) & (IFF_RUNNING | IFF_LOWER_UP) == IFF_RUNNING | IFF_LOWER_UP
    k.link_set("b", up=False)
    assert a.operstate == IF_OPER_LOWERLAYERDOWN and a.carrier_down_count == 2


def test_a_device_without_lower_device_goes_down_without_carrier():
    k = netkernel.Kernel()
    k.link_add("d0", "dummy")
    d = _dev(k, "d0")
    netdev.netif_carrier_off(d)
    assert d.operstate == IF_OPER_DOWN        # iflink == ifindex
    netdev.netif_carrier_on(d)
    assert d.operstate == IF_OPER_UP


def test_dormant_link_mode_holds_up_back():
    k = netkernel.Kernel()
    k.link_add("d0", "dummy")
    d = _dev(k, "d0")
    d.link_mode = IF_LINK_MODE_DORMANT
    netdev.netif_carrier_off(d)
    netdev.netif_carrier_on(d)
    assert d.operstate == IF_OPER_DORMANT


def test_carrier_changes_before_registration_are_not_counted():
    d = netdev.NetDevice("x")
    d.qdisc = None
    netdev.netif_carrier_off(d)
    assert d.carrier is False and d.carrier_down_count == 0 and d.operstate == IF_OPER_UNKNOWN


def test_ftgmac100_is_down_until_the_phy_reports_link():
    from netkernel import machines
    k = machines.ast2500(seed=1)
    eth0 = _dev(k, "eth0")
    assert eth0.operstate == IF_OPER_DOWN and not eth0.carrier
    assert k.sysfs("class/net/eth0/operstate") == "down\n"
    k.hw.mac0.set_link(True)
    assert eth0.operstate == IF_OPER_UP
    assert k.sysfs("class/net/eth0/operstate") == "up\n"
