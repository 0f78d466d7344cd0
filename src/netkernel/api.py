"""The public API: `Kernel` (one emulated machine), namespace/process views, and `Socket`, a
drop-in for Python's socket.socket on AF_PACKET (netkernel/socketmodule.py). Everything here only
calls the syscall layer (net/socket.py, fs/) or the link-management functions of net/core."""
from __future__ import annotations

import itertools
import random
import socket
import struct
import time
import weakref

from netkernel.capture import Capture, epoch_offset
from netkernel.drivers.net.dummy import DUMMY_LINK_OPS
from netkernel.drivers.net.loopback import loopback_net_init
from netkernel.drivers.net.tun import QEMU_LINK_OPS, TAP_LINK_OPS
from netkernel.drivers.net.veth import VETH_LINK_OPS
from netkernel.hw.cpu import Cpu
from netkernel.fs import fcntl as _fcntl, ioctl as _ioctl, select
from netkernel.kernel.capability import capable
from netkernel.kernel.sched import Task, _tls
from netkernel.kernel.sysctl import SysctlRoot, proc_sys_read, proc_sys_write, sysctl_init
from netkernel.kernel.time.timer import run_timers
from netkernel.arch.x86.kernel import sys_x86_64
from netkernel.include.linux.uaccess import user_buffer
from netkernel.net import socket as sys
from netkernel.net.core import dev as netdev
from netkernel.net.core.datagram import EPOLLERR, EPOLLIN, EPOLLOUT
from netkernel.net.core.dev import NetCore, NetDevice
from netkernel.net.core.net_namespace import Net, copy_net_ns, register_pernet_device, setup_net
from netkernel.net.core.net_procfs import procfs_read
from netkernel.net.core.net_sysfs import sysfs_read
from netkernel.net.core.rtnetlink import (IfInfoMsg, rtnetlink_rcv_msg, rtnl_link_ops_get,
                                          rtnl_link_register)
from netkernel.net.core.skbuff import PROFILES
from netkernel.net.core.sysctl_net_core import sysctl_core_init
from netkernel import fastpath as _fastpath
from netkernel.net.packet.af_packet import packet_init
from netkernel.net.ipv4.af_inet import inet_init
from netkernel.net.ipv6.af_inet6 import inet6_init
from netkernel.net.netlink.af_netlink import netlink_proto_init
from netkernel.uapi import errno as E
from netkernel.uapi.capability import ALL_CAPS, CAP_LAST_CAP, CAP_NET_ADMIN, CAP_NET_RAW
from netkernel.uapi.if_ import IFF_UP, IFF_LOOPBACK, IFNAMSIZ
from netkernel.include.linux.netlink import netlink_ext_ack_begin, netlink_ext_ack_end
from netkernel.net.core.rtnetlink import nla_put, nlmsg_put, rtnl_request
from netkernel.net.ipv4.devinet import devinet_sysctl
from netkernel.net.ipv6.addrconf import addrconf_sysctl
from netkernel.uapi.netlink import NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST
from netkernel.uapi.rtnetlink import (IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_F_NODAD,
                                      IFA_F_NOPREFIXROUTE, IFA_FLAGS, IFA_LABEL, IFA_LOCAL,
                                      IFA_RT_PRIORITY, IFADDRMSG, RTA_DST, RTA_GATEWAY, RTA_OIF,
                                      RTA_PREFSRC, RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTM_DELADDR,
                                      RTM_GETROUTE,
                                      RTM_DELROUTE, RTM_NEWADDR, RTM_NEWROUTE, RTMSG,
                                      RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_PROHIBIT,
                                      RTN_UNICAST, RTN_UNREACHABLE, RTPROT_BOOT, RT_SCOPE_HOST,
                                      RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE,
                                      RT_TABLE_MAIN)
from netkernel.uapi.rtnetlink import RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK
from netkernel.uapi.socket import AF_INET, AF_INET6, AF_PACKET, SOCK_RAW
from netkernel.socketmodule import Socket  # noqa: F401 (netkernel.Socket)


_oserror = E.oserror


_HEX = frozenset("0123456789abcdefABCDEF")


