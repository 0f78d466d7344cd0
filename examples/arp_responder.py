#!/usr/bin/env python3
"""An ARP responder written with netkernel packet sockets, answering real tools through a TAP.

    # as root
    ip netns add ns1
    PYTHONPATH=src python3 examples/arp_responder.py --host-netns ns1 --ip 10.0.0.2 > arp.log &
    until grep -q answering arp.log; do sleep 0.1; done     # wait until nktap0 exists
    ip -n ns1 addr add 10.0.0.1/24 dev nktap0 && ip -n ns1 link set nktap0 up
    ip netns exec ns1 arping -c 3 -w 5 -I nktap0 10.0.0.2   # the replies come from netkernel
    kill %1; ip netns del ns1

The netkernel machine gets a device `tap0` whose other side is the real TAP `nktap0` in the real
namespace `ns1`. A SOCK_RAW packet socket bound to ETH_P_ARP on tap0 reads who-has requests and
answers those for --ip with tap0's MAC address, exactly as a program on a real packet socket would.
"""
from __future__ import annotations

import argparse
import socket
import struct
import sys

import netkernel
from netkernel.uapi.if_ether import ETH_P_ARP

ARPHRD_ETHER = 1
ETH_P_IP = 0x0800
ARPOP_REQUEST = 1
ARPOP_REPLY = 2
# Ethernet header + struct arphdr (include/uapi/linux/if_arp.h) + the Ethernet/IPv4 addresses
ARP_FRAME = struct.Struct("!6s6sH HHBBH 6s4s6s4s")


def arp_reply(frame: bytes, my_mac: bytes, my_ip: bytes) -> bytes | None:
    """The reply to `frame` if it asks who has `my_ip` (Ethernet/IPv4 ARP), else None."""
    if len(frame) < ARP_FRAME.size:
        return None
    (_, src, etype, htype, ptype, hlen, plen, op, sha, spa, _tha,
     tpa) = ARP_FRAME.unpack_from(frame)
    if (etype != ETH_P_ARP or htype != ARPHRD_ETHER or ptype != ETH_P_IP or hlen != 6
            or plen != 4 or op != ARPOP_REQUEST or tpa != my_ip):
        return None
    return ARP_FRAME.pack(sha, my_mac, ETH_P_ARP, ARPHRD_ETHER, ETH_P_IP, 6, 4, ARPOP_REPLY,
                          my_mac, my_ip, sha, spa)


def respond(sock, ifname: str, my_mac: bytes, my_ip: bytes, stop=None, log=None) -> int:
    """Answer requests on `sock` until `stop` (a threading.Event) is set; returns replies sent."""
    sent = 0
    sock.settimeout(0.2)
    while stop is None or not stop.is_set():
        try:
            frame, addr = sock.recvfrom(2048)
        except TimeoutError:
            continue
        reply = arp_reply(frame, my_mac, my_ip)
        if reply is None:
            continue
        sock.send(reply)
        sent += 1
        if log is not None:
            print(f"{ifname}: {socket.inet_ntoa(my_ip)} is-at {my_mac.hex(':')} "
                  f"(asked by {frame[6:12].hex(':')})", file=log, flush=True)
    return sent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ip", required=True, help="the IPv4 address to answer for")
    ap.add_argument("--host-ifname", default="nktap0", help="the real TAP's name")
    ap.add_argument("--host-netns", default=None, help="the real network namespace")
    ap.add_argument("--mac", default=None, help="tap0's MAC address (default: random)")
    args = ap.parse_args(argv)

    k = netkernel.Kernel()
    k.link_add("tap0", kind="tap", host_ifname=args.host_ifname, host_netns=args.host_netns)
    if args.mac:
        k.link_set("tap0", address=args.mac)
    k.link_set("tap0", up=True)
    mac = bytes.fromhex(next(link["address"] for link in k.links()
                             if link["name"] == "tap0").replace(":", ""))
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind(("tap0", ETH_P_ARP))
    print(f"answering ARP for {args.ip} as {mac.hex(':')} on {args.host_ifname}", flush=True)
    try:
        respond(s, "tap0", mac, socket.inet_aton(args.ip), log=sys.stdout)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
