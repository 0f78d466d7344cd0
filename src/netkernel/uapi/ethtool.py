"""Link speed and duplex values, include/uapi/linux/ethtool.h."""

SPEED_100 = 100
SPEED_1000 = 1000
DUPLEX_HALF = 0
DUPLEX_FULL = 1
