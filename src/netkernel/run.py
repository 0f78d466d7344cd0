"""`netkernel run`: run an unmodified Python program written for real packet sockets on a netkernel
machine. Its socket.socket(AF_PACKET, ...), socket.if_* functions, select/selectors and mmap.mmap on
those sockets go to netkernel; everything else stays real."""
from __future__ import annotations

import mmap as _mmap
import runpy
import select as _select
import selectors as _selectors
import socket as _socket
import sys
import time
import traceback

import netkernel
from netkernel.api import Socket
from netkernel.net.core.datagram import EPOLLERR, EPOLLIN, EPOLLOUT

NK_FD_BASE = 1 << 20   # file numbers the program sees for netkernel sockets (never real fds)


class RunSocket(Socket):
    """A netkernel socket whose fileno() is recognisable by the patched select functions."""

    def fileno(self) -> int:
        return -1 if self._fd < 0 else NK_FD_BASE + self._fd


class Session:
    """Patches the socket/select/selectors modules for one machine; `with Session(k):`."""

    def __init__(self, k: "netkernel.Kernel"):
        self.k = k
        self.sockets: dict[int, RunSocket] = {}
        self._saved: list = []

    # -- factories the program calls
    def _socket_class(self):
        session = self
        real = self._real_socket

        class socket(real):  # noqa: N801 (keeps the name programs see)
            def __new__(cls, family=-1, type=-1, proto=-1, fileno=None):
                fam = _socket.AF_INET if family == -1 else family
                if fam == _socket.AF_PACKET:
                    s = RunSocket(session.k, fam, 0 if type == -1 else type,
                                  0 if proto == -1 else proto)
                    session.sockets[s.fileno()] = s
                    return s
                return real.__new__(cls, family, type, proto, fileno)
        return socket

    def _obj(self, o):
        fd = o if isinstance(o, int) else o.fileno()
        return self.sockets.get(fd) if fd >= NK_FD_BASE else None

    def _ready(self, s: RunSocket, events: int) -> int:
        if s._fd < 0:
            return 0
        return self.k.sys_poll(s._fd, events, 0)

    def select(self, r, w, x, timeout=None):
        real = self._real_select
        nk_r = [o for o in r if self._obj(o)]
        nk_w = [o for o in w if self._obj(o)]
        if not nk_r and not nk_w:
            return real(r, w, x, timeout)
        rr = [o for o in r if not self._obj(o)]
        rw = [o for o in w if not self._obj(o)]
        rx = [o for o in x if not self._obj(o)]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            ready_r = [o for o in nk_r if self._ready(self._obj(o), EPOLLIN) & (EPOLLIN | EPOLLERR)]
            ready_w = [o for o in nk_w if self._ready(self._obj(o), EPOLLOUT) & EPOLLOUT]
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            wait = 0 if (ready_r or ready_w) else (0.002 if left is None else min(0.002, left))
            a, b, c = real(rr, rw, rx, wait) if (rr or rw or rx) else ([], [], [])
            if not (rr or rw or rx) and wait:
                time.sleep(wait)
            if ready_r or ready_w or a or b or c or (left is not None and left <= 0):
                return ready_r + a, ready_w + b, c

    def poll(self):
        return _Poll(self)

    def _mmap_class(self):
        """mmap.mmap that maps a netkernel socket's rings (sys_mmap) and anything else for real."""
        session = self
        real = self._real_mmap

        class mmap(real):  # noqa: N801 (keeps the name programs see)
            def __new__(cls, fileno, length, flags=_mmap.MAP_SHARED,
                        prot=_mmap.PROT_READ | _mmap.PROT_WRITE, access=_mmap.ACCESS_DEFAULT,
                        offset=0):
                s = session._obj(fileno) if isinstance(fileno, int) and fileno >= 0 else None
                if s is None:
                    return real.__new__(cls, fileno, length, flags, prot, access, offset)
                if access == _mmap.ACCESS_READ:
                    flags, prot = _mmap.MAP_SHARED, _mmap.PROT_READ
                elif access == _mmap.ACCESS_WRITE:
                    flags, prot = _mmap.MAP_SHARED, _mmap.PROT_READ | _mmap.PROT_WRITE
                elif access == _mmap.ACCESS_COPY:
                    flags, prot = _mmap.MAP_PRIVATE, _mmap.PROT_READ | _mmap.PROT_WRITE
                return s.mmap(length, flags, prot, offset)
        return mmap

    def __enter__(self):
        import socket as sm
        self._real_socket = sm.socket
        self._real_select = _select.select
        self._real_mmap = _mmap.mmap
        for mod, name, value in ((sm, "socket", self._socket_class()),
                                 (sm, "if_nametoindex", self.k.if_nametoindex),
                                 (sm, "if_indextoname", self.k.if_indextoname),
                                 (sm, "if_nameindex", self.k.if_nameindex),
                                 (_select, "select", self.select),
                                 (_select, "poll", self.poll),
                                 (_mmap, "mmap", self._mmap_class()),
                                 (_selectors, "DefaultSelector", _selectors.SelectSelector)):
            self._saved.append((mod, name, getattr(mod, name)))
            setattr(mod, name, value)
        return self

    def __exit__(self, *exc):
        for mod, name, value in reversed(self._saved):
            setattr(mod, name, value)
        self._saved.clear()


