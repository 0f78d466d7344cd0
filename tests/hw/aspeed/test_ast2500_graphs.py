"""netkernel's call graphs of the study case against the real kernel's function_graph, node by
node (tests/data/ast2500/graphs.txt.gz, Linux 6.1 on QEMU's AST2500).

Every function netkernel draws is found in the real graph of the same step under the same parent
(the nearest ancestor both graphs show), or deeper under it (real frames netkernel does not draw
in between), or it is absent with a reason: ast2500_oracle.KNOWN (a tail call, a 5.15 → 6.1
change, a function not modelled yet) or the kernel's symbol tables (inlined: no symbol; notrace:
a symbol ftrace cannot hook; frameless: a function ARM's function_graph cannot record). The
coverage — how much of the real graph netkernel draws — is
printed at the end of the run (tests/conftest.py) and quoted in docs/study-case.md.
"""
from __future__ import annotations

import pytest

import ast2500_oracle as oracle
import ast2500_study as study

COVERAGE: dict = {}          # step → (covered, total); read by tests/conftest.py's summary


@pytest.fixture(scope="module")
def run():
    return study.run()


@pytest.fixture(scope="module")
def real():
    return oracle.load_graphs()


@pytest.fixture(scope="module")
def syms():
    return (oracle.symbols("available_filter_functions.txt.gz"),
            oracle.symbols("text_symbols.txt.gz"),
            oracle.symbols("frameless_functions.txt.gz"))


def _nk(run, step):
    return [r for r in run.graphs[step] if r.function in oracle.NK_ROOTS]


@pytest.mark.parametrize("step", oracle.GRAPH_STEPS)
def test_every_function_netkernel_draws_is_placed_or_explained(run, real, syms, step):
    nk = _nk(run, step)
    assert nk, f"netkernel drew nothing for {step}"
    res = oracle.compare_graphs(nk, oracle.real_step_graph(real, step), *syms)
    assert not res["unexplained"], res["unexplained"]
    assert res["same parent"], "nothing in place: the comparison is not comparing"
    COVERAGE[step] = oracle.coverage(nk, oracle.real_step_graph(real, step))


def test_the_study_notes_spine_is_in_place(run, real, syms):
    """The seed's drawings, on the real kernel: socket → __sock_create → sock_alloc,
    packet_create → __register_prot_hook; sendto → packet_sendmsg → __dev_queue_xmit → the
    driver's xmit; the interrupt → NAPI → packet_rcv."""
    want = {"raw-socket": [("__sock_create", "__sys_socket"), ("sock_alloc", "__sock_create"),
                           ("packet_create", "__sock_create"),
                           ("__register_prot_hook", "packet_create")],
            "raw-sendto": [("packet_sendmsg", "__sys_sendto"),
                           ("ftgmac100_hard_start_xmit", "dev_hard_start_xmit"),
                           ("skb_copy_datagram_from_iter", "packet_sendmsg")],
            "recv": [("ftgmac100_poll", "__napi_poll"), ("__napi_poll", "net_rx_action"), ("packet_rcv", "__netif_receive_skb_core"),
                     ("packet_recvmsg", "__sys_recvfrom")]}
    for step, edges in want.items():
        res = oracle.compare_graphs(_nk(run, step), oracle.real_step_graph(real, step), *syms)
        placed = {(n, p) for n, p in res["same parent"]} | {(n, p) for n, p in res["deeper"]}
        for name, parent in edges:
            assert (name, parent) in placed, (step, name, parent)


