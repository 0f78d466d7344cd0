"""The machine's clocks as the kernel reads them (kernel/time/timekeeping.c)."""
from __future__ import annotations

LINUX_SOURCE = "kernel/time/timekeeping.c"


def ktime_get_real_ts64(core):
    """ktime_get_real_ts64: (sec, nsec) of the machine's wall clock (CLOCK_REALTIME)."""
    return divmod(core.clock() + core.realtime_offset, 1_000_000_000)
