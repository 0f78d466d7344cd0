"""A small phylib (drivers/net/phy/phy.c): poll the PHY, follow its link.

The PHY is read through the MAC's MDIO accessors. Linux polls every second (PHY_POLL); here the
machine triggers the state machine when the cable changes (DIVERGENCE(#4): no 1 s timer).
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/phy/phy.c"

from netkernel.drivers.net.phy.phy_device import genphy_read_status, phy_connect  # noqa: F401
from netkernel.net.sched.sch_generic import netif_carrier_off, netif_carrier_on
from netkernel.uapi.ethtool import DUPLEX_FULL, SPEED_100, SPEED_1000  # noqa: F401 (re-exported)
PHY_HALTED, PHY_UP, PHY_RUNNING, PHY_NOLINK = 0, 1, 2, 3


class PhyDevice:
    """struct phy_device: address on the MDIO bus, link/speed/duplex, the MAC's callback."""
    __slots__ = ("mdio_read", "addr", "link", "speed", "duplex", "pause", "asym_pause",
                 "state", "attached_dev", "adjust_link")

    def __init__(self, mdio_read, addr: int = 0):
        self.mdio_read = mdio_read
        self.addr = addr
        self.link = 0
        self.speed = 0
        self.duplex = 0
        self.pause = 0
        self.asym_pause = 0
        self.state = PHY_HALTED
        self.attached_dev = None
        self.adjust_link = None


def phy_state_machine(phydev: PhyDevice) -> None:
    """phy_state_machine: read the status; on a change, carrier on/off then adjust_link."""
    if phydev.state == PHY_HALTED:
        return
    old = phydev.link
    if genphy_read_status(phydev) < 0:
        return
    dev = phydev.attached_dev
    if phydev.link and (not old or phydev.state != PHY_RUNNING):
        phydev.state = PHY_RUNNING
        netif_carrier_on(dev)
        phydev.adjust_link(dev)
    elif not phydev.link and (old or phydev.state != PHY_NOLINK):
        phydev.state = PHY_NOLINK
        netif_carrier_off(dev)
        phydev.adjust_link(dev)


def phy_trigger_machine(phydev: PhyDevice) -> None:
    phy_state_machine(phydev)


def phy_start(phydev: PhyDevice) -> None:
    """phy_start: start polling (the first poll runs at once)."""
    phydev.state = PHY_UP
    phydev.link = 0
    phy_state_machine(phydev)


def phy_stop(phydev: PhyDevice) -> None:
    """phy_stop: stop polling; the link is reported down."""
    if phydev.link:
        phydev.link = 0
        netif_carrier_off(phydev.attached_dev)
        phydev.adjust_link(phydev.attached_dev)
    phydev.state = PHY_HALTED
