"""A cable between two machines' ports (netkernel.backends.port.Port), as a pair of backends.

Each end is a backend of one Port (start/send/close, like the TAP and QEMU backends). What one
port sends — in its machine's context, under that machine's lock — is handed to the other port's
`rx` with the sending machine named (`sender=`), which only posts it to the other machine
(netkernel/hw/cpu.py): the other machine receives it in its own context, in order, once the
sending thread has left its machine; the sender never takes the receiver's lock. Plugging the cable in tells
both ports the link is up; unplugging, that it is down. The cable carries raw Ethernet frames
without FCS, as QEMU's backends do.

Thread safety: both ends send at once, from two machines. Each end counts what it sent itself
(only its own machine sends on it, under that machine's lock); `log` is a bounded deque, whose
append is atomic.
"""
from __future__ import annotations

from collections import deque


class WireEnd:
    """One end of a Wire, plugged into a Port as its backend; `sent` counts what it carried."""
    __slots__ = ("wire", "port", "other", "sent")

    def __init__(self, wire: "Wire"):
        self.wire = wire
        self.port = None
        self.other = None
        self.sent = 0

    def start(self, port) -> None:
        self.port = port
        if self.other is not None and self.other.port is not None:
            self.wire.plugged = True
            port.link(True)
            self.other.port.link(True, port.cpu)

    def send(self, frame) -> bool:
        w = self.wire
        o = self.other
        port = self.port
        peer = o.port if o is not None else None
        if not w.plugged or port is None or peer is None:
            return True                 # on an unplugged cable the bits go nowhere
        frame = bytes(frame)
        self.sent += 1
        w.log.append((port.name, peer.name, frame))
        peer.rx([frame], port.cpu)
        return True

    def close(self) -> None:
        w = self.wire
        port = self.port
        if w.plugged:
            w.plugged = False
            sender = port.cpu if port is not None else None
            for end in (self, self.other):
                if end is not None and end.port is not None:
                    end.port.link(False, sender)
        self.port = None


class Wire:
    """A point-to-point cable: `frames` counts what it carried, `log` keeps the last frames as
    (from port, to port, frame)."""
    __slots__ = ("a", "b", "plugged", "log")

    def __init__(self, log_max: int = 64):
        self.a = WireEnd(self)
        self.b = WireEnd(self)
        self.a.other = self.b
        self.b.other = self.a
        self.plugged = False
        self.log: deque = deque(maxlen=log_max)

    @property
    def frames(self) -> int:
        return self.a.sent + self.b.sent

    @property
    def log_max(self) -> int:
        return self.log.maxlen

    def connect(self, port_a, port_b) -> "Wire":
        port_a.attach(self.a)
        port_b.attach(self.b)
        return self

    def unplug(self) -> None:
        """Pull the cable out of both ports (each from inside its machine)."""
        for end in (self.a, self.b):
            p = end.port
            if p is not None and p.backend is end:
                if p.cpu is None:
                    p.detach()
                else:
                    with p.cpu.lock:
                        p.detach()
