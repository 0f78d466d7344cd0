"""Backends for the differential suite: the real kernel (in a fresh network namespace) and netkernel.

Both offer the same small surface (see ``Backend``).  Scenarios only talk to that surface, so the same
scenario code drives the real kernel and the model.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import struct
from typing import Any, Protocol

import pytest

try:                                   # under pytest, tests/ is on sys.path
    import realkernel as rk
except ImportError:                    # python -m tests.differential.show
    from tests import realkernel as rk

NETNS_DIR = rk.NETNS_DIR
_ip = rk._ip
_InNetns = rk.in_netns
SYSCTLS = ("rmem_max", "wmem_max", "rmem_default", "wmem_default", "netdev_max_backlog",
           "optmem_max")


def kernel_sysctls() -> dict[str, int]:
    """The real kernel's net.core values the model copies in (SYSCTLS). When observations are
    recorded (NKDIFF_LINUX_CACHE) they are written beside them; when they are replayed
    (NKDIFF_LINUX_REPLAY=1), the recorded kernel's values are read back, so the model runs with
    the settings of the kernel it is compared with (the 6.1 guest's, not the host's)."""
    cache = os.environ.get("NKDIFF_LINUX_CACHE", "")
    path = os.path.join(cache, "_sysctls.json") if cache else None
    if path and os.environ.get("NKDIFF_LINUX_REPLAY") == "1" and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    values = {}
    for n in SYSCTLS:
        try:
            with open(f"/proc/sys/net/core/{n}") as f:
                values[n] = int(f.read().split()[0])
        except OSError:
            continue
    if path and os.environ.get("NKDIFF_LINUX_REPLAY") != "1":
        os.makedirs(cache, exist_ok=True)
        with open(path, "w") as f:
            json.dump(values, f)
    return values


class Backend(Protocol):
    """What every backend (and every namespace handle of a backend) offers."""

    def link_add(self, name: str, kind: str, peer: str | None = None) -> None: ...
    def link_set(self, name: str, up: bool | None = None, mtu: int | None = None,
                 address: str | None = None, netns: str | None = None) -> None: ...
    def link_del(self, name: str) -> None: ...
    def if_nametoindex(self, name: str) -> int: ...
    def socket(self, family: int, type: int, proto: int = 0) -> Any: ...
    def netns_add(self, name: str) -> "Backend": ...
    def sys_bind(self, s, addr: bytes) -> int: ...
    def sys_sendto(self, s, buf: bytes, flags: int, addr: bytes | None) -> int: ...
    def sys_recvfrom(self, s, size: int, flags: int) -> tuple[int, bytes, bytes]: ...
    def sys_getsockname(self, s) -> bytes: ...
    def sys_setsockopt(self, s, level: int, name: int, optval: bytes) -> int: ...
    def sys_getsockopt(self, s, level: int, name: int, optlen: int, optval: bytes = b"") -> bytes: ...
    def link_info(self, name: str) -> dict: ...
    def close(self) -> None: ...


# ----------------------------------------------------------------------------------------------
# Real kernel (raw syscalls and netns entering live in tests/realkernel.py)
# ----------------------------------------------------------------------------------------------

class _LinuxState:
    counter = 0
    reaped = False


class KernelId:
    """Which real kernel the Linux backend is: the release string (`uname -r`) and the mainline
    version it is based on, e.g. ("6.1.0-57-amd64", (6, 1)) for Debian's 6.1 oracle."""
    __slots__ = ("release", "version")

    def __init__(self, release: str):
        self.release = release
        parts = release.split("-")[0].split(".")
        self.version = tuple(int(p) for p in parts[:2] if p.isdigit())

    def __repr__(self) -> str:
        return f"Linux {self.release}"


def running_kernel() -> KernelId:
    """The kernel this process runs on (the host, or the 6.1 guest of `make oracle`)."""
    return KernelId(os.uname().release)


