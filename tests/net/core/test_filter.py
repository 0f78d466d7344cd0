"""Classic BPF (net/core/filter.py): validator, translated size, interpreter, attach/detach/get,
and filtering on packet sockets through the public API. Spec §6 rules 17–22, §4.2 rule 9."""
import ast
import ctypes
import pathlib
import socket
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netkernel
from netkernel.net.core import filter as F
from netkernel.net.core.skbuff import SkBuff
from netkernel.uapi import errno as E
from netkernel.uapi.filter import (BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV,
                                   BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JMP,
                                   BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM,
                                   BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET, BPF_RSH, BPF_ST,
                                   BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, SKF_AD_OFF,
                                   SKF_AD_IFINDEX, SKF_AD_PKTTYPE, SKF_AD_PROTOCOL,
                                   SKF_AD_VLAN_TAG, SKF_AD_VLAN_TAG_PRESENT, SKF_NET_OFF,
                                   BPF_JUMP, BPF_STMT, sock_filter_pack, sock_fprog_pack)
from netkernel.uapi.socket import SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER, SOL_SOCKET

RET_K = BPF_RET | BPF_K
RET_A = BPF_RET | BPF_A
AD = SKF_AD_OFF & 0xFFFFFFFF


def S(code, k=0):
    return BPF_STMT(code, k)


def J(code, k, jt, jf):
    return BPF_JUMP(code, k, jt, jf)


# ---------------------------------------------------------------- validator

@pytest.mark.parametrize("prog, err", [
    ([S(RET_K, 0)], 0),
    ([S(RET_A)], 0),
    ([], -E.EINVAL),
    ([S(0xFFFF), S(RET_K)], -E.EINVAL),                              # a: unknown opcode
    ([S(BPF_LDX | BPF_W | BPF_ABS, 0), S(RET_K)], -E.EINVAL),         # a: seccomp-only load
    ([S(BPF_ALU | BPF_DIV | BPF_K, 0), S(RET_A)], -E.EINVAL),         # b
    ([S(BPF_ALU | BPF_MOD | BPF_K, 0), S(RET_A)], -E.EINVAL),         # b
    ([S(BPF_ALU | BPF_DIV | BPF_X), S(RET_A)], 0),                    # b: X is checked at run time
    ([S(BPF_ALU | BPF_LSH | BPF_K, 32), S(RET_A)], -E.EINVAL),        # c
    ([S(BPF_ALU | BPF_RSH | BPF_K, 31), S(RET_A)], 0),
    ([S(BPF_ST, 16), S(RET_A)], -E.EINVAL),                           # d
    ([S(BPF_STX, 15), S(BPF_LDX | BPF_MEM, 15), S(RET_A)], 0),
    ([S(BPF_JMP | BPF_JA, 1), S(RET_A)], -E.EINVAL),                  # e
    ([J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), S(RET_A)], -E.EINVAL),   # f
    ([J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), S(RET_A)], -E.EINVAL),   # f
    ([S(BPF_LD | BPF_W | BPF_ABS, AD + 64), S(RET_A)], -E.EINVAL),    # g
    ([S(BPF_LD | BPF_B | BPF_ABS, AD + SKF_AD_PKTTYPE), S(RET_A)], 0),
    ([S(BPF_LD | BPF_W | BPF_IND, AD + 64), S(RET_A)], 0),            # g: only LD ABS is checked
    ([S(RET_K), S(BPF_LD | BPF_IMM, 0)], -E.EINVAL),                  # h
    ([S(BPF_LD | BPF_MEM, 0), S(RET_A)], -E.EINVAL),                  # i
    ([J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), S(BPF_ST, 1), S(BPF_LD | BPF_MEM, 1), S(RET_A)],
     -E.EINVAL),                                                      # i: one path skips the store
    ([S(BPF_ST, 1), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), S(BPF_LD | BPF_IMM, 1),
      S(BPF_LD | BPF_MEM, 1), S(RET_A)], 0),
    ([S(BPF_ST, 4), S(RET_K), S(BPF_LD | BPF_MEM, 4), S(RET_A)], 0),  # i: fall-through after RET
])
def test_bpf_check_classic_rules(prog, err):
    assert F.bpf_check_classic(tuple(prog)) == err


