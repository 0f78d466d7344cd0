"""Device address lists (net/core/dev_addr_lists.c): the secondary unicast list.

The lists themselves are reference-counted dicts on the device (dev.uc, dev.mc); a change to
the unicast list re-evaluates the device's receive mode (net/core/dev.c __dev_set_rx_mode).
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev_addr_lists.c"

from netkernel.net.core.dev import NetDevice, __dev_set_rx_mode, dev_addr_list_change


def dev_uc_add(dev: NetDevice, addr: bytes) -> int:
    """dev_uc_add: one more reference on a secondary unicast address, then the rx mode."""
    err = dev_addr_list_change(dev.uc, addr, 1)
    if not err:
        __dev_set_rx_mode(dev)
    return err


def dev_uc_del(dev: NetDevice, addr: bytes) -> int:
    """dev_uc_del: drop a reference (ENOENT when absent), then the rx mode."""
    err = dev_addr_list_change(dev.uc, addr, -1)
    if not err:
        __dev_set_rx_mode(dev)
    return err
