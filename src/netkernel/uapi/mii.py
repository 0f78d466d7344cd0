"""MII registers and bits, include/uapi/linux/mii.h (what a PHY answers over MDIO)."""

MII_BMSR = 1            # basic mode status register
MII_STAT1000 = 10       # 1000BASE-T status register

BMSR_LSTATUS = 0x0004   # link status (latches low)
LPA_1000FULL = 0x0800   # link partner can do 1000BASE-T full duplex