class LinuxBackend:
    """The real kernel, confined to fresh network namespaces that are deleted by close()."""

    # Under QEMU's TCG (the 6.1 oracle) a softirq that overruns its time budget leaves the rest of
    # the backlog to ksoftirqd, so a frame sent on a veth may reach its socket a little later.
    late_frame_grace = 0.05 if os.environ.get("NK_ORACLE_GUEST") else 0.0
    # Work the kernel defers past the call that caused it (the linkwatch worker announcing a
    # carrier change) is waited for this long once nothing more is queued.
    async_grace = 0.5 if os.environ.get("NK_ORACLE_GUEST") else 0.15

    @staticmethod
    def wait_readable(s, timeout: float) -> bool:
        import select
        return bool(select.select([s], [], [], timeout)[0])

    def __init__(self, _root: "LinuxBackend | None" = None, _ns: str | None = None):
        if _root is None:
            if os.geteuid() != 0:
                pytest.skip("LinuxBackend needs root (CAP_NET_ADMIN/CAP_NET_RAW)")
            if shutil.which("ip") is None:
                pytest.skip("LinuxBackend needs iproute2 (`ip`)")
            if not _LinuxState.reaped:
                _LinuxState.reaped = True
                rk._reap_stale("nkdiff")
            self._root = self
            self._namespaces: list[str] = []      # real names, for cleanup
            self._logical: dict[str, str] = {}    # logical name -> real netns name
            self._sockets: list[socket.socket] = []
            self._maps: list = []
            self._restore: dict[str, str] = {}    # global sysctl files to put back at close()
            self.ns = self._new_ns()
        else:
            self._root = _root
            self.ns = _ns

    # -- namespaces -------------------------------------------------------------------------
    def _new_ns(self) -> str:
        _LinuxState.counter += 1
        name = f"nkdiff-{os.getpid()}-{_LinuxState.counter}"
        p = _ip("netns", "add", name, check=False)
        if p.returncode != 0:
            pytest.skip(f"`ip netns add` failed: {p.stderr.strip()}")
        self._root._namespaces.append(name)
        with _InNetns(name):
            # No IPv6 autoconfiguration traffic (DAD/RS/MLD) on the test links.
            for key in ("all", "default"):
                try:
                    with open(f"/proc/sys/net/ipv6/conf/{key}/disable_ipv6", "w") as f:
                        f.write("1")
                except OSError:
                    pass
        _ip("-n", name, "link", "set", "dev", "lo", "up")
        return name

    def netns_add(self, name: str) -> "LinuxBackend":
        real = self._root._new_ns()
        self._root._logical[name] = real
        return LinuxBackend(_root=self._root, _ns=real)

    def netns(self, name: str) -> "LinuxBackend":
        return LinuxBackend(_root=self._root, _ns=self._root._logical[name])

    # -- links ------------------------------------------------------------------------------
    def link_add(self, name: str, kind: str, peer: str | None = None) -> None:
        args = ["-n", self.ns, "link", "add", name, "type", kind]
        if kind == "veth" and peer is not None:
            args += ["peer", "name", peer]
        p = _ip(*args, check=False)
        if p.returncode != 0:
            if kind == "dummy" and "Unknown device type" in p.stderr:
                pytest.skip("kernel has no dummy module")
            raise RuntimeError(f"ip {' '.join(args)}: {p.stderr.strip()}")

    def link_set(self, name, up=None, mtu=None, address=None, netns=None) -> None:
        base = ["-n", self.ns, "link", "set", "dev", name]
        if up is False:
            _ip(*base, "down")
        if address is not None:
            _ip(*base, "address", address)
        if mtu is not None:
            _ip(*base, "mtu", str(mtu))
        if up is True:
            _ip(*base, "up")
        if netns is not None:
            _ip(*base, "netns", self._root._logical[netns])

    def link_del(self, name: str) -> None:
        _ip("-n", self.ns, "link", "del", "dev", name)

    def link_info(self, name: str) -> dict:
        """promiscuity/allmulti counters and the PROMISC/ALLMULTI flags `ip -d link` shows."""
        import json
        d = json.loads(_ip("-n", self.ns, "-d", "-j", "link", "show", "dev", name).stdout)[0]
        return {"promiscuity": d["promiscuity"], "allmulti": d["allmulti"],
                "flag_promisc": "PROMISC" in d["flags"], "flag_allmulti": "ALLMULTI" in d["flags"]}

    def if_nametoindex(self, name: str) -> int:
        with _InNetns(self.ns):
            return socket.if_nametoindex(name)

    # -- sockets ----------------------------------------------------------------------------
    def socket(self, family: int, type: int, proto: int = 0):
        with _InNetns(self.ns):
            s = socket.socket(family, type, proto)
        self._root._sockets.append(s)
        return s

    def sys_bind(self, s, addr: bytes) -> int:
        return rk.sys_bind(s.fileno(), addr)

    def sys_sendto(self, s, buf: bytes, flags: int, addr: bytes | None) -> int:
        return rk.sys_sendto(s.fileno(), buf, flags, addr)

    def sys_recvfrom(self, s, size: int, flags: int) -> tuple[int, bytes, bytes]:
        return rk.sys_recvfrom(s.fileno(), size, flags)

    def sys_getsockname(self, s) -> bytes:
        return rk.sys_getsockname(s.fileno())

    def sys_recvmsg(self, s, size: int, ancbufsize: int, flags: int):
        """recvmsg(2): (ret, data, [(level, type, data)], msg_flags, raw sockaddr); Python's
        decoded netlink address (nl_pid, nl_groups) is turned back into a sockaddr_nl."""
        data, anc, mflags, addr = s.recvmsg(size, ancbufsize, flags)
        if isinstance(addr, tuple) and s.family == socket.AF_NETLINK:
            addr = struct.pack("=HHII", socket.AF_NETLINK, 0, addr[0], addr[1])
        return len(data), data, [tuple(c) for c in anc], mflags, addr

    def unprivileged(self, caps, s, call: str, *args):
        """One socket call (`call`: "sys_bind", "sys_setsockopt", "sys_sendto", ...) on `s` by a
        process without the capabilities `caps` (a forked child that dropped them)."""
        return _in_child_without(caps, getattr(rk, call), s.fileno(), *args)

    def sys_sendmsg_iov(self, s, iov: list, flags: int, name: bytes | None,
                        namelen: int | None = None) -> int:
        """sendmsg(2) with an iovec per item of `iov` and an explicit msg_namelen."""
        return rk.sys_sendmsg(s.fileno(), iov, flags, name, namelen)

    def sys_recvmsg_iov(self, s, sizes: list, flags: int, namelen: int | None,
                        controllen: int = 0):
        """recvmsg(2) into len(sizes) buffers: (ret, data, name buffer's first 24 bytes,
        msg_namelen after the call, msg_flags); see realkernel.sys_recvmsg."""
        return rk.sys_recvmsg(s.fileno(), sizes, flags, namelen, controllen)

    def sys_setsockopt(self, s, level: int, name: int, optval: bytes | None, optlen=None,
                       drop_caps=()) -> int:
        """setsockopt(2). With ``optlen`` given (or a None optval: NULL) the value bytes end at
        a page followed by an inaccessible one, so a read past them faults (EFAULT); with
        ``drop_caps`` the call runs in a forked child that first drops those capabilities."""
        if drop_caps:
            return _in_child_without(drop_caps, _raw_setsockopt, s.fileno(), level, name, optval,
                                     optlen)
        if optlen is None and optval is not None:
            return rk.sys_setsockopt(s.fileno(), level, name, optval)
        return _raw_setsockopt(s.fileno(), level, name, optval, optlen)

    def sys_getsockopt(self, s, level: int, name: int, optlen: int, optval: bytes = b""):
        if level == 1 and name == 26:
            return _get_filter(s.fileno(), optlen)
        return rk.sys_getsockopt(s.fileno(), level, name, optlen, optval)

    # -- ioctl and kernel views ---------------------------------------------------------------
    def ioctl(self, s, request: int, arg=None, drop_caps=()):
        """ioctl(2) on the socket's fd: ``arg`` bytes are placed at the very end of a readable
        page followed by an inaccessible one (a request reading past them faults: EFAULT), None
        is NULL, an int is passed as is. Returns (ret, the bytes after the call). With
        ``drop_caps`` the call runs in a forked child that first drops those capabilities."""
        if drop_caps:
            return _in_child_without(drop_caps, _raw_ioctl, s.fileno(), request, arg)
        return _raw_ioctl(s.fileno(), request, arg)

    def settle(self) -> None:
        """Let the real kernel's linkwatch worker apply carrier changes: urgent events run at
        once, the others (a carrier change while the device is down, e.g. veth's carrier-off at
        creation) at most a second after the previous run; until then the operstate is stale
        (UNKNOWN reads as RUNNING). netkernel applies them synchronously."""
        import time
        time.sleep(1.1)

    def read_sysfs(self, path: str):
        """/sys/<path> as seen in this namespace (`ip netns exec` mounts a sysfs of it): the
        text of a file, the sorted entries of a directory, or OSError."""
        return self.read_sysfs_many([path])[path]

    def read_sysfs_many(self, paths):
        """Several /sys reads in one `ip netns exec`: {path: text | [entries] | OSError}."""
        import json
        import subprocess
        import sys as _sys
        script = (
            "import json, os, sys\n"
            "out = {}\n"
            "for p in sys.argv[1:]:\n"
            "    full = '/sys/' + p\n"
            "    try:\n"
            "        if os.path.isdir(full):\n"
            "            out[p] = ['dir', sorted(os.listdir(full))]\n"
            "        else:\n"
            "            with open(full) as f:\n"
            "                out[p] = ['ok', f.read()]\n"
            "    except OSError as e:\n"
            "        out[p] = ['err', e.errno]\n"
            "print(json.dumps(out))\n")
        r = subprocess.run(["ip", "netns", "exec", self.ns, _sys.executable, "-c", script,
                            *paths], capture_output=True, text=True, check=True)
        res = {}
        for p, (kind, v) in json.loads(r.stdout).items():
            res[p] = OSError(v, os.strerror(v)) if kind == "err" else v
        return res

    def read_procfs(self, path: str) -> str:
        """/proc/<path> read by a thread inside this namespace (/proc/thread-self/...)."""
        rel = path[len("net/"):] if path.startswith("net/") else None
        with _InNetns(self.ns):
            with open(f"/proc/thread-self/net/{rel}" if rel is not None else f"/proc/{path}") as f:
                return f.read()

    def mmap(self, s, length: int, flags: int = 1, prot: int = 3, offset: int = 0):
        """mmap(2) of the socket (its rings), through Python's mmap module."""
        import mmap as _mmap
        m = _mmap.mmap(s.fileno(), length, flags, prot, offset=offset)
        self._root._maps.append(m)
        return m

    def poll(self, s, events: int, timeout_ms: int = 0) -> int:
        """poll(2) on one socket: its revents (0 on timeout)."""
        import select
        p = select.poll()
        p.register(s.fileno(), events)
        r = p.poll(timeout_ms)
        return r[0][1] if r else 0

    def sysctl(self, name: str, value: int) -> None:
        """Set a sysctl for this backend's namespaces. net.core.optmem_max is per netns since 6.7
        (it is global on 5.15 and 6.1): where the netns has no such file, the global value is set
        and put back by close()."""
        path = "/proc/sys/" + name.replace(".", "/")
        with _InNetns(self.ns):
            try:
                with open(path, "w") as f:
                    f.write(str(value))
                return
            except FileNotFoundError:
                pass
        with open(path) as f:                  # the caller's (initial) namespace: global
            old = f.read().strip()
        self._root._restore.setdefault(path, old)
        with open(path, "w") as f:
            f.write(str(value))

    def close(self) -> None:
        if self._root is not self:
            return
        for m in self._maps:
            m.close()
        self._maps.clear()
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
        self._sockets.clear()
        for ns in reversed(self._namespaces):
            _ip("netns", "del", ns, check=False)
        self._namespaces.clear()
        for path, old in self._restore.items():
            with open(path, "w") as f:
                f.write(old)
        self._restore.clear()


