"""struct ipv6hdr / ipv6_opt_hdr field offsets (include/uapi/linux/ipv6.h) on real bytes."""
from netkernel.uapi.ipv6 import (IPV6_OPT_HDRLEN, IPV6_OPT_NEXTHDR, IPV6HDR_DADDR, IPV6HDR_NEXTHDR,
                                 IPV6HDR_SADDR, IPV6HDR_SIZE)

SRC = bytes.fromhex("fe800000000000000000000000000001")
DST = bytes.fromhex("ff020000000000000000000000000001")
# hop-by-hop options first, then UDP
GOLDEN = bytes.fromhex("60000000" "0010" "00" "01") + SRC + DST + bytes.fromhex("1100" + "00" * 6)


def test_ipv6hdr_deconstruct():
    assert IPV6HDR_SIZE == 40
    assert GOLDEN[IPV6HDR_NEXTHDR] == 0                      # hop-by-hop
    assert GOLDEN[IPV6HDR_SADDR:IPV6HDR_SADDR + 16] == SRC
    assert GOLDEN[IPV6HDR_DADDR:IPV6HDR_DADDR + 16] == DST
    opt = IPV6HDR_SIZE
    assert GOLDEN[opt + IPV6_OPT_NEXTHDR] == 17 and GOLDEN[opt + IPV6_OPT_HDRLEN] == 0
