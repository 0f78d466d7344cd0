"""Kernel timers (kernel/time/timer.c): timer_setup, mod_timer, del_timer_sync, and the expiry run.

Time is the machine's clock (NetCore.clock, nanoseconds) counted in jiffies of CONFIG_HZ. Expired
timers run under the machine lock, as a timer softirq would: on a virtual-clock machine when the
test moves the clock (`Kernel.advance` calls run_timers), on a real-clock machine from one helper
thread per machine that sleeps until the next expiry (started with the first armed timer, gone
when no timer is armed).
"""
from __future__ import annotations

LINUX_SOURCE = "kernel/time/timer.c"
MODEL_HELPERS = ("jiffies", "msecs_to_jiffies")   # a variable and a time.c helper in Linux

import heapq
import threading
import time
import weakref


class TimerList:
    """struct timer_list: the callback, its expiry in jiffies, whether it is armed."""
    __slots__ = ("function", "expires", "pending", "_seq")

    def __init__(self, function):
        self.function = function
        self.expires = 0
        self.pending = False
        self._seq = 0


class TimerBase:
    """struct timer_base of one machine: the armed timers, ordered by expiry."""
    __slots__ = ("core", "heap", "seq", "cv", "thread", "realtime", "__weakref__")

    def __init__(self, core):
        self.core = core
        self.heap: list = []
        self.seq = 0
        self.cv = threading.Condition(core.lock)
        self.thread = None
        self.realtime = core.clock is time.monotonic_ns


def _base(core) -> TimerBase:
    base = core.timer_base
    if base is None:
        base = core.timer_base = TimerBase(core)
    return base


def jiffies(core) -> int:
    """The machine's jiffies: its clock in units of 1/HZ second."""
    return core.clock() * core.sysctl["kernel.hz"] // 1_000_000_000


def msecs_to_jiffies(core, m: int) -> int:
    """msecs_to_jiffies: rounded up to whole jiffies."""
    hz = core.sysctl["kernel.hz"]
    return (m * hz + 999) // 1000


def timer_setup(timer: TimerList, function) -> None:
    timer.function = function
    timer.pending = False


def mod_timer(core, timer: TimerList, expires: int) -> None:
    """mod_timer: (re)arm the timer to fire once jiffies reach `expires`."""
    base = _base(core)
    base.seq += 1
    timer.expires = expires
    timer.pending = True
    timer._seq = base.seq
    heapq.heappush(base.heap, (expires, base.seq, timer))
    if base.realtime:
        if base.thread is None:
            base.thread = threading.Thread(target=_timer_thread, args=(weakref.ref(base),),
                                           name="netkernel-timers", daemon=True)
            base.thread.start()
        else:
            base.cv.notify_all()


def del_timer_sync(core, timer: TimerList) -> None:
    """del_timer_sync: disarm (callbacks run under the machine lock, so none is running now)."""
    timer.pending = False
    timer._seq = 0


def run_timers(core) -> None:
    """__run_timers: call every armed timer whose expiry has come (caller holds the lock)."""
    base = core.timer_base
    if base is None or not base.heap:
        return
    now = jiffies(core)
    heap = base.heap
    while heap and heap[0][0] <= now:
        _, seq, timer = heapq.heappop(heap)
        if not timer.pending or timer._seq != seq:
            continue                       # re-armed or deleted since: a stale entry
        timer.pending = False
        timer.function(timer)


def _next_delay(base: TimerBase) -> float | None:
    """Seconds until the next armed timer (None: nothing armed)."""
    heap = base.heap
    while heap and (not heap[0][2].pending or heap[0][2]._seq != heap[0][1]):
        heapq.heappop(heap)
    if not heap:
        return None
    hz = base.core.sysctl["kernel.hz"]
    due_ns = -(-heap[0][0] * 1_000_000_000 // hz)
    return max(0.0, (due_ns - base.core.clock()) / 1e9)


def _timer_thread(ref) -> None:
    """The real-clock expiry loop of one machine; ends when no timer is armed or the machine
    is gone."""
    while True:
        base = ref()
        if base is None:
            return
        with base.cv:
            if base.thread is not threading.current_thread():
                return
            run_timers(base.core)
            delay = _next_delay(base)
            if delay is None:
                base.thread = None
                return
            base.cv.wait(min(delay, 0.5))
        del base
