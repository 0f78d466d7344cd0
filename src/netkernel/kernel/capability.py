"""Capability checks (kernel/capability.c): does the current task hold a capability?"""
from __future__ import annotations

LINUX_SOURCE = "kernel/capability.c"


def capable(cap: int) -> bool:
    """capable (kernel/capability.c): the current task holds `cap` (no task: the machine itself)."""
    task = getattr(_sched._tls, "task", None)
    return task is None or cap in task.caps


ns_capable = capable


# kernel/sched.py re-exports these (their old home): bound last, as a module, so either side may
# be imported first.
from netkernel.kernel import sched as _sched  # noqa: E402
