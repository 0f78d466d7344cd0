"""The tracer records the study note's three call graphs (../shared/seed/000_e8faea6050278fbe.txt)."""
import socket

import netkernel
from netkernel.uapi import ETH_P_ALL

# parent → child edges of the note's diagrams, in the note's order
SOCKET_EDGES = [("sys_socket", "__sys_socket"), ("__sys_socket", "sock_create"),
                ("sock_create", "__sock_create"), ("__sock_create", "sock_alloc"),
                ("__sock_create", "packet_create"), ("packet_create", "__register_prot_hook"),
                ("__sys_socket", "sock_map_fd")]
BIND_EDGES = [("sys_bind", "__sys_bind"), ("__sys_bind", "sockfd_lookup_light"),
              ("__sys_bind", "move_addr_to_kernel"), ("__sys_bind", "packet_bind"),
              ("packet_bind", "packet_do_bind")]
SENDTO_EDGES = [("sys_sendto", "__sys_sendto"), ("__sys_sendto", "import_single_range"),
                ("__sys_sendto", "sockfd_lookup_light"), ("__sys_sendto", "move_addr_to_kernel"),
                ("__sys_sendto", "sock_sendmsg"), ("sock_sendmsg", "sock_sendmsg_nosec"),
                ("sock_sendmsg_nosec", "packet_sendmsg"), ("packet_snd", "packet_alloc_skb"),
                ("packet_snd", "dev_hard_header"), ("packet_snd", "skb_copy_datagram_from_iter"),
                ("packet_snd", "dev_queue_xmit")]


def edges(trace):
    out = []

    def walk(n):
        for c in n.children:
            out.append((n.function, c.function))
            walk(c)
    for r in trace.roots:
        walk(r)
    return out


def in_order(expected, got):
    """Each expected edge appears, and the children of one parent appear in the note's order."""
    pos = []
    for e in expected:
        assert e in got, f"edge {e[0]} -> {e[1]} missing from the trace"
        pos.append(got.index(e))
    for (a, ia), (b, ib) in zip(zip(expected, pos), zip(expected[1:], pos[1:])):
        if a[0] == b[0]:
            assert ia < ib, f"{a} should come before {b}"


def _machine():
    k = netkernel.Kernel()
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("eth0", up=True)
    k.link_set("peer0", up=True)
    return k


def test_socket_bind_sendto_match_study_note():
    k = _machine()
    with k.trace() as t1:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    with k.trace() as t2:
        s.bind(("eth0", 0))
    in_order(SOCKET_EDGES, edges(t1))
    in_order(BIND_EDGES, edges(t2))
    # SOCK_DGRAM so that packet_snd builds the header through dev_hard_header
    d = k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    with k.trace() as t3:
        d.sendto(b"x" * 46, ("eth0", 0x88B5, 0, 0, b"\xff" * 6))
    got = edges(t3)
    in_order(SENDTO_EDGES, got)
    assert ("packet_sendmsg", "packet_snd") in got  # the note folds packet_snd into packet_sendmsg


def test_every_traced_function_has_a_source_file():
    k = _machine()
    r = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    r.bind(("peer0", 0))
    with k.trace() as t:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.sendto(b"\x02" * 12 + b"\x88\xb5" + b"y" * 46, ("eth0", 0x88B5))
        r.recv(100)
    def walk(n):
        assert n["source"].endswith((".c", ".h")), n
        for c in n["children"]:
            walk(c)
    roots = t.to_json()
    assert [r["function"] for r in roots] == ["sys_socket", "sys_sendto", "sys_recvfrom"]
    for root in roots:
        walk(root)
    # the receive side is part of the send: veth delivers in the sender's softirq
    names = {e[1] for e in edges(t)}
    assert {"veth_xmit", "netif_rx", "__netif_receive_skb_core", "packet_rcv"} <= names


def test_demo_runs_and_delivers_the_frame(capsys):
    from netkernel.cli import main
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "packet_do_bind" in out and "dev_queue_xmit" in out and "packet_rcv" in out
    assert "pkttype=PACKET_HOST" in out
