"""The legacy ethtool ioctl (net/ethtool/ioctl.c): SIOCETHTOOL's sub-commands, answered from the
driver's struct ethtool_ops.

Only the read-only commands programs ask (tcpdump/libpcap, ethtool, psutil) are modelled; any
other command is EOPNOTSUPP after the capability check, as for a driver lacking the op.
"""
from __future__ import annotations

LINUX_SOURCE = "net/ethtool/ioctl.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("ethtool_str",)

from netkernel.kernel.sched import ns_capable
from netkernel.kernel.uaccess import copy_from_user, copy_to_user
from netkernel.include.linux.netdevice import netif_running
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.ethtool import (ETH_SS_PRIV_FLAGS, ETH_SS_STATS, ETH_SS_TEST, ETHTOOL_CMD,
                                    ETHTOOL_CMD_LEGACY, ETHTOOL_DRVINFO, ETHTOOL_GDRVINFO,
                                    ETHTOOL_GLINK, ETHTOOL_GLINKSETTINGS, ETHTOOL_GSET,
                                    ETHTOOL_LINK_MODE_MASK_NU32,
                                    ETHTOOL_LINK_SETTINGS, ETHTOOL_LINK_SETTINGS_SIZE,
                                    ETHTOOL_VALUE, MASTER_SLAVE_CFG_UNSUPPORTED,
                                    MASTER_SLAVE_STATE_UNSUPPORTED)

# init/version.c: the release string ethtool_get_drvinfo starts the version field with
UTS_RELEASE = "5.15.0-netkernel"

# the sub-commands anyone may issue (__dev_ethtool's list; the rest need CAP_NET_ADMIN)
_UNPRIVILEGED = frozenset({
    0x01, 0x03, 0x07, 0x0A,             # GSET GDRVINFO GMSGLVL GLINK
    0x0E, 0x10, 0x12, 0x14, 0x16, 0x18,  # GCOALESCE GRINGPARAM GPAUSEPARAM GRXCSUM GTXCSUM GSG
    0x37, 0x1B, 0x1D, 0x4A, 0x1E, 0x20,  # GSSET_INFO GSTRINGS GSTATS GPHYSTATS GTSO GPERMADDR
    0x21, 0x23, 0x2B, 0x25, 0x27,        # GUFO GGSO GGRO GFLAGS GPFLAGS
    0x29, 0x2D, 0x2E, 0x2F, 0x30,        # GRXFH GRXRINGS GRXCLSRLCNT GRXCLSRULE GRXCLSRLALL
    0x38, 0x46, 0x3A, 0x3C, 0x41,        # GRXFHINDIR GRSSH GFEATURES GCHANNELS GET_TS_INFO
    0x44, 0x48, 0x4E, 0x4C, 0x50})       # GEEE GTUNABLE PHY_GTUNABLE GLINKSETTINGS GFECPARAM


class EthtoolDrvinfo:
    """struct ethtool_drvinfo as a driver's get_drvinfo fills it (strings, counts)."""
    __slots__ = ("driver", "version", "fw_version", "bus_info", "erom_version", "n_priv_flags",
                 "n_stats", "testinfo_len", "eedump_len", "regdump_len")

    def __init__(self):
        self.driver = self.fw_version = self.bus_info = self.erom_version = b""
        self.version = UTS_RELEASE.encode()
        self.n_priv_flags = self.n_stats = self.testinfo_len = 0
        self.eedump_len = self.regdump_len = 0


class LinkKsettings:
    """struct ethtool_link_ksettings: the base settings and the three link-mode bitmaps (ints,
    bit N = ETHTOOL_LINK_MODE_*_BIT N)."""
    __slots__ = ("speed", "duplex", "port", "phy_address", "autoneg", "mdio_support",
                 "eth_tp_mdix", "eth_tp_mdix_ctrl", "transceiver", "master_slave_cfg",
                 "master_slave_state", "supported", "advertising", "lp_advertising")

    def __init__(self):
        for f in self.__slots__:
            setattr(self, f, 0)


