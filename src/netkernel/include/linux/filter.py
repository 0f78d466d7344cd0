"""Socket-filter helpers Linux 5.15 defines inline in include/linux/filter.h (checking, charging
and running programs: net/core/filter.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/filter.h"

# offsetof(struct bpf_prog, insns) = sizeof(struct bpf_prog) in 5.15, per machine profile: the
# charged size is this header plus 8 bytes per translated (eBPF) instruction.
SIZEOF_BPF_PROG = {"x86_64": 72, "armv7": 48}


def bpf_prog_size(profile_name: str, new_len: int) -> int:
    """bpf_prog_size: the struct bpf_prog header plus 8 bytes per eBPF instruction."""
    hdr = SIZEOF_BPF_PROG.get(profile_name, 72)
    return max(hdr, hdr + new_len * 8)


def bpf_prog_run(prog, skb) -> int:
    """bpf_prog_run: run a program over the frame; returns its u32 verdict."""
    return _filter._run_classic(prog, skb)


def sk_filter(sk, skb) -> int:
    """sk_filter: sk_filter_trim_cap, keeping at least one byte."""
    return _filter.sk_filter_trim_cap(sk, skb, 1)


# filter.c re-exports these inlines and they run its interpreter: bound last, as a module, so
# either side may be imported first.
from netkernel.net.core import filter as _filter  # noqa: E402
