"""Requesting and freeing interrupt lines (kernel/irq/manage.c)."""
from __future__ import annotations

LINUX_SOURCE = "kernel/irq/manage.c"

from netkernel.include.linux.interrupt import request_irq  # noqa: F401 (re-exported)

from netkernel.kernel.irq.irqdesc import IrqDescTable
from netkernel.uapi.errno import EBUSY, EINVAL


def request_threaded_irq(table: IrqDescTable, irq: int, handler, thread_fn, flags: int,
                         name: str, dev_id) -> int:
    """request_threaded_irq: install the handler (no thread functions here); a line already
    taken (no IRQF_SHARED here) is EBUSY."""
    if handler is None:
        return -EINVAL
    desc = table._desc(irq)
    if desc.handler is not None:
        return -EBUSY
    desc.handler = handler
    desc.name = name
    desc.dev_id = dev_id
    return 0


def free_irq(table: IrqDescTable, irq: int, dev_id) -> None:
    """free_irq: remove the action whose cookie is dev_id."""
    desc = table._desc(irq)
    if desc.dev_id is dev_id:
        desc.handler = None
        desc.dev_id = None
        desc.name = ""
