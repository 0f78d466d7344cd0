"""Devices whose cable leaves the machine: kind "tap" (the other end is a real TAP device in a real
network namespace) and kind "qemu" (the other end is a QEMU `-netdev stream|dgram` socket).

In Linux, drivers/net/tun.c is the device whose frames go to a file descriptor; here the
netkernel device plays the NIC and the fd (a real TAP, or a socket) is its cable. The driver is
thin: ndo_start_xmit hands the frame to the cable's backend (backends/). The backend's reader
thread only posts what it reads to the device's Port; the machine then runs `tun_net_rx` in its
own context (under its lock, in arrival order — DESIGN.md "Execution model"), which builds
sk_buffs, queues them with netif_rx and runs the receive softirq, as a NAPI-less NIC interrupt
would. Carrier follows the backend's link state (a stream socket has none until its peer is
there); `tun_link` and `tun_tx_ready` run the same way.
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/tun.c"
# not kernel functions (see netkernel.trace): the cable to a backend and the link kinds' glue
MODEL_HELPERS = ("tun_link", "tun_net_rx", "tun_tx_ready", "tun_attach_newlink", "tap_newlink",
                 "qemu_newlink", "tun_dellink")

from netkernel.backends.port import Port
from netkernel.backends.qemu_socket import netdev_backend
from netkernel.backends.tap import TapBackend
from netkernel.include.linux.netdevice import netif_stop_queue, netif_wake_queue
from netkernel.kernel.softirq import do_softirq
from netkernel.net.core.dev import (NETDEV_TX_OK, NETREG_REGISTERED, NetDevice, NetDeviceOps,
                                    dev_get_valid_name, netif_rx, register_netdevice,
                                    unregister_netdevice)
from netkernel.net.core.rtnetlink import RtnlLinkOps
from netkernel.net.core.skbuff import SkBuff, alloc_skb, consume_skb, skb_reserve
from netkernel.include.linux.skbuff import skb_tx_timestamp
from netkernel.net.ethernet.eth import eth_type_trans, ether_setup
from netkernel.net.ethtool.ioctl import EthtoolOps, ethtool_op_get_link
from netkernel.uapi.ethtool import AUTONEG_DISABLE, DUPLEX_FULL, PORT_TP, SPEED_10
from netkernel.net.sched.sch_generic import netif_carrier_off, netif_carrier_on, pfifo_fast
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.if_ether import ETH_HLEN

NET_SKB_PAD = 64        # headroom netdev_alloc_skb reserves (x86_64: max(32, L1_CACHE_BYTES))
TUN_MAX_MTU = 65535
NAPI_POLL_WEIGHT = 64   # frames queued before the softirq runs, so a burst never overflows the backlog


class TunPriv:
    """The device's cable end (`port`)."""
    __slots__ = ("port",)

    def __init__(self, port: Port):
        self.port = port


def tun_net_xmit(skb: SkBuff, dev: NetDevice) -> int:
    """tun_net_xmit: give the frame to the cable; when the backend says it is filling up, stop the
    queue until it calls tx_ready (netif_stop_queue / netif_wake_queue)."""
    skb_tx_timestamp(skb)
    data = skb.buf[skb.data:skb.tail]
    n = len(data)
    if not dev.priv.port.send(data):
        netif_stop_queue(dev)
    st = dev.stats
    st.tx_packets += 1
    st.tx_bytes += n
    consume_skb(skb)
    return NETDEV_TX_OK


def tun_net_rx(dev: NetDevice, frames) -> None:
    """Receive from the cable (an event of the device's machine, under its lock): one sk_buff
    per frame, netif_rx, then the softirq. A device that is down or gone drops them
    (rx_dropped). A frame shorter than an Ethernet header never reaches eth_type_trans (whose
    pull would make skb->len wrap): it is dropped and counted in rx_length_errors only, as the
    NIC a QEMU -netdev feeds does it (v5.15 drivers/net/virtio_net.c receive_buf: "short
    packet"); nothing of it, or of an earlier frame, is delivered."""
    core = dev.nd_net.core
    st = dev.stats
    if not dev.flags & IFF_UP or dev.reg_state != NETREG_REGISTERED:
        st.rx_dropped += len(frames)
        return
    profile = core.profile
    for frame in frames:
        n = len(frame)
        if n < ETH_HLEN:
            st.rx_length_errors += 1
            continue
        skb = alloc_skb(profile, NET_SKB_PAD + n)
        skb_reserve(skb, NET_SKB_PAD)
        skb.buf[NET_SKB_PAD:NET_SKB_PAD + n] = frame
        skb.tail += n
        skb.protocol = eth_type_trans(skb, dev)
        st.rx_packets += 1
        st.rx_bytes += n
        netif_rx(skb)
        if len(core.backlog) >= NAPI_POLL_WEIGHT and not core.in_softirq:
            do_softirq(core)        # a long batch is taken a NAPI budget at a time
    if core.softirq_pending and not core.in_softirq:
        do_softirq(core)