def _parse_prefix(text: str):
    """"10.0.0.1/24" or "2001:db8::1/64" → (family, address bytes, prefix length); ValueError
    for text that is neither (as ip(8)'s "any valid prefix is expected")."""
    if not isinstance(text, str):
        raise TypeError(f"address must be str, not {type(text).__name__}")
    addr, _, plen = text.partition("/")
    family = AF_INET6 if ":" in addr else AF_INET
    try:
        raw = socket.inet_pton(family, addr)
        n = int(plen) if plen else (32 if family == AF_INET else 128)
    except (OSError, ValueError):
        raise ValueError(f"{text!r} is not an IPv4 or IPv6 address") from None
    return family, raw, n


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
        self._fp_routes: dict = {}      # fast-path routes by fd / (fd, addr) (netkernel/fastpath.py)
        self._fp_lock = kernel._lock

    # -- syscall plumbing
    def _call(self, fn, *args):
        """Enter the kernel as this view's task: take the machine lock, make the task `current`,
        run the syscall, drop the file references it took, and raise its errno.

        Leaving the machine runs what this call handed to other machines (a frame on a cable),
        each in its own machine and context, after this machine's lock is released
        (netkernel/hw/cpu.py): when the call returns, the peer has received, and no machine
        ever holds another's lock."""
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
        return self._call(sys.sys_bind, fd, user_buffer(addr))

    def sys_connect(self, fd: int, addr: bytes) -> int:
        return self._call(sys.sys_connect, fd, user_buffer(addr))

    def sys_listen(self, fd: int, backlog: int) -> int:
        return self._call(sys.sys_listen, fd, backlog)

    def sys_accept(self, fd: int) -> int:
        return self._call(sys.sys_accept, fd)

    def sys_sendto(self, fd: int, buf, flags: int = 0, addr: bytes | None = None) -> int:
        if not flags and type(buf) is bytes and (addr is None or type(addr) is bytes):
            ret = _fastpath.sendto(self, fd, buf, addr)
            if ret is not None:
                return ret
        return self._call(sys.sys_sendto, fd, user_buffer(buf), flags,
                          None if addr is None else user_buffer(addr))

    def sys_sendmsg(self, fd: int, buf, ancdata=(), flags: int = 0, addr: bytes | None = None,
                    namelen: int | None = None) -> int:
        """`buf`: the data, or a list of buffers (one iovec each); `namelen`: msg_namelen
        (default len(addr); 0 with an address means no address)."""
        buf = [user_buffer(b) for b in buf] if type(buf) is list else user_buffer(buf)
        return self._call(sys.sys_sendmsg, fd, buf, ancdata, flags,
                          None if addr is None else user_buffer(addr), namelen)

    def sys_recvfrom(self, fd: int, size: int, flags: int = 0, into=None):
        """`into`: a list of the caller's writable buffers the frame is copied into, in the
        kernel's copy (a buffer in a page that cannot be written: EFAULT)."""
        if not flags and into is None and type(size) is int:
            ret = _fastpath.recvfrom(self, fd, size, True)
            if ret is not None:
                return ret
        return self._call(sys.sys_recvfrom, fd, size, flags, into)

    def sys_recvmsg(self, fd: int, size: int, ancbufsize: int = 0, flags: int = 0,
                    namelen: int | None = 128, iovlen: int = 1, into=None):
        """`namelen`: msg_namelen of the name buffer (None: NULL msg_name); `iovlen`: how many
        iovecs the `size` bytes are spread over; `into`: as for sys_recvfrom."""
        return self._call(sys.sys_recvmsg, fd, size, ancbufsize, flags, namelen, iovlen, into)

    def sys_getsockname(self, fd: int) -> bytes:
        return self._call(sys.sys_getsockname, fd)

    def sys_getpeername(self, fd: int) -> bytes:
        return self._call(sys.sys_getpeername, fd)

    def sys_setsockopt(self, fd: int, level: int, name: int, optval: bytes | None,
                       optlen: int | None = None) -> int:
        """setsockopt(2); optval None is a NULL pointer (then optlen says how long)."""
        return self._call(sys.sys_setsockopt, fd, level, name,
                          None if optval is None else user_buffer(optval), optlen)

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

    def sys_mmap(self, fd: int, length: int, prot: int = 0x3, flags: int = 0x1,
                 offset: int = 0):
        """mmap(2) of a socket: a real mmap.mmap over the pages the kernel model writes (the
        packet rings: RX ring, then TX ring). Closing it is munmap."""
        return self._call(sys_x86_64.sys_mmap, fd, length, prot, flags, offset)

    def poll(self, fds, timeout: float | None = None) -> list:
        """poll(2) over socket descriptors, like select.poll().poll(): `fds` is [(fd, events)],
        `timeout` in milliseconds (None or negative: wait); returns [(fd, revents)] of the
        ready ones (POLLNVAL for a closed descriptor)."""
        fds = list(fds)
        wait = None if timeout is None or timeout < 0 else timeout / 1000

        def ready():
            out = []
            for fd, events in fds:
                try:
                    m = self.sys_poll(fd, events, 0)
                except OSError:
                    m = 0x20                    # POLLNVAL
                m &= events | EPOLLERR | 0x10 | 0x20
                if m:
                    out.append((fd, m))
            return out
        if len(fds) == 1 and wait != 0:
            fd, events = fds[0]
            try:
                m = self.sys_poll(fd, events, wait)
            except OSError:
                return [(fd, 0x20)]
            m &= events | EPOLLERR | 0x10 | 0x20
            return [(fd, m)] if m else []
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            out = ready()
            if out or (deadline is not None and time.monotonic() >= deadline):
                return out
            time.sleep(0.0005)

    def sys_fcntl(self, fd: int, cmd: int, arg: int = 0) -> int:
        """fcntl(2): F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (O_NONBLOCK, ...)."""
        return self._call(_fcntl.sys_fcntl, fd, cmd, arg)

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

    # -- addresses and routes (ip addr / ip route): rtnetlink requests through rtnl_request
    def _rtnl(self, msgtype: int, flags: int, body: bytes) -> list:
        """One rtnetlink request through the kernel's handlers: its reply messages (a GET's); a
        refusal raises OSError whose `extack` is the kernel's extended-ack text, if it gave one
        (as `ip` prints it)."""
        msg = nlmsg_put(msgtype, 0, 0, NLM_F_REQUEST | flags, body)
        said = []

        def request(task, m):
            ext = netlink_ext_ack_begin()
            try:
                return rtnl_request(task, task.net, m)
            finally:
                netlink_ext_ack_end()
                said.append(ext._msg)
        try:
            return self._call(request, msg)
        except OSError as e:
            if said and said[0]:
                e.extack = said[0]
            raise

    def addr_add(self, dev: str, address: str, *, broadcast: str | None = None,
                 label: str | None = None, noprefixroute: bool = False, nodad: bool = False,
                 metric: int | None = None, valid_lft: int | None = None,
                 preferred_lft: int | None = None, replace: bool = False) -> None:
        """Add an address to a device, as `ip addr add ADDRESS/PLEN dev DEV [broadcast B]
        [label L] [noprefixroute] [nodad] [metric N] [valid_lft S] [preferred_lft S]`
        (`replace=True`: `ip addr replace`). Lifetimes are seconds (None: forever); an IPv4
        address is deprecated, then deleted, when they run out.
        `address` is "10.0.0.1/24" or "2001:db8::1/64" (no length: /32 or /128). The kernel
        adds the routes the address needs: for IPv4 `local 10.0.0.1` (table local) always,
        and while the device is up the prefix route `10.0.0.0/24 dev DEV proto kernel scope
        link src 10.0.0.1` (main) and `broadcast 10.0.0.255`; for IPv6 the local route and
        the prefix route (metric 256). IPv6 addresses are tentative until the device is up
        with carrier (DAD) unless nodad; a device going down loses its IPv6 addresses.
        Errors are Linux's: EEXIST (the address is there), ENODEV, EPERM without
        CAP_NET_ADMIN, EINVAL (bad prefix length), EADDRNOTAVAIL (::, multicast, ::1 off lo),
        EACCES (IPv6 disabled on the device: net.ipv6.conf.DEV.disable_ipv6)."""
        family, addr, plen = _parse_prefix(address)
        body = bytearray(IFADDRMSG.pack(family, plen, 0, 0, self._ifindex(dev)))
        nla_put(body, IFA_LOCAL, addr)
        nla_put(body, IFA_ADDRESS, addr)
        if broadcast is not None:
            nla_put(body, IFA_BROADCAST, _parse_prefix(broadcast)[1])
        if label is not None:
            nla_put(body, IFA_LABEL, label.encode() + b"\0")
        if metric is not None:
            nla_put(body, IFA_RT_PRIORITY, struct.pack("=I", metric))
        if valid_lft is not None or preferred_lft is not None:
            forever = 0xFFFFFFFF
            valid = forever if valid_lft is None else valid_lft
            nla_put(body, IFA_CACHEINFO, struct.pack("=IIII", valid if preferred_lft is None
                                                     else preferred_lft, valid, 0, 0))
        flags = (IFA_F_NOPREFIXROUTE if noprefixroute else 0) | (IFA_F_NODAD if nodad else 0)
        if flags:
            nla_put(body, IFA_FLAGS, struct.pack("=I", flags))
        self._rtnl(RTM_NEWADDR, NLM_F_CREATE | (NLM_F_REPLACE if replace else NLM_F_EXCL),
                   bytes(body))

    def addr_del(self, dev: str, address: str) -> None:
        """Remove an address, as `ip addr del ADDRESS/PLEN dev DEV` (EADDRNOTAVAIL if the device
        has no such address; for IPv4 removing a primary also removes its secondaries)."""
        family, addr, plen = _parse_prefix(address)
        body = bytearray(IFADDRMSG.pack(family, plen, 0, 0, self._ifindex(dev)))
        nla_put(body, IFA_LOCAL, addr)
        nla_put(body, IFA_ADDRESS, addr)
        self._rtnl(RTM_DELADDR, 0, bytes(body))

    def addrs(self, dev: str | None = None) -> list[dict]:
        """The addresses, as `ip -j addr` lists them per device: dicts with family ("inet",
        "inet6"), local, prefixlen, scope, label, flags (IFA_F_*), ifname, broadcast."""
        from netkernel.iproute import addr_entries
        with self._kernel._lock:
            out = addr_entries(self.net)
        return [a for a in out if dev is None or a["ifname"] == dev]

    def route_add(self, dst: str, *, dev: str | None = None, via: str | None = None,
                  metric: int | None = None, table: int | None = None, src: str | None = None,
                  scope: str | None = None, type: str = "unicast", onlink: bool = False,
                  replace: bool = False) -> None:
        """Add a route, as `ip route add DST [via GW] [dev DEV] [metric N] [table T] [src A]
        [onlink]` (onlink: the gateway is on DEV's link, whatever the routes say).
        DST is "10.1.0.0/16", "default" (IPv4) or an IPv6 prefix ("default6" or "::/0").
        A gateway must be reachable over a route of link scope (ENETUNREACH "Nexthop has invalid
        gateway"), a device must be up (ENETDOWN) and have IPv4 (ENODEV); an equal route is
        EEXIST; host bits in DST are EINVAL. `replace=True` is `ip route replace`."""
        self._route(RTM_NEWROUTE, NLM_F_CREATE | (NLM_F_REPLACE if replace else NLM_F_EXCL),
                    dst, dev, via, metric, table, src, scope, type, onlink)

    def route_del(self, dst: str, *, dev: str | None = None, via: str | None = None,
                  metric: int | None = None, table: int | None = None) -> None:
        """Delete a route, as `ip route del DST [via GW] [dev DEV] [metric N] [table T]`:
        the first one matching what is given (ESRCH when none)."""
        self._route(RTM_DELROUTE, 0, dst, dev, via, metric, table, None, None, None)

    def _route(self, msgtype, flags, dst, dev, via, metric, table, src, scope, rtype,
               onlink=False):
        if dst in ("default", "default6"):
            family, addr, plen = (AF_INET, bytes(4), 0) if dst == "default" else \
                (AF_INET6, bytes(16), 0)
        else:
            family, addr, plen = _parse_prefix(dst)
        types = {"unicast": RTN_UNICAST, "local": RTN_LOCAL, "broadcast": RTN_BROADCAST,
                 "unreachable": RTN_UNREACHABLE, "blackhole": RTN_BLACKHOLE,
                 "prohibit": RTN_PROHIBIT, None: 0}
        scopes = {"global": RT_SCOPE_UNIVERSE, "link": RT_SCOPE_LINK, "host": RT_SCOPE_HOST}
        if msgtype == RTM_DELROUTE:
            rscope, rproto = RT_SCOPE_NOWHERE, 0
        else:
            rproto = RTPROT_BOOT
            rscope = scopes[scope] if scope else (
                RT_SCOPE_HOST if rtype == "local" else
                RT_SCOPE_LINK if rtype == "unicast" and via is None and dev is not None and
                family == AF_INET else RT_SCOPE_UNIVERSE)
        tb = RT_TABLE_MAIN if table is None else table
        body = bytearray(RTMSG.pack(family, plen, 0, 0, tb if tb < 256 else 0, rproto, rscope,
                                    types[rtype], 4 if onlink else 0))       # RTNH_F_ONLINK
        if plen:
            nla_put(body, RTA_DST, addr)
        if tb >= 256:
            nla_put(body, RTA_TABLE, struct.pack("=I", tb))
        if via is not None:
            nla_put(body, RTA_GATEWAY, _parse_prefix(via)[1])
        if dev is not None:
            nla_put(body, RTA_OIF, struct.pack("=I", self._ifindex(dev)))
        if metric is not None:
            nla_put(body, RTA_PRIORITY, struct.pack("=I", metric))
        if src is not None:
            nla_put(body, RTA_PREFSRC, _parse_prefix(src)[1])
        self._rtnl(msgtype, flags, bytes(body))

    def route_get(self, dst: str, *, src: str | None = None, dev: str | None = None) -> dict:
        """The route the kernel would use to send to `dst`, as `ip route get DST [from SRC]
        [oif DEV]`: a dict with type, dst, gateway, dev, prefsrc (the source address it would
        choose), and for IPv4 the uid and the route's cache flags (local, brd, ...), for IPv6
        the table, protocol and metric of the route found. A destination without route is
        ENETUNREACH, an unreachable route EHOSTUNREACH, an IPv4 source that is not local
        ENETUNREACH, an unknown device ENODEV."""
        family, addr, _plen = _parse_prefix(dst)
        full = 32 if family == AF_INET else 128
        body = bytearray(RTMSG.pack(family, full, full if src else 0, 0, 0, 0, 0, 0, 0))
        nla_put(body, RTA_DST, addr)
        if src is not None:
            nla_put(body, RTA_SRC, _parse_prefix(src)[1])
        if dev is not None:
            nla_put(body, RTA_OIF, struct.pack("=I", self._ifindex(dev)))
        (reply,) = self._rtnl(RTM_GETROUTE, 0, bytes(body))
        from netkernel.iproute import route_reply
        with self._kernel._lock:
            return route_reply(self.net, reply)

    def routes(self, family: int | None = None) -> list[dict]:
        """Every route of every table, as `ip -j route show table all` (and `ip -6 ...`)
        describes them: dicts with type, dst, table, protocol, scope, dev, gateway, prefsrc,
        metric, flags."""
        from netkernel.iproute import route_entries
        with self._kernel._lock:
            out = route_entries(self.net)
        return [r for r in out if family is None or r["family"] == family]

    def _ifindex(self, name: str) -> int:
        if not isinstance(name, str):
            raise TypeError(f"dev must be str, not {type(name).__name__}")
        with self._kernel._lock:
            dev = self.net.dev_by_name.get(name)
        if dev is None:
            raise E.oserror(E.ENODEV)
        return dev.ifindex

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
                    "qdisc": dev.qdisc.id if dev.qdisc and dev.qdisc_attached else "noop",
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

    # -- ioctl and the kernel's text views
    def sys_ioctl(self, fd: int, request: int, arg=None):
        """ioctl(2) on a socket, as the syscall sees it: `arg` bytes are the caller's buffer
        (exactly that much user memory: a request reading past it is EFAULT) and come back as
        the kernel left them, as (ret, bytes); an int is a raw argument (a user address, e.g.
        ctypes.addressof) and gives (ret, None); None is NULL. Errors raise OSError."""
        if isinstance(arg, (bytes, bytearray, memoryview)):
            buf = bytearray(arg)
            ret = self._call(_ioctl.sys_ioctl, fd, request, buf)
            return ret, bytes(buf)
        if arg is not None and (isinstance(arg, bool) or not isinstance(arg, int)):
            raise TypeError(f"ioctl argument must be bytes, int or None, not {type(arg).__name__}")
        return self._call(_ioctl.sys_ioctl, fd, request, arg), None

    def ioctl(self, fd: int, request: int, arg=b""):
        """`fcntl.ioctl` on a netkernel descriptor: `arg` is the memory the request points to;
        returns that memory after the call (an int argument: the call's return value).
        FIONBIO/FIOCLEX/FIONCLEX on any descriptor; the socket requests of sock_ioctl,
        packet_ioctl and dev_ioctl on a socket (docs/ioctl-and-views.md)."""
        ret, out = self.sys_ioctl(fd, request, arg)
        return ret if out is None else out

    def _net_sysctl(self, name: str, value=None) -> int:
        """A per-namespace tunable of this view's namespace: net.ipv6.conf.{all,default,DEV}.
        {disable_ipv6, addr_gen_mode, keep_addr_on_down, accept_dad} and
        net.ipv4.conf.{all,default,DEV}.promote_secondaries."""
        with self._kernel._lock:
            if value is not None and not capable(CAP_NET_ADMIN):
                raise E.oserror(E.EPERM)
            conf = devinet_sysctl if name.startswith("net.ipv4.") else addrconf_sysctl
            ret = conf(self.net, name, value)
        return sys.raise_on_error(ret)

    def sysfs(self, path: str):
        """What Linux shows under /sys for this view's namespace: `k.sysfs("class/net/eth0/mtu")`
        is the file's text ("1500\n"); a directory ("class/net", "class/net/eth0/statistics")
        is the sorted list of its entries. A missing file is OSError ENOENT; an attribute Linux
        refuses to read in the device's state (carrier of a device that is down) raises its
        errno."""
        with self._kernel._lock:
            ret = sysfs_read(self.net, path)
        return sys.raise_on_error(ret)

    def procfs(self, path: str) -> str:
        """The text of /proc/<path> for this view's namespace: "net/dev", "net/packet",
        "net/dev_mcast". A missing file is OSError ENOENT."""
        with self._kernel._lock:
            ret = procfs_read(self.net, path)
        return sys.raise_on_error(ret)


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

    def sysctl(self, name: str, value: int | str | None = None) -> int:
        """The machine's tunables (Kernel.sysctl); net.ipv6.conf.* are this namespace's."""
        if isinstance(name, str) and name.startswith(("net.ipv6.conf.", "net.ipv4.conf.")):
            return self._net_sysctl(name, value)
        return self._kernel.sysctl(name, value)


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
        self._cpu = Cpu(weakref.ref(self))   # the machine's CPU: its lock and its event inbox
        self._lock = self._cpu.lock
        self._tracer = None
        self._fastpath = _fastpath.default_enabled()
        self._sysctl = SysctlRoot()
        sysctl_init(self._sysctl)
        sysctl_core_init(self._sysctl, PROFILES[profile])
        if clock == "virtual":
            self._now = 0
            clock_fn = lambda: self._now  # noqa: E731
        else:
            clock_fn = time.monotonic_ns
        self.core = NetCore(PROFILES[profile], self._sysctl.values, clock_fn, self._cpu)
        if clock == "real":
            self.core.realtime_offset = time.time_ns() - time.monotonic_ns()
        self.core.random = random.Random(seed)
        packet_init(self.core)
        netlink_proto_init(self.core)
        inet_init(self.core)
        inet6_init(self.core)
        for ops in (VETH_LINK_OPS, DUMMY_LINK_OPS, TAP_LINK_OPS, QEMU_LINK_OPS):
            rtnl_link_register(self.core, ops)
        register_pernet_device(self.core, loopback_net_init)
        self._pids = 1
        self._nets: dict[str, Netns] = {}
        init_net = setup_net(self.core, "init_net")
        super().__init__(self, Task(1, ALL_CAPS, init_net))
        self.init_net = init_net

    @property
    def fastpath(self) -> bool:
        """Whether untraced sends and receives may take the fast path (netkernel/fastpath.py);
        the default comes from NETKERNEL_FASTPATH (on|auto: True, off: False). Observations are
        the same either way; only the speed differs."""
        return self._fastpath

    @fastpath.setter
    def fastpath(self, on: bool) -> None:
        with self._lock:
            self._fastpath = bool(on)
            self.core.fp_gen += 1

    def advance(self, ns: int) -> None:
        """Move a virtual clock forward; timers that come due meanwhile run (in order)."""
        with self._lock:
            self._now += ns
            run_timers(self.core)

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
        if name.startswith(("net.ipv6.conf.", "net.ipv4.conf.")):
            return self._net_sysctl(name, value)
        with self._lock:
            if value is not None:
                self.core.fp_gen += 1           # fast-path routes are stale
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
