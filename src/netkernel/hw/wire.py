"""A cable between two machines' ports (netkernel.backends.port.Port), as a pair of backends.

Each end is a backend of one Port (start/send/close, like the TAP and QEMU backends): what one
port sends is handed at once to the other port's `rx`, which enters its own machine (lock, CPU)
itself. Plugging the cable in tells both ports the link is up; unplugging, that it is down. The
cable carries raw Ethernet frames without FCS, as QEMU's backends do.
"""
from __future__ import annotations


class WireEnd:
    """One end of a Wire, plugged into a Port as its backend."""
    __slots__ = ("wire", "port", "other")

    def __init__(self, wire: "Wire"):
        self.wire = wire
        self.port = None
        self.other = None

    def start(self, port) -> None:
        self.port = port
        if self.other is not None and self.other.port is not None:
            self.wire.plugged = True
            port.link(True)
            self.other.port.link(True)

    def send(self, frame) -> bool:
        w = self.wire
        o = self.other
        if not w.plugged or o is None or o.port is None:
            return True                 # on an unplugged cable the bits go nowhere
        frame = bytes(frame)
        w.frames += 1
        w.log.append((self.port.name, o.port.name, frame))
        if len(w.log) > w.log_max:
            del w.log[0]
        o.port.rx([frame])
        return True

    def close(self) -> None:
        w = self.wire
        if w.plugged:
            w.plugged = False
            for end in (self, self.other):
                if end is not None and end.port is not None:
                    end.port.link(False)
        self.port = None


class Wire:
    """A point-to-point cable: `frames` counts what it carried, `log` keeps the last frames."""
    __slots__ = ("a", "b", "plugged", "frames", "log", "log_max")

    def __init__(self, log_max: int = 64):
        self.a = WireEnd(self)
        self.b = WireEnd(self)
        self.a.other = self.b
        self.b.other = self.a
        self.plugged = False
        self.frames = 0
        self.log: list = []
        self.log_max = log_max

    def connect(self, port_a, port_b) -> "Wire":
        port_a.attach(self.a)
        port_b.attach(self.b)
        return self

    def unplug(self) -> None:
        for end in (self.a, self.b):
            p = end.port
            if p is not None and p.backend is end:
                p.detach()
