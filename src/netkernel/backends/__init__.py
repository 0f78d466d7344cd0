"""Where frames leave the model: capture files, real TAP devices, QEMU socket network backends.

The contract between a device and a backend is a `Port` (port.py): the device's side of a cable,
like QEMU's pair of NetClientState peers. A backend calls `port.rx(frames)` from its own reader
thread with a list of received Ethernet frames (bytes, no FCS), `port.link(up)` when the cable is
plugged or pulled, and `port.tx_ready()` when it can take frames again after refusing one; these
only queue the work on the device's machine (it runs there, in order, in that machine's context),
so a backend thread never takes a machine lock. The device calls `backend.send(frame) -> bool`
for every frame it puts on the cable (False: not taken, stop the queue until tx_ready), from its
machine's context. Backends know nothing about netkernel's kernel layers.

Every backend counts what it does not deliver: `backend.stats()` is a dict of counters whose
names and meanings are listed in the module's *_STATS table (qemu_socket.STREAM_STATS and
DGRAM_STATS, tap.TAP_STATS). A peer that misbehaves (zero-length or oversize frames, a half
frame then a hang-up) costs a counter, never the cable; a real TAP deleted underneath pulls the
cable (port.link(False)).
"""
