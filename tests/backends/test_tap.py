"""kind "tap": a netkernel device whose other side is a real TAP in a real network namespace the
test creates. Real tools run on the real side: arping (iputils or Habets) gets its answers from an
ARP responder written with netkernel packet sockets; tcpdump -w records exactly what netkernel
sent; frames the real kernel sends arrive on netkernel sockets."""
from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import threading
import time

import pytest

import netkernel
from netkernel.backends.tap import run_in_netns
from netkernel.uapi.if_ether import ETH_P_ALL, ETH_P_ARP

from waysout import need_tap, need_tool, ns_run, read_pcap

HOST_IF = "nktap0"
NK_MAC = bytes.fromhex("020000aa0001")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _machine(ns: str):
    """A netkernel machine with tap0 ↔ the real nktap0 in `ns`; the real side is up with 10.0.0.1
    and without IPv6 (so the real kernel sends nothing of its own)."""
    ns_run(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    ns_run(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
    k = netkernel.Kernel()
    k.link_add("tap0", kind="tap", host_ifname=HOST_IF, host_netns=ns)
    k.link_set("tap0", address=NK_MAC, up=True)
    for cmd in (["ip", "addr", "add", "10.0.0.1/24", "dev", HOST_IF],
                ["ip", "link", "set", HOST_IF, "up"]):
        r = ns_run(ns, *cmd)
        assert r.returncode == 0, r.stderr
    return k


def _real_mac(ns: str) -> bytes:
    out = ns_run(ns, "cat", f"/sys/class/net/{HOST_IF}/address").stdout.strip()
    return bytes.fromhex(out.replace(":", ""))


def test_tap_link_add_creates_the_real_interface_in_the_namespace(real_netns):
    k = netkernel.Kernel()
    k.link_add("tap0", kind="tap", host_ifname=HOST_IF, host_netns=real_netns)
    r = ns_run(real_netns, "ip", "-o", "link", "show", HOST_IF)
    assert r.returncode == 0 and HOST_IF in r.stdout
    link = next(x for x in k.links() if x["name"] == "tap0")
    assert link["kind"] == "tap" and link["carrier"]
    assert subprocess.run(["ip", "link", "show", HOST_IF], capture_output=True).returncode != 0, \
        "the TAP must not appear in the host's own namespace"
    k.link_del("tap0")
    for _ in range(50):
        if ns_run(real_netns, "ip", "link", "show", HOST_IF).returncode != 0:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the real TAP outlived link_del")


def test_tap_in_a_missing_namespace_is_an_error_and_adds_nothing():
    need_tap()
    k = netkernel.Kernel()
    with pytest.raises(OSError):
        k.link_add("tap0", kind="tap", host_ifname=HOST_IF, host_netns="nkways-does-not-exist")
    assert [x["name"] for x in k.links()] == ["lo"]


def test_arping_gets_answers_from_the_netkernel_arp_responder(real_netns):
    arping = need_tool("arping")
    mod = _load_example("arp_responder")
    k = _machine(real_netns)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind(("tap0", ETH_P_ARP))
    stop = threading.Event()
    result = []
    t = threading.Thread(target=lambda: result.append(
        mod.respond(s, "tap0", NK_MAC, socket.inet_aton("10.0.0.2"), stop)))
    t.start()
    try:
        r = ns_run(real_netns, arping, "-c", "3", "-w", "10", "-I", HOST_IF, "10.0.0.2")
    finally:
        stop.set()
        t.join(5)
    assert r.returncode == 0, r.stdout + r.stderr
    mac = NK_MAC.hex(":")
    replies = [ln for ln in r.stdout.splitlines() if mac in ln.lower()]
    assert len(replies) == 3, r.stdout          # iputils: "Unicast reply from 10.0.0.2 [MAC]"
    assert result == [3]
    # the real kernel learnt nothing by itself: arping's own socket did the asking
    assert "Received 3 response" in r.stdout or "3 packets received" in r.stdout


def test_tcpdump_on_the_real_side_records_exactly_what_netkernel_sent(real_netns, tmp_path):
    tcpdump = need_tool("tcpdump")
    k = _machine(real_netns)
    dst = _real_mac(real_netns)
    frames = [(dst + NK_MAC + b"\x88\xb5" + bytes([i]) * 4).ljust(n, bytes([i]))
              for i, n in enumerate((60, 61, 64, 100, 127, 128, 500, 1000, 1499, 1514))]
    frames.append(b"\xff" * 6 + NK_MAC + b"\x08\x06" + bytes(46))        # broadcast
    frames.append(b"\x01\x00\x5e\x00\x00\x01" + NK_MAC + b"\x88\xb5" + bytes(46))  # multicast
    out = tmp_path / "real.pcap"
    p = subprocess.Popen(["ip", "netns", "exec", real_netns, tcpdump, "-i", HOST_IF, "-Q", "in",
                          "-U", "-n", "-c", str(len(frames)), "-w", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(5):              # "tcpdump: listening on nktap0, ..." once capturing
            line = p.stderr.readline()
            if "listening on" in line or not line:
                break
        assert "listening on" in line, line
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind(("tap0", 0))
        for f in frames:
            s.send(f)
        p.wait(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert read_pcap(str(out)) == frames


def test_frames_from_the_real_kernel_reach_netkernel_sockets_and_capture(real_netns, tmp_path):
    k = _machine(real_netns)
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    rx.bind(("tap0", 0x88B5))
    rx.settimeout(5)
    real = run_in_netns(real_netns, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
    src = _real_mac(real_netns)
    sent = [(NK_MAC + src + b"\x88\xb5" + bytes([i])).ljust(60 + i * 7, b"\xab") for i in range(20)]
    with real, k.capture("tap0", str(tmp_path / "tap0.pcapng")) as cap:
        real.bind((HOST_IF, 0))
        for f in sent:
            real.send(f)
        got = [rx.recvfrom(4096) for _ in sent]
    assert [d for d, _ in got] == sent
    assert {a[:4] for _, a in got} == {("tap0", 0x88B5, socket.PACKET_HOST, 1)}
    assert cap.packets >= len(sent)


def test_a_real_tap_deleted_underneath_turns_carrier_off_and_is_counted(real_netns):
    k = netkernel.Kernel()
    k.link_add("tap0", kind="tap", host_ifname=HOST_IF, host_netns=real_netns)
    k.link_set("tap0", address=NK_MAC, up=True)
    dev = k.net.dev_by_name["tap0"]
    b = dev.priv.port.backend
    assert dev.carrier
    r = ns_run(real_netns, "ip", "link", "del", HOST_IF)
    assert r.returncode == 0, r.stderr
    deadline = time.monotonic() + 5
    while dev.carrier and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not dev.carrier                         # the Port's link(False): carrier off
    b._reader._thread.join(5)
    assert not b._reader._thread.is_alive()        # the reader ended by itself
    assert b.fd == -1                              # and released the fd
    assert b.stats()["rx_errors"] == 1 and b.stats()["detached"] == 1
    assert b.error is not None and b.error.errno in (77, 19)     # EBADFD, or ENODEV at EOF
    assert next(x for x in k.links() if x["name"] == "tap0")["carrier"] is False
    k.link_del("tap0")                             # still removable afterwards
    assert [x["name"] for x in k.links()] == ["lo"]


def test_a_real_tap_deleted_under_an_ast2500_mac_takes_its_carrier_down(real_netns):
    from netkernel import machines
    k = machines.ast2500(clock="real")
    b = netkernel.connect(k, "eth0", tap=HOST_IF, host_netns=real_netns)
    eth0 = k.net.dev_by_name["eth0"]
    deadline = time.monotonic() + 5
    while not eth0.carrier and time.monotonic() < deadline:
        time.sleep(0.01)
    assert eth0.carrier
    assert ns_run(real_netns, "ip", "link", "del", HOST_IF).returncode == 0
    deadline = time.monotonic() + 5
    while eth0.carrier and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not eth0.carrier and not k.hw.mac0.state.phy_link
    assert b.stats()["detached"] == 1
