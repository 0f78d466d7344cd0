"""Two AST2500 machines on a cable: frames both ways through packet sockets, and faults."""
import socket

import pytest

import netkernel
from netkernel import machines
from netkernel.uapi import ETH_P_ALL

PEER_MACS = (bytes.fromhex("020000000b00"), bytes.fromhex("020000000b01"))


def frame(dst: bytes, src: bytes, i: int) -> bytes:
    return dst + src + b"\x88\xb5" + i.to_bytes(4, "big") + bytes(42)


def pair():
    a = machines.ast2500(seed=1)
    b = machines.ast2500(seed=2, macaddrs=PEER_MACS)
    w = netkernel.connect(a, "eth0", b, "eth0")
    return a, b, w


def raw(k, dev, rcvbuf=None):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    if rcvbuf:
        k.sysctl("net.core.rmem_max", rcvbuf)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((dev, 0))
    s.setblocking(False)
    return s


def stats(k, name="eth0"):
    return next(li for li in k.links() if li["name"] == name)["stats"]


def test_two_machines_exchange_frames_both_ways():
    a, b, _ = pair()
    sa, sb = raw(a, "eth0"), raw(b, "eth0")
    mac_a, mac_b = bytes.fromhex("525400123456"), PEER_MACS[0]
    for i in range(5):
        f = frame(mac_b, mac_a, i)
        sa.send(f)
        assert sb.recv(2048) == f
        g = frame(mac_a, mac_b, 100 + i)
        sb.send(g)
        assert sa.recv(2048) == g
    assert stats(a)["tx_packets"] == stats(b)["rx_packets"] == 5
    assert stats(b)["tx_packets"] == stats(a)["rx_packets"] == 5


def test_machines_do_not_share_state():
    a, b, _ = pair()
    assert a.hw.soc is not b.hw.soc and a.core is not b.core
    assert a.hw.mac0.regs()["MAC_LADR"] != b.hw.mac0.regs()["MAC_LADR"]


def test_a_mac_wired_to_a_veth_end_of_another_machine():
    a = machines.ast2500(seed=1)
    v = netkernel.Kernel(seed=3)
    v.link_add("veth0", kind="veth", peer="veth1")
    v.link_set("veth0", up=True)
    v.link_set("veth1", up=True)
    netkernel.connect(a, "eth0", v, "veth0")
    s, r = raw(a, "eth0"), raw(v, "veth0")
    f = b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + bytes(50)
    s.send(f)
    assert r.recv(2048) == f
    g = b"\xff" * 6 + b"\x04" * 6 + b"\x88\xb5" + bytes(50)
    r.send(g)
    assert s.recv(2048) == g


def test_link_down_drops_sends_silently_and_link_up_restores():
    a, b, _ = pair()
    sa, sb = raw(a, "eth0"), raw(b, "eth0")
    f = frame(PEER_MACS[0], bytes.fromhex("525400123456"), 1)
    a.hw.mac0.set_link(False)
    assert next(li for li in a.links() if li["name"] == "eth0")["carrier"] is False
    assert sa.send(f) == len(f)                 # noop qdisc: dropped, sendto still succeeds
    with pytest.raises(BlockingIOError):
        sb.recv(2048)
    a.hw.mac0.set_link(True)
    assert next(li for li in a.links() if li["name"] == "eth0")["carrier"] is True
    sa.send(f)
    assert sb.recv(2048) == f


def test_rx_ring_exhaustion_drops_in_hardware_and_counts_rx_over_errors():
    a, b, _ = pair()
    sa, sb = raw(a, "eth0"), raw(b, "eth0", rcvbuf=1 << 20)
    b.hw.irqs_off()                             # the peer's CPU stops taking interrupts
    for i in range(130):
        sa.send(frame(PEER_MACS[0], bytes.fromhex("525400123456"), i))
    assert b.hw.mac0.stats()["rx_no_buf_drops"] == 2          # 128 slots, then NO_RXBUF
    assert all("RXPKT_RDY" in d["flags"] for d in b.hw.mac0.rx_ring())
    b.hw.irqs_on()
    st = stats(b)
    assert st["rx_packets"] == 128 and st["rx_over_errors"] == 1
    got = []
    while True:
        try:
            got.append(int.from_bytes(sb.recv(2048)[14:18], "big"))
        except BlockingIOError:
            break
    assert got == list(range(128))
    assert all(d["rxdes0"] & ~(1 << 30) == 0 for d in b.hw.mac0.rx_ring())   # all given back


def test_tx_ring_full_stops_the_queue_then_wakes_it():
    a, b, _ = pair()
    sa, sb = raw(a, "eth0"), raw(b, "eth0", rcvbuf=4 << 20)
    a.hw.mac0.tx_hold(True)
    for i in range(200):
        assert sa.send(frame(PEER_MACS[0], bytes.fromhex("525400123456"), i)) == 60
    eth0 = a.hw.mac0.netdev
    assert eth0.queue_stopped                   # 110 in the ring, fewer than 18 slots left
    assert sum("OWN" in d["flags"] for d in a.hw.mac0.tx_ring()) == 110
    assert len(eth0.qdisc.q) == 90              # the rest wait in pfifo_fast
    a.hw.mac0.tx_hold(False)
    assert not eth0.queue_stopped and len(eth0.qdisc.q) == 0
    assert stats(a)["tx_packets"] == 200 and stats(b)["rx_packets"] == 200
    got = []
    while True:
        try:
            got.append(int.from_bytes(sb.recv(2048)[14:18], "big"))
        except BlockingIOError:
            break
    assert got == list(range(200))


def _exchange(a, b, n):
    sa, sb = raw(a, "eth0"), raw(b, "eth0")
    mac_a, mac_b = bytes.fromhex("525400123456"), PEER_MACS[0]
    got_b, got_a = [], []
    for i in range(n):
        sa.send(frame(mac_b, mac_a, i))
        got_b.append(sb.recv(2048)[14:18])
        sb.send(frame(mac_a, mac_b, i))
        got_a.append(sa.recv(2048)[14:18])
    sa.close(), sb.close()
    want = [i.to_bytes(4, "big") for i in range(n)]
    return got_a == want and got_b == want


@pytest.mark.parametrize("bring_up", ["down_then_up", "machine_made_down"])
def test_a_mac_brought_up_with_the_cable_in_keeps_completing_transmits(bring_up):
    """With the cable already in, the PHY reports the link while ndo_open runs; the driver's
    reset must see the device running (netif_running is set before ndo_open, unlike IFF_UP), or
    the MAC stays masked: TX completions are never handled and the TX ring fills up."""
    if bring_up == "down_then_up":
        a, b, _ = pair()
        a.link_set("eth0", up=False)
        a.link_set("eth0", up=True)
    else:
        a = machines.ast2500(seed=1, up=False)
        b = machines.ast2500(seed=2, macaddrs=PEER_MACS)
        netkernel.connect(a, "eth0", b, "eth0")
        a.link_set("eth0", up=True)
    assert a.hw.mac0.regs()["IER"] != 0
    assert _exchange(a, b, 400)
    assert stats(a)["tx_packets"] == stats(b)["rx_packets"] == 400
    assert stats(a)["rx_packets"] == 400
