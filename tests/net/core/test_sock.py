"""SOL_SOCKET options and buffer accounting (net/core/sock.c), spec §6."""
import socket
import struct

import pytest

import netkernel
from netkernel.uapi import errno as E
from netkernel.uapi.if_packet import sockaddr_ll_pack
from netkernel.uapi.capability import CAP_NET_ADMIN, CAP_NET_RAW
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_DONTWAIT, SO_ERROR, SO_MARK, SO_PRIORITY,
                                   SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVTIMEO, SO_SNDBUF, SO_TYPE,
                                   SOCK_RAW, SOL_SOCKET, TIMEVAL)


def _opt(view, fd, name):
    return INT.unpack(view.sys_getsockopt(fd, SOL_SOCKET, name, 4))[0]


def _errno(fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    return e.value.errno


@pytest.fixture
def k():
    return netkernel.Kernel()


@pytest.fixture
def fd(k):
    return k.sys_socket(AF_PACKET, SOCK_RAW, 0)


def test_default_buffers_are_the_sysctl_defaults(k, fd):
    assert (_opt(k, fd, SO_RCVBUF), _opt(k, fd, SO_SNDBUF)) == (212992, 212992)


@pytest.mark.parametrize("val, rcvbuf", [(1, 2304), (1152, 2304), (1153, 2306), (4096, 8192),
                                         (1 << 30, 425984), (-1, 425984)])
def test_so_rcvbuf_doubles_clamps_and_has_a_minimum(k, fd, val, rcvbuf):
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, INT.pack(val))
    assert _opt(k, fd, SO_RCVBUF) == rcvbuf


def test_so_sndbuf_minimum_is_4608(k, fd):
    k.sys_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, INT.pack(1))
    assert _opt(k, fd, SO_SNDBUF) == 4608


def test_rmem_max_sysctl_caps_so_rcvbuf(k, fd):
    k.sysctl("net.core.rmem_max", 4194304)
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, INT.pack(1 << 30))
    assert _opt(k, fd, SO_RCVBUF) == 8388608


def test_so_rcvbufforce_needs_cap_net_admin_and_ignores_rmem_max(k):
    p = k.process(caps={CAP_NET_RAW})
    pfd = p.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(p.sys_setsockopt, pfd, SOL_SOCKET, SO_RCVBUFFORCE, INT.pack(1 << 20)) == E.EPERM
    assert _opt(p, pfd, SO_RCVBUF) == 212992
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, INT.pack(1 << 20))
    assert _opt(k, fd, SO_RCVBUF) == 2 << 20


def test_short_optval_is_einval_and_changes_nothing(k, fd):
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_RCVBUF, b"\x01\x00\x00") == E.EINVAL
    assert _opt(k, fd, SO_RCVBUF) == 212992


def test_setting_so_type_is_enoprotoopt(k, fd):
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_TYPE, INT.pack(2)) == E.ENOPROTOOPT


def test_so_priority_above_6_needs_cap_net_admin(k):
    p = k.process(caps={CAP_NET_RAW})
    fd = p.sys_socket(AF_PACKET, SOCK_RAW, 0)
    p.sys_setsockopt(fd, SOL_SOCKET, SO_PRIORITY, INT.pack(6))
    assert _errno(p.sys_setsockopt, fd, SOL_SOCKET, SO_PRIORITY, INT.pack(7)) == E.EPERM
    assert _errno(p.sys_setsockopt, fd, SOL_SOCKET, SO_PRIORITY, INT.pack(-1)) == E.EPERM
    assert _opt(p, fd, SO_PRIORITY) == 6
    q = k.process(caps={CAP_NET_RAW, CAP_NET_ADMIN})
    qfd = q.sys_socket(AF_PACKET, SOCK_RAW, 0)
    q.sys_setsockopt(qfd, SOL_SOCKET, SO_PRIORITY, INT.pack(7))
    assert _opt(q, qfd, SO_PRIORITY) == 7


def test_so_mark_needs_cap_net_admin_not_cap_net_raw(k):
    p = k.process(caps={CAP_NET_RAW})
    fd = p.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(p.sys_setsockopt, fd, SOL_SOCKET, SO_MARK, INT.pack(5)) == E.EPERM
    assert _opt(p, fd, SO_MARK) == 0


def test_so_rcvtimeo_rounds_up_to_jiffies_at_hz_250(k, fd):
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, TIMEVAL.pack(0, 50000))
    assert TIMEVAL.unpack(k.sys_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 16)) == (0, 52000)


def test_so_rcvtimeo_bad_usec_is_edom_and_short_is_einval(k, fd):
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, TIMEVAL.pack(1, 1000000)) == E.EDOM
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, bytes(8)) == E.EINVAL
    assert k.sys_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 16) == bytes(16)


