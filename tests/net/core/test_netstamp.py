"""The machine's receive stamping switch (net/core/dev.c netstamp_needed_key, net_enable_timestamp,
net_disable_timestamp; net/core/sock.c sock_enable_timestamp, sock_disable_timestamp,
__sk_destruct): a frame gets a receive time only while some socket of the machine has asked.

The real kernel's switch is global and other processes may hold it on, so what a socket sees when
nothing asked cannot be compared with the host: these tests hold netkernel to the 5.15 rules."""
import struct

import pytest

import netkernel
from netkernel.uapi.if_packet import (PACKET_RX_RING, PACKET_VERSION, SOL_PACKET,
                                      TP_STATUS_TS_SOFTWARE, TP_STATUS_USER, TPACKET_V2,
                                      sockaddr_ll_pack)
from netkernel.uapi.net_tstamp import SOF_TIMESTAMPING_RX_SOFTWARE, SOF_TIMESTAMPING_SOFTWARE
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_DONTWAIT, SO_TIMESTAMP, SO_TIMESTAMPING_OLD,
                                   SOCK_DGRAM, SOCK_RAW, SOL_SOCKET)
from netkernel.uapi.sockios import SIOCGSTAMP_OLD

ETH_P_EX = 0x88B5
FRAME = bytes.fromhex("02000000000b" "02000000000a") + struct.pack("!H", ETH_P_EX) + bytes(50)


@pytest.fixture
def k():
    k = netkernel.Kernel()
    k.link_add("veth0", "veth", peer="veth1", up=True)
    k.link_set("veth1", up=True)
    return k


def _sll(k, dev):
    return sockaddr_ll_pack(ETH_P_EX, k.if_nametoindex(dev), 0, 0, 0, bytes(8))


def _rx(k, type=SOCK_RAW):
    fd = k.sys_socket(AF_PACKET, type, 0xB588)        # htons(ETH_P_EX)
    k.sys_bind(fd, _sll(k, "veth1"))
    return fd


def _send(k):
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_sendto(fd, FRAME, 0, _sll(k, "veth0"))
    k.sys_close(fd)


def _software_only(k, fd):
    k.sys_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD, INT.pack(SOF_TIMESTAMPING_SOFTWARE))


def _levels(k, fd):
    """The control messages of one read: [(level, type)]."""
    ret, data, anc, mflags, addr = k.sys_recvmsg(fd, 2048, 256, MSG_DONTWAIT)
    return [(lv, t) for lv, t, _ in anc]


def _state(k):
    c = k.core
    return c.netstamp_needed, c.netstamp_wanted


def test_a_fresh_machine_does_not_stamp(k):
    assert _state(k) == (False, 0)


def test_software_without_rx_software_reports_nothing_when_no_socket_asked(k):
    fd = _rx(k)
    _software_only(k, fd)
    assert _state(k) == (False, 0)
    _send(k)
    assert _levels(k, fd) == []


def test_software_without_rx_software_reports_the_stamp_while_another_socket_asks(k):
    asker = k.sys_socket(AF_PACKET, SOCK_DGRAM, 0)
    k.sys_setsockopt(asker, SOL_SOCKET, SO_TIMESTAMP, INT.pack(1))
    fd = _rx(k)
    _software_only(k, fd)
    _send(k)
    assert _levels(k, fd) == [(SOL_SOCKET, SO_TIMESTAMPING_OLD)]
    k.sys_close(asker)                       # the last user gone: frames are no longer stamped
    assert _state(k) == (False, 0)
    _send(k)
    assert _levels(k, fd) == []


