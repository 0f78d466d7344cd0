#!/usr/bin/env python3
"""ARP ping between the two ends of a veth pair, written for real Linux packet sockets.

A responder thread answers ARP requests for 10.0.0.2 on the second interface; the main thread asks
"who has 10.0.0.2?" on the first one and waits (select) for the reply. Runs unchanged as root on a
real kernel, or anywhere under `netkernel run --topology examples/veth.topology -- python
examples/arp_ping.py veth0 veth1`.
"""
import select
import socket
import struct
import sys
import threading

ETH_P_ARP = 0x0806
ASK_IP, TARGET_IP = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def mac_of(s: socket.socket) -> bytes:
    return s.getsockname()[4]


def arp(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def responder(s: socket.socket, ready: threading.Event) -> None:
    me = mac_of(s)
    ready.set()
    while True:
        frame = s.recv(2048)
        op, sha, spa, tpa = struct.unpack("!6x H 6s 4s 6x 4s", frame[14:42])
        if op == 1 and tpa == TARGET_IP:
            s.send(sha + me + struct.pack("!H", ETH_P_ARP) + arp(2, me, TARGET_IP, sha, spa))
            return


def main(ask_if: str, answer_if: str) -> int:
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    r.bind((answer_if, 0))
    ready = threading.Event()
    t = threading.Thread(target=responder, args=(r, ready), daemon=True)
    t.start()
    ready.wait()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((ask_if, 0))
    me = mac_of(s)
    request = b"\xff" * 6 + me + struct.pack("!H", ETH_P_ARP) + arp(1, me, ASK_IP, bytes(6), TARGET_IP)
    s.send(request.ljust(60, b"\0"))
    while True:
        readable, _, _ = select.select([s], [], [], 2.0)
        if not readable:
            print("no reply")
            return 1
        frame, addr = s.recvfrom(2048)
        op, sha, spa = struct.unpack("!6x H 6s 4s", frame[14:32])
        if op == 2 and spa == TARGET_IP:
            print(f"reply from {socket.inet_ntoa(spa)} is-at {sha.hex(':')} "
                  f"(ifindex {socket.if_nametoindex(addr[0])}, pkttype {addr[2]})")
            t.join(2.0)
            return 0


if __name__ == "__main__":
    sys.exit(main(*(sys.argv[1:3] or ["veth0", "veth1"])))
