"""The Aspeed AST2500 BMC SoC, as much of it as the network path needs.

- SDRAM at 0x80000000 (a bytearray; DIVERGENCE(#4): 8 MiB by default, not the EVB's 512 MiB).
- An MMIO bus: the two FTGMAC100s at 0x1E660000 (MAC0) and 0x1E680000 (MAC1), 0x2000 each as in
  QEMU's memory tree; only 4-byte little-endian accesses reach them.
- The VIC (aspeed,ast2400-vic): MAC0 on IRQ 2, MAC1 on IRQ 3. `cpu_irq(irq)` is the CPU's
  exception entry, installed by the machine; while the CPU has interrupts off
  (`irqs_off()`), raised lines stay pending and are taken at `irqs_on()`.
- An interrupt log: (seq, irq, device, event) for every level change and every time the CPU
  takes a line.
"""
from __future__ import annotations

from netkernel.hw.net.ftgmac100 import Ftgmac100State

ASPEED_SDRAM_BASE = 0x80000000
ASPEED_MAC0_BASE = 0x1E660000
ASPEED_MAC1_BASE = 0x1E680000
ASPEED_MAC_SIZE = 0x2000
ASPEED_VIC_BASE = 0x1E6C0080
ASPEED_IRQ_ETH1 = 2
ASPEED_IRQ_ETH2 = 3
DEFAULT_MACS = (bytes.fromhex("525400123456"), bytes.fromhex("525400123457"))


class MmioBus:
    """The AHB/APB address space seen by the CPU: 32-bit accesses routed to device models.
    `log`: None, or a list that gets ("R"|"W", address, value) for every access (as QEMU's
    memory_region_ops trace events record them: tests/data/ast2500/ compares the two)."""
    __slots__ = ("regions", "log")

    def __init__(self):
        self.regions: list = []         # (base, size, device)
        self.log = None

    def map(self, base: int, size: int, device) -> None:
        self.regions.append((base, size, device))

    def find(self, addr: int):
        for base, size, dev in self.regions:
            if base <= addr < base + size:
                return dev, addr - base
        return None, 0

    def read32(self, addr: int) -> int:
        dev, off = self.find(addr)
        if dev is None or addr & 3:
            value = 0                   # unassigned: reads as zero, as QEMU's default
        else:
            value = dev.read(off)
        if self.log is not None:
            self.log.append(("R", addr, value))
        return value

    def write32(self, addr: int, value: int) -> None:
        if self.log is not None:
            self.log.append(("W", addr, value))
        dev, off = self.find(addr)
        if dev is None or addr & 3:
            return
        dev.write(off, value)


class Vic:
    """The interrupt controller view: line levels, pending lines, and the log."""
    __slots__ = ("levels", "names", "log", "seq", "cpu_irq", "irqs_disabled", "in_irq",
                 "log_max")

    def __init__(self, log_max: int = 4096):
        self.levels: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.log: list = []
        self.seq = 0
        self.cpu_irq = None
        self.irqs_disabled = 0
        self.in_irq = False
        self.log_max = log_max

    def _log(self, irq: int, event: str) -> None:
        self.seq += 1
        self.log.append((self.seq, irq, self.names.get(irq, ""), event))
        if len(self.log) > self.log_max:
            del self.log[0]

    def set_irq(self, irq: int, level: int) -> None:
        self.levels[irq] = level
        self._log(irq, "raise" if level else "lower")
        if level:
            self.deliver()

    def deliver(self) -> None:
        """Let the CPU take every raised line, unless it has interrupts off or is in one."""
        if self.in_irq or self.irqs_disabled or self.cpu_irq is None:
            return
        self.in_irq = True
        try:
            for _ in range(64):         # a line nobody lowers must not spin forever
                pending = [i for i, lv in sorted(self.levels.items()) if lv]
                if not pending:
                    break
                irq = pending[0]
                self._log(irq, "taken")
                self.cpu_irq(irq)
        finally:
            self.in_irq = False


class Ast2500:
    """The SoC: DRAM, the MMIO bus, the VIC and both MACs (mac0, mac1)."""
    __slots__ = ("dram", "dram_base", "bus", "vic", "mac0", "mac1", "macs")

    def __init__(self, dram_size: int = 8 << 20, macaddrs=DEFAULT_MACS, rx_fcs: bool = False):
        self.dram_base = ASPEED_SDRAM_BASE
        self.dram = bytearray(dram_size)
        self.bus = MmioBus()
        self.vic = Vic()
        self.macs = []
        for i, (base, irq) in enumerate(((ASPEED_MAC0_BASE, ASPEED_IRQ_ETH1),
                                         (ASPEED_MAC1_BASE, ASPEED_IRQ_ETH2))):
            name = f"ftgmac100.{i}"
            mac = Ftgmac100State(name, macaddrs[i], self.dma_read, self.dma_write,
                                 lambda level, irq=irq: self.vic.set_irq(irq, level),
                                 aspeed=True, rx_fcs=rx_fcs)
            self.vic.names[irq] = name
            self.bus.map(base, ASPEED_MAC_SIZE, mac)
            self.macs.append(mac)
        self.mac0, self.mac1 = self.macs

    # -- guest memory, as a bus master sees it
    def dma_read(self, addr: int, n: int):
        off = addr - self.dram_base
        if off < 0 or off + n > len(self.dram):
            return None
        return bytes(self.dram[off:off + n])

    def dma_write(self, addr: int, data) -> bool:
        off = addr - self.dram_base
        if off < 0 or off + len(data) > len(self.dram):
            return False
        self.dram[off:off + len(data)] = data
        return True

    # -- the CPU's interrupt mask (fault injection: a CPU too busy to take interrupts)
    def irqs_off(self) -> None:
        self.vic.irqs_disabled += 1

    def irqs_on(self) -> None:
        if self.vic.irqs_disabled:
            self.vic.irqs_disabled -= 1
        self.vic.deliver()