def test_so_timestamp_counts_once_per_socket_and_stays_until_close(k):
    a, b = k.sys_socket(AF_PACKET, SOCK_RAW, 0), k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_setsockopt(a, SOL_SOCKET, SO_TIMESTAMP, INT.pack(1))
    k.sys_setsockopt(a, SOL_SOCKET, SO_TIMESTAMP, INT.pack(1))
    assert _state(k) == (True, 1)
    k.sys_setsockopt(b, SOL_SOCKET, SO_TIMESTAMP, INT.pack(1))
    assert _state(k) == (True, 2)
    k.sys_setsockopt(a, SOL_SOCKET, SO_TIMESTAMP, INT.pack(0))   # SOCK_TIMESTAMP stays set
    assert _state(k) == (True, 2)
    k.sys_close(a)
    assert _state(k) == (True, 1)
    k.sys_close(b)
    assert _state(k) == (False, 0)


def test_rx_software_is_released_when_turned_off(k):
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD, INT.pack(SOF_TIMESTAMPING_RX_SOFTWARE))
    assert _state(k) == (True, 1)
    # with SO_TIMESTAMP on as well the socket still counts once
    k.sys_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, INT.pack(1))
    assert _state(k) == (True, 1)
    _software_only(k, fd)                   # RX_SOFTWARE off, SOCK_TIMESTAMP still on
    assert _state(k) == (True, 1)
    k.sys_close(fd)
    assert _state(k) == (False, 0)
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD, INT.pack(SOF_TIMESTAMPING_RX_SOFTWARE))
    _software_only(k, fd)
    assert _state(k) == (False, 0)


def test_a_rejected_timestamping_value_changes_nothing(k):
    fd = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    with pytest.raises(OSError):
        k.sys_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD,
                         INT.pack(SOF_TIMESTAMPING_RX_SOFTWARE | 1 << 20))
    assert _state(k) == (False, 0)


def test_siocgstamp_asks_for_stamps(k):
    fd = _rx(k)
    _send(k)
    k.sys_recvfrom(fd, 2048, MSG_DONTWAIT)   # read before anything asked: no time ("read, no time")
    assert k.sys_ioctl(fd, SIOCGSTAMP_OLD, bytes(16))[0] == 0     # latches the current time
    assert _state(k) == (True, 1)
    k.sys_close(fd)
    assert _state(k) == (False, 0)


def test_the_first_frame_after_siocgstamp_carries_its_own_time(k):
    """SIOCGSTAMP before any frame: ENOENT, but it turns stamping on; the next frame read is
    stamped on arrival, so SIOCGSTAMP reports that time, not a later one."""
    fd = _rx(k)
    with pytest.raises(OSError):
        k.sys_ioctl(fd, SIOCGSTAMP_OLD, bytes(16))
    _send(k)
    arrived = k.core.clock() + k.core.realtime_offset
    k.sys_recvfrom(fd, 2048, MSG_DONTWAIT)
    sec, usec = struct.unpack("<qq", k.sys_ioctl(fd, SIOCGSTAMP_OLD, bytes(16))[1])
    assert sec * 10**9 + usec * 1000 <= arrived


def _ring_status(k, fd):
    k.sys_setsockopt(fd, SOL_PACKET, PACKET_VERSION, INT.pack(TPACKET_V2))
    k.sys_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, struct.pack("<IIII", 4096, 1, 2048, 2))
    m = k.sys_mmap(fd, 4096)
    _send(k)
    status, _len, _snap, _mac, _net, sec, nsec = struct.unpack_from("<IIIHHII", m, 0)
    m.close()
    return status, sec


def test_ring_frames_have_a_time_but_no_software_stamp_when_nothing_asked(k):
    status, sec = _ring_status(k, _rx(k))
    assert status & TP_STATUS_USER and not status & TP_STATUS_TS_SOFTWARE
    assert sec > 0                          # tpacket_rcv reads the clock itself


def test_ring_frames_carry_the_software_stamp_while_a_socket_asks(k):
    asker = k.sys_socket(AF_PACKET, SOCK_RAW, 0)
    k.sys_setsockopt(asker, SOL_SOCKET, SO_TIMESTAMPING_OLD, INT.pack(SOF_TIMESTAMPING_RX_SOFTWARE))
    status, sec = _ring_status(k, _rx(k))
    assert status & TP_STATUS_USER and status & TP_STATUS_TS_SOFTWARE and sec > 0
