"""rtnetlink message types and link attributes: include/uapi/linux/rtnetlink.h, if_link.h."""
import struct as _struct

RTM_BASE = 16
RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_DELROUTE = 25
RTM_GETROUTE = 26
RTM_NEWNSID = 88
RTM_DELNSID = 89
RTM_GETNSID = 90
RTM_MAX = 111                # RTM_NEWVLAN + 3 in 5.15 (__RTM_MAX - 1)

# struct rtgenmsg: unsigned char rtgen_family (what a request needs at least)
RTGENMSG_SIZE = 1
RTGENMSG = _struct.Struct("=B")    # struct rtgenmsg: unsigned char rtgen_family

# struct ifinfomsg: u8 ifi_family, u8 pad, u16 ifi_type, s32 ifi_index, u32 ifi_flags, ifi_change
IFINFOMSG = _struct.Struct("=BxHiII")
IFINFOMSG_PAD = 1                 # offset of __ifi_pad (after ifi_family)
IFINFOMSG_SIZE = IFINFOMSG.size          # 16
IFI_FAMILY = 0
IFI_TYPE = 2
IFI_INDEX = 4
IFI_FLAGS = 8
IFI_CHANGE = 12

# IFLA_* (if_link.h)
IFLA_UNSPEC = 0
IFLA_ADDRESS = 1
IFLA_BROADCAST = 2
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINK = 5
IFLA_QDISC = 6
IFLA_STATS = 7
IFLA_MASTER = 10
IFLA_TXQLEN = 13
IFLA_MAP = 14
IFLA_OPERSTATE = 16
IFLA_LINKMODE = 17
IFLA_LINKINFO = 18
IFLA_NET_NS_PID = 19
IFLA_IFALIAS = 20
IFLA_STATS64 = 23
IFLA_GROUP = 27
IFLA_NET_NS_FD = 28
IFLA_EXT_MASK = 29
IFLA_PROMISCUITY = 30
IFLA_NUM_TX_QUEUES = 31
IFLA_NUM_RX_QUEUES = 32
IFLA_CARRIER = 33
IFLA_CARRIER_CHANGES = 35
IFLA_LINK_NETNSID = 37
IFLA_PROTO_DOWN = 39
IFLA_GSO_MAX_SEGS = 40
IFLA_GSO_MAX_SIZE = 41
IFLA_NEW_NETNSID = 45
IFLA_TARGET_NETNSID = 46
IFLA_CARRIER_UP_COUNT = 47
IFLA_CARRIER_DOWN_COUNT = 48
IFLA_NEW_IFINDEX = 49
IFLA_MIN_MTU = 50
IFLA_MAX_MTU = 51

IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
VETH_INFO_PEER = 1

MAX_ADDR_LEN = 32

# struct rtnl_link_stats (24 __u32) and struct rtnl_link_stats64 (24 __u64), in field order
RTNL_LINK_STATS_FIELDS = (
    "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors", "rx_dropped",
    "tx_dropped", "multicast", "collisions", "rx_length_errors", "rx_over_errors",
    "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors", "rx_missed_errors",
    "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors", "tx_heartbeat_errors",
    "tx_window_errors", "rx_compressed", "tx_compressed", "rx_nohandler")
RTNL_LINK_STATS = _struct.Struct("=24I")
RTNL_LINK_STATS64 = _struct.Struct("=24Q")
# struct rtnl_link_ifmap: u64 mem_start, mem_end, base_addr; u16 irq; u8 dma, port; padding
RTNL_LINK_IFMAP = _struct.Struct("=QQQHBB4x")

# enum rtnetlink_groups (5.15): the multicast groups of NETLINK_ROUTE
RTNLGRP_NONE = 0
RTNLGRP_LINK = 1
RTNLGRP_NOTIFY = 2
RTNLGRP_NEIGH = 3
RTNLGRP_TC = 4
RTNLGRP_IPV4_IFADDR = 5
RTNLGRP_IPV4_MROUTE = 6
RTNLGRP_IPV4_ROUTE = 7
RTNLGRP_IPV4_RULE = 8
RTNLGRP_IPV6_IFADDR = 9
RTNLGRP_IPV6_MROUTE = 10
RTNLGRP_IPV6_ROUTE = 11
RTNLGRP_IPV6_IFINFO = 12
RTNLGRP_IPV6_PREFIX = 18
RTNLGRP_IPV6_RULE = 19
RTNLGRP_NSID = 28
RTNLGRP_IPV4_MROUTE_R = 30
RTNLGRP_IPV6_MROUTE_R = 31
RTNLGRP_NEXTHOP = 32
RTNLGRP_BRVLAN = 33
RTNLGRP_MCTP_IFADDR = 34
RTNLGRP_MAX = 34             # __RTNLGRP_MAX - 1 in 5.15 (later kernels add groups)

# enum netnsa (net_namespace.h): RTM_*NSID attributes
NETNSA_NSID = 1
NETNSA_PID = 2
NETNSA_FD = 3
NETNSA_TARGET_NSID = 4
NETNSA_CURRENT_NSID = 5
NETNSA_NSID_NOT_ASSIGNED = -1
