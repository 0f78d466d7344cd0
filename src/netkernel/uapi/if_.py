"""Interface flags: include/uapi/linux/if.h."""
IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_NOARP = 0x80
IFF_PROMISC = 0x100
IFF_ALLMULTI = 0x200
IFF_MULTICAST = 0x1000
IFF_LOWER_UP = 0x10000
IFNAMSIZ = 16

# struct ifreq: ifr_name[IFNAMSIZ], then a 24-byte union (ifr_ifindex, ifr_hwaddr, ifr_mtu, ...)
IFREQ_SIZE = 40
IFR_NAME = 0
IFR_IFINDEX = 16          # int ifr_ifindex
