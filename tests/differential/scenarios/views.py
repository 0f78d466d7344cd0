"""The kernel's text views of interfaces: /sys/class/net (net-sysfs.c) and /proc/net/{dev,packet}
(net-procfs.c, af_packet.c), read in the scenario's namespace, after link changes and traffic.
Random values are avoided (MACs are set); only /proc/net/packet's kernel pointer and inode
columns are masked."""
import re
import struct

from ._common import *  # noqa: F401,F403

ATTRS = ("ifindex", "iflink", "address", "broadcast", "addr_len", "mtu", "flags", "operstate",
         "carrier", "type", "tx_queue_len", "dormant", "testing", "speed", "duplex", "link_mode",
         "dev_id", "dev_port", "netdev_group", "proto_down", "ifalias", "carrier_changes",
         "carrier_up_count", "carrier_down_count", "gro_flush_timeout", "napi_defer_hard_irqs")


def _enc(v):
    if isinstance(v, OSError):
        return ["err", errname(v)]
    return v


def sysfs_attrs(b, dev, attrs=ATTRS):
    paths = [f"class/net/{dev}/{a}" for a in attrs]
    got = b.read_sysfs_many(paths)
    return {a: _enc(got[p]) for a, p in zip(attrs, paths)}


def scenario_sysfs_class_net(b):
    """/sys/class/net lists the namespace's devices; a device's statistics/ directory lists the
    24 counters of struct rtnl_link_stats64 that sysfs shows."""
    _ = setup_veth(b, up=False)
    return {"class_net": b.read_sysfs("class/net"),
            "statistics": b.read_sysfs("class/net/veth0/statistics")}


def scenario_sysfs_veth_down(b):
    """A veth pair just created: down, so operstate "down" and carrier/dormant/testing/speed/duplex
    EINVAL; iflink is the peer's index; one carrier-down event counted."""
    setup_veth(b, up=False)
    return {"veth0": sysfs_attrs(b, "veth0"), "veth1": sysfs_attrs(b, "veth1")}


def scenario_sysfs_veth_one_up(b):
    """One end up, its peer down: operstate "lowerlayerdown" (stacked on a peer without carrier),
    carrier 0, flags with IFF_UP, speed 10000 and duplex full (ethtool answers while running)."""
    setup_veth(b, up=False)
    b.link_set("veth0", up=True)
    b.settle()
    return {"veth0": sysfs_attrs(b, "veth0"), "veth1": sysfs_attrs(b, "veth1")}


def scenario_sysfs_veth_up(b):
    """Both ends up: operstate "up", carrier 1, carrier counted up once."""
    setup_veth(b)
    return {"veth0": sysfs_attrs(b, "veth0"), "veth1": sysfs_attrs(b, "veth1")}


def scenario_sysfs_veth_peer_bounce(b):
    """The peer goes down and up again: each end counts the carrier changes."""
    setup_veth(b)
    b.link_set("veth1", up=False)
    b.settle()
    mid = {"veth0": sysfs_attrs(b, "veth0", ("operstate", "carrier", "carrier_changes")),
           "veth1": sysfs_attrs(b, "veth1", ("operstate", "carrier", "carrier_changes"))}
    b.link_set("veth1", up=True)
    b.settle()
    attrs = ("operstate", "carrier", "carrier_changes")
    counts = attrs + ("carrier_up_count", "carrier_down_count")
    return {"mid": mid, "after": {"veth0": sysfs_attrs(b, "veth0", counts),
                                  "veth1": sysfs_attrs(b, "veth1", attrs)}}


def scenario_sysfs_lo(b):
    """lo never reports carrier changes: operstate "unknown" while up, "down" when down; flags
    0x9; type 772; an all-zero address; no link settings (speed EINVAL)."""
    up = sysfs_attrs(b, "lo")
    b.link_set("lo", up=False)
    down = sysfs_attrs(b, "lo", ("operstate", "carrier", "flags", "dormant"))
    b.link_set("lo", up=True)
    return {"up": up, "down": down}


def scenario_sysfs_changes(b):
    """MTU, address, queue length and PROMISC (dev->flags shows the promiscuity count, unlike
    SIOCGIFFLAGS) as sysfs shows them after changes."""
    setup_veth(b, up=False)
    b.link_set("veth0", mtu=1400, address=MAC_C)
    s = psock(b, SOCK_RAW, 0)
    m = struct.pack("<iHH8s", b.if_nametoindex("veth0"), 1, 0, b"")   # PACKET_MR_PROMISC
    b.sys_setsockopt(s, SOL_PACKET, 1, m)
    return sysfs_attrs(b, "veth0", ("mtu", "address", "flags", "tx_queue_len"))


