"""ioctl(2) (fs/ioctl.c): the requests every open file answers (FIONBIO, FIOCLEX, FIONCLEX), then
the file's own unlocked_ioctl (sock_ioctl for a socket).

`arg` is the user memory the request points to, as a bytearray the kernel reads and writes in
place (struct ifreq for SIOCGIF*, an int for FIONBIO); the call returns 0 or a negative errno.
"""
from __future__ import annotations

LINUX_SOURCE = "fs/ioctl.c"

from netkernel.kernel.sched import Task
from netkernel.uapi import errno as E
from netkernel.uapi.fcntl import O_NONBLOCK
from netkernel.uapi.ioctls import FIOCLEX, FIONBIO, FIONCLEX
from netkernel.uapi.socket import INT


def ioctl_fionbio(filp, argp: bytearray) -> int:
    """ioctl_fionbio (fs/ioctl.c): read an int from user memory (EFAULT if it is not there);
    non-zero sets O_NONBLOCK on the open file, zero clears it."""
    if len(argp) < INT.size:
        return -E.EFAULT
    on = INT.unpack_from(argp, 0)[0]
    if on:
        filp.f_flags |= O_NONBLOCK
    else:
        filp.f_flags &= ~O_NONBLOCK
    return 0


def vfs_ioctl(filp, cmd: int, arg: bytearray) -> int:
    """vfs_ioctl (fs/ioctl.c): the file's unlocked_ioctl; none, or a request it does not know
    (ENOIOCTLCMD), is ENOTTY."""
    f_op = filp.f_op
    if f_op is None or f_op.unlocked_ioctl is None:
        return -E.ENOTTY
    err = f_op.unlocked_ioctl(filp, cmd, arg)
    return -E.ENOTTY if err == -E.ENOIOCTLCMD else err


def do_vfs_ioctl(filp, fd: int, cmd: int, arg: bytearray) -> int:
    """do_vfs_ioctl (fs/ioctl.c): the generic requests; others are ENOIOCTLCMD (left to the file).

    DIVERGENCE(#8): FIOASYNC, FIOQSIZE, FIGETBSZ and the freeze/clone/dedupe requests are not
    modelled (they reach the file, which answers ENOTTY)."""
    if cmd == FIOCLEX:
        filp.cloexec = True
        return 0
    if cmd == FIONCLEX:
        filp.cloexec = False
        return 0
    if cmd == FIONBIO:
        return ioctl_fionbio(filp, arg)
    return -E.ENOIOCTLCMD


def sys_ioctl(task: Task, fd: int, cmd: int, arg: bytearray) -> int:
    """ioctl(2): look the descriptor up (EBADF), the generic requests, then vfs_ioctl."""
    filp = task.files.get(fd & 0xFFFFFFFF)
    if filp is None:
        return -E.EBADF
    cmd &= 0xFFFFFFFF
    err = do_vfs_ioctl(filp, fd, cmd, arg)
    if err == -E.ENOIOCTLCMD:
        err = vfs_ioctl(filp, cmd, arg)
    return err
