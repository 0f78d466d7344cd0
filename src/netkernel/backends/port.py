"""`Port`: a device's end of a cable that leaves the machine (see backends/__init__.py)."""
from __future__ import annotations

import os
import select
import threading


def _nothing(*args) -> None:
    return None


class Port:
    """One cable end. The device gives its handlers (`on_rx(frames)`, `on_link(up)`,
    `on_tx_ready()`) and the Cpu of its machine (`cpu`, netkernel.hw.cpu); `attach` plugs a
    backend in.

    A backend calls `rx(frames: list[bytes])`, `link(up: bool)` and `tx_ready()` from any thread —
    its reader thread, or another machine's sending thread for a cable between machines (which
    says so: `sender=` that machine's Cpu). They never call the device: they post the handler to
    the device's machine, which runs it in its own context (its lock, its tracer), after
    everything posted before it (DESIGN.md "Execution model", netkernel/hw/cpu.py). A port whose
    device has no machine yet (cpu None) drops what arrives."""
    __slots__ = ("name", "backend", "cpu", "on_rx", "on_link", "on_tx_ready")

    def __init__(self, name: str, on_rx=_nothing, on_link=_nothing, on_tx_ready=_nothing,
                 cpu=None):
        self.name = name
        self.backend = None
        self.cpu = cpu
        self.on_rx = on_rx
        self.on_link = on_link
        self.on_tx_ready = on_tx_ready

    # -- from the backend (any thread)
    def rx(self, frames, sender=None) -> None:
        """Frames arrived on the cable (Ethernet, no FCS). `sender`: the Cpu of the machine whose
        context this runs in, when the far end of the cable is another machine's device."""
        cpu = self.cpu
        if cpu is not None:
            cpu.post_from(sender, self.on_rx, frames)

    def link(self, up: bool, sender=None) -> None:
        """The cable was plugged in (True) or pulled out (False)."""
        cpu = self.cpu
        if cpu is not None:
            cpu.post_from(sender, self.on_link, up)

    def tx_ready(self) -> None:
        """The backend can take frames again after refusing one."""
        cpu = self.cpu
        if cpu is not None:
            cpu.post(self.on_tx_ready)

    # -- from the device (its machine's context)
    def attach(self, backend) -> None:
        """Plug `backend` in (replacing and closing any previous one) and start its threads."""
        old, self.backend = self.backend, backend
        self._invalidate()
        if old is not None:
            old.close()
        backend.start(self)

    def detach(self) -> None:
        old, self.backend = self.backend, None
        self._invalidate()
        if old is not None:
            old.close()

    def _invalidate(self) -> None:
        """The device's frames now go elsewhere: its machine's fast-path routes are stale
        (netkernel/fastpath.py)."""
        owner = self.cpu.owner() if self.cpu is not None and self.cpu.owner is not None else None
        core = getattr(owner, "core", None)
        if core is not None:
            core.fp_gen += 1

    def send(self, frame) -> bool:
        """Put a frame on the cable; without a backend the frame is lost (and counts as sent)."""
        b = self.backend
        if b is None:
            return True
        return b.send(frame)

    def __repr__(self) -> str:
        return f"<Port {self.name} backend={self.backend!r}>"


class ReaderThread:
    """A daemon thread that waits for `fd` to be readable and calls `on_readable()` (which returns
    False to end the thread), until `stop()`. A pipe wakes it for stopping, so stopping never races
    with a blocked read; `on_exit()` runs on the thread as it ends (the backend closes its fds
    there, so no fd is closed under a select that still watches it)."""

    def __init__(self, name: str, on_readable, fd: int, on_exit=_nothing, on_timeout=_nothing):
        self.fd = fd                 # -1: wait only for the timeout (or stop)
        self.timeout = None          # seconds; on_timeout() runs when it passes with nothing read
        self._on_timeout = on_timeout
        self._on_readable = on_readable
        self._on_exit = on_exit
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = False
        self._pipe_lock = threading.Lock()   # the pipe is closed by the thread, written by stop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def start(self) -> None:
        self._thread.start()

    def close_unstarted(self) -> None:
        """Release the pipe of a thread that was never started."""
        if not self._thread.is_alive() and self._wake_r >= 0:
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._wake_r = self._wake_w = -1

    def _run(self) -> None:
        wake = self._wake_r
        try:
            while not self._stopping:
                fds = [self.fd, wake] if self.fd >= 0 else [wake]
                r, _, _ = select.select(fds, [], [], self.timeout)
                if wake in r or self._stopping:
                    break
                if (self._on_readable() if r else self._on_timeout()) is False:
                    break
        finally:
            with self._pipe_lock:
                self._stopping = True
                os.close(self._wake_r)
                os.close(self._wake_w)
                self._wake_r = self._wake_w = -1
            self._on_exit()

    def stop(self, wait: float = 0.0) -> None:
        """Ask the thread to end; wait up to `wait` seconds for it (never from itself)."""
        with self._pipe_lock:
            self._stopping = True
            if self._wake_w >= 0:
                os.write(self._wake_w, b"x")
        if wait and self._thread is not threading.current_thread():
            self._thread.join(wait)
