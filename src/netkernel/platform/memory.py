"""A child's memory, read and written from the supervisor with process_vm_readv/writev
(mm/process_vm_access.c). An address the child cannot access is EFAULT, as copy_from_user gives
it in Linux; nothing here can crash the supervisor."""
from __future__ import annotations

import ctypes

from netkernel.uapi import errno as E

libc = ctypes.CDLL(None, use_errno=True)
libc.process_vm_readv.restype = ctypes.c_ssize_t
libc.process_vm_writev.restype = ctypes.c_ssize_t

PAGE_SIZE = 4096
IOV_BATCH = 512           # iovecs per process_vm_writev (the kernel takes up to UIO_MAXIOV)
USER_MAX = 1 << 47        # x86_64 user addresses end below 128 TiB (4-level paging)


class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _efault(what: str) -> OSError:
    return OSError(E.EFAULT, f"{what}: {E.strerror(E.EFAULT)}")


_readv = libc.process_vm_readv
_writev = libc.process_vm_writev


class ProcessMemory:
    """The address space of task `pid` (a thread id works: threads share it)."""
    __slots__ = ("pid",)

    def __init__(self, pid: int):
        self.pid = pid

    def read(self, addr: int, n: int) -> bytes:
        """`n` bytes at `addr`; OSError(EFAULT) if any of them is not readable."""
        if n <= 0:
            return b""
        if addr <= 0 or addr + n > USER_MAX:
            raise _efault("process_vm_readv")
        buf = ctypes.create_string_buffer(n)
        local = iovec(ctypes.addressof(buf), n)
        remote = iovec(addr, n)
        if _readv(self.pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) != n:
            raise _efault("process_vm_readv")
        return buf.raw

    def write(self, addr: int, data) -> None:
        """Store `data` at `addr`; OSError(EFAULT) if any byte is not writable."""
        if data:
            self.write_many(((addr, data),))

    def write_many(self, parts) -> None:
        """Store several (addr, data) pieces with one process_vm_writev (a getsockopt's value and
        its length, a recvmsg's buffers and header fields); EFAULT if any byte is not written."""
        parts = [(a, bytes(d)) for a, d in parts if d]
        if len(parts) > IOV_BATCH:
            for i in range(0, len(parts), IOV_BATCH):
                self.write_many(parts[i:i + IOV_BATCH])
            return
        if not parts:
            return
        count = len(parts)
        local, remote = (iovec * count)(), (iovec * count)()
        total = 0
        keep = []
        for i, (addr, data) in enumerate(parts):
            n = len(data)
            if addr <= 0 or addr + n > USER_MAX:
                raise _efault("process_vm_writev")
            buf = ctypes.create_string_buffer(data, n)
            keep.append(buf)
            local[i].iov_base, local[i].iov_len = ctypes.addressof(buf), n
            remote[i].iov_base, remote[i].iov_len = addr, n
            total += n
        if _writev(self.pid, local, count, remote, count, 0) != total:
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
