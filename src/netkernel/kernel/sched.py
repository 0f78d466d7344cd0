"""The running task (`current`, struct task_struct of include/linux/sched.h).

Like Linux's per-CPU `current`, the task is per thread: a syscall entry sets it for the duration
of the call, so code deep in the stack (packet_create, dev_validate_header) can ask `capable()`
(netkernel.kernel.capability).
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/sched.h"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("current", "set_current", "defer_fput", "take_deferred_fputs")

import threading

from netkernel.kernel.capability import capable, ns_capable  # noqa: F401 (re-exported)

_tls = threading.local()


class Task:
    """struct task_struct, reduced to what the network stack asks: pid, capabilities, the network
    namespace (nsproxy->net_ns) and the fd table."""
    __slots__ = ("pid", "caps", "net", "files", "comm")

    def __init__(self, pid: int, caps: frozenset, net, comm: str = "python"):
        self.pid = pid
        self.caps = frozenset(caps)
        self.net = net
        self.files: dict = {}
        self.comm = comm

    def alloc_fd(self, file) -> int:
        """The lowest free descriptor from 3 up (0-2 are stdio, as in a real process)."""
        fd = 3
        files = self.files
        while fd in files:
            fd += 1
        files[fd] = file
        return fd


def current() -> Task:
    return _tls.task


def set_current(task: Task | None) -> Task | None:
    prev = getattr(_tls, "task", None)
    _tls.task = task
    return prev


def defer_fput(f) -> None:
    """Reference a file until the running syscall returns (once per syscall); syscall_exit()
    drops the reference."""
    lst = getattr(_tls, "fput", None)
    if lst is None:
        lst = _tls.fput = []
    elif f in lst:
        return
    f.f_count += 1
    lst.append(f)


def take_deferred_fputs() -> list:
    lst = getattr(_tls, "fput", None)
    if not lst:
        return ()
    _tls.fput = []
    return lst

