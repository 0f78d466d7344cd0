"""The public API: `Kernel` (one emulated machine), namespace/process views, and `Socket`, a
drop-in for Python's socket.socket on AF_PACKET. Everything here only calls the syscall layer
(net/socket.py) or the link-management functions of net/core."""
from __future__ import annotations

import random
import socket as _pysocket
import struct
import threading
import time

from netkernel.capture import Capture, epoch_offset
from netkernel.drivers.net.dummy import DUMMY_LINK_OPS
from netkernel.drivers.net.loopback import loopback_setup
from netkernel.drivers.net.tun import QEMU_LINK_OPS, TAP_LINK_OPS
from netkernel.drivers.net.veth import VETH_LINK_OPS
from netkernel.kernel.sched import Task, _tls, set_current
from netkernel.kernel.sysctl import CONFIG_DEFAULTS, SYSCTL_DEFAULTS
from netkernel.fs import select
from netkernel.net import socket as sys
from netkernel.net.core import dev as netdev
from netkernel.net.core.datagram import EPOLLERR, EPOLLIN, EPOLLOUT
from netkernel.net.core.dev import NetCore, NetDevice
from netkernel.net.core.net_namespace import Net
from netkernel.net.core.rtnetlink import rtnl_create_link
from netkernel.net.core.skbuff import PROFILES
from netkernel.net.packet.af_packet import packet_init
from netkernel.uapi import errno as E
from netkernel.uapi.capability import ALL_CAPS
from netkernel.uapi.if_ import IFF_UP, IFF_LOOPBACK, IFNAMSIZ
from netkernel.uapi.if_packet import sockaddr_ll_pack, sockaddr_ll_unpack
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_NONBLOCK,
                                   SOCK_RAW, SOL_SOCKET)

O_NONBLOCK = sys.O_NONBLOCK


def _oserror(err: int) -> OSError:
    return OSError(err, E.strerror(err))


def parse_mac(address) -> bytes:
    if isinstance(address, (bytes, bytearray)):
        return bytes(address)
    parts = address.split(":")
    return bytes(int(p, 16) for p in parts)


def format_mac(addr: bytes) -> str:
    return ":".join(f"{b:02x}" for b in addr)


