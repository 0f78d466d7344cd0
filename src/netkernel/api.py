"""The public API: `Kernel` (one emulated machine), namespace/process views, and `Socket`, a
drop-in for Python's socket.socket on AF_PACKET. Everything here only calls the syscall layer
(net/socket.py) or the link-management functions of net/core."""
from __future__ import annotations

import itertools
import random
import socket as _pysocket
import struct
import threading
import time

from netkernel.capture import Capture, epoch_offset
from netkernel.drivers.net.dummy import DUMMY_LINK_OPS
from netkernel.drivers.net.loopback import loopback_net_init
from netkernel.drivers.net.tun import QEMU_LINK_OPS, TAP_LINK_OPS
from netkernel.drivers.net.veth import VETH_LINK_OPS
from netkernel.fs import select
from netkernel.kernel.capability import capable
from netkernel.kernel.sched import Task, _tls
from netkernel.kernel.sysctl import SysctlRoot, proc_sys_read, proc_sys_write, sysctl_init
from netkernel.net import socket as sys
from netkernel.net.core import dev as netdev
from netkernel.net.core.datagram import EPOLLERR, EPOLLIN, EPOLLOUT
from netkernel.net.core.dev import NetCore, NetDevice
from netkernel.net.core.net_namespace import Net, copy_net_ns, register_pernet_device, setup_net
from netkernel.net.core.rtnetlink import (IfInfoMsg, rtnetlink_rcv_msg, rtnl_link_ops_get,
                                          rtnl_link_register)
from netkernel.net.core.skbuff import PROFILES
from netkernel.net.core.sysctl_net_core import sysctl_core_init
from netkernel.net.packet.af_packet import packet_init
from netkernel.uapi import errno as E
from netkernel.uapi.capability import ALL_CAPS, CAP_LAST_CAP, CAP_NET_RAW
from netkernel.uapi.if_ import IFF_UP, IFF_LOOPBACK, IFNAMSIZ
from netkernel.uapi.if_packet import sockaddr_ll_pack, sockaddr_ll_unpack
from netkernel.uapi.netlink import NLM_F_CREATE, NLM_F_EXCL
from netkernel.uapi.rtnetlink import RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_NONBLOCK,
                                   SOCK_RAW, SOL_SOCKET)

O_NONBLOCK = sys.O_NONBLOCK


def _oserror(err: int) -> OSError:
    return OSError(err, E.strerror(err))


_HEX = frozenset("0123456789abcdefABCDEF")


def parse_mac(address) -> bytes:
    """A link-layer address argument: bytes-like as given, or text in `ip link`'s notation —
    hex octets separated by ':' ("02:00:00:00:00:01"). Anything else is ValueError (TypeError for
    other types), raised before the kernel sees the request; whether the bytes make a usable
    address (length, unicast) is the kernel's answer (OSError EINVAL/EADDRNOTAVAIL)."""
    if isinstance(address, (bytes, bytearray, memoryview)):
        return bytes(address)
    if not isinstance(address, str):
        raise TypeError(f"address must be str or bytes, not {type(address).__name__}")
    parts = address.split(":")
    if not all(1 <= len(p) <= 2 and set(p) <= _HEX for p in parts):
        raise ValueError(f"{address!r} is not a link-layer address (hex octets separated by ':')")
    return bytes(int(p, 16) for p in parts)


def format_mac(addr: bytes) -> str:
    return ":".join(f"{b:02x}" for b in addr)


def _link_msg(view: "_View", name, *, up=None, mtu=None, address=None, netns=None,
              **attrs) -> IfInfoMsg:
    """Python keywords → the IfInfoMsg (struct ifinfomsg + IFLA_*) the rtnl functions take.
    Only Python-level checks here (types, address text, the netns name): values are the kernel's."""
    if not isinstance(name, str):
        raise TypeError(f"interface name must be str, not {type(name).__name__}")
    if up is not None and not isinstance(up, bool):
        raise TypeError(f"up must be True, False or None, not {type(up).__name__}")
    if mtu is not None and (isinstance(mtu, bool) or not isinstance(mtu, int)):
        raise TypeError(f"mtu must be an int, not {type(mtu).__name__}")
    return IfInfoMsg(name, ifi_flags=IFF_UP if up else 0, ifi_change=0 if up is None else IFF_UP,
                     mtu=mtu, address=None if address is None else parse_mac(address),
                     net=None if netns is None else _netns_arg(view, netns), **attrs)


