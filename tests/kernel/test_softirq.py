"""Softirqs (kernel/softirq.c): per-machine vectors registered with open_softirq, raised, run by
do_softirq/irq_exit; NET_RX's handler comes from net_dev_init, not from an upward import."""
import ast
import socket
from pathlib import Path

import netkernel
from netkernel.kernel import softirq
from netkernel.kernel.softirq import (NET_RX_SOFTIRQ, NET_TX_SOFTIRQ, do_softirq, irq_exit,
                                      open_softirq, raise_softirq, softirq_init)
from netkernel.net.core.dev import net_rx_action

SRC = Path(softirq.__file__)


class Core:
    """The fields kernel/softirq.py uses, without a network stack."""
    __slots__ = ("softirq_vec", "softirq_actions", "softirq_pending", "in_softirq")

    def __init__(self):
        self.in_softirq = False
        softirq_init(self)


def test_kernel_softirq_imports_no_subsystem():
    tree = ast.parse(SRC.read_text())
    mods = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in mods if m and m.startswith("netkernel.net")]


def test_net_dev_init_registers_net_rx_action_per_machine():
    a, b = netkernel.Kernel(), netkernel.Kernel()
    assert a.core.softirq_vec[NET_RX_SOFTIRQ] is net_rx_action
    assert a.core.softirq_vec is not b.core.softirq_vec
    assert a.core.softirq_pending == 0


def test_pending_vectors_run_lowest_first_once_each_and_are_cleared():
    c = Core()
    ran = []
    open_softirq(c, NET_RX_SOFTIRQ, lambda core: ran.append("rx"))
    open_softirq(c, NET_TX_SOFTIRQ, lambda core: ran.append("tx"))
    raise_softirq(c, NET_RX_SOFTIRQ)
    raise_softirq(c, NET_TX_SOFTIRQ)
    raise_softirq(c, NET_RX_SOFTIRQ)
    do_softirq(c)
    assert ran == ["tx", "rx"] and c.softirq_pending == 0
    do_softirq(c)
    assert ran == ["tx", "rx"]


def test_a_vector_raised_by_its_handler_waits_for_the_next_run():
    c = Core()
    ran = []

    def again(core):
        ran.append(core.in_softirq)
        if len(ran) < 2:
            raise_softirq(core, NET_RX_SOFTIRQ)
    open_softirq(c, NET_RX_SOFTIRQ, again)
    raise_softirq(c, NET_RX_SOFTIRQ)
    do_softirq(c)
    assert ran == [True] and c.softirq_pending == 1 << NET_RX_SOFTIRQ
    irq_exit(c)
    assert ran == [True, True] and c.softirq_pending == 0


def test_do_softirq_inside_a_softirq_or_with_bh_off_runs_nothing():
    c = Core()
    ran = []
    open_softirq(c, NET_RX_SOFTIRQ, lambda core: ran.append(1))
    raise_softirq(c, NET_RX_SOFTIRQ)
    c.in_softirq = True
    do_softirq(c)
    irq_exit(c)
    assert ran == [] and c.softirq_pending
    c.in_softirq = False
    irq_exit(c)
    assert ran == [1]


def test_veth_receive_is_traced_through_net_rx_action_and_process_backlog():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    r = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    r.bind(("veth1", 0))
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with k.trace() as t:
        s.sendto(b"\x02" * 12 + b"\x88\xb5" + bytes(46), ("veth0", 0x88B5))
    path = []

    def walk(n, chain):
        chain = chain + [n.function]
        if n.function == "__netif_receive_skb":
            path.append(chain)
        for c in n.children:
            walk(c, chain)
    for root in t.roots:
        walk(root, [])
    assert path and path[0][-4:] == ["do_softirq", "net_rx_action", "process_backlog",
                                     "__netif_receive_skb"]
    src = {n.function: n.source for root in t.roots for n in root.walk()}
    assert src["do_softirq"] == "kernel/softirq.c"
    assert src["process_backlog"] == "net/core/dev.c"
