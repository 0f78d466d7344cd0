"""/proc/net (net/core/net-procfs.c): dev and dev_mcast here; other files are registered by their
owners (af_packet registers "packet") through proc_create_net, as in Linux.

`procfs_read(net, path)` answers a read of /proc/<path> in namespace `net` (a reader sees its own
namespace's /proc/net): the text, or -ENOENT.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/net-procfs.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("procfs_read",)

from netkernel.net.core.net_sysfs import dev_get_stats
from netkernel.uapi import errno as E

# /proc/net/<name> → show(net) -> str, filled by proc_create_net
PROC_NET: dict = {}


def proc_create_net(name: str, show) -> None:
    """proc_create_net: make /proc/net/<name> show `show(net)` in every namespace."""
    PROC_NET[name] = show


def dev_seq_printf_stats(dev) -> str:
    """dev_seq_printf_stats: one line of /proc/net/dev, Linux's column widths; "drop" adds the
    missed errors, "frame" the length/over/CRC/frame errors, "carrier" the four carrier-class
    transmit errors."""
    s = dev_get_stats(dev)
    return ("%6s: %7d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d\n" % (
        dev.name, s["rx_bytes"], s["rx_packets"], s["rx_errors"],
        s["rx_dropped"] + s["rx_missed_errors"], s["rx_fifo_errors"],
        s["rx_length_errors"] + s["rx_over_errors"] + s["rx_crc_errors"] + s["rx_frame_errors"],
        s["rx_compressed"], s["multicast"], s["tx_bytes"], s["tx_packets"], s["tx_errors"],
        s["tx_dropped"], s["tx_fifo_errors"], s["collisions"],
        s["tx_carrier_errors"] + s["tx_aborted_errors"] + s["tx_window_errors"]
        + s["tx_heartbeat_errors"], s["tx_compressed"]))


def dev_seq_show(net) -> str:
    """dev_seq_show: the two header lines, then every device of the namespace in list order
    (registration order; a device moved in from another namespace goes last)."""
    out = ["Inter-|   Receive                                                |  Transmit\n",
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
           "errs drop fifo colls carrier compressed\n"]
    out += [dev_seq_printf_stats(dev) for dev in list(net.dev_by_index.values())]
    return "".join(out)


def dev_mc_seq_show(net) -> str:
    """dev_mc_seq_show (/proc/net/dev_mcast): one line per multicast address of each device:
    ifindex, name, users, global users, the address in hex. DIVERGENCE(#10): addresses
    joined through the IPv4/IPv6 stacks (01:00:5e:00:00:01, 33:33:...) are not modelled, and
    none is global (SIOCADDMULTI is not modelled)."""
    out = []
    for dev in list(net.dev_by_index.values()):
        for addr, refcount in list(dev.mc.items()):
            out.append("%-4d %-15s %-5d %-5d %s\n" % (dev.ifindex, dev.name, refcount, 0,
                                                      bytes(addr[:dev.addr_len]).hex()))
    return "".join(out)


proc_create_net("dev", dev_seq_show)
proc_create_net("dev_mcast", dev_mc_seq_show)


def procfs_read(net, path: str):
    """Read /proc/<path>: "net/<name>" (also "self/net/<name>", "thread-self/net/<name>", or the
    absolute "/proc/net/<name>")."""
    parts = [p for p in str(path).split("/") if p]
    if parts[:1] == ["proc"] and str(path).startswith("/"):
        parts = parts[1:]                    # an absolute path: /proc/net/...
    if parts[:1] in (["self"], ["thread-self"]):
        parts = parts[1:]
    if len(parts) != 2 or parts[0] != "net" or parts[1] not in PROC_NET:
        return -E.ENOENT
    return PROC_NET[parts[1]](net)
