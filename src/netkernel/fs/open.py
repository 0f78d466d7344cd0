"""close(2) (fs/open.c)."""
from __future__ import annotations

LINUX_SOURCE = "fs/open.c"

from netkernel.fs.file_table import fput
from netkernel.uapi import errno as E


def sys_close(task, fd: int) -> int:
    """close_fd → fput: remove the fd and drop the table's reference; the socket is released
    (sock_close) once no other syscall still uses it."""
    f = task.files.pop(fd, None)
    if f is None:
        return -E.EBADF
    task.net.core.fp_gen += 1           # the fd is gone: fast-path routes naming it are stale
    fput(f)
    return 0