def _netns_arg(view: "_View", netns) -> Net:
    """A target namespace: a name from netns_add (ENOENT if unknown), or a view (the Kernel for
    init_net, a Netns, a Process) of the same machine — as `ip link set ... netns NAME|PID`."""
    if isinstance(netns, str):
        return view._kernel.netns(netns).net
    if isinstance(netns, _View):
        if netns._kernel is not view._kernel:
            raise ValueError("netns must be a namespace of the same machine")
        return netns.net
    raise TypeError(f"netns must be a name or a view, not {type(netns).__name__}")


def _capture_open(task: Task, kernel: "Kernel", names: list, path) -> "Capture | int":
    """A capture is a packet tap on the devices, as tcpdump's packet socket: CAP_NET_RAW (EPERM),
    then each device by name in the task's namespace (ENODEV)."""
    if not capable(CAP_NET_RAW):
        return -E.EPERM
    devs = []
    for n in names:
        dev = task.net.dev_by_name.get(n) if isinstance(n, str) else None
        if dev is None:
            return -E.ENODEV
        devs.append(dev)
    return Capture(kernel.core, devs, path, epoch_offset(kernel.core.clock))


_machine_seeds = itertools.count()      # Kernel(seed=None): 0 for a process's first machine, 1, ...


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

    def _dev(self, name: str) -> NetDevice:
        """The device `name` of this view's namespace, or OSError(ENODEV) (call under the lock)."""
        dev = self.net.dev_by_name.get(name)
        if dev is None:
            raise E.oserror(E.ENODEV)
        return dev

    # -- links (ip link): thin calls into net/core/rtnetlink.py
    def link_add(self, name: str, kind: str, peer: str | None = None, *, up: bool | None = None,
                 mtu: int | None = None, address=None, netns: str | None = None,
                 peer_netns: str | None = None, **data) -> None:
        """Create a device, as `ip link add NAME [mtu N] [address MAC] [netns NS] type KIND ...`.

        Kinds and their keywords:
          - "veth": a pair; what one end sends the other receives. `peer` names the other end
            (default "veth%d": the lowest free vethN), `peer_netns` puts it in another namespace
            (default: this view's). Without `peer`, the peer also takes `mtu`, as in Linux.
          - "dummy": a sink; it counts and drops what it is given.
          - "tap": the cable goes to a real TAP device on the host: `host_ifname` (default: NAME)
            in the real network namespace `host_netns` (default: the caller's).
          - "qemu": the cable is a QEMU socket backend: `netdev` takes QEMU's `-netdev
            stream,...|dgram,...` option string (required).
        Common keywords: `mtu` (within the kind's range, e.g. 68..65535 for veth), `address`
        ("02:00:00:00:00:01" or 6 bytes; default a random locally administered address drawn from
        the machine's seed), `up=True` to bring it up, `netns` to create it in another namespace
        (a name from netns_add, or a view: `k` itself is init_net).
        A NAME with "%d" takes the lowest free number ("dummy%d" → dummy0).

        Errors are Linux's, and a rejected call changes nothing: EPERM without CAP_NET_ADMIN;
        EEXIST for a name in use; EINVAL for a bad name (empty, ≥ 16 bytes, ".", "..", '/', ':'
        or whitespace) or an MTU out of range; EOPNOTSUPP for an unknown kind; EADDRNOTAVAIL for
        a multicast or all-zero address; ENOENT for an unknown netns name. TypeError for a
        keyword the kind does not take or an argument of the wrong type, ValueError for a
        malformed address — raised before the kernel sees the request.
        """
        if not isinstance(kind, str):
            raise TypeError(f"kind must be str, not {type(kind).__name__}")
        if peer is not None or peer_netns is not None:
            data["peer"] = None
        ops = rtnl_link_ops_get(self._kernel.core, kind)
        for key in data:
            if ops is not None and key not in ops.policy:
                raise TypeError(f"link_add() got an unexpected keyword argument {key!r} for kind "
                                f"{kind!r} (it takes: {', '.join(ops.policy) or 'none'})")
        if "peer" in data:
            data["peer"] = _link_msg(self, "veth%d" if peer is None else peer, netns=peer_netns)
        msg = _link_msg(self, name, up=up, mtu=mtu, address=address, netns=netns, kind=kind,
                        data=data)
        self._call(rtnetlink_rcv_msg, RTM_NEWLINK, msg, NLM_F_CREATE | NLM_F_EXCL)

    def link_set(self, name: str, up: bool | None = None, mtu: int | None = None,
                 address=None, netns: str | None = None) -> None:
        """Change a device, as `ip link set NAME [netns NS] [address MAC] [mtu N] [up|down]`; any
        subset of keywords; `netns` is a name from netns_add or a view of the same machine (`k`
        for init_net). Everything is checked first, then applied in Linux's order (namespace —
        the device arrives there down —, address, MTU, up/down), so a rejected call changes
        nothing. Errors: ENODEV (no such device), EPERM (no CAP_NET_ADMIN), EINVAL (MTU outside
        the device's min/max, address too short, moving lo), EBUSY (address of an up device that
        cannot change it live), EADDRNOTAVAIL (multicast/zero address), EEXIST (name
        taken in the target namespace), ENOENT (unknown netns)."""
        msg = _link_msg(self, name, up=up, mtu=mtu, address=address, netns=netns)
        self._call(rtnetlink_rcv_msg, RTM_SETLINK, msg)

    def link_del(self, name: str) -> None:
        """Delete a device, as `ip link del NAME` (a veth takes its peer along); sockets bound to
        it see NETDEV_UNREGISTER. ENODEV, EPERM without CAP_NET_ADMIN, EOPNOTSUPP for lo."""
        self._call(rtnetlink_rcv_msg, RTM_DELLINK, _link_msg(self, name))

    def if_nametoindex(self, name: str) -> int:
        if not isinstance(name, str):
            raise TypeError(f"if_nametoindex(): argument 1 must be str, not {type(name).__name__}")
        with self._kernel._lock:
            dev = self.net.dev_by_name.get(name)
            if dev is None:
                raise OSError("no interface with this name")
            return dev.ifindex

    def if_indextoname(self, index: int) -> str:
        if not isinstance(index, int):
            raise TypeError("an integer is required")
        with self._kernel._lock:
            dev = self.net.dev_by_index.get(index)
            if dev is None:
                raise E.oserror(E.ENXIO)
            return dev.name

    def if_nameindex(self) -> list[tuple[int, str]]:
        with self._kernel._lock:
            return sorted((i, d.name) for i, d in self.net.dev_by_index.items())

    def capture(self, dev, path) -> "Capture":
        """Record what `dev` (a name, or several) sends and receives as pcapng at `path` (a file
        name or a binary file object), readable by Wireshark/tshark, until `.close()` or the end
        of a `with` block (see netkernel.capture). Like tcpdump opening a packet socket, it needs
        CAP_NET_RAW (EPERM); an unknown device is ENODEV."""
        names = [dev] if isinstance(dev, str) else list(dev)
        return self._call(_capture_open, self._kernel, names, path)

    def links(self) -> list[dict]:
        """`ip -d -s link` as dicts, by ifindex: name, kind, flags/up/carrier, mtu, address,
        qdisc, the veth peer's name, promiscuity/allmulti counts, multicast list, statistics."""
        out = []
        with self._kernel._lock:
            for ifindex in sorted(self.net.dev_by_index):
                dev = self.net.dev_by_index[ifindex]
                peer = getattr(dev.priv, "peer", None)
                flags = netdev.dev_get_flags(dev)
                out.append({
                    "ifindex": ifindex, "name": dev.name, "promiscuity": dev.promiscuity,
                    "allmulti": dev.allmulti, "mc": [format_mac(a) for a in dev.mc],
                    "kind": dev.link_ops.kind if dev.link_ops else
                            ("loopback" if dev.flags & IFF_LOOPBACK else ""),
                    "flags": flags, "up": bool(flags & IFF_UP), "carrier": dev.carrier,
                    "mtu": dev.mtu, "address": format_mac(dev.dev_addr), "type": dev.type,
                    "qdisc": dev.qdisc.id if dev.qdisc else "noop",
                    "peer": peer.name if peer is not None else None,
                    "stats": dev.stats.as_dict(),
                })
        return out

    # -- namespaces (ip netns)
    def netns_add(self, name: str) -> "Netns":
        """Create a network namespace named `name`, as `ip netns add NAME` (unshare(CLONE_NEWNET),
        pinned under the name): it starts with its own "lo" (ifindex 1, up) and nothing else.
        Returns its view (also `k.netns(name)`), a root task living in it. Creating one needs
        CAP_SYS_ADMIN (EPERM); a name in use is EEXIST; an empty name, ".", "..", or one with
        '/' is ValueError (it is a file name under /run/netns)."""
        if not isinstance(name, str):
            raise TypeError(f"netns name must be str, not {type(name).__name__}")
        if not name or "/" in name or "\0" in name or name in (".", ".."):
            raise ValueError(f"invalid netns name {name!r}")
        k = self._kernel
        with k._lock:
            if name in k._nets:
                raise E.oserror(E.EEXIST)
            net = self._call(copy_net_ns, name)
            k._pids += 1
            ns = k._nets[name] = Netns(k, Task(k._pids, ALL_CAPS, net))
            return ns

    def netns(self, name: str) -> "Netns":
        """The view of the namespace `name` made by netns_add (ENOENT if there is none)."""
        with self._kernel._lock:
            ns = self._kernel._nets.get(name)
        if ns is None:
            raise E.oserror(E.ENOENT)
        return ns


