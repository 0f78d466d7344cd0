"""Importing user buffers as iov_iters (lib/iov_iter.c)."""
from __future__ import annotations

LINUX_SOURCE = "lib/iov_iter.c"
MODEL_HELPERS = ("iov_join",)   # not kernel functions (see netkernel.trace)

MAX_RW_COUNT = 0x7FFFF000   # INT_MAX & PAGE_MASK: the most one read/write moves
UIO_MAXIOV = 1024           # include/uapi/linux/uio.h: the most iovecs one call takes


def import_single_range(buf, len: int):
    """import_single_range: copy buf from user space to kernel iov (capped at MAX_RW_COUNT)."""
    if len > MAX_RW_COUNT:
        len = MAX_RW_COUNT
    return buf if len == buf.__len__() else buf[:len]


def iov_join(iov: list):
    """The bytes of an iovec's buffers in order, as one buffer; a buffer that faults part-way
    (include/linux/uaccess.PartialUserBuffer) ends what can be copied from the whole."""
    if all(type(b) is not PartialUserBuffer for b in iov):
        return b"".join(iov)
    readable = None
    pos = 0
    for b in iov:
        if type(b) is PartialUserBuffer and readable is None:
            readable = pos + b.readable
        pos += len(b)
    data = b"".join(bytes(b) for b in iov)
    return PartialUserBuffer(data[:readable], len(data))


def _copy_to_iter(data: bytes, iov: list) -> int:
    """_copy_to_iter: `data` into the reader's buffers (writable buffer objects), filled in
    order, each written where it lies with page protection honoured; the bytes copied, fewer
    when a buffer's page is not writable (those before it are written)."""
    pos = 0
    for b in iov:
        chunk = data[pos:pos + len(b)]
        if not chunk:
            break
        if copy_to_user_buffer(b, chunk):
            return pos
        pos += len(chunk)
    return pos


from netkernel.include.linux.uaccess import PartialUserBuffer, copy_to_user_buffer  # noqa: E402
