"""IPv4 header layout, include/uapi/linux/ip.h (struct iphdr): byte offsets of the fields the
model reads (the flow dissector for fanout hashing)."""

IPHDR_VERSION_IHL = 0       # version (high nibble), ihl in 32-bit words (low nibble)
IPHDR_FRAG_OFF = 6          # __be16: flags and fragment offset
IPHDR_PROTOCOL = 9          # the L4 protocol
IPHDR_SADDR = 12            # __be32
IPHDR_DADDR = 16            # __be32
IPHDR_SIZE = 20             # sizeof(struct iphdr): no options
IPV4_ADDR_LEN = 4

IP_MF = 0x2000              # more fragments (include/net/ip.h)
IP_OFFSET = 0x1FFF          # fragment offset mask
