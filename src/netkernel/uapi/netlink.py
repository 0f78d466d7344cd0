"""Netlink attributes, include/uapi/linux/netlink.h (struct nlattr): what a classic BPF
program's SKF_AD_NLATTR[_NEST] extensions walk."""

NLA_LEN = 0                 # __u16 nla_len: header and payload, host order
NLA_TYPE = 2                # __u16 nla_type, with the two flag bits below
NLA_HDRLEN = 4              # NLA_ALIGN(sizeof(struct nlattr))
NLA_ALIGNTO = 4
NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF
