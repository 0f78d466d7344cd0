"""Hostile peers on QEMU socket backends: the machine survives, sockets never see a runt, drops
are counted, and the cable survives where QEMU's would.

Targets: a kind "qemu" device (drivers/net/tun.py) and an AST2500 MAC joined with
netkernel.connect(k, "eth0", netdev=...). Transports: `-netdev dgram` (unix datagrams) and
`-netdev stream` (unix stream, netkernel the server, the test the hostile client).

What the peer sends: zero-length frames (an empty datagram; a stream length prefix of 0), runts
(1..13 bytes: shorter than an Ethernet header), garbage, over-long length prefixes (> NET_BUFSIZE:
QEMU drops the connection), a frame cut short by a disconnect, and reconnects in a row. After each
hostile burst a tagged valid frame must still arrive at an ETH_P_ALL socket on the device (the
machine and, for dgram and after a reconnect for stream, the cable are alive); every frame the
socket reads is at least 14 bytes; each zero-length or runt frame is counted somewhere Linux or
the backend counts receive losses (the device's rx_dropped/rx_errors/rx_length_errors/... or the
backend's rx drop counters).
"""
from __future__ import annotations

import os
import random
import socket
import struct
import time

import pytest

import netkernel
from harness import (BCAST, DEV_QEMU, RX_LOSS_KEYS, Guard, dev_stats, eth_frame, find_tag,
                     leftovers, run_bounded, tag)
from netkernel import machines
from netkernel.backends.qemu_socket import NET_BUFSIZE
from netkernel.uapi import ETH_P_ALL

LEN = struct.Struct(">I")
RUNTS = [b"", bytes(1), b"\xff" * 6, bytes(13)]