class EthtoolOps:
    """struct ethtool_ops: the driver's callbacks (None where it has none). `get_drvinfo(dev,
    info)`, `get_link(dev) -> int`, `get_link_ksettings(dev, ks) -> 0 | -errno`,
    `get_sset_count(dev, sset) -> int | -errno`."""
    __slots__ = ("get_drvinfo", "get_link", "get_link_ksettings", "get_sset_count",
                 "get_regs_len", "get_eeprom_len")

    def __init__(self, get_drvinfo=None, get_link=None, get_link_ksettings=None,
                 get_sset_count=None, get_regs_len=None, get_eeprom_len=None):
        self.get_drvinfo = get_drvinfo
        self.get_link = get_link
        self.get_link_ksettings = get_link_ksettings
        self.get_sset_count = get_sset_count
        self.get_regs_len = get_regs_len
        self.get_eeprom_len = get_eeprom_len


# a device registered without ethtool_ops gets this empty table (register_netdevice)
DEFAULT_ETHTOOL_OPS = EthtoolOps()


def ethtool_op_get_link(dev) -> int:
    """ethtool_op_get_link: the carrier."""
    return 1 if dev.carrier else 0


def ethtool_str(s: bytes, size: int = 32) -> bytes:
    """strlcpy into a fixed char array: at most size-1 bytes and a NUL."""
    return bytes(s[:size - 1])


def _over(field: bytes, s: bytes, size: int = 32) -> bytes:
    """strlcpy over an already-filled char array: the new string and its NUL replace the start,
    bytes after the NUL keep what was there (user space sees them)."""
    s = ethtool_str(s, size) + b"\0"
    return s + field[len(s):]


def ethtool_get_drvinfo(dev, useraddr: int) -> int:
    """ethtool_get_drvinfo: version starts as the kernel release; the driver's get_drvinfo
    overwrites what it knows (EOPNOTSUPP without one — no device here has a parent driver to
    fall back on); string-set sizes from get_sset_count, dump lengths from get_regs_len /
    get_eeprom_len."""
    ops = dev.ethtool_ops or DEFAULT_ETHTOOL_OPS
    if ops.get_drvinfo is None:
        return -E.EOPNOTSUPP
    info = EthtoolDrvinfo()
    ops.get_drvinfo(dev, info)
    if ops.get_sset_count is not None:
        for sset, field in ((ETH_SS_TEST, "testinfo_len"), (ETH_SS_STATS, "n_stats"),
                            (ETH_SS_PRIV_FLAGS, "n_priv_flags")):
            rc = ops.get_sset_count(dev, sset)
            if rc >= 0:
                setattr(info, field, rc)
    if ops.get_regs_len is not None:
        n = ops.get_regs_len(dev)
        if n > 0:
            info.regdump_len = n
    if ops.get_eeprom_len is not None:
        info.eedump_len = ops.get_eeprom_len(dev)
    version = ethtool_str(UTS_RELEASE.encode()).ljust(32, b"\0")
    if info.version != UTS_RELEASE.encode():
        version = _over(version, info.version)
    raw = ETHTOOL_DRVINFO.pack(ETHTOOL_GDRVINFO, ethtool_str(info.driver), version,
                               ethtool_str(info.fw_version), ethtool_str(info.bus_info),
                               ethtool_str(info.erom_version), b"", info.n_priv_flags,
                               info.n_stats, info.testinfo_len, info.eedump_len,
                               info.regdump_len)
    return copy_to_user(useraddr, raw)


def ethtool_get_link(dev, useraddr: int) -> int:
    """ethtool_get_link: EOPNOTSUPP without get_link; 1 only while running with link."""
    ops = dev.ethtool_ops or DEFAULT_ETHTOOL_OPS
    if ops.get_link is None:
        return -E.EOPNOTSUPP
    data = 1 if netif_running(dev) and ops.get_link(dev) else 0
    return copy_to_user(useraddr, ETHTOOL_VALUE.pack(ETHTOOL_GLINK, data))


def _get_ksettings(dev):
    ops = dev.ethtool_ops or DEFAULT_ETHTOOL_OPS
    if ops.get_link_ksettings is None:
        return -E.EOPNOTSUPP
    ks = LinkKsettings()
    err = ops.get_link_ksettings(dev, ks)
    if err < 0:
        return err
    return ks


def convert_link_ksettings_to_legacy_settings(ks: LinkKsettings) -> bytes:
    """convert_link_ksettings_to_legacy_settings: the first 32 link modes, the speed split in
    16-bit halves; the rest of struct ethtool_cmd zero."""
    m = 0xFFFFFFFF
    speed = ks.speed & 0xFFFFFFFF
    return ETHTOOL_CMD_LEGACY.pack(ETHTOOL_GSET, ks.supported & m, ks.advertising & m,
                                   speed & 0xFFFF, ks.duplex, ks.port, ks.phy_address,
                                   ks.transceiver, ks.autoneg, ks.mdio_support, 0, 0,
                                   speed >> 16, ks.eth_tp_mdix, ks.eth_tp_mdix_ctrl,
                                   ks.lp_advertising & m)


