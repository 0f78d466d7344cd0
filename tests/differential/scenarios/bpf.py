"""Classic BPF socket filters (§6 rules 17–22, §4.2 rule 9): SO_ATTACH_FILTER validation and
errnos, SO_DETACH_FILTER, SO_LOCK_FILTER, SO_GET_FILTER, optmem charging, and what a filter does
to frames on SOCK_RAW, SOCK_DGRAM and SOCK_PACKET sockets.

The `filter` pointer of struct sock_fprog is a real address in this process (built with ctypes),
for the real kernel and netkernel alike.
"""
import ctypes
import struct

from ._common import *  # noqa: F401,F403

SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER = 26, 27, 44
SO_GET_FILTER = SO_ATTACH_FILTER

# opcodes (include/uapi/linux/bpf_common.h), written out so the suite never uses the model's uapi
LD_W_ABS, LD_H_ABS, LD_B_ABS = 0x20, 0x28, 0x30
LD_W_IND, LD_H_IND, LD_B_IND = 0x40, 0x48, 0x50
LD_W_LEN, LD_IMM, LD_MEM = 0x80, 0x00, 0x60
LDX_W_LEN, LDX_B_MSH, LDX_IMM, LDX_MEM = 0x81, 0xB1, 0x01, 0x61
ST, STX = 0x02, 0x03
ALU_ADD_K, ALU_ADD_X, ALU_SUB_K, ALU_MUL_K = 0x04, 0x0C, 0x14, 0x24
ALU_DIV_K, ALU_DIV_X, ALU_MOD_K, ALU_MOD_X = 0x34, 0x3C, 0x94, 0x9C
ALU_AND_K, ALU_OR_K, ALU_XOR_K = 0x54, 0x44, 0xA4
ALU_LSH_K, ALU_LSH_X, ALU_RSH_K, ALU_RSH_X, ALU_NEG = 0x64, 0x6C, 0x74, 0x7C, 0x84
JA, JEQ_K, JEQ_X, JGT_K, JGE_K, JSET_K = 0x05, 0x15, 0x1D, 0x25, 0x35, 0x45
RET_K, RET_A = 0x06, 0x16
TAX, TXA = 0x07, 0x87
SKF_AD = 0xFFFFF000
AD_PROTOCOL, AD_PKTTYPE, AD_IFINDEX, AD_MARK, AD_HATYPE = 0, 4, 8, 20, 28
AD_ALU_XOR_X, AD_VLAN_TAG, AD_VLAN_TAG_PRESENT, AD_VLAN_TPID = 40, 44, 48, 60
SKF_NET_OFF, SKF_LL_OFF = 0xFFF00000, 0xFFE00000
OPTMEM_515 = 20480


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


_keep = []   # instruction arrays stay alive for the process (the kernel only reads them once)


def I(code, k=0, jt=0, jf=0):
    return (code, jt, jf, k & 0xFFFFFFFF)


def fprog(insns, length=None):
    """The 16 bytes of a struct sock_fprog pointing at ctypes-owned instructions."""
    arr = (SockFilter * max(len(insns), 1))(*[SockFilter(c, jt, jf, k) for c, jt, jf, k in insns])
    _keep.append(arr)
    fp = SockFprog(len(insns) if length is None else length,
                   ctypes.cast(arr, ctypes.POINTER(SockFilter)))
    assert ctypes.sizeof(fp) == 16
    return bytes(fp)


def fprog_raw(length, pointer):
    return struct.pack("<H6xQ", length, pointer)


def attach(b, s, insns, length=None):
    return only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog(insns, length)))


def detach(b, s):
    return only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_DETACH_FILTER, struct.pack("<i", 0)))


def get_filter(b, s, optlen):
    r = attempt(b.sys_getsockopt, s, SOL_SOCKET, SO_GET_FILTER, optlen)
    return r if r[0] == "err" else r[1]


ACCEPT = [I(RET_K, 0xFFFF)]


# ---------------------------------------------------------------- attach: errnos

