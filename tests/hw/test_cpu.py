"""The machine's CPU (netkernel/hw/cpu.py): the machine lock, the inbox of events, and who runs
it — the next entry, the thread leaving the machine that posted, or the interrupt thread."""
import threading
import time

import pytest

from netkernel.hw.cpu import Cpu
from polling import wait_until   # tests/ is on sys.path


def test_events_posted_from_outside_run_in_order_on_the_interrupt_thread_under_the_lock():
    cpu = Cpu()
    seen = []

    def ev(i):
        seen.append((i, cpu.lock._is_owned(), threading.current_thread().name))
    for i in range(100):
        cpu.post(ev, i)
    assert wait_until(lambda: len(seen) == 100)
    assert [s[0] for s in seen] == list(range(100))
    assert all(owned and name == cpu.thread_name for _, owned, name in seen)


def test_settling_runs_what_was_posted_before_in_order():
    cpu = Cpu()
    seen = []
    gate = threading.Event()
    holder_in = threading.Event()

    def hold():                         # the machine is busy: the interrupt thread must wait
        with cpu.lock:
            holder_in.set()
            gate.wait(5)
    t = threading.Thread(target=hold)
    t.start()
    holder_in.wait(5)
    cpu.post(seen.append, 1)
    cpu.post(seen.append, 2)
    assert seen == []
    gate.set()
    t.join(5)
    cpu.settle()
    seen.append("settled")
    assert seen == [1, 2, "settled"]


def test_a_thread_inside_one_machine_posts_and_the_other_runs_it_after_the_first_is_left():
    a, b = Cpu(), Cpu()
    seen = []

    def on_b():
        seen.append((a.lock._is_owned(), b.lock._is_owned(), threading.current_thread()))
    with a.lock:
        b.post_from(a, on_b)
        time.sleep(0.05)                # nobody else runs it meanwhile (no interrupt thread)
        assert seen == []
    assert seen == [(False, True, threading.current_thread())]
    assert b._thread is None


def test_a_thread_sleeping_inside_a_machine_hands_its_events_to_the_receivers():
    a, b = Cpu(), Cpu()
    done = threading.Event()
    cond = threading.Condition(a.lock)
    with a.lock:
        with a.lock:                    # nested: the depth survives the wait
            b.post_from(a, done.set)
            deadline = time.monotonic() + 5
            while not done.is_set() and time.monotonic() < deadline:
                cond.wait(0.05)
            assert done.is_set()        # run by b's interrupt thread while we slept inside a
        assert a.lock.depth == 1
    assert a.lock.depth == 0
    t = threading.Thread(target=a.settle)
    t.start()
    t.join(5)
    assert not t.is_alive()             # fully released


def test_posting_to_itself_runs_before_the_lock_is_released():
    a = Cpu()
    seen = []
    with a.lock:
        a.post(seen.append, "self")
        assert seen == []
    assert seen == ["self"] and a._thread is None


def test_a_failing_event_is_counted_and_the_next_ones_still_run(capsys):
    a = Cpu()
    seen = []
    with a.lock:
        a.post(lambda: 1 / 0)
        a.post(seen.append, "after")
    assert seen == ["after"] and a.errors == 1
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_events_arriving_during_a_drain_are_left_for_later_but_never_stranded():
    a = Cpu()
    seen = []

    def flood(i):
        seen.append(i)
        if i < 50:
            a.post(flood, i + 1)        # each event posts the next, as a busy backend would
    a.post(flood, 0)
    a.settle()
    assert wait_until(lambda: len(seen) == 51)
    assert seen == list(range(51))


def test_a_chain_of_machines_is_entered_one_at_a_time_without_growing_the_stack():
    cpus = [Cpu() for _ in range(600)]
    held = []

    def hop(i):
        held.append(sum(c.lock._is_owned() for c in cpus))
        if i + 1 < len(cpus):
            cpus[i + 1].post_from(cpus[i], hop, i + 1)
    with cpus[0].lock:
        cpus[0].post(hop, 0)
    assert len(held) == 600 and set(held) == {1}
    assert all(c._thread is None for c in cpus)


def test_posting_from_a_machine_the_thread_is_not_in_falls_back_to_the_interrupt_thread():
    a, b = Cpu(), Cpu()
    done = threading.Event()
    b.post_from(a, done.set)            # a's lock is not held: nobody would leave a
    assert done.wait(5)
    assert a.kicks == []
