"""The supervisor: reads each notified syscall of the run's processes and serves it from the
model, as the syscall layer of a real kernel would (gVisor's sentry, for the network only).

One handler per syscall (`sys_NAME`). A handler returns the syscall's value or a negative errno,
CONTINUE (not a model socket: the host kernel runs the call), or DONE (already answered: a
descriptor installed with ADDFD|SEND, or a call parked on a worker).

Blocking calls never stall the loop: a call that would block is parked on a worker thread that
waits on the model socket and tries again. Before consuming anything, and in the answer itself,
the caller must still be waiting (SECCOMP_IOCTL_NOTIF_ID_VALID; SEND fails once a signal has
interrupted it). A received frame is taken from the model socket only after the answer carrying it
was delivered (peek, answer, consume, under the socket's receive lock): when the answer fails the
frame stays at the head of the queue for the restarted call — no frame is lost to a signal.

SEND succeeding is not the whole story: a signal that wakes the caller just before SEND lands
makes the kernel drop the answer anyway (seccomp_do_user_notification sees the interrupted wait
first). So the filter asks for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19+): once received, a
call waits for its answer through any non-fatal signal, and a parked call is interrupted by the
supervisor instead — when a signal is pending for the caller it answers ERESTARTSYS (the arch
code restarts the call or fails it with EINTR, by SA_RESTART, as Linux would) within
SIGNAL_CHECK. On older kernels the window remains (a frame can be lost to a signal arriving in
the microseconds between the caller waking and the answer).
"""
from __future__ import annotations

import collections
import ctypes
import os
import select
import struct
import sys
import threading
import time
import traceback

from netkernel.include.linux.uaccess import kthread_unuse_mm, kthread_use_mm
from netkernel.net import socket as sys_net
from netkernel.net.core.datagram import EPOLLIN, EPOLLOUT
from netkernel.platform import inproc, views
from netkernel.mm.mmap import mmap_file
from netkernel.platform.files import KCMP_FILES, FileTable, ModelSocket, kcmp, run_processes
from netkernel.platform.ioctl import SIOC_FIRST, SIOC_LAST, device_ioctl
from netkernel.platform.memory import ProcessMemory, iovec
from netkernel.platform.seccomp import NR, NR_NAME, Listener, Notification
from netkernel.uapi import errno as E
from netkernel.uapi.socket import (AF_NETLINK, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_NONBLOCK,
                                   SOCKADDR_STORAGE_SIZE, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO)
from netkernel.uapi.sockios import SIOCSIFNAME

CONTINUE = object()
DONE = object()
_WOULD_BLOCK = object()

MSG_PEEK = 0x2
MSG_TRUNC = 0x20
MSG_ERRQUEUE = 0x2000
MSG_WAITFORONE = 0x10000
UIO_MAXIOV = 1024
ERESTARTSYS = 512            # include/linux/errno.h: restart, or EINTR, as the handler says
SIGNAL_CHECK = 0.01          # how often a parked call looks for a pending signal
LEFTOVER_GRACE = 0.5         # s the processes the program left behind are still served
SHUTDOWN_WAIT = 2.0          # s to wait for them to be gone once killed
MAX_SEND = 1 << 20           # DIVERGENCE(#10): a larger send is refused (EMSGSIZE) unread
F_DUPFD, F_DUPFD_CLOEXEC = 0, 1030
FIONREAD, SIOCOUTQ = 0x541B, 0x5411
# FIONBIO, FIONCLEX, FIOCLEX, FIOASYNC: they act on the file, which the eventfd's is
NATIVE_FILE_IOCTLS = frozenset((0x5421, 0x5450, 0x5451, 0x5452))
O_CLOEXEC = 0o2000000
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
TIMEVAL = struct.Struct("=qq")
INT = struct.Struct("=i")


class msghdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_uint64), ("msg_namelen", ctypes.c_uint32),
                ("msg_iov", ctypes.c_uint64), ("msg_iovlen", ctypes.c_uint64),
                ("msg_control", ctypes.c_uint64), ("msg_controllen", ctypes.c_uint64),
                ("msg_flags", ctypes.c_int)]


class mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", msghdr), ("msg_len", ctypes.c_uint)]


class cmsghdr(ctypes.Structure):
    _fields_ = [("cmsg_len", ctypes.c_uint64), ("cmsg_level", ctypes.c_int),
                ("cmsg_type", ctypes.c_int)]


MSGHDR_SIZE = ctypes.sizeof(msghdr)
MMSGHDR_SIZE = ctypes.sizeof(mmsghdr)
CMSGHDR_SIZE = ctypes.sizeof(cmsghdr)
IOVEC_SIZE = ctypes.sizeof(iovec)


