"""Device address lists (net/core/dev_addr_lists.c): the multicast and secondary unicast lists.

Each address is reference-counted (netkernel.net.core.dev.dev_addr_list_change); every change
reaches the driver through __dev_set_rx_mode, which a device that is up answers by reprogramming
its filters (the FTGMAC100: the multicast hash, ftgmac100_set_rx_mode).
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev_addr_lists.c"

from netkernel.net.core.dev import __dev_set_rx_mode, dev_addr_list_change


def _change_and_sync(dev, lst: dict, addr: bytes, inc: int) -> int:
    """One reference more or less on `addr` in `lst`; when that worked, the device's filters."""
    err = dev_addr_list_change(lst, addr, inc)
    if not err:
        __dev_set_rx_mode(dev)
    return err


def dev_mc_add(dev, addr: bytes) -> int:
    """dev_mc_add: one more reference on a multicast address, then the device's filters."""
    return _change_and_sync(dev, dev.mc, addr, 1)


def dev_mc_del(dev, addr: bytes) -> int:
    """dev_mc_del: one reference less (ENOENT when there is none), then the filters."""
    return _change_and_sync(dev, dev.mc, addr, -1)


def dev_uc_add(dev, addr: bytes) -> int:
    """dev_uc_add: as dev_mc_add, for the secondary unicast list."""
    return _change_and_sync(dev, dev.uc, addr, 1)


def dev_uc_del(dev, addr: bytes) -> int:
    return _change_and_sync(dev, dev.uc, addr, -1)