insn = st.tuples(st.integers(0, 0xFFFF), st.integers(0, 255), st.integers(0, 255),
                 st.integers(0, 0xFFFFFFFF))
# programs drawn mostly from real opcodes, so some of them pass validation
real_code = st.sampled_from(sorted(F.ALLOWED_CODES))
real_insn = st.tuples(real_code, st.integers(0, 3), st.integers(0, 3),
                      st.one_of(st.integers(0, 20), st.integers(0, 0xFFFFFFFF),
                                st.sampled_from([AD + 4 * i for i in range(18)])))
programs = st.lists(st.one_of(insn, real_insn), min_size=1, max_size=30).map(tuple)


def _skb(frame: bytes, head: int = 16) -> SkBuff:
    skb = SkBuff(bytearray(head) + bytearray(frame), 0)
    skb.data = head
    skb.tail = head + len(frame)
    skb.mac_header = head
    skb.network_header = head + 14
    skb.protocol = 0x88B5
    return skb


@settings(max_examples=400, deadline=None)
@given(programs)
def test_validator_returns_0_or_einval_and_never_raises(prog):
    r = F.bpf_check_classic(prog)
    assert r in (0, -E.EINVAL)
    if r == 0:
        n = F.bpf_convert_filter(prog)
        assert n == -E.EINVAL or n >= 3 + len(prog)


@settings(max_examples=400, deadline=None)
@given(programs, st.binary(max_size=80))
def test_interpreter_never_raises_and_returns_u32(prog, frame):
    r = F.bpf_prog_run(prog, _skb(frame))
    assert 0 <= r <= 0xFFFFFFFF


# ---------------------------------------------------------------- translated size

def test_convert_len_matches_measured_translation():
    """Lengths measured through optmem thresholds on a real kernel (see the differential suite)."""
    ldimm = tuple([S(BPF_LD | BPF_IMM, 1)] * 10 + [S(RET_K)])
    assert F.bpf_convert_filter(ldimm) == 3 + 10 + 2
    ldh = tuple([S(BPF_LD | BPF_H | BPF_ABS, 12)] * 10 + [S(RET_A)])
    assert F.bpf_convert_filter(ldh) == 3 + 4 + 14 * 10 + 1
    msh = tuple([S(BPF_LDX | BPF_B | BPF_MSH, 14)] * 2 + [S(RET_A)])
    assert F.bpf_convert_filter(msh) == 3 + 4 + 19 * 2 + 1
    divx = tuple([S(BPF_ALU | BPF_DIV | BPF_X)] * 3 + [S(RET_A)])
    assert F.bpf_convert_filter(divx) == 3 + 15 + 1
    jset = tuple([J(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), S(RET_K), S(RET_K)])
    assert F.bpf_convert_filter(jset) == 3 + 2 + 4


def test_convert_refuses_forward_jump_beyond_s16():
    far = tuple([S(BPF_LD | BPF_H | BPF_ABS, 12)] * 2400 + [J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
                                                           S(RET_K, 1), S(RET_A)])
    assert F.bpf_convert_filter(far) == -E.EINVAL
    assert F.bpf_convert_filter(far[-2300 - 3:]) > 0


def test_bpf_prog_size_x86_64_header_is_72():
    assert F.bpf_prog_size("x86_64", 10) == 72 + 80


# ---------------------------------------------------------------- interpreter

FRAME = bytes.fromhex("02000000000b" "02000000000a" "88b5") + bytes(range(2, 48))


