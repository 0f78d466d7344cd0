"""copy_from_user (include/linux/uaccess.h): read a user pointer safely.

A user pointer inside a syscall argument (the `filter` field of struct sock_fprog) is an address in
this Python process, where the caller built the data with ctypes, exactly as for a real socket. It
is read through /proc/self/mem, so an unmapped or bad address gives -EFAULT instead of a crash.
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/uaccess.h"

import os

from netkernel.uapi import errno as E

_USER_MAX = 1 << 63   # pread's offset is a signed off_t


def copy_from_user(addr: int, n: int) -> bytes | int:
    """copy_from_user: `n` bytes at user address `addr`, or -EFAULT when any of them is not
    readable (an unmapped page, an address beyond the user range, a range that wraps)."""
    if n <= 0:
        return b""
    if addr < 0 or addr + n > _USER_MAX:
        return -E.EFAULT
    try:
        fd = os.open("/proc/self/mem", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -E.EFAULT
    try:
        data = os.pread(fd, n, addr)
    except (OSError, OverflowError, ValueError):
        return -E.EFAULT
    finally:
        os.close(fd)
    if len(data) != n:
        return -E.EFAULT
    return data
