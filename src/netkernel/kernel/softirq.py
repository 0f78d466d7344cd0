"""Softirqs and leaving hard-interrupt context (kernel/softirq.c).

Each machine has its own softirq vector table and pending mask (Linux: the global softirq_vec[]
and the per-CPU pending word; a machine here has one CPU), kept on its NetCore. Subsystems
register their handler with open_softirq at init — net_dev_init registers net_rx_action for
NET_RX_SOFTIRQ — and raise it when there is work; do_softirq and irq_exit run what is pending.
This module knows no subsystem: dependencies point down, the handlers come up through the table.
"""
from __future__ import annotations

LINUX_SOURCE = "kernel/softirq.c"

# enum of include/linux/interrupt.h, in priority order (a lower number runs first)
HI_SOFTIRQ = 0
TIMER_SOFTIRQ = 1
NET_TX_SOFTIRQ = 2
NET_RX_SOFTIRQ = 3
BLOCK_SOFTIRQ = 4
IRQ_POLL_SOFTIRQ = 5
TASKLET_SOFTIRQ = 6
SCHED_SOFTIRQ = 7
HRTIMER_SOFTIRQ = 8
RCU_SOFTIRQ = 9
NR_SOFTIRQS = 10


def softirq_init(core) -> None:
    """softirq_init: an empty vector table and nothing pending, for this machine's CPU.
    `softirq_actions` is the table as do_softirq walks it: (pending bit, handler) of each opened
    vector, lowest number first."""
    core.softirq_vec = [None] * NR_SOFTIRQS
    core.softirq_actions = ()
    core.softirq_pending = 0


def open_softirq(core, nr: int, action) -> None:
    """open_softirq (v5.15 kernel/softirq.c): install `action(core)` as vector `nr`'s handler."""
    core.softirq_vec[nr] = action
    core.softirq_actions = tuple((1 << i, a) for i, a in enumerate(core.softirq_vec)
                                 if a is not None)


def __raise_softirq_irqoff(core, nr: int) -> None:
    """__raise_softirq_irqoff: mark vector `nr` pending; it runs at the next irq_exit or
    do_softirq (bottom halves re-enabled)."""
    core.softirq_pending |= 1 << nr


def raise_softirq_irqoff(core, nr: int) -> None:
    """raise_softirq_irqoff: mark it pending. Linux wakes ksoftirqd when not in interrupt
    context; here every caller reaches a do_softirq/irq_exit of its own before leaving the
    machine, so marking is all there is to do."""
    core.softirq_pending |= 1 << nr


raise_softirq = raise_softirq_irqoff


def do_softirq(core) -> None:
    """do_softirq → __do_softirq: unless already in a softirq, clear the pending mask and run the
    handler of each vector that was pending, lowest number first, with bottom halves disabled.
    What the handlers raise again stays pending for the next run (Linux restarts up to
    MAX_SOFTIRQ_RESTART times, then leaves it to ksoftirqd; the model leaves it to the next
    irq_exit/do_softirq, as its callers always come back)."""
    if core.in_softirq:
        return
    core.in_softirq = True
    try:
        pending = core.softirq_pending
        core.softirq_pending = 0
        for bit, action in core.softirq_actions:
            if pending & bit:
                action(core)
    finally:
        core.in_softirq = False


def irq_enter(core) -> None:
    """irq_enter: nothing to account in this model."""


def irq_exit(core) -> None:
    """irq_exit: run pending softirqs now, unless the interrupted code is itself in a softirq or
    has bottom halves disabled (then they run when it re-enables them)."""
    if not core.in_softirq and core.softirq_pending:
        do_softirq(core)
