"""seccomp user notification, x86_64 (include/uapi/linux/seccomp.h, kernel/seccomp.c).

The child installs `build_filter()`'s program with SECCOMP_FILTER_FLAG_NEW_LISTENER and hands the
listener to the supervisor, which reads each notified syscall (`Listener.recv`) and answers it
(`respond`), lets it run natively (`allow`), or installs a descriptor in the caller (`addfd`).
"""
from __future__ import annotations

import ctypes
import os
import platform as _platform
import struct

from netkernel.uapi import errno as E

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.ioctl.restype = ctypes.c_int
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
_ioctl = libc.ioctl
_memset = ctypes.memset
libc.prctl.restype = ctypes.c_int
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong]

# x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl)
NR = dict(read=0, write=1, open=2, close=3, mmap=9, ioctl=16, readv=19, writev=20, dup=32, dup2=33,
          socket=41, connect=42, accept=43, sendto=44, recvfrom=45, sendmsg=46, recvmsg=47,
          shutdown=48, bind=49, listen=50, getsockname=51, getpeername=52, setsockopt=54,
          getsockopt=55, fcntl=72, kcmp=312, seccomp=317, accept4=288, dup3=292, recvmmsg=299,
          sendmmsg=307, openat=257, openat2=437, pidfd_open=434, pidfd_getfd=438)
NR_NAME = {v: k for k, v in NR.items()}
X32_SYSCALL_BIT = 0x40000000

# the syscalls notified when their descriptor (args[0]) is a placeholder
FD_SYSCALLS = ("read", "write", "close", "readv", "writev", "dup", "connect", "accept", "sendto",
               "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen", "getsockname",
               "getpeername", "setsockopt", "getsockopt", "fcntl", "accept4", "recvmmsg",
               "sendmmsg")

# notified whatever their arguments (the path is in the caller's memory)
OPEN_SYSCALLS = ("open", "openat", "openat2")

AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_GET_NOTIF_SIZES = 3
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_USER_NOTIF = 0x7FC00000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
SECCOMP_ADDFD_FLAG_SETFD = 1
SECCOMP_ADDFD_FLAG_SEND = 2
SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1
PR_SET_NO_NEW_PRIVS = 38
O_CLOEXEC = 0o2000000

# the first kernel with each feature the boundary needs, and the name a user can look up
FEATURES = (((5, 0), "SECCOMP_FILTER_FLAG_NEW_LISTENER (user notification)"),
            ((5, 5), "SECCOMP_USER_NOTIF_FLAG_CONTINUE"),
            ((5, 9), "SECCOMP_IOCTL_NOTIF_ADDFD"),
            ((5, 14), "SECCOMP_ADDFD_FLAG_SEND"))


class seccomp_data(ctypes.Structure):
    _fields_ = [("nr", ctypes.c_int), ("arch", ctypes.c_uint32),
                ("instruction_pointer", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6)]


class seccomp_notif(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("pid", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("data", seccomp_data)]


class seccomp_notif_resp(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("val", ctypes.c_int64), ("error", ctypes.c_int32),
                ("flags", ctypes.c_uint32)]


class seccomp_notif_addfd(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("flags", ctypes.c_uint32), ("srcfd", ctypes.c_uint32),
                ("newfd", ctypes.c_uint32), ("newfd_flags", ctypes.c_uint32)]


class sock_filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class sock_fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(sock_filter))]


def _ioc(direction: int, nr: int, size: int) -> int:
    """_IOC(dir, '!', nr, size) (include/uapi/asm-generic/ioctl.h)."""
    return (direction << 30) | (size << 16) | (ord("!") << 8) | nr


