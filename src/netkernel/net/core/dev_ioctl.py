"""Interface ioctls (net/core/dev_ioctl.c): SIOCGIF*/SIOCSIF* on a struct ifreq, SIOCGIFCONF,
SIOCETHTOOL.

`ifr` is the kernel's copy of the caller's struct ifreq (a 40-byte bytearray, read and written
at the named offsets of uapi/if_.py); sock_do_ioctl copies it back when `dev_ioctl` says so.
The setters go through the same net/core functions as rtnetlink (dev_change_flags, dev_set_mtu,
dev_set_mac_address, dev_change_tx_queue_len), so both paths validate alike.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/dev_ioctl.c"

from netkernel.kernel.sched import capable, ns_capable
from netkernel.kernel.uaccess import get_user_arg, put_user_arg
from netkernel.net.core import dev as netdev
from netkernel.net.core.rtnetlink import rtnl_lock, rtnl_unlock
from netkernel.net.ethtool.ioctl import dev_ethtool
from netkernel.net.ipv4.devinet import inet_gifconf
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.if_ import (IFCONF, IFCONF_SIZE, IFC_LEN, IFMAP, IFNAMSIZ, IFR_FAMILY,
                                IFR_FLAGS, IFR_HWADDR_DATA, IFR_HWADDR_FAMILY, IFR_INT, IFR_IVALUE,
                                IFR_MAP, IFR_NAME, IFR_SHORT, IFREQ_SIZE, SOCKADDR_DATA_SIZE,
                                ifr_name)
from netkernel.uapi.sockios import (SIOCADDMULTI, SIOCBONDCHANGEACTIVE, SIOCBONDENSLAVE,
                                    SIOCBONDINFOQUERY, SIOCBONDRELEASE, SIOCBONDSETHWADDR,
                                    SIOCBONDSLAVEINFOQUERY, SIOCDELMULTI, SIOCDEVPRIVATE,
                                    SIOCETHTOOL, SIOCGHWTSTAMP, SIOCGIFFLAGS, SIOCGIFHWADDR,
                                    SIOCGIFINDEX, SIOCGIFMAP, SIOCGIFMEM, SIOCGIFMETRIC,
                                    SIOCGIFMTU, SIOCGIFNAME, SIOCGIFSLAVE, SIOCGIFTXQLEN,
                                    SIOCGMIIPHY, SIOCGMIIREG, SIOCSHWTSTAMP, SIOCSIFFLAGS,
                                    SIOCSIFHWADDR, SIOCSIFHWBROADCAST, SIOCSIFLINK, SIOCSIFMAP,
                                    SIOCSIFMEM, SIOCSIFMETRIC, SIOCSIFMTU, SIOCSIFNAME,
                                    SIOCSIFSLAVE, SIOCSIFTXQLEN, SIOCSMIIREG, SIOCWANDEV)

SOCKADDR_SIZE = 16      # sizeof(struct sockaddr): the largest address SIOCSIFHWADDR can carry


def _put_int(ifr: bytearray, off: int, fmt, value: int) -> None:
    fmt.pack_into(ifr, off, value)


def dev_ifname(net, ifr: bytearray) -> int:
    """dev_ifname (SIOCGIFNAME): the name of the device with index ifr_ifindex (ENODEV); the
    name and its NUL are written over ifr_name, the bytes after them stay as they were."""
    ifr[IFNAMSIZ - 1] = 0
    name = netdev.netdev_get_name(net, IFR_INT.unpack_from(ifr, IFR_IVALUE)[0])
    if type(name) is int:
        return name
    raw = name.encode("utf-8", "surrogateescape") + b"\0"
    ifr[IFR_NAME:IFR_NAME + len(raw)] = raw
    return 0


def dev_get_mac_address(ifr: bytearray, net, name: str) -> int:
    """dev_get_mac_address (net/core/dev.c, SIOCGIFHWADDR): sa_family is the device type; the
    address fills sa_data up to addr_len (a device without address zeroes all of sa_data)."""
    dev = netdev.dev_get_by_name(net, name)
    if dev is None:
        return -E.ENODEV
    if not dev.addr_len:
        ifr[IFR_HWADDR_DATA:IFR_HWADDR_DATA + SOCKADDR_DATA_SIZE] = bytes(SOCKADDR_DATA_SIZE)
    else:
        a = bytes(dev.dev_addr[:min(SOCKADDR_DATA_SIZE, dev.addr_len)])
        ifr[IFR_HWADDR_DATA:IFR_HWADDR_DATA + len(a)] = a
    IFR_FAMILY.pack_into(ifr, IFR_HWADDR_FAMILY, dev.type)
    return 0


def dev_ifsioc_locked(net, ifr: bytearray, cmd: int) -> int:
    """dev_ifsioc_locked: the getters anyone may call. SIOCGIFFLAGS is a short: IFF_LOWER_UP and
    the higher flags do not fit and never show; the metric is always 0; SIOCGIFSLAVE EINVAL."""
    dev = netdev.dev_get_by_name(net, ifr_name(ifr))
    if dev is None:
        return -E.ENODEV
    if cmd == SIOCGIFFLAGS:
        flags = netdev.dev_get_flags(dev) & 0xFFFF
        _put_int(ifr, IFR_FLAGS, IFR_SHORT, flags - 0x10000 if flags & 0x8000 else flags)
    elif cmd == SIOCGIFMETRIC:
        _put_int(ifr, IFR_IVALUE, IFR_INT, 0)
    elif cmd == SIOCGIFMTU:
        _put_int(ifr, IFR_IVALUE, IFR_INT, dev.mtu)
    elif cmd == SIOCGIFSLAVE:
        return -E.EINVAL
    elif cmd == SIOCGIFMAP:
        IFMAP.pack_into(ifr, IFR_MAP, dev.mem_start, dev.mem_end, dev.base_addr & 0xFFFF,
                        dev.irq & 0xFF, dev.dma & 0xFF, dev.if_port & 0xFF)
    elif cmd == SIOCGIFINDEX:
        _put_int(ifr, IFR_IVALUE, IFR_INT, dev.ifindex)
    elif cmd == SIOCGIFTXQLEN:
        v = dev.tx_queue_len & 0xFFFFFFFF
        _put_int(ifr, IFR_IVALUE, IFR_INT, v - (1 << 32) if v & 0x80000000 else v)
    else:
        return -E.ENOTTY
    return 0


def dev_set_hwaddr(dev, ifr: bytearray) -> int:
    """dev_set_mac_address_user (SIOCSIFHWADDR): the sockaddr's family must be the device type
    (EINVAL); then the same validation as a netlink address change (dev_set_mac_address)."""
    if dev.addr_len > SOCKADDR_SIZE:
        return -E.EINVAL
    family = IFR_FAMILY.unpack_from(ifr, IFR_HWADDR_FAMILY)[0]
    addr = bytes(ifr[IFR_HWADDR_DATA:IFR_HWADDR_DATA + SOCKADDR_DATA_SIZE])
    if family != dev.type:
        return -E.EINVAL
    return netdev.dev_set_mac_address(dev, addr[:dev.addr_len])


def dev_ifsioc(net, ifr: bytearray, data: int, cmd: int) -> int:
    """dev_ifsioc: the device by name (ENODEV), then the setter. SIOCSIFMETRIC is EOPNOTSUPP;
    a negative txqlen EINVAL; unknown commands EINVAL."""
    dev = netdev.dev_get_by_name(net, ifr_name(ifr))
    if dev is None:
        return -E.ENODEV
    if cmd == SIOCSIFFLAGS:
        return netdev.dev_change_flags(dev, IFR_SHORT.unpack_from(ifr, IFR_FLAGS)[0])
    if cmd == SIOCSIFMETRIC:
        return -E.EOPNOTSUPP
    if cmd == SIOCSIFMTU:
        return netdev.dev_set_mtu(dev, IFR_INT.unpack_from(ifr, IFR_IVALUE)[0])
    if cmd == SIOCSIFHWADDR:
        return dev_set_hwaddr(dev, ifr)
    if cmd == SIOCSIFTXQLEN:
        qlen = IFR_INT.unpack_from(ifr, IFR_IVALUE)[0]
        if qlen < 0:
            return -E.EINVAL
        return netdev.dev_change_tx_queue_len(dev, qlen)
    if cmd == SIOCSIFMAP:
        return -E.EOPNOTSUPP        # no driver here has ndo_set_config
    if cmd in (SIOCSIFHWBROADCAST, SIOCADDMULTI, SIOCDELMULTI, SIOCSIFNAME, SIOCGMIIPHY,
               SIOCGMIIREG, SIOCSMIIREG, SIOCSHWTSTAMP, SIOCGHWTSTAMP, SIOCWANDEV,
               SIOCBONDENSLAVE, SIOCBONDRELEASE, SIOCBONDSETHWADDR, SIOCBONDSLAVEINFOQUERY,
               SIOCBONDINFOQUERY, SIOCBONDCHANGEACTIVE) or \
            SIOCDEVPRIVATE <= cmd <= SIOCDEVPRIVATE + 15:
        # DIVERGENCE(#10): renaming, broadcast and multicast lists by ioctl, MII registers and
        # hardware timestamping are not modelled (no driver here has the ops but ftgmac100's MII)
        return -E.EOPNOTSUPP
    return -E.EINVAL


def dev_ioctl(net, cmd: int, ifr: bytearray, data: int):
    """dev_ioctl: returns (ret, need_copyout). SIOCGIFNAME first; for the rest the name is cut at
    IFNAMSIZ-1 and at a ':' (an alias label names its device; the ':' is put back for the
    copy-out). Getters are open to all; setters need CAP_NET_ADMIN (EPERM before the device is
    looked up) and copy nothing back; SIOCGIFMEM/SIOCSIFMEM/SIOCSIFLINK and unknown requests are
    ENOTTY."""
    if cmd == SIOCGIFNAME:
        return dev_ifname(net, ifr), True
    ifr[IFNAMSIZ - 1] = 0
    colon = ifr.find(b":", IFR_NAME, IFR_NAME + IFNAMSIZ)
    nul = ifr.find(b"\0", IFR_NAME, IFR_NAME + IFNAMSIZ)
    if colon >= 0 and colon < nul:
        ifr[colon] = 0
    else:
        colon = -1
    try:
        if cmd == SIOCGIFHWADDR:
            return dev_get_mac_address(ifr, net, ifr_name(ifr)), True
        if cmd in (SIOCGIFFLAGS, SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFSLAVE, SIOCGIFMAP,
                   SIOCGIFINDEX, SIOCGIFTXQLEN):
            return dev_ifsioc_locked(net, ifr, cmd), True
        if cmd == SIOCETHTOOL:
            return dev_ethtool(net, ifr_name(ifr), data), True
        if cmd in (SIOCGMIIPHY, SIOCGMIIREG, SIOCSIFNAME):
            if not ns_capable(CAP_NET_ADMIN):
                return -E.EPERM, True
            return dev_ifsioc(net, ifr, data, cmd), True
        if cmd in (SIOCSIFMAP, SIOCSIFTXQLEN) and not capable(CAP_NET_ADMIN):
            return -E.EPERM, True
        if cmd in (SIOCSIFMAP, SIOCSIFTXQLEN, SIOCSIFFLAGS, SIOCSIFMETRIC, SIOCSIFMTU,
                   SIOCSIFHWADDR, SIOCSIFSLAVE, SIOCADDMULTI, SIOCDELMULTI, SIOCSIFHWBROADCAST,
                   SIOCSMIIREG, SIOCBONDENSLAVE, SIOCBONDRELEASE, SIOCBONDSETHWADDR,
                   SIOCBONDCHANGEACTIVE, SIOCSHWTSTAMP):
            if not ns_capable(CAP_NET_ADMIN):
                return -E.EPERM, True
            rtnl_lock(net.core)
            try:
                return dev_ifsioc(net, ifr, data, cmd), False
            finally:
                rtnl_unlock(net.core)
        if cmd in (SIOCBONDSLAVEINFOQUERY, SIOCBONDINFOQUERY):
            return dev_ifsioc(net, ifr, data, cmd), False
        if cmd in (SIOCGIFMEM, SIOCSIFMEM, SIOCSIFLINK):
            return -E.ENOTTY, True
        if cmd in (SIOCWANDEV, SIOCGHWTSTAMP) or SIOCDEVPRIVATE <= cmd <= SIOCDEVPRIVATE + 15:
            return dev_ifsioc(net, ifr, data, cmd), True
        return -E.ENOTTY, True
    finally:
        if colon >= 0:
            ifr[colon] = ord(":")


def dev_ifconf(net, uifc) -> int:
    """dev_ifconf (SIOCGIFCONF): read struct ifconf (EFAULT), let each device write one ifreq per
    IPv4 address into ifc_buf (inet_gifconf; or only count them when ifc_buf is NULL), write
    back ifc_len."""
    raw = get_user_arg(uifc, IFCONF_SIZE)
    if isinstance(raw, int):
        return raw
    length, buf = IFCONF.unpack(raw)
    total = 0
    for dev in list(net.dev_by_index.values()):
        done = inet_gifconf(dev, buf + total if buf else 0, length - total, IFREQ_SIZE)
        if done < 0:
            return -E.EFAULT
        total += done
    return put_user_arg(uifc, IFR_INT.pack(total), IFC_LEN)

