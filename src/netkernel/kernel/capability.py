"""Capability checks (kernel/capability.c): does the current task hold a capability?"""
from __future__ import annotations

LINUX_SOURCE = "kernel/capability.c"

from netkernel.kernel.sched import _tls


def capable(cap: int) -> bool:
    """capable (kernel/capability.c): the current task holds `cap` (no task: the machine itself)."""
    task = getattr(_tls, "task", None)
    return task is None or cap in task.caps


ns_capable = capable
