"""The tracer under threads: each thread records its own calls, into well-formed trees, and nothing
from a machine that is not traced shows up."""
import socket
import threading

import netkernel
from netkernel import machines

ETH_P_STUDY = 0x88B5
FRAME = b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"t" * 46
THREADS = 4
ROUNDS = 25
WATCHDOG = 60


def veth_machine():
    k = netkernel.Kernel()
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("eth0", up=True)
    k.link_set("peer0", up=True)
    return k


def run_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:   # reported below, never lost in a thread
                errors.append(e)
        return run
    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for th in threads:
        th.start()
    for th in threads:
        th.join(WATCHDOG)
        assert not th.is_alive(), "a syscall thread hung"
    assert not errors, errors


def assert_well_formed(roots, allowed_roots):
    """Depths count up by one from each root; every node was made by its root's task; roots are
    the expected entry points; a receive never contains a send's path and vice versa."""
    for r in roots:
        assert r.function in allowed_roots, r.function
        assert r.depth == 0
        names = set()
        stack = [r]
        while stack:
            n = stack.pop()
            names.add(n.function)
            assert n.pid == r.pid, (r.function, n.function, n.pid, r.pid)
            for c in n.children:
                assert c.depth == n.depth + 1, (n.function, c.function)
                assert not c.function.startswith("sys_"), (n.function, c.function)
                stack.append(c)
        if r.function == "sys_recvfrom":
            assert "packet_recvmsg" in names and "packet_snd" not in names, sorted(names)
        if r.function == "sys_sendto":
            assert "packet_snd" in names and "packet_recvmsg" not in names, sorted(names)


def test_threads_blocking_and_sending_at_once_each_get_their_own_trees():
    """Receivers block in recv (the machine lock is free while they sleep) while senders run:
    every syscall of every thread is recorded once, as its own well-formed tree."""
    k = veth_machine()
    procs = [k.process() for _ in range(2 * THREADS)]
    rx_socks, tx_socks = [], []
    for i in range(THREADS):
        proto = ETH_P_STUDY + 1 + i
        r = procs[i].socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(proto))
        r.bind(("peer0", proto))
        r.settimeout(WATCHDOG)
        s = procs[THREADS + i].socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.bind(("eth0", proto))
        rx_socks.append(r)
        tx_socks.append((s, proto))

    def receiver(r):
        return lambda: [r.recv(2048) for _ in range(ROUNDS)]

    def sender(s, proto):
        frame = FRAME[:12] + proto.to_bytes(2, "big") + FRAME[14:]
        return lambda: [s.sendto(frame, ("eth0", proto)) for _ in range(ROUNDS)]

    with k.trace(syscalls={"sendto", "recvfrom"}) as t:
        run_threads([receiver(r) for r in rx_socks] + [sender(s, p) for s, p in tx_socks])
    assert_well_formed(t.roots, {"sys_sendto", "sys_recvfrom"})
    per_pid = {}
    for r in t.roots:
        per_pid.setdefault(r.pid, []).append(r.function)
    for p in procs[:THREADS]:
        assert per_pid[p.pid] == ["sys_recvfrom"] * ROUNDS
    for p in procs[THREADS:]:
        assert per_pid[p.pid] == ["sys_sendto"] * ROUNDS


def test_calls_into_an_untraced_machine_are_not_recorded():
    """Inside `with k.trace()`, syscalls on another machine — from the opening thread or from
    other threads — leave nothing in the trace; k's own calls from other threads are there."""
    k = veth_machine()
    other = veth_machine()
    o_rx = other.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_STUDY))
    o_rx.bind(("peer0", 0))
    o_tx = other.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)

    def on_other():
        for _ in range(ROUNDS):
            o_tx.sendto(FRAME, ("eth0", ETH_P_STUDY))
            o_rx.recv(2048)
            o_tx.getsockname()

    with k.trace() as t:
        on_other()                                   # the opening thread, on the other machine
        run_threads([on_other, on_other,
                     lambda: [s.sendto(FRAME, ("eth0", ETH_P_STUDY)) for _ in range(ROUNDS)]])
        on_other()
    # each sendto with an address tuple is ioctl(SIOCGIFINDEX) then sendto, as in CPython
    assert_well_formed(t.roots, {"sys_ioctl", "sys_sendto"})
    assert [r.function for r in t.roots] == ["sys_ioctl", "sys_sendto"] * ROUNDS


