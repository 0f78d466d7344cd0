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
MODEL_HELPERS = ("get_user_arg", "put_user_arg", "user_buffer", "user_bytes",
                 "copy_to_user_buffer")

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
        """Read through process_vm_readv on this process, which honours page protection
        (a PROT_NONE or unmapped page faults), unlike /proc/self/mem (FOLL_FORCE)."""
        data = _read_self(addr, n)
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
for _f in (_libc.process_vm_writev, _libc.process_vm_readv):
    _f.argtypes = [ctypes.c_int, ctypes.POINTER(_Iovec), ctypes.c_ulong,
                   ctypes.POINTER(_Iovec), ctypes.c_ulong, ctypes.c_ulong]
    _f.restype = ctypes.c_ssize_t


def _read_self(addr: int, n: int) -> bytes:
    """The bytes at [addr, addr + n) of this process up to the first one that cannot be read
    (process_vm_readv stops at the faulting page)."""
    if n <= 0:
        return b""
    if addr <= 0 or addr + n > _USER_MAX:
        return b""
    buf = ctypes.create_string_buffer(n)
    local = _Iovec(ctypes.addressof(buf), n)
    remote = _Iovec(addr, n)
    got = _libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    return buf.raw[:max(got, 0)]


class _PyBuffer(ctypes.Structure):
    """Py_buffer (Include/cpython/object.h), to learn where a buffer object's bytes are."""
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int), ("format", ctypes.c_char_p),
                ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_ReleaseBuffer = ctypes.pythonapi.PyBuffer_Release
_ReleaseBuffer.argtypes = [ctypes.POINTER(_PyBuffer)]
PyBUF_SIMPLE = 0


class PartialUserBuffer(bytes):
    """A caller's buffer of which only the first `readable` bytes can be read (the rest lies
    in a PROT_NONE or unmapped page): its value is those bytes, zero-filled to the buffer's
    length; a copy_from_user reaching past `readable` faults (copy_from_iter, user_bytes).
    Slices keep the fault where it is."""

    def __new__(cls, prefix: bytes, n: int):
        self = super().__new__(cls, prefix.ljust(n, b"\0"))
        self.readable = len(prefix)
        return self

    def __getitem__(self, i):
        if type(i) is not slice:
            return super().__getitem__(i)
        start, stop, step = i.indices(len(self))
        if step != 1:
            return super().__getitem__(i)
        stop = max(stop, start)
        return PartialUserBuffer(bytes(super().__getitem__(slice(start, min(stop, max(
            self.readable, start))))), stop - start)


def user_buffer(buf):
    """What copy_from_user will find in a caller's buffer object, as bytes: bytes and bytearray
    as they are (always readable); any other buffer (a memoryview, an mmap) read where it lies in this
    process, page protection honoured — a buffer reaching into an unreadable page becomes a
    PartialUserBuffer whose copy faults."""
    if type(buf) is bytes or type(buf) is PartialUserBuffer:
        return buf
    if type(buf) is bytearray:
        return bytes(buf)
    view = _PyBuffer()
    _GetBuffer(buf, ctypes.byref(view), PyBUF_SIMPLE)
    try:
        addr, n = view.buf or 0, view.len
        data = _read_self(addr, n)
    finally:
        _ReleaseBuffer(ctypes.byref(view))
    return data if len(data) == n else PartialUserBuffer(data, n)


PyBUF_WRITABLE = 1


def copy_to_user_buffer(buf, data: bytes) -> int:
    """copy_to_user into a caller's writable buffer object (what a recv_into hands the
    kernel): a bytearray's memory is always writable; any other buffer is written where it
    lies with page protection honoured — 0, or -EFAULT with the bytes before the fault
    written."""
    if not data:
        return 0
    obj = buf.obj if type(buf) is memoryview else buf
    if type(obj) is bytearray:
        buf[:len(data)] = data
        return 0
    view = _PyBuffer()
    _GetBuffer(buf, ctypes.byref(view), PyBUF_WRITABLE)
    try:
        return SELF.copy_to_user(view.buf or 0, data)
    finally:
        _ReleaseBuffer(ctypes.byref(view))


def user_bytes(buf, n: int, off: int = 0) -> bytes | int:
    """copy_from_user of `n` bytes at `off` of a buffer made by user_buffer: -EFAULT when they
    reach an unreadable byte."""
    if type(buf) is PartialUserBuffer and off + n > buf.readable:
        return -E.EFAULT
    return bytes(buf[off:off + n])

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
