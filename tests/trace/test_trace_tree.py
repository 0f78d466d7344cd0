"""Trace content: every node has its 5.15 source file; receive runs inside the send; the demo."""
import socket

import netkernel
from netkernel.uapi import ETH_P_ALL

def edges(trace):
    out = []

    def walk(n):
        for c in n.children:
            out.append((n.function, c.function))
            walk(c)
    for r in trace.roots:
        walk(r)
    return out


def _machine():
    k = netkernel.Kernel()
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("eth0", up=True)
    k.link_set("peer0", up=True)
    return k


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
    # like CPython, sendto first turns the interface name into an ifindex: ioctl(SIOCGIFINDEX)
    names = [r["function"] for r in roots]
    assert [n for n in names if "ioctl" not in n] == ["sys_socket", "sys_sendto", "sys_recvfrom"]
    assert "ioctl" in names[1]
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
    assert "sll_pkttype=PACKET_HOST" in out


def test_tracing_works_when_the_package_is_imported_through_a_relative_path():
    """bench/ scripts put `bench/../src` on sys.path: code file names then carry `..`."""
    import subprocess
    import sys
    from pathlib import Path
    src = Path(__file__).resolve().parents[2] / "tests" / ".." / "src"
    prog = (f"import sys; sys.path.insert(0, {str(src)!r})\n"
            "import socket, netkernel\n"
            "k = netkernel.Kernel()\n"
            "with k.trace() as t:\n"
            "    k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)\n"
            "print(sum(1 for r in t.roots for _ in r.walk()))\n")
    out = subprocess.run([sys.executable, "-c", prog], env={}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 5