def test_the_kernel_names_of_the_real_graph_are_drawn_in_place(run, real, syms):
    """packet_create asks ns_capable (capable is its init_user_ns wrapper), af_packet unhooks
    with __dev_remove_pack (dev_remove_pack adds synchronize_net), the transmit of an empty
    pfifo_fast goes through sch_direct_xmit (TCQ_F_CAN_BYPASS); the allocation, free, wakeup,
    NAPI and datagram steps are drawn under the names Linux calls them by."""
    want = {"raw-socket": [("ns_capable", "packet_create")],
            "raw-bind": [("__dev_remove_pack", "__unregister_prot_hook")],
            "raw-sendto": [("sch_direct_xmit", "__dev_queue_xmit"),
                           ("dev_hard_start_xmit", "sch_direct_xmit"),
                           ("alloc_skb_with_frags", "sock_alloc_send_pskb"),
                           ("__alloc_skb", "alloc_skb_with_frags"),
                           ("consume_skb", "ftgmac100_free_tx_packet"),
                           ("skb_release_head_state", "consume_skb"),
                           ("sock_wfree", "skb_release_head_state"),
                           ("sock_def_write_space", "sock_wfree")],
            "dgram-sendto": [("sch_direct_xmit", "__dev_queue_xmit"),
                             ("__copy_skb_header", "skb_clone")],
            "recv": [("napi_schedule_prep", "ftgmac100_interrupt"),
                     ("__napi_schedule_irqoff", "ftgmac100_interrupt"),
                     ("__raise_softirq_irqoff", "__napi_schedule_irqoff"),
                     ("__napi_poll", "net_rx_action"),
                     ("__netdev_alloc_skb", "ftgmac100_alloc_rx_buf"),
                     ("sock_def_readable", "packet_rcv"),
                     ("__skb_recv_datagram", "skb_recv_datagram"),
                     ("__skb_try_recv_from_queue", "__skb_try_recv_datagram"),
                     ("skb_copy_datagram_iter", "packet_recvmsg"),
                     ("consume_skb", "packet_recvmsg")]}
    for step, edges in want.items():
        res = oracle.compare_graphs(_nk(run, step), oracle.real_step_graph(real, step), *syms)
        for edge in edges:
            assert edge in res["same parent"], (step, edge)
    drawn = {oracle.clean_name(n.function) for s in oracle.GRAPH_STEPS for r in _nk(run, s)
             for n in r.walk()}
    assert not drawn & {"capable", "dev_remove_pack", "skb_trim", "pfifo_fast_enqueue",
                        "sk_data_ready", "sk_write_space", "napi_schedule"}


def test_frameless_functions_never_show_in_the_real_graphs(run, real, syms):
    """Rule frameless (frameless_functions.txt.gz, from the 6.1 vmlinux): ARM's function_graph
    cannot record a function without a stack frame. Checked on the data: none of them appears
    in any recorded graph, and the two netkernel draws on the receive path are among them."""
    frameless = syms[2]
    shown = {n.name for roots in oracle.load_graphs().values() for r in roots for n in r.walk()}
    assert frameless and not frameless & shown
    assert {"eth_header_parse", "sock_rfree"} <= frameless
    res = oracle.compare_graphs(_nk(run, "recv"), oracle.real_step_graph(real, "recv"), *syms)
    reasons = {name: why for name, _, why in res["absent"]}
    assert reasons["eth_header_parse"] == reasons["sock_rfree"] == oracle.FRAMELESS


def test_the_timer_tick_is_cut_out_by_rule(real):
    """Rule timer-irq: the ticks that interrupted a syscall are not part of the study case; the
    FTGMAC100's own interrupt inside sendto stays."""
    raw = oracle.load_graphs()["raw-sendto"]
    kept = oracle.real_step_graph(oracle.load_graphs(), "raw-sendto")
    names = {n.name for r in kept for n in r.walk()}
    assert "ftgmac100_interrupt" in names
    assert sum(1 for r in raw for n in r.walk()) >= sum(1 for r in kept for n in r.walk())
    assert not any(n.irq and "ftgmac100_interrupt" not in {m.name for m in n.walk()}
                   for r in kept for n in r.walk())


def test_coverage_of_the_real_graphs_is_measured(run, real):
    covered = total = 0
    for step in oracle.GRAPH_STEPS:
        c, t = oracle.coverage(_nk(run, step), oracle.real_step_graph(real, step))
        covered += c
        total += t
    COVERAGE["all"] = (covered, total)
    assert total > 500 and 0 < covered < total
    print(f"\nnetkernel draws {covered} of the real graphs' {total} nodes "
          f"({100 * covered / total:.1f} %)")
