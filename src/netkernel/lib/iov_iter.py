"""Importing user buffers as iov_iters (lib/iov_iter.c)."""
from __future__ import annotations

LINUX_SOURCE = "lib/iov_iter.c"

MAX_RW_COUNT = 0x7FFFF000   # INT_MAX & PAGE_MASK: the most one read/write moves
UIO_MAXIOV = 1024           # include/uapi/linux/uio.h: the most iovecs one call takes


def import_single_range(buf, len: int):
    """import_single_range: copy buf from user space to kernel iov (capped at MAX_RW_COUNT)."""
    if len > MAX_RW_COUNT:
        len = MAX_RW_COUNT
    return buf if len == buf.__len__() else buf[:len]