def ethtool_get_settings(dev, useraddr: int) -> int:
    """ethtool_get_settings (ETHTOOL_GSET): get_link_ksettings in the legacy struct ethtool_cmd."""
    ks = _get_ksettings(dev)
    if isinstance(ks, int):
        return ks
    return copy_to_user(useraddr, convert_link_ksettings_to_legacy_settings(ks))


def ethtool_get_link_ksettings(dev, useraddr: int) -> int:
    """ethtool_get_link_ksettings (ETHTOOL_GLINKSETTINGS): user and kernel first agree on the
    bitmap size — a request whose link_mode_masks_nwords differs gets back only the base
    struct, zeroed, with minus the kernel's word count (success); then the base settings and
    the three bitmaps of that many u32 words."""
    ops = dev.ethtool_ops or DEFAULT_ETHTOOL_OPS
    if ops.get_link_ksettings is None:
        return -E.EOPNOTSUPP
    raw = copy_from_user(useraddr, ETHTOOL_LINK_SETTINGS_SIZE)
    if isinstance(raw, int):
        return raw
    nwords = ETHTOOL_LINK_SETTINGS.unpack(raw)[9]
    if nwords != ETHTOOL_LINK_MODE_MASK_NU32:
        return copy_to_user(useraddr, ETHTOOL_LINK_SETTINGS.pack(
            ETHTOOL_GLINKSETTINGS, 0, 0, 0, 0, 0, 0, 0, 0, -ETHTOOL_LINK_MODE_MASK_NU32, 0, 0, 0))
    ks = _get_ksettings(dev)
    if isinstance(ks, int):
        return ks
    base = ETHTOOL_LINK_SETTINGS.pack(
        ETHTOOL_GLINKSETTINGS, ks.speed & 0xFFFFFFFF, ks.duplex, ks.port, ks.phy_address,
        ks.autoneg, ks.mdio_support, ks.eth_tp_mdix, ks.eth_tp_mdix_ctrl,
        ETHTOOL_LINK_MODE_MASK_NU32, ks.transceiver, MASTER_SLAVE_CFG_UNSUPPORTED,
        MASTER_SLAVE_STATE_UNSUPPORTED)
    nbytes = 4 * ETHTOOL_LINK_MODE_MASK_NU32
    masks = b"".join(m.to_bytes(nbytes, "little")
                     for m in (ks.supported, ks.advertising, ks.lp_advertising))
    return copy_to_user(useraddr, base + masks)


def __dev_ethtool(net, ifr_name: str, useraddr: int, ethcmd: int) -> int:
    """__dev_ethtool: the device by name (ENODEV), CAP_NET_ADMIN for every command not on the
    read-only list (EPERM), then the command; unknown ones are EOPNOTSUPP."""
    dev = net.dev_by_name.get(ifr_name)
    if dev is None:
        return -E.ENODEV
    if ethcmd not in _UNPRIVILEGED and not ns_capable(CAP_NET_ADMIN):
        return -E.EPERM
    if ethcmd == ETHTOOL_GSET:
        return ethtool_get_settings(dev, useraddr)
    if ethcmd == ETHTOOL_GDRVINFO:
        return ethtool_get_drvinfo(dev, useraddr)
    if ethcmd == ETHTOOL_GLINK:
        return ethtool_get_link(dev, useraddr)
    if ethcmd == ETHTOOL_GLINKSETTINGS:
        return ethtool_get_link_ksettings(dev, useraddr)
    # DIVERGENCE(#10): the other read-only commands (GMSGLVL, GRINGPARAM, GSSET_INFO,
    # GET_TS_INFO, ...) are not modelled; no driver here answers them
    return -E.EOPNOTSUPP


def dev_ethtool(net, ifr_name: str, useraddr: int) -> int:
    """dev_ethtool: read the sub-command (the first u32 at ifr_data: EFAULT), then run it."""
    raw = copy_from_user(useraddr, ETHTOOL_CMD.size)
    if isinstance(raw, int):
        return raw
    return __dev_ethtool(net, ifr_name, useraddr, ETHTOOL_CMD.unpack(raw)[0])

