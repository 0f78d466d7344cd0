"""`Socket`: CPython 3.11's socket object (Modules/socketmodule.c, with the Python-level methods of
Lib/socket.py) over a netkernel descriptor, so that code written for socket.socket on AF_PACKET
runs unchanged.

Every method converts and checks its Python arguments exactly as CPython does (the format units
of Python/getargs.c, the same messages and exception types) before anything reaches the kernel:
a call rejected for its arguments consumes no frame and changes nothing. Then it makes the same
system calls as CPython, in the same order, through the machine's syscall layer: FIONBIO for the
blocking mode (internal_setblocking), SIOCGIFINDEX/SIOCGIFNAME for addresses (sockaddr.py), and
sock_call_ex's wait-then-try loop for sockets with a timeout. A closed socket keeps fd -1 and
its calls fail in the kernel with EBADF, as CPython's do.

The timeout is kept in nanoseconds like CPython's _PyTime_t (-1: none, blocking; 0: non-blocking),
converted from seconds as Python/pytime.c does (rounded up, NaN and overflow refused).
"""
from __future__ import annotations

import math
import socket as _pysocket
import time

from netkernel.getargs import (INT_MAX, PY_SSIZE_T_MAX, as_int, as_long, conv_i,
                               conv_I, conv_n, conv_none, conv_O, conv_w_star, conv_y_star,
                               get_buffer, meth_noargs, meth_o, no_keywords, parsetuple,
                               parsetuple_kw, python_args, python_noargs, tp_name)
from netkernel.net import socket as sys
from netkernel import fastpath as _fastpath
from netkernel.net.core.datagram import EPOLLIN, EPOLLOUT
from netkernel.sockaddr import SOCKADDR_LL_SIZE, getsockaddrarg, makesockaddr
from netkernel.uapi import errno as E
from netkernel.uapi.fcntl import F_GETFD, FD_CLOEXEC
from netkernel.uapi.ioctls import FIOCLEX, FIONBIO, FIONCLEX
from netkernel.uapi.socket import AF_PACKET, INT, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW

SEC_TO_NS = 1_000_000_000
_PYTIME_MIN = -(1 << 63)
_PYTIME_MAX = (1 << 63) - 1
_PYBYTES_HEADER = 33            # sizeof(PyBytesObject) - 1 on 64-bit: the largest bytes is smaller
_USER_SPACE = 1 << 47           # no allocation this large can ever be mapped on x86_64
SOMAXCONN_DEFAULT = 128         # sock_listen: Py_MIN(SOMAXCONN, 128)
SOCKLEN_T_LIMIT = INT_MAX


# ---------------------------------------------------------------- timeouts (Python/pytime.c)

def _PyTime_FromSecondsObject(obj) -> int:
    """_PyTime_FromSecondsObject with _PyTime_ROUND_TIMEOUT: a float is scaled to ns and rounded
    away from zero (NaN: ValueError; outside the 64-bit ns range: OverflowError "timestamp out of
    range for platform time_t"); anything else must convert with __index__ to a C long long, and
    its ns must fit ("timestamp too large to convert to C _PyTime_t")."""
    if isinstance(obj, float):
        d = float.__float__(obj)
        if math.isnan(d):
            raise ValueError("Invalid value NaN (not a number)")
        d *= 1e9
        if not (_PYTIME_MIN <= d < -float(_PYTIME_MIN)):       # rounding cannot cross it
            raise OverflowError("timestamp out of range for platform time_t")
        return math.ceil(d) if d >= 0 else math.floor(d)
    try:
        sec = as_long(obj)
    except OverflowError:
        raise OverflowError("timestamp too large to convert to C _PyTime_t") from None
    ns = sec * SEC_TO_NS
    if not _PYTIME_MIN <= ns <= _PYTIME_MAX:
        raise OverflowError("timestamp too large to convert to C _PyTime_t")
    return ns


def socket_parse_timeout(obj) -> int:
    """socket_parse_timeout: None is -1 (no timeout); a negative value is ValueError."""
    if obj is None:
        return -1
    ns = _PyTime_FromSecondsObject(obj)
    if ns < 0:
        raise ValueError("Timeout value out of range")
    return ns


