"""Flow hashing (net/core/flow_dissector.c), reduced to what packet fanout asks of it.

The dissector reads the flow keys the symmetric key set uses: the network protocol, the L4
protocol, IPv4/IPv6 addresses and, for protocols with ports at the start of their header, the
ports. The keys are put in a canonical order (lower address first) so both directions of a flow
hash alike, then hashed with a per-machine random seed.

DIVERGENCE(#fanout-hash): Linux hashes the keys with jhash/siphash and a seed drawn at boot, so its
values are unpredictable from user space; here the keys go through CRC32 with a per-machine seed.
What holds on both: equal keys give equal hashes (one flow, and its reverse, map to one value;
frames without an IP flow hash on their EtherType alone), and the hash is never 0.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/flow_dissector.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("flow_hash_seed", "skb_flow_dissect_symmetric")

import random
import struct
import zlib

from netkernel.uapi.if_ether import ETH_P_IP, ETH_P_IPV6
from netkernel.uapi.ip import (IP_MF, IP_OFFSET, IPHDR_DADDR, IPHDR_FRAG_OFF, IPHDR_PROTOCOL,
                               IPHDR_SADDR, IPHDR_SIZE, IPHDR_VERSION_IHL, IPV4_ADDR_LEN)
from netkernel.uapi.ipv6 import (IPV6_ADDR_LEN, IPV6_OPT_HDRLEN, IPV6_OPT_NEXTHDR, IPV6HDR_DADDR,
                                 IPV6HDR_NEXTHDR, IPV6HDR_SADDR, IPV6HDR_SIZE)

PORTS_LEN = 4               # struct flow_ports: __be16 src, dst
AH_SPI_OFFSET = 4           # AH hashes on its SPI, 4 bytes into the header (proto_ports_offset)
# protocols whose header starts with a 16-bit source and destination port (proto_ports_offset)
_PORTS_AT_0 = frozenset((6, 17, 33, 50, 132, 136))   # TCP, UDP, DCCP, ESP, SCTP, UDPLITE
_PORTS_AT_4 = frozenset((51,))                        # AH
_V6_EXT = frozenset((0, 43, 60))                      # hop-by-hop, routing, destination options
_KEY = struct.Struct("!HB")


def flow_hash_seed(core) -> int:
    """net_get_random_once(hashrnd): one random seed per machine, drawn on first use."""
    seed = core.flow_hashrnd
    if not seed:
        seed = core.flow_hashrnd = random.getrandbits(32) or 1
    return seed


def _ports(buf, off: int, end: int, proto: int) -> bytes:
    """skb_flow_get_ports: the 4 port bytes for protocols that have them at a known offset."""
    if proto in _PORTS_AT_0:
        at = off
    elif proto in _PORTS_AT_4:
        at = off + AH_SPI_OFFSET
    else:
        return b""
    if at + PORTS_LEN > end:
        return b""
    return bytes(buf[at:at + PORTS_LEN])


def skb_flow_dissect_symmetric(skb) -> bytes:
    """__skb_flow_dissect with flow_keys_dissector_symmetric: the flow keys as canonical bytes
    (addresses and ports ordered so both directions give the same keys)."""
    buf = skb.buf
    off = skb.network_header if skb.network_header >= 0 else skb.data
    end = skb.tail
    proto = skb.protocol
    ip_proto = 0
    src = dst = ports = b""
    if proto == ETH_P_IP and off + IPHDR_SIZE <= end and buf[off + IPHDR_VERSION_IHL] >> 4 == 4:
        ihl = (buf[off + IPHDR_VERSION_IHL] & 0xF) * 4
        if ihl >= IPHDR_SIZE and off + ihl <= end:
            ip_proto = buf[off + IPHDR_PROTOCOL]
            src = bytes(buf[off + IPHDR_SADDR:off + IPHDR_SADDR + IPV4_ADDR_LEN])
            dst = bytes(buf[off + IPHDR_DADDR:off + IPHDR_DADDR + IPV4_ADDR_LEN])
            frag = (buf[off + IPHDR_FRAG_OFF] << 8) | buf[off + IPHDR_FRAG_OFF + 1]
            if not frag & (IP_MF | IP_OFFSET):
                ports = _ports(buf, off + ihl, end, ip_proto)
    elif proto == ETH_P_IPV6 and off + IPV6HDR_SIZE <= end and buf[off] >> 4 == 6:
        nexthdr = buf[off + IPV6HDR_NEXTHDR]
        src = bytes(buf[off + IPV6HDR_SADDR:off + IPV6HDR_SADDR + IPV6_ADDR_LEN])
        dst = bytes(buf[off + IPV6HDR_DADDR:off + IPV6HDR_DADDR + IPV6_ADDR_LEN])
        at = off + IPV6HDR_SIZE
        while nexthdr in _V6_EXT and at + 8 <= end:       # an extension header is 8n bytes
            nexthdr, at = buf[at + IPV6_OPT_NEXTHDR], at + (buf[at + IPV6_OPT_HDRLEN] + 1) * 8
        ip_proto = nexthdr
        if nexthdr != 44:                        # a fragment header: no ports
            ports = _ports(buf, at, end, ip_proto)
    if (dst, ports[2:4]) < (src, ports[0:2]):     # __flow_hash_consistentify
        src, dst = dst, src
        ports = ports[2:4] + ports[0:2]
    return _KEY.pack(proto, ip_proto) + src + dst + ports


def __skb_get_hash_symmetric(skb, core) -> int:
    """__skb_get_hash_symmetric: the 32-bit hash of the symmetric flow keys; never 0."""
    h = zlib.crc32(skb_flow_dissect_symmetric(skb), flow_hash_seed(core)) & 0xFFFFFFFF
    return h or 1


