"""Device-managed resources (lib/devres.c): mapping a device's register window."""
from __future__ import annotations

LINUX_SOURCE = "lib/devres.c"

from netkernel.lib.iomap import IoMem


def devm_ioremap_resource(pdev) -> IoMem:
    """devm_ioremap_resource: map the device's register window."""
    return IoMem(pdev.bus, pdev.res_start)
