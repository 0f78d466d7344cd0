"""A machine's CPU as the outside world meets it: the machine lock and the inbox of hardware events.

Execution model (DESIGN.md §3, "Execution model"):

- **One machine, one lock.** `Cpu.lock` (a `MachineLock`) is the machine lock: every way into a
  machine — a syscall (api.py `_View._call`), a link change, a capture, an inspection of the
  hardware — is `with lock:`. Code running inside a machine never enters another one: a thread
  holds at most one machine lock at a time (two machines sending to each other used to deadlock
  because each held its own lock while taking the other's).
- **What crosses machines is posted, never called.** A frame leaving on a cable, a link change, a
  backend saying "I can take frames again": whoever produces it calls `cpu.post(fn, *args)` on
  the *receiving* machine's Cpu — `cpu.post_from(sender, ...)` when it runs inside another
  machine, the `sender` (a cable's far end does; backends go through
  netkernel.backends.port.Port). Posting only appends to `inbox` (a deque: atomic, no lock): a
  posting thread never takes, nor waits for, the receiver's lock.
- **The receiver processes its inbox in its own context, in order:** under its own lock, oldest
  event first, with its own tracer (`owner()._tracer`), as the interrupt a NIC raises is taken
  by the CPU it is wired to. Who runs it depends on where the event came from:
  1. *From inside the machine itself* (a cable from A to A, a backend's link change while A
     plugs it in): before the lock is left (`owned` counts the events, from the head of the
     inbox, that must run first).
  2. *From inside another machine* (a frame on a cable between two machines): the work is
     noted on the sender (`A.kicks`); the thread that leaves A (outermost exit) releases A's
     lock and only then enters B (`settle`) and takes B's events there — and so on for what B
     sent meanwhile. So when `send()` returns, the peer has received the frame, in the peer's
     context, and a sequential program is deterministic: `k1` sends, `k2.recv(MSG_DONTWAIT)`
     finds the frame.
  3. *From outside every machine* (a backend's reader or writer thread): the machine's
     interrupt thread ("irq/ksoftirqd"), a daemon thread started on the first such event, that
     sleeps on a private condition (never the machine lock), enters the machine and runs what
     is queued when woken, and ends after `IDLE_SECONDS` without events (a later event starts
     it again). It holds the Cpu only weakly while it sleeps, so it keeps no machine alive.
     These events arrive asynchronously, as interrupts do: a syscall does not run them first.
  A thread that goes to sleep inside a machine (a blocking recv) hands what it posted (1., 2.)
  to the interrupt threads, so nothing waits on a sleeper. A run takes only the events queued
  when it began (a flood never holds the machine); what is left goes to the interrupt thread.
- No helper thread per frame, no reordering (one FIFO per machine, drained only under its lock),
  no deadlock (no thread holds two machine locks, and posting never waits).

Nothing here is a kernel function: the tracer never records this module; what it records is the
kernel functions the events run (the FTGMAC100 interrupt's handle_domain_irq, the softirq a veth
end's cable ends in, ...), in the receiving machine's trace.
"""
from __future__ import annotations

import _thread
import sys
import threading
import traceback
import weakref
from collections import deque

__all__ = ["Cpu", "MachineLock"]


class MachineLock(_thread.RLock):
    """The machine lock: reentrant; `with lock:` enters the machine (see the module docstring).
    threading.Condition works on it as on an RLock (socket wait queues sleep on it). `depth` is
    the owner's nesting of `with` (kept across a Condition wait). The outermost exit first runs
    what the machine posted to itself, releases, then enters the machines it handed work to."""
    __slots__ = ("cpu", "depth")

    def __enter__(self):
        self.acquire()
        self.depth += 1
        return self

    def __exit__(self, t, v, tb) -> None:
        d = self.depth
        if d > 1:
            self.depth = d - 1
            self.release()
            return
        cpu = self.cpu
        if not (cpu.owned or cpu.kicks):
            self.depth = 0
            self.release()
            return
        try:
            while cpu.owned and cpu.inbox and not cpu._running:
                cpu.run_pending(cpu.owned)  # what it posted to itself, and what came before
        finally:
            cpu.owned = 0
            kicks = cpu.kicks
            cpu.kicks = []
            self.depth = 0
            self.release()
        _enter_kicked(kicks)            # now outside every machine: enter those it sent to

    def _release_save(self):
        """Condition.wait: the thread sleeps inside the machine; what it posted, to itself or to
        other machines, goes to the interrupt threads."""
        cpu = self.cpu
        kicks = cpu.kicks
        if kicks:
            cpu.kicks = []
            for other in kicks:
                other.wake()
        if cpu.owned:
            cpu.owned = 0
            cpu.wake()
        depth, self.depth = self.depth, 0
        return super()._release_save(), depth

    def _acquire_restore(self, state) -> None:
        saved, depth = state
        super()._acquire_restore(saved)
        self.depth = depth


_kicking = threading.local()     # per thread: the machines it still has to enter, while it does


