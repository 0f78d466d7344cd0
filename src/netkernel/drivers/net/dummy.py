"""The dummy device (drivers/net/dummy.c): Ethernet that swallows what it is given."""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/dummy.c"

from netkernel.net.core.dev import NETDEV_TX_OK, NetDevice, NetDeviceOps
from netkernel.net.core.rtnetlink import RtnlLinkOps, eth_validate_linkmsg
from netkernel.net.core.skbuff import SkBuff, consume_skb
from netkernel.include.linux.skbuff import skb_tx_timestamp
from netkernel.net.ethernet.eth import ether_setup
from netkernel.net.ethtool.ioctl import EthtoolOps
from netkernel.net.sched.sch_generic import noqueue
from netkernel.uapi.if_ import IFF_MULTICAST, IFF_NOARP


def dummy_xmit(skb: SkBuff, dev: NetDevice) -> int:
    """dummy_xmit: count, take the software transmit stamp, free."""
    dev.stats.tx_packets += 1
    dev.stats.tx_bytes += skb.tail - skb.data
    skb_tx_timestamp(skb)
    consume_skb(skb)
    return NETDEV_TX_OK


DUMMY_OPS = NetDeviceOps(ndo_start_xmit=dummy_xmit)


def dummy_get_drvinfo(dev: NetDevice, info) -> None:
    """dummy_get_drvinfo: driver "dummy", version "1.0"."""
    info.driver = b"dummy"
    info.version = b"1.0"


# dummy_ethtool_ops: driver info only (no get_link: ETHTOOL_GLINK is EOPNOTSUPP)
DUMMY_ETHTOOL_OPS = EthtoolOps(get_drvinfo=dummy_get_drvinfo)


def dummy_setup(dev: NetDevice) -> None:
    """dummy_setup: Ethernet, NOARP, no multicast, no queue (IFF_NO_QUEUE), any MTU (min_mtu and
    max_mtu 0: no limit — checked against Debian's 6.1 by the rtnl differential)."""
    ether_setup(dev)
    dev.netdev_ops = DUMMY_OPS
    dev.flags |= IFF_NOARP
    dev.flags &= ~IFF_MULTICAST
    dev.no_queue = True
    dev.qdisc = noqueue()
    dev.min_mtu = 0
    dev.max_mtu = 0
    dev.ethtool_ops = DUMMY_ETHTOOL_OPS


def dummy_validate(msg, data) -> int:
    """dummy_validate: IFLA_ADDRESS a 6-byte unicast address (EINVAL / EADDRNOTAVAIL)."""
    return eth_validate_linkmsg(msg)


DUMMY_LINK_OPS = RtnlLinkOps("dummy", dummy_setup, validate=dummy_validate, live_addr_change=True)