def _int(v: int) -> int:
    """The low 32 bits of a syscall argument as a C int."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _cmsg_align(n: int) -> int:
    return (n + 7) & ~7


class Msg:
    """A user msghdr read from the child."""
    __slots__ = ("addr", "name", "namelen", "iovs", "control", "controllen")

    def __init__(self, mem: ProcessMemory, addr: int):
        h = msghdr.from_buffer_copy(mem.read(addr, MSGHDR_SIZE))
        self.addr = addr
        self.name, self.namelen = h.msg_name, h.msg_namelen
        self.control, self.controllen = h.msg_control, h.msg_controllen
        self.iovs = read_iovecs(mem, h.msg_iov, h.msg_iovlen)

    def size(self) -> int:
        return sum(n for _, n in self.iovs)


def read_iovecs(mem: ProcessMemory, addr: int, count: int) -> list[tuple[int, int]]:
    """An iovec array (import_iovec): more than UIO_MAXIOV is EMSGSIZE."""
    if count > UIO_MAXIOV:
        raise OSError(E.EMSGSIZE, E.strerror(E.EMSGSIZE))
    raw = mem.read(addr, IOVEC_SIZE * count) if count else b""
    return [struct.unpack_from("=QQ", raw, IOVEC_SIZE * i) for i in range(count)]


def gather(mem: ProcessMemory, iovs) -> bytes:
    return b"".join(mem.read(base, n) for base, n in iovs if n)


def scatter_parts(iovs, data: bytes) -> list:
    """The (address, bytes) pieces that spread `data` over the iovecs, in order."""
    out, off = [], 0
    for base, n in iovs:
        if off >= len(data):
            break
        chunk = data[off:off + n]
        out.append((base, chunk))
        off += len(chunk)
    return out


def parse_cmsgs(raw: bytes) -> list[tuple[int, int, bytes]]:
    """The control messages of a sendmsg (a truncated header is EINVAL, as __scm_send says)."""
    out, off = [], 0
    while off + CMSGHDR_SIZE <= len(raw):
        c = cmsghdr.from_buffer_copy(raw, off)
        if c.cmsg_len < CMSGHDR_SIZE or off + c.cmsg_len > len(raw):
            raise OSError(E.EINVAL, E.strerror(E.EINVAL))
        out.append((c.cmsg_level, c.cmsg_type, raw[off + CMSGHDR_SIZE:off + c.cmsg_len]))
        off += _cmsg_align(c.cmsg_len)
    return out


def pack_cmsgs(anc, room: int) -> bytes:
    """put_cmsg's layout: each header and data, padded to CMSG_SPACE while room is left."""
    out = b""
    for level, type, data in anc:
        ent = bytes(cmsghdr(CMSGHDR_SIZE + len(data), level, type)) + bytes(data)
        if len(out) + len(ent) > room:
            break
        out += ent.ljust(min(_cmsg_align(len(ent)), room - len(out)), b"\0")
    return out


