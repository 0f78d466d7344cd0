"""Netlink messages, addresses and flags: include/uapi/linux/netlink.h."""
import struct as _struct

NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_ECHO = 0x08
# modifiers to NEW requests
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
NLM_F_DUMP_INTR = 0x10        # a dump was inconsistent
NLM_F_DUMP_FILTERED = 0x20    # a dump was filtered as requested

# struct nlattr: what a classic BPF program's SKF_AD_NLATTR[_NEST] extensions walk
NLA_LEN = 0                 # __u16 nla_len: header and payload, host order
NLA_TYPE = 2                # __u16 nla_type, with the two flag bits below
NLA_HDRLEN = 4              # NLA_ALIGN(sizeof(struct nlattr))
NLA_ALIGNTO = 4
NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF

# protocols (socket(AF_NETLINK, type, protocol)); MAX_LINKS bounds them
NETLINK_ROUTE = 0
MAX_LINKS = 32
SOL_NETLINK = 270

# struct nlmsghdr: __u32 nlmsg_len, __u16 nlmsg_type, __u16 nlmsg_flags, __u32 nlmsg_seq, nlmsg_pid
NLMSGHDR = _struct.Struct("=IHHII")
NLMSG_HDRLEN = NLMSGHDR.size       # 16
NLMSG_LEN = 0
NLMSG_TYPE = 4
NLMSG_FLAGS = 6
NLMSG_SEQ = 8
NLMSG_PID = 12
NLMSG_ALIGNTO = 4


def NLMSG_ALIGN(n: int) -> int:
    return (n + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)


def NLA_ALIGN(n: int) -> int:
    return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)


NLATTR = _struct.Struct("=HH")      # nla_len, nla_type

# control message types
NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4
NLMSG_MIN_TYPE = 0x10

# GET request modifiers
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_ATOMIC = 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_DUMP_FILTERED = 0x20     # a dump's messages: the request's filter was applied
# flags of an NLMSG_ERROR acknowledgement
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

# struct nlmsgerr: int error, then the request's struct nlmsghdr
NLMSGERR_ERROR = 0
NLMSGERR_MSG = 4
NLMSGERR_INT = _struct.Struct("=i")
# attributes after it (with NLM_F_ACK_TLVS)
NLMSGERR_ATTR_MSG = 1

# struct sockaddr_nl: __kernel_sa_family_t nl_family, unsigned short nl_pad, __u32 nl_pid,
# __u32 nl_groups
SOCKADDR_NL = _struct.Struct("=HHII")
SOCKADDR_NL_SIZE = SOCKADDR_NL.size    # 12
SOCKADDR_NL_FAMILY = 0
SOCKADDR_NL_PID = 4
SOCKADDR_NL_GROUPS = 8

# SOL_NETLINK options
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_DROP_MEMBERSHIP = 2
NETLINK_PKTINFO = 3
NETLINK_BROADCAST_ERROR = 4
NETLINK_NO_ENOBUFS = 5
NETLINK_RX_RING = 6
NETLINK_TX_RING = 7
NETLINK_LISTEN_ALL_NSID = 8
NETLINK_LIST_MEMBERSHIPS = 9
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NETLINK_GET_STRICT_CHK = 12

# struct nl_pktinfo (the NETLINK_PKTINFO control message): __u32 group
NL_PKTINFO = _struct.Struct("=I")
