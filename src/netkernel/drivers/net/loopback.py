"""The loopback device (drivers/net/loopback.c)."""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/loopback.c"

from netkernel.net.core.dev import (NETDEV_TX_OK, NetDevice, NetDeviceOps, dev_open, netif_rx,
                                    register_netdevice)
from netkernel.net.core.skbuff import SkBuff, skb_orphan
from netkernel.include.linux.skbuff import skb_tx_timestamp
from netkernel.net.ethernet.eth import ETH_HEADER_OPS, eth_type_trans
from netkernel.net.ethtool.ioctl import EthtoolOps
from netkernel.net.sched.sch_generic import noqueue
from netkernel.uapi.if_ import IFF_LOOPBACK
from netkernel.uapi.if_arp import ARPHRD_LOOPBACK
from netkernel.uapi.if_ether import ETH_ALEN, ETH_HLEN


def loopback_xmit(skb: SkBuff, dev: NetDevice) -> int:
    """loopback_xmit: the software transmit stamp, then the sent frame comes straight back in as
    received (eth_type_trans, netif_rx)."""
    skb_tx_timestamp(skb)
    skb_orphan(skb)
    skb.tstamp = 0
    skb.protocol = eth_type_trans(skb, dev)
    n = skb.tail - skb.data
    if netif_rx(skb) == 0:
        st = dev.stats
        st.tx_packets += 1
        st.tx_bytes += n
        st.rx_packets += 1
        st.rx_bytes += n
    return NETDEV_TX_OK


LOOPBACK_OPS = NetDeviceOps(ndo_start_xmit=loopback_xmit)


def always_on(dev: NetDevice) -> int:
    """always_on: the loopback link never goes down."""
    return 1


# loopback_ethtool_ops: a link that is always on, no driver info, no link settings
LOOPBACK_ETHTOOL_OPS = EthtoolOps(get_link=always_on)


def loopback_setup(dev: NetDevice) -> None:
    """loopback_setup: MTU 64 KiB, Ethernet-style 14-byte header, all-zero address, no queue
    (IFF_NO_QUEUE; tx_queue_len keeps alloc_netdev's 1000, which `ip link` shows as qlen 1000)."""
    dev.mtu = 64 * 1024
    dev.min_mtu = 0
    dev.max_mtu = 0
    dev.hard_header_len = ETH_HLEN
    dev.min_header_len = ETH_HLEN
    dev.addr_len = ETH_ALEN
    dev.type = ARPHRD_LOOPBACK
    dev.flags = IFF_LOOPBACK
    dev.no_queue = True
    dev.header_ops = ETH_HEADER_OPS
    dev.netdev_ops = LOOPBACK_OPS
    dev.dev_addr = bytes(ETH_ALEN)
    dev.broadcast = bytes(ETH_ALEN)
    dev.qdisc = noqueue()
    dev.ethtool_ops = LOOPBACK_ETHTOOL_OPS


def loopback_net_init(net) -> None:
    """loopback_net_init (a pernet init): every namespace gets its "lo", the first device
    (ifindex 1). The model also brings it up, as a booted system's init_net has it.
    DIVERGENCE(#8): in Linux a new namespace's lo starts down until someone sets it up."""
    lo = NetDevice("lo")
    loopback_setup(lo)
    register_netdevice(net, lo)
    net.loopback_dev = lo
    dev_open(lo)
