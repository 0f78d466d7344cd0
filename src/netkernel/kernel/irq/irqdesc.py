"""Interrupt descriptors and the flow from the CPU's entry (kernel/irq/irqdesc.c)."""
from __future__ import annotations

LINUX_SOURCE = "kernel/irq/irqdesc.c"

from netkernel.include.linux.irqdesc import handle_domain_irq  # noqa: F401 (re-exported)

IRQ_NONE = 0
IRQ_HANDLED = 1


class IrqDesc:
    """struct irq_desc with its one action: the handler, its cookie, and how often it ran."""
    __slots__ = ("irq", "handler", "name", "dev_id", "count", "unhandled")

    def __init__(self, irq: int):
        self.irq = irq
        self.handler = None
        self.name = ""
        self.dev_id = None
        self.count = 0
        self.unhandled = 0


class IrqDescTable:
    """The machine's irq_desc array (no globals: one per machine) and its NetCore for softirqs."""
    __slots__ = ("descs", "core")

    def __init__(self, core):
        self.descs: dict[int, IrqDesc] = {}
        self.core = core

    def _desc(self, irq: int) -> IrqDesc:
        d = self.descs.get(irq)
        if d is None:
            d = self.descs[irq] = IrqDesc(irq)
        return d


def generic_handle_irq(table: IrqDescTable, irq: int) -> int:
    """generic_handle_irq: run the line's action; a line without one counts as unhandled."""
    desc = table._desc(irq)
    desc.count += 1
    if desc.handler is None:
        desc.unhandled += 1
        return IRQ_NONE
    return desc.handler(irq, desc.dev_id)


def __handle_domain_irq(table: IrqDescTable, irq: int) -> int:
    """__handle_domain_irq: irq_enter, the handler, irq_exit (which runs pending softirqs)."""
    from netkernel.kernel.softirq import irq_enter, irq_exit
    irq_enter(table.core)
    ret = generic_handle_irq(table, irq)
    irq_exit(table.core)
    return ret
