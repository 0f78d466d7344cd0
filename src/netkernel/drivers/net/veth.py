"""Virtual Ethernet pairs (drivers/net/veth.c): what one end sends, the other end receives.

Within a machine, the peer receives in the sender's context (veth_xmit → netif_rx, then the
sender's softirq), as in Linux. A veth end given a cable by netkernel.connect stands for a veth
whose peer lives on another machine: its frames go onto the cable, and what comes off the cable
is posted to this end's machine (its Port) and received there, in its own context and order
(veth_wire_rx runs as an event of that machine; see DESIGN.md "Execution model").
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/veth.c"
# not kernel functions (see netkernel.trace): a veth end cabled to another machine
MODEL_HELPERS = ("veth_xmit_wire", "veth_wire_rx", "veth_wire_link")

from netkernel.backends.port import Port
from netkernel.include.linux.etherdevice import eth_hw_addr_random
from netkernel.kernel.softirq import do_softirq
from netkernel.net.core.dev import (NET_RX_SUCCESS, NETDEV_TX_OK, NETREG_REGISTERED, NetDevice,
                                    NetDeviceOps, __dev_forward_skb, dev_get_valid_name,
                                    is_skb_forwardable, netif_rx, register_netdevice,
                                    unregister_netdevice, unregister_netdevice_many,
                                    unregister_netdevice_queue)
from netkernel.net.core.rtnetlink import (IfInfoMsg, RtnlLinkOps, eth_validate_linkmsg,
                                          rtnl_configure_link, rtnl_create_link)
from netkernel.net.ethtool.ioctl import EthtoolOps, ethtool_op_get_link
from netkernel.uapi.ethtool import (AUTONEG_DISABLE, DUPLEX_FULL, ETH_SS_STATS, PORT_TP,
                                    SPEED_10000)
from netkernel.net.core.skbuff import SkBuff, alloc_skb, kfree_skb, skb_put
from netkernel.include.linux.skbuff import skb_tx_timestamp
from netkernel.net.ethernet.eth import ether_setup, eth_type_trans
from netkernel.net.sched.sch_generic import netif_carrier_off, netif_carrier_on, noqueue
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.errno import EINVAL
from netkernel.uapi.if_ether import ETH_HLEN, ETH_MAX_MTU, ETH_MIN_MTU, VLAN_HLEN
from netkernel.uapi.if_packet import PACKET_HOST


class VethPriv:
    """struct veth_priv: the peer and the drop counter."""
    __slots__ = ("peer", "dropped", "port")

    def __init__(self):
        self.peer = None
        self.dropped = 0
        self.port = None        # cable end: used once netkernel.connect plugs something in


def veth_forward_skb(dev: NetDevice, skb: SkBuff) -> int:
    if __dev_forward_skb(dev, skb):
        return 1
    return netif_rx(skb)


def veth_xmit(skb: SkBuff, dev: NetDevice) -> int:
    """veth_xmit: hand the frame to the peer's receive path; count drops on this end."""
    priv = dev.priv
    if priv.port.backend is not None:
        return veth_xmit_wire(skb, dev)
    rcv = priv.peer
    n = skb.tail - skb.data
    if rcv is None or n < ETH_HLEN:
        kfree_skb(skb)
        priv.dropped += 1
        dev.stats.tx_dropped += 1
        return NETDEV_TX_OK
    skb_tx_timestamp(skb)
    if veth_forward_skb(rcv, skb) == NET_RX_SUCCESS:
        dev.stats.tx_packets += 1
        dev.stats.tx_bytes += n
        rcv.stats.rx_packets += 1
        rcv.stats.rx_bytes += n
    else:
        priv.dropped += 1
        dev.stats.tx_dropped += 1
    return NETDEV_TX_OK


def veth_open(dev: NetDevice) -> int:
    """veth_open: the carrier comes up on both ends once both are up."""
    peer = dev.priv.peer
    if peer is None:
        return -107  # ENOTCONN
    if peer.flags & IFF_UP:
        netif_carrier_on(dev)
        netif_carrier_on(peer)
    return 0


