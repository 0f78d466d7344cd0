"""A machine's CPU as the outside world meets it: the machine lock and the inbox of hardware events.

Execution model (DESIGN.md §3, "Execution model"):

- **One machine, one lock.** `Cpu.lock` (a `MachineLock`) is the machine lock: every way into a
  machine — a syscall (api.py `_View._call`), a link change, a capture, an inspection of the
  hardware — is `with lock:`. A thread is inside at most one machine at a time: entering another
  machine from inside one raises RuntimeError (that is how two machines sending to each other
  used to deadlock).
- **What crosses machines is posted, never called.** A frame leaving on a cable, a link change, a
  backend saying "I can take frames again": whoever produces it calls `cpu.post(fn, *args)` on
  the *receiving* machine's Cpu (backends do it through netkernel.backends.port.Port). Posting
  only appends to `inbox` (a deque: atomic, no lock) — a posting thread never takes, nor waits
  for, the receiver's lock.
- **The receiver processes its inbox in its own context, in order:** under its own lock, oldest
  event first, with its own tracer (`owner()._tracer`), as the interrupt a NIC raises is taken
  by the CPU it is wired to. Three things run an inbox, whichever comes first:
  1. *Entering the machine.* The outermost `with lock:` of a thread first takes every pending
     event, so a sequential program is deterministic: once `k1`'s send has put a frame on the
     cable, `k2.recv(MSG_DONTWAIT)` finds it.
  2. *Leaving the sending machine.* A thread that posted events while inside machine A (its send
     put a frame on a cable to B) remembers B; after it has left A — holding no machine lock —
     it enters B and takes B's events there (and so on for what B sent meanwhile). So when
     `send()` returns, the peer has received the frame, in the peer's context; a frame posted to
     A itself (a cable from A to A) is taken before A's lock is released.
  3. *The machine's interrupt thread* ("irq/ksoftirqd"), for events posted from outside every
     machine (a backend's reader thread): a daemon thread started on the first such event, that
     sleeps on a private condition (never the machine lock), enters the machine (1.) when woken,
     and ends after `IDLE_SECONDS` without events (a later event starts it again). It holds the
     Cpu only weakly while it sleeps, so it keeps no machine alive. A thread that goes to sleep
     inside a machine (a blocking recv) hands the events it posted to the receivers' interrupt
     threads, so nothing waits on a sleeper.
- No helper thread per frame, no reordering (one FIFO per machine, drained only under its lock),
  no deadlock (no thread ever holds two machine locks, and posting never waits).

Nothing here is a kernel function: the tracer never records this module; what it records is the
kernel functions the events run (the FTGMAC100 interrupt's handle_domain_irq, veth_wire_rx, ...).
"""
from __future__ import annotations

import _thread
import sys
import threading
import traceback
import weakref
from collections import deque

__all__ = ["Cpu", "MachineLock"]


class _ThreadState(threading.local):
    """Per thread: the machine it is inside (None: outside every machine), the other machines it
    posted to meanwhile (entered once it leaves), and whether it is entering those now."""

    def __init__(self):
        self.cpu = None
        self.kicks: list = []
        self.kicking = False


_tls = _ThreadState()


class MachineLock(_thread.RLock):
    """The machine lock: reentrant; `with lock:` is an entry into the machine (see the module
    docstring). threading.Condition works on it as on an RLock (socket wait queues sleep on it).
    `depth` is the owner's nesting of `with` (kept across a Condition wait)."""
    __slots__ = ("cpu", "depth")

    def __enter__(self):
        tls = _tls
        cur = tls.cpu
        cpu = self.cpu
        if cur is None:                 # entering the machine
            self.acquire()
            tls.cpu = cpu
            self.depth = 1
            if cpu.inbox:
                self._take_pending_or_leave()
            return self
        if cur is cpu:                  # already inside it (a nested `with`)
            self.acquire()
            self.depth += 1
            return self
        raise RuntimeError("a machine never enters another machine: hand the work over with "
                           "Cpu.post (netkernel.hw.cpu) instead")

    def __exit__(self, t, v, tb) -> None:
        if self.depth > 1:
            self.depth -= 1
            self.release()
            return
        if self.cpu.inbox:              # posted to itself (a cable from this machine to itself)
            self._leave_after(self.cpu.run_pending)
        else:
            self.depth = 0
            tls = _tls
            tls.cpu = None
            self.release()
            if tls.kicks and not tls.kicking:
                _enter_kicked(tls)

    def _take_pending_or_leave(self) -> None:
        """Entering: run the pending events; if that fails, leave again before raising."""
        try:
            self.cpu.run_pending()
        except BaseException:
            self.depth = 0
            _tls.cpu = None
            self.release()
            raise

    def _leave_after(self, fn) -> None:
        tls = _tls
        try:
            fn()
        finally:
            self.depth = 0
            tls.cpu = None
            self.release()
        if tls.kicks and not tls.kicking:
            _enter_kicked(tls)

    def _release_save(self):
        """Condition.wait: the thread sleeps inside the machine; what it posted is handed to the
        receivers' interrupt threads (and its own machine's, for events posted to itself)."""
        kicks = _tls.kicks
        while kicks:
            kicks.pop(0).wake()
        if self.cpu.inbox:
            self.cpu.wake()
        depth, self.depth = self.depth, 0
        return super()._release_save(), depth

    def _acquire_restore(self, state) -> None:
        saved, depth = state
        super()._acquire_restore(saved)
        self.depth = depth


def _enter_kicked(tls) -> None:
    """After leaving a machine: enter each machine posted to meanwhile, oldest first; entering
    runs its events, and leaving it adds the machines those events posted to."""
    tls.kicking = True
    try:
        kicks = tls.kicks
        while kicks:
            cpu = kicks.pop(0)
            with cpu.lock:
                pass
    finally:
        tls.kicking = False


class Cpu:
    """One machine's CPU: `lock` (the machine lock), `inbox` (pending hardware events) and the
    interrupt thread. `owner` is a weak reference to the Kernel (for its tracer)."""
    __slots__ = ("lock", "inbox", "owner", "errors", "thread_name", "_cond", "_wake_pending",
                 "_thread", "_running", "__weakref__")

    IDLE_SECONDS = 1.0          # the interrupt thread ends after this long without events

    def __init__(self, owner=None):
        self.lock = MachineLock()
        self.lock.cpu = self
        self.lock.depth = 0
        self.inbox: deque = deque()
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
        before it (see the module docstring for when it runs)."""
        self.inbox.append((fn, args))
        tls = _tls
        cur = tls.cpu
        if cur is None:
            self.wake()
        elif cur is not self and self not in tls.kicks:
            tls.kicks.append(self)

    def settle(self) -> None:
        """From outside every machine: enter this one, so that what was posted to it has run."""
        with self.lock:
            pass

    # -- running the inbox (with the lock held)
    def run_pending(self) -> None:
        """Take the events queued so far, oldest first (the caller holds the lock); events that
        arrive meanwhile are left to the next entry or the interrupt thread, so a flood from a
        backend cannot keep a syscall from starting. Traced as this machine's work when it is
        being traced; never as another machine's."""
        if self._running:
            return
        self._running = True
        try:
            n = len(self.inbox)
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
        if self.inbox:
            self.wake()

    def _take_events(self, n: int) -> None:
        popleft = self.inbox.popleft
        for _ in range(n):
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
