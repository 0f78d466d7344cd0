"""IPv6 (net/ipv6/): addresses on devices and routes — what rtnetlink and /proc show."""
