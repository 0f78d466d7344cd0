"""pcapng blocks: golden bytes, built and taken apart (backends/pcap.py)."""
from __future__ import annotations

import io
import struct

from netkernel.backends.pcap import (EPB_DIR_INBOUND, EPB_DIR_OUTBOUND, EPB_RECV_BROADCAST,
                                     PCAPNG_EPB, PCAPNG_IDB, PCAPNG_SHB, PcapngWriter,
                                     enhanced_packet_block, interface_description_block,
                                     read_blocks, section_header_block)

SHB = bytes.fromhex(
    "0a0d0d0a" "30000000"            # type, total length 48
    "4d3c2b1a" "0100" "0000"         # byte-order magic, version 1.0
    "ffffffffffffffff"               # section length: unknown
    "0400" "0900" "6e65746b65726e656c000000"   # shb_userappl "netkernel" + pad
    "0000" "0000"                    # opt_endofopt
    "30000000")
IDB = bytes.fromhex(
    "01000000" "2c000000"            # type, total length 44
    "0100" "0000" "00000000"         # LINKTYPE_ETHERNET, reserved, snaplen 0
    "0200" "0500" "7665746830000000"           # if_name "veth0"
    "0900" "0100" "09000000"         # if_tsresol 9 (ns)
    "0000" "0000"
    "2c000000")
FRAME = bytes(range(61))
EPB = (bytes.fromhex(
    "06000000" "6c000000"            # type, total length 108
    "01000000"                       # interface 1
    "01000000" "02000000"            # timestamp 0x1_00000002 ns
    "3d000000" "3d000000")           # captured = original = 61
    + FRAME + b"\0\0\0"
    + bytes.fromhex("0200" "0400" "0d000000"  # epb_flags: inbound | broadcast
                    "0000" "0000" "6c000000"))


def test_construct_section_header_block():
    assert section_header_block() == SHB


def test_construct_interface_description_block():
    assert interface_description_block("veth0") == IDB


def test_construct_enhanced_packet_block():
    assert enhanced_packet_block(1, (1 << 32) | 2, FRAME,
                                 EPB_DIR_INBOUND | EPB_RECV_BROADCAST) == EPB


def test_writer_writes_the_same_blocks():
    f = io.BytesIO()
    w = PcapngWriter(f)
    assert w.add_interface("veth0") == 0
    assert w.add_interface("veth0") == 1
    w.write(1, (1 << 32) | 2, FRAME, EPB_DIR_INBOUND | EPB_RECV_BROADCAST)
    assert f.getvalue() == SHB + IDB + IDB + EPB
    assert w.packets == 1


def test_deconstruct_blocks():
    blocks = list(read_blocks(SHB + IDB + EPB))
    assert [t for t, _ in blocks] == [PCAPNG_SHB, PCAPNG_IDB, PCAPNG_EPB]
    body = blocks[2][1]
    ifid, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body)
    assert (ifid, (hi << 32) | lo, caplen, origlen) == (1, (1 << 32) | 2, 61, 61)
    assert body[20:20 + caplen] == FRAME


def test_every_frame_length_pads_to_32_bits():
    for n in range(0, 9):
        b = enhanced_packet_block(0, 0, bytes(n), EPB_DIR_OUTBOUND)
        assert len(b) % 4 == 0
        assert struct.unpack_from("<I", b, 4)[0] == len(b) == struct.unpack_from("<I", b, len(b) - 4)[0]
