"""copy_from_user (include/linux/uaccess.h): read a user pointer safely.

A user pointer inside a syscall argument (the `filter` field of struct sock_fprog) is an address in
the calling task's memory. An in-process caller built the data with ctypes in this Python process:
it is read through /proc/self/mem, so an unmapped or bad address gives -EFAULT instead of a crash.
A real process served through the syscall boundary (netkernel.platform) has its own address space:
the thread serving its call adopts it with `kthread_use_mm(mm)` (as a kernel thread borrows a user
mm in kernel/kthread.c), and copy_from_user reads there until `kthread_unuse_mm()`.
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/uaccess.h"
MODEL_PLUMBING = ("kthread_use_mm", "kthread_unuse_mm", "current_mm")

import os
import threading

from netkernel.uapi import errno as E

_USER_MAX = 1 << 63   # pread's offset is a signed off_t
_tls = threading.local()


class SelfMemory:
    """This process's memory (the in-process caller's)."""

    @staticmethod
    def copy_from_user(addr: int, n: int) -> bytes | int:
        if addr + n > _USER_MAX:
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


SELF = SelfMemory()


def kthread_use_mm(mm) -> None:
    """Make `mm` (an object with copy_from_user(addr, n) -> bytes | -errno) the user memory of
    the calling thread's syscalls."""
    _tls.mm = mm


def kthread_unuse_mm() -> None:
    _tls.mm = None


def current_mm():
    return getattr(_tls, "mm", None) or SELF


def copy_from_user(addr: int, n: int) -> bytes | int:
    """copy_from_user: `n` bytes at user address `addr` of the calling task, or -EFAULT when any
    of them is not readable (an unmapped page, an address beyond the user range, a range that
    wraps)."""
    if n <= 0:
        return b""
    if addr < 0:
        return -E.EFAULT
    return current_mm().copy_from_user(addr, n)
