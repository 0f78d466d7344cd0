"""examples/ring_capture.py: a libpcap-style TPACKET_V3 reader loop, unchanged on netkernel (under
`netkernel run`) and on the real kernel (root, a fresh namespace), printing the same frames."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import realkernel

ROOT = Path(__file__).resolve().parents[1]
TOPO = ROOT / "examples" / "veth.topology"
PROG = ROOT / "examples" / "ring_capture.py"


def on_netkernel():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "netkernel", "run", "--topology", str(TOPO), "--",
                           "python", str(PROG), "veth0", "veth1"], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)


def test_ring_capture_on_netkernel():
    r = on_netkernel()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 13
    assert lines[0] == ("0: veth1 pkttype=1 proto=0x88b5 len=60 snaplen=60 mac=82 net=96 "
                        "ffffffffffff02000000009988b500000000")
    assert lines[-1].startswith("12 packets captured, kernel: packets=12 drops=0 freezes=0")


def test_ring_capture_same_output_as_the_real_kernel():
    real = realkernel.run_in_topology(TOPO, [sys.executable, str(PROG), "veth0", "veth1"],
                                      prefix="nkring")
    if real is None:
        pytest.skip("needs root, iproute2 and `ip netns add` to build the real namespace")
    model = on_netkernel()
    assert real.returncode == 0, real.stderr
    assert model.returncode == 0, model.stderr
    assert model.stdout == real.stdout
