"""A real QEMU as a frame switch between two netkernel machines: a hub joins a `-netdev stream`
port (machine 1 connects to it) and a `-netdev dgram` port (machine 2's UDP endpoint); frames
cross both ways, and QEMU's own filter-dump records what passed its stream port. Loopback only."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

import netkernel
from netkernel.uapi import ETH_P_ALL

from waysout import read_pcap

MAC1 = bytes.fromhex("020000000101")
MAC2 = bytes.fromhex("020000000202")
QEMU = "qemu-system-x86_64"


def _free_port(kind) -> int:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def hub(tmp_path):
    """QEMU with no guest: stream server port + dgram port on hub 0. Yields the ports and the
    filter-dump file of the stream port."""
    if shutil.which(QEMU) is None:
        pytest.skip(f"{QEMU} is not installed (make sysdeps installs qemu-system-x86)")
    ps, pq, pn = (_free_port(socket.SOCK_STREAM), _free_port(socket.SOCK_DGRAM),
                  _free_port(socket.SOCK_DGRAM))
    dump = tmp_path / "qemu-stream-port.pcap"
    cmd = [QEMU, "-machine", "none", "-nodefaults", "-display", "none", "-monitor", "none",
           "-serial", "none",
           "-netdev", f"stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={ps}",
           "-netdev", f"dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port={pq},"
                      f"remote.type=inet,remote.host=127.0.0.1,remote.port={pn}",
           "-netdev", "hubport,id=h0,hubid=0,netdev=s0",
           "-netdev", "hubport,id=h1,hubid=0,netdev=d0",
           "-object", f"filter-dump,id=f0,netdev=s0,file={dump}"]
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield ps, pq, pn, dump, q
    finally:
        q.terminate()
        try:
            q.wait(10)
        except subprocess.TimeoutExpired:
            q.kill()
            q.wait()


def test_frames_cross_a_real_qemu_hub_both_ways_between_two_machines(hub):
    ps, pq, pn, dump, q = hub
    k1, k2 = netkernel.Kernel(seed=1), netkernel.Kernel(seed=2)
    k1.link_add("eth0", kind="qemu",
                netdev=f"stream,id=n0,addr.type=inet,addr.host=127.0.0.1,addr.port={ps},reconnect=1")
    k2.link_add("eth0", kind="qemu",
                netdev=f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={pn},"
                       f"remote.type=inet,remote.host=127.0.0.1,remote.port={pq}")
    k1.link_set("eth0", address=MAC1, up=True)
    k2.link_set("eth0", address=MAC2, up=True)
    dev1 = k1.net.dev_by_name["eth0"]
    deadline = time.monotonic() + 15
    while not dev1.carrier:
        assert q.poll() is None, q.stderr.read()
        assert time.monotonic() < deadline, "QEMU's stream port never accepted machine 1"
        time.sleep(0.02)
    socks = []
    for k in (k1, k2):
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind(("eth0", 0))
        s.settimeout(5)
        socks.append(s)
    s1, s2 = socks
    to2 = [(MAC2 + MAC1 + b"\x88\xb5" + bytes([i])).ljust(n, b"\x12")
           for i, n in enumerate((60, 64, 1514))]
    to1 = [(MAC1 + MAC2 + b"\x88\xb5" + bytes([i])).ljust(n, b"\x21")
           for i, n in enumerate((60, 500, 1000))]
    for f in to2:
        s1.send(f)
    got2 = [s2.recvfrom(4096) for _ in to2]
    for f in to1:
        s2.send(f)
    got1 = [s1.recvfrom(4096) for _ in to1]
    assert [d for d, _ in got2] == to2
    assert [d for d, _ in got1] == to1
    assert {a[2] for _, a in got1 + got2} == {socket.PACKET_HOST}
    q.terminate()
    q.wait(10)
    # QEMU's own record of its stream port: what machine 1 sent, then what it was given
    assert read_pcap(str(dump)) == to2 + to1
