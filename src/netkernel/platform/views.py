"""Live /sys/class/net and /proc/net for the run's processes.

Every open of the run's processes is notified (open, openat, openat2: a seccomp filter cannot
read the path). The supervisor reads the path, resolves it as the caller would (relative to its
working directory or to the directory descriptor), and when it names a file the model generates
— /sys/class/net/DEV/ATTR, /sys/class/net/DEV/statistics/COUNTER, /proc/net/NAME (also through
/proc/self, /proc/thread-self, /proc/PID and /proc/PID/task/TID) — it answers the open with a
memfd holding the file's text as the model shows it now (SECCOMP_IOCTL_NOTIF_ADDFD|SEND). So a
program reads the statistics after its own sends, sees a link it just added, and a process it
forks reads the same files. Every other open runs natively (CONTINUE).

Directories are real: the run's mount namespace has a tmpfs on /sys/class/net with a directory
per device (and its attribute and statistics files, for stat and listdir), kept in step with the
model's devices — resynchronised when a directory under it is opened and after each call that may
add, remove or rename a device (a NETLINK_ROUTE send, SIOCSIFNAME). /proc/net is the private
network namespace's: listing it shows that namespace's entries; the files the model generates are
served as above, the others (the model does not generate them) are the private namespace's.

DIVERGENCE(#10): an open for writing of a generated file is EACCES (the model's sysfs attributes
are read-only); an attribute whose read fails in Linux (carrier of a down device: EINVAL) fails at
open; fstat of a served file shows a memfd of the text's size, not sysfs' 4096 or procfs' 0.
"""
from __future__ import annotations

import os
import re

from netkernel.platform import inproc
from netkernel.uapi import errno as E

SYSFS_NET = "/sys/class/net"
AT_FDCWD = -100
O_ACCMODE = 0o3
O_CLOEXEC = 0o2000000
PATH_MAX = 4096
# /proc/net/X as any process may name it
_PROC_NET = re.compile(r"^/proc/(?:net|self/net|thread-self/net|\d+/net|\d+/task/\d+/net)/"
                       r"([^/]+)$")


def resolve(pid: int, dirfd: int, path: str) -> str | None:
    """The absolute, normalised path `path` names for task `pid` (relative to `dirfd`), or
    None when it cannot be one the model serves (the common case, decided from the text)."""
    if path.startswith("/"):
        if not (path.startswith("/sys/") or path.startswith("/proc/")):
            return None
        return os.path.normpath(path)
    try:
        base = os.readlink(f"/proc/{pid}/cwd" if dirfd == AT_FDCWD else f"/proc/{pid}/fd/{dirfd}")
    except OSError:
        return None
    if not (base.startswith("/sys") or base.startswith("/proc")):
        return None
    return os.path.normpath(os.path.join(base, path))


def generated(view, path: str):
    """What the model shows at the absolute `path`: ("file", text), ("dir", entries) for a
    /sys/class/net directory, ("errno", n) for a sysfs path the model refuses, or None (not a
    generated path: the host serves it)."""
    if path == SYSFS_NET or path.startswith(SYSFS_NET + "/"):
        try:
            got = inproc.sysfs(view, path)
        except OSError as e:
            return "errno", e.errno or E.ENOENT
        return ("dir", got) if isinstance(got, list) else ("file", got)
    m = _PROC_NET.match(path)
    if m is None:
        return None
    try:
        return "file", inproc.procfs(view, "net/" + m.group(1))
    except OSError:
        return None                          # not a file the model generates


def memfd_with(text: str) -> int:
    """A memfd holding `text`, its offset at 0 (the caller reads from the start)."""
    fd = os.memfd_create("netkernel-view", os.MFD_CLOEXEC)
    data = text.encode()
    off = 0
    while off < len(data):
        off += os.write(fd, data[off:])
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class SysfsMirror:
    """The tmpfs on /sys/class/net in the run's mount namespace, reached through
    /proc/PID/root of a process of the run: a directory per model device."""

    def __init__(self, view):
        self.view = view
        self.names: tuple[str, ...] | None = None

    def sync(self, pid: int, force: bool = False) -> None:
        """Make the tmpfs's devices the model's (written through task `pid`'s root)."""
        try:
            names = tuple(inproc.sysfs(self.view, SYSFS_NET))
        except OSError:
            return
        if names == self.names and not force:
            return
        root = f"/proc/{pid}/root{SYSFS_NET}"
        try:
            present = set(os.listdir(root))
            for name in present - set(names):
                _rmtree(os.path.join(root, name))
            for name in names:
                if name not in present:
                    write_device(self.view, os.path.join(root, name), f"{SYSFS_NET}/{name}")
        except OSError:
            return              # the process is gone meanwhile: the next call's process syncs
        self.names = names


def tree(view, path: str) -> dict[str, str]:
    """Every generated file under the sysfs directory `path`: absolute path → text (an
    attribute unreadable in the device's state, carrier of a down device, is left out)."""
    out = {}
    try:
        got = inproc.sysfs(view, path)
    except OSError:
        return out
    if not isinstance(got, list):
        out[path] = got
        return out
    for entry in got:
        out.update(tree(view, f"{path}/{entry}"))
    return out


def write_device(view, target: str, path: str) -> None:
    """The directory of one device (its attribute files, statistics/) at `target`."""
    for file, text in tree(view, path).items():
        dest = target + file[len(path):]
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            f.write(text)


def _rmtree(path: str) -> None:
    for dirpath, dirnames, filenames in os.walk(path, topdown=False):
        for f in filenames:
            os.unlink(os.path.join(dirpath, f))
        for d in dirnames:
            os.rmdir(os.path.join(dirpath, d))
    os.rmdir(path)
