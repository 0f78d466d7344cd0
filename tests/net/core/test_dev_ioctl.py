"""Interface ioctls through the syscall (net/socket.py sys_ioctl → sock_ioctl → packet_ioctl →
dev_ioctl), in-process: results, copy-back, errnos and capabilities."""
import ctypes
import socket
import struct

import pytest

import netkernel
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_RAW
from netkernel.uapi.if_ import IFF_PROMISC, IFF_RUNNING, IFF_UP
from netkernel.uapi.sockios import (SIOCETHTOOL, SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFHWADDR,
                                    SIOCGIFINDEX, SIOCGIFMAP, SIOCGIFMTU, SIOCGIFNAME,
                                    SIOCGIFTXQLEN, SIOCGSTAMP, SIOCGSTAMPNS, SIOCINQ, SIOCOUTQ,
                                    SIOCSIFFLAGS, SIOCSIFHWADDR, SIOCSIFMTU, SIOCSIFTXQLEN)


def ifreq(name, payload=b""):
    return name.encode().ljust(16, b"\0") + payload.ljust(24, b"\0")


@pytest.fixture
def k():
    k = netkernel.Kernel(seed=1)
    k.link_add("veth0", "veth", peer="veth1")
    k.link_set("veth0", address="02:00:00:00:00:0a")
    k.link_set("veth1", address="02:00:00:00:00:0b")
    return k


def sock(k):
    return k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).fileno()


def test_getters(k):
    fd = sock(k)
    assert struct.unpack_from("<i", k.ioctl(fd, SIOCGIFINDEX, ifreq("veth0")), 16)[0] == 3
    out = k.ioctl(fd, SIOCGIFNAME, b"X" * 16 + struct.pack("<i", 2) + bytes(20))
    assert out[:16] == b"veth1\0" + b"X" * 9 + b"\0"      # ifr_name[15] is forced to NUL
    assert struct.unpack_from("<i", k.ioctl(fd, SIOCGIFMTU, ifreq("lo")), 16)[0] == 65536
    assert struct.unpack_from("<i", k.ioctl(fd, SIOCGIFTXQLEN, ifreq("veth0")), 16)[0] == 1000
    hw = k.ioctl(fd, SIOCGIFHWADDR, ifreq("veth0", b"\0\0" + b"\xaa" * 14))
    assert hw[16:18] == b"\x01\x00" and hw[18:24] == bytes.fromhex("02000000000a")
    assert hw[24:32] == b"\xaa" * 8                  # beyond addr_len: the caller's bytes
    assert k.ioctl(fd, SIOCGIFMAP, ifreq("veth0", b"\x55" * 24))[16:40] == bytes(21) + b"\x55" * 3


def test_flags_show_running_only_with_carrier(k):
    fd = sock(k)

    def flags(n):
        return struct.unpack_from("<h", k.ioctl(fd, SIOCGIFFLAGS, ifreq(n)), 16)[0]
    k.ioctl(fd, SIOCSIFFLAGS, ifreq("veth0", struct.pack("<h", IFF_UP | 0x1002)))
    assert flags("veth0") == 0x1003
    k.ioctl(fd, SIOCSIFFLAGS, ifreq("veth1", struct.pack("<h", IFF_UP | 0x1002)))
    assert flags("veth0") == 0x1003 | IFF_RUNNING == flags("veth1")
    k.ioctl(fd, SIOCSIFFLAGS, ifreq("veth1", struct.pack("<h", 0x1002 | IFF_PROMISC)))
    assert flags("veth1") == 0x1002 | IFF_PROMISC
    assert k.net.dev_by_name["veth1"].promiscuity == 1
    assert flags("lo") == 0x49