def _enter_kicked(kicks: list) -> None:
    """Enter each machine handed work to, oldest first; entering runs its events, and leaving it
    adds the machines those events sent to. Iterative, so a long exchange between machines does
    not grow the stack."""
    pending = getattr(_kicking, "pending", None)
    if pending is not None:             # this thread is already working through a list
        pending.extend(k for k in kicks if k not in pending)
        return
    _kicking.pending = pending = list(kicks)
    try:
        while pending:
            pending.pop(0).settle()
    finally:
        _kicking.pending = None


class Cpu:
    """One machine's CPU: `lock` (the machine lock), `inbox` (pending hardware events) and the
    interrupt thread. `owner` is a weak reference to the Kernel (for its tracer)."""
    __slots__ = ("lock", "inbox", "owned", "kicks", "owner", "errors", "thread_name", "_cond",
                 "_wake_pending", "_thread", "_running", "__weakref__")

    IDLE_SECONDS = 1.0          # the interrupt thread ends after this long without events

    def __init__(self, owner=None):
        self.lock = MachineLock()
        self.lock.cpu = self
        self.lock.depth = 0
        self.inbox: deque = deque()
        self.owned = 0                  # events from the head to run before the lock is left
        self.kicks: list = []           # other machines this one handed work to (lock held)
        self.owner = owner
        self.errors = 0                 # events that raised (their traceback went to stderr)
        self.thread_name = f"netkernel-irq-{id(self):x}"
        self._cond = threading.Condition(threading.Lock())   # the interrupt thread's own
        self._wake_pending = False
        self._thread = None
        self._running = False

    # -- handing work to this machine (any thread, no machine lock needed)
    def post(self, fn, *args) -> None:
        """Queue `fn(*args)` to run on this machine, in its context, after everything queued
        before it. Posted from inside this machine, it runs before the machine is left; from
        outside every machine, on the interrupt thread (or by whoever settles it first)."""
        inbox = self.inbox
        inbox.append((fn, args))
        if self.lock._is_owned():
            self.owned = len(inbox)
        else:
            self.wake()

    def post_from(self, sender: "Cpu | None", fn, *args) -> None:
        """`post`, by code running inside machine `sender` (a cable's far end): it runs on this
        machine once the sending thread has left `sender` — so when the sender's syscall
        returns, this machine has received — or, if that thread sleeps first, on this machine's
        interrupt thread."""
        inbox = self.inbox
        inbox.append((fn, args))
        if self.lock._is_owned():
            self.owned = len(inbox)
        elif sender is not None and sender.lock._is_owned():
            kicks = sender.kicks
            if self not in kicks:
                kicks.append(self)
        else:
            self.wake()

    def settle(self) -> None:
        """From outside every machine: enter this one and run what was posted to it so far."""
        with self.lock:
            if self.inbox:
                self.run_pending(len(self.inbox))

    # -- running the inbox (with the lock held)
    def run_pending(self, n: int) -> None:
        """Take the next `n` events, oldest first (the caller holds the lock). Events that
        arrive meanwhile wait for the next run or the interrupt thread, so a flood from a
        backend never holds the machine. Traced as this machine's work when it is being traced;
        never as another machine's."""
        if self._running:
            return
        self._running = True
        try:
            k = self.owner() if self.owner is not None else None
            t = getattr(k, "_tracer", None)
            if t is not None:
                t.run_syscall(self._take_events, n)
            else:
                prev = sys.getprofile()
                if prev is None:
                    self._take_events(n)
                else:
                    sys.setprofile(None)        # the thread is traced for another machine
                    try:
                        self._take_events(n)
                    finally:
                        sys.setprofile(prev)
        finally:
            self._running = False
        if len(self.inbox) > self.owned:
            self.wake()

    def _take_events(self, n: int) -> None:
        inbox = self.inbox
        popleft = inbox.popleft
        while n > 0 and inbox:
            n -= 1
            if self.owned:
                self.owned -= 1
            fn, args = popleft()
            try:
                fn(*args)
            except Exception:           # noqa: BLE001 - one bad event must not stop the machine
                self.errors += 1
                print(f"netkernel: a hardware event on {self.thread_name} failed:",
                      file=sys.stderr)
                traceback.print_exc()

    # -- the interrupt thread
    def wake(self) -> None:
        """Make the interrupt thread take the inbox (starting it if it is not running)."""
        with self._cond:
            self._wake_pending = True
            if self._thread is None:
                t = threading.Thread(target=_irq_thread, args=(weakref.ref(self), self._cond),
                                     name=self.thread_name, daemon=True)
                self._thread = t
                t.start()
            else:
                self._cond.notify()


def _irq_thread(ref, cond) -> None:
    """The interrupt thread's loop; it holds its Cpu only while it runs the inbox."""
    while True:
        with cond:
            cpu = ref()
            if cpu is None:
                return
            if not cpu._wake_pending:
                cpu = None
                cond.wait(Cpu.IDLE_SECONDS)
                cpu = ref()
                if cpu is None:
                    return
                if not cpu._wake_pending:
                    cpu._thread = None
                    return
            cpu._wake_pending = False
        try:
            cpu.settle()
        except Exception:               # noqa: BLE001 - the thread must outlive a bad tracer
            traceback.print_exc()
        cpu = None
