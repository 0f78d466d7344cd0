"""The child's private namespaces and the kernel views it sees.

A run's child gets its own network namespace (native AF_INET, generic netlink and the like see
only a loopback that is down, never the host's interfaces) and its own mount namespace (mounts made
for it never propagate to the host). Without root it first enters a new user namespace where it
is root (where the host allows user namespaces). Nothing outlives the run: the namespaces die with
its last process, no /run/netns entry or host device is created.

In that mount namespace, /sys/class/net is a tmpfs with a directory per device of the machine
(generated files, for stat and listdir); the files themselves, and /proc/net's generated ones,
are served live at each open by the supervisor (platform/views.py), to every process of the run.

The text comes from the model's views (`k.sysfs`: net/core/net_sysfs.py).
"""
from __future__ import annotations

import ctypes
import os

from netkernel.platform.views import SYSFS_NET, tree

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.unshare.argtypes = [ctypes.c_int]

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1

def _fail(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def view_files(view) -> dict[str, str]:
    """path → text of every generated /sys/class/net file (taken in the supervisor, before the
    fork: the child's tmpfs starts as the machine is)."""
    return tree(view, SYSFS_NET)


# ---------------------------------------------------------------- in the child, before exec

def _write_id_map(path: str, line: str) -> None:
    with open(path, "w") as f:
        f.write(line)


def enter(files: dict[str, str]) -> None:
    """Unshare and mount (the child, after fork, before the filter and exec). Raises OSError
    with a message a person can act on."""
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        if libc.unshare(CLONE_NEWUSER) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "this host does not allow unprivileged user namespaces "
                               f"({os.strerror(err)}); run as root")
        _write_id_map("/proc/self/setgroups", "deny")
        _write_id_map("/proc/self/uid_map", f"0 {uid} 1")
        _write_id_map("/proc/self/gid_map", f"0 {gid} 1")
    if libc.unshare(CLONE_NEWNET | CLONE_NEWNS) != 0:
        raise _fail("unshare(CLONE_NEWNET|CLONE_NEWNS)")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise _fail("mount --make-rprivate /")
    mount_views(files)


def mount_views(files: dict[str, str]) -> None:
    """A tmpfs on /sys/class/net with the generated attributes."""
    if not os.path.isdir(SYSFS_NET):
        return
    if libc.mount(b"tmpfs", SYSFS_NET.encode(), b"tmpfs", 0, b"mode=0755") != 0:
        raise _fail(f"mount tmpfs on {SYSFS_NET}")
    for path, text in files.items():
        if path.startswith(SYSFS_NET + "/"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)


def die_with_parent() -> None:
    """PR_SET_PDEATHSIG(SIGKILL): the child never outlives its supervisor."""
    libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
