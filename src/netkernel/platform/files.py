"""Placeholder descriptors: how a model socket exists in a real process.

Each model socket is one eventfd, installed in the child (SECCOMP_IOCTL_NOTIF_ADDFD) at a number in
the reserved range. Every descriptor, in every process of the run, that refers to that eventfd's
open file description is the same socket: dup/dup2/fork/threads share it as they share a real
socket's file. A descriptor is matched to its socket with kcmp(KCMP_FILE) against our own
reference to the eventfd (a (pid, fd) hint makes the common case one kcmp).

Readiness: the eventfd's counter is 1 exactly while the model socket polls readable (or shows an
error), 0 otherwise, so the child's own select/poll/epoll/asyncio see the socket as they would a
real one. A watcher thread per socket arms it when a frame arrives; every call that may empty the
queue re-checks (`refresh`). Writability: an eventfd is always writable (a packet socket nearly
always is; DIVERGENCE(#10): a full sndbuf does not show in poll). O_NONBLOCK lives on the shared
file description: the child's fcntl(F_SETFL)/FIONBIO run natively on the eventfd and
`nonblocking()` reads them back with F_GETFL on our reference.

A socket is released (the model's close) when no process of the run holds it any more: checked
when a descriptor of it is closed or replaced, and when a process of the run exits.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import threading

from netkernel.net.core.datagram import EPOLLERR, EPOLLIN
from netkernel.platform import inproc
from netkernel.platform.seccomp import NR, libc

KCMP_FILE = 0
KCMP_FILES = 2
EPOLLHUP = 0x10
O_NONBLOCK = os.O_NONBLOCK
RING_RECHECK = 0.002         # s between readiness checks of an armed socket with a mapped ring


_syscall = libc.syscall
_NR_KCMP = NR["kcmp"]
_ulong = ctypes.c_ulong


def kcmp(pid1: int, pid2: int, type: int, idx1: int = 0, idx2: int = 0) -> int:
    """kcmp(2): 0 when the two kernel objects are the same, -1 on error."""
    return _syscall(_NR_KCMP, pid1, pid2, type, _ulong(idx1), _ulong(idx2))


def range_fds(pid: int, lo: int, hi: int) -> list[int]:
    """The open descriptors of task `pid` in [lo, hi] ([] when it is gone)."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    return [fd for fd in map(int, names) if lo <= fd <= hi]


def run_processes(root: int, netns: str | None = None) -> list[int]:
    """The processes of a run: `root` and every process below it (by /proc/*/stat's ppid), and
    every process in the run's network namespace `netns` ("net:[inode]") — those the program
    left behind or double-forked, whose parent is no longer in the run."""
    children: dict[int, list[int]] = {}
    inside = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            if netns is not None and os.readlink(f"/proc/{name}/ns/net") == netns:
                inside.append(int(name))
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = set(inside), [root]
    while todo:
        p = todo.pop()
        out.add(p)
        todo.extend(children.get(p, ()))
    return sorted(out)


