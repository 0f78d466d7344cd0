"""Frames that cross machines (DESIGN.md, "Execution model"): a frame handed to another machine
is queued on the receiver and processed in the receiver's own context, in order; no machine ever
takes another machine's lock; no helper thread per frame; both ends sending at once never
deadlock. Every waiting step has a watchdog: a test fails, it never hangs."""
from __future__ import annotations

import gc
import os
import socket
import threading
import time
import weakref

import polling
import pytest

import netkernel
from netkernel import machines
from netkernel.uapi import ETH_P_ALL
from netkernel.wire import device_port

ETH_P_TEST = 0x88B5
MAC_A0 = bytes.fromhex("020000000a00")
MAC_B0 = bytes.fromhex("020000000b00")
WATCHDOG = 60.0          # seconds a sending phase may take before the test calls it a deadlock


def frame(dst: bytes, src: bytes, tag: int, seq: int, n: int = 60) -> bytes:
    return (dst + src + ETH_P_TEST.to_bytes(2, "big") + bytes([tag]) + seq.to_bytes(4, "big")
            ).ljust(n, b"\x5a")


def seqs(frames, tag=None):
    return [int.from_bytes(f[15:19], "big") for f in frames if tag is None or f[14] == tag]


def sock(k, dev, proto=ETH_P_TEST, rcvbuf=16 << 20):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    k.sysctl("net.core.rmem_max", rcvbuf)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((dev, 0))
    s.setblocking(False)
    return s


def drain(s) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(s.recv(4096))
        except BlockingIOError:
            return out


