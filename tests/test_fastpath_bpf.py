"""The fast path's compiled socket filters (netkernel/fastpath.py compile_filter) give exactly
what the interpreter (net/core/filter.py) gives, or say UNSURE where only the interpreter can
tell: random valid classic programs over random frames, and tcpdump's own programs."""
import struct

from hypothesis import given, settings, strategies as st

from netkernel.net.core import filter as F
from netkernel.net.core.skbuff import SkBuff
from netkernel.fastpath import UNSURE, compile_filter

CODES = sorted(F.ALLOWED_CODES)
SMALL_K = st.one_of(st.integers(0, 80), st.sampled_from([0x0800, 0x86dd, 0x11, 0x1fff, 0xffffffff,
                                                         0x80000000, F.SKF_AD_BASE]),
                    st.integers(0, 0xffffffff))


def interpret(prog, frame: bytes, off: int) -> int:
    skb = SkBuff(bytearray(frame), 0)
    skb.mac_header = 0
    skb.network_header = min(14, len(frame))
    skb.data = off
    skb.tail = len(frame)
    return F._run_classic(prog, skb)


@st.composite
def programs(draw):
    n = draw(st.integers(1, 24))
    prog = []
    for pc in range(n - 1):
        code = draw(st.sampled_from(CODES))
        left = n - pc - 2
        jt = draw(st.integers(0, max(0, min(left, 255))))
        jf = draw(st.integers(0, max(0, min(left, 255))))
        k = draw(SMALL_K)
        if code in (F.BPF_LD | F.BPF_MEM, F.BPF_LDX | F.BPF_MEM, F.BPF_ST, F.BPF_STX):
            k %= 16
        elif code == F.BPF_JMP | F.BPF_JA:
            k = draw(st.integers(0, left))
        prog.append((code, jt, jf, k))
    prog.append(draw(st.sampled_from([(F.BPF_RET | F.BPF_K, 0, 0, 0xffff),
                                      (F.BPF_RET | F.BPF_K, 0, 0, 0), (F.BPF_RET | F.BPF_A, 0, 0, 0)])))
    return tuple(prog)


@settings(max_examples=400, deadline=None)
@given(programs(), st.lists(st.binary(min_size=15, max_size=90), min_size=1, max_size=4),
       st.sampled_from([0, 14]))
def test_compiled_filter_equals_interpreter(prog, frames, off):
    if F.bpf_check_classic(prog):
        return                                  # the kernel would refuse to attach it
    compiled = compile_filter(prog, off)
    if compiled is None:
        return                                  # too large to compile: interpreted
    f, simple = compiled
    for frame in frames:
        got = f(frame, len(frame) - off)
        if got != UNSURE:
            assert got == interpret(prog, frame, off)
        if simple:                              # its verdict is all or nothing, always sure
            assert got == 0 or got >= 0xFFFF


# `tcpdump -dd 'udp dst port 9'` and `tcpdump -dd 'ether proto 0x88b5 or arp'`
UDP_DST_9 = ((0x28, 0, 0, 0xc), (0x15, 0, 4, 0x86dd), (0x30, 0, 0, 0x14), (0x15, 0, 11, 0x11),
             (0x28, 0, 0, 0x38), (0x15, 8, 9, 0x9), (0x15, 0, 8, 0x800), (0x30, 0, 0, 0x17),
             (0x15, 0, 6, 0x11), (0x28, 0, 0, 0x14), (0x45, 4, 0, 0x1fff), (0xb1, 0, 0, 0xe),
             (0x48, 0, 0, 0x10), (0x15, 0, 1, 0x9), (0x6, 0, 0, 0x40000), (0x6, 0, 0, 0x0))
ETHER_OR_ARP = ((0x28, 0, 0, 0xc), (0x15, 1, 0, 0x88b5), (0x15, 0, 1, 0x806),
                (0x6, 0, 0, 0x40000), (0x6, 0, 0, 0x0))


def _udp(dport, frag=0, size=64):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, 1, frag, 64, 17, 0, bytes(4), bytes(4))
    return bytes(12) + b"\x08\x00" + ip + struct.pack("!HHHH", 1, dport, size - 34, 0) + bytes(size - 42)


def test_tcpdump_programs():
    frames = [_udp(9), _udp(10), _udp(9, frag=5), _udp(9)[:36], bytes(12) + b"\x88\xb5" + bytes(4),
              bytes(12) + b"\x08\x06" + bytes(30)]
    for prog in (UDP_DST_9, ETHER_OR_ARP):
        assert not F.bpf_check_classic(prog)
        f, simple = compile_filter(prog, 0)
        assert simple
        got = [f(fr, len(fr)) for fr in frames]
        assert got == [interpret(prog, fr, 0) for fr in frames]
    assert [compile_filter(UDP_DST_9, 0)[0](fr, len(fr)) for fr in frames[:3]] == [0x40000, 0, 0]


def test_ancillary_loads_are_left_to_the_interpreter():
    prog = ((F.BPF_LD | F.BPF_W | F.BPF_ABS, 0, 0, F.SKF_AD_BASE + F.SKF_AD_PKTTYPE),
            (F.BPF_RET | F.BPF_A, 0, 0, 0))
    f, simple = compile_filter(prog, 0)
    assert f(bytes(60), 60) == UNSURE and not simple
