"""Machines: a Kernel on emulated hardware, and cables between machines.

`ast2500()` boots Linux 5.15's network path on an emulated Aspeed AST2500: the SoC model
(netkernel.hw.aspeed.ast2500) with both FTGMAC100s, and the ftgmac100 driver probed on each as
eth0 (MAC0, ifindex 2) and eth1 (MAC1, ifindex 3) in init_net. `connect(k1, "eth0", k2, "eth0")`
plugs a cable between two devices of any machines; `connect(k, "eth0", netdev="dgram,...")` or
`connect(k, "eth0", tap="nktap0", host_netns="ns1")` joins the MAC to a QEMU socket backend or a
real TAP device instead.

Execution (DESIGN.md "Execution model", netkernel/hw/cpu.py): a frame a MAC puts on its cable is
posted to the other machine, which receives it in its own context — under its own lock, with its
own tracer, after the frames that came before it: the peer MAC's receive, its interrupt
(handle_domain_irq → ftgmac100_interrupt) and the NAPI softirq. The sending machine never takes
the receiver's lock: the sending thread enters the receiver only after it has left its own
machine, so when send() returns the peer has received the frame, and two machines sending to
each other at once never deadlock. A trace of one machine never shows another's work.
"""
from __future__ import annotations

import sys
from functools import partial

from netkernel.api import Kernel
from netkernel.backends.port import Port
from netkernel.drivers.base.platform import Device, PlatformDevice
from netkernel.drivers.net.ethernet.faraday.ftgmac100 import ftgmac100_probe
from netkernel.drivers.net.phy.phy import PHY_HALTED, phy_trigger_machine
from netkernel.hw.aspeed.ast2500 import (ASPEED_IRQ_ETH1, ASPEED_IRQ_ETH2, ASPEED_MAC0_BASE,
                                         ASPEED_MAC1_BASE, ASPEED_MAC_SIZE, Ast2500)
from netkernel.hw.net.ftgmac100_regs import decode_int
from netkernel.kernel.dma.mapping import DmaRegion
from netkernel.kernel.irq.irqdesc import IrqDescTable, handle_domain_irq
from netkernel.net.core.dev import dev_open

__all__ = ["ast2500", "connect", "Ast2500Hw", "MacView"]


# ---------------------------------------------------------------- running on a machine

def _on_machine(k: Kernel, fn, *args):
    """Run fn on machine k from outside every machine (a user's fault injection): enter it
    (which first takes its pending events), with k's tracer — or none — on this thread."""
    with k._lock:
        t = k._tracer
        if t is not None:
            return t.run_syscall(fn, *args)
        prev = sys.getprofile()
        if prev is None:
            return fn(*args)
        sys.setprofile(None)
        try:
            return fn(*args)
        finally:
            sys.setprofile(prev)


# ---------------------------------------------------------------- inspection

class MacView:
    """What a student inspects on one MAC: registers, rings, hardware counters, faults."""
    __slots__ = ("state", "netdev", "port", "_k")

    def __init__(self, k: Kernel, state, netdev, port: Port):
        self._k = k
        self.state = state
        self.netdev = netdev
        self.port = port

    def regs(self) -> dict:
        """Named register values (ISR, IER, MACCR, ring bases, ...), read without side effects."""
        with self._k._lock:
            return self.state.regs()

    def tx_ring(self, n: int | None = None) -> list[dict]:
        """The TX descriptors the driver uses (its ring size), decoded."""
        with self._k._lock:
            return self.state.tx_ring_view(n if n is not None else self._entries("tx"))

    def rx_ring(self, n: int | None = None) -> list[dict]:
        with self._k._lock:
            return self.state.rx_ring_view(n if n is not None else self._entries("rx"))

    def _entries(self, which: str):
        priv = self.netdev.priv
        n = priv.tx_q_entries if which == "tx" else priv.rx_q_entries
        return n or None

    def stats(self) -> dict:
        with self._k._lock:
            return self.state.stats()

    # -- faults
    def set_link(self, up: bool) -> None:
        """Pull the cable out of / back into this MAC's PHY (the peer sees it too)."""
        _on_machine(self._k, self.state.set_link, up)

    def tx_hold(self, held: bool) -> None:
        """Hold the transmitter (as PAUSE frames from the partner would), or release it."""
        _on_machine(self._k, self.state.tx_hold, held)


