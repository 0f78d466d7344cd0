"""Link state to operational state (net/core/link_watch.c, RFC 2863).

Linux defers this work to the linkwatch worker (urgent events at once, others batched up to a
second); here it runs at once when the carrier or dormancy changes, so a read never sees a stale
state. DIVERGENCE(#10): no deferral.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/link_watch.c"

from netkernel.net.core import dev as netdev
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


def linkwatch_init_dev(dev) -> None:
    """linkwatch_init_dev: at registration, a device that already lost its carrier (or is
    dormant) gets its state computed; one with carrier keeps IF_OPER_UNKNOWN until its driver
    reports a change — which is why lo and dummy show UNKNOWN forever."""
    if not dev.carrier or dev.dormant:
        rfc2863_policy(dev)
