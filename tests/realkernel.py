"""The real kernel, for tests and benchmarks: fresh network namespaces and raw socket syscalls.

* ``available()`` says whether a real netns can be used here (root, iproute2, ``ip netns add``).
* ``RealNetns`` creates a fresh named netns (``ip netns add``), enters it on the calling thread with
  ``libc.setns(fd, CLONE_NEWNET)`` (Python 3.11 has no ``os.setns``) to create sockets, and deletes
  it on ``close()``. A socket keeps the netns it was created in after the thread switches back.
* ``sys_*`` functions issue the raw syscalls through ctypes on a socket's fd, with the same argument
  and result conventions as ``netkernel.Kernel.sys_*`` (docs/syscall-abi.md): raw bytes in, raw
  bytes out, ``OSError(errno)`` on failure.

Only namespace-internal traffic: everything happens on ``lo`` and veth pairs inside the netns.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno as _errno
import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
import uuid

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
PREFIX = "nkprop"
NET_CORE_SYSCTLS = ("rmem_max", "wmem_max", "rmem_default", "wmem_default")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
_libc.bind.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32]
_libc.sendto.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                         ctypes.c_void_p, ctypes.c_uint32]
_libc.sendto.restype = ctypes.c_ssize_t
_libc.recvfrom.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                           ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
_libc.recvfrom.restype = ctypes.c_ssize_t
_libc.getsockname.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
_libc.setsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                             ctypes.c_uint32]
_libc.getsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_int)]


def _oserror(err: int) -> OSError:
    if err == _errno.EAGAIN:
        return BlockingIOError(err, os.strerror(err))
    return OSError(err, os.strerror(err))


def _check(ret: int) -> int:
    if ret < 0:
        raise _oserror(ctypes.get_errno())
    return ret


def _buf(data: bytes):
    """A non-NULL buffer holding `data` (even when empty). A (writable) memoryview is passed
    where it lies, unread — it may reach into a PROT_NONE page the kernel must fault on."""
    if isinstance(data, memoryview) and len(data):
        return (ctypes.c_char * len(data)).from_buffer(data)
    return ctypes.create_string_buffer(bytes(data), max(len(data), 1))


# ---------------------------------------------------------------- raw syscalls on an fd

def sys_bind(fd: int, addr: bytes) -> int:
    return _check(_libc.bind(fd, _buf(addr), len(addr)))


def sys_sendto(fd: int, buf: bytes, flags: int, addr: bytes | None) -> int:
    data = _buf(buf)
    if addr is None:
        return _check(_libc.sendto(fd, data, len(buf), flags, None, 0))
    return _check(_libc.sendto(fd, data, len(buf), flags, _buf(addr), len(addr)))


def sys_recvfrom(fd: int, size: int, flags: int) -> tuple[int, bytes, bytes]:
    """(ret, data, addr): addr is what the kernel reports (its length = the written *addrlen)."""
    data = ctypes.create_string_buffer(max(size, 1))
    addr = ctypes.create_string_buffer(128)
    alen = ctypes.c_uint32(128)
    ret = _check(_libc.recvfrom(fd, data, size, flags, addr, ctypes.byref(alen)))
    return ret, data.raw[:min(ret, size)], addr.raw[:min(alen.value, 128)]


def sys_getsockname(fd: int) -> bytes:
    addr = ctypes.create_string_buffer(128)
    alen = ctypes.c_uint32(128)
    _check(_libc.getsockname(fd, addr, ctypes.byref(alen)))
    return addr.raw[:min(alen.value, 128)]


def sys_setsockopt(fd: int, level: int, name: int, optval: bytes) -> int:
    return _check(_libc.setsockopt(fd, level, name, _buf(optval), len(optval)))


def sys_getsockopt(fd: int, level: int, name: int, optlen: int, optval: bytes = b"") -> bytes:
    """`optval`: what the user's buffer holds before the call (PACKET_HDRLEN reads it)."""
    b = ctypes.create_string_buffer(bytes(optval).ljust(max(optlen, 0) + 1, b"\0"))
    olen = ctypes.c_int(optlen)
    _check(_libc.getsockopt(fd, level, name, b, ctypes.byref(olen)))
    return b.raw[:max(0, min(olen.value, optlen))]


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_void_p), ("msg_namelen", ctypes.c_int),
                ("msg_iov", ctypes.c_void_p), ("msg_iovlen", ctypes.c_size_t),
                ("msg_control", ctypes.c_void_p), ("msg_controllen", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int)]