def veth_close(dev: NetDevice) -> int:
    netif_carrier_off(dev)
    peer = dev.priv.peer
    if peer is not None:
        netif_carrier_off(peer)
    return 0


def veth_xmit_wire(skb: SkBuff, dev: NetDevice) -> int:
    """A veth end given a cable (netkernel.connect): its frames go onto the cable, not the peer.
    DIVERGENCE(#4): not in Linux; it stands for a veth whose peer lives on another machine."""
    n = skb.tail - skb.data
    skb_tx_timestamp(skb)
    dev.priv.port.send(bytes(skb.buf[skb.data:skb.tail]))
    dev.stats.tx_packets += 1
    dev.stats.tx_bytes += n
    kfree_skb(skb)
    return NETDEV_TX_OK


def veth_wire_rx(dev: NetDevice, frames) -> None:
    """Frames off the cable arrive as if the peer had sent them (veth_forward_skb), then the
    backlog is drained (the sender's softirq in Linux). Runs as an event of this end's machine,
    under its lock."""
    core = dev.nd_net.core
    profile = core.profile
    st = dev.stats
    for f in frames:
        skb = alloc_skb(profile, len(f))
        off = skb_put(skb, len(f))
        skb.buf[off:off + len(f)] = f
        skb.dev = dev
        if veth_forward_skb(dev, skb) == NET_RX_SUCCESS:
            st.rx_packets += 1
            st.rx_bytes += len(f)
    if core.softirq_pending and not core.in_softirq:
        do_softirq(core)


def veth_wire_link(dev: NetDevice, up: bool) -> None:
    """The cable was plugged in or pulled out (an event of this end's machine)."""
    if dev.reg_state != NETREG_REGISTERED:
        return
    if up and dev.flags & IFF_UP:
        netif_carrier_on(dev)
    elif not up:
        netif_carrier_off(dev)


def veth_get_iflink(dev: NetDevice) -> int:
    """veth_get_iflink: the peer's ifindex (0 without a peer)."""
    peer = dev.priv.peer
    return peer.ifindex if peer is not None else 0


VETH_OPS = NetDeviceOps(ndo_start_xmit=veth_xmit, ndo_open=veth_open, ndo_stop=veth_close,
                        ndo_get_iflink=veth_get_iflink)


def veth_setup(dev: NetDevice) -> None:
    """veth_setup: Ethernet, no queue, MTU up to 65535, random address (given by the caller)."""
    ether_setup(dev)
    dev.netdev_ops = VETH_OPS
    dev.no_queue = True
    dev.qdisc = noqueue()
    dev.max_mtu = 65535
    dev.priv = VethPriv()
    dev.priv.port = Port(dev.name, on_rx=lambda frames: veth_wire_rx(dev, frames),
                         on_link=lambda up: veth_wire_link(dev, up))
    dev.ethtool_ops = VETH_ETHTOOL_OPS


def veth_validate(msg: IfInfoMsg, data: dict | None) -> int:
    """veth_validate: IFLA_ADDRESS a 6-byte unicast address (EINVAL / EADDRNOTAVAIL), IFLA_MTU
    within ETH_MIN_MTU..ETH_MAX_MTU (is_valid_veth_mtu: EINVAL)."""
    err = eth_validate_linkmsg(msg)
    if err:
        return err
    if msg.mtu is not None and not ETH_MIN_MTU <= msg.mtu <= ETH_MAX_MTU:
        return -EINVAL
    return 0


