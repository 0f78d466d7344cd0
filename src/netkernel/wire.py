"""`netkernel.connect`: plug a device's cable into another machine, a QEMU socket backend or a real
TAP device.

    netkernel.connect(k1, "eth0", k2, "eth0")                  # a cable between two machines
    netkernel.connect(k, "eth0", netdev="stream,addr.type=inet,addr.host=127.0.0.1,addr.port=5555")
    netkernel.connect(k, "eth0", tap="nktap0", host_netns="ns1")

A device has a cable when its driver's private data exposes the cable end as `priv.port` (a
netkernel.backends.port.Port): the `tap` and `qemu` kinds do, and so does a MAC whose model has
one. Connecting again replaces (and closes) what the port was plugged into.

A cable between machines posts what crosses it to the receiving machine, which takes it in its
own context (DESIGN.md "Execution model", netkernel/hw/cpu.py). Plugging in is done from inside
each port's machine, so `connect` returns once both machines have taken the link changes it
caused (carrier is up when the other end is there).
"""
from __future__ import annotations

from netkernel.backends.port import Port
from netkernel.backends.qemu_socket import netdev_backend
from netkernel.backends.tap import TapBackend
from netkernel.uapi import errno as E


def device_port(k, dev: str) -> Port:
    """The cable end of device `dev` on machine (or namespace view) `k`."""
    d = k.net.dev_by_name.get(dev)
    if d is None:
        raise OSError(E.ENODEV, f"{dev}: no such device")
    port = getattr(d.priv, "port", None)
    if not isinstance(port, Port):
        kind = d.link_ops.kind if d.link_ops is not None else "loopback"
        raise TypeError(f"{dev} ({kind}) has no cable to connect: use kind 'tap' or 'qemu', or a MAC")
    return port


def connect(k, dev: str, k2=None, dev2: str | None = None, *, netdev: str | None = None,
            tap: str | None = None, host_netns: str | None = None):
    """Plug `dev`'s cable into `k2`'s `dev2`, a QEMU `-netdev stream|dgram` backend (`netdev=`),
    or the real TAP `tap` in the real namespace `host_netns`. Returns the backend (or the Wire).

    A device has a cable when it is a MAC (machines.ast2500's eth0/eth1) or of kind "tap",
    "qemu" or "veth" (a veth end on a cable stands for a peer on another machine); anything else
    is a TypeError. Frames crossing to another machine are queued on it and handled in its own
    context, in order (hw/cpu.py); a QEMU or TAP backend's frames arrive through the machine's
    interrupt thread. Connecting a device again replaces (and closes) what it was plugged into.

        netkernel.connect(k1, "eth0", k2, "eth0")
        netkernel.connect(k, "eth0", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                          "local.port=5556,remote.type=inet,remote.host=127.0.0.1,remote.port=5555")"""
    forms = (k2 is not None or dev2 is not None, netdev is not None, tap is not None)
    if sum(forms) != 1:
        raise TypeError("connect(k, dev, k2, dev2) or connect(k, dev, netdev=...) or "
                        "connect(k, dev, tap=..., host_netns=...)")
    if host_netns is not None and tap is None:
        raise TypeError("host_netns= goes with tap=")
    port = device_port(k, dev)
    if netdev is not None:
        backend = netdev_backend(netdev)
    elif tap is not None:
        backend = TapBackend(tap, host_netns)
    else:
        from netkernel.hw.wire import Wire   # the hardware layer is loaded only when needed
        if k2 is None or dev2 is None:
            raise TypeError("connect(k1, dev1, k2, dev2) needs both k2 and dev2")
        port2 = device_port(k2, dev2)
        wire = Wire()
        _attach(port, wire.a)
        _attach(port2, wire.b)
        return wire
    _attach(port, backend)
    return backend


def _attach(port: Port, backend) -> None:
    """Plug `backend` into `port` from inside the port's machine: the link changes this causes
    have run on both machines when it returns (netkernel/hw/cpu.py)."""
    with port.cpu.lock:
        port.attach(backend)