def tun_link(dev: NetDevice, up: bool) -> None:
    """The backend's link changed: carrier on or off (linkwatch runs at once)."""
    if dev.reg_state != NETREG_REGISTERED:
        return
    if up:
        netif_carrier_on(dev)
    else:
        netif_carrier_off(dev)


def tun_tx_ready(dev: NetDevice) -> None:
    """netif_wake_queue: the backend can take frames again; drain the qdisc."""
    core = dev.nd_net.core
    if dev.reg_state != NETREG_REGISTERED:
        return
    netif_wake_queue(dev)
    if core.softirq_pending and not core.in_softirq:
        do_softirq(core)


TUN_OPS = NetDeviceOps(ndo_start_xmit=tun_net_xmit)


def tun_get_drvinfo(dev: NetDevice, info) -> None:
    """tun_get_drvinfo: driver "tun", version "1.6", bus "tap" (these devices are TAPs)."""
    info.driver = b"tun"
    info.version = b"1.6"
    info.bus_info = b"tap"


def tun_get_link_ksettings(dev: NetDevice, ks) -> int:
    """tun_default_link_ksettings as 5.15 has it: 10 Mb/s full duplex, twisted pair, no
    autonegotiation, no link modes (6.2 reports 10 Gb/s)."""
    ks.speed = SPEED_10
    ks.duplex = DUPLEX_FULL
    ks.port = PORT_TP
    ks.autoneg = AUTONEG_DISABLE
    return 0


TUN_ETHTOOL_OPS = EthtoolOps(get_drvinfo=tun_get_drvinfo, get_link=ethtool_op_get_link,
                             get_link_ksettings=tun_get_link_ksettings)


def tun_setup(dev: NetDevice) -> None:
    """Ethernet with a pfifo_fast queue (so a busy cable pushes back), no carrier until the cable
    is plugged, MTU up to 65535."""
    ether_setup(dev)
    dev.netdev_ops = TUN_OPS
    dev.qdisc = pfifo_fast()
    dev.max_mtu = TUN_MAX_MTU
    dev.ethtool_ops = TUN_ETHTOOL_OPS
    dev.carrier = False
    dev.priv = TunPriv(Port(dev.name,
                            on_rx=lambda frames: tun_net_rx(dev, frames),
                            on_link=lambda up: tun_link(dev, up),
                            on_tx_ready=lambda: tun_tx_ready(dev)))


def tun_attach_newlink(dev: NetDevice, backend) -> int:
    """Register the device, then plug the backend into its port (which may raise carrier)."""
    err = register_netdevice(dev.nd_net, dev, dev.ifindex)
    if err:
        backend.close()
        return err
    dev.priv.port.cpu = dev.nd_net.core.cpu     # what the backend's threads post runs there
    dev.priv.port.attach(backend)
    return 0


def tap_newlink(src_net, dev: NetDevice, msg, data: dict) -> int:
    """kind "tap": open the real TAP data["host_ifname"] (default: the device's name) in the real
    network namespace data["host_netns"] (default: the caller's). The name is checked before the
    real TAP is opened; errors from the real kernel raise."""
    name = dev_get_valid_name(dev.nd_net, dev.name)
    if type(name) is int:
        return name
    dev.name = name
    return tun_attach_newlink(dev, TapBackend(data.get("host_ifname") or name,
                                              data.get("host_netns")))


def qemu_newlink(src_net, dev: NetDevice, msg, data: dict) -> int:
    """kind "qemu": data["netdev"] is QEMU's `-netdev stream,...` or `dgram,...` option string."""
    netdev = data.get("netdev")
    if netdev is None:
        raise ValueError('kind "qemu" needs netdev="stream,..." or netdev="dgram,..."')
    name = dev_get_valid_name(dev.nd_net, dev.name)
    if type(name) is int:
        return name
    dev.name = name
    return tun_attach_newlink(dev, netdev_backend(netdev))


def tun_dellink(dev: NetDevice) -> None:
    """Unplug the cable (the backend closes its fds), then unregister."""
    dev.priv.port.detach()
    unregister_netdevice(dev)


TAP_LINK_OPS = RtnlLinkOps("tap", tun_setup, newlink=tap_newlink, dellink=tun_dellink,
                           policy=("host_ifname", "host_netns"),
                           live_addr_change=True)
QEMU_LINK_OPS = RtnlLinkOps("qemu", tun_setup, newlink=qemu_newlink, dellink=tun_dellink,
                            policy=("netdev",),
                            live_addr_change=True)
