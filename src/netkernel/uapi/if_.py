"""Interface flags, operational states and struct ifreq/ifmap/ifconf: include/uapi/linux/if.h."""
import struct

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

# the rest of the interface flags (include/uapi/linux/if.h, enum net_device_flags)
IFF_DEBUG = 0x4
IFF_NOTRAILERS = 0x20
IFF_RUNNING = 0x40
IFF_MASTER = 0x400
IFF_SLAVE = 0x800
IFF_PORTSEL = 0x2000
IFF_AUTOMEDIA = 0x4000
IFF_DYNAMIC = 0x8000
IFF_DORMANT = 0x20000
IFF_ECHO = 0x40000
# the flags user space may change (include/linux/netdevice.h IFF_VOLATILE excluded)
IFF_VOLATILE = (IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | IFF_ECHO | IFF_MASTER
                | IFF_SLAVE | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT)

# RFC 2863 operational states (enum if_oper) and link modes (enum if_link_mode)
IF_OPER_UNKNOWN = 0
IF_OPER_NOTPRESENT = 1
IF_OPER_DOWN = 2
IF_OPER_LOWERLAYERDOWN = 3
IF_OPER_TESTING = 4
IF_OPER_DORMANT = 5
IF_OPER_UP = 6
IF_LINK_MODE_DEFAULT = 0
IF_LINK_MODE_DORMANT = 1
IF_LINK_MODE_TESTING = 2

# struct ifreq (x86_64, 40 bytes): the name, then a 24-byte union read per request
IFREQ_SIZE = 40
IFR_NAME = 0                 # char ifr_name[IFNAMSIZ]
IFR_IFRU = 16                # the union ifr_ifru
IFR_FLAGS = IFR_IFRU         # short ifr_flags
IFR_IVALUE = IFR_IFRU        # int ifr_ifindex / ifr_metric / ifr_mtu / ifr_qlen
IFR_IFINDEX = IFR_IVALUE     # int ifr_ifindex
IFR_HWADDR_FAMILY = IFR_IFRU          # struct sockaddr ifr_hwaddr: sa_family (u16)
IFR_HWADDR_DATA = IFR_IFRU + 2        # sa_data[14]
SOCKADDR_DATA_SIZE = 14
IFR_MAP = IFR_IFRU           # struct ifmap
IFR_NEWNAME = IFR_IFRU       # char ifr_newname[IFNAMSIZ]
IFR_DATA = IFR_IFRU          # void __user *ifr_data (SIOCETHTOOL, SIOCDEVPRIVATE)
IFR_SHORT = struct.Struct("<h")
IFR_INT = struct.Struct("<i")
IFR_PTR = struct.Struct("<Q")
IFR_FAMILY = struct.Struct("<H")

# struct ifmap (24 bytes): mem_start, mem_end (unsigned long), base_addr (u16), irq, dma, port (u8),
# 3 bytes of tail padding (IFMAP covers the fields only: the kernel never writes the padding)
IFMAP = struct.Struct("<QQHBBB")
IFMAP_SIZE = 24

# struct ifconf (16 bytes): int ifc_len, 4 bytes padding, the buffer pointer
IFCONF = struct.Struct("<i4xQ")
IFCONF_SIZE = IFCONF.size
IFC_LEN = 0
IFC_BUF = 8


def ifr_name(ifr) -> str:
    """The interface name of a struct ifreq up to its first NUL (the kernel has already forced
    ifr_name[IFNAMSIZ-1] to 0). Bytes that are not UTF-8 never name a device here."""
    raw = bytes(ifr[IFR_NAME:IFR_NAME + IFNAMSIZ])
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
