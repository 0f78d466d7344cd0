"""Platform devices (drivers/base/platform.c): what a device tree node gives a driver."""
from __future__ import annotations

LINUX_SOURCE = "drivers/base/platform.c"

from netkernel.lib.iomap import IoMem


class Device:
    """struct device: its DMA region, the machine's irq table and the DT properties (of_node)."""
    __slots__ = ("name", "dma", "irqs", "of_node")

    def __init__(self, name: str, dma, irqs, of_node: dict | None = None):
        self.name = name
        self.dma = dma
        self.irqs = irqs
        self.of_node = of_node or {}


class PlatformDevice:
    """struct platform_device: one MMIO resource and one interrupt, on the CPU's bus."""
    __slots__ = ("name", "id", "dev", "bus", "res_start", "res_size", "irq")

    def __init__(self, name: str, id: int, dev: Device, bus, res_start: int, res_size: int,
                 irq: int):
        self.name = name
        self.id = id
        self.dev = dev
        self.bus = bus
        self.res_start = res_start
        self.res_size = res_size
        self.irq = irq


def platform_get_irq(pdev: PlatformDevice, num: int = 0) -> int:
    return pdev.irq


