"""Helpers Linux 5.15 defines inline in include/linux/netdevice.h: building and checking link
headers, the transmit queue's state, NAPI scheduling (struct net_device itself: net/core/dev.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/netdevice.h"

from netkernel.kernel.capability import capable
from netkernel.uapi.capability import CAP_SYS_RAWIO
from netkernel.uapi.if_ import IF_OPER_UNKNOWN, IF_OPER_UP

# netdevice notifier events (include/linux/netdevice.h)
NETDEV_UP = 1
NETDEV_DOWN = 2
NETDEV_CHANGE = 4
NETDEV_REGISTER = 5
NETDEV_UNREGISTER = 6
NETDEV_CHANGEMTU = 7
NETDEV_CHANGEADDR = 8
NETDEV_GOING_DOWN = 9
NETDEV_CHANGE_TX_QUEUE_LEN = 31

# transmit return codes
NETDEV_TX_OK = 0
NETDEV_TX_BUSY = 0x10
NET_XMIT_SUCCESS = 0
NET_XMIT_DROP = 1
NET_XMIT_CN = 2
NET_RX_SUCCESS = 0
NET_RX_DROP = 1

HH_DATA_MOD = 16


def netif_oper_up(dev) -> bool:
    """netif_oper_up: the operational state lets frames through (UP, or UNKNOWN for devices
    that never report it)."""
    return dev.operstate in (IF_OPER_UP, IF_OPER_UNKNOWN)


def netdev_priv(netdev):
    """netdev_priv: the driver's private state that follows struct net_device."""
    return netdev.priv


def dev_hard_header(skb: SkBuff, dev, type: int, daddr, saddr, len: int) -> int:
    """dev_hard_header (include/linux/netdevice.h): build the link header, if the device has one."""
    ops = dev.header_ops
    if ops is None or ops.create is None:
        return 0
    return ops.create(skb, dev, type, daddr, saddr, len)


def dev_validate_header(dev, skb: SkBuff, len: int) -> bool:
    """dev_validate_header: a full link header passes; shorter than min_header_len fails; in
    between, CAP_SYS_RAWIO zero-fills the rest or the device's validate op decides."""
    if len >= dev.hard_header_len:
        return True
    if len < dev.min_header_len:
        return False
    if capable(CAP_SYS_RAWIO):
        buf = skb.buf
        end = skb.data + dev.hard_header_len
        buf[skb.data + len:end] = bytes(dev.hard_header_len - len)
        return True
    ops = dev.header_ops
    if ops is not None and ops.validate is not None:
        return ops.validate(skb, len)
    return False


def ll_reserved_space(dev) -> int:
    """LL_RESERVED_SPACE: headroom for the link header, rounded to HH_DATA_MOD, plus one unit."""
    return ((dev.hard_header_len + dev.needed_headroom) & ~(HH_DATA_MOD - 1)) + HH_DATA_MOD



def unregister_netdevice(dev) -> None:
    """unregister_netdevice: unregister_netdevice_queue for this one device, now."""
    _dev.unregister_netdevice_queue(dev, None)


def dev_change_net_namespace(dev, net) -> int:
    """dev_change_net_namespace: __dev_change_net_namespace, with no new ifindex asked for."""
    return _dev.__dev_change_net_namespace(dev, net)


# ---------------------------------------------------------------- transmit queue

def dev_direct_xmit(skb, queue_id: int = 0) -> int:
    """dev_direct_xmit: __dev_direct_xmit (which frees a frame the driver did not take)."""
    return _dev.__dev_direct_xmit(skb, queue_id)


def netif_running(dev: NetDevice) -> bool:
    """netif_running: the device has been opened (__LINK_STATE_START), set before ndo_open runs
    and cleared before ndo_stop — unlike IFF_UP, which is set only after ndo_open succeeds."""
    return bool(dev.state & _dev.LINK_STATE_START)


def netif_start_queue(dev: NetDevice) -> None:
    dev.queue_stopped = False


def netif_stop_queue(dev: NetDevice) -> None:
    """netif_stop_queue: the driver has no room; the qdisc keeps the frames."""
    dev.queue_stopped = True


def netif_queue_stopped(dev: NetDevice) -> bool:
    return dev.queue_stopped


def netif_wake_queue(dev: NetDevice) -> None:
    """netif_wake_queue → __netif_schedule: the qdisc runs again (net_tx_action, at once here)."""
    if dev.queue_stopped:
        dev.queue_stopped = False
        q = dev.qdisc
        if q is not None and q.active and q.enqueue is not None and q.q:
            q.run(dev)


def netif_tx_disable(dev: NetDevice) -> None:
    dev.queue_stopped = True


# ---------------------------------------------------------------- NAPI

def netif_napi_del(napi: NapiStruct) -> None:
    napi.poll = None


def napi_schedule(napi: NapiStruct) -> None:
    """napi_schedule: unless already scheduled or disabled (napi_schedule_prep), put the
    instance on the poll list (__napi_schedule); NET_RX runs at irq_exit or local_bh_enable."""
    if _dev.napi_schedule_prep(napi):
        _dev.__napi_schedule(napi)


def napi_schedule_irqoff(napi: NapiStruct) -> None:
    """napi_schedule_irqoff: napi_schedule from a hard interrupt (interrupts already off)."""
    if _dev.napi_schedule_prep(napi):
        _dev.__napi_schedule_irqoff(napi)


def napi_complete(napi: NapiStruct) -> bool:
    return _dev.napi_complete_done(napi, 0)


# These inlines call into net/core/dev.c, which uses them too: dev is bound last, as a module,
# so that either side may be imported first.
from netkernel.net.core import dev as _dev  # noqa: E402
