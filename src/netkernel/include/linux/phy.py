"""PHY register access (include/linux/phy.h): one clause-22 register of a PHY, over its bus."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/phy.h"


def phy_read(phydev, regnum: int) -> int:
    """phy_read: the register's value, or a negative errno from the MDIO bus."""
    return phydev.mdio_read(phydev.addr, regnum)


def phy_write(phydev, regnum: int, val: int) -> int:
    return phydev.mdio_write(phydev.addr, regnum, val)
