"""PHY core helpers (drivers/net/phy/phy-core.c)."""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/phy/phy-core.c"

from netkernel.include.linux.phy import phy_read, phy_write
from netkernel.uapi.ethtool import DUPLEX_FULL, DUPLEX_HALF, SPEED_10, SPEED_100, SPEED_1000
from netkernel.uapi.mii import (ADVERTISE_1000FULL, LPA_1000FULL, LPA_100FULL, LPA_100HALF,
                                LPA_10FULL, LPA_PAUSE_ASYM, LPA_PAUSE_CAP)


def phy_modify_changed(phydev, regnum: int, mask: int, set_: int) -> int:
    """phy_modify_changed: read, clear `mask`, set `set_`, write only if it changed; 1 if it did."""
    old = phy_read(phydev, regnum)
    if old < 0:
        return old
    new = (old & ~mask) | set_
    if new == old:
        return 0
    err = phy_write(phydev, regnum, new)
    return err if err < 0 else 1


def phy_resolve_aneg_linkmode(phydev) -> None:
    """phy_resolve_aneg_linkmode: the best mode both ends advertise; pause bits from the
    partner."""
    common = phydev.advertising & phydev.lp_advertising
    if phydev.adv_1000 & ADVERTISE_1000FULL and phydev.lp_1000 & LPA_1000FULL:
        phydev.speed, phydev.duplex = SPEED_1000, DUPLEX_FULL
    elif common & LPA_100FULL:
        phydev.speed, phydev.duplex = SPEED_100, DUPLEX_FULL
    elif common & LPA_100HALF:
        phydev.speed, phydev.duplex = SPEED_100, DUPLEX_HALF
    elif common & LPA_10FULL:
        phydev.speed, phydev.duplex = SPEED_10, DUPLEX_FULL
    else:
        phydev.speed, phydev.duplex = SPEED_10, DUPLEX_HALF
    phydev.pause = 1 if phydev.lp_advertising & LPA_PAUSE_CAP else 0
    phydev.asym_pause = 1 if phydev.lp_advertising & LPA_PAUSE_ASYM else 0
