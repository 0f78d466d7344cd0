"""One script, two kernels: a real program's script under `netkernel run` on a topology file and
on the real kernel in a fresh network namespace built from the same file (test_programs_*.py)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import netkernel
import pytest
import realkernel
from netkernel import iproute

ROOT = Path(__file__).resolve().parents[2]
TOPO = ROOT / "examples" / "veth.topology"
# the veth pair with an IPv4 address on each end (needs the model's addresses, helper "inet")
ADDR_TOPO_LINES = ("ip addr add 10.0.0.1/24 dev veth0", "ip addr add 10.0.0.2/24 dev veth1")


def topology_with_addresses(tmp_path) -> Path:
    """examples/veth.topology plus an IPv4 address on each end; xfail (imperative) while the
    model has no addresses — the comparison runs by itself once it has."""
    topo = tmp_path / "addr.topology"
    topo.write_text(TOPO.read_text() + "\n".join(ADDR_TOPO_LINES) + "\n")
    try:
        iproute.load_topology(netkernel.Kernel(), str(topo))
    except iproute.IpError as e:
        pytest.xfail(f"the model has no IPv4 addresses yet ({e}): helper inet's work")
    return topo


def run_both(tmp_path, code: str, topology=TOPO, timeout=90):
    """(model, real): the script's CompletedProcess under `netkernel run` and on the real kernel
    (None where a real netns cannot be made). The real namespace's lo is brought up first, as the
    model's machines start with it up."""
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(code))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    model = subprocess.run([sys.executable, "-m", "netkernel", "run", "--topology",
                            str(topology), "--", sys.executable, str(prog)],
                           capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    real = realkernel.run_in_topology(
        topology, ["sh", "-c", f"ip link set lo up && exec {sys.executable} {prog}"],
        timeout, disable_ipv6=True)
    return model, real


def same_on_both(tmp_path, code: str, expected: str | None = None, topology=TOPO, timeout=90):
    """The script succeeds on both kernels and prints the same (and `expected`, when given);
    returns the model's output."""
    model, real = run_both(tmp_path, code, topology, timeout)
    assert model.returncode == 0, model.stderr
    if expected is not None:
        assert model.stdout == textwrap.dedent(expected).lstrip("\n"), \
            f"model:\n{model.stdout}\n{model.stderr}"
    if real is not None:
        assert real.returncode == 0, real.stderr
        assert model.stdout == real.stdout, f"model:\n{model.stdout}\nreal kernel:\n{real.stdout}"
    return model.stdout
