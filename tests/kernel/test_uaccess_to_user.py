"""copy_to_user and the by-value syscall argument (kernel/uaccess.py)."""
import ctypes
import mmap

from netkernel.include.linux.uaccess import copy_to_user, get_user_arg, put_user_arg
from netkernel.uapi import errno as E


def test_copy_to_user_writes_and_honours_protection():
    b = ctypes.create_string_buffer(8)
    assert copy_to_user(ctypes.addressof(b), b"abc") == 0 and b.raw[:4] == b"abc\0"
    ro = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ)
    addr = ctypes.addressof(ctypes.c_char.from_buffer_copy(b"x"))   # any mapped address works
    assert addr
    libc = ctypes.CDLL(None)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    none = libc.mmap(None, mmap.PAGESIZE, 0, 0x22, -1, 0)          # PROT_NONE, private|anon
    assert copy_to_user(none, b"zz") == -E.EFAULT
    assert copy_to_user(0, b"zz") == -E.EFAULT
    ro.close()


def test_by_value_argument_bounds():
    u = bytearray(4)                  # the in-process API's user memory: exactly these bytes
    assert put_user_arg(u, b"\1\2\3\4") == 0 and u == bytearray(b"\1\2\3\4")
    assert put_user_arg(u, b"\1\2\3\4\5") == -E.EFAULT
    assert get_user_arg(u, 5) == -E.EFAULT and get_user_arg(u, 2, 2) == b"\3\4"
    assert get_user_arg(None, 4) == -E.EFAULT and put_user_arg(None, b"x") == -E.EFAULT
