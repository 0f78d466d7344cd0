"""copy_from_user (include/linux/uaccess.py): our own memory through process_vm_readv, page
protection honoured; faults are EFAULT. user_buffer / PartialUserBuffer / copy_to_user_buffer: a
caller's buffer object read or written where it lies."""
import ctypes

from netkernel.include.linux.uaccess import copy_from_user
from netkernel.uapi import errno as E


def test_reads_ctypes_buffer():
    buf = ctypes.create_string_buffer(b"hello, kernel", 13)
    assert copy_from_user(ctypes.addressof(buf), 13) == b"hello, kernel"
    assert copy_from_user(ctypes.addressof(buf) + 7, 6) == b"kernel"


def test_zero_length_reads_nothing_even_at_a_bad_address():
    assert copy_from_user(1, 0) == b""


def test_bad_addresses_are_efault():
    for addr in (0, 1, 0xDEADBEEF000, 0xFFFFFFFF81000000, (1 << 64) - 8, -5):
        assert copy_from_user(addr, 8) == -E.EFAULT


def test_range_running_off_a_mapping_is_efault():
    import mmap
    m = mmap.mmap(-1, 4096)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    assert copy_from_user(addr + 4088, 8) == bytes(8)
    # the page after an anonymous mapping is usually unmapped; then the read is short → EFAULT
    r = copy_from_user(addr + 4090, 16)
    assert r == -E.EFAULT or (isinstance(r, bytes) and len(r) == 16)


def _guarded(data: bytes, readable: int):
    """`data` whose first `readable` bytes end an accessible page, the rest in a PROT_NONE one."""
    import mmap
    libc = ctypes.CDLL(None)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    m = mmap.mmap(-1, 3 * mmap.PAGESIZE)
    off = mmap.PAGESIZE - readable
    m[off:off + len(data)] = data
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    assert libc.mprotect(base + mmap.PAGESIZE, mmap.PAGESIZE, 0) == 0
    _kept.append(m)
    return memoryview(m)[off:off + len(data)], base + off


_kept = []


def test_prot_none_page_is_efault_although_proc_self_mem_could_read_it():
    mv, addr = _guarded(b"0123456789", 6)
    assert copy_from_user(addr, 6) == b"012345"
    assert copy_from_user(addr, 7) == -E.EFAULT
    assert copy_from_user(addr + 6, 1) == -E.EFAULT


def test_user_buffer_keeps_the_fault_through_slices():
    from netkernel.include.linux.uaccess import PartialUserBuffer, user_buffer, user_bytes
    mv, _ = _guarded(b"0123456789", 6)
    b = user_buffer(mv)
    assert type(b) is PartialUserBuffer and b.readable == 6 and bytes(b) == b"012345" + bytes(4)
    assert user_bytes(b, 6) == b"012345" and user_bytes(b, 7) == -E.EFAULT
    assert b[2:].readable == 4 and b[:6].readable == 6 and b[7:].readable == 0
    assert user_bytes(b[4:], 2) == b"45" and user_bytes(b[4:], 3) == -E.EFAULT
    assert user_buffer(memoryview(b"abc")) == b"abc" and user_buffer(bytearray(b"x")) == b"x"


def test_iov_join_faults_from_the_first_faulting_buffer():
    from netkernel.include.linux.uaccess import PartialUserBuffer, user_buffer
    from netkernel.lib.iov_iter import iov_join
    mv, _ = _guarded(b"abcdef", 2)
    j = iov_join([b"xyz", user_buffer(mv), b"tail"])
    assert type(j) is PartialUserBuffer and j.readable == 5 and len(j) == 13
    assert iov_join([b"ab", b"cd"]) == b"abcd"


def test_copy_to_user_buffer_honours_protection():
    from netkernel.include.linux.uaccess import copy_to_user_buffer
    mv, addr = _guarded(bytes(10), 6)
    assert copy_to_user_buffer(mv[:6], b"ABCDEF") == 0 and bytes(mv[:6]) == b"ABCDEF"
    assert copy_to_user_buffer(mv, b"0123456789") == -E.EFAULT
    ba = bytearray(4)
    assert copy_to_user_buffer(memoryview(ba), b"wxyz") == 0 and ba == b"wxyz"