def scenario_bpf_attach_optlen(b):
    """copy_bpf_fprog_from_user: exactly sizeof(struct sock_fprog) = 16 bytes, else EINVAL."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    good = fprog(ACCEPT)
    out = {n: only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, (good + bytes(8))[:n]))
           for n in (0, 3, 4, 8, 12, 15, 17, 24)}
    out["get_after"] = get_filter(b, s, 0)
    out[16] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, good))
    return out


def scenario_bpf_attach_basics_errnos(b):
    """NULL program, len 0 and len > 4096 are EINVAL; an unreadable program is EFAULT."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    big = [I(LD_IMM, 1)] * 4096 + [I(RET_K, 0)]
    out = {
        "null": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(1, 0))),
        "null_len0": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(0, 0))),
        "len0": attach(b, s, ACCEPT, length=0),
        "len4097": attach(b, s, big, length=4097),
        "len65535": attach(b, s, big, length=65535),
        "bad_ptr_1": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(1, 1))),
        "bad_ptr_unmapped": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                             fprog_raw(2, 0xDEADBEEF000))),
        "bad_ptr_kernel": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                           fprog_raw(1, 0xFFFFFFFF81000000))),
        "bad_ptr_top": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                        fprog_raw(1, 0xFFFFFFFFFFFFFFF8))),
        "bad_ptr_len0": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(0, 1))),
        "bad_ptr_len4097": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                            fprog_raw(4097, 1))),
    }
    out["nothing_attached"] = get_filter(b, s, 0)
    return out


