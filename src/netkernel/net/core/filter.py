"""Classic BPF socket filters (net/core/filter.c; filter.h's inlines: include/linux/filter.py).

A filter is checked once when it is attached (bpf_check_classic) and then run over every frame the
socket would queue. Linux translates the classic program to eBPF and charges the translated size
to the socket's option memory; the model runs the classic program directly and computes the size
the translation would have (bpf_convert_filter), so ENOMEM comes at the same program sizes.

Functions return what C returns: 0, a value, or a negative errno. This module sits in the core
layer: it takes `struct sock` fields by duck typing and never imports the socket layers above it.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/filter.c"

from netkernel.include.linux.filter import (  # noqa: F401 (filter.h's inlines, re-exported)
    SIZEOF_BPF_PROG, bpf_prog_run, bpf_prog_size, sk_filter)

import random

from netkernel.kernel.bpf.syscall import bpf_prog_get_type
from netkernel.include.linux.skbuff import pskb_trim
from netkernel.net.core.sock_reuseport import reuseport_attach_prog
from netkernel.uapi import errno as E
from netkernel.uapi.netlink import NLA_ALIGNTO, NLA_HDRLEN, NLA_LEN, NLA_TYPE, NLA_TYPE_MASK
from netkernel.uapi.filter import (BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV,
                                   BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
                                   BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH,
                                   BPF_MAXINSNS, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD,
                                   BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST,
                                   BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
                                   SKF_AD_ALU_XOR_X, SKF_AD_CPU, SKF_AD_HATYPE, SKF_AD_IFINDEX,
                                   SKF_AD_MARK, SKF_AD_NLATTR, SKF_AD_NLATTR_NEST, SKF_AD_OFF,
                                   SKF_AD_PAY_OFFSET, SKF_AD_PKTTYPE, SKF_AD_PROTOCOL,
                                   SKF_AD_QUEUE, SKF_AD_RANDOM, SKF_AD_RXHASH, SKF_AD_VLAN_TAG,
                                   SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TPID, SKF_LL_OFF,
                                   SKF_NET_OFF, SOCK_FILTER, SOCK_FILTER_SIZE)

SOCK_FILTER_LOCKED = "SOCK_FILTER_LOCKED"   # enum sock_flags: SO_LOCK_FILTER is set
BPF_PROG_TYPE_SOCKET_FILTER = 1

M32 = 0xFFFFFFFF
SKF_AD_BASE = SKF_AD_OFF & M32          # 0xFFFFF000: LD ABS at or above it is ancillary
S16_MIN, S16_MAX = -0x8000, 0x7FFF


# chk_code_allowed: the opcodes a classic socket filter may use.
_ALU_OPS = (BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH)
ALLOWED_CODES = frozenset(
    [BPF_ALU | op | src for op in _ALU_OPS for src in (BPF_K, BPF_X)]
    + [BPF_ALU | BPF_NEG]
    + [BPF_LD | sz | BPF_ABS for sz in (BPF_W, BPF_H, BPF_B)]
    + [BPF_LD | sz | BPF_IND for sz in (BPF_W, BPF_H, BPF_B)]
    + [BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
       BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_LDX | BPF_IMM, BPF_LDX | BPF_MEM,
       BPF_ST, BPF_STX, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_RET | BPF_K, BPF_RET | BPF_A,
       BPF_JMP | BPF_JA]
    + [BPF_JMP | op | src for op in (BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET) for src in (BPF_K, BPF_X)])

_COND_JUMPS = frozenset(BPF_JMP | op | src for op in (BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET)
                        for src in (BPF_K, BPF_X))
_LD_ABS = frozenset(BPF_LD | sz | BPF_ABS for sz in (BPF_W, BPF_H, BPF_B))
_LD_IND = frozenset(BPF_LD | sz | BPF_IND for sz in (BPF_W, BPF_H, BPF_B))
_MEM_OPS = frozenset((BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX))

# bpf_anc_helper: the ancillary loads 5.15 knows (any other k at or above SKF_AD_OFF is EINVAL).
KNOWN_ANCILLARY = frozenset((SKF_AD_PROTOCOL, SKF_AD_PKTTYPE, SKF_AD_IFINDEX, SKF_AD_NLATTR,
                             SKF_AD_NLATTR_NEST, SKF_AD_MARK, SKF_AD_QUEUE, SKF_AD_HATYPE,
                             SKF_AD_RXHASH, SKF_AD_CPU, SKF_AD_ALU_XOR_X, SKF_AD_VLAN_TAG,
                             SKF_AD_VLAN_TAG_PRESENT, SKF_AD_PAY_OFFSET, SKF_AD_RANDOM,
                             SKF_AD_VLAN_TPID))

_SIZE_BYTES = {BPF_W: 4, BPF_H: 2, BPF_B: 1}


def _s32(v: int) -> int:
    v &= M32
    return v - (1 << 32) if v & 0x80000000 else v


# ---------------------------------------------------------------- validation

def check_load_and_stores(prog) -> int:
    """check_load_and_stores: walk the program once, tracking which scratch cells are surely
    written; a jump narrows its target's set to what holds on every path into it, and the cell
    set after a jump is "all" (the next instruction is reached only through recorded jumps). A
    load from a cell that may be unwritten is EINVAL."""
    flen = len(prog)
    masks = [0xFFFF] * flen
    memvalid = 0
    for pc in range(flen):
        memvalid &= masks[pc]
        code, jt, jf, k = prog[pc]
        if code == BPF_ST or code == BPF_STX:
            memvalid |= 1 << k
        elif code == BPF_LD | BPF_MEM or code == BPF_LDX | BPF_MEM:
            if not memvalid & (1 << k):
                return -E.EINVAL
        elif code == BPF_JMP | BPF_JA:
            masks[pc + 1 + k] &= memvalid
            memvalid = 0xFFFF
        elif code in _COND_JUMPS:
            masks[pc + 1 + jt] &= memvalid
            masks[pc + 1 + jf] &= memvalid
            memvalid = 0xFFFF
    return 0


def bpf_check_classic(prog) -> int:
    """bpf_check_classic (net/core/filter.c): every opcode must be allowed; no division or modulo
    by a constant 0, no constant shift of 32 or more, scratch cells below 16, jumps inside the
    program, only known ancillary loads; the last instruction returns; no scratch cell is read
    before a store on every path. Any failure is EINVAL."""
    flen = len(prog)
    if flen == 0:
        return -E.EINVAL
    for pc in range(flen):
        code, jt, jf, k = prog[pc]
        if code not in ALLOWED_CODES:
            return -E.EINVAL
        if code == BPF_ALU | BPF_DIV | BPF_K or code == BPF_ALU | BPF_MOD | BPF_K:
            if k == 0:
                return -E.EINVAL
        elif code == BPF_ALU | BPF_LSH | BPF_K or code == BPF_ALU | BPF_RSH | BPF_K:
            if k >= 32:
                return -E.EINVAL
        elif code in _MEM_OPS:
            if k >= BPF_MEMWORDS:
                return -E.EINVAL
        elif code == BPF_JMP | BPF_JA:
            if k >= flen - pc - 1:
                return -E.EINVAL
        elif code in _COND_JUMPS:
            if pc + jt + 1 >= flen or pc + jf + 1 >= flen:
                return -E.EINVAL
        elif code in _LD_ABS:
            if k >= SKF_AD_BASE and (k - SKF_AD_BASE) not in KNOWN_ANCILLARY:
                return -E.EINVAL
    if prog[-1][0] not in (BPF_RET | BPF_K, BPF_RET | BPF_A):
        return -E.EINVAL
    return check_load_and_stores(prog)


# ---------------------------------------------------------------- translated size

def _ld_abs_len(code: int, k: int) -> int:
    """convert_bpf_ld_abs: eBPF instructions for one packet load: the helper call with its error
    exit (8, one more for an indirect load with k != 0), and for a constant offset >= 0 an
    inline fast path first (x86_64 has efficient unaligned loads)."""
    if code & 0xE0 == BPF_IND:
        return 9 if k else 8
    n = 8
    if _s32(k) >= 0:
        n += 3 + (1 if k else 0) + (1 if k <= S16_MAX else 3) + (code & 0x18 != BPF_B)
    return n


_ANC_LEN_515 = {SKF_AD_PROTOCOL: 2, SKF_AD_PKTTYPE: 2, SKF_AD_IFINDEX: 4, SKF_AD_HATYPE: 4,
                SKF_AD_MARK: 1, SKF_AD_RXHASH: 1, SKF_AD_QUEUE: 1, SKF_AD_VLAN_TAG: 1,
                SKF_AD_VLAN_TAG_PRESENT: 2, SKF_AD_VLAN_TPID: 2, SKF_AD_PAY_OFFSET: 4,
                SKF_AD_NLATTR: 4, SKF_AD_NLATTR_NEST: 4, SKF_AD_CPU: 4, SKF_AD_RANDOM: 4,
                SKF_AD_ALU_XOR_X: 1}


def _insn_len(code: int, jt: int, jf: int, k: int):
    """(eBPF length, [(index of a jump inside it, classic target)], reads packet bytes)."""
    if code in _LD_ABS and k >= SKF_AD_BASE:
        return _ANC_LEN_515[k - SKF_AD_BASE], (), False
    if code in _LD_ABS or code in _LD_IND:
        return _ld_abs_len(code, k), (), True
    if code == BPF_ALU | BPF_DIV | BPF_X or code == BPF_ALU | BPF_MOD | BPF_X:
        return 5, (), False       # zero-extend X, test it, return 0 on zero, then divide
    if code == BPF_LDX | BPF_B | BPF_MSH:
        return 1 + _ld_abs_len(BPF_LD | BPF_B | BPF_ABS, k) + 5, (), True
    if code == BPF_RET | BPF_K:
        return 2, (), False
    if code == BPF_JMP | BPF_JA:
        return 1, ((0, k),), False
    if code in _COND_JUMPS:
        pre = 1 if code & BPF_X == BPF_K and k & 0x80000000 else 0   # negative k: via a register
        if jf == 0:
            return pre + 1, ((pre, jt),), False
        if jt == 0 and code & 0xF0 != BPF_JSET:                    # inverted condition
            return pre + 1, ((pre, jf),), False
        return pre + 2, ((pre, jt), (pre + 1, jf)), False
    return 1, (), False


def bpf_convert_filter(prog) -> int:
    """bpf_convert_filter: the length of the eBPF translation (3 prologue instructions, 4 more
    when the program reads packet bytes). A jump whose eBPF offset does not fit 16 bits is
    EINVAL; the first of the two translation passes sees forward targets still at address 0, so
    a forward jump placed beyond eBPF instruction 32767 fails as well."""
    lens = [_insn_len(*insn) for insn in prog]
    addrs = [0] * len(prog)
    a = 3 + (4 if any(ld for _, _, ld in lens) else 0)
    for i, (n, _, _) in enumerate(lens):
        addrs[i] = a
        a += n
    for i, (_, jumps, _) in enumerate(lens):
        for idx, rel in jumps:
            if -addrs[i] - 1 - idx < S16_MIN or addrs[i + rel + 1] - addrs[i] - 1 - idx > S16_MAX:
                return -E.EINVAL
    return a


# ---------------------------------------------------------------- the interpreter

def _load(skb, off: int, size: int):
    """bpf_skb_load_helper / bpf_internal_load_pointer_neg_helper: big-endian bytes at `off` from
    the data start; negative offsets count from the network (SKF_NET_OFF) or link (SKF_LL_OFF)
    header. Outside the frame: None (the program then returns 0)."""
    buf = skb.buf
    if off >= 0:
        start = skb.data + off
        if start + size > skb.tail:
            return None
    else:
        if off >= SKF_NET_OFF:
            base = skb.network_header
            off -= SKF_NET_OFF
        elif off >= SKF_LL_OFF:
            base = skb.mac_header
            off -= SKF_LL_OFF
        else:
            return None
        if base < 0:
            return None
        start = base + off
        if start < skb.head or start + size > skb.tail:
            return None
    if size == 1:
        return buf[start]
    return int.from_bytes(buf[start:start + size], "big")


def _nla_find(buf, start: int, end: int, attrtype: int):
    """nla_find: the first attribute of `attrtype` in [start, end) (type bits above 13 ignored)."""
    while end - start >= NLA_HDRLEN:
        nla_len = buf[start + NLA_LEN] | buf[start + NLA_LEN + 1] << 8
        if nla_len < NLA_HDRLEN or nla_len > end - start:
            return None
        if (buf[start + NLA_TYPE] | buf[start + NLA_TYPE + 1] << 8) & NLA_TYPE_MASK == attrtype:
            return start
        start += (nla_len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)
    return None


def _ancillary(n: int, skb, A: int, X: int):
    """convert_bpf_extensions: packet metadata for LD ABS at SKF_AD_OFF + n. None: return 0."""
    if n == SKF_AD_PROTOCOL:
        return skb.protocol & 0xFFFF
    if n == SKF_AD_PKTTYPE:
        return skb.pkt_type & 7
    if n == SKF_AD_IFINDEX or n == SKF_AD_HATYPE:
        dev = skb.dev
        if dev is None:
            return None
        return dev.ifindex & M32 if n == SKF_AD_IFINDEX else dev.type & 0xFFFF
    if n == SKF_AD_MARK:
        return skb.mark & M32
    if n == SKF_AD_VLAN_TAG:
        return skb.vlan_tci & 0xFFFF if skb.vlan_tci >= 0 else 0
    if n == SKF_AD_VLAN_TAG_PRESENT:
        return 1 if skb.vlan_tci >= 0 else 0
    if n == SKF_AD_VLAN_TPID:
        return skb.vlan_proto & 0xFFFF if skb.vlan_tci >= 0 else 0
    if n == SKF_AD_ALU_XOR_X:
        return A ^ X
    if n == SKF_AD_RANDOM:
        return random.getrandbits(32)
    if n == SKF_AD_NLATTR or n == SKF_AD_NLATTR_NEST:
        plen = skb.tail - skb.data
        if plen < NLA_HDRLEN or A > plen - NLA_HDRLEN:
            return 0
        d = skb.data
        if n == SKF_AD_NLATTR:
            at = _nla_find(skb.buf, d + A, skb.tail, X)
        else:
            nest = d + A
            nla_len = skb.buf[nest + NLA_LEN] | skb.buf[nest + NLA_LEN + 1] << 8
            if nla_len > plen - A:
                return 0
            at = _nla_find(skb.buf, nest + NLA_HDRLEN, nest + max(nla_len, NLA_HDRLEN), X)
        return 0 if at is None else at - d
    # DIVERGENCE(#2): SKF_AD_QUEUE and SKF_AD_RXHASH read 0 (no queue mapping or flow hash is
    # modelled), SKF_AD_CPU reads 0 (one CPU), SKF_AD_PAY_OFFSET reads 0 (no flow dissector).
    return 0


def _run_classic(prog, skb) -> int:
    """What bpf_prog_run runs (___bpf_prog_run, kernel/bpf/core.c) for a classic program (the
    semantics of its eBPF translation): 32-bit A and X, 16 scratch cells, unsigned jumps; a packet
    load outside the frame or a division by X = 0 ends the program with 0. Returns the u32
    verdict: 0 drops, otherwise the bytes to keep."""
    A = X = 0
    mem = [0] * BPF_MEMWORDS
    data = skb.data
    plen = skb.tail - data
    pc = 0
    try:
        while True:
            code, jt, jf, k = prog[pc]
            pc += 1
            cls = code & 7
            if cls == BPF_LD:
                mode = code & 0xE0
                if mode == BPF_ABS:
                    if k >= SKF_AD_BASE:
                        v = _ancillary(k - SKF_AD_BASE, skb, A, X)
                    else:
                        v = _load(skb, k if k < 0x80000000 else k - (1 << 32),
                                  _SIZE_BYTES[code & 0x18])
                    if v is None:
                        return 0
                    A = v
                elif mode == BPF_IND:
                    v = _load(skb, _s32(X + k), _SIZE_BYTES[code & 0x18])
                    if v is None:
                        return 0
                    A = v
                elif mode == BPF_IMM:
                    A = k
                elif mode == BPF_MEM:
                    A = mem[k]
                elif mode == BPF_LEN:
                    A = plen
                else:
                    return 0
            elif cls == BPF_JMP:
                op = code & 0xF0
                if op == BPF_JA:
                    pc += k
                    continue
                v = X if code & BPF_X else k
                if op == BPF_JEQ:
                    c = A == v
                elif op == BPF_JGT:
                    c = A > v
                elif op == BPF_JGE:
                    c = A >= v
                elif op == BPF_JSET:
                    c = A & v
                else:
                    return 0
                pc += jt if c else jf
            elif cls == BPF_ALU:
                op = code & 0xF0
                v = X if code & BPF_X else k
                if op == BPF_ADD:
                    A = (A + v) & M32
                elif op == BPF_SUB:
                    A = (A - v) & M32
                elif op == BPF_MUL:
                    A = (A * v) & M32
                elif op == BPF_DIV:
                    if not v:
                        return 0
                    A //= v
                elif op == BPF_MOD:
                    if not v:
                        return 0
                    A %= v
                elif op == BPF_AND:
                    A &= v
                elif op == BPF_OR:
                    A |= v
                elif op == BPF_XOR:
                    A ^= v
                elif op == BPF_LSH:
                    A = (A << (v & 31)) & M32
                elif op == BPF_RSH:
                    A >>= v & 31
                elif op == BPF_NEG:
                    A = -A & M32
                else:
                    return 0
            elif cls == BPF_RET:
                return A if code & 0x18 == BPF_A else k
            elif cls == BPF_LDX:
                mode = code & 0xE0
                if mode == BPF_IMM:
                    X = k
                elif mode == BPF_MEM:
                    X = mem[k]
                elif mode == BPF_LEN:
                    X = plen
                elif mode == BPF_MSH:
                    v = _load(skb, _s32(k), 1)
                    if v is None:
                        return 0
                    X = (v & 0xF) << 2
                else:
                    return 0
            elif cls == BPF_ST:
                mem[k] = A
            elif cls == BPF_STX:
                mem[k] = X
            else:                                    # BPF_MISC
                if code & 0xF8 == BPF_TXA:
                    A = X
                else:
                    X = A
    except (IndexError, KeyError):
        return 0                                     # only reachable by unchecked programs


# ---------------------------------------------------------------- attach / detach / get

class SkFilter:
    """struct sk_filter with its bpf_prog: the decoded program, the user's original bytes (for
    SO_GET_FILTER) and the size charged to sk_omem_alloc."""
    __slots__ = ("prog", "orig", "size")

    def __init__(self, prog: tuple, orig: bytes, size: int):
        self.prog = prog
        self.orig = orig
        self.size = size


def __get_filter(flen: int, ufilter: int, copy_from_user):
    """__get_filter / bpf_prog_create_from_user's common part: a NULL program, no instructions or
    more than 4096 is EINVAL; an unreadable one EFAULT; then bpf_check_classic and the translation
    (EINVAL). Returns (program, its raw bytes, translated length) or -errno."""
    if not ufilter or flen == 0 or flen > BPF_MAXINSNS:
        return -E.EINVAL
    raw = copy_from_user(ufilter, flen * SOCK_FILTER_SIZE)
    if isinstance(raw, int):
        return raw
    prog = tuple(SOCK_FILTER.iter_unpack(raw))
    err = bpf_check_classic(prog)
    if err:
        return err
    new_len = bpf_convert_filter(prog)
    if new_len < 0:
        return new_len
    return prog, raw, new_len


def sk_attach_filter(sk, flen: int, ufilter: int, copy_from_user) -> int:
    """sk_attach_filter / __get_filter: a locked filter is EPERM; a NULL program, no instructions
    or more than 4096 is EINVAL; an unreadable program EFAULT; then bpf_check_classic and the
    translation (EINVAL); the translated size must fit under optmem_max together with what the
    socket holds (ENOMEM). The new filter replaces the old one, whose charge is returned."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    got = __get_filter(flen, ufilter, copy_from_user)
    if isinstance(got, int):
        return got
    prog, raw, new_len = got
    core = sk.sk_net.core
    size = bpf_prog_size(core.profile.name, new_len)
    optmem_max = core.sysctl["net.core.optmem_max"]
    if size > optmem_max or sk.sk_omem_alloc + size >= optmem_max:
        return -E.ENOMEM
    sk.sk_omem_alloc += size
    old = sk.sk_filter
    sk.sk_filter = SkFilter(prog, raw, size)
    if old is not None:
        sk.sk_omem_alloc -= old.size
    return 0


