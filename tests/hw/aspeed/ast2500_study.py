"""The study case of scripts/hw-oracle/guest/studycase.c, run on netkernel's AST2500.

The same steps, in the same order, with the same frames, on `machines.ast2500()`; what it records
has the shapes of tests/data/ast2500/ (see ast2500_oracle.py): the MMIO accesses of both
FTGMAC100s with "@ begin STEP"/"@ end STEP" lines, the frames on eth0's cable, the first ring
slots after each step, and netkernel's call graph of each step.
"""
from __future__ import annotations

import socket
import struct

from netkernel import machines
from netkernel.hw.aspeed.ast2500 import ASPEED_MAC0_BASE, ASPEED_MAC1_BASE, ASPEED_MAC_SIZE
from netkernel.hw.net.ftgmac100_regs import FTGMAC100_DESC
from netkernel.uapi import ETH_P_ALL

GUEST_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("020000000b00")
GROUP = bytes.fromhex("01005e010203")
OTHER_GROUP = bytes.fromhex("01005e7f0009")
ETH_P_STUDY = 0x88B5
PAYLOAD = bytes(range(46))
INJECT = {
    "recv": GUEST_MAC + PEER_MAC + b"\x88\xb5" + PAYLOAD,
    "recv-mc": GROUP + PEER_MAC + b"\x88\xb5" + PAYLOAD,
    "recv-mc-miss": OTHER_GROUP + PEER_MAC + b"\x88\xb5" + PAYLOAD,
    "recv-after-up": GUEST_MAC + PEER_MAC + b"\x88\xb5" + PAYLOAD[::-1],
}
FRAME = PEER_MAC + GUEST_MAC + b"\x88\xb5" + bytes(range(46))     # the guest's 60-byte frame
RING_SLOTS = 8
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
ENETDOWN = 100
MACS = {ASPEED_MAC0_BASE: "mac0", ASPEED_MAC1_BASE: "mac1"}


class Peer:
    """The far end of eth0's cable (the oracle's UDP socket backend): records what the MAC sends,
    and puts frames on the cable when asked."""

    def __init__(self, k):
        self.k = k
        self.port = None
        self.frames: list = []
        self.step = "boot"

    def start(self, port) -> None:
        self.port = port
        port.link(True)

    def send(self, frame) -> bool:
        self.frames.append({"step": self.step, "dir": "tx", "hex": bytes(frame).hex()})
        return True

    def inject(self, frame: bytes) -> None:
        self.frames.append({"step": self.step, "dir": "rx", "hex": frame.hex()})
        with self.k._lock:              # from inside the machine: taken before the lock is left
            self.port.rx([frame])

    def close(self) -> None:
        self.port = None


class Study:
    """One run: `mmio` (lines as in mmio.txt), `frames`, `rings`, `graphs` (step → trace roots),
    `results` (what each call returned, as the guest's "@@NK info" lines report it)."""

    def __init__(self):
        self.log: list = []
        self.lines: list = []
        self.frames: list = []
        self.rings: dict = {}
        self.graphs: dict = {}
        self.results: dict = {}

    def flush(self) -> None:
        for rw, addr, value in self.log:
            base = addr & ~(ASPEED_MAC_SIZE - 1)
            if base in MACS:
                self.lines.append(f"{MACS[base]} {rw} 0x{addr - base:03x} 0x{value:08x}")
        self.log.clear()

    @property
    def mmio(self) -> list:
        self.flush()
        return self.lines


def _rings(k) -> dict:
    soc = k.hw.soc
    mac = soc.mac0
    out = {}
    for which, base in (("rx", mac.rx_ring), ("tx", mac.tx_ring)):
        words = []
        for i in range(RING_SLOTS):
            words += FTGMAC100_DESC.unpack(soc.dma_read(base + 16 * i, 16))
        out[which] = {"base": base, "words": list(words)}
    return out


def run() -> Study:
    """The study case, step by step, as the guest runs it."""
    st = Study()
    # rx_fcs: QEMU stores and counts the 4 CRC bytes of a received frame (the model can, too)
    k = machines.ast2500(up=False, mmio_log=st.log, rx_fcs=True)
    peer = Peer(k)
    with k._lock:
        k.hw.mac0.port.attach(peer)
    st.frames = peer.frames
    st.flush()
    st.lines.append("@ begin study")

    def step(name, fn):
        st.flush()
        st.lines.append(f"@ begin {name}")
        peer.step = name
        with k.trace() as t:
            ret = fn()
        st.flush()
        st.lines.append(f"@ end {name}")
        st.graphs[name] = t.roots
        st.rings[name] = _rings(k)
        return ret

    def sendto(s, data):
        try:
            return s.sendto(data, ("eth0", ETH_P_STUDY, 0, 0, PEER_MAC))
        except OSError as e:
            st.results.setdefault("errors", []).append(e.errno)
            return s.sendto(data, ("eth0", ETH_P_STUDY, 0, 0, PEER_MAC))

    def receive(s, name, expect):
        s.setblocking(False)
        while True:
            try:
                s.recv(2048)
            except OSError:
                break

        def go():
            peer.inject(INJECT[name])
            if not expect:
                return -2
            try:
                return len(s.recv(2048))
            except OSError:
                return -1
        st.results[name] = step(name, go)

    step("linkup", lambda: k.link_set("eth0", up=True))
    raw = step("raw-socket", lambda: k.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                               socket.htons(ETH_P_ALL)))
    step("raw-bind", lambda: raw.bind(("eth0", ETH_P_ALL)))
    mreq = struct.pack("iHH8s", k.if_nametoindex("eth0"), PACKET_MR_MULTICAST, 6, GROUP)
    step("mc-add", lambda: raw.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq))
    st.results["raw-sendto"] = step("raw-sendto", lambda: sendto(raw, FRAME))
    dgram = step("dgram-socket", lambda: k.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                                   socket.htons(ETH_P_STUDY)))
    step("dgram-bind", lambda: dgram.bind(("eth0", ETH_P_STUDY)))
    st.results["dgram-sendto"] = step("dgram-sendto", lambda: sendto(dgram, FRAME[14:42]))
    receive(raw, "recv", True)
    receive(raw, "recv-mc", True)
    receive(raw, "recv-mc-miss", False)
    step("down", lambda: k.link_set("eth0", up=False))
    step("up", lambda: k.link_set("eth0", up=True))
    st.results["sendto-after-up"] = step("sendto-after-up", lambda: sendto(raw, FRAME))
    receive(raw, "recv-after-up", True)
    st.flush()
    st.lines.append("@ end study")
    raw.close()                     # the guest program exits: its sockets close
    dgram.close()
    st.flush()
    st.kernel = k
    return st