_VALIDATION = {
    "ok_ret_k": [I(RET_K, 0)],
    "ok_ret_a": [I(RET_A)],
    "bad_opcode_ffff": [I(0xFFFF), I(RET_K, 0)],
    "bad_opcode_ldx_w_abs": [I(0x21, 0), I(RET_K, 0)],      # seccomp only
    "bad_opcode_neg_x": [I(0x8C), I(RET_K, 0)],
    "bad_opcode_misc_0f": [I(0x0F), I(RET_K, 0)],
    "bad_opcode_ret_x": [I(0x0E)],
    "bad_opcode_ld_dw": [I(0x38, 0), I(RET_K, 0)],
    "bad_opcode_ld_h_len": [I(0x88), I(RET_K, 0)],
    "bad_opcode_ldx_h_msh": [I(0xA9, 14), I(RET_K, 0)],
    "bad_opcode_jmp_0x55": [I(0x55, 0), I(RET_K, 0)],
    "div_k_0": [I(ALU_DIV_K, 0), I(RET_A)],
    "mod_k_0": [I(ALU_MOD_K, 0), I(RET_A)],
    "div_k_1": [I(ALU_DIV_K, 1), I(RET_A)],
    "div_x": [I(ALU_DIV_X), I(RET_A)],
    "lsh_k_32": [I(ALU_LSH_K, 32), I(RET_A)],
    "rsh_k_32": [I(ALU_RSH_K, 32), I(RET_A)],
    "rsh_k_31": [I(ALU_RSH_K, 31), I(RET_A)],
    "lsh_x": [I(ALU_LSH_X), I(RET_A)],
    "ld_mem_16": [I(ST, 0), I(LD_MEM, 16), I(RET_A)],
    "ldx_mem_16": [I(ST, 0), I(LDX_MEM, 16), I(RET_A)],
    "st_16": [I(ST, 16), I(RET_A)],
    "stx_16": [I(STX, 16), I(RET_A)],
    "st_15_ld_15": [I(ST, 15), I(LD_MEM, 15), I(RET_A)],
    "ja_past_end": [I(JA, 1), I(RET_A)],
    "ja_to_last": [I(JA, 1), I(RET_K, 5), I(RET_A)],
    "ja_huge": [I(JA, 0xFFFFFFFF), I(RET_A)],
    "jeq_jt_past": [I(JEQ_K, 0, 2, 0), I(RET_K, 1), I(RET_A)],
    "jeq_jf_past": [I(JEQ_K, 0, 0, 2), I(RET_K, 1), I(RET_A)],
    "jeq_to_last": [I(JEQ_K, 0, 1, 0), I(RET_K, 1), I(RET_A)],
    "jset_x_past": [I(0x4D, 0, 0, 5), I(RET_A)],
    "last_not_ret": [I(RET_K, 0), I(LD_IMM, 1)],
    "only_ld": [I(LD_IMM, 1)],
    "jump_to_non_ret_end": [I(JA, 0), I(LD_IMM, 0)],
    "ld_mem_before_st": [I(LD_MEM, 3), I(RET_A)],
    "ldx_mem_before_stx": [I(LDX_MEM, 0), I(RET_A)],
    "ld_mem_other_cell": [I(ST, 2), I(LD_MEM, 3), I(RET_A)],
    "st_on_one_branch": [I(JEQ_K, 0, 0, 1), I(ST, 1), I(LD_MEM, 1), I(RET_A)],
    "st_on_both_branches": [I(JEQ_K, 0, 0, 2), I(ST, 1), I(JA, 1), I(STX, 1), I(LD_MEM, 1), I(RET_A)],
    "st_before_branch": [I(ST, 1), I(JEQ_K, 0, 0, 1), I(LD_IMM, 1), I(LD_MEM, 1), I(RET_A)],
    "st_skipped_by_ja": [I(JA, 1), I(ST, 1), I(LD_MEM, 1), I(RET_A)],
    "st_after_ret_reached_by_ja": [I(ST, 4), I(JA, 1), I(RET_K, 0), I(LD_MEM, 4), I(RET_A)],
    "load_after_ret_unreached": [I(ST, 4), I(RET_K, 0), I(LD_MEM, 4), I(RET_A)],
    "anc_unknown_64": [I(LD_W_ABS, SKF_AD + 64), I(RET_A)],
    "anc_unaligned_2": [I(LD_W_ABS, SKF_AD + 2), I(RET_A)],
    "anc_top": [I(LD_B_ABS, 0xFFFFFFFF), I(RET_A)],
    "anc_h_protocol": [I(LD_H_ABS, SKF_AD + AD_PROTOCOL), I(RET_A)],
    "anc_b_pkttype": [I(LD_B_ABS, SKF_AD + AD_PKTTYPE), I(RET_A)],
    "ld_ind_anc_range": [I(LD_W_IND, SKF_AD + 64), I(RET_A)],
    "ldx_msh_anc_range": [I(LDX_B_MSH, SKF_AD + 64), I(RET_A)],
    "ld_abs_negative_net": [I(LD_B_ABS, SKF_NET_OFF), I(RET_A)],
    "ld_abs_negative_other": [I(LD_B_ABS, 0x80000000), I(RET_A)],
}


def scenario_bpf_validation_errnos(b):
    """bpf_check_classic (§6.18 a–i): every rule, one program each; a rejected program leaves
    the previous filter in place."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {name: attach(b, s, prog) for name, prog in _VALIDATION.items()}
    return out


def scenario_bpf_validation_known_ancillary(b):
    """Every offset SKF_AD_OFF + 4n for n < 20 (and a few others): which ancillary loads attach."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {n: attach(b, s, [I(LD_W_ABS, SKF_AD + n), I(RET_A)]) for n in list(range(0, 80, 4)) + [1, 0xFFC]}


def scenario_bpf_failed_attach_keeps_old_filter(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    first = [I(LD_IMM, 7), I(RET_A)]
    out = {"first": attach(b, s, first)}
    out["bad"] = attach(b, s, [I(LD_MEM, 0), I(RET_A)])
    out["efault"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(3, 1)))
    out["get"] = get_filter(b, s, 8)
    return out


# ---------------------------------------------------------------- detach / lock / get