class Supervisor:
    """Serves one run: the listener, the root process, the model view the calls enter."""

    def __init__(self, view, listener: Listener, root_pid: int, lo: int, hi: int,
                 log=None):
        self.view = view
        self.listener = listener
        self.root = root_pid
        self.files = FileTable(lo, hi)
        self.log = log
        self.stats: collections.Counter = collections.Counter()
        self.handlers = {nr: getattr(self, "sys_" + name) for name, nr in NR.items()
                         if hasattr(self, "sys_" + name)}
        self._seen: set[int] = set()
        self._pidfds: dict[int, int] = {}        # pidfd → tgid of a process that made a call
        self._pending_pids: list[int] = []       # callers not yet given a pidfd
        self._swapped: list = []                 # (pid, fd, socket, cloexec) lent to a mapping
        self.netns: str | None = None            # the run's network namespace, "net:[inode]"
        self.sysfs = views.SysfsMirror(view)     # the tmpfs on /sys/class/net, kept in step
        try:
            self.sysfs.names = tuple(inproc.sysfs(view, views.SYSFS_NET))
        except OSError:
            pass

    # ------------------------------------------------------------ the loop
    def serve(self) -> int:
        """Serve until the root process exits; returns its exit status (128+N for signal N)."""
        listener = self.listener
        lfd = listener.fd
        p = select.poll()
        p.register(lfd, select.POLLIN)
        rootfd = os.pidfd_open(self.root)
        p.register(rootfd, select.POLLIN)
        self.netns = _netns(self.root)
        poll, recv, dispatch, pending = p.poll, listener.recv, self.dispatch, self._pending_pids
        POLLIN = select.POLLIN
        last_sweep = time.monotonic()
        served = 0
        try:
            while True:
                events = poll(1000)
                for fd, ev in events:
                    if fd == lfd:
                        if ev & POLLIN:
                            n = recv()
                            if n is not None:
                                dispatch(n)
                        elif ev & (select.POLLHUP | select.POLLERR):
                            p.unregister(fd)
                    elif fd == rootfd:
                        status = self._reap()
                        self._shutdown()
                        return status
                    else:                            # a process of the run exited
                        p.unregister(fd)
                        os.close(fd)
                        self._pidfds.pop(fd, None)
                        self.files.sweep(self._processes())
                if pending:
                    for pfd in self._new_pidfds():
                        p.register(pfd, POLLIN)
                served += 1
                if not events or (not served & 0x3FF and time.monotonic() - last_sweep > 2):
                    self.files.sweep(self._processes())  # exec'd CLOEXEC sockets, holders gone
                    last_sweep = time.monotonic()
        finally:
            os.close(rootfd)
            for pfd in self._pidfds:
                os.close(pfd)
            self._pidfds.clear()
            self.files.release_all()

    def _processes(self) -> list[int]:
        """The run's processes: the program and its descendants, and whatever else is in its
        network namespace (what it left behind or double-forked)."""
        return run_processes(self.root, self.netns)

    def _shutdown(self) -> None:
        """The started program has exited: the machine goes, and with it every process the
        program left behind (as when a PID namespace's init exits), so none of them is left on
        the host calling a kernel that is gone (a closed listener fails their calls with ENOSYS).
        For LEFTOVER_GRACE they are still served (one told to stop by the program, a `kill %1`,
        finishes its way out: a capture closes its file); then they are killed: those in the
        run's network namespace at once, any other one at its next call; until no process holds
        the filter, SHUTDOWN_WAIT at most."""
        listener = self.listener
        p = select.poll()
        p.register(listener.fd, select.POLLIN)
        for wait, serve in ((LEFTOVER_GRACE, True), (SHUTDOWN_WAIT, False)):
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                for _fd, ev in p.poll(20):
                    if ev & (select.POLLHUP | select.POLLERR):
                        return                   # no process of the run is left
                    n = listener.recv()
                    if n is None:
                        continue
                    if serve:
                        self.dispatch(n)
                    else:                        # its wait is killable: no answer needed
                        _kill(_tgid(n.pid) or n.pid)
            if serve:
                for pid in _in_netns(self.netns):
                    _kill(pid)

    def _reap(self) -> int:
        _, status = os.waitpid(self.root, 0)
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code

    def _new_pidfds(self):
        out = []
        for tid in self._pending_pids:
            tgid = _tgid(tid)
            if tgid is None or tgid == self.root or tgid in self._pidfds.values():
                continue
            try:
                pfd = os.pidfd_open(tgid)
            except OSError:
                continue
            self._pidfds[pfd] = tgid
            out.append(pfd)
        self._pending_pids.clear()
        return out

    def dispatch(self, n: Notification) -> None:
        pid = n.pid
        if pid not in self._seen:
            self._seen.add(pid)
            self._pending_pids.append(pid)
        if self._swapped:
            self._restore_placeholders(n)
        h = self.handlers.get(n.nr)
        try:
            r = CONTINUE if h is None else h(n, ProcessMemory(pid))
        except OSError as e:
            r = -(e.errno or E.EIO)
        except Exception:                         # a supervisor bug must not hang the program
            traceback.print_exc()
            r = -E.EIO
        if r is DONE:
            return
        if r is CONTINUE:
            self.listener.allow(n.id)
            return
        if self.log is not None:
            self.log(f"{NR_NAME.get(n.nr, n.nr)}{tuple(hex(a) for a in n.args[:3])} = {r}")
        self._answer(n.id, r)

    def _answer(self, nid: int, r: int) -> bool:
        if r < 0:
            return self.listener.respond(nid, error=-r)
        return self.listener.respond(nid, val=r)

    def _sock(self, n: Notification, i: int = 0) -> ModelSocket | None:
        return self.files.lookup(n.pid, n.args[i])

    # ------------------------------------------------------------ blocking
    def _io(self, n: Notification, ms: ModelSocket, flags: int, events: int, attempt):
        """Try `attempt` (returns (value, after) or raises BlockingIOError; `after` runs only if
        the answer was delivered); if it would block, answer EAGAIN for a non-blocking call or
        park the call on a worker."""
        if self._attempt(n, ms, attempt, events) is not _WOULD_BLOCK:
            return DONE
        if flags & MSG_DONTWAIT or ms.nonblocking():
            return -E.EAGAIN
        self.stats["parked"] += 1
        threading.Thread(target=self._park, args=(n, ms, events, attempt), daemon=True,
                         name=f"nk-call-{n.id}").start()
        return DONE

    def _attempt(self, n: Notification, ms: ModelSocket, attempt, events: int = EPOLLIN):
        with ms.io_lock:
            try:
                val, after = attempt()
            except BlockingIOError:
                return _WOULD_BLOCK
            except OSError as e:
                val, after = -(e.errno or E.EIO), None
            delivered = self._answer(n.id, val)
            if delivered and after is not None:
                after()
            if not delivered:
                self.stats["answer lost to a signal"] += 1
        if events == EPOLLIN:        # a receive may have emptied the queue; sends are watched
            ms.refresh()
        return DONE

    def _timeout(self, ms: ModelSocket, events: int) -> float | None:
        """SO_RCVTIMEO / SO_SNDTIMEO in seconds (None: forever)."""
        opt = SO_RCVTIMEO if events == EPOLLIN else SO_SNDTIMEO
        try:
            sec, usec = TIMEVAL.unpack(inproc.call(self.view, sys_net.sys_getsockopt, ms.nkfd,
                                                   SOL_SOCKET, opt, TIMEVAL.size))
        except OSError:
            return None
        return None if sec == 0 and usec == 0 else sec + usec / 1e6

    def _park(self, n: Notification, ms: ModelSocket, events: int, attempt) -> None:
        listener = self.listener
        timeo = self._timeout(ms, events)
        deadline = None if timeo is None else time.monotonic() + timeo
        while True:
            if not listener.id_valid(n.id):      # interrupted (a signal) or gone: take nothing
                self.stats["parked call abandoned"] += 1
                return
            if ms.closed:
                listener.respond(n.id, error=E.EBADF)
                return
            if listener.killable_recv:
                # the kernel no longer interrupts the wait for a signal: do what it would do,
                # once one is pending for the caller (restart or EINTR, by its SA_RESTART)
                err = signal_pending(n.pid)
                if err:
                    self.stats["parked call interrupted"] += 1
                    listener.respond(n.id, error=err)
                    return
            wait = SIGNAL_CHECK if listener.killable_recv else 0.2
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    listener.respond(n.id, error=E.EAGAIN)
                    return
            inproc.poll(self.view, ms.nkfd, events, wait)
            if listener.id_valid(n.id) and \
                    self._attempt(n, ms, attempt, events) is not _WOULD_BLOCK:
                return

    # ------------------------------------------------------------ socket, descriptors
    def sys_socket(self, n, mem):
        family, type, protocol = _int(n.args[0]), _int(n.args[1]), _int(n.args[2])
        view = self.view
        nkfd = view.sys_socket(family, (type & ~SOCK_CLOEXEC) | SOCK_NONBLOCK, protocol)
        efd = os.eventfd(0, os.EFD_CLOEXEC | (os.EFD_NONBLOCK if type & SOCK_NONBLOCK else 0))
        ms = ModelSocket(view, nkfd, efd, family)
        slot = self.files.free_slot(n.pid)
        if slot is None:
            ms.release()
            return -E.EMFILE
        self.files.add(ms)
        try:
            self.listener.addfd(n.id, efd, slot, bool(type & SOCK_CLOEXEC), send=True)
        except OSError as e:
            self.files.sweep(self._processes())
            if e.errno == E.ENOENT:          # the caller is gone (a signal): nothing to answer
                return DONE
            return -(e.errno or E.EIO)
        ms.watcher.start()
        self.stats["socket"] += 1
        return DONE

    def _install(self, n, ms: ModelSocket, newfd: int, cloexec: bool):
        """A new descriptor (dup) for the same socket: the same open file, another number."""
        self.listener.addfd(n.id, ms.efd, newfd, cloexec, send=True)
        self.files.sweep(self._processes())  # newfd may have replaced another model socket
        return DONE

    def sys_dup(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        # the lowest free number would lie outside the reserved range, out of the filter's
        # sight: the lowest free number inside it instead
        slot = self.files.free_slot(n.pid)
        return -E.EMFILE if slot is None else self._install(n, ms, slot, False)

    def sys_dup3(self, n, mem, dup2: bool = False):
        ms = self._sock(n)
        newfd = n.args[1] & 0xFFFFFFFF
        flags = 0 if dup2 else _int(n.args[2])
        if ms is None:
            if self.files.lookup(n.pid, newfd) is not None:
                # another file replaces a model socket's descriptor: native dup, then see
                # whether the socket is still held
                self.listener.allow(n.id)
                self.files.sweep(self._processes())
                return DONE
            return CONTINUE
        if flags & ~O_CLOEXEC:
            return -E.EINVAL
        if newfd == n.args[0] & 0xFFFFFFFF:
            return newfd if dup2 else -E.EINVAL
        if not self.files.lo <= newfd <= self.files.hi:
            # DIVERGENCE(#10): a model socket cannot leave the reserved range (the filter would
            # no longer see its calls); refused rather than followed.
            return -E.EINVAL
        return self._install(n, ms, newfd, bool(flags & O_CLOEXEC))

    def sys_dup2(self, n, mem):
        return self.sys_dup3(n, mem, dup2=True)

    def sys_fcntl(self, n, mem):
        cmd = _int(n.args[1])
        if cmd not in (F_DUPFD, F_DUPFD_CLOEXEC):
            return CONTINUE                  # F_GETFL/F_SETFL/F_GETFD...: the eventfd's file
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        slot = self.files.free_slot(n.pid, _int(n.args[2]))
        return -E.EMFILE if slot is None else self._install(n, ms, slot, cmd == F_DUPFD_CLOEXEC)

    def sys_close(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        self.listener.allow(n.id)            # the real close() drops the child's eventfd
        self.files.sweep(self._processes(), closing=(n.pid, n.args[0] & 0xFFFFFFFF))
        return DONE

    def sys_mmap(self, n, mem):
        """mmap of a packet socket's rings. The model's ring pages live in a memfd (mm/mmap.py
        mmap_file): that memfd is put at the placeholder's number in the caller (ADDFD), the
        caller's own mmap runs natively on it (CONTINUE), and the eventfd goes back at that
        number at the process's next notified call (`_restore_placeholders`). Until then the
        descriptor is the memfd (DIVERGENCE(#10): a poll on it in between reports readable;
        libpcap binds right after mapping, which restores it)."""
        ms = self._sock(n, 4)
        if ms is None:
            return CONTINUE
        _, length, prot, flags, fd, offset = n.args
        fd &= 0xFFFFFFFF
        if offset & (PAGE_SIZE - 1):
            return -E.EINVAL
        got = self.view._call(mmap_file, ms.nkfd, length, _int(prot), _int(flags),
                              offset >> PAGE_SHIFT)
        memfd, munmap = got
        ms.areas.append(munmap)
        cloexec = _fd_cloexec(n.pid, fd)
        self.listener.addfd(n.id, memfd, fd, cloexec)
        self._swapped.append((n.pid, fd, ms, cloexec))
        return CONTINUE

    def _restore_placeholders(self, n: Notification) -> None:
        """Put the eventfds back where a mapping borrowed their number, in n's process."""
        keep = []
        for pid, fd, ms, cloexec in self._swapped:
            if pid == n.pid or kcmp(n.pid, pid, KCMP_FILES) == 0:
                if not ms.closed:
                    self.listener.addfd(n.id, ms.efd, fd, cloexec)
            else:
                keep.append((pid, fd, ms, cloexec))
        self._swapped = keep

    # ------------------------------------------------------------ opens (platform/views.py)
    def _open(self, n, mem, dirfd: int, path_p: int, flags: int):
        """An open of a generated /sys/class/net or /proc/net file: a memfd with the model's
        text now; a /sys/class/net directory: the tmpfs brought in step first; anything else
        runs natively."""
        try:
            head = mem.read(path_p, 6)       # most opens are decided by their first bytes
        except OSError:
            head = b""                       # near the end of a mapping: read it as a string
        if head[:1] == b"/" and not head.startswith((b"/sys/", b"/proc/")):
            return CONTINUE
        try:
            raw = mem.read_cstr(path_p, views.PATH_MAX)
        except OSError:
            return CONTINUE                  # the host's open gives EFAULT itself
        if raw[:1] == b"/" and not raw.startswith((b"/sys/", b"/proc/")):
            return CONTINUE
        path = views.resolve(n.pid, dirfd, raw.decode(errors="surrogateescape"))
        if path is None:
            return CONTINUE
        got = views.generated(self.view, path)
        if got is None:
            return CONTINUE
        kind, what = got
        if kind == "dir":
            self.sysfs.sync(n.pid)
            return CONTINUE
        if kind == "errno":
            self.sysfs.sync(n.pid)
            return -what
        if flags & views.O_ACCMODE:
            return -E.EACCES
        fd = views.memfd_with(what)
        try:
            self.listener.addfd(n.id, fd, None, bool(flags & views.O_CLOEXEC), send=True)
        except OSError as e:
            if e.errno != E.ENOENT:          # ENOENT: the caller is gone (a signal)
                return -(e.errno or E.EIO)
        finally:
            os.close(fd)
        self.stats["view opened"] += 1
        return DONE

    def sys_open(self, n, mem):
        return self._open(n, mem, views.AT_FDCWD, n.args[0], _int(n.args[1]))

    def sys_openat(self, n, mem):
        return self._open(n, mem, _int(n.args[0]), n.args[1], _int(n.args[2]))

    def sys_openat2(self, n, mem):
        how = mem.read(n.args[2], 8) if _int(n.args[3]) >= 8 else b"\0" * 8
        return self._open(n, mem, _int(n.args[0]), n.args[1], struct.unpack("=Q", how)[0])

    # ------------------------------------------------------------ addresses
    def _sockaddr_in(self, mem, addr: int, addrlen: int) -> bytes:
        """move_addr_to_kernel: 0..128 bytes, else EINVAL; a bad pointer is EFAULT."""
        addrlen = _int(addrlen)
        if addrlen < 0 or addrlen > SOCKADDR_STORAGE_SIZE:
            raise OSError(E.EINVAL, E.strerror(E.EINVAL))
        return mem.read(addr, addrlen) if addrlen else b""

    @staticmethod
    def _sockaddr_out(mem, addr: int, addrlen_p: int, kaddr: bytes) -> None:
        """move_addr_to_user: copy min(len, *addrlen) bytes, then store the full length."""
        for a, d in Supervisor._sockaddr_parts(mem, addr, addrlen_p, kaddr):
            mem.write(a, d)

    @staticmethod
    def _sockaddr_parts(mem, addr: int, addrlen_p: int, kaddr: bytes) -> list:
        """move_addr_to_user as (address, bytes) pieces to write."""
        if not addr:
            return []
        ulen = INT.unpack(mem.read(addrlen_p, INT.size))[0]
        if ulen < 0:
            raise OSError(E.EINVAL, E.strerror(E.EINVAL))
        return [(addr, kaddr[:ulen]), (addrlen_p, INT.pack(len(kaddr)))]

    def sys_bind(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        return self.view.sys_bind(ms.nkfd, self._sockaddr_in(mem, n.args[1], n.args[2]))

    def sys_connect(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        return self.view.sys_connect(ms.nkfd, self._sockaddr_in(mem, n.args[1], n.args[2]))

    def sys_getsockname(self, n, mem, peer: bool = False):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        view = self.view
        kaddr = view.sys_getpeername(ms.nkfd) if peer else view.sys_getsockname(ms.nkfd)
        self._sockaddr_out(mem, n.args[1], n.args[2], kaddr)
        return 0

    def sys_getpeername(self, n, mem):
        return self.sys_getsockname(n, mem, peer=True)

    def sys_listen(self, n, mem):
        ms = self._sock(n)
        return CONTINUE if ms is None else self.view.sys_listen(ms.nkfd, _int(n.args[1]))

    def sys_accept(self, n, mem):
        ms = self._sock(n)
        return CONTINUE if ms is None else self.view.sys_accept(ms.nkfd)

    sys_accept4 = sys_accept

    def sys_shutdown(self, n, mem):
        ms = self._sock(n)
        return CONTINUE if ms is None else self.view.sys_shutdown(ms.nkfd, _int(n.args[1]))

    # ------------------------------------------------------------ options, ioctl
    def sys_setsockopt(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        level, name, optlen = _int(n.args[1]), _int(n.args[2]), _int(n.args[4])
        if optlen < 0:
            return -E.EINVAL
        optval = mem.read(n.args[3], min(optlen, 1 << 16)) if optlen else b""
        kthread_use_mm(mem)                  # SO_ATTACH_FILTER reads the child's program
        try:
            return self.view.sys_setsockopt(ms.nkfd, level, name, optval)
        finally:
            kthread_unuse_mm()

    def sys_getsockopt(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        level, name, optval_p, optlen_p = _int(n.args[1]), _int(n.args[2]), n.args[3], n.args[4]
        optlen = INT.unpack(mem.read(optlen_p, INT.size))[0]
        if optlen < 0:
            return -E.EINVAL
        # the user's buffer as it was (PACKET_HDRLEN reads it); SOL_SOCKET options never do
        cur = mem.read(optval_p, min(optlen, 1 << 16)) if optlen > 0 and level != SOL_SOCKET \
            else b""
        out = self.view.sys_getsockopt(ms.nkfd, level, name, optlen, cur)
        if type(out) is tuple:               # SO_GET_FILTER: (*optlen as written, the program)
            written, data = out
        else:
            written, data = len(out), out
        mem.write_many(((optval_p, data), (optlen_p, INT.pack(written))))
        return 0

    def sys_ioctl(self, n, mem):
        request = n.args[1] & 0xFFFFFFFF
        ms = self._sock(n)
        if SIOC_FIRST <= request <= SIOC_LAST:
            ret = device_ioctl(self.view, mem, request, n.args[2],
                               None if ms is None else ms.nkfd)
            if request == SIOCSIFNAME and ret == 0:
                self.sysfs.sync(n.pid)
            self.files.settle()              # SIOCSIFFLAGS down: the sockets' ENETDOWN
            return ret
        if ms is None or request in NATIVE_FILE_IOCTLS:
            return CONTINUE                  # FIONBIO etc. act on the shared eventfd file
        if request == FIONREAD:              # SIOCINQ: the length of the next frame
            try:
                size = self.view.sys_recvfrom(ms.nkfd, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT)[0]
            except BlockingIOError:
                size = 0
            mem.write(n.args[2], INT.pack(size))
            return 0
        if request == SIOCOUTQ:
            mem.write(n.args[2], INT.pack(0))
            return 0
        return -E.ENOTTY

    # ------------------------------------------------------------ send
    def _send(self, n, ms, flags: int, data: bytes, addr, anc=None):
        """A send: answered at once unless it would block (then as `_io` says). A send takes no
        receive lock and has nothing to undo when its answer is lost."""
        view = self.view

        def attempt():
            if anc is None:
                ret = view.sys_sendto(ms.nkfd, data, flags | MSG_DONTWAIT, addr)
            else:
                ret = view.sys_sendmsg(ms.nkfd, data, anc, flags | MSG_DONTWAIT, addr)
            if ms.family == AF_NETLINK:      # a link may have come or gone: /sys/class/net
                self.sysfs.sync(n.pid)
            self.files.settle()              # the frame's receivers are readable on return
            return ret, None
        try:
            ret = attempt()[0]
        except BlockingIOError:
            return self._io(n, ms, flags, EPOLLOUT, attempt)
        except OSError as e:
            ret = -(e.errno or E.EIO)
        self._answer(n.id, ret)
        return DONE

    @staticmethod
    def _read_data(mem, addr: int, length: int) -> bytes:
        if length > MAX_SEND:
            raise OSError(E.EMSGSIZE, E.strerror(E.EMSGSIZE))
        return mem.read(addr, length)

    def sys_sendto(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        data = self._read_data(mem, n.args[1], n.args[2])
        addr = self._sockaddr_in(mem, n.args[4], n.args[5]) if n.args[4] else None
        return self._send(n, ms, _int(n.args[3]), data, addr)

    def sys_write(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        return self._send(n, ms, 0, self._read_data(mem, n.args[1], n.args[2]), None)

    def sys_writev(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        iovs = read_iovecs(mem, n.args[1], _int(n.args[2]))
        if sum(ln for _, ln in iovs) > MAX_SEND:
            return -E.EMSGSIZE
        return self._send(n, ms, 0, gather(mem, iovs), None)

    def _msg_out(self, mem, m: Msg):
        """The data, address and control messages of a user msghdr, for sending."""
        if m.size() > MAX_SEND:
            raise OSError(E.EMSGSIZE, E.strerror(E.EMSGSIZE))
        addr = self._sockaddr_in(mem, m.name, m.namelen) if m.name and m.namelen else None
        anc = parse_cmsgs(mem.read(m.control, m.controllen)) if m.control and m.controllen else []
        return gather(mem, m.iovs), addr, anc

    def sys_sendmsg(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        data, addr, anc = self._msg_out(mem, Msg(mem, n.args[1]))
        return self._send(n, ms, _int(n.args[2]), data, addr, anc)

    def sys_sendmmsg(self, n, mem):
        """One message per call (a short count is sendmmsg's right): the caller sends the rest."""
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        if _int(n.args[2]) <= 0:
            return 0
        vec, flags = n.args[1], _int(n.args[3])
        data, addr, anc = self._msg_out(mem, Msg(mem, vec))
        view = self.view

        def attempt():
            sent = view.sys_sendmsg(ms.nkfd, data, anc, flags | MSG_DONTWAIT, addr)
            mem.write(vec + mmsghdr.msg_len.offset, struct.pack("=I", sent))
            self.files.settle()
            return 1, None
        return self._io(n, ms, flags, EPOLLOUT, attempt)

    # ------------------------------------------------------------ receive
    def _receive(self, n, ms, flags: int, fn, args: tuple, deliver):
        """The receive syscall `fn(fd, *args, flags)` (net/socket.py); deliver(answer) writes
        its answer into the child and returns the syscall's value. Peek, answer, then consume
        (see the module docstring). The peek is the supervisor's (untraced); the consume is the
        program's receive, traced as it would run on Linux."""
        view, nkfd = self.view, ms.nkfd

        def attempt():
            if flags & MSG_ERRQUEUE:        # the error queue ignores MSG_PEEK (sock_recv_errqueue)
                try:
                    return deliver(view._call(fn, nkfd, *args, flags | MSG_DONTWAIT)), None
                except BlockingIOError:     # and never waits: empty is EAGAIN, blocking or not
                    return -E.EAGAIN, None
            val = deliver(inproc.call(view, fn, nkfd, *args, flags | MSG_PEEK | MSG_DONTWAIT))
            if flags & MSG_PEEK:
                return val, None
            ms.before_consume()
            return val, lambda: view._call(fn, nkfd, *args, flags | MSG_DONTWAIT)
        return self._io(n, ms, flags, EPOLLIN, attempt)

    def _recvfrom(self, n, mem, ms, buf: int, size: int, flags: int, addr_p: int, addrlen_p: int):
        if size < 0:
            size = 0x7FFFF000                 # a size_t beyond MAX_RW_COUNT

        def deliver(got):
            ret, data, addr = got
            mem.write_many([(buf, data), *self._sockaddr_parts(mem, addr_p, addrlen_p, addr)])
            return ret
        return self._receive(n, ms, flags, sys_net.sys_recvfrom, (size,), deliver)

    def sys_recvfrom(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        a = n.args
        return self._recvfrom(n, mem, ms, a[1], a[2], _int(a[3]), a[4], a[5])

    def sys_read(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        return self._recvfrom(n, mem, ms, n.args[1], n.args[2], 0, 0, 0)

    def _recvmsg(self, n, mem, ms, m: Msg, flags: int, after_deliver=None):
        size, room = m.size(), (m.controllen if m.control else 0)

        def deliver(got):
            ret, data, anc, mflags, addr = got
            parts = scatter_parts(m.iovs, data)
            namelen = 0
            if m.name:
                namelen = len(addr)
                parts.append((m.name, addr[:m.namelen]))
            cbuf = pack_cmsgs(anc, room) if room else b""
            if cbuf:
                parts.append((m.control, cbuf))
            base = m.addr
            parts += [(base + msghdr.msg_namelen.offset, struct.pack("=I", namelen)),
                      (base + msghdr.msg_controllen.offset, struct.pack("=Q", len(cbuf))),
                      (base + msghdr.msg_flags.offset, INT.pack(mflags))]
            mem.write_many(parts)
            return after_deliver(ret) if after_deliver else ret
        return self._receive(n, ms, flags, sys_net.sys_recvmsg, (size, room), deliver)

    def sys_recvmsg(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        return self._recvmsg(n, mem, ms, Msg(mem, n.args[1]), _int(n.args[2]))

    def sys_recvmmsg(self, n, mem):
        """One message per call (recvmmsg may return fewer than asked); the timeout is not
        looked at (DIVERGENCE(#10))."""
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        if _int(n.args[2]) <= 0:
            return -E.EINVAL
        vec = n.args[1]

        def one(ret):
            mem.write(vec + mmsghdr.msg_len.offset, struct.pack("=I", ret))
            return 1
        return self._recvmsg(n, mem, ms, Msg(mem, vec), _int(n.args[3]) & ~MSG_WAITFORONE, one)

    def sys_readv(self, n, mem):
        ms = self._sock(n)
        if ms is None:
            return CONTINUE
        iovs = read_iovecs(mem, n.args[1], _int(n.args[2]))
        size = sum(ln for _, ln in iovs)

        def deliver(got):
            mem.write_many(scatter_parts(iovs, got[1]))
            return got[0]
        return self._receive(n, ms, 0, sys_net.sys_recvfrom, (size,), deliver)


def _sigmasks(tid: int) -> tuple[int, int, int, int] | None:
    """(SigPnd, ShdPnd, SigBlk, Tgid) of thread `tid` (/proc/TID/status), None when it is gone."""
    pnd = shd = blk = tgid = 0
    try:
        with open(f"/proc/{tid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Tgid:"):
                    tgid = int(line[5:])
                elif line.startswith(b"SigPnd:"):
                    pnd = int(line[7:], 16)
                elif line.startswith(b"ShdPnd:"):
                    shd = int(line[7:], 16)
                elif line.startswith(b"SigBlk:"):
                    blk = int(line[7:], 16)
                    break
    except (OSError, ValueError):
        return None
    return pnd, shd, blk, tgid


def signal_pending(tid: int) -> int:
    """ERESTARTSYS when a signal will interrupt thread `tid`'s call (the arch code then restarts
    the call or makes it EINTR, by SA_RESTART, as Linux would), else 0.

    A signal sent to the thread itself and not blocked there interrupts it. A process-wide one
    goes to one thread (kernel/signal.c complete_signal): the thread it was sent to — the thread
    group leader, for kill() — when that one does not block it, else some other thread that does
    not. So `tid` is interrupted when it is the leader and does not block it, or when every other
    thread blocks it; otherwise another thread takes it and this call goes on waiting (never a
    spurious EINTR, never an ERESTARTSYS leaking out of a thread the signal was not given to)."""
    got = _sigmasks(tid)
    if got is None:
        return 0
    pnd, shd, blk, tgid = got
    if pnd & ~blk:
        return ERESTARTSYS
    shared = shd & ~blk
    if not shared:
        return 0
    if tid == tgid:
        return ERESTARTSYS
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{tgid}/task")]
    except (OSError, ValueError):
        return 0
    for t in threads:
        if t != tid:
            other = _sigmasks(t)
            if other is not None and shared & ~other[2]:
                return 0                     # that thread may take it
    return ERESTARTSYS


def _fd_cloexec(pid: int, fd: int) -> bool:
    """Does descriptor `fd` of task `pid` have FD_CLOEXEC (/proc/PID/fdinfo's flags)?"""
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith("flags:"):
                    return bool(int(line.split()[1], 8) & O_CLOEXEC)
    except (OSError, ValueError):
        pass
    return False


def _netns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def _in_netns(netns: str | None) -> list[int]:
    """The processes in network namespace `netns` ("net:[inode]"), but this one."""
    if netns is None:
        return []
    me, out = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me and _netns(int(name)) == netns:
            out.append(int(name))
    return out


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except OSError:
        pass


def _tgid(tid: int) -> int | None:
    try:
        with open(f"/proc/{tid}/status") as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def log_to_stderr(line: str) -> None:
    print(f"[netkernel run] {line}", file=sys.stderr, flush=True)