class Process(_View):
    """A process of the machine: its own fd table and capabilities, in a network namespace."""

    @property
    def pid(self) -> int:
        return self._task.pid


class Netns(_View):
    """A network namespace of the machine (from `k.netns_add(name)` / `k.netns(name)`), seen
    through a root task living in it: its sockets, links and captures are this namespace's.
    `ns.net` is the kernel's struct net."""

    @property
    def name(self) -> str:
        return self.net.name


class Kernel(_View):
    """One emulated machine running Linux 5.15's packet path; itself the view of a root process
    (all capabilities) in its init_net, which has "lo" (ifindex 1, up).

    `profile`: the architecture whose struct sizes the accounting uses ("x86_64", or "armv7" as on
    the AST2500) — they decide skb truesize, hence what fits a receive buffer, and the minimum
    socket buffer sizes.
    `clock`: "real" (monotonic time; timeouts and timestamps as on a host) or "virtual" (starts
    at 0 and moves only with `k.advance(ns)`: runs are exactly repeatable).
    `seed`: the machine's random source (default addresses of new devices, ...). None (the
    default) takes the process's machine counter — 0 for the first Kernel of a process, 1 for the
    next, ... — so two machines never share MAC addresses yet every run of a program gets the same
    ones; an explicit int wins.

        k = netkernel.Kernel()
        k.link_add("veth0", kind="veth", peer="veth1", up=True)
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    """

    def __init__(self, profile: str = "x86_64", clock: str = "real", seed: int | None = None):
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {sorted(PROFILES)}, not {profile!r}")
        if clock not in ("real", "virtual"):
            raise ValueError("clock must be 'real' or 'virtual'")
        if seed is None:
            seed = next(_machine_seeds)       # k.seed tells which one a machine got
        elif isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int or None, not {type(seed).__name__}")
        self.seed = seed
        self._lock = threading.RLock()
        self._tracer = None
        self._sysctl = SysctlRoot()
        sysctl_init(self._sysctl)
        sysctl_core_init(self._sysctl, PROFILES[profile])
        if clock == "virtual":
            self._now = 0
            clock_fn = lambda: self._now  # noqa: E731
        else:
            clock_fn = time.monotonic_ns
        self.core = NetCore(PROFILES[profile], self._sysctl.values, clock_fn, self._lock)
        if clock == "real":
            self.core.realtime_offset = time.time_ns() - time.monotonic_ns()
        self.core.random = random.Random(seed)
        packet_init(self.core)
        for ops in (VETH_LINK_OPS, DUMMY_LINK_OPS, TAP_LINK_OPS, QEMU_LINK_OPS):
            rtnl_link_register(self.core, ops)
        register_pernet_device(self.core, loopback_net_init)
        self._pids = 1
        self._nets: dict[str, Netns] = {}
        init_net = setup_net(self.core, "init_net")
        super().__init__(self, Task(1, ALL_CAPS, init_net))
        self.init_net = init_net

    def advance(self, ns: int) -> None:
        """Move a virtual clock forward."""
        self._now += ns

    def trace(self, syscalls=None, process=None, depth: int | None = None):
        """`with k.trace() as t:` records the kernel functions run inside (see netkernel.trace);
        optionally only some syscalls, one process, or a maximum depth."""
        from netkernel.trace import Trace
        return Trace(self, syscalls=syscalls, process=process, depth=depth)

    def sysctl(self, name: str, value: int | str | None = None) -> int:
        """Read a tunable, or write it and return the new value — as /proc/sys/NAME with dots.
        Names: net.core.{rmem_max, wmem_max, rmem_default, wmem_default, netdev_max_backlog,
        optmem_max, netdev_budget, dev_weight} with 5.15's defaults and checks, and kernel.hz
        (CONFIG_HZ: one of 100, 250, 300, 1000; default 250 — build configuration in Linux).

        A write is checked as Linux's proc handler checks it: out of range (e.g. rmem_max below
        SOCK_MIN_RCVBUF, 2304 on x86_64; wmem_* below SOCK_MIN_SNDBUF, 4608; anything outside a
        C int) is OSError(EINVAL) and the old value stays. `value` is an int, or text parsed as
        `echo TEXT > /proc/sys/...` would be ("0x1000" is hex; "abc" is EINVAL). An unknown
        name is OSError(ENOENT); a value of another type, TypeError."""
        if not isinstance(name, str):
            raise TypeError(f"sysctl name must be str, not {type(name).__name__}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))):
            raise TypeError(f"sysctl value must be int or str, not {type(value).__name__}")
        with self._lock:
            if value is not None:
                sys.raise_on_error(proc_sys_write(self._sysctl, name, value))
            err, v = proc_sys_read(self._sysctl, name)
            sys.raise_on_error(err)
            return v

    def process(self, caps=ALL_CAPS, netns: str | None = None) -> Process:
        """A new process on the machine: its own fd table, the capabilities `caps` (numbers from
        netkernel.uapi.capability; default: all, as root), living in `netns` (default init_net).
        It has every method of the machine's view (socket, sys_*, link_*, capture, ...), checked
        against its capabilities as Linux does: no CAP_NET_RAW → packet sockets and captures are
        EPERM; no CAP_NET_ADMIN → link changes are EPERM; no CAP_SYS_ADMIN → netns_add is EPERM.

            p = k.process(caps={CAP_NET_RAW})     # can capture, cannot reconfigure links
        """
        caps = frozenset(caps)
        for c in caps:
            if isinstance(c, bool) or not isinstance(c, int):
                raise TypeError(f"capabilities are ints, not {type(c).__name__}")
            if not 0 <= c <= CAP_LAST_CAP:
                raise ValueError(f"no capability {c} (0..{CAP_LAST_CAP})")
        with self._lock:
            net = self.init_net if netns is None else self.netns(netns).net
            self._pids += 1
            return Process(self, Task(self._pids, caps, net))


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
