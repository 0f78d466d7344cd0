"""The reliability suite's guards: a hard per-test watchdog, the slow opt-in and the seed.

Every scenario in this directory runs its netkernel work on worker threads that the test joins
with a timeout (harness.run_bounded), so a deadlock or a call blocking past its timeout FAILS the
test with the stacks of every thread. The watchdog below is the last resort behind that: if a
test's own thread is stuck, faulthandler dumps all stacks and ends the process instead of hanging
CI.

Environment:
  NKREL_SLOW=1          longer random runs and more seeds (opt-in, minutes)
  NKREL_SEED=N          replay one seed (printed by every failing random run)
  NKREL_HARD_TIMEOUT=S  the last-resort watchdog per test (default 120 s)
"""
from __future__ import annotations

import faulthandler
import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

HARD_TIMEOUT = float(os.environ.get("NKREL_HARD_TIMEOUT", "120"))


@pytest.fixture(autouse=True)
def _last_resort_watchdog():
    faulthandler.dump_traceback_later(HARD_TIMEOUT, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def _no_exception_in_any_thread():
    """A netkernel thread (a backend's reader, a delivery helper) that dies of an exception
    breaks the contract as much as a call that raises one: the test fails with its traceback."""
    seen = []
    prev = threading.excepthook

    def hook(args):
        seen.append(args)
        prev(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = prev
    if seen:
        import traceback
        msgs = [f"thread {a.thread.name if a.thread else '?'}: "
                + "".join(traceback.format_exception(a.exc_type, a.exc_value, a.exc_traceback))
                for a in seen[:3]]
        pytest.fail(f"{len(seen)} exception(s) escaped in netkernel threads:\n" + "\n".join(msgs),
                    pytrace=False)
