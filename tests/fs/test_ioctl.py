"""ioctl(2) (fs/ioctl.c, net/socket.c sock_ioctl, net/core/dev_ioctl.c) on packet sockets: the
generic file requests and the interface-name requests CPython's socket module makes, against the
real kernel where a real AF_PACKET socket can be made (root)."""
from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import realkernel  # noqa: E402

import netkernel  # noqa: E402
from netkernel.uapi.fcntl import F_GETFD, F_GETFL, FD_CLOEXEC, O_NONBLOCK  # noqa: E402
from netkernel.uapi.ioctls import FIOCLEX, FIONBIO, FIONCLEX, SIOCGIFINDEX, SIOCGIFNAME  # noqa: E402

_errno_of = realkernel.errno_of


def _ifreq(name: bytes = b"", ifindex: int = 0) -> bytes:
    return name.ljust(16, b"\0") + struct.pack("=i", ifindex) + bytes(20)


def _cut(v, a, b):
    return v[a:b] if isinstance(v, bytes) else v


def _ioctl_script(ioctl_call, fd):
    out = []
    for name in (b"lo", b"nosuch", b"lo:1", b"lo" + b"x" * 14, b"", b"lo\0junk"):
        out.append(_cut(ioctl_call(fd, SIOCGIFINDEX, _ifreq(name)), 16, 20))
    for ifindex in (1, 0, 99, -1):
        out.append(_cut(ioctl_call(fd, SIOCGIFNAME, _ifreq(ifindex=ifindex)), 0, 16))
    out.append(ioctl_call(fd, FIONBIO, struct.pack("=i", 1)))
    out.append(ioctl_call(fd, FIONCLEX, b""))
    out.append(ioctl_call(fd, FIOCLEX, b""))
    out.append(ioctl_call(fd, 0x1234, bytes(8)))
    out.append(ioctl_call(fd, 0x89C0, bytes(40)))          # a socket request nobody answers
    out.append(ioctl_call(fd + 1000, FIONBIO, struct.pack("=i", 1)))
    return out


def test_ioctl_requests_like_linux(real):
    r = real.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    k = netkernel.Kernel()
    fd = k.sys_socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    want = _ioctl_script(_errno_of(fcntl.ioctl), r.fileno())
    want += [fcntl.fcntl(r.fileno(), F_GETFL) & O_NONBLOCK, fcntl.fcntl(r.fileno(), F_GETFD) & FD_CLOEXEC]
    got = _ioctl_script(_errno_of(k.ioctl), fd)
    got += [k.sys_fcntl(fd, F_GETFL) & O_NONBLOCK, k.sys_fcntl(fd, F_GETFD) & FD_CLOEXEC]
    r.close()
    assert got == want


def test_fionbio_sets_and_clears_o_nonblock():
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW, 0)
    k.ioctl(fd, FIONBIO, struct.pack("=i", 7))
    assert k.sys_fcntl(fd, F_GETFL) & O_NONBLOCK
    k.ioctl(fd, FIONBIO, struct.pack("=i", 0))
    assert not k.sys_fcntl(fd, F_GETFL) & O_NONBLOCK


def test_ioctl_argument_shorter_than_the_request_reads_is_efault():
    # sock_do_ioctl copies a whole struct ifreq from user memory before dev_ioctl; FIONBIO an int
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW, 0)
    for req, arg in ((SIOCGIFINDEX, b"lo\0"), (FIONBIO, b"\1")):
        with pytest.raises(OSError) as e:
            k.ioctl(fd, req, arg)
        assert e.value.errno == 14
    assert not k.sys_fcntl(fd, F_GETFL) & O_NONBLOCK


def test_interface_requests_answer_in_the_socket_namespace():
    k = netkernel.Kernel()
    ns = k.netns_add("a")
    ns.link_add("d0", kind="dummy")
    fd = ns.sys_socket(17, socket.SOCK_RAW, 0)
    ifindex = struct.unpack_from("=i", ns.ioctl(fd, SIOCGIFINDEX, _ifreq(b"d0")), 16)[0]
    assert ns.ioctl(fd, SIOCGIFNAME, _ifreq(ifindex=ifindex))[:3] == b"d0\0"
    with pytest.raises(OSError) as e:
        k.ioctl(k.sys_socket(17, socket.SOCK_RAW, 0), SIOCGIFINDEX, _ifreq(b"d0"))
    assert e.value.errno == 19


def test_failed_name_lookup_leaves_the_callers_ifreq_alone():
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW, 0)
    buf = _ifreq(b"nosuch", 1234)
    with pytest.raises(OSError):
        k.ioctl(fd, SIOCGIFINDEX, buf)
    assert k.ioctl(fd, SIOCGIFINDEX, _ifreq(b"lo:alias"))[16:20] == struct.pack("=i", 1)