def scenario_bpf_detach_and_lock(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"detach_none": detach(b, s),
           "lock_default": getint(b, s, SOL_SOCKET, SO_LOCK_FILTER),
           "attach": attach(b, s, ACCEPT),
           "detach": detach(b, s),
           "detach_again": detach(b, s),
           "attach2": attach(b, s, [I(RET_K, 3)])}
    out["lock_short"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_LOCK_FILTER, b"\x01\x00"))
    out["lock_on"] = only_err(attempt(setint, b, s, SOL_SOCKET, SO_LOCK_FILTER, 1))
    out["lock_get"] = getint(b, s, SOL_SOCKET, SO_LOCK_FILTER)
    out["lock_on_again_5"] = only_err(attempt(setint, b, s, SOL_SOCKET, SO_LOCK_FILTER, 5))
    out["lock_off"] = only_err(attempt(setint, b, s, SOL_SOCKET, SO_LOCK_FILTER, 0))
    out["attach_locked"] = attach(b, s, ACCEPT)
    out["attach_locked_bad_prog"] = attach(b, s, [I(0xFFFF)])
    out["attach_locked_null"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                                 fprog_raw(1, 0)))
    out["attach_locked_optlen"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                                   bytes(8)))
    out["detach_locked"] = detach(b, s)
    out["get_locked"] = get_filter(b, s, 4)
    out["lock_get_after"] = getint(b, s, SOL_SOCKET, SO_LOCK_FILTER)
    s2 = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
    out["lock_without_filter"] = only_err(attempt(setint, b, s2, SOL_SOCKET, SO_LOCK_FILTER, 1))
    out["attach_s2_locked"] = attach(b, s2, ACCEPT)
    out["detach_s2_locked"] = detach(b, s2)
    return out


