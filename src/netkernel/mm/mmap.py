"""mmap(2) on a socket (mm/mmap.c): the generic checks, then the file's mmap operation
(f_op->mmap: sock_mmap → the family's ->mmap, packet_mmap for packet sockets).

What Linux returns is an address in the caller's memory; the model returns a `VmArea`, a real
`mmap.mmap` of the file that holds the socket's ring pages, so the caller reads and writes the
very bytes the kernel model writes. Closing it (or dropping it) is munmap: the family's
vm_ops->close runs (packet_mm_close).
"""
from __future__ import annotations

LINUX_SOURCE = "mm/mmap.c"
MODEL_HELPERS = ("mmap_file",)   # not kernel functions (see netkernel.trace)

import mmap as _mmap
import threading
import weakref

from netkernel.net.core.skbuff import PAGE_SIZE
from netkernel.fs.file_table import fput
from netkernel.uapi import errno as E

PAGE_SHIFT = 12
PROT_READ, PROT_WRITE, PROT_EXEC = 0x1, 0x2, 0x4
MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE = 0x01, 0x02, 0x03, 0x0F
MAP_FIXED, MAP_ANONYMOUS = 0x10, 0x20
# the flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK plus MAP_SYNC's absence of support)
LEGACY_MAP_MASK = 0x01 | 0x02 | 0x10 | 0x20 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | \
    0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x100000
ULONG_MAX = (1 << 64) - 1


class VmArea(_mmap.mmap):
    """A mapping of a socket's ring file, as the caller's vm_area_struct: a real mmap.mmap whose
    close() (munmap) — or garbage collection — runs the vm_ops close callback once."""

    def __new__(cls, fileno: int, length: int, flags: int, prot: int, on_close):
        self = super().__new__(cls, fileno, length, flags=flags, prot=prot)
        state = [on_close]
        self._nk_state = state
        weakref.finalize(self, _vm_close_later, state)
        return self

    def close(self) -> None:
        super().close()
        _vm_close(self._nk_state)

    def __exit__(self, *exc):
        self.close()


def _vm_close(state) -> None:
    cb = state[0]
    if cb is not None:
        state[0] = None
        cb()


def _vm_close_later(state) -> None:
    """munmap of a mapping dropped without close(): the garbage collector may run this in the
    middle of a kernel function of the same thread, so the unmapping waits for the machine lock
    on a thread of its own instead of changing kernel state from under that function."""
    if state[0] is None:
        return
    try:
        threading.Thread(target=_vm_close, args=(state,), name="netkernel-munmap",
                         daemon=True).start()
    except RuntimeError:          # interpreter shutting down
        pass


def do_mmap(file, length: int, prot: int, flags: int, pgoff: int):
    """do_mmap: a zero length is EINVAL, a length that overflows when rounded to pages ENOMEM, an
    unknown mapping type EINVAL, a file without an mmap operation ENODEV; then mmap_region hands
    the area to the file (call_mmap)."""
    if not length:
        return -E.EINVAL
    length = length & ULONG_MAX
    aligned = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
    if aligned > ULONG_MAX or not aligned:
        return -E.ENOMEM
    if pgoff + (aligned >> PAGE_SHIFT) > ULONG_MAX >> PAGE_SHIFT:
        return -E.EOVERFLOW
    mtype = flags & MAP_TYPE
    if mtype == MAP_SHARED_VALIDATE:
        if flags & ~LEGACY_MAP_MASK & ~MAP_TYPE:
            return -E.EOPNOTSUPP
    elif mtype not in (MAP_SHARED, MAP_PRIVATE):
        return -E.EINVAL
    mmap_op = file.f_op.mmap
    if mmap_op is None:
        return -E.ENODEV
    return mmap_op(file, aligned, pgoff)                # call_mmap


def mmap_file(task, fd: int, length: int, prot: int, flags: int, pgoff: int):
    """The file-backed part of mmap(2) for a socket: (the memfd holding the pages, the munmap
    callback) or a negative errno. The area holds a reference to the socket's file until munmap.
    ksys_mmap_pgoff maps the memfd in this process; a supervisor serving a real process (netkernel
    run) can map the same memfd there and call munmap when the process unmaps it."""
    file = task.files.get(fd)
    if file is None:
        return -E.EBADF
    ret = do_mmap(file, length, prot, flags, pgoff)
    if isinstance(ret, int):
        return ret
    ring, vm_close = ret
    # mmap_region: the area holds the file (a close() of the descriptor does not release the
    # socket while it is mapped); munmap runs vm_ops->close, then drops that reference
    file.f_count += 1
    lock = file.private_data.sk.sk_net.core.lock

    def munmap():
        with lock:
            vm_close()
            fput(file)
    return ring.fd, munmap


def ksys_mmap_pgoff(task, length: int, prot: int, flags: int, fd: int, pgoff: int):
    """ksys_mmap_pgoff: the descriptor must be open (EBADF) unless the mapping is anonymous."""
    if flags & MAP_ANONYMOUS:
        if not length:
            return -E.EINVAL
        return _mmap.mmap(-1, length, flags=flags & MAP_TYPE, prot=prot)   # no file involved
    ret = mmap_file(task, fd, length, prot, flags, pgoff)
    if isinstance(ret, int):
        return ret
    memfd, munmap = ret
    try:
        return VmArea(memfd, length, flags & MAP_TYPE if flags & MAP_TYPE != MAP_SHARED_VALIDATE
                      else MAP_SHARED, prot, munmap)
    except OSError as e:
        munmap()
        return -e.errno