class _Poll:
    """select.poll() over netkernel and real descriptors."""

    def __init__(self, session: Session):
        self.s = session
        self.fds: dict[int, int] = {}

    def register(self, fd, eventmask=_select.POLLIN | _select.POLLPRI | _select.POLLOUT):
        self.fds[fd if isinstance(fd, int) else fd.fileno()] = eventmask

    def modify(self, fd, eventmask):
        self.register(fd, eventmask)

    def unregister(self, fd):
        del self.fds[fd if isinstance(fd, int) else fd.fileno()]

    def poll(self, timeout=None):
        r = [fd for fd, ev in self.fds.items() if ev & _select.POLLIN]
        w = [fd for fd, ev in self.fds.items() if ev & _select.POLLOUT]
        a, b, _ = self.s.select(r, w, [], None if timeout is None or timeout < 0 else timeout / 1000)
        out: dict[int, int] = {}
        for fd in a:
            out[fd] = out.get(fd, 0) | _select.POLLIN
        for fd in b:
            out[fd] = out.get(fd, 0) | _select.POLLOUT
        return list(out.items())


def _print_program_exception(e: BaseException, path: str) -> None:
    """Report a program's uncaught exception as `python PROGRAM` does: the traceback from the
    program's first frame on (netkernel's runner frames above it are left out; any netkernel
    frames below it, where the exception was raised, stay)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb or e.__traceback__, file=sys.stderr)


def run_program(k, argv: list[str], trace: str | None = None, trace_out=None) -> int:
    """Run `python SCRIPT ARGS...` (or `SCRIPT ARGS...`) on machine k; returns its exit status."""
    if argv and argv[0] in ("python", "python3", sys.executable):
        argv = argv[1:]
    if not argv:
        raise SystemExit("netkernel run: no program given")
    saved_argv = sys.argv
    sys.argv = list(argv)
    status = 0
    tr = k.trace() if trace else None
    try:
        with Session(k):
            if tr is not None:
                tr.__enter__()
            try:
                runpy.run_path(argv[0], run_name="__main__")
            except SystemExit as e:
                if e.code is None or isinstance(e.code, int):
                    status = e.code or 0
                else:                       # sys.exit("message"): printed, status 1, as python does
                    print(e.code, file=sys.stderr)
                    status = 1
            except Exception as e:      # the program's own uncaught exception
                _print_program_exception(e, argv[0])
                status = 1
            finally:
                if tr is not None:
                    tr.__exit__(None, None, None)
    finally:
        sys.argv = saved_argv
    if tr is not None:
        print(tr.render(trace), file=trace_out or sys.stderr)
    return status