class Ast2500Hw:
    """`k.hw`: the SoC model, one MacView per MAC, the interrupt log and the CPU's IRQ mask."""
    __slots__ = ("soc", "mac0", "mac1", "irqs", "_k")

    def __init__(self, k: Kernel, soc: Ast2500, irqs: IrqDescTable):
        self._k = k
        self.soc = soc
        self.irqs = irqs
        self.mac0 = None
        self.mac1 = None

    def irq_log(self) -> list[tuple]:
        """(seq, irq, device, event) for every line change and every interrupt the CPU took."""
        with self._k._lock:
            return list(self.soc.vic.log)

    def clear_irq_log(self) -> None:
        with self._k._lock:
            self.soc.vic.log.clear()

    def interrupts(self) -> dict:
        """/proc/interrupts: how often each requested line's handler ran."""
        with self._k._lock:
            return {d.irq: (d.count, d.name) for d in self.irqs.descs.values()}

    def irqs_off(self) -> None:
        """Fault: the CPU stops taking interrupts (busy with them masked); lines stay pending."""
        with self._k._lock:
            self.soc.irqs_off()

    def irqs_on(self) -> None:
        with self._k._lock:
            self.soc.irqs_on()

    @staticmethod
    def decode_int(bits: int) -> list[str]:
        return decode_int(bits)


# ---------------------------------------------------------------- the AST2500 machine

def ast2500(seed: int = 0, clock: str = "real", up: bool = True,
            macaddrs=None, rx_fcs: bool = False, mmio_log: list | None = None) -> Kernel:
    """A Kernel (armv7 profile) on an emulated AST2500 BMC: eth0/eth1 are the SoC's two FTGMAC100
    MACs (ifindex 2 and 3), driven by the ftgmac100 driver through MMIO registers, DMA
    descriptors in DRAM and interrupts — the study note's machine.

        bmc = netkernel.machines.ast2500()
        peer = netkernel.machines.ast2500(macaddrs=(bytes.fromhex("020000000b00"),
                                                    bytes.fromhex("020000000b01")))
        netkernel.connect(bmc, "eth0", peer, "eth0")   # a cable: the PHYs see the link
        bmc.hw.mac0.regs(); bmc.hw.mac0.tx_ring(); bmc.hw.irq_log()   # what the driver did

    `seed`/`clock`: as for Kernel; `up`: bring both interfaces up, as the BMC's init does (False:
    bring them up later with `link_set`); `macaddrs`: the chips' MAC addresses (default QEMU's
    52:54:00:12:34:56/57); `rx_fcs`: QEMU's RX behaviour of counting and storing the 4 CRC
    bytes. Faults: `k.hw.mac0.set_link(False)`, `tx_hold(True)`, `k.hw.irqs_off()`.
    `mmio_log`: a list that gets every MMIO access ("R"|"W", address, value) from the probe on
    (the register-level trace tests/data/ast2500/ holds for real Linux)."""
    k = Kernel(profile="armv7", clock=clock, seed=seed)
    soc = Ast2500(macaddrs=macaddrs, rx_fcs=rx_fcs) if macaddrs else Ast2500(rx_fcs=rx_fcs)
    soc.bus.log = mmio_log
    irqs = IrqDescTable(k.core)
    soc.vic.cpu_irq = lambda irq: handle_domain_irq(irqs, irq)
    hw = Ast2500Hw(k, soc, irqs)
    # DMA memory: everything above the first MiB of DRAM (below it: "the kernel image")
    dma = DmaRegion(soc.dram, soc.dram_base, 1 << 20, len(soc.dram))
    views = []
    for i, (base, irq, mac) in enumerate(((ASPEED_MAC0_BASE, ASPEED_IRQ_ETH1, soc.mac0),
                                          (ASPEED_MAC1_BASE, ASPEED_IRQ_ETH2, soc.mac1))):
        dev = Device(f"{base:x}.ethernet", dma, irqs)
        pdev = PlatformDevice("ftgmac100", i, dev, soc.bus, base, ASPEED_MAC_SIZE, irq)
        with k._lock:
            netdev = ftgmac100_probe(pdev, k.init_net, f"eth{i}")
        # the MAC's cable end: what arrives on it runs on this machine (the MAC receives, raises
        # its interrupt line, the CPU takes it), in arrival order
        port = Port(f"{k!r}:eth{i}", on_rx=partial(_receive_frames, mac), on_link=mac.set_link,
                    cpu=k.core.cpu)
        mac.port = port
        netdev.priv.port = port             # the device's cable end, for netkernel.connect
        mac.on_link_change = lambda _mac, nd=netdev: _phy_poll(nd)
        views.append(MacView(k, mac, netdev, port))
    hw.mac0, hw.mac1 = views
    k.hw = hw
    if up:
        with k._lock:
            for v in views:
                dev_open(v.netdev)
    return k


def _receive_frames(mac, frames) -> bool:
    ok = False
    for f in frames:
        ok = mac.receive(f) or ok
    return ok


def _phy_poll(netdev) -> None:
    """The PHY poll timer firing after a cable change (Linux: within a second, PHY_POLL)."""
    phydev = netdev.priv.phydev
    if phydev is not None and phydev.state != PHY_HALTED:
        phy_trigger_machine(phydev)


# ---------------------------------------------------------------- cables

def connect(*args, **kw):
    """netkernel.connect (netkernel/wire.py): plug a cable between devices of any machines."""
    from netkernel.wire import connect as _connect
    return _connect(*args, **kw)