def test_setters_use_the_validated_link_path(k):
    fd = sock(k)
    k.ioctl(fd, SIOCSIFMTU, ifreq("veth0", struct.pack("<i", 1400)))
    assert k.sysfs("class/net/veth0/mtu") == "1400\n"
    for bad in (67, 65536, -1):
        with pytest.raises(OSError) as e:
            k.ioctl(fd, SIOCSIFMTU, ifreq("veth0", struct.pack("<i", bad)))
        assert e.value.errno == E.EINVAL
    assert k.sysfs("class/net/veth0/mtu") == "1400\n"
    with pytest.raises(OSError) as e:
        k.ioctl(fd, SIOCSIFTXQLEN, ifreq("veth0", struct.pack("<i", -1)))
    assert e.value.errno == E.EINVAL
    k.ioctl(fd, SIOCSIFTXQLEN, ifreq("veth0", struct.pack("<i", 7)))
    assert k.sysfs("class/net/veth0/tx_queue_len") == "7\n"
    k.ioctl(fd, SIOCSIFHWADDR, ifreq("veth0", b"\x01\x00" + bytes.fromhex("02000000000c")))
    assert k.sysfs("class/net/veth0/address") == "02:00:00:00:00:0c\n"
    with pytest.raises(OSError) as e:
        k.ioctl(fd, SIOCSIFHWADDR, ifreq("veth0", b"\x04\x03" + bytes.fromhex("02000000000d")))
    assert e.value.errno == E.EINVAL


def test_setters_need_cap_net_admin_before_the_lookup(k):
    p = k.process(caps={CAP_NET_RAW})
    fd = p.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).fileno()
    for req, name in ((SIOCSIFMTU, "veth0"), (SIOCSIFMTU, "nosuch"), (SIOCSIFFLAGS, "veth0"),
                      (SIOCSIFHWADDR, "veth0"), (SIOCSIFTXQLEN, "nosuch")):
        with pytest.raises(OSError) as e:
            p.ioctl(fd, req, ifreq(name, struct.pack("<i", 1400)))
        assert e.value.errno == E.EPERM
    assert struct.unpack_from("<i", p.ioctl(fd, SIOCGIFMTU, ifreq("veth0")), 16)[0] == 1500


@pytest.mark.parametrize("req,arg,err", [
    (SIOCGIFINDEX, ifreq("nosuch"), E.ENODEV),
    (SIOCGIFNAME, ifreq("", struct.pack("<i", 99)), E.ENODEV),
    (SIOCGIFINDEX, ifreq("veth0")[:39], E.EFAULT),
    (SIOCGIFINDEX, None, E.EFAULT),
    (0x8950, None, E.EFAULT),            # a socket request: the ifreq is read first
    (0x8950, ifreq("lo"), E.ENOTTY),
    (0x1234, None, E.ENOTTY),            # not a socket request: ENOTTY at once
    (SIOCINQ, b"\0\0", E.EFAULT),
    (SIOCGSTAMP, bytes(16), E.ENOENT),
    (SIOCGIFCONF, bytes(8), E.EFAULT),
])
def test_errors(k, req, arg, err):
    with pytest.raises(OSError) as e:
        k.sys_ioctl(sock(k), req, arg)
    assert e.value.errno == err


def test_bad_descriptor(k):
    with pytest.raises(OSError) as e:
        k.ioctl(99, SIOCGIFINDEX, ifreq("lo"))
    assert e.value.errno == E.EBADF


def test_ifconf_lists_ipv4_addresses(k):
    """SIOCGIFCONF: one struct ifreq per IPv4 address (label, AF_INET, address): lo's 127.0.0.1
    from the start, then an added one; a NULL buffer only counts."""
    buf = ctypes.create_string_buffer(400)
    out = k.ioctl(sock(k), SIOCGIFCONF, struct.pack("<i4xQ", 400, ctypes.addressof(buf)))
    assert struct.unpack_from("<i", out)[0] == 40
    assert buf.raw[:16].rstrip(b"\0") == b"lo"
    assert buf.raw[16:24] == struct.pack("<H", socket.AF_INET) + b"\0\0" + bytes([127, 0, 0, 1])
    k.addr_add("veth0", "10.0.0.1/24", label="veth0:a")
    out = k.ioctl(sock(k), SIOCGIFCONF, struct.pack("<i4xQ", 0, 0))
    assert struct.unpack_from("<i", out)[0] == 80
    out = k.ioctl(sock(k), SIOCGIFCONF, struct.pack("<i4xQ", 400, ctypes.addressof(buf)))
    assert buf.raw[40:56].rstrip(b"\0") == b"veth0:a"
    assert buf.raw[60:64] == bytes([10, 0, 0, 1])


