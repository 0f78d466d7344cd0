"""Attaching a PHY and the generic clause-22 driver (drivers/net/phy/phy_device.c).

What the PHY can do comes from its registers at attach time (BMSR, and ESTATUS when BMSR says it
has one); the advertisement is every supported 10/100(/1000) mode plus the pause bits the MAC
declares (phy_support_asym_pause). The register traffic — which register, read or written, in
which order — is Linux's: tests/hw/aspeed/ compares it with the real 6.1 kernel's on QEMU.
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/phy/phy_device.c"

from netkernel.uapi.mii import (
    ADVERTISE_1000FULL, ADVERTISE_1000HALF, ADVERTISE_100FULL, ADVERTISE_100HALF,
    ADVERTISE_10FULL, ADVERTISE_10HALF, ADVERTISE_CSMA, ADVERTISE_PAUSE_ASYM,
    ADVERTISE_PAUSE_CAP, BMCR_ANENABLE, BMCR_ANRESTART, BMCR_ISOLATE, BMCR_PDOWN,
    BMSR_100FULL, BMSR_100HALF, BMSR_10FULL, BMSR_10HALF, BMSR_ANEGCOMPLETE, BMSR_ESTATEN,
    BMSR_LSTATUS, ESTATUS_1000_TFULL, ESTATUS_1000_THALF, MII_ADVERTISE, MII_BMCR, MII_BMSR,
    MII_CTRL1000, MII_ESTATUS, MII_LPA, MII_STAT1000)
from netkernel.drivers.net.phy.phy_core import phy_modify_changed, phy_resolve_aneg_linkmode
from netkernel.include.linux.phy import phy_read, phy_write
from netkernel.net.sched.sch_generic import netif_carrier_off, netif_carrier_on

_ADV_MASK = (ADVERTISE_10HALF | ADVERTISE_10FULL | ADVERTISE_100HALF | ADVERTISE_100FULL
             | ADVERTISE_PAUSE_CAP | ADVERTISE_PAUSE_ASYM)


def genphy_read_abilities(phydev) -> int:
    """genphy_read_abilities: 10/100 modes from BMSR; the 1000BASE-T ones from ESTATUS when
    BMSR has extended status."""
    bmsr = phy_read(phydev, MII_BMSR)
    if bmsr < 0:
        return bmsr
    adv = ADVERTISE_CSMA
    for bit, mode in ((BMSR_10HALF, ADVERTISE_10HALF), (BMSR_10FULL, ADVERTISE_10FULL),
                      (BMSR_100HALF, ADVERTISE_100HALF), (BMSR_100FULL, ADVERTISE_100FULL)):
        if bmsr & bit:
            adv |= mode
    phydev.advertising = adv
    phydev.adv_1000 = 0
    if bmsr & BMSR_ESTATEN:
        est = phy_read(phydev, MII_ESTATUS)
        if est < 0:
            return est
        if est & ESTATUS_1000_TFULL:
            phydev.adv_1000 |= ADVERTISE_1000FULL
        if est & ESTATUS_1000_THALF:
            phydev.adv_1000 |= ADVERTISE_1000HALF
    return 0


def phy_connect(dev, phydev, handler):
    """phy_connect: attach the PHY to the MAC's net_device with its link-change handler (the
    abilities are read as the PHY is probed)."""
    genphy_read_abilities(phydev)
    phydev.attached_dev = dev
    phydev.adjust_link = handler
    return phydev


def phy_support_asym_pause(phydev) -> None:
    """phy_support_asym_pause: the MAC can pause both ways: advertise both pause bits."""
    phydev.advertising |= ADVERTISE_PAUSE_CAP | ADVERTISE_PAUSE_ASYM


def genphy_config_advert(phydev) -> int:
    """genphy_config_advert: the advertisement register, then (with extended status) the
    1000BASE-T one; each written only when it changes. Returns whether anything changed."""
    changed = phy_modify_changed(phydev, MII_ADVERTISE, _ADV_MASK, phydev.advertising & _ADV_MASK)
    if changed < 0:
        return changed
    bmsr = phy_read(phydev, MII_BMSR)
    if bmsr < 0:
        return bmsr
    if not bmsr & BMSR_ESTATEN:
        return changed
    err = phy_modify_changed(phydev, MII_CTRL1000, ADVERTISE_1000FULL | ADVERTISE_1000HALF,
                             phydev.adv_1000)
    if err < 0:
        return err
    return 1 if err > 0 else changed


def genphy_restart_aneg(phydev) -> int:
    """genphy_restart_aneg: BMCR with autonegotiation enabled and restarted, not isolated."""
    bmcr = phy_read(phydev, MII_BMCR)
    if bmcr < 0:
        return bmcr
    return phy_write(phydev, MII_BMCR, (bmcr & ~BMCR_ISOLATE) | BMCR_ANENABLE | BMCR_ANRESTART)


def genphy_check_and_restart_aneg(phydev, restart: bool) -> int:
    """genphy_check_and_restart_aneg: restart when asked, or when autonegotiation is off or the
    PHY isolated."""
    if not restart:
        bmcr = phy_read(phydev, MII_BMCR)
        if bmcr < 0:
            return bmcr
        restart = not bmcr & BMCR_ANENABLE or bool(bmcr & BMCR_ISOLATE)
    return genphy_restart_aneg(phydev) if restart else 0


def genphy_config_aneg(phydev) -> int:
    """genphy_config_aneg → __genphy_config_aneg: advertise, then restart autonegotiation if the
    advertisement changed."""
    changed = genphy_config_advert(phydev)
    if changed < 0:
        return changed
    return genphy_check_and_restart_aneg(phydev, changed > 0)


def genphy_update_link(phydev) -> int:
    """genphy_update_link: BMCR first (a restart in progress means no link yet); BMSR's link bit
    latches low, so a link that was down reads it twice unless the first read shows it up."""
    bmcr = phy_read(phydev, MII_BMCR)
    if bmcr < 0:
        return bmcr
    if bmcr & BMCR_ANRESTART:
        phydev.link = 0
        phydev.autoneg_complete = 0
        return 0
    status = 0
    if not phydev.link:
        status = phy_read(phydev, MII_BMSR)
        if status < 0:
            return status
    if not status & BMSR_LSTATUS:
        status = phy_read(phydev, MII_BMSR)
        if status < 0:
            return status
    phydev.link = 1 if status & BMSR_LSTATUS else 0
    phydev.autoneg_complete = 1 if status & BMSR_ANEGCOMPLETE else 0
    return 0


def genphy_read_lpa(phydev) -> int:
    """genphy_read_lpa: once autonegotiation completed, the partner's abilities (1000BASE-T
    status first when we can do gigabit)."""
    phydev.lp_1000 = 0
    if not phydev.autoneg_complete:
        phydev.lp_advertising = 0
        return 0
    if phydev.adv_1000:
        stat = phy_read(phydev, MII_STAT1000)
        if stat < 0:
            return stat
        phydev.lp_1000 = stat
    lpa = phy_read(phydev, MII_LPA)
    if lpa < 0:
        return lpa
    phydev.lp_advertising = lpa
    return 0


def genphy_read_status(phydev) -> int:
    """genphy_read_status: the link; with autonegotiation a link that stayed up needs nothing
    more; else the partner's abilities and the resolved speed, duplex and pause."""
    old_link = phydev.link
    err = genphy_update_link(phydev)
    if err:
        return err
    if old_link and phydev.link:
        return 0
    phydev.speed = 0
    phydev.duplex = 0
    phydev.pause = phydev.asym_pause = 0
    err = genphy_read_lpa(phydev)
    if err < 0:
        return err
    if phydev.autoneg_complete:
        phy_resolve_aneg_linkmode(phydev)
    return 0


def genphy_resume(phydev) -> int:
    """genphy_resume: power the PHY up (clear BMCR_PDOWN; written only if it was set)."""
    err = phy_modify_changed(phydev, MII_BMCR, BMCR_PDOWN, 0)
    return err if err < 0 else 0


def genphy_suspend(phydev) -> int:
    """genphy_suspend: power the PHY down (set BMCR_PDOWN)."""
    err = phy_modify_changed(phydev, MII_BMCR, 0, BMCR_PDOWN)
    return err if err < 0 else 0


def phy_link_change(phydev, up: bool) -> None:
    """phy_link_change (phydev->phy_link_change): carrier on/off, then the MAC's adjust_link."""
    dev = phydev.attached_dev
    if up:
        netif_carrier_on(dev)
    else:
        netif_carrier_off(dev)
    phydev.adjust_link(dev)
