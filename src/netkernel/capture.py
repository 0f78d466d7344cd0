"""`k.capture(dev, "out.pcapng")`: record what devices send and receive, as tcpdump would see it.

The capture point is tcpdump's: an ETH_P_ALL `packet_type` on the device (dev->ptype_all), the same
list a bound packet socket's prot_hook joins, but owned by the capture instead of a socket. Outgoing
frames reach it from dev_queue_xmit_nit as PACKET_OUTGOING clones (recorded as outbound); received
frames reach it from __netif_receive_skb_core before protocol delivery (inbound). The hook only reads
the shared buffer: it charges no socket, changes no skb field and takes part in no accounting, so
sockets observe exactly what they would without it. A VLAN tag that the receive path moved into
skb->vlan_tci is put back into the recorded bytes, as libpcap does with PACKET_AUXDATA.

The file is the capture's own business: a write that fails (disk full, closed file, broken pipe,
I/O error) stops the capture and is reported by close(), never to the program whose frame was
being recorded (see Capture).
"""
from __future__ import annotations

import struct
import time

from netkernel.backends.pcap import (EPB_DIR_INBOUND, EPB_DIR_OUTBOUND, EPB_RECV_BROADCAST,
                                     EPB_RECV_MULTICAST, EPB_RECV_PROMISCUOUS, EPB_RECV_UNICAST,
                                     LINKTYPE_ETHERNET, PcapngWriter)
from netkernel.net.core.dev import PacketType, dev_add_pack, dev_remove_pack
from netkernel.uapi import errno as E
from netkernel.uapi.if_ether import ETH_H_PROTO, ETH_P_ALL
from netkernel.uapi.if_packet import (PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST,
                                      PACKET_OTHERHOST, PACKET_OUTGOING)

# sll_pkttype → epb_flags
_FLAGS = {
    PACKET_HOST: EPB_DIR_INBOUND | EPB_RECV_UNICAST,
    PACKET_BROADCAST: EPB_DIR_INBOUND | EPB_RECV_BROADCAST,
    PACKET_MULTICAST: EPB_DIR_INBOUND | EPB_RECV_MULTICAST,
    PACKET_OTHERHOST: EPB_DIR_INBOUND | EPB_RECV_PROMISCUOUS,
    PACKET_OUTGOING: EPB_DIR_OUTBOUND,
}
_VLAN = struct.Struct("!HH")