_libc.sendmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.sendmsg.restype = ctypes.c_ssize_t
_libc.recvmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.recvmsg.restype = ctypes.c_ssize_t


def sys_sendmsg(fd: int, iov: list, flags: int, name: bytes | None,
                namelen: int | None = None) -> int:
    """sendmsg(2) with one iovec per item of `iov` (bytes each); `name` None is a NULL
    msg_name, `namelen` the msg_namelen (default len(name)), passed unchecked."""
    bufs = [_buf(b) for b in iov]
    vec = (_Iovec * max(len(iov), 1))(*[_Iovec(ctypes.addressof(b), len(d))
                                          for b, d in zip(bufs, iov)])
    nbuf = _buf(name) if name is not None else None
    m = _Msghdr(ctypes.addressof(nbuf) if nbuf is not None else None,
                (len(name) if name is not None else 0) if namelen is None else namelen,
                ctypes.addressof(vec), len(iov), None, 0, 0)
    return _check(_libc.sendmsg(fd, ctypes.byref(m), flags))


def sys_recvmsg(fd: int, sizes: list, flags: int, namelen: int | None,
                controllen: int = 0, unset_namelen: int = 0x5A5A):
    """recvmsg(2) into one buffer per item of `sizes`, with a msg_name buffer of 128 bytes
    whose msg_namelen is `namelen` (None: a NULL msg_name, its msg_namelen left at
    `unset_namelen`). Returns (ret, data, the name buffer's first 24 bytes (0xee where not
    written; b"" for NULL), msg_namelen, msg_flags)."""
    bufs = [ctypes.create_string_buffer(max(n, 1)) for n in sizes]
    vec = (_Iovec * max(len(sizes), 1))(*[_Iovec(ctypes.addressof(b), n)
                                            for b, n in zip(bufs, sizes)])
    name = ctypes.create_string_buffer(b"\xee" * 128, 128)
    ctl = ctypes.create_string_buffer(max(controllen, 1))
    m = _Msghdr(ctypes.addressof(name) if namelen is not None else None,
                unset_namelen if namelen is None else namelen,
                ctypes.addressof(vec), len(sizes),
                ctypes.addressof(ctl) if controllen else None, controllen, 0)
    ret = _check(_libc.recvmsg(fd, ctypes.byref(m), flags))
    data = b"".join(b.raw[:n] for b, n in zip(bufs, sizes))[:ret]
    return ret, data, name.raw[:24] if namelen is not None else b"", m.msg_namelen, m.msg_flags


# ---------------------------------------------------------------- namespaces

def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {p.stderr.strip()}")
    return p


_setns_lock = threading.Lock()


@contextlib.contextmanager
def in_netns(name: str):
    """Run the calling thread inside the named netns for the duration of the with-block."""
    with _setns_lock:
        orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            fd = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise _oserror(ctypes.get_errno())
            finally:
                os.close(fd)
            try:
                yield
            finally:
                if _libc.setns(orig, CLONE_NEWNET) != 0:
                    raise _oserror(ctypes.get_errno())
        finally:
            os.close(orig)


def host_net_core_sysctls() -> dict[str, int]:
    """net.core.{rmem,wmem}_{max,default} of the host (global in 5.15 and 6.x)."""
    out = {}
    for n in NET_CORE_SYSCTLS:
        try:
            with open(f"/proc/sys/net/core/{n}") as f:
                out[f"net.core.{n}"] = int(f.read().split()[0])
        except OSError:
            pass
    return out


def _reap_stale(prefix: str = PREFIX) -> None:
    """Delete namespaces named `prefix-PID-...` left behind by runs whose process is gone."""
    try:
        names = os.listdir(NETNS_DIR)
    except OSError:
        return
    for n in names:
        parts = n.split("-")
        if len(parts) >= 3 and parts[0] == prefix and parts[1].isdigit():
            if int(parts[1]) != os.getpid() and not os.path.exists(f"/proc/{parts[1]}"):
                _ip("netns", "del", n, check=False)


_avail: tuple[bool, str] | None = None


