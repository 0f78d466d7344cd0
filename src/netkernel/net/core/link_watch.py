"""Link state to operational state (net/core/link_watch.c, RFC 2863).

A carrier change (netif_carrier_on/off) fires a linkwatch event: the device goes on the
machine's event list once (a device already pending is not added again). Linux runs the list
from a work item that takes the rtnl lock — so while a link request holds the lock, the events
it caused wait until it is done — urgent events at once, others batched up to a second later.
Here the list runs when the rtnl lock is released (rtnetlink.py rtnl_unlock), or at once when
the event comes from outside a link request (a driver's or a backend's link change): for each
device, the operational state is recomputed and, for an up device, its qdisc follows the
carrier and the change is announced (netdev_state_change: NETDEV_CHANGE and RTM_NEWLINK).
DIVERGENCE(#10): non-urgent events are not held back (Linux may wait up to a second), so a read
never sees a stale state once the request that caused it has returned.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/link_watch.c"

from netkernel.net.core import dev as netdev
from netkernel.net.sched import sch_generic
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.if_ import (IF_LINK_MODE_DORMANT, IF_LINK_MODE_TESTING, IF_OPER_DORMANT,
                                IF_OPER_DOWN, IF_OPER_LOWERLAYERDOWN, IF_OPER_TESTING,
                                IF_OPER_UP)


def default_operstate(dev) -> int:
    """default_operstate: without carrier, LOWERLAYERDOWN for a device stacked on another
    (iflink != ifindex, as a veth on its peer) else DOWN; with carrier, DORMANT while dormant,
    else UP. (No device here enters testing mode.)"""
    if not dev.carrier:
        if dev.ifindex != netdev.dev_get_iflink(dev):
            return IF_OPER_LOWERLAYERDOWN
        return IF_OPER_DOWN
    if dev.dormant:
        return IF_OPER_DORMANT
    return IF_OPER_UP


def rfc2863_policy(dev) -> None:
    """rfc2863_policy: the default state, held back to DORMANT/TESTING by the link mode when it
    would be UP."""
    operstate = default_operstate(dev)
    if operstate == dev.operstate:
        return
    if operstate == IF_OPER_UP:
        if dev.link_mode == IF_LINK_MODE_TESTING:
            operstate = IF_OPER_TESTING
        elif dev.link_mode == IF_LINK_MODE_DORMANT:
            operstate = IF_OPER_DORMANT
    dev.operstate = operstate


def linkwatch_fire_event(dev) -> None:
    """linkwatch_fire_event: put the device on the event list (once), then run the list unless
    a link request holds the rtnl lock (it runs when the lock is released)."""
    core = dev.nd_net.core
    if not dev.linkwatch_pending:
        dev.linkwatch_pending = True
        core.lweventlist.append(dev)
    if not core.rtnl_depth:
        linkwatch_run_queue(core)


def linkwatch_do_dev(dev) -> None:
    """linkwatch_do_dev: recompute the operational state; an up device's qdisc follows the
    carrier and the change is announced (netdev_state_change)."""
    dev.linkwatch_pending = False
    rfc2863_policy(dev)
    if dev.flags & IFF_UP:
        if dev.carrier:
            sch_generic.dev_activate(dev)
        else:
            dev.qdisc.deactivate()      # dev_deactivate
        netdev.netdev_state_change(dev)


def linkwatch_run_queue(core) -> None:
    """__linkwatch_run_queue: handle every pending device in the order the events came."""
    while core.lweventlist:
        linkwatch_do_dev(core.lweventlist.pop(0))


def linkwatch_forget_dev(dev) -> None:
    """linkwatch_forget_dev: a device going away with an event pending has it handled now."""
    if dev.linkwatch_pending:
        dev.nd_net.core.lweventlist.remove(dev)
        linkwatch_do_dev(dev)


def linkwatch_init_dev(dev) -> None:
    """linkwatch_init_dev: at registration, a device that already lost its carrier (or is
    dormant) gets its state computed; one with carrier keeps IF_OPER_UNKNOWN until its driver
    reports a change — which is why lo and dummy show UNKNOWN forever."""
    if not dev.carrier or dev.dormant:
        rfc2863_policy(dev)
