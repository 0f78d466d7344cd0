"""Golden bytes for the classic BPF uapi (include/uapi/linux/filter.h, x86_64; spec §9)."""
from netkernel.uapi.filter import (BPF_ABS, BPF_H, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET,
                                   SKF_AD_OFF, SKF_AD_VLAN_TPID, SKF_LL_OFF, SKF_NET_OFF,
                                   SOCK_FILTER_SIZE, SOCK_FPROG_SIZE, sock_filter_pack,
                                   sock_filter_unpack, sock_fprog_pack, sock_fprog_unpack)


def test_sock_filter_is_8_bytes_code_jt_jf_k():
    assert SOCK_FILTER_SIZE == 8
    b = sock_filter_pack(BPF_JMP | BPF_JEQ | BPF_K, 1, 2, 0x88B5)
    assert b == bytes.fromhex("1500" "01" "02" "b5880000")
    assert sock_filter_unpack(b) == (0x15, 1, 2, 0x88B5)


def test_sock_filter_k_is_unsigned_32():
    b = sock_filter_pack(BPF_LD | BPF_H | BPF_ABS, 0, 0, SKF_AD_OFF)
    assert b == bytes.fromhex("2800" "00" "00" "00f0ffff")
    assert sock_filter_unpack(b)[3] == 0xFFFFF000


def test_sock_fprog_is_16_bytes_len_pad_pointer():
    assert SOCK_FPROG_SIZE == 16
    b = sock_fprog_pack(3, 0x7F0011223344)
    assert b == bytes.fromhex("0300" "000000000000" "4433221100 7f0000".replace(" ", ""))
    assert sock_fprog_unpack(b) == (3, 0x7F0011223344)


def test_sock_fprog_matches_ctypes_layout():
    import ctypes

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.c_void_p)]
    fp = SockFprog(5, 0x1234)
    assert ctypes.sizeof(fp) == SOCK_FPROG_SIZE
    assert sock_fprog_unpack(bytes(fp)) == (5, 0x1234)


def test_ret_k_opcode_and_ancillary_offsets():
    assert BPF_RET | BPF_K == 0x06
    assert SKF_AD_OFF + SKF_AD_VLAN_TPID == -0x1000 + 60
    assert (SKF_NET_OFF, SKF_LL_OFF) == (-0x100000, -0x200000)
