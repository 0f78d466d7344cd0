"""Smoke test of bench/rings.py: both ring loops move every frame, on both sides. Never asserts
on timings."""
import importlib.util
import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
import realkernel  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_rings",
                                               os.path.join(_HERE, "..", "bench", "rings.py"))
rings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rings)

COUNT = 300


@pytest.mark.parametrize("side_name", ["netkernel", "real"])
@pytest.mark.parametrize("case", sorted(rings.CASES))
def test_ring_bench_moves_frames(side_name, case):
    if side_name == "real":
        ok, why = realkernel.available()
        if not ok:
            pytest.skip(why)
        side = rings.pps.RealSide()
    else:
        side = rings.pps.NetkernelSide()
    try:
        res = rings.CASES[case](side, COUNT)
    finally:
        side.close()
    assert res["sent"] == COUNT
    assert res["received"] == COUNT
    assert res["seconds"] > 0 and res["fps"] > 0