def test_deliveries_from_another_machine_are_traced_on_the_receiver_only():
    """Frames from an untraced machine are processed on the traced one (its interrupt path, run
    by the sender's thread) while the traced machine's own threads make syscalls."""
    a = machines.ast2500(seed=1)
    b = machines.ast2500(seed=2, macaddrs=(bytes.fromhex("020000000b00"),
                                           bytes.fromhex("020000000b01")))
    netkernel.connect(a, "eth0", b, "eth0")
    rx = a.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_STUDY))
    rx.bind(("eth0", 0))
    rx.settimeout(WATCHDOG)
    tx = b.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.bind(("eth0", 0))
    got = []
    with a.trace() as t:
        run_threads([lambda: [tx.send(FRAME) for _ in range(ROUNDS)],
                     lambda: got.extend(rx.recv(2048) for _ in range(ROUNDS))])
    assert got == [FRAME] * ROUNDS
    assert_well_formed(t.roots, {"sys_recvfrom", "sys_poll", "handle_domain_irq"})
    funcs = {n.function for r in t.roots for n in r.walk()}
    assert "ftgmac100_interrupt" in funcs and "packet_rcv" in funcs
    assert "ftgmac100_hard_start_xmit" not in funcs      # the sender's work stays on b
    assert [r.function for r in t.roots].count("sys_recvfrom") == ROUNDS


def test_an_inner_trace_of_the_same_machine_hands_the_machine_back_to_the_outer_one():
    k = veth_machine()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with k.trace() as outer:
        with k.trace() as inner:
            s.sendto(FRAME, ("eth0", ETH_P_STUDY))
        assert k._tracer is outer
        run_threads([lambda: s.sendto(FRAME, ("eth0", ETH_P_STUDY))])   # another thread
    assert k._tracer is None
    assert [r.function for r in inner.roots] == ["sys_ioctl", "sys_sendto"]
    assert [r.function for r in outer.roots] == ["sys_ioctl", "sys_sendto"]


def test_a_machines_own_interrupt_thread_records_through_run_syscall():
    """The contract with an interrupt/ksoftirqd thread: it takes the machine's lock and, while the
    machine is traced, runs its work through `k._tracer.run_syscall(fn, *args)`. Its work shows as
    roots of its own, next to the syscalls of the threads blocked meanwhile."""
    from netkernel.include.linux.skbuff import alloc_skb
    from netkernel.net.core.dev import dev_queue_xmit
    from netkernel.net.core.skbuff import skb_put
    k = veth_machine()
    eth0 = k.init_net.dev_by_name["eth0"]
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_STUDY))
    rx.bind(("peer0", 0))
    rx.settimeout(WATCHDOG)

    def irq_thread():
        for _ in range(ROUNDS):
            with k._lock:
                skb = alloc_skb(k.core.profile, len(FRAME))
                skb_put(skb, len(FRAME))
                skb.buf[skb.data:skb.tail] = FRAME
                skb.dev = eth0
                skb.protocol = ETH_P_STUDY
                t = k._tracer
                if t is not None:
                    t.run_syscall(dev_queue_xmit, skb)
                else:
                    dev_queue_xmit(skb)

    got = []
    with k.trace() as t:
        run_threads([irq_thread, lambda: got.extend(rx.recv(2048) for _ in range(ROUNDS))])
    assert got == [FRAME] * ROUNDS
    assert_well_formed(t.roots, {"dev_queue_xmit", "sys_recvfrom", "sys_poll"})
    irq = [r for r in t.roots if r.function == "dev_queue_xmit"]
    assert len(irq) == ROUNDS and all(r.pid == 0 for r in irq)      # no task: interrupt context
    assert all("packet_rcv" in {n.function for n in r.walk()} for r in irq)
    assert [r.function for r in t.roots].count("sys_recvfrom") == ROUNDS
