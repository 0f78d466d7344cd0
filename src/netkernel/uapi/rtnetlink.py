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

# ---------------------------------------------------------------- addresses (if_addr.h)
# struct ifaddrmsg: u8 ifa_family, ifa_prefixlen, ifa_flags, ifa_scope; u32 ifa_index
IFADDRMSG = _struct.Struct("=BBBBI")
IFADDRMSG_SIZE = IFADDRMSG.size          # 8
IFA_UNSPEC = 0
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
IFA_BROADCAST = 4
IFA_ANYCAST = 5
IFA_CACHEINFO = 6
IFA_MULTICAST = 7
IFA_FLAGS = 8
IFA_RT_PRIORITY = 9
IFA_TARGET_NETNSID = 10
IFA_MAX = 10
# struct ifa_cacheinfo: u32 ifa_prefered, ifa_valid, cstamp, tstamp
IFA_CACHEINFO_S = _struct.Struct("=IIII")
IFA_F_SECONDARY = 0x01
IFA_F_TEMPORARY = IFA_F_SECONDARY
IFA_F_NODAD = 0x02
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
IFA_F_MCAUTOJOIN = 0x400
IFA_F_STABLE_PRIVACY = 0x800
INFINITY_LIFE_TIME = 0xFFFFFFFF

# ---------------------------------------------------------------- routes (rtnetlink.h)
# struct rtmsg: u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags
RTMSG = _struct.Struct("=BBBBBBBBI")
RTMSG_SIZE = RTMSG.size                  # 12
RTA_UNSPEC = 0
RTA_DST = 1
RTA_SRC = 2
RTA_IIF = 3
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_METRICS = 8
RTA_MULTIPATH = 9
RTA_FLOW = 11
RTA_CACHEINFO = 12
RTA_TABLE = 15
RTA_MARK = 16
RTA_VIA = 18
RTA_NEWDST = 19
RTA_PREF = 20
RTA_ENCAP_TYPE = 21
RTA_ENCAP = 22
RTA_EXPIRES = 23
RTA_UID = 25
RTA_TTL_PROPAGATE = 26
RTA_IP_PROTO = 27
RTA_SPORT = 28
RTA_DPORT = 29
RTA_NH_ID = 30
RTA_MAX = 30
# struct rta_cacheinfo: u32 clntref, lastuse; s32 expires; u32 error, used, id, ts, tsage
RTA_CACHEINFO_S = _struct.Struct("=IIiIIIII")
# rtm_type
RTN_UNSPEC, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_ANYCAST, RTN_MULTICAST = 0, 1, 2, 3, 4, 5
RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW, RTN_NAT, RTN_XRESOLVE = 6, 7, 8, 9, 10, 11
RTN_MAX = 11
# rtm_protocol
RTPROT_UNSPEC, RTPROT_REDIRECT, RTPROT_KERNEL, RTPROT_BOOT, RTPROT_STATIC = 0, 1, 2, 3, 4
# rtm_scope
RT_SCOPE_UNIVERSE, RT_SCOPE_SITE, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_SCOPE_NOWHERE = 0, 200, 253, 254, 255
# rtm_table
RT_TABLE_UNSPEC, RT_TABLE_COMPAT, RT_TABLE_DEFAULT, RT_TABLE_MAIN, RT_TABLE_LOCAL = 0, 252, 253, 254, 255
# rtm_flags
RTNH_F_DEAD = 1
RTNH_F_PERVASIVE = 2
RTNH_F_ONLINK = 4
RTNH_F_OFFLOAD = 8
RTNH_F_LINKDOWN = 16
RTNH_F_UNRESOLVED = 32
RTM_F_NOTIFY = 0x100
RTM_F_CLONED = 0x200
RTM_F_EQUALIZE = 0x400
RTM_F_PREFIX = 0x800
RTM_F_LOOKUP_TABLE = 0x1000
RTM_F_FIB_MATCH = 0x2000

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
