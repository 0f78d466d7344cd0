"""eBPF program descriptors (kernel/bpf/syscall.c), in a model that has no eBPF programs."""
from __future__ import annotations

LINUX_SOURCE = "kernel/bpf/syscall.c"

from netkernel.uapi import errno as E


def bpf_prog_get_type(ufd: int, type: int = 0):
    """bpf_prog_get_type / __bpf_prog_get: a descriptor the calling task does not have is EBADF
    (fdget); an open one is never a BPF program here (its f_op is not bpf_prog_fops): EINVAL."""
    task = getattr(_sched._tls, "task", None)
    if task is None or ufd not in task.files:
        return -E.EBADF
    return -E.EINVAL


from netkernel.kernel import sched as _sched  # noqa: E402