def run_threads(*targets, timeout=WATCHDOG):
    """Run each target on its own daemon thread; fail (never hang) if one is still running after
    `timeout` seconds; re-raise the first exception a target raised."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:   # noqa: BLE001 - reported below
                errors.append(e)
        return run
    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        pytest.fail(f"deadlock: sending threads still running after {timeout:.0f} s")
    if errors:
        raise errors[0]


def wait_until(cond, timeout=10.0) -> bool:
    return polling.wait_until(cond, timeout)


def ast_pair():
    a = machines.ast2500(seed=1, macaddrs=(MAC_A0, bytes.fromhex("020000000a01")))
    b = machines.ast2500(seed=2, macaddrs=(MAC_B0, bytes.fromhex("020000000b01")))
    netkernel.connect(a, "eth0", b, "eth0")
    return a, "eth0", b, "eth0"


def veth_pair():
    """Two plain machines whose veth0 ends are cabled together."""
    ks = []
    for mac in (MAC_A0, MAC_B0):
        k = netkernel.Kernel()
        k.link_add("veth0", kind="veth", peer="veth1")
        k.link_set("veth0", address=mac, up=True)
        k.link_set("veth1", up=True)
        ks.append(k)
    netkernel.connect(ks[0], "veth0", ks[1], "veth0")
    return ks[0], "veth0", ks[1], "veth0"


PAIRS = {"ast2500": ast_pair, "veth": veth_pair}


# ---------------------------------------------------------------- both ends at once

@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_both_ends_sending_at_once_never_deadlock_and_deliver_everything_in_order(kind):
    a, da, b, db = PAIRS[kind]()
    sa, sb = sock(a, da), sock(b, db)
    n = 2000

    def send(s, dst, src, tag):
        def run():
            for i in range(n):
                s.send(frame(dst, src, tag, i))
        return run
    run_threads(send(sa, MAC_B0, MAC_A0, 1), send(sb, MAC_A0, MAC_B0, 2))
    got_b, got_a = drain(sb), drain(sa)
    assert seqs(got_b, 1) == list(range(n)) and len(got_b) == n
    assert seqs(got_a, 2) == list(range(n)) and len(got_a) == n


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_the_receiver_works_under_its_own_lock_only(kind):
    """While the peer's stack delivers a frame, the sender's machine lock is not held by the
    delivering thread (the old cable took the receiver's lock inside the sender's)."""
    a, da, b, db = PAIRS[kind]()
    sa = sock(a, da)
    held = []
    seen = threading.Event()

    def hook(skb, dev, pt, orig):
        held.append((a._lock._is_owned(), b._lock._is_owned()))
        seen.set()
        return 0
    from netkernel.net.core.dev import PacketType, dev_add_pack
    pt = PacketType(ETH_P_TEST, hook)
    with b._lock:
        dev_add_pack(pt, b.core)
    sa.send(frame(MAC_B0, MAC_A0, 1, 0))
    assert seen.wait(10)
    assert held == [(False, True)]


@pytest.mark.parametrize("kind,rx_root", [("ast2500", "handle_domain_irq"),
                                           ("veth", "alloc_skb")])
def test_each_machine_traces_its_own_work_only(kind, rx_root):
    """The receive runs as the receiver's work: its trace shows it (from the interrupt, or from
    the veth end's cable, whose glue is not a kernel function), the sender's does not."""
    a, da, b, db = PAIRS[kind]()
    sa, sb = sock(a, da), sock(b, db)
    with a.trace() as ta, b.trace() as tb:
        sa.send(frame(MAC_B0, MAC_A0, 1, 0))
    names_a = {n.function for r in ta.roots for n in r.walk()}
    names_b = {n.function for r in tb.roots for n in r.walk()}
    assert [r.function for r in ta.roots] == ["sys_sendto"]
    assert tb.roots[0].function == rx_root
    assert "packet_rcv" in names_b and "packet_rcv" not in names_a
    assert "sys_sendto" not in names_b
    assert len(drain(sb)) == 1


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_a_send_is_received_before_the_peers_next_call(kind):
    """Sequential programs are deterministic: once send() returns on one machine, a non-blocking
    recv on the other finds the frame."""
    a, da, b, db = PAIRS[kind]()
    sa, sb = sock(a, da), sock(b, db)
    for i in range(50):
        f = frame(MAC_B0, MAC_A0, 1, i)
        sa.send(f)
        assert sb.recv(4096, socket.MSG_DONTWAIT) == f
        g = frame(MAC_A0, MAC_B0, 2, i)
        sb.send(g)
        assert sa.recv(4096, socket.MSG_DONTWAIT) == g


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_a_blocked_recv_is_woken_by_a_frame_from_another_machine(kind):
    a, da, b, db = PAIRS[kind]()
    sa, sb = sock(a, da), sock(b, db)
    sb.settimeout(10)
    got = []
    started = threading.Event()

    def receiver():
        started.set()
        got.append(sb.recv(4096))
    t = threading.Thread(target=receiver, daemon=True)
    t.start()
    started.wait(5)
    time.sleep(0.05)                    # let it block in recv
    f = frame(MAC_B0, MAC_A0, 1, 7)
    sa.send(f)
    t.join(10)
    assert not t.is_alive() and got == [f]


def test_a_machine_cabled_to_itself_receives_before_send_returns():
    """eth0 → eth1 of the same AST2500: the frame is queued on its own machine and taken when the
    sending syscall leaves the machine, before send() returns."""
    k = machines.ast2500(seed=3, macaddrs=(MAC_A0, MAC_B0))
    netkernel.connect(k, "eth0", k, "eth1")
    s0, s1 = sock(k, "eth0"), sock(k, "eth1")
    f = frame(MAC_B0, MAC_A0, 1, 1)
    s0.send(f)
    assert s1.recv(4096, socket.MSG_DONTWAIT) == f


# ---------------------------------------------------------------- backends' own threads

class PushBackend:
    """A backend whose own threads push numbered frames into the port, one rx call each."""

    def __init__(self):
        self.port = None

    def start(self, port):
        self.port = port
        port.link(True)

    def push(self, frames) -> threading.Thread:
        def run():
            for f in frames:
                self.port.rx([f])
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def send(self, frame):
        return True

    def close(self):
        pass


@pytest.mark.parametrize("dev_kind", ["ast2500", "qemu"])
def test_frames_pushed_by_a_backend_thread_while_the_machine_is_busy_keep_their_order(dev_kind):
    if dev_kind == "ast2500":
        k = machines.ast2500(seed=4, macaddrs=(MAC_A0, MAC_B0))
        dev = "eth0"
    else:
        k = netkernel.Kernel()
        k.link_add("q0", kind="qemu", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                   "local.port=0,remote.type=inet,remote.host=127.0.0.1,remote.port=9")
        k.link_set("q0", address=MAC_A0, up=True)
        dev = "q0"
    n = 1500
    backend = PushBackend()
    device_port(k, dev).attach(backend)
    r = sock(k, dev)
    busy = sock(k, dev, proto=0x88B6)
    stop = threading.Event()

    def keep_busy():                    # another thread keeps entering the machine meanwhile
        i = 0
        while not stop.is_set():
            busy.send(frame(MAC_B0, MAC_A0, 4, i))
            i += 1
    t = threading.Thread(target=keep_busy, daemon=True)
    t.start()
    pusher = backend.push([frame(MAC_A0, MAC_B0, 3, i) for i in range(n)])
    pusher.join(WATCHDOG)
    assert not pusher.is_alive()
    got = []
    assert wait_until(lambda: got.extend(drain(r)) or len(got) >= n), len(got)
    stop.set()
    t.join(WATCHDOG)
    assert seqs(got, 3) == list(range(n))


def test_a_backend_thread_never_takes_the_machine_lock_and_a_blocked_recv_wakes():
    """The backend's thread only queues: it returns at once even while another thread holds the
    machine, and the machine's own interrupt thread delivers (waking a blocked reader)."""
    k = machines.ast2500(seed=5, macaddrs=(MAC_A0, MAC_B0))
    backend = PushBackend()
    device_port(k, "eth0").attach(backend)
    r = sock(k, "eth0")
    with k._lock:                       # the machine is busy: the pusher must not wait for it
        pusher = backend.push([frame(MAC_A0, MAC_B0, 3, i) for i in range(10)])
        pusher.join(10)
        assert not pusher.is_alive()
    r.settimeout(10)
    assert seqs([r.recv(4096) for _ in range(10)]) == list(range(10))


