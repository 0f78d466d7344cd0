"""Golden bytes for the ring structs of include/uapi/linux/if_packet.h (x86_64; spec §9):
tpacket_req/req3, tpacket_hdr (V1), tpacket2_hdr, tpacket3_hdr, tpacket_block_desc,
tpacket_stats_v3, the TP_STATUS_* words and TPACKET_ALIGN. The ctypes mirrors are written from
the header, independently of the model's struct formats."""
import ctypes

from netkernel.uapi import if_packet as P

c_u16, c_u32, c_u64, c_ulong = ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_ulong


class Req3(ctypes.Structure):
    _fields_ = [(n, c_u32) for n in ("block_size", "block_nr", "frame_size", "frame_nr",
                                      "retire_blk_tov", "sizeof_priv", "feature_req_word")]


class Hdr1(ctypes.Structure):
    _fields_ = [("status", c_ulong), ("len", c_u32), ("snaplen", c_u32), ("mac", c_u16),
                ("net", c_u16), ("sec", c_u32), ("usec", c_u32)]


class Hdr2(ctypes.Structure):
    _fields_ = [("status", c_u32), ("len", c_u32), ("snaplen", c_u32), ("mac", c_u16),
                ("net", c_u16), ("sec", c_u32), ("nsec", c_u32), ("vlan_tci", c_u16),
                ("vlan_tpid", c_u16), ("padding", ctypes.c_uint8 * 4)]


class Hv1(ctypes.Structure):
    _fields_ = [("rxhash", c_u32), ("vlan_tci", c_u32), ("vlan_tpid", c_u16), ("padding", c_u16)]


class Hdr3(ctypes.Structure):
    _fields_ = [("next_offset", c_u32), ("sec", c_u32), ("nsec", c_u32), ("snaplen", c_u32),
                ("len", c_u32), ("status", c_u32), ("mac", c_u16), ("net", c_u16),
                ("hv1", Hv1), ("padding", ctypes.c_uint8 * 8)]


class Ts(ctypes.Structure):
    _fields_ = [("sec", c_u32), ("nsec", c_u32)]


class BlockDesc(ctypes.Structure):
    _fields_ = [("version", c_u32), ("offset_to_priv", c_u32), ("block_status", c_u32),
                ("num_pkts", c_u32), ("offset_to_first_pkt", c_u32), ("blk_len", c_u32),
                ("seq_num", c_u64), ("ts_first", Ts), ("ts_last", Ts)]


def test_sizes_match_the_header():
    assert (P.TPACKET_REQ.size, P.TPACKET_REQ_SIZE) == (16, 16)
    assert P.TPACKET_REQ3.size == P.TPACKET_REQ3_SIZE == ctypes.sizeof(Req3) == 28
    assert P.TPACKET_HDR.size == P.TPACKET_HDR_SIZE == ctypes.sizeof(Hdr1) == 32
    assert P.TPACKET2_HDR.size == P.TPACKET2_HDR_SIZE == ctypes.sizeof(Hdr2) == 32
    assert P.TPACKET3_HDR.size == P.TPACKET3_HDR_SIZE == ctypes.sizeof(Hdr3) == 48
    assert P.TPACKET_BLOCK_DESC.size == P.TPACKET_BLOCK_DESC_SIZE == ctypes.sizeof(BlockDesc) == 48
    assert P.TPACKET_STATS_V3.size == P.TPACKET_STATS_V3_SIZE == 12


def test_hdrlen_is_aligned_header_plus_sockaddr_ll():
    for hdr, hdrlen in ((Hdr1, P.TPACKET_HDRLEN), (Hdr2, P.TPACKET2_HDRLEN),
                        (Hdr3, P.TPACKET3_HDRLEN)):
        assert hdrlen == P.TPACKET_ALIGN(ctypes.sizeof(hdr)) + P.SOCKADDR_LL_SIZE
    assert (P.TPACKET_HDRLEN, P.TPACKET2_HDRLEN, P.TPACKET3_HDRLEN) == (52, 52, 68)


def test_tpacket_align():
    assert [P.TPACKET_ALIGN(x) for x in (0, 1, 15, 16, 17, 52, 68)] == [0, 16, 16, 16, 32, 64, 80]


def test_v1_offsets_and_golden_bytes():
    for name, off in (("status", P.TP1_STATUS), ("len", P.TP1_LEN), ("snaplen", P.TP1_SNAPLEN),
                      ("mac", P.TP1_MAC), ("net", P.TP1_NET), ("sec", P.TP1_SEC),
                      ("usec", P.TP1_USEC)):
        assert getattr(Hdr1, name).offset == off, name
    b = P.TPACKET_HDR.pack(0x1_0000_0005, 60, 58, 66, 80, 0x01020304, 999999)
    assert b == bytes.fromhex("0500000001000000" "3c000000" "3a000000" "4200" "5000"
                              "04030201" "3f420f00" "00000000")
    h = Hdr1.from_buffer_copy(b)
    assert (h.status, h.len, h.snaplen, h.mac, h.net, h.usec) == (0x1_0000_0005, 60, 58, 66, 80, 999999)


