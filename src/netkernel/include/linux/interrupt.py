"""Interrupt registration Linux 5.15 defines inline in include/linux/interrupt.h (the real work:
kernel/irq/manage.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/interrupt.h"


def request_irq(table, irq: int, handler, flags: int, name: str, dev_id) -> int:
    """request_irq: request_threaded_irq without a thread function."""
    return _manage.request_threaded_irq(table, irq, handler, None, flags, name, dev_id)


# manage.c re-exports this inline: bound last, as a module, so either side may be imported first.
from netkernel.kernel.irq import manage as _manage  # noqa: E402