def sk_detach_filter(sk) -> int:
    """sk_detach_filter: EPERM while locked, ENOENT without a filter; returns the charge."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    old = sk.sk_filter
    if old is None:
        return -E.ENOENT
    sk.sk_filter = None
    sk.sk_omem_alloc -= old.size
    return 0


def sk_get_filter(sk, len: int):
    """sk_get_filter: `len` counts instructions. No filter: 0. len 0: only the count. len below
    the count: EINVAL. Else the original instructions. Returns (count, bytes) or -errno."""
    f = sk.sk_filter
    if f is None:
        return 0, b""
    count = f.orig.__len__() // SOCK_FILTER_SIZE
    if not len:
        return count, b""
    if len < count:
        return -E.EINVAL
    return count, f.orig


def sk_filter_trim_cap(sk, skb, cap: int) -> int:
    """sk_filter_trim_cap: verdict 0 drops (-EPERM); a smaller verdict trims the frame, never
    below `cap` bytes."""
    f = sk.sk_filter
    if f is None:
        return 0
    res = bpf_prog_run(f.prog, skb)
    if not res:
        return -E.EPERM
    pskb_trim(skb, res if res > cap else cap)
    return 0


def bpf_prog_create_from_user(flen: int, ufilter: int, copy_from_user):
    """bpf_prog_create_from_user: a classic program for a kernel user other than a socket filter
    (packet fanout): NULL, empty or longer than 4096 is EINVAL, unreadable EFAULT, then the
    classic checks (EINVAL). Nothing is charged to a socket. Returns the decoded program or -errno."""
    got = __get_filter(flen, ufilter, copy_from_user)
    return got if isinstance(got, int) else got[0]



def sk_attach_bpf(sk, ufd: int) -> int:
    """sk_attach_bpf / __get_bpf: a locked filter is EPERM, then the program's descriptor."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    return bpf_prog_get_type(ufd, BPF_PROG_TYPE_SOCKET_FILTER)


def sk_reuseport_attach_bpf(sk, ufd: int) -> int:
    """sk_reuseport_attach_bpf: EPERM while locked; the descriptor must be a socket-filter or
    SK_REUSEPORT program."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    return bpf_prog_get_type(ufd, BPF_PROG_TYPE_SOCKET_FILTER)


def sk_reuseport_attach_filter(sk, flen: int, ufilter: int, copy_from_user) -> int:
    """sk_reuseport_attach_filter: the classic program is checked as for SO_ATTACH_FILTER (EPERM
    while locked, EINVAL/EFAULT), must fit under optmem_max (ENOMEM), then goes to the socket's
    reuseport group (reuseport_attach_prog); nothing is charged to the socket."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    got = __get_filter(flen, ufilter, copy_from_user)
    if isinstance(got, int):
        return got
    core = sk.sk_net.core
    if bpf_prog_size(core.profile.name, got[2]) > core.sysctl["net.core.optmem_max"]:
        return -E.ENOMEM
    return reuseport_attach_prog(sk, got[0])

