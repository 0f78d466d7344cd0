"""Ethernet ABI: include/uapi/linux/if_ether.h (struct ethhdr), and the 802.1Q tag's layout
(include/linux/if_vlan.h: struct vlan_hdr, struct vlan_ethhdr)."""
import struct

ETH_ALEN = 6
ETH_HLEN = 14
ETH_ZLEN = 60
ETH_MIN_MTU = 68
ETH_DATA_LEN = 1500
ETH_MAX_MTU = 0xFFFF
ETH_FRAME_LEN = 1514
VLAN_HLEN = 4
VLAN_VID_MASK = 0x0FFF      # include/linux/if_vlan.h: the VLAN id bits of a TCI
MAX_ADDR_LEN = 32

# struct ethhdr: byte offsets of its fields (ETH_HLEN bytes in all)
ETH_H_DEST = 0              # h_dest[ETH_ALEN]
ETH_H_SOURCE = 6            # h_source[ETH_ALEN]
ETH_H_PROTO = 12            # h_proto, __be16: an EtherType, or a length below ETH_P_802_3_MIN
ETHHDR = struct.Struct("!6s6sH")
assert ETHHDR.size == ETH_HLEN == ETH_H_PROTO + 2

# struct vlan_hdr (the 802.1Q tag once the Ethernet header is pulled) ...
VLAN_H_TCI = 0              # h_vlan_TCI, __be16: priority, DEI, VLAN id
VLAN_H_ENCAP_PROTO = 2      # h_vlan_encapsulated_proto, __be16
# ... and struct vlan_ethhdr (a tagged frame from its start: the tag's TPID sits in h_proto)
VLAN_ETH_H_TCI = ETH_HLEN + VLAN_H_TCI
VLAN_ETH_H_ENCAP_PROTO = ETH_HLEN + VLAN_H_ENCAP_PROTO
VLAN_ETH_HLEN = ETH_HLEN + VLAN_HLEN
VLAN_HDR = struct.Struct("!HH")
assert VLAN_HDR.size == VLAN_HLEN


def ethhdr_pack(dest: bytes, source: bytes, proto: int) -> bytes:
    """struct ethhdr as bytes (`proto` in host order; big-endian on the wire)."""
    return ETHHDR.pack(dest, source, proto)


def ethhdr_unpack(buf) -> tuple[bytes, bytes, int]:
    """(h_dest, h_source, h_proto) from the first ETH_HLEN bytes of a frame."""
    return ETHHDR.unpack_from(buf)


def vlan_hdr_pack(tci: int, encapsulated_proto: int) -> bytes:
    """struct vlan_hdr as bytes."""
    return VLAN_HDR.pack(tci, encapsulated_proto)


def vlan_hdr_unpack(buf, offset: int = 0) -> tuple[int, int]:
    """(h_vlan_TCI, h_vlan_encapsulated_proto) of the tag at `offset`."""
    return VLAN_HDR.unpack_from(buf, offset)

ETH_P_802_3 = 0x0001
ETH_P_ALL = 0x0003
ETH_P_802_2 = 0x0004
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_IPV6 = 0x86DD
ETH_P_8021AD = 0x88A8
ETH_P_802_3_MIN = 0x0600