def test_inq_outq_and_stamps(k):
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    rx = k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x88B5))
    rx.bind(("veth1", 0x88B5))
    frame = bytes.fromhex("02000000000b02000000000a88b5") + bytes(86)
    tx.sendto(frame, ("veth0", 0x88B5))
    assert struct.unpack("<i", k.ioctl(rx.fileno(), SIOCINQ, bytes(4)))[0] == 86
    assert struct.unpack("<i", k.ioctl(tx.fileno(), SIOCOUTQ, bytes(4)))[0] == 0
    rx.recv(2048)
    a = k.ioctl(rx.fileno(), SIOCGSTAMPNS, bytes(16))
    assert a == k.ioctl(rx.fileno(), SIOCGSTAMPNS, bytes(16))          # latched
    sec, usec = struct.unpack("<qq", k.ioctl(rx.fileno(), SIOCGSTAMP, bytes(16)))
    assert usec < 10**6 and sec == struct.unpack("<qq", a)[0]
    assert struct.unpack("<i", k.ioctl(rx.fileno(), SIOCINQ, bytes(4)))[0] == 0


def _ethtool(v, fd, name, cmd, size, payload=b""):
    buf = ctypes.create_string_buffer((struct.pack("<I", cmd) + payload).ljust(size, b"\0"), size)
    v.ioctl(fd, SIOCETHTOOL, ifreq(name, struct.pack("<Q", ctypes.addressof(buf))))
    return buf.raw


def test_ethtool_dummy_and_lo():
    k = netkernel.Kernel()
    k.link_add("d0", "dummy")
    fd = sock(k)
    info = _ethtool(k, fd, "d0", 3, 196)
    assert info[4:9] == b"dummy" and info[36:40] == b"1.0\0"
    for name, cmd in (("d0", 10), ("lo", 3), ("lo", 1), ("d0", 0x4C)):
        with pytest.raises(OSError) as e:
            _ethtool(k, fd, name, cmd, 196)
        assert e.value.errno == E.EOPNOTSUPP
    k.link_set("d0", up=True)
    assert k.sysfs("class/net/d0/operstate") == "unknown\n"


def test_ethtool_tun_answers_5_15s_10_mbps():
    from netkernel.drivers.net.tun import tun_setup
    from netkernel.net.core.dev import NetDevice, register_netdevice
    k = netkernel.Kernel()
    dev = NetDevice("tap0")
    tun_setup(dev)
    register_netdevice(k.net, dev)
    fd = sock(k)
    info = _ethtool(k, fd, "tap0", 3, 196)
    assert info[4:8] == b"tun\0" and info[36:40] == b"1.6\0" and info[100:104] == b"tap\0"
    gset = struct.unpack("<IIIHBBBBBBIIHBBI8x", _ethtool(k, fd, "tap0", 1, 44))
    assert gset[3] == 10 and gset[4] == 1 and gset[8] == 0
    assert struct.unpack("<II", _ethtool(k, fd, "tap0", 10, 8)) == (10, 0)   # down: no link


def test_ethtool_ftgmac100_reports_the_phy():
    from netkernel import machines
    from netkernel.net.ethtool.ioctl import UTS_RELEASE
    k = machines.ast2500(seed=1)
    fd = sock(k)
    info = _ethtool(k, fd, "eth0", 3, 196)
    assert info[4:14] == b"ftgmac100\0" and info[100:105] == b"eth0\0"
    assert info[36:36 + len(UTS_RELEASE)] == UTS_RELEASE.encode()
    ls = _ethtool(k, fd, "eth0", 0x4C, 48 + 36, struct.pack("<IBBBBBBBb", 0, 0, 0, 0, 0, 0, 0, 0, 3))
    speed, duplex, port, phy, autoneg = struct.unpack_from("<iBBBB", ls, 4)
    assert (speed, duplex, autoneg, ls[16]) == (-1, 0xFF, 1, 1)        # no link yet; external PHY
    assert struct.unpack("<II", _ethtool(k, fd, "eth0", 10, 8)) == (10, 0)
    k.hw.mac0.set_link(True)
    assert struct.unpack("<II", _ethtool(k, fd, "eth0", 10, 8)) == (10, 1)
    ls = _ethtool(k, fd, "eth0", 0x4C, 48 + 36, struct.pack("<IBBBBBBBb", 0, 0, 0, 0, 0, 0, 0, 0, 3))
    assert struct.unpack_from("<iB", ls, 4)[0] in (100, 1000)
    assert k.sysfs("class/net/eth0/speed") == f"{struct.unpack_from('<i', ls, 4)[0]}\n"
