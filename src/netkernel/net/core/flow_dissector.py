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

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
IP_MF = 0x2000
IP_OFFSET = 0x1FFF
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
        at = off + 4
    else:
        return b""
    if at + 4 > end:
        return b""
    return bytes(buf[at:at + 4])


def skb_flow_dissect_symmetric(skb) -> bytes:
    """__skb_flow_dissect with flow_keys_dissector_symmetric: the flow keys as canonical bytes
    (addresses and ports ordered so both directions give the same keys)."""
    buf = skb.buf
    off = skb.network_header if skb.network_header >= 0 else skb.data
    end = skb.tail
    proto = skb.protocol
    ip_proto = 0
    src = dst = ports = b""
    if proto == ETH_P_IP and off + 20 <= end and buf[off] >> 4 == 4:
        ihl = (buf[off] & 0xF) * 4
        if ihl >= 20 and off + ihl <= end:
            ip_proto = buf[off + 9]
            src = bytes(buf[off + 12:off + 16])
            dst = bytes(buf[off + 16:off + 20])
            frag = (buf[off + 6] << 8) | buf[off + 7]
            if not frag & (IP_MF | IP_OFFSET):
                ports = _ports(buf, off + ihl, end, ip_proto)
    elif proto == ETH_P_IPV6 and off + 40 <= end and buf[off] >> 4 == 6:
        nexthdr = buf[off + 6]
        src = bytes(buf[off + 8:off + 24])
        dst = bytes(buf[off + 24:off + 40])
        at = off + 40
        while nexthdr in _V6_EXT and at + 8 <= end:
            nexthdr, at = buf[at], at + (buf[at + 1] + 1) * 8
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


