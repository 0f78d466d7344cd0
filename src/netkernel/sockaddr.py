"""AF_PACKET addresses as CPython 3.11's socket module turns them into struct sockaddr_ll and back
(Modules/socketmodule.c: getsockaddrarg and makesockaddr, their AF_PACKET cases).

Both ask the kernel through the socket itself, as CPython does: the interface name becomes an
ifindex with ioctl(SIOCGIFINDEX) and an ifindex becomes a name with ioctl(SIOCGIFNAME), so a
closed socket's name lookup fails with EBADF and the lookup happens in the socket's namespace.
"""
from __future__ import annotations

import struct

from netkernel.fs.ioctl import sys_ioctl
from netkernel.getargs import conv_i, conv_s, conv_y_star, parsetuple, tp_name
from netkernel.uapi.if_ import IFNAMSIZ, IFR_IFINDEX, IFR_NAME, IFREQ_SIZE
from netkernel.uapi.if_packet import sockaddr_ll_pack, sockaddr_ll_unpack
from netkernel.uapi.ioctls import SIOCGIFINDEX, SIOCGIFNAME
from netkernel.uapi.socket import AF_NETLINK, AF_PACKET, AF_UNIX, INT
from netkernel import fastpath as _fastpath

SOCKADDR_LL_SIZE = 20
SA_DATA_OFFSET = 2      # struct sockaddr: sa_family, then sa_data[14]
SA_DATA_SIZE = 14
NL_PID_GROUPS = struct.Struct("<II")    # sockaddr_nl: nl_family, nl_pad, nl_pid, nl_groups
_PACKET_ADDR_UNITS = (conv_s, conv_i, conv_i, conv_i, conv_y_star)
_PACKET_ADDR_MSG = "AF_PACKET address must be a tuple of two to five elements"


def getsockaddrarg(s, addro, caller: str) -> bytes:
    """getsockaddrarg, AF_PACKET: a tuple (ifname: str, proto: int[, pkttype: int[, hatype:
    int[, addr: bytes-like]]]) becomes a sockaddr_ll, checked in CPython's order: the tuple and
    its items (any OverflowError there becomes "address argument out of range"); the name via
    SIOCGIFINDEX (its errno); the hardware address at most 8 bytes (ValueError); the protocol
    0..65535 (OverflowError). pkttype and hatype are cut to their C fields, unchecked."""
    if s._family != AF_PACKET:
        raise OSError(f"{caller}(): bad family")
    if type(addro) is tuple:
        known = _fastpath.sockaddr_of(s._view, s._fd, addro)
        if known is not None:
            return known
    if not isinstance(addro, tuple):
        raise TypeError(f"{caller}(): AF_PACKET address must be tuple, "
                        f"not {tp_name(type(addro))[:500]}")
    try:
        args = parsetuple(addro, caller, _PACKET_ADDR_UNITS, 2, _PACKET_ADDR_MSG)
    except OverflowError:
        raise OverflowError(f"{caller}(): address argument out of range") from None
    name, proto = args[0], args[1]
    pkttype = args[2] if len(args) > 2 else 0
    hatype = args[3] if len(args) > 3 else 0
    haddr = args[4] if len(args) > 4 else b""
    ifr = name[:IFNAMSIZ].ljust(IFREQ_SIZE, b"\0")      # strncpy into ifr_name; the kernel ends it
    ifr = s._view.ioctl(s._fd, SIOCGIFINDEX, ifr)
    ifindex = INT.unpack_from(ifr, IFR_IFINDEX)[0]
    if len(haddr) > 8:
        raise ValueError("Hardware address must be 8 bytes or less")
    if not 0 <= proto <= 0xFFFF:
        raise OverflowError(f"{caller}(): proto must be 0-65535.")
    sockaddr = sockaddr_ll_pack(proto, ifindex, hatype & 0xFFFF, pkttype & 0xFF, len(haddr),
                                haddr.ljust(8, b"\0"))
    if type(addro) is tuple:
        _fastpath.remember_sockaddr(s._view, s._fd, addro, sockaddr)
    return sockaddr


def makesockaddr(s, addr: bytes):
    """makesockaddr: decoded by the address's own sa_family (not the socket's), from the bytes
    the kernel wrote (CPython zeroes its sizeof(sockaddr_ll) buffer first); no address at all is
    None. AF_PACKET: (ifname, proto, pkttype, hatype, addr) from a sockaddr_ll, the name by
    SIOCGIFNAME ("" for ifindex 0 or when the lookup fails). A SOCK_PACKET socket reports a
    sockaddr_pkt whose family is the device type: ARPHRD_ETHER (1) reads as AF_UNIX (the
    device name as a path), other types as an unknown family (family, sa_data[14])."""
    if not addr:
        return None
    key = bytes(addr)
    known = _fastpath.address_of(s._view, s._fd, key)
    if known is not None:
        return known
    raw = key[:SOCKADDR_LL_SIZE].ljust(SOCKADDR_LL_SIZE, b"\0")
    family = int.from_bytes(raw[:2], "little")
    if family == AF_PACKET:
        return _packet_addr(s, raw, key)
    if family == AF_UNIX:
        path = bytes(addr[SA_DATA_OFFSET:])
        if path[:1] == b"\0":                        # Linux abstract namespace
            return path
        return raw[SA_DATA_OFFSET:].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if family == AF_NETLINK:
        return NL_PID_GROUPS.unpack_from(raw, SA_DATA_OFFSET + 2)
    return (family, raw[SA_DATA_OFFSET:SA_DATA_OFFSET + SA_DATA_SIZE])


def _packet_addr(s, raw: bytes, key: bytes):
    _, proto, ifindex, hatype, pkttype, halen, hw = sockaddr_ll_unpack(raw)
    ifname = ""
    if ifindex:
        ifr = bytearray(IFREQ_SIZE)
        INT.pack_into(ifr, IFR_IFINDEX, ifindex)
        try:
            s._view._call(sys_ioctl, s._fd, SIOCGIFNAME, ifr)      # the hot path: no copies
        except OSError:
            pass
        else:
            end = ifr.find(0, IFR_NAME, IFR_NAME + IFNAMSIZ)
            ifname = ifr[IFR_NAME:end if end >= 0 else IFR_NAME + IFNAMSIZ].decode(
                "utf-8", "surrogateescape")
    address = (ifname, proto, pkttype, hatype, hw[:halen])
    if ifname or not ifindex:
        _fastpath.remember_address(s._view, s._fd, key, address)
    return address
