"""The public API: `Kernel` (one emulated machine), namespace/process views, and `Socket`, a
drop-in for Python's socket.socket on AF_PACKET (netkernel/socketmodule.py). Everything here only
calls the syscall layer (net/socket.py, fs/) or the link-management functions of net/core."""
from __future__ import annotations

import random
import threading
import time

from netkernel.capture import Capture, epoch_offset
from netkernel.drivers.net.dummy import DUMMY_LINK_OPS
from netkernel.drivers.net.loopback import loopback_setup
from netkernel.drivers.net.tun import QEMU_LINK_OPS, TAP_LINK_OPS
from netkernel.drivers.net.veth import VETH_LINK_OPS
from netkernel.fs import fcntl as _fcntl, ioctl as _ioctl
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
from netkernel.uapi.socket import AF_PACKET, SOCK_RAW
from netkernel.socketmodule import Socket  # noqa: F401 (netkernel.Socket)


_oserror = E.oserror


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

    def sys_setsockopt(self, fd: int, level: int, name: int, optval: bytes | None,
                       optlen: int | None = None) -> int:
        """setsockopt(2); optval None is a NULL pointer (then optlen says how long)."""
        return self._call(sys.sys_setsockopt, fd, level, name,
                          None if optval is None else bytes(optval), optlen)

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

    def sys_fcntl(self, fd: int, cmd: int, arg: int = 0) -> int:
        """fcntl(2): F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (O_NONBLOCK, ...)."""
        return self._call(_fcntl.sys_fcntl, fd, cmd, arg)

    def ioctl(self, fd: int, request: int, arg: bytes = b"") -> bytes:
        """ioctl(2) with `arg` as the memory the request points to; returns that memory after the
        call (FIONBIO/FIOCLEX/FIONCLEX on any descriptor; SIOCGIFINDEX/SIOCGIFNAME on a socket)."""
        buf = bytearray(arg)
        self._call(_ioctl.sys_ioctl, fd, request, buf)
        return bytes(buf)

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
