"""In-process entry for the boundary's own bookkeeping: calls made for the supervisor (is the
socket readable? wait until it is; peek at the next frame before answering; read SO_RCVTIMEO),
not by the program. They enter the kernel as the view's task like `_View._call` but are never
traced, so `--trace` shows the program's calls once each.
"""
from __future__ import annotations

import contextlib
import sys as _sys

from netkernel.fs import select
from netkernel.kernel.sched import _tls
from netkernel.net import socket as sys


@contextlib.contextmanager
def untraced():
    """No tracing on this thread inside (`Kernel.trace()` profiles the thread that entered it,
    which is the supervisor's)."""
    prof = _sys.getprofile()
    if prof is None:
        yield
        return
    _sys.setprofile(None)
    try:
        yield
    finally:
        _sys.setprofile(prof)


def call(view, fn, *args):
    """Run syscall `fn` (net/socket.py) as the view's task, untraced; a negative errno raises."""
    k = view._kernel
    prof = _sys.getprofile()
    if prof is not None:
        _sys.setprofile(None)
    try:
        return _call(k, view, fn, args)
    finally:
        if prof is not None:
            _sys.setprofile(prof)


def _call(k, view, fn, args):
    with k._lock:
        prev = getattr(_tls, "task", None)
        _tls.task = view._task
        try:
            ret = fn(view._task, *args)
        finally:
            if getattr(_tls, "fput", None):
                sys.syscall_exit()
            _tls.task = prev
    if type(ret) is int and ret < 0:
        return sys.raise_on_error(ret)
    return ret


def poll(view, fd: int, events: int, timeout: float | None) -> int:
    """do_sys_poll for one model socket: its mask once it meets `events` or shows an error, 0 on
    timeout, a negative errno (EBADF once the socket is closed)."""
    try:
        return call(view, select.sys_poll, fd, events, timeout)
    except OSError as e:
        return -(e.errno or 9)


def sysfs(view, path: str):
    """`view.sysfs(path)` for the boundary's views (untraced): a file's text or a directory's
    entries; OSError as the model refuses."""
    with untraced():
        return view.sysfs(path)


def procfs(view, path: str) -> str:
    """`view.procfs(path)` (untraced)."""
    with untraced():
        return view.procfs(path)