def scenario_bpf_get_filter_optlen(b):
    """SO_GET_FILTER: *optlen counts instructions; 0 asks for the count only."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"none": {n: get_filter(b, s, n) for n in (-1, 0, 1, 8)}}
    prog = [I(LD_H_ABS, 12), I(JEQ_K, ETH_P_EX, 0, 1), I(RET_K, 0x40000), I(RET_K, 0)]
    out["attach"] = attach(b, s, prog)
    out["with"] = {n: get_filter(b, s, n) for n in (-1, 0, 1, 3, 4, 5, 100)}
    out["detach"] = detach(b, s)
    out["after_detach"] = get_filter(b, s, 4)
    return out


def scenario_bpf_filter_on_sock_packet_and_dgram_options(b):
    """The options are SOL_SOCKET ones: every packet socket type takes them."""
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW, SOCK_PACKET):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        out[t] = [attach(b, s, [I(RET_K, 9)]), get_filter(b, s, 1), detach(b, s)]
    return out


# ---------------------------------------------------------------- optmem accounting

def _ldimm(n):
    return [I(LD_IMM, i) for i in range(n)] + [I(RET_K, 0)]


def scenario_bpf_optmem_enomem(b):
    """The translated program is charged to optmem (20480 in 5.15): a small program fits, a
    large valid one is ENOMEM, and a replacement counts while the old filter is still held."""
    b.sysctl("net.core.optmem_max", OPTMEM_515)
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"2000": attach(b, s, _ldimm(2000)),
           "3000": attach(b, s, _ldimm(3000)),
           "4095": attach(b, s, _ldimm(4095)),
           "ld_abs_1000": attach(b, s, [I(LD_H_ABS, 12)] * 1000 + [I(RET_A)]),
           "ld_abs_100": attach(b, s, [I(LD_H_ABS, 12)] * 100 + [I(RET_A)])}
    out["detach"] = detach(b, s)
    out["1500"] = attach(b, s, _ldimm(1500))
    out["1500_again"] = attach(b, s, _ldimm(1500))
    out["still"] = get_filter(b, s, 0)
    out["900_while_1500"] = attach(b, s, _ldimm(900))
    out["now"] = get_filter(b, s, 0)
    out["1500_while_900"] = attach(b, s, _ldimm(1500))
    return out


@kernel_differs("struct bpf_prog grew by 24 bytes (the 8-byte tag became a 32-byte digest union) "
                "and SKF_AD_VLAN_TAG_PRESENT translates to 3 instead of 2 eBPF instructions "
                "once skb->vlan_present was removed",
                "net: remove skb->vlan_present (354259fa73e2, 6.2); the bpf_prog header change "
                "(measured: 96-byte header on 6.18) is from a later 6.x commit not pinned down",
                {"ldimm": {"2542": "ok", "2543": "ok", "2545": "ok", "2546": "ENOMEM"},
                 "vlan_present": {"848": "ok", "849": "ok", "1273": "ok", "1274": "ENOMEM"}},
                since="6.2")
def scenario_bpf_optmem_exact_threshold(b):
    """The charged size is sizeof(struct bpf_prog) + 8 × eBPF length, admitted while it stays
    below optmem_max: 72 bytes of header on 5.15 x86_64."""
    b.sysctl("net.core.optmem_max", OPTMEM_515)
    out = {"ldimm": {}, "vlan_present": {}}
    for n in (2542, 2543, 2545, 2546):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
        out["ldimm"][str(n)] = attach(b, s, _ldimm(n))
    for n in (848, 849, 1273, 1274):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
        out["vlan_present"][str(n)] = attach(b, s, [I(LD_B_ABS, SKF_AD + AD_VLAN_TAG_PRESENT)] * n
                                              + [I(RET_A)])
    return out


def scenario_bpf_optmem_ld_abs_sizes(b):
    """Translated sizes of packet loads (the inline fast path plus the helper call) decide where
    ENOMEM starts; both kernels agree on these points."""
    b.sysctl("net.core.optmem_max", OPTMEM_515)
    cases = {"ldh_12": (LD_H_ABS, 12, 181, 183), "ldb_0": (LD_B_ABS, 0, 211, 213),
             "ldb_ind_0": (LD_B_IND, 0, 317, 319), "ldw_ind_4": (LD_W_IND, 4, 280, 283),
             "msh_14": (LDX_B_MSH, 14, 133, 135), "div_x": (ALU_DIV_X, 0, 507, 510),
             "ldh_40000": (LD_H_ABS, 40000, 150, 170), "ld_neg": (LD_B_ABS, SKF_NET_OFF, 315, 320)}
    out = {}
    for name, (code, k, ok_n, bad_n) in cases.items():
        res = []
        for n in (ok_n, bad_n):
            s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
            res.append(attach(b, s, [I(code, k)] * n + [I(RET_A)]))
        out[name] = res
    return out


def scenario_bpf_translation_jump_range(b):
    """The eBPF translation refuses a forward jump placed beyond eBPF instruction 32767 (its first
    pass sees the target at address 0): EINVAL, even with room in optmem."""
    b.sysctl("net.core.optmem_max", 1 << 22)
    out = {}
    for n in (2300, 2400):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
        prog = [I(LD_H_ABS, 12)] * n + [I(JEQ_K, 1, 0, 1), I(RET_K, 1), I(RET_A)]
        out[f"jeq_after_{n}"] = attach(b, s, prog)
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
        out[f"no_jump_{n}"] = attach(b, s, [I(LD_H_ABS, 12)] * n + [I(RET_K, 1), I(RET_A)])
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out["far_ja"] = attach(b, s, [I(JA, 2400)] + [I(LD_H_ABS, 12)] * 2400 + [I(RET_A)])
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out["near_ja"] = attach(b, s, [I(JA, 2000)] + [I(LD_H_ABS, 12)] * 2000 + [I(RET_A)])
    return out


# ---------------------------------------------------------------- filtering frames

def _rx_pair(b, type=SOCK_RAW, proto=ETH_P_EX):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, type, proto, bind_to="veth1")
    return names, tx, rx


def _sendf(b, tx, frame, proto=ETH_P_EX):
    return send(b, tx, frame, ifx(b, "veth0"), proto)[0]


def _lens(b, s, names):
    return [(f.get("ret"), f.get("data", "")[:8]) for f in drain(b, s, names)]


_FRAME = eth(MAC_B, MAC_A, ETH_P_EX, bytes(range(2, 200)), 300)


def scenario_bpf_raw_verdicts(b):
    """SOCK_RAW: 0 drops (uncounted), k < len truncates, a larger value keeps the frame; the
    program sees the frame from the Ethernet header."""
    names, tx, rx = _rx_pair(b)
    programs = {
        "drop": [I(RET_K, 0)],
        "trunc_20": [I(RET_K, 20)],
        "trunc_1": [I(RET_K, 1)],
        "whole_ffffffff": [I(RET_K, 0xFFFFFFFF)],
        "exact_len": [I(RET_K, 300)],
        "ret_len_minus_1": [I(LD_W_LEN), I(ALU_SUB_K, 1), I(RET_A)],
        "ethertype_match": [I(LD_H_ABS, 12), I(JEQ_K, ETH_P_EX, 0, 1), I(RET_K, 64), I(RET_K, 0)],
        "ethertype_mismatch": [I(LD_H_ABS, 12), I(JEQ_K, ETH_P_IP, 0, 1), I(RET_K, 64), I(RET_K, 0)],
        "dst_mac_byte": [I(LD_B_ABS, 5), I(RET_A)],                    # 0x0b → 11 bytes
        "src_word": [I(LD_W_ABS, 8), I(ALU_AND_K, 0xFF), I(RET_A)],     # last bytes of the src MAC
        "oob_load_drops": [I(LD_B_ABS, 300), I(RET_K, 50)],
        "last_byte_ok": [I(LD_B_ABS, 299), I(RET_K, 50)],
        "oob_word": [I(LD_W_ABS, 297), I(RET_K, 50)],
        "ind": [I(LDX_IMM, 10), I(LD_B_IND, 4), I(RET_A)],              # byte 14 = payload[0] = 2
        "ind_oob": [I(LDX_IMM, 0xFFFFFFFF), I(LD_B_IND, 1), I(RET_K, 50)],   # X + k wraps to 0
        "msh": [I(LDX_B_MSH, 14), I(TXA), I(RET_A)],                    # 4*(2 & 0xf) = 8
        "div_x_zero": [I(LD_IMM, 100), I(ALU_DIV_X), I(RET_K, 50)],
        "mod_x_zero": [I(LD_IMM, 100), I(ALU_MOD_X), I(RET_K, 50)],
        "div_k": [I(LD_IMM, 100), I(ALU_DIV_K, 7), I(RET_A)],
        "mod_k": [I(LD_IMM, 100), I(ALU_MOD_K, 7), I(ALU_ADD_K, 10), I(RET_A)],
        "neg": [I(LD_IMM, 0xFFFFFFE0), I(ALU_NEG), I(RET_A)],           # 32
        "lsh_x_33": [I(LD_IMM, 5), I(LDX_IMM, 33), I(ALU_LSH_X), I(RET_A)],
        "rsh_x_35": [I(LD_IMM, 80), I(LDX_IMM, 35), I(ALU_RSH_X), I(RET_A)],
        "mul_wrap": [I(LD_IMM, 0x80000001), I(ALU_MUL_K, 2), I(ALU_ADD_K, 40), I(RET_A)],
        "jgt_unsigned": [I(LD_IMM, 0x80000000), I(JGT_K, 5, 0, 1), I(RET_K, 44), I(RET_K, 0)],
        "jge_negative_k": [I(LD_IMM, 0xFFFFFFFF), I(JGE_K, 0xFFFFFFFE, 0, 1), I(RET_K, 45), I(RET_K, 0)],
        "jset": [I(LD_B_ABS, 0), I(JSET_K, 0x01, 1, 0), I(RET_K, 46), I(RET_K, 47)],
        "jeq_x": [I(LD_IMM, 9), I(TAX), I(JEQ_X, 0, 0, 1), I(RET_K, 48), I(RET_K, 0)],
        "scratch": [I(LD_IMM, 33), I(ST, 7), I(LD_IMM, 0), I(LDX_MEM, 7), I(TXA), I(RET_A)],
        "net_off": [I(LD_B_ABS, SKF_NET_OFF), I(RET_A)],                 # network header = payload
        "ll_off": [I(LD_B_ABS, SKF_LL_OFF + 5), I(RET_A)],
        "net_off_oob": [I(LD_B_ABS, SKF_NET_OFF + 286), I(RET_K, 50)],
        "ind_net_off": [I(LDX_IMM, 1), I(LD_B_IND, SKF_NET_OFF), I(RET_A)],
        "xor_x_ancillary": [I(LD_IMM, 0x30), I(LDX_IMM, 0x0F), I(LD_W_ABS, SKF_AD + AD_ALU_XOR_X), I(RET_A)],
    }
    out = {}
    for name, prog in programs.items():
        out[name] = {"attach": attach(b, rx, prog)}
        _sendf(b, tx, _FRAME)
        out[name]["rx"] = _lens(b, rx, names)
        out[name]["stats"] = stats(b, rx)
    return out


def scenario_bpf_dgram_sees_network_header(b):
    """SOCK_DGRAM: offset 0 is the network header; LEN is the payload length; truncation applies
    to the payload."""
    names, tx, rx = _rx_pair(b, SOCK_DGRAM)
    programs = {
        "len": [I(LD_W_LEN), I(RET_A)],
        "len_half": [I(LD_W_LEN), I(ALU_RSH_K, 1), I(RET_A)],
        "byte0": [I(LD_B_ABS, 0), I(ALU_ADD_K, 10), I(RET_A)],       # payload[0] = 2 → 12
        "trunc_5": [I(RET_K, 5)],
        "ethertype_at_12_is_payload": [I(LD_H_ABS, 12), I(RET_A)],    # payload[12..13] = 0x0e0f
        "ll_off_reads_mac": [I(LD_B_ABS, SKF_LL_OFF + 13), I(RET_A)],  # 0xb5
        "oob_drop": [I(LD_B_ABS, 286), I(RET_K, 40)],
        "last_byte": [I(LD_B_ABS, 285), I(RET_K, 40)],
        "drop": [I(RET_K, 0)],
    }
    out = {}
    for name, prog in programs.items():
        out[name] = {"attach": attach(b, rx, prog)}
        _sendf(b, tx, _FRAME)
        out[name]["rx"] = _lens(b, rx, names)
        out[name]["stats"] = stats(b, rx)
    return out


def scenario_bpf_sock_packet(b):
    """SOCK_PACKET goes through sk_filter: 0 drops, smaller values trim."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    b.sys_bind(rx, spkt("veth1"))
    out = {}
    for name, prog in {"none": None, "drop": [I(RET_K, 0)], "trunc_30": [I(RET_K, 30)],
                       "whole": [I(RET_K, 0xFFFF)], "len_sub": [I(LD_W_LEN), I(ALU_SUB_K, 100), I(RET_A)],
                       "div0": [I(ALU_DIV_X), I(RET_K, 10)]}.items():
        if prog is not None:
            out[name + "_attach"] = attach(b, rx, prog)
        _sendf(b, tx, _FRAME)
        got = []
        for _ in range(5):
            try:
                ret, data, _a = b.sys_recvfrom(rx, 4096, MSG_DONTWAIT)
            except BlockingIOError:
                break
            got.append([ret, data[:6].hex()])
        out[name] = got
    return out


