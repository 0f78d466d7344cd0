"""The `netkernel` command."""
from __future__ import annotations

import argparse
import socket
import sys

import netkernel
from netkernel.uapi.if_ether import ETH_P_ALL
from netkernel.uapi.if_packet import PACKET_STATISTICS, SOL_PACKET, TPACKET_STATS

PKTTYPES = {0: "PACKET_HOST", 1: "PACKET_BROADCAST", 2: "PACKET_MULTICAST",
            3: "PACKET_OTHERHOST", 4: "PACKET_OUTGOING"}


def _hexdump(data: bytes, indent: str = "    ") -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        lines.append(f"{indent}{off:04x}  {chunk.hex(' '):<47}  "
                     + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk))
    return "\n".join(lines)


def demo(out=sys.stdout) -> int:
    """The study case: socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), bind to eth0, sendto."""
    p = lambda *a: print(*a, file=out)  # noqa: E731
    k = netkernel.Kernel(seed=1)
    peer = k.netns_add("peer")
    # eth0 is one end of a veth pair; the other end lives in the peer's namespace.
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("peer0", netns="peer")
    k.link_set("eth0", address="02:00:00:00:25:00", up=True)
    peer.link_set("peer0", address="02:00:00:00:25:01", up=True)
    p("netkernel: Linux 5.15 AF_PACKET path, study case (eth0 = veth to a peer namespace)")
    p("")
    for link in k.links():
        p(f"  {link['ifindex']}: {link['name']:6} {link['kind']:8} mtu {link['mtu']:<6} "
          f"{link['address']}  {'UP' if link['up'] else 'DOWN'}")
    p("")
    rx = peer.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.bind(("peer0", 0))

    frame = bytes.fromhex("020000002501" "020000002500" "88b5") + b"hello from netkernel".ljust(46, b".")
    with k.trace() as t1:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    p(f"socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = {s.fileno()}")
    p(t1.render() + "\n")
    with k.trace() as t2:
        s.bind(("eth0", 0))
    p(f"bind({s.fileno()}, {{sll_family=AF_PACKET, sll_ifindex={k.if_nametoindex('eth0')}}}, 20) = 0")
    p(t2.render() + "\n")
    with k.trace() as t3:
        n = s.sendto(frame, ("eth0", 0x88B5, 0, 0, bytes.fromhex("020000002501")))
    p(f"sendto({s.fileno()}, frame, {len(frame)}, 0, {{sll_ifindex={k.if_nametoindex('eth0')}}}, 20)"
      f" = {n}")
    p(t3.render() + "\n")
    with k.trace() as t4:
        data, addr = rx.recvfrom(2048)
    p(f"recvfrom on the peer (namespace 'peer', peer0) = {len(data)}")
    p(t4.render() + "\n")
    p("where the frame went:")
    p(f"  sll = (ifname={addr[0]!r}, protocol=0x{addr[1]:04x}, "
      f"pkttype={PKTTYPES.get(addr[2], addr[2])}, hatype={addr[3]}, addr={addr[4].hex(':')})")
    p(_hexdump(data))
    st = TPACKET_STATS.unpack(rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    p(f"  PACKET_STATISTICS of the receiver: tp_packets={st[0]} tp_drops={st[1]}")
    for name, view in (("eth0", k), ("peer0", peer)):
        link = next(li for li in view.links() if li["name"] == name)
        st = link["stats"]
        p(f"  {name}: tx_packets={st['tx_packets']} tx_bytes={st['tx_bytes']} "
          f"rx_packets={st['rx_packets']} rx_bytes={st['rx_bytes']}")
    s.close()
    rx.close()
    return 0 if data == frame else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="netkernel", description=netkernel.__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("demo", help="run the study case: socket/bind/sendto on eth0")
    args = ap.parse_args(argv)
    if args.cmd == "demo":
        return demo()
    return 2


if __name__ == "__main__":
    sys.exit(main())
