"""Kernel timers on a machine's clock (kernel/time/timer.py)."""
import netkernel
from netkernel.kernel.time.timer import (TimerList, del_timer_sync, jiffies, mod_timer,
                                         msecs_to_jiffies)


def test_timers_fire_in_expiry_order_once_and_not_after_delete():
    k = netkernel.Kernel(clock="virtual")
    core = k.core
    fired = []
    t1, t2, t3 = (TimerList(lambda t, n=n: fired.append(n)) for n in (1, 2, 3))
    assert msecs_to_jiffies(core, 10) == 3 and msecs_to_jiffies(core, 4) == 1
    mod_timer(core, t2, jiffies(core) + 2)
    mod_timer(core, t1, jiffies(core) + 1)
    mod_timer(core, t3, jiffies(core) + 1)
    del_timer_sync(core, t3)
    mod_timer(core, t2, jiffies(core) + 3)     # re-armed: the old expiry is stale
    k.advance(8_000_000)
    assert fired == [1]
    k.advance(4_000_000)
    assert fired == [1, 2]
    k.advance(100_000_000)
    assert fired == [1, 2]
