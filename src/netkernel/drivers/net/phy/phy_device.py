"""Connecting a PHY and reading its status the generic way (drivers/net/phy/phy_device.c)."""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/phy/phy_device.c"

from netkernel.uapi.ethtool import DUPLEX_FULL, SPEED_100, SPEED_1000
from netkernel.uapi.mii import BMSR_LSTATUS, LPA_1000FULL, MII_BMSR, MII_STAT1000


def phy_connect(dev, phydev, handler):
    """phy_connect: attach the PHY to the MAC's net_device with its link-change handler."""
    phydev.attached_dev = dev
    phydev.adjust_link = handler
    return phydev


def genphy_read_status(phydev) -> int:
    """genphy_read_status: link from BMSR (read twice: the link bit latches low), speed from the
    1000BASE-T status."""
    phydev.mdio_read(phydev.addr, MII_BMSR)
    bmsr = phydev.mdio_read(phydev.addr, MII_BMSR)
    if bmsr < 0:
        return bmsr
    phydev.link = 1 if bmsr & BMSR_LSTATUS else 0
    if phydev.link:
        stat = phydev.mdio_read(phydev.addr, MII_STAT1000)
        phydev.speed = SPEED_1000 if stat & LPA_1000FULL else SPEED_100
        phydev.duplex = DUPLEX_FULL
    else:
        phydev.speed = 0
        phydev.duplex = 0
    return 0
