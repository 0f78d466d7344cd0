"""Backends for the differential suite: the real kernel (in a fresh network namespace) and netkernel.

Both offer the same small surface (see ``Backend``).  Scenarios only talk to that surface, so the same
scenario code drives the real kernel and the model.
"""
from __future__ import annotations

import os
import shutil
import socket
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

    def sys_setsockopt(self, s, level: int, name: int, optval: bytes) -> int:
        return rk.sys_setsockopt(s.fileno(), level, name, optval)

    def sys_getsockopt(self, s, level: int, name: int, optlen: int, optval: bytes = b""):
        if level == 1 and name == 26:
            return _get_filter(s.fileno(), optlen)
        return rk.sys_getsockopt(s.fileno(), level, name, optlen, optval)

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
            for n in SYSCTLS:
                try:
                    with open(f"/proc/sys/net/core/{n}") as f:
                        v = int(f.read().split()[0])
                except OSError:
                    continue
                self.k.sysctl(f"net.core.{n}", v)
            self._root = self
            self.h = self.k
            self._owner: dict[int, Any] = {}
            self._sockets: list[Any] = []
            self._maps: list = []
        else:
            self._root = _root
            self.k = _root.k
            self.h = _handle

    def netns_add(self, name: str) -> "NetkernelBackend":
        self.k.netns_add(name)
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

    def sys_setsockopt(self, s, level, name, optval):
        return self._o(s).sys_setsockopt(s.fileno(), level, name, optval)

    def sys_getsockopt(self, s, level, name, optlen, optval=b""):
        return self._o(s).sys_getsockopt(s.fileno(), level, name, optlen,
                                         bytes(optval).ljust(max(optlen, 0), b"\0"))

    def mmap(self, s, length, flags=1, prot=3, offset=0):
        m = self._o(s).sys_mmap(s.fileno(), length, prot, flags, offset)
        self._root._maps.append(m)
        return m

    def poll(self, s, events, timeout_ms=0):
        r = self._o(s).poll([(s.fileno(), events)], timeout_ms)
        return r[0][1] if r else 0

    def sysctl(self, name, value):
        self.k.sysctl(name, value)

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


def _get_filter(fd: int, optlen: int):
    """SO_GET_FILTER on the real kernel: *optlen counts instructions (8 bytes each), so the buffer
    is sized for that many; returns (*optlen as written, the bytes copied) like netkernel."""
    import ctypes
    buf = ctypes.create_string_buffer(max(optlen, 1) * 8)
    olen = ctypes.c_int(optlen)
    rk._check(rk._libc.getsockopt(fd, 1, 26, buf, ctypes.byref(olen)))
    n = olen.value
    return n, (buf.raw[:8 * n] if optlen and n else b"")


BACKENDS = {"linux": LinuxBackend, "netkernel": NetkernelBackend}
