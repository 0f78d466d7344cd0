"""pfifo_fast's transmit (net/sched/sch_generic.c and __dev_xmit_skb, v5.15): a frame that finds
the lockless qdisc empty and not running bypasses the queue (TCQ_F_CAN_BYPASS → sch_direct_xmit);
otherwise it is enqueued and __qdisc_run sends the queue in order. A frame the driver cannot
take now is requeued at the head. noqueue devices never see any of it."""
import netkernel
from netkernel.include.linux.netdevice import netif_stop_queue, netif_wake_queue
from netkernel.net.core.dev import NET_XMIT_SUCCESS, PacketType, dev_queue_xmit, do_softirq
from netkernel.net.core.skbuff import alloc_skb, skb_put
from netkernel.net.sched.sch_generic import TCQ_F_CAN_BYPASS, pfifo_fast

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")


def _machine():
    """veth0 given a pfifo_fast qdisc (the driver takes every frame it is handed), and what
    arrives at veth1."""
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0, up=True)
    k.link_set("veth1", address=MAC1, up=True)
    v0 = k.init_net.dev_by_name["veth0"]
    v0.qdisc = pfifo_fast()
    v0.qdisc.activate()
    seen = []
    v1 = k.init_net.dev_by_name["veth1"]
    k.init_net.core.ptype_all.append(_tap(seen, v1))
    return k, v0, seen


def _tap(seen, dev):
    pt = PacketType(0x0003, lambda skb, d, p, o: seen.append(skb.bytes()) if d is dev else None)
    return pt


def _skb(k, dev, n, tag):
    data = MAC1 + MAC0 + b"\x88\xb5" + bytes([tag]) * (n - 14)
    skb = alloc_skb(k.core.profile, len(data))
    off = skb_put(skb, len(data))
    skb.buf[off:off + len(data)] = data
    skb.dev = dev
    skb.network_header = skb.data + 14
    skb.protocol = 0x88B5
    return skb


def _send(k, dev, n=60, tag=1):
    with k.trace() as t:
        with k._lock:
            rc = dev_queue_xmit(_skb(k, dev, n, tag))
    return rc, {(r.function, c.function) for root in t.roots for r in root.walk()
                for c in r.children}


def test_an_empty_pfifo_fast_is_bypassed_through_sch_direct_xmit():
    k, v0, seen = _machine()
    q = v0.qdisc
    assert q.flags & TCQ_F_CAN_BYPASS
    rc, edges = _send(k, v0, 42)
    assert rc == NET_XMIT_SUCCESS and len(seen) == 1
    assert ("__dev_xmit_skb", "sch_direct_xmit") in edges
    assert ("sch_direct_xmit", "dev_hard_start_xmit") in edges
    assert not any("pfifo_fast_enqueue" in e or "__qdisc_run" in e for e in edges)
    # qdisc_bstats_update counts the bypassed frame, at its length as queued
    assert (q.packets, q.bytes, q.drops, q.requeues, len(q.q)) == (1, 42, 0, 0, 0)
    assert not q.running


def test_a_stopped_queue_requeues_the_bypassed_frame_and_sends_the_queue_in_order():
    k, v0, seen = _machine()
    q = v0.qdisc
    with k._lock:
        netif_stop_queue(v0)
    rc, edges = _send(k, v0, tag=1)
    # the bypass still answers success: the frame is the qdisc's, first in line
    assert rc == NET_XMIT_SUCCESS and not seen
    assert ("sch_direct_xmit", "dev_requeue_skb") in edges
    assert (len(q.q), q.requeues, q.packets) == (1, 1, 0)
    # not empty now: the next frame is enqueued behind it and the run stops at the first
    rc, edges = _send(k, v0, tag=2)
    assert rc == NET_XMIT_SUCCESS and not seen
    assert ("__dev_xmit_skb", "pfifo_fast_enqueue") in edges
    assert ("__qdisc_run", "sch_direct_xmit") in edges
    assert (len(q.q), q.requeues, q.packets) == (2, 2, 0)
    with k._lock:
        netif_wake_queue(v0)
        do_softirq(k.core)          # veth1's backlog
    assert [f[14] for f in seen] == [1, 2]
    assert (len(q.q), q.packets, q.bytes) == (0, 2, 120)


def test_a_running_qdisc_is_not_bypassed():
    """qdisc_run_begin fails while the qdisc runs: the frame waits in the queue."""
    k, v0, seen = _machine()
    q = v0.qdisc
    q.running = True
    rc, edges = _send(k, v0)
    assert rc == NET_XMIT_SUCCESS and not seen and len(q.q) == 1
    assert ("__dev_xmit_skb", "pfifo_fast_enqueue") in edges
    assert not any("sch_direct_xmit" in e for e in edges)
    q.running = False
    with k._lock:
        q.run(v0)
        do_softirq(k.core)
    assert len(seen) == 1 and q.packets == 1


def test_noqueue_devices_never_touch_the_qdisc_path():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    v0 = k.init_net.dev_by_name["veth0"]
    assert v0.qdisc.enqueue is None
    rc, edges = _send(k, v0)
    assert ("__dev_queue_xmit", "dev_hard_start_xmit") in edges
    assert not any(f in e for e in edges for f in ("sch_direct_xmit", "__dev_xmit_skb"))