def test_no_helper_thread_per_frame():
    a, da, b, db = ast_pair()
    sa, sb = sock(a, da), sock(b, db)
    before = threading.active_count()
    peak = [before]
    for i in range(300):
        sa.send(frame(MAC_B0, MAC_A0, 1, i))
        peak[0] = max(peak[0], threading.active_count())
    assert peak[0] <= before + 2        # at most the two machines' interrupt threads
    assert len(drain(sb)) == 300


# ---------------------------------------------------------------- the interrupt thread

def test_the_interrupt_thread_stops_when_idle_and_keeps_no_machine_alive(monkeypatch):
    from netkernel.hw import cpu as hwcpu
    monkeypatch.setattr(hwcpu.Cpu, "IDLE_SECONDS", 0.05)
    k = machines.ast2500(seed=6, macaddrs=(MAC_A0, MAC_B0))
    backend = PushBackend()
    device_port(k, "eth0").attach(backend)
    r = sock(k, "eth0")
    r.settimeout(10)
    backend.push([frame(MAC_A0, MAC_B0, 3, 0)])
    assert seqs([r.recv(4096)]) == [0]
    cpu = k.core.cpu
    name = cpu.thread_name
    assert wait_until(lambda: cpu._thread is None, 5)
    assert wait_until(lambda: name not in [t.name for t in threading.enumerate()], 5)
    backend.push([frame(MAC_A0, MAC_B0, 3, 1)])          # a new event starts it again
    assert seqs([r.recv(4096)]) == [1]
    # a machine nobody references is freed, its interrupt thread running or not
    backend.push([frame(MAC_A0, MAC_B0, 3, 2)]).join(5)
    ref = weakref.ref(k)
    r.close()
    del k, r, cpu, backend
    for _ in range(3):
        gc.collect()
    assert ref() is None


# ---------------------------------------------------------------- the wire's log

def test_the_wire_log_is_bounded_and_counts_every_frame_under_concurrency():
    a, da, b, db = ast_pair()
    w = device_port(a, "eth0").backend.wire
    sa, sb = sock(a, da), sock(b, db)
    n = 500

    def send(s, dst, src, tag):
        def run():
            for i in range(n):
                s.send(frame(dst, src, tag, i))
        return run
    run_threads(send(sa, MAC_B0, MAC_A0, 1), send(sb, MAC_A0, MAC_B0, 2))
    assert w.frames == 2 * n
    log = list(w.log)
    assert len(log) == w.log.maxlen
    assert all(len(entry) == 3 for entry in log)


def carrier(k, dev):
    return next(li for li in k.links() if li["name"] == dev)["carrier"]


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_unplugging_and_replugging_the_cable_is_seen_by_both_machines_at_once(kind):
    a, da, b, db = PAIRS[kind]()
    sa, sb = sock(a, da), sock(b, db)
    w = device_port(a, da).backend.wire
    assert carrier(a, da) and carrier(b, db)
    w.unplug()
    assert not carrier(a, da) and not carrier(b, db)
    sa.send(frame(MAC_B0, MAC_A0, 1, 0))
    assert drain(sb) == []
    netkernel.connect(a, da, b, db)
    assert carrier(a, da) and carrier(b, db)
    f = frame(MAC_B0, MAC_A0, 1, 1)
    sa.send(f)
    assert drain(sb) == [f]


def test_deleting_a_cabled_veth_unplugs_the_cable_and_the_other_machine_loses_carrier():
    a, da, b, db = veth_pair()
    assert carrier(b, db)
    a.link_del(da)
    assert not carrier(b, db)
    assert device_port(b, db).backend is not None      # its end of the cable, now unplugged


# ---------------------------------------------------------------- QEMU stream between machines

def test_two_machines_on_a_qemu_stream_send_at_once_in_order(tmp_path):
    path = str(tmp_path / "q.sock")
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    k1.link_add("q0", kind="qemu", netdev=f"stream,server=on,addr.type=unix,addr.path={path}")
    k2.link_add("q0", kind="qemu", netdev=f"stream,server=off,addr.type=unix,addr.path={path}")
    for k, mac in ((k1, MAC_A0), (k2, MAC_B0)):
        k.link_set("q0", address=mac, up=True)
    d1, d2 = k1.net.dev_by_name["q0"], k2.net.dev_by_name["q0"]
    assert wait_until(lambda: d1.carrier and d2.carrier)
    s1, s2 = sock(k1, "q0"), sock(k2, "q0")
    n = 1000

    def send(s, dst, src, tag):
        def run():
            i = 0
            while i < n:
                try:
                    s.send(frame(dst, src, tag, i))
                except OSError:        # ENOBUFS: the qdisc is full while the stream pushes back
                    time.sleep(0.001)
                    continue
                i += 1
        return run
    run_threads(send(s1, MAC_B0, MAC_A0, 1), send(s2, MAC_A0, MAC_B0, 2))
    got1, got2 = [], []
    assert wait_until(lambda: (got1.extend(drain(s1)), got2.extend(drain(s2)))
                      and len(got1) >= n and len(got2) >= n, 20)
    assert seqs(got2, 1) == list(range(n)) and seqs(got1, 2) == list(range(n))


if __name__ == "__main__":          # pragma: no cover
    pytest.main([__file__, "-q"])
