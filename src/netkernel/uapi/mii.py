"""MII registers and bits, include/uapi/linux/mii.h (what a PHY answers over MDIO)."""

MII_BMSR = 1            # basic mode status register
MII_STAT1000 = 10       # 1000BASE-T status register

BMSR_LSTATUS = 0x0004   # link status (latches low)
LPA_1000FULL = 0x0800   # link partner can do 1000BASE-T full duplex

# The other clause-22 registers phylib's generic driver uses
MII_BMCR = 0            # basic mode control register
MII_ADVERTISE = 4       # autonegotiation advertisement
MII_LPA = 5             # link partner ability
MII_CTRL1000 = 9        # 1000BASE-T control
MII_ESTATUS = 15        # extended status

BMCR_ANRESTART = 0x0200     # restart autonegotiation
BMCR_ISOLATE = 0x0400
BMCR_PDOWN = 0x0800         # power down
BMCR_ANENABLE = 0x1000      # autonegotiation on
BMSR_ANEGCOMPLETE = 0x0020
BMSR_ESTATEN = 0x0100       # extended status in register 15
BMSR_10HALF = 0x0800
BMSR_10FULL = 0x1000
BMSR_100HALF = 0x2000
BMSR_100FULL = 0x4000
ADVERTISE_CSMA = 0x0001
ADVERTISE_10HALF = 0x0020
ADVERTISE_10FULL = 0x0040
ADVERTISE_100HALF = 0x0080
ADVERTISE_100FULL = 0x0100
ADVERTISE_PAUSE_CAP = 0x0400
ADVERTISE_PAUSE_ASYM = 0x0800
ADVERTISE_1000HALF = 0x0100     # in MII_CTRL1000
ADVERTISE_1000FULL = 0x0200
LPA_10HALF = 0x0020
LPA_10FULL = 0x0040
LPA_100HALF = 0x0080
LPA_100FULL = 0x0100
LPA_PAUSE_CAP = 0x0400
LPA_PAUSE_ASYM = 0x0800
ESTATUS_1000_THALF = 0x1000
ESTATUS_1000_TFULL = 0x2000
