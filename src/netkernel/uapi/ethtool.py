"""The legacy ethtool ioctl ABI: include/uapi/linux/ethtool.h (x86_64 layouts). Each struct is
reached through ifr_data of a SIOCETHTOOL ifreq; its first u32 is the command."""
import struct

ETHTOOL_GSET = 0x00000001
ETHTOOL_SSET = 0x00000002
ETHTOOL_GDRVINFO = 0x00000003
ETHTOOL_GREGS = 0x00000004
ETHTOOL_GWOL = 0x00000005
ETHTOOL_GMSGLVL = 0x00000007
ETHTOOL_NWAY_RST = 0x00000009
ETHTOOL_GLINK = 0x0000000A
ETHTOOL_GRINGPARAM = 0x00000010
ETHTOOL_GSSET_INFO = 0x00000037
ETHTOOL_GET_TS_INFO = 0x00000041
ETHTOOL_GLINKSETTINGS = 0x0000004C
ETHTOOL_SLINKSETTINGS = 0x0000004D

ETHTOOL_CMD = struct.Struct("<I")           # every request starts with its u32 cmd

# struct ethtool_value (8): cmd, data
ETHTOOL_VALUE = struct.Struct("<II")
ETHTOOL_VALUE_SIZE = ETHTOOL_VALUE.size

# struct ethtool_drvinfo (196): cmd, driver[32], version[32], fw_version[32], bus_info[32],
# erom_version[32], reserved2[12], n_priv_flags, n_stats, testinfo_len, eedump_len, regdump_len
ETHTOOL_DRVINFO = struct.Struct("<I32s32s32s32s32s12sIIIII")
ETHTOOL_DRVINFO_SIZE = ETHTOOL_DRVINFO.size
ETHTOOL_FWVERS_LEN = 32
ETHTOOL_BUSINFO_LEN = 32
ETHTOOL_EROMVERS_LEN = 32

# struct ethtool_cmd (44), the pre-4.6 settings: cmd, supported, advertising, speed (low 16 bits),
# duplex, port, phy_address, transceiver, autoneg, mdio_support, maxtxpkt, maxrxpkt, speed_hi,
# eth_tp_mdix, eth_tp_mdix_ctrl, lp_advertising, reserved[2]
ETHTOOL_CMD_LEGACY = struct.Struct("<IIIHBBBBBBIIHBBI8x")
ETHTOOL_CMD_SIZE = ETHTOOL_CMD_LEGACY.size

# struct ethtool_link_settings (48) then link_mode_masks[3 * nwords] (u32 each): cmd, speed, duplex,
# port, phy_address, autoneg, mdio_support, eth_tp_mdix, eth_tp_mdix_ctrl, link_mode_masks_nwords
# (s8), transceiver, master_slave_cfg, master_slave_state, reserved1[1], reserved[7]
ETHTOOL_LINK_SETTINGS = struct.Struct("<IIBBBBBBBbBBB1x28x")
ETHTOOL_LINK_SETTINGS_SIZE = ETHTOOL_LINK_SETTINGS.size
ETHTOOL_LINK_SETTINGS_NWORDS = 15           # offset of link_mode_masks_nwords

SPEED_10 = 10
SPEED_100 = 100
SPEED_1000 = 1000
SPEED_10000 = 10000
SPEED_UNKNOWN = -1
DUPLEX_HALF = 0x00
DUPLEX_FULL = 0x01
DUPLEX_UNKNOWN = 0xFF
PORT_TP = 0x00
PORT_MII = 0x02
PORT_OTHER = 0xFF
XCVR_INTERNAL = 0x00
XCVR_EXTERNAL = 0x01
AUTONEG_DISABLE = 0x00
AUTONEG_ENABLE = 0x01
ETH_TP_MDI_INVALID = 0x00
MASTER_SLAVE_CFG_UNSUPPORTED = 0
MASTER_SLAVE_STATE_UNSUPPORTED = 0

# 5.15's enum ethtool_link_mode_bit_indices ends at ETHTOOL_LINK_MODE_100baseFX_Full_BIT = 91
ETHTOOL_LINK_MODE_10baseT_Half_BIT = 0
ETHTOOL_LINK_MODE_10baseT_Full_BIT = 1
ETHTOOL_LINK_MODE_100baseT_Half_BIT = 2
ETHTOOL_LINK_MODE_100baseT_Full_BIT = 3
ETHTOOL_LINK_MODE_1000baseT_Half_BIT = 4
ETHTOOL_LINK_MODE_1000baseT_Full_BIT = 5
ETHTOOL_LINK_MODE_Autoneg_BIT = 6
ETHTOOL_LINK_MODE_TP_BIT = 7
ETHTOOL_LINK_MODE_MII_BIT = 9
ETHTOOL_LINK_MODE_Pause_BIT = 13
ETHTOOL_LINK_MODE_Asym_Pause_BIT = 14
ETHTOOL_LINK_MODE_MASK_NBITS = 92
ETHTOOL_LINK_MODE_MASK_NU32 = (ETHTOOL_LINK_MODE_MASK_NBITS + 31) // 32

ETH_SS_TEST = 0
ETH_SS_STATS = 1
ETH_SS_PRIV_FLAGS = 2
