"""Unmodified Scapy (from PyPI) under `netkernel run`, compared with the real kernel: interfaces
from NETLINK_ROUTE, sendp on a packet socket, sniff with a filter libpcap compiles (through
ctypes, on a descriptor the model serves), srp1 against an ARP responder."""
import shutil

import pytest
from programs import ROOT, same_on_both, topology_with_addresses
from test_seccomp_run import WHY_NOT

pytest.importorskip("scapy")
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

PRELUDE = """
import socket, threading
from scapy.all import ARP, AsyncSniffer, Ether, conf, sendp, srp1
conf.verb = 0
def peer(dev, proto=0x88B5):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((dev, 0))
    return s
def ether(kind, payload):
    return Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01", type=kind) / payload
def arp_responder(dev, mac):
    # a plain packet-socket responder thread: answers one who-has with `mac`
    s = peer(dev, 0x0806)
    def answer():
        req = ARP(s.recv(2048)[14:])
        s.send(bytes(Ether(dst=req.hwsrc, src=mac) /
                     ARP(op=2, hwsrc=mac, psrc=req.pdst, hwdst=req.hwsrc, pdst=req.psrc)))
    t = threading.Thread(target=answer, daemon=True)
    t.start()
    return t
"""


def test_get_if_list_and_get_if_hwaddr(tmp_path):
    same_on_both(tmp_path, PRELUDE + """
from scapy.all import get_if_hwaddr, get_if_list, get_working_ifaces
print(sorted(get_if_list()))
print([get_if_hwaddr(d) for d in ("veth0", "veth1")])
print(sorted((i.name, i.index, i.mac, int(i.flags)) for i in conf.ifaces.values()))
print(sorted(i.name for i in get_working_ifaces()), conf.iface)
""", """
['lo', 'veth0', 'veth1']
['02:00:00:00:00:01', '02:00:00:00:00:02']
[('lo', 1, '00:00:00:00:00:00', 65609), ('veth0', 3, '02:00:00:00:00:01', 69699), \
('veth1', 2, '02:00:00:00:00:02', 69699)]
['lo', 'veth0', 'veth1'] lo
""")


def test_sendp_frame_checked_at_the_peer(tmp_path):
    same_on_both(tmp_path, PRELUDE + """
s = peer("veth1")
sendp(ether(0x88B5, b"from scapy"), iface="veth0")
sendp([ether(0x88B5, b"one"), ether(0x88B5, b"two")], iface="veth0")
for _ in range(3):
    f = s.recv(2048)
    print(len(f), f[:14].hex(), f[14:])            # veth does not pad short frames
""", """
24 ffffffffffff02000000000188b5 b'from scapy'
17 ffffffffffff02000000000188b5 b'one'
17 ffffffffffff02000000000188b5 b'two'
""")


def test_sniff_with_a_filter(tmp_path):
    """sniff(iface, filter, count): the filter is compiled by libpcap (pcap_open_live +
    pcap_compile through ctypes: its own packet socket and ioctls), attached with
    SO_ATTACH_FILTER; only the matching frames arrive."""
    same_on_both(tmp_path, PRELUDE + """
ready = threading.Event()
sn = AsyncSniffer(iface="veth1", filter="ether proto 0x88b5", count=2,
                  started_callback=ready.set)
sn.start()
ready.wait(10)
sendp([ether(0x88B6, b"not this"), ether(0x88B5, b"first"), ether(0x88B6, b"nor this"),
       ether(0x88B5, b"second")], iface="veth0")
sn.join(10)
for p in sn.results:
    print(p.sniffed_on, p.summary(), bytes(p.payload).rstrip(b"\\0"))
""", """
veth1 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff (0x88b5) / Raw b'first'
veth1 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff (0x88b5) / Raw b'second'
""")


def test_srp1_against_an_arp_responder(tmp_path):
    same_on_both(tmp_path, PRELUDE + """
t = arp_responder("veth1", "02:00:00:00:00:02")
me = "02:00:00:00:00:01"      # given: Scapy would take them from the routes
ans = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=me) /
           ARP(pdst="10.0.0.2", psrc="10.0.0.1", hwsrc=me), iface="veth0", timeout=10)
print(ans.summary(), ans[ARP].hwsrc, ans[ARP].psrc, ans.dst)
t.join(5)
""", """
Ether / ARP is at 02:00:00:00:00:02 says 10.0.0.2 02:00:00:00:00:02 10.0.0.2 02:00:00:00:00:01
""")


def test_addresses_and_routes_as_on_the_real_kernel(tmp_path):
    """conf.route, get_if_addr and an srp1 whose source Scapy takes from the routes: needs the
    model's IPv4 addresses and routes (xfails until then)."""
    topo = topology_with_addresses(tmp_path)
    same_on_both(tmp_path, PRELUDE + """
from scapy.all import get_if_addr
print(conf.route)
print(get_if_addr("veth0"), get_if_addr("veth1"), conf.iface)
print(sorted((i.name, i.ip, dict(i.ips)) for i in conf.ifaces.values()))
t = arp_responder("veth1", "02:00:00:00:00:02")
ans = srp1(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.0.2"), iface="veth0", timeout=10)
print(ans.summary(), ans[ARP].pdst)
""", topology=topo)


@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="needs tcpdump")
def test_tcpdump_ddd_compiles_filters_as_older_scapy_ran_it(tmp_path):
    """Scapy 2.4 compiled filters with `tcpdump -p -i IFACE -ddd -s MTU FILTER` (libpcap opens
    the device to learn its link type): the same program as on the real kernel."""
    out = same_on_both(tmp_path, """
import subprocess
r = subprocess.run(["tcpdump", "-p", "-i", "veth1", "-ddd", "-s", "1600", "ether proto 0x88b5"],
                   capture_output=True, text=True)
print(r.returncode, r.stdout.split())
""")
    assert out.startswith("0 ['4',")


def test_example_scapy_arp_prints_what_it_prints_on_the_real_kernel(tmp_path):
    """examples/scapy_arp.py (the README's Scapy example): AsyncSniffer with a filter answering
    with sendp, srp1 asking."""
    same_on_both(tmp_path, (ROOT / "examples" / "scapy_arp.py").read_text(),
                 "interfaces: lo, veth0, veth1\n"
                 "10.0.0.2 is at 02:00:00:00:00:02 (asked on veth0, answered on veth1)\n")