def test_so_rcvtimeo_expiry_is_eagain(k, fd):
    k.sys_bind(fd, sockaddr_ll_pack(3, 1, 0, 0, 0, bytes(8)))
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, TIMEVAL.pack(0, 10000))
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, 0)


def test_negative_rcvtimeo_fails_at_once(k, fd):
    k.sys_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, TIMEVAL.pack(-1, 0))
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, 0)


def test_so_error_returns_and_clears_pending_error(k):
    k.link_add("veth0", kind="veth", peer="veth1")
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, socket.htons(3))
    # bound to a device that is down: ENETDOWN pending (§2.12)
    k.sys_bind(fd, sockaddr_ll_pack(0, k.if_nametoindex("veth0"), 0, 0, 0, bytes(8)))
    assert _opt(k, fd, SO_ERROR) == E.ENETDOWN
    assert _opt(k, fd, SO_ERROR) == 0
    with pytest.raises(BlockingIOError):
        k.sys_recvfrom(fd, 100, MSG_DONTWAIT)


# ---- the rest of 5.15's options (issue 11) ---------------------------------------------------

SO_BINDTODEVICE, SO_ATTACH_BPF, SO_MEMINFO, SO_COOKIE, SO_NETNS_COOKIE, SO_LINGER = 25, 50, 55, 57, 71, 13
SO_DEBUG = 1


def test_a_buffer_shorter_than_optlen_faults_only_where_it_is_read(k, fd):
    """optval holds the readable bytes: an int option reads 4 of them, SO_LINGER 8."""
    assert k.sys_setsockopt(fd, SOL_SOCKET, SO_PRIORITY, INT.pack(3), 8) == 0
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_LINGER, INT.pack(1), 8) == E.EFAULT
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_PRIORITY, None, 4) == E.EFAULT
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_PRIORITY, None, 3) == E.EINVAL
    assert _opt(k, fd, SO_PRIORITY) == 3


def test_bindtodevice_reads_at_most_15_bytes_and_unbinds_with_optlen_0(k, fd):
    k.link_add("abcdefghijklmno", kind="dummy")
    k.sys_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, b"abcdefghijklmnoXYZ")
    assert k.sys_getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, 16) == b"abcdefghijklmno\0"
    assert _errno(k.sys_getsockopt, fd, SOL_SOCKET, SO_BINDTODEVICE, 15) == E.EINVAL
    k.sys_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, None, 0)
    assert k.sys_getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, 16) == b""
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_BINDTODEVICE, b"nope\0") == E.ENODEV


def test_debug_without_cap_net_admin_is_eacces(k):
    p = k.process(caps={CAP_NET_RAW})
    fd = p.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(p.sys_setsockopt, fd, SOL_SOCKET, SO_DEBUG, INT.pack(1)) == E.EACCES
    assert p.sys_setsockopt(fd, SOL_SOCKET, SO_DEBUG, INT.pack(0)) == 0


def test_attach_bpf_looks_the_descriptor_up_in_the_callers_table(k, fd):
    other = k.process()
    ofd = other.sys_socket(AF_PACKET, SOCK_RAW, 0)
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_ATTACH_BPF, INT.pack(fd)) == E.EINVAL
    missing = max(ofd, fd) + 10
    assert _errno(k.sys_setsockopt, fd, SOL_SOCKET, SO_ATTACH_BPF, INT.pack(missing)) == E.EBADF


def test_cookies_are_stable_distinct_and_netns_cookies_per_namespace(k, fd):
    fd2 = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    c1 = k.sys_getsockopt(fd, SOL_SOCKET, SO_COOKIE, 8)
    assert c1 == k.sys_getsockopt(fd, SOL_SOCKET, SO_COOKIE, 8) != k.sys_getsockopt(fd2, SOL_SOCKET, SO_COOKIE, 8)
    k.netns_add("x")
    ns = k.netns("x")
    fd3 = ns.sys_socket(AF_PACKET, SOCK_RAW, 0)
    n1 = k.sys_getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, 8)
    assert n1 == k.sys_getsockopt(fd2, SOL_SOCKET, SO_NETNS_COOKIE, 8)
    assert n1 != ns.sys_getsockopt(fd3, SOL_SOCKET, SO_NETNS_COOKIE, 8)


def test_meminfo_counts_queued_frames_and_drops(k):
    rx = k.socket(AF_PACKET, SOCK_RAW, socket.htons(0x88B5))
    rx.bind(("lo", 0x88B5))
    with k.socket(AF_PACKET, SOCK_RAW, 0) as tx:
        tx.sendto(bytes(12) + b"\x88\xb5" + bytes(986), ("lo", 0))
    info = rx.getsockopt(SOL_SOCKET, SO_MEMINFO, 36)
    rmem, rcvbuf, _, _, _, _, _, _, drops = struct.unpack("=9I", info)
    assert (rmem, rcvbuf, drops) == (2304, 212992, 0)
