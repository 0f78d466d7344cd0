"""Interface ioctls (0x8910–0x89ff) from a real process, on any descriptor: glibc's
if_nametoindex asks SIOCGIFINDEX on an AF_UNIX socket, CPython's AF_PACKET bind asks it on the
packet socket, libpcap asks SIOCGIFHWADDR on its own.

`device_ioctl` is the one entry. The model's dev_ioctl (`k.ioctl`, net/core/dev_ioctl.py) serves
them once it exists; until then a minimal subset is answered here from `k.links()`, in Linux's
order (copy the ifreq in, find the device, copy it back) and with its errnos.
"""
from __future__ import annotations

import ctypes
import struct
import weakref

from netkernel.include.linux.uaccess import kthread_unuse_mm, kthread_use_mm
from netkernel.platform import inproc
from netkernel.uapi import errno as E
from netkernel.uapi.if_ import IFNAMSIZ

SIOCGIFNAME = 0x8910
SIOCGIFCONF = 0x8912
SIOCGIFFLAGS = 0x8913
SIOCGIFADDR = 0x8915
SIOCGIFDSTADDR = 0x8917
SIOCGIFBRDADDR = 0x8919
SIOCGIFNETMASK = 0x891B
SIOCGIFMTU = 0x8921
SIOCGIFHWADDR = 0x8927
SIOCGIFINDEX = 0x8933
SIOCGIFTXQLEN = 0x8942
SIOCETHTOOL = 0x8946
SIOC_FIRST, SIOC_LAST = 0x8910, 0x89FF


class ifreq(ctypes.Structure):
    """struct ifreq (include/uapi/linux/if.h): the name, then a 24-byte union."""
    _fields_ = [("ifr_name", ctypes.c_char * IFNAMSIZ), ("ifr_ifru", ctypes.c_ubyte * 24)]


class ifconf(ctypes.Structure):
    _fields_ = [("ifc_len", ctypes.c_int), ("_pad", ctypes.c_int), ("ifc_buf", ctypes.c_uint64)]


IFREQ_SIZE = ctypes.sizeof(ifreq)
IFR_NAME = ifreq.ifr_name.offset
IFR_UNION = ifreq.ifr_ifru.offset      # ifr_ifindex, ifr_flags, ifr_mtu, ifr_hwaddr, ...
SHORT, INT = struct.Struct("=h"), struct.Struct("=i")
_IOCTL_SOCKETS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # view → its fd


def device_ioctl(view, mem, request: int, arg: int, nkfd: int | None = None) -> int:
    """An interface ioctl from the process whose memory is `mem`, on the model socket `nkfd`
    (None: a descriptor the model does not serve, e.g. glibc's AF_UNIX socket): 0 or a negative
    errno. The model's sock_ioctl → dev_ioctl answers what it knows; requests it does not model
    yet (ENOTTY) fall back to the minimal answers below (TODO(#10 views): drop the fallback once
    dev_ioctl has SIOCGIFFLAGS/MTU/HWADDR/TXQLEN/CONF/ETHTOOL)."""
    if request == SIOCGIFCONF:
        return _minimal_dev_ioctl(view, mem, request, arg)
    try:
        ifr = mem.read(arg, IFREQ_SIZE)
    except OSError:
        return -E.EFAULT
    fd = nkfd if nkfd is not None else _ioctl_socket(view)
    kthread_use_mm(mem)          # pointers inside the request (ifr_data) are the caller's
    try:
        out = view.ioctl(fd, request, ifr)
    except OSError as e:
        if e.errno != E.ENOTTY:
            return -(e.errno or E.EIO)
        return _minimal_dev_ioctl(view, mem, request, arg)
    finally:
        kthread_unuse_mm()
    if out != ifr:
        mem.write(arg, out)
    return 0


def _ioctl_socket(view) -> int:
    """A packet socket of the supervisor's own for ioctls on descriptors the model does not serve
    (as glibc opens one for if_nametoindex); protocol 0, so it never receives anything."""
    fd = _IOCTL_SOCKETS.get(view)
    if fd is None:
        with inproc.untraced():
            fd = _IOCTL_SOCKETS[view] = view.sys_socket(17, 3, 0)      # AF_PACKET, SOCK_RAW
    return fd


def _minimal_dev_ioctl(view, mem, request: int, arg: int) -> int:
    if request == SIOCGIFCONF:
        # no IPv4 addresses in the model: an empty list (ifc_len = 0)
        try:
            mem.read(arg, ctypes.sizeof(ifconf))
            mem.write(arg + ifconf.ifc_len.offset, INT.pack(0))
        except OSError:
            return -E.EFAULT
        return 0
    try:
        ifr = bytearray(mem.read(arg, IFREQ_SIZE))
    except OSError:
        return -E.EFAULT
    with inproc.untraced():                # bookkeeping, not a kernel path of Linux's
        links = view.links()
    if request == SIOCGIFNAME:
        index = INT.unpack_from(ifr, IFR_UNION)[0]
        link = next((li for li in links if li["ifindex"] == index), None)
        if link is None:
            return -E.ENODEV
        ifr[IFR_NAME:IFR_NAME + IFNAMSIZ] = link["name"].encode().ljust(IFNAMSIZ, b"\0")
        mem.write(arg, ifr)
        return 0
    ifr[IFR_NAME + IFNAMSIZ - 1] = 0
    name = bytes(ifr[IFR_NAME:IFR_NAME + IFNAMSIZ]).split(b"\0", 1)[0].decode("utf-8", "replace")
    link = next((li for li in links if li["name"] == name), None)
    if link is None:
        return -E.ENODEV
    u = IFR_UNION
    if request == SIOCGIFINDEX:
        INT.pack_into(ifr, u, link["ifindex"])
    elif request == SIOCGIFFLAGS:
        SHORT.pack_into(ifr, u, link["flags"] & 0xFFFF if link["flags"] & 0x8000 == 0
                        else (link["flags"] & 0xFFFF) - 0x10000)
    elif request == SIOCGIFMTU:
        INT.pack_into(ifr, u, link["mtu"])
    elif request == SIOCGIFHWADDR:
        hw = bytes.fromhex(link["address"].replace(":", ""))
        struct.pack_into("=H14s", ifr, u, link["type"], hw)
    elif request in (SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK):
        return -E.EADDRNOTAVAIL       # no IPv4 address on any model device yet
    elif request == SIOCETHTOOL:
        return -E.EOPNOTSUPP
    else:
        return -E.ENOTTY              # the rest waits for the model's dev_ioctl
    mem.write(arg, ifr)
    return 0
