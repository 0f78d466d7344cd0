"""Device address lists (net/core/dev_addr_lists.c): the multicast and secondary unicast lists.

The lists themselves are reference-counted dicts on the device (dev.mc, dev.uc:
netkernel.net.core.dev.dev_addr_list_change); every change re-evaluates the device's receive
mode (net/core/dev.c __dev_set_rx_mode): unicast promiscuity for a device that cannot filter
unicast addresses, and the driver's filters (the FTGMAC100: the multicast hash,
ftgmac100_set_rx_mode).
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev_addr_lists.c"

from netkernel.net.core.dev import NetDevice, __dev_set_rx_mode, dev_addr_list_change


def _change_and_sync(dev: NetDevice, lst: dict, addr: bytes, inc: int) -> int:
    """One reference more or less on `addr` in `lst`; when that worked, the rx mode."""
    err = dev_addr_list_change(lst, addr, inc)
    if not err:
        __dev_set_rx_mode(dev)
    return err


def dev_mc_add(dev: NetDevice, addr: bytes) -> int:
    """dev_mc_add: one more reference on a multicast address, then the rx mode."""
    return _change_and_sync(dev, dev.mc, addr, 1)


def dev_mc_del(dev: NetDevice, addr: bytes) -> int:
    """dev_mc_del: one reference less (ENOENT when there is none), then the rx mode."""
    return _change_and_sync(dev, dev.mc, addr, -1)


def dev_uc_add(dev: NetDevice, addr: bytes) -> int:
    """dev_uc_add: one more reference on a secondary unicast address, then the rx mode."""
    return _change_and_sync(dev, dev.uc, addr, 1)


def dev_uc_del(dev: NetDevice, addr: bytes) -> int:
    """dev_uc_del: drop a reference (ENOENT when absent), then the rx mode."""
    return _change_and_sync(dev, dev.uc, addr, -1)