class _View:
    """Syscalls and link management as seen by one task (its netns, its fd table, its caps)."""

    def __init__(self, kernel: "Kernel", task: Task):
        self._kernel = kernel
        self._task = task

    # -- syscall plumbing
    def _call(self, fn, *args):
        """Enter the kernel as this view's task: take the machine lock, make the task `current`,
        run the syscall, drop the file references it took, and raise its errno."""
        k = self._kernel
        task = self._task
        tls = _tls
        with k._lock:
            prev = getattr(tls, "task", None)
            tls.task = task
            try:
                if k._tracer is None:
                    ret = fn(task, *args)
                else:
                    ret = k._tracer.run_syscall(fn, task, *args)
            finally:
                if getattr(tls, "fput", None):
                    sys.syscall_exit()
                tls.task = prev
        if type(ret) is int and ret < 0:
            return sys.raise_on_error(ret)
        return ret

    @property
    def net(self) -> Net:
        return self._task.net

    def sys_socket(self, family: int, type: int, protocol: int = 0) -> int:
        return self._call(sys.sys_socket, family, type, protocol)

    def sys_bind(self, fd: int, addr: bytes) -> int:
        return self._call(sys.sys_bind, fd, bytes(addr))

    def sys_connect(self, fd: int, addr: bytes) -> int:
        return self._call(sys.sys_connect, fd, bytes(addr))

    def sys_listen(self, fd: int, backlog: int) -> int:
        return self._call(sys.sys_listen, fd, backlog)

    def sys_accept(self, fd: int) -> int:
        return self._call(sys.sys_accept, fd)

    def sys_sendto(self, fd: int, buf, flags: int = 0, addr: bytes | None = None) -> int:
        return self._call(sys.sys_sendto, fd, bytes(buf), flags,
                          None if addr is None else bytes(addr))

    def sys_sendmsg(self, fd: int, buf, ancdata=(), flags: int = 0, addr: bytes | None = None) -> int:
        return self._call(sys.sys_sendmsg, fd, bytes(buf), ancdata, flags,
                          None if addr is None else bytes(addr))

    def sys_recvfrom(self, fd: int, size: int, flags: int = 0):
        return self._call(sys.sys_recvfrom, fd, size, flags)

    def sys_recvmsg(self, fd: int, size: int, ancbufsize: int = 0, flags: int = 0):
        return self._call(sys.sys_recvmsg, fd, size, ancbufsize, flags)

    def sys_getsockname(self, fd: int) -> bytes:
        return self._call(sys.sys_getsockname, fd)

    def sys_getpeername(self, fd: int) -> bytes:
        return self._call(sys.sys_getpeername, fd)

    def sys_setsockopt(self, fd: int, level: int, name: int, optval: bytes) -> int:
        return self._call(sys.sys_setsockopt, fd, level, name, bytes(optval))

    def sys_getsockopt(self, fd: int, level: int, name: int, optlen: int,
                       optval: bytes = b"") -> bytes:
        return self._call(sys.sys_getsockopt, fd, level, name, optlen, bytes(optval))

    def sys_shutdown(self, fd: int, how: int) -> int:
        return self._call(sys.sys_shutdown, fd, how)

    def sys_close(self, fd: int) -> int:
        return self._call(sys.sys_close, fd)

    def sys_poll(self, fd: int, events: int, timeout: float | None) -> int:
        """Wait until the socket's poll mask meets `events` (or an error); returns the mask
        (0 on timeout). timeout None waits forever."""
        return self._call(select.sys_poll, fd, events, timeout)

    # -- Python-socket-style API
    def socket(self, family: int = AF_PACKET, type: int = SOCK_RAW, proto: int = 0,
               fileno: int | None = None) -> "Socket":
        return Socket(self, family, type, proto, fileno)

    # -- links (ip link)
    def _dev(self, name: str) -> NetDevice:
        dev = self.net.dev_by_name.get(name)
        if dev is None:
            raise _oserror(E.ENODEV)
        return dev

    def link_add(self, name: str, kind: str, peer: str | None = None, **kw) -> None:
        k = self._kernel
        with k._lock:
            ops = k.link_kinds.get(kind)
            if ops is None:
                raise _oserror(E.EOPNOTSUPP)
            for n in (name, peer):
                if n is not None and (not n or len(n) >= IFNAMSIZ or "/" in n or " " in n):
                    raise _oserror(E.EINVAL)
            if name in self.net.dev_by_name or (peer is not None and peer in self.net.dev_by_name):
                raise _oserror(17)  # EEXIST
            dev = rtnl_create_link(ops, name)
            if dev.addr_len:
                dev.dev_addr = k._random_mac()
            extra = dict(kw)    # kind-specific: host_ifname/host_netns (tap), netdev (qemu)
            if peer is not None:
                extra["peer"] = peer
            prev = set_current(self._task)
            try:
                if kind == "veth":
                    err = ops.newlink(self.net, dev, peer=peer, mac=k._random_mac)
                else:
                    err = ops.newlink(self.net, dev, **extra)
            finally:
                set_current(prev)
            sys.raise_on_error(err)

    def link_set(self, name: str, up: bool | None = None, mtu: int | None = None,
                 address=None, netns: str | None = None) -> None:
        k = self._kernel
        with k._lock:
            dev = self._dev(name)
            target = None
            if netns is not None:
                target = k._nets.get(netns)
                if target is None:
                    raise _oserror(E.ENOENT)
            if mtu is not None:
                sys.raise_on_error(netdev.dev_set_mtu(dev, mtu))
            if address is not None:
                sys.raise_on_error(netdev.dev_set_mac_address(dev, parse_mac(address)))
            if up is True:
                sys.raise_on_error(netdev.dev_open(dev))
            elif up is False:
                netdev.dev_close(dev)
            if target is not None:
                if dev.flags & IFF_LOOPBACK:
                    raise _oserror(E.EINVAL)
                sys.raise_on_error(netdev.dev_change_net_namespace(dev, target.net))

    def link_del(self, name: str) -> None:
        k = self._kernel
        with k._lock:
            dev = self._dev(name)
            ops = dev.link_ops
            if ops is None:
                raise _oserror(E.EOPNOTSUPP)
            if ops.dellink is not None:
                ops.dellink(dev)
            else:
                netdev.unregister_netdevice(dev)

    def if_nametoindex(self, name: str) -> int:
        if not isinstance(name, str):
            raise TypeError(f"if_nametoindex(): argument 1 must be str, not {type(name).__name__}")
        dev = self.net.dev_by_name.get(name)
        if dev is None:
            raise OSError("no interface with this name")
        return dev.ifindex

    def if_indextoname(self, index: int) -> str:
        if not isinstance(index, int):
            raise TypeError("an integer is required")
        dev = self.net.dev_by_index.get(index)
        if dev is None:
            raise _oserror(E.ENXIO)
        return dev.name

    def if_nameindex(self) -> list[tuple[int, str]]:
        return sorted((i, d.name) for i, d in self.net.dev_by_index.items())

    def capture(self, dev, path) -> "Capture":
        """Record what `dev` (a name, or several) sends and receives as pcapng at `path`, until
        `.close()` or the end of a `with` block (see netkernel.capture)."""
        names = [dev] if isinstance(dev, str) else list(dev)
        with self._kernel._lock:
            devs = [self._dev(n) for n in names]
            return Capture(self._kernel.core, devs, path, epoch_offset(self._kernel.core.clock))

    def links(self) -> list[dict]:
        out = []
        for ifindex in sorted(self.net.dev_by_index):
            dev = self.net.dev_by_index[ifindex]
            peer = getattr(dev.priv, "peer", None)
            flags = netdev.dev_get_flags(dev)
            out.append({
                "ifindex": ifindex, "name": dev.name, "promiscuity": dev.promiscuity,
                "allmulti": dev.allmulti, "mc": [format_mac(a) for a in dev.mc],
                "kind": dev.link_ops.kind if dev.link_ops else ("loopback" if dev.flags & IFF_LOOPBACK else ""),
                "flags": flags, "up": bool(flags & IFF_UP), "carrier": dev.carrier,
                "mtu": dev.mtu, "address": format_mac(dev.dev_addr), "type": dev.type,
                "qdisc": dev.qdisc.id if dev.qdisc else "noop",
                "peer": peer.name if peer is not None else None,
                "stats": dev.stats.as_dict(),
            })
        return out


