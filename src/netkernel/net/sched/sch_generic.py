"""Queueing disciplines (net/sched/sch_generic.c): noqueue and pfifo_fast.

A device whose qdisc has no `enqueue` (noqueue: lo, veth) transmits directly from
__dev_queue_xmit. pfifo_fast queues, then __qdisc_run drains it through dev_hard_start_xmit in
the same call. While deactivated (device down or without carrier) the device has the noop qdisc,
which __dev_queue_xmit models by dropping every frame.
"""
from __future__ import annotations

LINUX_SOURCE = "net/sched/sch_generic.c"
# not kernel functions (see netkernel.trace): qdisc constructors (Linux has ops tables)
MODEL_HELPERS = ("noqueue", "pfifo_fast")

from collections import deque

from netkernel.include.linux.netdevice import (NET_XMIT_DROP, NET_XMIT_SUCCESS,
                                               NETDEV_TX_BUSY)
from netkernel.net.core.skbuff import kfree_skb


class Qdisc:
    """struct Qdisc."""
    __slots__ = ("id", "enqueue", "q", "active", "drops", "requeues", "packets", "bytes")

    def __init__(self, id: str, enqueue):
        self.id = id
        self.enqueue = enqueue
        self.q: deque = deque()
        self.active = False
        self.drops = 0
        self.requeues = 0
        self.packets = 0
        self.bytes = 0

    def activate(self) -> None:
        self.active = True

    def deactivate(self) -> None:
        self.active = False
        while self.q:
            kfree_skb(self.q.popleft())

    def run(self, dev) -> None:
        """__qdisc_run → qdisc_restart → sch_direct_xmit: dequeue and transmit until empty or
        the driver pushes back."""
        q = self.q
        while q and not dev.queue_stopped:
            skb = q.popleft()
            rc = _dev.dev_hard_start_xmit(skb, dev)
            if rc == NETDEV_TX_BUSY:
                q.appendleft(skb)
                self.requeues += 1
                break
            self.packets += 1
            self.bytes += skb.len


def noqueue() -> Qdisc:
    q = Qdisc("noqueue", None)
    return q


def pfifo_fast_enqueue(skb, qdisc: Qdisc) -> int:
    """pfifo_fast_enqueue (a single band here): drop when the device's tx_queue_len is reached."""
    if len(qdisc.q) >= skb.dev.tx_queue_len:
        qdisc.drops += 1
        kfree_skb(skb)
        return NET_XMIT_DROP
    qdisc.q.append(skb)
    return NET_XMIT_SUCCESS


def pfifo_fast() -> Qdisc:
    return Qdisc("pfifo_fast", pfifo_fast_enqueue)


# ---------------------------------------------------------------- activation and carrier

def dev_activate(dev: NetDevice) -> None:
    """dev_activate: the real qdisc replaces noop only once there is carrier."""
    if dev.carrier:
        dev.qdisc.activate()


def dev_shutdown(dev: NetDevice) -> None:
    """dev_shutdown: the device's qdisc goes back to noop (until the device is opened again)."""
    dev.qdisc_attached = False


def netif_carrier_on(dev: NetDevice) -> None:
    """netif_carrier_on: the carrier bit at once; the operational state, the qdisc and the
    announcement follow from the linkwatch event (link_watch.py). Changes before registration
    are not counted."""
    if not dev.carrier:
        dev.carrier = True
        if dev.reg_state == _dev.NETREG_UNINITIALIZED:
            return
        dev.carrier_up_count += 1
        _link_watch.linkwatch_fire_event(dev)


def netif_carrier_off(dev: NetDevice) -> None:
    """netif_carrier_off: as netif_carrier_on; frames sent before linkwatch deactivates the
    qdisc still go out. Changes before registration are not counted."""
    if dev.carrier:
        dev.carrier = False
        if dev.reg_state == _dev.NETREG_UNINITIALIZED:
            return
        dev.carrier_down_count += 1
        _link_watch.linkwatch_fire_event(dev)


# sch_generic.c and dev.c call each other (dev_open -> dev_activate, the qdisc ->
# dev_hard_start_xmit): dev is bound last, as a module, so that either side may be imported first.
from netkernel.net.core import dev as _dev  # noqa: E402
from netkernel.net.core import link_watch as _link_watch  # noqa: E402