class ModelSocket:
    """One model socket as the run's processes see it (one open file description)."""
    __slots__ = ("view", "nkfd", "efd", "family", "armed", "lock", "io_lock", "disarmed",
                 "closed", "watcher", "areas", "sk")

    def __init__(self, view, nkfd: int, efd: int, family: int):
        self.view = view
        self.nkfd = nkfd
        self.efd = efd
        self.family = family
        self.armed = False
        self.lock = threading.Lock()        # the eventfd's counter
        self.io_lock = threading.Lock()     # one receive at a time: peek, answer, consume
        self.disarmed = threading.Event()
        self.disarmed.set()
        self.closed = False
        self.areas: list = []               # munmap callbacks of the rings mapped in the run
        self.sk = None                      # the model's struct sock, once looked up
        self.watcher = threading.Thread(target=self._watch, daemon=True,
                                        name=f"nk-watch-{nkfd}")

    def nonblocking(self) -> bool:
        return bool(fcntl.fcntl(self.efd, fcntl.F_GETFL) & O_NONBLOCK)

    def refresh(self) -> None:
        """Make the eventfd's readiness the model socket's, now."""
        with self.lock:
            if self.closed:
                return
            mask = inproc.poll(self.view, self.nkfd, EPOLLIN, 0)
            on = mask > 0 and bool(mask & (EPOLLIN | EPOLLERR | EPOLLHUP))
            if on and not self.armed:
                os.eventfd_write(self.efd, 1)
                self.armed = True
                self.disarmed.clear()
            elif not on and self.armed:
                os.eventfd_read(self.efd)       # the counter is 1: never blocks
                self.armed = False
                self.disarmed.set()

    def settle(self) -> None:
        """Arm the eventfd now if a call just made the socket readable (a frame another socket
        of the run sent it): the program may look right after that call returns, before the
        watcher thread runs. Cheap when nothing is queued: the model's queues are looked at
        directly; a socket with a mapped ring is polled."""
        if self.armed or self.closed:
            return
        sk = self.sk or self._sk()
        if sk is None:
            return
        if self.areas or sk.sk_receive_queue or sk.sk_err or getattr(sk, "sk_error_queue", None):
            self.refresh()

    def _sk(self):
        sk = self.sk
        if sk is None:
            f = self.view._task.files.get(self.nkfd)
            sk = self.sk = getattr(getattr(f, "private_data", None), "sk", None)
        return sk

    def before_consume(self) -> None:
        """A receive is about to be answered and its frame taken: show now the readiness the
        socket will have once it is (readable only if more than that frame is queued, or an
        error is pending), so the program never sees a stale "readable" after its recv returns.
        refresh() corrects it after the consume (a frame may arrive meanwhile)."""
        k = self.view._kernel
        with k._lock:
            sk = self._sk()
            if sk is None:
                return
            more = len(sk.sk_receive_queue) > 1 or bool(sk.sk_err) or bool(sk.sk_error_queue)
        with self.lock:
            if not more and self.armed and not self.closed:
                os.eventfd_read(self.efd)
                self.armed = False
                self.disarmed.set()

    def _watch(self) -> None:
        while not self.closed:
            if self.armed:
                # a ring's reader frees blocks by writing memory, not by a call: look again
                # soon whether the socket is still readable
                if not self.disarmed.wait(RING_RECHECK if self.areas else 0.5):
                    with self.io_lock:
                        self.refresh()
                continue
            mask = inproc.poll(self.view, self.nkfd, EPOLLIN, 0.5)
            if mask < 0:
                return
            if mask:
                with self.io_lock:            # not in the middle of a receive's consume
                    self.refresh()

    def release(self) -> None:
        """The last holder is gone: close the model socket and our eventfd."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            self.disarmed.set()
        for munmap in self.areas:          # DIVERGENCE(#10): a child's munmap is not seen; the
            munmap()                       # areas go when the socket does
        self.areas.clear()
        try:
            self.view.sys_close(self.nkfd)
        except OSError:
            pass
        os.close(self.efd)


class FileTable:
    """The run's model sockets, found from a (task, descriptor) of any process."""

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, hi
        self.sockets: list[ModelSocket] = []
        self._hint: dict[tuple[int, int], ModelSocket] = {}
        self._me = os.getpid()
        self.lock = threading.Lock()

    def add(self, ms: ModelSocket) -> None:
        with self.lock:
            self.sockets.append(ms)

    def lookup(self, pid: int, fd: int) -> ModelSocket | None:
        """The model socket that descriptor `fd` of task `pid` refers to, or None."""
        fd &= 0xFFFFFFFF
        if not self.lo <= fd <= self.hi:
            return None
        key = (pid, fd)
        ms = self._hint.get(key)
        me = self._me
        if ms is not None and not ms.closed and kcmp(pid, me, KCMP_FILE, fd, ms.efd) == 0:
            return ms
        for ms in list(self.sockets):
            if not ms.closed and kcmp(pid, me, KCMP_FILE, fd, ms.efd) == 0:
                self._hint[key] = ms
                return ms
        self._hint.pop(key, None)
        return None

    def free_slot(self, pid: int, at_least: int = 0) -> int | None:
        """The lowest number in the range (≥ at_least) free in task `pid`."""
        used = set(range_fds(pid, self.lo, self.hi))
        for fd in range(max(self.lo, at_least), self.hi + 1):
            if fd not in used:
                return fd
        return None

    def sweep(self, processes: list[int], closing: tuple[int, int] | None = None) -> list:
        """Release every socket none of the run's `processes` holds any more; `closing` =
        (pid, fd) is a descriptor being closed right now (not counted as a holder). Returns the
        released."""
        with self.lock:
            live = [ms for ms in self.sockets if not ms.closed]
        if not live:
            return []
        held: set[int] = set()
        me = self._me
        for p in processes:
            skip = None
            if closing is not None and kcmp(p, closing[0], KCMP_FILES) == 0:
                skip = closing[1]
            for fd in range_fds(p, self.lo, self.hi):
                if fd == skip:
                    continue
                for ms in live:
                    if id(ms) not in held and kcmp(p, me, KCMP_FILE, fd, ms.efd) == 0:
                        held.add(id(ms))
                        break
        gone = [ms for ms in live if id(ms) not in held]
        for ms in gone:
            ms.release()
        with self.lock:
            self.sockets = [ms for ms in self.sockets if not ms.closed]
            self._hint = {k: v for k, v in self._hint.items() if not v.closed}
        return gone

    def settle(self) -> None:
        """`ModelSocket.settle` for every socket of the run (after a send: any may have
        received)."""
        for ms in self.sockets:
            ms.settle()

    def release_all(self) -> None:
        with self.lock:
            socks, self.sockets = self.sockets, []
            self._hint.clear()
        for ms in socks:
            ms.release()
