"""MMIO accessors (lib/iomap.c): the only way driver code touches a device's registers.

`base` is what devm_ioremap_resource returned: the CPU's bus and the physical address of the
register window; accesses are 32-bit, little-endian, as on the AST2500's AHB.
"""
from __future__ import annotations

LINUX_SOURCE = "lib/iomap.c"


class IoMem:
    """An ioremap cookie (void __iomem *): the bus and the window's physical base."""
    __slots__ = ("bus", "phys")

    def __init__(self, bus, phys: int):
        self.bus = bus
        self.phys = phys


def ioread32(base: IoMem, offset: int) -> int:
    """ioread32 (lib/iomap.c): one 32-bit MMIO read at base + offset."""
    return base.bus.read32(base.phys + offset)


def iowrite32(value: int, base: IoMem, offset: int) -> None:
    """iowrite32 (lib/iomap.c): one 32-bit MMIO write at base + offset."""
    base.bus.write32(base.phys + offset, value & 0xFFFFFFFF)