def scenario_sysfs_missing(b):
    """Reads of what does not exist are ENOENT: an unknown device, an unknown attribute, an
    unknown counter."""
    setup_veth(b, up=False)
    got = b.read_sysfs_many(["class/net/nosuch", "class/net/nosuch/mtu", "class/net/veth0/nosuch",
                             "class/net/veth0/statistics/nosuch"])
    return {k: _enc(v) if isinstance(v, OSError) else "exists" for k, v in got.items()}


def _traffic(b, n=3, size=100):
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    for i in range(n):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=size + i), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, size=64), ifx(b, "veth1"), ETH_P_EX)
    tx.close()


STATS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
         "rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
         "rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors",
         "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
         "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
         "rx_nohandler")


def _stats(b, dev):
    return sysfs_attrs(b, dev, tuple(f"statistics/{a}" for a in STATS))


def _probe_free_counts(b, dev):
    """setup_veth's probes passed through: report counters relative to a baseline."""
    return {k: int(v) for k, v in _stats(b, dev).items()}


def scenario_sysfs_statistics_after_traffic(b):
    """statistics/* after frames both ways (relative to the probes setup_veth sent)."""
    setup_veth(b)
    base = {d: _probe_free_counts(b, d) for d in ("veth0", "veth1")}
    _traffic(b)
    after = {d: _probe_free_counts(b, d) for d in ("veth0", "veth1")}
    return {d: {k: after[d][k] - base[d][k] for k in after[d]} for d in after}


def scenario_sysfs_statistics_drops(b):
    """A frame larger than the peer's MTU is dropped by the peer: tx_dropped on the sender,
    rx_dropped on the receiver."""
    setup_veth(b)
    b.link_set("veth1", mtu=500)
    base = {d: _probe_free_counts(b, d) for d in ("veth0", "veth1")}
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    # (what send() returns for the dropped frame changed with "veth: Fixing transmit return status
    # for dropped packets" (151e887d8ff9, 6.6, backported to later 5.15.y): not observed here)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=1000), ifx(b, "veth0"), ETH_P_EX)
    out = {}
    after = {d: _probe_free_counts(b, d) for d in ("veth0", "veth1")}
    out["delta"] = {d: {k: after[d][k] - base[d][k] for k in after[d] if after[d][k] != base[d][k]}
                    for d in after}
    return out


def scenario_procfs_net_dev(b):
    """/proc/net/dev: the two header lines and one line per device in list order with Linux's
    column widths (lo first, then the veth peer registered before its partner)."""
    setup_veth(b, up=False)
    b.link_set("veth0", up=True)
    b.link_set("veth1", up=True)
    return b.read_procfs("net/dev").splitlines()[:2] + [
        line.split(":")[0] for line in b.read_procfs("net/dev").splitlines()[2:]]


def scenario_procfs_net_dev_after_traffic(b):
    """/proc/net/dev's lines after traffic, exactly as printed (veth counters start from what the
    path probes left, read from sysfs first so the text can be checked whole)."""
    setup_veth(b)
    _traffic(b, n=5, size=200)
    text = b.read_procfs("net/dev")
    lines = text.splitlines()
    return {"lines": lines, "widths": [len(x) for x in lines]}


def scenario_procfs_net_dev_netns(b):
    """Each namespace's /proc/net/dev lists its own devices; a device moved in goes last."""
    setup_veth(b, up=False)
    nb = b.netns_add("other")
    b.link_set("veth1", netns="other")
    return {"here": [x.split(":")[0].strip() for x in b.read_procfs("net/dev").splitlines()[2:]],
            "other": [x.split(":")[0].strip() for x in nb.read_procfs("net/dev").splitlines()[2:]],
            "other_sysfs": nb.read_sysfs("class/net"),
            "other_iflink": nb.read_sysfs("class/net/veth1/iflink"),
            "moved_operstate": nb.read_sysfs("class/net/veth1/operstate")}


def _packet_lines(b):
    """/proc/net/packet with the kernel pointer and the inode masked (they cannot match)."""
    lines = b.read_procfs("net/packet").splitlines()
    return [lines[0]] + [re.sub(r"\S+\s*$", "<ino>", re.sub(r"^\S+", "<sk>", line))
                         for line in lines[1:]]


def scenario_procfs_net_packet(b):
    """/proc/net/packet: one line per packet socket of the namespace, oldest first: refcount (3
    while hooked), type, protocol, bound index, running, receive memory, uid."""
    setup_veth(b)
    a = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    d = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    r = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    sp = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"idle": _packet_lines(b)}
    # 1000 bytes: a head from the same kmalloc bucket in 5.15 and 6.x (the same truesize)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=1000), ifx(b, "veth0"), ETH_P_EX)
    out["queued"] = _packet_lines(b)
    b.link_set("veth1", up=False)
    out["device_down"] = _packet_lines(b)
    for s in (a, d, r, sp, tx):
        s.close()
    out["closed"] = _packet_lines(b)
    return out


def scenario_procfs_missing(b):
    """An unknown /proc/net file is ENOENT."""
    return attempt(b.read_procfs, "net/nosuch")
