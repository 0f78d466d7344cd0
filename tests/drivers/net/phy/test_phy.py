"""phylib's generic clause-22 driver over a PHY given as registers: which registers it reads and
writes, in Linux's order, and what it resolves."""
import pytest

from netkernel.drivers.net.phy.phy import PHY_RUNNING, PHY_UP, PhyDevice, phy_state_machine
from netkernel.drivers.net.phy.phy_device import (genphy_read_status, phy_connect,
                                                  phy_support_asym_pause)


class Regs:
    """A PHY as a register file, logging every access ("r"/"w", reg, value)."""

    def __init__(self, **regs):
        self.regs = {0: 0x1140, 1: 0x796D, 4: 0x0DE1, 5: 0x45E1, 9: 0x0300, 10: 0x0800, 15: 0}
        self.regs.update({int(k[1:]): v for k, v in regs.items()})
        self.log = []

    def read(self, addr, reg):
        v = self.regs.get(reg, 0)
        self.log.append(("r", reg, v))
        return v

    def write(self, addr, reg, val):
        self.log.append(("w", reg, val))
        self.regs[reg] = val & ~0x0200 if reg == 0 else val     # a restart completes at once
        return 0


class Dev:
    def __init__(self):
        self.events = []


def attach(regs):
    phydev = PhyDevice(regs.read, 0, regs.write)
    dev = Dev()
    phy_connect(dev, phydev, lambda d: d.events.append(("adjust", phydev.link)))
    phy_support_asym_pause(phydev)
    regs.log.clear()
    return phydev, dev


def test_first_run_configures_autonegotiation_like_linux(monkeypatch):
    """PHY_UP: advertisement (unchanged: no write), BMSR, 1000BASE-T control cleared (no gigabit
    modes: ESTATUS is 0), so autonegotiation restarts; then the link: BMCR, BMSR, partner."""
    monkeypatch.setattr("netkernel.drivers.net.phy.phy_device.netif_carrier_on", lambda d: None)
    regs = Regs()
    phydev, dev = attach(regs)
    phydev.state = PHY_UP
    phy_state_machine(phydev.state_queue)
    assert regs.log == [("r", 4, 0x0DE1), ("r", 1, 0x796D), ("r", 9, 0x0300), ("w", 9, 0),
                        ("r", 0, 0x1140), ("w", 0, 0x1340), ("r", 0, 0x1140),
                        ("r", 1, 0x796D), ("r", 5, 0x45E1)]
    assert (phydev.link, phydev.speed, phydev.duplex, phydev.pause, phydev.asym_pause) == (
        1, 100, 1, 1, 0)
    assert phydev.state == PHY_RUNNING and dev.events == [("adjust", 1)]


@pytest.mark.parametrize("lpa,speed,duplex,pause,asym", [
    (0x45E1, 100, 1, 1, 0),            # QEMU's partner: 100 full, symmetric pause
    (0x40A1, 100, 0, 0, 0),            # 100 half only
    (0x0841, 10, 1, 0, 1),             # 10 full, asymmetric pause
])
def test_resolution_from_the_partners_abilities(lpa, speed, duplex, pause, asym):
    phydev, _ = attach(Regs(r5=lpa))
    assert genphy_read_status(phydev) == 0
    assert (phydev.speed, phydev.duplex, phydev.pause, phydev.asym_pause) == (
        speed, duplex, pause, asym)


def test_gigabit_when_both_ends_can():
    """With ESTATUS saying 1000BASE-T full, the partner's 1000BASE-T status is read first."""
    regs = Regs(r15=0x2000)
    phydev, _ = attach(regs)
    genphy_read_status(phydev)
    assert ("r", 10, 0x0800) in regs.log and phydev.speed == 1000


def test_a_link_that_stays_up_costs_two_reads():
    """The 1 s poll's shape: BMCR, then BMSR once (the link was up), nothing more."""
    regs = Regs()
    phydev, _ = attach(regs)
    genphy_read_status(phydev)
    regs.log.clear()
    genphy_read_status(phydev)
    assert regs.log == [("r", 0, 0x1140), ("r", 1, 0x796D)]
