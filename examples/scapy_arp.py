#!/usr/bin/env python3
"""ARP who-has with unmodified Scapy between the two ends of a veth pair.

A Scapy responder sniffs ARP requests on the second interface (a BPF filter libpcap compiles) and
answers with sendp; the main thread asks "who has 10.0.0.2?" on the first one with srp1. Runs
unchanged as root on a real kernel (a veth pair, both ends up), or anywhere under

    netkernel run --topology examples/veth.topology -- python3 examples/scapy_arp.py veth0 veth1
"""
import sys
import threading

from scapy.all import ARP, AsyncSniffer, Ether, conf, get_if_hwaddr, get_if_list, sendp, srp1

ASK_IP, TARGET_IP = "10.0.0.1", "10.0.0.2"


def main(iface: str = "veth0", peer: str = "veth1") -> int:
    conf.verb = 0
    print("interfaces:", ", ".join(sorted(get_if_list())))
    mac, peer_mac = get_if_hwaddr(iface), get_if_hwaddr(peer)

    def answer(req):
        a = req[ARP]
        if a.pdst == TARGET_IP:
            sendp(Ether(dst=a.hwsrc, src=peer_mac) /
                  ARP(op=2, hwsrc=peer_mac, psrc=a.pdst, hwdst=a.hwsrc, pdst=a.psrc), iface=peer)

    ready = threading.Event()
    responder = AsyncSniffer(iface=peer, filter="arp[6:2] = 1", count=1, prn=answer,
                             started_callback=ready.set)
    responder.start()
    ready.wait(5)
    reply = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) /
                 ARP(pdst=TARGET_IP, psrc=ASK_IP, hwsrc=mac), iface=iface, timeout=5)
    responder.join(5)
    if reply is None:
        print(f"no answer for {TARGET_IP}")
        return 1
    print(f"{reply[ARP].psrc} is at {reply[ARP].hwsrc} (asked on {iface}, answered on {peer})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