# ----------------------------------------------------------------------------------------------
# netkernel
# ----------------------------------------------------------------------------------------------

class NetkernelBackend:
    """A fresh netkernel.Kernel with the host's buffer/backlog sysctls copied in."""

    def __init__(self, _root: "NetkernelBackend | None" = None, _handle=None):
        if _root is None:
            import netkernel  # noqa: WPS433 (a failing import makes the netkernel run error out)

            self.k = netkernel.Kernel()
            for n, v in kernel_sysctls().items():
                self.k.sysctl(f"net.core.{n}", v)
            self._root = self
            self.h = self.k
            _no_ipv6(self.k)
            self._owner: dict[int, Any] = {}
            self._sockets: list[Any] = []
            self._maps: list = []
        else:
            self._root = _root
            self.k = _root.k
            self.h = _handle

    def netns_add(self, name: str) -> "NetkernelBackend":
        self.k.netns_add(name)
        _no_ipv6(self.k.netns(name))
        return NetkernelBackend(_root=self._root, _handle=self.k.netns(name))

    def netns(self, name: str) -> "NetkernelBackend":
        return NetkernelBackend(_root=self._root, _handle=self.k.netns(name))

    def link_add(self, name, kind, peer=None):
        if peer is None:
            return self.h.link_add(name, kind=kind)
        return self.h.link_add(name, kind=kind, peer=peer)

    def link_set(self, name, up=None, mtu=None, address=None, netns=None):
        kw = {k: v for k, v in dict(up=up, mtu=mtu, address=address, netns=netns).items() if v is not None}
        return self.h.link_set(name, **kw)

    def link_del(self, name):
        return self.h.link_del(name)

    def if_nametoindex(self, name):
        return self.h.if_nametoindex(name)

    def socket(self, family, type, proto=0):
        s = self.h.socket(family, type, proto)
        self._root._owner[id(s)] = self.h
        self._root._sockets.append(s)
        return s

    def _o(self, s):
        return self._root._owner.get(id(s), self.h)

    def sys_bind(self, s, addr):
        return self._o(s).sys_bind(s.fileno(), addr)

    def sys_sendto(self, s, buf, flags, addr):
        return self._o(s).sys_sendto(s.fileno(), buf, flags, addr)

    def sys_recvfrom(self, s, size, flags):
        return self._o(s).sys_recvfrom(s.fileno(), size, flags)

    def sys_getsockname(self, s):
        return self._o(s).sys_getsockname(s.fileno())

    def sys_recvmsg(self, s, size, ancbufsize, flags):
        ret, data, anc, mflags, addr = self._o(s).sys_recvmsg(s.fileno(), size, ancbufsize, flags)
        return ret, data, [tuple(c) for c in anc], mflags, addr

    def unprivileged(self, caps, s, call, *args):
        return getattr(self._without(s, caps), call)(s.fileno(), *args)

    def sys_sendmsg_iov(self, s, iov, flags, name, namelen=None):
        return self._o(s).sys_sendmsg(s.fileno(), list(iov), (), flags, name,
                                      namelen=namelen)

    def sys_recvmsg_iov(self, s, sizes, flags, namelen, controllen=0, unset_namelen=0x5A5A):
        ret, data, anc, mflags, addr = self._o(s).sys_recvmsg(
            s.fileno(), sum(sizes), controllen, flags, namelen=namelen, iovlen=len(sizes))
        if namelen is None:
            return ret, data, b"", unset_namelen, mflags
        name = bytearray(b"\xee" * 128)
        n = max(0, min(namelen, len(addr)))
        name[:n] = addr[:n]
        return ret, data, bytes(name[:24]), len(addr), mflags

    def sys_setsockopt(self, s, level, name, optval, optlen=None, drop_caps=()):
        view = self._without(s, drop_caps) if drop_caps else self._o(s)
        return view.sys_setsockopt(s.fileno(), level, name, optval, optlen)

    def sys_getsockopt(self, s, level, name, optlen, optval=b""):
        return self._o(s).sys_getsockopt(s.fileno(), level, name, optlen,
                                         bytes(optval).ljust(max(optlen, 0), b"\0"))

    def ioctl(self, s, request, arg=None, drop_caps=()):
        """The model's ioctl on the socket; with ``drop_caps`` through a process that shares
        the owner's descriptors without those capabilities (a forked child that dropped them)."""
        view = self._without(s, drop_caps) if drop_caps else self._o(s)
        return view.sys_ioctl(s.fileno(), request, arg)

    def _without(self, s, drop_caps):
        """A process sharing the owner's descriptors without those capabilities (a forked child
        that dropped them)."""
        from netkernel.api import Process
        from netkernel.kernel.sched import Task
        t = self._o(s)._task
        task = Task(t.pid + 100000, t.caps - set(drop_caps), t.net)
        task.files = t.files
        return Process(self.k, task)

    def settle(self):
        pass

    def read_sysfs(self, path):
        return self.h.sysfs(path)

    def read_sysfs_many(self, paths):
        res = {}
        for p in paths:
            try:
                res[p] = self.h.sysfs(p)
            except OSError as e:
                res[p] = e
        return res

    def read_procfs(self, path):
        return self.h.procfs(path)

    def mmap(self, s, length, flags=1, prot=3, offset=0):
        m = self._o(s).sys_mmap(s.fileno(), length, prot, flags, offset)
        self._root._maps.append(m)
        return m

    def poll(self, s, events, timeout_ms=0):
        r = self._o(s).poll([(s.fileno(), events)], timeout_ms)
        return r[0][1] if r else 0

    def sysctl(self, name, value):
        self.h.sysctl(name, value)

    def link_info(self, name):
        link = next(li for li in self.h.links() if li["name"] == name)
        return {"promiscuity": link["promiscuity"], "allmulti": link["allmulti"],
                "flag_promisc": bool(link["flags"] & 0x100),
                "flag_allmulti": bool(link["flags"] & 0x200)}

    def close(self):
        if self._root is not self:
            return
        for m in self._maps:
            m.close()
        self._maps.clear()
        for s in self._sockets:
            try:
                s.close()
            except Exception:
                pass
        self._sockets.clear()