_IOC_WRITE, _IOC_READ = 1, 2
SECCOMP_IOCTL_NOTIF_RECV = _ioc(_IOC_READ | _IOC_WRITE, 0, ctypes.sizeof(seccomp_notif))
SECCOMP_IOCTL_NOTIF_SEND = _ioc(_IOC_READ | _IOC_WRITE, 1, ctypes.sizeof(seccomp_notif_resp))
SECCOMP_IOCTL_NOTIF_ID_VALID = _ioc(_IOC_WRITE, 2, 8)
SECCOMP_IOCTL_NOTIF_ADDFD = _ioc(_IOC_WRITE, 3, ctypes.sizeof(seccomp_notif_addfd))
SECCOMP_IOCTL_NOTIF_SET_FLAGS = _ioc(_IOC_WRITE, 4, 8)


# ---------------------------------------------------------------- the filter

# classic BPF opcodes (include/uapi/linux/filter.h)
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGT_K = 0x25
BPF_JGE_K = 0x35
BPF_RET_K = 0x06
OFF_NR = seccomp_data.nr.offset
OFF_ARCH = seccomp_data.arch.offset


def _arg_lo(i: int) -> int:
    """Offset of the low 32 bits of args[i] (little endian): descriptors are ints."""
    return seccomp_data.args.offset + 8 * i


class _Asm:
    """A tiny classic-BPF assembler whose jump targets are labels."""

    def __init__(self):
        self.prog: list = []
        self.labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self.labels[name] = len(self.prog)

    def op(self, code: int, k: int, jt=0, jf=0) -> None:
        self.prog.append((code, jt, jf, k))

    def in_range(self, off: int, lo: int, hi: int, yes: str, no: str) -> None:
        self.op(BPF_LD_W_ABS, off)
        self.op(BPF_JGE_K, lo, 0, no)
        self.op(BPF_JGT_K, hi, no, yes)

    def assemble(self) -> list[tuple[int, int, int, int]]:
        out = []
        for pc, (code, jt, jf, k) in enumerate(self.prog):
            jt = self.labels[jt] - pc - 1 if isinstance(jt, str) else jt
            jf = self.labels[jf] - pc - 1 if isinstance(jf, str) else jf
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise ValueError("seccomp filter: jump out of range")
            out.append((code, jt, jf, k))
        return out


def build_filter(lo: int, hi: int, families: dict[int, tuple[int, ...] | None],
                 ioctl_lo: int = 0x8910, ioctl_hi: int = 0x89FF,
                 opens: bool = True) -> list[tuple]:
    """The program: wrong arch or x32 → ENOSYS; notify socket() of the `families` (a family maps
    to None for every protocol, or to the protocols to take), ioctl() with a request in
    [ioctl_lo, ioctl_hi] on any descriptor, every open/openat/openat2 (with `opens`: the
    generated /sys/class/net and /proc/net files, platform/views.py), and the descriptor calls
    whose fd (args[4] for mmap, either fd for dup2/dup3) lies in [lo, hi]; allow everything
    else."""
    a = _Asm()
    a.op(BPF_LD_W_ABS, OFF_ARCH)
    a.op(BPF_JEQ_K, AUDIT_ARCH_X86_64, 0, "enosys")
    a.op(BPF_LD_W_ABS, OFF_NR)
    a.op(BPF_JGE_K, X32_SYSCALL_BIT, "enosys", 0)
    a.op(BPF_JEQ_K, NR["socket"], "socket", 0)
    a.op(BPF_JEQ_K, NR["ioctl"], "ioctl", 0)
    a.op(BPF_JEQ_K, NR["mmap"], "fd4", 0)
    a.op(BPF_JEQ_K, NR["dup2"], "fd01", 0)
    a.op(BPF_JEQ_K, NR["dup3"], "fd01", 0)
    if opens:
        for name in OPEN_SYSCALLS:
            a.op(BPF_JEQ_K, NR[name], "notify", 0)
    for name in FD_SYSCALLS:
        a.op(BPF_JEQ_K, NR[name], "fd0", 0)
    a.op(BPF_RET_K, SECCOMP_RET_ALLOW)
    a.label("socket")
    for i, (family, protos) in enumerate(sorted(families.items())):
        a.op(BPF_LD_W_ABS, _arg_lo(0))
        nxt = f"family{i + 1}"
        if protos is None:
            a.op(BPF_JEQ_K, family, "notify", nxt)
        else:
            a.op(BPF_JEQ_K, family, 0, nxt)
            a.op(BPF_LD_W_ABS, _arg_lo(2))
            for p in protos:
                a.op(BPF_JEQ_K, p, "notify", 0)
            a.op(BPF_RET_K, SECCOMP_RET_ALLOW)
        a.label(nxt)
    a.op(BPF_RET_K, SECCOMP_RET_ALLOW)
    a.label("ioctl")
    a.in_range(_arg_lo(1), ioctl_lo, ioctl_hi, "notify", "fd0")
    a.label("fd01")
    a.in_range(_arg_lo(1), lo, hi, "notify", "fd0")
    a.label("fd0")
    a.in_range(_arg_lo(0), lo, hi, "notify", "allow")
    a.label("fd4")
    a.in_range(_arg_lo(4), lo, hi, "notify", "allow")
    a.label("allow")
    a.op(BPF_RET_K, SECCOMP_RET_ALLOW)
    a.label("notify")
    a.op(BPF_RET_K, SECCOMP_RET_USER_NOTIF)
    a.label("enosys")
    a.op(BPF_RET_K, SECCOMP_RET_ERRNO | E.ENOSYS)
    return a.assemble()


