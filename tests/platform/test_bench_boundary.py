"""Smoke test of bench/boundary.py: every side it can run measures every call (never timings)."""
import importlib.util
from pathlib import Path

import pytest

from test_seccomp_run import WHY_NOT   # noqa: E402  (tests/platform is on sys.path under pytest)

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_boundary", ROOT / "bench" / "boundary.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_in_process_side():
    r = bench.in_process(20)
    assert r["sendto"] > 0 and r["getsockopt"] > 0


@pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")
def test_boundary_side(tmp_path):
    prog = tmp_path / "child.py"
    prog.write_text(bench.CHILD)
    r = bench.boundary(20, str(prog))
    assert isinstance(r, dict), r
    assert r["sendto"] > 0 and r["getsockopt"] > 0 and r["getppid"] > 0
