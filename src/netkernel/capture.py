"""`k.capture(dev, "out.pcapng")`: record what devices send and receive, as tcpdump would see it.

The capture point is tcpdump's: an ETH_P_ALL `packet_type` on the device (dev->ptype_all), the same
list a bound packet socket's prot_hook joins, but owned by the capture instead of a socket. Outgoing
frames reach it from dev_queue_xmit_nit as PACKET_OUTGOING clones (recorded as outbound); received
frames reach it from __netif_receive_skb_core before protocol delivery (inbound). The hook only reads
the shared buffer: it charges no socket, changes no skb field and takes part in no accounting, so
sockets observe exactly what they would without it. A VLAN tag that the receive path moved into
skb->vlan_tci is put back into the recorded bytes, as libpcap does with PACKET_AUXDATA.
"""
from __future__ import annotations

import struct
import time

from netkernel.backends.pcap import (EPB_DIR_INBOUND, EPB_DIR_OUTBOUND, EPB_RECV_BROADCAST,
                                     EPB_RECV_MULTICAST, EPB_RECV_PROMISCUOUS, EPB_RECV_UNICAST,
                                     LINKTYPE_ETHERNET, PcapngWriter)
from netkernel.net.core.dev import PacketType, dev_add_pack, dev_remove_pack
from netkernel.uapi.if_ether import ETH_P_ALL
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

    Lock: the machine lock (NetCore.lock) guards the hooks and the writer; the hook runs under it."""

    def __init__(self, core, devices, path, epoch_offset_ns: int = 0):
        self._core = core
        self._offset = epoch_offset_ns
        self._f = open(path, "wb") if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__") \
            else path
        self._writer = PcapngWriter(self._f)
        self._hooks: list[PacketType] = []
        self.path = path
        for dev in devices:
            desc = None if dev.nd_net is None or dev.nd_net.name == "init_net" \
                else f"netns {dev.nd_net.name}"
            ifid = self._writer.add_interface(dev.name, LINKTYPE_ETHERNET, 0, desc)
            pt = PacketType(ETH_P_ALL, self._make_rcv(ifid))
            pt.dev = dev
            dev_add_pack(pt, core)
            self._hooks.append(pt)

    def _make_rcv(self, ifid: int):
        write = self._writer.write
        offset = self._offset
        flags_of = _FLAGS.get

        def capture_rcv(skb, dev, pt, orig_dev) -> int:
            """The capture's packet_type.func: append the frame at the MAC header to the file."""
            buf = skb.buf
            data = buf[skb.mac_header:skb.tail]
            if skb.vlan_tci >= 0:
                data = data[:12] + _VLAN.pack(skb.vlan_proto, skb.vlan_tci) + data[12:]
            write(ifid, skb.tstamp + offset, data, flags_of(skb.pkt_type, EPB_DIR_INBOUND))
            return 0
        return capture_rcv

    @property
    def packets(self) -> int:
        return self._writer.packets

    def flush(self) -> None:
        with self._core.lock:
            self._writer.flush()

    def close(self) -> None:
        """Unhook from every device, then finish the file."""
        with self._core.lock:
            hooks, self._hooks = self._hooks, []
            for pt in hooks:
                dev_remove_pack(pt, self._core)
            if not self._f.closed:
                self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
