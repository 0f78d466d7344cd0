"""ioctl(2) (fs/ioctl.c): the requests every file answers, then the file's own ioctl (every file
here is a socket: net/socket.c's sock_ioctl)."""
from __future__ import annotations

LINUX_SOURCE = "fs/ioctl.c"

from netkernel.include.linux.uaccess import get_user_arg
from netkernel.net.socket import O_NONBLOCK, sock_ioctl, sockfd_lookup_light
from netkernel.uapi import errno as E
from netkernel.uapi.socket import INT
from netkernel.uapi.sockios import FIONBIO

FIONCLEX = 0x5450
FIOCLEX = 0x5451


def do_vfs_ioctl(task, f, cmd: int, arg) -> int:
    """do_vfs_ioctl (fs/ioctl.c): the requests every file answers — close-on-exec and FIONBIO
    (an int: non-zero sets O_NONBLOCK) — else ENOIOCTLCMD for the file's own ioctl."""
    if cmd == FIOCLEX:
        f.cloexec = True
        return 0
    if cmd == FIONCLEX:
        f.cloexec = False
        return 0
    if cmd == FIONBIO:
        raw = get_user_arg(arg, INT.size)
        if isinstance(raw, int):
            return raw
        if INT.unpack(raw)[0]:
            f.f_flags |= O_NONBLOCK
        else:
            f.f_flags &= ~O_NONBLOCK
        return 0
    return -E.ENOIOCTLCMD


def sys_ioctl(task, fd: int, cmd: int, arg) -> int:
    """ioctl(2) on a socket: the file-level requests, then sock_ioctl; ENOIOCTLCMD leaves the
    syscall as ENOTTY. `arg` is a UserBuffer (the caller's bytes, copied back into it), a user
    address, or None (NULL). `cmd` is an unsigned int (the upper bits are dropped)."""
    cmd &= 0xFFFFFFFF
    f = task.files.get(fd)
    if f is None:
        return -E.EBADF
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return -E.ENOTTY if sock == -E.ENOTSOCK else sock
    err = do_vfs_ioctl(task, f, cmd, arg)
    if err == -E.ENOIOCTLCMD:
        err = vfs_ioctl(sock, cmd, arg)
    return err


def vfs_ioctl(sock, cmd: int, arg) -> int:
    """vfs_ioctl: the file's unlocked_ioctl (sockets: sock_ioctl); ENOIOCTLCMD becomes ENOTTY."""
    err = sock_ioctl(sock, cmd, arg)
    if err == -E.ENOIOCTLCMD:
        err = -E.ENOTTY
    return err


