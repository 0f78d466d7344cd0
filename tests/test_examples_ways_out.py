"""The ways-out examples run as their READMEs say."""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_two_processes_exchange_frames_over_a_stream_socket():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "two_processes.py"),
                        "--count", "300"], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "300/300 frames came back in order" in r.stdout
    assert "echoed 300 frames" in r.stdout