class Process(_View):
    """A process of the machine: its own fd table and capabilities, in a network namespace."""

    @property
    def pid(self) -> int:
        return self._task.pid


class Netns(_View):
    """A network namespace of the machine, seen through a root task living in it."""

    @property
    def name(self) -> str:
        return self.net.name


class Kernel(_View):
    """One emulated machine running Linux 5.15's packet path. Its init_net has `lo` (up)."""

    def __init__(self, profile: str = "x86_64", clock: str = "real", seed: int = 0):
        self._lock = threading.RLock()
        self._tracer = None
        self._sysctl = dict(SYSCTL_DEFAULTS)
        self._sysctl.update(CONFIG_DEFAULTS)
        if clock == "virtual":
            self._now = 0
            clock_fn = lambda: self._now  # noqa: E731
        elif clock == "real":
            clock_fn = time.monotonic_ns
        else:
            raise ValueError("clock must be 'real' or 'virtual'")
        self.core = NetCore(PROFILES[profile], self._sysctl, clock_fn, self._lock)
        if clock == "real":
            self.core.realtime_offset = time.time_ns() - time.monotonic_ns()
        packet_init(self.core)
        self.link_kinds = {"veth": VETH_LINK_OPS, "dummy": DUMMY_LINK_OPS,
                           "tap": TAP_LINK_OPS, "qemu": QEMU_LINK_OPS}
        self._rng = random.Random(seed)
        self._pids = 1
        self._nets: dict[str, Netns] = {}
        init_net = self._new_net("init_net")
        super().__init__(self, Task(1, ALL_CAPS, init_net))
        self.init_net = init_net

    def advance(self, ns: int) -> None:
        """Move a virtual clock forward."""
        self._now += ns

    def _random_mac(self) -> bytes:
        b = bytearray(self._rng.getrandbits(8) for _ in range(6))
        b[0] = (b[0] & 0xFE) | 0x02
        return bytes(b)

    def _new_net(self, name: str) -> Net:
        net = Net(self.core, name)
        self.core.nets.append(net)
        lo = NetDevice("lo")
        loopback_setup(lo)
        netdev.register_netdevice(net, lo)
        net.loopback_dev = lo
        netdev.dev_open(lo)
        return net

    def trace(self, syscalls=None, process=None, depth: int | None = None):
        """`with k.trace() as t:` records the kernel functions run inside (see netkernel.trace);
        optionally only some syscalls, one process, or a maximum depth."""
        from netkernel.trace import Trace
        return Trace(self, syscalls=syscalls, process=process, depth=depth)

    def sysctl(self, name: str, value: int | None = None) -> int:
        if name not in SYSCTL_DEFAULTS and name not in CONFIG_DEFAULTS:
            raise KeyError(name)
        with self._lock:
            if value is not None:
                self._sysctl[name] = int(value)
            return self._sysctl[name]

    def process(self, caps=ALL_CAPS, netns: str | None = None) -> Process:
        with self._lock:
            self._pids += 1
            net = self.init_net if netns is None else self.netns(netns).net
            return Process(self, Task(self._pids, frozenset(caps), net))

    def netns_add(self, name: str) -> Netns:
        with self._lock:
            if name in self._nets:
                raise _oserror(17)
            net = self._new_net(name)
            self._pids += 1
            ns = Netns(self, Task(self._pids, ALL_CAPS, net))
            self._nets[name] = ns
            return ns

    def netns(self, name: str) -> Netns:
        ns = self._nets.get(name)
        if ns is None:
            raise _oserror(E.ENOENT)
        return ns