@pytest.mark.parametrize("prog, want", [
    ([S(RET_K, 0)], 0),
    ([S(RET_K, 0xFFFFFFFF)], 0xFFFFFFFF),
    ([S(BPF_LD | BPF_W | BPF_LEN), S(RET_A)], len(FRAME)),
    ([S(BPF_LD | BPF_H | BPF_ABS, 12), S(RET_A)], 0x88B5),
    ([S(BPF_LD | BPF_W | BPF_ABS, 8), S(RET_A)], 0x0000000A),
    ([S(BPF_LD | BPF_B | BPF_ABS, len(FRAME)), S(RET_K, 9)], 0),          # out of bounds
    ([S(BPF_LDX | BPF_IMM, 2), S(BPF_LD | BPF_B | BPF_IND, 12), S(RET_A)], 2),
    ([S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_MISC | BPF_TXA), S(RET_A)], 8),
    ([S(BPF_LD | BPF_IMM, 7), S(BPF_ALU | BPF_DIV | BPF_X), S(RET_K, 9)], 0),
    ([S(BPF_LD | BPF_IMM, 7), S(BPF_ALU | BPF_MOD | BPF_X), S(RET_K, 9)], 0),
    ([S(BPF_LD | BPF_IMM, 100), S(BPF_ALU | BPF_MOD | BPF_K, 7), S(RET_A)], 2),
    ([S(BPF_LD | BPF_IMM, 1), S(BPF_ALU | BPF_SUB | BPF_K, 2), S(RET_A)], 0xFFFFFFFF),
    ([S(BPF_LD | BPF_IMM, 5), S(BPF_ALU | BPF_NEG), S(RET_A)], 0xFFFFFFFB),
    ([S(BPF_LD | BPF_IMM, 5), S(BPF_LDX | BPF_IMM, 33), S(BPF_ALU | BPF_LSH | BPF_X), S(RET_A)], 10),
    ([S(BPF_LD | BPF_IMM, 3), S(BPF_ST, 2), S(BPF_LD | BPF_IMM, 0), S(BPF_LD | BPF_MEM, 2),
      S(RET_A)], 3),
    ([S(BPF_LD | BPF_IMM, 0x80000000), J(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 1), S(RET_K, 1),
      S(RET_K, 2)], 1),
    ([S(BPF_LD | BPF_IMM, 6), J(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), S(RET_K, 1), S(RET_K, 2)], 2),
    ([S(BPF_LD | BPF_H | BPF_ABS, AD + SKF_AD_PROTOCOL), S(RET_A)], 0x88B5),
    ([S(BPF_LD | BPF_B | BPF_ABS, AD + SKF_AD_VLAN_TAG_PRESENT), S(RET_A)], 0),
    ([S(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF & 0xFFFFFFFF), S(RET_A)], 2),
    ([S(BPF_LD | BPF_W | BPF_ABS, AD + SKF_AD_IFINDEX), S(RET_K, 1)], 0),   # no device: 0
])
def test_interpreter(prog, want):
    assert F.bpf_prog_run(tuple(prog), _skb(FRAME)) == want


def test_vlan_ancillary_loads():
    skb = _skb(FRAME)
    skb.vlan_tci = 0x2005
    skb.vlan_proto = 0x8100
    run = lambda n: F.bpf_prog_run(((BPF_LD | BPF_W | BPF_ABS, 0, 0, AD + n), (RET_A, 0, 0, 0)), skb)  # noqa: E731
    assert (run(SKF_AD_VLAN_TAG), run(SKF_AD_VLAN_TAG_PRESENT), run(60)) == (0x2005, 1, 0x8100)


# ---------------------------------------------------------------- attach / detach / get via syscalls

class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


def _fprog(insns):
    arr = (SockFilter * len(insns))(*[SockFilter(*i) for i in insns])
    return SockFprog(len(insns), arr), arr


@pytest.fixture
def k():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    return k


def _errno(fn, *a):
    with pytest.raises(OSError) as e:
        fn(*a)
    return e.value.errno


