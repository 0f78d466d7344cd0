"""Hardware types: include/uapi/linux/if_arp.h."""
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 0xFFFE
