"""Queueing disciplines (net/sched/sch_generic.c): noqueue and pfifo_fast.

A device whose qdisc has no `enqueue` (noqueue: lo, veth) transmits directly from
__dev_queue_xmit. pfifo_fast (lockless and bypassable: TCQ_F_NOLOCK | TCQ_F_CAN_BYPASS) sends a
frame that finds it empty and not running straight through sch_direct_xmit (__dev_xmit_skb);
otherwise the frame is enqueued and __qdisc_run drains the queue through sch_direct_xmit →
dev_hard_start_xmit in the same call. While deactivated (device down or without carrier) the
device has the noop qdisc, which __dev_queue_xmit models by dropping every frame.
"""
from __future__ import annotations

LINUX_SOURCE = "net/sched/sch_generic.c"
# not kernel functions (see netkernel.trace): qdisc constructors (Linux has ops tables)
MODEL_HELPERS = ("noqueue", "pfifo_fast")

from collections import deque

from netkernel.include.linux.netdevice import (NET_XMIT_DROP, NET_XMIT_SUCCESS,
                                               NETDEV_TX_BUSY)
from netkernel.net.core.skbuff import kfree_skb


TCQ_F_CAN_BYPASS = 4
TCQ_F_NOLOCK = 0x100


class Qdisc:
    """struct Qdisc: `q` holds the queued frames (a requeued one at its head), `running` is
    qdisc_run_begin's mark, packets/bytes its bstats, drops/requeues its qstats."""
    __slots__ = ("id", "enqueue", "flags", "q", "active", "running", "drops", "requeues",
                 "packets", "bytes")

    def __init__(self, id: str, enqueue, flags: int = 0):
        self.id = id
        self.enqueue = enqueue
        self.flags = flags
        self.q: deque = deque()
        self.active = False
        self.running = False
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
        """qdisc_run (include/net/pkt_sched.h): __qdisc_run unless the qdisc is running already
        (qdisc_run_begin/qdisc_run_end)."""
        if not self.running:
            self.running = True
            try:
                _qdisc_run(self, dev)       # __qdisc_run (a class body would mangle the name)
            finally:
                self.running = False


def __qdisc_run(q: Qdisc, dev) -> None:
    """__qdisc_run → qdisc_restart: dequeue and send through sch_direct_xmit until the queue is
    empty or the driver pushes back. (Linux stops after dev_tx_weight frames and reschedules
    itself in NET_TX_SOFTIRQ; the model drains in one go.)"""
    q_ = q.q
    while q_:
        if not sch_direct_xmit(q_.popleft(), q, dev):
            break


_qdisc_run = __qdisc_run


def sch_direct_xmit(skb, q: Qdisc, dev) -> bool:
    """sch_direct_xmit: hand one frame to the driver unless its queue is stopped
    (netif_xmit_frozen_or_stopped); a frame the driver pushes back (NETDEV_TX_BUSY), or that
    found the queue stopped, goes back to the head of the qdisc and False ends the run.
    bstats count each frame the driver takes, once, with its length as queued.
    (validate_xmit_skb_list has nothing to do here: no GSO, VLAN offload or checksum offload
    is modelled on a qdisc device.)"""
    length = skb.tail - skb.data
    if dev.queue_stopped:
        ret = NETDEV_TX_BUSY
    else:
        ret = _dev.dev_hard_start_xmit(skb, dev)
    if ret == NETDEV_TX_BUSY:
        dev_requeue_skb(skb, q)
        return False
    q.packets += 1
    q.bytes += length
    return True


def dev_requeue_skb(skb, q: Qdisc) -> None:
    """dev_requeue_skb: the frame is still the qdisc's, first in line (Linux parks it on
    q->gso_skb); counted in requeues. It goes out when the driver wakes the queue."""
    q.q.appendleft(skb)
    q.requeues += 1


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
    return Qdisc("pfifo_fast", pfifo_fast_enqueue, TCQ_F_NOLOCK | TCQ_F_CAN_BYPASS)


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
