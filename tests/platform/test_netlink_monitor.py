"""Link notifications to real programs under `netkernel run`: `ip monitor link` (and `ip -o`),
pyroute2's IPRoute.bind()/get(), and a plain program whose select/epoll and blocking recv on a
NETLINK_ROUTE member socket are woken by a notification — each compared with the same program
on the real kernel in a fresh namespace built from the same topology."""
import shutil
import sys
import textwrap

import pytest

from tests.platform.test_seccomp_run import TOPO, WHY_NOT, nk, run_real_cmd

pytestmark = [pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or ""),
              pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")]

# changes made while the monitor listens: MTU, carrier (the peer down and up again), a new pair
# with fixed addresses, an address change, its deletion
CHANGES = ("ip link set veth0 mtu 1400; ip link set veth1 down; ip link set veth1 up; "
           "ip link add x0 address 02:00:00:00:00:31 type veth peer name x1 "
           "address 02:00:00:00:00:32; ip link set x0 address 02:00:00:00:00:33; "
           "ip link set x0 up; ip link del x0")


def _both(cmd: str, timeout=60):
    r = nk("run", "--topology", str(TOPO), "--", "sh", "-c", cmd, timeout=timeout)
    real = run_real_cmd(["sh", "-c", "ip link set lo up; " + cmd], timeout)
    return r, real


@pytest.mark.parametrize("monitor", ["ip monitor link", "ip -o monitor link"])
def test_ip_monitor_link_prints_what_the_real_kernel_announces(monitor):
    """`ip monitor` joins RTNLGRP_LINK and prints each RTM_NEWLINK/RTM_DELLINK as it comes:
    the same lines, in the same order, as on Linux for the same changes."""
    cmd = f"{monitor} & P=$!; sleep 1.5; {CHANGES}; sleep 1; kill $P"
    r, real = _both(cmd)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "mtu 1400" in r.stdout and "Deleted" in r.stdout and "x1@NONE" in r.stdout
    if real is not None:
        assert (r.stdout, r.stderr) == (real.stdout, real.stderr)


PYROUTE2 = """
import subprocess
from pyroute2 import IPRoute
ip = IPRoute()
ip.bind()
subprocess.run(["ip", "link", "set", "veth0", "mtu", "1400"], check=True)
subprocess.run(["ip", "link", "set", "veth1", "down"], check=True)
seen = []
while len(seen) < 3:
    for msg in ip.get():
        if msg["event"] in ("RTM_NEWLINK", "RTM_DELLINK"):
            seen.append((msg["event"], msg.get_attr("IFLA_IFNAME"), msg.get_attr("IFLA_MTU"),
                         msg.get_attr("IFLA_OPERSTATE"), msg["change"]))
for s in seen:
    print(*s)
ip.close()
"""


def _python_both(tmp_path, code: str, expected: str):
    """The program prints `expected` under netkernel run, and the same on the real kernel."""
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(code))
    r = nk("run", "--topology", str(TOPO), "--", sys.executable, str(prog))
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    real = run_real_cmd([sys.executable, str(prog)])
    if real is not None:
        assert (real.returncode, real.stdout) == (0, expected)


def test_pyroute2_bind_get_receives_link_events(tmp_path):
    """pyroute2's IPRoute().bind() then get(): the MTU change, the peer going down and the
    carrier loss it causes, as on Linux."""
    pytest.importorskip("pyroute2")
    _python_both(tmp_path, PYROUTE2, "RTM_NEWLINK veth0 1400 UP 0\nRTM_NEWLINK veth1 1500 DOWN 1\n"
                                     "RTM_NEWLINK veth0 1400 LOWERLAYERDOWN 0\n")


WAKE = """
import select, selectors, socket, struct, subprocess, threading, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 1))
def later(*cmd):
    def run():
        time.sleep(0.3)
        subprocess.run(cmd, check=True)
    t = threading.Thread(target=run)
    t.start()
    return t
def show(data):
    ln, t = struct.unpack_from("=IH", data)
    idx, flags, change = struct.unpack_from("=iII", data, 20)
    print(t, idx, hex(flags), hex(change))
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ)
t = later("ip", "link", "set", "veth0", "mtu", "1400")
print("selector", [k.fd == s.fileno() for k, _ in sel.select(timeout=20)])
show(s.recv(65536))
t.join()
ep = select.epoll()
ep.register(s.fileno(), select.EPOLLIN)
t = later("ip", "link", "set", "veth0", "mtu", "1300")
print("epoll", [(fd == s.fileno(), ev & select.EPOLLIN) for fd, ev in ep.poll(20)])
show(s.recv(65536))
t.join()
s.settimeout(20)
t = later("ip", "link", "set", "veth1", "mtu", "1200")
show(s.recv(65536))                       # a blocking receive, woken by the notification
t.join()
"""


def test_notification_wakes_select_epoll_and_blocking_recv(tmp_path):
    """A member socket's placeholder becomes readable when a notification arrives: a selector,
    an epoll and a blocked recv in the program each wake with it."""
    _python_both(tmp_path, WAKE, "selector [True]\n16 3 0x11043 0x0\nepoll [(True, 1)]\n"
                                 "16 3 0x11043 0x0\n16 2 0x11043 0x0\n")
