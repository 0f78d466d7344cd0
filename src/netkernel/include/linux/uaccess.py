"""copy_from_user/copy_to_user (include/linux/uaccess.h): reach user memory safely.

A user pointer inside a syscall argument (the `filter` field of struct sock_fprog) is an address in
this Python process, where the caller built the data with ctypes, exactly as for a real socket. It
is read through /proc/self/mem, so an unmapped or bad address gives -EFAULT instead of a crash.
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/uaccess.h"
# not kernel functions (see netkernel.trace): the in-process form of a syscall's user pointer
MODEL_HELPERS = ("get_user_arg", "put_user_arg")

import ctypes
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


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.process_vm_writev.argtypes = [ctypes.c_int, ctypes.POINTER(_Iovec), ctypes.c_ulong,
                                    ctypes.POINTER(_Iovec), ctypes.c_ulong, ctypes.c_ulong]
_libc.process_vm_writev.restype = ctypes.c_ssize_t


def copy_to_user(addr: int, data: bytes) -> int:
    """copy_to_user: write `data` at user address `addr`; 0, or -EFAULT when any byte is not
    writable (unmapped, read-only or PROT_NONE: process_vm_writev honours page protection).
    DIVERGENCE(#10): a fault may leave the bytes before the faulting page written, as Linux
    does, but reports the whole copy failed."""
    n = len(data)
    if n == 0:
        return 0
    if addr <= 0 or addr + n > _USER_MAX:
        return -E.EFAULT
    buf = ctypes.create_string_buffer(bytes(data), n)
    local = _Iovec(ctypes.cast(buf, ctypes.c_void_p), n)
    remote = _Iovec(addr, n)
    if _libc.process_vm_writev(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) != n:
        return -E.EFAULT
    return 0


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
