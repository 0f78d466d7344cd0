"""Capability checks (kernel/capability.c): does the current task hold a capability?"""
from __future__ import annotations

LINUX_SOURCE = "kernel/capability.c"


def ns_capable(cap: int) -> bool:
    """ns_capable: the current task holds `cap` in the user namespace asked about (no task: the
    machine itself). DIVERGENCE(#14): one user namespace — the task's capability set answers for
    every namespace, so Linux's `ns` argument is left out."""
    task = getattr(_sched._tls, "task", None)
    return task is None or cap in task.caps


def capable(cap: int) -> bool:
    """capable: ns_capable in the initial user namespace (v5.15 kernel/capability.c:capable)."""
    return ns_capable(cap)


# kernel/sched.py re-exports these (their old home): bound last, as a module, so either side may
# be imported first.
from netkernel.kernel import sched as _sched  # noqa: E402
