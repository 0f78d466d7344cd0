"""fcntl(2) (fs/fcntl.c): descriptor flags (FD_CLOEXEC) and file status flags (O_NONBLOCK, ...).

`sys_fcntl(task, fd, cmd, arg)` returns what the C call returns: the flags for F_GETFD/F_GETFL,
0 for F_SETFD/F_SETFL, or a negative errno.
"""
from __future__ import annotations

LINUX_SOURCE = "fs/fcntl.c"

from netkernel.kernel.sched import Task
from netkernel.uapi import errno as E
from netkernel.uapi.fcntl import (F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_APPEND,
                                  O_DIRECT, O_NDELAY, O_NOATIME, O_NONBLOCK)

FASYNC = 0o20000
SETFL_MASK = O_APPEND | O_NONBLOCK | O_NDELAY | FASYNC | O_DIRECT | O_NOATIME


def setfl(fd: int, filp, arg: int) -> int:
    """setfl (fs/fcntl.c): only the SETFL_MASK bits change; O_DIRECT is EINVAL on a file that
    cannot do direct I/O (every socket). O_NOATIME needs the inode's owner or CAP_FOWNER: a
    socket's inode belongs to its creator, and every task of a machine has the same uid here.

    DIVERGENCE(#8): FASYNC is stored but no SIGIO is ever sent (sock_fasync is not modelled)."""
    if arg & O_DIRECT:
        return -E.EINVAL
    filp.f_flags = (arg & SETFL_MASK) | (filp.f_flags & ~SETFL_MASK)
    return 0


def do_fcntl(fd: int, cmd: int, arg: int, filp) -> int:
    """do_fcntl (fs/fcntl.c): the commands of an open file; anything else is EINVAL.

    DIVERGENCE(#8): F_DUPFD/F_DUPFD_CLOEXEC, locks, leases, owners and pipe sizes are not modelled
    (EINVAL)."""
    if cmd == F_GETFD:
        return FD_CLOEXEC if filp.cloexec else 0
    if cmd == F_SETFD:
        filp.cloexec = bool(arg & FD_CLOEXEC)
        return 0
    if cmd == F_GETFL:
        return filp.f_flags
    if cmd == F_SETFL:
        return setfl(fd, filp, arg)
    return -E.EINVAL


def sys_fcntl(task: Task, fd: int, cmd: int, arg: int = 0) -> int:
    """fcntl(2): look the descriptor up (EBADF), then do_fcntl. fd, cmd and arg are the C
    call's unsigned int, unsigned int and unsigned long."""
    filp = task.files.get(fd & 0xFFFFFFFF)
    if filp is None:
        return -E.EBADF
    return do_fcntl(fd, cmd & 0xFFFFFFFF, arg & 0xFFFFFFFFFFFFFFFF, filp)
