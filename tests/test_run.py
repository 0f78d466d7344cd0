"""`netkernel run` runs an unmodified packet-socket program; `netkernel ip` speaks iproute2."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import realkernel

ROOT = Path(__file__).resolve().parents[1]
TOPO = ROOT / "examples" / "veth.topology"
PROG = ROOT / "examples" / "arp_ping.py"


def nk(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "netkernel", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


def test_run_arp_ping_on_netkernel():
    r = nk("run", "--topology", str(TOPO), "--", "python", str(PROG), "veth0", "veth1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "reply from 10.0.0.2 is-at 02:00:00:00:00:02 (ifindex 3, pkttype 0)"


def test_run_with_trace_shows_the_programs_syscalls(tmp_path):
    out = tmp_path / "trace.txt"
    r = nk("run", "--topology", str(TOPO), "--trace", "tree", "--trace-out", str(out), "--",
           "python", str(PROG), "veth0", "veth1")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    for fn in ("sys_socket", "sys_bind", "sys_sendto", "veth_xmit", "packet_rcv", "sys_recvfrom"):
        assert fn in text


def test_run_same_output_as_the_real_kernel():
    """The same script and topology on the real kernel (in a fresh namespace) print the same."""
    real = realkernel.run_in_topology(TOPO, [sys.executable, str(PROG), "veth0", "veth1"])
    if real is None:
        pytest.skip("needs root, iproute2 and `ip netns add` to build the real namespace")
    model = nk("run", "--topology", str(TOPO), "--", "python", str(PROG), "veth0", "veth1")
    assert real.returncode == 0, real.stderr
    assert model.returncode == 0, model.stderr
    assert model.stdout == real.stdout


def test_ip_link_show_and_errors():
    r = nk("ip", "--topology", str(TOPO), "link", "show", "dev", "veth0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP "
        "mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff"]
    r = nk("ip", "--topology", str(TOPO), "link", "show", "dev", "nope0")
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_topology_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.topology"
    bad.write_text("ip link add veth0 type veth peer name veth1\nip link set veth9 up\n")
    from netkernel import Kernel, iproute
    with pytest.raises(iproute.IpError, match=r'bad.topology:2: Cannot find device "veth9"$'):
        iproute.load_topology(Kernel(), str(bad))


def test_iproute_commands_change_the_machine():
    from netkernel import Kernel, iproute
    k = Kernel()
    iproute.run(k, ["link", "add", "d0", "type", "veth", "peer", "name", "d1"])
    iproute.run(k, ["link", "set", "dev", "d0", "mtu", "9000", "up"])
    iproute.run(k, ["netns", "add", "blue"])
    iproute.run(k, ["link", "set", "d1", "netns", "blue"])
    links = {li["name"]: li for li in k.links()}
    assert links["d0"]["mtu"] == 9000 and links["d0"]["up"] and "d1" not in links
    assert k.netns("blue").if_nametoindex("d1") == 2
    iproute.run(k, ["-n", "blue", "link", "del", "d1"])
    assert "d0" not in {li["name"] for li in k.links()}   # deleting one veth end deletes both
