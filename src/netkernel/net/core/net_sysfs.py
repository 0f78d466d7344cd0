"""/sys/class/net (net/core/net-sysfs.c): each device's attributes and statistics, generated
from the model in Linux's formats.

`sysfs_read(net, path)` answers a read of /sys/<path> in namespace `net` (sysfs shows the
devices of the namespace that mounted it): the text of a file, the sorted entries of a
directory, or a negative errno (ENOENT for what does not exist, the attribute's own error —
EINVAL for `carrier` of a device that is down — as a read would return it).
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/net-sysfs.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("sysfs_read", "sysfs_format_mac")

from netkernel.net.core import dev as netdev
from netkernel.net.ethtool.ioctl import LinkKsettings
from netkernel.uapi import errno as E
from netkernel.uapi.ethtool import DUPLEX_FULL, DUPLEX_HALF
from netkernel.uapi.if_ import (IF_OPER_DOWN, IF_OPER_DORMANT, IF_OPER_LOWERLAYERDOWN,
                                IF_OPER_NOTPRESENT, IF_OPER_TESTING, IF_OPER_UNKNOWN, IF_OPER_UP,
                                IFF_LOOPBACK)

# operstates[] in net-sysfs.c, indexed by IF_OPER_*
OPERSTATES = {IF_OPER_UNKNOWN: "unknown", IF_OPER_NOTPRESENT: "notpresent",
              IF_OPER_DOWN: "down", IF_OPER_LOWERLAYERDOWN: "lowerlayerdown",
              IF_OPER_TESTING: "testing", IF_OPER_DORMANT: "dormant", IF_OPER_UP: "up"}

NET_NAME_UNKNOWN = 0
NET_NAME_USER = 3


def sysfs_format_mac(addr: bytes, length: int) -> str:
    """sysfs_format_mac: lower-case hex bytes joined by ':' ("%*phC"), then a newline."""
    return ":".join(f"{b:02x}" for b in bytes(addr[:length])) + "\n"


def _running_dec(value_of):
    """An attribute readable only while the device runs (else EINVAL), printed "%d"."""
    def show(dev):
        if not netdev.netif_running(dev):
            return -E.EINVAL
        return f"{int(value_of(dev))}\n"
    return show


def operstate_show(dev) -> str:
    """operstate_show: a device that is not running is "down" whatever dev->operstate says."""
    op = dev.operstate if netdev.netif_running(dev) else IF_OPER_DOWN
    return OPERSTATES.get(op, "unknown") + "\n"


def _link_ksettings(dev):
    ops = dev.ethtool_ops
    if not netdev.netif_running(dev) or ops is None or ops.get_link_ksettings is None:
        return None
    ks = LinkKsettings()
    return ks if ops.get_link_ksettings(dev, ks) >= 0 else None


def speed_show(dev):
    """speed_show: the ethtool speed of a running device that has get_link_ksettings (EINVAL
    otherwise), as a signed int (SPEED_UNKNOWN is -1)."""
    ks = _link_ksettings(dev)
    if ks is None:
        return -E.EINVAL
    v = ks.speed & 0xFFFFFFFF
    return f"{v - (1 << 32) if v & 0x80000000 else v}\n"


def duplex_show(dev):
    """duplex_show: "half", "full" or "unknown", under the same conditions as speed_show."""
    ks = _link_ksettings(dev)
    if ks is None:
        return -E.EINVAL
    return {DUPLEX_HALF: "half", DUPLEX_FULL: "full"}.get(ks.duplex, "unknown") + "\n"


def name_assign_type_show(dev):
    """name_assign_type_show: EINVAL for a name of unknown origin (lo in 5.15); the devices made
    here by `ip link add`/link_add are named by user space (NET_NAME_USER)."""
    t = NET_NAME_UNKNOWN if dev.flags & IFF_LOOPBACK or dev.link_ops is None else NET_NAME_USER
    if t == NET_NAME_UNKNOWN:
        return -E.EINVAL
    return f"{t}\n"


# net_class_attrs: name → show(dev) returning the text or a negative errno
NET_CLASS_ATTRS = {
    "netdev_group": lambda dev: "0\n",
    "type": lambda dev: f"{dev.type}\n",
    "dev_id": lambda dev: "0x0\n",
    "dev_port": lambda dev: "0\n",
    "iflink": lambda dev: f"{netdev.dev_get_iflink(dev)}\n",
    "ifindex": lambda dev: f"{dev.ifindex}\n",
    "name_assign_type": name_assign_type_show,
    "addr_len": lambda dev: f"{dev.addr_len}\n",
    "link_mode": lambda dev: f"{dev.link_mode}\n",
    "address": lambda dev: sysfs_format_mac(dev.dev_addr, dev.addr_len),
    "broadcast": lambda dev: sysfs_format_mac(dev.broadcast, dev.addr_len),
    "speed": speed_show,
    "duplex": duplex_show,
    "dormant": _running_dec(lambda dev: dev.dormant),
    "testing": _running_dec(lambda dev: False),
    "operstate": operstate_show,
    "carrier_changes": lambda dev: f"{dev.carrier_up_count + dev.carrier_down_count}\n",
    "ifalias": lambda dev: "",
    "carrier": _running_dec(lambda dev: dev.carrier),
    "mtu": lambda dev: f"{dev.mtu}\n",
    "flags": lambda dev: f"{dev.flags:#x}\n",
    "tx_queue_len": lambda dev: f"{dev.tx_queue_len}\n",
    "gro_flush_timeout": lambda dev: "0\n",
    "napi_defer_hard_irqs": lambda dev: "0\n",
    "proto_down": lambda dev: "0\n",
    "carrier_up_count": lambda dev: f"{dev.carrier_up_count}\n",
    "carrier_down_count": lambda dev: f"{dev.carrier_down_count}\n",
    "threaded": lambda dev: "0\n",
}

# netstat_attrs: struct rtnl_link_stats64 fields under statistics/
NETSTAT_ATTRS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
                 "rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
                 "rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors",
                 "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
                 "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
                 "rx_nohandler")

# the other entries of a device directory (kobject and sysfs groups; queues/ and power/ are
# listed but not modelled further)
_DEV_DIRS = ("power", "queues", "statistics", "subsystem", "uevent")


def dev_get_stats(dev) -> dict:
    """dev_get_stats: the device's counters as struct rtnl_link_stats64 (fields the model does
    not keep are 0)."""
    st = dev.stats
    return {f: getattr(st, f, 0) for f in NETSTAT_ATTRS}


def netstat_show(dev, attr: str) -> str:
    """netstat_show: one counter, "%lu"."""
    return f"{dev_get_stats(dev)[attr]}\n"


def sysfs_read(net, path: str):
    """Read /sys/<path>: "class/net", "class/net/DEV", "class/net/DEV/ATTR",
    "class/net/DEV/statistics[/COUNTER]" (or the absolute "/sys/class/net/..."). Trailing and
    doubled slashes are ignored."""
    parts = [p for p in str(path).split("/") if p]
    if parts[:1] == ["sys"] and str(path).startswith("/"):
        parts = parts[1:]                    # an absolute path: /sys/class/net/...
    if parts[:2] != ["class", "net"]:
        return -E.ENOENT
    parts = parts[2:]
    if not parts:
        return sorted(dev.name for dev in net.dev_by_index.values())
    dev = net.dev_by_name.get(parts[0])
    if dev is None:
        return -E.ENOENT
    rest = parts[1:]
    if not rest:
        return sorted(list(NET_CLASS_ATTRS) + list(_DEV_DIRS))
    if rest[0] == "statistics":
        if len(rest) == 1:
            return sorted(NETSTAT_ATTRS)
        if len(rest) == 2 and rest[1] in NETSTAT_ATTRS:
            return netstat_show(dev, rest[1])
        return -E.ENOENT
    if len(rest) == 1 and rest[0] in NET_CLASS_ATTRS:
        return NET_CLASS_ATTRS[rest[0]](dev)
    return -E.ENOENT
