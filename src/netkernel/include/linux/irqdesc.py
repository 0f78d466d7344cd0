"""The interrupt flow entry Linux 5.15 defines inline in include/linux/irqdesc.h (struct
irq_desc and the flow itself: kernel/irq/irqdesc.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/irqdesc.h"


def handle_domain_irq(table, irq: int) -> int:
    """handle_domain_irq: the CPU's entry for one interrupt line (__handle_domain_irq)."""
    return _irqdesc.__handle_domain_irq(table, irq)


# irqdesc.c re-exports this inline: bound last, as a module, so either side may be imported first.
from netkernel.kernel.irq import irqdesc as _irqdesc  # noqa: E402
