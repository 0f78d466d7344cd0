"""IPv6 header layout, include/uapi/linux/ipv6.h (struct ipv6hdr, struct ipv6_opt_hdr): byte
offsets of the fields the model reads (the flow dissector for fanout hashing)."""

IPV6HDR_NEXTHDR = 6         # the next header's protocol
IPV6HDR_SADDR = 8           # struct in6_addr
IPV6HDR_DADDR = 24          # struct in6_addr
IPV6HDR_SIZE = 40           # sizeof(struct ipv6hdr)
IPV6_ADDR_LEN = 16

# struct ipv6_opt_hdr: an extension header (hop-by-hop, routing, destination options)
IPV6_OPT_NEXTHDR = 0
IPV6_OPT_HDRLEN = 1         # length in 8-byte units, not counting the first 8 bytes
