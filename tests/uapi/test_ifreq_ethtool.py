"""Golden bytes for struct ifreq/ifmap/ifconf (uapi/if_.py), the socket ioctl numbers
(uapi/sockios.py) and the legacy ethtool structs (uapi/ethtool.py), x86_64 layouts."""
import ctypes

from netkernel.uapi import ethtool as et
from netkernel.uapi import if_
from netkernel.uapi import sockios as io


class _Sockaddr(ctypes.Structure):
    _fields_ = [("sa_family", ctypes.c_ushort), ("sa_data", ctypes.c_char * 14)]


class _Ifmap(ctypes.Structure):
    _fields_ = [("mem_start", ctypes.c_ulong), ("mem_end", ctypes.c_ulong),
                ("base_addr", ctypes.c_ushort), ("irq", ctypes.c_ubyte), ("dma", ctypes.c_ubyte),
                ("port", ctypes.c_ubyte)]


class _Ifru(ctypes.Union):
    _fields_ = [("ifru_addr", _Sockaddr), ("ifru_flags", ctypes.c_short),
                ("ifru_ivalue", ctypes.c_int), ("ifru_map", _Ifmap),
                ("ifru_newname", ctypes.c_char * 16), ("ifru_data", ctypes.c_void_p)]


class _Ifreq(ctypes.Structure):
    _fields_ = [("ifr_name", ctypes.c_char * 16), ("ifr_ifru", _Ifru)]


class _Ifconf(ctypes.Structure):
    _fields_ = [("ifc_len", ctypes.c_int), ("ifc_buf", ctypes.c_void_p)]


def test_ifreq_layout_matches_the_c_struct():
    assert ctypes.sizeof(_Ifreq) == if_.IFREQ_SIZE == 40
    assert _Ifreq.ifr_ifru.offset == if_.IFR_IFRU == if_.IFR_FLAGS == if_.IFR_IVALUE == 16
    assert _Ifreq.ifr_ifru.offset + _Sockaddr.sa_data.offset == if_.IFR_HWADDR_DATA == 18
    assert ctypes.sizeof(_Ifmap) == if_.IFMAP_SIZE == 24
    assert ctypes.sizeof(_Ifconf) == if_.IFCONF_SIZE == 16
    assert _Ifconf.ifc_buf.offset == if_.IFC_BUF == 8


def test_ifmap_golden_bytes_leave_the_padding_alone():
    buf = bytearray(b"\xee" * 24)
    if_.IFMAP.pack_into(buf, 0, 0x1122, 0x3344, 0x5566, 7, 8, 9)
    assert bytes(buf) == (bytes.fromhex("2211000000000000" "4433000000000000" "6655" "07" "08" "09")
                          + b"\xee" * 3)
    c = _Ifmap.from_buffer_copy(bytes(buf))
    assert (c.mem_start, c.mem_end, c.base_addr, c.irq, c.dma, c.port) == (0x1122, 0x3344, 0x5566, 7, 8, 9)


def test_ifr_name_stops_at_the_first_nul():
    assert if_.ifr_name(b"veth0\0junk\0\0\0\0\0\0" + bytes(24)) == "veth0"
    assert if_.ifr_name(b"abcdefghijklmno\0" + bytes(24)) == "abcdefghijklmno"


def test_sockios_numbers():
    assert (io.SIOCGIFNAME, io.SIOCGIFCONF, io.SIOCGIFFLAGS, io.SIOCSIFFLAGS) == (0x8910, 0x8912, 0x8913, 0x8914)
    assert (io.SIOCGIFMTU, io.SIOCSIFMTU, io.SIOCSIFHWADDR, io.SIOCGIFHWADDR) == (0x8921, 0x8922, 0x8924, 0x8927)
    assert (io.SIOCGIFINDEX, io.SIOCGIFTXQLEN, io.SIOCSIFTXQLEN, io.SIOCETHTOOL) == (0x8933, 0x8942, 0x8943, 0x8946)
    assert (io.SIOCGIFMAP, io.SIOCSIFMAP, io.SIOCINQ, io.SIOCOUTQ) == (0x8970, 0x8971, 0x541B, 0x5411)
    # _IOR(0x89, 6 / 7, long long[2])
    assert io.SIOCGSTAMP_NEW == (2 << 30) | (16 << 16) | (0x89 << 8) | 6
    assert io.SIOCGSTAMPNS_NEW == (2 << 30) | (16 << 16) | (0x89 << 8) | 7
    assert io.is_socket_ioctl_cmd(io.SIOCGIFINDEX) and io.is_socket_ioctl_cmd(io.SIOCGSTAMP_NEW)
    assert not io.is_socket_ioctl_cmd(io.SIOCINQ)


class _Drvinfo(ctypes.Structure):
    _fields_ = [("cmd", ctypes.c_uint32), ("driver", ctypes.c_char * 32),
                ("version", ctypes.c_char * 32), ("fw_version", ctypes.c_char * 32),
                ("bus_info", ctypes.c_char * 32), ("erom_version", ctypes.c_char * 32),
                ("reserved2", ctypes.c_char * 12), ("n_priv_flags", ctypes.c_uint32),
                ("n_stats", ctypes.c_uint32), ("testinfo_len", ctypes.c_uint32),
                ("eedump_len", ctypes.c_uint32), ("regdump_len", ctypes.c_uint32)]


def test_ethtool_drvinfo_golden_bytes():
    raw = et.ETHTOOL_DRVINFO.pack(3, b"veth", b"1.0", b"", b"tap", b"", b"", 1, 2, 3, 4, 5)
    assert len(raw) == ctypes.sizeof(_Drvinfo) == et.ETHTOOL_DRVINFO_SIZE == 196
    c = _Drvinfo.from_buffer_copy(raw)
    assert (c.cmd, c.driver, c.version, c.bus_info) == (3, b"veth", b"1.0", b"tap")
    assert (c.n_priv_flags, c.n_stats, c.testinfo_len, c.eedump_len, c.regdump_len) == (1, 2, 3, 4, 5)
    assert raw[:8] == bytes.fromhex("0300000076657468") and raw[-4:] == bytes.fromhex("05000000")


def test_ethtool_cmd_and_link_settings_offsets():
    raw = et.ETHTOOL_CMD_LEGACY.pack(1, 0xA, 0xB, 10000 & 0xFFFF, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 9, 10, 0xC)
    assert len(raw) == et.ETHTOOL_CMD_SIZE == 44
    assert raw[12:14] == (10000).to_bytes(2, "little") and raw[14:20] == bytes([1, 2, 3, 4, 5, 6])
    assert raw[28:30] == b"\x12\x00" and raw[30:32] == bytes([9, 10]) and raw[32:36] == b"\x0c\0\0\0"
    ls = et.ETHTOOL_LINK_SETTINGS.pack(0x4C, 10000, 1, 0, 0, 0, 0, 0, 0, -3, 0, 0, 0)
    assert len(ls) == et.ETHTOOL_LINK_SETTINGS_SIZE == 48
    assert ls[et.ETHTOOL_LINK_SETTINGS_NWORDS] == 0xFD and ls[4:8] == (10000).to_bytes(4, "little")
    assert et.ETHTOOL_LINK_MODE_MASK_NU32 == 3
