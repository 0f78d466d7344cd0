"""A child's memory, read and written from the supervisor with process_vm_readv/writev
(mm/process_vm_access.c). An address the child cannot access is EFAULT, as copy_from_user gives
it in Linux; nothing here can crash the supervisor."""
from __future__ import annotations

import ctypes
import struct
import threading

from netkernel.uapi import errno as E

libc = ctypes.CDLL(None, use_errno=True)
for _fn in (libc.process_vm_readv, libc.process_vm_writev):
    _fn.restype = ctypes.c_ssize_t
    _fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p,
                    ctypes.c_ulong, ctypes.c_ulong]

PAGE_SIZE = 4096
IOV_BATCH = 512           # iovecs per process_vm_writev (the kernel takes up to UIO_MAXIOV)
USER_MAX = 1 << 47        # x86_64 user addresses end below 128 TiB (4-level paging)


class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _efault(what: str) -> OSError:
    return OSError(E.EFAULT, f"{what}: {E.strerror(E.EFAULT)}")


_readv = libc.process_vm_readv
_writev = libc.process_vm_writev
_string_at = ctypes.string_at
_memmove = ctypes.memmove
IOVEC = struct.Struct("=QQ")
IOV2 = struct.Struct("=QQQQ")          # one local and one remote iovec


class _Scratch(threading.local):
    """Per-thread buffers the calls reuse (the supervisor's loop and its parked workers run at
    once): the iovec arrays, and a data buffer that grows to the largest transfer seen."""

    def __init__(self):
        self.iov = ctypes.create_string_buffer(IOVEC.size * (IOV_BATCH + 1))
        self.iov_addr = ctypes.addressof(self.iov)
        self.size = 0
        self.grow(PAGE_SIZE)

    def grow(self, n: int) -> None:
        if n > self.size:
            self.size = max(n, 2 * self.size)
            self.data = ctypes.create_string_buffer(self.size)
            self.data_addr = ctypes.addressof(self.data)


_scratch = _Scratch()


class ProcessMemory:
    """The address space of task `pid` (a thread id works: threads share it). Each transfer is
    one process_vm_readv/writev through per-thread buffers: no allocation but the bytes
    returned."""
    __slots__ = ("pid",)

    def __init__(self, pid: int):
        self.pid = pid

    def read(self, addr: int, n: int) -> bytes:
        """`n` bytes at `addr`; OSError(EFAULT) if any of them is not readable."""
        if n <= 0:
            return b""
        if addr <= 0 or addr + n > USER_MAX:
            raise _efault("process_vm_readv")
        sc = _scratch
        if n > sc.size:
            sc.grow(n)
        IOV2.pack_into(sc.iov, 0, sc.data_addr, n, addr, n)
        iov = sc.iov_addr
        if _readv(self.pid, iov, 1, iov + IOVEC.size, 1, 0) != n:
            raise _efault("process_vm_readv")
        return _string_at(sc.data_addr, n)

    def write(self, addr: int, data) -> None:
        """Store `data` at `addr`; OSError(EFAULT) if any byte is not writable."""
        if data:
            self.write_many(((addr, data),))

    def write_many(self, parts) -> None:
        """Store several (addr, data) pieces (a sequence) with one process_vm_writev (a
        getsockopt's value and its length, a recvmsg's buffers and header fields); EFAULT if any
        byte is not written."""
        if len(parts) > IOV_BATCH:                   # more pieces than one call takes
            for i in range(0, len(parts), IOV_BATCH):
                self.write_many(parts[i:i + IOV_BATCH])
            return
        sc = _scratch
        iov, pack = sc.iov, IOVEC.pack_into
        off, total, chunks = IOVEC.size, 0, []
        for addr, data in parts:
            n = len(data)
            if not n:
                continue
            if addr <= 0 or addr + n > USER_MAX:
                raise _efault("process_vm_writev")
            pack(iov, off, addr, n)
            off += IOVEC.size
            chunks.append(data)
            total += n
        if not chunks:
            return
        blob = b"".join(chunks)
        if total > sc.size:
            sc.grow(total)
        _memmove(sc.data_addr, blob, total)
        pack(iov, 0, sc.data_addr, total)            # local: one contiguous piece
        base = sc.iov_addr
        if _writev(self.pid, base, 1, base + IOVEC.size, len(chunks), 0) != total:
            raise _efault("process_vm_writev")

    def copy_from_user(self, addr: int, n: int) -> bytes | int:
        """The kernel's convention (kernel/uaccess.py): bytes, or -EFAULT."""
        try:
            return self.read(addr, n)
        except OSError:
            return -E.EFAULT

    def copy_to_user(self, addr: int, data: bytes) -> int:
        """The kernel's convention: 0, or -EFAULT (SIOCETHTOOL answers through ifr_data)."""
        try:
            self.write(addr, data)
        except OSError:
            return -E.EFAULT
        return 0

    def read_cstr(self, addr: int, limit: int = PAGE_SIZE) -> bytes:
        """A NUL-terminated string, read a page at a time so it never faults past its end."""
        out = b""
        while len(out) < limit:
            chunk = PAGE_SIZE - (addr + len(out)) % PAGE_SIZE
            b = self.read(addr + len(out), min(chunk, limit - len(out)))
            i = b.find(b"\0")
            if i >= 0:
                return out + b[:i]
            out += b
        return out
