"""Golden bytes for struct ethhdr (include/uapi/linux/if_ether.h) and the 802.1Q tag
(include/linux/if_vlan.h: struct vlan_hdr inside struct vlan_ethhdr)."""
from netkernel.uapi.if_ether import (ETH_ALEN, ETH_H_DEST, ETH_H_PROTO, ETH_H_SOURCE, ETH_HLEN,
                                     ETH_P_8021Q, VLAN_ETH_H_ENCAP_PROTO, VLAN_ETH_H_TCI,
                                     VLAN_ETH_HLEN, VLAN_H_ENCAP_PROTO, VLAN_H_TCI, VLAN_HLEN,
                                     ethhdr_pack, ethhdr_unpack, vlan_hdr_pack, vlan_hdr_unpack)

DST = bytes.fromhex("ffffffffffff")
SRC = bytes.fromhex("020000000001")
ETH = bytes.fromhex("ffffffffffff" "020000000001" "88b5")
TAGGED = bytes.fromhex("ffffffffffff" "020000000001" "8100" "a005" "88b5") + b"payload"


def test_ethhdr_field_offsets():
    assert (ETH_H_DEST, ETH_H_SOURCE, ETH_H_PROTO, ETH_HLEN, ETH_ALEN) == (0, 6, 12, 14, 6)


def test_ethhdr_construct():
    assert ethhdr_pack(DST, SRC, 0x88B5) == ETH


def test_ethhdr_deconstruct():
    assert ethhdr_unpack(ETH + b"payload") == (DST, SRC, 0x88B5)
    assert ETH[ETH_H_SOURCE:ETH_H_SOURCE + ETH_ALEN] == SRC


def test_vlan_offsets():
    assert (VLAN_H_TCI, VLAN_H_ENCAP_PROTO, VLAN_HLEN) == (0, 2, 4)
    assert (VLAN_ETH_H_TCI, VLAN_ETH_H_ENCAP_PROTO, VLAN_ETH_HLEN) == (14, 16, 18)


def test_vlan_hdr_construct():
    assert ethhdr_pack(DST, SRC, ETH_P_8021Q) + vlan_hdr_pack(0xA005, 0x88B5) + b"payload" == TAGGED


def test_vlan_hdr_deconstruct_in_a_tagged_frame():
    assert ethhdr_unpack(TAGGED)[2] == ETH_P_8021Q
    tci, proto = vlan_hdr_unpack(TAGGED, ETH_HLEN)
    assert (tci >> 13, tci & 0xFFF, proto) == (5, 5, 0x88B5)      # priority 5, VLAN 5
    assert TAGGED[VLAN_ETH_H_ENCAP_PROTO:VLAN_ETH_HLEN] == b"\x88\xb5"
