"""In-process entry for the boundary's own bookkeeping: a poll of a model socket made for the
supervisor (is it readable? wait until it is), not by the program. It enters the kernel as the
view's task like `_View._call` but is never traced, so `--trace` shows only the program's calls.
"""
from __future__ import annotations

from netkernel.kernel.sched import _tls
from netkernel.net import socket as sys


def poll(view, fd: int, events: int, timeout: float | None) -> int:
    """do_sys_poll for one model socket: its mask once it meets `events` or shows an error, 0 on
    timeout, a negative errno (EBADF once the socket is closed)."""
    k = view._kernel
    with k._lock:
        prev = getattr(_tls, "task", None)
        _tls.task = view._task
        try:
            return sys.sys_poll(view._task, fd, events, timeout)
        finally:
            if getattr(_tls, "fput", None):
                sys.syscall_exit()
            _tls.task = prev
