"""copy_from_user/copy_to_user (include/linux/uaccess.h): reach user memory safely.

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
# not kernel functions (see netkernel.trace): the in-process form of a syscall's user pointer
MODEL_HELPERS = ("get_user_arg", "put_user_arg")

import ctypes
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

    @staticmethod
    def copy_to_user(addr: int, data: bytes) -> int:
        """Write through process_vm_writev on this process, which honours page protection
        (read-only and PROT_NONE pages fault), unlike /proc/self/mem."""
        n = len(data)
        if addr + n > _USER_MAX:
            return -E.EFAULT
        buf = ctypes.create_string_buffer(bytes(data), n)
        local = _Iovec(ctypes.addressof(buf), n)
        remote = _Iovec(addr, n)
        if _libc.process_vm_writev(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote),
                                   1, 0) != n:
            return -E.EFAULT
        return 0


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.process_vm_writev.argtypes = [ctypes.c_int, ctypes.POINTER(_Iovec), ctypes.c_ulong,
                                    ctypes.POINTER(_Iovec), ctypes.c_ulong, ctypes.c_ulong]
_libc.process_vm_writev.restype = ctypes.c_ssize_t

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


def copy_to_user(addr: int, data: bytes) -> int:
    """copy_to_user: store `data` at user address `addr` of the calling task; 0, or -EFAULT when
    any byte is not writable. A memory without a writer (copy_to_user) is never written.
    DIVERGENCE(#10): a fault may leave the bytes before the faulting page written, as Linux
    does, but reports the whole copy failed."""
    if not data:
        return 0
    if addr <= 0:
        return -E.EFAULT
    write = getattr(current_mm(), "copy_to_user", None)
    if write is None:
        return -E.EFAULT
    return write(addr, data)


def get_user_arg(arg, n: int, off: int = 0):
    """copy_from_user from a syscall argument: a bytearray (the in-process API passes the user's
    buffer by value — exactly len(arg) bytes of user memory, nothing around them, so a copy past
    the end faults, as for a buffer that ends at an unmapped page), a user address (int), or
    None (NULL: EFAULT)."""
    if type(arg) is bytearray:
        if off < 0 or off + n > len(arg):
            return -E.EFAULT
        return bytes(arg[off:off + n])
    if not arg:
        return -E.EFAULT
    return copy_from_user(arg + off, n)


def put_user_arg(arg, data: bytes, off: int = 0) -> int:
    """copy_to_user into a syscall argument (see get_user_arg; a bytearray is written in
    place); 0 or -EFAULT."""
    if type(arg) is bytearray:
        if off < 0 or off + len(data) > len(arg):
            return -E.EFAULT
        arg[off:off + len(data)] = data
        return 0
    if not arg:
        return -E.EFAULT
    return copy_to_user(arg + off, data)