def _no_ipv6(view) -> None:
    """What LinuxBackend does to a new namespace: IPv6 off on "all" and "default" (lo loses
    the ::1 it got when it came up, as if lo had come up after the switch)."""
    for key in ("all", "default"):
        view.sysctl(f"net.ipv6.conf.{key}.disable_ipv6", 1)


def _get_filter(fd: int, optlen: int):
    """SO_GET_FILTER on the real kernel: *optlen counts instructions (8 bytes each), so the buffer
    is sized for that many; returns (*optlen as written, the bytes copied) like netkernel."""
    import ctypes
    buf = ctypes.create_string_buffer(max(optlen, 1) * 8)
    olen = ctypes.c_int(optlen)
    rk._check(rk._libc.getsockopt(fd, 1, 26, buf, ctypes.byref(olen)))
    n = olen.value
    return n, (buf.raw[:8 * n] if optlen and n else b"")


def _at_page_end(data: bytes, call):
    """Run call(address) with `data` placed so that it ends at a page boundary followed by an
    inaccessible page (a read or write past it faults on the real kernel: EFAULT). Returns
    (call's return value, errno right after it, the bytes there after the call)."""
    import ctypes
    import mmap
    libc = rk._libc
    page = mmap.PAGESIZE
    m = mmap.mmap(-1, 2 * page, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    try:
        base = ctypes.addressof(ctypes.c_char.from_buffer(m))
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        if libc.mprotect(base + page, page, 0) != 0:
            raise rk._oserror(ctypes.get_errno())
        off = page - len(data)
        m[off:page] = data
        ret = call(base + off)
        err = ctypes.get_errno()
        out = bytes(m[off:page])
        libc.mprotect(base + page, page, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        del base
        try:
            m.close()
        except BufferError:
            pass
    return ret, err, out


def _raw_setsockopt(fd: int, level: int, name: int, optval, optlen):
    """setsockopt through libc with the value ending at a page boundary (see
    LinuxBackend.sys_setsockopt); None is NULL; optlen defaults to len(optval)."""
    import ctypes
    libc = rk._libc
    if optval is None:
        ret = libc.setsockopt(fd, level, name, None, (optlen or 0) & 0xFFFFFFFF)
        if ret < 0:
            raise rk._oserror(ctypes.get_errno())
        return ret
    data = bytes(optval)
    if optlen is None:
        optlen = len(data)
    ret, err, _ = _at_page_end(
        data, lambda addr: libc.setsockopt(fd, level, name, addr, optlen & 0xFFFFFFFF))
    if ret < 0:
        raise rk._oserror(err)
    return ret


def _raw_ioctl(fd: int, request: int, arg):
    """ioctl through libc with the argument bytes ending at a page boundary (see
    LinuxBackend.ioctl); (ret, bytes after) or OSError."""
    import ctypes
    libc = rk._libc
    libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
    libc.ioctl.restype = ctypes.c_int
    if arg is None or isinstance(arg, int):
        ret = libc.ioctl(fd, request & 0xFFFFFFFF, arg)
        if ret < 0:
            raise rk._oserror(ctypes.get_errno())
        return ret, None
    ret, err, out = _at_page_end(bytes(arg),
                                 lambda addr: libc.ioctl(fd, request & 0xFFFFFFFF, addr))
    if ret < 0:
        raise rk._oserror(err)
    return ret, out


def _in_child_without(caps, fn, *args):
    """Run fn(*args) in a forked child that first removes `caps` from its effective, permitted
    and inheritable sets (capset); its result or OSError comes back through a pipe."""
    import ctypes
    import pickle

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # child: no Python-level cleanup on exit
        try:
            os.close(r)
            hdr = Header(0x20080522, 0)
            data = (Data * 2)()
            libc = rk._libc
            if libc.capget(ctypes.byref(hdr), data) != 0:
                raise rk._oserror(ctypes.get_errno())
            for c in caps:
                mask = ~(1 << (c % 32)) & 0xFFFFFFFF
                d = data[c // 32]
                d.effective &= mask
                d.permitted &= mask
                d.inheritable &= mask
            if libc.capset(ctypes.byref(hdr), data) != 0:
                raise rk._oserror(ctypes.get_errno())
            try:
                res = ("ok", fn(*args))
            except OSError as e:
                res = ("err", e.errno)
            os.write(w, pickle.dumps(res))
        except BaseException:                      # noqa: BLE001 - report, never return
            os.write(w, pickle.dumps(("crash", None)))
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    kind, v = pickle.loads(b"".join(chunks))
    if kind == "crash":
        raise RuntimeError("the unprivileged child failed")
    if kind == "err":
        raise rk._oserror(v)
    return v


BACKENDS = {"linux": LinuxBackend, "netkernel": NetkernelBackend}
