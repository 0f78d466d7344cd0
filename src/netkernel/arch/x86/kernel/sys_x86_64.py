"""x86_64's mmap(2) entry (arch/x86/kernel/sys_x86_64.c)."""
from __future__ import annotations

LINUX_SOURCE = "arch/x86/kernel/sys_x86_64.c"

from netkernel.mm.mmap import MAP_SHARED, PAGE_SHIFT, PROT_READ, PROT_WRITE, ksys_mmap_pgoff
from netkernel.net.core.skbuff import PAGE_SIZE
from netkernel.uapi import errno as E


def sys_mmap(task, fd: int, length: int, prot: int = PROT_READ | PROT_WRITE,
             flags: int = MAP_SHARED, offset: int = 0):
    """mmap(2): the byte offset must be page aligned (EINVAL), then ksys_mmap_pgoff. Returns the
    mapping or a negative errno."""
    if offset & (PAGE_SIZE - 1):
        return -E.EINVAL
    return ksys_mmap_pgoff(task, length, prot, flags, fd, offset >> PAGE_SHIFT)