def test_socket_setsockopt_takes_a_ctypes_fprog_and_filters(k):
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    rx.bind(("veth1", 0x88B5))
    fp, arr = _fprog([S(BPF_LD | BPF_H | BPF_ABS, 12), J(BPF_JMP | BPF_JEQ | BPF_K, 0x88B5, 0, 1),
                      S(RET_K, 20), S(RET_K, 0)])
    rx.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, fp)
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.sendto(FRAME, ("veth0", 0))
    rx.setblocking(False)
    assert rx.recv(2000) == FRAME[:20]
    assert rx.getsockopt(SOL_SOCKET, SO_LOCK_FILTER) == 0
    raw = k.sys_getsockopt(rx.fileno(), SOL_SOCKET, SO_ATTACH_FILTER, 4)
    assert raw == (4, bytes(arr))
    assert k.sys_getsockopt(rx.fileno(), SOL_SOCKET, SO_ATTACH_FILTER, 0) == (4, b"")
    assert _errno(k.sys_getsockopt, rx.fileno(), SOL_SOCKET, SO_ATTACH_FILTER, 3) == E.EINVAL
    # CPython's getsockopt cuts its buffer to the written *optlen (an instruction count)
    assert rx.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER, 64) == bytes(arr)[:4]


def test_rejected_attach_changes_nothing(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    fp, arr = _fprog([S(RET_K, 7)])
    s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, fp)
    sk = k.sys_getsockopt  # noqa: F841
    for bad in (sock_fprog_pack(1, 0), sock_fprog_pack(1, 1), sock_fprog_pack(0, 8),
                bytes(fp)[:8]):
        assert _errno(s.setsockopt, SOL_SOCKET, SO_ATTACH_FILTER, bad) in (E.EINVAL, E.EFAULT)
    assert k.sys_getsockopt(s.fileno(), SOL_SOCKET, SO_ATTACH_FILTER, 1) == (1, bytes(arr))


def test_detach_lock_rules(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    assert _errno(s.setsockopt, SOL_SOCKET, SO_DETACH_FILTER, 0) == E.ENOENT
    fp, arr = _fprog([S(RET_K, 7)])
    s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, fp)
    s.setsockopt(SOL_SOCKET, SO_LOCK_FILTER, 1)
    assert _errno(s.setsockopt, SOL_SOCKET, SO_LOCK_FILTER, 0) == E.EPERM
    assert _errno(s.setsockopt, SOL_SOCKET, SO_DETACH_FILTER, 0) == E.EPERM
    assert _errno(s.setsockopt, SOL_SOCKET, SO_ATTACH_FILTER, fp) == E.EPERM
    assert s.getsockopt(SOL_SOCKET, SO_LOCK_FILTER) == 1


def test_optmem_charge_and_release(k):
    k.sysctl("net.core.optmem_max", 20480)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    big, arr = _fprog([S(BPF_LD | BPF_IMM, 1)] * 1500 + [S(RET_K)])
    s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, big)
    assert _errno(s.setsockopt, SOL_SOCKET, SO_ATTACH_FILTER, big) == E.ENOMEM
    s.setsockopt(SOL_SOCKET, SO_DETACH_FILTER, 0)
    s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, big)      # the charge came back on detach
    too_big, arr2 = _fprog([S(BPF_LD | BPF_IMM, 1)] * 2546 + [S(RET_K)])
    s.setsockopt(SOL_SOCKET, SO_DETACH_FILTER, 0)
    assert _errno(s.setsockopt, SOL_SOCKET, SO_ATTACH_FILTER, too_big) == E.ENOMEM


def test_filter_module_imports_no_higher_layer():
    src = pathlib.Path(F.__file__).read_text()
    mods = [n.module for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom)]
    assert all(m.startswith(("netkernel.uapi", "netkernel.net.core.skbuff",
                             "netkernel.net.core.sock_reuseport", "netkernel.kernel.bpf",
                             "netkernel.include.linux.filter", "netkernel.include.linux.skbuff",
                             "__future__")) for m in mods)
