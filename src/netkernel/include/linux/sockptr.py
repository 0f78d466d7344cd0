"""sockptr_t (include/linux/sockptr.h): the option buffer a setsockopt handler reads.

In the model a handler receives the readable bytes of the caller's buffer (None for a NULL pointer)
next to the optlen the caller gave; a copy reaching past the readable bytes faults where Linux's
copy_from_user would.
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/sockptr.h"

from netkernel.uapi import errno as E


def copy_from_sockptr(optval, n: int):
    """copy_from_sockptr: the first `n` bytes of the option buffer, or -EFAULT when they are not
    all readable (`optval` holds the readable user bytes; None is a NULL pointer)."""
    if n <= 0:
        return b""
    if optval is None or len(optval) < n:
        return -E.EFAULT
    return bytes(optval[:n])