def wait_until(cond, timeout=5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


class Target:
    """A machine with one device whose cable is a QEMU socket backend, a socket reading it, and
    the hostile peer's side of the cable."""

    def __init__(self, kind: str, transport: str, tmp: str):
        self.kind, self.transport = kind, transport
        self.path_nk = os.path.join(tmp, "nk.sock")
        self.path_peer = os.path.join(tmp, "peer.sock")
        if transport == "dgram":
            self.peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.peer.bind(self.path_peer)
            netdev = (f"dgram,local.type=unix,local.path={self.path_nk},"
                      f"remote.type=unix,remote.path={self.path_peer}")
        else:
            self.peer = None
            netdev = f"stream,server=on,addr.type=unix,addr.path={self.path_nk}"
        if kind == "qemu":
            self.k = netkernel.Kernel(seed=5)
            self.k.link_add("q0", kind="qemu", netdev=netdev)
            self.k.link_set("q0", up=True, address="02:00:00:00:00:0a")
            self.dev = "q0"
        else:
            self.k = machines.ast2500(seed=5)
            netkernel.connect(self.k, "eth0", netdev=netdev)
            self.dev = "eth0"
        self.sock = self.k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((self.dev, 0))
        self.sock.settimeout(0.05)
        self.seq = 0
        self.dead = False
        self.guard = Guard(f"hostile {transport} peer of {kind}")
        self.before = self.losses()
        if transport == "stream":
            self.reconnect()

    # -- the peer
    def reconnect(self) -> None:
        if self.peer is not None:
            self.peer.close()
        self.peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.peer.connect(self.path_nk)
        assert wait_until(self.carrier), "no carrier after the peer connected"

    def disconnect(self) -> None:
        self.peer.close()
        self.peer = None

    def send_frame(self, frame: bytes) -> None:
        if self.dead:
            return
        try:
            if self.transport == "dgram":
                self.peer.sendto(frame, self.path_nk)
            else:
                self.peer.sendall(LEN.pack(len(frame)) + frame)
        except OSError as e:
            self.dead = True
            self.guard.violation(f"the cable is dead: the peer cannot send a {len(frame)}-byte "
                                 f"frame ({e}; netkernel's end of the {self.transport} socket is "
                                 "closed)", kind="cable dead")

    def send_raw(self, data: bytes) -> None:
        self.peer.sendall(data)

    def valid(self) -> bytes:
        self.seq += 1
        return eth_frame(BCAST, bytes.fromhex("020000000b0b"), tag(9, 0, DEV_QEMU, 0, self.seq))

    # -- the machine
    def carrier(self) -> bool:
        ok, links = self.guard.call("links", self.k.links)
        return ok and any(li["name"] == self.dev and li["carrier"] for li in links)

    def losses(self) -> int:
        st = dev_stats(self.k, self.dev) or {}
        n = sum(st.get(key, 0) for key in RX_LOSS_KEYS)
        dev = self.k.net.dev_by_name.get(self.dev)
        backend = getattr(getattr(dev.priv, "port", None), "backend", None) if dev else None
        hw = getattr(self.k, "hw", None)
        if hw is not None:
            n += hw.mac0.stats()["rx_no_buf_drops"]
        if backend is not None:
            # backends/__init__.py: every backend counts what it does not deliver in stats()
            n += sum(v for key, v in backend.stats().items()
                     if key.startswith("rx_") and key != "rx_frames")
        return n

    def read_all(self, until_seq: int | None = None, timeout: float = 3.0) -> list[int]:
        """Read frames (checking none is a runt) until tagged frame `until_seq` arrived or
        `timeout` passed; returns the sequence numbers of the tagged frames read."""
        seqs = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ok, r = self.guard.call("recvfrom", self.sock.recvfrom, 65536, bound=0.05)
            if not ok:
                if until_seq is None:
                    break
                continue
            data, addr = r
            if len(data) < 14:
                self.guard.violation(f"a socket read a {len(data)}-byte frame {data.hex()} "
                                     f"from {addr}", kind="runt reached a socket")
            t = find_tag(data)
            if t is not None:
                seqs.append(t[4])
                if t[4] == until_seq:
                    break
        return seqs

    def expect_valid(self, what: str) -> None:
        """A valid frame sent now must arrive."""
        if self.dead:
            return
        self.send_frame(self.valid())
        seqs = self.read_all(until_seq=self.seq)
        if self.seq not in seqs:
            self.dead = True
            self.guard.violation(f"after {what}: a valid frame sent by the peer never reached the "
                                 f"socket (carrier {self.carrier()})", kind=f"dead after {what}")

    def expect_counted(self, n: int, what: str) -> None:
        if not wait_until(lambda: self.losses() - self.before >= n, 2.0):
            self.guard.violation(f"{what}: {n} bad frames, receive loss counters grew by "
                                 f"{self.losses() - self.before}", kind=f"uncounted: {what}")
        self.before = self.losses()

    def survives(self) -> None:
        """The machine still works for everything else: a new device, a socket, closing all."""
        g = self.guard.call
        ok, _ = g("link_add after", self.k.link_add, "x0", kind="veth", peer="x1")
        if not ok:
            self.guard.violation("the machine refused a new device after the hostile peer")
        self.sock.close()
        if self.kind == "qemu":
            g("link_del", self.k.link_del, "q0")
        else:
            g("unplug", netkernel.connect(self.k, "eth0", netdev=f"dgram,local.type=unix,"
                                          f"local.path={self.path_nk}2,remote.type=unix,"
                                          f"remote.path={self.path_peer}2").close)
        for what in leftovers(self.k):
            self.guard.violation(f"after closing everything: {what}")
        if self.peer is not None:
            self.peer.close()


TARGETS = [("qemu", "dgram"), ("qemu", "stream"), ("ast2500", "dgram"), ("ast2500", "stream")]


@pytest.mark.parametrize("kind,transport", TARGETS)
def test_zero_length_and_runt_frames(kind, transport, tmp_path):
    def body():
        t = Target(kind, transport, str(tmp_path))
        t.expect_valid("start")
        for runt in RUNTS:
            for _ in range(3):
                t.send_frame(runt)
            t.expect_valid(f"three {len(runt)}-byte frames")
        t.expect_counted(3 * len(RUNTS), "zero-length and runt frames")
        t.read_all()
        t.survives()
        return t

    t = run_bounded(body, 30.0, f"{kind}/{transport}: runts")
    t.guard.check()


@pytest.mark.parametrize("kind,transport", TARGETS)
def test_garbage(kind, transport, tmp_path):
    """Random bytes: datagrams of random length, or a random byte stream (whose length prefixes
    are mostly over-long: QEMU drops the connection; then the peer reconnects)."""
    def body():
        t = Target(kind, transport, str(tmp_path))
        rng = random.Random(7)
        for round_ in range(5):
            if transport == "dgram":
                for _ in range(20):
                    t.send_frame(rng.randbytes(rng.choice((0, 1, 13, 14, 15, 60, 1500, 9000))))
            else:
                try:
                    t.send_raw(rng.randbytes(rng.randint(1, 3000)))
                except OSError:
                    pass                  # the backend dropped the connection mid-send
                t.disconnect()
                wait_until(lambda: not t.carrier(), 2.0)
                t.reconnect()
            t.read_all()
            t.expect_valid(f"garbage round {round_}")
        t.survives()
        return t

    t = run_bounded(body, 40.0, f"{kind}/{transport}: garbage")
    t.guard.check()


@pytest.mark.parametrize("kind", ["qemu", "ast2500"])
def test_stream_bad_lengths_disconnects_and_reconnects(kind, tmp_path):
    """Over-long length prefix: QEMU's net_fill_rstate fails and the connection is dropped (the
    carrier goes down); a frame cut by a disconnect is dropped, and its bytes do not leak into
    the next connection; twenty reconnects in a row; each time a valid frame then arrives."""
    def body():
        t = Target(kind, "stream", str(tmp_path))
        t.expect_valid("connect")
        t.send_raw(LEN.pack(NET_BUFSIZE + 1) + bytes(64))
        if not wait_until(lambda: not t.carrier(), 3.0):
            t.guard.violation("an over-long length prefix (QEMU: connection dropped) left the "
                              "carrier up", kind="over-long prefix kept")
        t.disconnect()
        t.reconnect()
        t.expect_valid("an over-long length prefix and a reconnect")
        # a frame cut short: 100 bytes announced, 50 sent, then the peer leaves
        t.send_raw(LEN.pack(100) + bytes(50))
        t.disconnect()
        if not wait_until(lambda: not t.carrier(), 3.0):
            t.guard.violation("the peer left, the carrier stayed up", kind="carrier after close")
        t.reconnect()
        t.expect_valid("a frame cut by a disconnect")
        # half a length prefix, then leave
        t.send_raw(b"\x00\x00")
        t.disconnect()
        t.reconnect()
        t.expect_valid("half a length prefix and a disconnect")
        for _ in range(20):
            t.disconnect()
            t.reconnect()
        t.expect_valid("twenty reconnects")
        # a length prefix and its frame in separate writes, byte by byte
        f = t.valid()
        for b in LEN.pack(len(f)) + f:
            t.send_raw(bytes([b]))
        if t.seq not in t.read_all(until_seq=t.seq):
            t.guard.violation("a frame written byte by byte never arrived", kind="byte by byte")
        t.survives()
        return t

    t = run_bounded(body, 60.0, f"{kind}/stream: lengths and disconnects")
    t.guard.check()


def test_stream_client_reconnects_to_a_hostile_server(tmp_path):
    """netkernel as the stream client (reconnect-ms): the server accepts, sends an over-long
    length prefix or garbage, and hangs up; the client reconnects and valid frames flow."""
    path = os.path.join(str(tmp_path), "srv.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(5.0)
    guard = Guard("hostile stream server")

    def body():
        k = netkernel.Kernel(seed=6)
        k.link_add("q0", kind="qemu",
                   netdev=f"stream,server=off,reconnect-ms=50,addr.type=unix,addr.path={path}")
        k.link_set("q0", up=True)
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind(("q0", 0))
        s.settimeout(0.05)
        for i, bad in enumerate((LEN.pack(NET_BUFSIZE + 1), random.Random(1).randbytes(500),
                                 LEN.pack(0) * 4 + LEN.pack(3) + b"abc")):
            conn, _ = srv.accept()
            conn.sendall(bad)
            conn.close()
        conn, _ = srv.accept()
        f = eth_frame(BCAST, bytes.fromhex("020000000b0b"), tag(9, 0, DEV_QEMU, 0, 99))
        conn.sendall(LEN.pack(len(f)) + f)
        deadline = time.monotonic() + 5
        seen = False
        while time.monotonic() < deadline and not seen:
            ok, r = guard.call("recvfrom", s.recvfrom, 65536, bound=0.05)
            if ok:
                if len(r[0]) < 14:
                    guard.violation(f"a socket read a {len(r[0])}-byte frame", kind="runt")
                t = find_tag(r[0])
                seen = t is not None and t[4] == 99
        if not seen:
            guard.violation("after three hostile connections the client's valid frame never "
                            "arrived")
        conn.close()
        s.close()
        k.link_del("q0")
        for what in leftovers(k):
            guard.violation(f"after closing everything: {what}")

    try:
        run_bounded(body, 30.0, "stream client against a hostile server")
    finally:
        srv.close()
    guard.check()


@pytest.mark.parametrize("kind", ["qemu", "ast2500"])
def test_a_burst_is_conserved(kind, tmp_path):
    """A peer sends 300 valid frames as fast as its socket allows while the machine's backlog is
    tiny (net.core.netdev_max_backlog=8) and the reading socket's buffer small: every frame is
    either read (in order) or counted where Linux counts it — the socket's tp_drops, the device's
    rx_dropped (backlog), the MAC's ring drops, the backend's losses."""
    def body():
        t = Target(kind, "dgram", str(tmp_path))
        t.k.sysctl("net.core.netdev_max_backlog", 8)
        t.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        t.before = t.losses()
        for _ in range(300):
            t.send_frame(t.valid())
        seqs = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = t.read_all(timeout=0.5)
            seqs += got
            ok, st = t.guard.call("stats", t.sock.getsockopt, 263, 6, 8)   # PACKET_STATISTICS
            drops = struct.unpack("=II", st)[1] if ok else 0
            t.sock_drops = getattr(t, "sock_drops", 0) + drops
            if len(seqs) + t.sock_drops + t.losses() - t.before >= 300 or (not got and not drops):
                break
        if seqs != sorted(seqs):
            t.guard.violation(f"burst read out of order: {seqs[:20]}...", kind="order")
        lost = t.losses() - t.before
        if len(seqs) + t.sock_drops + lost != 300:
            t.guard.violation(f"burst of 300: read {len(seqs)}, socket drops {t.sock_drops}, "
                              f"device/backend losses {lost}", kind="conservation")
        t.survives()
        return t

    t = run_bounded(body, 30.0, f"{kind}: burst")
    t.guard.check()
