"""Smoke test of bench/pps.py: its measurement functions move every frame, on both sides.
Never asserts on timings."""
import importlib.util
import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
import realkernel  # noqa: E402

_spec = importlib.util.spec_from_file_location("pps", os.path.join(_HERE, "..", "bench", "pps.py"))
pps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pps)

COUNT = 50


def _side(name):
    if name == "real":
        ok, why = realkernel.available()
        if not ok:
            pytest.skip(why)
        return pps.RealSide()
    return pps.NetkernelSide()


@pytest.mark.parametrize("side_name", ["netkernel", "real"])
@pytest.mark.parametrize("case", sorted(pps.CASES))
def test_bench_moves_frames(side_name, case):
    side = _side(side_name)
    try:
        res = pps.CASES[case](side, COUNT)
    finally:
        side.close()
    assert res["sent"] == COUNT
    assert res["received"] == res["sent"]
    assert res["seconds"] > 0 and res["fps"] > 0


def test_bench_run_reports_ratio_or_reason():
    res = pps.run(count=20)
    for row in res["cases"].values():
        assert row["netkernel"]["received"] == row["netkernel"]["sent"] == 20
        if res["real_skipped"] is None:
            assert row["real"]["received"] == row["real"]["sent"] == 20
            assert row["ratio"] is not None
        else:
            assert row["real"] is None and row["ratio"] is None
