"""Netlink message flags: include/uapi/linux/netlink.h."""
NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_ECHO = 0x08
# modifiers to NEW requests
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800

# struct nlattr: what a classic BPF program's SKF_AD_NLATTR[_NEST] extensions walk
NLA_LEN = 0                 # __u16 nla_len: header and payload, host order
NLA_TYPE = 2                # __u16 nla_type, with the two flag bits below
NLA_HDRLEN = 4              # NLA_ALIGN(sizeof(struct nlattr))
NLA_ALIGNTO = 4
NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF
