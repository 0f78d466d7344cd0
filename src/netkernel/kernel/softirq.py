"""Entering and leaving hard-interrupt context (kernel/softirq.c)."""
from __future__ import annotations

LINUX_SOURCE = "kernel/softirq.c"

from netkernel.net.core.dev import do_softirq


def irq_enter(core) -> None:
    """irq_enter: nothing to account in this model."""


def irq_exit(core) -> None:
    """irq_exit: run pending softirqs now, unless the interrupted code is itself in a softirq or
    has bottom halves disabled (then they run when it re-enables them)."""
    if not core.in_softirq and (core.poll_list or core.backlog):
        do_softirq(core)