def scenario_bpf_ancillary_values(b):
    """Ancillary loads on an ETH_P_ALL SOCK_RAW socket, read back as the kept length (value & 0x3ff
    + 1): protocol, pkttype (host, broadcast, multicast, otherhost), ifindex, hatype, mark, VLAN."""
    names, tx, rx = _rx_pair(b, SOCK_RAW, ETH_P_ALL)
    out = {"ifindex_veth1": ifx(b, "veth1")}

    def probe(anc, frame, proto=ETH_P_EX):
        r = attach(b, rx, [I(LD_W_ABS, SKF_AD + anc), I(ALU_AND_K, 0x3FF), I(ALU_ADD_K, 1), I(RET_A)])
        _sendf(b, tx, frame, proto)
        return [r] + [f["ret"] for f in drain(b, rx, names, show_data=False)]

    big = lambda dst, et=ETH_P_EX: eth(dst, MAC_A, et, size=1100)   # noqa: E731
    out["protocol_ex"] = probe(AD_PROTOCOL, big(MAC_B))
    out["protocol_ip"] = probe(AD_PROTOCOL, big(MAC_B, ETH_P_IP), ETH_P_IP)
    out["pkttype_host"] = probe(AD_PKTTYPE, big(MAC_B))
    out["pkttype_bcast"] = probe(AD_PKTTYPE, big(BCAST))
    out["pkttype_mcast"] = probe(AD_PKTTYPE, big(MCAST4))
    out["pkttype_other"] = probe(AD_PKTTYPE, big(MAC_OTHER))
    out["ifindex"] = probe(AD_IFINDEX, big(MAC_B))
    out["hatype"] = probe(AD_HATYPE, big(MAC_B))
    out["mark"] = probe(AD_MARK, big(MAC_B))
    out["vlan_present_untagged"] = probe(AD_VLAN_TAG_PRESENT, big(MAC_B))
    out["vlan_tag_untagged"] = probe(AD_VLAN_TAG, big(MAC_B))
    tagged = vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x2005, ETH_P_EX, size=1100)
    out["vlan_present_tagged"] = probe(AD_VLAN_TAG_PRESENT, tagged, ETH_P_8021Q)
    out["vlan_tag_tagged"] = probe(AD_VLAN_TAG, tagged, ETH_P_8021Q)
    out["vlan_tpid_tagged"] = probe(AD_VLAN_TPID, tagged, ETH_P_8021Q)
    out["protocol_tagged"] = probe(AD_PROTOCOL, tagged, ETH_P_8021Q)
    r = attach(b, rx, [I(LD_H_ABS, 12), I(ALU_AND_K, 0x3FF), I(ALU_ADD_K, 1), I(RET_A)])
    _sendf(b, tx, tagged, ETH_P_8021Q)
    out["tagged_data_at_12"] = [r] + [f["ret"] for f in drain(b, rx, names, show_data=False)]
    return out


