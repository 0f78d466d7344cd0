"""fcntl(2) on sockets (fs/fcntl.c): descriptor and status flags, against the real kernel where a
real AF_PACKET socket can be made (root), and the validate-then-commit rules on the model."""
from __future__ import annotations

import fcntl
import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import realkernel  # noqa: E402

import netkernel  # noqa: E402
from netkernel.uapi.fcntl import (F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_APPEND,  # noqa: E402
                                  O_DIRECT, O_NONBLOCK, O_RDWR)

_errno_of = realkernel.errno_of


def _fcntl_script(fcntl_call, fd):
    out = [fcntl_call(fd, F_GETFL, 0), fcntl_call(fd, F_GETFD, 0)]
    out.append(fcntl_call(fd, F_SETFL, O_NONBLOCK | O_APPEND))
    out.append(fcntl_call(fd, F_GETFL, 0))
    out.append(fcntl_call(fd, F_SETFL, O_DIRECT))
    out.append(fcntl_call(fd, F_SETFL, 0))
    out.append(fcntl_call(fd, F_GETFL, 0))
    out.append(fcntl_call(fd, F_SETFL, O_RDWR | 0o1))        # access mode bits are not settable
    out.append(fcntl_call(fd, F_GETFL, 0))
    out.append(fcntl_call(fd, F_SETFD, 0))
    out.append(fcntl_call(fd, F_GETFD, 0))
    out.append(fcntl_call(fd, F_SETFD, FD_CLOEXEC | 2))
    out.append(fcntl_call(fd, F_GETFD, 0))
    out.append(fcntl_call(fd, 9999, 0))
    out.append(fcntl_call(fd + 1000, F_GETFL, 0))
    return out


@pytest.mark.parametrize("nonblock", [False, True])
def test_fcntl_flags_like_linux(real, nonblock):
    extra = socket.SOCK_NONBLOCK if nonblock else 0
    r = real.socket(socket.AF_PACKET, socket.SOCK_RAW | extra, 0)
    k = netkernel.Kernel()
    fd = k.sys_socket(socket.AF_PACKET, socket.SOCK_RAW | extra | socket.SOCK_CLOEXEC, 0)
    want = _fcntl_script(_errno_of(fcntl.fcntl), r.fileno())
    got = _fcntl_script(_errno_of(k.sys_fcntl), fd)
    r.close()
    assert got == want


def test_socket_file_is_read_write_with_its_creation_flags():
    k = netkernel.Kernel()
    assert k.sys_fcntl(k.sys_socket(17, socket.SOCK_RAW, 0), F_GETFL) == O_RDWR
    fd = k.sys_socket(17, socket.SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC, 0)
    assert k.sys_fcntl(fd, F_GETFL) == O_RDWR | O_NONBLOCK
    assert k.sys_fcntl(fd, F_GETFD) == FD_CLOEXEC


def test_rejected_setfl_changes_nothing():
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW | socket.SOCK_NONBLOCK, 0)
    with pytest.raises(OSError) as e:
        k.sys_fcntl(fd, F_SETFL, O_DIRECT)       # no direct I/O on a socket
    assert e.value.errno == 22
    assert k.sys_fcntl(fd, F_GETFL) == O_RDWR | O_NONBLOCK


def test_setfl_o_nonblock_makes_receive_non_blocking():
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW, 0)
    k.sys_fcntl(fd, F_SETFL, O_NONBLOCK)
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, 0)


def test_closed_descriptor_is_ebadf():
    k = netkernel.Kernel()
    fd = k.sys_socket(17, socket.SOCK_RAW, 0)
    k.sys_close(fd)
    with pytest.raises(OSError) as e:
        k.sys_fcntl(fd, F_GETFL)
    assert e.value.errno == 9
