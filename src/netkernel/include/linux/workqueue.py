"""Work items (include/linux/workqueue.h over kernel/workqueue.c): a function to run later in process context, once per queueing.

A machine has one CPU and no kworker threads: schedule_work posts the item to the machine's inbox
(netkernel/hw/cpu.py), so it runs in the machine's context after what is running now — before the
machine is left when queued from inside it — as its own call graph (a kworker's, in Linux).
A work item already pending is not queued twice.
"""
from __future__ import annotations

LINUX_SOURCE = "include/linux/workqueue.h"


class WorkStruct:
    """struct work_struct: the function (called with the item) and whether it is queued."""
    __slots__ = ("func", "pending", "data")

    def __init__(self, func, data=None):
        self.func = func
        self.pending = False
        self.data = data            # the container (container_of): what func works on


def _process_one_work(work: WorkStruct) -> None:
    work.pending = False
    work.func(work)


def schedule_work(core, work: WorkStruct) -> bool:
    """schedule_work (include/linux/workqueue.h → queue_work_on): queue `work` on the machine
    `core`'s system workqueue; False when it was already pending."""
    if work.pending:
        return False
    work.pending = True
    core.cpu.post(_process_one_work, work)
    return True

