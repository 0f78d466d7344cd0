"""Real programs reading addresses and routes under `netkernel run`: glibc's getifaddrs, psutil,
pyroute2 and Scapy (RTM_GETADDR/RTM_GETROUTE dumps, strict-checking filters, SIOCGIFADDR) print
what they print on the real kernel for the same topology."""
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import realkernel

from netkernel.platform import seccomp

ROOT = Path(__file__).resolve().parents[2]
TOPO = ROOT / "tests" / "data" / "inet.topology"

PROGRAMS = {
    "getifaddrs": ("socket", """
        import ctypes, ctypes.util, socket
        class sockaddr(ctypes.Structure):
            _fields_ = [("sa_family", ctypes.c_ushort), ("sa_data", ctypes.c_ubyte * 14)]
        class ifaddrs(ctypes.Structure):
            pass
        ifaddrs._fields_ = [("ifa_next", ctypes.POINTER(ifaddrs)), ("ifa_name", ctypes.c_char_p),
                            ("ifa_flags", ctypes.c_uint), ("ifa_addr", ctypes.POINTER(sockaddr)),
                            ("ifa_netmask", ctypes.POINTER(sockaddr))]
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        p = ctypes.POINTER(ifaddrs)()
        assert libc.getifaddrs(ctypes.byref(p)) == 0
        while p:
            a = p.contents
            if a.ifa_addr and a.ifa_addr.contents.sa_family == socket.AF_INET:
                print(a.ifa_name.decode(), socket.inet_ntoa(bytes(a.ifa_addr.contents.sa_data)[2:6]))
            p = a.ifa_next
        """),
    "psutil": ("psutil", """
        import psutil
        for n, al in sorted(psutil.net_if_addrs().items()):
            print(n, [(a.address, a.netmask, a.broadcast) for a in al if a.family == 2])
        """),
    "pyroute2": ("pyroute2", """
        from pyroute2 import IPRoute
        with IPRoute() as ipr:
            for a in ipr.get_addr(family=2):
                print(a.get_attr("IFA_LABEL"), a.get_attr("IFA_ADDRESS"), a["prefixlen"])
            for r in ipr.get_routes(family=2, table=254):
                print(r.get_attr("RTA_DST"), r["dst_len"], r.get_attr("RTA_GATEWAY"),
                      r.get_attr("RTA_OIF"), r.get_attr("RTA_PREFSRC"))
        """),
    "scapy": ("scapy", """
        from scapy.all import conf, get_if_addr
        print(get_if_addr("veth0"), get_if_addr("veth1"))
        for r in sorted(conf.route.routes):
            print(hex(r[0]), hex(r[1]), r[2], r[3], r[4], r[5])
        print(conf.route.route("8.8.8.8")[:3])
        """),
}


def _why_not():
    missing = seccomp.missing_feature()
    if missing:
        return f"the host kernel lacks seccomp's {missing}"
    if os.geteuid() != 0:
        return "the real-kernel half needs root"
    return None


@pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_sees_the_models_addresses_and_routes(tmp_path, name):
    module, code = PROGRAMS[name]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    prog = tmp_path / f"prog_{name}.py"
    prog.write_text(textwrap.dedent(code))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([sys.executable, "-m", "netkernel", "run", "--topology", str(TOPO), "--",
                        "python", str(prog)], capture_output=True, text=True, timeout=120,
                       env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "10.0.0.1" in r.stdout
    real = realkernel.run_in_topology(TOPO, ["sh", "-c", f"ip link set lo up && "
                                             f"{sys.executable} {prog}"], timeout=120,
                                      disable_ipv6=True, prefix="nkinet")
    if real is None:
        pytest.skip("no real network namespace here")
    assert real.returncode == 0, real.stderr
    assert r.stdout == real.stdout
