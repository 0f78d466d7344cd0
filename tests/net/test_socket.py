"""The socket system calls (net/socket.c): argument checks, fd tables, address copying."""
import socket

import pytest

import netkernel
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_RAW
from netkernel.uapi.if_packet import sockaddr_ll_pack
from netkernel.uapi.socket import (AF_INET, AF_PACKET, INT, SO_DOMAIN, SO_PROTOCOL, SO_TYPE,
                                   SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_PACKET, SOCK_RAW,
                                   SOCK_STREAM, SOL_SOCKET)

ALL = socket.htons(3)


def _errno(fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    return e.value.errno


def test_socket_unknown_flag_bits_are_einval():
    k = netkernel.Kernel()
    assert _errno(k.sys_socket, AF_PACKET, SOCK_RAW | 0x100, 0) == E.EINVAL


def test_socket_family_out_of_range_is_eafnosupport():
    k = netkernel.Kernel()
    assert _errno(k.sys_socket, 46, SOCK_RAW, 0) == E.EAFNOSUPPORT
    assert _errno(k.sys_socket, -1, SOCK_RAW, 0) == E.EAFNOSUPPORT


def test_socket_type_out_of_range_is_einval():
    k = netkernel.Kernel()
    assert _errno(k.sys_socket, AF_PACKET, 11, 0) == E.EINVAL


def test_pf_inet_sock_packet_is_a_packet_socket():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_INET, SOCK_PACKET, ALL)
    assert INT.unpack(k.sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, 4))[0] == AF_PACKET
    assert INT.unpack(k.sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, 4))[0] == SOCK_PACKET


def test_socket_nonblock_and_cloexec_flags_reach_the_file():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
    f = k._task.files[fd]
    assert f.f_flags & 0o4000 and f.cloexec
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, 0)


def test_so_protocol_is_zero_for_packet_sockets():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, ALL)
    assert k.sys_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, 4) == bytes(4)


def test_fds_start_at_3_and_reuse_the_lowest_free():
    k = netkernel.Kernel()
    fds = [k.sys_socket(AF_PACKET, SOCK_RAW, 0) for _ in range(3)]
    assert fds == [3, 4, 5]
    k.sys_close(4)
    assert k.sys_socket(AF_PACKET, SOCK_RAW, 0) == 4


def test_calls_on_unknown_fd_are_ebadf():
    k = netkernel.Kernel()
    assert _errno(k.sys_bind, 42, bytes(20)) == E.EBADF
    assert _errno(k.sys_sendto, 42, b"x", 0, None) == E.EBADF
    assert _errno(k.sys_recvfrom, 42, 10, 0) == E.EBADF
    assert _errno(k.sys_getsockname, 42) == E.EBADF
    assert _errno(k.sys_close, 42) == E.EBADF


def test_close_twice_is_ebadf_and_unhooks():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, ALL)
    assert len(k.core.ptype_all) == 1
    k.sys_close(fd)
    assert k.core.ptype_all == []
    assert _errno(k.sys_close, fd) == E.EBADF


def test_bind_address_longer_than_sockaddr_storage_is_einval():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, ALL)
    addr = sockaddr_ll_pack(3, 1, 0, 0, 0, bytes(8))
    assert k.sys_bind(fd, addr.ljust(128, b"\0")) == 0
    assert _errno(k.sys_bind, fd, addr.ljust(129, b"\0")) == E.EINVAL


def test_sendto_zero_length_address_is_einval_not_no_address():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(k.sys_sendto, fd, bytes(60), 0, b"") == E.EINVAL
    assert _errno(k.sys_sendto, fd, bytes(60), 0, None) == E.ENXIO


@pytest.mark.parametrize("call", ["sys_listen", "sys_accept", "sys_shutdown", "sys_connect",
                                  "sys_getpeername"])
def test_unsupported_ops_are_eopnotsupp(call):
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    args = {"sys_listen": (fd, 1), "sys_accept": (fd,), "sys_shutdown": (fd, 2),
            "sys_connect": (fd, bytes(20)), "sys_getpeername": (fd,)}[call]
    assert _errno(getattr(k, call), *args) == E.EOPNOTSUPP


def test_getsockopt_negative_optlen_is_einval():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(k.sys_getsockopt, fd, SOL_SOCKET, SO_TYPE, -1) == E.EINVAL
    assert k.sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, 2) == b"\x03\x00"


def test_recvmsg_negative_sizes_are_einval():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(k.sys_recvmsg, fd, 10, -1, 0) == E.EINVAL


def test_sock_packet_has_no_sol_packet_options():
    k = netkernel.Kernel()
    fd = k.sys_socket(AF_PACKET, SOCK_PACKET, 0)
    assert _errno(k.sys_setsockopt, fd, 263, 8, INT.pack(1)) == E.EOPNOTSUPP


def test_unprivileged_process_gets_eperm_even_for_invalid_type():
    k = netkernel.Kernel()
    p = k.process(caps=set())
    assert _errno(p.sys_socket, AF_PACKET, SOCK_RAW, 0) == E.EPERM
    assert _errno(p.sys_socket, AF_PACKET, SOCK_STREAM, 0) == E.EPERM
    assert p._task.files == {}
    assert k.process(caps={CAP_NET_RAW}).sys_socket(AF_PACKET, SOCK_RAW, 0) == 3


def test_processes_have_separate_fd_tables():
    k = netkernel.Kernel()
    p1, p2 = k.process(), k.process()
    a = p1.sys_socket(AF_PACKET, SOCK_RAW, 0)
    b = p2.sys_socket(AF_PACKET, SOCK_DGRAM, 0)
    assert a == b == 3
    assert INT.unpack(p1.sys_getsockopt(a, SOL_SOCKET, SO_TYPE, 4))[0] == SOCK_RAW
    assert INT.unpack(p2.sys_getsockopt(b, SOL_SOCKET, SO_TYPE, 4))[0] == SOCK_DGRAM
    p1.sys_close(a)
    assert _errno(p1.sys_close, a) == E.EBADF
    assert INT.unpack(p2.sys_getsockopt(b, SOL_SOCKET, SO_TYPE, 4))[0] == SOCK_DGRAM
    assert _errno(k.sys_close, 3) == E.EBADF   # the default process has its own table too