def available() -> tuple[bool, str]:
    """(usable, reason): whether a fresh real netns can be created and entered here."""
    global _avail
    if _avail is not None:
        return _avail
    if os.geteuid() != 0:
        _avail = (False, "not root: real network namespaces need CAP_SYS_ADMIN/CAP_NET_ADMIN")
    elif shutil.which("ip") is None:
        _avail = (False, "iproute2 (`ip`) is not installed")
    else:
        try:
            ns = RealNetns()
        except Exception as e:  # noqa: BLE001 - any failure means "not available"
            _avail = (False, f"cannot create/enter a network namespace: {e}")
        else:
            ns.close()
            _avail = (True, "")
    return _avail


class RealNetns:
    """A fresh real network namespace (lo up, IPv6 off so no autoconfiguration traffic)."""

    _counter = 0

    def __init__(self):
        _reap_stale()
        RealNetns._counter += 1
        self.name = f"{PREFIX}-{os.getpid()}-{RealNetns._counter}"
        _ip("netns", "add", self.name)
        self._sockets: list[socket.socket] = []
        try:
            with in_netns(self.name):
                for key in ("all", "default"):
                    try:
                        with open(f"/proc/sys/net/ipv6/conf/{key}/disable_ipv6", "w") as f:
                            f.write("1")
                    except OSError:
                        pass
            self.ip("link", "set", "dev", "lo", "up")
        except BaseException:
            _ip("netns", "del", self.name, check=False)
            raise

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return _ip("-n", self.name, *args, check=check)

    def add_veth(self, name: str, peer: str) -> None:
        self.ip("link", "add", name, "type", "veth", "peer", "name", peer)

    def link_set(self, name: str, up: bool | None = None, address: str | None = None,
                 mtu: int | None = None) -> None:
        args = ["link", "set", "dev", name]
        if address is not None:
            args += ["address", address]
        if mtu is not None:
            args += ["mtu", str(mtu)]
        if up is not None:
            args += ["up" if up else "down"]
        self.ip(*args)

    def wait_operstate(self, names, timeout: float = 5.0) -> None:
        """Wait until linkwatch has processed the carrier of every named (up) link: `ip link show`
        takes the RTNL lock, so once it reports state UP, dev_activate() has attached the qdisc."""
        deadline = time.monotonic() + timeout
        for n in names:
            while "state UP" not in self.ip("link", "show", "dev", n).stdout:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{n} did not come up in {self.name}")
                time.sleep(0.002)

    def if_nametoindex(self, name: str) -> int:
        with in_netns(self.name):
            return socket.if_nametoindex(name)

    def socket(self, family: int, type: int, proto: int = 0) -> socket.socket:
        with in_netns(self.name):
            s = socket.socket(family, type, proto)
        self._sockets.append(s)
        return s

    def close_sockets(self) -> None:
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
        self._sockets.clear()

    def close(self) -> None:
        self.close_sockets()
        _ip("netns", "del", self.name, check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def errno_of(fn):
    """fn's result, or -errno when it raises OSError (how a raw syscall reports failure), so
    the same script's results compare between the real kernel and netkernel."""
    def call(*args):
        try:
            return fn(*args)
        except OSError as e:
            return -e.errno
    return call


def run_in_topology(topology, argv, timeout: float = 60, disable_ipv6: bool = False,
                    prefix: str = "nkrun"):
    """Run `argv` on the real kernel in a fresh named netns built from an iproute2 topology file
    (one `ip ...` command a line, # comments) — the real-kernel half of a `netkernel run`
    comparison. Returns the CompletedProcess (text output), or None where a real netns cannot be
    made here (not root, no iproute2, `ip netns add` refused). `disable_ipv6`: no IPv6
    autoconfiguration on the links, hence no IPv6 frame on them — new devices make no link-local
    address (addr_gen_mode 1), as on a netkernel machine; lo keeps its ::1 as there."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None
    ns = f"{prefix}-{uuid.uuid4().hex[:8]}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        return None
    try:
        if disable_ipv6:
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                            "net.ipv6.conf.default.addr_gen_mode=1"], capture_output=True)
        with open(topology) as f:
            for line in f.read().splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    subprocess.run(["ip", "-n", ns, *shlex.split(line)[1:]], check=True)
        return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True,
                              text=True, timeout=timeout)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
