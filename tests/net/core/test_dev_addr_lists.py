"""dev_uc_add / dev_uc_del (net/core/dev_addr_lists.py) and __dev_set_rx_mode: the secondary
unicast list makes a device without IFF_UNICAST_FLT promiscuous, once, while it is up."""
import netkernel
from netkernel.net.core.dev_addr_lists import dev_uc_add, dev_uc_del
from netkernel.uapi import errno as E

A1, A2 = bytes.fromhex("020000000101"), bytes.fromhex("020000000102")


def _veth():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    return k, k.net.dev_by_name["veth0"]


def test_one_promiscuity_reference_for_the_whole_list():
    k, dev = _veth()
    with k._lock:
        assert dev_uc_add(dev, A1) == 0 and dev_uc_add(dev, A2) == 0 and dev_uc_add(dev, A1) == 0
        assert dev.promiscuity == 1 and dev.uc_promisc
        assert dev_uc_del(dev, A1) == 0 and dev_uc_del(dev, A2) == 0
        assert dev.promiscuity == 1                 # A1 still holds one reference
        assert dev_uc_del(dev, A1) == 0
        assert dev.promiscuity == 0 and not dev.uc_promisc
        assert dev_uc_del(dev, A1) == -E.ENOENT


def test_a_device_that_filters_unicast_stays_as_it_is():
    k, dev = _veth()
    dev.unicast_flt = True
    with k._lock:
        assert dev_uc_add(dev, A1) == 0
    assert dev.promiscuity == 0 and dev.uc == {A1: 1}


def test_the_list_waits_for_the_device_to_come_up():
    k, dev = _veth()
    k.link_set("veth0", up=False)
    with k._lock:
        dev_uc_add(dev, A1)
    assert dev.promiscuity == 0
    k.link_set("veth0", up=True)
    assert dev.promiscuity == 1
