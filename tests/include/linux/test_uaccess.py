"""copy_from_user (include/linux/uaccess.py): our own memory through /proc/self/mem; faults are
EFAULT."""
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