def scenario_bpf_outgoing_pkttype(b):
    """A tap on the sending device sees its own frames as PACKET_OUTGOING (4) in the filter."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    out = {"attach": attach(b, tap, [I(LD_B_ABS, SKF_AD + AD_PKTTYPE), I(JEQ_K, 4, 0, 1),
                                     I(RET_K, 16), I(RET_K, 0)])}
    _sendf(b, tx, _FRAME)
    out["tap"] = _lens(b, tap, names)
    return out


def scenario_bpf_attach_keeps_queued_frames(b):
    """Attaching a drop-all filter does not flush frames already queued; detaching lets new
    frames in again."""
    names, tx, rx = _rx_pair(b)
    for i in range(2):
        _sendf(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]) * 10, 60))
    out = {"attach": attach(b, rx, [I(RET_K, 0)])}
    _sendf(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"\x09" * 10, 60))
    out["queued"] = _lens(b, rx, names)
    out["stats"] = stats(b, rx)
    out["detach"] = detach(b, rx)
    _sendf(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"\x07" * 10, 60))
    out["after_detach"] = _lens(b, rx, names)
    return out


def scenario_bpf_truncated_frame_reports_original_len(b):
    """A trimmed frame: recv with MSG_TRUNC returns the kept length, and PACKET_STATISTICS counts
    it; the filter's length limits the copy."""
    names, tx, rx = _rx_pair(b)
    attach(b, rx, [I(RET_K, 25)])
    _sendf(b, tx, _FRAME)
    r = attempt(b.sys_recvfrom, rx, 4096, MSG_DONTWAIT | MSG_TRUNC)
    return {"trunc": r if r[0] == "err" else [r[1][0], len(bytes.fromhex(r[1][1]))],
            "stats": stats(b, rx)}