class Capture:
    """A running capture: one pcapng file, one interface block per device, one hook per device.

    A capture never disturbs delivery. The first time the file refuses a frame (disk full, a
    closed file, a broken pipe, an I/O error) the capture stops: its hooks leave the devices, the
    error is kept, and the frame goes on to every socket as if no capture existed; the sender's
    sendto returns normally. `close()` (or the end of a `with` block) then raises that first
    error as OSError, once. Counters: `packets` (frames handed to the file), `write_errors`
    (failed writes and flushes), `frames_lost` (frames the capture saw but could not record;
    frames already buffered when the file failed are lost too), `error` (the first error, or None),
    `stopped`.

    Lock: the machine lock (NetCore.lock) guards the hooks and the writer; the hook runs under it."""

    def __init__(self, core, devices, path, epoch_offset_ns: int = 0):
        self._core = core
        self._offset = epoch_offset_ns
        self._hooks: list[PacketType] = []
        self.path = path
        self.write_errors = 0
        self.frames_lost = 0
        self.error: OSError | None = None
        self._reported = False
        owned = isinstance(path, (str, bytes)) or hasattr(path, "__fspath__")
        self._f = open(path, "wb") if owned else path
        try:
            # every header block is written before any hook exists, so a file that fails at
            # once leaves no device hooked
            self._writer = PcapngWriter(self._f)
            ifids = []
            for dev in devices:
                desc = None if dev.nd_net is None or dev.nd_net.name == "init_net" \
                    else f"netns {dev.nd_net.name}"
                ifids.append(self._writer.add_interface(dev.name, LINKTYPE_ETHERNET, 0, desc))
        except BaseException as e:
            if owned:
                _close_quietly(self._f)
            if isinstance(e, Exception):
                raise _as_oserror(e) from e
            raise
        for dev, ifid in zip(devices, ifids):
            pt = PacketType(ETH_P_ALL, self._make_rcv(ifid))
            pt.dev = dev
            dev_add_pack(pt, core)
            self._hooks.append(pt)

    def _make_rcv(self, ifid: int):
        write = self._writer.write
        offset = self._offset
        flags_of = _FLAGS.get
        clock = self._core.clock

        def capture_rcv(skb, dev, pt, orig_dev) -> int:
            """The capture's packet_type.func: append the frame at the MAC header to the file; a
            write error stops the capture and is never seen by the frame's path."""
            buf = skb.buf
            data = buf[skb.mac_header:skb.tail]
            if skb.vlan_tci >= 0:
                tag = _VLAN.pack(skb.vlan_proto, skb.vlan_tci)     # put back where it was
                data = data[:ETH_H_PROTO] + tag + data[ETH_H_PROTO:]
            try:
                # a frame nothing asked a receive time for gets the capture's own, as a
                # ring's tp_sec does (tpacket_rcv)
                write(ifid, (skb.tstamp or clock()) + offset, data,
                      flags_of(skb.pkt_type, EPB_DIR_INBOUND))
            except Exception as e:      # noqa: BLE001 - whatever the file does, delivery goes on
                self.frames_lost += 1
                self._failed(e)
            return 0
        return capture_rcv

    def _record(self, e: Exception) -> None:
        """Count a failed write, flush or close; keep the first error (machine lock held)."""
        self.write_errors += 1
        if self.error is None:
            self.error = _as_oserror(e)
            if self.error is not e:
                self.error.__cause__ = e

    def _failed(self, e: Exception) -> None:
        """A write or flush failed: record it and unhook from every device (machine lock held)."""
        self._record(e)
        hooks, self._hooks = self._hooks, []
        for pt in hooks:
            dev_remove_pack(pt, self._core)

    @property
    def packets(self) -> int:
        return self._writer.packets

    @property
    def stopped(self) -> bool:
        """No longer recording: closed, or stopped by a write error."""
        return not self._hooks

    def flush(self) -> None:
        """Push buffered frames to the file; a failure stops the capture and raises OSError."""
        with self._core.lock:
            if self.error is not None:
                raise self.error
            try:
                self._writer.flush()
            except Exception as e:      # noqa: BLE001
                self._failed(e)
                raise self.error

    def close(self) -> None:
        """Unhook from every device, then finish the file. Raises OSError (once) if a write,
        the final flush or closing the file failed."""
        with self._core.lock:
            hooks, self._hooks = self._hooks, []
            for pt in hooks:
                dev_remove_pack(pt, self._core)
            f = self._f
            if not getattr(f, "closed", False):
                try:
                    f.close()               # flushes what is buffered
                except Exception as e:      # noqa: BLE001
                    self._record(e)
            if self.error is not None and not self._reported:
                self._reported = True
                raise self.error

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.close()
        except OSError as err:
            if exc is None:
                raise
            exc.add_note(f"capture {self.path!r} also failed: {err}")
        return False


def _as_oserror(e: Exception) -> OSError:
    """The error a capture reports: OSError as raised; a closed file object (ValueError) as
    EBADF; anything else the file object raises as EIO."""
    if isinstance(e, OSError):
        return e
    if isinstance(e, ValueError):
        return OSError(E.EBADF, f"{E.strerror(E.EBADF)} (capture file: {e})")
    return OSError(E.EIO, f"{E.strerror(E.EIO)} (capture file: {e!r})")


def _close_quietly(f) -> None:
    try:
        f.close()
    except Exception:               # noqa: BLE001 - the first error is the one reported
        pass


def epoch_offset(clock) -> int:
    """What to add to the machine clock to get wall-clock time: real clocks are CLOCK_MONOTONIC, so
    pcapng readers get CLOCK_REALTIME as Linux's skb timestamps are; a virtual clock is kept as is
    (it starts at the epoch, which keeps test files deterministic)."""
    if clock is time.monotonic_ns:
        return time.time_ns() - time.monotonic_ns()
    return 0


def capture_devices(k, path, names=None) -> Capture:
    """`netkernel run --capture`: the named devices of init_net, or every device but lo in every
    namespace of machine `k`."""
    with k._lock:
        if names:
            devs = [k._dev(n) for n in names]
        else:
            devs = [d for net in k.core.nets for _, d in sorted(net.dev_by_index.items())
                    if d is not net.loopback_dev]
        return Capture(k.core, devs, path, epoch_offset(k.core.clock))