def test_v2_offsets_and_golden_bytes():
    for name, off in (("status", P.TP2_STATUS), ("len", P.TP2_LEN), ("snaplen", P.TP2_SNAPLEN),
                      ("mac", P.TP2_MAC), ("net", P.TP2_NET), ("sec", P.TP2_SEC),
                      ("nsec", P.TP2_NSEC), ("vlan_tci", P.TP2_VLAN_TCI),
                      ("vlan_tpid", P.TP2_VLAN_TPID), ("padding", P.TP2_PADDING)):
        assert getattr(Hdr2, name).offset == off, name
    b = P.TPACKET2_HDR.pack(P.TP_STATUS_USER | P.TP_STATUS_VLAN_VALID | P.TP_STATUS_VLAN_TPID_VALID,
                            64, 64, 66, 80, 7, 123456789, 5, 0x8100)
    assert b == bytes.fromhex("51000000" "40000000" "40000000" "4200" "5000" "07000000"
                              "15cd5b07" "0500" "0081" "00000000")


def test_v3_offsets_and_golden_bytes():
    for name, off in (("next_offset", P.TP3_NEXT_OFFSET), ("sec", P.TP3_SEC),
                      ("nsec", P.TP3_NSEC), ("snaplen", P.TP3_SNAPLEN), ("len", P.TP3_LEN),
                      ("status", P.TP3_STATUS), ("mac", P.TP3_MAC), ("net", P.TP3_NET),
                      ("padding", P.TP3_PADDING)):
        assert getattr(Hdr3, name).offset == off, name
    hv1 = Hdr3.hv1.offset
    assert (hv1 + Hv1.rxhash.offset, hv1 + Hv1.vlan_tci.offset, hv1 + Hv1.vlan_tpid.offset,
            hv1 + Hv1.padding.offset) == (P.TP3_RXHASH, P.TP3_VLAN_TCI, P.TP3_VLAN_TPID,
                                           P.TP3_HV1_PADDING)
    b = P.TPACKET3_HDR.pack(112, 1, 2, 60, 60, 0x20000001, 82, 96, 0, 5, 0x88A8, 0)
    assert b == bytes.fromhex("70000000" "01000000" "02000000" "3c000000" "3c000000" "01000020"
                              "5200" "6000" "00000000" "05000000" "a888" "0000" + "00" * 8)


def test_block_desc_offsets_and_golden_bytes():
    for name, off in (("version", P.BD_VERSION), ("offset_to_priv", P.BD_OFFSET_TO_PRIV),
                      ("block_status", P.BD_BLOCK_STATUS), ("num_pkts", P.BD_NUM_PKTS),
                      ("offset_to_first_pkt", P.BD_OFFSET_TO_FIRST_PKT),
                      ("blk_len", P.BD_BLK_LEN), ("seq_num", P.BD_SEQ_NUM)):
        assert getattr(BlockDesc, name).offset == off, name
    assert (BlockDesc.ts_first.offset, BlockDesc.ts_last.offset) == (P.BD_TS_FIRST_SEC,
                                                                     P.BD_TS_LAST_SEC)
    assert (P.BD_TS_FIRST_NSEC, P.BD_TS_LAST_NSEC) == (36, 44)
    b = P.TPACKET_BLOCK_DESC.pack(2, 48, 1, 3, 48, 300, 7, 10, 11, 12, 13)
    assert b == bytes.fromhex("02000000" "30000000" "01000000" "03000000" "30000000" "2c010000"
                              "0700000000000000" "0a000000" "0b000000" "0c000000" "0d000000")


def test_req_and_stats_golden_bytes():
    assert P.TPACKET_REQ.pack(4096, 2, 2048, 4) == bytes.fromhex("00100000" "02000000" "00080000"
                                                                 "04000000")
    assert P.TPACKET_REQ3.pack(4096, 2, 2048, 4, 10, 0, 1)[16:] == bytes.fromhex(
        "0a000000" "00000000" "01000000")
    assert P.TPACKET_STATS_V3.pack(5, 2, 1) == bytes.fromhex("05000000" "02000000" "01000000")


def test_status_words():
    assert (P.TP_STATUS_KERNEL, P.TP_STATUS_USER, P.TP_STATUS_COPY, P.TP_STATUS_LOSING,
            P.TP_STATUS_CSUMNOTREADY, P.TP_STATUS_VLAN_VALID, P.TP_STATUS_BLK_TMO,
            P.TP_STATUS_VLAN_TPID_VALID, P.TP_STATUS_CSUM_VALID) == (
        0, 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80)
    assert (P.TP_STATUS_AVAILABLE, P.TP_STATUS_SEND_REQUEST, P.TP_STATUS_SENDING,
            P.TP_STATUS_WRONG_FORMAT) == (0, 1, 2, 4)
    assert (P.TP_STATUS_TS_SOFTWARE, P.TP_STATUS_TS_SYS_HARDWARE,
            P.TP_STATUS_TS_RAW_HARDWARE) == (0x20000000, 0x40000000, 0x80000000)
