"""Classic BPF socket filters: include/uapi/linux/filter.h and include/uapi/linux/bpf_common.h
(x86_64 layouts)."""
import struct

# struct sock_filter, include/uapi/linux/filter.h: code u16, jt u8, jf u8, k u32.
SOCK_FILTER = struct.Struct("<HBBI")
SOCK_FILTER_SIZE = SOCK_FILTER.size          # 8
# struct sock_fprog: len u16, 6 bytes of padding, then the user pointer `filter` (8 bytes).
SOCK_FPROG = struct.Struct("<H6xQ")
SOCK_FPROG_SIZE = SOCK_FPROG.size            # 16


def sock_filter_pack(code: int, jt: int, jf: int, k: int) -> bytes:
    return SOCK_FILTER.pack(code, jt, jf, k & 0xFFFFFFFF)


def sock_filter_unpack(b: bytes, offset: int = 0) -> tuple[int, int, int, int]:
    """(code, jt, jf, k) with k unsigned."""
    return SOCK_FILTER.unpack_from(b, offset)


def sock_fprog_pack(len: int, filter: int) -> bytes:
    return SOCK_FPROG.pack(len, filter)


def sock_fprog_unpack(b: bytes) -> tuple[int, int]:
    """(len, filter pointer)."""
    return SOCK_FPROG.unpack_from(b, 0)


BPF_MAXINSNS = 4096
BPF_MEMWORDS = 16

# instruction classes
BPF_LD = 0x00
BPF_LDX = 0x01
BPF_ST = 0x02
BPF_STX = 0x03
BPF_ALU = 0x04
BPF_JMP = 0x05
BPF_RET = 0x06
BPF_MISC = 0x07

# ld/ldx: size
BPF_W = 0x00
BPF_H = 0x08
BPF_B = 0x10
# ld/ldx: mode
BPF_IMM = 0x00
BPF_ABS = 0x20
BPF_IND = 0x40
BPF_MEM = 0x60
BPF_LEN = 0x80
BPF_MSH = 0xA0

# alu/jmp: operation
BPF_ADD = 0x00
BPF_SUB = 0x10
BPF_MUL = 0x20
BPF_DIV = 0x30
BPF_OR = 0x40
BPF_AND = 0x50
BPF_LSH = 0x60
BPF_RSH = 0x70
BPF_NEG = 0x80
BPF_MOD = 0x90
BPF_XOR = 0xA0

BPF_JA = 0x00
BPF_JEQ = 0x10
BPF_JGT = 0x20
BPF_JGE = 0x30
BPF_JSET = 0x40

# source operand
BPF_K = 0x00
BPF_X = 0x08
# ret: value
BPF_A = 0x10
# misc
BPF_TAX = 0x00
BPF_TXA = 0x80


def BPF_CLASS(code: int) -> int:
    return code & 0x07


def BPF_SIZE(code: int) -> int:
    return code & 0x18


def BPF_MODE(code: int) -> int:
    return code & 0xE0


def BPF_OP(code: int) -> int:
    return code & 0xF0


def BPF_SRC(code: int) -> int:
    return code & 0x08


def BPF_STMT(code: int, k: int) -> tuple[int, int, int, int]:
    return (code, 0, 0, k & 0xFFFFFFFF)


def BPF_JUMP(code: int, k: int, jt: int, jf: int) -> tuple[int, int, int, int]:
    return (code, jt, jf, k & 0xFFFFFFFF)


# Ancillary data: LD ABS at SKF_AD_OFF + n reads packet metadata instead of packet bytes.
SKF_AD_OFF = -0x1000
SKF_AD_PROTOCOL = 0
SKF_AD_PKTTYPE = 4
SKF_AD_IFINDEX = 8
SKF_AD_NLATTR = 12
SKF_AD_NLATTR_NEST = 16
SKF_AD_MARK = 20
SKF_AD_QUEUE = 24
SKF_AD_HATYPE = 28
SKF_AD_RXHASH = 32
SKF_AD_CPU = 36
SKF_AD_ALU_XOR_X = 40
SKF_AD_VLAN_TAG = 44
SKF_AD_VLAN_TAG_PRESENT = 48
SKF_AD_PAY_OFFSET = 52
SKF_AD_RANDOM = 56
SKF_AD_VLAN_TPID = 60
SKF_AD_MAX = 64

# Negative offsets relative to the network and link-layer headers.
SKF_NET_OFF = -0x100000
SKF_LL_OFF = -0x200000
BPF_NET_OFF = SKF_NET_OFF
BPF_LL_OFF = SKF_LL_OFF