# ---------------------------------------------------------------- Socket

def _makesockaddr(view: _View, addr: bytes):
    """CPython's makesockaddr for AF_PACKET: (ifname, proto, pkttype, hatype, addr)."""
    if not addr:
        return None
    a = bytes(addr).ljust(20, b"\0")
    _, proto, ifindex, hatype, pkttype, halen, hw = sockaddr_ll_unpack(a)
    dev = view.net.dev_by_index.get(ifindex)
    return (dev.name if dev is not None else "", proto, pkttype, hatype, hw[:halen])


class Socket:
    """A packet socket with the methods, arguments, results and exceptions of socket.socket."""

    def __init__(self, view: _View, family: int = AF_PACKET, type: int = SOCK_RAW, proto: int = 0,
                 fileno: int | None = None):
        self._view = view
        if fileno is None:
            fileno = view.sys_socket(family, type, proto)
        self._fd = fileno
        self._family = family
        self._type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
        self._proto = proto
        self._timeout = 0.0 if type & SOCK_NONBLOCK else _pysocket.getdefaulttimeout()
        if self._timeout is not None:
            self._set_nonblock(True)

    # -- identity
    @property
    def family(self):
        return _pysocket.AddressFamily(self._family)

    @property
    def type(self):
        return _pysocket.SocketKind(self._type)

    @property
    def proto(self) -> int:
        return self._proto

    @property
    def timeout(self):
        return self._timeout

    def fileno(self) -> int:
        return self._fd

    def __repr__(self) -> str:
        return (f"<netkernel.Socket fd={self._fd}, family={self.family!s}, type={self.type!s}, "
                f"proto={self._proto}>")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                self._view.sys_close(fd)
            except OSError:
                pass

    def detach(self) -> int:
        fd, self._fd = self._fd, -1
        return fd

    def _check_open(self):
        if self._fd < 0:
            raise _oserror(E.EBADF)

    # -- blocking mode (CPython keeps the fd non-blocking when a timeout is set)
    def _set_nonblock(self, on: bool) -> None:
        if self._fd < 0:
            return
        f = self._view._task.files.get(self._fd)
        if f is not None:
            f.f_flags = (f.f_flags | O_NONBLOCK) if on else (f.f_flags & ~O_NONBLOCK)

    def settimeout(self, value) -> None:
        if value is not None:
            value = float(value)
            if value < 0:
                raise ValueError("Timeout value out of range")
        self._timeout = value
        self._set_nonblock(value is not None)

    def gettimeout(self):
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self.settimeout(None if flag else 0.0)

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def _sock_call(self, events: int, fn):
        """CPython's sock_call_ex: with a timeout, wait for readiness first, then try; EAGAIN
        after a false positive retries until the deadline; expiry raises TimeoutError."""
        self._check_open()
        t = self._timeout
        if not t:
            return fn()
        deadline = time.monotonic() + t
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._view.sys_poll(self._fd, events, left):
                raise TimeoutError("timed out")
            try:
                return fn()
            except BlockingIOError:
                continue

    # -- addresses (CPython's getsockaddrarg for AF_PACKET)
    def _sockaddr(self, address) -> bytes:
        """CPython 3.11's getsockaddrarg for AF_PACKET, in its order: parse (str, int[, int[, int
        [, bytes]]]); resolve the name (SIOCGIFINDEX: ENODEV); hwaddr ≤ 8 bytes (ValueError);
        protocol 0..65535 (OverflowError); pkttype/hatype are stored truncated."""
        if not isinstance(address, tuple):
            raise TypeError(f"AF_PACKET address must be tuple, not {type(address).__name__}")
        if not 2 <= len(address) <= 5:
            raise TypeError("AF_PACKET address must be a tuple of two to five elements")
        ifname, proto, *rest = address
        pkttype = rest[0] if len(rest) > 0 else 0
        hatype = rest[1] if len(rest) > 1 else 0
        haddr = rest[2] if len(rest) > 2 else b""
        if not isinstance(ifname, str):
            raise TypeError(f"AF_PACKET address must be a tuple of two to five elements")
        if "\0" in ifname:
            raise ValueError("embedded null character")
        for v in (proto, pkttype, hatype):
            if not isinstance(v, int):
                raise TypeError(f"'{type(v).__name__}' object cannot be interpreted as an integer")
            if not -(1 << 31) <= v < (1 << 31):
                raise OverflowError("signed integer is greater than maximum"
                                    if v > 0 else "signed integer is less than minimum")
        if not isinstance(haddr, (bytes, bytearray, memoryview)):
            raise TypeError(f"a bytes-like object is required, not '{type(haddr).__name__}'")
        haddr = bytes(haddr)
        dev = self._view.net.dev_by_name.get(ifname.encode()[:IFNAMSIZ - 1].decode("utf-8", "ignore"))
        if dev is None:
            raise _oserror(E.ENODEV)
        if len(haddr) > 8:
            raise ValueError("Hardware address must be 8 bytes or less")
        if not 0 <= proto <= 0xFFFF:
            raise OverflowError("getsockaddrarg(): protoNumber must be 0-65535.")
        return sockaddr_ll_pack(proto, dev.ifindex, hatype & 0xFFFF, pkttype & 0xFF, len(haddr),
                                haddr.ljust(8, b"\0"))

    def bind(self, address) -> None:
        self._check_open()
        self._view.sys_bind(self._fd, self._sockaddr(address))

    def connect(self, address) -> None:
        self._check_open()
        self._view.sys_connect(self._fd, self._sockaddr(address))

    def listen(self, backlog: int = 0) -> None:
        self._check_open()
        self._view.sys_listen(self._fd, backlog)

    def accept(self):
        self._check_open()
        fd = self._sock_call(EPOLLIN, lambda: self._view.sys_accept(self._fd))
        return Socket(self._view, self._family, self._type, self._proto, fd), None

    def shutdown(self, how: int) -> None:
        self._check_open()
        self._view.sys_shutdown(self._fd, how)

    def getsockname(self):
        self._check_open()
        return _makesockaddr(self._view, self._view.sys_getsockname(self._fd))

    def getpeername(self):
        self._check_open()
        return _makesockaddr(self._view, self._view.sys_getpeername(self._fd))

    # -- send
    def send(self, data, flags: int = 0) -> int:
        if type(data) is not bytes:
            data = bytes(memoryview(data))
        if not self._timeout and self._fd >= 0:     # blocking or non-blocking: one syscall
            return self._view._call(sys.sys_sendto, self._fd, data, flags, None)
        return self._sock_call(EPOLLOUT, lambda: self._view.sys_sendto(self._fd, data, flags, None))

    def sendall(self, data, flags: int = 0) -> None:
        self.send(data, flags)

    def sendto(self, data, flags_or_addr, address=None) -> int:
        if address is None:
            flags, address = 0, flags_or_addr
        else:
            flags = flags_or_addr
        data = bytes(memoryview(data))
        addr = self._sockaddr(address)
        return self._sock_call(EPOLLOUT, lambda: self._view.sys_sendto(self._fd, data, flags, addr))

    def sendmsg(self, buffers, ancdata=(), flags: int = 0, address=None) -> int:
        data = b"".join(bytes(memoryview(b)) for b in buffers)
        addr = None if address is None else self._sockaddr(address)
        return self._sock_call(EPOLLOUT, lambda: self._view.sys_sendmsg(self._fd, data, list(ancdata),
                                                                        flags, addr))

    # -- receive
    def _recvfrom(self, bufsize: int, flags: int):
        if bufsize < 0:
            raise ValueError("negative buffersize in recvfrom")
        if not self._timeout and self._fd >= 0:
            return self._view._call(sys.sys_recvfrom, self._fd, bufsize, flags)
        return self._sock_call(EPOLLIN, lambda: self._view.sys_recvfrom(self._fd, bufsize, flags))

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if bufsize < 0:
            raise ValueError("negative buffersize in recv")
        return self._recvfrom(bufsize, flags)[1]

    def recvfrom(self, bufsize: int, flags: int = 0):
        ret, data, addr = self._recvfrom(bufsize, flags)
        return data, _makesockaddr(self._view, addr)

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        mv = memoryview(buffer).cast("B")
        n = nbytes or len(mv)
        ret, data, _ = self._recvfrom(n, flags)
        mv[:len(data)] = data
        return ret

    def recvfrom_into(self, buffer, nbytes: int = 0, flags: int = 0):
        mv = memoryview(buffer).cast("B")
        n = nbytes or len(mv)
        ret, data, addr = self._recvfrom(n, flags)
        mv[:len(data)] = data
        return ret, _makesockaddr(self._view, addr)

    def recvmsg(self, bufsize: int, ancbufsize: int = 0, flags: int = 0):
        if bufsize < 0:
            raise ValueError("negative buffer size in recvmsg()")
        if ancbufsize < 0:
            raise ValueError("negative buffer size in recvmsg()")
        ret, data, anc, msg_flags, addr = self._sock_call(
            EPOLLIN, lambda: self._view.sys_recvmsg(self._fd, bufsize, ancbufsize, flags))
        return data, list(anc), msg_flags, _makesockaddr(self._view, addr)

    # -- options
    def setsockopt(self, level: int, optname: int, value, optlen: int | None = None) -> None:
        self._check_open()
        if value is None:
            if optlen is None:
                raise TypeError("setsockopt() takes 3 or 4 arguments")
            optval = bytes(optlen)
        elif isinstance(value, int):
            optval = INT.pack(value)
        else:
            optval = bytes(memoryview(value))
        self._view.sys_setsockopt(self._fd, level, optname, optval)

    def getsockopt(self, level: int, optname: int, buflen: int = 0):
        self._check_open()
        if buflen == 0:
            v = self._view.sys_getsockopt(self._fd, level, optname, 4, bytes(4))
            if type(v) is tuple:      # SO_GET_FILTER: (*optlen as written, bytes copied)
                v = v[1][:4]
            return INT.unpack(v.ljust(4, b"\0"))[0]
        if buflen < 0 or buflen > 1024:
            raise OSError("getsockopt buflen out of range")
        v = self._view.sys_getsockopt(self._fd, level, optname, buflen, bytes(buflen))
        if type(v) is tuple:          # like CPython: the buffer cut to the written *optlen
            return v[1][:buflen].ljust(buflen, b"\0")[:v[0]]
        return v