def _PyTime_AsSecondsDouble(ns: int) -> float:
    return float(ns // SEC_TO_NS) if ns % SEC_TO_NS == 0 else ns / 1e9


def _timeout_from_default() -> int:
    t = _pysocket.getdefaulttimeout()
    return -1 if t is None else socket_parse_timeout(t)


def _new_bytes_check(n: int) -> None:
    """PyBytes_FromStringAndSize(NULL, n) for a receive buffer: too large for a bytes object is
    OverflowError; beyond the address space, MemoryError.

    DIVERGENCE(#8): sizes the host could not allocate but that fit the address space are accepted
    (the model never allocates the caller's buffer)."""
    if n > PY_SSIZE_T_MAX - _PYBYTES_HEADER:
        raise OverflowError("byte string is too large")
    if n >= _USER_SPACE:
        raise MemoryError()


def _seq_fast(o, message: str):
    """PySequence_Fast: a list or tuple as is, any other iterable as a list; not iterable is
    TypeError(message)."""
    if type(o) is list or type(o) is tuple:
        return o
    try:
        it = iter(o)
    except TypeError:
        raise TypeError(message) from None
    return list(it)


def _is_sequence(o) -> bool:
    """PySequence_Check: not a dict, and its type has item access."""
    return not isinstance(o, dict) and hasattr(type(o), "__getitem__")


_CMSG_ITEM = "[sendmsg() ancillary data items]"


def _cmsg_item(item) -> tuple:
    """PyArg_Parse(item, "(iiy*)") for one ancillary data item."""
    if not _is_sequence(item) or isinstance(item, bytes):
        raise TypeError(f"{_CMSG_ITEM}() argument must be 3-item sequence, not "
                        f"{'None' if item is None else tp_name(type(item))[:50]}")
    n = len(item)
    if n != 3:
        raise TypeError(f"{_CMSG_ITEM}() argument must be sequence of length 3, not {n}")
    return conv_i(item[0]), conv_i(item[1]), conv_y_star(item[2])


_SEND_UNITS = (conv_y_star, conv_i)
_RECV_UNITS = (conv_n, conv_i)
_RECV_INTO_UNITS = (conv_w_star, conv_n, conv_i)
_RECV_INTO_KW = ("buffer", "nbytes", "flags")
_RECVMSG_UNITS = (conv_n, conv_n, conv_i)
_RECVMSG_INTO_UNITS = (conv_O, conv_n, conv_i)
_SENDMSG_UNITS = (conv_O, conv_O, conv_i, conv_O)
_SETSOCKOPT_INT = (conv_i, conv_i, conv_i)
_SETSOCKOPT_NULL = (conv_i, conv_i, conv_none, conv_I)
_SETSOCKOPT_BUF = (conv_i, conv_i, conv_y_star)
_GETSOCKOPT_UNITS = (conv_i, conv_i, conv_i)


_NOARG = object()     # a positional argument that was not given


def _positional(a, b, rest: tuple) -> tuple:
    """The positional arguments of a call to `def f(self, a=_NOARG, b=_NOARG, /, *rest)`."""
    if b is not _NOARG:
        return (a, b) + rest
    return () if a is _NOARG else (a,)


class Socket:
    """socket.socket for a netkernel descriptor: the methods, arguments, results and exceptions
    of CPython 3.11's socket object on AF_PACKET."""
    __slots__ = ("_view", "_closed", "_fd", "_family", "_type", "_proto", "_timeout",
                 "__weakref__")

    def __init__(self, view, family: int = AF_PACKET, type: int = SOCK_RAW, proto: int = 0,
                 fileno: int | None = None):
        family, type, proto = as_int(family), as_int(type), as_int(proto)   # clinic "int"
        self._view = view
        self._closed = False
        if fileno is None:
            fd = view.sys_socket(family, type | SOCK_CLOEXEC, proto)
        else:
            fd = as_int(fileno)
            if fd < 0:
                raise ValueError("negative file descriptor")
        self._fd = fd
        self._family = family
        self._type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
        self._proto = proto
        if type & SOCK_NONBLOCK:
            self._timeout = 0
        else:
            self._timeout = _timeout_from_default()
            if self._timeout >= 0:
                self._internal_setblocking(False)

    # -- identity (Lib/socket.py properties and repr)
    @property
    def family(self):
        try:
            return _pysocket.AddressFamily(self._family)
        except ValueError:
            return self._family

    @property
    def type(self):
        try:
            return _pysocket.SocketKind(self._type)
        except ValueError:
            return self._type

    @property
    def proto(self) -> int:
        return self._proto

    @property
    def timeout(self):
        return None if self._timeout < 0 else _PyTime_AsSecondsDouble(self._timeout)

    def __repr__(self) -> str:
        return (f"<netkernel.Socket{' [closed]' if self._closed else ''} fd={self._fd}, "
                f"family={self.family!s}, type={self.type!s}, proto={self._proto}>")

    def __enter__(self):
        return self

    def __exit__(self, *args):
        if not self._closed:
            self.close()

    def _check_open(self) -> None:
        """For methods outside CPython's socket object (mmap): a closed socket is EBADF."""
        if self._fd < 0:
            raise E.oserror(E.EBADF)

    # -- descriptor
    def fileno(self, *args, **kwargs) -> int:
        if args or kwargs:
            meth_noargs("socket.fileno", args, kwargs)
        return self._fd

    def close(self, *args, **kwargs) -> None:
        """Lib/socket.py close, then sock_close: the descriptor is given up first; a failing
        close(2) raises (ECONNRESET excepted)."""
        if args or kwargs:
            python_noargs("socket.close", args, kwargs)
        self._closed = True
        fd = self._fd
        if fd != -1:
            self._fd = -1
            try:
                self._view.sys_close(fd)
            except OSError as e:
                if e.errno != E.ECONNRESET:
                    raise

    def detach(self, *args, **kwargs) -> int:
        if args or kwargs:
            python_noargs("socket.detach", args, kwargs)
        self._closed = True
        fd, self._fd = self._fd, -1
        return fd

    def get_inheritable(self, *args, **kwargs) -> bool:
        """Lib/socket.py get_inheritable: os.get_inheritable(fd), i.e. FD_CLOEXEC clear."""
        if args or kwargs:
            python_noargs("socket.get_inheritable", args, kwargs)
        return not self._view.sys_fcntl(self._fd, F_GETFD) & FD_CLOEXEC

    def set_inheritable(self, *args, **kwargs) -> None:
        """Lib/socket.py set_inheritable: os.set_inheritable(fd, inheritable) with a C int, which
        Linux does with ioctl(FIONCLEX/FIOCLEX)."""
        inheritable, = python_args("socket.set_inheritable", ("inheritable",), args, kwargs)
        flag = as_int(inheritable)
        self._view.ioctl(self._fd, FIONCLEX if flag else FIOCLEX)

    # -- blocking mode and timeout
    def _internal_setblocking(self, block: bool) -> None:
        """internal_setblocking: ioctl(FIONBIO) with the opposite of `block` (Linux has it)."""
        self._view.ioctl(self._fd, FIONBIO, INT.pack(0 if block else 1))

    def settimeout(self, *args, **kwargs) -> None:
        """sock_settimeout: the timeout is stored first, then the descriptor's mode is set (so on
        a closed socket the new timeout stays and EBADF is raised)."""
        value = meth_o("socket.settimeout", args, kwargs)
        self._timeout = socket_parse_timeout(value)
        self._internal_setblocking(self._timeout < 0)

    def gettimeout(self, *args, **kwargs):
        if args or kwargs:
            meth_noargs("socket.gettimeout", args, kwargs)
        return None if self._timeout < 0 else _PyTime_AsSecondsDouble(self._timeout)

    def setblocking(self, *args, **kwargs) -> None:
        """sock_setblocking: the flag is a C long (PyLong_AsLong); true means no timeout."""
        block = as_long(meth_o("socket.setblocking", args, kwargs))
        self._timeout = -1 if block else 0
        self._internal_setblocking(bool(block))

    def getblocking(self, *args, **kwargs) -> bool:
        if args or kwargs:
            meth_noargs("socket.getblocking", args, kwargs)
        return self._timeout != 0

    def _internal_select(self, writing: bool, interval: int) -> bool:
        """internal_select: poll the descriptor for `interval` ns (rounded up to ms and passed as
        a C int, as CPython does); True when ready. A closed socket counts as ready, so the call
        that follows fails with EBADF."""
        if self._fd == -1:
            return True
        ms = -(-interval // 1_000_000)
        ms = ((ms + (1 << 31)) % (1 << 32)) - (1 << 31)      # (int)ms
        wait = None if ms < 0 else ms / 1000
        return bool(self._view.sys_poll(self._fd, EPOLLOUT if writing else EPOLLIN, wait))

    def _sock_call_ex(self, writing: bool, timeout: int, fn, *args):
        """sock_call_ex: without a timeout, one try. With one, wait for readiness until the
        deadline (TimeoutError "timed out" when it passes), try, and on EAGAIN after a false
        readiness wait again."""
        if timeout <= 0:
            return fn(*args)
        deadline = time.monotonic_ns() + timeout
        interval = timeout
        while True:
            if interval < 0 or not self._internal_select(writing, interval):
                raise TimeoutError("timed out")
            try:
                return fn(*args)
            except BlockingIOError:
                if self._timeout <= 0:
                    raise
            interval = deadline - time.monotonic_ns()

    def _sock_call(self, writing: bool, fn, *args):
        """sock_call: sock_call_ex with the socket's timeout."""
        return self._sock_call_ex(writing, self._timeout, fn, *args)

    # -- addresses
    def bind(self, *args, **kwargs) -> None:
        addr = getsockaddrarg(self, meth_o("socket.bind", args, kwargs), "bind")
        self._view.sys_bind(self._fd, addr)

    def connect(self, *args, **kwargs) -> None:
        addr = getsockaddrarg(self, meth_o("socket.connect", args, kwargs), "connect")
        self._view.sys_connect(self._fd, addr)

    def connect_ex(self, *args, **kwargs) -> int:
        """sock_connect_ex: like connect, but the errno is returned instead of raised."""
        addr = getsockaddrarg(self, meth_o("socket.connect_ex", args, kwargs), "connect_ex")
        try:
            self._view.sys_connect(self._fd, addr)
        except OSError as e:
            if e.errno is None:
                raise
            return e.errno
        return 0

    def getsockname(self, *args, **kwargs):
        if args or kwargs:
            meth_noargs("socket.getsockname", args, kwargs)
        return makesockaddr(self, self._view.sys_getsockname(self._fd))

    def getpeername(self, *args, **kwargs):
        if args or kwargs:
            meth_noargs("socket.getpeername", args, kwargs)
        return makesockaddr(self, self._view.sys_getpeername(self._fd))

    def listen(self, *args, **kwargs) -> None:
        """sock_listen: backlog a C int, default min(SOMAXCONN, 128); negative means 0."""
        no_keywords("socket.listen", kwargs)
        backlog = parsetuple(args, "listen", (conv_i,), 0)
        backlog = backlog[0] if backlog else SOMAXCONN_DEFAULT
        self._view.sys_listen(self._fd, max(backlog, 0))

    def accept(self, *args, **kwargs):
        if args or kwargs:
            python_noargs("socket.accept", args, kwargs)
        fd = self._sock_call(False, self._view.sys_accept, self._fd)
        sock = Socket(self._view, self._family, self._type, self._proto, fd)
        if _pysocket.getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        return sock, None

    def shutdown(self, *args, **kwargs) -> None:
        how = as_int(meth_o("socket.shutdown", args, kwargs))
        self._view.sys_shutdown(self._fd, how)

    # -- send
    def send(self, data=_NOARG, flags=_NOARG, /, *args, **kwargs) -> int:
        """sock_send: "y*|i". (The first two positional parameters are spelled out only so that
        the common call, send(bytes), can try the fast path at once: netkernel/fastpath.py.)"""
        if type(data) is bytes and flags is _NOARG and not kwargs:
            ret = _fastpath.sendto(self._view, self._fd, data, None)
            if ret is not None:
                return ret
            flags = 0
        else:
            if kwargs:
                no_keywords("socket.send", kwargs)
            data, *rest = parsetuple(_positional(data, flags, args), "send", _SEND_UNITS, 1)
            flags = rest[0] if rest else 0
        if self._timeout <= 0:
            return self._view._call(sys.sys_sendto, self._fd, data, flags, None)
        return self._sock_call(True, self._view.sys_sendto, self._fd, data, flags, None)

    def sendall(self, *args, **kwargs) -> None:
        """sock_sendall: "y*|i"; send until everything went out (at least one send, even for
        empty data), the timeout counting for the whole call."""
        no_keywords("socket.sendall", kwargs)
        data, *rest = parsetuple(args, "sendall", _SEND_UNITS, 1)
        flags = rest[0] if rest else 0
        timeout = interval = self._timeout
        deadline = time.monotonic_ns() + timeout if timeout > 0 else 0
        while True:
            if timeout > 0:
                if interval <= 0:
                    raise TimeoutError("timed out")
            n = self._sock_call_ex(True, interval, self._view.sys_sendto, self._fd, data, flags,
                                   None)
            data = data[n:]
            if not data:
                return None
            if timeout > 0:
                interval = deadline - time.monotonic_ns()

    def sendto(self, *args, **kwargs) -> int:
        """sock_sendto: (data, address) or (data, flags, address), then the address."""
        if not kwargs and len(args) == 2 and type(args[0]) is bytes and type(args[1]) is tuple:
            ret = _fastpath.sendto_address(self._view, self._fd, args[0], args[1])
            if ret is not None:
                return ret
            addr = getsockaddrarg(self, args[1], "sendto")
            ret = _fastpath.sendto(self._view, self._fd, args[0], addr)
            if ret is not None:
                return ret
            return self._sock_call(True, self._view.sys_sendto, self._fd, args[0], 0, addr)
        no_keywords("socket.sendto", kwargs)
        n = len(args)
        if n == 2:
            data, addro = parsetuple(args, "sendto", (conv_y_star, conv_O), 2)
            flags = 0
        elif n == 3:
            data, flags, addro = parsetuple(args, "sendto", (conv_y_star, conv_i, conv_O), 3)
        else:
            raise TypeError(f"sendto() takes 2 or 3 arguments ({n} given)")
        addr = getsockaddrarg(self, addro, "sendto")
        return self._sock_call(True, self._view.sys_sendto, self._fd, data, flags, addr)

    def sendmsg(self, *args, **kwargs) -> int:
        """sock_sendmsg: "O|OiO"; the address first, then the data buffers, then the ancillary
        items (level, type, data)."""
        no_keywords("socket.sendmsg", kwargs)
        parsed = parsetuple(args, "sendmsg", _SENDMSG_UNITS, 1)
        buffers = parsed[0]
        flags = parsed[2] if len(parsed) > 2 else 0
        addro = parsed[3] if len(parsed) > 3 else None
        addr = None if addro is None else getsockaddrarg(self, addro, "sendmsg")
        parts = _seq_fast(buffers, "sendmsg() argument 1 must be an iterable")
        data = [get_buffer(p) for p in parts]       # one iovec per buffer
        ancdata = []
        if len(parsed) > 1:
            items = _seq_fast(parsed[1], "sendmsg() argument 2 must be an iterable")
            ancdata = [_cmsg_item(item) for item in items]
        return self._sock_call(True, self._view.sys_sendmsg, self._fd, data, ancdata, flags, addr)

    # -- receive
    def recv(self, bufsize=_NOARG, flags=_NOARG, /, *args, **kwargs) -> bytes:
        """sock_recv: "n|i"; a negative size is ValueError; a size of 0 returns b"" without a
        system call (sock_recv_guts). (Parameters spelled out as in send.)"""
        if type(bufsize) is int and flags is _NOARG and not kwargs and 0 < bufsize < _USER_SPACE:
            recvlen, flags = bufsize, 0
            ret = _fastpath.recvfrom(self._view, self._fd, recvlen, False)
            if ret is not None:
                return ret
        else:
            if kwargs:
                no_keywords("socket.recv", kwargs)
            recvlen, *rest = parsetuple(_positional(bufsize, flags, args), "recv", _RECV_UNITS, 1)
            flags = rest[0] if rest else 0
            if recvlen < 0:
                raise ValueError("negative buffersize in recv")
            _new_bytes_check(recvlen)
            if recvlen == 0:
                return b""
        if self._timeout <= 0:
            return self._view._call(sys.sys_recvfrom, self._fd, recvlen, flags, None, False)[1]
        return self._sock_call(False, self._view._call, sys.sys_recvfrom, self._fd, recvlen, flags,
                               None, False)[1]

    def recvfrom(self, *args, **kwargs):
        """sock_recvfrom: "n|i"; a size of 0 still makes the call."""
        if (not kwargs and len(args) == 1 and type(args[0]) is int
                and 0 < args[0] < _USER_SPACE):
            ret = _fastpath.recvfrom(self._view, self._fd, args[0], _fastpath.PYTHON_ADDRESS)
            if ret is not None:
                data, address = ret
                return data, address if type(address) is tuple else makesockaddr(self, address)
        if kwargs:
            no_keywords("socket.recvfrom", kwargs)
        recvlen, *rest = parsetuple(args, "recvfrom", _RECV_UNITS, 1)
        flags = rest[0] if rest else 0
        if recvlen < 0:
            raise ValueError("negative buffersize in recvfrom")
        _new_bytes_check(recvlen)
        if self._timeout <= 0:
            ret, data, addr = self._view._call(sys.sys_recvfrom, self._fd, recvlen, flags)
        else:
            ret, data, addr = self._sock_call(False, self._view.sys_recvfrom, self._fd, recvlen,
                                              flags)
        return data, makesockaddr(self, addr)

    def recv_into(self, *args, **kwargs) -> int:
        """sock_recv_into: "w*|ni" (keywords buffer, nbytes, flags); nbytes 0 means the whole
        buffer, more than the buffer is ValueError; 0 bytes return 0 without a system call."""
        mv, recvlen, flags = parsetuple_kw(args, kwargs, "recv_into", _RECV_INTO_KW,
                                           _RECV_INTO_UNITS, 1)
        recvlen = recvlen or 0
        if recvlen < 0:
            raise ValueError("negative buffersize in recv_into")
        if recvlen == 0:
            recvlen = len(mv)
        if len(mv) < recvlen:
            raise ValueError("buffer too small for requested bytes")
        if recvlen == 0:
            return 0
        # the kernel copies into the buffer (EFAULT for a page that cannot be written: the
        # frame is consumed unless peeked, as in packet_recvmsg)
        ret, data, _ = self._sock_call(False, self._view.sys_recvfrom, self._fd, recvlen,
                                       flags or 0, [mv])
        return ret

    def recvfrom_into(self, *args, **kwargs):
        """sock_recvfrom_into: "w*|ni"; nbytes larger than the buffer is ValueError."""
        mv, recvlen, flags = parsetuple_kw(args, kwargs, "recvfrom_into", _RECV_INTO_KW,
                                           _RECV_INTO_UNITS, 1)
        recvlen = recvlen or 0
        if recvlen < 0:
            raise ValueError("negative buffersize in recvfrom_into")
        if recvlen == 0:
            recvlen = len(mv)
        elif recvlen > len(mv):
            raise ValueError("nbytes is greater than the length of the buffer")
        ret, data, addr = self._sock_call(False, self._view.sys_recvfrom, self._fd, recvlen,
                                          flags or 0, [mv])
        return ret, makesockaddr(self, addr)

    def recvmsg(self, *args, **kwargs):
        """sock_recvmsg: "n|ni"; a negative size, then an ancillary size outside 0..INT_MAX, are
        ValueError."""
        no_keywords("socket.recvmsg", kwargs)
        parsed = parsetuple(args, "recvmsg", _RECVMSG_UNITS, 1)
        bufsize = parsed[0]
        ancbufsize = parsed[1] if len(parsed) > 1 else 0
        flags = parsed[2] if len(parsed) > 2 else 0
        if bufsize < 0:
            raise ValueError("negative buffer size in recvmsg()")
        _new_bytes_check(bufsize)
        if ancbufsize < 0 or ancbufsize > SOCKLEN_T_LIMIT:
            raise ValueError("invalid ancillary data buffer length")
        ret, data, anc, msg_flags, addr = self._sock_call(
            False, self._view.sys_recvmsg, self._fd, bufsize, ancbufsize, flags)
        return data, list(anc), msg_flags, makesockaddr(self, addr)

    def recvmsg_into(self, *args, **kwargs):
        """sock_recvmsg_into: "O|ni"; an iterable of writable buffers, filled in order."""
        no_keywords("socket.recvmsg_into", kwargs)
        parsed = parsetuple(args, "recvmsg_into", _RECVMSG_INTO_UNITS, 1)
        ancbufsize = parsed[1] if len(parsed) > 1 else 0
        flags = parsed[2] if len(parsed) > 2 else 0
        items = _seq_fast(parsed[0], "recvmsg_into() argument 1 must be an iterable")
        bufs = parsetuple(tuple(items), "recvmsg_into", (conv_w_star,) * len(items), len(items),
                          "recvmsg_into() argument 1 must be an iterable of single-segment "
                          "read-write buffers") if items else []
        if ancbufsize < 0 or ancbufsize > SOCKLEN_T_LIMIT:
            raise ValueError("invalid ancillary data buffer length")
        ret, data, anc, msg_flags, addr = self._sock_call(
            False, self._view.sys_recvmsg, self._fd, sum(len(b) for b in bufs), ancbufsize, flags,
            SOCKADDR_LL_SIZE, len(bufs), bufs)
        return ret, list(anc), msg_flags, makesockaddr(self, addr)

    # -- options
    def setsockopt(self, *args, **kwargs) -> None:
        """sock_setsockopt: tried as (level, opt, int), then (level, opt, None, optlen) for a NULL
        value, then (level, opt, bytes-like); the last form's error is the one raised."""
        no_keywords("socket.setsockopt", kwargs)
        try:
            level, optname, flag = parsetuple(args, "setsockopt", _SETSOCKOPT_INT, 3)
            optval, optlen = INT.pack(flag), INT.size
        except Exception:
            try:
                level, optname, _, optlen = parsetuple(args, "setsockopt", _SETSOCKOPT_NULL, 4)
                optval = None
                optlen = optlen - (1 << 32) if optlen > INT_MAX else optlen   # the kernel's int
            except Exception:
                level, optname, optval = parsetuple(args, "setsockopt", _SETSOCKOPT_BUF, 3)
                optlen = len(optval)
        self._view.sys_setsockopt(self._fd, level, optname, optval, optlen)

    def getsockopt(self, *args, **kwargs):
        """sock_getsockopt: "ii|i"; without buflen (or 0) the value is an int; else bytes, buflen
        1..1024 (else OSError "getsockopt buflen out of range"), cut to what the kernel wrote."""
        no_keywords("socket.getsockopt", kwargs)
        parsed = parsetuple(args, "getsockopt", _GETSOCKOPT_UNITS, 2)
        level, optname = parsed[0], parsed[1]
        buflen = parsed[2] if len(parsed) > 2 else 0
        if buflen == 0:
            v = self._view.sys_getsockopt(self._fd, level, optname, 4, bytes(4))
            if type(v) is tuple:      # SO_GET_FILTER: (*optlen as written, bytes copied)
                v = v[1][:4]
            return INT.unpack(v.ljust(4, b"\0"))[0]
        if buflen <= 0 or buflen > 1024:
            raise OSError("getsockopt buflen out of range")
        v = self._view.sys_getsockopt(self._fd, level, optname, buflen, bytes(buflen))
        if type(v) is tuple:          # the buffer cut to the written *optlen
            return v[1][:buflen].ljust(buflen, b"\0")[:v[0]]
        return v


    # -- memory-mapped rings
    def mmap(self, length: int, flags: int = 0x1, prot: int = 0x3, offset: int = 0):
        """mmap.mmap(sock.fileno(), length, flags, prot, offset=offset) for this socket: the
        RX ring then the TX ring, shared with the kernel model (closing it is munmap)."""
        self._check_open()
        if length < 0:
            raise OverflowError("memory mapped length must be positive")
        if offset < 0:
            raise OverflowError("memory mapped offset must be positive")
        return self._view.sys_mmap(self._fd, length, prot, flags, offset)