def veth_newlink(src_net, dev: NetDevice, msg: IfInfoMsg, data: dict) -> int:
    """veth_newlink: the peer is described by data["peer"] (VETH_INFO_PEER) — without it, by the
    request's own attributes, with a random address and the name "veth%d". The peer goes into its
    IFLA_NET_NS (default: the requester's namespace) and is registered first, so it gets the lower
    ifindex; then this end. Everything is checked before either is registered."""
    pmsg = data.get("peer")
    if pmsg is not None:
        err = veth_validate(pmsg, None)
        if err:
            return err
    tbp = pmsg if pmsg is not None else msg
    pname = pmsg.ifname if pmsg is not None and pmsg.ifname is not None else "veth%d"
    pnet = tbp.net or src_net
    peer = rtnl_create_link(pnet, pname, dev.link_ops, tbp)
    if type(peer) is int:
        return peer
    if pmsg is None or pmsg.address is None:
        eth_hw_addr_random(peer, src_net.core.random)
    pname = dev_get_valid_name(pnet, pname)
    if type(pname) is int:
        return pname
    dname = dev_get_valid_name(dev.nd_net, dev.name, (pname,) if pnet is dev.nd_net else ())
    if type(dname) is int:
        return dname
    peer.name, dev.name = pname, dname
    err = register_netdevice(pnet, peer, peer.ifindex)
    if err:
        return err
    netif_carrier_off(peer)
    err = rtnl_configure_link(peer, pmsg)
    if not err:
        err = register_netdevice(dev.nd_net, dev, dev.ifindex)
    if err:
        unregister_netdevice(peer)
        return err
    netif_carrier_off(dev)
    dev.priv.peer = peer
    peer.priv.peer = dev
    dev.priv.port.cpu = dev.nd_net.core.cpu     # a cable, if one is plugged in, posts here
    peer.priv.port.cpu = peer.nd_net.core.cpu
    # the linkwatch events of netif_carrier_off run once the request is done (rtnl_unlock):
    # the ends are linked by then, so each counts as stacked on its peer
    return 0


def veth_dellink(dev: NetDevice) -> None:
    """veth_dellink: deleting one end deletes both, unlinked from each other first and then
    unregistered together (unregister_netdevice_many: both announced down, then both gone); a
    cable plugged into either is unplugged (the machine at its other end loses carrier)."""
    peer = dev.priv.peer
    head: list = []
    dev.priv.peer = None
    dev.priv.port.detach()
    unregister_netdevice_queue(dev, head)
    if peer is not None:
        peer.priv.peer = None
        peer.priv.port.detach()
        unregister_netdevice_queue(peer, head)
    unregister_netdevice_many(head)


def veth_get_link_net(dev: NetDevice):
    """veth_get_link_net: the peer's namespace (the device's own without a peer)."""
    peer = dev.priv.peer
    return peer.nd_net if peer is not None else dev.nd_net


VETH_LINK_OPS = RtnlLinkOps("veth", veth_setup, newlink=veth_newlink, dellink=veth_dellink,
                            validate=veth_validate, policy=("peer",), live_addr_change=True,
                            get_link_net=veth_get_link_net)


# ---------------------------------------------------------------- ethtool

DRV_NAME = b"veth"
DRV_VERSION = b"1.0"
# ethtool_stats_keys (peer_ifindex), the per-RX-queue XDP counters (veth_rq_stats_desc: 7) and
# the per-TX-queue ones (veth_tq_stats_desc: 2), one queue each way
VETH_N_STATS = 1 + 7 + 2


def veth_get_drvinfo(dev: NetDevice, info) -> None:
    """veth_get_drvinfo: driver "veth", version "1.0"."""
    info.driver = DRV_NAME
    info.version = DRV_VERSION


def veth_get_sset_count(dev: NetDevice, sset: int) -> int:
    return VETH_N_STATS if sset == ETH_SS_STATS else -95  # EOPNOTSUPP


def veth_get_link_ksettings(dev: NetDevice, ks) -> int:
    """veth_get_link_ksettings: 10 Gb/s full duplex, twisted pair, no autonegotiation."""
    ks.speed = SPEED_10000
    ks.duplex = DUPLEX_FULL
    ks.port = PORT_TP
    ks.autoneg = AUTONEG_DISABLE
    return 0


VETH_ETHTOOL_OPS = EthtoolOps(get_drvinfo=veth_get_drvinfo, get_link=ethtool_op_get_link,
                              get_link_ksettings=veth_get_link_ksettings,
                              get_sset_count=veth_get_sset_count)
