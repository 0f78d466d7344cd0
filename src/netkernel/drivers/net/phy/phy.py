"""A small phylib (drivers/net/phy/phy.c): the PHY state machine, as a work item.

The PHY is reached through the MAC's MDIO accessors (mdio_read/mdio_write). phy_start powers it
up and queues the state machine, which configures autonegotiation (PHY_UP), then reads the
status and follows the link: carrier on/off and the MAC's adjust_link on a change. phy_stop
halts it: link down, PHY powered down. DIVERGENCE(#4): Linux also reruns the machine every
second (PHY_POLL) — on QEMU's AST2500 that is two MDIO reads a second (BMCR, BMSR), filtered from
the comparison by rule; here the machine runs when the cable changes.
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/phy/phy.c"

from netkernel.drivers.net.phy.phy_device import (  # noqa: F401 (re-exported)
    genphy_config_aneg, genphy_read_status, genphy_resume, genphy_suspend, phy_connect,
    phy_link_change, phy_support_asym_pause)
from netkernel.include.linux.workqueue import WorkStruct, schedule_work
from netkernel.uapi.ethtool import DUPLEX_FULL, SPEED_100, SPEED_1000  # noqa: F401 (re-exported)
from netkernel.uapi.ethtool import (AUTONEG_ENABLE, DUPLEX_UNKNOWN, PORT_TP, SPEED_UNKNOWN,
                                    XCVR_EXTERNAL)
PHY_HALTED, PHY_UP, PHY_RUNNING, PHY_NOLINK = 0, 1, 2, 3


class PhyDevice:
    """struct phy_device: address on the MDIO bus, what it advertises and what the partner does,
    link/speed/duplex/pause, the MAC's callback and the state machine's work item."""
    __slots__ = ("mdio_read", "mdio_write", "addr", "link", "speed", "duplex", "pause",
                 "asym_pause", "state", "attached_dev", "adjust_link", "advertising", "adv_1000",
                 "lp_advertising", "lp_1000", "autoneg_complete", "state_queue")

    def __init__(self, mdio_read, addr: int = 0, mdio_write=None):
        self.mdio_read = mdio_read
        self.mdio_write = mdio_write
        self.addr = addr
        self.link = 0
        self.speed = 0
        self.duplex = 0
        self.pause = 0
        self.asym_pause = 0
        self.state = PHY_HALTED
        self.attached_dev = None
        self.adjust_link = None
        self.advertising = 0
        self.adv_1000 = 0
        self.lp_advertising = 0
        self.lp_1000 = 0
        self.autoneg_complete = 0
        self.state_queue = WorkStruct(phy_state_machine, self)


def phy_link_up(phydev: PhyDevice) -> None:
    """phy_link_up: tell the MAC (phy_link_change)."""
    phy_link_change(phydev, True)


def phy_link_down(phydev: PhyDevice) -> None:
    phy_link_change(phydev, False)


def phy_check_link_status(phydev: PhyDevice) -> int:
    """phy_check_link_status: read the status; a link that came up → RUNNING and link up, one
    that went down → NOLINK and link down."""
    err = genphy_read_status(phydev)
    if err:
        return err
    if phydev.link and phydev.state != PHY_RUNNING:
        phydev.state = PHY_RUNNING
        phy_link_up(phydev)
    elif not phydev.link and phydev.state != PHY_NOLINK:
        phydev.state = PHY_NOLINK
        phy_link_down(phydev)
    return 0


def phy_state_machine(work: WorkStruct) -> None:
    """phy_state_machine (the work item): UP → configure autonegotiation, then check the link;
    NOLINK/RUNNING → check the link; HALTED → report a link that was up as down, and power the
    PHY down."""
    phydev = work.data
    if phydev.state == PHY_UP:
        if genphy_config_aneg(phydev) < 0:
            return
        phy_check_link_status(phydev)
    elif phydev.state in (PHY_NOLINK, PHY_RUNNING):
        phy_check_link_status(phydev)
    elif phydev.state == PHY_HALTED:
        if phydev.link:
            phydev.link = 0
            phy_link_down(phydev)
        genphy_suspend(phydev)


def phy_trigger_machine(phydev: PhyDevice) -> None:
    """phy_trigger_machine: run the state machine now (queued: it runs after the caller)."""
    schedule_work(phydev.attached_dev.nd_net.core, phydev.state_queue)


def phy_start(phydev: PhyDevice) -> None:
    """phy_start: power the PHY up (__phy_resume), state UP, queue the state machine."""
    genphy_resume(phydev)
    phydev.state = PHY_UP
    phydev.link = 0
    phy_trigger_machine(phydev)


def phy_stop(phydev: PhyDevice) -> None:
    """phy_stop: state HALTED, and one last run of the state machine at once (link down, PHY
    powered down)."""
    phydev.state = PHY_HALTED
    phy_state_machine(phydev.state_queue)


# ---------------------------------------------------------------- ethtool

# PHY_GBIT_FEATURES (10/100/1000 half and full, autoneg, twisted pair, MII) plus the pause modes
# the MAC declares (phy_support_asym_pause). DIVERGENCE(#10): not read from the PHY's BMSR/ESTATUS
# registers, and the link partner's abilities (lp_advertising) are not read (0).
PHY_SUPPORTED = sum(1 << b for b in (0, 1, 2, 3, 4, 5, 6, 7, 9, 13, 14))


def phy_ethtool_get_link_ksettings(dev, ks) -> int:
    """phy_ethtool_get_link_ksettings → phy_ethtool_ksettings_get: ENODEV without a PHY; the
    PHY's modes, speed and duplex (unknown without link), port, address, autonegotiation; an
    external transceiver."""
    phydev = getattr(dev.priv, "phydev", None)
    if phydev is None:
        return -19  # ENODEV
    ks.supported = ks.advertising = PHY_SUPPORTED
    ks.lp_advertising = 0
    ks.speed = phydev.speed if phydev.link and phydev.speed else SPEED_UNKNOWN
    ks.duplex = phydev.duplex if phydev.link else DUPLEX_UNKNOWN
    ks.port = PORT_TP
    ks.transceiver = XCVR_EXTERNAL
    ks.phy_address = phydev.addr
    ks.autoneg = AUTONEG_ENABLE
    return 0