def install_filter(insns: list[tuple]) -> tuple[int, bool]:
    """In the child: no_new_privs when not root, then seccomp(SET_MODE_FILTER, NEW_LISTENER |
    WAIT_KILLABLE_RECV). Returns the listener descriptor, and whether WAIT_KILLABLE_RECV (5.19+)
    took: then a notification the supervisor has received can no longer be interrupted by a
    signal (only a fatal one), so an answer the supervisor sends is never lost — the supervisor
    itself interrupts a parked call when a signal is pending (see Supervisor._park). Raises
    OSError naming what failed."""
    arr = (sock_filter * len(insns))(*[sock_filter(*i) for i in insns])
    prog = sock_fprog(len(insns), arr)
    if os.geteuid() != 0 and libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
    for flags in (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                  SECCOMP_FILTER_FLAG_NEW_LISTENER):
        fd = libc.syscall(NR["seccomp"], SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(prog))
        if fd >= 0:
            return fd, bool(flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        err = ctypes.get_errno()
        if err != E.EINVAL:
            break
    if err == E.EINVAL:
        raise OSError(err, "this kernel lacks seccomp's SECCOMP_FILTER_FLAG_NEW_LISTENER "
                           "(user notification, Linux 5.0+)")
    raise OSError(err, f"seccomp(SECCOMP_SET_MODE_FILTER): {os.strerror(err)}")


def missing_feature(release: str | None = None) -> str | None:
    """The first seccomp feature this host's kernel lacks, by name, or None. Checked by version
    (the features cannot all be probed without a filter) and by the seccomp syscall itself."""
    if _platform.machine() != "x86_64":
        return f"x86_64 (this machine is {_platform.machine()})"
    release = release or os.uname().release
    try:
        version = tuple(int(x) for x in release.split("-")[0].split(".")[:2])
    except ValueError:
        version = (0, 0)
    for since, name in FEATURES:
        if version < since:
            return f"{name}, Linux {since[0]}.{since[1]}+ (this kernel is {release})"
    sizes = (ctypes.c_uint16 * 3)()
    if libc.syscall(NR["seccomp"], SECCOMP_GET_NOTIF_SIZES, 0, ctypes.byref(sizes)) != 0:
        return "seccomp(SECCOMP_GET_NOTIF_SIZES) (a kernel built without CONFIG_SECCOMP_FILTER?)"
    return None


# ---------------------------------------------------------------- the supervisor's side

class Notification:
    """One notified syscall: the calling thread's id, the syscall number and its arguments."""
    __slots__ = ("id", "pid", "nr", "args")

    def __init__(self, id: int, pid: int, nr: int, args: tuple):
        self.id, self.pid, self.nr, self.args = id, pid, nr, args


NOTIF = struct.Struct("=QIIiIQ6Q")     # struct seccomp_notif, flat: id, pid, flags, data
RESP = struct.Struct("=QqiI")          # struct seccomp_notif_resp
assert NOTIF.size == ctypes.sizeof(seccomp_notif) and RESP.size == ctypes.sizeof(seccomp_notif_resp)


class Listener:
    """The listener descriptor and its ioctls. Safe to answer from several threads; `recv` runs
    on one thread only (it reuses one buffer)."""

    def __init__(self, fd: int):
        self.fd = fd
        self._notif = ctypes.create_string_buffer(NOTIF.size)
        self._notif_addr = ctypes.addressof(self._notif)
        self.sync_wakeup = False
        self.killable_recv = False        # the filter has SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV

    def enable_sync_wakeup(self) -> bool:
        """SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6+): wake the supervisor on the CPU the child
        runs on; a round trip costs about half. False where the kernel has no such flag."""
        self.sync_wakeup = libc.ioctl(self.fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                                      ctypes.c_void_p(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)) == 0
        return self.sync_wakeup

    def recv(self) -> Notification | None:
        """The next notification, or None when its caller is already gone (ENOENT) or a signal
        interrupted the wait."""
        addr = self._notif_addr
        _memset(addr, 0, NOTIF.size)      # the kernel wants it zeroed
        if _ioctl(self.fd, SECCOMP_IOCTL_NOTIF_RECV, addr) < 0:
            err = ctypes.get_errno()
            if err in (E.ENOENT, E.EINTR):
                return None
            raise OSError(err, f"SECCOMP_IOCTL_NOTIF_RECV: {os.strerror(err)}")
        f = NOTIF.unpack_from(self._notif)
        return Notification(f[0], f[1], f[3], f[6:])

    def respond(self, nid: int, val: int = 0, error: int = 0, flags: int = 0) -> bool:
        """Answer: `val`, or -`error`. False when the caller no longer waits (a signal arrived,
        or it died): the answer was not delivered."""
        return _ioctl(self.fd, SECCOMP_IOCTL_NOTIF_SEND,
                      RESP.pack(nid, val, -error if error else 0, flags)) == 0

    def allow(self, nid: int) -> bool:
        """Let the syscall run natively (SECCOMP_USER_NOTIF_FLAG_CONTINUE)."""
        return self.respond(nid, flags=SECCOMP_USER_NOTIF_FLAG_CONTINUE)

    def id_valid(self, nid: int) -> bool:
        """Is the caller still waiting for this answer?"""
        v = ctypes.c_uint64(nid)
        return libc.ioctl(self.fd, SECCOMP_IOCTL_NOTIF_ID_VALID, ctypes.byref(v)) == 0

    def addfd(self, nid: int, srcfd: int, newfd: int | None = None, cloexec: bool = False,
              send: bool = False) -> int:
        """Install a duplicate of our `srcfd` in the caller (at `newfd` if given); with `send`,
        the descriptor number is also the syscall's return value (the answer is sent)."""
        flags = (SECCOMP_ADDFD_FLAG_SETFD if newfd is not None else 0) | \
                (SECCOMP_ADDFD_FLAG_SEND if send else 0)
        a = seccomp_notif_addfd(nid, flags, srcfd, newfd or 0, O_CLOEXEC if cloexec else 0)
        got = libc.ioctl(self.fd, SECCOMP_IOCTL_NOTIF_ADDFD, ctypes.byref(a))
        if got < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"SECCOMP_IOCTL_NOTIF_ADDFD: {os.strerror(err)}")
        return got

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
